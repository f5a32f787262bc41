//! `diff --format markdown`, for `$GITHUB_STEP_SUMMARY` and pull-request comments: both
//! snapshots, a table of the counts per severity, then the introduced and the resolved
//! findings, each in a `<details>` block. As with `--format markdown`, the finding rows stop
//! at [`BUDGET`] bytes (GitHub refuses a summary over 1 MiB) with a note of how many are not
//! shown, and tenant text is escaped (no table breaks, no HTML, no `@` mentions).

use super::{Diff, SEVERITIES, count, severities};
use crate::report::markdown::{BUDGET, esc};
use crate::report::{Report, plural};
use crate::rules::Finding;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Text for a code span: no backticks, no line ends.
fn code(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '`')
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}

fn side(out: &mut String, label: &str, r: &Report) {
    let tenant = r
        .tenant
        .info
        .id
        .as_deref()
        .map_or(String::new(), |id| format!(" (tenant `{}`)", code(id)));
    let exported = r
        .tenant
        .info
        .exported_at
        .as_ref()
        .map_or(String::new(), |(s, _)| format!(", exported {}", esc(s)));
    let all: Vec<&Finding> = r.result.findings.iter().collect();
    let _ = writeln!(
        out,
        "- **{label}**: `{}`{tenant}{exported}, judged at {} ({}): {}: {}; {} run, {} skipped{}.",
        code(r.source),
        r.now_rfc3339(),
        r.now_source.as_str(),
        plural(all.len(), "finding", "findings"),
        severities(&all),
        plural(r.result.ran.len(), "rule", "rules"),
        r.result.skipped.len(),
        esc(&r.accepted_note())
    );
}

fn row(f: &Finding) -> String {
    format!(
        "| {} | {} {} | {} {} (`{}`) | {} |\n",
        f.severity.as_str(),
        f.rule.code,
        f.rule.name,
        f.object.kind.as_str(),
        esc(&f.object.name),
        code(&f.object.id).replace('|', ""),
        esc(&f.message)
    )
}

/// The findings of one change in a `<details>` block, as far as `budget` goes; returns how
/// many were left out.
fn list(out: &mut String, what: &str, findings: &[&Finding], budget: &mut usize) -> usize {
    if findings.is_empty() {
        let _ = writeln!(out, "No finding {what}.\n");
        return 0;
    }
    let _ = writeln!(
        out,
        "<details><summary><b>{}</b>: {}</summary>\n",
        capitalized(what),
        plural(findings.len(), "finding", "findings")
    );
    out.push_str("| Severity | Rule | Object | Message |\n|---|---|---|---|\n");
    let mut shown = 0;
    for f in findings {
        let row = row(f);
        if row.len() > *budget {
            break;
        }
        *budget -= row.len();
        out.push_str(&row);
        shown += 1;
    }
    let left_out = findings.len() - shown;
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n*{left_out} of {} not shown: the summary is kept under GitHub's 1 MiB limit (the JSON, CSV or SARIF diff has them all).*",
            findings.len()
        );
    }
    out.push_str("\n</details>\n\n");
    left_out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

pub fn write(d: &Diff, w: &mut dyn Write) -> io::Result<()> {
    let mut out = String::from("## tenantlint diff\n\n");
    side(&mut out, "Old", &d.old);
    side(&mut out, "New", &d.new);
    out.push('\n');
    out.push_str("| Change | Errors | Warnings | Info | Total |\n|---|---:|---:|---:|---:|\n");
    for (what, fs) in [("Introduced", &d.introduced), ("Resolved", &d.resolved)] {
        let _ = write!(out, "| {what} |");
        for s in SEVERITIES {
            let _ = write!(out, " {} |", count(fs, s));
        }
        let _ = writeln!(out, " {} |", fs.len());
    }
    let _ = writeln!(out, "| Unchanged | | | | {} |\n", d.unchanged);
    for o in d.one_sided() {
        let (ran, skipped, what) = if o.skipped_in_old {
            ("new", "old", "introduced, new or not")
        } else {
            ("old", "new", "resolved, fixed or not")
        };
        let _ = writeln!(
            out,
            "> **{}** {} ran on the {ran} snapshot only (skipped in the {skipped}: {}): its findings count as {what}.\n",
            o.rule.code,
            o.rule.name,
            esc(o.reason)
        );
    }
    let mut budget = BUDGET;
    let left_out = list(&mut out, "introduced", &d.introduced, &mut budget)
        + list(&mut out, "resolved", &d.resolved, &mut budget);
    if left_out > 0 {
        let _ = writeln!(
            out,
            "*{} not shown in all (1 MiB limit).*",
            plural(left_out, "finding", "findings")
        );
    }
    w.write_all(out.as_bytes())
}
