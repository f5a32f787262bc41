#!/usr/bin/env bash
# Report formats at scale. Generates a snapshot with about 100k findings (1.5M users, seed 1;
# deterministic), then for every format measures, with the file in the page cache:
#   - render: the report phase alone (TENANTLINT_TIMINGS=1), best of RUNS;
#   - the report's size and the whole run's peak RSS;
# and opens the HTML report in headless Chromium (apt-get install chromium) for its first
# contentful paint, the load event and the moment the table is interactive (the page's script
# has run), as the browser's Performance API reports them.
#
#   scripts/bench-reports.sh               # USERS=1500000 RUNS=3
#   USERS=100000 RUNS=1 scripts/bench-reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench}
users=${USERS:-1500000}
runs=${RUNS:-3}
mkdir -p "$dir"
cargo build --release --quiet --bin tenantlint --example gen_tenant
bin=target/release/tenantlint
f="$dir/tenant-$users.json"
[ -f "$f" ] || target/release/examples/gen_tenant --users "$users" --seed 1 --out "$f"
cat "$f" >/dev/null

# Seconds in a duration as Rust's Debug prints it (1.2s, 340.5ms, 12µs).
secs() { awk '{v=$1; if (v ~ /ms$/) {sub(/ms$/,"",v); v/=1000} else if (v ~ /µs$/) {sub(/µs$/,"",v); v/=1e6} else if (v ~ /ns$/) {sub(/ns$/,"",v); v/=1e9} else sub(/s$/,"",v); printf "%.3f", v}'; }

findings=$("$bin" check "$f" --format json --fail-on never | grep -c '"fingerprint"' || true)
echo "$users users, $(($(stat -c %s "$f") / 1000000)) MB, $findings findings"
echo
echo "| format | render s | file MB | peak RSS MB |"
echo "|---|---:|---:|---:|"
for fmt in json text csv junit markdown sarif github html; do
  out="$dir/report.$fmt"
  best="" rss=""
  for _ in $(seq "$runs"); do
    /usr/bin/time -v env TENANTLINT_TIMINGS=1 "$bin" check "$f" --fail-on never --format "$fmt" -o "$out" 2>"$dir/err.txt"
    r=$(grep '^timing: report ' "$dir/err.txt" | awk '{print $3}' | secs)
    m=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/err.txt")
    if [ -z "$best" ] || awk -v a="$r" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$r; rss=$m; fi
  done
  printf "| %s | %s | %.1f | %d |\n" "$fmt" "$best" "$(stat -c %s "$out" | awk '{print $1/1e6}')" $((rss / 1024))
done

chrome=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$chrome" ]; then
  echo "SKIPPED: the HTML paint measurement needs Chromium (apt-get install chromium)" >&2
  exit 0
fi
# The page, with a probe after its script: the script has run when the probe runs; at the load
# event the probe writes what the Performance API saw into the DOM, which --dump-dom prints.
page="$dir/report-probe.html"
probe='<script>(function(){var ready=performance.now();addEventListener("load",function(){var p={ready:ready,load:performance.now(),rows:document.querySelectorAll("table.findings tbody tr").length,status:document.querySelector(".status").textContent};performance.getEntriesByType("paint").forEach(function(e){p[e.name]=e.startTime});var pre=document.createElement("pre");pre.id="bench";pre.textContent=JSON.stringify(p);document.body.appendChild(pre)})})();</script>'
awk -v probe="$probe" '/^<\/body>$/ {print probe} {print}' "$dir/report.html" >"$page"
echo
echo "HTML in headless Chromium ($("$chrome" --version 2>/dev/null)), ms from navigation start, best of $runs:"
for _ in $(seq "$runs"); do
  profile=$(mktemp -d)
  "$chrome" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --user-data-dir="$profile" --window-size=1280,900 --dump-dom \
    "file://$(realpath "$page")" 2>/dev/null | grep -o '<pre id="bench">[^<]*' | sed 's/<pre id="bench">//; s/&quot;/"/g'
  rm -rf "$profile"
done
