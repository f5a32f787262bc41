//! PRX rules.

pub(crate) mod addr;
mod duplicate_proxy_address;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[&duplicate_proxy_address::DuplicateProxyAddress];
