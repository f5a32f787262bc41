//! `--format sarif`: valid SARIF 2.1.0 (checked against the OASIS schema), and every result's
//! region is the object's own JSON in its own file.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::Value;
use std::path::Path;

/// The SARIF report of `snapshot`, run from the repository root (so URIs are relative to it).
fn sarif(snapshot: &str) -> Value {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(root())
        .args(["check", snapshot, "--format", "sarif"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn validate(doc: &Value) {
    let path = root().join("../shared/reference/sarif/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let v = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

/// The text of `uri` (relative to the repository), decoded from UTF-16 if it has that BOM.
fn read(uri: &str) -> String {
    let bytes = std::fs::read(root().join(uri.replace("%20", " "))).unwrap();
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&units).unwrap();
    }
    String::from_utf8(bytes)
        .unwrap()
        .trim_start_matches('\u{feff}')
        .to_owned()
}

/// Every result points at the lines of its own object: the region, cut from the file, is one
/// JSON object whose id (or skuId) is the finding's object id. Returns the URIs seen.
fn regions_hold_their_objects(doc: &Value) -> std::collections::BTreeSet<String> {
    let mut uris = std::collections::BTreeSet::new();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("file:"), "{uri}");
        let reg = &loc["region"];
        let line = |k: &str| reg[k].as_u64().unwrap() as usize;
        let text = read(uri);
        let lines: Vec<&str> = text.lines().collect();
        let (sl, sc, el, ec) = (
            line("startLine"),
            line("startColumn"),
            line("endLine"),
            line("endColumn"),
        );
        let mut cut: String = lines[sl - 1].chars().skip(sc - 1).collect();
        for l in &lines[sl..el - 1] {
            cut.push('\n');
            cut.push_str(l);
        }
        if el > sl {
            cut.push('\n');
            cut.push_str(&lines[el - 1].chars().take(ec - 1).collect::<String>());
        } else {
            cut = cut.chars().take(ec - sc).collect();
        }
        let obj: Value = serde_json::from_str(&cut)
            .unwrap_or_else(|e| panic!("{uri}:{sl}:{sc}-{el}:{ec} is not one JSON value: {e}"));
        let id = r["properties"]["objectId"].as_str().unwrap();
        let kind = r["properties"]["objectType"].as_str().unwrap();
        match kind {
            "policy" | "tenant" => assert!(obj.is_object(), "{kind}: {cut}"),
            "subscribedSku" => assert_eq!(obj["skuId"].as_str(), Some(id)),
            "domain" => assert_eq!(obj["id"].as_str(), Some(id)),
            _ => assert_eq!(
                obj["id"]
                    .as_str()
                    .or(obj["Id"].as_str())
                    .map(str::to_lowercase),
                Some(id.to_lowercase()),
                "{kind} {id} at {uri}:{sl}"
            ),
        }
        uris.insert(uri.to_owned());
    }
    uris
}

#[test]
fn sample_tenant_is_valid_sarif_with_regions() {
    let doc = sarif("fixtures/tenants/contoso.json");
    validate(&doc);
    let run = &doc["runs"][0];
    let uris = regions_hold_their_objects(&doc);
    assert_eq!(
        uris.into_iter().collect::<Vec<_>>(),
        ["fixtures/tenants/contoso.json"]
    );
    // Every rule is described, with its documentation; results point at their rule.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), tenantlint::rules::registry().len());
    for r in rules {
        assert!(r["shortDescription"]["text"].as_str().unwrap().len() > 10);
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## How to fix")
        );
        assert!(r["fullDescription"]["text"].as_str().is_some());
        assert!(
            ["error", "warning", "note"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
    }
    for res in run["results"].as_array().unwrap() {
        let i = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], res["ruleId"]);
        assert_eq!(
            res["partialFingerprints"]["tenantlint/v1"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
        let fqn = res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        if res["properties"]["objectType"] == "user" {
            assert_eq!(
                fqn,
                format!(
                    "users/{}",
                    res["properties"]["objectName"].as_str().unwrap()
                )
            );
        }
    }
    // The users' results are on the user objects' lines of the pretty-printed file: LIC001's.
    let lic001 = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "LIC001")
        .unwrap();
    let reg = &lic001["locations"][0]["physicalLocation"]["region"];
    assert!(reg["endLine"].as_u64() > reg["startLine"].as_u64(), "{reg}");
}

#[test]
fn directory_snapshot_points_into_each_file() {
    let doc = sarif("fixtures/snapshots/directory");
    validate(&doc);
    let uris = regions_hold_their_objects(&doc);
    assert!(uris.len() >= 3, "{uris:?}");
    assert!(
        uris.iter()
            .all(|u| u.starts_with("fixtures/snapshots/directory/")),
        "{uris:?}"
    );
}

#[test]
fn entra_exporter_tree_points_at_each_objects_own_file() {
    for tree in [
        "fixtures/snapshots/entra-exporter-ps5",
        "fixtures/snapshots/entra-exporter-ps7",
    ] {
        let doc = sarif(tree);
        validate(&doc);
        let uris = regions_hold_their_objects(&doc);
        for r in doc["runs"][0]["results"].as_array().unwrap() {
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            if matches!(
                r["properties"]["objectType"].as_str(),
                Some("user" | "group")
            ) {
                let id = r["properties"]["objectId"].as_str().unwrap();
                let stem = Path::new(uri).file_stem().unwrap().to_str().unwrap();
                assert_eq!(stem.to_lowercase(), id.to_lowercase());
                assert_eq!(loc["region"]["startLine"], 1);
            }
        }
        assert!(uris.len() >= 3, "{uris:?}");
    }
}

#[test]
fn absolute_snapshot_paths_become_relative_uris() {
    let abs = root().join("fixtures/tenants/contoso.json");
    let doc = sarif(abs.to_str().unwrap());
    let uri = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "fixtures/tenants/contoso.json");
}

#[test]
fn several_snapshots_are_several_runs_with_their_own_categories() {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(root())
        .args([
            "check",
            "fixtures/tenants/contoso.json",
            "fixtures/tenants/fabrikam.json",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    validate(&doc);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_ne!(
        runs[0]["automationDetails"]["id"],
        runs[1]["automationDetails"]["id"]
    );
    assert_eq!(
        runs[1]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/tenants/fabrikam.json"
    );
}

#[test]
fn skipped_rules_are_notifications() {
    // A snapshot of users only: most rules lack their input.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("users.json"),
        r#"{"value": [{"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "userPrincipalName": "a@contoso.com"}]}"#,
    )
    .unwrap();
    let doc = sarif(dir.path().to_str().unwrap());
    validate(&doc);
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(!notes.is_empty());
    for n in notes {
        assert_eq!(n["descriptor"]["id"], "skipped");
        assert!(
            n["message"]["text"]
                .as_str()
                .unwrap()
                .contains(" skipped: ")
        );
    }
}

#[test]
fn the_schema_check_catches_a_broken_report() {
    let mut doc = sarif("fixtures/tenants/contoso.json");
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    let r = std::panic::catch_unwind(|| validate(&doc));
    assert!(
        r.is_err(),
        "a level SARIF does not define must fail validation"
    );
}
