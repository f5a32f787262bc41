//! Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.
//!
//! Per snapshot: the counts, a table of findings per rule, then each rule's findings in a
//! `<details>` block. GitHub refuses a step summary over 1 MiB, so the findings stop at
//! [`BUDGET`] bytes, with a note saying how many were left out; the counts are always whole.
//! Tenant text is escaped: it can neither break a table nor inject HTML or links.

use super::{Report, plural};
use crate::rules::{Finding, Severity};
use std::fmt::Write as _;
use std::io::{self, Write};

/// The most bytes the finding lists take, whatever the tenant: the counts and notes stay
/// well under GitHub's 1 MiB limit with them.
pub const BUDGET: usize = 900 << 10;

/// Escapes text for a table cell or the middle of a list item: inline Markdown punctuation
/// with a backslash, `<`, `>` and `&` as entities, line ends as spaces.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            // Emphasis, code, links, table cells, strike-through, and `@` so that a name
            // such as `@admins` cannot mention anyone in a pull-request comment.
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn finding_row(f: &Finding) -> String {
    format!(
        "| {} {} (`{}`) | {} |\n",
        f.object.kind.as_str(),
        esc(&f.object.name),
        f.object.id.replace('`', ""),
        esc(&f.message)
    )
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    let mut out = String::new();
    let mut budget = BUDGET;
    let mut left_out = 0;
    for r in reports {
        // The tenant's id, not its name: reports show what the findings show (and --redact
        // leaves ids alone but replaces names).
        let tenant = r.tenant.info.id.as_deref().map_or(String::new(), |id| {
            format!(" (tenant `{}`)", id.replace('`', ""))
        });
        let _ = writeln!(
            out,
            "## tenantlint: `{}`{tenant}\n",
            r.source.replace('`', "")
        );
        let _ = writeln!(
            out,
            "Judged at {} ({}).\n",
            r.now_rfc3339(),
            r.now_source.as_str()
        );
        let _ = writeln!(
            out,
            "**{}**: {}, {}, {} info; {} run, {} skipped{}.\n",
            plural(r.result.findings.len(), "finding", "findings"),
            plural(r.count(Severity::Error), "error", "errors"),
            plural(r.count(Severity::Warning), "warning", "warnings"),
            r.count(Severity::Info),
            plural(r.result.ran.len(), "rule", "rules"),
            r.result.skipped.len(),
            r.accepted_note()
        );
        let states = r.exemption_states();
        if !states.is_empty() {
            out.push_str(
                "| Exemption | Object | Reason | Until | State |\n|---|---|---|---|---|\n",
            );
            for (e, state) in &states {
                let _ = writeln!(
                    out,
                    "| {} ({}) | {} | {} | {} | {} |",
                    e.rule.code,
                    esc(&e.origin),
                    esc(&e.object),
                    esc(&e.reason),
                    e.expires.as_ref().map_or("", |(d, _)| d.as_str()),
                    state.label()
                );
            }
            out.push('\n');
        }
        if let Some(b) = r.result.baseline.as_ref().filter(|b| !b.fixed.is_empty()) {
            let _ = writeln!(
                out,
                "<details><summary><b>Fixed</b>: {} of the baseline no longer found</summary>\n",
                plural(b.fixed.len(), "finding", "findings")
            );
            out.push_str("| Rule | Object | Fingerprint |\n|---|---|---|\n");
            for e in &b.fixed {
                let row = format!(
                    "| {} | {} | `{}` |\n",
                    esc(&e.rule),
                    esc(&e.object),
                    e.fingerprint.replace('`', "")
                );
                if row.len() > budget {
                    break;
                }
                budget -= row.len();
                out.push_str(&row);
            }
            out.push_str("\n</details>\n\n");
        }
        let groups = super::by_rule(&r.result.findings);
        if !groups.is_empty() {
            out.push_str("| Rule | Name | Severity | Findings |\n|---|---|---|---:|\n");
            for (meta, fs) in &groups {
                let sev = fs
                    .iter()
                    .map(|f| f.severity)
                    .max()
                    .unwrap_or(Severity::Info);
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    meta.code,
                    meta.name,
                    sev.as_str(),
                    fs.len()
                );
            }
            out.push('\n');
        }
        for (meta, fs) in &groups {
            let _ = writeln!(
                out,
                "<details><summary><b>{}</b> {}: {}</summary>\n",
                meta.code,
                meta.name,
                plural(fs.len(), "finding", "findings")
            );
            let _ = writeln!(out, "{}\n", esc(meta.summary));
            out.push_str("| Object | Message |\n|---|---|\n");
            let mut shown = 0;
            for f in *fs {
                let row = finding_row(f);
                if row.len() > budget {
                    break;
                }
                budget -= row.len();
                out.push_str(&row);
                shown += 1;
            }
            if shown < fs.len() {
                left_out += fs.len() - shown;
                let _ = writeln!(
                    out,
                    "\n*{} of {} not shown: the summary is kept under GitHub's 1 MiB limit (the JSON, SARIF or CSV report has them all).*",
                    fs.len() - shown,
                    fs.len()
                );
            }
            out.push_str("\n</details>\n\n");
        }
        if !r.result.skipped.is_empty() {
            out.push_str("Skipped rules:\n\n");
            for s in &r.result.skipped {
                let _ = writeln!(
                    out,
                    "- **{}** {}: {}",
                    s.rule.code,
                    s.rule.name,
                    esc(&s.reason)
                );
            }
            out.push('\n');
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "*{} not shown in all (1 MiB limit).*",
            plural(left_out, "finding", "findings")
        );
    }
    w.write_all(out.as_bytes())
}
