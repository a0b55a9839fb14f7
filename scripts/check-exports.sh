#!/bin/sh
# check-exports.sh LIB INCLUDE_DIR: every dynamic symbol that the shared
# library LIB defines is documented API: named lfv_* and declared in a
# public header of INCLUDE_DIR/lfvpci.  Prints the others; exits 1 if any.
set -eu
lib=$1
inc=$2/lfvpci
[ -f "$lib" ] || { echo "check-exports: $lib: no such file" >&2; exit 1; }
syms=$(nm -D --defined-only "$lib" | awk 'NF == 3 { print $3 }' |
       grep -v -x -e _init -e _fini -e __bss_start -e _edata -e _end || true)
[ -n "$syms" ] || { echo "check-exports: $lib exports nothing" >&2; exit 1; }
bad=0 n=0
for s in $syms; do
    n=$((n + 1))
    case $s in
    __odr_asan.lfv_*) s=${s#__odr_asan.} ;; # ASan's marker of an exported global
    lfv_*) ;;
    *) echo "check-exports: $s: exported, not lfv_*"; bad=$((bad + 1)); continue ;;
    esac
    if ! grep -q -w -- "$s" "$inc"/*.h; then
        echo "check-exports: $s: exported, declared in no public header"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -ne 0 ]; then
    echo "check-exports: $bad of $n exported symbols are not documented API"
    exit 1
fi
echo "check-exports: $n symbols, all documented lfv_* API"
