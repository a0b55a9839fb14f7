#!/bin/sh
# bench_summary: make bench's closing summary reads the scaling targets
# against the machine's own scaling in the same run (calibrate/machine,
# bench/machine.c), and says so when that case ran.
set -u
bench=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bench" --benchmark_filter='^(calibrate/machine|enumerate/(lfvpci|xen417))/' \
    --benchmark_min_time=0.01 >"$dir/out" 2>"$dir/err" || { echo "FAIL: lfvpci-bench"; cat "$dir/err"; exit 1; }
fail() { echo "FAIL: $1"; cat "$dir/out"; exit 1; }
grep -Eq '^calibrate +machine +[0-9.]+ ' "$dir/out" || fail "no calibrate/machine row"
grep -q '^The machine in this run: a loop sharing nothing' "$dir/out" || fail "no machine line"
# every 2T/1T target carries the machine's figure, the others do not
n=$(grep -c '2T/1T.*(target >= 1.80: [A-Za-z]*; the machine: [0-9.]*)$' "$dir/out")
[ "$n" -eq 4 ] || fail "$n scaling targets with the machine's figure, want 4"
grep 'ns/op over lfvpci' "$dir/out" | grep -q 'the machine' && fail "machine figure on a speed target"
# without the case, no machine line and no figure
"$bench" --benchmark_filter='^enumerate/(lfvpci|xen417)/' \
    --benchmark_min_time=0.01 >"$dir/out" 2>"$dir/err" || { echo "FAIL: lfvpci-bench"; exit 1; }
grep -q 'the machine' "$dir/out" && fail "machine figure without calibrate/machine"
grep -q '^Targets (this run):' "$dir/out" || fail "no targets"
echo "bench_summary: passed"
