#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""check-console.py OUT NAME...: check xen-boot's console logs and compare
dom0's views.

For each NAME, OUT/NAME.console.log must hold dom0's end marker with no
failed step, every "@@ TAG TEXT CSUM" line intact (Adler-32, as
boot/init.sh computes it), each dump complete (its count line), no Xen
warning, assertion or crash, no dom0 kernel warning beyond the known
harmless ones, and the test build's trap counters: dom0's accesses went
through vpci_read()/vpci_write() when vPCI traps them (pci-passthrough=on)
and never otherwise.  Then the views (view-* lines) of every NAME must be
identical to the first NAME's, dump by dump.  Writes OUT/NAME.view and
prints each view's sha256.  Exit status 1 on any failure.

check-console.py --guest NAME[,NAME...] --lfvpci PATH OUT NAME...: those
boots ran dom0's guest phase (XEN_BOOT_GUEST=1) and must also pass
boot/check_guest.py's checks (issue 14's proof: the guest given the
device sees it at 00:00.0 as lfvpci's model says, IDs, BAR sizes,
capability chains, reads a register through BAR 0; a second guest is
refused the device and sees an empty bus; dom0 reads the hardware
meanwhile and uses the device again after), PATH being the lfvpci
command (`lfvpci dump --guest` gives the guest's expected view).
"""

import difflib
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_guest import check_guest  # noqa: E402

LINE = re.compile(r"@@ (\S+) (.*) ([0-9a-f]{8})$")
# Xen's own line (counters.sh); its "(XEN) " prefix is missing when dom0's
# console output left Xen mid-line (seen once, after a guest phase).
COUNTERS = re.compile(r"^(?:\(XEN\) )?lfvpci-test: "
                      r"vpci_read=(\d+) vpci_write=(\d+)$")
PASSTHROUGH = re.compile(r"pci-passthrough=(on|off)")

# Xen's own reports of trouble (debug build).
XEN_BAD = [
    r"Xen WARN", r"Xen BUG", r"Assertion '", r"FATAL", r"Panic on CPU",
    r"Xen call trace", r"not mapping BAR", r"invalid position",
    r"Unexpected Trap", r"Data Abort", r"Page fault", r"\bERROR\b",
    r"crashed", r"failed to map", r"vpci.*(?:failed|error)",
    r"ignored BAR \d+ write while mapped",
]
XEN_BAD_RE = re.compile("|".join(XEN_BAD), re.IGNORECASE)
# dom0 kernel warnings known to be harmless here: no MSI domain on Arm
# dom0 (INTx is used).
KWARN_OK = [r"drivers/pci/msi/msi\.h:17"]


def adler(s):
    a, b = 1, 0
    for c in s:
        o = ord(c)
        a = (a + (o if 32 <= o < 127 else 0)) % 65521
        b = (b + a) % 65521
    return "%04x%04x" % (b, a)


def check(out, name, guest=None):
    """Returns (errors, views, counters, passthrough) for one boot; guest:
    the lfvpci command if the boot ran the guest phase."""
    errs = []
    metas = {}
    path = "%s/%s.console.log" % (out, name)
    try:
        with open(path, errors="replace") as f:
            text = f.read().replace("\r", "")
    except OSError as e:
        return ["%s: %s" % (path, e)], {}, None, None
    views = {}
    end = None
    m = PASSTHROUGH.search(text)
    pt = m.group(1) if m else None
    counters = None
    for n, line in enumerate(text.split("\n"), 1):
        where = "%s:%d" % (path, n)
        if "(XEN)" in line and XEN_BAD_RE.search(line):
            errs.append("%s: Xen reported: %s" % (where, line.strip()))
        c = COUNTERS.search(line)
        if c:
            counters = (int(c.group(1)), int(c.group(2)))
        i = line.find("@@ ")
        if i < 0:
            continue
        m = LINE.match(line[i:])
        if not m or adler(m.group(1) + " " + m.group(2)) != m.group(3):
            errs.append("%s: garbled dom0 line: %s" % (where, line[i:80 + i]))
            continue
        tag, body = m.group(1), m.group(2)
        if tag.startswith("view-"):
            views.setdefault(tag, []).append(body)
        elif tag == "meta-fail":
            errs.append("%s: dom0 step failed: %s" % (where, body))
        elif tag == "meta-kwarn":
            if not any(re.search(k, body) for k in KWARN_OK):
                errs.append("%s: dom0 kernel: %s" % (where, body))
        elif tag == "meta-end":
            end = body
        elif tag == "meta-info":
            print("xen-boot: %s: dom0: %s" % (name, body))
        elif tag.startswith("meta-guest"):
            metas.setdefault(tag, []).append((where, body))
    if guest:
        errs += check_guest(path, metas, views, guest)
    elif metas:
        errs.append("%s: guest lines (%s) in a boot without the guest "
                    "phase" % (path, ", ".join(sorted(metas))))
    if end is None:
        errs.append("%s: no end marker from dom0" % path)
    elif end != "failed=0":
        errs.append("%s: dom0 ended with %s" % (path, end))
    for tag, body in views.items():
        if not body[-1].startswith("count ") or \
           int(body[-1].split()[1]) != len(body) - 1:
            errs.append("%s: %s incomplete (%d lines, last: %s)"
                        % (path, tag, len(body), body[-1]))
    if counters is None:
        errs.append("%s: no trap counters (lfvpci-test) from Xen" % path)
    elif pt == "on":
        # Every dump reads every device's whole config space.
        dwords = sum(int(b.split()[3]) // 4
                     for v in views.values() for b in v
                     if b.startswith("md5 ") and len(b.split()) == 4)
        if counters[0] < dwords or counters[1] == 0:
            errs.append("%s: vpci_read=%d vpci_write=%d: fewer than the "
                        "%d dwords dom0 dumped went through vPCI"
                        % (path, counters[0], counters[1], dwords))
    elif counters != (0, 0):
        errs.append("%s: pci-passthrough=off, yet vpci_read=%d "
                    "vpci_write=%d" % (path, counters[0], counters[1]))
    return errs, views, counters, pt


def flat(views):
    return ["%s %s" % (t, b) for t in sorted(views) for b in views[t]]


def main():
    args = sys.argv[1:]
    guests = []
    lfvpci = None
    while len(args) >= 2 and args[0] in ("--guest", "--lfvpci"):
        if args[0] == "--guest":
            guests = args[1].split(",")
        else:
            lfvpci = args[1]
        args = args[2:]
    if len(args) < 2 or (guests and not lfvpci):
        print("usage: check-console.py [--guest NAME,... --lfvpci PATH] "
              "OUT NAME...", file=sys.stderr)
        return 2
    out, names = args[0], args[1:]
    errs = []
    views = {}
    for name in names:
        e, v, counters, pt = check(out, name,
                                   lfvpci if name in guests else None)
        errs += e
        views[name] = v
        lines = flat(v)
        with open("%s/%s.view" % (out, name), "w") as f:
            f.write("\n".join(lines) + "\n")
        digest = hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()
        print("xen-boot: %s (pci-passthrough=%s): %d view lines in %s, "
              "sha256 %s; vpci_read=%s vpci_write=%s"
              % (name, pt, len(lines), ",".join(sorted(v)), digest,
                 *(counters or ("?", "?"))))
    ref = names[0]
    for name in names[1:]:
        tags = sorted(set(views[ref]) | set(views[name]))
        for t in tags:
            a, b = views[ref].get(t, []), views[name].get(t, [])
            if a != b:
                errs.append("%s differs between %s and %s:" % (t, ref, name))
                diff = difflib.unified_diff(a, b, ref, name, lineterm="", n=0)
                errs += ["  " + d for d in list(diff)[:20]]
    for e in errs:
        print("xen-boot: " + e, file=sys.stderr)
    if errs:
        return 1
    print("xen-boot: the %d views are identical in every dump"
          % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
