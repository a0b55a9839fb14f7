/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The emulated registers of a trace's devices (bench/trace.h), shared by
 * every implementation replaying it: register i of device d in copy c is
 * a 32-bit cell, tr_cells[c][d][i], that its handler reads and writes (the
 * same handlers as bench/device24.h's).  Copy 0 is the devices every
 * thread of enumerate/<impl> shares; copy t (t < LFV_TRACE_COPIES) is
 * thread t's own in enumerate/<impl>/private (bench/workloads/enumerate.h).
 * Each copy's cells start from different values, so that a copy wired to
 * another's cells or devices reads wrong.  Gaps go to the simulated
 * hardware of bench_hw.c for the hardware domain and read as all-ones for
 * the guest.  tr_expected() is the reference the driver checks every
 * implementation against: what a config access must return and do, byte
 * by byte.
 */
#ifndef LFV_BENCH_TRACE_CELLS_H
#define LFV_BENCH_TRACE_CELLS_H

#include <errno.h>
#include <string.h>

#include "bench_hw.h"
#include "trace.h"

/* Copies of the trace's devices: one per thread of the private variant. */
#define LFV_TRACE_COPIES 4

static uint32_t tr_cells[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS]
                        [LFV_TRACE_MAX_REGS];

/* Copy 0's values are the ones the shared case always had; every byte of
 * another copy's differs from copy 0's and from every other copy's. */
static inline uint32_t tr_cell_init(unsigned int c, unsigned int d,
                                    unsigned int i)
{
    return 0x01010101u * (i + 1) ^ (d * 0x00010001u) ^ (c * 0x11111111u);
}

static inline void tr_cells_reset(void)
{
    for (unsigned int c = 0; c < LFV_TRACE_COPIES; c++)
        for (unsigned int d = 0; d < LFV_TRACE_MAX_DEVS; d++)
            for (unsigned int i = 0; i < LFV_TRACE_MAX_REGS; i++)
                tr_cells[c][d][i] = tr_cell_init(c, d, i);
}

/*
 * Where copy c of a hardware-domain trace device at `sbdf` sits in the
 * implementations that find devices in an SBDF map (lfvpci's radix tree,
 * the Xen series' registry): segment 0, the same bus, device number + 8c,
 * for a recorded device on segment 0 with a device number below 8 (else
 * -EINVAL).  Not on segment c: such a map reaches segment 0 in two fewer
 * dependent loads (its shortcut), and copies 1-3 would cost more per
 * access than copy 0.  Copy 0 is the recorded address.
 */
static inline int tr_copy_sbdf(uint32_t sbdf, unsigned int c, uint32_t *out)
{
    if (sbdf >> 16 || ((sbdf >> 3) & 0x1f) >= 8)
        return -EINVAL;
    *out = sbdf + ((8 * c) << 3);
    return 0;
}

/* The register of dev covering byte `at`, or -1. */
static inline int tr_reg_at(const struct lfv_bench_tdev *dev, unsigned int at)
{
    for (unsigned int i = 0; i < dev->nregs; i++)
        if (at >= dev->regs[i].offset &&
            at < dev->regs[i].offset + dev->regs[i].size)
            return (int)i;
    return -1;
}

/*
 * The reference: apply access x to `cells` (one device's) and return what
 * a read returns.  A write's bytes are merged into each register they
 * cover; gap bytes go to the (read-only) hardware.
 */
static inline uint32_t tr_expected(const struct lfv_bench_tdev *dev,
                                   uint32_t *cells,
                                   const struct lfv_bench_access *x)
{
    uint32_t v = 0;

    for (unsigned int b = 0; b < x->size; b++) {
        unsigned int at = x->reg + b;
        int r = tr_reg_at(dev, at);
        unsigned int sh = r < 0 ? 0 : 8 * (at - dev->regs[r].offset);

        if (x->write) {
            if (r >= 0) {
                uint32_t byte = (x->val >> (8 * b)) & 0xff;

                cells[r] = (cells[r] & ~(0xffu << sh)) | byte << sh;
            }
            continue;
        }
        if (r >= 0)
            v |= ((cells[r] >> sh) & 0xff) << (8 * b);
        else if (dev->dom == 0)
            v |= (bench_hw_read(at, 1) & 0xff) << (8 * b);
        else
            v |= 0xffu << (8 * b);
    }
    return v;
}

/* Cells hold full 32-bit values; a register's handler sees its size only. */
static inline uint32_t tr_cell_mask(const struct lfv_bench_tdev *dev,
                                    unsigned int i)
{
    return 0xffffffffu >> (32 - 8 * dev->regs[i].size);
}

#endif /* LFV_BENCH_TRACE_CELLS_H */
