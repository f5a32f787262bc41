//! `diff --format json`: both snapshots' facts, the introduced and resolved findings (each
//! exactly as the JSON report writes a finding) and the counts. Pretty-printed; the same
//! snapshots give the same bytes.

use super::{Diff, count};
use crate::report::Report;
use crate::report::json::{Skipped, Snapshot, Tool, finding_out, skipped, snapshot, tool};
use crate::rules::{Finding, Severity};
use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use std::io::{self, Write};

#[derive(Serialize)]
struct Severities {
    error: usize,
    warning: usize,
    info: usize,
}

impl Severities {
    fn of(findings: &[&Finding]) -> Severities {
        Severities {
            error: count(findings, Severity::Error),
            warning: count(findings, Severity::Warning),
            info: count(findings, Severity::Info),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SideSummary<'a> {
    #[serde(flatten)]
    severities: Severities,
    rules_run: usize,
    rules_skipped: Vec<Skipped<'a>>,
}

/// One snapshot: the JSON report's `snapshot` object with its `summary` counts.
#[derive(Serialize)]
struct Side<'a> {
    #[serde(flatten)]
    snapshot: Snapshot<'a>,
    summary: SideSummary<'a>,
}

fn side<'a>(r: &'a Report) -> Side<'a> {
    let all: Vec<&Finding> = r.result.findings.iter().collect();
    Side {
        snapshot: snapshot(r),
        summary: SideSummary {
            severities: Severities::of(&all),
            rules_run: r.result.ran.len(),
            rules_skipped: skipped(r),
        },
    }
}

/// Findings, serialized one at a time.
struct Findings<'a>(&'a [&'a Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&finding_out(f, f.rule.help()))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Summary {
    introduced: Severities,
    resolved: Severities,
    unchanged: usize,
}

#[derive(Serialize)]
struct DiffOut<'a> {
    tool: Tool,
    old: Side<'a>,
    new: Side<'a>,
    introduced: Findings<'a>,
    resolved: Findings<'a>,
    unchanged: usize,
    summary: Summary,
}

pub fn write(d: &Diff, w: &mut dyn Write) -> io::Result<()> {
    let out = DiffOut {
        tool: tool(),
        old: side(&d.old),
        new: side(&d.new),
        introduced: Findings(&d.introduced),
        resolved: Findings(&d.resolved),
        unchanged: d.unchanged,
        summary: Summary {
            introduced: Severities::of(&d.introduced),
            resolved: Severities::of(&d.resolved),
            unchanged: d.unchanged,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    writeln!(w)
}
