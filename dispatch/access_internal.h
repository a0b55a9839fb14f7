/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal: what the read path (read.c) and the write path (write.c) share. */
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
    /* by size, the first offset where an access no longer fits; none for
     * sizes 0 and 3: one load and two compares */
    static const uint16_t end[5] = {
        0, LFV_CFG_SPACE_SIZE, LFV_CFG_SPACE_SIZE - 1, 0,
        LFV_CFG_SPACE_SIZE - 3,
    };

    return size <= 4 && reg < end[size];
}

/* Copy the low `size` bytes of `val` into `data` at byte `offset`. */
static inline uint32_t merge(uint32_t data, uint32_t val, unsigned int size,
                             unsigned int offset)
{
    uint32_t mask = size_mask(size) << (8 * offset);

    return (data & ~mask) | ((val << (8 * offset)) & mask);
}

/* Largest naturally aligned hardware access starting at reg within size. */
static inline unsigned int hw_chunk(unsigned int reg, unsigned int size)
{
    if (size >= 4 && !(reg & 3))
        return 4;
    if (size >= 2 && !(reg & 1))
        return 2;
    return 1;
}

/*
 * The hardware, in naturally aligned pieces of 1, 2 or 4 bytes (a 3-byte
 * gap is two accesses, as in Xen's vpci_read_hw).  No hardware: all-ones,
 * writes dropped.  read.c and write.c.
 */
uint32_t lfv_hw_read(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                     unsigned int reg, unsigned int size);
void lfv_hw_write(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                  unsigned int reg, unsigned int size, uint32_t data);

#endif /* LFV_DISPATCH_ACCESS_INTERNAL_H */
