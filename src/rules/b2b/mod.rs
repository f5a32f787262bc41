//! B2B rules.

mod guest_in_synced_group;
mod guest_invitations_disabled;
mod stale_guest_invitation;

use super::Rule;

pub const RULES: &[&dyn Rule] = &[
    &guest_in_synced_group::GuestInSyncedGroup,
    &stale_guest_invitation::StaleGuestInvitation,
    &guest_invitations_disabled::GuestInvitationsDisabled,
];
