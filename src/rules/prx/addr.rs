//! Helpers shared by the address rules (UPN, PRX): domains of addresses, proxy prefixes, and
//! the owners of addresses (users, groups, contacts), without allocating on the hot path.

pub use crate::model::domain_lower;
use crate::model::{
    Contact, Group, Proxy, StrRef, Tenant, User, contact_props, group_props, prefetch_slice,
    user_props,
};
use crate::rules::{Context, Object, Outcome, Skip, par_ahead};
use rayon::prelude::*;

/// An object that holds addresses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Owner {
    User(u32),
    Group(u32),
    Contact(u32),
}

impl Owner {
    /// The owner's proxy addresses.
    pub fn proxies(self, t: &Tenant) -> &[Proxy] {
        match self {
            Owner::User(i) => &t.users.items.at(i).proxies,
            Owner::Group(i) => &t.groups.items.at(i).proxies,
            Owner::Contact(i) => &t.contacts.items.at(i).proxies,
        }
    }

    /// The owner as a report object.
    pub fn obj(self, cx: &Context) -> Object {
        let t = cx.tenant;
        match self {
            Owner::User(i) => cx.user_obj(t.users.items.at(i)),
            Owner::Group(i) => cx.group_obj(t.groups.items.at(i)),
            Owner::Contact(i) => cx.contact_obj(t.contacts.items.at(i)),
        }
    }
}

/// Every user, group and contact, in parallel.
pub fn all_owners(t: &Tenant) -> impl IndexedParallelIterator<Item = Owner> + '_ {
    let n = |len: usize| len as u32;
    (0..n(t.users.items.len()))
        .into_par_iter()
        .map(Owner::User)
        .chain(
            (0..n(t.groups.items.len()))
                .into_par_iter()
                .map(Owner::Group),
        )
        .chain(
            (0..n(t.contacts.items.len()))
                .into_par_iter()
                .map(Owner::Contact),
        )
}

fn raws<'a>(
    p: &'a [Proxy],
    read: impl Fn(Proxy) -> bool + 'a,
) -> impl Iterator<Item = StrRef> + 'a {
    p.iter().filter(move |&&p| read(p)).map(|p| p.raw)
}

/// Every user, group and contact, in parallel, asking for the text of their proxy addresses
/// that the rule will `read` a few objects ahead (see [`crate::rules::par_ahead`]): for rules
/// that read the proxy addresses of every object. `keep` filters users before anything of
/// theirs is read.
pub fn all_owners_ahead<'a>(
    t: &'a Tenant,
    keep_user: impl Fn(&User) -> bool + Sync + Send + Copy + 'a,
    read: impl Fn(Proxy) -> bool + Sync + Send + Copy + 'a,
) -> impl ParallelIterator<Item = Owner> + 'a {
    par_ahead(
        t,
        &t.users.items,
        move |u: &'a User| raws(if keep_user(u) { &u.proxies } else { &[] }, read),
        move |u: &'a User| {
            if keep_user(u) {
                prefetch_slice(&u.proxies)
            }
        },
    )
    .filter(move |(_, u)| keep_user(u))
    .map(|(i, _)| Owner::User(i as u32))
    .chain(
        par_ahead(
            t,
            &t.groups.items,
            move |g: &'a Group| raws(&g.proxies, read),
            |g: &'a Group| prefetch_slice(&g.proxies),
        )
        .map(|(i, _)| Owner::Group(i as u32)),
    )
    .chain(
        par_ahead(
            t,
            &t.contacts.items,
            move |c: &'a Contact| raws(&c.proxies, read),
            |c: &'a Contact| prefetch_slice(&c.proxies),
        )
        .map(|(i, _)| Owner::Contact(i as u32)),
    )
}

/// Skips unless some user, group or contact carries `proxyAddresses` (an export without it
/// says nothing about addresses). A collection without the property contributes nothing.
pub fn need_any_proxies(t: &Tenant) -> Outcome {
    if t.users.has(user_props::PROXY_ADDRESSES)
        || t.groups.has(group_props::PROXY_ADDRESSES)
        || t.contacts.has(contact_props::PROXY_ADDRESSES)
    {
        Ok(())
    } else {
        Err(Skip(
            "no user, group or contact has `proxyAddresses` (add it to the export's $select)"
                .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            domain_lower("a@Contoso.COM").as_deref(),
            Some("contoso.com")
        );
        assert_eq!(
            domain_lower("a#EXT#@x.onmicrosoft.com").as_deref(),
            Some("x.onmicrosoft.com")
        );
        assert_eq!(domain_lower("a@b@c.com").as_deref(), Some("c.com"));
        assert_eq!(domain_lower("nodomain"), None);
    }
}
