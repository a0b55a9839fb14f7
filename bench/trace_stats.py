#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""What a trace (bench/trace.h) is made of.

usage: bench/trace_stats.py [bench/traces/enumerate.trace]

Counts devices per domain and accesses by domain, kind (read, write) and
what they reach: one emulated register ("handled"), no emulated register
("gap": the hardware for the hardware domain, all-ones for a guest), or
both ("span").
"""
import sys


def main(path):
    devs, regs, count = {}, {}, {}
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p or p[0].startswith("#"):
                continue
            if p[0] == "dev":
                devs[int(p[1])] = p[2]
            elif p[0] == "reg":
                regs[int(p[1])] = [(int(a.split(":")[0], 16), int(a.split(":")[1]))
                                   for a in p[2:]]
            elif p[0] in ("r", "w"):
                d, reg, size = int(p[1]), int(p[2], 16), int(p[3])
                cover = [min(reg + size, o + s) - max(reg, o)
                         for o, s in regs.get(d, []) if min(reg + size, o + s) > max(reg, o)]
                kind = ("handled" if len(cover) == 1 and cover[0] == size
                        else "gap" if not cover else "span")
                key = (devs[d], "read" if p[0] == "r" else "write", kind)
                count[key] = count.get(key, 0) + 1
    total = sum(count.values())
    print(f"devices: {sum(1 for v in devs.values() if v == 'hwdom')} hardware domain, "
          f"{sum(1 for v in devs.values() if v == 'guest')} guest; accesses: {total}")
    for key in sorted(count):
        print(f"  {key[0]:6s} {key[1]:6s} {key[2]:8s} {count[key]:6d} {100 * count[key] / total:5.1f}%")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/traces/enumerate.trace")
