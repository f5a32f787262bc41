use super::in_scope;
use crate::model::{User, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip, need_user_prop};
use rayon::prelude::*;

/// SSPR006: synced users may reset their password but the reset cannot be written back.
pub struct WritebackDisabled;

static META: RuleMeta = RuleMeta {
    code: "SSPR006",
    name: "sspr-writeback-disabled",
    category: Category::Breakage,
    summary: "synced users are in the password reset scope but password writeback is not enabled",
    options: &[],
    reads: &[
        ("policies", "passwordResetPolicy"),
        ("users", "accountEnabled"),
        ("users", "userType"),
        ("users", "userPrincipalName"),
        ("groups", "members"),
        ("users", "onPremisesSyncEnabled"),
        ("policies", "onPremisesPasswordResetPolicy"),
    ],
    doc: include_str!("../../../rules/SSPR006.md"),
};

/// How many affected users the message names.
const EXAMPLES: usize = 3;

/// Inserts `s` into `first` (sorted, at most [`EXAMPLES`] long) if it is among the smallest.
fn keep_first<'a>(first: &mut Vec<&'a str>, s: &'a str) {
    if first.len() == EXAMPLES && first.last().is_some_and(|&last| s >= last) {
        return;
    }
    let at = first.partition_point(|&x| x <= s);
    first.insert(at, s);
    first.truncate(EXAMPLES);
}

fn show(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "true",
        Some(false) => "false",
        None => "missing",
    }
}

impl Rule for WritebackDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let onprem = t.policies.on_prem_password_reset.as_ref().ok_or_else(|| {
            Skip("the snapshot has no policies.onPremisesPasswordResetPolicy".into())
        })?;
        let scope = in_scope(cx)?;
        if onprem.writeback_supported == Some(true) && onprem.enablement_for_tenant == Some(true) {
            return Ok(());
        }
        need_user_prop(
            t,
            user_props::ON_PREMISES_SYNC_ENABLED,
            "onPremisesSyncEnabled",
        )?;
        // The count of synced users in scope and the EXAMPLES first names in sorted order:
        // no need to sort them all.
        let name = |u: &User| {
            if u.upn.is_empty() {
                u.display_name
            } else {
                u.upn
            }
        };
        let near = move |u: &User| u.is_synced().then(|| name(u));
        let (n, first) = scope
            .par_users_ahead(t, near, |_| ())
            .filter(|u| u.is_synced())
            .fold(
                || (0usize, Vec::new()),
                |(n, mut first), u| {
                    keep_first(&mut first, t.s(name(u)));
                    (n + 1, first)
                },
            )
            .reduce(
                || (0, Vec::new()),
                |(n, mut first), (m, other)| {
                    for s in other {
                        keep_first(&mut first, s);
                    }
                    (n + m, first)
                },
            );
        if n == 0 {
            return Ok(());
        }
        let mut examples = first
            .iter()
            .map(|s| crate::ident::object_name(crate::model::ObjKind::User, s))
            .collect::<Vec<_>>()
            .join(", ");
        if n > EXAMPLES {
            examples.push_str(&format!(" and {} more", n - EXAMPLES));
        }
        out.push(cx.finding(
            &META,
            cx.policy_obj("onPremisesPasswordResetPolicy"),
            format!(
                "password writeback is not enabled (passwordWritebackSupported {}, enablementForTenant {}) but {n} synced user{} {} in the password reset scope: {examples}",
                show(onprem.writeback_supported),
                show(onprem.enablement_for_tenant),
                if n == 1 { "" } else { "s" },
                if n == 1 { "is" } else { "are" },
            ),
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::WritebackDisabled;
    use crate::rules::sspr::testing::{run, tenant};

    const USERS: &str = r#""users": [
        {"id": "9a7ca979-43db-4976-83f8-bdf21a4b0fd1", "userPrincipalName": "a@contoso.com", "onPremisesSyncEnabled": true},
        {"id": "615beb81-ec90-4a09-ac96-663b97e94bb5", "userPrincipalName": "b@contoso.com", "onPremisesSyncEnabled": null}
    ]"#;

    #[test]
    fn keep_first_is_the_head_of_the_sorted_list() {
        let all = ["d", "b", "b", "e", "a", "c", "a", "f"];
        for n in 0..=all.len() {
            let mut first = Vec::new();
            for s in &all[..n] {
                super::keep_first(&mut first, s);
            }
            let mut sorted = all[..n].to_vec();
            sorted.sort_unstable();
            sorted.truncate(super::EXAMPLES);
            assert_eq!(first, sorted);
        }
    }

    #[test]
    fn both_flags_must_be_true() {
        for (policy, fires) in [
            (
                r#"{"passwordWritebackSupported": true, "enablementForTenant": true}"#,
                false,
            ),
            (r#"{"passwordWritebackSupported": true}"#, true),
            (
                r#"{"passwordWritebackSupported": false, "enablementForTenant": true}"#,
                true,
            ),
            (r#"{}"#, true),
        ] {
            let t = tenant(&format!(
                r#"{{{USERS}, "policies": {{"passwordResetPolicy": {{"enablementType": 2}}, "onPremisesPasswordResetPolicy": {policy}}}}}"#
            ));
            let f = run(&WritebackDisabled, &t).unwrap();
            assert_eq!(!f.is_empty(), fires, "{policy}: {f:?}");
            if fires {
                assert!(f[0].1.contains("1 synced user is"), "{}", f[0].1);
            }
        }
    }

    #[test]
    fn skipped_without_onprem_policy_and_silent_when_sspr_off() {
        let t = tenant(&format!(
            r#"{{{USERS}, "policies": {{"passwordResetPolicy": {{"enablementType": 2}}}}}}"#
        ));
        assert!(run(&WritebackDisabled, &t).is_err());
        let t = tenant(&format!(
            r#"{{{USERS}, "policies": {{"passwordResetPolicy": {{"enablementType": 0}}, "onPremisesPasswordResetPolicy": {{}}}}}}"#
        ));
        assert!(run(&WritebackDisabled, &t).unwrap().is_empty());
    }
}
