//! The loader, black box: every input form and every error case of SNAPSHOT.md, through
//! `tenantlint::snapshot::load` (and the binary for standard input).
//!
//! Static directory fixtures live in `fixtures/snapshots/`; `fixtures/snapshots/single.json` is
//! the same tenant as `fixtures/snapshots/directory/` in one file. Error cases build their input
//! in a temporary directory and check the whole one-line message:
//! `<file>:<line>:<column>: at <JSON path>: <what was expected>`.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use tenantlint::error::InputError;
use tenantlint::model::{Enablement, ObjKind, Tenant, user_props};
use tenantlint::rules::{Options, registry};

const MEGAN: &str = "6e7b768e-07e2-4810-8459-485f84f8f204";
const ADELE: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const E5: &str = "c7df2760-2c81-4ef7-b578-5b5392b571df";

// ---------------------------------------------------------------------------------------------
// Helpers

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Writes `bytes` to `dir/name` (creating parent folders) and returns the path as a string.
fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn load_err(spec: &str) -> InputError {
    match tenantlint::snapshot::load(spec) {
        Ok(t) => panic!(
            "{spec} loaded ({} users), expected an error",
            t.users.items.len()
        ),
        Err(e) => e,
    }
}

/// The error message, checked to be one line.
fn message(spec: &str) -> String {
    let m = load_err(spec).to_string();
    assert!(!m.contains('\n'), "message is not one line: {m:?}");
    m
}

fn single() -> String {
    fixture("snapshots/single.json")
}

fn directory() -> String {
    fixture("snapshots/directory")
}

fn upns(t: &Tenant) -> Vec<&str> {
    t.users.items.iter().map(|u| t.s(u.upn)).collect()
}

/// The LIC001 outcome on a tenant: `Ok(finding count)` or `Err(skip reason)`.
fn lic001(t: &Tenant) -> Result<usize, String> {
    let rule = registry()
        .iter()
        .copied()
        .find(|r| r.meta().code == "LIC001")
        .unwrap();
    let r = tenantlint::engine::run(t, 0, &Options::default(), &[rule]);
    match r.skipped.first() {
        Some(s) => Err(s.reason.clone()),
        None => Ok(r.findings.len()),
    }
}

fn bin() -> Command {
    Command::cargo_bin("tenantlint").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Accepted inputs

#[test]
fn single_file_loads_every_collection() {
    let t = load(&single());
    assert_eq!(
        t.info.id.as_deref(),
        Some("b8f3c0a4-5b6e-4a51-9d3e-0f6f3f0c1a10")
    );
    assert_eq!(t.info.display_name.as_deref(), Some("Contoso"));
    let (stamp, secs) = t.info.exported_at.clone().unwrap();
    assert_eq!(stamp, "2026-11-20T08:00:00Z");
    assert_eq!(secs, 1_795_161_600);

    assert_eq!(
        upns(&t),
        [
            "MeganB@contoso.com",
            "AdeleV@contoso.com",
            "AlexW@contoso.com",
            "contoso1_gmail.com#EXT#@contoso.onmicrosoft.com"
        ]
    );
    let u = &t.users.items;
    assert!(u[3].is_guest() && !u[0].is_guest());
    assert!(!u[2].is_enabled() && u[0].is_enabled());
    assert_eq!(t.s(u[1].usage_location), "US");
    assert_eq!(t.licenses(&u[1])[0].sku.to_string(), E5);
    assert_eq!(
        t.licenses(&u[1])[0].disabled_plans[0].to_string(),
        "9f431833-0334-42de-a7dc-70aa40db46db"
    );

    let s = summary(&t);
    assert_eq!(
        s["groups"][2][0][5],
        json!([
            format!("user {MEGAN}"),
            format!("user {ADELE}"),
            "group d7797254-3084-44d0-99c9-a3b5ab149538"
        ])
    );
    assert_eq!(
        s["groups"][2][1][5],
        json!([
            "user 5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b",
            "contact 2f1d1a2e-8f6b-4f0e-9d4c-6a3b2c1d0e9f"
        ])
    );
    assert_eq!(s["contacts"][1][0][1], "Eric Solomon");
    assert_eq!(
        s["skus"][1][0],
        json!([
            E5,
            "ENTERPRISEPREMIUM",
            3,
            5,
            [
                [
                    "efb87545-963c-4e0d-99df-69c6916d9eb0",
                    "EXCHANGE_S_ENTERPRISE"
                ],
                ["9f431833-0334-42de-a7dc-70aa40db46db", "LOCKBOX_ENTERPRISE"]
            ]
        ])
    );
    assert_eq!(
        s["domains"][1],
        json!([
            ["contoso.com", true, false],
            ["contoso.onmicrosoft.com", true, false]
        ])
    );
    assert_eq!(
        s["directoryRoles"][1][0],
        json!([
            "9ed3a0c4-53e1-498c-ab4d-2473476fde14",
            "62e90394-69f5-4237-9190-012177145e10",
            "Global Administrator",
            [format!("user {ADELE}")]
        ])
    );
    assert_eq!(
        s["roleAssignments"][1],
        json!([[ADELE, "62e90394-69f5-4237-9190-012177145e10"]])
    );
    assert_eq!(
        s["applications"][1][0][3],
        json!([[
            "f0b0b335-1d71-4883-8f98-567911bfdca6",
            "Password friendly name",
            1_820_519_429
        ]])
    );
    assert_eq!(
        s["servicePrincipals"][1][0][1],
        "631a96bc-a705-4eda-9f99-fdaf9f54f6a2"
    );
    assert_eq!(s["registrations"][1][1][0], ADELE);
    assert_ne!(s["registrations"][1][1][1], 0);
    assert_eq!(s["registrations"][1][0][1], 0);
    assert!(t.policies.authorization_policy.is_some());
    let p = t.policies.password_reset.as_ref().unwrap();
    assert_eq!(p.enablement, Some(Enablement::Selected));
    assert_eq!(
        p.group_ids[0].to_string(),
        "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4"
    );
    assert_eq!(p.methods_required, Some(2));
    let o = t.policies.on_prem_password_reset.as_ref().unwrap();
    assert_eq!(
        (o.writeback_supported, o.enablement_for_tenant),
        (Some(true), Some(false))
    );
}

/// The directory fixture uses every directory form: `tenant.json` with `exportedAt`, a
/// `users/` folder whose page files are a Graph page with `@odata.nextLink`, a bare array and an
/// array of pages, `groups/<id>/members.json`, and `policies/<name>.json`.
#[test]
fn directory_is_the_same_tenant_as_the_single_file() {
    let d = load(&directory());
    let s = load(&single());
    assert_eq!(summary(&d), summary(&s));
    assert_eq!(d.users.items.len(), 4);
    assert_eq!(d.groups.items[1].members.len(), 2);
}

#[test]
fn gzip_files_load_like_plain_ones() {
    let dir = tmp();
    let text = std::fs::read(single()).unwrap();
    let want = summary(&load(&single()));
    let p = put(dir.path(), "tenant.json.gz", gz(&text));
    assert_eq!(summary(&load(&p)), want);
    // Compression is recognised by content, not by name.
    let p = put(dir.path(), "tenant-compressed.json", gz(&text));
    assert_eq!(summary(&load(&p)), want);
    // Several gzip members (as `cat a.gz b.gz` makes) are one stream.
    let mut two = gz(&text[..100]);
    two.extend(gz(&text[100..]));
    let p = put(dir.path(), "two-members.json.gz", two);
    assert_eq!(summary(&load(&p)), want);
}

#[test]
fn bytes_in_memory_load_like_the_file() {
    let text = std::fs::read(single()).unwrap();
    let want = summary(&load(&single()));
    let t = tenantlint::snapshot::load_bytes("mem.json", text.clone()).unwrap();
    assert_eq!(summary(&t), want);
    let t = tenantlint::snapshot::load_bytes("mem.json.gz", gz(&text)).unwrap();
    assert_eq!(summary(&t), want);
    let e = tenantlint::snapshot::load_bytes("mem.json", b"{\"users\": [1]}".to_vec());
    assert_eq!(
        e.err().map(|e| e.to_string()).as_deref(),
        Some("mem.json:1:12: at users[0]: wrong type: expected an object in users, found a number")
    );
}

#[test]
fn gzip_files_in_a_directory() {
    let dir = tmp();
    let src = Path::new(&directory()).to_path_buf();
    copy_dir(&src, dir.path());
    // Compress two files, one of them a page in the users/ folder.
    for rel in ["groups.json", "users/page-002.json"] {
        let p = dir.path().join(rel);
        let bytes = std::fs::read(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        put(dir.path(), &format!("{rel}.gz"), gz(&bytes));
    }
    let d = load(&dir.path().display().to_string());
    assert_eq!(summary(&d), summary(&load(&single())));
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

/// The JSON report of the binary on `args`, with `source` removed.
fn report_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.code() == Some(1) || out.status.code() == Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["snapshot"]["source"].take();
    v
}

#[test]
fn standard_input() {
    let text = std::fs::read(single()).unwrap();
    let from_file = report_of(bin().args(["check", "--format", "json"]).arg(single()));
    let from_stdin = report_of(
        bin()
            .args(["check", "--format", "json", "-"])
            .write_stdin(text.clone()),
    );
    assert_eq!(from_stdin, from_file);
    let lic = from_file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "LIC001");
    assert_eq!(lic.count(), 2);
    // Gzip and a byte order mark on standard input too.
    let gz_stdin = report_of(
        bin()
            .args(["check", "--format", "json", "-"])
            .write_stdin(gz(&text)),
    );
    assert_eq!(gz_stdin, from_file);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(&text);
    let bom_stdin = report_of(
        bin()
            .args(["check", "--format", "json", "-"])
            .write_stdin(bom),
    );
    assert_eq!(bom_stdin, from_file);
    // The source is named `-` in the report and `<stdin>` in errors.
    let out = bin()
        .args(["check", "--format", "json", "-"])
        .write_stdin(text)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["snapshot"]["source"], "-");
    bin()
        .args(["check", "-"])
        .write_stdin("{\"users\": [}")
        .assert()
        .code(2)
        .stdout("")
        .stderr("error: <stdin>:1:12: at users[0]: invalid JSON: expected a value, found `}`\n");
    bin()
        .args(["check", "-"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr("error: <stdin>: the file is empty: expected JSON\n");
}

#[test]
fn each_directory_file_form_alone() {
    let user = |id: &str, upn: &str| json!({"id": id, "userPrincipalName": upn});
    let a = user(MEGAN, "a@contoso.com");
    let b = user(ADELE, "b@contoso.com");
    let forms = [
        ("bare array", json!([a, b])),
        (
            "Graph page",
            json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
                   "value": [a, b],
                   "@odata.nextLink": "https://graph.microsoft.com/v1.0/users?$skiptoken=x"}),
        ),
        (
            "array of pages",
            json!([{"@odata.context": "c", "value": [a], "@odata.nextLink": "n"},
                   {"value": []},
                   {"@odata.context": "c", "value": [b]}]),
        ),
    ];
    for (what, body) in forms {
        let dir = tmp();
        put(dir.path(), "users.json", body.to_string());
        let t = load(&dir.path().display().to_string());
        assert_eq!(upns(&t), ["a@contoso.com", "b@contoso.com"], "{what}");
        assert!(t.users.present && !t.groups.present, "{what}");
    }
}

#[test]
fn an_empty_array_is_a_present_empty_collection() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "t.json",
        r#"{"users": [], "groups": {"value": []}}"#,
    );
    let t = load(&p);
    assert!(t.users.present && t.users.items.is_empty());
    assert!(t.groups.present && t.groups.items.is_empty());
    assert!(!t.contacts.present);
}

#[test]
fn page_files_are_read_in_name_order() {
    let dir = tmp();
    let ids = [
        "00000000-0000-0000-0000-00000000000a",
        "00000000-0000-0000-0000-00000000000b",
        "00000000-0000-0000-0000-00000000000c",
        "00000000-0000-0000-0000-00000000000d",
    ];
    // Written in reverse order so that creation order is not name order.
    let names = [
        "page-004.json",
        "page-003.json.gz",
        "page-002.json",
        "page-001.json",
    ];
    for (i, name) in names.iter().enumerate() {
        let id = ids[3 - i];
        let body =
            json!({"value": [{"id": id, "userPrincipalName": format!("{}@contoso.com", 4 - i)}]})
                .to_string();
        if name.ends_with(".gz") {
            put(&dir.path().join("users"), name, gz(body.as_bytes()));
        } else {
            put(&dir.path().join("users"), name, body);
        }
    }
    // Files that are not JSON are ignored.
    put(
        &dir.path().join("users"),
        "README.txt",
        "exported with Graph",
    );
    put(dir.path(), "notes.md", "# notes");
    let t = load(&dir.path().display().to_string());
    assert_eq!(
        upns(&t),
        [
            "1@contoso.com",
            "2@contoso.com",
            "3@contoso.com",
            "4@contoso.com"
        ]
    );
}

#[test]
fn group_members_files_add_to_inline_members() {
    let dir = tmp();
    let g = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
    put(
        dir.path(),
        "users.json",
        json!([{"id": MEGAN}, {"id": ADELE}]).to_string(),
    );
    put(
        dir.path(),
        "groups.json",
        json!([{"id": g, "displayName": "Sales", "members": [MEGAN]}]).to_string(),
    );
    put(
        dir.path(),
        &format!("groups/{g}/members.json"),
        json!({"value": [{"@odata.type": "#microsoft.graph.user", "id": ADELE},
                         "11111111-2222-3333-4444-555555555555"]})
        .to_string(),
    );
    let t = load(&dir.path().display().to_string());
    let s = summary(&t);
    assert_eq!(
        s["groups"][2][0][5],
        json!([
            format!("user {MEGAN}"),
            format!("user {ADELE}"),
            "other 11111111-2222-3333-4444-555555555555"
        ])
    );
}

#[test]
fn group_members_file_alone_marks_members_present() {
    let dir = tmp();
    let g = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
    put(dir.path(), "groups.json", json!([{"id": g}]).to_string());
    put(dir.path(), &format!("groups/{g}/members.json"), "[]");
    let t = load(&dir.path().display().to_string());
    assert!(t.groups.has(tenantlint::model::group_props::MEMBERS));
}

#[test]
fn policies_as_one_file_in_a_directory() {
    let dir = tmp();
    put(
        dir.path(),
        "policies.json",
        json!({
            "authorizationPolicy": {"id": "authorizationPolicy", "allowedToUseSSPR": true},
            "passwordResetPolicy": {"enablementType": 2, "numberOfAuthenticationMethodsRequired": 1},
            "onPremisesPasswordResetPolicy": {"passwordWritebackSupported": false}
        })
        .to_string(),
    );
    let t = load(&dir.path().display().to_string());
    assert!(t.policies.authorization_policy.is_some());
    let p = t.policies.password_reset.as_ref().unwrap();
    assert_eq!(p.enablement, Some(Enablement::All));
    assert!(p.group_ids.is_empty());
    let o = t.policies.on_prem_password_reset.as_ref().unwrap();
    assert_eq!(
        (o.writeback_supported, o.enablement_for_tenant),
        (Some(false), None)
    );
}

#[test]
fn enablement_type_as_number_or_name() {
    for (v, want) in [
        (json!(0), Enablement::None),
        (json!(1), Enablement::Selected),
        (json!(2), Enablement::All),
        (json!("none"), Enablement::None),
        (json!("Selected"), Enablement::Selected),
        (json!("all"), Enablement::All),
    ] {
        let dir = tmp();
        let p = put(
            dir.path(),
            "t.json",
            json!({"policies": {"passwordResetPolicy": {"enablementType": v}}}).to_string(),
        );
        let t = load(&p);
        assert_eq!(
            t.policies.password_reset.unwrap().enablement,
            Some(want),
            "{v}"
        );
    }
    let dir = tmp();
    let p = put(
        dir.path(),
        "t.json",
        r#"{"policies": {"passwordResetPolicy": {"enablementType": 3}}}"#,
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:57: at policies.passwordResetPolicy.enablementType: invalid value: integer `3`, expected 0, 1, 2, \"none\", \"selected\" or \"all\""
        )
    );
}

#[test]
fn odata_and_unknown_properties_are_ignored() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "t.json",
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "exporter": {"name": "my script", "version": [1, 2]},
            "users": [{
                "@odata.type": "#microsoft.graph.user",
                "@odata.id": "https://graph.microsoft.com/v2/users/x",
                "@odata.etag": "W/\"1\"",
                "id": MEGAN,
                "userPrincipalName": "MeganB@contoso.com",
                "signInActivity": {"lastSignInDateTime": "not even a date", "nested": [[{"deep": null}]]},
                "onPremisesExtensionAttributes": {"extensionAttribute1": null},
                "assignedPlans": [{"servicePlanId": "not a guid"}],
                "assignedLicenses": [{"skuId": E5, "disabledPlans": [], "@odata.type": "x", "extra": 1}],
                "manager@odata.bind": "https://graph.microsoft.com/v1.0/users/x"
            }],
            "devices": [{"id": "not a guid"}],
            "policies": {"conditionalAccessPolicies": [1], "passwordResetPolicy": {"enablementType": 0, "ssprExtra": true}}
        })
        .to_string(),
    );
    let t = load(&p);
    assert_eq!(upns(&t), ["MeganB@contoso.com"]);
    assert_eq!(t.licenses(&t.users.items[0]).len(), 1);
}

/// A missing property (not `$select`ed) is not `null`: rules that need it are skipped, with a
/// reason naming the property.
#[test]
fn missing_is_not_null() {
    let dir = tmp();
    let lic = json!([{"skuId": E5, "disabledPlans": []}]);
    let with_null = put(
        dir.path(),
        "null.json",
        json!({"users": [{"id": MEGAN, "usageLocation": null, "assignedLicenses": lic}]})
            .to_string(),
    );
    let missing = put(
        dir.path(),
        "missing.json",
        json!({"users": [{"id": MEGAN, "assignedLicenses": lic}]}).to_string(),
    );
    // Some objects carry it: missing on the others counts as empty.
    let some = put(
        dir.path(),
        "some.json",
        json!({"users": [
            {"id": MEGAN, "assignedLicenses": lic},
            {"id": ADELE, "usageLocation": "NL", "assignedLicenses": lic}
        ]})
        .to_string(),
    );
    let t = load(&with_null);
    assert!(t.users.has(user_props::USAGE_LOCATION));
    assert_eq!(lic001(&t), Ok(1));

    let t = load(&missing);
    assert!(!t.users.has(user_props::USAGE_LOCATION));
    assert!(t.users.has(user_props::ASSIGNED_LICENSES));
    let reason = lic001(&t).unwrap_err();
    assert!(reason.contains("usageLocation"), "{reason}");

    let t = load(&some);
    assert!(t.users.has(user_props::USAGE_LOCATION));
    assert_eq!(lic001(&t), Ok(1));

    // An absent collection: skipped too.
    let none = put(dir.path(), "none.json", "{}");
    let t = load(&none);
    assert!(!t.users.present);
    assert!(lic001(&t).unwrap_err().contains("users"));
}

#[test]
fn byte_order_mark_is_accepted() {
    let dir = tmp();
    let text = std::fs::read(single()).unwrap();
    let want = summary(&load(&single()));
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(&text);
    let p = put(dir.path(), "bom.json", &bom);
    assert_eq!(summary(&load(&p)), want);
    let p = put(dir.path(), "bom.json.gz", gz(&bom));
    assert_eq!(summary(&load(&p)), want);
    let d = dir.path().join("d");
    put(
        &d,
        "users.json",
        b"\xEF\xBB\xBF[{\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}]",
    );
    put(
        &d,
        "tenant.json",
        b"\xEF\xBB\xBF{\"displayName\": \"Contoso\"}",
    );
    let t = load(&d.display().to_string());
    assert_eq!(t.users.items.len(), 1);
    assert_eq!(t.info.display_name.as_deref(), Some("Contoso"));
    // Positions in errors count from after the mark.
    let p = put(dir.path(), "bad.json", b"\xEF\xBB\xBF{\"users\": 1}");
    assert!(message(&p).starts_with(&format!("{p}:1:11: at users: wrong type:")));
}

#[test]
fn real_graph_beta_export_loads_as_users_json() {
    let dir = tmp();
    std::fs::copy(
        fixture("reference/users-beta-full.json"),
        dir.path().join("users.json"),
    )
    .unwrap();
    let t = load(&dir.path().display().to_string());
    assert_eq!(t.users.items.len(), 33);
    assert_eq!(t.users.items.iter().filter(|u| u.is_guest()).count(), 4);
    assert_eq!(t.users.items.iter().filter(|u| u.is_licensed()).count(), 10);
    assert_eq!(t.s(t.users.items[0].upn), "accounts@octiga.com");
    for p in [
        user_props::UPN,
        user_props::MAIL,
        user_props::PROXY_ADDRESSES,
        user_props::USAGE_LOCATION,
        user_props::ACCOUNT_ENABLED,
        user_props::ASSIGNED_LICENSES,
        user_props::USER_TYPE,
        user_props::CREATED,
    ] {
        assert!(t.users.has(p), "property bit {p:#x} not seen");
    }
    // And the binary takes it without complaint.
    bin()
        .args(["check", "--fail-on", "never"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr("");
}

/// Microsoft's own documentation examples, put in a directory as an exporter would.
#[test]
fn graph_documentation_examples_load() {
    let dir = tmp();
    let files = [
        ("user-list-default.json", "users/1.json"),
        ("user-delta-page-nextlink.json", "users/2.json"),
        ("user-list-assignedlicenses.json", "users/3.json"),
        ("group-list.json", "groups.json"),
        ("subscribedsku-list.json", "subscribedSkus.json"),
        ("domain-list.json", "domains.json"),
        ("directoryrole-list.json", "directoryRoles.json"),
        (
            "rbacapplication-list-roleassignments.json",
            "roleAssignments.json",
        ),
        (
            "userregistrationdetails-list.json",
            "userRegistrationDetails.json",
        ),
        (
            "authorizationpolicy-get.json",
            "policies/authorizationPolicy.json",
        ),
        (
            "group-list-transitivemembers.json",
            "groups/45b7d2e7-b882-4a80-ba97-10b7a63b8fa4/members.json",
        ),
    ];
    for (src, dst) in files {
        let bytes = std::fs::read(fixture(&format!("reference/{src}"))).unwrap();
        put(dir.path(), dst, bytes);
    }
    let t = load(&dir.path().display().to_string());
    assert_eq!(t.users.items.len(), 5);
    assert_eq!(t.groups.items.len(), 2);
    assert_eq!(t.skus.items.len(), 2);
    assert_eq!(t.domains.items.len(), 1);
    assert_eq!(t.directory_roles.items.len(), 3);
    assert_eq!(t.role_assignments.items.len(), 2);
    assert_eq!(t.registrations.items.len(), 3);
    assert!(t.policies.authorization_policy.is_some());
    assert_eq!(t.groups.items[0].members.len(), 1);

    // The documentation's orgContact example has no id: reported, with the object's path.
    let p = put(
        dir.path(),
        "contacts.json",
        std::fs::read(fixture("reference/orgcontact-list.json")).unwrap(),
    );
    assert_eq!(
        message(&dir.path().display().to_string()),
        format!("{p}:28:5: at value[0]: missing field `id`")
    );
}

#[test]
fn two_snapshots_in_one_run() {
    let out = bin()
        .args(["check", "--format", "json"])
        .arg(single())
        .arg(directory())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array_mut().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["snapshot"]["source"], single());
    assert_eq!(list[1]["snapshot"]["source"], directory());
    list[0]["snapshot"]["source"].take();
    list[1]["snapshot"]["source"].take();
    assert_eq!(list[0], list[1]);
}

// ---------------------------------------------------------------------------------------------
// Errors: one line, naming file, line:column, JSON path and what was expected.

#[test]
fn missing_file() {
    let dir = tmp();
    let p = dir.path().join("nope.json").display().to_string();
    let e = load_err(&p);
    assert_eq!((e.pos, e.path.as_deref()), (None, None));
    assert!(
        message(&p).starts_with(&format!("{p}: cannot read: ")),
        "{}",
        message(&p)
    );
    let out = bin().args(["check", &p]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!("error: {p}: cannot read: ")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let p = put(dir.path(), "locked.json", "{}");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        eprintln!("running as root: permissions do not stop reading; skipped");
        return;
    }
    let m = message(&p);
    assert!(m.starts_with(&format!("{p}: cannot read: ")), "{m}");
}

#[test]
fn unreadable_directory_entry() {
    let dir = tmp();
    // A directory named like a policy file is not a file: ignored. A users.json that is a
    // dangling symlink cannot be read: reported.
    std::os::unix::fs::symlink(dir.path().join("gone.json"), dir.path().join("users.json"))
        .unwrap();
    let p = dir.path().join("users.json").display().to_string();
    let m = message(&dir.path().display().to_string());
    assert!(m.starts_with(&format!("{p}: cannot read: ")), "{m}");
}

#[test]
fn empty_files() {
    let dir = tmp();
    for (name, bytes) in [
        ("zero.json", Vec::new()),
        ("blank.json", b" \n\t\r\n".to_vec()),
        ("bom-only.json", b"\xEF\xBB\xBF".to_vec()),
        ("empty.json.gz", gz(b"")),
    ] {
        let p = put(dir.path(), name, bytes);
        assert_eq!(
            message(&p),
            format!("{p}: the file is empty: expected JSON")
        );
    }
    let d = dir.path().join("d");
    let p = put(&d, "users.json", "");
    assert_eq!(
        message(&d.display().to_string()),
        format!("{p}: the file is empty: expected JSON")
    );
}

#[test]
fn empty_directory() {
    let dir = tmp();
    put(dir.path(), "README.md", "not a snapshot file");
    let d = dir.path().display().to_string();
    assert_eq!(
        message(&d),
        format!(
            "{d}: no snapshot files in this directory (expected users.json, groups.json, … or an Export-Entra tree: see docs/snapshot-format.md)"
        )
    );
}

#[test]
fn invalid_json() {
    let dir = tmp();
    let cases = [
        (
            "comma.json",
            "{\n  \"users\": [\n    {\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\",}\n  ]\n}\n",
            "3:51: at users[0]: invalid JSON: trailing comma",
        ),
        (
            "truncated.json",
            "{\"users\": [{\"id\": \"6e7b",
            "1:19: at users[0].id: invalid JSON: unterminated string (is the file truncated?)",
        ),
        (
            "trailing.json",
            "{\"users\": []} x",
            "1:15: invalid JSON: trailing characters after the snapshot object",
        ),
        (
            "bare-word.json",
            "users",
            "1:1: invalid JSON: expected a tenant snapshot object",
        ),
    ];
    for (name, text, want) in cases {
        let p = put(dir.path(), name, text);
        assert_eq!(message(&p), format!("{p}:{want}"));
    }
    // In a directory: the file of the directory is named, and the path is within that file.
    let d = dir.path().join("d");
    put(&d, "users.json", "[]");
    let p = put(&d, "groups.json", "{\"value\": [{\"id\": 1,]}");
    assert_eq!(
        message(&d.display().to_string()),
        format!("{p}:1:21: at value[0]: invalid JSON: unexpected `]`")
    );
}

#[test]
fn invalid_utf8() {
    let dir = tmp();
    let bytes = b"{\"users\": [\n  {\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"displayName\": \"Ren\xe9\"}\n]}";
    let p = put(dir.path(), "latin1.json", bytes);
    let want = "2:69: at users[0].displayName: invalid UTF-8 (byte 0xE9): this looks like a legacy 8-bit encoding such as Windows-1252, which Windows PowerShell 5.1 writes with `Set-Content` or `Out-File -Encoding Default`; re-export it as UTF-8 (PowerShell: `… | Out-File -Encoding utf8 FILE`, or `Set-Content -Encoding utf8`)";
    assert_eq!(message(&p), format!("{p}:{want}"));
    let p = put(dir.path(), "latin1.json.gz", gz(bytes));
    assert_eq!(message(&p), format!("{p}:{want}"));
}

#[test]
fn wrong_type_for_a_known_property() {
    let dir = tmp();
    let text = "{\n \"users\": [\n  {\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"},\n  {\"id\": \"87d349ed-44d7-43e1-9a83-5f2406dee5bd\", \"assignedLicenses\": [{\"skuId\": \"not-a-guid\"}]}\n ]\n}\n";
    let p = put(dir.path(), "sku.json", text);
    assert_eq!(
        message(&p),
        format!(
            "{p}:4:92: at users[1].assignedLicenses[0].skuId: invalid value: string \"not-a-guid\", expected a GUID"
        )
    );
    let e = load_err(&p);
    assert_eq!(e.pos, Some((4, 92)));
    assert_eq!(
        e.path.as_deref(),
        Some("users[1].assignedLicenses[0].skuId")
    );

    let cases = [
        (
            r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "accountEnabled": "yes"}]}"#,
            "1:81: at users[0].accountEnabled: wrong type: string \"yes\", expected a boolean",
        ),
        (
            r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "proxyAddresses": "SMTP:a@contoso.com"}]}"#,
            "1:96: at users[0].proxyAddresses: wrong type: string \"SMTP:a@contoso.com\", expected a sequence",
        ),
        (
            r#"{"users": [7]}"#,
            "1:12: at users[0]: wrong type: expected an object in users, found a number",
        ),
        (
            r#"{"users": "all of them"}"#,
            "1:11: at users: wrong type: expected an array or a Graph page with a \"value\" array for users, found a string",
        ),
        (
            r#"{"users": [{"displayName": "no id"}]}"#,
            "1:35: at users[0]: missing field `id`",
        ),
        (
            r#"{"subscribedSkus": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "consumedUnits": "3"}]}"#,
            "1:90: at subscribedSkus[0].consumedUnits: wrong type: string \"3\", expected i64",
        ),
        (
            r#"{"groups": [{"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "members": [42]}]}"#,
            "1:73: at groups[0].members[0]: wrong type: integer `42`, expected a member id or a directoryObject with an id",
        ),
        (
            r##"{"groups": [{"id": "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4", "members": [{"@odata.type": "#microsoft.graph.user"}]}]}"##,
            "1:111: at groups[0].members[0]: missing field `id`",
        ),
        (
            r#"{"tenant": "Contoso"}"#,
            "1:20: at tenant: wrong type: string \"Contoso\", expected a tenant object",
        ),
        (
            r#"[{"users": []}]"#,
            "1:1: wrong type: expected a tenant snapshot object, found an array (a single Graph response belongs in a snapshot directory, e.g. as users.json: see docs/snapshot-format.md)",
        ),
    ];
    for (doc, want) in cases {
        let p = put(dir.path(), "t.json", doc);
        assert_eq!(message(&p), format!("{p}:{want}"), "{doc}");
    }
}

#[test]
fn array_of_pages_with_a_non_page() {
    let dir = tmp();
    let p = put(dir.path(), "users.json", r#"[{"value": []}, [1]]"#);
    assert_eq!(
        message(&dir.path().display().to_string()),
        format!("{p}:1:17: at [1]: an array of Graph pages where one element is not a page")
    );
}

#[test]
fn members_of_an_unknown_group() {
    let dir = tmp();
    put(dir.path(), "groups.json", "[]");
    let g = "22222222-1111-1111-1111-111111111111";
    let p = put(dir.path(), &format!("groups/{g}/members.json"), "[]");
    assert_eq!(
        message(&dir.path().display().to_string()),
        format!("{p}: members of group {g}, which is not in the snapshot's groups")
    );
}

#[test]
fn truncated_gzip() {
    let dir = tmp();
    let full = gz(&std::fs::read(fixture("reference/users-beta-full.json")).unwrap());
    for cut in [4, 100, full.len() / 2, full.len() - 12] {
        let p = put(dir.path(), "cut.json.gz", &full[..full.len() - cut]);
        let m = message(&p);
        assert!(
            m.starts_with(&format!("{p}: cannot decompress gzip stream after "))
                && m.ends_with(" (is the file truncated?)"),
            "{m}"
        );
    }
}

/// Nesting inside a known property: a clean, located error, and no stack overflow however deep.
#[test]
fn deep_nesting_in_a_known_property() {
    let dir = tmp();
    for depth in [200, 100_000] {
        let doc = format!(
            "{{\"users\": [{{\"id\": \"{MEGAN}\", \"usageLocation\": {}{}}}]}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let p = put(dir.path(), "deep.json", doc);
        let e = load_err(&p);
        let path = e.path.as_deref().unwrap_or_default();
        assert!(
            path.starts_with("users[0].usageLocation[0]") && path.ends_with('…'),
            "{e}"
        );
        assert!(e.message.contains("nesting deeper than 128 levels"), "{e}");
        assert_eq!(e.pos.map(|p| p.0), Some(1), "{e}");
    }
    // At the top of the document and as a collection element: no recursion either.
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let p = put(dir.path(), "deep-root.json", &deep);
    assert!(message(&p).contains("found an array"));
    let p = put(
        dir.path(),
        "deep-elem.json",
        format!("{{\"users\": [{deep}]}}"),
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:140: at users[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…: nesting deeper than 128 levels"
        )
    );
}

/// Nesting inside a property the loader ignores must not crash it (serde_json does not count
/// depth in skipped values)...
#[test]
fn deep_nesting_in_an_unknown_property_does_not_crash() {
    let dir = tmp();
    let deep = "[".repeat(1_000_000) + &"]".repeat(1_000_000);
    let p = put(
        dir.path(),
        "deep.json",
        format!("{{\"users\": [{{\"id\": \"{MEGAN}\", \"extra\": {deep}}}], \"other\": {deep}}}"),
    );
    let _ = tenantlint::snapshot::load(&p);
}

/// ...and, past the parser's limit, is reported like any other input error.
#[test]

fn deep_nesting_in_an_unknown_property_is_reported() {
    let dir = tmp();
    let deep = "[".repeat(1000) + &"]".repeat(1000);
    let p = put(
        dir.path(),
        "deep.json",
        format!("{{\"users\": [{{\"id\": \"{MEGAN}\", \"extra\": {deep}}}]}}"),
    );
    let e = load_err(&p);
    assert_eq!(e.file, p);
    assert!(e.pos.is_some(), "{e}");
    assert!(
        e.path
            .as_deref()
            .is_some_and(|x| x.starts_with("users[0].extra")),
        "{e}"
    );
    assert!(e.message.to_lowercase().contains("nest"), "{e}");
}

#[test]
fn duplicate_ids_among_many_users_report_the_first_repeat() {
    // 70,000 users: enough for the loader's parallel check (its tables filled side by side).
    // Two ids repeat; the error names the earlier repeat (users[60000], first used by
    // users[50000]) whichever table finds its repeat first, as the one-table check would.
    let dir = tmp();
    let id = |i: u32| format!("{i:08x}-0000-4000-8000-000000000000");
    let mut text = String::from("{\"users\": [\n");
    for i in 0..70_000u32 {
        let this = match i {
            60_000 => id(50_000),
            69_000 => id(100),
            _ => id(i),
        };
        let sep = if i == 69_999 { "" } else { "," };
        text.push_str(&format!("{{\"id\": \"{this}\"}}{sep}\n"));
    }
    text.push_str("]}");
    let p = put(dir.path(), "t.json", text);
    assert_eq!(
        message(&p),
        format!(
            "{p}:60002:1: at users[60000]: duplicate id {} in users: already used by users[50000] in {p}",
            id(50_000)
        )
    );
}

#[test]
fn duplicate_ids_are_reported_not_merged() {
    let dir = tmp();
    // Within one file; GUIDs compare without regard to case.
    let p = put(
        dir.path(),
        "t.json",
        r#"{"users": [
  {"id": "6e7b768e-07e2-4810-8459-485f84f8f204"},
  {"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd"},
  {"id": "6E7B768E-07E2-4810-8459-485F84F8F204"}
]}"#,
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:4:3: at users[2]: duplicate id {MEGAN} in users: already used by users[0] in {p}"
        )
    );
    // Across the page files of a folder: both files are named.
    let d = dir.path().join("d");
    let first = put(
        &d,
        "users/page-1.json",
        json!({"value": [{"id": ADELE}]}).to_string(),
    );
    let second = put(
        &d,
        "users/page-2.json",
        json!({"value": [{"id": ADELE}]}).to_string(),
    );
    assert_eq!(
        message(&d.display().to_string()),
        format!(
            "{second}:1:11: at value[0]: duplicate id {ADELE} in users: already used by value[0] in {first}"
        )
    );
    // Domains are keyed by name, without regard to case.
    let p = put(
        dir.path(),
        "domains.json",
        r#"{"domains": [{"id": "contoso.com"}, {"id": "Contoso.COM"}]}"#,
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:37: at domains[1]: duplicate id contoso.com in domains: already used by domains[0] in {p}"
        )
    );
    // Each collection of the single-file form.
    let g = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
    for key in [
        "groups",
        "contacts",
        "applications",
        "servicePrincipals",
        "userRegistrationDetails",
    ] {
        let p = put(
            dir.path(),
            "c.json",
            json!({key: [{"id": g}, {"id": g}]}).to_string(),
        );
        let m = message(&p);
        assert!(
            m.contains(&format!(
                "at {key}[1]: duplicate id {g} in {key}: already used by {key}[0]"
            )),
            "{m}"
        );
    }
    // Registrations listed like the users are unique as the users are; one out of line is
    // still checked.
    let h = "5b7d2e7a-b882-4a80-ba97-10b7a63b8fa4";
    let p = put(
        dir.path(),
        "c.json",
        json!({"users": [{"id": g}, {"id": h}], "userRegistrationDetails": [{"id": g}, {"id": g}]})
            .to_string(),
    );
    let m = message(&p);
    assert!(
        m.contains(&format!(
            "at userRegistrationDetails[1]: duplicate id {g} in userRegistrationDetails"
        )),
        "{m}"
    );
    let p = put(
        dir.path(),
        "c.json",
        json!({"subscribedSkus": [{"skuId": E5}, {"skuId": E5}]}).to_string(),
    );
    assert!(message(&p).contains(&format!("at subscribedSkus[1]: duplicate id {E5}")));
    // The same id in two different collections is not a duplicate.
    let p = put(
        dir.path(),
        "c.json",
        json!({"users": [{"id": g}], "groups": [{"id": g}]}).to_string(),
    );
    load(&p);
}

#[test]
fn malformed_timestamps_name_their_path() {
    let dir = tmp();
    let cases = [
        (
            r#"{"exportedAt": "soon", "users": []}"#,
            "1:21: at exportedAt: invalid value: string \"soon\", expected an RFC 3339 timestamp",
        ),
        (
            r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "createdDateTime": "2026-13-01T00:00:00Z"}]}"#,
            "1:99: at users[0].createdDateTime: invalid value: string \"2026-13-01T00:00:00Z\", expected an RFC 3339 timestamp",
        ),
        (
            r#"{"applications": [{"id": "03ef14b0-ca33-4840-8f4f-d6e91916010e", "passwordCredentials": [{"endDateTime": "12/31/2026"}]}]}"#,
            "1:117: at applications[0].passwordCredentials[0].endDateTime: invalid value: string \"12/31/2026\", expected an RFC 3339 timestamp",
        ),
    ];
    for (doc, want) in cases {
        let p = put(dir.path(), "t.json", doc);
        assert_eq!(message(&p), format!("{p}:{want}"), "{doc}");
    }
    // In tenant.json of a directory.
    let d = dir.path().join("d");
    let p = put(&d, "tenant.json", "{\n  \"exportedAt\": \"yesterday\"\n}");
    assert_eq!(
        message(&d.display().to_string()),
        format!(
            "{p}:2:27: at exportedAt: invalid value: string \"yesterday\", expected an RFC 3339 timestamp"
        )
    );
    // As the last property of the document (the parser has read on to the closing brace).
    let p = put(
        dir.path(),
        "last.json",
        r#"{"users": [], "exportedAt": "soon"}"#,
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:34: at exportedAt: invalid value: string \"soon\", expected an RFC 3339 timestamp"
        )
    );
    // A wrong type in tenant.json is located too.
    std::fs::remove_file(d.join("tenant.json")).unwrap();
    let p = put(&d, "tenant.json", r#"{"displayName": 5, "id": "x"}"#);
    assert_eq!(
        message(&d.display().to_string()),
        format!("{p}:1:17: at displayName: wrong type: integer `5`, expected a string")
    );
    // Graph's seven fractional digits and offsets are fine.
    let p = put(
        dir.path(),
        "ok.json",
        json!({"exportedAt": "2026-11-20T09:00:00.1234567+01:00",
               "users": [{"id": MEGAN, "createdDateTime": "2018-11-18T14:57:11Z"}]})
        .to_string(),
    );
    let t = load(&p);
    assert_eq!(t.info.exported_at.unwrap().1, 1_795_161_600);
    assert_eq!(t.users.items[0].created(), Some(1_542_553_031));
}

#[test]
fn errors_go_through_the_binary_unchanged() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "t.json",
        r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204", "accountEnabled": "yes"}]}"#,
    );
    let out = dir.path().join("report.json");
    bin()
        .args(["check", &p, "--output"])
        .arg(&out)
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {p}:1:81: at users[0].accountEnabled: wrong type: string \"yes\", expected a boolean\n"
        ));
    assert!(!out.exists());
}

/// The layout the `az rest` script of docs/snapshot-format.md writes: group pages and
/// per-group member folders side by side in `groups/`, members as an array of pages.
#[test]
fn group_pages_and_member_folders_side_by_side() {
    let dir = tmp();
    let g = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
    put(
        dir.path(),
        "users/page-00001.json",
        json!({"value": [{"id": MEGAN}]}).to_string(),
    );
    put(
        dir.path(),
        "groups/page-00001.json",
        json!({"value": [{"id": g, "displayName": "Sales"}], "@odata.nextLink": "n"}).to_string(),
    );
    put(
        dir.path(),
        "groups/page-00002.json",
        json!({"value": []}).to_string(),
    );
    put(
        dir.path(),
        &format!("groups/{g}/members.json"),
        json!([{"value": [{"@odata.type": "#microsoft.graph.user", "id": MEGAN}], "@odata.nextLink": "n"}, {"value": []}])
            .to_string(),
    );
    let t = load(&dir.path().display().to_string());
    assert_eq!(
        summary(&t)["groups"][2][0][5],
        json!([format!("user {MEGAN}")])
    );
}

/// A single Graph response given where a snapshot file is expected is an error, not an empty
/// snapshot; a misspelt file in a snapshot directory is reported, not silently skipped.
#[test]
fn graph_page_as_snapshot_and_unknown_directory_files() {
    let dir = tmp();
    let p = put(
        dir.path(),
        "users.json",
        r#"{"@odata.context": "x", "value": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204"}]}"#,
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:25: this is a single Graph response (a page with \"value\"), not a snapshot: put it in a snapshot directory as users.json, groups.json, … (see docs/snapshot-format.md)"
        )
    );
    let d = dir.path().join("snap");
    put(&d, "users.json", "[]");
    let typo = put(&d, "group.json", "[]");
    put(&d, "README.md", "notes");
    let t = tenantlint::snapshot::load(&d.display().to_string()).unwrap();
    assert_eq!(t.info.ignored_files, vec![typo]);
}

/// Corrupting the sample tenant at random (a stray quote, bracket, comma, NUL or invalid
/// byte; or cutting it short) never panics and always gives one located line.
#[test]
fn corrupted_snapshots_give_one_line_errors() {
    let data = std::fs::read(format!(
        "{}/fixtures/tenants/contoso.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let dir = tmp();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let stray = b"{}[]\",:\\\0\xff";
    for i in 0..150 {
        let mut b = data.clone();
        if i % 5 == 0 {
            b.truncate(next(b.len()));
        } else {
            for _ in 0..1 + next(3) {
                let at = next(b.len());
                b[at] = stray[next(stray.len())];
            }
        }
        let p = put(dir.path(), "t.json", &b);
        if let Err(e) = tenantlint::snapshot::load(&p) {
            let m = e.to_string();
            assert!(!m.contains('\n'), "{m:?}");
            assert!(m.starts_with(&p), "{m}");
        }
    }
}

#[test]
fn every_object_knows_where_it_was_read() {
    // A single file, and a directory of page files (file indexes follow `info.files`).
    for spec in [single(), directory()] {
        let t = load(&spec);
        let check = |kind: &str, ids: Vec<String>, locs: Vec<tenantlint::model::Loc>| {
            assert_eq!(ids.len(), locs.len(), "{kind}");
            for (id, loc) in ids.iter().zip(locs) {
                let file = &t.info.files[loc.file() as usize];
                let text = std::fs::read(file).unwrap();
                let at = &text[loc.offset()..];
                assert_eq!(at[0], b'{', "{kind} {id} in {}", file.display());
                let mut de = serde_json::Deserializer::from_slice(at).into_iter::<Value>();
                let obj = de.next().unwrap().unwrap();
                assert_eq!(obj["id"].as_str(), Some(id.as_str()), "{kind}");
            }
        };
        check(
            "users",
            t.users.items.iter().map(|u| u.id.to_string()).collect(),
            t.users.locs.iter().copied().collect(),
        );
        check(
            "groups",
            t.groups.items.iter().map(|g| g.id.to_string()).collect(),
            t.groups.locs.iter().copied().collect(),
        );
        check(
            "domains",
            t.domains.items.iter().map(|d| d.name.to_string()).collect(),
            t.domains.locs.iter().copied().collect(),
        );
    }
}

#[test]
fn locations_resolve_to_file_line_and_column() {
    // A single file: the line and column of each user's `{`, counted independently.
    let t = load(&single());
    let text = std::fs::read_to_string(single()).unwrap();
    let locs: Vec<_> = t.users.locs.iter().copied().collect();
    let places = t.places(&locs);
    for (loc, place) in locs.iter().zip(&places) {
        let place = place.unwrap();
        let before = &text[..loc.offset()];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!((place.line, place.column), (line, column));
        assert_eq!(place.file, Some(Path::new(&single())));
        // The end: the object's `}`, as serde_json sees where the object ends.
        let mut it = serde_json::Deserializer::from_str(&text[loc.offset()..])
            .into_iter::<serde_json::Value>();
        it.next().unwrap().unwrap();
        let end = loc.offset() + it.byte_offset() - 1;
        assert_eq!(&text[end..=end], "}");
        let before = &text[..end];
        let end_line = before.matches('\n').count() + 1;
        let end_column = before.rsplit('\n').next().unwrap().chars().count() + 1;
        assert_eq!((place.end_line, place.end_column), (end_line, end_column));
        assert!(place.end_line > place.line, "pretty-printed: {place:?}");
    }
    // The same places with the line index the load builds for SARIF and GitHub reports.
    let indexed = tenantlint::snapshot::load_with(&single(), &(), true).unwrap();
    assert_eq!(indexed.places(&locs), places);
    // Objects found by kind and id, as reports name them: users, policies, the tenant.
    let ids: Vec<String> = t.users.items.iter().map(|u| u.id.to_string()).collect();
    let found = t.locate(ids.iter().map(|id| (ObjKind::User, id.as_str())));
    assert_eq!(found, locs.iter().map(|&l| Some(l)).collect::<Vec<_>>());
    for (kind, id, key) in [
        (
            ObjKind::Policy,
            "passwordResetPolicy",
            "\"passwordResetPolicy\"",
        ),
        (ObjKind::Tenant, "", "\"tenant\""),
    ] {
        let loc = t.locate([(kind, id)])[0].unwrap_or_else(|| panic!("{kind:?} has a place"));
        assert_eq!(&text[loc.offset()..loc.offset() + 1], "{");
        let before = text[..loc.offset()].trim_end();
        assert!(
            before.strip_suffix(':').unwrap().trim_end().ends_with(key),
            "{kind:?}"
        );
    }
    assert_eq!(t.locate([(ObjKind::User, "not-a-guid")]), [None]);
    // Export-Entra trees (bundles of files, UTF-16 ones too): each object is at 1:1 of its
    // own file; asked for in any order.
    for tree in [
        "snapshots/entra-exporter-ps5",
        "snapshots/entra-exporter-ps7",
    ] {
        let t = load(&fixture(tree));
        let mut locs: Vec<_> = t.users.locs.iter().copied().collect();
        locs.extend(t.groups.locs.iter().copied());
        let mut ids: Vec<String> = t.users.items.iter().map(|u| u.id.to_string()).collect();
        ids.extend(t.groups.items.iter().map(|g| g.id.to_string()));
        locs.reverse();
        ids.reverse();
        let places = t.places(&locs);
        let indexed = tenantlint::snapshot::load_with(&fixture(tree), &(), true).unwrap();
        assert_eq!(indexed.places(&locs), places);
        let mut files = std::collections::BTreeSet::new();
        for (p, id) in places.into_iter().zip(&ids) {
            let p = p.unwrap();
            assert_eq!((p.line, p.column), (1, 1), "{p:?}");
            let f = p.file.unwrap();
            assert_eq!(f.file_stem().unwrap().to_str(), Some(id.as_str()), "{p:?}");
            files.insert(f.to_path_buf());
        }
        assert_eq!(files.len(), 6, "4 users and 2 groups, each its own file");
        // The tenant: Organization/Organization.json (a UTF-16 file in ps5), from 1:1 to its
        // last line.
        let loc = t.locate([(ObjKind::Tenant, "")])[0].unwrap();
        let p = t.places(&[loc])[0].unwrap();
        assert!(
            p.file.unwrap().ends_with("Organization/Organization.json"),
            "{p:?}"
        );
        assert_eq!((p.line, p.column), (1, 1));
        let lines = std::fs::read(p.file.unwrap()).unwrap();
        let newlines = lines.iter().filter(|&&b| b == b'\n').count();
        assert!(p.end_line > 1 && p.end_line <= newlines + 1, "{p:?}");
    }
}
