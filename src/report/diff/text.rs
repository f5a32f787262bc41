//! `diff --format text`: a line per snapshot, a line per introduced (`+`) and resolved (`-`)
//! finding, then the counts. Colour only on a terminal.

use super::{Diff, severities};
use crate::report::{Report, object_label, plural};
use crate::rules::{Finding, Severity};
use std::io::{self, Write};

fn paint(color: bool, s: Severity) -> (&'static str, &'static str) {
    if !color {
        return ("", "");
    }
    match s {
        Severity::Error => ("\x1b[1;31m", "\x1b[0m"),
        Severity::Warning => ("\x1b[1;33m", "\x1b[0m"),
        Severity::Info => ("\x1b[1;34m", "\x1b[0m"),
    }
}

/// `old: contoso.json, exported 2026-11-20T08:00:00Z: 32 findings: 20 errors, …; 24 rules run, 0 skipped`.
fn side(w: &mut dyn Write, label: &str, r: &Report) -> io::Result<()> {
    let exported = r
        .tenant
        .info
        .exported_at
        .as_ref()
        .map_or(String::new(), |(s, _)| format!(", exported {s}"));
    let all: Vec<&Finding> = r.result.findings.iter().collect();
    writeln!(
        w,
        "{label}: {}{exported}: {}: {}; {} run, {} skipped{}",
        r.source,
        plural(all.len(), "finding", "findings"),
        severities(&all),
        plural(r.result.ran.len(), "rule", "rules"),
        r.result.skipped.len(),
        r.accepted_note()
    )
}

fn line(w: &mut dyn Write, sign: char, f: &Finding, color: bool) -> io::Result<()> {
    let (s0, s1) = paint(color, f.severity);
    writeln!(
        w,
        "{sign} {s0}{}[{}]{s1} {}: {}: {}",
        f.severity.as_str(),
        f.rule.code,
        f.rule.name,
        object_label(&f.object),
        f.message
    )
}

pub fn write(d: &Diff, w: &mut dyn Write, color: bool) -> io::Result<()> {
    side(w, "old", &d.old)?;
    side(w, "new", &d.new)?;
    for o in d.one_sided() {
        let (ran, skipped, what) = if o.skipped_in_old {
            ("new", "old", "introduced, new or not")
        } else {
            ("old", "new", "resolved, fixed or not")
        };
        writeln!(
            w,
            "note: {} {} ran on the {ran} snapshot only (skipped in the {skipped}: {}): its findings count as {what}",
            o.rule.code, o.rule.name, o.reason
        )?;
    }
    if !d.introduced.is_empty() || !d.resolved.is_empty() {
        writeln!(w)?;
    }
    for f in &d.introduced {
        line(w, '+', f, color)?;
    }
    for f in &d.resolved {
        line(w, '-', f, color)?;
    }
    writeln!(w)?;
    writeln!(
        w,
        "{} introduced ({}), {} resolved, {} unchanged",
        d.introduced.len(),
        severities(&d.introduced),
        d.resolved.len(),
        d.unchanged
    )
}
