#!/usr/bin/env bash
# Run the libFuzzer targets of a fuzz build (make fuzz / make check-fuzz).
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
#   every target (default: all fuzz_* in BUILD_DIR/bin) for SECONDS each,
#   from its committed seeds (fuzz/corpus/<t>) and a working corpus kept in
#   BUILD_DIR/corpus/<t>, with its dictionary; a crashing input is written
#   to BUILD_DIR/artifacts/<t>/ (keep it under fuzz/regressions/<t>/).
#   Prints per target: executions, coverage (cov: edges, ft: features),
#   corpus size and the crashing inputs this run wrote (artifacts); exits 1
#   if any target crashed.
# FUZZ_KEEP_GOING=1: libFuzzer's fork mode, going on after crashes,
#   timeouts and OOMs (long runs); FUZZ_NICE: nice level (default 10);
#   LFV_FUZZ_SKIP: passed through (fuzz_access.c).
set -uo pipefail

build=${1:?build dir}
secs=${2:?seconds}
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for b in "$build"/bin/fuzz_*; do targets+=("$(basename "$b" | sed 's/^fuzz_//')"); done
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
summary=()
for t in "${targets[@]}"; do
    bin=$build/bin/fuzz_$t
    work=$build/corpus/$t
    art=$build/artifacts/$t
    log=$build/fuzz-$t.log
    mkdir -p "$work" "$art"
    args=(-max_total_time="$secs" -artifact_prefix="$art/" -print_final_stats=1 -detect_leaks=0
          -timeout=25 -rss_limit_mb=4096)
    [ -f "$src/fuzz/dict/$t.dict" ] && args+=(-dict="$src/fuzz/dict/$t.dict")
    if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
        args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    fi
    echo "fuzz: $t for ${secs}s (log: $log)"
    touch "$log.start"
    nice -n "${FUZZ_NICE:-10}" "$bin" "${args[@]}" "$work" "$src/fuzz/corpus/$t" \
        >"$log" 2>&1
    rc=$?
    # non-fork: "#N ... cov: C ft: F corp: K/..." and stat:: lines;
    # fork: "#N: cov: C ft: F corp: K exec/s E oom/timeout/crash: a/b/c ..."
    last=$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -1)
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$')
    [ -z "$execs" ] && execs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#')
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+')
    ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+')
    corp=$(echo "$last" | grep -oE 'corp: [0-9]+' | grep -oE '[0-9]+')
    arts=$(find "$art" -type f -newer "$log.start" | wc -l) # this run's
    rm -f "$log.start"
    line=$(printf '%-10s execs %-10s cov %-6s ft %-6s corpus %-6s artifacts %-4s exit %s' \
           "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$arts" "$rc")
    if [ $rc -ne 0 ]; then
        failed=1
        line="$line  FAILED: $(grep -m1 -E 'fuzz invariant|ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log")"
    fi
    summary+=("$line")
    echo "$line"
done
echo "fuzz summary (${secs}s per target):"
printf '  %s\n' "${summary[@]}"
exit $failed
