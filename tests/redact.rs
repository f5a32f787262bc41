//! `--redact`: no original identity survives in any report format, on every fixture and the
//! sample tenants, and the pseudonyms are stable for a key.

mod common;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use tenantlint::redact::Redactor;
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, registry};

const KEY: &str = "00112233445566778899aabbccddeeff";

/// The properties whose values are identities (as `docs/redaction.md` lists them).
const IDENTITY_KEYS: &[&str] = &[
    "userprincipalname",
    "mail",
    "displayname",
    "proxyaddresses",
    "othermails",
    "mobilephone",
    "businessphones",
];

/// Collections whose display names are not identities (roles, SKUs and plans are Microsoft's
/// names).
const NOT_IDENTITIES: &[&str] = &["directoryroles", "subscribedskus", "roleassignments"];

fn collect(v: &Value, key: Option<&str>, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if key.is_some_and(|k| IDENTITY_KEYS.contains(&k)) => {
            let s = s.trim();
            out.insert(s.to_owned());
            if let Some((_, rest)) = s.split_once(':') {
                out.insert(rest.trim().to_owned());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, key, out)),
        Value::Object(o) => {
            for (k, x) in o {
                let k = k.to_ascii_lowercase();
                if NOT_IDENTITIES.contains(&k.as_str()) {
                    continue;
                }
                collect(x, Some(&k), out);
            }
        }
        _ => {}
    }
}

fn json_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            json_files(&e.unwrap().path(), out);
        }
    } else if p.extension().is_some_and(|e| e == "json") {
        out.push(p.to_owned());
    }
}

/// Identities of a snapshot (file or directory): long enough not to occur by chance in the
/// rules' own words.
fn identities(path: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    json_files(path, &mut files);
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let text = text.trim_start_matches('\u{feff}');
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            collect(&v, None, &mut out);
        }
    }
    // An address without a local part (`smtp:@contoso.com`, PRX003) is only its domain, which
    // is kept.
    out.retain(|s| s.chars().count() >= 4 && !s.starts_with('@'));
    out
}

fn snapshots() -> Vec<PathBuf> {
    let root = common::root().join("fixtures");
    let mut v = vec![
        root.join("tenants/contoso.json"),
        root.join("tenants/fabrikam.json"),
        root.join("snapshots/single.json"),
        root.join("snapshots/directory"),
    ];
    for e in std::fs::read_dir(&root).unwrap() {
        let p = e.unwrap().path();
        for f in ["fail.json", "pass.json"] {
            if p.join(f).is_file() {
                v.push(p.join(f));
            }
        }
    }
    v.sort();
    v
}

/// The report's text with its format's escapes undone, so that an identity is found however
/// the format escaped it.
fn unescaped(format: Format, s: String) -> String {
    let entities = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    match format {
        Format::Junit => entities(&s),
        // Entities in the page, `\u003c` for `<` in its JSON data block.
        Format::Html => entities(&s).replace("\\u003c", "<"),
        Format::Markdown => {
            let mut out = String::with_capacity(s.len());
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, chars.peek()) {
                    ('\\', Some(n)) if n.is_ascii_punctuation() => {}
                    _ => out.push(c),
                }
            }
            entities(&out)
        }
        _ => s,
    }
}

/// Every format's report of `path`, redacted with `r` or not.
fn reports(path: &Path, r: Option<&Redactor>) -> Vec<(Format, String)> {
    let t = tenantlint::snapshot::load(path.to_str().unwrap()).unwrap();
    let now = 1_795_161_600;
    let mut result = tenantlint::engine::run(&t, now, &Options::default(), registry());
    if let Some(r) = r {
        r.result(&mut result);
    }
    Format::ALL
        .iter()
        .map(|&format| {
            let rep = Report {
                source: "snapshot",
                tenant: &t,
                now,
                now_source: NowSource::Option,
                result: &result,
            };
            let mut buf = Vec::new();
            report::write(format, &[rep], &mut buf, false).unwrap();
            (format, unescaped(format, String::from_utf8(buf).unwrap()))
        })
        .collect()
}

#[test]
fn no_identity_survives_in_any_format() {
    let r = Redactor::from_hex(KEY).unwrap();
    // The rules' documentation is part of reports (help lines): its words are not leaks.
    let docs: String = registry().iter().map(|x| x.meta().doc).collect();
    let mut shown = 0;
    for path in snapshots() {
        let ids = identities(&path);
        let plain = reports(&path, None);
        let redacted = reports(&path, Some(&r));
        for ((format, plain), (_, red)) in plain.iter().zip(&redacted) {
            for id in &ids {
                if !plain.contains(id.as_str()) || docs.contains(id.as_str()) {
                    continue;
                }
                shown += 1;
                assert!(
                    !red.contains(id.as_str()),
                    "{}: `{id}` survives --redact in the {format:?} report",
                    path.display()
                );
            }
        }
    }
    assert!(
        shown > 200,
        "only {shown} identities appear in the plain reports: the test looks at too little"
    );
}

/// What the redaction keeps: object ids, domains, fingerprints, the findings themselves.
#[test]
fn redaction_keeps_ids_domains_and_fingerprints() {
    let path = common::root().join("fixtures/tenants/contoso.json");
    let r = Redactor::from_hex(KEY).unwrap();
    let json = |r: Option<&Redactor>| -> Value {
        let (_, text) = reports(&path, r)
            .into_iter()
            .find(|(f, _)| *f == Format::Json)
            .unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let (plain, red) = (json(None), json(Some(&r)));
    let fields = |v: &Value, field: &str| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| match field {
                "id" => f["object"]["id"].to_string(),
                _ => f[field].to_string(),
            })
            .collect()
    };
    for field in ["fingerprint", "id", "rule", "severity"] {
        assert_eq!(fields(&plain, field), fields(&red, field), "{field}");
    }
    let text = red.to_string();
    assert!(text.contains("@contoso.com"), "domains are kept");
    assert!(text.contains("\"u-"), "addresses are pseudonyms");
}

/// The command line: a key gives the same bytes run after run; without a key the run says so;
/// a bad key is a usage error (exit 2) and writes nothing.
#[test]
fn command_line_keys() {
    let bin = env!("CARGO_BIN_EXE_tenantlint");
    let snap = common::fixture("tenants/contoso.json");
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = Command::new(bin);
        c.arg("check")
            .arg(&snap)
            .args(args)
            .env_remove("TENANTLINT_REDACT_KEY");
        if let Some(k) = env {
            c.env("TENANTLINT_REDACT_KEY", k);
        }
        c.output().unwrap()
    };
    let a = run(&["--redact-key", KEY], None);
    let b = run(&["--redact"], Some(KEY));
    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("key");
    std::fs::write(&keyfile, format!("{KEY}\n")).unwrap();
    let c = run(&["--redact-key-file", keyfile.to_str().unwrap()], None);
    assert_eq!(a.status.code(), Some(1));
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, c.stdout);
    assert!(
        a.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&a.stderr)
    );
    let plain = run(&[], None);
    assert_ne!(a.stdout, plain.stdout);

    let random = run(&["--redact"], None);
    let random2 = run(&["--redact"], None);
    assert_ne!(random.stdout, random2.stdout, "a random key per run");
    assert!(String::from_utf8_lossy(&random.stderr).contains("random key"));

    let out = dir.path().join("report.json");
    std::fs::write(&out, "keep").unwrap();
    let bad = run(
        &["--redact-key", "12345", "-o", out.to_str().unwrap()],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--redact-key") && err.contains("32 hex digits"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep");
}
