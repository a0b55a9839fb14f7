#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# mkpatches.sh [--check]: generate the Xen series' patches that come from
# this repository's sources:
#   0003-vpci-import-the-lfvpci-dispatch-engine.patch: the engine's files
#     listed in ENGINE_FILES below, copied byte for byte under
#     xen/drivers/vpci/lfvpci/;
#   0010-vpci-implement-lfvpci-s-p2m-interface-on-MMIO-mappings.patch:
#     integration/xen/src/lfvpci-p2m.c and lfvpci-rangeset.c as
#     xen/drivers/vpci/lfvpci-{p2m,rangeset}.c, and their lines in
#     xen/drivers/vpci/Makefile (as patch 0005, the build glue, leaves it).
# The other patches, and the cover letter 0000, are hand-written and
# committed as they are.  Every patch is numbered [PATCH n/N], N being the
# number of patches in patches/ besides the cover letter.
#
# --check: generate into a temporary directory and fail if a committed
# patch differs (the series has drifted from the sources); nothing is
# written.
#
# The output is deterministic: fixed author and dates, full blob ids, no
# signature, and git's global and system configuration ignored.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
patch_name=0003-vpci-import-the-lfvpci-dispatch-engine.patch
p2m_patch=0010-vpci-implement-lfvpci-s-p2m-interface-on-MMIO-mappings.patch
glue_patch=0005-vpci-build-the-lfvpci-engine-into-the-hypervisor.patch
dest=xen/drivers/vpci/lfvpci

# What the Xen build compiles (see the lfvpci objects in
# xen/drivers/vpci/Makefile after the series) and the headers they include.
ENGINE_FILES="
include/lfvpci/access.h
include/lfvpci/caps.h
include/lfvpci/domain.h
include/lfvpci/export.h
include/lfvpci/header.h
include/lfvpci/msi.h
include/lfvpci/p2m.h
include/lfvpci/rangeset.h
include/lfvpci/rcu.h
include/lfvpci/regs.h
include/lfvpci/vpci.h
core/compiler.h
core/msix_place.h
core/pci_caps.h
core/pci_regs.h
core/platform.h
core/rcu_fast.h
core/sbdf_map.c
core/sbdf_map.h
core/tsan.h
dispatch/access_internal.h
dispatch/bus.h
dispatch/read.c
dispatch/regtab.c
dispatch/regtab.h
dispatch/write.c
model/assign.c
model/assign_hw.c
model/assign_hw.h
model/caps_policy.c
model/caps_policy.h
model/domain.c
model/domain_access.c
model/header.c
model/header.h
model/header_caps.c
model/header_guest.c
model/header_host.c
model/header_map.c
model/hook_util.h
model/system.c
model/system.h
model/vpci_state.h
"

check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v git >/dev/null 2>&1 || {
    echo "mkpatches.sh: git not found" >&2; exit 1; }

# N: the series' length, the cover letter aside.
total=$(ls "$here"/patches/ | grep -c -E '^00(0[1-9]|[1-9][0-9])-.*\.patch$' ||
        true)
for p in $patch_name $p2m_patch; do
    [ -f "$here/patches/$p" ] || total=$((total + 1))
done

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
(dispatch/regtab.c), the read and write paths (dispatch/read.c,
dispatch/write.c) and
the SBDF map (core/sbdf_map.c), a radix tree searched under RCU, used by
vpci_read()/vpci_write() instead of walking the segment's device list;
and, for guests (patch 14 on), lfvpci's device model: domains with a
virtual bus (model/system.c, domain.c, domain_access.c), assignment
(model/assign.c, assign_hw.c) and the header emulation with its
capability policy (model/header*.c, caps_policy.c).  lfvpci's MSI and
MSI-X emulation and its own range sets are not imported: Arm guests
have no vPCI MSI in 4.17, and patch 10 implements the range set calls
on Xen's rangeset.
Nothing here knows it runs inside Xen: allocation, locks and the RCU
read side come from a platform header (core/platform.h:
LFV_PLATFORM_HEADER), which patch 5 provides together with the build
glue.  Functions the engine calls through pointers are marked
lfv_cf_check, which the platform header defines to cf_check.  This
patch builds nothing on its own.

The headers include lfvpci/p2m.h, the interface through which lfvpci's
header emulation maps BARs into a domain's p2m; patch 10 implements it
on Xen's MMIO mappings.

Licence: GPL-2.0-only, as Xen.
EOF
git -C "$tmp/tree" format-patch -q -1 -N --zero-commit --full-index \
    --no-signature --subject-prefix="PATCH 3/$total" --stdout HEAD \
    > "$tmp/$patch_name"

# Patch 0010 applies after the build glue (0005), the only patch before it
# that touches xen/drivers/vpci/Makefile, which it creates the whole
# lfvpci part of: its hunk's new side is the file.
mk=xen/drivers/vpci/Makefile
p3="$here/patches/$glue_patch"
[ -f "$p3" ] || { echo "mkpatches.sh: patches/$glue_patch missing" >&2; exit 1; }
git init -q "$tmp/p2m"
mkdir -p "$tmp/p2m/$(dirname "$mk")"
awk -v f="diff --git a/$mk b/$mk" '
    $0 == f { infile = 1; next }
    infile && /^diff --git / { exit }
    infile && /^@@/ { hunk = 1; next }
    infile && hunk && /^[ +]/ { print substr($0, 2) }
' "$p3" > "$tmp/p2m/$mk"
[ -s "$tmp/p2m/$mk" ] || { echo "mkpatches.sh: no $mk in $p3" >&2; exit 1; }
git -C "$tmp/p2m" add -A
git -C "$tmp/p2m" commit -q -m base
cp "$here/src/lfvpci-p2m.c" "$tmp/p2m/xen/drivers/vpci/lfvpci-p2m.c"
cp "$here/src/lfvpci-rangeset.c" "$tmp/p2m/xen/drivers/vpci/lfvpci-rangeset.c"
cat >> "$tmp/p2m/$mk" <<'EOF'

# lfvpci's p2m interface (lfvpci/p2m.h) on Xen's MMIO mappings, and the
# range sets its header emulation uses (lfvpci/rangeset.h) on Xen's.
obj-y += lfvpci-p2m.o lfvpci-rangeset.o
EOF
git -C "$tmp/p2m" add -A
git -C "$tmp/p2m" commit -q -F - <<'EOF'
vpci: implement lfvpci's p2m interface on MMIO mappings

lfvpci's header emulation maps a device's BARs into its owner's p2m
through a small interface (lfvpci/p2m.h): a batch of map and unmap
calls between lfv_p2m_begin() and lfv_p2m_commit(), dropped whole by
lfv_p2m_abort(), and lfv_p2m_translate().  Implement it on Xen's p2m:
map and unmap are map_mmio_regions() and unmap_mmio_regions() on the
domain (unmap is given the mfn that is mapped, as both take it), and
translate is get_gfn_query_unlocked() on x86, p2m_lookup() on Arm.

Xen applies every change as it is made, so a batch is a log of the
changes done since lfv_p2m_begin(): commit forgets it, abort undoes it
in reverse order.  A change is logged only once complete; one failing
part-way is rolled back before its error is returned (x86 reports how
far it got; on Arm a failed p2m_set_entry() may have changed part of
its range, so the whole range is rolled back).  An undo that fails
crashes the guest, as header.c does when a mapping fails.  Both calls
may return early with the number of frames done; the loop carries on
from there without preempting itself: a batch is the few ranges of one
device's BARs.

Arm's unmap_mmio_regions() refuses a whole range (-EILSEQ, nothing
changed) if any entry in it is RAM, which a guest arranges by populating
RAM at a frame of its mapped BAR (guest_physmap_add_page() replaces the
MMIO entry).  Giving up would leave all the device's frames mapped in
the guest: de-assignment would crash it with them still in its p2m (only
the crash's shutdown pause keeping it off them).  So such a range is
unmapped again around the guest's entries: p2m_lookup() finds the frames
that still map the device (mfn + k, p2m_mmio_direct_*), each run of them
is unmapped in one call, and anything else (the guest's RAM, or nothing)
is left where it is.  An entry changing between the lookup and the unmap
(another vCPU of the guest: it is not paused when it turns its own
decoding off) makes the run's unmap fail again; the run is then looked
up again, at most 8 times in a row without progress.  The range is done
once none of its entries maps the device; only a device frame that
cannot be removed is an error.  x86 needs none of this: its
clear_mmio_p2m_entry() removes any direct MMIO entry, and a guest cannot
put anything else over one (p2m_add_page() crashes it,
guest_remove_page() and XENMEM_add_to_physmap return -EPERM).

domain_crash() (here and in lfv_p2m_revoke(), when the mappings
cannot be taken back) does not wait for the guest's vCPUs: it runs
under locks of lfvpci that those vCPUs may spin on.  Code that hands a
device on after such a failure must have paused the guest
synchronously first (patch 15 does, outside those locks), so that no
vCPU of it runs on stale mappings of a device it no longer owns.

A guest's maps are refused (-EPERM) unless iomem_access_permitted()
says the host frames were granted to it (XEN_DOMCTL_iomem_permission):
map_mmio_regions() checks no permission itself, and vPCI maps a guest's
BARs on its own.  The hardware domain's identity maps are not checked,
as header.c does not check them.  A guest's maps and unmaps are logged
on its log level (XENLOG_G_DEBUG; failures XENLOG_G_WARNING, rate
limited): gfn range, mfn, result.

The p2m holds a reference to its domain until an RCU grace period after
lfv_p2m_destroy().  A domain without paging_mode_translate() (x86 PV)
has no p2m to change: maps must be identity and translate is identity.

The header emulation keeps the frames a BAR still has to map or unmap
in a range set per BAR.  lfvpci's own sets are lock-free B-trees
(2,300 lines); the emulation only touches a BAR's set under its
domain's map lock, so lfvpci-rangeset.c implements the six calls it
makes on Xen's rangeset instead: purge is removing [0, ~0] (4.17 has
no rangeset_purge()), report_ranges passes Xen's clipped ranges on, and
destroy frees after a grace period with call_rcu(), as lfvpci's
contract says.

header.c keeps mapping through its own map_range() for the hardware
domain; this is what lfvpci's header emulation (guests' devices, patch
14 on) links in place of the engine's simulated p2m and range sets.  The same file is tested in lfvpci's repository
against a user-space stub of these calls with x86's and Arm's
behaviour (tests/xen/).

Licence: GPL-2.0-only, as Xen.
EOF
git -C "$tmp/p2m" format-patch -q -1 -N --zero-commit --full-index \
    --no-signature --subject-prefix="PATCH 10/$total" --stdout HEAD \
    > "$tmp/$p2m_patch"

if [ "$check" -eq 1 ]; then
    for p in $patch_name $p2m_patch; do
        if [ ! -f "$here/patches/$p" ]; then
            echo "mkpatches.sh: patches/$p missing;" \
                 "run integration/xen/mkpatches.sh" >&2
            exit 1
        fi
        if ! cmp -s "$tmp/$p" "$here/patches/$p"; then
            echo "mkpatches.sh: patches/$p is out of date with the" \
                 "sources; run integration/xen/mkpatches.sh and commit" \
                 "the result" >&2
            diff -u "$here/patches/$p" "$tmp/$p" | head -n 40 >&2 || true
            exit 1
        fi
        echo "mkpatches.sh: $p is up to date"
    done
    exit 0
fi

mkdir -p "$here/patches"
for p in $patch_name $p2m_patch; do
    cp "$tmp/$p" "$here/patches/$p"
    echo "$here/patches/$p"
done
