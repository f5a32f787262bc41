use crate::model::{Guid, Member, user_props};
use crate::rules::listing::MAX_LISTED;
use crate::rules::{Category, Context, Finding, Object, Outcome, Rule, RuleMeta, need_user_prop};
use rustc_hash::FxHashMap;

use std::sync::LazyLock;

/// ROLE002: a disabled account that still holds a directory role.
pub struct DisabledRoleHolder;

static META: RuleMeta = RuleMeta {
    code: "ROLE002",
    name: "disabled-role-holder",
    category: Category::Hygiene,
    summary: "disabled account that still holds an active directory role",
    options: &[],
    reads: &[
        ("directoryRoles", "members"),
        ("directoryRoles", "roleTemplateId"),
        ("roleAssignments", "principalId"),
        ("roleAssignments", "roleDefinitionId"),
        ("users", "accountEnabled"),
        ("groups", "members"),
    ],
    doc: include_str!("../../../rules/ROLE002.md"),
};

/// One row of `rules/data/directory-roles.json`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleRow {
    name: String,
    template_id: String,
}

#[derive(serde::Deserialize)]
struct RoleTable {
    roles: Vec<RoleRow>,
}

/// Built-in role names by template id.
static BUILTIN: LazyLock<FxHashMap<Guid, String>> = LazyLock::new(|| {
    #[allow(
        clippy::expect_used,
        reason = "a table compiled into the binary, checked by a unit test"
    )]
    let t: RoleTable =
        serde_json::from_str(include_str!("../../../rules/data/directory-roles.json"))
            .expect("rules/data/directory-roles.json is valid");
    t.roles
        .into_iter()
        .filter_map(|r| Some((Guid::parse(&r.template_id)?, r.name)))
        .collect()
});

/// The name of a built-in role, by template id.
fn builtin_name(id: Guid) -> Option<&'static str> {
    BUILTIN.get(&id).map(String::as_str)
}

/// What one disabled user holds: roles directly, and groups that hold roles.
#[derive(Default)]
struct Held {
    direct: Vec<u32>,
    via: Vec<u32>,
}

impl Rule for DisabledRoleHolder {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let roles = &t.directory_roles;
        let assignments = &t.role_assignments;
        let roles_usable = super::role_data(t)?;
        need_user_prop(t, user_props::ACCOUNT_ENABLED, "accountEnabled")?;

        // Role names: each directory role's display name, found by its template id for
        // role assignments (a built-in role's definition id is its template id).
        let mut names: Vec<String> = Vec::new();
        let mut by_template: FxHashMap<Guid, u32> = FxHashMap::default();
        let mut name_of = |names: &mut Vec<String>, template: Option<Guid>, name: &str| {
            if let Some(&i) = template.and_then(|id| by_template.get(&id)) {
                return i;
            }
            let i = u32::try_from(names.len()).unwrap_or(u32::MAX);
            names.push(name.to_owned());
            if let Some(id) = template {
                by_template.insert(id, i);
            }
            i
        };
        // Roles held directly by users (by id), and held by groups (by index).
        let mut direct: Vec<(Guid, u32)> = Vec::new();
        let mut by_group: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        if roles_usable {
            for r in &roles.items {
                let name = t.s(r.display_name);
                let name = if name.is_empty() {
                    r.template
                        .map_or_else(|| "a directory role".to_owned(), |g| format!("role {g}"))
                } else {
                    name.to_owned()
                };
                let role = name_of(&mut names, r.template, &name);
                for &m in r.members.iter() {
                    match m {
                        Member::User(u) => direct.push((t.users.items.at(u).id, role)),
                        Member::Group(g) => by_group.entry(g).or_default().push(role),
                        Member::Contact(_) | Member::Other(_) => {}
                    }
                }
            }
        }
        if assignments.present {
            for a in &assignments.items {
                let fallback = builtin_name(a.role_definition)
                    .map_or_else(|| format!("role {}", a.role_definition), str::to_owned);
                let role = name_of(&mut names, Some(a.role_definition), &fallback);
                if let Some(u) = t.user(a.principal) {
                    direct.push((u.id, role));
                } else if let Some(g) = t.group_index(a.principal) {
                    by_group.entry(g).or_default().push(role);
                }
            }
        }
        // Each group's roles once, by name (sorted once here, not per holder).
        for roles_of in by_group.values_mut() {
            roles_of.sort_unstable();
            roles_of.dedup();
            roles_of.sort_by(|&a, &b| names.get(a as usize).cmp(&names.get(b as usize)));
        }
        // The disabled holders. Through a group: its direct user members (a role-assignable
        // group cannot have groups as members); each group's members are read once, whatever
        // the number of roles it holds.
        let mut held: FxHashMap<Guid, Held> = FxHashMap::default();
        for (id, role) in direct {
            if t.user(id).is_some_and(|u| !u.is_enabled()) {
                held.entry(id).or_default().direct.push(role);
            }
        }
        for &g in by_group.keys() {
            for m in t.groups.items.at(g).members.iter() {
                if let Member::User(u) = *m {
                    let user = t.users.items.at(u);
                    if !user.is_enabled() {
                        held.entry(user.id).or_default().via.push(g);
                    }
                }
            }
        }
        let role_name = |r: u32| {
            names
                .get(r as usize)
                .map_or("a directory role", String::as_str)
        };
        let group_name = |g: u32| t.s(t.groups.items.at(g).display_name);
        for (id, mut h) in held {
            let Some(user) = t.user(id) else {
                continue;
            };
            h.direct
                .sort_unstable_by(|&a, &b| role_name(a).cmp(role_name(b)));
            h.direct.dedup();
            h.via
                .sort_unstable_by(|&a, &b| (group_name(a), a).cmp(&(group_name(b), b)));
            h.via.dedup();
            let total = h.direct.len()
                + h.via
                    .iter()
                    .map(|g| by_group.get(g).map_or(0, Vec::len))
                    .sum::<usize>();
            // Named: direct roles first, then each group's roles; at most MAX_LISTED.
            let mut shown: Vec<String> = h
                .direct
                .iter()
                .take(MAX_LISTED)
                .map(|&r| format!("{} (direct)", role_name(r)))
                .collect();
            for &g in &h.via {
                let room = MAX_LISTED.saturating_sub(shown.len());
                for &r in by_group.get(&g).into_iter().flatten().take(room) {
                    shown.push(format!(
                        "{} (through group `{}`)",
                        role_name(r),
                        crate::ident::name(group_name(g))
                    ));
                }
            }
            let mut msg = format!(
                "account is disabled but holds {}: {}",
                if total == 1 {
                    "a directory role".to_owned()
                } else {
                    format!("{total} directory role assignments")
                },
                shown.join(", ")
            );
            if total > shown.len() {
                msg.push_str(&format!(" and {} more", total - shown.len()));
            }
            let related: Vec<Object> = h
                .via
                .iter()
                .map(|&g| cx.group_obj(t.groups.items.at(g)))
                .collect();
            out.push(
                cx.finding(&META, cx.user_obj(user), msg)
                    .with_related(related),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_parses_and_names_global_administrator() {
        let rows: serde_json::Value =
            serde_json::from_str(include_str!("../../../rules/data/directory-roles.json")).unwrap();
        let rows = rows["roles"].as_array().unwrap();
        assert_eq!(
            BUILTIN.len(),
            rows.len(),
            "every row has a valid, distinct template id"
        );
        for r in rows {
            assert!(!r["source"].as_str().unwrap().is_empty());
        }
        assert_eq!(
            builtin_name(super::super::global_admin_count::GLOBAL_ADMIN),
            Some("Global Administrator")
        );
    }
}
