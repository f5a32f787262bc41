use super::{policy, selected_group_ids};
use crate::model::{Enablement, group_props};
use crate::rules::listing::{MAX_LISTED, MAX_RELATED, join_names};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_prop};

/// SSPR002: the selected-users enablement points at no usable group.
pub struct ScopeGroupInvalid;

static META: RuleMeta = RuleMeta {
    code: "SSPR002",
    name: "sspr-scope-group-invalid",
    category: Category::Breakage,
    summary: "password reset is enabled for a selected group that is missing, unknown, not unique or without users",
    options: &[],
    reads: &[("policies", "passwordResetPolicy"), ("groups", "members")],
    doc: include_str!("../../../rules/SSPR002.md"),
};

const POLICY: &str = "passwordResetPolicy";

impl Rule for ScopeGroupInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let (p, enablement) = policy(t)?;
        if enablement != Enablement::Selected {
            return Ok(());
        }
        let ids = selected_group_ids(p);
        if ids.is_empty() {
            out.push(
                cx.finding(
                    &META,
                    cx.policy_obj(POLICY),
                    "password reset is enabled for selected users but `passwordResetEnabledGroupIds` names no group, so nobody can reset".into(),
                )
                .with_key("no-group"),
            );
            return Ok(());
        }
        need_prop(&t.groups, "groups", group_props::MEMBERS, "members")?;
        let label = |id| match t.group_index(id) {
            Some(g) => format!(
                "\"{}\" ({id})",
                crate::ident::name(t.s(t.groups.items.at(g).display_name))
            ),
            None => id.to_string(),
        };
        if ids.len() > 1 {
            // Named (in id order) and related: the first few, the rest counted.
            let related = ids
                .iter()
                .filter_map(|&id| t.group_index(id))
                .take(MAX_RELATED)
                .map(|g| cx.group_obj(t.groups.items.at(g)))
                .collect();
            let list: Vec<String> = ids.iter().take(MAX_LISTED).map(|&id| label(id)).collect();
            out.push(
                cx.finding(
                    &META,
                    cx.policy_obj(POLICY),
                    format!(
                        "{} groups are selected ({}) but the Azure portal supports exactly one",
                        ids.len(),
                        join_names(&list, ids.len())
                    ),
                )
                .with_key("several-groups")
                .with_related(related),
            );
        }
        let reaching = t.groups_reaching_users();
        for &id in &ids {
            match t.group_index(id) {
                None => out.push(
                    cx.finding(
                        &META,
                        cx.policy_obj(POLICY),
                        format!(
                            "selected group {id} is not in the snapshot's groups (deleted, or not exported)"
                        ),
                    )
                    .with_key(format!("unknown-group:{id}")),
                ),
                Some(g) if !reaching.get(g as usize).copied().unwrap_or(false) => {
                    let group = t.groups.items.at(g);
                    out.push(
                        cx.finding(
                            &META,
                            cx.policy_obj(POLICY),
                            format!(
                                "selected group {} has no user members, directly or through nested groups",
                                label(id)
                            ),
                        )
                        .with_key(format!("no-user-members:{id}"))
                        .with_related(vec![cx.group_obj(group)]),
                    );
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ScopeGroupInvalid;
    use crate::rules::sspr::testing::{run, tenant};

    #[test]
    fn no_group_id_is_one_finding_even_without_groups() {
        let t = tenant(
            r#"{"policies": {"passwordResetPolicy": {"enablementType": "selected", "passwordResetEnabledGroupIds": []}}}"#,
        );
        let f = run(&ScopeGroupInvalid, &t).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "no-group");
    }

    #[test]
    fn silent_unless_selected_and_skipped_without_enablement() {
        let t = tenant(r#"{"policies": {"passwordResetPolicy": {"enablementType": 2}}}"#);
        assert!(run(&ScopeGroupInvalid, &t).unwrap().is_empty());
        let t = tenant(r#"{"policies": {"passwordResetPolicy": {}}}"#);
        assert!(run(&ScopeGroupInvalid, &t).is_err());
        let t = tenant(r#"{"users": []}"#);
        assert!(run(&ScopeGroupInvalid, &t).is_err());
    }

    #[test]
    fn ids_without_groups_collection_skip() {
        let t = tenant(
            r#"{"policies": {"passwordResetPolicy": {"enablementType": 1, "passwordResetEnabledGroupIds": ["58295dd2-fa3d-4f14-953e-1cdc4a647f66"]}}}"#,
        );
        assert!(run(&ScopeGroupInvalid, &t).is_err());
    }
}
