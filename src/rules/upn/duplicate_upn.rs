use crate::model::{StrRef, address_key, normalize_address, user_props};
use crate::rules::prx::addr::{Owner, all_owners, join_list, label, smtp_address};
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_prop};
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

/// The entries for one address `addr` (a mail or the address part of an SMTP proxy address)
/// of owner `o`: every other user whose UPN it is.
fn lookups(cx: &Context, o: Owner, addr_ref: StrRef, addr: &str, proxy: bool, v: &mut Vec<Entry>) {
    let t = cx.tenant;
    let addr = addr.trim();
    if addr.is_empty() {
        return;
    }
    for u in t.users_by_upn_key(address_key(addr)) {
        if o == Owner::User(u) {
            continue;
        }
        let upn = t.users.items[u as usize].upn;
        if normalize_address(t.s(upn)) != normalize_address(addr) {
            continue;
        }
        let (theirs, mine) = if proxy {
            (Rel::UpnIsProxy, Rel::ProxyIsUpn)
        } else {
            (Rel::UpnIsMail, Rel::MailIsUpn)
        };
        v.push((u, theirs, upn, o));
        if let Owner::User(me) = o {
            v.push((me, mine, addr_ref, Owner::User(u)));
        }
    }
}

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
        need_prop(&t.users, "users", user_props::UPN, "userPrincipalName")?;
        let mut entries: Vec<Entry> = all_owners(t)
            .flat_map_iter(|o| {
                let mut v = Vec::new();
                let mail = mail_of(cx, o);
                if !mail.is_empty() {
                    lookups(cx, o, mail, t.s(mail), false, &mut v);
                }
                for p in o.proxies(t) {
                    if let Some(addr) = smtp_address(t.s(p.raw)) {
                        lookups(cx, o, p.raw, addr, true, &mut v);
                    }
                }
                v
            })
            .collect();
        for run in t.duplicate_upns() {
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
