//! ROLE rules.

mod disabled_role_holder;
mod global_admin_count;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &global_admin_count::GlobalAdminCount,
    &disabled_role_holder::DisabledRoleHolder,
];
