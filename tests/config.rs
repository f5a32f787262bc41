//! `tenantlint.toml`, exemptions and baselines, end to end through the binary: a config found
//! in the working directory or a parent and overridden by flags, severities by code and by
//! name, options, exemptions applied / expired / stale, errors that name the place, and
//! baselines that hold under shuffling, whitespace, threads and additions.

mod common;

use assert_cmd::Command;
use common::root;
use serde_json::{Value, json};
use std::path::Path;
use tenantlint::rules::registry;

/// Runs the binary in `dir`; (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json_in(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let (code, out, err) = run_in(dir, args);
    assert!(matches!(code, Some(0 | 1)), "{args:?}: {code:?} {err}");
    (code, serde_json::from_str(&out).unwrap())
}

/// A git-like work tree holding the sample tenant and `config` as tenantlint.toml.
fn tree(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    std::fs::copy(
        root().join("fixtures/tenants/contoso.json"),
        d.path().join("contoso.json"),
    )
    .unwrap();
    if !config.is_empty() {
        std::fs::write(d.path().join("tenantlint.toml"), config).unwrap();
    }
    d
}

fn rules_of(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn count(report: &Value, rule: &str) -> usize {
    rules_of(report, "findings")
        .iter()
        .filter(|r| *r == rule)
        .count()
}

#[test]
fn config_is_found_up_to_the_git_root_and_flags_override_it() {
    let plain = tree("");
    let (_, base) = json_in(plain.path(), &["check", "contoso.json", "--format", "json"]);
    assert!(count(&base, "LIC006") > 0 && count(&base, "SSPR002") > 0);

    let d = tree("fail-on = \"never\"\nignore = [\"LIC\"]\n");
    let sub = d.path().join("snapshots/2026");
    std::fs::create_dir_all(&sub).unwrap();
    // From a subfolder: the root's file applies.
    let (code, r) = json_in(&sub, &["check", "../../contoso.json", "--format", "json"]);
    assert_eq!(code, Some(0), "fail-on = never");
    assert!(
        rules_of(&r, "findings")
            .iter()
            .all(|c| !c.starts_with("LIC"))
    );
    // Flags win: --ignore replaces the file's list, --fail-on its threshold.
    let (code, r) = json_in(
        &sub,
        &[
            "check",
            "../../contoso.json",
            "--format",
            "json",
            "--ignore",
            "SSPR",
            "--fail-on",
            "error",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(count(&r, "LIC001") > 0);
    assert_eq!(count(&r, "SSPR002"), 0);
    // --no-config ignores it; --config names another.
    let (code, r) = json_in(
        &sub,
        &[
            "check",
            "../../contoso.json",
            "--format",
            "json",
            "--no-config",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(r["findings"], base["findings"]);
    std::fs::write(d.path().join("other.toml"), "select = [\"LIC001\"]\n").unwrap();
    let (_, r) = json_in(
        d.path(),
        &[
            "check",
            "contoso.json",
            "--format",
            "json",
            "--config",
            "other.toml",
        ],
    );
    assert_eq!(r["summary"]["rulesRun"], 1);

    // Above the git root nothing is looked for.
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(
        outer.path().join("tenantlint.toml"),
        "select = [\"LIC001\"]\n",
    )
    .unwrap();
    let inner = outer.path().join("repo");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    std::fs::copy(
        root().join("fixtures/tenants/contoso.json"),
        inner.join("contoso.json"),
    )
    .unwrap();
    let (_, r) = json_in(&inner, &["check", "contoso.json", "--format", "json"]);
    assert_eq!(r["summary"]["rulesRun"], registry().len());
}

#[test]
fn severities_by_code_and_by_name_and_off() {
    let d = tree(
        "[rules.LIC006]\nseverity = \"off\"\n\n[rules.duplicate-upn]\nseverity = \"info\"\n\n[rules.LIC001]\nseverity = \"warning\"\n",
    );
    let (_, r) = json_in(d.path(), &["check", "contoso.json", "--format", "json"]);
    assert_eq!(count(&r, "LIC006"), 0);
    assert_eq!(
        r["summary"]["rulesRun"],
        registry().len() - 1,
        "off: the rule does not run"
    );
    let sev = |rule: &str| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["severity"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(!sev("UPN004").is_empty());
    assert!(sev("UPN004").iter().all(|s| s == "info"));
    assert_eq!(sev("LIC001"), ["warning"]);
    // The totals follow the new severities.
    let (_, plain) = json_in(
        d.path(),
        &["check", "contoso.json", "--format", "json", "--no-config"],
    );
    assert_eq!(
        r["summary"]["info"].as_u64().unwrap(),
        plain["summary"]["info"].as_u64().unwrap() + sev("UPN004").len() as u64
    );
}

#[test]
fn options_come_from_the_file_and_the_flag_wins() {
    // B2B002 fires at 97 days pending with the default of 30.
    let d = tree("[options]\nstale-invitation-days = 120\n");
    let (_, r) = json_in(d.path(), &["check", "contoso.json", "--format", "json"]);
    assert_eq!(count(&r, "B2B002"), 0);
    let (_, r) = json_in(
        d.path(),
        &[
            "check",
            "contoso.json",
            "--format",
            "json",
            "--option",
            "stale-invitation-days=45",
        ],
    );
    assert_eq!(count(&r, "B2B002"), 1);
    let (code, out, _) = run_in(d.path(), &["check", "--show-config"]);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("stale-invitation-days = 120  # tenantlint.toml:2"),
        "{out}"
    );
    assert!(
        out.contains("credential-expiry-days = 30  # default"),
        "{out}"
    );
    assert!(out.contains("fail-on = \"error\"  # default"), "{out}");
    let (_, out, _) = run_in(
        d.path(),
        &[
            "check",
            "--show-config",
            "--option",
            "stale-invitation-days=45",
            "--fail-on",
            "warning",
        ],
    );
    assert!(
        out.contains("stale-invitation-days = 45  # --option"),
        "{out}"
    );
    assert!(out.contains("fail-on = \"warning\"  # --fail-on"), "{out}");
}

const EXEMPTIONS: &str = r#"
[[exemptions]]
rule = "missing-usage-location"
object = "johannal@CONTOSO.com"
reason = "leaver, change 4711"
expires = "2026-12-31"

[[exemptions]]
rule = "PRX001"
object = "nobody@contoso.com"
reason = "split done"

[[exemptions]]
rule = "APP001"
object = "a9b97ee1-6e58-5a89-b182-5fc2e9afe2ff"
reason = "app retired"
expires = 2026-11-01
"#;

#[test]
fn exemptions_applied_expired_and_stale() {
    let d = tree(EXEMPTIONS);
    let (_, plain) = json_in(
        d.path(),
        &["check", "contoso.json", "--format", "json", "--no-config"],
    );
    let (_, r) = json_in(d.path(), &["check", "contoso.json", "--format", "json"]);
    // Applied: the LIC001 finding moved to `exempted`, with its exemption; not counted.
    assert_eq!(count(&r, "LIC001"), 0);
    assert_eq!(r["summary"]["exempted"], 1);
    assert_eq!(
        r["summary"]["error"].as_u64().unwrap() + 1,
        plain["summary"]["error"].as_u64().unwrap()
    );
    let ex = &r["exempted"][0];
    assert_eq!(ex["rule"], "LIC001");
    assert_eq!(ex["object"]["name"], "JohannaL@contoso.com");
    assert_eq!(
        ex["exemption"],
        json!({"rule": "LIC001", "object": "johannal@CONTOSO.com", "reason": "leaver, change 4711",
               "expires": "2026-12-31", "origin": "tenantlint.toml:2"})
    );
    let lic001 = plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "LIC001")
        .unwrap();
    assert_eq!(ex["fingerprint"], lic001["fingerprint"]);
    // Expired (the snapshot was exported 2026-11-20): APP001 still reported.
    assert_eq!(count(&r, "APP001"), count(&plain, "APP001"));
    assert_eq!(r["summary"]["expiredExemptions"][0]["rule"], "APP001");
    assert_eq!(
        r["summary"]["expiredExemptions"][0]["origin"],
        "tenantlint.toml:13"
    );
    // Stale: matches nothing.
    assert_eq!(
        r["summary"]["staleExemptions"],
        json!([{"rule": "PRX001", "object": "nobody@contoso.com", "reason": "split done", "origin": "tenantlint.toml:8"}])
    );
    // Judged later, the LIC001 exemption has expired too.
    let (_, later) = json_in(
        d.path(),
        &[
            "check",
            "contoso.json",
            "--format",
            "json",
            "--now",
            "2027-01-01T00:00:00Z",
        ],
    );
    assert_eq!(count(&later, "LIC001"), 1);
    assert_eq!(later["summary"]["exempted"], 0);
    assert_eq!(
        later["summary"]["expiredExemptions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Through the last second of its day it still applies.
    let (_, edge) = json_in(
        d.path(),
        &[
            "check",
            "contoso.json",
            "--format",
            "json",
            "--now",
            "2026-12-31T23:59:59Z",
        ],
    );
    assert_eq!(edge["summary"]["exempted"], 1);
}

#[test]
fn exemptions_show_in_every_format() {
    let d = tree(EXEMPTIONS);
    let (_, text, _) = run_in(d.path(), &["check", "contoso.json"]);
    assert!(text.contains("; 1 exempted"), "{text}");
    assert!(text.contains("exempted error[LIC001] user JohannaL@contoso.com"));
    assert!(text.contains("stale: matches no finding (tenantlint.toml:8)"));
    assert!(text.contains("expired: no longer applies (tenantlint.toml:13)"));
    let (_, md, _) = run_in(d.path(), &["check", "contoso.json", "--format", "markdown"]);
    assert!(md.contains("| LIC001 (tenantlint.toml:2) |"), "{md}");
    assert!(md.contains("exempts 1 finding"));
    let (_, csv, _) = run_in(d.path(), &["check", "contoso.json", "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let exempted: Vec<csv::StringRecord> = rd
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[10].is_empty())
        .collect();
    assert_eq!(exempted.len(), 1);
    assert_eq!(&exempted[0][1], "LIC001");
    assert_eq!(
        &exempted[0][10],
        "leaver, change 4711 (until 2026-12-31; tenantlint.toml:2)"
    );
    let (_, xml, _) = run_in(d.path(), &["check", "contoso.json", "--format", "junit"]);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some("exemptions"))
        .expect("an exemptions suite");
    assert_eq!(suite.attribute("failures"), Some("2"));
    assert!(doc.descendants().any(|n| {
        n.has_tag_name("skipped")
            && n.attribute("message")
                .is_some_and(|m| m.starts_with("exempted: leaver"))
    }));
    let (_, sarif, _) = run_in(d.path(), &["check", "contoso.json", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "LIC001");
    assert_eq!(suppressed[0]["suppressions"][0]["status"], "accepted");
    let (_, gh, _) = run_in(d.path(), &["check", "contoso.json", "--format", "github"]);
    let toml = d.path().join("tenantlint.toml");
    assert!(gh.contains(&format!(
        "::warning file={},line=8,title=tenantlint exemption::",
        toml.display()
    )));
    assert!(
        !gh.contains("title=LIC001 "),
        "no annotation for an exempted finding"
    );
    let (_, html, _) = run_in(d.path(), &["check", "contoso.json", "--format", "html"]);
    assert!(html.contains("<h3>Exemptions</h3>"));
    assert!(html.contains("1 exempted</summary>"));
}

#[test]
fn errors_name_the_place_and_the_field() {
    let cases = [
        (
            "[[exemptions]]\nrule = \"PRX001\"\nobject = \"a@contoso.com\"\n",
            "tenantlint.toml:1:1: missing field `reason`",
        ),
        (
            "fail_on = \"warning\"\n",
            "tenantlint.toml:1:1: unknown field `fail_on`",
        ),
        (
            "[rules.LIC006]\nseverty = \"off\"\n",
            "did you mean `severity`?",
        ),
        (
            "[rules.LIC06]\nseverity = \"off\"\n",
            "did you mean `LIC006`?",
        ),
        (
            "[options]\ncredential-expiry = 10\n",
            "did you mean `credential-expiry-days`?",
        ),
        (
            "[[exemptions]]\nrule = \"X\"\nobject = \"a\"\nreason = \"b\"\n",
            "tenantlint.toml:2:8: `X` is no rule code or name",
        ),
    ];
    for (config, expected) in cases {
        let d = tree(config);
        std::fs::write(d.path().join("keep.json"), "{}").unwrap();
        let (code, out, err) = run_in(
            d.path(),
            &["check", "contoso.json", "--output", "keep.json"],
        );
        assert_eq!(code, Some(2), "{config}");
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "{config}: {err}");
        assert_eq!(
            std::fs::read_to_string(d.path().join("keep.json")).unwrap(),
            "{}",
            "the output is untouched"
        );
    }
    // A --config that does not exist, and --config with --no-config.
    let d = tree("");
    let (code, _, err) = run_in(
        d.path(),
        &["check", "contoso.json", "--config", "nope.toml"],
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("nope.toml"), "{err}");
    let (code, _, _) = run_in(
        d.path(),
        &["check", "contoso.json", "--config", "x.toml", "--no-config"],
    );
    assert_eq!(code, Some(2));
}

/// The sample tenant, changed the way snapshots change between exports: users in another
/// order, other whitespace, and new users, one of them with a new problem.
fn next_export(dir: &Path) {
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/tenants/contoso.json")).unwrap(),
    )
    .unwrap();
    let users = doc["users"].as_array_mut().unwrap();
    users.reverse();
    users.push(json!({
        "id": "0b9f5e1c-6d0e-4c37-9f55-0d6f1a7c2b10", "userPrincipalName": "quiet@contoso.com",
        "displayName": "Quiet", "accountEnabled": true, "userType": "Member", "usageLocation": "NL",
        "assignedLicenses": [], "proxyAddresses": [],
    }));
    users.push(json!({
        "id": "4f3c2a10-9e8d-4b7a-8c6d-5e4f3a2b1c0d", "userPrincipalName": "new#hire@contoso.com",
        "displayName": "New Hire", "accountEnabled": true, "userType": "Member", "usageLocation": "NL",
        "assignedLicenses": [], "proxyAddresses": [],
    }));
    // Fix one problem: JohannaL gets a usage location.
    for u in users.iter_mut() {
        if u["userPrincipalName"] == "JohannaL@contoso.com" {
            u["usageLocation"] = json!("NL");
        }
    }
    std::fs::write(
        dir.join("next.json"),
        serde_json::to_string(&doc).unwrap(), // minified: other whitespace
    )
    .unwrap();
}

#[test]
fn baseline_new_baselined_and_fixed() {
    let d = tree("");
    let (code, _, err) = run_in(d.path(), &["baseline", "contoso.json", "-o", "base.json"]);
    assert_eq!(code, Some(0), "{err}");
    let base = std::fs::read_to_string(d.path().join("base.json")).unwrap();
    let parsed: Value = serde_json::from_str(&base).unwrap();
    let entries = parsed["findings"].as_array().unwrap();
    let (_, plain) = json_in(d.path(), &["check", "contoso.json", "--format", "json"]);
    assert_eq!(entries.len(), plain["findings"].as_array().unwrap().len());
    // One finding per line, in report order, readable in a review.
    assert_eq!(
        base.lines()
            .filter(|l| l.contains("\"fingerprint\""))
            .count(),
        entries.len()
    );
    for (e, f) in entries.iter().zip(plain["findings"].as_array().unwrap()) {
        assert_eq!(e["fingerprint"], f["fingerprint"]);
        assert_eq!(e["rule"], f["rule"]);
        assert_eq!(e["message"], f["message"]);
    }
    // The same baseline twice is the same bytes.
    run_in(
        d.path(),
        &[
            "baseline",
            "contoso.json",
            "-o",
            "again.json",
            "--threads",
            "1",
        ],
    );
    assert_eq!(
        base,
        std::fs::read_to_string(d.path().join("again.json")).unwrap()
    );

    // Against itself: nothing new, exit 0.
    let (code, r) = json_in(
        d.path(),
        &[
            "check",
            "contoso.json",
            "--format",
            "json",
            "--baseline",
            "base.json",
        ],
    );
    assert_eq!(code, Some(0));
    assert_eq!(r["findings"], json!([]));
    assert_eq!(r["summary"]["baselined"], entries.len());
    assert_eq!(r["summary"]["fixed"], 0);

    // The next export: reordered, minified, two users added (one with a `#` in its UPN), one
    // problem fixed. Only the new problem is reported; the fixed one is listed.
    next_export(d.path());
    for threads in ["1", "2"] {
        let (code, r) = json_in(
            d.path(),
            &[
                "check",
                "next.json",
                "--format",
                "json",
                "--baseline",
                "base.json",
                "--threads",
                threads,
            ],
        );
        assert_eq!(code, Some(1));
        let new: Vec<(String, String)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["object"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            new,
            [("UPN003".to_owned(), "new#hire@contoso.com".to_owned())]
        );
        assert_eq!(r["summary"]["baselined"], entries.len() - 1);
        assert_eq!(r["summary"]["fixed"], 1);
        assert_eq!(r["fixed"][0]["rule"], "LIC001");
        assert!(
            r["fixed"][0]["object"]
                .as_str()
                .unwrap()
                .contains("JohannaL@contoso.com")
        );
    }
    // A rule that did not run fixes nothing.
    let (_, r) = json_in(
        d.path(),
        &[
            "check",
            "next.json",
            "--format",
            "json",
            "--baseline",
            "base.json",
            "--ignore",
            "LIC001",
        ],
    );
    assert_eq!(r["summary"]["fixed"], 0);
    // Text says it too.
    let (_, text, _) = run_in(d.path(), &["check", "next.json", "--baseline", "base.json"]);
    assert!(
        text.contains(&format!("; {} baselined, 1 fixed", entries.len() - 1)),
        "{text}"
    );
}

#[test]
fn baseline_errors() {
    let d = tree("");
    std::fs::write(d.path().join("bad.json"), "{\"findings\": 3}").unwrap();
    let (code, _, err) = run_in(
        d.path(),
        &["check", "contoso.json", "--baseline", "bad.json"],
    );
    assert_eq!(code, Some(2));
    assert!(err.starts_with("error: bad.json:1:"), "{err}");
    assert_eq!(err.lines().count(), 1);
    let (code, _, err) = run_in(
        d.path(),
        &["baseline", "contoso.json", "-o", "contoso.json"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("never writes over its input"), "{err}");
    let (code, _, _) = run_in(d.path(), &["baseline", "contoso.json"]);
    assert_eq!(code, Some(2), "-o is required");
}
