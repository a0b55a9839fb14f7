/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a function's capability chains as its hardware presents them,
 * defensively: a device (or a guest that owned it) may have left any
 * pointers there.  The standard chain starts at 0x34 when STATUS.CAP_LIST
 * is set; a pointer below 0x40, a capability already visited (a loop) or
 * an ID of 0xff ends it.  The extended chain starts at 0x100; a pointer
 * below 0x100, a loop, or a header of 0 or all-ones ends it.  Reads are
 * masked to their size (a host's read op may leave junk above it).
 *
 * Shared by the header emulation (model/header_caps.c, which reads through
 * a device's state) and assignment (model/assign_hw.c, which reads the
 * hardware of a device between owners).  Internal; no lock: the caller
 * owns the device's configuration space for the walk.
 */
#ifndef LFV_CORE_PCI_CAPS_H
#define LFV_CORE_PCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/regs.h>

#include "pci_regs.h"

#define LFV_CAP_STD_FIRST 0x40u
#define LFV_CAP_EXT_FIRST PCI_CFG_SPACE_SIZE
/* The most capabilities a chain can hold (one per dword). */
#define LFV_CAP_STD_MAX ((PCI_CFG_SPACE_SIZE - LFV_CAP_STD_FIRST) / 4)
#define LFV_CAP_EXT_MAX ((LFV_CFG_SPACE_SIZE - LFV_CAP_EXT_FIRST) / 4)

/* A configuration read of `size` (1, 2 or 4) bytes at `reg`. */
typedef uint32_t lfv_cap_read_t(const void *ctx, unsigned int reg,
                                unsigned int size);

struct lfv_cap_walk {
    lfv_cap_read_t *read;
    const void *ctx;
    unsigned int next;  /* the next capability's offset; 0: ended */
    unsigned int first; /* the chain's lowest valid offset */
    bool ext;
    uint32_t seen[(LFV_CAP_EXT_MAX + 31) / 32]; /* by (offset - first) / 4 */
};

static inline uint32_t lfv_cap_walk_read(const struct lfv_cap_walk *w,
                                         unsigned int reg, unsigned int size)
{
    uint32_t val = w->read(w->ctx, reg, size);

    return size == 4 ? val : val & ((1u << (8 * size)) - 1);
}

/* Start a walk of the standard chain, or (ext) of the extended one. */
static inline void lfv_cap_walk_start(struct lfv_cap_walk *w, bool ext,
                                      lfv_cap_read_t *read, const void *ctx)
{
    *w = (struct lfv_cap_walk){ .read = read, .ctx = ctx, .ext = ext };
    w->first = ext ? LFV_CAP_EXT_FIRST : LFV_CAP_STD_FIRST;
    if (ext)
        w->next = LFV_CAP_EXT_FIRST;
    else if (lfv_cap_walk_read(w, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST)
        w->next = lfv_cap_walk_read(w, PCI_CAPABILITY_LIST, 1) & ~3u;
}

/*
 * The next capability of the chain: true with its offset and ID (16 bits
 * for an extended one), false once the chain has ended.
 */
static inline bool lfv_cap_walk_next(struct lfv_cap_walk *w,
                                     unsigned int *pos, unsigned int *id)
{
    unsigned int p = w->next, i = (p - w->first) / 4;

    w->next = 0;
    if (p < w->first || (w->seen[i / 32] >> (i % 32) & 1))
        return false;
    w->seen[i / 32] |= 1u << (i % 32);
    if (w->ext) {
        uint32_t hdr = lfv_cap_walk_read(w, p, 4);

        if (!hdr || hdr == 0xffffffffu)
            return false;
        *id = hdr & 0xffff;
        w->next = (hdr >> 20) & ~3u;
    } else {
        *id = lfv_cap_walk_read(w, p, 1);
        if (*id == 0xff)
            return false;
        w->next = lfv_cap_walk_read(w, p + 1, 1) & ~3u;
    }
    *pos = p;
    return true;
}

#endif /* LFV_CORE_PCI_CAPS_H */
