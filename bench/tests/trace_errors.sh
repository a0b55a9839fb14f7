#!/bin/sh
# bench_trace_errors: lfvpci-bench refuses a broken trace with FILE:LINE:
# reason and a nonzero exit, for each kind of error the reader checks.
set -u
bench=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0

# expect LINE REASON-SUBSTRING TRACE-TEXT
expect() {
    printf '%s' "$3" > "$dir/enumerate.trace"
    out=$(LFV_BENCH_TRACE_DIR=$dir "$bench" --benchmark_filter='^$' 2>&1)
    rc=$?
    if [ $rc -eq 0 ] || ! printf '%s' "$out" | grep -q "enumerate.trace:$1: .*$2"; then
        echo "FAIL: expected line $1 '$2' (exit $rc):"
        printf '%s\n' "$out" | grep 'enumerate.trace' || printf '%s\n' "$out" | head -3
        fail=1
    fi
}

dev='dev 0 hwdom 0000:01:00.0 0000:01:00.0 nic
'
expect 1 "device indices" 'dev 1 hwdom 0000:01:00.0 0000:01:00.0 nic
'
expect 1 "bad SBDF" 'dev 0 hwdom 0000:01:00 0000:01:00.0 nic
'
expect 1 "hwdom or guest" 'dev 0 dom0 0000:01:00.0 0000:01:00.0 nic
'
expect 2 "bad register" "${dev}reg 0 6:4
"
expect 2 "not sorted or overlapping" "${dev}reg 0 10:4 12:2
"
expect 2 "unknown device" "${dev}r 1 10 4 0
"
expect 2 "bad access size or alignment" "${dev}r 0 11 4 0
"
expect 2 "unknown record" "${dev}x 0 10 4 0
"
expect 1 "no accesses" "${dev}"
# and the committed trace loads, every implementation passing its checks
LFV_BENCH_TRACE_DIR= "$bench" --benchmark_filter='^$' >/dev/null 2>"$dir/err" ||
    { echo "FAIL: the committed trace:"; cat "$dir/err"; fail=1; }
[ $fail -eq 0 ] && echo "bench_trace_errors: all passed"
exit $fail
