# SPDX-License-Identifier: GPL-2.0-only
"""The guest phase's checks for check-console.py (--guest): issue 14's
proof, from one boot's checksummed lines.

Lines (boot/init.sh, boot/guest-init.sh, boot/domu.c, boot/pci-probe.c):
  meta-guest       "domu: ..." of the launcher of the guest given the
                   device (role "dev");
  meta-guest2      the same for the second guest ("empty"), started by
                   the first launcher's hook while the first guest runs
                   (refused the device, EBUSY; told the bridge above it
                   is not assignable, EPERM);
  meta-guest-pci   "ROLE SBDF FACT...", lfv-pciprobe in each guest;
  meta-guest-up    "ROLE linux ... pci buses=N functions=M";
  meta-guest-gone  "ROLE SBDF ids XXXXXXXX after N s": the first guest's
                   IDs of its function once dom0 took it back while the
                   guest ran (launcher: "deassign_device ... ok, dN
                   running"), all-ones, before it powered off;
  meta-guest-dom0  "WHEN SBDF FACT...", lfv-pciprobe in dom0 of the
                   device before the assignment, during it (while the
                   guest runs), and after the guest was destroyed.

What the guest must see is what lfvpci's model gives a guest for that
device: `lfvpci dump --guest --json` (the engine, with the default
capability policy of docs/guest-capabilities.md) run here on dom0's dump
C of the device (its config space and sysfs resource lines, view-C),
with the one rule the command does not apply because it models x86: off
x86 a guest's I/O BARs read 0 like empty ones (include/lfvpci/header.h),
and Xen's guests here are Arm's.
"""

import json
import os
import re
import subprocess
import tempfile

# e1000e STATUS bits that do not depend on who enabled what: FD, LU,
# SPEED (6-7), ASDV (8-9).  GIO master enable (19) follows bus mastering,
# which the no-IOMMU assignment never gives the guest.
STATUS_STABLE = 0x3C3
GUEST_SBDF = "0000:00:00.0"
CMD_MEMORY, CMD_MASTER = 0x2, 0x4


def parse_probe(lines):
    """lfv-pciprobe's facts: a dict of lists, keyed by the first word."""
    facts = {}
    for ln in lines:
        w = ln.split()
        if w:
            facts.setdefault(w[0], []).append(w[1:])
    return facts


def expected_view(lfvpci, views, dev):
    """lfvpci dump --guest of dom0's dump C of dev: (json device, error)."""
    cfg, res = {}, {}
    for body in views.get("view-C", []):
        w = body.split()
        if len(w) == 4 and w[0] == "cfg" and w[1] == dev:
            cfg[int(w[2], 16)] = bytes.fromhex(w[3])
        elif len(w) == 6 and w[0] == "res" and w[1] == dev:
            res[int(w[2])] = " ".join(w[3:])
    if not cfg:
        return None, "no view-C config space of %s" % dev
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "config"), "wb") as f:
            f.write(b"".join(cfg[k] for k in sorted(cfg)))
        zero = " ".join(["0x%016x" % 0] * 3)
        with open(os.path.join(d, "resource"), "w") as f:
            f.write("".join(res.get(i, zero) + "\n" for i in range(13)))
        p = subprocess.run([lfvpci, "dump", "--guest", "--json", d],
                           capture_output=True, text=True)
    if p.returncode != 0:
        return None, "lfvpci dump --guest of %s: %s" % (dev,
                                                        p.stderr.strip())
    return json.loads(p.stdout)["devices"][0], None


def dom0_status(views, dev):
    """dom0's STATUS of dev in the bars phase (view-bars), or None."""
    for body in views.get("view-bars", []):
        w = body.split()
        if len(w) == 4 and w[:3] == ["reg", dev, "STATUS"]:
            return int(w[3], 16)
    return None


def check_guest(name, metas, views, lfvpci):
    """Errors (strings) of one boot's guest phase."""
    errs = []
    e = errs.append
    launch = [b for _, b in metas.get("meta-guest", [])]
    launch2 = [b for _, b in metas.get("meta-guest2", [])]
    for tag, lines in (("meta-guest", launch), ("meta-guest2", launch2)):
        for b in lines:
            print("xen-boot: %s: %s: %s" % (name, tag, b))
    for b in launch + launch2:
        if b.startswith("domu: result fail"):
            e("%s: a launcher failed: %s" % (name, b))
    if not any(b.startswith("domu: result ok ") for b in launch):
        e("%s: no 'domu: result ok' from the launcher of the guest given "
          "the device (meta-guest)" % name)
    if not any(b.startswith("domu: result ok ") for b in launch2):
        e("%s: no 'domu: result ok' from the second guest's launcher "
          "(meta-guest2)" % name)
    dev = None
    for b in launch:
        m = re.match(r"domu: assigned (\S+) \(sbdf \S+\) to d(\d+)$", b)
        if m:
            dev = m.group(1)
    if dev is None:
        e("%s: the launcher assigned no device (no 'domu: assigned' line)"
          % name)
        return errs
    if not any(re.match(r"domu: d\d+ running when the hook starts$", b)
               for b in launch):
        e("%s: the first guest was not running when dom0's checks and the "
          "second guest started" % name)
    if not any(re.match(r"domu: assign_device %s to d\d+ refused: EBUSY "
                        % re.escape(dev), b) for b in launch2):
        e("%s: assigning %s to the second guest was not refused with EBUSY"
          % (name, dev))
    # test_assign_device answers as assign_device: a bridge is refused.
    if not any(re.match(r"domu: test_assign_device \S+ for d\d+ refused: "
                        r"EPERM ", b) for b in launch2):
        e("%s: test_assign_device of the bridge above %s was not refused "
          "with EPERM" % (name, dev))

    # The hot unplug: the device taken from the first guest while it ran,
    # which then read all-ones on its bus and powered off (result ok).
    if not any(re.match(r"domu: deassign_device %s from d\d+: ok, d\d+ "
                        r"running$" % re.escape(dev), b) for b in launch):
        e("%s: %s was not taken from the running first guest (no "
          "'deassign_device ... ok, dN running')" % (name, dev))
    gone = [b for _, b in metas.get("meta-guest-gone", [])]
    for b in gone:
        print("xen-boot: %s: guest: %s" % (name, b))
    if not any(re.match(r"dev %s ids ffffffff after \d+ s$"
                        % re.escape(GUEST_SBDF), b) for b in gone):
        e("%s: the first guest did not see its device go (meta-guest-gone: "
          "%s)" % (name, "; ".join(gone) or "none"))

    # The guests' own reports.
    ups = {}
    for _, b in metas.get("meta-guest-up", []):
        print("xen-boot: %s: guest: %s" % (name, b))
        ups[b.split()[0]] = b
    pci = {}
    for where, b in metas.get("meta-guest-pci", []):
        w = b.split(None, 2)
        if len(w) < 3:
            e("%s: short guest line: %s" % (where, b))
            continue
        pci.setdefault((w[0], w[1]), []).append(w[2])
    for role, fns in (("dev", 1), ("empty", 0)):
        if role not in ups:
            e("%s: no meta-guest-up line from the '%s' guest" % (name, role))
        elif "pci buses=1 functions=%d" % fns not in ups[role]:
            e("%s: the '%s' guest's PCI is not one bus with %d function: %s"
              % (name, role, fns, ups[role]))
    for (role, sbdf) in pci:
        if (role, sbdf) != ("dev", GUEST_SBDF):
            e("%s: guest '%s' found a PCI function at %s: %s"
              % (name, role, sbdf, pci[(role, sbdf)][0]))
    g = parse_probe(pci.get(("dev", GUEST_SBDF), []))
    if not g:
        e("%s: the 'dev' guest reported nothing of %s" % (name, GUEST_SBDF))
        return errs
    for x in g.get("error", []):
        e("%s: in the guest: error %s" % (name, " ".join(x)))

    exp, err = expected_view(lfvpci, views, dev)
    if err:
        e("%s: %s" % (name, err))
        return errs
    what = "%s: the guest's %s" % (name, GUEST_SBDF)
    want_id = "%s:%s" % (exp["vendor"], exp["device"])
    got_id = g.get("id", [["?"]])[0][0]
    if got_id != want_id:
        e("%s IDs %s, not %s" % (what, got_id, want_id))
    want_bars = sorted((str(b["index"]), b["kind"], b["size"])
                       for b in exp["bars"] if b["kind"] != "io")
    got_bars = sorted((x[0], x[1], int(x[2], 16))
                      for x in g.get("bar", []) if x[0] != "rom")
    if got_bars != want_bars:
        e("%s BARs (index, kind, size) %s, lfvpci dump --guest says %s"
          % (what, got_bars, want_bars))
    rom = [int(x[2], 16) for x in g.get("bar", []) if x[0] == "rom"]
    if rom != [exp["rom_size"]]:
        e("%s ROM size %s, lfvpci dump --guest says %#x"
          % (what, rom, exp["rom_size"]))
    # Every memory BAR got guest memory of its size from the guest's Linux.
    res = {x[0]: x for x in g.get("res", [])}
    for b in exp["bars"]:
        if b["kind"] == "io":
            continue  # the guest's host bridge has no I/O window
        r = res.get(str(b["index"]))
        if not r or int(r[1], 16) == 0 or \
           int(r[2], 16) - int(r[1], 16) + 1 != b["size"]:
            e("%s BAR %d: the guest's kernel resource %s, not %#x bytes"
              % (what, b["index"], r, b["size"]))
    want_caps = [(c["offset"], c["id"]) for c in exp["capabilities"]]
    got_caps = [(int(x[0], 16), int(x[1], 16)) for x in g.get("cap", [])]
    if got_caps != want_caps:
        e("%s capability chain %s, lfvpci dump --guest says %s"
          % (what, fmt_caps(got_caps), fmt_caps(want_caps)))
    want_ext = [(c["offset"], c["id"]) for c in exp["extended_capabilities"]]
    got_ext = [(int(x[0], 16), int(x[1], 16)) for x in g.get("ecap", [])]
    # A Null capability at 0x100 only links the chain (the tool omits it).
    got_ext = [c for c in got_ext if c != (0x100, 0)]
    if got_ext != want_ext:
        e("%s extended chain %s, lfvpci dump --guest says %s"
          % (what, fmt_caps(got_ext), fmt_caps(want_ext)))

    # The register, through the guest's BAR, against dom0's readings.
    d0 = dom0_status(views, dev)
    regs = g.get("reg", [])
    if len(regs) != 1:
        e("%s: no register read through a BAR" % what)
    elif d0 is None:
        e("%s: no STATUS of %s in dom0's bars phase" % (name, dev))
    else:
        v, cmd = int(regs[0][2], 16), int(regs[0][3], 16)
        if v == 0xFFFFFFFF or v & STATUS_STABLE != d0 & STATUS_STABLE:
            e("%s register %s+%s = %#010x: stable bits %#x differ from "
              "dom0's %#010x" % (what, regs[0][0], regs[0][1], v,
                                 STATUS_STABLE, d0))
        # The guest set bus mastering: its own view has it (emulated).
        if cmd & (CMD_MEMORY | CMD_MASTER) != CMD_MEMORY | CMD_MASTER:
            e("%s COMMAND %#06x once enabled with bus mastering: the "
              "guest's view lost MEMORY or MASTER" % (what, cmd))

    errs += check_dom0(name, metas, dev, d0)
    print("xen-boot: %s: the guest's %s (host %s): %s, BARs %s, chains %s "
          "%s, %s" % (name, GUEST_SBDF, dev, got_id,
                      ["%s:%s:%#x" % b for b in got_bars],
                      fmt_caps(got_caps), fmt_caps(got_ext),
                      "register %s+%s %s (COMMAND %s)" % tuple(regs[0])
                      if len(regs) == 1 else "no register"))
    return errs


def check_dom0(name, metas, dev, d0):
    """dom0's probes of dev before, during and after the assignment."""
    errs = []
    by = {}
    for _, b in metas.get("meta-guest-dom0", []):
        w = b.split(None, 2)
        if len(w) == 3 and w[1] == dev:
            by.setdefault(w[0], []).append(w[2])
    p = {k: parse_probe(v) for k, v in by.items()}
    for when in ("before", "during", "after"):
        if when not in p:
            errs.append("%s: no dom0 probe of %s %s the assignment"
                        % (name, dev, when))
            return errs
        for x in p[when].get("error", []):
            errs.append("%s: dom0 %s: error %s" % (name, when, " ".join(x)))
    hw_id = p["before"].get("id", [["?"]])[0][0]
    hw_bars = p["before"].get("barreg", [])
    # Xen's rule while a guest owns it: dom0 reads the hardware (4.17's
    # fallback for a device without dom0 vPCI state, kept by patch 12);
    # the guest's own BAR placement never reaches the hardware.
    for when in ("during", "after"):
        if p[when].get("id", [["?"]])[0][0] != hw_id:
            errs.append("%s: dom0 reads %s's IDs %s %s, %s before"
                        % (name, dev, p[when].get("id"), when, hw_id))
        if p[when].get("barreg", []) != hw_bars:
            errs.append("%s: %s's BAR registers %s %s, %s before (the "
                        "guest's placement reached the hardware?)"
                        % (name, dev, p[when].get("barreg"), when, hw_bars))
    # While the guest holds it enabled with bus mastering: its decoding is
    # on in the hardware, bus mastering is not (no IOMMU: the no_iommu
    # rule of lfv_system_params).
    hw_cmd = p["during"].get("id", [[]])[0]
    if len(hw_cmd) != 5 or hw_cmd[3] != "cmd":
        errs.append("%s: dom0's probe of %s during: no COMMAND" % (name, dev))
    else:
        c = int(hw_cmd[4], 16)
        if not c & CMD_MEMORY:
            errs.append("%s: %s's hardware COMMAND %#06x while the guest "
                        "decodes: MEMORY off" % (name, dev, c))
        if c & CMD_MASTER:
            errs.append("%s: %s's hardware COMMAND %#06x: the guest's bus "
                        "mastering reached the hardware without an IOMMU"
                        % (name, dev, c))
    regs = p["after"].get("reg", [])
    if len(regs) != 1:
        errs.append("%s: dom0 read no register of %s after the guest"
                    % (name, dev))
    elif d0 is not None:
        v = int(regs[0][2], 16)
        if v == 0xFFFFFFFF or v & STATUS_STABLE != d0 & STATUS_STABLE:
            errs.append("%s: dom0's register of %s after the guest %#010x, "
                        "%#010x in the bars phase" % (name, dev, v, d0))
    return errs


def fmt_caps(caps):
    return "[%s]" % ", ".join("%#x:%#x" % c for c in caps)
