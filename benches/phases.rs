//! Criterion benchmarks of the phases on generated tenants (10k and 100k users): parse (read,
//! scan, parse into the model's parts), model build (indexes, member resolution), the whole
//! load (both), rules (all of them), and the JSON report.
//!
//! `cargo bench --bench phases`; whole-program numbers on 250k–1M users come from
//! `scripts/bench.sh`.

#[allow(dead_code)]
#[path = "../examples/gen_tenant.rs"]
mod gen_tenant;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::io::BufWriter;
use tenantlint::engine;
use tenantlint::model::Tenant;
use tenantlint::report::{self, Format, NowSource, Report};
use tenantlint::rules::{Options, registry};

fn snapshot(users: u64) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().expect("temp file");
    let mut w = BufWriter::new(f.reopen().expect("reopen"));
    gen_tenant::generate(users, 1, &mut w).expect("generate");
    drop(w);
    f
}

fn phases(c: &mut Criterion) {
    for users in [10_000u64, 100_000] {
        let file = snapshot(users);
        let path = file.path().display().to_string();
        let bytes = std::fs::metadata(file.path()).expect("size").len();
        let mut g = c.benchmark_group(format!("{users} users"));
        g.sample_size(10).throughput(Throughput::Bytes(bytes));
        g.bench_function(BenchmarkId::new("parse", users), |b| {
            b.iter(|| tenantlint::snapshot::parse(&path).expect("parse"))
        });
        g.bench_function(BenchmarkId::new("model-build", users), |b| {
            b.iter_batched(
                || tenantlint::snapshot::parse(&path).expect("parse"),
                |p| Tenant::build(p.parts, p.group_members, p.role_members),
                BatchSize::LargeInput,
            )
        });
        g.bench_function(BenchmarkId::new("load", users), |b| {
            b.iter(|| tenantlint::snapshot::load(&path).expect("load"))
        });
        let tenant = tenantlint::snapshot::load(&path).expect("load");
        let now = tenant.info.exported_at.as_ref().map(|e| e.1).unwrap_or(0);
        let rules = registry().to_vec();
        let options = Options::default();
        g.bench_function(BenchmarkId::new("rules", users), |b| {
            b.iter(|| engine::run(&tenant, now, &options, &rules))
        });
        let result = engine::run(&tenant, now, &options, &rules);
        g.bench_function(BenchmarkId::new("report-json", users), |b| {
            b.iter(|| {
                let r = Report {
                    source: &path,
                    tenant: &tenant,
                    now,
                    now_source: NowSource::ExportedAt,
                    result: &result,
                };
                let mut out = Vec::with_capacity(1 << 20);
                report::write(Format::Json, &[r], &mut out, false).expect("write");
                out
            })
        });
        g.finish();
    }
}

criterion_group!(benches, phases);
criterion_main!(benches);
