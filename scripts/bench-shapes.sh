#!/usr/bin/env bash
# Export shapes benchmark (issue 12). Generates the gen_tenant tenant in each export shape
# (examples/gen_tenant.rs --shape …; deterministic), then, with each input in the page cache,
# times the floor and `tenantlint check INPUT --format json -o REPORT` (all rules) with
# /usr/bin/time -v, best of RUNS, and prints one Markdown table. Before each shape the other
# inputs are dropped from the page cache (dd iflag=nocache), so that the run's memory is free.
#
# The floor of a row is examples/floor.rs (a serde_json IgnoredAny parse of the mapped file),
# except for:
#   - gz:    `gzip -dc FILE > /dev/null` (decompression alone); RSS over file is over the
#            decompressed size (tenantlint inflates into memory);
#   - pages: tenantlint on the single file of the same shape (pretty), so the ratio is
#            directory / single file; MB and RSS over file are the directory's total bytes.
#
# How a directory of page files sits in the page cache decides much of its cost, so there are
# two rows for it (both against the same single-file run):
#   - pages:          each page file as a writer that writes a page whole leaves it (a fresh
#                     copy made with `dd bs=4M`, like gen_tenant's or `tenantlint export`'s
#                     1 MB writes): ext4 caches it in large folios (tens to hundreds of KB);
#   - pages-readback: the same files evicted and read back with `cat` (128 KB reads, the
#                     default read-ahead): 4-8 KB folios, so the kernel maps, and at exit
#                     unmaps, every 4 KB page on its own (docs/performance.md, eleventh session).
# A single file of 1.8 GB gets 2 MB folios either way (read-ahead ramps up over a long file).
#
#   scripts/bench-shapes.sh                       # SIZES=1000000 RUNS=3, every shape
#   SIZES=100000 RUNS=1 scripts/bench-shapes.sh   # quick
#   SHAPES="pretty full gz" scripts/bench-shapes.sh
#   TIMINGS=full scripts/bench-shapes.sh          # also print TENANTLINT_TIMINGS=1 of that shape
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BENCH_DIR:-target/bench-shapes}
sizes=${SIZES:-1000000}
runs=${RUNS:-3}
shapes=${SHAPES:-"pretty minified indent2 indent4 lean full heavy high gz pages pages-readback"}
mkdir -p "$dir"
cargo build --release --quiet --bin tenantlint --example gen_tenant --example floor
bin=target/release

# shellcheck source=scripts/measure.sh
source scripts/measure.sh

# The generator's arguments for a shape.
shape_args() {
  case $1 in
    pretty | gz) echo "" ;;
    minified | indent2 | indent4 | lean | full | heavy | high) echo "--shape $1" ;;
    pages | pages-readback) echo "--shape pages" ;;
    *) echo "unknown shape $1" >&2; exit 2 ;;
  esac
}

echo "| shape | users | MB | floor s | tenantlint s | ratio | peak RSS over file MB | findings | report share |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in $sizes; do
  single="$dir/pretty-$n.json"
  for shape in $shapes; do
    case $shape in
      pages | pages-readback) in="$dir/pages-$n" ;;
      gz) in="$dir/pretty-$n.json.gz" ;;
      *) in="$dir/$shape-$n.json" ;;
    esac
    wall=""
    if [ ! -e "$in" ]; then
      case $shape in
        gz)
          [ -f "$single" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$single"
          gzip -c -6 "$single" >"$in" ;;
        # shellcheck disable=SC2046
        *) "$bin/examples/gen_tenant" --users "$n" --seed 1 $(shape_args "$shape") --out "$in" ;;
      esac
    fi
    # Only this shape's input in the page cache: with the other inputs (about 20 GiB at 1M
    # users) filling it, every allocation of the run waits on page reclaim, which on this
    # machine added up to 0.2 s to the report alone and made the rows noisy.
    find "$dir" -type f -exec sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' sh {} +
    if [ "$shape" = pages ]; then
      # A fresh copy, each file written whole; the source is evicted again after.
      written="$in.written"
      rm -rf "$written"
      (cd "$in" && find . -type d) | while read -r d; do mkdir -p "$written/$d"; done
      (cd "$in" && find . -type f) | while read -r f; do dd if="$in/$f" of="$written/$f" bs=4M status=none; done
      find "$in" -type f -exec sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' sh {} +
      sync # the copy's write-back would otherwise run beside the timed runs
      in=$written
      bytes=$(find "$in" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
    elif [ -d "$in" ]; then
      bytes=$(find "$in" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
      find "$in" -type f -exec cat {} + >/dev/null
    else
      bytes=$(stat -c %s "$in")
      cat "$in" >/dev/null
    fi
    base=$bytes
    case $shape in
      gz)
        read -r floor _ < <(measure sh -c 'gzip -dc "$1" >/dev/null' sh "$in")
        # The decompressed size (the single file may have been deleted since the .gz was made).
        if [ -f "$single" ]; then base=$(stat -c %s "$single"); else base=$(gzip -dc "$in" | wc -c); fi ;;
      pages | pages-readback)
        # The single file and the directory are timed alternately, best of RUNS each (not
        # the pretty row's time from minutes earlier: the neighbours come and go).
        [ -f "$single" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$single"
        cat "$single" >/dev/null
        floor="" wall="" rss=""
        for _ in $(seq "$runs"); do
          read -r f _ < <(runs=1 fresh="$dir/report.json" measure "$bin/tenantlint" check "$single" --format json --fail-on never --quiet -o "$dir/report.json")
          read -r w r < <(runs=1 fresh="$dir/report.json" measure "$bin/tenantlint" check "$in" --format json --fail-on never --quiet -o "$dir/report.json")
          if [ -z "$floor" ] || awk -v a="$f" -v b="$floor" 'BEGIN{exit !(a<b)}'; then floor=$f; fi
          if [ -z "$wall" ] || awk -v a="$w" -v b="$wall" 'BEGIN{exit !(a<b)}'; then wall=$w; rss=$r; fi
        done ;;
      *) read -r floor _ < <(measure "$bin/examples/floor" "$in") ;;
    esac
    if [ -z "${wall:-}" ]; then
      read -r wall rss < <(fresh="$dir/report.json" measure "$bin/tenantlint" check "$in" --format json --fail-on never --quiet -o "$dir/report.json")
    fi
    rm -f "$dir/report.json"; sync
    timing=$(TENANTLINT_TIMINGS=1 "$bin/tenantlint" check "$in" --format json --fail-on never --quiet -o "$dir/report.json" 2>&1 >/dev/null)
    if [ "${TIMINGS:-}" = "$shape" ]; then echo "$timing" >"$dir/timings-$shape-$n.txt"; fi
    findings=$(grep -o '"fingerprint"' "$dir/report.json" | wc -l)
    report=$(echo "$timing" | awk '/timing: report/ {print $3}')
    label=$shape
    case $shape in gz) label="gz (floor: gzip -dc)" ;; pages) label="pages (floor: single file)" ;; pages-readback) label="pages read back (floor: single file)" ;; esac
    awk -v s="$label" -v n="$n" -v b="$bytes" -v base="$base" -v fl="$floor" -v w="$wall" -v r="$rss" -v fi="$findings" -v rep="$report" 'BEGIN {
      t = rep; sec = 0
      if (t ~ /ms$/) { sub(/ms$/, "", t); sec = t / 1000 } else if (t ~ /µs$/) { sub(/µs$/, "", t); sec = t / 1e6 } else { sub(/s$/, "", t); sec = t }
      printf "| %s | %d | %.0f | %.2f | %.2f | %.2f | %.0f | %d | %.1f%% |\n", s, n, b / 1048576, fl, w, w / fl, r / 1024 - base / 1048576, fi, 100 * sec / w
    }'
  done
done
