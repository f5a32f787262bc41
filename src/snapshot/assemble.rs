//! Assembling the parsed batches and file heads into the model's parts.

use super::coll::Colls;
use super::position::path_at;
use super::read::File;
use super::split::{Head, Policy};
use super::{Built, convert};
use crate::error::InputError;
use crate::model::*;
use rustc_hash::FxHashMap;

/// Rejects two elements of a collection with the same key (reported, never merged). Only
/// positions are stored (a `u32` per element); `at` gives each element's (file, offset).
pub(super) fn check_unique<T, K: std::hash::Hash + Eq + std::fmt::Display>(
    files: &[File],
    name: &str,
    items: &Items<T>,
    at: &Items<(u32, usize)>,
    key: impl Fn(&T) -> Option<K>,
) -> Result<(), InputError> {
    let hash = |k: &K| {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(k)
    };
    let mut seen: hashbrown::HashTable<u32> = hashbrown::HashTable::with_capacity(items.len());
    for (i, it) in items.enumerate() {
        let Some(k) = key(it) else { continue };
        let h = hash(&k);
        let same = |&j: &u32| key(&items[j as usize]).as_ref() == Some(&k);
        if let Some(&first) = seen.find(h, same) {
            let ((fa, oa), (fb, ob)) = (at[first as usize], at[i]);
            let (fa, fb) = (fa as usize, fb as usize);
            let first_at = path_at(files[fa].text().as_bytes(), oa);
            return Err(files[fb].err_at(
                ob,
                format!(
                    "duplicate id {k} in {name}: already used by {first_at} in {}",
                    files[fa].name
                ),
            ));
        }
        seen.insert_unique(h, i as u32, |&j| {
            key(&items[j as usize]).map_or(0, |k| hash(&k))
        });
    }
    Ok(())
}

pub(super) fn assemble(
    files: &[File],
    colls: Colls,
    heads: Vec<(usize, Head)>,
) -> Result<Built, InputError> {
    let mut parts = Parts::default();
    let mut policies = Vec::new();
    let mut extra_members = Vec::new();
    for (file, h) in heads {
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
        policies.extend(h.policies);
        if let Some((id, ids)) = h.members {
            extra_members.push((file, id, ids));
        }
    }
    for (_, p) in policies {
        match p {
            Policy::Present => parts.policies.authorization_policy = true,
            Policy::PasswordReset(w) => {
                parts.policies.password_reset = Some(convert::password_reset(w))
            }
            Policy::OnPrem(w) => parts.policies.on_prem_password_reset = Some(convert::on_prem(w)),
        }
    }

    macro_rules! collection {
        ($coll:expr, $key:expr) => {{
            let c = $coll;
            let name = c.kind.key();
            let (present, items, at, props) = c.finish();
            check_unique(files, name, &items, &at, $key)?;
            Collection {
                present,
                items,
                props,
            }
        }};
    }
    parts.users = collection!(colls.users, |u: &User| Some(u.id));
    let groups = collection!(colls.groups, |g: &(Group, RawMembers)| Some(g.0.id));
    parts.contacts = collection!(colls.contacts, |c: &Contact| Some(c.id));
    parts.skus = collection!(colls.skus, |s: &Sku| Some(s.sku_id));
    parts.domains = collection!(colls.domains, |d: &Domain| Some(d.name.clone()));
    let roles = collection!(colls.roles, |r: &(DirectoryRole, RawMembers)| r.0.id);
    parts.role_assignments = collection!(colls.role_assignments, |_: &RoleAssignment| None::<Guid>);
    parts.applications = collection!(colls.applications, |a: &App| Some(a.id));
    parts.service_principals = collection!(colls.service_principals, |a: &App| Some(a.id));
    parts.registrations = collection!(colls.registrations, |r: &Registration| Some(r.id));

    let (group_items, mut group_members): (Vec<Group>, Vec<RawMembers>) =
        groups.items.into_vec().into_iter().unzip();
    let mut group_props = groups.props;
    if !extra_members.is_empty() {
        let index: FxHashMap<Guid, usize> = group_items
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id, i))
            .collect();
        for (file, id, ids) in extra_members {
            let Some(&i) = index.get(&id) else {
                return Err(InputError::file(
                    &files[file].name,
                    format!("members of group {id}, which is not in the snapshot's groups"),
                ));
            };
            let merged: Vec<Guid> = group_members[i].iter().copied().chain(ids).collect();
            group_members[i] = merged.into();
            group_props.0 |= group_props::MEMBERS;
        }
    }
    parts.groups = Collection {
        present: groups.present,
        items: Items::from_vec(group_items),
        props: group_props,
    };
    let (role_items, role_members): (Vec<DirectoryRole>, Vec<RawMembers>) =
        roles.items.into_vec().into_iter().unzip();
    parts.directory_roles = Collection {
        present: roles.present,
        items: Items::from_vec(role_items),
        props: roles.props,
    };
    Ok((parts, group_members, role_members))
}
