//! `--format html`: a self-contained page whose data is the findings, whose tenant text is
//! inert, and which works in a real browser: headless Chromium opens it, a script sorts,
//! filters, searches and pages the table, and any script error fails the test.
//!
//! The browser tests need Chromium (`apt-get install chromium`; or set `CHROMIUM` to its
//! path). Without it they print SKIPPED and pass, unless `TENANTLINT_REQUIRE_BROWSER=1` (set
//! by `.ci/run`, which installs Chromium) makes a missing browser a failure.

mod common;

use assert_cmd::Command;
use common::*;
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("tenantlint")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn html_and_json(dir: &Path, snapshot: &str) -> (String, Value) {
    let html = run(dir, &["check", snapshot, "--format", "html"]);
    let json = serde_json::from_str(&run(dir, &["check", snapshot, "--format", "json"])).unwrap();
    (html, json)
}

/// The JSON data blocks of the page, one per snapshot.
fn data_blocks(html: &str) -> Vec<Value> {
    let open = "<script type=\"application/json\" class=\"data\">";
    html.split(open)
        .skip(1)
        .map(|rest| {
            let body = &rest[..rest.find("</script>").expect("the block ends")];
            serde_json::from_str(body).expect("the data block is JSON")
        })
        .collect()
}

/// The findings of a data block as the JSON report writes them (rule, severity, object,
/// message, related labels).
fn decoded(block: &Value) -> Vec<Value> {
    let rules = block["rules"].as_array().unwrap();
    let types = block["types"].as_array().unwrap();
    block["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let sev = ["error", "warning", "info"][f[0].as_u64().unwrap() as usize];
            json!({
                "rule": rules[f[1].as_u64().unwrap() as usize][0],
                "severity": sev,
                "type": types[f[2].as_u64().unwrap() as usize],
                "id": f[3], "name": f[4], "message": f[5], "related": f[6],
            })
        })
        .collect()
}

fn expected(json: &Value) -> Vec<Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let o = &f["object"];
            let related: Vec<String> = f["related"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| {
                    format!(
                        "{} {} ({})",
                        x["type"].as_str().unwrap(),
                        x["name"].as_str().unwrap(),
                        x["id"].as_str().unwrap()
                    )
                })
                .collect();
            json!({
                "rule": f["rule"], "severity": f["severity"], "type": o["type"],
                "id": o["id"], "name": o["name"], "message": f["message"], "related": related,
            })
        })
        .collect()
}

#[test]
fn page_holds_every_finding_and_the_first_page_as_html() {
    let (html, json) = html_and_json(&root(), "fixtures/tenants/contoso.json");
    let blocks = data_blocks(&html);
    assert_eq!(blocks.len(), 1);
    assert_eq!(decoded(&blocks[0]), expected(&json));
    let n = json["findings"].as_array().unwrap().len();
    assert_eq!(html.matches("<tr class=\"sev-").count(), n.min(100));
    assert!(html.contains(&format!("Showing 1\u{2013}{n} of {n} findings")));
    // Tenant name and id, export time, judged-at time.
    assert!(html.contains("<h2>Contoso</h2>"));
    let snap: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/tenants/contoso.json")).unwrap(),
    )
    .unwrap();
    let id = snap["tenant"]["id"].as_str().unwrap();
    assert!(html.contains(&format!("<dt>Tenant id</dt><dd><code>{id}</code></dd>")));
    assert!(html.contains("2026-11-20T08:00:00.0000000Z"));
    // Every rule's documentation, rendered.
    for code in ["LIC001", "SSPR006", "UPN004"] {
        assert!(html.contains(&format!("<details class=\"rule\" id=\"rule-{code}\">")));
    }
    assert!(html.contains("<h4>Why is this bad?</h4>"));
    assert!(!html.contains("## How to fix"));
    // An inline SVG bar per rule and severity with findings.
    let pairs: std::collections::BTreeSet<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].to_string(), f["severity"].to_string()))
        .collect();
    assert_eq!(html.matches("<rect class=").count(), pairs.len());
}

#[test]
fn page_loads_nothing_from_outside() {
    let (html, _) = html_and_json(&root(), "fixtures/tenants/contoso.json");
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    for needle in [" src=", "<link", "@import", "url(", "<iframe", "<object"] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
}

#[test]
fn tenant_text_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>&amp;\u{2028}";
    let text = std::fs::read_to_string(root().join("fixtures/tenants/contoso.json"))
        .unwrap()
        .replace(
            "\"displayName\": \"Tailspin Staff\"",
            &format!(
                "\"displayName\": {}",
                serde_json::to_string(hostile).unwrap()
            ),
        );
    std::fs::write(dir.path().join("t.json"), text).unwrap();
    let (html, json) = html_and_json(dir.path(), "t.json");
    assert!(!html.contains("<img"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data block and the script"
    );
    assert!(html.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    let blocks = data_blocks(&html);
    assert_eq!(decoded(&blocks[0]), expected(&json));
    assert!(blocks[0].to_string().contains(hostile));
}

#[test]
fn several_snapshots_are_several_sections() {
    let a = "fixtures/tenants/contoso.json";
    let b = "fixtures/snapshots/single.json";
    let html = run(&root(), &["check", a, b, "--format", "html"]);
    assert_eq!(html.matches("<section class=\"snapshot\"").count(), 2);
    assert!(html.contains(&format!("<code>{a}</code>")));
    assert!(html.contains(&format!("<code>{b}</code>")));
    let blocks = data_blocks(&html);
    for (block, snap) in blocks.iter().zip([a, b]) {
        let json =
            serde_json::from_str(&run(&root(), &["check", snap, "--format", "json"])).unwrap();
        assert_eq!(decoded(block), expected(&json));
    }
    assert!(html.contains("<title>tenantlint report: 2 snapshots</title>"));
}

// ---- in the browser ----

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Chromium, or `None` after saying loudly that the browser tests are skipped.
fn browser() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("TENANTLINT_REQUIRE_BROWSER").is_none(),
            "TENANTLINT_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium, or set CHROMIUM)"
        );
        eprintln!(
            "SKIPPED: the HTML report's browser test needs Chromium: apt-get install chromium (or set CHROMIUM=/path/to/chrome)"
        );
    }
    found
}

/// Collects script errors from the very start of the page.
const CATCH: &str = "<script>window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message))});addEventListener('unhandledrejection',function(e){__errors.push(String(e.reason))});</script>";

/// Drives the page as a user would, step by step, and writes what it saw into
/// `<pre id="tenantlint-test">` as JSON.
const DRIVE: &str = r##"<script>
(function () {
  var out = {errors: window.__errors, steps: {}};
  var sec = document.querySelector("section.snapshot");
  var q = sec.querySelector("input.search");
  function rows() { return Array.prototype.slice.call(sec.querySelectorAll("tbody tr")); }
  function snap(name) {
    out.steps[name] = {
      rows: rows().length,
      status: sec.querySelector(".status").textContent,
      page: sec.querySelector(".page").textContent,
      first: rows().length ? rows()[0].textContent : "",
      badges: rows().map(function (r) { return r.querySelector(".badge").textContent; })
    };
  }
  function set(sel, v) { sel.value = v; sel.dispatchEvent(new Event("change")); }
  function type(v) { q.value = v; q.dispatchEvent(new Event("input")); }
  function head(label) {
    return Array.prototype.filter.call(sec.querySelectorAll("th button"), function (b) { return b.textContent === label; })[0];
  }
  var rule = sec.querySelector("select.rule");
  var steps = [
    function () { snap("initial"); sec.querySelector("button.next").click(); },
    function () { snap("page2"); type(SEARCH); },
    function () { snap("search"); type(""); set(sec.querySelector("select.sev"), "1"); },
    function () {
      snap("warnings");
      set(sec.querySelector("select.sev"), "");
      var o = Array.prototype.filter.call(rule.options, function (o) { return o.textContent.indexOf("LIC001 ") === 0; })[0];
      set(rule, o.value);
    },
    function () { snap("rule"); set(rule, ""); head("Object").click(); head("Object").click(); },
    function () {
      snap("sorted");
      out.sort = sec.querySelector("th[aria-sort=descending] button").textContent;
      sec.querySelector('a[href="#rule-LIC001"]').click();
    },
    function () {
      out.ruleOpen = document.getElementById("rule-LIC001").open;
      out.controlsVisible = !sec.querySelector(".controls").hidden;
    }
  ];
  var i = 0;
  function done() {
    var pre = document.createElement("pre");
    pre.id = "tenantlint-test";
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
  function tick() {
    try { steps[i++](); } catch (e) { out.errors.push("driver: " + e.message); done(); return; }
    if (i < steps.length) setTimeout(tick, 250); else done();
  }
  setTimeout(tick, 0);
})();
</script>"##;

/// Opens `page` in headless Chromium, lets its timers run, and returns what the driver saw
/// and the browser's log.
fn open(chrome: &Path, page: &Path) -> (Value, String) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let (dom, log) = (out.join().unwrap(), err.join().unwrap());
    let start = dom
        .find("<pre id=\"tenantlint-test\">")
        .unwrap_or_else(|| panic!("the driver did not finish; browser log:\n{log}"))
        + "<pre id=\"tenantlint-test\">".len();
    let text = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    (serde_json::from_str(&text).unwrap(), log)
}

/// The page with the error catcher first and the driver last, searching for `search`.
fn instrumented(html: &str, search: &str) -> String {
    let driver = DRIVE.replace("SEARCH", &serde_json::to_string(search).unwrap());
    html.replacen("<head>", &format!("<head>\n{CATCH}"), 1)
        .replacen("</body>", &format!("{driver}\n</body>"), 1)
}

fn num(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A tenant with a few hundred findings: licensed users without a usage location (LIC001),
/// every third one disabled (LIC006 too).
fn many_findings(dir: &Path, users: usize) -> PathBuf {
    let mut snap: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/snapshots/single.json")).unwrap(),
    )
    .unwrap();
    let sku = "c7df2760-2c81-4ef7-b578-5b5392b571df";
    let mut list = vec![json!({
        "id": "00000000-0000-4000-8000-000000000000",
        "userPrincipalName": "located@contoso.com", "displayName": "Located",
        "usageLocation": "NL", "accountEnabled": true, "userType": "Member",
        "assignedLicenses": [{"skuId": sku, "disabledPlans": []}],
    })];
    for i in 1..=users {
        list.push(json!({
            "id": format!("00000000-0000-4000-8000-{i:012}"),
            "userPrincipalName": format!("user{i:04}@contoso.com"),
            "displayName": format!("User {i:04}"),
            "usageLocation": null, "accountEnabled": i % 3 != 0, "userType": "Member",
            "assignedLicenses": [{"skuId": sku, "disabledPlans": []}],
        }));
    }
    snap["users"] = Value::Array(list);
    let p = dir.join("many.json");
    std::fs::write(&p, serde_json::to_string_pretty(&snap).unwrap()).unwrap();
    p
}

#[test]
fn browser_sorts_filters_searches_and_pages() {
    let Some(chrome) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    many_findings(dir.path(), 240);
    let (html, json) = html_and_json(dir.path(), "many.json");
    let findings = json["findings"].as_array().unwrap();
    let n = findings.len();
    assert!(n > 200, "{n}");
    let count = |pred: &dyn Fn(&Value) -> bool| findings.iter().filter(|f| pred(f)).count();
    let warnings = count(&|f| f["severity"] == "warning");
    let lic001 = count(&|f| f["rule"] == "LIC001");
    let page = dir.path().join("page.html");
    std::fs::write(&page, instrumented(&html, "USER0123@contoso")).unwrap();
    let (seen, log) = open(&chrome, &page);
    assert_eq!(
        seen["errors"],
        json!([]),
        "script errors; browser log:\n{log}"
    );
    assert!(!log.contains("Uncaught"), "{log}");
    let step = |s: &str| &seen["steps"][s];
    assert_eq!(step("initial")["rows"], 100);
    assert_eq!(
        step("initial")["status"],
        format!("Showing 1\u{2013}100 of {} findings", num(n))
    );
    assert_eq!(
        step("initial")["page"],
        format!("Page 1 of {}", n.div_ceil(100))
    );
    assert_eq!(step("page2")["rows"], 100.min(n - 100));
    assert!(
        step("page2")["status"]
            .as_str()
            .unwrap()
            .starts_with("Showing 101\u{2013}")
    );
    // Search is case-insensitive and finds the one user (LIC001 only: 123 is a multiple of 3,
    // so LIC006 too).
    let hits = count(&|f| f["object"]["name"] == "user0123@contoso.com");
    assert_eq!(step("search")["rows"], hits);
    assert!(hits >= 1);
    assert!(
        step("search")["first"]
            .as_str()
            .unwrap()
            .contains("user0123@contoso.com")
    );
    assert_eq!(
        step("warnings")["status"],
        format!(
            "Showing 1\u{2013}{} of {} findings (filtered from {})",
            num(warnings.min(100)),
            num(warnings),
            num(n)
        )
    );
    assert!(
        step("warnings")["badges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b == "warning")
    );
    assert!(
        step("rule")["status"]
            .as_str()
            .unwrap()
            .contains(&format!("of {} findings", num(lic001)))
    );
    assert_eq!(seen["sort"], "Object");
    let last = findings
        .iter()
        .map(|f| f["object"]["name"].as_str().unwrap().to_lowercase())
        .max()
        .unwrap();
    assert!(
        step("sorted")["first"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(&last),
        "{} should start with {last}",
        step("sorted")["first"]
    );
    assert_eq!(seen["ruleOpen"], true);
    assert_eq!(seen["controlsVisible"], true);
}

#[test]
fn browser_shows_the_sample_tenant() {
    let Some(chrome) = browser() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (html, json) = html_and_json(&root(), "fixtures/tenants/contoso.json");
    let n = json["findings"].as_array().unwrap().len();
    let page = dir.path().join("contoso.html");
    std::fs::write(&page, instrumented(&html, "JohannaL")).unwrap();
    let (seen, log) = open(&chrome, &page);
    assert_eq!(
        seen["errors"],
        json!([]),
        "script errors; browser log:\n{log}"
    );
    assert_eq!(seen["steps"]["initial"]["rows"], n);
    assert_eq!(
        seen["steps"]["initial"]["status"],
        format!("Showing 1\u{2013}{n} of {n} findings")
    );
    assert_eq!(seen["steps"]["search"]["rows"], 1);
}
