//! `diff --format sarif`: SARIF 2.1.0 with one run, for NEW. Introduced findings are results
//! with `baselineState: "new"`, located in NEW's files; resolved findings are results with
//! `baselineState: "absent"`, located in OLD's files (where they were). Results are built as
//! `--format sarif` builds them (rules, fingerprints, logical and physical locations). Past
//! GitHub's [`MAX_RESULTS`] per run the introduced findings come first, the most severe of
//! each kept, and a notification says how many were left out.

use super::Diff;
use crate::report::Places;
use crate::report::sarif::{MAX_RESULTS, SCHEMA, result, rule_index, rules};
use crate::rules::Finding;
use serde_json::{Value, json};
use std::io::{self, Write};

/// The most severe `room` of `findings`, in their order.
fn most_severe<'a>(findings: &[&'a Finding], room: usize) -> Vec<&'a Finding> {
    if findings.len() <= room {
        return findings.to_vec();
    }
    let mut idx: Vec<usize> = (0..findings.len()).collect();
    idx.sort_by_key(|&i| std::cmp::Reverse(findings.get(i).map(|f| f.severity)));
    idx.truncate(room);
    idx.sort_unstable();
    idx.iter()
        .filter_map(|&i| findings.get(i).copied())
        .collect()
}

fn invocation(d: &Diff, omitted: usize) -> Value {
    let mut notes: Vec<Value> = d
        .new
        .result
        .skipped
        .iter()
        .map(|s| {
            json!({
                "level": "note",
                "message": {"text": format!("{} {} skipped: {}", s.rule.code, s.rule.name, s.reason)},
                "descriptor": {"id": "skipped"},
                "associatedRule": {"id": s.rule.code, "index": rule_index(s.rule.code)},
            })
        })
        .collect();
    for o in d.one_sided() {
        let (id, text) = if o.skipped_in_old {
            (
                "skipped-in-old",
                format!(
                    "{} {} was skipped in the old snapshot ({}): its findings count as introduced",
                    o.rule.code, o.rule.name, o.reason
                ),
            )
        } else {
            (
                "skipped-in-new",
                format!(
                    "{} {} did not run on the new snapshot: its findings in the old one count as resolved",
                    o.rule.code, o.rule.name
                ),
            )
        };
        notes.push(json!({
            "level": "warning",
            "message": {"text": text},
            "descriptor": {"id": id},
            "associatedRule": {"id": o.rule.code, "index": rule_index(o.rule.code)},
        }));
    }
    if omitted > 0 {
        notes.push(json!({
            "level": "warning",
            "message": {"text": format!(
                "{omitted} of {} introduced and resolved findings are not in this run: GitHub code scanning takes at most {MAX_RESULTS} results per run, so introduced findings came first and the most severe were kept; the json or csv diff has them all",
                d.introduced.len() + d.resolved.len()
            )},
            "descriptor": {"id": "results-capped"},
        }));
    }
    json!({"executionSuccessful": true, "toolExecutionNotifications": notes})
}

pub fn write(d: &Diff, w: &mut dyn Write) -> io::Result<()> {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.as_deref();
    let introduced = most_severe(&d.introduced, MAX_RESULTS);
    let resolved = most_severe(&d.resolved, MAX_RESULTS - introduced.len());
    let omitted = d.introduced.len() + d.resolved.len() - introduced.len() - resolved.len();
    let version = env!("CARGO_PKG_VERSION");
    let run = json!({
        "tool": {"driver": {
            "name": "tenantlint",
            "version": version,
            "semanticVersion": version,
            "rules": rules(),
        }},
        "invocations": [invocation(d, omitted)],
        "columnKind": "unicodeCodePoints",
        "properties": {
            "snapshot": d.new.source,
            "tenantId": d.new.tenant.info.id,
            "now": d.new.now_rfc3339(),
            "oldSnapshot": d.old.source,
            "oldTenantId": d.old.tenant.info.id,
            "oldNow": d.old.now_rfc3339(),
            "introduced": d.introduced.len(),
            "resolved": d.resolved.len(),
            "unchanged": d.unchanged,
            "omittedFindings": omitted,
        },
    });
    // The run without its results, then the results one per line.
    let head = serde_json::to_string(&run)?;
    let head = head.strip_suffix('}').unwrap_or(&head);
    write!(
        w,
        "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":[\n{head},\"results\":["
    )?;
    let mut first = true;
    for (r, findings, state) in [(&d.new, &introduced, "new"), (&d.old, &resolved, "absent")] {
        let places = Places::of_findings(r.tenant, findings.iter().copied());
        for (k, f) in findings.iter().enumerate() {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            first = false;
            let mut v = result(r, f, k, &places, cwd);
            v.baseline_state = Some(state);
            serde_json::to_writer(&mut *w, &v)?;
        }
    }
    w.write_all(b"\n]}\n]}\n")
}
