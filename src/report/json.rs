//! `--format json`: the report shape of SNAPSHOT.md.

use super::{Report, fingerprint};
use crate::baseline::Entry;
use crate::config::Exemption;
use crate::rules::{Finding, Object, Severity};
use rayon::prelude::*;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::io::{self, Write};

#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Snapshot<'a> {
    source: &'a str,
    exported_at: Option<&'a str>,
    now: String,
    now_source: &'static str,
    counts: Counts,
}

pub(super) struct Counts(Vec<(&'static str, usize)>);

impl Serialize for Counts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
pub(super) struct Skipped<'a> {
    rule: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary<'a> {
    error: usize,
    warning: usize,
    info: usize,
    rules_run: usize,
    rules_skipped: Vec<Skipped<'a>>,
    // With exemptions in the configuration:
    #[serde(skip_serializing_if = "Option::is_none")]
    exempted: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired_exemptions: Option<Vec<ExemptionOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale_exemptions: Option<Vec<ExemptionOut<'a>>>,
    // With --baseline:
    #[serde(skip_serializing_if = "Option::is_none")]
    baselined: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<usize>,
}

#[derive(Serialize)]
struct ExemptionOut<'a> {
    rule: &'static str,
    object: &'a str,
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<&'a str>,
    /// Where the configuration says it: `tenantlint.toml:12`.
    origin: &'a str,
}

impl<'a> From<&'a Exemption> for ExemptionOut<'a> {
    fn from(e: &'a Exemption) -> Self {
        ExemptionOut {
            rule: e.rule.code,
            object: &e.object,
            reason: &e.reason,
            expires: e.expires.as_ref().map(|(d, _)| d.as_str()),
            origin: &e.origin,
        }
    }
}

#[derive(Serialize)]
struct ExemptedOut<'a> {
    #[serde(flatten)]
    finding: FindingOut<'a>,
    exemption: ExemptionOut<'a>,
}

#[derive(Serialize)]
struct ObjectOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: &'a str,
    name: &'a str,
}

impl<'a> From<&'a Object> for ObjectOut<'a> {
    fn from(o: &'a Object) -> Self {
        ObjectOut {
            kind: o.kind.as_str(),
            id: &o.id,
            name: &o.name,
        }
    }
}

#[derive(Serialize)]
pub(super) struct FindingOut<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    object: ObjectOut<'a>,
    related: Vec<ObjectOut<'a>>,
    fingerprint: String,
    help: &'static str,
}

/// The JSON object of one finding.
pub(super) fn finding_out<'a>(f: &'a Finding, help: &'static str) -> FindingOut<'a> {
    FindingOut {
        rule: f.rule.code,
        name: f.rule.name,
        severity: f.severity.as_str(),
        message: &f.message,
        object: (&f.object).into(),
        related: f.related.iter().map(Into::into).collect(),
        fingerprint: fingerprint(f),
        help,
    }
}

/// The findings array; `Findings(&[])` stands in for findings written separately.
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&finding_out(f, f.rule.help()))?;
        }
        seq.end()
    }
}

/// The findings of a single report as serde_json's pretty printer would write them inside the
/// report object (elements indented by four spaces), rendered in parallel chunks. At most
/// [`WINDOW`] findings are rendered ahead of the writer, so the report's text is never held
/// whole in memory (200,000 findings sharing one address render to 440 MB).
fn write_findings(findings: &[Finding], w: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        return w.write_all(b"[]");
    }
    w.write_all(b"[\n    ")?;
    let mut first = true;
    let mut put = |chunks: &[Vec<u8>]| -> io::Result<()> {
        for c in chunks {
            // Every chunk starts with ",\n    "; the very first separator is the opening's.
            w.write_all(c.get(if first { 6 } else { 0 }..).unwrap_or_default())?;
            first = false;
        }
        Ok(())
    };
    // Each window is written while the next one renders.
    let mut rendered: Vec<Vec<u8>> = Vec::new();
    for window in findings.chunks(WINDOW) {
        let mut next = Ok(Vec::new());
        let written = rayon::in_place_scope(|s| {
            s.spawn(|_| {
                next = window
                    .par_chunks(1024)
                    .map(render_chunk)
                    .collect::<serde_json::Result<Vec<Vec<u8>>>>();
            });
            put(&rendered)
        });
        written?;
        rendered = next?;
    }
    put(&rendered)?;
    w.write_all(b"\n  ]")
}

/// Findings rendered at a time by [`write_findings`]: eight tasks of 1,024 keep both cores
/// busy, and a smaller window holds less text (at 102k findings, 32k rendered ahead cost
/// 11-17 MiB of peak RSS and more time than 8k).
const WINDOW: usize = 8 * 1024;

/// The findings of `chunk`, each preceded by ",\n    ".
fn render_chunk(chunk: &[Finding]) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(chunk.len() * 800);
    // Findings come sorted by rule: look each rule's help up once per chunk.
    let mut help: Option<(&str, &'static str)> = None;
    for f in chunk {
        let h = match help {
            Some((code, h)) if code == f.rule.code => h,
            _ => {
                let h = f.rule.help();
                help = Some((f.rule.code, h));
                h
            }
        };
        let text = serde_json::to_vec_pretty(&finding_out(f, h))?;
        out.extend_from_slice(b",\n    ");
        // Every line after the first indented by four more spaces, a line at a time.
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', &text) {
            out.extend_from_slice(text.get(from..=nl).unwrap_or_default());
            out.extend_from_slice(b"    ");
            from = nl + 1;
        }
        out.extend_from_slice(text.get(from..).unwrap_or_default());
    }
    Ok(out)
}

#[derive(Serialize)]
struct ReportOut<'a> {
    tool: Tool,
    snapshot: Snapshot<'a>,
    summary: Summary<'a>,
    /// Findings an exemption covers (with exemptions in the configuration).
    #[serde(skip_serializing_if = "Option::is_none")]
    exempted: Option<Vec<ExemptedOut<'a>>>,
    /// Baseline entries no longer found (with --baseline).
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a [Entry]>,
    /// Last: a single report writes its findings after the rest (see [`write`]).
    findings: Findings<'a>,
}

/// `{"name": "tenantlint", "version": …}`.
pub(super) fn tool() -> Tool {
    Tool {
        name: "tenantlint",
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// A report's `snapshot` object.
pub(super) fn snapshot<'a>(r: &'a Report) -> Snapshot<'a> {
    Snapshot {
        source: r.source,
        exported_at: r.tenant.info.exported_at.as_ref().map(|(s, _)| s.as_str()),
        now: r.now_rfc3339(),
        now_source: r.now_source.as_str(),
        counts: Counts(r.counts()),
    }
}

/// A report's `summary.rulesSkipped`.
pub(super) fn skipped<'a>(r: &'a Report) -> Vec<Skipped<'a>> {
    r.result
        .skipped
        .iter()
        .map(|s| Skipped {
            rule: s.rule.code,
            reason: &s.reason,
        })
        .collect()
}

fn out<'a>(r: &'a Report) -> ReportOut<'a> {
    let ex = &r.result.exemptions;
    let exemptions = |ids: &[usize]| -> Vec<ExemptionOut<'a>> {
        ids.iter()
            .filter_map(|&i| ex.exemptions.get(i).map(Into::into))
            .collect()
    };
    ReportOut {
        tool: tool(),
        snapshot: snapshot(r),
        summary: Summary {
            error: r.count(Severity::Error),
            warning: r.count(Severity::Warning),
            info: r.count(Severity::Info),
            rules_run: r.result.ran.len(),
            rules_skipped: skipped(r),
            exempted: ex.any().then_some(ex.exempted.len()),
            expired_exemptions: ex.any().then(|| exemptions(&ex.expired)),
            stale_exemptions: ex.any().then(|| exemptions(&ex.stale)),
            baselined: r.result.baseline.as_ref().map(|b| b.baselined),
            fixed: r.result.baseline.as_ref().map(|b| b.fixed.len()),
        },
        exempted: ex.any().then(|| {
            ex.exempted
                .iter()
                .filter_map(|(f, i)| {
                    Some(ExemptedOut {
                        finding: finding_out(f, f.rule.help()),
                        exemption: ex.exemptions.get(*i)?.into(),
                    })
                })
                .collect()
        }),
        fixed: r.result.baseline.as_ref().map(|b| b.fixed.as_slice()),
        findings: Findings(&r.result.findings),
    }
}

/// One snapshot: one report object. Several: an array of them, in command-line order.
pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    if let [one] = reports {
        // The report without findings ends in `"findings": []\n}`; the findings go in between.
        let mut head = out(one);
        head.findings = Findings(&[]);
        let mut text = serde_json::to_vec_pretty(&head)?;
        let tail = b"[]\n}";
        debug_assert!(text.ends_with(tail));
        text.truncate(text.len() - tail.len());
        w.write_all(&text)?;
        write_findings(&one.result.findings, w)?;
        w.write_all(b"\n}")?;
    } else {
        let all: Vec<ReportOut> = reports.iter().map(out).collect();
        serde_json::to_writer_pretty(&mut *w, &all)?;
    }
    writeln!(w)
}
