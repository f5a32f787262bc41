//! UPN rules.

mod unverified_upn_domain;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[&unverified_upn_domain::UnverifiedUpnDomain];
