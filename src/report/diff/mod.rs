//! `tenantlint diff OLD NEW`: what changed between two snapshots, by finding fingerprint.
//!
//! Both snapshots are linted with the same settings; a finding of NEW whose fingerprint is
//! not among OLD's is *introduced*, a finding of OLD whose fingerprint is not among NEW's is
//! *resolved*, and NEW's findings that OLD has too are *unchanged* (counted, not listed). The
//! comparison is two hash sets: linear in the findings. Introduced and resolved findings keep
//! the engine's order, so the output is the same bytes whatever the thread count.
//!
//! A rule that ran on one side only (its input is missing from the other snapshot) makes all
//! its findings introduced or resolved; every format says which rules those are.

mod csv;
mod html;
mod json;
mod markdown;
mod sarif;
mod text;

use super::{Report, fingerprint};
use crate::rules::{Finding, RuleMeta, Severity};
use rayon::prelude::*;
use std::collections::HashSet;
use std::io::{self, Write};

/// The formats `diff --format` offers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
    Html,
    Csv,
    Sarif,
}

impl DiffFormat {
    /// Every diff format (tests render each; a test in `cli.rs` checks the command line's).
    pub const ALL: [DiffFormat; 6] = [
        DiffFormat::Text,
        DiffFormat::Json,
        DiffFormat::Markdown,
        DiffFormat::Html,
        DiffFormat::Csv,
        DiffFormat::Sarif,
    ];

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            DiffFormat::Text => "text",
            DiffFormat::Json => "json",
            DiffFormat::Markdown => "markdown",
            DiffFormat::Html => "html",
            DiffFormat::Csv => "csv",
            DiffFormat::Sarif => "sarif",
        }
    }
}

/// Two checked snapshots and what changed between them.
pub struct Diff<'a> {
    pub old: Report<'a>,
    pub new: Report<'a>,
    /// NEW's findings whose fingerprint OLD does not have, in report order.
    pub introduced: Vec<&'a Finding>,
    /// OLD's findings whose fingerprint NEW does not have, in report order.
    pub resolved: Vec<&'a Finding>,
    /// NEW's findings whose fingerprint OLD has too.
    pub unchanged: usize,
}

/// A rule that ran on one side only.
pub struct OneSided<'a> {
    pub rule: &'static RuleMeta,
    /// Skipped in OLD (its findings in NEW are all introduced), else skipped in NEW (its
    /// findings in OLD are all resolved).
    pub skipped_in_old: bool,
    /// Why it was skipped.
    pub reason: &'a str,
}

/// The fingerprints of `findings`, in their order.
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    findings.par_iter().map(fingerprint).collect()
}

/// How many of `findings` (with their `prints`) have a fingerprint in `other`, and those that
/// do not, in their order.
fn split<'a>(
    findings: &'a [Finding],
    prints: &[String],
    other: &HashSet<&str>,
) -> (usize, Vec<&'a Finding>) {
    let mut shared = 0;
    let mut own = Vec::new();
    for (f, p) in findings.iter().zip(prints) {
        if other.contains(p.as_str()) {
            shared += 1;
        } else {
            own.push(f);
        }
    }
    (shared, own)
}

impl<'a> Diff<'a> {
    /// Compares the findings of `old` and `new` (the findings `check` reports: after severity
    /// overrides and exemptions).
    pub fn new(old: Report<'a>, new: Report<'a>) -> Diff<'a> {
        let (old_findings, new_findings): (&'a [Finding], &'a [Finding]) =
            (&old.result.findings, &new.result.findings);
        let (old_prints, new_prints) =
            rayon::join(|| fingerprints(old_findings), || fingerprints(new_findings));
        let in_old: HashSet<&str> = old_prints.iter().map(String::as_str).collect();
        let in_new: HashSet<&str> = new_prints.iter().map(String::as_str).collect();
        let (unchanged, introduced) = split(new_findings, &new_prints, &in_old);
        let (_, resolved) = split(old_findings, &old_prints, &in_new);
        Diff {
            old,
            new,
            introduced,
            resolved,
            unchanged,
        }
    }

    /// Rules that ran in one snapshot and were skipped in the other, in code order.
    pub fn one_sided(&self) -> Vec<OneSided<'a>> {
        let (old, new): (&'a crate::engine::RunResult, &'a crate::engine::RunResult) =
            (self.old.result, self.new.result);
        let old_skipped: HashSet<&str> = old.skipped.iter().map(|s| s.rule.code).collect();
        let new_skipped: HashSet<&str> = new.skipped.iter().map(|s| s.rule.code).collect();
        let mut out: Vec<OneSided<'a>> = old
            .skipped
            .iter()
            .filter(|s| !new_skipped.contains(s.rule.code))
            .map(|s| OneSided {
                rule: s.rule,
                skipped_in_old: true,
                reason: &s.reason,
            })
            .chain(
                new.skipped
                    .iter()
                    .filter(|s| !old_skipped.contains(s.rule.code))
                    .map(|s| OneSided {
                        rule: s.rule,
                        skipped_in_old: false,
                        reason: &s.reason,
                    }),
            )
            .collect();
        out.sort_by_key(|o| (o.rule.code, !o.skipped_in_old));
        out
    }
}

/// Errors first.
const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// How many of `findings` have severity `s`.
fn count(findings: &[&Finding], s: Severity) -> usize {
    findings.iter().filter(|f| f.severity == s).count()
}

/// `1 error, 0 warnings, 2 info`.
fn severities(findings: &[&Finding]) -> String {
    format!(
        "{}, {}, {} info",
        super::plural(count(findings, Severity::Error), "error", "errors"),
        super::plural(count(findings, Severity::Warning), "warning", "warnings"),
        count(findings, Severity::Info)
    )
}

/// Renders the diff in the chosen format.
pub fn write(format: DiffFormat, d: &Diff, w: &mut dyn Write, color: bool) -> io::Result<()> {
    match format {
        DiffFormat::Text => text::write(d, w, color),
        DiffFormat::Json => json::write(d, w),
        DiffFormat::Markdown => markdown::write(d, w),
        DiffFormat::Html => html::write(d, w),
        DiffFormat::Csv => csv::write(d, w),
        DiffFormat::Sarif => sarif::write(d, w),
    }
}
