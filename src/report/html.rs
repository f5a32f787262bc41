//! `--format html`: one self-contained page for people (a compliance report, an email
//! attachment). No external assets: the style, the script, the chart (inline SVG) and the
//! data are in the file, and a content security policy forbids loading anything else.
//!
//! Per snapshot: the tenant's name and id, the snapshot's export time and the time judged
//! at, counts per severity, a chart of findings per rule, skipped rules, and the findings
//! table (sort, filter by severity, rule and object type, search as you type, pages of
//! [`PAGE`] rows). The first page is in the HTML itself, so it paints before the script runs
//! and shows without JavaScript; the script takes the findings from a JSON block (tenant text
//! there has `<` escaped, so it cannot end the block) and builds rows with `textContent`
//! only. Then every rule's documentation, rendered from `rules/<CODE>.md`.

use super::{AHEAD, Report, by_rule, object_label, plural};
use crate::rules::{Finding, RuleMeta, Severity, registry};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Rows per page of the findings table (and rows in the HTML before the script runs).
pub const PAGE: usize = 100;

pub(super) const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// The pages' content security policy: nothing is loaded from anywhere.
pub(super) const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/// Text for an element or a quoted attribute.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `12,345`.
pub(super) fn num(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Severity as the page orders it: errors first.
fn rank(s: Severity) -> usize {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

pub(super) const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// A rule's documentation as HTML: its title line dropped (the summary shows it) and its
/// headings moved down to sit under the page's.
fn doc_html(m: &RuleMeta) -> String {
    let body = m
        .doc
        .strip_prefix('#')
        .filter(|d| d.starts_with(' '))
        .and_then(|d| d.split_once('\n'))
        .map_or(m.doc, |(_, rest)| rest);
    let events = Parser::new(body).map(|e| match e {
        Event::Start(Tag::Heading {
            id, classes, attrs, ..
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H4,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Heading(HeadingLevel::H4)),
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, events);
    out
}

/// Findings per rule, per severity, as horizontal stacked bars.
fn chart(findings: &[Finding]) -> String {
    let groups = by_rule(findings);
    if groups.is_empty() {
        return String::new();
    }
    let max = groups
        .iter()
        .map(|(_, fs)| fs.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let (label_w, bar_w, row_h) = (250.0, 250.0, 17.0);
    let height = row_h * groups.len() as f64 + 4.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 560 {height}\" role=\"img\" aria-label=\"Findings per rule\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (k, (meta, fs)) in groups.iter().enumerate() {
        let y = row_h * k as f64 + 2.0;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\">{} {}</text>",
            y + 11.5,
            meta.code,
            esc(meta.name)
        );
        let mut x = label_w;
        for s in SEVERITIES {
            let n = fs.iter().filter(|f| f.severity == s).count();
            if n == 0 {
                continue;
            }
            let w = (bar_w * n as f64 / max as f64).max(1.0);
            let _ = write!(
                svg,
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"12\"><title>{} {}: {} {}</title></rect>",
                s.as_str(),
                y + 1.0,
                meta.code,
                meta.name,
                num(n),
                s.as_str()
            );
            x += w;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\">{}</text>",
            x + 6.0,
            y + 11.5,
            num(fs.len())
        );
    }
    svg.push_str("</svg>");
    format!("<figure>{svg}<figcaption class=\"muted\">Findings per rule</figcaption></figure>\n")
}

/// One table row, as the script builds it.
pub(super) fn row(f: &Finding) -> String {
    let sev = f.severity.as_str();
    let mut s = format!(
        "<tr class=\"sev-{sev}\"><td><span class=\"badge {sev}\">{sev}</span></td><td><a class=\"mono\" href=\"#rule-{code}\">{code}</a><br><span class=\"muted\">{name}</span></td><td>{kind}</td><td><span>{oname}</span><br><code class=\"muted\">{id}</code></td><td>{msg}",
        code = f.rule.code,
        name = esc(f.rule.name),
        kind = f.object.kind.as_str(),
        oname = esc(&f.object.name),
        id = esc(&f.object.id),
        msg = esc(&f.message),
    );
    if !f.related.is_empty() {
        s.push_str("<ul class=\"rel\">");
        for o in &f.related {
            let _ = write!(s, "<li>{}</li>", esc(&object_label(o)));
        }
        s.push_str("</ul>");
    }
    s.push_str("</td></tr>\n");
    s
}

/// Writes JSON with every `<` as `\u003c`, so that no tenant text can close the `<script>`
/// block that holds it (`<` only ever occurs inside JSON strings).
struct ScriptSafe<'w>(&'w mut dyn Write);

impl Write for ScriptSafe<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(i) = rest.iter().position(|&b| b == b'<') {
            let (head, tail) = rest.split_at(i);
            self.0.write_all(head)?;
            self.0.write_all(b"\\u003c")?;
            rest = tail.get(1..).unwrap_or_default();
        }
        self.0.write_all(rest)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

const KINDS: [crate::model::ObjKind; 9] = {
    use crate::model::ObjKind::*;
    [
        User,
        Group,
        Contact,
        SubscribedSku,
        Domain,
        Application,
        ServicePrincipal,
        Policy,
        Tenant,
    ]
};

/// The findings as compact JSON for the script: `[severity rank, rule index, type index, id,
/// name, message, [related labels]]`.
fn data(w: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    let rules: Vec<[&str; 2]> = registry()
        .iter()
        .map(|r| [r.meta().code, r.meta().name])
        .collect();
    let index: HashMap<&str, usize> = rules.iter().enumerate().map(|(i, r)| (r[0], i)).collect();
    let types: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    let mut w = ScriptSafe(w);
    w.write_all(b"{\"rules\":")?;
    serde_json::to_writer(&mut w, &rules)?;
    w.write_all(b",\"types\":")?;
    serde_json::to_writer(&mut w, &types)?;
    w.write_all(b",\"findings\":[")?;
    for (i, f) in findings.iter().enumerate() {
        if let Some(ahead) = findings.get(i + AHEAD) {
            super::prefetch(ahead);
        }
        if i > 0 {
            w.write_all(b",")?;
        }
        let related: Vec<String> = f.related.iter().map(object_label).collect();
        let kind = KINDS.iter().position(|&k| k == f.object.kind).unwrap_or(0);
        let rule = index.get(f.rule.code).copied().unwrap_or(0);
        serde_json::to_writer(
            &mut w,
            &(
                rank(f.severity),
                rule,
                kind,
                &f.object.id,
                &f.object.name,
                &f.message,
                related,
            ),
        )?;
        w.write_all(b"\n")?;
    }
    w.write_all(b"]}")
}

/// A snapshot's facts: source, tenant, export and judged-at times, objects, rules.
pub(super) fn facts(r: &Report) -> String {
    let mut s = String::from("<dl class=\"facts\">");
    let mut fact = |k: &str, v: String| {
        let _ = write!(s, "<dt>{k}</dt><dd>{v}</dd>");
    };
    fact("Snapshot", format!("<code>{}</code>", esc(r.source)));
    if let Some(id) = &r.tenant.info.id {
        fact("Tenant id", format!("<code>{}</code>", esc(id)));
    }
    fact(
        "Exported",
        r.tenant.info.exported_at.as_ref().map_or(
            "not recorded (no <code>exportedAt</code>)".into(),
            |(t, _)| esc(t),
        ),
    );
    let source = match r.now_source {
        super::NowSource::Option => "given with --now",
        super::NowSource::ExportedAt => "the export time",
        super::NowSource::Clock => "the clock when the report was made",
    };
    fact(
        "Judged at",
        format!(
            "{} <span class=\"muted\">({source})</span>",
            r.now_rfc3339()
        ),
    );
    let objects: Vec<String> = r
        .counts()
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .map(|(k, n)| format!("{} {k}", num(n)))
        .collect();
    fact("Objects", esc(&objects.join(" · ")));
    fact(
        "Rules",
        format!(
            "{} run, {} skipped",
            r.result.ran.len(),
            r.result.skipped.len()
        ),
    );
    let accepted = r.accepted_note();
    if let Some(a) = accepted.strip_prefix("; ") {
        fact("Accepted", esc(&a.replace("; ", " · ")));
    }
    s.push_str("</dl>\n");
    s
}

fn section(w: &mut dyn Write, r: &Report, n: usize) -> io::Result<()> {
    let findings = &r.result.findings;
    let name = r
        .result
        .tenant_name
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("Tenant");
    let mut s = format!(
        "<section class=\"snapshot\" id=\"snapshot-{n}\">\n<h2>{}</h2>\n",
        esc(name)
    );
    s.push_str("<div class=\"overview\"><div>");
    s.push_str(&facts(r));
    s.push_str("<div class=\"cards\">");
    for sev in SEVERITIES {
        let _ = write!(
            s,
            "<div class=\"card {0}\"><b>{1}</b>{0}</div>",
            sev.as_str(),
            num(r.count(sev))
        );
    }
    s.push_str("</div></div>\n");
    s.push_str(&chart(findings));
    s.push_str("</div>\n");
    if !r.result.skipped.is_empty() {
        let _ = write!(
            s,
            "<h3>Skipped rules</h3>\n<p class=\"muted\">These rules did not run: the snapshot lacks what they read, so they neither passed nor failed.</p>\n<ul class=\"skipped\">"
        );
        for k in &r.result.skipped {
            let _ = write!(
                s,
                "<li><a class=\"mono\" href=\"#rule-{0}\">{0}</a> {1}: {2}</li>",
                k.rule.code,
                esc(k.rule.name),
                esc(&k.reason)
            );
        }
        s.push_str("</ul>\n");
    }
    let _ = write!(
        s,
        "<h3>Findings</h3>\n<div class=\"controls\" hidden><input class=\"search\" type=\"search\" placeholder=\"Search objects, ids, messages\" aria-label=\"Search findings\">\
<select class=\"sev\" aria-label=\"Severity\"><option value=\"\">All severities</option><option value=\"0\">error</option><option value=\"1\">warning</option><option value=\"2\">info</option></select>\
<select class=\"rule\" aria-label=\"Rule\"><option value=\"\">All rules</option></select>\
<select class=\"type\" aria-label=\"Object type\"><option value=\"\">All object types</option></select></div>\n"
    );
    let shown = findings.len().min(PAGE);
    let status = if findings.is_empty() {
        "No findings".to_owned()
    } else {
        format!(
            "Showing 1\u{2013}{} of {} {}",
            num(shown),
            num(findings.len()),
            if findings.len() == 1 {
                "finding"
            } else {
                "findings"
            }
        )
    };
    let _ = write!(
        s,
        "<p class=\"status\">{status}</p>\n<noscript><p>Sorting, filtering, search and pages after the first need JavaScript; the CSV or JSON report has every finding.</p></noscript>\n\
<table class=\"findings\"><colgroup><col class=\"sev\"><col class=\"rule\"><col class=\"type\"><col class=\"obj\"><col></colgroup>\
<thead><tr><th aria-sort=\"none\"><button type=\"button\">Severity</button></th><th aria-sort=\"none\"><button type=\"button\">Rule</button></th>\
<th aria-sort=\"none\"><button type=\"button\">Object type</button></th><th aria-sort=\"none\"><button type=\"button\">Object</button></th>\
<th aria-sort=\"none\"><button type=\"button\">Message</button></th></tr></thead>\n<tbody>\n"
    );
    for f in findings.iter().take(PAGE) {
        s.push_str(&row(f));
    }
    s.push_str("</tbody></table>\n<nav class=\"pager\" hidden><button type=\"button\" class=\"prev\">Previous</button><span class=\"page\"></span><button type=\"button\" class=\"next\">Next</button></nav>\n<script type=\"application/json\" class=\"data\">");
    w.write_all(s.as_bytes())?;
    data(w, findings)?;
    w.write_all(b"</script>\n")?;
    // After the findings table (the script takes the section's first `table.findings`).
    w.write_all(accepted(r).as_bytes())?;
    w.write_all(b"</section>\n")
}

/// Rows of the exempted and fixed lists shown (the JSON and CSV reports have them all).
const LIST: usize = 1000;

/// The exemptions and what each did, the exempted findings, and the baseline's fixed entries.
fn accepted(r: &Report) -> String {
    let mut s = String::new();
    let states = r.exemption_states();
    if !states.is_empty() {
        s.push_str("<h3>Exemptions</h3>\n<p class=\"muted\">Accepted deviations from the configuration: the findings they cover are not counted. An expired or stale exemption is worth a look.</p>\n<ul class=\"skipped\">");
        for (e, state) in &states {
            let _ = write!(
                s,
                "<li><a class=\"mono\" href=\"#rule-{code}\">{code}</a> {object}: {note} <span class=\"badge {class}\">{state}</span></li>",
                code = e.rule.code,
                object = esc(&e.object),
                note = esc(&super::exemption_note(e)),
                class = match state {
                    super::ExemptionState::Applied(_) => "info",
                    _ => "warning",
                },
                state = esc(&state.label()),
            );
        }
        s.push_str("</ul>\n");
        let ex = &r.result.exemptions.exempted;
        if !ex.is_empty() {
            let _ = write!(
                s,
                "<details><summary>{} exempted</summary>\n<table class=\"findings\"><thead><tr><th>Severity</th><th>Rule</th><th>Object type</th><th>Object</th><th>Message</th></tr></thead><tbody>\n",
                num(ex.len())
            );
            for (f, _) in ex.iter().take(LIST) {
                s.push_str(&row(f));
            }
            s.push_str("</tbody></table>");
            if ex.len() > LIST {
                let _ = write!(
                    s,
                    "<p class=\"muted\">{} more in the JSON and CSV reports.</p>",
                    num(ex.len() - LIST)
                );
            }
            s.push_str("</details>\n");
        }
    }
    if let Some(b) = r.result.baseline.as_ref().filter(|b| !b.fixed.is_empty()) {
        let _ = write!(
            s,
            "<h3>Fixed</h3>\n<details><summary>{} of the baseline no longer found</summary>\n<ul class=\"skipped\">",
            num(b.fixed.len())
        );
        for e in b.fixed.iter().take(LIST) {
            let _ = write!(
                s,
                "<li><code>{}</code> {} <span class=\"muted\">{}</span></li>",
                esc(&e.rule),
                esc(&e.object),
                esc(&e.fingerprint)
            );
        }
        s.push_str("</ul>");
        if b.fixed.len() > LIST {
            let _ = write!(
                s,
                "<p class=\"muted\">{} more in the JSON report.</p>",
                num(b.fixed.len() - LIST)
            );
        }
        s.push_str("</details>\n");
    }
    s
}

/// The documentation of the rules `show` picks, after `intro`.
pub(super) fn rules_section(intro: &str, show: impl Fn(&RuleMeta) -> bool) -> String {
    let mut s = format!("<section id=\"rules\">\n<h2>Rules</h2>\n<p class=\"muted\">{intro}</p>\n");
    for m in registry().iter().map(|r| r.meta()).filter(|m| show(m)) {
        let sev = m.default_severity().as_str();
        let _ = write!(
            s,
            "<details class=\"rule\" id=\"rule-{code}\"><summary><code>{code}</code> {name} <span class=\"badge {sev}\">{sev}</span> <span class=\"muted\">{category}: {summary}</span></summary>\n<div class=\"doc\">\n{doc}</div></details>\n",
            code = m.code,
            name = esc(m.name),
            category = m.category.as_str(),
            summary = esc(m.summary),
            doc = doc_html(m),
        );
    }
    s.push_str("</section>\n");
    s
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let title = match reports {
        [r] => format!(
            "tenantlint report: {}",
            r.result.tenant_name.as_deref().unwrap_or(r.source)
        ),
        _ => format!("tenantlint report: {} snapshots", reports.len()),
    };
    write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
<meta name=\"generator\" content=\"tenantlint {version}\">\n<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
<header class=\"top\"><h1>tenantlint report</h1><p class=\"muted\">{what} checked by tenantlint {version}</p></header>\n<main>\n",
        version = env!("CARGO_PKG_VERSION"),
        title = esc(&title),
        what = plural(reports.len(), "snapshot", "snapshots"),
    )?;
    for (n, r) in reports.iter().enumerate() {
        section(w, r, n)?;
    }
    w.write_all(
        rules_section(
            "Every rule tenantlint runs, with its documentation.",
            |_| true,
        )
        .as_bytes(),
    )?;
    write!(
        w,
        "</main>\n<footer>Made by tenantlint {}, offline, from the snapshot alone.</footer>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::{ScriptSafe, esc, num};
    use std::io::Write;

    #[test]
    fn text_and_script_data_are_escaped() {
        assert_eq!(
            esc("<b a=\"x\" b='y'>&</b>"),
            "&lt;b a=&quot;x&quot; b=&#39;y&#39;&gt;&amp;&lt;/b&gt;"
        );
        let mut out = Vec::new();
        ScriptSafe(&mut out)
            .write_all(b"\"</script><!--x<\"")
            .unwrap();
        assert_eq!(out, b"\"\\u003c/script>\\u003c!--x\\u003c\"");
    }

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1234567), "1,234,567");
    }
}
