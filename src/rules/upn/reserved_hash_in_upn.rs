use crate::model::{user_flags, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;

/// UPN003: a `#` in a UPN other than the guest marker `#EXT#` before the `@`.
pub struct ReservedHashInUpn;

static META: RuleMeta = RuleMeta {
    code: "UPN003",
    name: "reserved-hash-in-upn",
    category: Category::Breakage,
    summary: "user principal name contains the reserved character `#`",
    options: &[],
    reads: &[
        ("users", "userPrincipalName"),
        ("users", "onPremisesSyncEnabled"),
    ],
    doc: include_str!("../../../rules/UPN003.md"),
};

impl Rule for ReservedHashInUpn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::UPN, "userPrincipalName")?;
        // The loader judged each UPN with a `#` ([`crate::model::has_reserved_hash`]).
        let users = t.par_users_where(|h| h.is(user_flags::RESERVED_HASH_IN_UPN));
        out.par_extend(users.filter_map(|(_, u)| {
            let upn = t.s(u.upn);
            let upn = crate::ident::addr(upn);
            let message = if u.is_synced() {
                format!(
                    "userPrincipalName `{upn}` contains the reserved character `#`; the user is synced from on-premises and cannot sign in to the Azure portal"
                )
            } else {
                format!("userPrincipalName `{upn}` contains the reserved character `#`")
            };
            Some(cx.finding(&META, cx.user_obj(u), message))
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::has_reserved_hash as h;

    #[test]
    fn guest_marker_is_allowed_once_before_at() {
        assert!(!h("megan@contoso.com"));
        assert!(!h("megan_fabrikam.com#EXT#@contoso.onmicrosoft.com"));
        assert!(!h("megan_fabrikam.com#ext#@contoso.onmicrosoft.com"));
        assert!(!h("#EXT#@contoso.onmicrosoft.com"));
        assert!(!h(""));
        assert!(h("john#smith@contoso.com"));
        assert!(h("jo#hn_fabrikam.com#EXT#@contoso.onmicrosoft.com"));
        assert!(h("megan#EXT##EXT#@contoso.onmicrosoft.com"));
        assert!(h("alex#EXT#.old@contoso.com"));
        assert!(h("alex@contoso#.com"));
        assert!(h("no-at-sign#1"));
        assert!(h("#EXT#"));
        assert!(h("é#EXT@contoso.com"));
    }
}
