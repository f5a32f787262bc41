//! `--format json`: the report shape of SNAPSHOT.md.

use super::{AHEAD, Report, fingerprint};
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
        let mut next = Vec::new();
        let written = rayon::in_place_scope(|s| {
            s.spawn(|_| {
                next = window.par_chunks(1024).map(render_chunk).collect();
            });
            put(&rendered)
        });
        written?;
        rendered = next;
    }
    put(&rendered)?;
    w.write_all(b"\n  ]")
}

/// Findings rendered at a time by [`write_findings`]: eight tasks of 1,024 keep both cores
/// busy, and a smaller window holds less text (at 102k findings, 32k rendered ahead cost
/// 11-17 MiB of peak RSS and more time than 8k).
const WINDOW: usize = 8 * 1024;

/// The findings of `chunk`, each preceded by ",\n    ", written as serde_json's pretty printer
/// writes [`FindingOut`] four spaces further in (a test holds the two to the same bytes). The
/// rule's code, name, severity and help are escaped once per run of findings of one rule.
fn render_chunk(chunk: &[Finding]) -> Vec<u8> {
    let mut out = Vec::with_capacity(chunk.len() * 800);
    // Findings come sorted by rule: the escaped fields of the rule at hand.
    let mut rule: Option<(&str, Severity, Vec<u8>, Vec<u8>)> = None;
    for (i, f) in chunk.iter().enumerate() {
        if let Some(ahead) = chunk.get(i + AHEAD) {
            super::prefetch(ahead);
        }
        let (head, tail) = match &rule {
            Some((code, sev, head, tail)) if *code == f.rule.code && *sev == f.severity => {
                (head, tail)
            }
            _ => {
                let mut head = b",\n    {\n      \"rule\": ".to_vec();
                string(&mut head, f.rule.code);
                head.extend_from_slice(b",\n      \"name\": ");
                string(&mut head, f.rule.name);
                head.extend_from_slice(b",\n      \"severity\": ");
                string(&mut head, f.severity.as_str());
                head.extend_from_slice(b",\n      \"message\": ");
                let mut tail = b"\",\n      \"help\": ".to_vec();
                string(&mut tail, f.rule.help());
                tail.extend_from_slice(b"\n    }");
                let (_, _, head, tail) = rule.insert((f.rule.code, f.severity, head, tail));
                (&*head, &*tail)
            }
        };
        out.extend_from_slice(head);
        string(&mut out, &f.message);
        out.extend_from_slice(b",\n      \"object\": ");
        object(&mut out, &f.object, "      ");
        if f.related.is_empty() {
            out.extend_from_slice(b",\n      \"related\": [],");
        } else {
            out.extend_from_slice(b",\n      \"related\": [");
            for (i, o) in f.related.iter().enumerate() {
                out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                out.extend_from_slice(b"        ");
                object(&mut out, o, "        ");
            }
            out.extend_from_slice(b"\n      ],");
        }
        out.extend_from_slice(b"\n      \"fingerprint\": \"");
        out.extend_from_slice(&super::fingerprint_hex(f));
        out.extend_from_slice(tail);
    }
    out
}

/// An [`ObjectOut`] as serde_json's pretty printer writes it, its closing brace at `indent`.
fn object(out: &mut Vec<u8>, o: &Object, indent: &str) {
    out.extend_from_slice(b"{\n");
    for (i, (key, value)) in [("type", o.kind.as_str()), ("id", &o.id), ("name", &o.name)]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.extend_from_slice(b",\n");
        }
        out.extend_from_slice(indent.as_bytes());
        out.extend_from_slice(b"  \"");
        out.extend_from_slice(key.as_bytes());
        out.extend_from_slice(b"\": ");
        string(out, value);
    }
    out.push(b'\n');
    out.extend_from_slice(indent.as_bytes());
    out.push(b'}');
}

/// `s` as a JSON string, escaped as serde_json escapes it (`"`, `\\` and control characters);
/// most strings need none and are copied whole.
fn string(out: &mut Vec<u8>, s: &str) {
    // Branch-free over blocks, so that the common case is a vector scan and one copy.
    let escape = |b: &u8| (*b < 0x20) | (*b == b'"') | (*b == b'\\');
    if s.as_bytes()
        .chunks(32)
        .any(|c| c.iter().fold(false, |a, b| a | escape(b)))
    {
        // Writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjKind;
    use crate::rules::registry;

    /// What [`render_chunk`] must equal: serde_json's pretty text of each [`FindingOut`],
    /// every line after the first four spaces further in.
    fn reference(chunk: &[Finding]) -> Vec<u8> {
        let mut out = Vec::new();
        for f in chunk {
            let text = serde_json::to_vec_pretty(&finding_out(f, f.rule.help())).unwrap();
            out.extend_from_slice(b",\n    ");
            let text = String::from_utf8(text).unwrap();
            out.extend_from_slice(text.replace('\n', "\n    ").as_bytes());
        }
        out
    }

    fn obj(kind: ObjKind, id: &str, name: &str) -> Object {
        Object {
            kind,
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn findings_render_as_serde_json_pretty_prints_them() {
        // Every character serde_json escapes or not, in every field a finding carries.
        let odd: String = (0u8..0x80).map(char::from).chain(['é', '€', '𝄞']).collect();
        let texts = [
            String::new(),
            "plain".to_string(),
            "a \"quoted\" \\ back\tslash\n".to_string(),
            odd.clone(),
            "x".repeat(100) + "\u{1}",
        ];
        let mut findings = Vec::new();
        for (n, rule) in registry().iter().enumerate() {
            for (k, text) in texts.iter().enumerate() {
                let related = (0..(n + k) % 4)
                    .map(|i| obj(ObjKind::Group, &format!("g{i}"), &texts[(i + k) % 5]))
                    .collect();
                findings.push(Finding {
                    rule: rule.meta(),
                    severity: [Severity::Info, Severity::Warning, Severity::Error][k % 3],
                    object: obj(ObjKind::User, text, &texts[(k + 1) % 5]),
                    message: text.clone(),
                    related,
                    key: text.clone(),
                    idents: Vec::new(),
                });
            }
        }
        for size in [1, 3, 1024] {
            for chunk in findings.chunks(size) {
                let got = render_chunk(chunk);
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    String::from_utf8(reference(chunk)).unwrap()
                );
            }
        }
        for b in 0u8..0x80 {
            let s = char::from(b).to_string();
            let mut got = Vec::new();
            string(&mut got, &s);
            assert_eq!(got, serde_json::to_vec(&s).unwrap(), "byte {b:#x}");
        }
    }
}
