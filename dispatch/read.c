/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The read path: a trapped configuration read, from the domain's bus to
 * the register's handler, the hardware and back.  Top to bottom:
 *
 *   lfv_bus_read()      enter the read-side section, find the device
 *   lfv_bus_find_slot() a guest's by virtual slot, O(1) (bus.h)
 *   lfv_bus_find_phys() the hardware domain's by physical SBDF (radix
 *                       tree), O(1) (bus.h)
 *   vdev_read_rcu()     the fast path: an aligned 4-byte read of a register
 *                       that is exactly that dword, or of a dword with no
 *                       register (gap_read_dword(): the hardware at 4
 *                       bytes, or all-ones); from the bus, also an aligned
 *                       1- or 2-byte read that is exactly one register
 *                       or has no register byte (gap_read_piece())
 *   read_slow()         everything else; first an access inside one
 *                       dword: its register, or its gap, with no walk
 *                       (read_slow_valid(): the access already checked)
 *   read_other()        the rest:
 *   read_regs()         in the table: inside one register,
 *                       spanning registers and gaps
 *   read_beyond()       beyond the last register
 *   gap_read()          the bytes no register handles: the hardware, or
 *                       all-ones
 *
 * From a guest's bus to the handler, three dependent loads: the device
 * from the slot (the device is embedded in its vPCI state), its table,
 * and the dword's entry in the table, which holds the handler and its
 * data (ARCHITECTURE.md walks the instructions).  No lock is taken,
 * nothing shared is written; everything read is immutable once published
 * and freed only after a grace period.  lfv_vdev_read() enters at
 * vdev_read_rcu() for a caller that holds a device (the hypervisor's own
 * device lookup).  The write path is write.c.
 */
#include <errno.h>

#include <lfvpci/access.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "access_internal.h"
#include "bus.h"
#include "regtab.h"

static lfv_always_inline uint32_t vdev_read_rcu(const struct lfv_vdev *dev,
                                                unsigned int reg,
                                                unsigned int size,
                                                enum lfv_gap_policy gap,
                                                bool bus);
static inline uint32_t reg_read(const struct lfv_vdev *dev,
                                const struct lfv_reg *r);
static uint32_t reg_read_exact(const struct lfv_vdev *dev,
                               const struct lfv_reg *r);
static uint32_t read_regs(const struct lfv_vdev *dev,
                          const struct lfv_regtab *tab, unsigned int reg,
                          unsigned int size, enum lfv_gap_policy gap);
static uint32_t read_beyond(const struct lfv_vdev *dev, unsigned int reg,
                            unsigned int size, enum lfv_gap_policy gap);
static uint32_t read_slow(const struct lfv_vdev *dev, unsigned int reg,
                          unsigned int size, enum lfv_gap_policy gap,
                          const struct lfv_regtab *tab);
static uint32_t read_slow_valid(const struct lfv_vdev *dev, unsigned int reg,
                                unsigned int size, enum lfv_gap_policy gap,
                                const struct lfv_regtab *tab);

/*
 * The hardware's naturally aligned piece of `size` bytes at reg, masked to
 * size; all-ones with no hardware.  Out of line, so that the fast path
 * keeps nothing but the reader's counter across its call (the mask needs
 * size).
 */
static lfv_noinline uint32_t hw_read_piece(const struct lfv_vdev *dev,
                                           unsigned int reg, unsigned int size)
{
    return dev->hw_read(dev->hw, dev->sbdf, reg, size) & size_mask(size);
}

/* An SBDF with no device, on a bus by SBDF: the hardware, masked. */
static lfv_noinline uint32_t hw_read_masked(const struct lfv_bus *b,
                                            lfv_sbdf_t sbdf, unsigned int reg,
                                            unsigned int size)
{
    return lfv_hw_read(b->hw_ops, b->hw, sbdf, reg, size) & size_mask(size);
}

/*
 * lfv_bus_read()'s access inside the section: a bus by physical SBDF (the
 * hardware domain's: gaps and SBDFs with no device read the hardware) or
 * by virtual slot (a guest's: all-ones, never the hardware), with `phys`
 * a constant, so that the gap policy is one too: a guest's gap dword is
 * all-ones with no call.  The access is not checked yet: vdev_read_rcu()
 * checks it where its shape does not; with no device, here.
 */
static lfv_always_inline uint32_t bus_read_rcu(const struct lfv_bus *b,
                                               lfv_sbdf_t sbdf,
                                               unsigned int reg,
                                               unsigned int size, bool phys)
{
    const struct lfv_vdev *dev = phys ? lfv_bus_find_phys(b, sbdf)
                                      : lfv_bus_find_slot(b, sbdf);

    if (lfv_likely(dev))
        return vdev_read_rcu(dev, reg, size,
                             phys ? LFV_GAP_HW : LFV_GAP_DENY, true);
    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    if (phys) /* no device: straight to the hardware */
        return hw_read_masked(b, sbdf, reg, size);
    return size_mask(size);
}

/*
 * The read-side section of lfv_bus_read(), with its barrier flavour
 * (core/rcu_fast.h) a constant: lfv_bus_read() reads the flavour once and
 * runs one of two copies of this, so that nothing but the thread's reader
 * counter needs to live across the handler's call.
 */
static lfv_always_inline uint32_t bus_read_as(const struct lfv_bus *b,
                                              lfv_sbdf_t sbdf,
                                              unsigned int reg,
                                              unsigned int size, bool light)
{
    uint32_t data;

    lfv_rcu_fast_lock_as(light);
    if (b->map)
        data = bus_read_rcu(b, sbdf, reg, size, true);
    else
        data = bus_read_rcu(b, sbdf, reg, size, false);
    return lfv_rcu_fast_unlock_return(light, data);
}

/*
 * The access is checked (access_valid()) where it matters, not first: the
 * usual accesses are valid by their shape (vdev_read_rcu()), once size is
 * known to be at most 4 (so that lfv_reg_span(reg, size) is unique).
 */
uint32_t lfv_bus_read(const struct lfv_bus *b, lfv_sbdf_t sbdf,
                      unsigned int reg, unsigned int size)
{
    if (lfv_likely(lfv_rcu_fast_light()))
        return bus_read_as(b, sbdf, reg, size, true);
    return bus_read_as(b, sbdf, reg, size, false);
}

/* lfv_vdev_read()'s section, as bus_read_as() is lfv_bus_read()'s. */
static lfv_always_inline uint32_t vdev_read_as(const struct lfv_vdev *dev,
                                               unsigned int reg,
                                               unsigned int size,
                                               enum lfv_gap_policy gap,
                                               bool light)
{
    uint32_t data;

    lfv_rcu_fast_lock_as(light);
    data = vdev_read_rcu(dev, reg, size, gap, false);
    return lfv_rcu_fast_unlock_return(light, data);
}

uint32_t lfv_vdev_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int size, enum lfv_gap_policy gap)
{
    if (lfv_likely(lfv_rcu_fast_light()))
        return vdev_read_as(dev, reg, size, gap, true);
    return vdev_read_as(dev, reg, size, gap, false);
}

/*
 * An aligned 4-byte read of a dword no register has a byte of: the
 * hardware at that size, or all-ones (never the hardware for a guest).
 */
static lfv_always_inline uint32_t gap_read_dword(const struct lfv_vdev *dev,
                                                 unsigned int reg,
                                                 enum lfv_gap_policy gap)
{
    if (gap != LFV_GAP_HW)
        return ~(uint32_t)0;
    return dev->hw_read(dev->hw, dev->sbdf, reg, 4);
}

/*
 * A naturally aligned read of 1, 2 or 4 bytes that no register has a byte
 * of: the hardware in one piece, or all-ones (never the hardware for a
 * guest).
 */
static lfv_always_inline uint32_t gap_read_piece(const struct lfv_vdev *dev,
                                                 unsigned int reg,
                                                 unsigned int size,
                                                 enum lfv_gap_policy gap)
{
    if (gap != LFV_GAP_HW)
        return size_mask(size);
    return hw_read_piece(dev, reg, size);
}

/*
 * An aligned 4-byte read at reg, below LFV_CFG_SPACE_SIZE, that the fast
 * path's entry did not answer: the dword's entry says it is all gap (it
 * is below fast_end), or it is past the last register's dword.
 */
static lfv_always_inline bool gap_dword(const struct lfv_regtab *tab,
                                        unsigned int reg)
{
    if (reg < tab->fast_end)
        return tab->dw[reg >> 2].data == LFV_DW_GAP;
    return (reg >> 2) >= tab->ndw;
}

/*
 * A read of a device, read-side held.  The hot case first: an aligned
 * 4-byte read of a dword that is exactly one register, whose handler and
 * data are the dword's entry dw[] (regtab.h); fast_end <= 0x200 bounds
 * reg.  Then, from the bus (bus: lfv_bus_read(), which has not checked
 * the access), an aligned 4-byte read of a dword with no register: the
 * hardware or all-ones (gap_read_dword(), inline: with the bus's gap
 * policy a constant, a guest's is all-ones with no call).  Both are
 * valid accesses by their shape.  Then, from the bus, with size at most
 * 4: a 1- or 2-byte read (COMMAND, STATUS, header bytes, capability
 * headers, the gaps of capability walks) in a dword below fast_end,
 * mixed or all gap (LFV_DW_GAP is a struct lfv_dw_bytes with no
 * register): the register of its first byte, if its span is the
 * access's, is exactly the access (one compare, then its handler,
 * inline: the register lives across the call in the callee-saved
 * register the section saves anyway; valid, as the register is); an
 * access of 1 or 2 bytes, aligned, whose first and last bytes have no
 * register is a gap (gap_read_piece()); or a valid aligned access past
 * the last register's dword.  Anything else is read_slow_valid()'s once
 * access_valid(), from the bus, and read_slow()'s otherwise (it checks
 * the access, and tests gap dwords first for lfv_vdev_read(): inline
 * here, that test costs the fast path a register move).
 */
static lfv_always_inline uint32_t vdev_read_rcu(const struct lfv_vdev *dev,
                                                unsigned int reg,
                                                unsigned int size,
                                                enum lfv_gap_policy gap,
                                                bool bus)
{
    const struct lfv_regtab *tab = lfv_rcu_dereference(dev->tab);

    if (lfv_likely(size == 4 && !(reg & 3) && reg < tab->fast_end)) {
        /* &dw[reg / 4]: reg is a multiple of 4 (entries of 16 bytes on
         * 64-bit hosts: at reg * 4) */
        const struct lfv_dw *w =
            (const struct lfv_dw *)((const char *)tab->dw +
                                    (size_t)reg * (sizeof(*w) / 4));

        if (lfv_likely(w->read != NULL))
            return w->read(dev->ctx, reg, w->data);
        if (bus) { /* valid: aligned 4 bytes below fast_end */
            if (w->data == LFV_DW_GAP)
                return gap_read_dword(dev, reg, gap);
            return read_slow_valid(dev, reg, size, gap, tab);
        }
    } else if (bus && size <= 4) {
        /* (size <= 4: lfv_reg_span(reg, size) is unique) */
        if (reg < tab->fast_end) {
            /* 1 or 2 bytes, or 4 unaligned: the first branch took the
             * aligned 4; &dw[reg / 4] as there */
            const struct lfv_dw *w =
                (const struct lfv_dw *)((const char *)tab->dw +
                                        (size_t)(reg & ~3u) *
                                            (sizeof(*w) / 4));

            if (!w->read) {
                /* a mixed or gap dword (LFV_DW_GAP has no register at any
                 * byte): the register of the first byte */
                const struct lfv_dw_bytes *b = w->data;
                const struct lfv_reg *r = b->at[reg & 3];

                if (r) {
                    /* exactly r (registers are naturally aligned: an
                     * unaligned access never is) */
                    if (r->span == lfv_reg_span(reg, size))
                        return r->read(dev->ctx, reg, r->data) &
                               r->read_keep;
                } else if (size - 1 < 2 && !(reg & (size - 1)) &&
                           !b->at[(reg + size - 1) & 3]) {
                    /* 1 or 2 bytes, aligned, both gap, nothing between */
                    return gap_read_piece(dev, reg, size, gap);
                }
            }
        } else if (!(reg & (size - 1)) && (reg >> 2) >= tab->ndw &&
                   access_valid(reg, size)) {
            /* naturally aligned, past the last register's dword */
            return size == 4 ? gap_read_dword(dev, reg, gap)
                             : gap_read_piece(dev, reg, size, gap);
        }
        if (lfv_unlikely(!access_valid(reg, size)))
            return ~(uint32_t)0;
        return read_slow_valid(dev, reg, size, gap, tab);
    }
    return read_slow(dev, reg, size, gap, tab);
}

/* The bytes of [reg, reg + size) that no register handles. */
static lfv_noinline uint32_t gap_read(const struct lfv_vdev *dev,
                                      unsigned int reg, unsigned int size,
                                      enum lfv_gap_policy gap)
{
    if (gap != LFV_GAP_HW)
        return ~(uint32_t)0;
    return lfv_hw_read(dev->hw_ops, dev->hw, dev->sbdf, reg, size);
}

static inline uint32_t reg_read(const struct lfv_vdev *dev,
                                const struct lfv_reg *r)
{
    return r->read(dev->ctx, r->offset, r->data) & r->read_keep;
}

/* The low n bytes of val, placed at byte `at` of an access starting at reg. */
static inline uint32_t place(uint32_t val, unsigned int n, unsigned int at,
                             unsigned int reg)
{
    return (val & size_mask(n)) << (8 * (at - reg));
}

/*
 * An access over several registers and/or gaps, from regs[i] on: each
 * register's bytes from its handler, each gap (heading, between, trailing)
 * from one gap access, in address order as Xen's vpci_read does.  Only
 * the access's bytes are set.
 */
static lfv_noinline uint32_t
read_span(const struct lfv_vdev *dev, const struct lfv_regtab *tab,
          unsigned int i, unsigned int reg, unsigned int size,
          enum lfv_gap_policy gap)
{
    const struct lfv_reg *r = &tab->regs[i], *last = &tab->regs[tab->nregs];
    unsigned int end = reg + size, at = reg;
    uint32_t data = 0;

    for (; r < last && r->offset < end; r++) {
        unsigned int r_end = r->offset + r->size, n;

        if (r_end <= at)
            continue;
        if (at < r->offset) {
            n = r->offset - at;
            data |= place(gap_read(dev, at, n, gap), n, at, reg);
            at = r->offset;
        }
        n = (end < r_end ? end : r_end) - at;
        data |= place(reg_read(dev, r) >> (8 * (at - r->offset)), n, at, reg);
        at += n;
    }
    if (at < end)
        data |= place(gap_read(dev, at, end - at, gap), end - at, at, reg);
    return data;
}

/*
 * Everything else inside the table, from regs[first[reg / 4]], the first
 * register that may overlap the access: an access inside it reads it alone;
 * anything else walks the few registers that overlap.  Reached through
 * read_other(), out of line so that the fast path needs no callee-saved
 * register but one.  The access is valid (read_slow() or the bus checked
 * it); (reg >> 2) < ndw.
 */
static inline uint32_t read_regs(const struct lfv_vdev *dev,
                                 const struct lfv_regtab *tab,
                                 unsigned int reg, unsigned int size,
                                 enum lfv_gap_policy gap)
{
    unsigned int i = tab->first[reg >> 2];
    const struct lfv_reg *r = &tab->regs[i];

    if (r->offset <= reg && reg + size <= r->offset + r->size)
        return (reg_read(dev, r) >> (8 * (reg - r->offset))) &
               size_mask(size);
    return read_span(dev, tab, i, reg, size, gap);
}

/* A valid access beyond the last register: all gap. */
static inline uint32_t read_beyond(const struct lfv_vdev *dev,
                                   unsigned int reg, unsigned int size,
                                   enum lfv_gap_policy gap)
{
    return gap_read(dev, reg, size, gap) & size_mask(size);
}

/*
 * Everything but the fast path and read_slow_valid()'s usual cases, for a
 * valid access: spanning registers and gaps, beyond the fast table.
 */
static lfv_noinline uint32_t read_other(const struct lfv_vdev *dev,
                                        unsigned int reg, unsigned int size,
                                        enum lfv_gap_policy gap,
                                        const struct lfv_regtab *tab)
{
    if ((reg >> 2) < tab->ndw)
        return read_regs(dev, tab, reg, size, gap);
    return read_beyond(dev, reg, size, gap);
}

/*
 * read_slow()'s usual cases, each out of line with a small frame (and
 * tail-called): a valid access inside one dword.
 */

/* In a gap: the hardware in one naturally aligned piece, or all-ones. */
static lfv_noinline uint32_t gap_read_inside(const struct lfv_vdev *dev,
                                             unsigned int reg,
                                             unsigned int size,
                                             enum lfv_gap_policy gap)
{
    if (gap == LFV_GAP_HW && lfv_unlikely(reg & (size - 1)))
        /* unaligned 2 bytes: two pieces */
        return gap_read(dev, reg, size, gap) & size_mask(size);
    return gap_read_piece(dev, reg, size, gap);
}

/* Inside register r (read_keep applies), at byte reg. */
static lfv_noinline uint32_t reg_read_inside(const struct lfv_vdev *dev,
                                             const struct lfv_reg *r,
                                             unsigned int reg,
                                             unsigned int size)
{
    unsigned int sh = 8 * (reg - r->offset);
    uint32_t mask = (r->read_keep >> sh) & size_mask(size);

    return (r->read(dev->ctx, r->offset, r->data) >> sh) & mask;
}

/* Exactly register r (read_keep holds its size). */
static lfv_noinline uint32_t reg_read_exact(const struct lfv_vdev *dev,
                                            const struct lfv_reg *r)
{
    return reg_read(dev, r);
}

/* Inside the dword of entry w, a register that returns every bit. */
static lfv_noinline uint32_t dw_read_inside(const struct lfv_vdev *dev,
                                            const struct lfv_dw *w,
                                            unsigned int reg,
                                            unsigned int size)
{
    unsigned int sh = 8 * (reg & 3);
    uint32_t mask = size_mask(size);

    return (w->read(dev->ctx, reg & ~3u, w->data) >> sh) & mask;
}

/*
 * Everything but the fast path, for a valid access (access_valid()).
 * First the usual shapes, with no walk: an access inside one dword (the
 * 1- and 2-byte reads of COMMAND, STATUS, the header bytes, capability
 * headers; the gaps of the capability walks): past the last register's
 * dword, a gap; below fast_end, the dword's entry (regtab.h) gives the
 * register that is the whole dword, or says the dword is all gap, or
 * gives the register of each byte: the access is inside one register when
 * its first and last bytes have the same one, all gap when neither has
 * one and it is at most 2 bytes long.  Anything else is read_other()'s.
 * (The arguments in the fast path's order, which leaves them in place.)
 */
static lfv_noinline uint32_t read_slow_valid(const struct lfv_vdev *dev,
                                             unsigned int reg,
                                             unsigned int size,
                                             enum lfv_gap_policy gap,
                                             const struct lfv_regtab *tab)
{
    const struct lfv_dw *w;
    const struct lfv_dw_bytes *b;
    const struct lfv_reg *r;

    if (lfv_unlikely((reg & 3) + size > 4)) /* across dwords */
        return read_other(dev, reg, size, gap, tab);
    if (reg >= tab->fast_end) {
        /* past the last register's dword: all gap */
        if ((reg >> 2) >= tab->ndw)
            return gap_read_inside(dev, reg, size, gap);
        return read_other(dev, reg, size, gap, tab);
    }
    w = &tab->dw[reg >> 2];
    if (w->read) /* a 4-byte register returning every bit */
        return dw_read_inside(dev, w, reg, size);
    if (w->data == LFV_DW_GAP)
        return gap_read_inside(dev, reg, size, gap);
    b = w->data;
    r = b->at[reg & 3];
    if (r == b->at[(reg + size - 1) & 3]) {
        if (r && r->offset == reg && r->size == size)
            return reg_read_exact(dev, r);
        if (r)
            return reg_read_inside(dev, r, reg, size);
        if (size <= 2)
            return gap_read_inside(dev, reg, size, gap);
    }
    /* registers and gaps, from the dword's first register */
    return read_span(dev, tab, tab->first[reg >> 2], reg, size, gap);
}

/*
 * read_slow_valid() of an access not checked yet (lfv_vdev_read()), after
 * the fast path's other case: an aligned 4-byte read of a gap dword (below
 * fast_end the fast path found the entry's read NULL).
 */
static lfv_noinline uint32_t read_slow(const struct lfv_vdev *dev,
                                       unsigned int reg, unsigned int size,
                                       enum lfv_gap_policy gap,
                                       const struct lfv_regtab *tab)
{
    if (size == 4 && !(reg & 3) && reg <= LFV_CFG_SPACE_SIZE - 4) {
        /* valid */
        if (gap_dword(tab, reg))
            return gap_read_dword(dev, reg, gap);
        return read_slow_valid(dev, reg, size, gap, tab);
    }
    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    return read_slow_valid(dev, reg, size, gap, tab);
}

/* An access that is not one naturally aligned piece, piece by piece. */
static lfv_noinline uint32_t hw_read_split(const struct lfv_hw_ops *ops,
                                           void *hw, lfv_sbdf_t sbdf,
                                           unsigned int reg, unsigned int size)
{
    uint32_t data = ~(uint32_t)0;
    unsigned int off = 0;

    while (off < size) {
        unsigned int n = hw_chunk(reg + off, size - off);

        data = merge(data, ops->read(hw, sbdf, reg + off, n), n, off);
        off += n;
    }
    return data;
}

/*
 * The hardware, in naturally aligned pieces of 1, 2 or 4 bytes (a 3-byte
 * gap is two accesses, as in Xen's vpci_read_hw).  No hardware: all-ones.
 * The usual case, one aligned piece, is a tail call (no frame).
 */
uint32_t lfv_hw_read(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                     unsigned int reg, unsigned int size)
{
    if (!ops || !ops->read)
        return ~(uint32_t)0;
    if (size != 3 && !(reg & (size - 1))) /* one naturally aligned access */
        return ops->read(hw, sbdf, reg, size);
    return hw_read_split(ops, hw, sbdf, reg, size);
}

int lfv_vdev_ecam_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int len, uint64_t *val,
                       enum lfv_gap_policy gap)
{
    if (!dev || !val || !lfv_ecam_access_valid(reg, len))
        return -EINVAL;
    if (len == 8)
        *val = lfv_vdev_read(dev, reg, 4, gap) |
               (uint64_t)lfv_vdev_read(dev, reg + 4, 4, gap) << 32;
    else
        *val = lfv_vdev_read(dev, reg, len, gap);
    return 0;
}
