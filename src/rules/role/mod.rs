//! ROLE rules.

mod disabled_role_holder;
mod global_admin_count;

use super::{Rule, Skip};
use crate::model::{Tenant, role_props};

/// Skips unless the snapshot says who holds roles: `roleAssignments`, or `directoryRoles` with
/// `members`. Returns whether the directory roles' members can be read.
fn role_data(t: &Tenant) -> Result<bool, Skip> {
    let roles = &t.directory_roles;
    let assignments = &t.role_assignments;
    if !roles.present && !assignments.present {
        return Err(Skip(
            "the snapshot has no directoryRoles and no roleAssignments".into(),
        ));
    }
    let roles_usable = roles.has(role_props::MEMBERS);
    if !roles_usable && !assignments.present {
        return Err(Skip(
            "no object in directoryRoles has `members` and the snapshot has no roleAssignments (export the role members)".into(),
        ));
    }
    Ok(roles_usable)
}

pub const RULES: &[&dyn Rule] = &[
    &global_admin_count::GlobalAdminCount,
    &disabled_role_holder::DisabledRoleHolder,
];
