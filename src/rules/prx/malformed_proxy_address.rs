use super::addr::{all_owners_ahead, need_any_proxies};
use crate::model::{
    Proxy, has_prefix, normalize_address, plainly_valid, proxy_flags, smtp_address,
};
use crate::rules::listing::{MAX_LISTED, join_names};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};
use rayon::prelude::*;

/// PRX003: a proxy address without prefix, an invalid SMTP address, or several primaries.
pub struct MalformedProxyAddress;

static META: RuleMeta = RuleMeta {
    code: "PRX003",
    name: "malformed-proxy-address",
    category: Category::Hygiene,
    summary: "proxy address without prefix, invalid smtp address, or several primary smtp addresses",
    options: &[],
    reads: &[
        ("users", "proxyAddresses"),
        ("groups", "proxyAddresses"),
        ("contacts", "proxyAddresses"),
    ],
    doc: include_str!("../../../rules/PRX003.md"),
};

/// Characters that never belong in a proxy SMTP address (they come from pasted display
/// names, lists or a doubled prefix).
const FORBIDDEN: &[char] = &['<', '>', '(', ')', '[', ']', ',', ';', ':', '"', '\\'];

/// Why the address part of an SMTP proxy address is not a valid address, if it is not.
pub fn smtp_problem(addr: &str) -> Option<String> {
    if plainly_valid(addr) {
        return None;
    }
    if addr.chars().any(char::is_whitespace) {
        return Some("it contains whitespace".into());
    }
    if addr.chars().any(char::is_control) {
        return Some("it contains a control character".into());
    }
    if let Some(c) = addr.chars().find(|c| FORBIDDEN.contains(c)) {
        return Some(format!("it contains `{c}`"));
    }
    let Some((local, domain)) = addr.split_once('@') else {
        return Some("it has no `@`".into());
    };
    if domain.contains('@') {
        return Some("it has more than one `@`".into());
    }
    if local.is_empty() {
        return Some("the part before `@` is empty".into());
    }
    if domain.is_empty() {
        return Some("the domain is empty".into());
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Some("the part before `@` has a misplaced dot".into());
    }
    if !domain.contains('.') {
        return Some(format!("domain `{domain}` has no dot"));
    }
    if domain.split('.').any(str::is_empty) {
        return Some(format!("domain `{domain}` has an empty label"));
    }
    None
}

/// Whether the entry may be malformed: blank, without a prefix, or an `smtp:` entry whose
/// address is not plainly valid. Only these are read (the flags of the model say the rest).
fn suspect(p: Proxy) -> bool {
    use proxy_flags::*;
    !p.is(PREFIXED) || (p.is(SMTP) && !p.is(PLAIN))
}

impl Rule for MalformedProxyAddress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_any_proxies(t)?;
        out.par_extend(all_owners_ahead(t, |_| true, suspect).flat_map_iter(|o| {
            let proxies = o.proxies(t);
            let is_primary = |p: &&Proxy| p.is(proxy_flags::PRIMARY);
            let primaries = proxies.iter().filter(is_primary).count();
            // Most objects: nothing to read, nothing to allocate.
            if primaries < 2 && !proxies.iter().any(|&p| suspect(p)) {
                return Vec::new();
            }
            // (key, spelling, message) of each bad entry.
            let mut bad: Vec<(String, &str, String)> = Vec::new();
            for &p in proxies.iter() {
                if !suspect(p) {
                    continue;
                }
                let entry = t.s(p.raw).trim();
                let shown = || crate::ident::addr(entry);
                let (message, kind) = if entry.is_empty() {
                    (
                        "an empty proxy address has no `prefix:` part".to_owned(),
                        "no-prefix",
                    )
                } else if !has_prefix(entry) {
                    (
                        format!(
                            "proxy address `{}` has no `prefix:` part (such as `smtp:`)",
                            shown()
                        ),
                        "no-prefix",
                    )
                } else if let Some(why) = smtp_address(entry).and_then(smtp_problem) {
                    (
                        format!(
                            "proxy address `{}` is not a valid SMTP address: {why}",
                            shown()
                        ),
                        "invalid",
                    )
                } else {
                    continue;
                };
                bad.push((
                    format!("{kind}:{}", normalize_address(entry)),
                    entry,
                    message,
                ));
            }
            // The same bad entry twice on the object: one finding, for the smallest spelling
            // whatever the order (sorting keeps this linear in the entries).
            bad.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
            bad.dedup_by(|a, b| a.0 == b.0);
            let mut v: Vec<Finding> = bad
                .into_iter()
                .map(|(key, _, message)| cx.finding(&META, o.obj(cx), message).with_key(key))
                .collect();
            if primaries > 1 {
                let mut primaries: Vec<&str> = proxies
                    .iter()
                    .filter(is_primary)
                    .map(|p| t.s(p.raw).trim())
                    .collect();
                primaries.sort_unstable();
                let shown: Vec<String> = primaries
                    .iter()
                    .take(MAX_LISTED)
                    .map(|e| format!("`{}`", crate::ident::addr(e)))
                    .collect();
                v.push(
                    cx.finding(
                        &META,
                        o.obj(cx),
                        format!(
                            "object has {} primary SMTP addresses ({}); only one may be primary",
                            primaries.len(),
                            join_names(&shown, primaries.len())
                        ),
                    )
                    .with_key("primary"),
                );
            }
            v
        }));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plainly_valid_agrees_with_smtp_problem() {
        for a in [
            "megan@contoso.com",
            "a.b-c+d_e@sub.contoso.co.uk",
            "megan@contoso",
            "megan@.contoso.com",
            ".megan@contoso.com",
            "me..gan@contoso.com",
            "megan@contoso..com",
            "megan.@contoso.com",
            "megan@contoso.com.",
            "@contoso.com",
            "megan@",
            "a@b@c.com",
            "megan",
            "",
            "x@y.z",
        ] {
            assert_eq!(plainly_valid(a), smtp_problem(a).is_none(), "{a}");
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(smtp_problem("megan@contoso.com"), None);
        assert_eq!(smtp_problem("megan.bowen+x@sub.contoso.co.uk"), None);
        assert_eq!(smtp_problem("jürgen@müller.de"), None);
        for bad in [
            "megan",
            "@contoso.com",
            "megan@",
            "megan@contoso",
            "megan@@contoso.com",
            "a@b@contoso.com",
            " megan@contoso.com",
            "megan @contoso.com",
            "Megan <megan@contoso.com>",
            "smtp:megan@contoso.com",
            "megan@contoso..com",
            "megan@.contoso.com",
            "megan@contoso.com.",
            ".megan@contoso.com",
            "me..gan@contoso.com",
            "megan@contoso.com;lee@contoso.com",
            "",
        ] {
            assert!(smtp_problem(bad).is_some(), "{bad}");
        }
    }
}
