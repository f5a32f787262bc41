use crate::model::user_props;
use crate::rules::prx::addr::domain_lower;
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, need_collection, need_user_prop, par_ahead,
};
use rayon::prelude::*;

/// UPN001: a user whose UPN is not in a verified domain of the tenant.
pub struct UnverifiedUpnDomain;

static META: RuleMeta = RuleMeta {
    code: "UPN001",
    name: "unverified-upn-domain",
    category: Category::Breakage,
    summary: "user principal name in a domain the tenant has not verified",
    options: &[],
    reads: &[("users", "userPrincipalName"), ("domains", "isVerified")],
    doc: include_str!("../../../rules/UPN001.md"),
};

impl Rule for UnverifiedUpnDomain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::UPN, "userPrincipalName")?;
        need_collection(&t.domains, "domains")?;
        let users = par_ahead(t, &t.users.items, |u| [u.upn], |_| ());
        out.par_extend(users.filter_map(|(_, u)| {
            let upn = t.s(u.upn);
            if crate::model::trim(upn).is_empty() {
                return None;
            }
            let domain = domain_lower(upn);
            if domain.as_ref().is_some_and(|d| t.is_verified_domain(d)) {
                return None;
            }
            let shown = crate::ident::addr(upn);
            let message = match domain {
                Some(d) if !d.is_empty() => {
                    if t.domain(&d).is_some() {
                        format!(
                            "userPrincipalName `{shown}` is in domain `{d}`, which is added to the tenant but not verified"
                        )
                    } else {
                        format!(
                            "userPrincipalName `{shown}` is in domain `{d}`, which is not a domain of the tenant"
                        )
                    }
                }
                _ => format!("userPrincipalName `{shown}` has no domain part"),
            };
            Some(cx.finding(&META, cx.user_obj(u), message))
        }));
        Ok(())
    }
}
