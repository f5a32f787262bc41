#!/usr/bin/env bash
# Builds and runs the cargo-fuzz (libFuzzer) targets of fuzz/ with the seed corpora from
# fixtures/ and the JSON dictionary, then prints executions and coverage. See docs/fuzzing.md.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [-- LIBFUZZER_ARGS...]
#
# TARGET: load_file, load_dir, check_all_formats, or all (default; each in turn).
# SECONDS: run time of each target (default 120). Exit status 1 if a target found a crash, a
# timeout or an out-of-memory input (its artifact is in fuzz/artifacts/TARGET/).
#
# Environment: FUZZ_JOBS=N runs N libFuzzer processes per target (default 1; the machine has 2
# cores shared with others). The working corpus grows in fuzz/corpus/TARGET/ (kept between
# runs, not in git); logs go to fuzz/logs/.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

targets=(load_file load_dir check_all_formats)
target=${1:-all}
seconds=${2:-120}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
extra=("$@")

case "$target" in
all) run=("${targets[@]}") ;;
load_file | load_dir | check_all_formats) run=("$target") ;;
*)
    echo "unknown target $target (expected ${targets[*]} or all)" >&2
    exit 2
    ;;
esac

# cargo-fuzz needs nightly-only flags (-Zsanitizer, -Cpasses=sancov); RUSTC_BOOTSTRAP=1 lets
# the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# Release build with debug assertions (overflow checks) and AddressSanitizer; all targets at
# once so that later runs do not rebuild.
mkdir -p fuzz/logs
echo "building the fuzz targets (log: fuzz/logs/build.log)"
if ! (cd fuzz && cargo fuzz build --debug-assertions) >fuzz/logs/build.log 2>&1; then
    cat fuzz/logs/build.log >&2
    exit 2
fi

python3 scripts/fuzz-seeds.py

jobs=()
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
fi
status=0
for t in "${run[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log="fuzz/logs/$t.log"
    echo "== $t: ${seconds}s (log: $log)"
    set +e
    (cd fuzz && cargo fuzz run --debug-assertions "$t" "corpus/$t" "seeds/$t" -- \
        -dict=json.dict \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        ${jobs[@]+"${jobs[@]}"} \
        ${extra[@]+"${extra[@]}"}) >"$log" 2>&1
    rc=$?
    set -e
    # With -jobs, libFuzzer writes each job's output to fuzz-N.log in the working directory.
    for j in fuzz/fuzz-*.log; do
        [ -e "$j" ] && cat "$j" >>"$log" && rm -f "$j"
    done
    # The last status line carries the final coverage (cov: edges, ft: features); in -fork
    # mode it reads "#N: cov: …" and there are no stat:: lines.
    final=$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1 | tr -s '[:space:]' ' ' || true)
    execs=$({ grep -E '^stat::number_of_executed_units:' "$log" || true; } | awk '{s += $2} END {print s + 0}')
    if [ "$execs" = 0 ] && [ -n "$final" ]; then
        execs=$(echo "$final" | sed -E 's/^#([0-9]+).*/\1/')
    fi
    echo "   final: ${final:-none}"
    echo "   executed units: $execs"
    { grep -E '^stat::(average_exec_per_sec|peak_rss_mb):' "$log" || true; } | sed 's/^/   /'
    # -fork with -ignore_crashes exits 0 but counts what it found on the status line.
    found=$(echo "$final" | sed -nE 's|.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*|\1\2\3|p')
    if [ "$rc" -ne 0 ] || grep -qE '^(==[0-9]+==ERROR|SUMMARY: libFuzzer)' "$log" ||
        [ -n "${found//0/}" ]; then
        status=1
        echo "   FOUND A PROBLEM (exit $rc):"
        { grep -E -A1 'panicked at' "$log" || true; } | head -n 2 | sed 's/^/     /'
        { grep -E '^==[0-9]+==ERROR|SUMMARY:|Test unit written to' "$log" || true; } | head -n 6 | sed 's/^/     /'
        echo "   minimise: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin --debug-assertions $t artifacts/$t/<file>)"
    fi
done
exit "$status"
