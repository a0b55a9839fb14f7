#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""check_cf_check.py OBJ...: every function whose address is taken carries
lfv_cf_check.

The objects are the engine's sources Xen imports (patch 0003's list), built
by tests/CMakeLists.txt as Xen builds code under CET-IBT: x86-64, -fno-pie,
-fcf-protection=branch -mmanual-endbr (GCC puts an ENDBR64 landing pad only
on functions marked cf_check) and
-Dlfv_cf_check=__attribute__((__cf_check__)); at -O0, so that no inlining
hides a function whose address the source takes.  A function is address-taken
when a relocation other than a direct call or jump (R_X86_64_PLT32) in code
or data points at its first byte, through its symbol or through its
section's symbol (static functions).  Such a function is called through a
pointer somewhere, and in Xen with CONFIG_XEN_IBT an indirect call to it
without ENDBR64 faults.  Every address-taken function defined in the
objects must start with endbr64; each one that does not is printed
(object, function) and the exit status is 1.  Debug and unwind sections
are ignored.  Needs binutils' readelf and objdump.
"""
import re
import subprocess
import sys

IGNORED = re.compile(r"\.rela\.(eh_frame|debug|note)")


def run(*args):
    return subprocess.run(args, check=True, capture_output=True,
                          text=True).stdout


def symbols(obj):
    """(functions by (section index, value), section symbol names)"""
    funcs, secsyms = {}, {}
    for line in run("readelf", "-sW", obj).splitlines():
        f = line.split()
        if len(f) < 8 or not re.match(r"\d+:$", f[0]):
            continue
        value, typ, ndx = int(f[1], 16), f[3], f[6]
        if typ == "FUNC" and ndx.isdigit():
            funcs[(int(ndx), value)] = f[7]
    for line in run("readelf", "-SW", obj).splitlines():
        m = re.match(r"\s*\[\s*(\d+)\]\s+(\S+)", line)
        if m:
            secsyms[m.group(2)] = int(m.group(1))
    return funcs, secsyms


def taken(obj, funcs, secsyms):
    """Functions whose address this object takes: (obj, name) for its own
    static ones (through a section symbol), (None, name) for the others."""
    names = set()
    skip = False
    for line in run("readelf", "-rW", obj).splitlines():
        if line.startswith("Relocation section"):
            skip = bool(IGNORED.search(line.split("'")[1]))
            continue
        f = line.split()
        if skip or len(f) < 5 or not re.match(r"[0-9a-f]{16}$", f[0]):
            continue
        rtype, sym = f[2], f[4]
        if rtype == "R_X86_64_PLT32":
            continue
        m = re.search(r"([+-])\s*([0-9a-f]+)$", line)
        addend = int(m.group(2), 16) * (1 if m.group(1) == "+" else -1)
        if rtype == "R_X86_64_PC32":
            addend += 4  # the displacement ends the instruction
        if sym in secsyms:
            name = funcs.get((secsyms[sym], addend))
            if name:
                names.add((obj, name))
        elif addend == 0 and sym.isidentifier():
            names.add((None, sym))
    return names


def landing_pads(obj):
    """Functions defined in obj -> whether the first instruction is endbr64."""
    pads, cur = {}, None
    for line in run("objdump", "-d", "--no-show-raw-insn", obj).splitlines():
        m = re.match(r"[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1)
            continue
        if cur and re.match(r"\s+[0-9a-f]+:\s", line):
            pads[cur] = "endbr64" in line
            cur = None
    return pads


def main(objs):
    wanted, defined = set(), {}
    for obj in objs:
        funcs, secsyms = symbols(obj)
        wanted |= taken(obj, funcs, secsyms)
        for name, pad in landing_pads(obj).items():
            defined.setdefault(name, []).append((obj, pad))
    bad, checked = 0, set()
    for where, name in sorted(wanted, key=lambda w: (w[1], w[0] or "")):
        for obj, pad in defined.get(name, []):
            if where not in (None, obj) or (obj, name) in checked:
                continue
            checked.add((obj, name))
            if not pad:
                print(f"{obj}: {name}: address taken, no lfv_cf_check")
                bad += 1
    print(f"{len(checked)} address-taken functions checked, {bad} without "
          f"lfv_cf_check")
    return 1 if bad or not checked else 0


if __name__ == "__main__":
    # CMake's $<TARGET_OBJECTS:...> arrives as one ';'-separated argument.
    sys.exit(main([o for a in sys.argv[1:] for o in a.split(";") if o]))
