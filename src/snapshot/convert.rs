//! Wire objects to model objects: keep what rules read, as compact as it goes.

use super::wire::*;
use crate::model::*;

fn put(s: &StrSink, v: Option<Str>) -> StrRef {
    v.map_or(StrRef::EMPTY, |v| s.put(&v.0))
}

fn proxies(s: &StrSink, v: Option<Vec<Str>>) -> Box<[Proxy]> {
    v.unwrap_or_default()
        .iter()
        .map(|a| Proxy::new(s.put(&a.0), &a.0))
        .collect()
}

fn bit<T>(t: &Tri<T>, b: u32) -> u32 {
    if t.present() { b } else { 0 }
}

fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

pub fn user(w: WireUser, s: &StrSink, props: &mut u32) -> User {
    use user_props::*;
    *props |= bit(&w.user_principal_name, UPN)
        | bit(&w.mail, MAIL)
        | bit(&w.proxy_addresses, PROXY_ADDRESSES)
        | bit(&w.usage_location, USAGE_LOCATION)
        | bit(&w.account_enabled, ACCOUNT_ENABLED)
        | bit(&w.on_premises_sync_enabled, ON_PREMISES_SYNC_ENABLED)
        | bit(&w.user_type, USER_TYPE)
        | bit(&w.external_user_state, EXTERNAL_USER_STATE)
        | bit(
            &w.external_user_state_change_date_time,
            EXTERNAL_USER_STATE_CHANGE,
        )
        | bit(&w.created_date_time, CREATED)
        | bit(&w.assigned_licenses, ASSIGNED_LICENSES)
        | bit(&w.license_assignment_states, LICENSE_ASSIGNMENT_STATES)
        | bit(&w.mobile_phone, MOBILE_PHONE)
        | bit(&w.business_phones, BUSINESS_PHONES);
    let upn = w.user_principal_name.val();
    let upn_text = upn.as_ref().map_or("", |u| &*u.0);
    let mut flags = 0;
    if w.account_enabled.val() == Some(false) {
        flags |= user_flags::DISABLED;
    }
    if w.on_premises_sync_enabled.val() == Some(true) {
        flags |= user_flags::SYNCED;
    }
    let guest_type = w
        .user_type
        .val()
        .is_some_and(|t| trim(&t.0).eq_ignore_ascii_case("guest"));
    // Most UPNs hold no `#`: one search for it spares them the case-blind one for `#EXT#`.
    let hash_in_upn = upn_text.contains('#');
    if guest_type || hash_in_upn && contains_ignore_case(upn_text, "#EXT#") {
        flags |= user_flags::GUEST;
    }
    if w.external_user_state
        .val()
        .is_some_and(|t| t.0.eq_ignore_ascii_case("PendingAcceptance"))
    {
        flags |= user_flags::PENDING_ACCEPTANCE;
    }
    let usage_location = w.usage_location.val();
    if usage_location
        .as_ref()
        .is_none_or(|l| trim(&l.0).is_empty())
    {
        flags |= user_flags::NO_USAGE_LOCATION;
    }
    if hash_in_upn && has_reserved_hash(upn_text) {
        flags |= user_flags::RESERVED_HASH_IN_UPN;
    }
    let mobile = w.mobile_phone.val();
    let business = w.business_phones.val().unwrap_or_default();
    let plain = |p: &Str| p.0.is_empty() || plain_phone(&p.0);
    if mobile.as_ref().is_none_or(plain) && business.iter().all(plain) {
        flags |= user_flags::PLAIN_PHONES;
    }
    let licenses: Vec<AssignedLicense> = w
        .assigned_licenses
        .val()
        .unwrap_or_default()
        .into_iter()
        .map(|l| AssignedLicense {
            sku: l.sku_id,
            disabled_plans: l.disabled_plans.unwrap_or_default().into(),
        })
        .collect();
    let license_errors: Vec<LicenseError> = w
        .license_assignment_states
        .val()
        .unwrap_or_default()
        .into_iter()
        .filter(|st| {
            st.state.as_ref().is_some_and(|x| {
                x.0.eq_ignore_ascii_case("Error") || x.0.eq_ignore_ascii_case("ActiveWithError")
            })
        })
        .map(|st| LicenseError {
            sku: st.sku_id,
            state: put(s, st.state),
            error: put(s, st.error),
            assigned_by_group: st.assigned_by_group,
        })
        .collect();
    let mail = w.mail.val();
    if same_address(upn_text, mail.as_ref().map_or("", |m| &*m.0)) {
        flags |= user_flags::MAIL_IS_UPN;
    }
    let upn_parts = Upn::new(upn_text);
    let upn_domain = s.upn_domain(&upn_parts);
    let proxies: Box<[Proxy]> = w
        .proxy_addresses
        .val()
        .unwrap_or_default()
        .iter()
        .map(|a| Proxy::of_user(s.put(&a.0), &a.0, &upn_parts))
        .collect();
    let upn_key = if upn.is_some() { upn_parts.key() } else { 0 };
    User {
        id: w.id,
        upn: put(s, upn),
        display_name: put(s, w.display_name),
        mail: put(s, mail),
        usage_location: put(s, usage_location),
        phones: std::iter::once(put(s, mobile))
            .chain(business.iter().map(|p| s.put(&p.0)))
            .collect(),
        proxies,
        licenses: s.license_set(&licenses),
        upn_domain,
        upn_key,
        failed_licenses: (!license_errors.is_empty()).then(|| Box::new(license_errors)),
        created_and_flags: User::pack_created(w.created_date_time.val().map(|t| t.0), flags),
        external_state_changed_at: w
            .external_user_state_change_date_time
            .val()
            .map_or(NO_TIME, |t| t.0),
    }
}

pub fn group(w: WireGroup, s: &StrSink, props: &mut u32) -> (Group, RawMembers) {
    use group_props::*;
    *props |= bit(&w.mail, MAIL)
        | bit(&w.proxy_addresses, PROXY_ADDRESSES)
        | bit(&w.on_premises_sync_enabled, ON_PREMISES_SYNC_ENABLED)
        | bit(&w.members, MEMBERS)
        | bit(&w.is_assignable_to_role, IS_ASSIGNABLE_TO_ROLE)
        | bit(&w.assigned_licenses, ASSIGNED_LICENSES);
    let mut flags = 0;
    if w.on_premises_sync_enabled.val() == Some(true) {
        flags |= group_flags::SYNCED;
    }
    if w.is_assignable_to_role.val() == Some(true) {
        flags |= group_flags::ROLE_ASSIGNABLE;
    }
    let members: RawMembers = w
        .members
        .val()
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.0)
        .collect();
    let g = Group {
        id: w.id,
        display_name: put(s, w.display_name),
        mail: put(s, w.mail.val()),
        proxies: proxies(s, w.proxy_addresses.val()),
        members: Box::new([]),
        licenses: sku_ids(w.assigned_licenses.val()),
        flags,
    };
    (g, members)
}

/// The `skuId`s of `assignedLicenses`, in order, each once (a group holds a handful).
fn sku_ids(v: Option<Vec<WireLicense>>) -> Box<[Guid]> {
    let Some(v) = v else {
        return Box::new([]);
    };
    let mut out: Vec<Guid> = Vec::with_capacity(v.len());
    for l in v {
        if !out.contains(&l.sku_id) {
            out.push(l.sku_id);
        }
    }
    out.into_boxed_slice()
}

pub fn contact(w: WireContact, s: &StrSink, props: &mut u32) -> Contact {
    use contact_props::*;
    *props |= bit(&w.mail, MAIL) | bit(&w.proxy_addresses, PROXY_ADDRESSES);
    Contact {
        id: w.id,
        display_name: put(s, w.display_name),
        mail: put(s, w.mail.val()),
        proxies: proxies(s, w.proxy_addresses.val()),
    }
}

pub fn sku(w: WireSku, s: &StrSink, _: &mut u32) -> Sku {
    Sku {
        sku_id: w.sku_id,
        part_number: put(s, w.sku_part_number),
        consumed_units: w.consumed_units,
        prepaid_enabled: w.prepaid_units.and_then(|p| p.enabled),
        plans: w
            .service_plans
            .unwrap_or_default()
            .into_iter()
            .map(|p| ServicePlan {
                id: p.service_plan_id,
                name: put(s, p.service_plan_name),
            })
            .collect(),
    }
}

pub fn domain(w: WireDomain, _: &StrSink, _: &mut u32) -> Domain {
    Domain {
        name: w.id.0.trim().to_lowercase(),
        verified: w.is_verified == Some(true),
        federated: w
            .authentication_type
            .is_some_and(|t| t.0.trim().eq_ignore_ascii_case("federated")),
    }
}

pub fn directory_role(
    w: WireDirectoryRole,
    s: &StrSink,
    props: &mut u32,
) -> (DirectoryRole, RawMembers) {
    if w.members.is_some() {
        *props |= role_props::MEMBERS;
    }
    let members = w
        .members
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.0)
        .collect();
    let r = DirectoryRole {
        id: w.id,
        template: w.role_template_id,
        display_name: put(s, w.display_name),
        members: Box::new([]),
    };
    (r, members)
}

pub fn role_assignment(w: WireRoleAssignment, _: &StrSink, _: &mut u32) -> RoleAssignment {
    RoleAssignment {
        principal: w.principal_id,
        role_definition: w.role_definition_id,
    }
}

fn credentials(
    s: &StrSink,
    v: Option<Vec<WireCredential>>,
    kind: CredentialKind,
    out: &mut Vec<Credential>,
) {
    out.extend(v.unwrap_or_default().into_iter().map(|c| Credential {
        kind,
        key_id: put(s, c.key_id),
        display_name: put(s, c.display_name),
        end: c.end_date_time.map(|t| t.0),
    }));
}

pub fn app(w: WireApp, s: &StrSink, props: &mut u32) -> App {
    if w.password_credentials.is_some() {
        *props |= app_props::PASSWORD_CREDENTIALS;
    }
    if w.key_credentials.is_some() {
        *props |= app_props::KEY_CREDENTIALS;
    }
    let mut creds = Vec::new();
    credentials(
        s,
        w.password_credentials,
        CredentialKind::Password,
        &mut creds,
    );
    credentials(s, w.key_credentials, CredentialKind::Key, &mut creds);
    App {
        id: w.id,
        app_id: put(s, w.app_id),
        display_name: put(s, w.display_name),
        credentials: creds.into(),
        assigned_to: Box::new([]),
        owner_org: None,
        flags: 0,
    }
}

pub fn service_principal(w: WireServicePrincipal, s: &StrSink, props: &mut u32) -> App {
    use app_props::*;
    *props |= bit(
        &w.app_role_assignment_required,
        APP_ROLE_ASSIGNMENT_REQUIRED,
    ) | bit(&w.account_enabled, ACCOUNT_ENABLED)
        | bit(&w.app_owner_organization_id, APP_OWNER_ORGANIZATION_ID)
        | bit(&w.app_role_assigned_to, APP_ROLE_ASSIGNED_TO);
    let mut flags = 0;
    if w.app_role_assignment_required.val() == Some(true) {
        flags |= app_flags::ASSIGNMENT_REQUIRED;
    }
    if w.account_enabled.val() == Some(false) {
        flags |= app_flags::DISABLED;
    }
    if w.app_role_assigned_to.present() {
        flags |= app_flags::ASSIGNMENTS_KNOWN;
    }
    let assigned_to = w
        .app_role_assigned_to
        .val()
        .unwrap_or_default()
        .into_iter()
        .map(WireAppRoleAssignment::model)
        .collect();
    let app = app(
        WireApp {
            id: w.id,
            app_id: w.app_id,
            display_name: w.display_name,
            password_credentials: w.password_credentials,
            key_credentials: w.key_credentials,
        },
        s,
        props,
    );
    App {
        assigned_to,
        owner_org: w.app_owner_organization_id.val(),
        flags,
        ..app
    }
}

pub fn registration(w: WireRegistration, _: &StrSink, props: &mut u32) -> Registration {
    if w.methods_registered.is_some() {
        *props |= registration_props::METHODS_REGISTERED;
    }
    *props |= bit(
        &w.is_sspr_registered,
        registration_props::IS_SSPR_REGISTERED,
    );
    Registration {
        id: w.id,
        sspr_registered: w.is_sspr_registered.val(),
        methods: w
            .methods_registered
            .unwrap_or_default()
            .iter()
            .fold(0, |acc, m| acc | methods::bit(trim(&m.0))),
    }
}

pub fn password_reset(w: WirePasswordResetPolicy) -> PasswordResetPolicy {
    PasswordResetPolicy {
        enablement: w.enablement_type.map(|e| e.0),
        group_ids: w.password_reset_enabled_group_ids.unwrap_or_default(),
        methods_required: w.number_of_authentication_methods_required,
    }
}

pub fn authorization(w: WireAuthorizationPolicy) -> AuthorizationPolicy {
    AuthorizationPolicy {
        allow_invites_from: w.allow_invites_from.map(|t| t.0),
    }
}

pub fn on_prem(w: WireOnPremPolicy) -> OnPremPasswordResetPolicy {
    OnPremPasswordResetPolicy {
        writeback_supported: w.password_writeback_supported,
        enablement_for_tenant: w.enablement_for_tenant,
    }
}
