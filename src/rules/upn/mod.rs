//! UPN rules.

mod duplicate_upn;
mod federated_domain_cloud_user;
mod reserved_hash_in_upn;
mod unverified_upn_domain;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &unverified_upn_domain::UnverifiedUpnDomain,
    &federated_domain_cloud_user::FederatedDomainCloudUser,
    &reserved_hash_in_upn::ReservedHashInUpn,
    &duplicate_upn::DuplicateUpn,
];
