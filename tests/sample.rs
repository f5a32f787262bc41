//! The bundled sample tenants (`fixtures/tenants/`): their full JSON reports, reviewed by hand
//! (tests/snapshots/sample__*.snap), and together they make every registered rule fire.
//! `fixtures/tenants/README.md` lists which planted object triggers which rule.

mod common;

use assert_cmd::Command;
use common::*;
use std::collections::BTreeSet;
use tenantlint::rules::{Options, registry};

const TENANTS: [&str; 2] = ["contoso", "fabrikam"];

/// `tenantlint check --format json fixtures/tenants/<name>.json` run from the repository root
/// without `--now` (so "now" is the snapshot's exportedAt), and its exit code.
fn cli_report(name: &str) -> (serde_json::Value, i32) {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(root())
        .args(["check", "--format", "json", "--quiet"])
        .arg(format!("fixtures/tenants/{name}.json"))
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{name}: exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{name}: the report is not JSON: {e}"));
    // The snapshot reviews findings, not the crate version.
    report["tool"]["version"] = "[version]".into();
    (report, code)
}

#[test]
fn contoso_report() {
    let (report, code) = cli_report("contoso");
    assert_eq!(report["snapshot"]["nowSource"], "exportedAt");
    assert_eq!(report["summary"]["rulesSkipped"], serde_json::json!([]));
    assert_eq!(code, 1, "contoso has error findings: exit 1");
    insta::assert_json_snapshot!("contoso", report);
}

#[test]
fn fabrikam_report() {
    let (report, code) = cli_report("fabrikam");
    assert_eq!(report["snapshot"]["nowSource"], "exportedAt");
    assert_eq!(report["summary"]["rulesSkipped"], serde_json::json!([]));
    assert_eq!(
        code, 0,
        "fabrikam has only a warning and an info finding: exit 0"
    );
    insta::assert_json_snapshot!("fabrikam", report);
}

/// Every registered rule fires at least once across the sample tenants, so that the samples
/// demonstrate the whole catalog. A new rule needs a planted trigger here too.
#[test]
fn every_registered_rule_fires_in_the_samples() {
    let mut fired = BTreeSet::new();
    for name in TENANTS {
        let t = load(&fixture(&format!("tenants/{name}.json")));
        let result = run_rules(&t, registry(), &Options::default());
        assert!(
            result.skipped.is_empty(),
            "{name}: rules skipped: {:?}",
            result.skipped
        );
        fired.extend(result.findings.iter().map(|f| f.rule.code));
    }
    let missing: Vec<&str> = registry()
        .iter()
        .map(|r| r.meta().code)
        .filter(|c| !fired.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "rules that fire in no sample tenant (plant a trigger in fixtures/tenants/ and list it in its README.md): {missing:?}"
    );
}
