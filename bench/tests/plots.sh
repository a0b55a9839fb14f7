#!/bin/sh
# bench_plots: make plots works: a short run of a few benchmarks rendered by
# bench/plots.py into its four charts.  Skipped (77) without matplotlib,
# which scripts/install-deps.sh installs with the bench group only.
set -u
bench=$1 plots=$2
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
$py -c 'import matplotlib, PIL' 2>/dev/null || { echo "no matplotlib: skipped"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bench" --benchmark_filter='^(read_hot/lfvpci/early|read_hot/xen417/early|enumerate/lfvpci|rangeset_lookup/lfvpci/(1|3)$)' \
    --benchmark_min_time=0.01 --benchmark_out="$dir/bench.json" \
    --benchmark_out_format=json >/dev/null 2>&1 || { echo "FAIL: lfvpci-bench"; exit 1; }
$py "$plots" "$dir/bench.json" "$dir/out" || { echo "FAIL: plots.py"; exit 1; }
for png in scaling cpu position rangeset; do
    f="$dir/out/$png.png"
    if [ ! -s "$f" ] || [ "$(head -c 8 "$f" | od -An -c | tr -d ' ')" != '211PNG\r\n032\n' ]; then
        echo "FAIL: $png.png missing or not a PNG"; exit 1
    fi
done
# and a missing input is an error with the file's name
$py "$plots" "$dir/none.json" "$dir/out2" 2>"$dir/err" && { echo "FAIL: no error"; exit 1; }
grep -q "none.json" "$dir/err" || { echo "FAIL: message"; cat "$dir/err"; exit 1; }
echo "bench_plots: passed"
