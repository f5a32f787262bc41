use crate::model::{Guid, Member, Tenant, User, group_props};
use crate::rules::listing::MAX_RELATED;
use crate::rules::{
    Category, Context, Finding, Outcome, Rule, RuleMeta, Severity, Skip, need_collection,
};
use rustc_hash::FxHashSet;

/// ROLE001: too few (or too many) active Global Administrators.
pub struct GlobalAdminCount;

static META: RuleMeta = RuleMeta {
    code: "ROLE001",
    name: "global-admin-count",
    category: Category::Hygiene,
    summary: "fewer than 2 or more than max-global-admins active global administrators",
    options: &["max-global-admins"],
    reads: &[
        ("directoryRoles", "members"),
        ("directoryRoles", "roleTemplateId"),
        ("roleAssignments", "principalId"),
        ("roleAssignments", "roleDefinitionId"),
        ("users", "accountEnabled"),
        ("groups", "members"),
    ],
    doc: include_str!("../../../rules/ROLE001.md"),
};

/// The Global Administrator role template (also its built-in role definition id).
pub const GLOBAL_ADMIN: Guid = Guid(0x62e9_0394_69f5_4237_9190_0121_7714_5e10);

/// How many holders' names the message lists before "and N more" (all are under `related`).
const NAMED: usize = 10;

/// The principals that hold Global Administrator, as found in the snapshot.
#[derive(Default)]
struct Holders {
    /// User ids (deduplicated: a user may hold the role directly and through a group).
    users: FxHashSet<Guid>,
    groups: FxHashSet<u32>,
    /// Ids that are neither a user nor a group of the snapshot (service principals, or objects
    /// the export did not include).
    others: FxHashSet<Guid>,
}

impl Holders {
    fn add_member(&mut self, t: &Tenant, m: Member) {
        match m {
            Member::User(u) => {
                self.users.insert(t.users.items.at(u).id);
            }
            Member::Group(g) => {
                self.groups.insert(g);
            }
            Member::Contact(_) => {}
            Member::Other(id) => {
                self.others.insert(id);
            }
        }
    }

    fn add_id(&mut self, t: &Tenant, id: Guid) {
        if t.user(id).is_some() {
            self.users.insert(id);
        } else if let Some(g) = t.group_index(id) {
            self.groups.insert(g);
        } else {
            self.others.insert(id);
        }
    }
}

/// Whether a directory role is Global Administrator: by template id, else (no template in the
/// export) by its display name, current or legacy.
fn is_global_admin_role(template: Option<Guid>, name: &str) -> bool {
    match template {
        Some(id) => id == GLOBAL_ADMIN,
        None => {
            let n = name.trim();
            n.eq_ignore_ascii_case("Global Administrator")
                || n.eq_ignore_ascii_case("Company Administrator")
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Rule for GlobalAdminCount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        let roles = &t.directory_roles;
        let assignments = &t.role_assignments;
        let roles_usable = super::role_data(t)?;
        need_collection(&t.users, "users")?;

        let mut h = Holders::default();
        if roles_usable {
            for r in &roles.items {
                if is_global_admin_role(r.template, t.s(r.display_name)) {
                    for &m in r.members.iter() {
                        h.add_member(t, m);
                    }
                }
            }
        }
        if assignments.present {
            for a in &assignments.items {
                if a.role_definition == GLOBAL_ADMIN {
                    h.add_id(t, a.principal);
                }
            }
        }

        // Groups holding the role (role-assignable groups) count through their user members.
        if !h.groups.is_empty() && !t.groups.props.has(group_props::MEMBERS) {
            let mut names: Vec<String> = h
                .groups
                .iter()
                .map(|&g| t.s(t.groups.items.at(g).display_name).to_owned())
                .collect();
            names.sort();
            let names: Vec<String> = names.iter().map(|n| crate::ident::name(n)).collect();
            return Err(Skip(format!(
                "Global Administrator is held by group {} but no object in groups has `members` (add the members to the export)",
                names.join(", ")
            )));
        }
        for u in t.transitive_user_members(h.groups.iter().copied()) {
            h.users.insert(t.users.items.at(u).id);
        }

        let (admins, disabled): (Vec<&User>, Vec<&User>) = h
            .users
            .iter()
            .filter_map(|&id| t.user(id))
            .partition(|u| u.is_enabled());
        let sp_ids: FxHashSet<Guid> = t.service_principals.items.iter().map(|s| s.id).collect();
        let sps = h.others.iter().filter(|id| sp_ids.contains(id)).count();
        let unknown = h.others.len() - sps;

        let n = admins.len();
        let max = cx.option("max-global-admins");
        let (severity, head) = if n == 0 {
            (
                Severity::Error,
                "no enabled user holds Global Administrator: nobody can manage the tenant, which is the unmanaged state that makes guest sign-ins fail with AADSTS65005".to_owned(),
            )
        } else if n < 2 {
            (
                Severity::Warning,
                "only 1 enabled user holds Global Administrator (at least 2 are needed so that losing one account does not lock the tenant)".to_owned(),
            )
        } else if i64::try_from(n).unwrap_or(i64::MAX) > max {
            (
                Severity::Warning,
                format!(
                    "{n} enabled users hold Global Administrator, more than max-global-admins ({max})"
                ),
            )
        } else {
            return Ok(());
        };

        // Named and related in name order (ignoring case), the first few of them.
        let mut objs: Vec<_> = admins
            .iter()
            .map(|u| {
                let o = cx.user_obj(u);
                (o.name.to_lowercase(), o)
            })
            .collect();
        objs.sort_unstable();
        let names: Vec<String> = objs
            .iter()
            .map(|o| crate::ident::object_name(o.1.kind, &o.1.name))
            .collect();
        let mut msg = head;
        if !names.is_empty() {
            msg.push_str(": ");
            msg.push_str(&names.get(..NAMED).unwrap_or(&names).join(", "));
            if names.len() > NAMED {
                msg.push_str(&format!(" and {} more", names.len() - NAMED));
            }
        }
        let mut not_counted = Vec::new();
        if !disabled.is_empty() {
            not_counted.push(plural(disabled.len(), "disabled user", "disabled users"));
        }
        if sps > 0 {
            not_counted.push(plural(sps, "service principal", "service principals"));
        }
        if unknown > 0 {
            not_counted.push(plural(
                unknown,
                "principal not in the snapshot",
                "principals not in the snapshot",
            ));
        }
        if !not_counted.is_empty() {
            msg.push_str(&format!(
                "; also holding the role but not counted: {}",
                not_counted.join(", ")
            ));
        }
        out.push(
            cx.finding(&META, cx.tenant_obj(), msg)
                .with_severity(severity)
                .with_related(objs.iter().take(MAX_RELATED).map(|o| o.1.clone()).collect()),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: &str) -> Result<Vec<Finding>, Skip> {
        crate::rules::run_on_json(&GlobalAdminCount, json)
    }

    const USERS: &str = r#""users": [
        {"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "userPrincipalName": "MeganB@contoso.com", "accountEnabled": true},
        {"id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "userPrincipalName": "old@contoso.com", "accountEnabled": false}]"#;

    #[test]
    fn one_admin_is_a_warning() {
        let f = run(&format!(
            r#"{{{USERS}, "roleAssignments": [{{"principalId": "6e7b768e-07e2-4810-8459-485f84f8f204",
                "roleDefinitionId": "62E90394-69F5-4237-9190-012177145E10"}}]}}"#
        ))
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(
            f[0].message.starts_with("only 1 enabled user"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn zero_admins_is_an_error_and_disabled_holders_do_not_count() {
        let f = run(&format!(
            r#"{{{USERS}, "directoryRoles": [{{"displayName": "Company Administrator",
                "members": ["4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"]}}]}}"#
        ))
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message.ends_with("not counted: 1 disabled user"),
            "{}",
            f[0].message
        );
        assert!(f[0].related.is_empty());
    }

    #[test]
    fn groups_expand_and_cycles_terminate() {
        let f = run(&format!(
            r#"{{{USERS}, "groups": [
                {{"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "displayName": "A", "members": ["02bd9fd6-8f93-4758-87c3-1fb73740a315"]}},
                {{"id": "02bd9fd6-8f93-4758-87c3-1fb73740a315", "displayName": "B",
                  "members": ["45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "6e7b768e-07e2-4810-8459-485f84f8f204"]}}],
              "roleAssignments": [{{"principalId": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
                "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"}}]}}"#
        ))
        .unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].related[0].name, "MeganB@contoso.com");
    }

    #[test]
    fn skips_without_role_data() {
        assert!(run(&format!("{{{USERS}}}")).is_err());
        let e = run(&format!(
            r#"{{{USERS}, "directoryRoles": [{{"roleTemplateId": "62e90394-69f5-4237-9190-012177145e10"}}]}}"#
        ))
        .unwrap_err();
        assert!(e.0.contains("members"), "{e:?}");
        let e = run(&format!(
            r#"{{{USERS}, "groups": [{{"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "displayName": "Admins"}}],
              "roleAssignments": [{{"principalId": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4",
                "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"}}]}}"#
        ))
        .unwrap_err();
        let reason = crate::ident::plain(&e.0);
        assert!(reason.contains("group Admins"), "{reason}");
    }
}
