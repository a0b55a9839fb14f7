/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where an MSI-X table or PBA may lie (PCIe 7.7.2): entirely inside one
 * implemented memory BAR.  Shared by the header emulation (a device
 * whose table or PBA is elsewhere gets no MSI-X, and no guest) and the
 * simulated platform's loaders (which refuse such devices).
 *
 * Why it matters: the emulation reaches the table and PBA at the BAR's
 * host address plus their offset.  A PBA past the end of its BAR would
 * let a guest read whatever follows the BAR in host memory (another
 * device's registers); a BIR naming an I/O BAR would turn guest MMIO
 * into memory accesses at the I/O base; the upper half of a 64-bit BAR
 * or an unimplemented BAR has no address of its own.
 */
#ifndef LFV_CORE_MSIX_PLACE_H
#define LFV_CORE_MSIX_PLACE_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

enum lfv_msix_bar_kind {
    LFV_MSIX_BAR_NONE,     /* not implemented (or past the header's BARs) */
    LFV_MSIX_BAR_IO,
    LFV_MSIX_BAR_MEM,      /* 32-bit, or the low half of a 64-bit BAR */
    LFV_MSIX_BAR_MEM64_HI, /* the upper half of a 64-bit BAR */
};

struct lfv_msix_bar {
    enum lfv_msix_bar_kind kind;
    uint64_t size; /* bytes; 0: not implemented */
};

#define LFV_MSIX_NR_BARS 6

/*
 * Whether a table or PBA of `size` bytes at `offset` (the capability's
 * offset field, low 3 bits clear) in BAR `bir` (the BIR field, 0..7) of a
 * device whose BARs are bars[0..5] lies inside one implemented memory
 * BAR.  0, or -EINVAL with *why (if why) naming the reason.
 */
static inline int lfv_msix_place_check(const struct lfv_msix_bar *bars,
                                       unsigned int bir, uint64_t offset,
                                       uint64_t size, const char **why)
{
    const char *r = NULL;

    if (bir >= LFV_MSIX_NR_BARS)
        r = "BIR 6 and 7 are reserved";
    else if (bars[bir].kind == LFV_MSIX_BAR_IO)
        r = "BIR names an I/O BAR";
    else if (bars[bir].kind == LFV_MSIX_BAR_MEM64_HI)
        r = "BIR names the upper half of a 64-bit BAR";
    else if (bars[bir].kind != LFV_MSIX_BAR_MEM || !bars[bir].size)
        r = "BIR names a BAR the device does not implement";
    else if ((offset & 7) || !size || offset >= bars[bir].size ||
             size > bars[bir].size - offset)
        r = "it extends past the end of its BAR";
    if (why)
        *why = r;
    return r ? -EINVAL : 0;
}

/*
 * Both structures of one device: each placed as above, and not
 * overlapping each other (they may share a BAR and a page).
 */
static inline int lfv_msix_place_check_both(const struct lfv_msix_bar *bars,
                                            const unsigned int bir[2],
                                            const uint64_t offset[2],
                                            const uint64_t size[2],
                                            const char **why)
{
    for (unsigned int k = 0; k < 2; k++)
        if (lfv_msix_place_check(bars, bir[k], offset[k], size[k], why))
            return -EINVAL;
    if (bir[0] == bir[1] && offset[0] < offset[1] + size[1] &&
        offset[1] < offset[0] + size[0]) {
        if (why)
            *why = "the table and the PBA overlap";
        return -EINVAL;
    }
    return 0;
}

#endif /* LFV_CORE_MSIX_PLACE_H */
