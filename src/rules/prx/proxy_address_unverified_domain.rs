use super::addr::{Owner, all_owners_ahead, domain_lower};
use crate::model::{
    Proxy, Tenant, group_props, normalize_address, proxy_flags, smtp_address, user_props,
};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta, Skip, need_collection};
use rayon::prelude::*;
use std::borrow::Cow;

/// PRX002: an `smtp:` proxy address in a domain the tenant has not verified.
pub struct ProxyAddressUnverifiedDomain;

static META: RuleMeta = RuleMeta {
    code: "PRX002",
    name: "proxy-address-unverified-domain",
    category: Category::Hygiene,
    summary: "smtp proxy address in a domain the tenant has not verified",
    options: &[],
    reads: &[
        ("users", "proxyAddresses"),
        ("users", "userType"),
        ("groups", "proxyAddresses"),
        ("domains", "isVerified"),
    ],
    doc: include_str!("../../../rules/PRX002.md"),
};

fn smtp(p: Proxy) -> bool {
    p.is(proxy_flags::SMTP)
}

/// An `smtp:` entry whose text the rule reads ahead: not one in the user's UPN domain, which
/// is judged by that domain (the entries of a user with an unverified UPN domain are read
/// too, without asking ahead: they are few).
fn read_ahead(p: Proxy) -> bool {
    smtp(p) && !p.is(proxy_flags::IN_UPN_DOMAIN)
}

/// Whether the domain of the last address asked about passed (has none, is empty or is
/// verified), by the text after its last `@` as written. An owner's addresses, and the
/// owners one task reads, are mostly in a few domains: asking again about the same text
/// costs a comparison, not a lower-casing and a lookup.
#[derive(Default)]
struct DomainMemo<'a> {
    last: Option<(&'a str, bool)>,
}

impl<'a> DomainMemo<'a> {
    /// Whether `addr` (an `smtp:` address without its prefix) passes: the same as asking
    /// [`domain_lower`] and the tenant's domains, which depend on the text after the last
    /// `@` only.
    fn passes(&mut self, t: &Tenant, addr: &'a str) -> bool {
        let Some(at) = memchr::memrchr(b'@', addr.as_bytes()) else {
            return true;
        };
        let after = addr.get(at + 1..).unwrap_or_default();
        if let Some((text, passes)) = self.last
            && text == after
        {
            return passes;
        }
        let passes = domain_lower(addr).is_none_or(|d| d.is_empty() || t.is_verified_domain(&d));
        self.last = Some((after, passes));
        passes
    }
}

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
        // Whether each distinct UPN domain passes (empty or verified): a user's entries in
        // its UPN's domain pass or fail with it, without reading them.
        let upn_domain_passes = t
            .upn_domains
            .table(|d| d.is_empty() || t.is_verified_domain(d));
        out.par_extend(
            all_owners_ahead(t, |u| !u.is_guest(), read_ahead)
                .filter(|o| !matches!(o, Owner::Contact(_)))
                .map_init(DomainMemo::default, |memo, o| {
                    let passes = match o {
                        Owner::User(i) => {
                            let d = t.users.items.at(i).upn_domain;
                            upn_domain_passes.get(d.index()) == Some(&Some(true))
                        }
                        _ => false,
                    };
                    // (normalised address, spelling, domain) of each address in a domain
                    // that is not verified.
                    let mut bad: Vec<(Cow<'_, str>, &str, Cow<'_, str>)> = Vec::new();
                    for &p in o.proxies(t) {
                        if !smtp(p) || passes && p.is(proxy_flags::IN_UPN_DOMAIN) {
                            continue;
                        }
                        let raw = t.s(p.raw).trim();
                        let Some(addr) = smtp_address(raw) else {
                            continue;
                        };
                        if memo.passes(t, addr) {
                            continue;
                        }
                        let Some(d) = domain_lower(addr) else {
                            continue;
                        };
                        bad.push((normalize_address(raw), raw, d));
                    }
                    // The same address twice on the object: one finding, quoting the smallest
                    // spelling whatever the order (sorting keeps this linear in the addresses).
                    bad.sort_unstable();
                    bad.dedup_by(|a, b| a.0 == b.0);
                    let mut v = Vec::with_capacity(bad.len());
                    for (norm, raw, d) in bad {
                        let why = if t.domain(&d).is_some() {
                            "which is added to the tenant but not verified"
                        } else {
                            "which is not a domain of the tenant"
                        };
                        let message = format!(
                            "proxy address `{}` is in domain `{d}`, {why}",
                            crate::ident::addr(raw)
                        );
                        v.push(
                            cx.finding(&META, o.obj(cx), message)
                                .with_key(norm.into_owned()),
                        );
                    }
                    v
                })
                .flatten_iter(),
        );
        Ok(())
    }
}
