//! The indexed tenant that rules read: built once, immutable, shared by every rule.
//!
//! It keeps only what rules read, in compact form: ids as [`Guid`]s, strings as eight-byte
//! [`StrRef`] spans into the input, flags as bits, proxy addresses with a pre-computed
//! case-folded hash. It knows nothing of JSON or of rules.

mod address;
mod guid;
mod hot;
mod intern;
mod items;
mod licenses;
pub mod lines;
mod loc;
mod locate;
mod nesting;
mod prefetch;
mod source;
mod strs;
mod upn_domain;
mod upn_filter;
mod user;

pub use address::{
    Proxy, Upn, address_key, domain_lower, has_prefix, normalize_address, plainly_valid,
    proxy_flags, same_address, smtp_address, trim,
};
pub use guid::Guid;
pub use hot::UserHot;
pub use items::{CHUNK, Items};
pub use licenses::{LicenseInterner, LicenseRenumber, LicenseSet, LicenseSets};
pub use loc::Loc;
use prefetch::prefetch;
pub use prefetch::prefetch_slice;
pub use source::{Place, Source};
pub use strs::{Buf, Interners, StrRef, StrSink, Strs};
pub use upn_domain::{UpnDomain, UpnDomainInterner, UpnDomainRenumber, UpnDomains};
pub use user::{
    AssignedLicense, LicenseError, NO_TIME, User, has_reserved_hash, plain_phone, user_flags,
};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Unix seconds (UTC).
pub type Seconds = i64;

/// What a finding points at (`object.type` in the report).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ObjKind {
    User,
    Group,
    Contact,
    SubscribedSku,
    Domain,
    Application,
    ServicePrincipal,
    Policy,
    Tenant,
}

impl ObjKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjKind::User => "user",
            ObjKind::Group => "group",
            ObjKind::Contact => "contact",
            ObjKind::SubscribedSku => "subscribedSku",
            ObjKind::Domain => "domain",
            ObjKind::Application => "application",
            ObjKind::ServicePrincipal => "servicePrincipal",
            ObjKind::Policy => "policy",
            ObjKind::Tenant => "tenant",
        }
    }
}

/// The collections of a snapshot, in report order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CollectionKind {
    Users,
    Groups,
    Contacts,
    SubscribedSkus,
    Domains,
    DirectoryRoles,
    RoleAssignments,
    Applications,
    ServicePrincipals,
    UserRegistrationDetails,
}

impl CollectionKind {
    pub const ALL: [CollectionKind; 10] = [
        CollectionKind::Users,
        CollectionKind::Groups,
        CollectionKind::Contacts,
        CollectionKind::SubscribedSkus,
        CollectionKind::Domains,
        CollectionKind::DirectoryRoles,
        CollectionKind::RoleAssignments,
        CollectionKind::Applications,
        CollectionKind::ServicePrincipals,
        CollectionKind::UserRegistrationDetails,
    ];

    /// The snapshot key (and directory file name) of the collection.
    pub fn key(self) -> &'static str {
        match self {
            CollectionKind::Users => "users",
            CollectionKind::Groups => "groups",
            CollectionKind::Contacts => "contacts",
            CollectionKind::SubscribedSkus => "subscribedSkus",
            CollectionKind::Domains => "domains",
            CollectionKind::DirectoryRoles => "directoryRoles",
            CollectionKind::RoleAssignments => "roleAssignments",
            CollectionKind::Applications => "applications",
            CollectionKind::ServicePrincipals => "servicePrincipals",
            CollectionKind::UserRegistrationDetails => "userRegistrationDetails",
        }
    }
}

/// A set of property bits: which optional properties at least one object carried.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Props(pub u32);

impl Props {
    pub fn has(self, p: u32) -> bool {
        self.0 & p != 0
    }
}

/// One collection of the snapshot. `present` is false when the snapshot lacks the key
/// entirely; `props` records which optional properties any object carried (a property that no
/// object carries was not exported, which rules treat differently from an empty value).
pub struct Collection<T> {
    pub present: bool,
    pub items: Items<T>,
    pub props: Props,
    /// Where each item was read, item by item (`Loc::default()` where it cannot be told).
    pub locs: Items<Loc>,
}

impl<T> Default for Collection<T> {
    fn default() -> Self {
        Collection {
            present: false,
            items: Items::default(),
            props: Props::default(),
            locs: Items::default(),
        }
    }
}

impl<T> Collection<T> {
    pub fn has(&self, prop: u32) -> bool {
        self.present && self.props.has(prop)
    }
}

/// Property bits of [`User`] (see [`Collection::props`]).
pub mod user_props {
    pub const UPN: u32 = 1 << 0;
    pub const MAIL: u32 = 1 << 1;
    pub const PROXY_ADDRESSES: u32 = 1 << 2;
    pub const USAGE_LOCATION: u32 = 1 << 3;
    pub const ACCOUNT_ENABLED: u32 = 1 << 4;
    pub const ON_PREMISES_SYNC_ENABLED: u32 = 1 << 5;
    pub const USER_TYPE: u32 = 1 << 6;
    pub const EXTERNAL_USER_STATE: u32 = 1 << 7;
    pub const ASSIGNED_LICENSES: u32 = 1 << 8;
    pub const LICENSE_ASSIGNMENT_STATES: u32 = 1 << 9;
    pub const MOBILE_PHONE: u32 = 1 << 10;
    pub const BUSINESS_PHONES: u32 = 1 << 11;
    pub const CREATED: u32 = 1 << 12;
    pub const EXTERNAL_USER_STATE_CHANGE: u32 = 1 << 13;
}

/// Property bits of [`Group`].
pub mod group_props {
    pub const MAIL: u32 = 1 << 1;
    pub const PROXY_ADDRESSES: u32 = 1 << 2;
    pub const ON_PREMISES_SYNC_ENABLED: u32 = 1 << 5;
    /// `assignedLicenses` (the bit of [`super::user_props::ASSIGNED_LICENSES`]).
    pub const ASSIGNED_LICENSES: u32 = 1 << 8;
    pub const MEMBERS: u32 = 1 << 14;
    pub const IS_ASSIGNABLE_TO_ROLE: u32 = 1 << 15;
}

/// Property bits of [`Contact`].
pub mod contact_props {
    pub const MAIL: u32 = 1 << 1;
    pub const PROXY_ADDRESSES: u32 = 1 << 2;
}

/// Property bits of [`DirectoryRole`].
pub mod role_props {
    pub const MEMBERS: u32 = 1 << 14;
}

/// Property bits of [`App`] (applications and service principals).
pub mod app_props {
    pub const PASSWORD_CREDENTIALS: u32 = 1 << 0;
    pub const KEY_CREDENTIALS: u32 = 1 << 1;
    /// Service principals only, as the next three.
    pub const APP_ROLE_ASSIGNMENT_REQUIRED: u32 = 1 << 2;
    pub const ACCOUNT_ENABLED: u32 = 1 << 3;
    pub const APP_OWNER_ORGANIZATION_ID: u32 = 1 << 4;
    /// `appRoleAssignedTo`: inline, or read from its own files
    /// (`servicePrincipals/<id>/appRoleAssignedTo.json`, Export-Entra's `AppRoleAssignedTo/`).
    pub const APP_ROLE_ASSIGNED_TO: u32 = 1 << 5;
}

/// Property bits of [`Registration`].
pub mod registration_props {
    pub const METHODS_REGISTERED: u32 = 1 << 0;
    pub const IS_SSPR_REGISTERED: u32 = 1 << 1;
}

/// A member of a group or directory role, resolved against the snapshot.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Member {
    User(u32),
    Group(u32),
    Contact(u32),
    /// An id that is no user, group or contact of the snapshot (a device, a service principal,
    /// or an object the export did not include).
    Other(Guid),
}

pub mod group_flags {
    pub const SYNCED: u8 = 1 << 0;
    pub const ROLE_ASSIGNABLE: u8 = 1 << 1;
}

#[derive(Debug)]
pub struct Group {
    pub id: Guid,
    pub display_name: StrRef,
    pub mail: StrRef,
    pub proxies: Box<[Proxy]>,
    pub members: Box<[Member]>,
    /// The `skuId`s of `assignedLicenses` (group-based licensing), in input order, each once.
    pub licenses: Box<[Guid]>,
    pub flags: u8,
}

impl Group {
    pub fn is_synced(&self) -> bool {
        self.flags & group_flags::SYNCED != 0
    }
    pub fn is_role_assignable(&self) -> bool {
        self.flags & group_flags::ROLE_ASSIGNABLE != 0
    }
}

#[derive(Debug)]
pub struct Contact {
    pub id: Guid,
    pub display_name: StrRef,
    pub mail: StrRef,
    pub proxies: Box<[Proxy]>,
}

#[derive(Clone, Copy, Debug)]
pub struct ServicePlan {
    pub id: Guid,
    pub name: StrRef,
}

#[derive(Debug)]
pub struct Sku {
    pub sku_id: Guid,
    pub part_number: StrRef,
    pub consumed_units: Option<i64>,
    pub prepaid_enabled: Option<i64>,
    pub plans: Box<[ServicePlan]>,
}

#[derive(Debug)]
pub struct Domain {
    /// The domain name, lower case.
    pub name: String,
    pub verified: bool,
    pub federated: bool,
}

#[derive(Debug)]
pub struct DirectoryRole {
    pub id: Option<Guid>,
    pub template: Option<Guid>,
    pub display_name: StrRef,
    pub members: Box<[Member]>,
}

#[derive(Debug)]
pub struct RoleAssignment {
    pub principal: Guid,
    pub role_definition: Guid,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CredentialKind {
    Password,
    Key,
}

#[derive(Debug)]
pub struct Credential {
    pub kind: CredentialKind,
    pub key_id: StrRef,
    pub display_name: StrRef,
    pub end: Option<Seconds>,
}

pub mod app_flags {
    /// `appRoleAssignmentRequired == true`.
    pub const ASSIGNMENT_REQUIRED: u8 = 1 << 0;
    /// `accountEnabled == false`.
    pub const DISABLED: u8 = 1 << 1;
    /// `appRoleAssignedTo` was read for this service principal: the key on the object (even
    /// `null` or `[]`), its own `servicePrincipals/<id>/appRoleAssignedTo.json`, or, in an
    /// Export-Entra tree that holds any `AppRoleAssignedTo/` folder, every service principal of
    /// the tree (Export-Entra asks for every one and writes no folder for one without
    /// assignments). An empty [`App::assigned_to`] without it may only mean "not exported".
    pub const ASSIGNMENTS_KNOWN: u8 = 1 << 2;
}

/// `principalType` of an [`AppRoleAssignment`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PrincipalType {
    User,
    Group,
    ServicePrincipal,
    /// Another value, `null`, or missing.
    Other,
}

/// An `appRoleAssignedTo` entry of a service principal (Graph `appRoleAssignment`): who was
/// assigned (`principalId`, `principalType`) to which app role (`appRoleId`; the default access
/// role, the all-zero GUID, when absent).
#[derive(Clone, Copy, Debug)]
pub struct AppRoleAssignment {
    pub principal: Guid,
    pub principal_type: PrincipalType,
    pub app_role: Guid,
}

/// An application or a service principal: both carry credentials. The rest is read for
/// service principals only; on applications it stays empty (`flags` 0, `owner_org` `None`, no
/// `assigned_to`).
#[derive(Debug)]
pub struct App {
    pub id: Guid,
    pub app_id: StrRef,
    pub display_name: StrRef,
    pub credentials: Box<[Credential]>,
    /// `appRoleAssignedTo`, inline entries first, then those of its own files in file order.
    pub assigned_to: Box<[AppRoleAssignment]>,
    /// `appOwnerOrganizationId`: the tenant that owns the application.
    pub owner_org: Option<Guid>,
    /// Bits of [`app_flags`].
    pub flags: u8,
}

impl App {
    pub fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// Authentication methods a user registered (`userRegistrationDetails.methodsRegistered`).
pub mod methods {
    pub const NAMES: [&str; 14] = [
        "email",
        "mobilePhone",
        "alternateMobilePhone",
        "officePhone",
        "securityQuestion",
        "microsoftAuthenticatorPush",
        "softwareOneTimePasscode",
        "hardwareOneTimePasscode",
        "microsoftAuthenticatorPasswordless",
        "windowsHelloForBusiness",
        "fido2SecurityKey",
        "temporaryAccessPass",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
    ];

    /// The bit of a method name (case-insensitive), or 0 when unknown.
    pub fn bit(name: &str) -> u32 {
        // Graph's own spelling first (a length check and one comparison per name), then any
        // other case.
        NAMES
            .iter()
            .position(|n| *n == name)
            .or_else(|| NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)))
            .map_or(0, |i| 1 << i)
    }

    #[cfg(test)]
    #[test]
    fn every_name_in_any_case_has_its_bit() {
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(bit(n), 1 << i);
            assert_eq!(bit(&n.to_uppercase()), 1 << i);
            assert_eq!(bit(&n.to_lowercase()), 1 << i);
        }
        assert_eq!(bit("mobilePhones"), 0);
        assert_eq!(bit(""), 0);
    }
}

#[derive(Debug)]
pub struct Registration {
    pub id: Guid,
    /// Bits of [`methods::NAMES`].
    pub methods: u32,
    /// `isSsprRegistered` (`None` when missing or `null`).
    pub sspr_registered: Option<bool>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Enablement {
    None,
    Selected,
    All,
}

#[derive(Debug, Default)]
pub struct PasswordResetPolicy {
    pub enablement: Option<Enablement>,
    pub group_ids: Vec<Guid>,
    pub methods_required: Option<u32>,
}

#[derive(Debug, Default)]
pub struct OnPremPasswordResetPolicy {
    pub writeback_supported: Option<bool>,
    pub enablement_for_tenant: Option<bool>,
}

/// The tenant's `authorizationPolicy`: what rules read of it.
#[derive(Debug, Default)]
pub struct AuthorizationPolicy {
    /// `allowInvitesFrom` as written (`none`, `adminsAndGuestInviters`,
    /// `adminsGuestInvitersAndAllMembers`, `everyone`, `unknownFutureValue`, or a value Graph
    /// adds later); `None` when missing or `null`.
    pub allow_invites_from: Option<String>,
}

#[derive(Debug, Default)]
pub struct Policies {
    pub authorization_policy: Option<AuthorizationPolicy>,
    pub password_reset: Option<PasswordResetPolicy>,
    pub on_prem_password_reset: Option<OnPremPasswordResetPolicy>,
    /// Where each policy was read, by its key (`passwordResetPolicy`, …).
    pub locs: Vec<(&'static str, Loc)>,
}

#[derive(Debug, Default)]
pub struct TenantInfo {
    pub id: Option<String>,
    pub display_name: Option<String>,
    /// Where the tenant object was read.
    pub tenant_loc: Option<Loc>,
    /// `exportedAt` as written in the snapshot, and as Unix seconds.
    pub exported_at: Option<(String, Seconds)>,
    /// JSON files of a snapshot directory that are no collection, tenant or policy file
    /// (a misspelt `user.json`, say): not read, and worth a warning.
    pub ignored_files: Vec<String>,
    /// The files the snapshot was read from (none for standard input), so that no output is
    /// ever written over one of them.
    pub files: Vec<std::path::PathBuf>,
    /// Device and inode of each of `files` (where the platform has them; else empty).
    pub file_ids: Vec<(u64, u64)>,
    /// Per loaded file (the `file` of a [`Loc`]): how its text maps to `files`.
    pub sources: Vec<Source>,
}

/// Everything the loader produces, before indexes are built.
#[derive(Default)]
pub struct Parts {
    pub strs: Strs,
    pub license_sets: LicenseSets,
    pub upn_domains: UpnDomains,
    pub info: TenantInfo,
    pub users: Collection<User>,
    pub groups: Collection<Group>,
    pub contacts: Collection<Contact>,
    pub skus: Collection<Sku>,
    pub domains: Collection<Domain>,
    pub directory_roles: Collection<DirectoryRole>,
    pub role_assignments: Collection<RoleAssignment>,
    pub applications: Collection<App>,
    pub service_principals: Collection<App>,
    pub registrations: Collection<Registration>,
    pub policies: Policies,
    /// The users by id, when the loader built it (see [`IdIndex::from_table`]).
    pub user_index: Option<IdIndex>,
}

/// The tenant as rules see it: the loaded parts plus indexes.
pub struct Tenant {
    pub strs: Strs,
    /// The distinct license lists of users (see [`Tenant::licenses`]).
    pub license_sets: LicenseSets,
    /// The distinct domains of users' UPNs (see [`User::upn_domain`]).
    pub upn_domains: UpnDomains,
    pub info: TenantInfo,
    pub users: Collection<User>,
    pub groups: Collection<Group>,
    pub contacts: Collection<Contact>,
    pub skus: Collection<Sku>,
    pub domains: Collection<Domain>,
    pub directory_roles: Collection<DirectoryRole>,
    pub role_assignments: Collection<RoleAssignment>,
    pub applications: Collection<App>,
    pub service_principals: Collection<App>,
    pub registrations: Collection<Registration>,
    pub policies: Policies,
    user_by_id: IdIndex,
    group_by_id: IdIndex,
    contact_by_id: IdIndex,
    sku_by_id: IdIndex,
    domain_by_name: FxHashMap<String, u32>,
    /// Built on first need: exports list registrations in the users' order, so
    /// [`Tenant::registration_at`] rarely asks (a million-entry index saved).
    registration_by_user: std::sync::OnceLock<IdIndex>,
    /// (hash of lower-cased UPN, user index), sorted.
    upn_index: Vec<(u64, u32)>,
    /// Where each run of `upn_index` starts, by the top `upn_bits` bits of the hash:
    /// `upn_dir[h]` is the first position whose hash's top bits are `>= h` (one more entry at
    /// the end), so that a lookup reads one slot instead of searching the whole index.
    upn_dir: Vec<u32>,
    upn_bits: u32,
    /// Turns away most keys that are no UPN's before the directory is read.
    upn_filter: KeyFilter,
    /// The packed fields of each user (see [`Tenant::par_users_where`]).
    user_hot: Items<UserHot>,
}

use upn_filter::{KeyFilter, directory_bits, top_bits};

/// The directory of a sorted `upn_index` (see [`Tenant::upn_run`]): about one slot per entry.
fn upn_directory(index: &[(u64, u32)]) -> (Vec<u32>, u32) {
    let bits = directory_bits(index.len());
    let slots = 1usize << bits;
    let mut dir = vec![0u32; slots + 1];
    // Runs of slots side by side, each finding where it starts by binary search.
    const RUN: usize = 1 << 14;
    let (body, last) = dir.split_at_mut(slots);
    body.par_chunks_mut(RUN).enumerate().for_each(|(c, out)| {
        let first = c * RUN;
        let mut pos = index.partition_point(|e| top_bits(e.0, bits) < first);
        for (h, d) in (first..).zip(out.iter_mut()) {
            while index.get(pos).is_some_and(|e| top_bits(e.0, bits) < h) {
                pos += 1;
            }
            *d = pos as u32;
        }
    });
    if let Some(end) = last.first_mut() {
        *end = index.len() as u32;
    }
    (dir, bits)
}

/// Raw member ids as loaded, resolved by [`Tenant::build`].
pub type RawMembers = Box<[Guid]>;

pub(crate) fn hash_guid(g: Guid) -> u64 {
    let v = { g.0 };
    let (a, b) = (v as u64, (v >> 64) as u64);
    let x = (a ^ b.rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^ (x >> 29)
}

/// Maps ids to positions in a slice, storing only the `u32` positions (the ids stay in the
/// items): four bytes per object instead of a copy of every id.
///
/// A big index is cut into [`SHARDS`] tables by four bits from the middle of the id's hash
/// (not the top seven, which the tables' control bytes use, nor the low ones that place an
/// entry), so that the loader fills them side by side, each small enough to stay in cache.
pub struct IdIndex {
    shards: Box<[hashbrown::HashTable<u32>]>,
}

/// Tables of a sharded [`IdIndex`].
pub(crate) const SHARDS: usize = 16;

/// The table of a sharded [`IdIndex`] that holds hash `h`.
pub(crate) fn shard_of(h: u64) -> usize {
    (h >> 40) as usize & (SHARDS - 1)
}

impl IdIndex {
    /// The index of a table the loader built while checking that ids are unique: the
    /// position of every element, hashed by [`hash_guid`] of its id.
    pub(crate) fn from_table(t: hashbrown::HashTable<u32>) -> IdIndex {
        IdIndex {
            shards: Box::new([t]),
        }
    }

    /// The index of [`SHARDS`] tables, each holding exactly the positions whose
    /// [`hash_guid`] has [`shard_of`] its number.
    pub(crate) fn from_shards(shards: Vec<hashbrown::HashTable<u32>>) -> IdIndex {
        debug_assert_eq!(shards.len(), SHARDS);
        IdIndex {
            shards: shards.into_boxed_slice(),
        }
    }

    /// The loader rejects duplicate ids before this is built; the first one wins regardless.
    fn build<T>(items: &Items<T>, key: impl Fn(&T) -> Guid) -> IdIndex {
        let mut t = hashbrown::HashTable::with_capacity(items.len());
        for (i, it) in items.enumerate() {
            let k = key(it);
            let h = hash_guid(k);
            if t.find(h, |&j: &u32| key(&items[j as usize]) == k).is_none() {
                t.insert_unique(h, i as u32, |&j: &u32| hash_guid(key(&items[j as usize])));
            }
        }
        IdIndex::from_table(t)
    }

    fn get<T>(&self, items: &Items<T>, key: impl Fn(&T) -> Guid, id: Guid) -> Option<u32> {
        let h = hash_guid(id);
        let table = match &*self.shards {
            [one] => one,
            shards => shards.get(shard_of(h))?,
        };
        table.find(h, |&j| key(&items[j as usize]) == id).copied()
    }
}

impl Tenant {
    /// Builds the indexes and resolves members. `group_members[i]` and `role_members[i]` are
    /// the raw member ids of `groups.items[i]` and `directory_roles.items[i]`.
    pub fn build(
        mut p: Parts,
        group_members: Vec<RawMembers>,
        role_members: Vec<RawMembers>,
    ) -> Tenant {
        // The big indexes side by side: users and the UPN index.
        let user_index = p.user_index.take();
        let (user_by_id, mut upn_index) = rayon::join(
            || user_index.unwrap_or_else(|| IdIndex::build(&p.users.items, |u| u.id)),
            || {
                // Every user first (an exact-size collect; a filtered one would be gathered in
                // pieces and copied, twice the index at once), then the few without a UPN out.
                let users = &p.users.items;
                let mut v: Vec<(u64, u32)> = (0..users.len())
                    .into_par_iter()
                    .map(|i| {
                        let u = &users[i];
                        if u.upn.is_empty() {
                            (0, u32::MAX)
                        } else {
                            (u.upn_key, i as u32)
                        }
                    })
                    .collect();
                v.retain(|e| e.1 != u32::MAX);
                v
            },
        );
        let group_by_id = IdIndex::build(&p.groups.items, |g| g.id);
        let contact_by_id = IdIndex::build(&p.contacts.items, |c| c.id);
        let sku_by_id = IdIndex::build(&p.skus.items, |s| s.sku_id);
        let mut domain_by_name = FxHashMap::default();
        for (i, d) in p.domains.items.enumerate() {
            domain_by_name.entry(d.name.clone()).or_insert(i as u32);
        }
        let (users, groups, contacts) = (&p.users.items, &p.groups.items, &p.contacts.items);
        let resolve = |ids: RawMembers| -> Box<[Member]> {
            ids.iter()
                .map(|&id| {
                    if let Some(i) = user_by_id.get(users, |u| u.id, id) {
                        Member::User(i)
                    } else if let Some(i) = group_by_id.get(groups, |g| g.id, id) {
                        Member::Group(i)
                    } else if let Some(i) = contact_by_id.get(contacts, |c| c.id, id) {
                        Member::Contact(i)
                    } else {
                        Member::Other(id)
                    }
                })
                .collect()
        };
        let resolved_groups: Vec<Box<[Member]>> =
            group_members.into_par_iter().map(resolve).collect();
        let resolved_roles: Vec<Box<[Member]>> =
            role_members.into_par_iter().map(resolve).collect();
        for (g, m) in p.groups.items.iter_mut().zip(resolved_groups) {
            g.members = m;
        }
        for (r, m) in p.directory_roles.items.iter_mut().zip(resolved_roles) {
            r.members = m;
        }
        upn_index.par_sort_unstable();
        let (((upn_dir, upn_bits), upn_filter), user_hot) = rayon::join(
            || rayon::join(|| upn_directory(&upn_index), || KeyFilter::new(&upn_index)),
            || hot::hot_table(&p.users.items, &p.registrations.items),
        );
        Tenant {
            strs: p.strs,
            license_sets: p.license_sets,
            upn_domains: p.upn_domains,
            info: p.info,
            users: p.users,
            groups: p.groups,
            contacts: p.contacts,
            skus: p.skus,
            domains: p.domains,
            directory_roles: p.directory_roles,
            role_assignments: p.role_assignments,
            applications: p.applications,
            service_principals: p.service_principals,
            registrations: p.registrations,
            policies: p.policies,
            user_by_id,
            group_by_id,
            contact_by_id,
            sku_by_id,
            domain_by_name,
            registration_by_user: std::sync::OnceLock::new(),
            upn_index,
            upn_dir,
            upn_bits,
            upn_filter,
            user_hot,
        }
    }

    /// The bounds in `upn_index` of the directory slot of hash `key`.
    #[allow(
        clippy::indexing_slicing,
        reason = "h < 2^upn_bits and upn_dir has 2^upn_bits + 1 entries (upn_directory)"
    )]
    fn upn_bounds(&self, key: u64) -> (u32, u32) {
        let h = top_bits(key, self.upn_bits);
        (self.upn_dir[h], self.upn_dir[h + 1])
    }

    /// The entries of `upn_index` between bounds from [`Tenant::upn_bounds`].
    #[allow(
        clippy::indexing_slicing,
        reason = "upn_dir entries are nondecreasing and at most upn_index.len() (upn_directory)"
    )]
    fn upn_slot(&self, (lo, hi): (u32, u32)) -> &[(u64, u32)] {
        &self.upn_index[lo as usize..hi as usize]
    }

    /// The run of `upn_index` with hash `key`.
    fn upn_run(&self, key: u64) -> &[(u64, u32)] {
        if !self.upn_filter.may_hold(key) {
            return &[];
        }
        let slot = self.upn_slot(self.upn_bounds(key));
        let start = slot.partition_point(|&(k, _)| k < key);
        let len = slot
            .iter()
            .skip(start)
            .take_while(|&&(k, _)| k == key)
            .count();
        // Always in bounds: partition_point and the count stay within the slot.
        slot.get(start..start + len).unwrap_or_default()
    }

    /// The text of a model string.
    pub fn s(&self, r: StrRef) -> &str {
        self.strs.get(r)
    }

    /// A user's `assignedLicenses`.
    pub fn licenses(&self, u: &User) -> &[AssignedLicense] {
        self.license_sets.get(u.licenses)
    }

    pub fn user(&self, id: Guid) -> Option<&User> {
        let items = &self.users.items;
        self.user_by_id
            .get(items, |u| u.id, id)
            .map(|i| &items[i as usize])
    }

    pub fn group_index(&self, id: Guid) -> Option<u32> {
        self.group_by_id.get(&self.groups.items, |g| g.id, id)
    }

    pub fn contact(&self, id: Guid) -> Option<&Contact> {
        let items = &self.contacts.items;
        self.contact_by_id
            .get(items, |c| c.id, id)
            .map(|i| &items[i as usize])
    }

    pub fn sku(&self, id: Guid) -> Option<&Sku> {
        let items = &self.skus.items;
        self.sku_by_id
            .get(items, |s| s.sku_id, id)
            .map(|i| &items[i as usize])
    }

    pub fn domain(&self, name_lower: &str) -> Option<&Domain> {
        self.domain_by_name
            .get(name_lower)
            .map(|&i| self.domains.items.at(i))
    }

    pub fn registration(&self, user: Guid) -> Option<&Registration> {
        let items = &self.registrations.items;
        self.registration_by_user
            .get_or_init(|| IdIndex::build(items, |r| r.id))
            .get(items, |r| r.id, user)
            .map(|i| &items[i as usize])
    }

    /// The registration details of user number `i` (whose id is `user`): exports usually list
    /// them in the same order as the users, so that position is tried before the index.
    pub fn registration_at(&self, i: usize, user: Guid) -> Option<&Registration> {
        match self.registrations.items.get(i) {
            Some(r) if r.id == user => Some(r),
            _ => self.registration(user),
        }
    }

    /// Users whose UPN equals `upn`, ignoring case.
    pub fn users_by_upn<'a>(&'a self, upn: &'a str) -> impl Iterator<Item = u32> + 'a {
        let key = address_key(upn);
        let norm = normalize_address(upn);
        self.upn_run(key)
            .iter()
            .map(|&(_, i)| i)
            .filter(move |&i| normalize_address(self.s(self.users.items.at(i).upn)) == norm)
    }

    /// Users whose UPN has the [`address_key`] `key`, without allocating. These are
    /// candidates: the caller compares the normalised text, as hashes can collide.
    pub fn users_by_upn_key(&self, key: u64) -> impl Iterator<Item = u32> + '_ {
        self.upn_run(key).iter().map(|&(_, i)| i)
    }

    /// For each position `j` of `keys`, calls `f(j, user)` for the users whose UPN has the
    /// [`address_key`] `keys[j]` (in order of `j`, then as [`Tenant::users_by_upn_key`]) until
    /// `f` breaks. The same as calling that for each key, but the index is random access:
    /// asking for the memory of the whole batch first lets the waits overlap. For batches of a
    /// few hundred keys. A key that many users share costs one binary search, not a scan.
    pub fn users_by_upn_keys(
        &self,
        keys: &[u64],
        mut f: impl FnMut(usize, u32) -> std::ops::ControlFlow<()>,
    ) {
        // The keys some UPN may have, with their positions.
        let held: Vec<(usize, u64)> = keys
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, k)| self.upn_filter.may_hold(k))
            .collect();
        for &(_, k) in &held {
            if let Some(d) = self.upn_dir.get(top_bits(k, self.upn_bits)) {
                prefetch(d);
            }
        }
        let slots: Vec<(u32, u32)> = held
            .iter()
            .map(|&(_, k)| {
                let bounds = self.upn_bounds(k);
                if let Some(first) = self.upn_slot(bounds).first() {
                    prefetch(first);
                }
                bounds
            })
            .collect();
        for (&(j, k), &bounds) in held.iter().zip(&slots) {
            let slot = self.upn_slot(bounds);
            let start = slot.partition_point(|&(key, _)| key < k);
            for &(key, i) in slot.iter().skip(start) {
                if key != k || f(j, i).is_break() {
                    break;
                }
            }
        }
    }

    /// Runs of users sharing a UPN (case-insensitive), each run in index order.
    pub fn duplicate_upns(&self) -> Vec<Vec<u32>> {
        let mut out = Vec::new();
        for run in self.upn_index.chunk_by(|a, b| a.0 == b.0) {
            if run.len() < 2 {
                continue;
            }
            // Same hash: group by the normalised text to rule out collisions.
            let mut by_text: Vec<(std::borrow::Cow<'_, str>, u32)> = run
                .iter()
                .map(|&(_, i)| (normalize_address(self.s(self.users.items.at(i).upn)), i))
                .collect();
            by_text.sort();
            for same in by_text.chunk_by(|a, b| a.0 == b.0) {
                if same.len() > 1 {
                    out.push(same.iter().map(|x| x.1).collect());
                }
            }
        }
        out
    }

    /// The enabled service plans of a user: for each assigned SKU, its plans minus the
    /// assignment's disabled plans, with the SKU each came from. SKUs missing from
    /// `subscribedSkus` contribute nothing.
    pub fn enabled_plans<'a>(
        &'a self,
        u: &'a User,
    ) -> impl Iterator<Item = (&'a Sku, &'a ServicePlan)> + 'a {
        self.plans_of(self.licenses(u))
    }

    /// [`Tenant::enabled_plans`] of a list of licenses (a user's, or one of
    /// [`Tenant::license_sets`]).
    pub fn plans_of<'a>(
        &'a self,
        licenses: &'a [AssignedLicense],
    ) -> impl Iterator<Item = (&'a Sku, &'a ServicePlan)> + 'a {
        licenses.iter().flat_map(move |l| {
            self.sku(l.sku).into_iter().flat_map(move |sku| {
                sku.plans
                    .iter()
                    .filter(move |p| !l.disabled_plans.contains(&p.id))
                    .map(move |p| (sku, p))
            })
        })
    }

    /// The domain part of a UPN or address (after the last `@`), lower case.
    pub fn domain_of(addr: &str) -> Option<String> {
        addr.rsplit_once('@').map(|(_, d)| d.trim().to_lowercase())
    }

    /// Whether `name` (lower case) is a verified domain of the tenant.
    pub fn is_verified_domain(&self, name: &str) -> bool {
        self.domain(name).is_some_and(|d| d.verified)
    }

    /// Whether `name` (lower case) is federated: listed as federated, or, when not listed
    /// itself, a subdomain of a listed federated domain.
    pub fn is_federated_domain(&self, name: &str) -> bool {
        if let Some(d) = self.domain(name) {
            return d.federated;
        }
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(d) = self.domain(parent) {
                return d.federated;
            }
            rest = parent;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upn_directory_points_at_the_first_entry_of_each_slot() {
        for n in [0usize, 1, 5, 1000, 100_000] {
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            let mut index: Vec<(u64, u32)> = (0..n as u32)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Some keys repeated, as UPNs that differ only in case are.
                    (if i % 7 == 0 { 42 << 40 } else { x }, i)
                })
                .collect();
            index.sort_unstable();
            let (dir, bits) = upn_directory(&index);
            assert_eq!(dir.len(), (1 << bits) + 1, "{n}");
            for (h, &d) in dir.iter().enumerate() {
                let want = index.partition_point(|e| top_bits(e.0, bits) < h);
                assert_eq!(d as usize, want, "{n} slot {h}");
            }
        }
    }
}
