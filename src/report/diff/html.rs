//! `diff --format html`: one self-contained page (the check report's style and content
//! security policy, no script): both snapshots' facts, the counts, and the introduced and
//! resolved findings, [`LIST`] rows each (the JSON and CSV diffs have them all), then the
//! documentation of the rules they belong to. All tenant text is escaped.

use super::{Diff, count};
use crate::report::html::{CSP, CSS, SEVERITIES, esc, facts, num, row, rules_section};
use crate::report::{Report, plural};
use crate::rules::{Finding, Severity};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Rows of each table shown.
pub const LIST: usize = 1000;

/// A snapshot's name: the tenant's, else the source.
fn name<'a>(r: &'a Report) -> &'a str {
    r.result
        .tenant_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(r.source)
}

fn side(s: &mut String, label: &str, r: &Report) {
    let _ = write!(
        s,
        "<div><h3>{label}: {}</h3>\n{}</div>\n",
        esc(name(r)),
        facts(r)
    );
}

fn table(s: &mut String, what: &str, id: &str, findings: &[&Finding]) {
    let _ = write!(
        s,
        "<h2 id=\"{id}\">{what}</h2>\n<p class=\"status\">{}</p>\n",
        if findings.is_empty() {
            "None".to_owned()
        } else {
            format!(
                "{}: {}",
                plural(findings.len(), "finding", "findings"),
                SEVERITIES
                    .iter()
                    .map(|&sev| {
                        let n = count(findings, sev);
                        let word = match sev {
                            Severity::Error if n != 1 => "errors",
                            Severity::Warning if n != 1 => "warnings",
                            s => s.as_str(),
                        };
                        format!("{} {word}", num(n))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if findings.is_empty() {
        return;
    }
    s.push_str(
        "<table class=\"findings\"><colgroup><col class=\"sev\"><col class=\"rule\"><col class=\"type\"><col class=\"obj\"><col></colgroup>\
<thead><tr><th>Severity</th><th>Rule</th><th>Object type</th><th>Object</th><th>Message</th></tr></thead>\n<tbody>\n",
    );
    for f in findings.iter().take(LIST) {
        s.push_str(&row(f));
    }
    s.push_str("</tbody></table>\n");
    if findings.len() > LIST {
        let _ = writeln!(
            s,
            "<p class=\"muted\">{} more in the JSON and CSV diffs.</p>",
            num(findings.len() - LIST)
        );
    }
}

pub fn write(d: &Diff, w: &mut dyn Write) -> io::Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    let title = format!(
        "tenantlint diff: {} \u{2192} {}",
        name(&d.old),
        name(&d.new)
    );
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"generator\" content=\"tenantlint {version}\">\n<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
<header class=\"top\"><h1>tenantlint diff</h1><p class=\"muted\">Findings introduced and resolved from the old snapshot to the new one, compared by tenantlint {version}</p></header>\n<main>\n\
<section class=\"snapshot\">\n<h2>Snapshots</h2>\n<div class=\"overview\">\n",
        title = esc(&title),
    );
    side(&mut s, "Old", &d.old);
    side(&mut s, "New", &d.new);
    s.push_str("</div>\n<div class=\"cards\">");
    for (class, n, what) in [
        ("error", d.introduced.len(), "introduced"),
        ("info", d.resolved.len(), "resolved"),
        ("unchanged", d.unchanged, "unchanged"),
    ] {
        let _ = write!(
            s,
            "<div class=\"card {class}\"><b>{}</b>{what}</div>",
            num(n)
        );
    }
    s.push_str("</div>\n<table class=\"findings\"><thead><tr><th>Change</th>");
    for sev in SEVERITIES {
        let _ = write!(s, "<th>{}</th>", sev.as_str());
    }
    s.push_str("<th>Total</th></tr></thead>\n<tbody>\n");
    for (what, id, fs) in [
        ("Introduced", "introduced", &d.introduced),
        ("Resolved", "resolved", &d.resolved),
    ] {
        let _ = write!(s, "<tr><td><a href=\"#{id}\">{what}</a></td>");
        for sev in SEVERITIES {
            let _ = write!(s, "<td>{}</td>", num(count(fs, sev)));
        }
        let _ = writeln!(s, "<td>{}</td></tr>", num(fs.len()));
    }
    let _ = write!(
        s,
        "<tr><td>Unchanged</td><td></td><td></td><td></td><td>{}</td></tr>\n</tbody></table>\n",
        num(d.unchanged)
    );
    let one_sided = d.one_sided();
    if !one_sided.is_empty() {
        s.push_str("<h3>Rules that ran on one side only</h3>\n<p class=\"muted\">One snapshot lacks what these rules read, so their findings in the other all count as introduced or resolved.</p>\n<ul class=\"skipped\">");
        for o in &one_sided {
            let (ran, skipped) = if o.skipped_in_old {
                ("new", "old")
            } else {
                ("old", "new")
            };
            let _ = write!(
                s,
                "<li><a class=\"mono\" href=\"#rule-{code}\">{code}</a> {name}: ran on the {ran} snapshot only; skipped in the {skipped}: {reason}</li>",
                code = o.rule.code,
                name = esc(o.rule.name),
                reason = esc(o.reason),
            );
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n<section class=\"changes\">\n");
    table(&mut s, "Introduced", "introduced", &d.introduced);
    table(&mut s, "Resolved", "resolved", &d.resolved);
    s.push_str("</section>\n");
    let shown: HashSet<&str> = d
        .introduced
        .iter()
        .chain(&d.resolved)
        .map(|f| f.rule.code)
        .chain(one_sided.iter().map(|o| o.rule.code))
        .collect();
    if !shown.is_empty() {
        s.push_str(&rules_section(
            "The rules of the findings above, with their documentation.",
            |m| shown.contains(m.code),
        ));
    }
    let _ = write!(
        s,
        "</main>\n<footer>Made by tenantlint {version}, offline, from the snapshots alone.</footer>\n</body>\n</html>\n"
    );
    w.write_all(s.as_bytes())
}
