use crate::model::{
    Proxy, StrRef, Tenant, address_key, normalize_address, prefetch_slice, proxy_flags,
    same_address, smtp_address, user_flags, user_props,
};
use crate::rules::listing::{MAX_RELATED, join_counted, listed, others};
use crate::rules::prx::addr::{Owner, all_owners};
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_user_prop};
use rayon::prelude::*;
use std::ops::ControlFlow;

/// UPN004: a UPN shared by two users, or equal to another object's mail or SMTP address.
pub struct DuplicateUpn;

static META: RuleMeta = RuleMeta {
    code: "UPN004",
    name: "duplicate-upn",
    category: Category::Breakage,
    summary: "user principal name used by another user, group or contact",
    options: &[],
    reads: &[
        ("users", "userPrincipalName"),
        ("users", "mail"),
        ("users", "proxyAddresses"),
        ("groups", "mail"),
        ("groups", "proxyAddresses"),
        ("contacts", "mail"),
        ("contacts", "proxyAddresses"),
    ],
    doc: include_str!("../../../rules/UPN004.md"),
};

/// How a user is involved with other objects; the order is the order of the message.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Rel {
    /// Other users have the same UPN.
    SameUpn,
    /// The user's UPN is the other objects' `mail`.
    UpnIsMail,
    /// The user's UPN is an SMTP proxy address of the other objects.
    UpnIsProxy,
    /// The user's `mail` is the other users' UPN.
    MailIsUpn,
    /// An SMTP proxy address of the user is the other users' UPN.
    ProxyIsUpn,
}

/// Which address of an object equals a UPN.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Via {
    Mail,
    Proxy,
}

/// An object's address equal to the UPN of users other than itself: (the UPN's class, how,
/// the object, the address as the object spells it). A class is the set of users with one UPN
/// (normalised), named by the smallest of their indexes: an address links to the class once,
/// not to each of its users, so n users sharing a UPN and m objects holding it as mail give
/// n + m links, not n × m.
type Link = (u32, Via, Owner, StrRef);

fn mail_of(cx: &Context, o: Owner) -> StrRef {
    let t = cx.tenant;
    match o {
        Owner::User(i) => t.users.items.at(i).mail,
        Owner::Group(i) => t.groups.items.at(i).mail,
        Owner::Contact(i) => t.contacts.items.at(i).mail,
    }
}

/// An address of an owner to look up among the UPNs.
struct Lookup {
    key: u64,
    owner: Owner,
    addr: StrRef,
    via: Via,
}

/// The address to look up for address `addr` (a mail or the address part of an SMTP proxy
/// address) of owner `o`, if any. `own_upn` is the owner's UPN when the owner is a user: an
/// address equal to it links the user to its own class, which says nothing.
fn lookup(
    o: Owner,
    own_upn: Option<&str>,
    addr_ref: StrRef,
    addr: &str,
    via: Via,
) -> Option<Lookup> {
    let addr = crate::model::trim(addr);
    if addr.is_empty() || own_upn.is_some_and(|own| same_address(own, addr)) {
        return None;
    }
    Some(Lookup {
        key: address_key(addr),
        owner: o,
        addr: addr_ref,
        via,
    })
}

/// The address of a link as the message quotes it: the mail, or the proxy address without
/// its `smtp:` prefix, trimmed.
fn shown(t: &Tenant, via: Via, addr: StrRef) -> &str {
    let raw = t.s(addr).trim();
    match via {
        Via::Mail => raw,
        Via::Proxy => smtp_address(raw).unwrap_or(raw).trim(),
    }
}

/// Whether the rule reads the text of proxy address `p`: an `smtp:` entry that is not the
/// owner's own UPN and whose key is not that of its address alone (or is that of a blank one).
fn read_text(p: Proxy, blank: u64) -> bool {
    p.is(proxy_flags::SMTP)
        && !p.is(proxy_flags::IS_UPN)
        && !(p.is(proxy_flags::ADDRESS_KEY) && p.key() != blank)
}

/// The mail of owner `o` unless it is known to be the owner's own UPN.
fn mail_to_look_up(cx: &Context, o: Owner) -> StrRef {
    match o {
        Owner::User(i) if cx.tenant.users.items.at(i).is(user_flags::MAIL_IS_UPN) => StrRef::EMPTY,
        _ => mail_of(cx, o),
    }
}

/// The links of a batch of owners: for each address (the mail and the SMTP proxy addresses)
/// the class of the users whose UPN it is, if any. What loading worked out spares the text
/// of most addresses: a user's mail or SMTP address that is its own UPN says nothing
/// ([`user_flags::MAIL_IS_UPN`], [`proxy_flags::IS_UPN`]), and any other ASCII SMTP address
/// is looked up by its key.
fn batch_links(cx: &Context, owners: &[Owner]) -> Vec<Link> {
    let t = cx.tenant;
    let blank = address_key("");
    let own_upn = |o: Owner| match o {
        Owner::User(i) => Some(t.s(t.users.items.at(i).upn)),
        _ => None,
    };
    let mut pending: Vec<Lookup> = Vec::new();
    for (n, &o) in owners.iter().enumerate() {
        if let Some(&later) = owners.get(n + 2 * AHEAD) {
            prefetch_slice(later.proxies(t));
        }
        if let Some(&next) = owners.get(n + AHEAD) {
            t.strs.prefetch(mail_to_look_up(cx, next));
            for &p in next.proxies(t) {
                if read_text(p, blank) {
                    t.strs.prefetch(p.raw);
                }
            }
        }
        let mail = mail_to_look_up(cx, o);
        if !mail.is_empty() {
            pending.extend(lookup(o, own_upn(o), mail, t.s(mail), Via::Mail));
        }
        for &p in o.proxies(t) {
            if !p.is(proxy_flags::SMTP) || p.is(proxy_flags::IS_UPN) {
                continue;
            }
            if !read_text(p, blank) {
                // Known from the key alone: not blank, and not the user's own UPN.
                pending.push(Lookup {
                    key: p.key(),
                    owner: o,
                    addr: p.raw,
                    via: Via::Proxy,
                });
            } else if let Some(addr) = smtp_address(t.s(p.raw)) {
                pending.extend(lookup(o, own_upn(o), p.raw, addr, Via::Proxy));
            }
        }
    }
    let keys: Vec<u64> = pending.iter().map(|l| l.key).collect();
    let mut v = Vec::new();
    // The index lists the users of a key by index: the first whose UPN is the address (not
    // only its hash) is the smallest of its class.
    t.users_by_upn_keys(&keys, |j, u| {
        let Some(l) = pending.get(j) else {
            return ControlFlow::Break(());
        };
        let upn = t.users.items.at(u).upn;
        if !same_address(t.s(upn), shown(t, l.via, l.addr)) {
            return ControlFlow::Continue(());
        }
        v.push((u, l.via, l.owner, l.addr));
        ControlFlow::Break(())
    });
    v
}

/// How many owners ahead [`batch_links`] asks for the text of addresses.
const AHEAD: usize = 12;

/// One clause of a user's message, rendered: how, the address concerned (normalised, for the
/// order), the text, and the first objects it names.
struct Clause {
    rel: Rel,
    norm: String,
    text: String,
    related: Vec<Object>,
}

fn clause(rel: Rel, plain: &str, first: &[&Object], total: usize) -> Clause {
    let names = join_counted(first, total);
    let addr = crate::ident::addr(plain);
    let text = match rel {
        Rel::SameUpn => format!("userPrincipalName `{addr}` is shared with {names}"),
        Rel::UpnIsMail => format!("userPrincipalName `{addr}` is the mail of {names}"),
        Rel::UpnIsProxy => {
            format!("userPrincipalName `{addr}` is an SMTP proxy address of {names}")
        }
        Rel::MailIsUpn => format!("mail `{addr}` is the userPrincipalName of {names}"),
        Rel::ProxyIsUpn => {
            format!("proxy address `smtp:{addr}` is the userPrincipalName of {names}")
        }
    };
    Clause {
        rel,
        norm: normalize_address(plain).into_owned(),
        text,
        related: first.iter().map(|&o| o.clone()).collect(),
    }
}

/// The clauses of one class: `users` share the UPN (one user unless it is duplicated), `links`
/// are the other objects' addresses equal to it (sorted, one per owner and way).
fn class_clauses(cx: &Context, users: &[u32], links: &[Link]) -> Vec<(u32, Clause)> {
    let t = cx.tenant;
    let (user_objs, user_ids) = listed(
        users
            .iter()
            .map(|&u| (cx.user_obj(t.users.items.at(u)), u))
            .collect(),
    );
    // An object whose mail and primary SMTP address are this address is named once, for its
    // mail.
    let mail_owners: Vec<Owner> = links
        .iter()
        .filter(|l| l.1 == Via::Mail)
        .map(|l| l.2)
        .collect();
    let links: Vec<&Link> = links
        .iter()
        .filter(|l| l.1 == Via::Mail || mail_owners.binary_search(&l.2).is_err())
        .collect();
    let by_via = |via: Via| {
        listed(
            links
                .iter()
                .filter(|l| l.1 == via)
                .map(|l| (l.2.obj(cx), (l.2, l.3)))
                .collect(),
        )
    };
    let (mail_objs, mail_links) = by_via(Via::Mail);
    let (proxy_objs, proxy_links) = by_via(Via::Proxy);
    let mut out = Vec::new();
    for (k, &u) in user_ids.iter().enumerate() {
        let upn = t.s(t.users.items.at(u).upn).trim();
        for (rel, objs, me) in [
            (Rel::SameUpn, &user_objs, Some(k)),
            (Rel::UpnIsMail, &mail_objs, None),
            (Rel::UpnIsProxy, &proxy_objs, None),
        ] {
            let (first, total) = others(objs, me);
            if total > 0 {
                out.push((u, clause(rel, upn, &first, total)));
            }
        }
    }
    let (first, total) = others(&user_objs, None);
    for (rel, via, owned) in [
        (Rel::MailIsUpn, Via::Mail, &mail_links),
        (Rel::ProxyIsUpn, Via::Proxy, &proxy_links),
    ] {
        for &(owner, addr) in owned {
            if let Owner::User(o) = owner {
                out.push((o, clause(rel, shown(t, via, addr), &first, total)));
            }
        }
    }
    out
}

/// The finding for one user from its clauses (sorted).
fn user_finding(cx: &Context, user: u32, clauses: Vec<Clause>) -> Finding {
    let t = cx.tenant;
    let message: Vec<&str> = clauses.iter().map(|c| c.text.as_str()).collect();
    let message = message.join("; ");
    let mut related: Vec<Object> = Vec::new();
    for o in clauses.into_iter().flat_map(|c| c.related) {
        if related.len() == MAX_RELATED {
            break;
        }
        if !related.contains(&o) {
            related.push(o);
        }
    }
    cx.finding(&META, cx.user_obj(t.users.items.at(user)), message)
        .with_related(related)
}

impl Rule for DuplicateUpn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_user_prop(t, user_props::UPN, "userPrincipalName")?;
        let mut links: Vec<Link> = all_owners(t)
            .chunks(256)
            .flat_map_iter(|owners| batch_links(cx, &owners))
            .collect();
        // One link per (class, way, owner): the smallest spelling, whatever the input order.
        links.par_sort_unstable_by(|a, b| {
            (a.0, a.1, a.2)
                .cmp(&(b.0, b.1, b.2))
                .then_with(|| shown(t, a.1, a.3).cmp(shown(t, b.1, b.3)))
        });
        links.dedup_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2));
        // The classes: users sharing a UPN (named by their smallest index, as links are), and
        // single users whose UPN another object holds.
        let dup_runs = t.duplicate_upns();
        let mut classes: Vec<(u32, &[u32])> = dup_runs
            .iter()
            .filter_map(|run| Some((*run.first()?, run.as_slice())))
            .collect();
        classes.sort_unstable_by_key(|c| c.0);
        let shared = |rep: u32| classes.binary_search_by_key(&rep, |c| c.0).is_ok();
        let singles: Vec<u32> = links
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|run| run.first().map(|l| l.0))
            .filter(|&rep| !shared(rep))
            .collect();
        classes.extend(singles.iter().map(|u| (*u, std::slice::from_ref(u))));
        let mut clauses: Vec<(u32, Clause)> = classes
            .par_iter()
            .flat_map_iter(|&(rep, users)| {
                let lo = links.partition_point(|l| l.0 < rep);
                let hi = links.partition_point(|l| l.0 <= rep);
                class_clauses(cx, users, links.get(lo..hi).unwrap_or_default())
            })
            .collect();
        clauses
            .par_sort_unstable_by(|a, b| (a.0, a.1.rel, &a.1.norm).cmp(&(b.0, b.1.rel, &b.1.norm)));
        let mut per_user: Vec<(u32, Vec<Clause>)> = Vec::new();
        for (u, c) in clauses {
            match per_user.last_mut() {
                Some((last, v)) if *last == u => v.push(c),
                _ => per_user.push((u, vec![c])),
            }
        }
        out.par_extend(
            per_user
                .into_par_iter()
                .map(|(u, c)| user_finding(cx, u, c)),
        );
        Ok(())
    }
}
