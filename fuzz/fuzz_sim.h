/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated devices of the access fuzz target, at 0000:01:DD.0 (DD =
 * index), chosen for what the isolation rules must handle:
 *   0  64-bit BAR holding both MSI-X table (page 2) and PBA (page 3), an
 *      I/O BAR, PCI Express;
 *   1  a 32-bit BAR, and another holding table and PBA in one page (the
 *      rest of that page is trapped around both); 64-bit maskable MSI;
 *   2  1 MiB prefetchable 64-bit BAR, a 32-bit BAR, an I/O BAR, an
 *      expansion ROM, 32-bit MSI; no MSI-X;
 *   3  a sub-page BAR holding the PBA, the table in another BAR;
 *   4  a sub-page BAR alone in its page, MSI-X with table and PBA in a
 *      64-bit BAR above 4 GiB.
 * Capabilities sit at the bridge's fixed offsets (<lfvpci/simhw.h>).
 */
#ifndef LFV_FUZZ_SIM_H
#define LFV_FUZZ_SIM_H

#include <lfvpci/simhw.h>

#define NR_FDEV 5
#define FDEV_MSI_POS 0x50
#define FDEV_MSIX_POS 0x70

static const struct lfv_sim_device_desc fdev[NR_FDEV] = {
    {
        .vendor = 0x8086, .device = 0x1001, .class_code = 0x020000,
        .bar = { [0] = { LFV_SIM_BAR_MEM64, false, 0x4000, 0xe0000000 },
                 [2] = { LFV_SIM_BAR_IO, false, 32, 0x1000 } },
        .msix = { true, 8, 0, 0x2000, 0, 0x3000 },
        .pcie = true,
    },
    {
        .vendor = 0x8086, .device = 0x1002, .class_code = 0x010802,
        .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0100000 },
                 [1] = { LFV_SIM_BAR_MEM32, false, 0x2000, 0xe0102000 } },
        .msi = { true, true, true, 4 },
        .msix = { true, 4, 1, 0x0, 1, 0x800 },
    },
    {
        .vendor = 0x10de, .device = 0x1003, .class_code = 0x030000,
        .bar = { [0] = { LFV_SIM_BAR_MEM64, true, 0x100000, 0xe0200000 },
                 [2] = { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 },
                 [4] = { LFV_SIM_BAR_IO, false, 256, 0x1100 } },
        .rom_size = 0x10000, .rom_addr = 0xe0310000,
        .msi = { true, false, false, 1 },
    },
    {
        .vendor = 0x1b21, .device = 0x1004, .class_code = 0x0c0330,
        .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x100, 0xe0400000 },
                 [1] = { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0401000 } },
        .msix = { true, 16, 1, 0x0, 0, 0x80 },
        .pm = true,
    },
    {
        .vendor = 0x15b3, .device = 0x1005, .class_code = 0x020000,
        .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x100, 0xe0500000 },
                 [2] = { LFV_SIM_BAR_MEM64, false, 0x8000, 0x100000000ull } },
        .msix = { true, 32, 2, 0x4000, 2, 0x6000 },
        .pcie = true,
    },
};

static inline lfv_sbdf_t fdev_sbdf(unsigned int k)
{
    return LFV_SBDF(0, 1, k, 0);
}

/* The index of the device at sbdf, or -1. */
static inline int fdev_index(lfv_sbdf_t sbdf)
{
    unsigned int k = LFV_SBDF_DEV(sbdf);

    return sbdf == fdev_sbdf(k) && k < NR_FDEV ? (int)k : -1;
}

#endif /* LFV_FUZZ_SIM_H */
