//! `tenantlint export` against a fake Graph on 127.0.0.1 (tests/fake_graph): the exported
//! snapshot lints like the data served, whatever faults the server throws in, or the export
//! fails with one clear line and leaves nothing behind. No other address is ever contacted.

mod common;
mod fake_graph;

use assert_cmd::Command;
use common::root;
use fake_graph::{Config, Fake, Kind, fault, sub_fault};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const EXPORTED_AT: &str = "2026-11-20T08:00:00Z";

fn contoso() -> Value {
    let text = std::fs::read_to_string(root().join("fixtures/tenants/contoso.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `tenantlint export` from `fake` into `out`, with fast retries.
fn export(fake: &Fake, out: &Path, extra: &[&str]) -> std::process::Output {
    Command::cargo_bin("tenantlint")
        .unwrap()
        .env("TENANTLINT_GRAPH_TOKEN", fake.token())
        .env("NO_PROXY", "127.0.0.1")
        .args(["export", "--out"])
        .arg(out)
        .args(["--graph-url", &fake.origin, "--exported-at", EXPORTED_AT])
        .args([
            "--backoff-ms",
            "1",
            "--max-retry-after",
            "0",
            "--timeout",
            "5",
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn exported(fake: &Fake, out: &Path, extra: &[&str]) {
    let o = export(fake, out, extra);
    assert!(o.status.success(), "export failed: {}", stderr(&o));
}

/// What `check` reports on a snapshot: summary, counts and findings (not the source path).
fn check(path: &Path) -> Value {
    let o = Command::cargo_bin("tenantlint")
        .unwrap()
        .args([
            "check",
            "--format",
            "json",
            "--no-config",
            "--fail-on",
            "never",
            "-q",
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "check failed: {}", stderr(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    json!({"summary": r["summary"], "counts": r["snapshot"]["counts"], "now": r["snapshot"]["now"],
           "findings": r["findings"]})
}

/// The source snapshot as Graph can give it: no `passwordResetPolicy` (not in Graph), and the
/// writeback policy as the export maps Graph's one flag.
fn as_exported(mut data: Value) -> Value {
    let p = &mut data["policies"];
    let o = &p["onPremisesPasswordResetPolicy"];
    let on = o["passwordWritebackSupported"] == true && o["enablementForTenant"] == true;
    p["onPremisesPasswordResetPolicy"] =
        json!({"passwordWritebackSupported": on, "enablementForTenant": on});
    if let Some(m) = p.as_object_mut() {
        m.remove("passwordResetPolicy");
    }
    data
}

fn write_json(dir: &Path, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

/// Every file of a directory tree, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn round_trip_lints_like_the_data_served() {
    let data = contoso();
    // Pages of 2 objects: every collection is many pages.
    let fake = Fake::start(
        data.clone(),
        Config {
            page_cap: 2,
            ..Config::default()
        },
    );
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("snap");
    let o = export(&fake, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let all = format!("{}{}", stderr(&o), String::from_utf8_lossy(&o.stdout));
    assert!(!all.contains(fake.token()), "the token was printed: {all}");

    let expected = write_json(d.path(), "expected.json", &as_exported(data.clone()));
    let got = check(&out);
    assert_eq!(got, check(&expected));
    // Nothing in the export is an unknown file to the loader (the templates included).
    let o = Command::cargo_bin("tenantlint")
        .unwrap()
        .args(["check", "--no-config", "--fail-on", "never"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.success() && !stderr(&o).contains("warning"),
        "{}",
        stderr(&o)
    );
    // The rules that need what Graph does not expose are skipped, and say so.
    let skipped = got["summary"]["rulesSkipped"].to_string();
    for code in ["SSPR001", "SSPR002", "SSPR003", "SSPR006"] {
        assert!(skipped.contains(code), "{code} not skipped: {skipped}");
    }
    assert!(skipped.contains("passwordResetPolicy"), "{skipped}");

    // The layout: tenant.json, every group's members and every service principal's
    // assignments, the policies and the templates.
    let tenant: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tenant.json")).unwrap()).unwrap();
    assert_eq!(
        tenant,
        json!({"id": data["tenant"]["id"], "displayName": "Contoso", "exportedAt": EXPORTED_AT})
    );
    for g in data["groups"].as_array().unwrap() {
        let id = g["id"].as_str().unwrap();
        assert!(
            out.join(format!("groups/{id}/members.json")).is_file(),
            "{id}"
        );
    }
    for sp in data["servicePrincipals"].as_array().unwrap() {
        let id = sp["id"].as_str().unwrap();
        assert!(
            out.join(format!("servicePrincipals/{id}/appRoleAssignedTo.json"))
                .is_file()
        );
    }
    assert_eq!(
        names(&out.join("policies")),
        [
            "authorizationPolicy.json",
            "onPremisesPasswordResetPolicy.json",
            "passwordResetPolicy.template.json"
        ]
    );
    // No temporary directory is left beside it.
    assert_eq!(names(d.path()), ["expected.json", "snap"]);
    // Every request stayed on 127.0.0.1, selected its properties and never used $expand.
    let log = fake.log();
    assert!(log.iter().all(|(_, r)| !r.contains("$expand")));
    assert!(
        log.iter()
            .filter(|(_, r)| r.starts_with("GET /v1.0/users"))
            .all(|(_, r)| r.contains("$select=") && r.contains("usageLocation"))
    );
    assert!(log.iter().any(|(_, r)| r == "POST /v1.0/$batch"));
    assert!(log.iter().any(
        |(_, r)| r.starts_with("batch:/groups/") && r.ends_with("/members?$select=id&$top=999")
    ));

    // Filled in, the template gives the source's report exactly.
    std::fs::write(
        out.join("policies/passwordResetPolicy.json"),
        data["policies"]["passwordResetPolicy"].to_string(),
    )
    .unwrap();
    let mut with_sspr = as_exported(data.clone());
    with_sspr["policies"]["passwordResetPolicy"] = data["policies"]["passwordResetPolicy"].clone();
    let expected = write_json(d.path(), "expected-sspr.json", &with_sspr);
    let filled = check(&out);
    assert_eq!(filled, check(&expected));

    // The next export keeps the file written by hand (and writes no template for it).
    let o = export(&fake, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("kept policies/passwordResetPolicy.json"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        names(&out.join("policies")),
        [
            "authorizationPolicy.json",
            "onPremisesPasswordResetPolicy.json",
            "passwordResetPolicy.json"
        ]
    );
    assert_eq!(check(&out), filled);
}

#[test]
fn the_template_refuses_to_load_unfilled() {
    let fake = Fake::start(contoso(), Config::default());
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("snap");
    exported(&fake, &out, &["--collections", "users"]);
    std::fs::rename(
        out.join("policies/passwordResetPolicy.template.json"),
        out.join("policies/passwordResetPolicy.json"),
    )
    .unwrap();
    let o = Command::cargo_bin("tenantlint")
        .unwrap()
        .args(["check", "--no-config"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("FILL IN"), "{}", stderr(&o));
}

#[test]
fn every_fault_recovers_with_identical_output() {
    let data = contoso();
    let d = tempfile::tempdir().unwrap();
    let clean = d.path().join("clean");
    exported(&Fake::start(data.clone(), Config::default()), &clean, &[]);
    let want = files(&clean);
    let cases: Vec<(&str, Vec<fake_graph::Fault>)> = vec![
        ("429", vec![fault("/users", Kind::Status(429, Some(0)), 3)]),
        ("503", vec![fault("/groups", Kind::Status(503, Some(0)), 2)]),
        ("504", vec![fault("$batch", Kind::Status(504, None), 2)]),
        ("500", vec![fault("/contacts", Kind::Status(500, None), 2)]),
        ("502", vec![fault("/domains", Kind::Status(502, None), 1)]),
        ("drop", vec![fault("/applications", Kind::Drop, 2)]),
        (
            "truncate",
            vec![fault("/servicePrincipals", Kind::Truncate, 2)],
        ),
        ("bad json", vec![fault("/subscribedSkus", Kind::BadJson, 2)]),
        (
            "bad json in $batch",
            vec![fault("$batch", Kind::BadJson, 1)],
        ),
        (
            "stall",
            vec![fault(
                "/organization",
                Kind::Stall(Duration::from_secs(4)),
                1,
            )],
        ),
        (
            "429 in $batch",
            vec![sub_fault("/members", Kind::Status(429, Some(0)), 5)],
        ),
        (
            "503 in $batch",
            vec![sub_fault("/appRoleAssignedTo", Kind::Status(503, None), 3)],
        ),
    ];
    for (name, faults) in cases {
        let fake = Fake::start(
            data.clone(),
            Config {
                faults,
                ..Config::default()
            },
        );
        let out = d.path().join(name.replace(' ', "-"));
        let o = export(&fake, &out, &["--timeout", "2"]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(fake.faults_left(), 0, "{name}: not every fault happened");
        assert!(
            files(&out) == want,
            "{name}: the output differs from a clean export"
        );
    }
}

#[test]
fn retry_after_is_honoured() {
    let fake = Fake::start(
        contoso(),
        Config {
            faults: vec![fault("/domains", Kind::Status(429, Some(1)), 1)],
            ..Config::default()
        },
    );
    let d = tempfile::tempdir().unwrap();
    let o = export(
        &fake,
        &d.path().join("s"),
        &["--collections", "domains", "--max-retry-after", "5"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let times: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|(_, r)| r.starts_with("GET /v1.0/domains"))
        .map(|(t, _)| t)
        .collect();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_millis(990),
        "{times:?}"
    );
}

/// A snapshot directory and a byte copy of it, to show it is untouched.
fn previous_export(d: &Path) -> (std::path::PathBuf, BTreeMap<String, Vec<u8>>) {
    let out = d.join("snap");
    exported(
        &Fake::start(contoso(), Config::default()),
        &out,
        &["--collections", "users,domains"],
    );
    let before = files(&out);
    (out, before)
}

#[test]
fn a_persistent_fault_fails_with_one_line_and_leaves_nothing() {
    for (name, f, needle) in [
        (
            "503",
            fault("/users", Kind::Status(503, Some(0)), usize::MAX),
            "/v1.0/users?$select=",
        ),
        (
            "503 in $batch",
            sub_fault("/members", Kind::Status(503, None), usize::MAX),
            "/members?$select=id",
        ),
        (
            "drop",
            fault("/subscribedSkus", Kind::Drop, usize::MAX),
            "/v1.0/subscribedSkus",
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        let (out, before) = previous_export(d.path());
        let fake = Fake::start(
            contoso(),
            Config {
                faults: vec![f],
                ..Config::default()
            },
        );
        let o = export(&fake, &out, &["--max-attempts", "3"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let err = stderr(&o);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| !l.starts_with("exported "))
            .collect();
        assert_eq!(lines.len(), 1, "{name}: {err}");
        let line = lines[0];
        assert!(line.starts_with("error: "), "{line}");
        assert!(
            line.contains(&fake.origin) && line.contains(needle),
            "{name}: {line}"
        );
        assert!(line.contains("after 3 attempts"), "{name}: {line}");
        if name.starts_with("503") {
            assert!(line.contains("HTTP 503 (serviceNotAvailable"), "{line}");
        }
        assert!(
            !err.contains(fake.token())
                && !String::from_utf8_lossy(&o.stdout).contains(fake.token())
        );
        assert!(
            files(&out) == before,
            "{name}: the previous snapshot changed"
        );
        assert_eq!(
            names(d.path()),
            ["snap"],
            "{name}: something was left behind"
        );
    }
}

#[test]
fn a_rejected_token_and_a_missing_permission_say_so() {
    let d = tempfile::tempdir().unwrap();
    let fake = Fake::start(contoso(), Config::default());
    let o = Command::cargo_bin("tenantlint")
        .unwrap()
        .env("TENANTLINT_GRAPH_TOKEN", "wrong-token-77")
        .args(["export", "--out"])
        .arg(d.path().join("s"))
        .args(["--graph-url", &fake.origin])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("token was rejected") && err.contains("InvalidAuthenticationToken"),
        "{err}"
    );
    assert!(!err.contains("wrong-token-77"), "{err}");

    let fake = Fake::start(
        contoso(),
        Config {
            faults: vec![fault("/v1.0/groups", Kind::Status(403, None), usize::MAX)],
            ..Config::default()
        },
    );
    let o = export(&fake, &d.path().join("s"), &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("groups: GET ")
            && err.contains("HTTP 403 (Authorization_RequestDenied")
            && err.contains("lacks the permission GroupMember.Read.All"),
        "{err}"
    );
    assert_eq!(names(d.path()), Vec::<String>::new());
}

#[test]
fn a_forbidden_optional_collection_is_left_out_with_a_warning() {
    let d = tempfile::tempdir().unwrap();
    let fake = Fake::start(
        contoso(),
        Config {
            faults: vec![
                fault(
                    "/userRegistrationDetails",
                    Kind::Status(403, None),
                    usize::MAX,
                ),
                fault(
                    "/onPremisesSynchronization",
                    Kind::Status(403, None),
                    usize::MAX,
                ),
            ],
            ..Config::default()
        },
    );
    let out = d.path().join("s");
    let o = export(&fake, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: userRegistrationDetails left out")
            && err.contains("AuditLog.Read.All"),
        "{err}"
    );
    assert!(
        err.contains("warning: onPremisesPasswordResetPolicy left out"),
        "{err}"
    );
    assert!(!out.join("userRegistrationDetails.json").exists());
    assert_eq!(
        names(&out.join("policies")),
        [
            "authorizationPolicy.json",
            "onPremisesPasswordResetPolicy.template.json",
            "passwordResetPolicy.template.json"
        ]
    );
    // With the password reset policy filled in, the rules that need registrations say why
    // they are skipped.
    std::fs::write(
        out.join("policies/passwordResetPolicy.json"),
        contoso()["policies"]["passwordResetPolicy"].to_string(),
    )
    .unwrap();
    let skipped = check(&out)["summary"]["rulesSkipped"].to_string();
    assert!(
        skipped
            .contains(r#""reason":"the snapshot has no userRegistrationDetails","rule":"SSPR004""#),
        "{skipped}"
    );
    // --quiet silences the warnings.
    let o = export(&fake, &out, &["--quiet"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn exports_are_deterministic_whatever_the_order_and_page_size() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    exported(
        &Fake::start(contoso(), Config::default()),
        &a,
        &["--concurrency", "1"],
    );
    exported(
        &Fake::start(
            contoso(),
            Config {
                page_cap: 3,
                reverse: true,
                ..Config::default()
            },
        ),
        &b,
        &["--concurrency", "8"],
    );
    let (fa, fb) = (files(&a), files(&b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    assert!(fa == fb, "two exports of the same tenant differ");
    // One object per line, sorted by id, keys sorted, no annotations.
    let users = String::from_utf8(fa["users.json"].clone()).unwrap();
    let lines: Vec<&str> = users.lines().collect();
    assert_eq!((lines[0], *lines.last().unwrap()), ("[", "]"));
    let ids: Vec<String> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l.trim_end_matches(',')).unwrap();
            let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]), "{l}");
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(!users.contains("@odata.context") && !users.contains("nextLink"));
}

#[test]
fn select_lists_are_the_rules_reads_and_the_docs_table() {
    use tenantlint::export::plan::{COLLECTIONS, select};
    let doc = std::fs::read_to_string(root().join("docs/snapshot-format.md")).unwrap();
    let mut compared = 0;
    for c in &COLLECTIONS {
        let Some(row) = doc.lines().find(|l| {
            l.starts_with(&format!("| `{}` |", c.key))
                || l.starts_with(&format!("| `policies/{}` |", c.key))
        }) else {
            continue;
        };
        let request = row.split('`').find(|s| s.starts_with("GET /")).unwrap();
        let path = request.trim_start_matches("GET ");
        assert_eq!(
            path.split('?').next().unwrap(),
            c.path,
            "{}: the docs request another path",
            c.key
        );
        let docs: Option<std::collections::BTreeSet<&str>> = path
            .split("$select=")
            .nth(1)
            .map(|l| l.split('&').next().unwrap().split(',').collect());
        let ours = select(c).map(|v| v.into_iter().collect());
        assert_eq!(ours, docs, "{}: $select differs from the docs table", c.key);
        assert_eq!(path.contains("$top=999"), c.top, "{}: $top", c.key);
        compared += 1;
    }
    assert!(
        compared >= 10,
        "only {compared} rows of the docs table were found"
    );
}

#[test]
fn a_next_link_to_another_host_is_refused() {
    let fake = Fake::start(
        contoso(),
        Config {
            page_cap: 2,
            next_origin: Some("http://127.0.0.2:9".into()),
            ..Config::default()
        },
    );
    let d = tempfile::tempdir().unwrap();
    let o = export(&fake, &d.path().join("s"), &["--collections", "users"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("refused: an @odata.nextLink that leaves"),
        "{err}"
    );
    assert!(err.contains("http://127.0.0.2:9/v1.0/users"), "{err}");
    assert_eq!(names(d.path()), Vec::<String>::new());
}

#[test]
fn usage_errors_come_before_any_request() {
    let fake = Fake::start(contoso(), Config::default());
    let d = tempfile::tempdir().unwrap();
    let run = |args: &[&str], token: Option<&str>| {
        let mut c = Command::cargo_bin("tenantlint").unwrap();
        c.env_remove("TENANTLINT_GRAPH_TOKEN");
        if let Some(t) = token {
            c.env("TENANTLINT_GRAPH_TOKEN", t);
        }
        let o = c.arg("export").args(args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        stderr(&o)
    };
    let out = d.path().join("s");
    let out = out.to_str().unwrap();
    let g = ["--graph-url", fake.origin.as_str()];
    let e = run(&[&["--out", out][..], &g].concat(), None);
    assert!(
        e.contains("no access token") && e.contains("az account get-access-token"),
        "{e}"
    );
    let e = run(
        &[&["--out", out, "--collections", "user"][..], &g].concat(),
        Some("t"),
    );
    assert!(e.contains("did you mean `users`?"), "{e}");
    let e = run(
        &["--out", out, "--graph-url", "http://graph.example"],
        Some("t"),
    );
    assert!(e.contains("unencrypted"), "{e}");
    // A folder that is not a snapshot is not replaced.
    std::fs::create_dir(d.path().join("home")).unwrap();
    std::fs::write(d.path().join("home/notes.txt"), "mine").unwrap();
    let home = d.path().join("home");
    let e = run(
        &[&["--out", home.to_str().unwrap()][..], &g].concat(),
        Some(fake.token()),
    );
    assert!(e.contains("does not look like a snapshot"), "{e}");
    assert_eq!(names(&home), ["notes.txt"]);
    assert_eq!(fake.requests(), 0);
}

#[test]
fn the_token_comes_from_a_file_or_az_json() {
    let fake = Fake::start(contoso(), Config::default());
    let d = tempfile::tempdir().unwrap();
    let az = d.path().join("token.json");
    std::fs::write(
        &az,
        json!({"accessToken": fake.token(), "expiresOn": "2099-01-01 00:00:00.000000",
               "expires_on": 4070908800u64, "tokenType": "Bearer"})
        .to_string(),
    )
    .unwrap();
    let raw = d.path().join("token.txt");
    std::fs::write(&raw, format!("{}\n", fake.token())).unwrap();
    for file in [&az, &raw] {
        let out = d.path().join("s");
        let o = Command::cargo_bin("tenantlint")
            .unwrap()
            .env_remove("TENANTLINT_GRAPH_TOKEN")
            .args(["export", "--collections", "domains", "--out"])
            .arg(&out)
            .arg("--token-file")
            .arg(file)
            .args(["--graph-url", &fake.origin])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(out.join("domains.json").is_file());
    }
    // Piped in, without a flag.
    let out = d.path().join("s");
    Command::cargo_bin("tenantlint")
        .unwrap()
        .env_remove("TENANTLINT_GRAPH_TOKEN")
        .args(["export", "--collections", "domains", "--out"])
        .arg(&out)
        .args(["--graph-url", &fake.origin])
        .write_stdin(std::fs::read(&az).unwrap())
        .assert()
        .success();
    // Standard input.
    Command::cargo_bin("tenantlint")
        .unwrap()
        .env_remove("TENANTLINT_GRAPH_TOKEN")
        .args([
            "export",
            "--collections",
            "domains",
            "--token-file",
            "-",
            "--out",
        ])
        .arg(&out)
        .args(["--graph-url", &fake.origin])
        .write_stdin(std::fs::read(&az).unwrap())
        .assert()
        .success();
}

/// The measurement of docs/export.md (`scripts/bench-export.sh`): an export of a generated
/// tenant (`TENANTLINT_EXPORT_BENCH_SNAPSHOT`, a gen_tenant file) with its groups made up to
/// `TENANTLINT_EXPORT_BENCH_GROUPS` (20 members each), served with
/// `TENANTLINT_EXPORT_BENCH_LATENCY_MS` per answer, at `TENANTLINT_EXPORT_BENCH_CONCURRENCY`.
#[test]
#[ignore = "a measurement: run by scripts/bench-export.sh in release mode"]
fn measure_export() {
    let var = |k: &str| std::env::var(k).ok();
    let path = var("TENANTLINT_EXPORT_BENCH_SNAPSHOT").expect("TENANTLINT_EXPORT_BENCH_SNAPSHOT");
    let groups: usize = var("TENANTLINT_EXPORT_BENCH_GROUPS").map_or(0, |g| g.parse().unwrap());
    let latency: u64 = var("TENANTLINT_EXPORT_BENCH_LATENCY_MS").map_or(0, |g| g.parse().unwrap());
    let concurrency = var("TENANTLINT_EXPORT_BENCH_CONCURRENCY").unwrap_or_else(|| "4".into());
    let mut data: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let users: Vec<String> = data["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    let list = data["groups"].as_array_mut().unwrap();
    let template = list[list.len() - 1].clone();
    for g in list.len()..groups {
        let mut x = template.clone();
        x["id"] = json!(format!("00000000-0000-4000-8000-{g:012x}"));
        x["displayName"] = json!(format!("Bench group {g}"));
        x["mail"] = json!(format!("bench{g}@contoso.com"));
        x["proxyAddresses"] = json!([format!("SMTP:bench{g}@contoso.com")]);
        x["members"] = json!(
            (0..20)
                .map(|k| &users[(g * 37 + k * 101) % users.len()])
                .collect::<Vec<_>>()
        );
        list.push(x);
    }
    let (n_users, n_groups) = (users.len(), list.len());
    let fake = Fake::start(
        data,
        Config {
            latency: Duration::from_millis(latency),
            ..Config::default()
        },
    );
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("snap");
    let bin = assert_cmd::cargo::cargo_bin("tenantlint");
    let o = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(&bin)
        .env("TENANTLINT_GRAPH_TOKEN", fake.token())
        .args(["export", "-q", "--concurrency", &concurrency, "--out"])
        .arg(&out)
        .args(["--graph-url", &fake.origin])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    let mut t = err.trim().rsplit('\n').next().unwrap().split(' ');
    let (secs, rss_kb): (f64, u64) = (
        t.next().unwrap().parse().unwrap(),
        t.next().unwrap().parse().unwrap(),
    );
    let counts = check(&out)["counts"].clone();
    assert_eq!(counts["users"], n_users);
    assert_eq!(counts["groups"], n_groups);
    let all = files(&out);
    let size: usize = all.values().map(Vec::len).sum();
    println!(
        "export of {n_users} users, {n_groups} groups ({latency} ms per answer, concurrency {concurrency}): {} requests, {secs:.2} s, peak RSS {} MB, {} MB written ({} files, users.json {} MB)",
        fake.requests(),
        rss_kb / 1024,
        size / 1_000_000,
        all.len(),
        all["users.json"].len() / 1_000_000
    );
}
