use crate::model::{Tenant, UserHot, user_props};
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, need_collection, need_user_prop,
};
use rayon::prelude::*;

/// UPN002: a cloud-only member user whose UPN is in a federated domain.
pub struct FederatedDomainCloudUser;

static META: RuleMeta = RuleMeta {
    code: "UPN002",
    name: "federated-domain-cloud-user",
    category: Category::Breakage,
    summary: "cloud-only user whose user principal name is in a federated domain",
    options: &[],
    reads: &[
        ("users", "userPrincipalName"),
        ("users", "onPremisesSyncEnabled"),
        ("users", "userType"),
        ("domains", "authenticationType"),
    ],
    doc: include_str!("../../../rules/UPN002.md"),
};

/// The listed domain that decides whether `name` is federated: `name` itself when listed,
/// else its nearest listed parent (as [`Tenant::is_federated_domain`] decides).
fn deciding_domain<'a>(t: &Tenant, name: &'a str) -> Option<&'a str> {
    if t.domain(name).is_some() {
        return Some(name);
    }
    let mut rest = name;
    while let Some((_, parent)) = rest.split_once('.') {
        if t.domain(parent).is_some() {
            return Some(parent);
        }
        rest = parent;
    }
    None
}

impl Rule for FederatedDomainCloudUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::UPN, "userPrincipalName")?;
        need_user_prop(
            t,
            user_props::ON_PREMISES_SYNC_ENABLED,
            "onPremisesSyncEnabled",
        )?;
        need_collection(&t.domains, "domains")?;
        // Each distinct UPN domain judged once (the loader numbered them).
        let federated = t
            .upn_domains
            .table(|d| !d.is_empty() && t.is_federated_domain(d));
        let federated = &federated;
        let cloud_user_in_federated = move |h: UserHot| {
            !h.is_synced()
                && !h.is_guest()
                && federated.get(h.upn_domain.index()) == Some(&Some(true))
        };
        out.par_extend(t.par_users_where(cloud_user_in_federated).filter_map(|(_, u)| {
            if u.upn.is_empty() {
                return None;
            }
            let d = t.upn_domains.get(u.upn_domain)?;
            let upn = crate::ident::addr(t.s(u.upn));
            let message = match deciding_domain(t, d) {
                Some(root) if root != d => format!(
                    "cloud-only user's userPrincipalName `{upn}` is in `{d}`, a subdomain of federated domain `{root}`"
                ),
                _ => format!(
                    "cloud-only user's userPrincipalName `{upn}` is in federated domain `{d}`"
                ),
            };
            Some(cx.finding(&META, cx.user_obj(u), message))
        }));
        Ok(())
    }
}
