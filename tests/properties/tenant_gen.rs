//! Small random tenants for `tests/properties.rs`, and the input forms they are written in.
//!
//! Everything is drawn from small pools (a few UPN local parts and domains, a few addresses, three
//! subscriptions with real service plans) so that duplicates, conflicts, unknown references,
//! nested and cyclic groups and every SSPR scope actually occur. Ids are unique per object and
//! derived from the object's kind and index, so that a reference is an index until
//! [`Spec::build`] turns it into an id.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

pub const EXPORTED_AT: &str = "2026-11-20T08:00:00Z";

pub fn user_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-1{i:011x}")
}
fn group_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-2{i:011x}")
}
fn contact_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-3{i:011x}")
}
fn app_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-4{i:011x}")
}
fn sp_id(i: usize) -> String {
    format!("00000000-0000-4000-8000-5{i:011x}")
}
/// An id that no object of the snapshot has (a deleted or not exported object).
const UNKNOWN_ID: &str = "00000000-0000-4000-8000-900000000000";
const TENANT_ID: &str = "00000000-0000-4000-8000-000000000001";
const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";

const UPN_LOCAL: [&str; 5] = ["adele", "Adele", "megan", "a#b", "x_fabrikam.com#EXT#"];
const UPN_DOMAIN: [&str; 6] = [
    "contoso.com",
    "Contoso.com",
    "fabrikam.com",
    "unverified.com",
    "nowhere.org",
    "contoso.onmicrosoft.com",
];
const ADDRESSES: [&str; 7] = [
    "adele@contoso.com",
    "Adele@Contoso.com",
    "megan@contoso.com",
    "sales@contoso.com",
    "adele@fabrikam.com",
    "x@unverified.com",
    "not an address",
];
const PREFIXES: [&str; 5] = ["SMTP:", "smtp:", "sip:", "X500:", ""];
const PHONES: [&str; 4] = [
    "+1 4255550100",
    "+1 425 555 0100",
    "4255550100",
    "+31 20 555 0100 x12",
];
const METHODS: [&str; 6] = [
    "email",
    "mobilePhone",
    "officePhone",
    "securityQuestion",
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
];
/// (id, part number, service plans): plans that license SSPR (SHAREPOINTSTANDARD and
/// EXCHANGE_S_STANDARD for cloud users, AAD_PREMIUM for synced users) and that conflict
/// (SHAREPOINTSTANDARD with SHAREPOINTENTERPRISE).
/// (service plan id, name).
type Plan = (&'static str, &'static str);
const SKUS: [(&str, &str, &[Plan]); 3] = [
    (
        "05e9a617-0261-4cee-bb44-138d3ef5d965",
        "SPE_E3",
        &[
            (
                "5dbe027f-2339-4123-9542-606e4d348a72",
                "SHAREPOINTENTERPRISE",
            ),
            ("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"),
        ],
    ),
    (
        "18181a46-0d4e-45cd-891e-60aabd171b4e",
        "STANDARDPACK",
        &[
            ("c7699d2e-19aa-44de-8edf-1736da088ca1", "SHAREPOINTSTANDARD"),
            (
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
                "EXCHANGE_S_STANDARD",
            ),
        ],
    ),
    (
        "f30db892-07e9-47e9-837c-80727f46fd3d",
        "FLOW_FREE",
        &[("50e68c76-46c6-4674-81f9-75456511b170", "FLOW_P1")],
    ),
];
/// A SKU that no subscription lists (LIC004).
const UNKNOWN_SKU: &str = "00000000-0000-4000-8000-a00000000000";
/// (name, verified, federated).
const DOMAINS: [(&str, bool, bool); 4] = [
    ("contoso.com", true, false),
    ("fabrikam.com", true, true),
    ("unverified.com", false, false),
    ("contoso.onmicrosoft.com", true, false),
];

/// A reference to another object, resolved by [`Spec::build`] (indexes wrap around).
#[derive(Clone, Debug)]
pub enum Ref {
    User(usize),
    Group(usize),
    Contact(usize),
    Unknown,
}

fn any_ref() -> impl Strategy<Value = Ref> {
    prop_oneof![
        4 => (0..8usize).prop_map(Ref::User),
        2 => (0..4usize).prop_map(Ref::Group),
        1 => (0..3usize).prop_map(Ref::Contact),
        1 => Just(Ref::Unknown),
    ]
}

#[derive(Clone, Debug)]
pub struct UserSpec {
    upn: Option<(usize, usize)>,
    mail: Option<usize>,
    proxies: Vec<(usize, usize)>,
    enabled: Option<bool>,
    guest: bool,
    /// Days since the invitation, for a pending guest.
    pending_days: Option<u16>,
    synced: Option<bool>,
    usage_location: bool,
    /// (sku index, 3 = unknown sku; first plan disabled).
    licenses: Vec<(usize, bool)>,
    license_error: bool,
    mobile: Option<usize>,
    business: Option<usize>,
    /// Methods registered (bits of [`METHODS`]), when the user has a registration.
    registration: Option<u8>,
}

fn user() -> impl Strategy<Value = UserSpec> {
    (
        proptest::option::weighted(0.9, (0..UPN_LOCAL.len(), 0..UPN_DOMAIN.len())),
        proptest::option::of(0..ADDRESSES.len()),
        proptest::collection::vec((0..PREFIXES.len(), 0..ADDRESSES.len()), 0..3),
        proptest::option::weighted(0.8, proptest::bool::weighted(0.85)),
        proptest::bool::weighted(0.2),
        proptest::option::of(0..60u16),
        proptest::option::of(any::<bool>()),
        proptest::bool::weighted(0.7),
        proptest::collection::vec((0..4usize, proptest::bool::weighted(0.2)), 0..3),
        proptest::bool::weighted(0.1),
        proptest::option::of(0..PHONES.len()),
        proptest::option::of(0..PHONES.len()),
    )
        .prop_flat_map(|t| (Just(t), proptest::option::weighted(0.7, any::<u8>())))
        .prop_map(
            |(
                (
                    upn,
                    mail,
                    proxies,
                    enabled,
                    guest,
                    pending_days,
                    synced,
                    usage_location,
                    licenses,
                    license_error,
                    mobile,
                    business,
                ),
                registration,
            )| UserSpec {
                upn,
                mail,
                proxies,
                enabled,
                guest,
                pending_days,
                synced,
                usage_location,
                licenses,
                license_error,
                mobile,
                business,
                registration,
            },
        )
}

#[derive(Clone, Debug)]
pub struct GroupSpec {
    name: usize,
    mail: Option<usize>,
    proxies: Vec<(usize, usize)>,
    synced: Option<bool>,
    /// `None`: the export has no `members` for this group.
    members: Option<Vec<(Ref, bool)>>,
}

fn group() -> impl Strategy<Value = GroupSpec> {
    (
        0..3usize,
        proptest::option::of(0..ADDRESSES.len()),
        proptest::collection::vec((0..PREFIXES.len(), 0..ADDRESSES.len()), 0..2),
        proptest::option::of(any::<bool>()),
        proptest::option::weighted(
            0.85,
            proptest::collection::vec((any_ref(), any::<bool>()), 0..5),
        ),
    )
        .prop_map(|(name, mail, proxies, synced, members)| GroupSpec {
            name,
            mail,
            proxies,
            synced,
            members,
        })
}

#[derive(Clone, Debug)]
pub struct AppSpec {
    /// Days from the export to each credential's end (negative: expired).
    credentials: Vec<(i16, bool)>,
}

fn app() -> impl Strategy<Value = AppSpec> {
    proptest::collection::vec(
        (
            prop_oneof![Just(-10i16), Just(5), Just(25), Just(400)],
            any::<bool>(),
        ),
        0..3,
    )
    .prop_map(|credentials| AppSpec { credentials })
}

#[derive(Clone, Debug)]
pub struct PolicySpec {
    /// 0..=2 as a number, 3..=5 as the string.
    enablement: Option<u8>,
    groups: Vec<Ref>,
    methods: Option<u8>,
    writeback: Option<(Option<bool>, Option<bool>)>,
}

fn policy() -> impl Strategy<Value = PolicySpec> {
    (
        proptest::option::weighted(0.9, 0..6u8),
        proptest::collection::vec(
            prop_oneof![4 => (0..4usize).prop_map(Ref::Group), 1 => Just(Ref::Unknown)],
            0..3,
        ),
        proptest::option::of(1..3u8),
        proptest::option::weighted(
            0.7,
            (
                proptest::option::of(any::<bool>()),
                proptest::option::of(any::<bool>()),
            ),
        ),
    )
        .prop_map(|(enablement, groups, methods, writeback)| PolicySpec {
            enablement,
            groups,
            methods,
            writeback,
        })
}

/// A contact's mail and proxy addresses (prefix, address).
type ContactSpec = (Option<usize>, Vec<(usize, usize)>);

/// A tenant: which collections it has and what is in them.
#[derive(Clone, Debug)]
pub struct Spec {
    users: Option<Vec<UserSpec>>,
    groups: Option<Vec<GroupSpec>>,
    contacts: Option<Vec<ContactSpec>>,
    /// (consumed, enabled) per subscription of [`SKUS`] it has.
    skus: Option<Vec<Option<(u8, u8)>>>,
    /// Which of [`DOMAINS`], each possibly with its verification flipped.
    domains: Option<Vec<Option<bool>>>,
    /// Members of a Global Administrator role (true) or another role.
    roles: Option<Vec<(bool, Vec<Ref>)>>,
    assignments: Option<Vec<(Ref, bool)>>,
    applications: Option<Vec<AppSpec>>,
    service_principals: Option<Vec<AppSpec>>,
    registrations: bool,
    policy: Option<PolicySpec>,
}

pub fn spec() -> impl Strategy<Value = Spec> {
    use proptest::collection::vec;
    use proptest::option::weighted;
    (
        weighted(0.95, vec(user(), 0..8)),
        weighted(0.85, vec(group(), 0..4)),
        weighted(
            0.6,
            vec(
                (
                    proptest::option::of(0..ADDRESSES.len()),
                    vec((0..PREFIXES.len(), 0..ADDRESSES.len()), 0..2),
                ),
                0..3,
            ),
        ),
        weighted(
            0.85,
            vec(proptest::option::weighted(0.8, (0..6u8, 0..6u8)), 3..=3),
        ),
        weighted(0.85, vec(proptest::option::of(any::<bool>()), 4..=4)),
        weighted(0.6, vec((any::<bool>(), vec(any_ref(), 0..4)), 0..3)),
        weighted(0.5, vec((any_ref(), any::<bool>()), 0..4)),
        weighted(0.5, vec(app(), 0..3)),
        weighted(0.5, vec(app(), 0..3)),
        proptest::bool::weighted(0.7),
        weighted(0.85, policy()),
    )
        .prop_map(
            |(
                users,
                groups,
                contacts,
                skus,
                domains,
                roles,
                assignments,
                applications,
                service_principals,
                registrations,
                policy,
            )| Spec {
                users,
                groups,
                contacts,
                skus,
                domains,
                roles,
                assignments,
                applications,
                service_principals,
                registrations,
                policy,
            },
        )
}

fn proxy((p, a): (usize, usize)) -> Value {
    json!(format!("{}{}", PREFIXES[p], ADDRESSES[a]))
}

/// `2026-11-20T08:00:00Z` plus `days`.
fn day(days: i64) -> String {
    let t = jiff::Timestamp::from_second(1_795_161_600 + days * 86_400).expect("in range");
    t.to_string()
}

impl Spec {
    /// The single-file snapshot.
    pub fn build(&self) -> Value {
        let n_users = self.users.as_ref().map_or(0, Vec::len);
        let n_groups = self.groups.as_ref().map_or(0, Vec::len);
        let n_contacts = self.contacts.as_ref().map_or(0, Vec::len);
        let resolve = |r: &Ref| -> (String, &'static str) {
            match *r {
                Ref::User(i) if n_users > 0 => (user_id(i % n_users), "#microsoft.graph.user"),
                Ref::Group(i) if n_groups > 0 => (group_id(i % n_groups), "#microsoft.graph.group"),
                Ref::Contact(i) if n_contacts > 0 => {
                    (contact_id(i % n_contacts), "#microsoft.graph.orgContact")
                }
                _ => (UNKNOWN_ID.to_owned(), "#microsoft.graph.user"),
            }
        };
        let mut doc = Map::new();
        doc.insert("exportedAt".into(), json!(EXPORTED_AT));
        doc.insert(
            "tenant".into(),
            json!({"id": TENANT_ID, "displayName": "Contoso"}),
        );
        if let Some(users) = &self.users {
            let v: Vec<Value> = users
                .iter()
                .enumerate()
                .map(|(i, u)| build_user(i, u))
                .collect();
            doc.insert("users".into(), Value::Array(v));
        }
        if let Some(groups) = &self.groups {
            let v = groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let mut o = Map::new();
                    o.insert("id".into(), json!(group_id(i)));
                    o.insert(
                        "displayName".into(),
                        json!(["Sales", "SSPR Users", "Admins"][g.name]),
                    );
                    o.insert("mail".into(), json!(g.mail.map(|m| ADDRESSES[m])));
                    o.insert(
                        "proxyAddresses".into(),
                        Value::Array(g.proxies.iter().copied().map(proxy).collect()),
                    );
                    o.insert("onPremisesSyncEnabled".into(), json!(g.synced));
                    // The "Sales" groups assign Microsoft 365 E3 (group-based licensing).
                    let licenses: Vec<Value> = if g.name == 0 {
                        vec![json!({"skuId": SKUS[0].0, "disabledPlans": []})]
                    } else {
                        vec![]
                    };
                    o.insert("assignedLicenses".into(), Value::Array(licenses));
                    if let Some(members) = &g.members {
                        let m = members
                            .iter()
                            .map(|(r, as_object)| {
                                let (id, ty) = resolve(r);
                                if *as_object {
                                    json!({"@odata.type": ty, "id": id})
                                } else {
                                    json!(id)
                                }
                            })
                            .collect();
                        o.insert("members".into(), Value::Array(m));
                    }
                    Value::Object(o)
                })
                .collect();
            doc.insert("groups".into(), Value::Array(v));
        }
        if let Some(contacts) = &self.contacts {
            let v = contacts
                .iter()
                .enumerate()
                .map(|(i, (mail, proxies))| {
                    json!({
                        "id": contact_id(i),
                        "displayName": format!("Contact {i}"),
                        "mail": mail.map(|m| ADDRESSES[m]),
                        "proxyAddresses": proxies.iter().copied().map(proxy).collect::<Vec<_>>(),
                    })
                })
                .collect();
            doc.insert("contacts".into(), Value::Array(v));
        }
        if let Some(skus) = &self.skus {
            let v = skus
                .iter()
                .zip(SKUS)
                .filter_map(|(s, (id, part, plans))| {
                    let (consumed, enabled) = (*s)?;
                    Some(json!({
                        "skuId": id,
                        "skuPartNumber": part,
                        "consumedUnits": consumed,
                        "prepaidUnits": {"enabled": enabled, "suspended": 0, "warning": 0},
                        "servicePlans": plans.iter().map(|(pid, name)| json!({"servicePlanId": pid, "servicePlanName": name})).collect::<Vec<_>>(),
                    }))
                })
                .collect();
            doc.insert("subscribedSkus".into(), Value::Array(v));
        }
        if let Some(domains) = &self.domains {
            let v = domains
                .iter()
                .zip(DOMAINS)
                .filter_map(|(flip, (name, verified, federated))| {
                    let verified = verified != (*flip)?;
                    Some(json!({
                        "id": name,
                        "isVerified": verified,
                        "authenticationType": if federated { "Federated" } else { "Managed" },
                    }))
                })
                .collect();
            doc.insert("domains".into(), Value::Array(v));
        }
        if let Some(roles) = &self.roles {
            let v = roles
                .iter()
                .enumerate()
                .map(|(i, (ga, members))| {
                    json!({
                        "id": format!("00000000-0000-4000-8000-6{i:011x}"),
                        "roleTemplateId": if *ga { GLOBAL_ADMIN } else { USER_ADMIN },
                        "displayName": if *ga { "Global Administrator" } else { "User Administrator" },
                        "members": members.iter().map(|r| json!(resolve(r).0)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            doc.insert("directoryRoles".into(), Value::Array(v));
        }
        if let Some(assignments) = &self.assignments {
            let v = assignments
                .iter()
                .map(|(r, ga)| {
                    json!({
                        "principalId": resolve(r).0,
                        "roleDefinitionId": if *ga { GLOBAL_ADMIN } else { USER_ADMIN },
                        "directoryScopeId": "/",
                    })
                })
                .collect();
            doc.insert("roleAssignments".into(), Value::Array(v));
        }
        for (key, apps, id) in [
            (
                "applications",
                &self.applications,
                app_id as fn(usize) -> String,
            ),
            ("servicePrincipals", &self.service_principals, sp_id),
        ] {
            if let Some(apps) = apps {
                let v = apps
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        let mut v = build_app(id(i), &format!("{key} {i}"), a);
                        if key == "servicePrincipals"
                            && let Some(o) = v.as_object_mut()
                        {
                            // Assignment required on every other one; assigned to nobody, to
                            // a group, or to a group and a user, by index.
                            o.insert(
                                "appRoleAssignmentRequired".into(),
                                json!(a.credentials.len() % 2 == 0),
                            );
                            o.insert("accountEnabled".into(), json!(i % 4 != 3));
                            let mut to = Vec::new();
                            if i % 3 != 0 {
                                let (gid, _) = resolve(&Ref::Group(i));
                                to.push(json!({"principalId": gid, "principalType": "Group",
                                    "appRoleId": "00000000-0000-0000-0000-000000000000"}));
                            }
                            if i % 3 == 2 {
                                let (uid, _) = resolve(&Ref::User(i));
                                to.push(json!({"principalId": uid, "principalType": "User",
                                    "appRoleId": "00000000-0000-0000-0000-000000000000"}));
                            }
                            o.insert("appRoleAssignedTo".into(), Value::Array(to));
                        }
                        v
                    })
                    .collect();
                doc.insert(key.into(), Value::Array(v));
            }
        }
        if self.registrations
            && let Some(users) = &self.users
        {
            let v = users
                .iter()
                .enumerate()
                .filter_map(|(i, u)| {
                    let bits = u.registration?;
                    // A quarter register nothing and are not registered for SSPR (SSPR007).
                    let bits = if bits & 0xc0 == 0x40 { 0 } else { bits };
                    let methods: Vec<&str> = METHODS
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| bits & (1 << k) != 0)
                        .map(|(_, m)| *m)
                        .collect();
                    Some(json!({"id": user_id(i), "methodsRegistered": methods,
                        "isSsprRegistered": bits & 0x80 != 0}))
                })
                .collect();
            doc.insert("userRegistrationDetails".into(), Value::Array(v));
        }
        if let Some(p) = &self.policy {
            let mut policies = Map::new();
            let mut reset = Map::new();
            if let Some(e) = p.enablement {
                let e = match e {
                    0..=2 => json!(e),
                    3 => json!("none"),
                    4 => json!("Selected"),
                    _ => json!("all"),
                };
                reset.insert("enablementType".into(), e);
            }
            reset.insert(
                "passwordResetEnabledGroupIds".into(),
                Value::Array(p.groups.iter().map(|r| json!(resolve(r).0)).collect()),
            );
            if let Some(m) = p.methods {
                reset.insert("numberOfAuthenticationMethodsRequired".into(), json!(m));
            }
            policies.insert("passwordResetPolicy".into(), Value::Object(reset));
            let invites = match p.methods {
                None => "none",
                Some(1) => "adminsAndGuestInviters",
                Some(_) => "everyone",
            };
            policies.insert(
                "authorizationPolicy".into(),
                json!({"id": "authorizationPolicy", "allowInvitesFrom": invites}),
            );
            if let Some((supported, enabled)) = p.writeback {
                policies.insert(
                    "onPremisesPasswordResetPolicy".into(),
                    json!({"passwordWritebackSupported": supported, "enablementForTenant": enabled}),
                );
            }
            doc.insert("policies".into(), Value::Object(policies));
        }
        Value::Object(doc)
    }
}

fn build_user(i: usize, u: &UserSpec) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(user_id(i)));
    o.insert("displayName".into(), json!(format!("User {i}")));
    if let Some((l, d)) = u.upn {
        o.insert(
            "userPrincipalName".into(),
            json!(format!("{}@{}", UPN_LOCAL[l], UPN_DOMAIN[d])),
        );
    }
    o.insert("mail".into(), json!(u.mail.map(|m| ADDRESSES[m])));
    o.insert(
        "proxyAddresses".into(),
        Value::Array(u.proxies.iter().copied().map(proxy).collect()),
    );
    if let Some(e) = u.enabled {
        o.insert("accountEnabled".into(), json!(e));
    }
    o.insert(
        "userType".into(),
        json!(if u.guest { "Guest" } else { "Member" }),
    );
    if u.guest {
        let pending = u.pending_days.is_some();
        o.insert(
            "externalUserState".into(),
            json!(if pending {
                "PendingAcceptance"
            } else {
                "Accepted"
            }),
        );
        o.insert(
            "externalUserStateChangeDateTime".into(),
            json!(day(-i64::from(u.pending_days.unwrap_or(400)))),
        );
    }
    o.insert("createdDateTime".into(), json!(day(-500)));
    o.insert("onPremisesSyncEnabled".into(), json!(u.synced));
    o.insert(
        "usageLocation".into(),
        json!(u.usage_location.then_some("NL")),
    );
    let sku = |k: usize| SKUS.get(k).map_or(UNKNOWN_SKU, |s| s.0);
    let licenses: Vec<Value> = u
        .licenses
        .iter()
        .map(|&(k, disable)| {
            let disabled: Vec<&str> = match SKUS.get(k) {
                Some(s) if disable => vec![s.2[0].0],
                _ => vec![],
            };
            json!({"skuId": sku(k), "disabledPlans": disabled})
        })
        .collect();
    o.insert("assignedLicenses".into(), Value::Array(licenses));
    let states: Vec<Value> = u
        .licenses
        .iter()
        .map(|&(k, _)| {
            if u.license_error {
                json!({"skuId": sku(k), "state": "Error", "error": "CountViolation", "assignedByGroup": null})
            } else {
                json!({"skuId": sku(k), "state": "Active", "error": "None", "assignedByGroup": null})
            }
        })
        .collect();
    o.insert("licenseAssignmentStates".into(), Value::Array(states));
    o.insert("mobilePhone".into(), json!(u.mobile.map(|p| PHONES[p])));
    o.insert(
        "businessPhones".into(),
        Value::Array(u.business.iter().map(|&p| json!(PHONES[p])).collect()),
    );
    Value::Object(o)
}

fn build_app(id: String, name: &str, a: &AppSpec) -> Value {
    let creds = |key: bool| -> Vec<Value> {
        a.credentials
            .iter()
            .enumerate()
            .filter(|(_, c)| c.1 == key)
            .map(|(k, (days, _))| {
                json!({
                    "keyId": format!("00000000-0000-4000-8000-7{k:011x}"),
                    "displayName": format!("secret {k}"),
                    "endDateTime": day(i64::from(*days)),
                })
            })
            .collect()
    };
    json!({
        "id": id,
        "appId": id.replace("-4000-", "-4001-"),
        "displayName": name,
        "passwordCredentials": creds(false),
        "keyCredentials": creds(true),
    })
}
