//! `tenantlint diff OLD NEW`: introduced, resolved and unchanged findings by fingerprint, the
//! exit code, every format (CSV parsed back, SARIF against the OASIS schema), determinism and
//! errors.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const CONTOSO: &str = "fixtures/tenants/contoso.json";

/// The binary, run from the repository root so that fixture paths are short and stable.
fn bin() -> Command {
    let mut c = Command::cargo_bin("tenantlint").unwrap();
    c.current_dir(root()).env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> (Option<i32>, Vec<u8>, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `diff OLD NEW --format json`, with its exit code.
fn diff_json(old: &str, new: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", old, new, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    let code = code.unwrap_or_else(|| panic!("{args:?}: killed: {err}"));
    assert!(matches!(code, 0 | 1), "{args:?}: exit {code}: {err}");
    let v = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    (code, v)
}

/// `check SNAPSHOT --format json`.
fn check_json(snapshot: &str) -> Value {
    let (code, out, err) = run(&["check", snapshot, "--format", "json", "--fail-on", "never"]);
    assert_eq!(code, Some(0), "{err}");
    serde_json::from_slice(&out).unwrap()
}

fn fingerprints(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {findings}"))
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
        .collect()
}

fn rules(findings: &Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The sample tenant, changed by `edit`, written to `dir/name`.
fn variant(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let text = std::fs::read_to_string(root().join(CONTOSO)).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    edit(&mut doc);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

fn user_mut<'a>(doc: &'a mut Value, upn: &str) -> &'a mut Value {
    doc["users"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|u| u["userPrincipalName"] == upn)
        .unwrap_or_else(|| panic!("no user {upn}"))
}

/// A new user like the tenant's first, with `upn` and `name`.
fn add_user(doc: &mut Value, id: &str, upn: &str, name: &str) {
    let mut u = doc["users"][0].clone();
    u["id"] = id.into();
    u["userPrincipalName"] = upn.into();
    u["displayName"] = name.into();
    u["mail"] = "newuser@contoso.com".into();
    u["mailNickname"] = "newuser".into();
    u["proxyAddresses"] = serde_json::json!(["SMTP:newuser@contoso.com"]);
    doc["users"].as_array_mut().unwrap().push(u);
}

const NEW_ID: &str = "0b6f3c1e-7d7a-4c55-9d1e-3f2a8c9b1d20";
const JOHANNA: &str = "9c87be3f-f895-5afe-9648-708ca9b31ec3";

/// The sample tenant with one finding fixed (JohannaL gets a usage location: LIC001 goes)
/// and one problem added (a user with `#` in the UPN: UPN003 comes).
fn changed(dir: &Path) -> String {
    variant(dir, "changed.json", |doc| {
        user_mut(doc, "JohannaL@contoso.com")["usageLocation"] = "US".into();
        add_user(doc, NEW_ID, "new#user@contoso.com", "New User");
    })
}

#[test]
fn a_snapshot_against_itself_changes_nothing() {
    let total = check_json(CONTOSO)["findings"].as_array().unwrap().len();
    assert!(total > 0);
    for fail_on in ["error", "info"] {
        let (code, d) = diff_json(CONTOSO, CONTOSO, &["--fail-on", fail_on]);
        assert_eq!(code, 0, "--fail-on {fail_on}");
        assert_eq!(d["introduced"], serde_json::json!([]));
        assert_eq!(d["resolved"], serde_json::json!([]));
        assert_eq!(d["unchanged"], total);
        assert_eq!(d["summary"]["unchanged"], total);
        assert_eq!(d["old"], d["new"]);
    }
    let (code, out, _) = run(&["diff", CONTOSO, CONTOSO]);
    assert_eq!(code, Some(0));
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.ends_with(&format!(
            "0 introduced (0 errors, 0 warnings, 0 info), 0 resolved, {total} unchanged\n"
        )),
        "{text}"
    );
}

#[test]
fn introduced_and_resolved_swap_with_the_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let (code, fwd) = diff_json(CONTOSO, &new, &[]);
    assert_eq!(code, 1, "an error is introduced");
    assert_eq!(rules(&fwd["introduced"]), ["UPN003"]);
    assert_eq!(fwd["introduced"][0]["object"]["id"], NEW_ID);
    assert_eq!(rules(&fwd["resolved"]), ["LIC001"]);
    assert_eq!(fwd["resolved"][0]["object"]["id"], JOHANNA);
    let (code, back) = diff_json(&new, CONTOSO, &[]);
    assert_eq!(code, 1, "LIC001 is an error introduced going back");
    assert_eq!(back["introduced"], fwd["resolved"]);
    assert_eq!(back["resolved"], fwd["introduced"]);
    assert_eq!(back["unchanged"], fwd["unchanged"]);
    assert_eq!(back["old"], fwd["new"]);
    assert_eq!(back["new"], fwd["old"]);
    assert_eq!(
        fwd["summary"],
        serde_json::json!({
            "introduced": {"error": 1, "warning": 0, "info": 0},
            "resolved": {"error": 1, "warning": 0, "info": 0},
            "unchanged": fwd["unchanged"],
        })
    );
    for (code, fail_on) in [(1, "error"), (1, "warning"), (1, "info"), (0, "never")] {
        assert_eq!(diff_json(CONTOSO, &new, &["--fail-on", fail_on]).0, code);
    }
    let (code, out, _) = run(&["diff", CONTOSO, &new]);
    assert_eq!(code, Some(1));
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!(
            "\n+ error[UPN003] reserved-hash-in-upn: user new#user@contoso.com ({NEW_ID}): "
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "\n- error[LIC001] missing-usage-location: user JohannaL@contoso.com ({JOHANNA}): "
        )),
        "{text}"
    );
}

/// Unchanged findings are the same findings on both sides: the old snapshot's findings less
/// the resolved are the new one's less the introduced, fingerprint for fingerprint, and each
/// finding is exactly as `check --format json` reports it.
#[test]
fn unchanged_findings_have_equal_fingerprints() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let (_, d) = diff_json(CONTOSO, &new, &[]);
    let old_all = check_json(CONTOSO)["findings"].clone();
    let new_all = check_json(&new)["findings"].clone();
    let minus = |all: &Value, gone: &Value| -> BTreeSet<String> {
        let gone: BTreeSet<String> = fingerprints(gone).into_iter().collect();
        fingerprints(all)
            .into_iter()
            .filter(|f| !gone.contains(f))
            .collect()
    };
    let kept_old = minus(&old_all, &d["resolved"]);
    let kept_new = minus(&new_all, &d["introduced"]);
    assert_eq!(kept_old, kept_new);
    assert_eq!(d["unchanged"], kept_new.len());
    assert_eq!(
        d["unchanged"].as_u64().unwrap() as usize + d["introduced"].as_array().unwrap().len(),
        new_all.as_array().unwrap().len()
    );
    // The finding shape is the JSON report's.
    let same = |list: &Value, all: &Value| {
        for f in list.as_array().unwrap() {
            assert!(
                all.as_array().unwrap().contains(f),
                "{f} is not in the report"
            );
        }
    };
    same(&d["introduced"], &new_all);
    same(&d["resolved"], &old_all);
    // Each side is the check report's snapshot object, with its summary's counts.
    let report = check_json(&new);
    for k in ["source", "exportedAt", "now", "nowSource", "counts"] {
        assert_eq!(d["new"][k], report["snapshot"][k], "{k}");
    }
    for k in ["error", "warning", "info", "rulesRun", "rulesSkipped"] {
        assert_eq!(d["new"]["summary"][k], report["summary"][k], "{k}");
    }
}

#[test]
fn exit_1_only_when_something_introduced_is_at_or_above_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    // Only fixed: nothing introduced, though the new snapshot still has errors.
    let fixed = variant(dir.path(), "fixed.json", |doc| {
        user_mut(doc, "JohannaL@contoso.com")["usageLocation"] = "US".into();
    });
    let (code, d) = diff_json(CONTOSO, &fixed, &["--fail-on", "info"]);
    assert_eq!(code, 0);
    assert_eq!(rules(&d["resolved"]), ["LIC001"]);
    assert!(d["new"]["summary"]["error"].as_u64().unwrap() > 0);
    // A warning introduced: fails at warning and below, not at error.
    let warned = variant(dir.path(), "warned.json", |doc| {
        let u = user_mut(doc, "JohannaL@contoso.com");
        u["proxyAddresses"]
            .as_array_mut()
            .unwrap()
            .push("smtp:not-an-address".into());
    });
    for (code, fail_on) in [(0, "error"), (1, "warning"), (1, "info"), (0, "never")] {
        let (got, d) = diff_json(CONTOSO, &warned, &["--fail-on", fail_on]);
        assert_eq!(got, code, "--fail-on {fail_on}");
        assert_eq!(rules(&d["introduced"]), ["PRX003"]);
    }
    // The default is error.
    assert_eq!(diff_json(CONTOSO, &warned, &[]).0, 0);
}

#[test]
fn now_applies_to_both_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let (_, d) = diff_json(CONTOSO, &new, &["--now", "2030-01-01T00:00:00Z"]);
    for side in ["old", "new"] {
        assert_eq!(d[side]["now"], "2030-01-01T00:00:00Z");
        assert_eq!(d[side]["nowSource"], "option");
    }
    let (_, d) = diff_json(CONTOSO, &new, &[]);
    for side in ["old", "new"] {
        assert_eq!(d[side]["nowSource"], "exportedAt");
    }
}

/// A rule that runs on one side only makes all its findings introduced or resolved: every
/// format says so.
#[test]
fn rules_that_ran_on_one_side_only_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let noreg = variant(dir.path(), "noreg.json", |doc| {
        doc.as_object_mut()
            .unwrap()
            .remove("userRegistrationDetails");
    });
    let (_, d) = diff_json(CONTOSO, &noreg, &[]);
    // The two rules that read userRegistrationDetails.
    let mut resolved = rules(&d["resolved"]);
    resolved.dedup();
    assert_eq!(resolved, ["SSPR004", "SSPR007"]);
    assert_eq!(d["new"]["summary"]["rulesSkipped"][0]["rule"], "SSPR004");
    assert_eq!(d["new"]["summary"]["rulesSkipped"][1]["rule"], "SSPR007");
    let (_, out, _) = run(&["diff", CONTOSO, &noreg]);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("note: SSPR004 sspr-insufficient-methods ran on the old snapshot only"),
        "{text}"
    );
    let (_, out, _) = run(&["diff", &noreg, CONTOSO, "--format", "markdown"]);
    let md = String::from_utf8(out).unwrap();
    assert!(md.contains("ran on the new snapshot only"), "{md}");
    let (_, out, _) = run(&["diff", CONTOSO, &noreg, "--format", "sarif"]);
    let sarif: Value = serde_json::from_slice(&out).unwrap();
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("skipped-in-new"), "{notes}");
    let (_, out, _) = run(&["diff", CONTOSO, &noreg, "--format", "html"]);
    let html = String::from_utf8(out).unwrap();
    assert!(html.contains("Rules that ran on one side only"));
}

fn validate_sarif(doc: &Value) {
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

/// A copy of the sample tenant in the repository's target directory (below the working
/// directory, so SARIF URIs are relative), changed as [`changed`] changes it.
fn changed_in_target() -> (tempfile::TempDir, String) {
    // `target/` is ignored by git, and may not exist with CARGO_TARGET_DIR set elsewhere.
    let target = root().join("target");
    std::fs::create_dir_all(&target).unwrap();
    let dir = tempfile::tempdir_in(target).unwrap();
    let abs = changed(dir.path());
    let rel = Path::new(&abs)
        .strip_prefix(root())
        .unwrap()
        .display()
        .to_string();
    (dir, rel)
}

#[test]
fn every_format_renders() {
    let (_dir, new) = changed_in_target();
    for format in ["text", "json", "markdown", "html", "csv", "sarif"] {
        let (code, out, err) = run(&["diff", CONTOSO, &new, "--format", format]);
        assert_eq!(code, Some(1), "{format}: {err}");
        assert!(err.is_empty(), "{format}: {err}");
        assert!(!out.is_empty(), "{format}");
        let text = String::from_utf8(out).unwrap_or_else(|e| panic!("{format}: {e}"));
        match format {
            "text" => {
                assert_eq!(text.lines().filter(|l| l.starts_with("+ ")).count(), 1);
                assert_eq!(text.lines().filter(|l| l.starts_with("- ")).count(), 1);
            }
            "json" => {
                let v: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["tool"]["name"], "tenantlint");
                // The top-level keys, in the order written.
                let keys: Vec<&str> = text
                    .lines()
                    .filter_map(|l| l.strip_prefix("  \""))
                    .filter_map(|l| l.split_once('"').map(|(k, _)| k))
                    .collect();
                assert_eq!(
                    keys,
                    [
                        "tool",
                        "old",
                        "new",
                        "introduced",
                        "resolved",
                        "unchanged",
                        "summary"
                    ]
                );
            }
            "markdown" => {
                assert!(text.contains("| Introduced | 1 | 0 | 0 | 1 |"), "{text}");
                assert!(text.contains("| Resolved | 1 | 0 | 0 | 1 |"), "{text}");
                assert!(text.contains("<details><summary><b>Introduced</b>: 1 finding"));
                assert!(text.contains("new#user\\@contoso.com"), "mentions escaped");
            }
            "html" => {
                assert!(text.starts_with("<!DOCTYPE html>"));
                assert!(text.contains("Content-Security-Policy"));
                assert!(!text.contains("<script"), "no script needed");
                assert!(text.contains("id=\"rule-UPN003\""), "rule links resolve");
                assert!(text.trim_end().ends_with("</html>"));
            }
            "csv" => {
                let body = text.strip_prefix('\u{feff}').expect("BOM");
                assert!(body.contains("\r\n"));
                let mut r = csv::Reader::from_reader(body.as_bytes());
                let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
                assert_eq!(
                    header,
                    [
                        "change",
                        "snapshot",
                        "rule",
                        "name",
                        "severity",
                        "object_type",
                        "object_id",
                        "object_name",
                        "message",
                        "related",
                        "fingerprint"
                    ]
                );
                let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
                assert_eq!(rows.len(), 2);
                assert_eq!(&rows[0][0], "introduced");
                assert_eq!(&rows[0][1], new.as_str());
                assert_eq!(&rows[0][2], "UPN003");
                assert_eq!(&rows[1][0], "resolved");
                assert_eq!(&rows[1][1], CONTOSO);
                assert_eq!(&rows[1][2], "LIC001");
            }
            "sarif" => {
                let v: Value = serde_json::from_str(&text).unwrap();
                validate_sarif(&v);
                let runs = v["runs"].as_array().unwrap();
                assert_eq!(runs.len(), 1);
                let results = runs[0]["results"].as_array().unwrap();
                assert_eq!(results.len(), 2);
                let uri = |r: &Value| {
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_owned()
                };
                assert_eq!(results[0]["ruleId"], "UPN003");
                assert_eq!(results[0]["baselineState"], "new");
                assert_eq!(uri(&results[0]), new);
                assert_eq!(results[1]["ruleId"], "LIC001");
                assert_eq!(results[1]["baselineState"], "absent");
                assert_eq!(uri(&results[1]), CONTOSO, "resolved: where it was");
                assert!(
                    results[1]["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64()
                );
                let total = check_json(&new)["findings"].as_array().unwrap().len();
                assert_eq!(runs[0]["properties"]["unchanged"], total - 1);
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn an_empty_diff_renders_in_every_format() {
    for format in ["text", "json", "markdown", "html", "csv", "sarif"] {
        let (code, out, err) = run(&["diff", CONTOSO, CONTOSO, "--format", format]);
        assert_eq!(code, Some(0), "{format}: {err}");
        if format == "sarif" {
            let v: Value = serde_json::from_slice(&out).unwrap();
            validate_sarif(&v);
            assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
        }
        if format == "csv" {
            let body = String::from_utf8(out).unwrap();
            let mut r = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
            assert_eq!(r.records().count(), 0);
        }
    }
}

/// Tenant text is data in every format: escaped in HTML and Markdown, kept from being a
/// formula in CSV, quoted in JSON and SARIF.
#[test]
fn hostile_tenant_text_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let upn = "=HYPERLINK(\"x\")#<script>alert(1)</script>|@admins@contoso.com";
    let new = variant(dir.path(), "hostile.json", |doc| {
        add_user(doc, NEW_ID, upn, "<img src=x onerror=alert(1)>");
    });
    let (_, d) = diff_json(CONTOSO, &new, &[]);
    assert!(rules(&d["introduced"]).contains(&"UPN003".to_owned()));
    let out = |format: &str| {
        let (code, out, err) = run(&["diff", CONTOSO, &new, "--format", format]);
        assert_eq!(code, Some(1), "{err}");
        String::from_utf8(out).unwrap()
    };
    let html = out("html");
    assert!(!html.contains("<script>alert"), "script tag in the page");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let md = out("markdown");
    assert!(!md.contains("<script>"));
    assert!(md.contains("&lt;script&gt;"));
    assert!(md.contains("\\|\\@admins"), "pipes and mentions escaped");
    let csv_text = out("csv");
    let mut r = csv::Reader::from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    let names: Vec<String> = r
        .records()
        .map(|row| row.unwrap()[7].to_owned())
        .filter(|n| n.contains("HYPERLINK"))
        .collect();
    assert!(!names.is_empty());
    assert!(names.iter().all(|n| n.starts_with('\'')), "{names:?}");
    validate_sarif(&serde_json::from_str(&out("sarif")).unwrap());
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let (_dir, new) = changed_in_target();
    for format in ["text", "json", "markdown", "html", "csv", "sarif"] {
        let outputs: Vec<Vec<u8>> = ["1", "2", "4"]
            .iter()
            .map(|t| run(&["diff", CONTOSO, &new, "--format", format, "--threads", t]).1)
            .collect();
        assert!(
            outputs.windows(2).all(|w| w[0] == w[1]),
            "{format} differs between thread counts"
        );
    }
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let out = dir.path().join("diff.json");
    let (code, stdout, err) = run(&[
        "diff",
        CONTOSO,
        &new,
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(stdout.is_empty(), "the report goes to the file only");
    let (_, d) = diff_json(CONTOSO, &new, &[]);
    let written: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written, d);
}

#[test]
fn a_missing_snapshot_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("diff.json");
    let missing = dir.path().join("missing.json").display().to_string();
    for (old, new) in [(CONTOSO, missing.as_str()), (missing.as_str(), CONTOSO)] {
        let (code, stdout, err) = run(&["diff", old, new, "-o", out.to_str().unwrap()]);
        assert_eq!(code, Some(2));
        assert!(stdout.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ") && err.contains("missing.json"),
            "{err}"
        );
        assert!(!out.exists(), "no output file on error");
    }
}

#[test]
fn the_output_is_never_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let before = std::fs::read(&new).unwrap();
    for (old, new_arg) in [(CONTOSO, new.as_str()), (new.as_str(), CONTOSO)] {
        let (code, stdout, err) = run(&["diff", old, new_arg, "--output", &new]);
        assert_eq!(code, Some(2), "{err}");
        assert!(stdout.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("never writes over its input"), "{err}");
    }
    assert_eq!(
        std::fs::read(&new).unwrap(),
        before,
        "the snapshot is untouched"
    );
    // A directory, or a file in a directory that does not exist, is refused before loading.
    let dir_arg = dir.path().display().to_string();
    let nowhere: PathBuf = dir.path().join("no/such/dir/diff.json");
    for out in [dir_arg.as_str(), nowhere.to_str().unwrap()] {
        let (code, _, err) = run(&["diff", CONTOSO, CONTOSO, "-o", out]);
        assert_eq!(code, Some(2), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn one_snapshot_may_come_from_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let new = changed(dir.path());
    let out = bin()
        .args(["diff", "-", &new, "--format", "json"])
        .write_stdin(std::fs::read(root().join(CONTOSO)).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["old"]["source"], "-");
    assert_eq!(rules(&d["introduced"]), ["UPN003"]);
    assert_eq!(rules(&d["resolved"]), ["LIC001"]);
    // Not both.
    let (code, _, err) = run(&["diff", "-", "-"]);
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["diff", CONTOSO][..],
        &["diff", CONTOSO, CONTOSO, "--format", "junit"],
        &["diff", CONTOSO, CONTOSO, "--select", "NOPE999"],
        &["diff", CONTOSO, CONTOSO, "--now", "yesterday"],
    ] {
        let (code, stdout, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(stdout.is_empty(), "{args:?}");
    }
}
