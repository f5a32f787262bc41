//! `--format text`: one block per finding, then a summary; colour only on a terminal.

use super::{ExemptionState, Report, exemption_note, plural};
use crate::rules::Severity;
use std::io::{self, Write};

struct Paint(bool);

impl Paint {
    fn sev(&self, s: Severity) -> (&'static str, &'static str) {
        if !self.0 {
            return ("", "");
        }
        match s {
            Severity::Error => ("\x1b[1;31m", "\x1b[0m"),
            Severity::Warning => ("\x1b[1;33m", "\x1b[0m"),
            Severity::Info => ("\x1b[1;34m", "\x1b[0m"),
        }
    }
    fn dim(&self) -> (&'static str, &'static str) {
        if self.0 {
            ("\x1b[2m", "\x1b[0m")
        } else {
            ("", "")
        }
    }
}

/// Joins a Markdown paragraph's lines into one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn write(reports: &[Report], w: &mut dyn Write, color: bool) -> io::Result<()> {
    let p = Paint(color);
    let (d0, d1) = p.dim();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        // The findings come sorted by rule: the help line of the rule at hand, made once.
        let mut help: Option<(&str, String)> = None;
        let mut buf: Vec<u8> = Vec::with_capacity(64 << 10);
        for f in &r.result.findings {
            let (s0, s1) = p.sev(f.severity);
            if help.as_ref().is_none_or(|(code, _)| *code != f.rule.code) {
                help = Some((f.rule.code, one_line(f.rule.help())));
            }
            let help = help.as_ref().map_or("", |h| h.1.as_str());
            // Each block as one run of bytes (what `writeln!` made of the same parts).
            let object = |buf: &mut Vec<u8>, head: &str, o: &crate::rules::Object| {
                for part in [
                    "  ",
                    d0,
                    head,
                    d1,
                    " ",
                    o.kind.as_str(),
                    " ",
                    &o.name,
                    " ",
                    d0,
                    "(",
                    &o.id,
                    ")",
                    d1,
                    "\n",
                ] {
                    buf.extend_from_slice(part.as_bytes());
                }
            };
            for part in [
                s0,
                f.severity.as_str(),
                "[",
                f.rule.code,
                "]",
                s1,
                " ",
                f.rule.name,
                "\n",
            ] {
                buf.extend_from_slice(part.as_bytes());
            }
            object(&mut buf, "-->", &f.object);
            for part in ["  ", &f.message, "\n"] {
                buf.extend_from_slice(part.as_bytes());
            }
            for o in &f.related {
                object(&mut buf, "related:", o);
            }
            for part in ["  ", d0, "help:", d1, " ", help, "\n\n"] {
                buf.extend_from_slice(part.as_bytes());
            }
            if buf.len() >= 60 << 10 {
                w.write_all(&buf)?;
                buf.clear();
            }
        }
        w.write_all(&buf)?;
        let exported = r
            .tenant
            .info
            .exported_at
            .as_ref()
            .map_or(String::new(), |(s, _)| format!(", exported {s}"));
        writeln!(w, "{}{exported}", r.source)?;
        let (e, wa, inf) = (
            r.count(Severity::Error),
            r.count(Severity::Warning),
            r.count(Severity::Info),
        );
        writeln!(
            w,
            "{}: {}, {}, {}; {} run, {} skipped{}",
            plural(r.result.findings.len(), "finding", "findings"),
            plural(e, "error", "errors"),
            plural(wa, "warning", "warnings"),
            inf.to_string() + " info",
            plural(r.result.ran.len(), "rule", "rules"),
            r.result.skipped.len(),
            r.accepted_note()
        )?;
        for (f, i) in &r.result.exemptions.exempted {
            let note = r
                .result
                .exemptions
                .exemptions
                .get(*i)
                .map(exemption_note)
                .unwrap_or_default();
            writeln!(
                w,
                "  {d0}exempted{d1} {}[{}] {} {} {d0}({}){d1}: {note}",
                f.severity.as_str(),
                f.rule.code,
                f.object.kind.as_str(),
                f.object.name,
                f.object.id
            )?;
        }
        for (x, state) in r.exemption_states() {
            if !matches!(state, ExemptionState::Applied(_)) {
                writeln!(
                    w,
                    "  {d0}exemption{d1} {} {}: {} ({})",
                    x.rule.code,
                    x.object,
                    state.label(),
                    x.origin
                )?;
            }
        }
        if let Some(b) = &r.result.baseline {
            for e in &b.fixed {
                writeln!(
                    w,
                    "  {d0}fixed{d1} {} {} {d0}({}){d1}",
                    e.rule, e.object, e.fingerprint
                )?;
            }
        }
        for s in &r.result.skipped {
            writeln!(
                w,
                "  {d0}skipped{d1} {} {}: {}",
                s.rule.code, s.rule.name, s.reason
            )?;
        }
    }
    Ok(())
}
