#!/usr/bin/env bash
# make perf: the read workloads under perf stat and callgrind.
#
# perf stat: hardware counters where the machine has them, software events
# (task-clock, context switches, migrations, page faults) otherwise.
# callgrind: instructions per access, by running each case (bench/bench.h)
# of each module at two iteration counts inside measured() (lfvpci-percall)
# and dividing the difference, which cancels set-up and warm-up; repeatable
# on a noisy machine.  Cases: the 24-register device's, then enumerate
# (shared and private), steady (no churn: one thread) and msix_mask.
set -euo pipefail
build=${1:-build}
bin=$build/bin
mods=$build/lib/bench

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

ir() { # module case iters -> Ir inside measured()
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "--toggle-collect=measured*" "$bin/lfvpci-percall" "$1" "$2" "$3" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# table TITLE CASE...: one row per module that has any of the cases.
table() {
    local title=$1 m name c a b
    shift
    echo
    echo "== callgrind: instructions per $title (valgrind --tool=callgrind, Ir"
    echo "   at 2N minus Ir at N iterations, divided by N; N=${N})"
    printf '%-28s' "module (implementation)"
    for c in "$@"; do printf ' %14s' "$c"; done
    echo
    for m in "$mods"/lfvbench_*.so; do
        local have
        have=$("$bin/lfvpci-percall" "$m" list 1 2>/dev/null) || continue
        local row="" any=0
        for c in "$@"; do
            if grep -qx "$c" <<<"$have"; then
                a=$(ir "$m" "$c" "$N"); b=$(ir "$m" "$c" $((2 * N)))
                row+=$(printf ' %14s' "$(awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }')")
                any=1
            else
                row+=$(printf ' %14s' "-")
            fi
        done
        [ $any = 1 ] || continue
        name=$(basename "$m" .so); name=${name#lfvbench_}
        printf '%-28s%s\n' "$name" "$row"
    done
}

N=${PERF_ITERS:-100000}
table "access" read_hot/early read_hot/middle read_hot/late read_span read_gap write_hot
N=${PERF_ITERS_TRACE:-20000}
table "operation (workloads)" enumerate enumerate/private steady msix_mask
