//! Licensing rules (LIC).

mod missing_usage_location;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[&missing_usage_location::MissingUsageLocation];
