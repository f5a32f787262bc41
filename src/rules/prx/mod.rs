//! PRX rules.

pub(crate) mod addr;
mod duplicate_proxy_address;
mod malformed_proxy_address;
mod proxy_address_unverified_domain;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &duplicate_proxy_address::DuplicateProxyAddress,
    &proxy_address_unverified_domain::ProxyAddressUnverifiedDomain,
    &malformed_proxy_address::MalformedProxyAddress,
];
