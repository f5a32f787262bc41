use crate::model::{
    StrRef, address_key, normalize_address, prefetch_slice, same_address, user_props,
};
use crate::rules::prx::addr::{Owner, all_owners, join_list, label, smtp_address};
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;

/// UPN004: a UPN shared by two users, or equal to another object's mail or SMTP address.
pub struct DuplicateUpn;

static META: RuleMeta = RuleMeta {
    code: "UPN004",
    name: "duplicate-upn",
    category: Category::Breakage,
    summary: "user principal name used by another user, group or contact",
    options: &[],
    doc: include_str!("../../../rules/UPN004.md"),
};

/// How a user is involved with another object; the order is the order of the message.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Rel {
    /// Both users have the same UPN.
    SameUpn,
    /// The user's UPN is the other object's `mail`.
    UpnIsMail,
    /// The user's UPN is an SMTP proxy address of the other object.
    UpnIsProxy,
    /// The user's `mail` is the other user's UPN.
    MailIsUpn,
    /// An SMTP proxy address of the user is the other user's UPN.
    ProxyIsUpn,
}

/// (user index, how, the user's address concerned, the other object).
type Entry = (u32, Rel, StrRef, Owner);

fn mail_of(cx: &Context, o: Owner) -> StrRef {
    let t = cx.tenant;
    match o {
        Owner::User(i) => t.users.items[i as usize].mail,
        Owner::Group(i) => t.groups.items[i as usize].mail,
        Owner::Contact(i) => t.contacts.items[i as usize].mail,
    }
}

/// An address of an owner to look up among the UPNs.
struct Lookup {
    key: u64,
    owner: Owner,
    addr: StrRef,
    proxy: bool,
}

/// The address to look up for address `addr` (a mail or the address part of an SMTP proxy
/// address) of owner `o`, if any. `own_upn` is the owner's UPN when the owner is a user whose
/// UPN no other user shares: an address equal to it is no other user's UPN.
fn lookup(
    o: Owner,
    own_upn: Option<&str>,
    addr_ref: StrRef,
    addr: &str,
    proxy: bool,
) -> Option<Lookup> {
    let addr = addr.trim();
    if addr.is_empty() || own_upn.is_some_and(|own| same_address(own, addr)) {
        return None;
    }
    Some(Lookup {
        key: address_key(addr),
        owner: o,
        addr: addr_ref,
        proxy,
    })
}

/// The entries for a batch of owners: for each address (the mail and the SMTP proxy
/// addresses, in that order) every other user whose UPN it is.
fn batch_entries(cx: &Context, shared: &[bool], owners: &[Owner]) -> Vec<Entry> {
    let t = cx.tenant;
    let mut pending: Vec<Lookup> = Vec::new();
    for (n, &o) in owners.iter().enumerate() {
        if let Some(&later) = owners.get(n + 2 * AHEAD) {
            prefetch_slice(later.proxies(t));
        }
        if let Some(&next) = owners.get(n + AHEAD) {
            t.strs.prefetch(mail_of(cx, next));
            if let Owner::User(i) = next {
                t.strs.prefetch(t.users.items[i as usize].upn);
            }
            for p in next.proxies(t) {
                t.strs.prefetch(p.raw);
            }
        }
        let own_upn = match o {
            Owner::User(i) if !shared[i as usize] => Some(t.s(t.users.items[i as usize].upn)),
            _ => None,
        };
        let mail = mail_of(cx, o);
        if !mail.is_empty() {
            pending.extend(lookup(o, own_upn, mail, t.s(mail), false));
        }
        for p in o.proxies(t) {
            if let Some(addr) = smtp_address(t.s(p.raw)) {
                pending.extend(lookup(o, own_upn, p.raw, addr, true));
            }
        }
    }
    let keys: Vec<u64> = pending.iter().map(|l| l.key).collect();
    let mut v = Vec::new();
    t.users_by_upn_keys(&keys, |j, u| {
        let l = &pending[j];
        let o = l.owner;
        if o == Owner::User(u) {
            return;
        }
        let raw = t.s(l.addr);
        let addr = if l.proxy {
            smtp_address(raw).unwrap_or(raw)
        } else {
            raw
        };
        let upn = t.users.items[u as usize].upn;
        if !same_address(t.s(upn), addr) {
            return;
        }
        let (theirs, mine) = if l.proxy {
            (Rel::UpnIsProxy, Rel::ProxyIsUpn)
        } else {
            (Rel::UpnIsMail, Rel::MailIsUpn)
        };
        v.push((u, theirs, upn, o));
        if let Owner::User(me) = o {
            v.push((me, mine, l.addr, Owner::User(u)));
        }
    });
    v
}

/// How many owners ahead [`batch_entries`] asks for the text of addresses.
const AHEAD: usize = 12;

/// The finding for one user from its entries (all with the same user index).
fn user_finding(cx: &Context, entries: &[Entry]) -> Finding {
    let t = cx.tenant;
    let user = &t.users.items[entries[0].0 as usize];
    // A user that shares the UPN is named once, as such, not again for its mail.
    let same: Vec<Owner> = entries
        .iter()
        .filter(|e| e.1 == Rel::SameUpn)
        .map(|e| e.3)
        .collect();
    let mut rows: Vec<(Rel, String, Object)> = entries
        .iter()
        .filter(|e| e.1 == Rel::SameUpn || !same.contains(&e.3))
        .map(|&(_, rel, addr, other)| {
            let text = t.s(addr).trim();
            let text = match rel {
                Rel::ProxyIsUpn => smtp_address(text).unwrap_or(text).trim(),
                _ => text,
            };
            (rel, text.to_owned(), other.obj(cx))
        })
        .collect();
    // The primary SMTP address usually equals the mail: name such an object once, for its mail.
    let mails: Vec<(String, Object)> = rows
        .iter()
        .filter(|r| matches!(r.0, Rel::UpnIsMail | Rel::MailIsUpn))
        .map(|r| (normalize_address(&r.1).into_owned(), r.2.clone()))
        .collect();
    rows.retain(|r| {
        !matches!(r.0, Rel::UpnIsProxy | Rel::ProxyIsUpn)
            || !mails
                .iter()
                .any(|(a, o)| *o == r.2 && *a == normalize_address(&r.1))
    });
    rows.sort_by(|a, b| {
        (a.0, normalize_address(&a.1), a.2.kind, &a.2.name, &a.2.id).cmp(&(
            b.0,
            normalize_address(&b.1),
            b.2.kind,
            &b.2.name,
            &b.2.id,
        ))
    });
    rows.dedup_by(|a, b| {
        a.0 == b.0 && a.2 == b.2 && normalize_address(&a.1) == normalize_address(&b.1)
    });
    let mut clauses = Vec::new();
    for run in
        rows.chunk_by(|a, b| a.0 == b.0 && normalize_address(&a.1) == normalize_address(&b.1))
    {
        let (rel, addr) = (run[0].0, &run[0].1);
        let names: Vec<String> = run.iter().map(|r| label(&r.2)).collect();
        let names = join_list(&names);
        clauses.push(match rel {
            Rel::SameUpn => format!("userPrincipalName `{addr}` is shared with {names}"),
            Rel::UpnIsMail => format!("userPrincipalName `{addr}` is the mail of {names}"),
            Rel::UpnIsProxy => {
                format!("userPrincipalName `{addr}` is an SMTP proxy address of {names}")
            }
            Rel::MailIsUpn => format!("mail `{addr}` is the userPrincipalName of {names}"),
            Rel::ProxyIsUpn => {
                format!("proxy address `smtp:{addr}` is the userPrincipalName of {names}")
            }
        });
    }
    let related = rows.into_iter().map(|r| r.2).collect();
    cx.finding(&META, cx.user_obj(user), clauses.join("; "))
        .with_related(related)
}

impl Rule for DuplicateUpn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::UPN, "userPrincipalName")?;
        // Users sharing their UPN with another user: only for them can an address equal to
        // their own UPN be another user's UPN.
        let dup_runs = t.duplicate_upns();
        let mut shared = vec![false; t.users.items.len()];
        for &u in dup_runs.iter().flatten() {
            shared[u as usize] = true;
        }
        let mut entries: Vec<Entry> = all_owners(t)
            .chunks(256)
            .flat_map_iter(|owners| batch_entries(cx, &shared, &owners))
            .collect();
        for run in dup_runs {
            for &u in &run {
                let upn = t.users.items[u as usize].upn;
                for &v in &run {
                    if v != u {
                        entries.push((u, Rel::SameUpn, upn, Owner::User(v)));
                    }
                }
            }
        }
        entries.par_sort_unstable_by_key(|e| e.0);
        out.par_extend(
            entries
                .par_chunk_by(|a, b| a.0 == b.0)
                .map(|run| user_finding(cx, run)),
        );
        Ok(())
    }
}
