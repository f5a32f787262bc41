#!/usr/bin/env bash
# Byte-identical output check for loader and rule changes (issue 12): generates every export
# shape of examples/gen_tenant.rs at SIZE users (default 100k) and compares the reports of this
# checkout's tenantlint, with all threads and with --threads 1, against BASE, a tenantlint
# binary built from an earlier commit: JSON, and SARIF and GitHub annotations, which place
# findings at lines and columns (FORMATS). Prints one line per shape; exits 1 on any
# difference.
#
#   git worktree add /tmp/base <commit> && (cd /tmp/base && cargo build --release)
#   BASE=/tmp/base/target/release/tenantlint scripts/same-bytes.sh
#   SIZE=20000 SHAPES="pretty gz" FORMATS=json BASE=… scripts/same-bytes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE:?BASE must name a tenantlint binary built from the commit to compare with}"
dir=${BENCH_DIR:-target/same-bytes}
n=${SIZE:-100000}
shapes=${SHAPES:-"pretty minified indent2 indent4 lean full heavy high gz pages"}
formats=${FORMATS:-"json sarif github"}
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
  run() { "$1" check "$in" --format "$fmt" --fail-on never --quiet -o "$2" "${@:3}"; }
  line="$shape:"
  for fmt in $formats; do
    run "$BASE" "$dir/base.$fmt"
    run "$bin/tenantlint" "$dir/new.$fmt"
    run "$bin/tenantlint" "$dir/one.$fmt" --threads 1
    if cmp -s "$dir/base.$fmt" "$dir/new.$fmt" && cmp -s "$dir/base.$fmt" "$dir/one.$fmt"; then
      line="$line $fmt same bytes ($(stat -c %s "$dir/new.$fmt") bytes"
      [ "$fmt" = json ] && line="$line, $(grep -o '"fingerprint"' "$dir/new.$fmt" | wc -l) findings"
      line="$line);"
    else
      line="$line $fmt DIFFERENT;"
      status=1
    fi
  done
  echo "${line%;}"
done
exit $status
