use super::addr::{Owner, all_owners_ahead, domain_lower, smtp_address};
use crate::model::{group_props, normalize_address, user_props};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip, need_collection};
use rayon::prelude::*;

/// PRX002: an `smtp:` proxy address in a domain the tenant has not verified.
pub struct ProxyAddressUnverifiedDomain;

static META: RuleMeta = RuleMeta {
    code: "PRX002",
    name: "proxy-address-unverified-domain",
    category: Category::Hygiene,
    summary: "smtp proxy address in a domain the tenant has not verified",
    options: &[],
    doc: include_str!("../../../rules/PRX002.md"),
};

impl Rule for ProxyAddressUnverifiedDomain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_collection(&t.domains, "domains")?;
        if !t.users.has(user_props::PROXY_ADDRESSES) && !t.groups.has(group_props::PROXY_ADDRESSES)
        {
            return Err(Skip(
                "no user or group has `proxyAddresses` (add it to the export's $select)".into(),
            ));
        }
        out.par_extend(
            all_owners_ahead(t, |u| !u.is_guest())
                .filter(|o| !matches!(o, Owner::Contact(_)))
                .flat_map_iter(|o| {
                    let proxies = o.proxies(t);
                    let mut v = Vec::new();
                    for (i, p) in proxies.iter().enumerate() {
                        let raw = t.s(p.raw);
                        let Some(addr) = smtp_address(raw) else {
                            continue;
                        };
                        let Some(d) = domain_lower(addr) else {
                            continue;
                        };
                        if d.is_empty() || t.is_verified_domain(&d) {
                            continue;
                        }
                        let norm = normalize_address(raw);
                        // The same address twice on the object: one finding.
                        if proxies[..i]
                            .iter()
                            .any(|q| q.key == p.key && normalize_address(t.s(q.raw)) == norm)
                        {
                            continue;
                        }
                        let why = if t.domain(&d).is_some() {
                            "which is added to the tenant but not verified"
                        } else {
                            "which is not a domain of the tenant"
                        };
                        let message =
                            format!("proxy address `{}` is in domain `{d}`, {why}", raw.trim());
                        v.push(
                            cx.finding(&META, o.obj(cx), message)
                                .with_key(norm.into_owned()),
                        );
                    }
                    v
                }),
        );
        Ok(())
    }
}
