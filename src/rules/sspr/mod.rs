//! SSPR rules.

use super::Rule;

pub const RULES: &[&dyn Rule] = &[];
