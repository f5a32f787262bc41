//! UPN rules.

mod federated_domain_cloud_user;
mod unverified_upn_domain;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &unverified_upn_domain::UnverifiedUpnDomain,
    &federated_domain_cloud_user::FederatedDomainCloudUser,
];
