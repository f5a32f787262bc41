//! B2B rules.

use super::Rule;

pub const RULES: &[&dyn Rule] = &[];
