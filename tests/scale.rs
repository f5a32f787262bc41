//! Hostile shapes at scale (`examples/gen_hostile.rs`): the report grows linearly with the
//! hostile part, no message grows with it, and every finding keeps at most ten related
//! objects. These are size checks, not timings: `scripts/bench-hostile.sh` times the same
//! shapes at 200k and reports the numbers in `docs/performance.md`.

#[allow(dead_code)]
#[path = "../examples/gen_hostile.rs"]
mod gen_hostile;

use std::collections::BTreeMap;
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, registry};

/// What the check of one generated snapshot gives.
struct Outcome {
    /// Findings per rule.
    findings: BTreeMap<&'static str, usize>,
    longest_message: usize,
    most_related: usize,
    /// Bytes of the JSON and text reports.
    json: usize,
    text: usize,
}

fn check(shape: &str, n: usize) -> Outcome {
    let mut bytes = Vec::new();
    gen_hostile::generate(shape, n, &mut bytes).unwrap();
    let t = tenantlint::snapshot::load_bytes("hostile.json", bytes)
        .unwrap_or_else(|e| panic!("{shape}: {e}"));
    let now = 1_795_161_600;
    let result = tenantlint::engine::run(&t, now, &Options::default(), registry());
    let size = |format| {
        let r = Report {
            source: "hostile.json",
            tenant: &t,
            now,
            now_source: NowSource::Option,
            result: &result,
        };
        let mut buf = Vec::new();
        report::write(format, &[r], &mut buf, false).unwrap();
        buf.len()
    };
    let mut findings = BTreeMap::new();
    for f in &result.findings {
        *findings.entry(f.rule.code).or_default() += 1;
    }
    Outcome {
        findings,
        longest_message: result
            .findings
            .iter()
            .map(|f| f.message.len())
            .max()
            .unwrap_or(0),
        most_related: result
            .findings
            .iter()
            .map(|f| f.related.len())
            .max()
            .unwrap_or(0),
        json: size(Format::Json),
        text: size(Format::Text),
    }
}

/// Checks a shape at `n` and `2n`: the rules that should fire do, and nothing grows faster than
/// the input.
fn linear(shape: &str, n: usize, expect: &[&str]) {
    let a = check(shape, n);
    let b = check(shape, 2 * n);
    for code in expect {
        assert!(
            a.findings.contains_key(code),
            "{shape}: {code} does not fire (the shape is wrong): {:?}",
            a.findings
        );
    }
    for (what, x, y) in [
        ("JSON report", a.json, b.json),
        ("text report", a.text, b.text),
    ] {
        assert!(
            y * 10 <= x * 25,
            "{shape}: the {what} grows from {x} to {y} bytes when the input doubles from {n}"
        );
    }
    assert!(
        b.longest_message <= 1_000,
        "{shape}: a message of {} bytes at {} (messages name at most a few objects)",
        b.longest_message,
        2 * n
    );
    assert!(
        b.most_related <= 10,
        "{shape}: a finding with {} related objects",
        b.most_related
    );
}

#[test]
fn many_users_sharing_one_proxy_address() {
    linear("shared-proxy", 5_000, &["PRX001"]);
}

#[test]
fn many_users_sharing_one_upn() {
    linear("shared-upn", 5_000, &["UPN004"]);
}

#[test]
fn many_users_with_a_upn_that_many_others_have_as_mail() {
    linear("upn-and-mail", 5_000, &["UPN004"]);
}

#[test]
fn one_huge_synced_group() {
    linear("huge-group", 20_000, &["B2B001"]);
}

#[test]
fn a_long_chain_of_nested_groups_in_the_password_reset_scope() {
    linear("nested-chain", 5_000, &["SSPR002", "ROLE001"]);
}

#[test]
fn one_group_nesting_many_groups() {
    linear("wide-nesting", 5_000, &[]);
}

#[test]
fn one_user_with_many_proxy_addresses() {
    linear("many-proxies", 5_000, &["PRX002", "PRX003"]);
}

#[test]
fn every_shape_is_tested() {
    let src = include_str!("scale.rs");
    for shape in gen_hostile::SHAPES {
        assert!(
            src.contains(&format!("linear(\"{shape}\"")),
            "shape {shape} has no test"
        );
    }
}

#[test]
fn many_licensed_groups_nesting_one_huge_group() {
    linear("licensed-web", 5_000, &["LIC007", "APP004"]);
}

#[test]
fn many_roles_held_through_one_group_of_disabled_users() {
    linear("role-web", 5_000, &["ROLE002"]);
}
