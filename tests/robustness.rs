//! What real exports look like besides Graph's own camelCase UTF-8: encodings (UTF-16 from
//! Windows PowerShell), PascalCase from the Graph PowerShell SDK, and Graph's quirks.
//! Each case loads into the same model as the plain fixture (`tests/common::summary`).

mod common;

use common::*;
use std::path::Path;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn put(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn single() -> String {
    fixture("snapshots/single.json")
}

fn message(spec: &str) -> String {
    match tenantlint::snapshot::load(spec) {
        Ok(_) => panic!("{spec} loaded, expected an error"),
        Err(e) => {
            let m = e.to_string();
            assert!(!m.contains('\n'), "message is not one line: {m:?}");
            m
        }
    }
}

fn utf16(s: &str, little_endian: bool, bom: bool) -> Vec<u8> {
    let mut v = Vec::new();
    if bom {
        v.extend(if little_endian {
            [0xFF, 0xFE]
        } else {
            [0xFE, 0xFF]
        });
    }
    for u in s.encode_utf16() {
        v.extend(if little_endian {
            u.to_le_bytes()
        } else {
            u.to_be_bytes()
        });
    }
    v
}

/// Windows line endings, as PowerShell writes them.
fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

// ---------------------------------------------------------------------------------------------
// Encodings

#[test]
fn utf16_with_and_without_bom_loads_like_utf8() {
    let text = std::fs::read_to_string(single()).unwrap();
    let want = summary(&load(&single()));
    let dir = tmp();
    for (name, bytes) in [
        ("le-bom.json", utf16(&crlf(&text), true, true)),
        ("be-bom.json", utf16(&text, false, true)),
        ("le.json", utf16(&text, true, false)),
        ("be.json", utf16(&crlf(&text), false, false)),
    ] {
        let p = put(dir.path(), name, bytes);
        assert_eq!(summary(&load(&p)), want, "{name}");
    }
    // And inside gzip, and from memory.
    let t = tenantlint::snapshot::load_bytes("x.json", utf16(&text, true, true)).unwrap();
    assert_eq!(summary(&t), want);
}

#[test]
fn utf16_files_in_a_directory() {
    let from = Path::new(&fixture("snapshots/directory")).to_path_buf();
    let want = summary(&load(&fixture("snapshots/directory")));
    let dir = tmp();
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let target = to.join(e.file_name());
            if e.path().is_dir() {
                copy(&e.path(), &target);
            } else {
                let text = std::fs::read_to_string(e.path()).unwrap();
                std::fs::write(target, utf16(&crlf(&text), true, true)).unwrap();
            }
        }
    }
    copy(&from, dir.path());
    assert_eq!(summary(&load(&dir.path().display().to_string())), want);
}

#[test]
fn utf16_errors_give_the_line_and_the_character_column() {
    let dir = tmp();
    // `é` is two bytes in UTF-8 but one character: the column counts characters.
    let text = "{\r\n  \"tenant\": {\"displayName\": \"Contosé\", \"id\": 5}\r\n}";
    let p = put(dir.path(), "bad.json", utf16(text, true, true));
    assert_eq!(
        message(&p),
        format!("{p}:2:46: at tenant.id: wrong type: integer `5`, expected a string")
    );
}

#[test]
fn unsupported_encodings_are_named() {
    let dir = tmp();
    let mut utf32 = vec![0xFF, 0xFE, 0x00, 0x00];
    for c in "{}".chars() {
        utf32.extend((c as u32).to_le_bytes());
    }
    let p = put(dir.path(), "utf32.json", &utf32);
    assert_eq!(
        message(&p),
        format!(
            "{p}: the file is UTF-32 LE encoded (it starts with a UTF-32 LE byte order mark): tenantlint reads UTF-8 or UTF-16; re-export it as UTF-8 (PowerShell: `… | Out-File -Encoding utf8 FILE`, or `Set-Content -Encoding utf8`)"
        )
    );
    let p = put(dir.path(), "utf7.json", b"+/v8-{}");
    assert!(message(&p).contains("the file is UTF-7 encoded"));
    let p = put(dir.path(), "bin.json", b"\x00\x00\x00\x00");
    assert!(message(&p).contains("starts with a zero byte: it is not JSON text"));
}

#[test]
fn invalid_utf16_is_located() {
    let dir = tmp();
    let mut b = utf16("{\"tenant\": {\"displayName\": \"a", true, true);
    b.extend(0xDC00u16.to_le_bytes());
    b.extend(utf16("\"}}", true, false));
    let p = put(dir.path(), "bad16.json", &b);
    assert_eq!(
        message(&p),
        format!("{p}:1:30: at tenant.displayName: invalid UTF-16: unpaired surrogate 0xDC00")
    );
}

// ---------------------------------------------------------------------------------------------
// The Graph PowerShell SDK's spelling: `Get-MgUser … | ConvertTo-Json`.

use serde_json::{Map, Value};

/// An object as the SDK models it: every key PascalCase, `@odata.*` and the properties the
/// model does not know under `AdditionalProperties` (here: `@odata.type`), and an (often
/// empty) `AdditionalProperties` on every nested object.
fn sdk(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            let mut extra = Map::new();
            for (k, v) in m {
                if k.starts_with('@') {
                    extra.insert(k.clone(), v.clone());
                } else {
                    let mut c = k.chars();
                    let pascal: String = c
                        .next()
                        .map(|f| f.to_ascii_uppercase())
                        .into_iter()
                        .chain(c)
                        .collect();
                    out.insert(pascal, sdk(v));
                }
            }
            out.insert("AdditionalProperties".into(), Value::Object(extra));
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(sdk).collect()),
        v => v.clone(),
    }
}

/// Windows PowerShell 5.1's `ConvertTo-Json` layout: four spaces, members aligned under the
/// column of their bracket, `"Key":  value` with two spaces, empty brackets on three lines,
/// CRLF line ends.
fn ps51(v: &Value) -> String {
    fn write(v: &Value, col: usize, out: &mut String) {
        let pad = |n: usize| " ".repeat(n);
        match v {
            Value::Object(m) if m.is_empty() => {
                out.push_str(&format!("{{\r\n\r\n{}}}", pad(col)));
            }
            Value::Array(a) if a.is_empty() => {
                out.push_str(&format!("[\r\n\r\n{}]", pad(col)));
            }
            Value::Object(m) => {
                out.push_str("{\r\n");
                for (i, (k, v)) in m.iter().enumerate() {
                    let key = format!("{}{}:  ", pad(col + 4), serde_json::to_string(k).unwrap());
                    out.push_str(&key);
                    write(v, key.len(), out);
                    out.push_str(if i + 1 < m.len() { ",\r\n" } else { "\r\n" });
                }
                out.push_str(&pad(col));
                out.push('}');
            }
            Value::Array(a) => {
                out.push_str("[\r\n");
                for (i, v) in a.iter().enumerate() {
                    out.push_str(&pad(col + 4));
                    write(v, col + 4, out);
                    out.push_str(if i + 1 < a.len() { ",\r\n" } else { "\r\n" });
                }
                out.push_str(&pad(col));
                out.push(']');
            }
            v => out.push_str(&v.to_string()),
        }
    }
    let mut out = String::new();
    write(v, 0, &mut out);
    out
}

/// Every rule's findings as the JSON report has them (the source name aside).
fn findings(spec: &str) -> Value {
    let t = load(spec);
    let r = run_rules(&t, tenantlint::rules::registry(), &Default::default());
    json_report(&t, "snapshot", &r)["findings"].clone()
}

fn sdk_copy(from: &Path, to: &Path, write: &dyn Fn(&Value) -> Vec<u8>) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            sdk_copy(&e.path(), &target, write);
        } else {
            let v: Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            std::fs::write(target, write(&sdk(&v))).unwrap();
        }
    }
}

#[test]
fn windows_powershell_directory_loads_like_graph_json() {
    // `Get-MgUser -All … | ConvertTo-Json -Depth 10 > users.json` in Windows PowerShell 5.1:
    // PascalCase, AdditionalProperties, its layout, UTF-16 LE with BOM, CRLF.
    let plain = fixture("snapshots/directory");
    let dir = tmp();
    sdk_copy(Path::new(&plain), dir.path(), &|v| {
        utf16(&ps51(v), true, true)
    });
    let spec = dir.path().display().to_string();
    assert_eq!(summary(&load(&spec)), summary(&load(&plain)));
    assert_eq!(findings(&spec), findings(&plain));
}

#[test]
fn powershell_7_single_file_with_pascal_case_top_level_keys() {
    // `@{ ExportedAt = …; Users = @(Get-MgUser …); … } | ConvertTo-Json -Depth 20` in
    // PowerShell 7: two-space indentation, UTF-8 without BOM.
    let plain = single();
    let v = sdk(&serde_json::from_str::<Value>(&std::fs::read_to_string(&plain).unwrap()).unwrap());
    let dir = tmp();
    let p = put(
        dir.path(),
        "tenant.json",
        serde_json::to_string_pretty(&v).unwrap(),
    );
    assert_eq!(summary(&load(&p)), summary(&load(&plain)));
    assert_eq!(findings(&p), findings(&plain));
}

#[test]
fn scubagear_sdk_objects_read_as_graph_objects() {
    // CISA ScubaGear's provider export: real SDK objects (a domain, subscribed SKUs, the
    // authorization policy), placed as a snapshot would hold them.
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("reference/scubagear-providersettings-excerpt.json"))
            .unwrap(),
    )
    .unwrap();
    let snapshot = serde_json::json!({
        "Domains": [v["domain_settings"]],
        "SubscribedSkus": v["license_information"],
        "Policies": {"AuthorizationPolicy": v["authorization_policies"][0]},
    });
    let dir = tmp();
    let p = put(
        dir.path(),
        "scuba.json",
        serde_json::to_string_pretty(&snapshot).unwrap(),
    );
    let t = load(&p);
    let d = &t.domains.items[0];
    assert_eq!(
        (d.name.as_str(), d.verified, d.federated),
        ("tqhjy.onmicrosoft.com", true, false)
    );
    let skus: Vec<_> = t
        .skus
        .items
        .iter()
        .map(|s| {
            (
                t.s(s.part_number).to_owned(),
                s.consumed_units,
                s.prepaid_enabled,
            )
        })
        .collect();
    assert_eq!(
        skus,
        [
            ("CDS_DB_CAPACITY_GOV".to_owned(), Some(0), Some(1)),
            ("M365_G5_GCC".to_owned(), Some(28), Some(30))
        ]
    );
    assert!(t.policies.authorization_policy.is_some());
}

#[test]
fn sdk_duplicates_and_errors_keep_their_place() {
    let dir = tmp();
    // `Id` and `id` are the same property: a duplicate, reported where the second one is.
    let p = put(
        dir.path(),
        "dup.json",
        "{\"Users\": [{\"Id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\",\n \"AdditionalProperties\": {\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\"}}]}",
    );
    assert_eq!(
        message(&p),
        format!("{p}:2:31: at Users[0].AdditionalProperties.id: duplicate field `id`")
    );
    // A wrong type inside an SDK object: the original key in the path.
    let p = put(
        dir.path(),
        "bad.json",
        "{\"Users\": [{\"Id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"AssignedLicenses\": [{\"SkuId\": \"nope\"}]}]}",
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:95: at Users[0].AssignedLicenses[0].SkuId: invalid value: string \"nope\", expected a GUID"
        )
    );
    // ConvertTo-Json's default -Depth 2 writes deeper objects as their type name.
    let p = put(
        dir.path(),
        "shallow.json",
        "{\"Users\": [{\"Id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"AssignedLicenses\": [\"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense\"]}]}",
    );
    assert_eq!(
        message(&p),
        format!(
            "{p}:1:144: at Users[0].AssignedLicenses[0]: wrong type: string \"Microsoft.Graph.PowerShell.Models.MicrosoftGraphAssignedLicense\", expected an assignedLicenses entry: ConvertTo-Json cut this object off at its -Depth; re-export with `ConvertTo-Json -Depth 20`"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Graph's quirks (`fixtures/snapshots/quirks/`): upper-case GUIDs with a trailing U+00A0 or in
// braces, 0 to 7 fractional digits, `null` where an array is documented, `@odata.nextLink`
// pages saved as an array of pages, empty pages.

#[test]
fn graph_quirks_load_as_what_they_mean() {
    use tenantlint::model::{Member, user_props};
    let t = load(&fixture("snapshots/quirks"));
    let ids: Vec<String> = t.users.items.iter().map(|u| u.id.to_string()).collect();
    assert_eq!(
        ids,
        [
            "6e7b768e-07e2-4810-8459-485f84f8f204",
            "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
            "5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b"
        ]
    );
    let (megan, adele, alex) = (&t.users.items[0], &t.users.items[1], &t.users.items[2]);
    let e5 = t.skus.items[0].sku_id;
    assert_eq!(e5.to_string(), "c7df2760-2c81-4ef7-b578-5b5392b571df");
    assert_eq!(t.licenses(megan)[0].sku, e5);
    assert_eq!(
        t.licenses(megan)[0].disabled_plans[0].to_string(),
        "9f431833-0334-42de-a7dc-70aa40db46db"
    );
    assert_eq!(t.licenses(alex)[0].sku, e5);
    assert!(t.licenses(alex)[0].disabled_plans.is_empty());
    // `null` arrays are empty, and the property still counts as exported.
    assert!(t.licenses(adele).is_empty() && adele.proxies.is_empty());
    assert!(adele.business_phones().is_empty());
    assert!(t.users.props.has(user_props::ASSIGNED_LICENSES));
    assert!(t.users.props.has(user_props::PROXY_ADDRESSES));
    // 0, 7 and 1 fractional digits: the same second.
    let created: Vec<_> = t.users.items.iter().map(|u| u.created()).collect();
    assert_eq!(created, [Some(1_735_787_045); 3]);
    assert_eq!(
        t.info.exported_at.as_ref().map(|e| e.1),
        Some(1_795_161_600)
    );
    assert!(t.skus.items[1].plans.is_empty());
    assert_eq!(
        t.skus.items[1].sku_id.to_string(),
        "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
    );
    let sales = &t.groups.items[0];
    assert_eq!(sales.members.as_ref(), [Member::User(0), Member::User(1)]);
    assert!(t.groups.items[1].members.is_empty());
    let ends: Vec<_> = t.applications.items[0]
        .credentials
        .iter()
        .map(|c| c.end)
        .collect();
    assert_eq!(ends, [Some(1_820_519_429); 3]);
    assert_eq!(t.registrations.items[0].methods, 0);
    // Every rule runs on it; the upper-case SKU ids match (no unknown-SKU finding).
    let r = run_rules(&t, tenantlint::rules::registry(), &Default::default());
    assert!(!r.findings.iter().any(|f| f.rule.code == "LIC004"));
}

#[test]
fn a_duplicate_key_in_graph_json_is_an_error_with_its_path() {
    let d = tmp();
    let p = put(
        d.path(),
        "dup.json",
        "{\"users\": [\n  {\"id\": \"6e7b768e-07e2-4810-8459-485f84f8f204\", \"userPrincipalName\": \"a@b.com\", \"userPrincipalName\": \"c@d.com\"}\n]}",
    );
    assert_eq!(
        message(&p),
        format!("{p}:2:100: at users[0].userPrincipalName: duplicate field `userPrincipalName`")
    );
}
