//! ROLE rules.

mod global_admin_count;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[&global_admin_count::GlobalAdminCount];
