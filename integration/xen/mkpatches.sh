#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# mkpatches.sh [--check]: generate the first patch of the Xen series,
# patches/0001-vpci-import-the-lfvpci-dispatch-engine.patch, from the
# engine's current sources (the files listed in ENGINE_FILES below, copied
# byte for byte under xen/drivers/vpci/lfvpci/).  The other patches are
# hand-written and committed as they are.
#
# --check: generate into a temporary file and fail if the committed patch
# differs (the series has drifted from the sources); nothing is written.
#
# The output is deterministic: fixed author and dates, full blob ids, no
# signature, and git's global and system configuration ignored.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
patch_name=0001-vpci-import-the-lfvpci-dispatch-engine.patch
out="$here/patches/$patch_name"
dest=xen/drivers/vpci/lfvpci

# What the Xen build compiles (see the lfvpci objects in
# xen/drivers/vpci/Makefile after the series) and the headers they include.
ENGINE_FILES="
include/lfvpci/access.h
include/lfvpci/rcu.h
include/lfvpci/regs.h
core/compiler.h
core/platform.h
core/rcu_fast.h
core/sbdf_map.c
core/sbdf_map.h
core/tsan.h
dispatch/access.c
dispatch/access_internal.h
dispatch/regtab.c
dispatch/regtab.h
"

check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v git >/dev/null 2>&1 || {
    echo "mkpatches.sh: git not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export GIT_CONFIG_NOSYSTEM=1 HOME="$tmp" XDG_CONFIG_HOME="$tmp"
export GIT_AUTHOR_NAME="lfvpci" GIT_AUTHOR_EMAIL="lfvpci@localhost"
export GIT_COMMITTER_NAME="lfvpci" GIT_COMMITTER_EMAIL="lfvpci@localhost"
export GIT_AUTHOR_DATE="2025-01-01T00:00:00+0000"
export GIT_COMMITTER_DATE="$GIT_AUTHOR_DATE"

git init -q "$tmp/tree"
git -C "$tmp/tree" commit -q --allow-empty -m base
for f in $ENGINE_FILES; do
    [ -f "$repo/$f" ] || { echo "mkpatches.sh: $f missing" >&2; exit 1; }
    mkdir -p "$tmp/tree/$dest/$(dirname "$f")"
    cp "$repo/$f" "$tmp/tree/$dest/$f"
done
git -C "$tmp/tree" add -A
git -C "$tmp/tree" commit -q -F - <<'EOF'
vpci: import the lfvpci dispatch engine

Import lfvpci's register tables and access paths under
xen/drivers/vpci/lfvpci/, unmodified from the lfvpci repository (this
patch is generated from its sources by integration/xen/mkpatches.sh;
do not edit it by hand).

lfvpci keeps each device's emulated registers in an immutable table,
indexed per dword, published with rcu_assign_pointer() and freed with
call_rcu() once replaced.  A configuration read finds the register for
any offset in O(1) inside an RCU read-side section: it takes no lock and
writes no shared cache line, so reads of a device no longer serialise
on its vpci->lock.  Adding or removing registers builds a new table and
never waits for readers.  The register rules (size, alignment, overlap,
RO/RW1C/RsvdP/RsvdZ masks, accesses spanning registers and gaps) are
those of vpci.c.

Only the files the hypervisor needs are imported: the register tables
(dispatch/regtab.c), the read and write paths (dispatch/access.c) and
the SBDF map (core/sbdf_map.c), a radix tree searched under RCU, used by
vpci_read()/vpci_write() instead of walking the segment's device list.  Nothing here knows it runs inside Xen: allocation, locks and the
RCU read side come from a platform header
(core/platform.h: LFV_PLATFORM_HEADER), which the next patch provides
together with the build glue.  This patch builds nothing on its own.

Licence: GPL-2.0-only, as Xen.
EOF
git -C "$tmp/tree" format-patch -q -1 -N --zero-commit --full-index \
    --no-signature --stdout HEAD > "$tmp/$patch_name"

if [ "$check" -eq 1 ]; then
    if [ ! -f "$out" ]; then
        echo "mkpatches.sh: $out missing; run integration/xen/mkpatches.sh" >&2
        exit 1
    fi
    if ! cmp -s "$tmp/$patch_name" "$out"; then
        echo "mkpatches.sh: $out is out of date with the engine's sources;" \
             "run integration/xen/mkpatches.sh and commit the result" >&2
        diff -u "$out" "$tmp/$patch_name" | head -n 40 >&2 || true
        exit 1
    fi
    echo "mkpatches.sh: $patch_name is up to date"
    exit 0
fi

mkdir -p "$here/patches"
cp "$tmp/$patch_name" "$out"
echo "$out"
