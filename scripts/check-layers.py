#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""check-layers.py SRC BUILD: the layering rules of ARCHITECTURE.md.

1. Includes: every #include in a layer's directory names a file of a layer
   it may use (the table LAYERS below), and each public header of
   include/lfvpci/ belongs to one layer and includes only what that layer
   may use.
2. Calls: the objects of liblfvpci (BUILD/CMakeFiles/lfvpci_static.dir) are
   grouped by directory; an lfv_* symbol a layer's objects use must be
   defined by that layer or one below it, except the p2m interface
   (lfv_p2m_*), which the model declares and its host (the simulator, or
   Xen's lfvpci-p2m.c) implements.
3. Within a layer (the engine's, the model's, and the simulator's
   objects, BUILD/CMakeFiles/lfvpci_sim.dir), no two files call each other
   or use each other's data (no cycle of length 2 between objects), but
   for the pairs of KNOWN_CYCLES, each of which ARCHITECTURE.md must name
   and argue ("Left to do"); an entry that is no longer a cycle is an
   error too, so that the list only shrinks.
4. The simulator is not in liblfvpci: no object of sim/ in the archive, no
   lfv_sim_* symbol defined there (the model's own test hooks, lfv_test_*,
   are hidden and declared for tests by the simulator's <lfvpci/testing.h>).
Prints every violation, exits 1 if any.
"""
import os
import re
import subprocess
import sys

# layer -> (directories, layers it may use besides itself)
LAYERS = {
    "core": (["core"], []),
    "rangeset": (["rangeset"], ["core"]),
    "dispatch": (["dispatch"], ["core"]),
    "model": (["model"], ["core", "rangeset", "dispatch"]),
    "sim": (["sim", "sim/include/lfvpci"], ["core", "rangeset", "dispatch", "model"]),
}
ENGINE = ["core", "rangeset", "dispatch"]
# Public headers (include/lfvpci/) by layer.
PUBLIC = {
    "access.h": "dispatch", "regs.h": "core", "rcu.h": "core",
    "rangeset.h": "rangeset", "export.h": "core",
    "domain.h": "model", "vpci.h": "model", "header.h": "model",
    "msi.h": "model", "p2m.h": "model", "caps.h": "model", "pci_regs.h": "core",
    "simhw.h": "sim", "testing.h": "sim",
}
# Cycles between two files of one layer not broken yet, each named and
# argued in ARCHITECTURE.md ("Left to do"); any other is an error.
KNOWN_CYCLES = set()
# The model declares the p2m interface; the host implements it.
INTERFACE_UP = re.compile(r"^lfv_p2m_")

errors = []


def allowed(layer):
    return {layer} | set(LAYERS[layer][1])


def layer_of_path(rel):
    d = os.path.dirname(rel)
    for name, (dirs, _) in LAYERS.items():
        if d in dirs:
            return name
    return None


def check_includes(src):
    inc_re = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
    files = []
    for name, (dirs, _) in LAYERS.items():
        for d in dirs:
            p = os.path.join(src, d)
            if os.path.isdir(p):
                files += [(name, os.path.join(d, f)) for f in sorted(os.listdir(p))
                          if f.endswith((".c", ".h"))]
    for f in sorted(os.listdir(os.path.join(src, "include/lfvpci"))):
        if f not in PUBLIC:
            errors.append(f"include/lfvpci/{f}: public header of no layer "
                          "(add it to PUBLIC in scripts/check-layers.py)")
            continue
        files.append((PUBLIC[f], os.path.join("include/lfvpci", f)))
    for layer, rel in files:
        with open(os.path.join(src, rel)) as fh:
            for n, line in enumerate(fh, 1):
                m = inc_re.match(line)
                if not m:
                    continue
                kind, target = m.groups()
                if kind == "<":
                    if not target.startswith("lfvpci/"):
                        continue  # system and third-party headers
                    h = target[len("lfvpci/"):]
                    to = PUBLIC.get(h)
                else:
                    path = os.path.normpath(os.path.join(os.path.dirname(rel), target))
                    to = layer_of_path(path)
                    if to is None and path.startswith("include/lfvpci/"):
                        to = PUBLIC.get(os.path.basename(path))
                if to is None:
                    errors.append(f"{rel}:{n}: includes {target}, which belongs "
                                  "to no layer")
                elif to not in allowed(layer):
                    errors.append(f"{rel}:{n}: {layer} includes {target} "
                                  f"({to}): against the direction")


def nm(path):
    out = subprocess.run(["nm", "--defined-only", "-g", path], capture_output=True,
                         text=True, check=True).stdout
    defined = {l.split()[-1] for l in out.splitlines() if len(l.split()) == 3}
    out = subprocess.run(["nm", "-u", path], capture_output=True, text=True,
                         check=True).stdout
    undef = {l.split()[-1] for l in out.splitlines() if l.strip()}
    return defined, undef


def objects(objdir, expect_sim):
    """rel path of the source -> (layer, defined, undefined) for objdir."""
    objs = {}
    for root, _, names in os.walk(objdir):
        for f in names:
            if not f.endswith(".o"):
                continue
            rel = os.path.relpath(os.path.join(root, f), objdir)[:-2]
            layer = layer_of_path(rel)
            if layer is None:
                errors.append(f"{os.path.basename(objdir)}: object {rel} of no "
                              "layer")
                continue
            if (layer == "sim") != expect_sim:
                errors.append(f"{os.path.basename(objdir)}: contains {rel}: "
                              "the simulator is never linked into the library"
                              if layer == "sim" else
                              f"{os.path.basename(objdir)}: contains {rel}, "
                              "not the simulator's")
            objs[rel] = (layer,) + nm(os.path.join(root, f))
    return objs


def edges_of(objs):
    """(from, to, symbol) for every symbol an object uses from another."""
    where = {}
    for rel, (_, defined, _) in objs.items():
        for s in defined:
            where[s] = rel
    out = []
    for rel, (_, _, undef) in objs.items():
        for s in sorted(undef):
            to = where.get(s)
            if to is not None and to != rel:
                out.append((rel, to, s))
    return out


def check_cycles(edges, objs, found):
    """Two files of one layer that use each other: an error unless known."""
    pairs = {}
    for a, b, s in edges:
        if objs[a][0] == objs[b][0]:
            pairs.setdefault((a, b), []).append(s)
    for (a, b), syms in sorted(pairs.items()):
        if a < b and (b, a) in pairs:
            found.add((a, b))
            if (a, b) not in KNOWN_CYCLES:
                errors.append(f"cycle: {a} <-> {b} ({a} uses "
                              f"{', '.join(syms[:3])}; {b} uses "
                              f"{', '.join(pairs[(b, a)][:3])})")


def check_symbols(src, build):
    objdir = os.path.join(build, "CMakeFiles", "lfvpci_static.dir")
    if not os.path.isdir(objdir):
        errors.append(f"{objdir}: not found (build liblfvpci first)")
        return
    objs = objects(objdir, False)
    for rel, (_, defined, _) in objs.items():
        for s in defined:
            if s.startswith("lfv_sim_"):
                errors.append(f"liblfvpci: {rel} defines {s} (simulator)")
    edges = edges_of(objs)
    for a, b, s in edges:
        layer, to_layer = objs[a][0], objs[b][0]
        if to_layer not in allowed(layer) and not INTERFACE_UP.match(s):
            errors.append(f"{a}: calls {s} of {b} ({to_layer}): "
                          "against the direction")
    found = set()
    check_cycles(edges, objs, found)
    simdir = os.path.join(build, "CMakeFiles", "lfvpci_sim.dir")
    if not os.path.isdir(simdir):
        errors.append(f"{simdir}: not found (build lfvpci_sim first)")
    else:
        sim = objects(simdir, True)
        check_cycles(edges_of(sim), sim, found)
    with open(os.path.join(src, "ARCHITECTURE.md")) as fh:
        arch = " ".join(fh.read().split())
    for a, b in sorted(KNOWN_CYCLES):
        if (a, b) not in found:
            errors.append(f"KNOWN_CYCLES: {a} <-> {b} is no longer a cycle: "
                          "remove it (and from ARCHITECTURE.md)")
        if f"`{os.path.basename(a)}` <-> `{os.path.basename(b)}`" not in arch:
            errors.append(f"KNOWN_CYCLES: {a} <-> {b} is not argued in "
                          "ARCHITECTURE.md (as `" + os.path.basename(a) +
                          "` <-> `" + os.path.basename(b) + "`)")


def main():
    if len(sys.argv) != 3:
        print("usage: check-layers.py SRC BUILD", file=sys.stderr)
        return 2
    check_includes(sys.argv[1])
    check_symbols(sys.argv[1], sys.argv[2])
    for e in errors:
        print(e)
    if errors:
        print(f"check-layers: {len(errors)} violation(s)")
        return 1
    print("check-layers: the layers hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
