/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The benchmark device: 24 registers laid out as on a real endpoint
 * (command, status, header bytes, 6 BARs, ROM, an MSI capability at 0x50,
 * MSI-X at 0x70, a PCIe capability at 0x80, two extended registers), the same
 * for every implementation.  Handlers read and write a 32-bit cell; gaps go
 * to a simulated config space (bench_hw.c).
 */
#ifndef LFV_BENCH_DEVICE24_H
#define LFV_BENCH_DEVICE24_H

#include <stdint.h>

struct lfv_bench_reg {
    unsigned int offset, size;
};

static const struct lfv_bench_reg lfv_bench_regs[24] = {
    { 0x04, 2 }, { 0x06, 2 },                             /* command, status */
    { 0x0c, 1 }, { 0x0d, 1 }, { 0x0e, 1 },    /* cache line, latency, type */
    { 0x10, 4 }, { 0x14, 4 }, { 0x18, 4 },
    { 0x1c, 4 }, { 0x20, 4 }, { 0x24, 4 },                      /* BAR0-5 */
    { 0x30, 4 },                                                    /* ROM */
    { 0x52, 2 }, { 0x54, 4 }, { 0x58, 4 }, { 0x5c, 2 },             /* MSI */
    { 0x72, 2 }, { 0x74, 4 }, { 0x78, 4 },            /* MSI-X ctrl, table, PBA */
    { 0x88, 2 }, { 0x8a, 2 }, { 0x90, 2 },          /* PCIe devctl/sta, lnkctl */
    { 0x100, 4 }, { 0x104, 4 },                    /* extended capabilities */
};

/* read_hot positions: an early, a middle and a late register (4 bytes). */
static const unsigned int lfv_bench_hot_reg[3] = { 0x10, 0x54, 0x104 };
#define LFV_BENCH_WRITE_REG 0x54 /* write_hot: MSI address low */
#define LFV_BENCH_WRITE_IDX 13   /* its index in lfv_bench_regs[] */
#define LFV_BENCH_SPAN_REG 0x0c  /* three 1-byte registers + BIST gap */
#define LFV_BENCH_GAP_REG 0x08   /* class/revision: unhandled */
#define LFV_BENCH_SBDF_BUS 0
#define LFV_BENCH_SBDF_DEV 3
#define LFV_BENCH_SBDF_FN 0

/* Initial register cell values: a recognisable pattern per register. */
static inline uint32_t lfv_bench_reg_init(unsigned int i)
{
    return 0x01010101u * (i + 1);
}

#endif /* LFV_BENCH_DEVICE24_H */
