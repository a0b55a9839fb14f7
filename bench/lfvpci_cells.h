/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the lfvpci modules that build their own system on bench_hw.c share
 * (lfvpci_dispatch.c, lfvpci_trace.c): hw_ops, the system's hardware
 * accessors, which reach the simulated config space whatever the SBDF; and
 * the register handlers, which read and write the 32-bit cell their data
 * points at (bench_hw.h).  The counterpart of bench/xen/xen_cells.h for
 * the modules on Xen's vpci.c.  Included after <lfvpci/vpci.h>.
 */
#ifndef LFV_BENCH_LFVPCI_CELLS_H
#define LFV_BENCH_LFVPCI_CELLS_H

#include "bench_hw.h"

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    (void)hw, (void)sbdf;
    return bench_hw_read(reg, size);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf;
    bench_hw_write(reg, size, val);
}

static const struct lfv_hw_ops hw_ops = { .read = hw_read, .write = hw_write };

static uint32_t cell_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return bench_cell_get(data);
}

static void cell_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    (void)ctx, (void)reg;
    bench_cell_set(data, val);
}

#endif /* LFV_BENCH_LFVPCI_CELLS_H */
