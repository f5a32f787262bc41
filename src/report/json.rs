//! `--format json`: the report shape of SNAPSHOT.md.

use super::{Report, fingerprint};
use crate::rules::{Finding, Object, Severity};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::io::{self, Write};

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot<'a> {
    source: &'a str,
    exported_at: Option<&'a str>,
    now: String,
    now_source: &'static str,
    counts: Counts,
}

struct Counts(Vec<(&'static str, usize)>);

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
struct Skipped<'a> {
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
struct FindingOut<'a> {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    message: &'a str,
    object: ObjectOut<'a>,
    related: Vec<ObjectOut<'a>>,
    fingerprint: String,
    help: &'static str,
}

struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        // Findings come sorted by rule: look each rule's help up once.
        let mut help: Option<(&str, &str)> = None;
        for f in self.0 {
            let h = match help {
                Some((code, h)) if code == f.rule.code => h,
                _ => {
                    let h = f.rule.help();
                    help = Some((f.rule.code, h));
                    h
                }
            };
            seq.serialize_element(&FindingOut {
                rule: f.rule.code,
                name: f.rule.name,
                severity: f.severity.as_str(),
                message: &f.message,
                object: (&f.object).into(),
                related: f.related.iter().map(Into::into).collect(),
                fingerprint: fingerprint(f),
                help: h,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct ReportOut<'a> {
    tool: Tool,
    snapshot: Snapshot<'a>,
    summary: Summary<'a>,
    findings: Findings<'a>,
}

fn out<'a>(r: &'a Report) -> ReportOut<'a> {
    ReportOut {
        tool: Tool {
            name: "tenantlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        snapshot: Snapshot {
            source: r.source,
            exported_at: r.tenant.info.exported_at.as_ref().map(|(s, _)| s.as_str()),
            now: r.now_rfc3339(),
            now_source: r.now_source.as_str(),
            counts: Counts(r.counts()),
        },
        summary: Summary {
            error: r.count(Severity::Error),
            warning: r.count(Severity::Warning),
            info: r.count(Severity::Info),
            rules_run: r.result.rules_run,
            rules_skipped: r
                .result
                .skipped
                .iter()
                .map(|(m, reason)| Skipped {
                    rule: m.code,
                    reason,
                })
                .collect(),
        },
        findings: Findings(&r.result.findings),
    }
}

/// One snapshot: one report object. Several: an array of them, in command-line order.
pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    if let [one] = reports {
        serde_json::to_writer_pretty(&mut *w, &out(one))?;
    } else {
        let all: Vec<ReportOut> = reports.iter().map(out).collect();
        serde_json::to_writer_pretty(&mut *w, &all)?;
    }
    writeln!(w)
}
