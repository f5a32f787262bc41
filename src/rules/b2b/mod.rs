//! B2B rules.

mod guest_in_synced_group;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[&guest_in_synced_group::GuestInSyncedGroup];
