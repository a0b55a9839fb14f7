/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal: what the access paths share with the domain entry points. */
#ifndef LFV_DISPATCH_ACCESS_INTERNAL_H
#define LFV_DISPATCH_ACCESS_INTERNAL_H

#include <stdbool.h>

#include <lfvpci/access.h>
#include <lfvpci/regs.h>

static inline uint32_t size_mask(unsigned int size)
{
    return 0xffffffffu >> (32 - 8 * size);
}

/* A configuration access of size 1, 2 or 4 inside the 4 KiB space. */
static inline bool access_valid(unsigned int reg, unsigned int size)
{
    /* size is 1, 2 or 4 (bits 1, 2 and 4 of 0x16); no overflow below */
    return size <= 4 && ((0x16u >> size) & 1) &&
           reg <= LFV_CFG_SPACE_SIZE - size;
}

/*
 * The hardware, in naturally aligned pieces of 1, 2 or 4 bytes (a 3-byte
 * gap is two accesses, as in Xen's vpci_read_hw).  No hardware: all-ones,
 * writes dropped.
 */
uint32_t lfv_hw_read(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                     unsigned int reg, unsigned int size);
void lfv_hw_write(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                  unsigned int reg, unsigned int size, uint32_t data);

/* lfv_vdev_read() for a caller already inside a read-side section. */
uint32_t lfv_vdev_read_locked(const struct lfv_vdev *dev, unsigned int reg,
                              unsigned int size, enum lfv_gap_policy gap);

#endif /* LFV_DISPATCH_ACCESS_INTERNAL_H */
