#!/usr/bin/env bash
# Export-Entra trees at scale: a generated tenant of N users written as the tree Export-Entra
# writes (scripts/entra-exporter-tree.py) against the same tenant as one file, with what
# Export-Entra leaves out removed from both. Prints wall time and peak RSS of
# `tenantlint check --format json -o` (best of 3, warm page cache) and checks that both give
# the same report. See docs/performance.md.
#
#   scripts/bench-entra.sh [USERS] [ps5|ps7]     (default 100000 ps7)
#
# Files go to target/bench-entra/ (a 100k-user tree is about 145,000 files, 220 MB).
# Set COLD=1 to also time one run after dropping the page cache (needs root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-100000}
style=${2:-ps7}
cargo build --release --quiet --bin tenantlint --example gen_tenant
bin=target/release
dir=target/bench-entra
mkdir -p "$dir"
flat=$dir/t$n.json
trim=$dir/t$n-trim.json
tree=$dir/tree$n-$style
[ -f "$flat" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$flat"
[ -d "$tree" ] || python3 scripts/entra-exporter-tree.py "$flat" "$tree" --style "$style"
[ -f "$trim" ] || python3 - "$flat" "$trim" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["contacts", "userRegistrationDetails", "exportedAt"]:
    d.pop(k, None)
d["policies"] = {k: v for k, v in (d.get("policies") or {}).items() if k == "authorizationPolicy"}
json.dump(d, open(sys.argv[2], "w"))
EOF
files=$(find -L "$tree" -type f | wc -l)
bytes=$(find -L "$tree" -type f -printf "%s\n" | awk '{s += $1} END {printf "%d", s}')
echo "tree: $files files, $((bytes >> 20)) MiB; single file: $(($(stat -L -c %s "$trim") >> 20)) MiB"
run() {
    local best=""
    for _ in 1 2 3; do
        local out
        out=$({ /usr/bin/time -f "%e %M" "$bin/tenantlint" check "$1" --quiet --format json \
            --now 2026-11-20T08:00:00Z -o "$2" >/dev/null || true; } 2>&1 | tail -1)
        if [ -z "$best" ] || awk -v a="${out% *}" -v b="${best% *}" 'BEGIN {exit !(a < b)}'; then
            best=$out
        fi
    done
    echo "${best% *} s, $((${best#* } >> 10)) MiB peak RSS"
}
echo "single file: $(run "$trim" "$dir/r-flat.json")"
echo "tree:        $(run "$tree" "$dir/r-tree.json")"
if [ "${COLD:-}" = 1 ]; then
    sync && echo 3 >/proc/sys/vm/drop_caches
    /usr/bin/time -f "tree, cold cache: %e s, %M KiB peak RSS" "$bin/tenantlint" check "$tree" \
        --quiet --format json --now 2026-11-20T08:00:00Z -o "$dir/r-tree.json" || true
fi
python3 - "$dir/r-flat.json" "$dir/r-tree.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
a["snapshot"]["source"] = b["snapshot"]["source"] = None
print("reports: same" if a == b else "reports: DIFFERENT")
sys.exit(a != b)
EOF
