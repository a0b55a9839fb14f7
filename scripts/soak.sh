#!/usr/bin/env bash
# make soak: lfvpci-stress for a long time on every RCU backend, then the
# MSI-X page-remainder race scenario on every backend.
# Usage: scripts/soak.sh BUILD_DIR [SECONDS] [extra lfvpci-stress options]
#   SECONDS per backend (default 300); oversubscribed: 2 readers and 1
#   writer per CPU; the real devices of the lspci dumps, found where the
#   ctest stress runs find them (../shared/data/lspci beside the source
#   tree, or $LFV_SHARED_DIR/data/lspci) or in $LSPCI_DIR; SOAK_SEED
#   (default: the time), SOAK_RACE_SECONDS
#   (default 60, the race scenario stops at its first failure).
# Prints accesses/s and removals per backend; exits 1 if any run failed.
set -uo pipefail

build=${1:?build dir}
secs=${2:-300}
shift $(( $# >= 2 ? 2 : $# ))
src=$(cd "$(dirname "$0")/.." && pwd)
stress=$build/bin/lfvpci-stress
cpus=$(nproc)
seed=${SOAK_SEED:-$(date +%s)}
race_secs=${SOAK_RACE_SECONDS:-60}
shared=${LFV_SHARED_DIR:-$src/../shared}
lspci=${LSPCI_DIR:-$shared/data/lspci}
lspci_args=()
if [ -d "$lspci" ]; then
    lspci_args=(--lspci "$(cd "$lspci" && pwd)")
else
    echo "soak: no lspci dumps at $lspci (set LSPCI_DIR): pattern devices" >&2
fi

# A ThreadSanitizer build (make soak-tsan) reports races in Debian's
# uninstrumented liburcu, whose own futex hand-offs TSan cannot see: the
# tests' suppressions (tests/tsan.supp: liburcu's internals only, never
# lfvpci's code) apply unless TSAN_OPTIONS is set; a race stops the run.
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:history_size=7:suppressions=$src/tests/tsan.supp}

failed=0
rows=()
for b in memb qsbr ckepoch; do
    log=$build/soak-$b.log
    echo "soak: $b for ${secs}s, $((2 * cpus)) readers, $cpus writers, seed $seed (log: $log)"
    "$stress" --rcu "$b" --readers $((2 * cpus)) --writers "$cpus" \
        --duration "$secs" --seed "$seed" "${lspci_args[@]}" "$@" >"$log" 2>&1
    rc=$?
    acc=$(grep -E '^  accesses ' "$log" | grep -oE '\([0-9]+/s\)' | tr -d '()')
    total=$(grep -E '^  accesses ' "$log" | awk '{print $2}')
    rem=$(grep -E '^  removals ' "$log" | awk '{print $2}')
    mov=$(grep -E '^  moves ' "$log" | awk '{print $2}')
    res=$(tail -1 "$log")
    [ $rc -ne 0 ] && failed=1
    rows+=("$(printf '%-8s accesses %-12s %-12s removals %-9s moves %-9s %s' \
              "$b" "${total:-?}" "${acc:-?}" "${rem:-?}" "${mov:-?}" "$res")")
done
for b in memb qsbr ckepoch; do
    log=$build/soak-race-$b.log
    echo "soak: msix-race on $b for up to ${race_secs}s (log: $log)"
    "$stress" --rcu "$b" --scenario msix-race --readers $((2 * cpus)) \
        --writers "$cpus" --duration "$race_secs" --seed "$seed" >"$log" 2>&1
    rc=$?
    [ $rc -ne 0 ] && failed=1
    first=$(grep -oE 'first after [0-9.]+ s' "$log")
    acc=$(grep -E '^  accesses ' "$log" | awk '{print $2}')
    rows+=("$(printf '%-8s msix-race accesses %-12s %s %s' "$b" "${acc:-?}" \
              "$(tail -1 "$log")" "${first:+($first)}")")
done
echo "soak summary (${secs}s per backend, seed $seed):"
printf '  %s\n' "${rows[@]}"
exit $failed
