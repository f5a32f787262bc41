//! Runs the selected rules in parallel over one tenant and sorts the findings.

use crate::ident::{self, Span};
use crate::model::Tenant;
use crate::rules::{Context, Finding, Options, Rule, RuleMeta, registry};
use rayon::prelude::*;

/// The result of running rules over one tenant.
pub struct RunResult {
    pub findings: Vec<Finding>,
    /// Rules that did not run, with the reason, in code order.
    pub skipped: Vec<Skipped>,
    /// The rules that ran (skipped ones are in `skipped`), in code order.
    pub ran: Vec<&'static RuleMeta>,
    /// Wall time of each rule, in code order (for `TENANTLINT_TIMINGS=1`).
    pub timings: Vec<(&'static str, std::time::Duration)>,
    /// The tenant's display name as reports show it (a pseudonym with `--redact`).
    pub tenant_name: Option<String>,
    /// What the configuration's exemptions did (see [`crate::exempt`]); empty without any.
    pub exemptions: crate::exempt::Outcome,
    /// What `--baseline` did (see [`crate::baseline`]).
    pub baseline: Option<crate::baseline::Outcome>,
}

/// A rule that did not run.
#[derive(Debug)]
pub struct Skipped {
    pub rule: &'static RuleMeta,
    pub reason: String,
    /// Where the reason quotes identities (see [`crate::ident`]).
    pub idents: Vec<Span>,
}

/// Runs `rules` in parallel. Findings come out sorted by rule code, object type, object id,
/// message (then the remaining fields), whatever the thread count or input order.
pub fn run(tenant: &Tenant, now: i64, options: &Options, rules: &[&'static dyn Rule]) -> RunResult {
    let cx = Context {
        tenant,
        now,
        options,
    };
    let outcomes: Vec<_> = rules
        .par_iter()
        .map(|r| {
            let start = std::time::Instant::now();
            let mut out = Vec::new();
            let outcome = r.check(&cx, &mut out);
            (r.meta(), outcome, out, start.elapsed())
        })
        .collect();
    // Sized once: growing by doubling would hold up to twice the findings at the end.
    let total = outcomes
        .iter()
        .filter(|(_, outcome, _, _)| outcome.is_ok())
        .map(|(_, _, out, _)| out.len())
        .sum();
    let mut findings = Vec::with_capacity(total);
    let mut skipped = Vec::new();
    let mut ran = Vec::new();
    let mut timings = Vec::new();
    for (meta, outcome, out, took) in outcomes {
        timings.push((meta.code, took));
        match outcome {
            Ok(()) => {
                ran.push(meta);
                findings.extend(out);
            }
            Err(skip) => {
                let mut reason = skip.0;
                let idents = ident::strip(&mut reason);
                skipped.push(Skipped {
                    rule: meta,
                    reason,
                    idents,
                });
            }
        }
    }
    // The marks come out before the sort, so that the order is that of the plain text.
    findings
        .par_iter_mut()
        .for_each(|f| f.idents = ident::strip(&mut f.message));
    findings.par_sort_unstable_by(|a, b| {
        (
            a.rule.code,
            a.object.kind,
            &a.object.id,
            &a.message,
            &a.key,
            a.severity,
            &a.related,
            &a.object.name,
        )
            .cmp(&(
                b.rule.code,
                b.object.kind,
                &b.object.id,
                &b.message,
                &b.key,
                b.severity,
                &b.related,
                &b.object.name,
            ))
    });
    skipped.sort_by_key(|s| s.rule.code);
    ran.sort_by_key(|m| m.code);
    RunResult {
        findings,
        skipped,
        ran,
        timings,
        tenant_name: tenant.info.display_name.clone(),
        exemptions: crate::exempt::Outcome::default(),
        baseline: None,
    }
}

/// Whether selector `s` (a code, a name or a code prefix such as `LIC`) picks the rule.
fn matches(meta: &RuleMeta, s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && (meta.name.eq_ignore_ascii_case(s)
            || meta.code.len() >= s.len() && meta.code[..s.len()].eq_ignore_ascii_case(s))
}

/// The rules chosen by `--select` (all when empty) minus `--ignore`. A selector that matches
/// no rule is an error, so that a typo does not silently lint nothing.
pub fn select(select: &[String], ignore: &[String]) -> Result<Vec<&'static dyn Rule>, String> {
    let all = registry();
    for s in select.iter().chain(ignore) {
        if !all.iter().any(|r| matches(r.meta(), s)) {
            return Err(format!(
                "`{s}` matches no rule code, name or code prefix (see `tenantlint rules`)"
            ));
        }
    }
    Ok(all
        .iter()
        .copied()
        .filter(|r| select.is_empty() || select.iter().any(|s| matches(r.meta(), s)))
        .filter(|r| !ignore.iter().any(|s| matches(r.meta(), s)))
        .collect())
}
