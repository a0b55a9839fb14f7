#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""make plots: render a Google Benchmark JSON file of lfvpci-bench into PNGs.

usage: bench/plots.py [BENCH_JSON [OUT_DIR]]   (default build/bench.json, build/plots)

Charts (each figure from the same run, medians when the run had repetitions):
  scaling.png      aggregate throughput at 1, 2 and 4 threads, per workload
                   and implementation (4 threads oversubscribe the 2 CPUs)
  cpu.png          CPU time per operation at 1, 2 and 4 threads (flat: the
                   threads do not slow each other down), which a loaded
                   machine disturbs less than the wall clock
  position.png     read_hot ns per access at the early, middle and late
                   register, per implementation, 1 thread
  rangeset.png     range-set ns per operation against the set's size
"""
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402  (python3-pil, matplotlib's dependency)

IMPL_ORDER = ["lfvpci", "lfvpci_qsbr", "lfvpci_xenrcu", "lfvpci_ckepoch",
              "lfvpci_sbdf", "xen417_lfvpci", "xen417", "xen420", "xen_pcilock",
              "machine"]
STYLE = {  # lfvpci family solid, baselines dashed
    "lfvpci": ("tab:blue", "-", "o"),
    "lfvpci_qsbr": ("tab:cyan", "-", "v"),
    "lfvpci_xenrcu": ("tab:brown", "-", "<"),
    "lfvpci_ckepoch": ("tab:purple", "-", "^"),
    "lfvpci_sbdf": ("tab:green", "-", "s"),
    "xen417_lfvpci": ("tab:olive", "-.", "D"),
    "xen417": ("tab:red", "--", "x"),
    "xen420": ("tab:pink", "--", "1"),
    "xen_pcilock": ("tab:orange", "--", "+"),
    "machine": ("black", ":", "*"),  # calibrate: a loop sharing nothing
}
# enumerate/private: each thread on its own copy of the trace's devices.
# calibrate: the machine's own scaling in the same run (bench/machine.c).
SCALING_CASES = ["calibrate", "enumerate", "enumerate/private", "steady",
                 "steady/churn", "read_hot/early", "read_hot/late", "read_span", "read_gap",
                 "write_hot", "msix_mask"]


def save(fig, path):
    """PNG with a 64-colour palette: line charts stay sharp, files small."""
    buf = io.BytesIO()
    fig.savefig(buf, dpi=80, format="png")
    buf.seek(0)
    Image.open(buf).convert("RGB").quantize(colors=64).save(path, optimize=True)


def load(path):
    """{(case, impl, threads): (ns_per_op, ops_per_s, cpu_ns_per_op)},
    medians preferred."""
    with open(path) as f:
        data = json.load(f)
    rows, medians = {}, set()
    for b in data.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        agg = b.get("run_type") == "aggregate"
        if agg and b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/")
        wl, impl, threads, variant = parts[0], parts[1], 1, []
        for p in parts[2:]:
            if p.startswith("threads:"):
                threads = int(p[8:])
            elif p != "real_time":
                variant.append(p)
        case = "/".join([wl] + variant)
        key = (case, impl, threads)
        if key in medians and not agg:
            continue
        ops = b.get("items_per_second", 0.0)
        if ops <= 0:
            continue
        unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        rows[key] = (1e9 / ops, ops, b.get("cpu_time", 0.0) * unit)
        if agg:
            medians.add(key)
    return data.get("context", {}), rows


def impls_of(rows, case):
    found = {i for (c, i, _t) in rows if c == case}
    return [i for i in IMPL_ORDER if i in found] + sorted(found - set(IMPL_ORDER))


def style(impl):
    return STYLE.get(impl, ("tab:gray", ":", "."))


def scaling(rows, out, cpu=False):
    cases = [c for c in SCALING_CASES if any(k[0] == c for k in rows)]
    if not cases:
        return None
    ncol = 3
    nrow = (len(cases) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(12, 3.3 * nrow), squeeze=False)
    for ax, case in zip(axes.flat, cases):
        tmax = max(t for (c, _i, t) in rows if c == case)
        for impl in impls_of(rows, case):
            pts = sorted((t, v[2] if cpu else v[1] / 1e6)
                         for (c, i, t), v in rows.items()
                         if c == case and i == impl)
            if not pts:
                continue
            col, ls, mk = style(impl)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=col,
                    linestyle=ls, marker=mk, label=impl)
        if tmax > 2:
            ax.axvspan(2.5, tmax + 0.5, color="0.92", zorder=0)
        ax.set_title(case, fontsize=10)
        ax.set_xticks([t for t in (1, 2, 4) if t <= tmax])
        ax.set_xlim(0.7, tmax + 0.3)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("threads" + (" (shaded: more than the 2 CPUs)"
                                   if tmax > 2 else ""), fontsize=8)
        ax.set_ylabel("CPU ns per access" if cpu else
                      "M accesses/s (all threads)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(cases):]:
        ax.axis("off")
    handles, labels = {}, []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in handles:
                handles[lab] = h
                labels.append(lab)
    labels.sort(key=lambda s: IMPL_ORDER.index(s) if s in IMPL_ORDER else 99)
    # one legend row up to 6 entries, two beyond (the figure is 12" wide)
    lrows = 1 if len(labels) <= 6 else 2
    top = 1 - (0.4 + 0.25 * lrows) / (3.3 * nrow)
    fig.suptitle("CPU time per access by thread count (lower is better; flat: "
                 "no slowdown from sharing)" if cpu else
                 "Thread scaling: aggregate throughput by the wall clock (higher is better)",
                 y=0.998, fontsize=11)
    fig.legend([handles[lab] for lab in labels], labels, loc="upper center",
               bbox_to_anchor=(0.5, 1 - 0.3 / (3.3 * nrow)),
               ncol=(len(labels) + lrows - 1) // lrows, fontsize=9,
               frameon=False)
    fig.tight_layout(rect=(0, 0, 1, top))
    path = os.path.join(out, "cpu.png" if cpu else "scaling.png")
    save(fig, path)
    plt.close(fig)
    return path


def position(rows, out):
    pos = ["early", "middle", "late"]
    impls = impls_of(rows, "read_hot/early")
    if not impls:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.6))
    width = 0.8 / len(impls)
    for k, impl in enumerate(impls):
        vals = [rows.get(("read_hot/" + p, impl, 1), (0, 0))[0] for p in pos]
        xs = [j + (k - (len(impls) - 1) / 2) * width for j in range(3)]
        ax.bar(xs, vals, width, label=impl, color=style(impl)[0])
    ax.set_xticks(range(3))
    ax.set_xticklabels(["early (0x10)", "middle (0x54)", "late (0x104)"])
    ax.set_ylabel("ns per 4-byte read, 1 thread")
    ax.set_title("read_hot: cost by the register's position (lower is better)",
                 fontsize=11)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path = os.path.join(out, "position.png")
    save(fig, path)
    plt.close(fig)
    return path


def rangeset(rows, out):
    wls = ["rangeset_lookup", "rangeset_add_remove", "rangeset_consume"]
    if not any(k[0].startswith("rangeset_") for k in rows):
        return None
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, wl in zip(axes, wls):
        impls = sorted({i for (c, i, _t) in rows if c.startswith(wl + "/")},
                       key=lambda s: IMPL_ORDER.index(s) if s in IMPL_ORDER else 99)
        for impl in impls:
            pts = sorted((int(c.split("/")[1]), v[0]) for (c, i, _t), v in
                         rows.items() if c.startswith(wl + "/") and i == impl)
            col, ls, mk = style(impl)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=col,
                    linestyle=ls, marker=mk, label=impl)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([1, 3, 64, 4096])
        ax.set_xticklabels(["1", "3", "64", "4096"])
        ax.set_xlabel("ranges in the set")
        ax.set_ylabel("ns per operation")
        ax.set_title(wl.replace("rangeset_", ""), fontsize=10)
        ax.grid(alpha=0.3)
        ax.minorticks_off()
        ax.legend(fontsize=8)
    fig.suptitle("Range sets: cost against size (lower is better)", fontsize=11)
    fig.tight_layout()
    path = os.path.join(out, "rangeset.png")
    save(fig, path)
    plt.close(fig)
    return path


def main(argv):
    src = argv[1] if len(argv) > 1 else "build/bench.json"
    out = argv[2] if len(argv) > 2 else "build/plots"
    try:
        _ctx, rows = load(src)
    except (OSError, ValueError) as e:
        sys.exit(f"plots: {src}: {e} (run `make bench` first)")
    if not rows:
        sys.exit(f"plots: {src}: no benchmark results")
    os.makedirs(out, exist_ok=True)
    for fn in (scaling, lambda r, o: scaling(r, o, cpu=True), position,
               rangeset):
        path = fn(rows, out)
        if path:
            print(path)


if __name__ == "__main__":
    main(sys.argv)
