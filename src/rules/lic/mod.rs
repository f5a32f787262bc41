//! Licensing rules (LIC).

mod conflicting_service_plans;
mod disabled_account_licensed;
mod group_license_nested_members;
mod license_assignment_error;
mod license_overallocated;
mod missing_usage_location;
mod unknown_license_sku;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &missing_usage_location::MissingUsageLocation,
    &conflicting_service_plans::ConflictingServicePlans,
    &license_overallocated::LicenseOverallocated,
    &unknown_license_sku::UnknownLicenseSku,
    &license_assignment_error::LicenseAssignmentError,
    &disabled_account_licensed::DisabledAccountLicensed,
    &group_license_nested_members::GroupLicenseNestedMembers,
];
