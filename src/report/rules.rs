//! `tenantlint rules`: the catalog as a table or JSON.

use crate::rules::{options, registry};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OptionOut {
    name: &'static str,
    default: i64,
    doc: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleOut {
    code: &'static str,
    name: &'static str,
    category: &'static str,
    default_severity: &'static str,
    options: Vec<OptionOut>,
    summary: &'static str,
    /// `{"users": ["accountEnabled", …], …}`: what the rule reads, per collection.
    reads: std::collections::BTreeMap<&'static str, Vec<&'static str>>,
}

pub fn write(w: &mut dyn Write, json: bool) -> io::Result<()> {
    let rules: Vec<RuleOut> = registry()
        .iter()
        .map(|r| {
            let m = r.meta();
            RuleOut {
                code: m.code,
                name: m.name,
                category: m.category.as_str(),
                default_severity: m.default_severity().as_str(),
                options: m
                    .options
                    .iter()
                    .filter_map(|n| options::meta(n))
                    .map(|o| OptionOut {
                        name: o.name,
                        default: o.default,
                        doc: o.doc,
                    })
                    .collect(),
                summary: m.summary,
                reads: m.reads.iter().fold(Default::default(), |mut acc, (c, p)| {
                    acc.entry(*c).or_insert_with(Vec::new).push(*p);
                    acc
                }),
            }
        })
        .collect();
    if json {
        serde_json::to_writer_pretty(&mut *w, &rules)?;
        return writeln!(w);
    }
    let name_w = rules.iter().map(|r| r.name.len()).max().unwrap_or(4);
    writeln!(
        w,
        "{:<8} {:<name_w$} {:<8} SUMMARY",
        "CODE", "NAME", "SEVERITY"
    )?;
    for r in &rules {
        writeln!(
            w,
            "{:<8} {:<name_w$} {:<8} {}",
            r.code, r.name, r.default_severity, r.summary
        )?;
    }
    Ok(())
}

/// The rule code or name closest to a mistyped query (edit distance), if any is close.
pub fn closest(query: &str) -> Option<&'static str> {
    let q = query.to_ascii_lowercase();
    registry()
        .iter()
        .flat_map(|r| [r.meta().code, r.meta().name])
        .map(|c| (edit_distance(&q, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // One row of the table at a time: `prev` is the row above, `cur` the row being filled.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = Vec::with_capacity(b.len() + 1);
    let mut dist = b.len();
    for (i, ca) in a.chars().enumerate() {
        cur.clear();
        let mut left = i + 1;
        cur.push(left);
        for (cb, (&diag, &up)) in b.iter().zip(prev.iter().zip(prev.iter().skip(1))) {
            left = (diag + usize::from(ca != *cb)).min(up + 1).min(left + 1);
            cur.push(left);
        }
        dist = left;
        std::mem::swap(&mut prev, &mut cur);
    }
    dist
}
