//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use tenantlint::engine::{self, RunResult};
use tenantlint::model::Tenant;
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, Rule};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> String {
    root().join("fixtures").join(rel).display().to_string()
}

pub fn load(path: &str) -> Tenant {
    tenantlint::snapshot::load(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn now_of(t: &Tenant) -> i64 {
    t.info
        .exported_at
        .as_ref()
        .map(|(_, s)| *s)
        .expect("fixture must set exportedAt")
}

pub fn run_rules(t: &Tenant, rules: &[&'static dyn Rule], options: &Options) -> RunResult {
    engine::run(t, now_of(t), options, rules)
}

/// The JSON report of a run, with the source path made relative to the repository.
pub fn json_report(t: &Tenant, source: &str, result: &RunResult) -> serde_json::Value {
    let rel = Path::new(source)
        .strip_prefix(root())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| source.to_owned());
    let r = Report {
        source: &rel,
        tenant: t,
        now: now_of(t),
        now_source: NowSource::ExportedAt,
        result,
    };
    let mut buf = Vec::new();
    report::write(Format::Json, &[r], &mut buf, false).unwrap();
    serde_json::from_slice(&buf).unwrap()
}
