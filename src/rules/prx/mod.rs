//! PRX rules.

pub(crate) mod addr;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[];
