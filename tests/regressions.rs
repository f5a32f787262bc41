//! Bugs found by the fuzz targets (`fuzz/`) and the property tests (`tests/properties.rs`),
//! each with its smallest reproducer.
//!
//! An `#[ignore]`d test is an open bug: it fails today and passes once the bug is fixed (then
//! remove the `ignore`). Run them with `cargo test --test regressions -- --ignored`.

use serde_json::{Value, json};
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, registry};

/// Every finding of every rule on the single-file snapshot `doc`: (rule, object id, message,
/// number of related objects), and the JSON report's size.
fn check(doc: &Value) -> (Vec<(String, String, String, usize)>, usize) {
    let bytes = serde_json::to_vec(doc).unwrap();
    let t = tenantlint::snapshot::load_bytes("tenant.json", bytes).unwrap();
    let now = 1_795_161_600;
    let result = tenantlint::engine::run(&t, now, &Options::default(), registry());
    let r = Report {
        source: "tenant.json",
        tenant: &t,
        now,
        now_source: NowSource::Option,
        result: &result,
    };
    let mut buf = Vec::new();
    report::write(Format::Json, &[r], &mut buf, false).unwrap();
    let findings = result
        .findings
        .iter()
        .map(|f| {
            (
                f.rule.code.to_owned(),
                f.object.id.clone(),
                f.message.clone(),
                f.related.len(),
            )
        })
        .collect();
    (findings, buf.len())
}

fn user(i: usize, upn: &str, proxies: &[&str]) -> Value {
    json!({
        "id": format!("00000000-0000-4000-8000-{i:012x}"),
        "userPrincipalName": upn,
        "proxyAddresses": proxies,
    })
}

fn tenant(users: Vec<Value>) -> Value {
    json!({
        "users": users,
        "domains": [{"id": "contoso.com", "isVerified": true, "authenticationType": "Managed"}],
    })
}

// ---------------------------------------------------------------------------------------------
// Output quadratic in the input: n objects that share one address or UPN get n findings that
// each list the n - 1 others as `related`. The message caps its list of names, the related list
// does not: 2,000 users sharing one proxy address (273 KB of input) give a 563 MB JSON report.
// The standards: "no finding text, index or expansion that grows with the square of anything".

/// Total `related` entries and the JSON report's size for `n` holders made by `make`.
fn related_and_size(n: usize, make: impl Fn(usize) -> Value) -> (usize, usize) {
    let (findings, size) = check(&tenant((0..n).map(make).collect()));
    (findings.iter().map(|f| f.3).sum(), size)
}

fn assert_linear(rule: &str, make: impl Fn(usize) -> Value + Copy) {
    // Each finding keeps at most 10 related objects (rules/listing.rs): 100 holders give at
    // most 1,000 related entries, not 100 × 99.
    let (related, size) = related_and_size(100, make);
    let (related_200, double) = related_and_size(200, make);
    assert!(
        related <= 10 * 100 && related_200 <= 10 * 200,
        "{rule}: 100 and 200 holders of one value give {related} and {related_200} related \
         entries (quadratic: 100 × 99)"
    );
    assert!(
        double * 2 <= size * 5,
        "{rule}: the JSON report grows from {size} to {double} bytes when the holders double"
    );
}

#[test]

fn prx001_output_is_linear_in_the_holders_of_one_address() {
    assert_linear("PRX001", |i| {
        user(
            i,
            &format!("u{i}@contoso.com"),
            &["smtp:shared@contoso.com"],
        )
    });
}

#[test]

fn upn004_output_is_linear_in_the_users_sharing_one_upn() {
    assert_linear("UPN004", |i| user(i, "same@contoso.com", &[]));
}

/// The linear bound of the tests above is not too tight: distinct addresses and UPNs give
/// nothing to relate, and one shared value between two users gives two related entries.
#[test]
fn distinct_addresses_relate_nothing() {
    let (related, _) = related_and_size(200, |i| {
        user(
            i,
            &format!("u{i}@contoso.com"),
            &[&format!("smtp:p{i}@contoso.com")],
        )
    });
    assert_eq!(related, 0);
    let (related, _) = related_and_size(2, |i| user(i, "same@contoso.com", &[]));
    assert_eq!(related, 2);
}

// ---------------------------------------------------------------------------------------------
// Messages that depend on the order of an object's own proxyAddresses: when an object holds
// the same address twice in two spellings (`SMTP:a@x` and `smtp:A@x`, equal as the rules
// compare addresses), the finding quotes the spelling that comes first in the list. The
// fingerprint is the same; the message (so the report's bytes) is not. Found by the order
// property of tests/properties.rs. Graph does not return such lists (Exchange keeps proxy
// addresses unique per object), but the standards ask for the same bytes whatever the input
// order. Quoting the smallest spelling, or the normalised address, would fix it.

/// The findings of `rule` on `users`, and on the same users with every proxyAddresses list
/// reversed.
fn both_orders(rule: &str, users: Vec<Value>) -> (Vec<String>, Vec<String>) {
    let messages = |users: Vec<Value>| -> Vec<String> {
        let (findings, _) = check(&tenant(users));
        let mut m: Vec<String> = findings
            .into_iter()
            .filter(|f| f.0 == rule)
            .map(|f| format!("{}: {}", f.1, f.2))
            .collect();
        m.sort();
        m
    };
    let reversed = users
        .iter()
        .map(|u| {
            let mut u = u.clone();
            if let Some(a) = u["proxyAddresses"].as_array_mut() {
                a.reverse();
            }
            u
        })
        .collect();
    let a = messages(users);
    assert!(
        !a.is_empty(),
        "{rule} reports nothing: the reproducer is wrong"
    );
    (a, messages(reversed))
}

#[test]

fn prx002_message_does_not_depend_on_proxy_order() {
    let (a, b) = both_orders(
        "PRX002",
        vec![user(
            0,
            "a@contoso.com",
            &["SMTP:a@unverified.com", "smtp:A@unverified.com"],
        )],
    );
    assert_eq!(a, b);
}

#[test]

fn prx003_message_does_not_depend_on_proxy_order() {
    let (a, b) = both_orders(
        "PRX003",
        vec![user(
            0,
            "a@contoso.com",
            &["SMTP:not an address", "smtp:not an address"],
        )],
    );
    assert_eq!(a, b);
}

#[test]

fn prx001_message_does_not_depend_on_proxy_order() {
    let (a, b) = both_orders(
        "PRX001",
        vec![
            user(
                0,
                "a@contoso.com",
                &["SMTP:x@contoso.com", "smtp:X@contoso.com"],
            ),
            user(1, "b@contoso.com", &["smtp:x@contoso.com"]),
        ],
    );
    assert_eq!(a, b);
}

#[test]

fn upn004_message_does_not_depend_on_proxy_order() {
    let (a, b) = both_orders(
        "UPN004",
        vec![
            user(0, "adele@contoso.com", &[]),
            user(
                1,
                "b@contoso.com",
                &["smtp:Adele@Contoso.com", "smtp:adele@contoso.com"],
            ),
        ],
    );
    assert_eq!(a, b);
}
