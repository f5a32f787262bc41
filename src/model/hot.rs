//! The few fields of a user that rules looking for a few users among all ask first, packed
//! beside the users: [`UserHot`] and [`Tenant::par_users_where`].

use super::{CHUNK, Items, LicenseSet, Registration, Tenant, UpnDomain, User, user_flags};
use rayon::prelude::*;

/// A user's license list, UPN domain and flags, whether it has failed license assignments and
/// whether the registration details at its position are its own: 12 bytes a user, kept in the
/// same order and chunks as the users (120 bytes each). A rule that keeps, say, the disabled
/// users with a license streams 12 MB a million users through the cache instead of 120, and
/// reads only the users it keeps (see [`Tenant::par_users_where`]).
#[derive(Clone, Copy, Debug)]
pub struct UserHot {
    pub licenses: LicenseSet,
    pub upn_domain: UpnDomain,
    flags: u8,
    license_errors: bool,
    registration_here: bool,
}

impl UserHot {
    /// The record of `u`, whose registration details may be `here` (those at its position).
    fn of(u: &User, here: Option<&Registration>) -> UserHot {
        UserHot {
            licenses: u.licenses,
            upn_domain: u.upn_domain,
            flags: u.flags(),
            license_errors: !u.license_errors().is_empty(),
            registration_here: here.is_some_and(|r| r.id == u.id),
        }
    }
    /// As [`User::is`].
    pub fn is(self, flag: u8) -> bool {
        self.flags & flag != 0
    }
    /// As [`User::is_licensed`].
    pub fn is_licensed(self) -> bool {
        self.licenses != LicenseSet::NONE
    }
    /// As [`User::is_enabled`].
    pub fn is_enabled(self) -> bool {
        !self.is(user_flags::DISABLED)
    }
    /// As [`User::is_guest`].
    pub fn is_guest(self) -> bool {
        self.is(user_flags::GUEST)
    }
    /// As [`User::is_synced`].
    pub fn is_synced(self) -> bool {
        self.is(user_flags::SYNCED)
    }
    /// Whether [`User::license_errors`] has any.
    pub fn has_license_errors(self) -> bool {
        self.license_errors
    }
    /// Whether the registration details at the user's position (the order exports usually
    /// have) are the user's: then [`Tenant::registration_at`] gives those.
    pub fn has_registration_here(self) -> bool {
        self.registration_here
    }
}

/// The [`UserHot`] of each user, in the users' chunks.
pub(super) fn hot_table(
    users: &Items<User>,
    registrations: &Items<Registration>,
) -> Items<UserHot> {
    Items::from_chunks(
        users
            .chunks()
            .par_iter()
            .enumerate()
            .map(|(c, users)| {
                let regs = registrations.chunks().get(c).map_or(&[][..], Vec::as_slice);
                users
                    .iter()
                    .enumerate()
                    .map(|(j, u)| UserHot::of(u, regs.get(j)))
                    .collect()
            })
            .collect(),
    )
}

impl Tenant {
    /// The packed record of user number `i`.
    pub fn user_hot(&self, i: u32) -> UserHot {
        *self.user_hot.at(i)
    }

    /// The users whose [`UserHot`] passes `keep`, with their numbers, on every core. `keep`
    /// sees the packed fields only, so a user it turns away is never read.
    pub fn par_users_where<'a, F>(
        &'a self,
        keep: F,
    ) -> impl ParallelIterator<Item = (usize, &'a User)> + 'a
    where
        F: Fn(UserHot) -> bool + Sync + Send + Copy + 'a,
    {
        self.par_indexed_users_where(move |_, h| keep(h))
    }

    /// As [`Tenant::par_users_where`], with the user's number passed to `keep` too (to look
    /// at what sits at the same position in another collection).
    pub fn par_indexed_users_where<'a, F>(
        &'a self,
        keep: F,
    ) -> impl ParallelIterator<Item = (usize, &'a User)> + 'a
    where
        F: Fn(usize, UserHot) -> bool + Sync + Send + Copy + 'a,
    {
        self.user_hot
            .chunks()
            .par_iter()
            .zip(self.users.items.chunks().par_iter())
            .enumerate()
            .flat_map_iter(move |(c, (hot, users))| {
                hot.iter()
                    .zip(users)
                    .enumerate()
                    .filter(move |(j, (h, _))| keep(c * CHUNK + j, **h))
                    .map(move |(j, (_, u))| (c * CHUNK + j, u))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<UserHot>(), 12);
    }

    #[test]
    fn the_packed_fields_answer_as_the_user_does() {
        let t = crate::snapshot::load(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/tenants/contoso.json"
        ))
        .unwrap();
        assert_eq!(t.user_hot.len(), t.users.items.len());
        for (u, h) in t.users.items.iter().zip(t.user_hot.iter()) {
            assert_eq!(h.licenses, u.licenses);
            assert_eq!(h.upn_domain, u.upn_domain);
            for bit in 0..8 {
                assert_eq!(h.is(1 << bit), u.is(1 << bit));
            }
            assert_eq!(h.is_licensed(), u.is_licensed());
            assert_eq!(h.is_enabled(), u.is_enabled());
            assert_eq!(h.is_guest(), u.is_guest());
            assert_eq!(h.is_synced(), u.is_synced());
            assert_eq!(h.has_license_errors(), !u.license_errors().is_empty());
        }
        for (i, u) in t.users.items.enumerate() {
            let here = t.registrations.items.get(i).is_some_and(|r| r.id == u.id);
            assert_eq!(t.user_hot(i as u32).has_registration_here(), here);
        }
        assert!((0..t.users.items.len() as u32).any(|i| t.user_hot(i).has_registration_here()));
        let all: Vec<usize> = t.par_users_where(|_| true).map(|(i, _)| i).collect();
        assert_eq!(all, (0..t.users.items.len()).collect::<Vec<_>>());
        let guests: Vec<usize> = t
            .par_users_where(|h| h.is_guest())
            .map(|(i, _)| i)
            .collect();
        let want: Vec<usize> = t
            .users
            .items
            .enumerate()
            .filter(|(_, u)| u.is_guest())
            .map(|(i, _)| i)
            .collect();
        assert!(!want.is_empty());
        assert_eq!(guests, want);
    }
}
