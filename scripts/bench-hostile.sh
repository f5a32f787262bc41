#!/usr/bin/env bash
# Hostile shapes at scale (examples/gen_hostile.rs): for each shape, generates a snapshot whose
# hostile part has N objects, then times `tenantlint check --format json --output` on it (file
# in the page cache). Prints a Markdown table: wall time, peak RSS, RSS over the file size, the
# report's size and the number of findings. The targets (docs/performance.md): < 10 s and
# < 1 GiB over the file size at N = 200,000.
#
#   scripts/bench-hostile.sh                      # N=200000, every shape
#   N=20000 SHAPES="shared-proxy shared-upn" scripts/bench-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench-hostile}
n=${N:-200000}
shapes=${SHAPES:-"shared-proxy shared-upn upn-and-mail huge-group nested-chain wide-nesting many-proxies licensed-web role-web"}
mkdir -p "$dir"
cargo build --release --quiet --bin tenantlint --example gen_hostile
bin=target/release

echo "| shape | N | file MB | seconds | peak RSS MB | RSS over file MB | report MB | findings |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for shape in $shapes; do
  f="$dir/$shape-$n.json"
  [ -f "$f" ] || "$bin/examples/gen_hostile" --shape "$shape" --n "$n" --out "$f"
  cat "$f" >/dev/null
  out="$dir/$shape-$n.report.json"
  set +e
  /usr/bin/time -v "$bin/tenantlint" check "$f" --format json --output "$out" --fail-on never \
    2>"$dir/time.txt" >/dev/null
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "| $shape | $n | failed with exit code $rc: $(grep -v '^\s' "$dir/time.txt" | head -1) |"
    continue
  fi
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time.txt")
  bytes=$(stat -c %s "$f")
  report=$(stat -c %s "$out")
  findings=$(grep -c '"fingerprint"' "$out" || true)
  awk -v s="$shape" -v n="$n" -v b="$bytes" -v w="$wall" -v r="$rss" -v o="$report" -v k="$findings" \
    'BEGIN { printf "| %s | %d | %.1f | %.2f | %.0f | %.0f | %.1f | %d |\n", s, n, b/1e6, w, r/1024, r/1024 - b/1048576, o/1e6, k }'
done
