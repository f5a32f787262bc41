//! Severity overrides and exemptions from the configuration, applied to a run's findings.
//!
//! An exempted finding is not counted (totals, exit code) but never dropped: it moves to
//! [`Outcome::exempted`] with its exemption. An exemption past its `expires` (judged at the
//! run's "now", as the date rules are) no longer applies and is listed as expired; one that
//! matches no finding is listed as stale. Matching is a hash lookup per finding: linear.

use crate::config::Exemption;
use crate::engine::RunResult;
use crate::rules::{Finding, RuleMeta, Severity};
use std::collections::HashMap;

/// What the exemptions did in one run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The run's exemptions, in file order; the indices below point into it.
    pub exemptions: Vec<Exemption>,
    /// Findings an exemption covers, with the index of the first one that does.
    pub exempted: Vec<(Finding, usize)>,
    /// Exemptions past their `expires`.
    pub expired: Vec<usize>,
    /// Exemptions in force that matched no finding.
    pub stale: Vec<usize>,
}

impl Outcome {
    /// Whether the run had exemptions at all (reports then say what they did).
    pub fn any(&self) -> bool {
        !self.exemptions.is_empty()
    }
}

/// The strings an exemption's `object` may name for finding `f`: its object's id and name,
/// and the finding's key (an address, with and without its `smtp:` style prefix).
fn names(f: &Finding) -> impl Iterator<Item = &str> {
    let bare = f.key.split_once(':').map(|(_, rest)| rest);
    [
        Some(f.object.id.as_str()),
        Some(f.object.name.as_str()),
        Some(f.key.as_str()),
        bare,
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
}

/// Applies severity overrides, then exemptions, to `result`.
pub fn apply(
    result: &mut RunResult,
    severities: &[(&'static RuleMeta, Severity)],
    exemptions: &[Exemption],
    now: i64,
) {
    if !severities.is_empty() {
        for f in &mut result.findings {
            if let Some((_, s)) = severities.iter().find(|(m, _)| m.code == f.rule.code) {
                f.severity = *s;
            }
        }
    }
    if exemptions.is_empty() {
        return;
    }
    let mut out = Outcome {
        exemptions: exemptions.to_vec(),
        ..Outcome::default()
    };
    let mut active: HashMap<(&str, String), usize> = HashMap::new();
    for (i, e) in exemptions.iter().enumerate() {
        if e.expires.as_ref().is_some_and(|&(_, last)| now > last) {
            out.expired.push(i);
        } else {
            active
                .entry((e.rule.code, e.object.to_lowercase()))
                .or_insert(i);
        }
    }
    let mut used = vec![false; exemptions.len()];
    let mut kept = Vec::with_capacity(result.findings.len());
    for f in std::mem::take(&mut result.findings) {
        let hit = names(&f)
            .filter_map(|n| active.get(&(f.rule.code, n.to_lowercase())).copied())
            .min();
        match hit {
            Some(i) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                out.exempted.push((f, i));
            }
            None => kept.push(f),
        }
    }
    result.findings = kept;
    out.stale = active
        .values()
        .copied()
        .filter(|&i| !used.get(i).copied().unwrap_or(true))
        .collect();
    out.stale.sort_unstable();
    result.exemptions = out;
}
