#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What a guest sees, decoded by the real lspci.

For every lspci dump in DIR: `lfvpci dump --guest` (with --as-function0
for functions other than 0, and --vfs-off for an SR-IOV PF whose VFs are
enabled, which must otherwise be refused with exit 1 and a reason; a
bridge or host bridge must be refused whatever the options) is decoded with `lspci -F OUT -vv -nn` and checked against
the host's own bytes decoded the same way, and against the dump's text:
  - vendor/device IDs and class are the host's;
  - the Region lines are the host's (same index, kind, address), with
    decoding off ("[disabled]"), and no Expansion ROM (a guest's ROM BAR
    reads 0); `lfvpci probe --guest --json` sizes each as the dump's
    [size=] says;
  - the capabilities are exactly what the default policy exposes
    (<lfvpci/caps.h>), at the host's offsets: the first Power Management,
    MSI, MSI-X and Express capability and every vendor-specific one; of
    the extended ones, Device Serial Number and vendor-specific ones, the
    chain starting with a Null capability at 0x100 when the host's there
    is hidden (AER, SR-IOV and the rest are); each decodes as the host's,
    MSI and MSI-X with the same vector counts, 64-bit/maskable flags and
    table and PBA locations, disabled.
Usage: guest_lspci.py LFVPCI DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

fails = 0
vfs = 0  # PFs with their VFs enabled met (refused, then --vfs-off)
bridges = 0  # bridges and host bridges met (refused)
# What the default policy exposes, as lspci names it (<lfvpci/caps.h>).
STD = ("Power Management", "MSI:", "MSI-X:", "Express", "Vendor Specific")
EXT = ("Device Serial Number", "Vendor Specific Information")
# lspci decodes an endpoint's link registers 2 for function 0 only: a
# host function n > 0, seen by the guest as function 0, shows them there.
LINK2 = ("LnkCap2:", "LnkCtl2:", "Transmit Margin:", "Compliance Preset")


def fail(name, msg):
    global fails
    fails += 1
    print(f"FAIL {name}: {msg}")


def lspci(path):
    r = subprocess.run(["lspci", "-F", path, "-vv", "-nn"], text=True,
                       capture_output=True)
    if r.returncode:
        raise RuntimeError(f"lspci -F {path}: {r.stderr}")
    return r.stdout


def units(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)", s)
    return int(m.group(1)) << (10 * " KMGT".index(m.group(2) or " "))


def host_text(path):
    """The dump's hex lines (what lspci -F reads) and its Region sizes
    (None for a Region line without [size=], as lspci -F prints them)."""
    hexdump, sizes, in_caps = [], {}, False
    for line in open(path):
        if line.startswith("#"):
            continue
        if line.startswith("\t") or line.startswith(" "):
            s = line.strip()
            in_caps |= s.startswith("Capabilities:")
            m = re.match(r"Region (\d): (?:.*\[size=(\w+)\])?", s)
            if m and not in_caps:
                sizes[int(m.group(1))] = \
                    units(m.group(2)) if m.group(2) else None
            continue
        hexdump.append(line)
    return "".join(hexdump), sizes


def regions(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"\tRegion (\d): (.*)", line)
        if m:
            out[int(m.group(1))] = m.group(2).replace(" [disabled]", "")
    return out


def caps(text):
    """Top-level capabilities: offset -> (header, body lines)."""
    out, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"\tCapabilities: \[([0-9a-f]+)(?: v\d+)?\] (.*)", line)
        if m:
            cur = int(m.group(1), 16)
            out[cur] = [m.group(2)]
        elif line.startswith("\t\t") and cur is not None:
            out[cur].append(line.strip())
        elif not line.startswith("\t\t"):
            cur = None
    return out


def msi_summary(lines):
    """What must match between host and guest: the capability's geometry,
    not its live state (enable, mask, programmed address/data)."""
    head = re.sub(r"Enable[+-] ", "", lines[0])
    head = re.sub(r" Masked[+-]", "", head)
    body = [l for l in lines[1:] if l.startswith(("Vector table", "PBA"))]
    return [head] + body


def header_ids(text):
    first = text.splitlines()[0]
    return re.findall(r"\[([0-9a-f]{4}(?::[0-9a-f]{4})?)\]", first)


def run(cmd):
    return subprocess.run(cmd, text=True, capture_output=True)


def check(tool, path, tmp):
    global vfs
    before = fails
    name = os.path.basename(path)
    hexdump, sizes = host_text(path)
    hfile = os.path.join(tmp, "host.txt")
    with open(hfile, "w") as f:
        f.write(hexdump)
    host = lspci(hfile)
    fn = int(re.match(r"(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.(\d)",
                      hexdump).group(1))
    opts = []
    row0 = re.search(r"^00:((?: [0-9a-f]{2}){16})", hexdump, re.M)
    head = bytes.fromhex(row0.group(1).replace(" ", "")) if row0 else b""
    if head and ((head[0x0e] & 0x7f) or head[0x0a:0x0c] == b"\x00\x06"):
        # not an endpoint: refused, whatever the options
        global bridges
        bridges += 1
        r = run([tool, "dump", "--guest", "--as-function0", "--vfs-off",
                 path])
        if r.returncode != 1 or "not an endpoint" not in r.stderr or \
                r.stdout:
            fail(name, f"a bridge not refused with a reason: "
                 f"rc {r.returncode}, stderr {r.stderr!r}")
        else:
            print(f"ok {name}: refused, not an endpoint")
        return
    if fn:
        r = run([tool, "dump", "--guest", path])
        if r.returncode != 1 or f"function {fn}" not in r.stderr or \
                "--as-function0" not in r.stderr or r.stdout:
            fail(name, f"function {fn} not refused with a reason: "
                 f"rc {r.returncode}, stderr {r.stderr!r}")
        opts = ["--as-function0"]
    if re.search(r"^\t\tIOVCtl:\s+Enable\+", host, re.M):
        vfs += 1
        r = run([tool, "dump", "--guest"] + opts + [path])
        if r.returncode != 1 or "VFs enabled" not in r.stderr or \
                "--vfs-off" not in r.stderr or r.stdout:
            fail(name, f"a PF with its VFs enabled not refused with a "
                 f"reason: rc {r.returncode}, stderr {r.stderr!r}")
        opts.append("--vfs-off")
    r = run([tool, "dump", "--guest"] + opts + [path])
    if r.returncode:
        fail(name, f"dump --guest: rc {r.returncode}: {r.stderr}")
        return
    gfile = os.path.join(tmp, "guest.txt")
    with open(gfile, "w") as f:
        f.write(r.stdout)
    guest = lspci(gfile)
    if header_ids(guest) != header_ids(host):
        fail(name, f"IDs {header_ids(guest)} != host {header_ids(host)}")
    if "Illegal Vendor ID" in guest:
        fail(name, "lspci says Illegal Vendor ID")
    if regions(guest) != regions(host):
        fail(name, f"Regions {regions(guest)} != host {regions(host)}")
    if re.search(r"^\tRegion.*\]$", guest, re.M) and \
            any("[disabled]" not in l for l in guest.splitlines()
                if l.startswith("\tRegion")):
        fail(name, "a Region is not [disabled] for a fresh guest device")
    if "Expansion ROM" in guest:
        fail(name, "the guest sees an expansion ROM")
    hc, gc = caps(host), caps(guest)
    want, seen = {}, set()
    for o, c in sorted(hc.items(), key=lambda oc: oc[0] >= 0x100):
        kind = next((k for k in STD if c[0].startswith(k)), None) \
            if o < 0x100 else \
            next((k for k in EXT if c[0].startswith(k)), None)
        if kind is None or (kind in seen and kind != "Vendor Specific"):
            continue
        seen.add(kind)
        want[o] = c
    ext = sorted(o for o in want if o >= 0x100)
    if ext and ext[0] != 0x100:
        want[0x100] = ["Null"]
    # in the host's chain order, as lspci prints them
    if sorted(gc) != sorted(want):
        fail(name, f"capabilities at {sorted(map(hex, gc))}, want "
             f"{sorted(map(hex, want))} (the default policy)")
    for off in set(gc) & set(want):
        if want[off][0].startswith(("MSI:", "MSI-X:")):
            if msi_summary(gc[off]) != msi_summary(want[off]):
                fail(name, f"[{off:x}] {msi_summary(gc[off])} != host "
                     f"{msi_summary(want[off])}")
            if "Enable-" not in gc[off][0]:
                fail(name, f"[{off:x}] enabled in a fresh guest: "
                     f"{gc[off][0]}")
        elif (gc[off] if any(l.startswith(LINK2) for l in want[off]) else
              [l for l in gc[off] if not l.startswith(LINK2)]) != want[off]:
            fail(name, f"[{off:x}] decodes as {gc[off]}, host {want[off]}")
    if "BIST" in guest:
        fail(name, "lspci reports a BIST")
    r = run([tool, "probe", "--guest", "--json"] + opts + [path])
    if r.returncode:
        fail(name, f"probe --guest --json: rc {r.returncode}: {r.stderr}")
        return
    dev = json.loads(r.stdout)["devices"][0]
    got = {b["index"]: b["size"] if sizes.get(b["index"]) else None
           for b in dev["bars"]}
    if got != sizes:
        fail(name, f"BAR sizes {got} != the dump's Region sizes {sizes}")
    eids = [c["id"] for c in dev["extended_capabilities"]]
    if any(i not in (0x03, 0x0b) for i in eids) or \
            len(eids) != len([o for o in want if o >= 0x100 and
                              want[o] != ["Null"]]):
        fail(name, f"probe: extended capabilities {eids}")
    if fails == before:
        print(f"ok {name}: IDs {' '.join(header_ids(guest))}, "
              f"{len(regions(guest))} regions, capabilities "
              f"{' '.join(f'[{o:x}] {gc[o][0].split()[0]}' for o in sorted(gc))}")


def main():
    tool, data = sys.argv[1], sys.argv[2]
    files = sorted(f for f in os.listdir(data) if f.endswith(".txt"))
    if not files:
        print(f"no dumps in {data}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            check(tool, os.path.join(data, f), tmp)
    if not vfs:
        fail(data, "no PF with its VFs enabled (the 82576's dump has one)")
    if not bridges:
        fail(data, "no bridge (the shared dumps have three)")
    print(f"{len(files)} dumps, {vfs} with VFs enabled, {bridges} bridges, "
          f"{fails} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
