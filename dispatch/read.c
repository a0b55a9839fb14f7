/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The access paths: a trapped configuration read or write of one device,
 * from the published register table to the handlers, the hardware and back.
 *
 * A read enters an RCU read-side section, loads the device's table, and
 * finds the first register that can overlap the access through the per-dword
 * index (O(1)).  The common case, an access inside one register, returns from
 * the fast path; anything else (spanning registers, gaps) walks the few
 * registers that overlap, exactly as Xen's vpci_read does over its list.
 * No lock is taken and nothing shared is written.
 *
 * Above it, domain_access.c finds the device for a domain's access (the
 * hardware domain by physical SBDF, a guest by virtual slot, both O(1)).
 */
#include <errno.h>

#include <lfvpci/access.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "access_internal.h"
#include "regtab.h"



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

uint32_t lfv_hw_read(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                     unsigned int reg, unsigned int size)
{
    uint32_t data = ~(uint32_t)0;
    unsigned int off = 0;

    if (!ops || !ops->read)
        return data;
    if (size != 3 && !(reg & (size - 1))) /* one naturally aligned access */
        return ops->read(hw, sbdf, reg, size);
    while (off < size) {
        unsigned int n = hw_chunk(reg + off, size - off);

        data = merge(data, ops->read(hw, sbdf, reg + off, n), n, off);
        off += n;
    }
    return data;
}

void lfv_hw_write(const struct lfv_hw_ops *ops, void *hw, lfv_sbdf_t sbdf,
                  unsigned int reg, unsigned int size, uint32_t data)
{
    unsigned int off = 0;

    if (!ops || !ops->write)
        return;
    while (off < size) {
        unsigned int n = hw_chunk(reg + off, size - off);

        ops->write(hw, sbdf, reg + off, n, (data >> (8 * off)) & size_mask(n));
        off += n;
    }
}

/*
 * The slow paths are kept out of line so that the fast path of
 * lfv_vdev_read() needs no callee-saved registers.
 */
static lfv_noinline uint32_t
gap_read(const struct lfv_vdev *dev, unsigned int reg, unsigned int size,
         enum lfv_gap_policy gap)
{
    if (gap != LFV_GAP_HW)
        return ~(uint32_t)0;
    return lfv_hw_read(dev->hw_ops, dev->hw, dev->sbdf, reg, size);
}

static void gap_write(const struct lfv_vdev *dev, unsigned int reg,
                      unsigned int size, uint32_t data,
                      enum lfv_gap_policy gap)
{
    if (gap == LFV_GAP_HW)
        lfv_hw_write(dev->hw_ops, dev->hw, dev->sbdf, reg, size, data);
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
 * from one gap access, in address order as Xen does.
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
 * Everything but an aligned dword that is exactly one register, starting
 * from regs[i], the first register that may overlap.  (reg >> 2) < ndw
 * already bounds reg; the size is checked here, off the fast path.
 */
static lfv_noinline uint32_t
read_regs(const struct lfv_vdev *dev, const struct lfv_regtab *tab,
          unsigned int i, unsigned int reg, unsigned int size,
          enum lfv_gap_policy gap)
{
    const struct lfv_reg *r = &tab->regs[i];

    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    if (r->offset <= reg && reg + size <= r->offset + r->size)
        return (reg_read(dev, r) >> (8 * (reg - r->offset))) &
               size_mask(size);
    return read_span(dev, tab, i, reg, size, gap) & size_mask(size);
}

/* An access beyond the last register: all gap. */
static lfv_noinline uint32_t
read_beyond(const struct lfv_vdev *dev, unsigned int reg, unsigned int size,
            enum lfv_gap_policy gap)
{
    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    return gap_read(dev, reg, size, gap) & size_mask(size);
}

static inline uint32_t vdev_read_locked(const struct lfv_vdev *dev,
                                        unsigned int reg, unsigned int size,
                                        enum lfv_gap_policy gap)
{
    const struct lfv_regtab *tab = lfv_rcu_dereference(dev->tab);

    /*
     * The hot case first: an aligned 4-byte read of a dword that is exactly
     * one register.  ndw <= 1024 bounds reg, so no other check is needed.
     */
    if (lfv_likely((reg >> 2) < tab->ndw)) {
        unsigned int e = tab->first[reg >> 2];

        if (lfv_likely((e & LFV_DW_WHOLE) && size == 4 && !(reg & 3)))
            return reg_read(dev, &tab->regs[e & LFV_DW_INDEX]);
        return read_regs(dev, tab, e & LFV_DW_INDEX, reg, size, gap);
    }
    return read_beyond(dev, reg, size, gap);
}

uint32_t lfv_vdev_read_locked(const struct lfv_vdev *dev, unsigned int reg,
                              unsigned int size, enum lfv_gap_policy gap)
{
    return vdev_read_locked(dev, reg, size, gap);
}

uint32_t lfv_vdev_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int size, enum lfv_gap_policy gap)
{
    uint32_t data;

    lfv_rcu_fast_lock();
    data = vdev_read_locked(dev, reg, size, gap);
    lfv_rcu_fast_unlock();
    return data;
}

/*
 * Write `size` bytes at byte `offset` of register r.  A partial write, or one
 * to a register with bits to preserve, merges into the current value, whose
 * RW1C bits are cleared first so that unwritten bytes clear nothing.
 */
static void reg_write(const struct lfv_vdev *dev, const struct lfv_reg *r,
                      unsigned int size, unsigned int offset, uint32_t data)
{
    uint32_t preserved = r->ro_mask | r->rsvdp_mask, cur = 0;

    if (size != r->size || preserved) {
        cur = r->read(dev->ctx, r->offset, r->data) & ~r->rw1c_mask;
        data = merge(cur, data, size, offset);
    }
    data &= ~(preserved | r->rsvdz_mask);
    data |= cur & preserved;
    r->write(dev->ctx, r->offset, data & size_mask(r->size), r->data);
}

void lfv_vdev_write(struct lfv_vdev *dev, unsigned int reg, unsigned int size,
                    uint32_t data, enum lfv_gap_policy gap)
{
    const struct lfv_regtab *tab;
    unsigned int end = reg + size, off = 0, i;

    if (lfv_unlikely(!access_valid(reg, size)) || dev->read_only)
        return;

    /*
     * The read-side section covers the lock as well: a device destroyed
     * while this write waits or runs is freed, lock included, only after
     * the section ends.
     */
    lfv_rcu_fast_lock();
    lfv_lock(&dev->write_lock);
    tab = lfv_rcu_dereference(dev->tab);
    i = (reg >> 2) < tab->ndw ? tab->first[reg >> 2] & LFV_DW_INDEX
                              : tab->nregs;
    for (; i < tab->nregs && off < size; i++) {
        const struct lfv_reg *r = &tab->regs[i];
        unsigned int at = reg + off, r_end = r->offset + r->size, n;

        if (r->offset >= end)
            break;
        if (r_end <= at)
            continue;
        if (at < r->offset) {
            n = r->offset - at;
            gap_write(dev, at, n, data >> (8 * off), gap);
            off += n;
            at += n;
        }
        n = (end < r_end ? end : r_end) - at;
        reg_write(dev, r, n, at - r->offset, data >> (8 * off));
        off += n;
    }
    if (off < size)
        gap_write(dev, reg + off, size - off, data >> (8 * off), gap);
    lfv_unlock(&dev->write_lock);
    lfv_rcu_fast_unlock();
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

int lfv_vdev_ecam_write(struct lfv_vdev *dev, unsigned int reg,
                        unsigned int len, uint64_t val,
                        enum lfv_gap_policy gap)
{
    if (!dev || !lfv_ecam_access_valid(reg, len))
        return -EINVAL;
    if (len == 8) {
        lfv_vdev_write(dev, reg, 4, (uint32_t)val, gap);
        lfv_vdev_write(dev, reg + 4, 4, (uint32_t)(val >> 32), gap);
    } else {
        lfv_vdev_write(dev, reg, len, (uint32_t)val, gap);
    }
    return 0;
}
