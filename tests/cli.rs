//! The command line, against the built binary: exit codes, formats, output file, rule
//! selection, `rules`, `explain`, colour, broken pipes, the JSON report's shape, determinism.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use tenantlint::rules::{Severity, registry};

const FAIL: &str = "fixtures/LIC001/fail.json";
const PASS: &str = "fixtures/LIC001/pass.json";

/// The binary, run from the repository root so that fixture paths are short and stable.
fn bin() -> Command {
    let mut c = Command::cargo_bin("tenantlint").unwrap();
    c.current_dir(root()).env_remove("NO_COLOR");
    c
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_of(args: &[&str]) -> Value {
    let (code, out, err) = run(args);
    assert!(matches!(code, Some(0 | 1)), "{args:?}: {code:?} {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(k: &[&'a str]) -> BTreeSet<&'a str> {
    k.iter().copied().collect()
}

fn codes(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// A generated tenant: `n` licensed users, every third without a usage location, in a mixed
/// id order; `reverse` lists the same users backwards.
fn big_tenant(n: usize, reverse: bool) -> String {
    let mut users: Vec<Value> = (0..n)
        .map(|i| {
            let id = format!("{:08x}-0000-4000-8000-{:012x}", (i * 7919) % 100_003, i);
            let mut u = json!({
                "id": id,
                "userPrincipalName": format!("user{i}@contoso.com"),
                "displayName": format!("User {i}"),
                "assignedLicenses": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "disabledPlans": []}],
                "usageLocation": "NL"
            });
            if i % 3 == 0 {
                u["usageLocation"] = Value::Null;
            }
            u
        })
        .collect();
    if reverse {
        users.reverse();
    }
    json!({"exportedAt": "2026-11-20T08:00:00Z", "tenant": {"id": "t", "displayName": "Big"}, "users": users})
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Exit codes

#[test]
fn exit_codes_follow_fail_on() {
    // fail.json has errors; pass.json has no finding.
    for (fail_on, with_errors) in [("error", 1), ("warning", 1), ("info", 1), ("never", 0)] {
        let (code, _, err) = run(&["check", FAIL, "--fail-on", fail_on]);
        assert_eq!(code, Some(with_errors), "--fail-on {fail_on}: {err}");
        let (code, _, _) = run(&["check", PASS, "--select", "LIC001", "--fail-on", fail_on]);
        assert_eq!(code, Some(0), "--fail-on {fail_on} on a clean snapshot");
    }
    // The default is --fail-on error.
    assert_eq!(run(&["check", FAIL]).0, Some(1));
    // A bad --fail-on value is a usage error.
    assert_eq!(run(&["check", FAIL, "--fail-on", "fatal"]).0, Some(2));
    // With several snapshots, the worst finding of all counts.
    assert_eq!(run(&["check", PASS, FAIL, "--select", "LIC001"]).0, Some(1));
}

/// For every registered rule, the exit code on its fail fixture matches the worst severity it
/// reports, at every threshold (covers warning- and info-level rules as they are added).
#[test]
fn exit_codes_match_the_worst_severity_of_every_rule() {
    for r in registry() {
        let code = r.meta().code;
        let fixture = format!("fixtures/{code}/fail.json");
        let report = json_of(&[
            "check",
            &fixture,
            "--select",
            code,
            "--format",
            "json",
            "--fail-on",
            "never",
        ]);
        let worst = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| match f["severity"].as_str().unwrap() {
                "error" => Severity::Error,
                "warning" => Severity::Warning,
                "info" => Severity::Info,
                s => panic!("{code}: severity {s}"),
            })
            .max()
            .unwrap_or_else(|| panic!("{code}: no finding"));
        for (fail_on, threshold) in [
            ("error", Severity::Error),
            ("warning", Severity::Warning),
            ("info", Severity::Info),
        ] {
            let want = if worst >= threshold { 1 } else { 0 };
            let (got, _, err) = run(&["check", &fixture, "--select", code, "--fail-on", fail_on]);
            assert_eq!(got, Some(want), "{code} --fail-on {fail_on}: {err}");
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check", FAIL, "--now", "yesterday"][..],
        &["check", FAIL, "--now", "2026-02-30T00:00:00Z"],
        &["check", FAIL, "--select", "NOPE001"],
        &["check", FAIL, "--ignore", "no-such-rule"],
        &["check", FAIL, "--threads", "0"],
        &["check", FAIL, "--option", "no-such-option=1"],
        &["check", FAIL, "--format", "xml"],
        &["check", FAIL, "--bogus"],
        &["check"],
        &["frobnicate"],
        &["explain", "LIC01"],
    ] {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?} wrote to stdout: {out}");
        assert!(!err.is_empty(), "{args:?}: no message");
    }
    let (_, _, err) = run(&["check", FAIL, "--now", "yesterday"]);
    assert_eq!(
        err,
        "error: --now `yesterday` is not an RFC 3339 timestamp (e.g. 2026-11-20T08:00:00Z)\n"
    );
    // --help and --version are not errors.
    assert_eq!(run(&["--help"]).0, Some(0));
    assert_eq!(run(&["check", "--help"]).0, Some(0));
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert_eq!(out, format!("tenantlint {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn input_errors_exit_2() {
    let (code, out, err) = run(&["check", "fixtures/does-not-exist.json"]);
    assert_eq!(code, Some(2));
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: fixtures/does-not-exist.json: cannot read: "),
        "{err}"
    );
    // --fail-on never does not hide an input error.
    assert_eq!(
        run(&[
            "check",
            "fixtures/does-not-exist.json",
            "--fail-on",
            "never"
        ])
        .0,
        Some(2)
    );
}

// ---------------------------------------------------------------------------------------------
// Formats and output

#[test]
fn text_format() {
    let (code, out, err) = run(&["check", FAIL, "--select", "LIC001"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.is_empty(), "{err}");
    let help = "help: Set the user's usage location to the country where they use the services (for example `Update-MgUser -UserId <id> -UsageLocation NL`), or set `usageLocation` in the source directory before sync.";
    let want = format!(
        "error[LIC001] missing-usage-location
  --> user AlexW@contoso.com (5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b)
  user has 1 license assigned but no usage location
  {help}

error[LIC001] missing-usage-location
  --> user MeganB@contoso.com (6e7b768e-07e2-4810-8459-485f84f8f204)
  user has 1 license assigned but no usage location
  {help}

error[LIC001] missing-usage-location
  --> user AdeleV@contoso.com (87d349ed-44d7-43e1-9a83-5f2406dee5bd)
  user has 2 licenses assigned but no usage location
  {help}

fixtures/LIC001/fail.json, exported 2026-11-20T08:00:00Z
3 findings: 3 errors, 0 warnings, 0 info; 1 rule run, 0 skipped
"
    );
    assert_eq!(out, want);
    // `--format text` is the default.
    assert_eq!(
        run(&["check", FAIL, "--select", "LIC001", "--format", "text"]).1,
        want
    );
}

#[test]
fn text_format_lists_skipped_rules_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.json");
    std::fs::write(
        &p,
        r#"{"users": [{"id": "6e7b768e-07e2-4810-8459-485f84f8f204"}]}"#,
    )
    .unwrap();
    let (code, out, _) = run(&["check", p.to_str().unwrap(), "--select", "LIC001"]);
    assert_eq!(code, Some(0));
    assert!(out.ends_with(
        "0 findings: 0 errors, 0 warnings, 0 info; 0 rules run, 1 skipped
  skipped LIC001 missing-usage-location: no object in users has `assignedLicenses` (add it to the export's $select)
"
    ), "{out}");
}

/// The JSON report has exactly the shape of SNAPSHOT.md.
#[test]
fn json_report_shape() {
    let r = json_of(&["check", FAIL, "--format", "json", "--select", "LIC001"]);
    assert_eq!(keys(&r), set(&["tool", "snapshot", "summary", "findings"]));
    assert_eq!(
        r["tool"],
        json!({"name": "tenantlint", "version": env!("CARGO_PKG_VERSION")})
    );
    let s = &r["snapshot"];
    assert_eq!(
        keys(s),
        set(&["source", "exportedAt", "now", "nowSource", "counts"])
    );
    assert_eq!(s["source"], FAIL);
    assert_eq!(s["exportedAt"], "2026-11-20T08:00:00Z");
    assert_eq!(s["now"], "2026-11-20T08:00:00Z");
    assert_eq!(s["nowSource"], "exportedAt");
    assert_eq!(
        s["counts"],
        json!({"users": 4, "groups": 0, "contacts": 0, "subscribedSkus": 0, "domains": 0,
               "directoryRoles": 0, "roleAssignments": 0, "applications": 0,
               "servicePrincipals": 0, "userRegistrationDetails": 0})
    );
    assert_eq!(
        r["summary"],
        json!({"error": 3, "warning": 0, "info": 0, "rulesRun": 1, "rulesSkipped": []})
    );
    let findings = r["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3);
    let f = &findings[0];
    assert_eq!(
        keys(f),
        set(&[
            "rule",
            "name",
            "severity",
            "message",
            "object",
            "related",
            "fingerprint",
            "help"
        ])
    );
    assert_eq!(f["rule"], "LIC001");
    assert_eq!(f["name"], "missing-usage-location");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        f["message"],
        "user has 1 license assigned but no usage location"
    );
    assert_eq!(
        f["object"],
        json!({"type": "user", "id": "5f2b6c1e-2d3a-4f4e-8a9b-1c2d3e4f5a6b", "name": "AlexW@contoso.com"})
    );
    assert_eq!(f["related"], json!([]));
    let fp = f["fingerprint"].as_str().unwrap();
    assert!(
        fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
        "{fp}"
    );
    assert!(
        f["help"]
            .as_str()
            .unwrap()
            .starts_with("Set the user's usage location")
    );
    // Fingerprints are distinct per finding and stable across runs.
    let fps: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fps.len(), 3);
    let again = json_of(&["check", FAIL, "--format", "json", "--select", "LIC001"]);
    assert_eq!(again, r);
}

#[test]
fn json_report_skipped_rules_and_now_sources() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.json");
    std::fs::write(&p, r#"{"users": []}"#).unwrap();
    let p = p.to_str().unwrap();
    let r = json_of(&["check", p, "--format", "json"]);
    assert_eq!(r["snapshot"]["exportedAt"], Value::Null);
    assert_eq!(r["snapshot"]["nowSource"], "clock");
    let skipped = r["summary"]["rulesSkipped"].as_array().unwrap();
    let lic = skipped.iter().find(|s| s["rule"] == "LIC001").unwrap();
    assert_eq!(keys(lic), set(&["rule", "reason"]));
    assert!(lic["reason"].as_str().unwrap().contains("assignedLicenses"));
    // Skipped rules are listed in code order.
    let order: Vec<&str> = skipped
        .iter()
        .map(|s| s["rule"].as_str().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    let n = registry().len() as u64;
    assert_eq!(
        r["summary"]["rulesRun"].as_u64().unwrap() + skipped.len() as u64,
        n
    );

    let r = json_of(&[
        "check",
        FAIL,
        "--format",
        "json",
        "--now",
        "2027-01-01T12:00:00+01:00",
    ]);
    assert_eq!(r["snapshot"]["now"], "2027-01-01T11:00:00Z");
    assert_eq!(r["snapshot"]["nowSource"], "option");
    assert_eq!(r["snapshot"]["exportedAt"], "2026-11-20T08:00:00Z");
}

#[test]
fn output_file_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let out = dir.path().join(format!("report.{format}"));
        let (code, stdout, _) = run(&[
            "check",
            FAIL,
            "--format",
            format,
            "--output",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, Some(1));
        assert!(stdout.is_empty(), "{stdout}");
        let (_, direct, _) = run(&["check", FAIL, "--format", format]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), direct);
    }
    // An existing file is replaced.
    let out = dir.path().join("report.json");
    std::fs::write(&out, "old").unwrap();
    let (code, _, _) = run(&[
        "check",
        PASS,
        "--select",
        "LIC001",
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["findings"], json!([]));
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn no_output_file_on_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"users\": [").unwrap();
    let bad = bad.to_str().unwrap();
    // Not created...
    let out = dir.path().join("new.json");
    let (code, _, err) = run(&["check", bad, "--output", out.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!out.exists());
    // ...and an existing one not truncated, even when an earlier snapshot of the run was fine.
    let out = dir.path().join("old.json");
    std::fs::write(&out, "previous report").unwrap();
    let (code, _, _) = run(&[
        "check",
        FAIL,
        bad,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous report");
    // Usage errors do not touch it either.
    let (code, _, _) = run(&[
        "check",
        FAIL,
        "--now",
        "x",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous report");
    // Nothing else was left in the directory.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.json", "old.json"]);
}

#[test]
fn unwritable_output_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no/such/dir/report.json");
    let (code, stdout, err) = run(&["check", FAIL, "--output", out.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert_eq!(
        err.trim_end(),
        format!(
            "error: --output {}: the directory {} does not exist",
            out.display(),
            out.parent().unwrap().display()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Rule selection

#[test]
fn select_and_ignore_by_code_name_and_prefix() {
    let all = json_of(&["check", FAIL, "--format", "json"]);
    assert!(codes(&all).contains("LIC001"));
    for sel in [
        "LIC001",
        "lic001",
        "missing-usage-location",
        "LIC",
        "lic",
        "L",
    ] {
        let r = json_of(&["check", FAIL, "--format", "json", "--select", sel]);
        assert!(codes(&r).contains("LIC001"), "--select {sel}");
        assert!(
            codes(&r).iter().all(|c| c.starts_with("LIC")),
            "--select {sel}"
        );
    }
    let only = json_of(&["check", FAIL, "--format", "json", "--select", "LIC001"]);
    assert_eq!(codes(&only), BTreeSet::from(["LIC001".to_owned()]));
    assert_eq!(only["summary"]["rulesRun"], 1);
    for ign in ["LIC001", "missing-usage-location", "LIC"] {
        let r = json_of(&["check", FAIL, "--format", "json", "--ignore", ign]);
        assert!(!codes(&r).contains("LIC001"), "--ignore {ign}");
        let skipped = r["summary"]["rulesSkipped"].as_array().unwrap();
        assert!(
            skipped.iter().all(|s| s["rule"] != "LIC001"),
            "ignored is not skipped"
        );
    }
    // Comma-separated lists and repeated flags; --ignore wins over --select.
    let r = json_of(&[
        "check",
        FAIL,
        "--format",
        "json",
        "--select",
        "LIC,missing-usage-location",
        "--ignore",
        "LIC001",
    ]);
    assert_eq!(r["summary"]["rulesRun"], 0);
    assert_eq!(r["findings"], json!([]));
    // A selector that matches nothing is a usage error, named in the message.
    let (code, _, err) = run(&["check", FAIL, "--select", "LIC001,missing-usage-locaton"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: `missing-usage-locaton` matches no rule code, name or code prefix (see `tenantlint rules`)\n"
    );
}

// ---------------------------------------------------------------------------------------------
// rules and explain

#[test]
fn rules_lists_every_rule() {
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, Some(0));
    let mut lines = out.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("CODE")
            && header.contains("NAME")
            && header.contains("SEVERITY")
            && header.ends_with("SUMMARY")
    );
    let body: Vec<&str> = lines.collect();
    assert_eq!(body.len(), registry().len());
    for (line, r) in body.iter().zip(registry()) {
        let m = r.meta();
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            &words[..3],
            [m.code, m.name, m.default_severity().as_str()],
            "{line}"
        );
        assert!(line.ends_with(m.summary), "{line}");
    }
    assert!(out.contains("LIC001   missing-usage-location"));

    let (code, out, _) = run(&["rules", "--format", "json"]);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), registry().len());
    for (item, r) in list.iter().zip(registry()) {
        let m = r.meta();
        assert_eq!(
            keys(item),
            set(&[
                "code",
                "name",
                "category",
                "defaultSeverity",
                "options",
                "summary",
                "reads"
            ])
        );
        assert_eq!(item["code"], m.code);
        assert_eq!(item["name"], m.name);
        assert_eq!(item["category"], m.category.as_str());
        assert_eq!(item["defaultSeverity"], m.default_severity().as_str());
        assert_eq!(item["summary"], m.summary);
        let opts = item["options"].as_array().unwrap();
        assert_eq!(opts.len(), m.options.len());
        for o in opts {
            assert_eq!(keys(o), set(&["name", "default", "doc"]));
        }
    }
    let lic = list.iter().find(|i| i["code"] == "LIC001").unwrap();
    assert_eq!(
        *lic,
        json!({"code": "LIC001", "name": "missing-usage-location", "category": "breakage",
               "defaultSeverity": "error", "options": [], "summary": "licensed user without a usage location",
               "reads": {"users": ["assignedLicenses", "usageLocation"]}})
    );
}

#[test]
fn explain_by_code_and_by_name() {
    let (code, by_code, _) = run(&["explain", "LIC001"]);
    assert_eq!(code, Some(0));
    assert!(
        by_code.starts_with("# LIC001 missing-usage-location\n"),
        "{by_code}"
    );
    assert!(by_code.contains("\n## How to fix\n"));
    assert!(
        by_code.ends_with("\nDefault severity: error (category breakage).\n"),
        "{by_code}"
    );
    let (code, by_name, _) = run(&["explain", "missing-usage-location"]);
    assert_eq!(code, Some(0));
    assert_eq!(by_name, by_code);
    // Case does not matter for codes.
    assert_eq!(run(&["explain", "lic001"]).1, by_code);
    // Every rule can be explained.
    for r in registry() {
        let (code, out, _) = run(&["explain", r.meta().code]);
        assert_eq!(code, Some(0));
        assert!(out.starts_with(&format!("# {} {}\n", r.meta().code, r.meta().name)));
    }
}

#[test]
fn explain_suggests_the_closest_match() {
    for (typo, want) in [
        ("LIC01", "LIC001"),
        ("LIC0001", "LIC001"),
        ("missing-usage-locaton", "missing-usage-location"),
        ("Missing-Usage-Locatoin", "missing-usage-location"),
    ] {
        let (code, out, err) = run(&["explain", typo]);
        assert_eq!(code, Some(2), "{typo}");
        assert!(out.is_empty());
        assert_eq!(
            err,
            format!("error: no rule `{typo}`; did you mean `{want}`?\n")
        );
    }
    let (code, _, err) = run(&["explain", "zzz"]);
    assert_eq!(code, Some(2));
    assert_eq!(err, "error: no rule `zzz`\n");
}

// ---------------------------------------------------------------------------------------------
// Colour, pipes, determinism

#[test]
fn no_ansi_escapes_off_a_terminal() {
    for env in [None, Some("1")] {
        for args in [
            &["check", FAIL][..],
            &["check", FAIL, "--format", "json"],
            &["rules"],
            &["explain", "LIC001"],
        ] {
            let mut c = bin();
            if let Some(v) = env {
                c.env("NO_COLOR", v);
            }
            let out = c.args(args).output().unwrap();
            assert!(!out.stdout.contains(&0x1b), "{args:?} NO_COLOR={env:?}");
            assert!(!out.stderr.contains(&0x1b), "{args:?} NO_COLOR={env:?}");
        }
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.json");
    // About 2 MB of report: far more than a pipe buffer, so the writer must hit the closed pipe.
    std::fs::write(&p, big_tenant(6000, false)).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tenantlint"))
        .args(["check", p.to_str().unwrap(), "--format", "text"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "stderr: {err}");
    // The findings still decide the exit code; no panic (101), no error (2).
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.json");
    std::fs::write(&p, big_tenant(5000, false)).unwrap();
    let p = p.to_str().unwrap();
    for format in ["json", "text"] {
        let default = bin()
            .args(["check", p, "--format", format])
            .output()
            .unwrap();
        let one = bin()
            .args(["check", p, "--format", format])
            .env("RAYON_NUM_THREADS", "1")
            .output()
            .unwrap();
        let flag = bin()
            .args(["check", p, "--format", format, "--threads", "1"])
            .output()
            .unwrap();
        let many = bin()
            .args(["check", p, "--format", format])
            .env("RAYON_NUM_THREADS", "7")
            .output()
            .unwrap();
        assert_eq!(default.status.code(), Some(1));
        for other in [&one, &flag, &many] {
            assert_eq!(other.status.code(), default.status.code());
            assert!(
                other.stdout == default.stdout,
                "{format}: output differs by thread count"
            );
        }
    }
}

#[test]
fn output_is_the_same_whatever_the_input_order() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(a.join("tenant.json"), big_tenant(3000, false)).unwrap();
    std::fs::write(b.join("tenant.json"), big_tenant(3000, true)).unwrap();
    for format in ["json", "text"] {
        let out = |d: &Path| {
            let mut c = Command::cargo_bin("tenantlint").unwrap();
            c.current_dir(d)
                .args(["check", "tenant.json", "--format", format]);
            c.output().unwrap()
        };
        let (fwd, rev) = (out(&a), out(&b));
        assert_eq!(fwd.status.code(), Some(1));
        assert!(
            fwd.stdout == rev.stdout,
            "{format}: output depends on the users' order"
        );
        if format == "json" {
            let v: Value = serde_json::from_slice(&fwd.stdout).unwrap();
            let lic = v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["rule"] == "LIC001");
            assert_eq!(lic.count(), 1000);
        }
    }
    // The small fixture too, with its users array reversed.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FAIL)).unwrap()).unwrap();
    doc["users"].as_array_mut().unwrap().reverse();
    let c = dir.path().join("c");
    std::fs::create_dir_all(c.join("fixtures/LIC001")).unwrap();
    std::fs::write(c.join(FAIL), doc.to_string()).unwrap();
    let mut cmd = Command::cargo_bin("tenantlint").unwrap();
    let rev = cmd
        .current_dir(&c)
        .args(["check", FAIL, "--format", "json"])
        .output()
        .unwrap();
    let fwd = bin()
        .args(["check", FAIL, "--format", "json"])
        .output()
        .unwrap();
    assert!(fwd.stdout == rev.stdout);
}

#[test]
fn unknown_files_in_a_snapshot_directory_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.json"), "[]").unwrap();
    std::fs::write(dir.path().join("user.json"), "[]").unwrap();
    let d = dir.path().display().to_string();
    let (code, _, err) = run(&["check", &d]);
    assert_eq!(code, Some(0));
    assert!(
        err.contains("warning: ignored") && err.contains("user.json: not a snapshot file"),
        "{err}"
    );
    let (_, _, err) = run(&["check", "--quiet", &d]);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn report_writes_several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).display().to_string();
    let (json, csv, text) = (p("r.json"), p("r.csv"), p("r.txt"));
    let (code, out, err) = run(&[
        "check",
        "fixtures/tenants/contoso.json",
        "--quiet",
        "--report",
        &format!("json={json}"),
        "--report",
        &format!("CSV={csv}"),
        "--output",
        &text,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty(), "--output takes the stdout report: {out}");
    // Each file is the report its format gives on standard output.
    let alone = |f: &str| run(&["check", "fixtures/tenants/contoso.json", "--format", f]).1;
    assert_eq!(std::fs::read_to_string(&json).unwrap(), alone("json"));
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), alone("csv"));
    assert_eq!(std::fs::read_to_string(&text).unwrap(), alone("text"));
    // Without --output, standard output still gets the --format report.
    let (code, out, _) = run(&[
        "check",
        "fixtures/tenants/contoso.json",
        "--format",
        "json",
        "--report",
        &format!("csv={csv}"),
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(out, alone("json"));
}

#[test]
fn report_arguments_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.csv").display().to_string();
    let d = dir.path().display().to_string();
    let cases: [(Vec<String>, String); 5] = [
        (
            vec!["csv".into()],
            "error: --report csv: expected FORMAT=FILE, e.g. csv=findings.csv".into(),
        ),
        (
            vec![format!("xml={f}")],
            format!(
                "error: --report xml={f}: unknown format `xml` (expected one of {})",
                tenantlint::report::Format::ALL.map(|f| f.name()).join(", ")
            ),
        ),
        (
            vec!["csv=".into()],
            "error: --report csv=: no file name after `=`".into(),
        ),
        (
            vec![format!("csv={d}")],
            format!("error: --report csv={d} is a directory: give the report's file name"),
        ),
        (
            vec![format!("csv={f}"), format!("json={f}")],
            format!("error: --report json={f}: --report csv={f} writes that file already"),
        ),
    ];
    for (reports, want) in cases {
        let mut args = vec!["check".to_owned(), "fixtures/tenants/contoso.json".into()];
        for r in &reports {
            args.push("--report".into());
            args.push(r.clone());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args);
        assert_eq!(code, Some(2), "{reports:?}");
        assert!(out.is_empty());
        assert_eq!(err.trim_end(), want);
    }
    assert!(!Path::new(&f).exists());
    // Never onto the input.
    let (code, _, err) = run(&[
        "check",
        "fixtures/tenants/contoso.json",
        "--report",
        "csv=fixtures/tenants/contoso.json",
    ]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("tenantlint never writes over its input"),
        "{err}"
    );
}

#[test]
fn no_report_file_on_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"users\": [").unwrap();
    let old = dir.path().join("old.csv");
    std::fs::write(&old, "previous report").unwrap();
    let new = dir.path().join("new.json");
    let (code, _, _) = run(&[
        "check",
        bad.to_str().unwrap(),
        "--report",
        &format!("csv={}", old.display()),
        "--report",
        &format!("json={}", new.display()),
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(std::fs::read_to_string(&old).unwrap(), "previous report");
    assert!(!new.exists());
}

#[test]
fn csv_report_reads_back_one_row_per_finding() {
    let (_, out, _) = run(&["check", "fixtures/tenants/contoso.json", "--format", "csv"]);
    let body = out
        .strip_prefix('\u{feff}')
        .expect("UTF-8 byte order mark for Excel");
    assert!(body.contains("\r\n"), "CRLF row ends (RFC 4180)");
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "snapshot",
            "rule",
            "name",
            "severity",
            "object_type",
            "object_id",
            "object_name",
            "message",
            "related",
            "fingerprint",
            "exemption"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let json = json_of(&["check", "fixtures/tenants/contoso.json", "--format", "json"]);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(rows.len(), findings.len());
    for (row, f) in rows.iter().zip(findings) {
        assert_eq!(&row[0], "fixtures/tenants/contoso.json");
        assert_eq!(&row[1], f["rule"].as_str().unwrap());
        assert_eq!(&row[3], f["severity"].as_str().unwrap());
        assert_eq!(&row[5], f["object"]["id"].as_str().unwrap());
        assert_eq!(&row[7], f["message"].as_str().unwrap());
        assert_eq!(&row[9], f["fingerprint"].as_str().unwrap());
        assert_eq!(&row[10], "", "no exemptions: no exempted rows");
        assert_eq!(
            row[8].split("; ").filter(|s| !s.is_empty()).count(),
            f["related"].as_array().unwrap().len()
        );
    }
}

#[test]
fn csv_cells_never_start_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("s.json");
    // A licensed user without a usage location (LIC001) whose display name is a formula.
    let doc = json!({
        "users": [{
            "id": "6e7b768e-07e2-4810-8459-485f84f8f204",
            "userPrincipalName": "=cmd@contoso.com",
            "displayName": "=HYPERLINK(\"http://x\")",
            "accountEnabled": true,
            "usageLocation": null,
            "assignedLicenses": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "disabledPlans": []}]
        }]
    });
    std::fs::write(&snap, doc.to_string()).unwrap();
    let (_, out, err) = run(&[
        "check",
        snap.to_str().unwrap(),
        "--format",
        "csv",
        "--select",
        "LIC001",
    ]);
    let body = out.strip_prefix('\u{feff}').unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(body.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1, "{out}{err}");
    assert_eq!(&rows[0][6], "'=cmd@contoso.com");
    for cell in rows[0].iter() {
        assert!(!cell.starts_with(['=', '+', '-', '@']), "{cell}");
    }
}

#[test]
fn junit_report_has_a_suite_per_rule_and_a_case_per_finding() {
    // The sample has no skipped rule; the Export-Entra tree has ten.
    for snap in [
        "fixtures/tenants/contoso.json",
        "fixtures/snapshots/entra-exporter-ps5",
    ] {
        junit_matches_json(snap);
    }
}

fn junit_matches_json(snap: &str) {
    let (_, xml, _) = run(&[
        "check",
        snap,
        "--format",
        "junit",
        "--now",
        "2026-11-20T08:00:00Z",
    ]);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let json = json_of(&[
        "check",
        snap,
        "--format",
        "json",
        "--now",
        "2026-11-20T08:00:00Z",
    ]);
    let findings = json["findings"].as_array().unwrap();
    let skipped = json["summary"]["rulesSkipped"].as_array().unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(
        suites.len(),
        registry().len(),
        "one suite per rule, run or skipped"
    );
    let mut failures = 0;
    for s in &suites {
        let name = s.attribute("name").unwrap();
        let code = name.split(' ').next().unwrap();
        let mine: Vec<_> = findings.iter().filter(|f| f["rule"] == code).collect();
        let cases: Vec<_> = s
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let is_skipped = skipped.iter().any(|k| k["rule"] == code);
        if is_skipped {
            assert_eq!(cases.len(), 1);
            assert!(
                cases[0].children().any(|n| n.has_tag_name("skipped")),
                "{name}"
            );
        } else if mine.is_empty() {
            assert_eq!(cases.len(), 1);
            assert!(
                cases[0].children().all(|n| !n.is_element()),
                "{name} passes"
            );
        } else {
            assert_eq!(cases.len(), mine.len(), "{name}");
            for (c, f) in cases.iter().zip(&mine) {
                let fail = c.children().find(|n| n.has_tag_name("failure")).unwrap();
                assert_eq!(fail.attribute("message"), f["message"].as_str());
                assert_eq!(fail.attribute("type"), f["severity"].as_str());
                assert_eq!(c.attribute("classname"), Some(snap));
                assert!(
                    c.attribute("name")
                        .unwrap()
                        .contains(f["object"]["id"].as_str().unwrap())
                );
                failures += 1;
            }
        }
    }
    assert_eq!(failures, findings.len());
    assert_eq!(
        root.attribute("failures"),
        Some(findings.len().to_string().as_str())
    );
}

/// `n` licensed users without a usage location (LIC001 each), display names as given.
fn lic001_tenant(dir: &Path, names: &[String]) -> String {
    let users: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({
                "id": format!("00000000-0000-4000-8000-{i:012}"),
                "userPrincipalName": format!("u{i}@contoso.com"),
                "displayName": n,
                "accountEnabled": true,
                "usageLocation": null,
                "assignedLicenses": [{"skuId": "c7df2760-2c81-4ef7-b578-5b5392b571df", "disabledPlans": []}]
            })
        })
        .collect();
    let p = dir.join("t.json");
    std::fs::write(&p, json!({ "users": users }).to_string()).unwrap();
    p.display().to_string()
}

#[test]
fn markdown_report_counts_and_escapes() {
    let (_, md, _) = run(&[
        "check",
        "fixtures/tenants/contoso.json",
        "--format",
        "markdown",
    ]);
    let json = json_of(&["check", "fixtures/tenants/contoso.json", "--format", "json"]);
    let n = json["findings"].as_array().unwrap().len();
    assert!(md.contains(&format!("**{n} findings**")), "{md}");
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    // Each finding is one table row inside its rule's block.
    let rows = md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("(`"))
        .count();
    assert_eq!(rows, n);

    let dir = tempfile::tempdir().unwrap();
    let snap = lic001_tenant(dir.path(), &["a | b <script>x</script> @admins *c*".into()]);
    let (_, md, _) = run(&["check", &snap, "--format", "markdown", "--select", "LIC001"]);
    let row = md.lines().find(|l| l.starts_with("| user")).unwrap();
    assert_eq!(
        row.matches(" | ").count(),
        1,
        "a name cannot add a cell: {row}"
    );
    assert!(!md.contains("<script>") && !md.contains(" @admins"), "{md}");
}

#[test]
fn markdown_report_stays_under_githubs_limit() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..20_000)
        .map(|i| format!("User {i} {}", "x".repeat(40)))
        .collect();
    let snap = lic001_tenant(dir.path(), &names);
    let (_, md, _) = run(&["check", &snap, "--format", "markdown", "--select", "LIC001"]);
    assert!(md.len() < 1 << 20, "{} bytes", md.len());
    assert!(md.contains("**20000 findings**"));
    let shown = md.lines().filter(|l| l.starts_with("| user")).count();
    assert!(shown > 1000 && shown < 20_000, "{shown}");
    assert!(
        md.contains(&format!("*{} of 20000 not shown", 20_000 - shown)),
        "{}",
        &md[md.len() - 400..]
    );
}

/// Reports are created as any file is (0666 less the umask), not 0600 as temporary files are.
#[cfg(target_os = "linux")]
#[test]
fn report_files_are_readable_as_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .map(|m| u32::from_str_radix(m.trim(), 8).unwrap())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (out, csv) = (dir.path().join("r.txt"), dir.path().join("r.csv"));
    run(&[
        "check",
        FAIL,
        "-o",
        out.to_str().unwrap(),
        "--report",
        &format!("csv={}", csv.display()),
    ]);
    for p in [out, csv] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask, "{}", p.display());
    }
}

#[test]
fn every_new_format_says_per_snapshot_what_it_found() {
    let a = "fixtures/tenants/contoso.json";
    let b = "fixtures/snapshots/single.json";
    let out = |f: &str| run(&["check", a, b, "--format", f]).1;
    let csv = out("csv");
    let mut r = csv::Reader::from_reader(csv.strip_prefix('\u{feff}').unwrap().as_bytes());
    let sources: BTreeSet<String> = r.records().map(|x| x.unwrap()[0].to_owned()).collect();
    assert_eq!(sources, BTreeSet::from([a.to_owned(), b.to_owned()]));
    let junit = out("junit");
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let suites: Vec<&str> = doc
        .root_element()
        .children()
        .filter_map(|n| n.attribute("name"))
        .collect();
    assert_eq!(suites.len(), 2 * registry().len());
    assert!(suites.contains(&format!("LIC001 missing-usage-location ({a})").as_str()));
    assert!(suites.contains(&format!("LIC001 missing-usage-location ({b})").as_str()));
    let md = out("markdown");
    assert_eq!(md.matches("## tenantlint: ").count(), 2);
    assert!(md.contains(&format!("`{a}`")) && md.contains(&format!("`{b}`")));
}
