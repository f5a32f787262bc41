//! Baselines: the findings a team has accepted for now, by fingerprint.
//!
//! `tenantlint baseline SNAPSHOT -o FILE` writes one finding per line (fingerprint, rule,
//! object, message) so that the file reads well in a code review and diffs line by line;
//! `check --baseline FILE` then reports only what is not in it. A baseline entry of a rule
//! that ran and found nothing with that fingerprint is *fixed*; entries of rules that did not
//! run (skipped, or not selected) are neither matched nor fixed.

use crate::engine::RunResult;
use crate::report::{fingerprint, object_label};
use crate::rules::Finding;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::io::{self, Write};

/// The format's version, written in the file and checked on reading.
const VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    #[serde(default)]
    pub object: String,
    #[serde(default)]
    pub message: String,
}

impl Entry {
    fn of(f: &Finding) -> Entry {
        Entry {
            fingerprint: fingerprint(f),
            rule: f.rule.code.to_owned(),
            object: object_label(&f.object),
            message: f.message.clone(),
        }
    }
}

/// The file as read (`snapshot`, and keys a later version may add, are ignored).
#[derive(Deserialize)]
struct File {
    tool: String,
    version: u32,
    findings: Vec<Entry>,
}

/// What a baseline did in one run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings the baseline holds (not reported, not counted).
    pub baselined: usize,
    /// Baseline entries of rules that ran and no longer found them.
    pub fixed: Vec<Entry>,
}

/// Writes the baseline of `findings` (in their order, which is the report's).
pub fn write(findings: &[Finding], snapshot: &str, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{{")?;
    writeln!(w, "  \"tool\": \"tenantlint\",")?;
    writeln!(w, "  \"version\": {VERSION},")?;
    writeln!(w, "  \"snapshot\": {},", serde_json::to_string(snapshot)?)?;
    write!(w, "  \"findings\": [")?;
    for (i, f) in findings.iter().enumerate() {
        w.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(&mut *w, &Entry::of(f))?;
    }
    if !findings.is_empty() {
        write!(w, "\n  ")?;
    }
    writeln!(w, "]\n}}")
}

/// Reads a baseline file. Errors are one line: `file:line:column: what is wrong`.
pub fn read(path: &std::path::Path) -> Result<Vec<Entry>, String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let file: File = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}:{}:{}: not a tenantlint baseline: {e}",
            e.line(),
            e.column()
        )
    })?;
    if file.tool != "tenantlint" || file.version != VERSION {
        return Err(format!(
            "{name}: a baseline of {} version {}; this tenantlint reads version {VERSION} (write it again with `tenantlint baseline`)",
            file.tool, file.version
        ));
    }
    Ok(file.findings)
}

/// Takes the findings `entries` hold out of `result`.
pub fn apply(result: &mut RunResult, entries: &[Entry]) {
    let known: HashSet<&str> = entries.iter().map(|e| e.fingerprint.as_str()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut baselined = 0;
    let all = std::mem::take(&mut result.findings);
    let mut kept = Vec::with_capacity(all.len());
    for f in all {
        let fp = fingerprint(&f);
        if known.contains(fp.as_str()) {
            baselined += 1;
            seen.insert(fp);
        } else {
            kept.push(f);
        }
    }
    result.findings = kept;
    // Exempted findings are still there: their baseline entries are not fixed.
    for (f, _) in &result.exemptions.exempted {
        seen.insert(fingerprint(f));
    }
    let ran: HashSet<&str> = result.ran.iter().map(|m| m.code).collect();
    let mut fixed_seen = HashSet::new();
    let fixed = entries
        .iter()
        .filter(|e| ran.contains(e.rule.as_str()) && !seen.contains(&e.fingerprint))
        .filter(|e| fixed_seen.insert(e.fingerprint.as_str()))
        .cloned()
        .collect();
    result.baseline = Some(Outcome { baselined, fixed });
}
