use crate::model::{UpnDomain, UserHot, user_props};
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, need_collection, need_user_prop,
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
        // Each distinct UPN domain judged once (the loader numbered them): whether it is
        // verified. A blank UPN is not judged; one without `@` never is in a verified domain.
        let verified = t.upn_domains.table(|d| t.is_verified_domain(d));
        let verified = &verified;
        let flagged = move |h: UserHot| match h.upn_domain {
            UpnDomain::BLANK => false,
            UpnDomain::NO_AT => true,
            d => verified.get(d.index()).is_some_and(|v| *v == Some(false)),
        };
        out.par_extend(t.par_users_where(flagged).filter_map(|(_, u)| {
            let upn = t.s(u.upn);
            let shown = crate::ident::addr(upn);
            let message = match t.upn_domains.get(u.upn_domain) {
                Some(d) if !d.is_empty() => {
                    if t.domain(d).is_some() {
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
