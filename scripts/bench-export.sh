#!/usr/bin/env bash
# The export measurement of docs/export.md: `tenantlint export` of a generated tenant (USERS
# users, default 100000, with groups made up to EXPORT_GROUPS, default 10000) from the fake Graph of
# tests/fake_graph on 127.0.0.1, with no latency and with LATENCY_MS per answer (default 100),
# at CONCURRENCY (default 4). Prints one line per run: requests, seconds, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
users=${USERS:-100000} groups=${EXPORT_GROUPS:-10000} latency=${LATENCY_MS:-100} conc=${CONCURRENCY:-4}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cargo run --release --quiet --example gen_tenant -- --users "$users" --seed 1 --out "$dir/tenant.json"
for ms in 0 "$latency"; do
  TENANTLINT_EXPORT_BENCH_SNAPSHOT="$dir/tenant.json" TENANTLINT_EXPORT_BENCH_GROUPS="$groups" \
  TENANTLINT_EXPORT_BENCH_LATENCY_MS="$ms" TENANTLINT_EXPORT_BENCH_CONCURRENCY="$conc" \
    cargo test --release --quiet --test export -- --ignored --nocapture measure_export 2>&1 \
    | grep '^export of'
done
