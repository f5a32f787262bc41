#!/usr/bin/env bash
# Byte-identical output check for loader and rule changes (issue 12): generates every export
# shape of examples/gen_tenant.rs at SIZE users (default 100k) and compares the JSON report of
# this checkout's tenantlint, with all threads and with --threads 1, against BASE, a tenantlint
# binary built from an earlier commit. Prints one line per shape; exits 1 on any difference.
#
#   git worktree add /tmp/base <commit> && (cd /tmp/base && cargo build --release)
#   BASE=/tmp/base/target/release/tenantlint scripts/same-bytes.sh
#   SIZE=20000 SHAPES="pretty gz" BASE=… scripts/same-bytes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE:?BASE must name a tenantlint binary built from the commit to compare with}"
dir=${BENCH_DIR:-target/same-bytes}
n=${SIZE:-100000}
shapes=${SHAPES:-"pretty minified indent2 indent4 lean full heavy high gz pages"}
mkdir -p "$dir"
cargo build --release --quiet --bin tenantlint --example gen_tenant
bin=target/release
status=0
for shape in $shapes; do
  case $shape in
    pretty) in="$dir/pretty-$n.json"; args="" ;;
    gz) in="$dir/pretty-$n.json.gz"; args="" ;;
    pages) in="$dir/pages-$n"; args="--shape pages" ;;
    *) in="$dir/$shape-$n.json"; args="--shape $shape" ;;
  esac
  if [ ! -e "$in" ]; then
    if [ "$shape" = gz ]; then
      [ -f "$dir/pretty-$n.json" ] || "$bin/examples/gen_tenant" --users "$n" --seed 1 --out "$dir/pretty-$n.json"
      gzip -c -6 "$dir/pretty-$n.json" >"$in"
    else
      # shellcheck disable=SC2086
      "$bin/examples/gen_tenant" --users "$n" --seed 1 $args --out "$in"
    fi
  fi
  run() { "$1" check "$in" --format json --fail-on never --quiet -o "$2" "${@:3}"; }
  run "$BASE" "$dir/base.json"
  run "$bin/tenantlint" "$dir/new.json"
  run "$bin/tenantlint" "$dir/one.json" --threads 1
  if cmp -s "$dir/base.json" "$dir/new.json" && cmp -s "$dir/base.json" "$dir/one.json"; then
    echo "$shape: same bytes ($(stat -c %s "$dir/new.json") bytes, $(grep -o '"fingerprint"' "$dir/new.json" | wc -l) findings)"
  else
    echo "$shape: DIFFERENT"
    status=1
  fi
done
exit $status
