#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""test_check_guest.py LFVPCI: check_guest.py (xen-boot's guest check)
on a guest phase as a passing boot reports it, then on one mutation at a
time of it, each of which must be reported.  The device is QEMU's e1000e
as dom0 dumped it in a series boot (dump C); LFVPCI is the lfvpci command
(its dump --guest gives the expected view).  Exit status 0 if the good
phase passes and every mutation fails."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_guest import check_guest  # noqa: E402

DEV = "0000:01:00.0"
# The e1000e's config space in dump C: its non-zero 16-byte rows.
CONFIG = {
    0x000: "8680d310000010000000000200000000",
    0x010: "00000410000006100110000000000810",
    0x020: "00000000000000000000000086800000",
    0x030: "00000000c80000000000000000010000",
    0x0a0: "11000400030000000320000000000000",
    0x0c0: "000000000000000001d0220000000000",
    0x0d0: "05e08000000000000000000000000000",
    0x0e0: "10a00100008000000000000011040000",
    0x0f0: "00001100000000000000000000000000",
    0x100: "01000214000000000000000030204600",
    0x110: "0000000000e00000a000000000000000",
    0x140: "03000100573412ffff00545200000000",
}
RES = {
    0: "0x0000000010040000 0x000000001005ffff 0x0000000000040200",
    1: "0x0000000010060000 0x000000001007ffff 0x0000000000040200",
    2: "0x0000000000001000 0x000000000000101f 0x0000000000040101",
    3: "0x0000000010080000 0x0000000010083fff 0x0000000000040200",
    6: "0x0000000010000000 0x000000001003ffff 0x0000000000046200",
}
HW = """id 8086:10d3 class 020000 cmd 0000
barreg 0 0x10040000
barreg 1 0x10060000
barreg 2 0x00001001
barreg 3 0x10080000
barreg 4 0x00000000
barreg 5 0x00000000
barreg rom 0x00000000
cap 0xc8 0x01
cap 0xd0 0x05
cap 0xe0 0x10
cap 0xa0 0x11
ecap 0x100 0x0001 0x2
ecap 0x140 0x0003 0x1"""
GUEST = """id 8086:10d3 class 020000 cmd 0000
barreg 0 0x23000000
barreg 1 0x23020000
barreg 2 0x00000001
barreg 3 0x23040000
barreg 4 0x00000000
barreg 5 0x00000000
barreg rom 0x00000000
bar 0 mem32 0x20000
bar 1 mem32 0x20000
bar 3 mem32 0x4000
bar rom rom 0x0
res 0 0x23000000 0x2301ffff 0x40200
res 1 0x23020000 0x2303ffff 0x40200
res 3 0x23040000 0x23043fff 0x40200
cap 0xc8 0x01
cap 0xd0 0x05
cap 0xe0 0x10
cap 0xa0 0x11
ecap 0x100 0x0000 0x0
ecap 0x140 0x0003 0x1
reg 0 0x8 0x00000283 0x0006"""


def good():
    cfg = bytearray(4096)
    for o, row in CONFIG.items():
        cfg[o:o + 16] = bytes.fromhex(row)
    views = {"view-C": [], "view-bars": ["reg %s STATUS 0x00080283" % DEV]}
    for o in range(0, 4096, 64):
        views["view-C"].append("cfg %s %03x %s" % (DEV, o,
                                                   cfg[o:o + 64].hex()))
    for i, r in sorted(RES.items()):
        views["view-C"].append("res %s %d %s" % (DEV, i, r))
    m = {
        "meta-guest": [
            "domu: created d1 (GICv3, vPCI)",
            "domu: assigned %s (sbdf 0x10000) to d1" % DEV,
            "domu: d1 running when the hook starts",
            "domu: hook exited with status 0; d1 still running",
            "domu: deassign_device %s from d1: ok, d1 running" % DEV,
            "domu: result ok domid=1 shutdown=0 seconds=5"],
        "meta-guest-gone": ["dev 0000:00:00.0 ids ffffffff after 1 s"],
        "meta-guest2": [
            "domu: assign_device %s to d2 refused: EBUSY (16, Device or "
            "resource busy)" % DEV,
            "domu: test_assign_device 0000:00:01.0 for d2 refused: EPERM "
            "(1, Operation not permitted)",
            "domu: result ok domid=2 shutdown=0 seconds=3"],
        "meta-guest-up": [
            "dev linux 6.1.0-57-arm64 up, 1 vCPU, 230560 kB, pci buses=1 "
            "functions=1",
            "empty linux 6.1.0-57-arm64 up, 1 vCPU, 100000 kB, pci buses=1 "
            "functions=0"],
        "meta-guest-pci": ["dev 0000:00:00.0 " + l
                           for l in GUEST.split("\n")],
        "meta-guest-dom0": (
            ["before %s %s" % (DEV, l) for l in HW.split("\n")] +
            ["during %s %s" % (DEV, l.replace("cmd 0000", "cmd 0002"))
             for l in HW.split("\n")] +
            ["after %s %s" % (DEV, l) for l in HW.split("\n")] +
            ["after %s reg 0 0x8 0x00080283 0x0003" % DEV]),
    }
    return views, m


def mutate(metas, tag, old, new):
    """metas with tag's first line containing old changed (None: drop)."""
    out = {k: list(v) for k, v in metas.items()}
    for i, b in enumerate(out[tag]):
        if old in b:
            if new is None:
                del out[tag][i]
            else:
                out[tag][i] = b.replace(old, new)
            return out
    raise AssertionError("no '%s' in %s" % (old, tag))


MUTATIONS = [
    ("guest IDs", "meta-guest-pci", "id 8086:10d3", "id 8086:10d4"),
    ("guest BAR size", "meta-guest-pci", "bar 3 mem32 0x4000",
     "bar 3 mem32 0x8000"),
    ("guest BAR missing", "meta-guest-pci", "bar 1 mem32", None),
    ("guest ROM shown", "meta-guest-pci", "bar rom rom 0x0",
     "bar rom rom 0x40000"),
    ("guest resource size", "meta-guest-pci", "res 1 0x23020000 0x2303ffff",
     "res 1 0x23020000 0x2302ffff"),
    ("guest capability hidden", "meta-guest-pci", "cap 0xe0 0x10", None),
    ("guest extended capability shown", "meta-guest-pci",
     "ecap 0x100 0x0000 0x0", "ecap 0x100 0x0001 0x2"),
    ("guest register", "meta-guest-pci", "reg 0 0x8 0x00000283",
     "reg 0 0x8 0x00000281"),
    ("guest register all-ones", "meta-guest-pci", "reg 0 0x8 0x00000283",
     "reg 0 0x8 0xffffffff"),
    ("guest register not read", "meta-guest-pci", "reg 0 0x8", None),
    ("guest's MASTER not emulated", "meta-guest-pci", "0x00000283 0x0006",
     "0x00000283 0x0002"),
    ("guest I/O BAR shown (Arm)", "meta-guest-pci", "bar 3 mem32",
     "bar 2 io 0x20"),
    ("hardware bus mastering", "meta-guest-dom0",
     "during %s id 8086:10d3 class 020000 cmd 0002" % DEV,
     "during %s id 8086:10d3 class 020000 cmd 0006" % DEV),
    ("hardware decoding off", "meta-guest-dom0",
     "during %s id 8086:10d3 class 020000 cmd 0002" % DEV,
     "during %s id 8086:10d3 class 020000 cmd 0000" % DEV),
    ("guest probe error", "meta-guest-pci", "cap 0xa0 0x11",
     "error register: mmap of resource0: Invalid argument"),
    ("guest sees no device", "meta-guest-up", "functions=1", "functions=0"),
    ("second guest sees a device", "meta-guest-up", "buses=1 functions=0",
     "buses=1 functions=1"),
    ("second guest not refused", "meta-guest2", "refused: EBUSY", None),
    ("second guest refused otherwise", "meta-guest2", "refused: EBUSY",
     "refused: EPERM"),
    ("second guest failed", "meta-guest2", "result ok", "result fail x:"),
    ("bridge not refused by test_assign", "meta-guest2", "refused: EPERM",
     None),
    ("bridge refused otherwise by test_assign", "meta-guest2",
     "refused: EPERM", "refused: EINVAL"),
    ("first guest not running", "meta-guest", "running when the hook",
     "shut down when the hook"),
    ("no assignment", "meta-guest", "domu: assigned", None),
    ("no hot unplug", "meta-guest", "domu: deassign_device", None),
    ("guest shut down at the unplug", "meta-guest", "ok, d1 running",
     "ok, d1 shut down"),
    ("guest never saw its device go", "meta-guest-gone", "ids ffffffff",
     "ids 10d38086"),
    ("no report of the device going", "meta-guest-gone", "ids", None),
    ("dom0 during: guest BAR on the hardware", "meta-guest-dom0",
     "during %s barreg 0 0x10040000" % DEV,
     "during %s barreg 0 0x23000000" % DEV),
    ("dom0 during: all-ones", "meta-guest-dom0",
     "during %s id 8086:10d3" % DEV, "during %s id ffff:ffff" % DEV),
    ("dom0 after: register", "meta-guest-dom0", "0x00080283 0x0003",
     "0x00000000 0x0003"),
    ("dom0 after: not read", "meta-guest-dom0", "after %s reg" % DEV, None),
]


def main():
    if len(sys.argv) != 2:
        print("usage: test_check_guest.py LFVPCI", file=sys.stderr)
        return 2
    lfvpci = sys.argv[1]
    views, metas = good()

    def run(m):
        with open(os.devnull, "w") as null:
            out, sys.stdout = sys.stdout, null
            try:
                return check_guest("t", {k: [("t", b) for b in v]
                                         for k, v in m.items()},
                                   views, lfvpci)
            finally:
                sys.stdout = out

    bad = 0
    errs = run(metas)
    if errs:
        print("FAIL: the good guest phase: %s" % errs)
        bad += 1
    for what, tag, old, new in MUTATIONS:
        errs = run(mutate(metas, tag, old, new))
        if not errs:
            print("FAIL: not reported: %s" % what)
            bad += 1
        else:
            print("ok: %s: %s" % (what, errs[0]))
    print("%d mutations, %d failures" % (len(MUTATIONS), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
