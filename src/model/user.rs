//! A user as the rules see it: [`User`], its licenses and flags.

use super::{Guid, LicenseSet, Proxy, Seconds, StrRef, UpnDomain};

pub mod user_flags {
    /// `accountEnabled == false`.
    pub const DISABLED: u8 = 1 << 0;
    /// `onPremisesSyncEnabled == true`.
    pub const SYNCED: u8 = 1 << 1;
    /// `userType` is `Guest` (any case) or the UPN carries `#EXT#`.
    pub const GUEST: u8 = 1 << 2;
    /// `externalUserState == "PendingAcceptance"`.
    pub const PENDING_ACCEPTANCE: u8 = 1 << 3;
    /// Every phone number (`mobilePhone`, `businessPhones`) is empty or in the plain form of
    /// [`super::plain_phone`]: a rule that judges numbers need not read them.
    pub const PLAIN_PHONES: u8 = 1 << 4;
    /// The UPN has a `#` other than the guest marker ([`super::has_reserved_hash`], judged
    /// while loading, with the text at hand: UPN003 then reads only those UPNs, not every
    /// guest's).
    pub const RESERVED_HASH_IN_UPN: u8 = 1 << 5;
    /// `usageLocation` is missing, null, empty or only whitespace.
    pub const NO_USAGE_LOCATION: u8 = 1 << 6;
    /// `mail` is the UPN ([`super::same_address`]; both may be absent): a rule that looks
    /// the mail up among other users' UPNs can skip it unread.
    pub const MAIL_IS_UPN: u8 = 1 << 7;
}

/// Whether `p` is `+<country code> <number>` in its plainest form: `+`, a country code of
/// one to three digits not starting with `0`, then groups of digits each after a single
/// space, at least four digits after the country code and at most fifteen in all, with
/// nothing around it. Worked out once while loading, when the text is at hand (see
/// [`user_flags::PLAIN_PHONES`]).
pub fn plain_phone(p: &str) -> bool {
    let b = p.as_bytes();
    let Some((&b'+', rest)) = b.split_first() else {
        return false;
    };
    let cc = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=3).contains(&cc) || rest.first() == Some(&b'0') {
        return false;
    }
    let (mut digits, mut after_space) = (0usize, false);
    for &c in rest.get(cc..).unwrap_or_default() {
        match c {
            b' ' if !after_space => after_space = true,
            b'0'..=b'9' if digits > 0 || after_space => {
                digits += 1;
                after_space = false;
            }
            _ => return false,
        }
    }
    !after_space && digits >= 4 && cc + digits <= 15
}

const MARKER: &str = "#EXT#";

/// Whether `upn` has a `#` outside the single guest marker `#EXT#` (any case) that directly
/// precedes the last `@`.
pub fn has_reserved_hash(upn: &str) -> bool {
    let Some(at) = upn.rfind('@') else {
        return upn.contains('#');
    };
    let (local, domain) = upn.split_at(at);
    let local = match local.len().checked_sub(MARKER.len()) {
        Some(cut) if local.is_char_boundary(cut) && local[cut..].eq_ignore_ascii_case(MARKER) => {
            &local[..cut]
        }
        _ => local,
    };
    local.contains('#') || domain.contains('#')
}

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct AssignedLicense {
    pub sku: Guid,
    pub disabled_plans: Box<[Guid]>,
}

/// A `licenseAssignmentStates[]` entry in state `Error` or `ActiveWithError` (others are not kept).
#[derive(Clone, Debug)]
pub struct LicenseError {
    pub sku: Option<Guid>,
    pub state: StrRef,
    pub error: StrRef,
    pub assigned_by_group: Option<Guid>,
}

#[derive(Debug)]
pub struct User {
    pub id: Guid,
    pub upn: StrRef,
    pub display_name: StrRef,
    pub mail: StrRef,
    pub usage_location: StrRef,
    /// `mobilePhone` (or the empty string) first, then `businessPhones`; see
    /// [`User::mobile_phone`] and [`User::business_phones`].
    pub phones: Box<[StrRef]>,
    pub proxies: Box<[Proxy]>,
    /// Failed license assignments: rare, so boxed apart (see [`User::license_errors`]).
    pub failed_licenses: Option<Box<Vec<LicenseError>>>,
    /// `createdDateTime` and the [`user_flags`] in one word (see [`User::pack_created`]):
    /// a separate flags byte would round the user up by 8 bytes (8 MB a million).
    pub(crate) created_and_flags: i64,
    /// `externalUserStateChangeDateTime`; [`NO_TIME`] when absent.
    pub external_state_changed_at: Seconds,
    /// `assignedLicenses`, kept once per distinct list: see [`super::Tenant::licenses`].
    pub licenses: LicenseSet,
    /// The domain of the UPN, numbered while loading (see [`super::UpnDomains`]).
    pub upn_domain: UpnDomain,
    /// [`address_key`](super::address_key) of the UPN (0 when there is none), worked out while
    /// loading with the text at hand: the UPN index is built from it without reading a
    /// million UPNs again (cold by then: 40 ms of cache misses a million).
    pub upn_key: u64,
}

/// Stands for a missing timestamp in compact fields (no real export has year -292 billion).
pub const NO_TIME: Seconds = Seconds::MIN;

fn time(t: Seconds) -> Option<Seconds> {
    (t != NO_TIME).then_some(t)
}

impl User {
    /// `mobilePhone` (empty when absent).
    pub fn mobile_phone(&self) -> StrRef {
        self.phones.first().copied().unwrap_or(StrRef::EMPTY)
    }
    /// `businessPhones`.
    pub fn business_phones(&self) -> &[StrRef] {
        self.phones.get(1..).unwrap_or(&[])
    }
    /// `licenseAssignmentStates` entries in state `Error` or `ActiveWithError`.
    pub fn license_errors(&self) -> &[LicenseError] {
        self.failed_licenses.as_deref().map_or(&[], Vec::as_slice)
    }
    /// `createdDateTime` (seconds) in the upper 56 bits and `flags` ([`user_flags`]) in the low
    /// byte. Every time an export can hold (years -9999 to 9999, about 2^38 seconds either
    /// way) fits; one that would not is kept as absent, like [`NO_TIME`].
    pub fn pack_created(created: Option<Seconds>, flags: u8) -> i64 {
        let secs = created
            .filter(|&c| (c << 8) >> 8 == c && c != NO_TIME >> 8)
            .unwrap_or(NO_TIME >> 8);
        secs << 8 | i64::from(flags)
    }
    /// `createdDateTime`, if exported.
    pub fn created(&self) -> Option<Seconds> {
        let secs = self.created_and_flags >> 8;
        (secs != NO_TIME >> 8).then_some(secs)
    }
    /// `externalUserStateChangeDateTime`, if exported.
    pub fn external_state_changed(&self) -> Option<Seconds> {
        time(self.external_state_changed_at)
    }
    /// The [`user_flags`] set on the user.
    pub fn flags(&self) -> u8 {
        self.created_and_flags as u8
    }
    pub fn is(&self, flag: u8) -> bool {
        self.flags() & flag != 0
    }
    pub fn is_licensed(&self) -> bool {
        self.licenses != LicenseSet::NONE
    }
    pub fn is_synced(&self) -> bool {
        self.is(user_flags::SYNCED)
    }
    pub fn is_guest(&self) -> bool {
        self.is(user_flags::GUEST)
    }
    pub fn is_enabled(&self) -> bool {
        !self.is(user_flags::DISABLED)
    }
}

#[cfg(test)]
mod tests {
    use super::{Guid, LicenseSet, NO_TIME, StrRef, UpnDomain, User, user_flags};

    #[test]
    fn a_user_is_120_bytes() {
        // A million users: every 8 bytes more is 8 MB of peak memory (issue 12's budget). The
        // last 8 are `upn_key`, which saves re-reading every UPN to index them (40 ms a million).
        assert_eq!(size_of::<User>(), 120);
    }

    #[test]
    fn created_time_and_flags_share_a_word() {
        // Through the accessors the rules use.
        let unpack = |w: i64| {
            let u = User {
                id: Guid(0),
                upn: StrRef::EMPTY,
                display_name: StrRef::EMPTY,
                mail: StrRef::EMPTY,
                usage_location: StrRef::EMPTY,
                phones: Box::new([]),
                proxies: Box::new([]),
                licenses: LicenseSet::NONE,
                upn_domain: UpnDomain::BLANK,
                upn_key: 0,
                failed_licenses: None,
                created_and_flags: w,
                external_state_changed_at: NO_TIME,
            };
            let flags = (0..8).map(|b| 1u8 << b).filter(|&f| u.is(f)).sum::<u8>();
            (u.created(), flags)
        };
        let all = user_flags::DISABLED
            | user_flags::SYNCED
            | user_flags::GUEST
            | user_flags::PENDING_ACCEPTANCE;
        // Years -9999 and 9999, the epoch, a real time, and none.
        for t in [
            Some(-377_705_116_800),
            Some(253_402_300_799),
            Some(0),
            Some(-1),
            Some(1_733_356_800),
            None,
        ] {
            for flags in [0, all, user_flags::GUEST, 0xff] {
                assert_eq!(
                    unpack(User::pack_created(t, flags)),
                    (t, flags),
                    "{t:?} {flags}"
                );
            }
        }
        // Out of range: kept as absent, the flags intact.
        for t in [i64::MAX, i64::MIN, NO_TIME >> 8, 1 << 56] {
            assert_eq!(unpack(User::pack_created(Some(t), all)), (None, all));
        }
    }
}
