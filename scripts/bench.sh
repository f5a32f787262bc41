#!/usr/bin/env bash
# Whole-program benchmark. Generates 250k/500k/1M-user snapshots (deterministic), then measures,
# in the same run and with each file in the page cache:
#   - the floor: a bare serde_json IgnoredAny parse of the file (examples/floor.rs);
#   - tenantlint check --format json with all rules.
# Prints a Markdown table: wall time (best of RUNS), MB/s, ratio to the floor, peak RSS, and the
# share of the run spent writing the JSON report.
#
# Each input is dropped from the page cache and read back before it is measured, so that it is
# cached as a file read from disk is (a file just written by the generator sits in small
# folios, mapped with 4 KB pages; read back, in large ones mapped with 2 MB pages where the
# kernel does that: see docs/performance.md, "Linearity and the page cache"), and each report
# is written to a new file (see measure.sh).
#
#   scripts/bench.sh                 # SIZES="250000 500000 1000000" RUNS=3
#   SIZES=100000 RUNS=1 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench}
sizes=${SIZES:-"250000 500000 1000000"}
runs=${RUNS:-3}
mkdir -p "$dir"
cargo build --release --quiet --bin tenantlint --example gen_tenant --example floor
bin=target/release

# shellcheck source=scripts/measure.sh
source scripts/measure.sh

# Drops FILE from the page cache (after writing out what is dirty) and reads it back.
recache() {
  sync
  dd if="$1" iflag=nocache count=0 status=none
  cat "$1" >/dev/null
}

echo "| users | file MB | floor s | tenantlint s | MB/s | ratio to floor | peak RSS MB | RSS over file MB | findings | report share |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
  f="$dir/tenant-$n.json"
  [ -f "$f" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$f"
  recache "$f"
  bytes=$(stat -c %s "$f")
  read -r floor _ < <(measure "$bin/examples/floor" "$f")
  read -r wall rss < <(fresh="$dir/report-$n.json" measure "$bin/tenantlint" check "$f" --format json --fail-on never --quiet -o "$dir/report-$n.json")
  rm -f "$dir/report-$n.json"; sync
  timing=$(TENANTLINT_TIMINGS=1 "$bin/tenantlint" check "$f" --format json --fail-on never --quiet -o "$dir/report-$n.json" 2>&1 >/dev/null)
  findings=$(grep -o '"fingerprint"' "$dir/report-$n.json" | wc -l)
  report=$(echo "$timing" | awk '/timing: report/ {print $3}')
  awk -v n="$n" -v b="$bytes" -v fl="$floor" -v w="$wall" -v r="$rss" -v fi="$findings" -v rep="$report" 'BEGIN {
    mb = b / 1e6
    # report time as printed by Rust: 123.45ms / 1.23s / 456.78µs
    t = rep; s = 0
    if (t ~ /ms$/) { sub(/ms$/, "", t); s = t / 1000 } else if (t ~ /µs$/) { sub(/µs$/, "", t); s = t / 1e6 } else { sub(/s$/, "", t); s = t }
    printf "| %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.0f | %.0f | %d | %.1f%% |\n", n, mb, fl, w, mb / w, w / fl, r / 1024, r / 1024 - b / 1048576, fi, 100 * s / w
  }'
done

# The JSON report with about 100k findings (the generator plants ~70 per 1000 users).
n=${REPORT_USERS:-1500000}
f="$dir/tenant-$n.json"
[ -f "$f" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$f"
recache "$f"
rm -f "$dir/report-$n.json"; sync
timing=$(TENANTLINT_TIMINGS=1 /usr/bin/time -f "wall %e" "$bin/tenantlint" check "$f" --format json --fail-on never --quiet -o "$dir/report-$n.json" 2>&1 >/dev/null)
findings=$(grep -o '"fingerprint"' "$dir/report-$n.json" | wc -l)
echo
echo "$timing" | awk -v n="$n" -v fi="$findings" '
  /timing: report/ { t = $3; if (t ~ /ms$/) { sub(/ms$/, "", t); r = t / 1000 } else if (t ~ /µs$/) { sub(/µs$/, "", t); r = t / 1e6 } else { sub(/s$/, "", t); r = t } }
  /^wall/ { w = $2 }
  END { printf "JSON report of %d findings (%d users): %.2f s of a %.2f s run (%.1f%%)\n", fi, n, r, w, 100 * r / w }'
