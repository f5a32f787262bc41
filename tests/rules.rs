//! Every rule against its fixtures: `fail.json` must fire, `pass.json` (a near miss) must not.
//! Findings are checked with insta snapshots (tests/snapshots/), reviewed by hand.

mod common;

use common::*;
use std::collections::HashSet;
use tenantlint::rules::{Options, options, registry};

/// The findings of one rule on one fixture, as reviewed JSON (no help text: it is the doc's).
fn findings(code: &str, kind: &str) -> (serde_json::Value, bool) {
    let rule = registry()
        .iter()
        .copied()
        .find(|r| r.meta().code == code)
        .unwrap();
    let path = fixture(&format!("{code}/{kind}.json"));
    let t = load(&path);
    let result = run_rules(&t, &[rule], &Options::default());
    if let Some(tenantlint::engine::Skipped { reason, .. }) = result.skipped.first() {
        panic!("{code} was skipped on {kind}.json: {reason}");
    }
    let mut report = json_report(&t, &path, &result);
    let mut list = report["findings"].take();
    for f in list.as_array_mut().unwrap() {
        f.as_object_mut().unwrap().remove("help");
    }
    let empty = list.as_array().unwrap().is_empty();
    (list, empty)
}

#[test]
fn fail_fixtures_fire() {
    for r in registry() {
        let code = r.meta().code;
        let (list, empty) = findings(code, "fail");
        assert!(
            !empty,
            "{code}: fixtures/{code}/fail.json produced no finding"
        );
        insta::assert_json_snapshot!(format!("{code}_fail"), list);
    }
}

#[test]
fn pass_fixtures_are_silent() {
    for r in registry() {
        let code = r.meta().code;
        let (list, empty) = findings(code, "pass");
        assert!(empty, "{code}: fixtures/{code}/pass.json fired: {list:#}");
    }
}

#[test]
fn every_rule_has_docs_and_fixtures() {
    let headings = [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## How to fix",
        "## References",
    ];
    for r in registry() {
        let m = r.meta();
        assert!(
            m.doc.starts_with(&format!("# {} {}\n", m.code, m.name)),
            "{}: doc title",
            m.code
        );
        for h in headings {
            assert!(
                m.doc.contains(&format!("\n{h}\n")),
                "{}: doc lacks `{h}`",
                m.code
            );
        }
        if !m.options.is_empty() {
            assert!(
                m.doc.contains("\n## Options\n"),
                "{}: doc lacks `## Options`",
                m.code
            );
        }
        for o in m.options {
            assert!(
                options::meta(o).is_some(),
                "{}: undeclared option {o}",
                m.code
            );
            assert!(
                m.doc.contains(o),
                "{}: doc does not mention option {o}",
                m.code
            );
        }
        assert!(
            m.doc.contains("Seed `0") || m.doc.contains("seeds/0"),
            "{}: References cite no seed",
            m.code
        );
        assert!(!m.help().is_empty(), "{}: empty help", m.code);
        assert!(
            !m.summary.is_empty() && m.summary == m.summary.trim_end_matches('.'),
            "{}: summary",
            m.code
        );
        for kind in ["fail", "pass"] {
            let p = root().join(format!("fixtures/{}/{kind}.json", m.code));
            assert!(p.is_file(), "{}: missing {}", m.code, p.display());
        }
        assert!(
            root()
                .join(format!("tests/snapshots/rules__{}_fail.snap", m.code))
                .is_file(),
            "{}: missing reviewed snapshot",
            m.code
        );
    }
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for r in registry() {
        let m = r.meta();
        assert!(seen.insert(m.code), "duplicate code {}", m.code);
        assert!(seen.insert(m.name), "duplicate name {}", m.name);
        let (area, num) = m.code.split_at(m.code.len() - 3);
        assert!(
            area.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && num.chars().all(|c| c.is_ascii_digit()),
            "{}",
            m.code
        );
        assert!(
            m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.name
        );
    }
}

#[test]
fn messages_start_lower_case_and_end_without_period() {
    for r in registry() {
        let code = r.meta().code;
        let (list, _) = findings(code, "fail");
        for f in list.as_array().unwrap() {
            let msg = f["message"].as_str().unwrap();
            let first = msg.chars().next().unwrap();
            assert!(
                !first.is_uppercase(),
                "{code}: message starts with a capital: {msg}"
            );
            assert!(
                !msg.ends_with('.'),
                "{code}: message ends with a period: {msg}"
            );
        }
    }
}

/// What the rules declare they read is what the export recipes of docs/snapshot-format.md
/// select: a rule that starts reading a property fails this test until the recipes export it.
/// Collections exported without `$select` (every property comes) and the relationships
/// fetched per object (members, app role assignments) need no entry.
#[test]
fn export_recipes_select_what_the_rules_read() {
    let doc = std::fs::read_to_string(root().join("docs/snapshot-format.md")).unwrap();
    let select = |collection: &str| -> Option<Vec<String>> {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{collection}` |")))?;
        // The first request of the row (`GET /…`), up to its closing backtick.
        let request = row.split('`').find(|s| s.starts_with("GET /"))?;
        let list = request.split("$select=").nth(1)?;
        let list = &list[..list.find('&').unwrap_or(list.len())];
        Some(list.split(',').map(str::to_owned).collect())
    };
    let fetched_apart = [
        ("groups", "members"),
        ("directoryRoles", "members"),
        ("servicePrincipals", "appRoleAssignedTo"),
    ];
    let mut checked = 0;
    for r in registry() {
        let m = r.meta();
        assert!(!m.reads.is_empty(), "{}: declares no reads", m.code);
        for &(collection, property) in m.reads {
            if collection == "policies" || fetched_apart.contains(&(collection, property)) {
                continue;
            }
            let Some(list) = select(collection) else {
                continue; // exported whole (no $select)
            };
            assert!(
                list.iter().any(|p| p == property),
                "{}: reads {collection}.{property}, which the export of {collection} does not $select ({list:?})",
                m.code
            );
            checked += 1;
        }
    }
    assert!(
        checked > 30,
        "only {checked} reads were checked: is the table still there?"
    );
}
