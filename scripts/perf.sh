#!/usr/bin/env bash
# make perf: the read workloads under perf stat and callgrind.
#
# perf stat: hardware counters where the machine has them, software events
# (task-clock, context switches, migrations, page faults) otherwise.
# callgrind: instructions per access, by running each workload at two
# iteration counts inside measured() and dividing the difference, which
# cancels set-up and warm-up; repeatable on a noisy machine.
set -euo pipefail
build=${1:-build}
bin=$build/bin
mods=$build/lib/bench
workloads=("read_hot 0" "read_hot 1" "read_hot 2" "read_span 0" "read_gap 0" "write_hot 0")

# perf exits 0 even when it cannot count: look at what it printed.
if perf stat -e instructions true 2>&1 | grep -q '[0-9][0-9,]* *instructions'; then
    events=cycles,instructions,branches,branch-misses,cache-misses,task-clock
else
    echo "perf: hardware counters not supported here; software events only"
    events=task-clock,context-switches,cpu-migrations,page-faults
fi
echo "== perf stat -e $events (read workloads, 1 and 2 threads)"
perf stat -e "$events" "$bin/lfvpci-bench" --benchmark_filter='^read_' \
    --benchmark_min_time=0.2 2>&1 | tail -n 15

ir() { # module workload param iters -> Ir inside measured()
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "--toggle-collect=measured*" "$bin/lfvpci-percall" "$1" "$2" "$3" "$4" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo
echo "== callgrind: instructions per access (valgrind --tool=callgrind, Ir"
echo "   at 200000 minus Ir at 100000 iterations, divided by 100000)"
printf '%-16s' "implementation"
for w in "${workloads[@]}"; do set -- $w; printf ' %12s' "$1/$2"; done
echo
for m in "$mods"/lfvbench_*.so; do
    # register-dispatch modules only (range-set and MSI-X ones differ)
    nm -D --defined-only "$m" 2>/dev/null | grep -qw lfv_bench_impl || continue
    name=$(basename "$m" .so); name=${name#lfvbench_}
    printf '%-16s' "$name"
    for w in "${workloads[@]}"; do
        set -- $w
        a=$(ir "$m" "$1" "$2" 100000); b=$(ir "$m" "$1" "$2" 200000)
        printf ' %12s' "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (b - a) / 100000 }')"
    done
    echo
done
