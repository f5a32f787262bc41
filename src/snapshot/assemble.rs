//! Assembling the parsed batches and file heads into the model's parts.

use super::coll::Colls;
use super::layout::MemberOf;
use super::read::File;
use super::split::{Head, Policy};
use super::{Built, convert};
use crate::error::InputError;
use crate::model::*;
use rustc_hash::FxHashMap;

/// Rejects two elements of a collection with the same key (reported, never merged). Only
/// positions are stored (a `u32` per element); `at` gives each element's (file, offset).
/// Returns the positions of the elements with a key, hashed by `hash`.
pub(super) fn check_unique<T, K: Eq + std::fmt::Display>(
    files: &[File],
    name: &str,
    items: &Items<T>,
    at: &Items<Loc>,
    key: impl Fn(&T) -> Option<K>,
    hash: impl Fn(&K) -> u64,
) -> Result<hashbrown::HashTable<u32>, InputError> {
    let mut seen: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(items.len());
    for (i, it) in items.enumerate() {
        let Some(k) = key(it) else { continue };
        let h = hash(&k);
        let same = |&j: &u32| key(&items[j as usize]).as_ref() == Some(&k);
        if let Some(&first) = seen.find(h, same) {
            return Err(duplicate(files, name, at, first as usize, i, &k));
        }
        seen.insert_unique(h, i as u32, |&j| {
            key(&items[j as usize]).map_or(0, |k| hash(&k))
        });
    }
    Ok(seen)
}

/// [`check_unique`] for a big collection keyed by id (the users), on every core: the model's
/// index of it in [`SHARDS`] tables, filled side by side (see [`IdIndex`]). The same error
/// as [`check_unique`]'s for the same input: each table stops at its first repeated id, in
/// input order, and the earliest of those is reported.
pub(super) fn check_unique_ids<T: Sync>(
    files: &[File],
    name: &str,
    items: &Items<T>,
    at: &Items<Loc>,
    key: impl Fn(&T) -> Guid + Sync,
) -> Result<IdIndex, InputError> {
    use rayon::prelude::*;
    if items.len() < 1 << 16 {
        let table = check_unique(files, name, items, at, |x| Some(key(x)), |&g| hash_guid(g))?;
        return Ok(IdIndex::from_table(table));
    }
    let hashes: Vec<u64> = (0..items.len())
        .into_par_iter()
        .map(|i| hash_guid(key(&items[i])))
        .collect();
    let mut members: Vec<Vec<u32>> = (0..SHARDS)
        .map(|_| Vec::with_capacity(items.len() / SHARDS * 9 / 8))
        .collect();
    for (i, &h) in hashes.iter().enumerate() {
        if let Some(m) = members.get_mut(shard_of(h)) {
            m.push(i as u32);
        }
    }
    let hash_of = |i: u32| hashes.get(i as usize).copied().unwrap_or_default();
    // Each table, and the (first, repeat) positions of its first repeated id.
    type Shard = (hashbrown::HashTable<u32>, Option<(u32, u32)>);
    let shards: Vec<Shard> = members
        .par_iter()
        .map(|m| {
            let mut t = hashbrown::HashTable::with_capacity(m.len());
            for &i in m {
                // The ids themselves are read only when hashes match (rarely): reading every
                // element's would be a cache miss each, the elements being far apart.
                let same = |&j: &u32| key(&items[j as usize]) == key(&items[i as usize]);
                if let Some(&first) = t.find(hash_of(i), same) {
                    return (t, Some((first, i)));
                }
                t.insert_unique(hash_of(i), i, |&j| hash_of(j));
            }
            (t, None)
        })
        .collect();
    if let Some((first, i)) = shards.iter().filter_map(|s| s.1).min_by_key(|&(_, i)| i) {
        let k = key(&items[i as usize]);
        return Err(duplicate(files, name, at, first as usize, i as usize, &k));
    }
    Ok(IdIndex::from_shards(
        shards.into_iter().map(|s| s.0).collect(),
    ))
}

/// The error for element `i` of a collection whose key `k` element `first` already has.
fn duplicate(
    files: &[File],
    name: &str,
    at: &Items<Loc>,
    first: usize,
    i: usize,
    k: &dyn std::fmt::Display,
) -> InputError {
    let (a, b) = (at[first], at[i]);
    let ((fa, oa), (fb, ob)) = ((a.file(), a.offset()), (b.file(), b.offset()));
    #[allow(
        clippy::indexing_slicing,
        reason = "`at` holds the index of the file each element was read from"
    )]
    let (fa, fb) = (&files[fa as usize], &files[fb as usize]);
    let (first_at, first_in) = (fa.path_at(oa), fa.name_at(oa));
    // An object that is a whole file (an Export-Entra tree) is named by its file alone.
    let first = if first_at.is_empty() {
        first_in.to_owned()
    } else {
        format!("{first_at} in {first_in}")
    };
    fb.err_at(
        ob,
        format!("duplicate id {k} in {name}: already used by {first}"),
    )
}

/// [`check_unique`]'s hash for keys other than ids.
fn fx<K: std::hash::Hash>(k: &K) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(k)
}

/// Whether every registration stands at the position of its user (how exports list them):
/// then their ids are as unique as the users' are, without a table of their own.
fn aligned(registrations: &Items<Registration>, users: &Items<User>) -> bool {
    use rayon::prelude::*;
    registrations.len() <= users.len()
        && registrations
            .chunks()
            .par_iter()
            .zip(users.chunks())
            .all(|(r, u)| r.iter().zip(u).all(|(r, u)| r.id == u.id))
}

pub(super) fn assemble(
    files: &[File],
    colls: Colls,
    heads: Vec<(usize, Head)>,
) -> Result<Built, InputError> {
    let mut parts = Parts::default();
    let mut policies = Vec::new();
    let mut extra_members = Vec::new();
    let mut extra_assigned = Vec::new();
    for (file, h) in heads {
        if let Some(at) = h.tenant_at {
            parts.info.tenant_loc = Loc::new(file as u32, at);
        }
        if let Some(t) = h.tenant {
            parts.info.id = t.id.map(|x| x.0).or(parts.info.id.take());
            parts.info.display_name = t
                .display_name
                .map(|x| x.0)
                .or(parts.info.display_name.take());
        }
        if let Some(s) = h.exported_at {
            parts.info.exported_at = Some((s.0, s.1));
        }
        policies.extend(
            h.policies
                .into_iter()
                .map(|(slot, p, at)| (slot, p, file, at)),
        );
        for (of, id, offset, ids) in h.members {
            extra_members.push((of, file, offset, id, ids));
        }
        for (id, offset, entries, tree) in h.assigned_to {
            extra_assigned.push((file, offset, id, entries, tree));
        }
    }
    for (slot, p, file, at) in policies {
        if let Some(loc) = Loc::new(file as u32, at) {
            parts.policies.locs.retain(|&(k, _)| k != slot.key());
            parts.policies.locs.push((slot.key(), loc));
        }
        match p {
            Policy::Authorization(w) => {
                parts.policies.authorization_policy = Some(convert::authorization(w))
            }
            Policy::PasswordReset(w) => {
                parts.policies.password_reset = Some(convert::password_reset(w))
            }
            Policy::OnPrem(w) => parts.policies.on_prem_password_reset = Some(convert::on_prem(w)),
        }
    }

    // A collection as parsed, with its name for messages.
    macro_rules! finish {
        ($coll:expr) => {{
            let c = $coll;
            let name = c.kind.key();
            let (present, items, at, props) = c.finish();
            let c = Collection {
                present,
                items,
                props,
                locs: at,
            };
            (name, c)
        }};
    }
    macro_rules! collection {
        ($coll:expr, $key:expr) => {{
            let (name, c) = finish!($coll);
            check_unique(files, name, &c.items, &c.locs, $key, fx)?;
            c
        }};
    }
    // The users' table of ids is kept: it is the model's index of users by id.
    let (name, users) = finish!(colls.users);
    let by_id = check_unique_ids(files, name, &users.items, &users.locs, |u: &User| u.id)?;
    parts.user_index = Some(by_id);
    parts.users = users;
    let groups = collection!(colls.groups, |g: &(Group, RawMembers)| Some(g.0.id));
    parts.contacts = collection!(colls.contacts, |c: &Contact| Some(c.id));
    parts.skus = collection!(colls.skus, |s: &Sku| Some(s.sku_id));
    parts.domains = collection!(colls.domains, |d: &Domain| Some(d.name.clone()));
    let roles = collection!(colls.roles, |r: &(DirectoryRole, RawMembers)| r.0.id);
    parts.role_assignments = collection!(colls.role_assignments, |_: &RoleAssignment| None::<Guid>);
    parts.applications = collection!(colls.applications, |a: &App| Some(a.id));
    parts.service_principals = collection!(colls.service_principals, |a: &App| Some(a.id));
    if !extra_assigned.is_empty() {
        merge_assigned(files, &mut parts.service_principals, extra_assigned)?;
    }
    let (name, registrations) = finish!(colls.registrations);
    if !aligned(&registrations.items, &parts.users.items) {
        let id = |r: &Registration| Some(r.id);
        check_unique(
            files,
            name,
            &registrations.items,
            &registrations.locs,
            id,
            fx,
        )?;
    }
    parts.registrations = registrations;

    let (group_items, mut group_members): (Vec<Group>, Vec<RawMembers>) =
        groups.items.into_vec().into_iter().unzip();
    let (role_items, mut role_members): (Vec<DirectoryRole>, Vec<RawMembers>) =
        roles.items.into_vec().into_iter().unzip();
    let (mut group_props, mut role_props) = (groups.props, roles.props);
    let (group_extra, role_extra): (Vec<_>, Vec<_>) = extra_members
        .into_iter()
        .partition(|m| m.0 == MemberOf::Group);
    if !group_extra.is_empty() {
        let ids = group_items.iter().map(|g| Some(g.id));
        merge_members(
            files,
            "group",
            "groups",
            ids,
            &mut group_members,
            group_extra,
        )?;
        group_props.0 |= group_props::MEMBERS;
    }
    if !role_extra.is_empty() {
        let ids = role_items.iter().map(|r| r.id);
        merge_members(
            files,
            "role",
            "directoryRoles",
            ids,
            &mut role_members,
            role_extra,
        )?;
        role_props.0 |= role_props::MEMBERS;
    }
    parts.groups = Collection {
        present: groups.present,
        items: Items::from_vec(group_items),
        props: group_props,
        locs: groups.locs,
    };
    parts.directory_roles = Collection {
        present: roles.present,
        items: Items::from_vec(role_items),
        props: role_props,
        locs: roles.locs,
    };
    Ok((parts, group_members, role_members))
}

/// Members read from their own files: (group or role, file, offset, owner id, member ids).
type Extra = (MemberOf, usize, usize, Guid, Vec<Guid>);

/// Appends members read from files to their owners' members, in file order. Linear: the
/// extras are gathered per owner first, then each owner's list is rebuilt once (a tree with
/// one file per member must not copy the list once per file).
fn merge_members(
    files: &[File],
    what: &str,
    coll: &str,
    ids: impl Iterator<Item = Option<Guid>>,
    members: &mut [RawMembers],
    extra: Vec<Extra>,
) -> Result<(), InputError> {
    let index: FxHashMap<Guid, usize> = ids
        .enumerate()
        .filter_map(|(i, id)| Some((id?, i)))
        .collect();
    let mut gathered: FxHashMap<usize, Vec<Guid>> = FxHashMap::default();
    for (_, file, offset, id, ids) in extra {
        let Some(&i) = index.get(&id) else {
            let name = files.get(file).map_or("", |f| f.name_at(offset));
            return Err(InputError::file(
                name,
                format!("members of {what} {id}, which is not in the snapshot's {coll}"),
            ));
        };
        gathered.entry(i).or_default().extend(ids);
    }
    for (i, ids) in gathered {
        if let Some(m) = members.get_mut(i) {
            let merged: Vec<Guid> = m.iter().copied().chain(ids).collect();
            *m = merged.into();
        }
    }
    Ok(())
}

/// `appRoleAssignedTo` entries read from files: (file, offset, service principal id, entries,
/// read from an Export-Entra tree).
type ExtraAssigned = (usize, usize, Guid, Vec<AppRoleAssignment>, bool);

/// Appends `appRoleAssignedTo` entries read from files to their service principals' inline
/// ones, in file order, and marks those service principals' assignments known. Linear, as
/// [`merge_members`]: each service principal's list is rebuilt once.
///
/// Export-Entra asks for every service principal's assignments and writes no folder for one
/// without any: in a tree that holds any, every service principal read from the tree (an
/// object file in a bundle) has its assignments known, none being none.
fn merge_assigned(
    files: &[File],
    sps: &mut Collection<App>,
    extra: Vec<ExtraAssigned>,
) -> Result<(), InputError> {
    let index: FxHashMap<Guid, usize> = sps.items.enumerate().map(|(i, a)| (a.id, i)).collect();
    let mut gathered: FxHashMap<usize, Vec<AppRoleAssignment>> = FxHashMap::default();
    let mut tree = false;
    for (file, offset, id, entries, from_tree) in extra {
        let Some(&i) = index.get(&id) else {
            let name = files.get(file).map_or("", |f| f.name_at(offset));
            return Err(InputError::file(
                name,
                format!(
                    "appRoleAssignedTo of service principal {id}, which is not in the snapshot's servicePrincipals"
                ),
            ));
        };
        tree |= from_tree;
        gathered.entry(i).or_default().extend(entries);
    }
    let in_tree = |loc: Option<&Loc>| {
        loc.and_then(|l| files.get(l.file() as usize))
            .is_some_and(|f| !f.segments.is_empty())
    };
    for (i, (a, loc)) in sps.items.iter_mut().zip(sps.locs.iter()).enumerate() {
        let known = match gathered.remove(&i) {
            Some(more) => {
                let merged: Vec<AppRoleAssignment> =
                    a.assigned_to.iter().copied().chain(more).collect();
                a.assigned_to = merged.into_boxed_slice();
                true
            }
            None => tree && in_tree(Some(loc)),
        };
        if known {
            a.flags |= app_flags::ASSIGNMENTS_KNOWN;
        }
    }
    sps.props.0 |= app_props::APP_ROLE_ASSIGNED_TO;
    Ok(())
}
