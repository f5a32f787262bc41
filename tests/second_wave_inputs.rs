//! The inputs of the second-wave rules (B2B003, LIC007, APP003, APP004, SSPR007), through
//! `tenantlint::snapshot::load`: groups' `assignedLicenses`, `authorizationPolicy`'s
//! `allowInvitesFrom` (the object or a Graph page of it), `userRegistrationDetails`'
//! `isSsprRegistered`, and service principals' `appRoleAssignmentRequired`, `accountEnabled`,
//! `appOwnerOrganizationId` and `appRoleAssignedTo` (inline, as
//! `servicePrincipals/<id>/appRoleAssignedTo.json`, and in an Export-Entra tree). Each is read
//! from Graph's camelCase, from the Graph PowerShell SDK's PascalCase, from a directory; its
//! presence bit is set only when some object carries it; a wrong type is a one-line error with
//! the file, line:column and JSON path.

mod common;

use common::*;
use serde_json::{Map, Value, json};
use std::path::Path;
use tenantlint::error::InputError;
use tenantlint::model::{
    PrincipalType, Tenant, app_flags, app_props, group_props, registration_props,
};

const MEGAN: &str = "6e7b768e-07e2-4810-8459-485f84f8f204";
const ADELE: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const SALES: &str = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
const FINANCE: &str = "02bd9fd6-8f93-4758-87c3-1fb73740a315";
const E3: &str = "05e9a617-0261-4cee-bb44-138d3ef5d965";
const EMS: &str = "efccb6f7-5641-4e0e-bd10-b4976e1bf68e";
const EXPENSES: &str = "ef97cd11-ac57-542b-afbb-5bfa95db7992";
const WIKI: &str = "4f5a6b7c-8d9e-4f0a-9b2c-3d4e5f607182";
const GRAPH_SP: &str = "9c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f";
const APP: &str = "2997bd59-ac57-542b-afbb-5bfa95db7992";
const HOME: &str = "b8f3c0a4-5b6e-4a51-9d3e-0f6f3f0c1a10";
const MICROSOFT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
const DEFAULT_ROLE: &str = "00000000-0000-0000-0000-000000000000";
const READER_ROLE: &str = "4e4a1f16-5a61-4a37-9cf4-3c09aa0a5d21";

// ---------------------------------------------------------------------------------------------
// Helpers

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn load_err(spec: &str) -> InputError {
    match tenantlint::snapshot::load(spec) {
        Ok(_) => panic!("{spec} loaded, expected an error"),
        Err(e) => e,
    }
}

/// The error message, checked to be one line.
fn message(spec: &str) -> String {
    let m = load_err(spec).to_string();
    assert!(!m.contains('\n'), "message is not one line: {m:?}");
    m
}

fn assignment(principal: &str, kind: &str, role: &str) -> Value {
    json!({
        "id": format!("assignment-{principal}-{kind}"),
        "appRoleId": role,
        "createdDateTime": "2025-03-01T10:00:00Z",
        "principalDisplayName": "someone",
        "principalId": principal,
        "principalType": kind,
        "resourceDisplayName": "Contoso Expenses",
        "resourceId": EXPENSES
    })
}

/// The four `appRoleAssignedTo` entries of the Expenses service principal.
fn expenses_assignments() -> Vec<Value> {
    vec![
        assignment(MEGAN, "User", DEFAULT_ROLE),
        assignment(SALES, "Group", READER_ROLE),
        assignment(GRAPH_SP, "ServicePrincipal", READER_ROLE),
        // A type tenantlint does not know, and no appRoleId (the default access role).
        json!({"principalId": FINANCE, "principalType": "Device"}),
    ]
}

fn expenses(assigned: Vec<Value>) -> Value {
    json!({
        "id": EXPENSES,
        "appId": APP,
        "displayName": "Contoso Expenses",
        "accountEnabled": false,
        "appRoleAssignmentRequired": true,
        "appOwnerOrganizationId": HOME,
        "servicePrincipalType": "Application",
        "passwordCredentials": [],
        "keyCredentials": [],
        "appRoleAssignedTo": assigned
    })
}

fn wiki() -> Value {
    json!({
        "id": WIKI,
        "appId": "281706f5-8d9e-4f0a-9b2c-3d4e5f607182",
        "displayName": "Wiki",
        "accountEnabled": true,
        "appRoleAssignmentRequired": false,
        "appOwnerOrganizationId": MICROSOFT
    })
}

/// A snapshot with every second-wave property, in Graph's camelCase.
fn snapshot() -> Value {
    json!({
        "exportedAt": "2026-11-20T08:00:00Z",
        "users": [{"id": MEGAN}, {"id": ADELE}],
        "groups": [
            {
                "id": SALES,
                "displayName": "Sales",
                // Listed twice (direct and inherited by a nested group's settings): kept once.
                "assignedLicenses": [
                    {"disabledPlans": [], "skuId": E3},
                    {"disabledPlans": ["57ff2da0-773e-42df-b2af-ffb7a2317929"], "skuId": EMS},
                    {"skuId": E3}
                ],
                "members": [MEGAN, FINANCE]
            },
            {"id": FINANCE, "displayName": "Finance", "assignedLicenses": [], "members": [ADELE]},
            {"id": "c1a2b3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "displayName": "No licenses key"}
        ],
        // Applications have none of these properties: on one they are not read (nor checked).
        "applications": [{
            "id": "aa0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
            "appId": APP,
            "displayName": "Contoso Expenses",
            "accountEnabled": "not read",
            "appRoleAssignmentRequired": true,
            "appRoleAssignedTo": [{"principalId": "not read"}]
        }],
        "servicePrincipals": [expenses(expenses_assignments()), wiki()],
        "userRegistrationDetails": [
            {"id": MEGAN, "isSsprRegistered": false, "isSsprEnabled": true, "methodsRegistered": []},
            {"id": ADELE, "isSsprRegistered": true, "methodsRegistered": ["mobilePhone"]}
        ],
        "policies": {
            "authorizationPolicy": {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/authorizationPolicy/$entity",
                "id": "authorizationPolicy",
                "allowInvitesFrom": "adminsAndGuestInviters",
                "allowedToUseSSPR": true,
                "defaultUserRolePermissions": {"allowedToCreateApps": false}
            }
        }
    })
}

/// The same JSON as the Graph PowerShell SDK writes it: the first letter of every key upper
/// case (`@odata` keys as they are).
fn pascal(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| {
                    let mut k = k.clone();
                    if let Some(first) = k.get_mut(..1)
                        && first != "@"
                    {
                        first.make_ascii_uppercase();
                    }
                    (k, pascal(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(pascal).collect()),
        v => v.clone(),
    }
}

/// Moves `keys` of the object `v` into its `AdditionalProperties` (camelCase, as the SDK puts
/// what its model does not know there).
fn additional(v: &mut Value, keys: &[&str]) {
    let o = v.as_object_mut().unwrap();
    let mut extra = Map::new();
    for k in keys {
        let upper = {
            let mut s = k.to_string();
            s[..1].make_ascii_uppercase();
            s
        };
        let x = o.remove(&upper).unwrap_or_else(|| panic!("no {upper}"));
        extra.insert(k.to_string(), x);
    }
    o.insert("AdditionalProperties".into(), Value::Object(extra));
}

fn write_single(dir: &Path, v: &Value) -> String {
    put(dir, "t.json", serde_json::to_vec_pretty(v).unwrap())
}

fn sp<'a>(t: &'a Tenant, id: &str) -> &'a tenantlint::model::App {
    t.service_principals
        .items
        .iter()
        .find(|a| a.id.to_string() == id)
        .unwrap()
}

/// What the single file of [`snapshot`] must load as.
fn check_snapshot(t: &Tenant) {
    // Groups: sku ids in input order, each once; an empty array, and no key at all.
    let g = &t.groups.items;
    let ids = |i: usize| -> Vec<String> { g[i].licenses.iter().map(ToString::to_string).collect() };
    assert_eq!(ids(0), [E3, EMS]);
    assert!(ids(1).is_empty() && ids(2).is_empty());
    assert!(t.groups.has(group_props::ASSIGNED_LICENSES));

    // Service principals.
    let e = sp(t, EXPENSES);
    assert!(e.is(app_flags::ASSIGNMENT_REQUIRED));
    assert!(e.is(app_flags::DISABLED));
    assert!(e.is(app_flags::ASSIGNMENTS_KNOWN));
    assert_eq!(e.owner_org.unwrap().to_string(), HOME);
    let got: Vec<(String, PrincipalType, String)> = e
        .assigned_to
        .iter()
        .map(|a| {
            (
                a.principal.to_string(),
                a.principal_type,
                a.app_role.to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (MEGAN.into(), PrincipalType::User, DEFAULT_ROLE.into()),
            (SALES.into(), PrincipalType::Group, READER_ROLE.into()),
            (
                GRAPH_SP.into(),
                PrincipalType::ServicePrincipal,
                READER_ROLE.into()
            ),
            (FINANCE.into(), PrincipalType::Other, DEFAULT_ROLE.into()),
        ]
    );
    let w = sp(t, WIKI);
    assert_eq!(
        w.flags, 0,
        "required false, enabled, no appRoleAssignedTo key"
    );
    assert!(w.assigned_to.is_empty());
    assert_eq!(w.owner_org.unwrap().to_string(), MICROSOFT);
    for p in [
        app_props::APP_ROLE_ASSIGNMENT_REQUIRED,
        app_props::ACCOUNT_ENABLED,
        app_props::APP_OWNER_ORGANIZATION_ID,
        app_props::APP_ROLE_ASSIGNED_TO,
    ] {
        assert!(t.service_principals.has(p), "{p}");
    }
    // Applications keep none of it, and set no bit of it.
    let a = &t.applications.items[0];
    assert_eq!((a.flags, a.owner_org, a.assigned_to.len()), (0, None, 0));
    assert!(!t.applications.has(app_props::APP_ROLE_ASSIGNMENT_REQUIRED));
    assert!(!t.applications.has(app_props::APP_ROLE_ASSIGNED_TO));

    // Registrations.
    let r = &t.registrations.items;
    assert_eq!(
        (r[0].sspr_registered, r[1].sspr_registered),
        (Some(false), Some(true))
    );
    assert!(t.registrations.has(registration_props::IS_SSPR_REGISTERED));

    // The authorization policy.
    let p = t.policies.authorization_policy.as_ref().unwrap();
    assert_eq!(
        p.allow_invites_from.as_deref(),
        Some("adminsAndGuestInviters")
    );
}

// ---------------------------------------------------------------------------------------------
// Accepted forms

#[test]
fn a_single_camel_case_file() {
    let dir = tmp();
    let t = load(&write_single(dir.path(), &snapshot()));
    check_snapshot(&t);
}

#[test]
fn the_sdk_pascal_case_form_reads_the_same() {
    let dir = tmp();
    let camel = load(&write_single(dir.path(), &snapshot()));
    let mut v = pascal(&snapshot());
    // What the SDK's models do not know goes under AdditionalProperties, at any depth.
    additional(
        &mut v["ServicePrincipals"][1],
        &["appOwnerOrganizationId", "accountEnabled"],
    );
    additional(
        &mut v["ServicePrincipals"][0]["AppRoleAssignedTo"][3],
        &["principalType"],
    );
    additional(&mut v["Groups"][1], &["assignedLicenses"]);
    additional(&mut v["UserRegistrationDetails"][0], &["isSsprRegistered"]);
    additional(
        &mut v["Policies"]["AuthorizationPolicy"],
        &["allowInvitesFrom"],
    );
    let text = serde_json::to_string_pretty(&v).unwrap();
    assert!(text.contains("\"AppRoleAssignmentRequired\": true"));
    assert!(text.contains("\"AllowInvitesFrom\"") || text.contains("\"allowInvitesFrom\""));
    let p = put(dir.path(), "sdk.json", text);
    let sdk = load(&p);
    check_snapshot(&sdk);
    assert_eq!(summary(&sdk), summary(&camel));
}

#[test]
fn an_authorization_policy_as_a_graph_page() {
    let dir = tmp();
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#policies/authorizationPolicy",
        "value": [{"id": "authorizationPolicy", "allowInvitesFrom": "none", "guestUserRoleId": "10dae51f-b6af-4016-8d66-8c2a99b929b3"}]
    });
    // In a single file, in policies.json, as policies/authorizationPolicy.json, and in the
    // SDK's spelling.
    let single = write_single(
        dir.path(),
        &json!({"policies": {"authorizationPolicy": page}}),
    );
    let d1 = dir.path().join("d1");
    put(
        &d1,
        "policies.json",
        json!({"authorizationPolicy": page}).to_string(),
    );
    let d2 = dir.path().join("d2");
    put(
        &d2,
        "policies/authorizationPolicy.json",
        serde_json::to_vec_pretty(&page).unwrap(),
    );
    let d3 = dir.path().join("d3");
    put(
        &d3,
        "policies/authorizationPolicy.json",
        pascal(&page).to_string(),
    );
    for spec in [
        single.clone(),
        d1.display().to_string(),
        d2.display().to_string(),
        d3.display().to_string(),
    ] {
        let t = load(&spec);
        let p = t.policies.authorization_policy.as_ref().unwrap();
        assert_eq!(p.allow_invites_from.as_deref(), Some("none"), "{spec}");
        // Reports point at the policy, the page's element, not at the page.
        let (_, loc) = t
            .policies
            .locs
            .iter()
            .find(|(k, _)| *k == "authorizationPolicy")
            .unwrap();
        let file = &t.info.files[loc.file() as usize];
        let text = std::fs::read_to_string(file).unwrap();
        let at = &text[loc.offset()..];
        let obj: Value = serde_json::Deserializer::from_str(at)
            .into_iter::<Value>()
            .next()
            .unwrap()
            .unwrap();
        let id = obj.get("id").or_else(|| obj.get("Id")).unwrap();
        assert_eq!(id, "authorizationPolicy", "{spec}");
    }
    // The object without the property, `null` in it, an empty page, `null` for the policy.
    for (policy, want) in [
        (json!({"id": "authorizationPolicy"}), Some(None)),
        (
            json!({"id": "authorizationPolicy", "allowInvitesFrom": null}),
            Some(None),
        ),
        (
            json!({"value": [{"allowInvitesFrom": "everyone"}]}),
            Some(Some("everyone")),
        ),
        (json!({"value": []}), None),
        (Value::Null, None),
    ] {
        let p = write_single(
            dir.path(),
            &json!({"policies": {"authorizationPolicy": policy}}),
        );
        let t = load(&p);
        let got = t
            .policies
            .authorization_policy
            .as_ref()
            .map(|a| a.allow_invites_from.as_deref());
        assert_eq!(got, want, "{policy}");
    }
}

/// The snapshot as a directory: `servicePrincipals/<id>/appRoleAssignedTo.json` holds two
/// Graph pages (an array of pages, with `@odata.nextLink`), merged after the inline entries.
#[test]
fn a_directory_with_app_role_assigned_to_files() {
    let dir = tmp();
    let single = load(&write_single(dir.path(), &snapshot()));
    let d = dir.path().join("snap");
    let v = snapshot();
    let all = expenses_assignments();
    put(
        &d,
        "tenant.json",
        json!({"exportedAt": v["exportedAt"]}).to_string(),
    );
    put(&d, "users.json", v["users"].to_string());
    put(&d, "groups.json", json!({"value": v["groups"]}).to_string());
    put(&d, "applications.json", v["applications"].to_string());
    put(
        &d,
        "servicePrincipals.json",
        json!({"value": [expenses(all[..1].to_vec()), wiki()]}).to_string(),
    );
    let pages = json!([
        {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals('x')/appRoleAssignedTo",
            "value": [all[1], all[2]],
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/servicePrincipals/x/appRoleAssignedTo?$skiptoken=abc"
        },
        {"value": [all[3]]}
    ]);
    put(
        &d,
        &format!("servicePrincipals/{EXPENSES}/appRoleAssignedTo.json"),
        serde_json::to_vec_pretty(&pages).unwrap(),
    );
    put(
        &d,
        "userRegistrationDetails.json",
        json!({"value": v["userRegistrationDetails"]}).to_string(),
    );
    put(
        &d,
        "policies/authorizationPolicy.json",
        v["policies"]["authorizationPolicy"].to_string(),
    );
    let t = load(&d.display().to_string());
    check_snapshot(&t);
    assert_eq!(summary(&t), summary(&single));
    // The file was read (so --output can never name it).
    assert!(
        t.info
            .files
            .iter()
            .any(|f| f.ends_with("appRoleAssignedTo.json"))
    );

    // A file alone: the service principal's assignments are known and the bit is set; a
    // service principal without a file stays unknown.
    let d = dir.path().join("alone");
    let mut e = expenses(vec![]);
    e.as_object_mut().unwrap().remove("appRoleAssignedTo");
    put(&d, "servicePrincipals.json", json!([e, wiki()]).to_string());
    put(
        &d,
        &format!("servicePrincipals/{EXPENSES}/appRoleAssignedTo.json"),
        json!({"value": []}).to_string(),
    );
    let t = load(&d.display().to_string());
    assert!(t.service_principals.has(app_props::APP_ROLE_ASSIGNED_TO));
    assert!(sp(&t, EXPENSES).is(app_flags::ASSIGNMENTS_KNOWN));
    assert!(!sp(&t, WIKI).is(app_flags::ASSIGNMENTS_KNOWN));
    assert!(sp(&t, EXPENSES).assigned_to.is_empty());

    // As Get-MgServicePrincipalAppRoleAssignedTo | ConvertTo-Json writes it.
    let sdk: Vec<Value> = all.iter().map(pascal).collect();
    put(
        &d,
        &format!("servicePrincipals/{EXPENSES}/appRoleAssignedTo.json"),
        serde_json::to_vec_pretty(&sdk).unwrap(),
    );
    let t = load(&d.display().to_string());
    assert_eq!(sp(&t, EXPENSES).assigned_to.len(), 4);
    assert_eq!(
        sp(&t, EXPENSES).assigned_to[1].principal_type,
        PrincipalType::Group
    );

    // A folder of a service principal that is not in servicePrincipals.
    let p = put(
        &d,
        "servicePrincipals/11111111-2222-3333-4444-555555555555/appRoleAssignedTo.json",
        "[]",
    );
    assert_eq!(
        message(&d.display().to_string()),
        format!(
            "{p}: appRoleAssignedTo of service principal 11111111-2222-3333-4444-555555555555, which is not in the snapshot's servicePrincipals"
        )
    );
}

/// Export-Entra writes a service principal's assignments as
/// `ServicePrincipals/<id>/AppRoleAssignedTo/<assignment id>/<assignment id>.json` (its schema's
/// `servicePrincipals/<placeholder>/appRoleAssignedTo` child), and nothing for one without.
#[test]
fn an_export_entra_tree() {
    let dir = tmp();
    let root = dir.path();
    let ps7 = |v: &Value| {
        serde_json::to_string_pretty(v)
            .unwrap()
            .replace('\n', "\r\n")
    };
    // Windows PowerShell 5.1's Out-File: UTF-16 LE with a byte order mark.
    let ps5 = |v: &Value| {
        let mut b = vec![0xFF, 0xFE];
        for u in ps7(v).encode_utf16() {
            b.extend(u.to_le_bytes());
        }
        b
    };
    put(
        root,
        "Organization/Organization.json",
        ps7(&json!({"id": HOME, "displayName": "Contoso"})),
    );
    for g in snapshot()["groups"].as_array().unwrap() {
        let id = g["id"].as_str().unwrap();
        let mut g = g.clone();
        g.as_object_mut().unwrap().remove("members");
        put(root, &format!("Groups/{id}/{id}.json"), ps5(&g));
    }
    let mut e = expenses(vec![]);
    e.as_object_mut().unwrap().remove("appRoleAssignedTo");
    put(
        root,
        &format!("ServicePrincipals/{EXPENSES}/{EXPENSES}.json"),
        ps7(&e),
    );
    put(
        root,
        &format!("ServicePrincipals/{WIKI}/{WIKI}.json"),
        ps5(&wiki()),
    );
    // Assignment ids are not GUIDs; folders are read in name order.
    let names = ["41W1zT6z", "5mX0", "9aQ_", "Zz-1"];
    for (n, a) in names.iter().zip(expenses_assignments()) {
        let file = format!("ServicePrincipals/{EXPENSES}/AppRoleAssignedTo/{n}/{n}.json");
        if *n == "5mX0" {
            put(root, &file, ps5(&a));
        } else {
            put(root, &file, ps7(&a));
        }
    }
    put(
        root,
        "Policies/AuthorizationPolicy/authorizationPolicy/authorizationPolicy.json",
        ps5(&snapshot()["policies"]["authorizationPolicy"]),
    );
    let t = load(&root.display().to_string());
    let e = sp(&t, EXPENSES);
    assert!(e.is(app_flags::ASSIGNMENT_REQUIRED) && e.is(app_flags::DISABLED));
    assert!(e.is(app_flags::ASSIGNMENTS_KNOWN));
    let got: Vec<(String, PrincipalType)> = e
        .assigned_to
        .iter()
        .map(|a| (a.principal.to_string(), a.principal_type))
        .collect();
    assert_eq!(
        got,
        [
            (MEGAN.into(), PrincipalType::User),
            (SALES.into(), PrincipalType::Group),
            (GRAPH_SP.into(), PrincipalType::ServicePrincipal),
            (FINANCE.into(), PrincipalType::Other),
        ]
    );
    // Export-Entra asked for Wiki's assignments too and wrote no folder: it has none.
    let w = sp(&t, WIKI);
    assert!(w.is(app_flags::ASSIGNMENTS_KNOWN) && w.assigned_to.is_empty());
    assert!(t.service_principals.has(app_props::APP_ROLE_ASSIGNED_TO));
    let sales = t
        .groups
        .items
        .iter()
        .find(|g| g.id.to_string() == SALES)
        .unwrap();
    assert_eq!(sales.licenses.len(), 2);
    assert!(t.groups.has(group_props::ASSIGNED_LICENSES));
    assert_eq!(
        t.policies
            .authorization_policy
            .as_ref()
            .unwrap()
            .allow_invites_from
            .as_deref(),
        Some("adminsAndGuestInviters")
    );
    // Every assignment file is listed as read.
    assert_eq!(
        t.info
            .files
            .iter()
            .filter(|f| f.to_string_lossy().contains("AppRoleAssignedTo"))
            .count(),
        4
    );

    // An error in an assignment names its own file, line and column (a UTF-16 one counts
    // characters).
    let bad = format!("ServicePrincipals/{EXPENSES}/AppRoleAssignedTo/5mX0/5mX0.json");
    let mut a = assignment(SALES, "Group", READER_ROLE);
    a["principalId"] = json!("not-a-guid");
    let p = put(root, &bad, ps5(&a));
    let m = message(&root.display().to_string());
    assert!(
        m.starts_with(&format!("{p}:"))
            && m.ends_with(
                ": at principalId: invalid value: string \"not-a-guid\", expected a GUID"
            ),
        "{m}"
    );

    // A tree without any AppRoleAssignedTo folder: nothing is known.
    std::fs::remove_dir_all(root.join(format!("ServicePrincipals/{EXPENSES}/AppRoleAssignedTo")))
        .unwrap();
    let t = load(&root.display().to_string());
    assert!(!t.service_principals.has(app_props::APP_ROLE_ASSIGNED_TO));
    assert!(
        t.service_principals
            .items
            .iter()
            .all(|a| !a.is(app_flags::ASSIGNMENTS_KNOWN))
    );
    assert!(
        t.service_principals
            .has(app_props::APP_ROLE_ASSIGNMENT_REQUIRED)
    );
}

// ---------------------------------------------------------------------------------------------
// Presence

#[test]
fn presence_bits_only_when_some_object_carries_the_property() {
    let dir = tmp();
    let bare = json!({
        "groups": [{"id": SALES, "displayName": "Sales"}],
        "servicePrincipals": [{"id": EXPENSES, "appId": APP, "passwordCredentials": []}],
        "userRegistrationDetails": [{"id": MEGAN, "methodsRegistered": []}],
        "policies": {"passwordResetPolicy": {"enablementType": 2}}
    });
    let t = load(&write_single(dir.path(), &bare));
    assert!(!t.groups.has(group_props::ASSIGNED_LICENSES));
    for p in [
        app_props::APP_ROLE_ASSIGNMENT_REQUIRED,
        app_props::ACCOUNT_ENABLED,
        app_props::APP_OWNER_ORGANIZATION_ID,
        app_props::APP_ROLE_ASSIGNED_TO,
    ] {
        assert!(!t.service_principals.has(p), "{p}");
    }
    assert!(t.service_principals.has(app_props::PASSWORD_CREDENTIALS));
    assert!(!t.registrations.has(registration_props::IS_SSPR_REGISTERED));
    assert!(t.registrations.has(registration_props::METHODS_REGISTERED));
    assert!(t.policies.authorization_policy.is_none());
    let s = &t.service_principals.items[0];
    assert_eq!((s.flags, s.owner_org, s.assigned_to.len()), (0, None, 0));
    assert_eq!(t.registrations.items[0].sspr_registered, None);

    // `null` is a value (Graph says "empty"), as for every other property: the bit is set,
    // the value empty; one object carrying the property is enough.
    let nulls = json!({
        "groups": [{"id": SALES}, {"id": FINANCE, "assignedLicenses": null}],
        "servicePrincipals": [
            {"id": EXPENSES},
            {"id": WIKI, "appRoleAssignmentRequired": null, "accountEnabled": null,
             "appOwnerOrganizationId": null, "appRoleAssignedTo": null}
        ],
        "userRegistrationDetails": [{"id": MEGAN}, {"id": ADELE, "isSsprRegistered": null}]
    });
    let t = load(&write_single(dir.path(), &nulls));
    assert!(t.groups.has(group_props::ASSIGNED_LICENSES));
    assert!(t.groups.items.iter().all(|g| g.licenses.is_empty()));
    for p in [
        app_props::APP_ROLE_ASSIGNMENT_REQUIRED,
        app_props::ACCOUNT_ENABLED,
        app_props::APP_OWNER_ORGANIZATION_ID,
        app_props::APP_ROLE_ASSIGNED_TO,
    ] {
        assert!(t.service_principals.has(p), "{p}");
    }
    assert_eq!(sp(&t, WIKI).flags, app_flags::ASSIGNMENTS_KNOWN);
    assert_eq!(sp(&t, EXPENSES).flags, 0);
    assert!(t.registrations.has(registration_props::IS_SSPR_REGISTERED));
    assert!(
        t.registrations
            .items
            .iter()
            .all(|r| r.sspr_registered.is_none())
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn wrong_types_are_one_line_errors_with_the_json_path() {
    let dir = tmp();
    let cases = [
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignedTo": [
                {"principalId": MEGAN, "principalType": "User"},
                {"principalId": "not-a-guid", "principalType": "User"}]}]}),
            "at servicePrincipals[0].appRoleAssignedTo[1].principalId: invalid value: string \"not-a-guid\", expected a GUID",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignedTo": [{"principalType": "User"}]}]}),
            "at servicePrincipals[0].appRoleAssignedTo[0]: missing field `principalId`",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignedTo": [{"principalId": MEGAN, "principalType": 1}]}]}),
            "at servicePrincipals[0].appRoleAssignedTo[0].principalType: wrong type: integer `1`, expected a principalType string",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignedTo": [{"principalId": MEGAN, "appRoleId": "x"}]}]}),
            "at servicePrincipals[0].appRoleAssignedTo[0].appRoleId: invalid value: string \"x\", expected a GUID",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignedTo": {"principalId": MEGAN}}]}),
            "at servicePrincipals[0].appRoleAssignedTo: wrong type: map, expected a sequence",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appRoleAssignmentRequired": "yes"}]}),
            "at servicePrincipals[0].appRoleAssignmentRequired: wrong type: string \"yes\", expected a boolean",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "accountEnabled": 0}]}),
            "at servicePrincipals[0].accountEnabled: wrong type: integer `0`, expected a boolean",
        ),
        (
            json!({"servicePrincipals": [{"id": EXPENSES, "appOwnerOrganizationId": "Microsoft"}]}),
            "at servicePrincipals[0].appOwnerOrganizationId: invalid value: string \"Microsoft\", expected a GUID",
        ),
        (
            json!({"groups": [{"id": SALES, "assignedLicenses": [{"skuId": E3}, {"skuId": "E5"}]}]}),
            "at groups[0].assignedLicenses[1].skuId: invalid value: string \"E5\", expected a GUID",
        ),
        (
            json!({"groups": [{"id": SALES, "assignedLicenses": [E3]}]}),
            "at groups[0].assignedLicenses[0]: wrong type: string \"05e9a617-0261-4cee-bb44-138d3ef5d965\", expected an assignedLicenses entry",
        ),
        (
            json!({"userRegistrationDetails": [{"id": MEGAN}, {"id": ADELE, "isSsprRegistered": "yes"}]}),
            "at userRegistrationDetails[1].isSsprRegistered: wrong type: string \"yes\", expected a boolean",
        ),
        (
            json!({"policies": {"authorizationPolicy": {"allowInvitesFrom": 0}}}),
            "at policies.authorizationPolicy.allowInvitesFrom: wrong type: integer `0`, expected a string",
        ),
        (
            json!({"policies": {"authorizationPolicy": "none"}}),
            "at policies.authorizationPolicy: wrong type: string \"none\", expected an authorizationPolicy object or a Graph page with a \"value\" array",
        ),
        (
            json!({"policies": {"authorizationPolicy": {"value": [{"allowInvitesFrom": true}]}}}),
            "at policies.authorizationPolicy.value[0].allowInvitesFrom: wrong type: boolean `true`, expected a string",
        ),
        (
            json!({"policies": {"authorizationPolicy": {"value": [{"id": "a"}, {"id": "b"}]}}}),
            "more than one authorizationPolicy in \"value\": a tenant has one",
        ),
    ];
    for (doc, want) in cases {
        // Pretty-printed, so that positions are lines and columns of their own.
        let text = serde_json::to_string_pretty(&doc).unwrap();
        let p = put(dir.path(), "t.json", &text);
        let m = message(&p);
        let e = load_err(&p);
        assert!(m.starts_with(&format!("{p}:")), "{m}");
        assert!(m.ends_with(want), "{m}\nwant …{want}");
        let (line, col) = e.pos.unwrap_or_else(|| panic!("no position: {m}"));
        assert!(line > 1 && col > 1, "{m}");
    }

    // The exact message of the brief's example.
    let text = "{\"servicePrincipals\": [\n  {\"id\": \"ef97cd11-ac57-542b-afbb-5bfa95db7992\", \"appRoleAssignedTo\": [\n    {\"principalId\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"},\n    {\"principalId\": \"6e7b768e-07e2-4810-8459\"}]}]}\n";
    let p = put(dir.path(), "sp.json", text);
    assert_eq!(
        message(&p),
        format!(
            "{p}:4:45: at servicePrincipals[0].appRoleAssignedTo[1].principalId: invalid value: string \"6e7b768e-07e2-4810-8459\", expected a GUID"
        )
    );

    // In servicePrincipals/<id>/appRoleAssignedTo.json: the path within that file, page and all.
    let d = dir.path().join("snap");
    put(
        &d,
        "servicePrincipals.json",
        json!([{"id": EXPENSES}]).to_string(),
    );
    let pages = "[\n {\"value\": [{\"principalId\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}]},\n {\"value\": [{\"principalId\": 7}]}\n]\n";
    let p = put(
        &d,
        &format!("servicePrincipals/{EXPENSES}/appRoleAssignedTo.json"),
        pages,
    );
    assert_eq!(
        message(&d.display().to_string()),
        format!("{p}:3:29: at [1].value[0].principalId: wrong type: integer `7`, expected a GUID")
    );
    let p = put(
        &d,
        &format!("servicePrincipals/{EXPENSES}/appRoleAssignedTo.json"),
        "{\"value\": 7}",
    );
    assert_eq!(
        message(&d.display().to_string()),
        format!("{p}:1:11: at value: wrong type: integer `7`, expected a sequence")
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let dir = tmp();
    let cases = [
        (
            format!(r#"{{"servicePrincipals": [{{"id": "{EXPENSES}", "appRoleAssignmentRequired": true, "appRoleAssignmentRequired": false}}]}}"#),
            "at servicePrincipals[0].appRoleAssignmentRequired: duplicate field `appRoleAssignmentRequired`",
        ),
        (
            format!(r#"{{"servicePrincipals": [{{"Id": "{EXPENSES}", "AccountEnabled": true, "AdditionalProperties": {{"accountEnabled": false}}}}]}}"#),
            "at servicePrincipals[0].AdditionalProperties.accountEnabled: duplicate field `accountEnabled`",
        ),
        (
            format!(r#"{{"servicePrincipals": [{{"id": "{EXPENSES}", "appRoleAssignedTo": [{{"principalId": "{MEGAN}", "principalId": "{ADELE}"}}]}}]}}"#),
            "at servicePrincipals[0].appRoleAssignedTo[0].principalId: duplicate field `principalId`",
        ),
        (
            format!(r#"{{"groups": [{{"id": "{SALES}", "assignedLicenses": [], "AssignedLicenses": []}}]}}"#),
            "at groups[0].AssignedLicenses: duplicate field `assignedLicenses`",
        ),
        (
            format!(r#"{{"userRegistrationDetails": [{{"id": "{MEGAN}", "isSsprRegistered": true, "isSsprRegistered": false}}]}}"#),
            "at userRegistrationDetails[0].isSsprRegistered: duplicate field `isSsprRegistered`",
        ),
        (
            r#"{"policies": {"authorizationPolicy": {"allowInvitesFrom": "none", "AllowInvitesFrom": "everyone"}}}"#.to_string(),
            "at policies.authorizationPolicy.AllowInvitesFrom: duplicate field `allowInvitesFrom`",
        ),
        (
            r#"{"policies": {"authorizationPolicy": {"value": [], "value": []}}}"#.to_string(),
            "at policies.authorizationPolicy.value: duplicate field `value`",
        ),
    ];
    for (doc, want) in cases {
        let p = put(dir.path(), "t.json", &doc);
        let m = message(&p);
        assert!(m.starts_with(&format!("{p}:1:")), "{m}");
        assert!(m.ends_with(want), "{m}\nwant …{want}");
    }
}

// ---------------------------------------------------------------------------------------------
// The registrations' fast path and its serde fallback

/// Registrations are read by a strict fast reader that leaves anything unusual to serde. An
/// escaped key (`"\u0078"` is `"x"`) is one such thing: the same registrations with one in each
/// element go through serde, and must load the same.
#[test]
fn fast_path_and_serde_fallback_agree_on_registrations() {
    let dir = tmp();
    let regs = json!([
        {"id": MEGAN, "isSsprRegistered": false, "methodsRegistered": []},
        {"id": ADELE, "isSsprRegistered": true, "isSsprEnabled": true, "methodsRegistered": ["email", "mobilePhone"]},
        {"id": SALES, "isSsprRegistered": null, "methodsRegistered": null},
        {"id": FINANCE, "userPrincipalName": "x@contoso.com"},
        {"id": EXPENSES, "methodsRegistered": ["softwareOneTimePasscode"], "isSsprRegistered": true}
    ]);
    let fast = regs.to_string();
    assert!(!fast.contains('\\'));
    let slow = fast.replace(r#"{"id":"#, r#"{"\u0078":0,"id":"#);
    assert_ne!(fast, slow);
    let a = load(&put(
        dir.path(),
        "a.json",
        format!(r#"{{"userRegistrationDetails": {fast}}}"#),
    ));
    let b = load(&put(
        dir.path(),
        "b.json",
        format!(r#"{{"userRegistrationDetails": {slow}}}"#),
    ));
    assert_eq!(summary(&a), summary(&b));
    let got: Vec<Option<bool>> = a
        .registrations
        .items
        .iter()
        .map(|r| r.sspr_registered)
        .collect();
    assert_eq!(got, [Some(false), Some(true), None, None, Some(true)]);
    assert!(a.registrations.has(registration_props::IS_SSPR_REGISTERED));
    // The SDK's spelling takes the third way (keys normalised, then serde): the same again.
    let sdk = pascal(&regs).to_string();
    let c = load(&put(
        dir.path(),
        "c.json",
        format!(r#"{{"UserRegistrationDetails": {sdk}}}"#),
    ));
    assert_eq!(summary(&c), summary(&a));
    // And the errors are serde's, whichever path saw the element first.
    for text in [
        format!(r#"{{"userRegistrationDetails": [{{"id": "{MEGAN}", "isSsprRegistered": 1}}]}}"#),
        format!(
            r#"{{"userRegistrationDetails": [{{"\u0078": 0, "id": "{MEGAN}", "isSsprRegistered": 1}}]}}"#
        ),
    ] {
        let p = put(dir.path(), "e.json", &text);
        let m = message(&p);
        assert!(
            m.ends_with("at userRegistrationDetails[0].isSsprRegistered: wrong type: integer `1`, expected a boolean"),
            "{m}"
        );
    }
}
