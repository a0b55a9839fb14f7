/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The write path: a trapped configuration write of one device, under the
 * device's write lock (a read-modify-write handler must exclude other
 * writers), inside a read-side section that also covers the lock.  The
 * device is found as the read path finds it (read.c).
 */
#include <errno.h>

#include <lfvpci/access.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "access_internal.h"
#include "bus.h"
#include "regtab.h"

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

static void gap_write(const struct lfv_vdev *dev, unsigned int reg,
                      unsigned int size, uint32_t data,
                      enum lfv_gap_policy gap)
{
    if (gap == LFV_GAP_HW)
        lfv_hw_write(dev->hw_ops, dev->hw, dev->sbdf, reg, size, data);
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

/*
 * A write over several registers and/or gaps, from regs[i] on, lock held:
 * registers and gaps in address order.
 */
static lfv_noinline void write_span(struct lfv_vdev *dev,
                                    const struct lfv_regtab *tab,
                                    unsigned int i, unsigned int reg,
                                    unsigned int size, uint32_t data,
                                    enum lfv_gap_policy gap)
{
    unsigned int end = reg + size, off = 0;

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
}

/* Whether every write of the device is ignored (lfv_vdev_retire_writes()). */
static inline bool vdev_read_only(const struct lfv_vdev *dev)
{
    return __atomic_load_n(&dev->read_only, __ATOMIC_RELAXED);
}

/*
 * A write of a device, read-side held.  regs[first[reg / 4]] is the first
 * register that may overlap the access: the usual write is inside it (a
 * register's own write, or part of one), or entirely before it or past the
 * last register (a gap); anything else is write_span()'s.  The device may
 * have been unpublished while the write waited for the lock: then it is
 * read-only (lfv_vdev_retire_writes(), under the lock), and the write
 * reaches nothing.
 */
static void vdev_write_rcu(struct lfv_vdev *dev, unsigned int reg,
                           unsigned int size, uint32_t data,
                           enum lfv_gap_policy gap)
{
    const struct lfv_regtab *tab;
    const struct lfv_reg *r;
    unsigned int i;

    lfv_wlock_lock(&dev->write_lock);
    if (lfv_unlikely(vdev_read_only(dev))) {
        lfv_wlock_unlock(&dev->write_lock);
        return;
    }
    tab = lfv_rcu_dereference(dev->tab);
    i = (reg >> 2) < tab->ndw ? tab->first[reg >> 2] : tab->nregs;
    r = &tab->regs[i];
    if (i == tab->nregs || reg + size <= r->offset)
        gap_write(dev, reg, size, data, gap);
    else if (r->offset <= reg && reg + size <= r->offset + r->size)
        reg_write(dev, r, size, reg - r->offset, data);
    else
        write_span(dev, tab, i, reg, size, data, gap);
    lfv_wlock_unlock(&dev->write_lock);
}

void lfv_vdev_write(struct lfv_vdev *dev, unsigned int reg, unsigned int size,
                    uint32_t data, enum lfv_gap_policy gap)
{
    if (lfv_unlikely(!access_valid(reg, size)))
        return; /* read-only: vdev_write_rcu() checks, under the lock */
    /*
     * The read-side section covers the lock as well: a device destroyed
     * while this write waits or runs is freed, lock included, only after
     * the section ends.
     */
    lfv_rcu_fast_lock();
    vdev_write_rcu(dev, reg, size, data, gap);
    lfv_rcu_fast_unlock();
}

/*
 * lfv_bus_write()'s access inside the section, with the bus kind a
 * constant (read.c's bus_read_rcu()): by physical SBDF (gaps and SBDFs
 * with no device go to the hardware) or by virtual slot (dropped).
 */
static lfv_always_inline void bus_write_rcu(const struct lfv_bus *b,
                                            lfv_sbdf_t sbdf, unsigned int reg,
                                            unsigned int size, uint32_t val,
                                            bool phys)
{
    struct lfv_vdev *dev = phys ? lfv_bus_find_phys(b, sbdf)
                                : lfv_bus_find_slot(b, sbdf);

    if (dev) /* read-only: vdev_write_rcu() checks, under the lock */
        vdev_write_rcu(dev, reg, size, val, phys ? LFV_GAP_HW : LFV_GAP_DENY);
    else if (phys) /* no device: straight to the hardware */
        lfv_hw_write(b->hw_ops, b->hw, sbdf, reg, size, val);
}

/* The section, its barrier flavour a constant (read.c's bus_read_as()). */
static lfv_always_inline void bus_write_as(const struct lfv_bus *b,
                                           lfv_sbdf_t sbdf, unsigned int reg,
                                           unsigned int size, uint32_t val,
                                           bool light)
{
    lfv_rcu_fast_lock_as(light);
    if (b->map)
        bus_write_rcu(b, sbdf, reg, size, val, true);
    else
        bus_write_rcu(b, sbdf, reg, size, val, false);
    lfv_rcu_fast_unlock_as(light);
}

void lfv_bus_write(const struct lfv_bus *b, lfv_sbdf_t sbdf, unsigned int reg,
                   unsigned int size, uint32_t val)
{
    if (lfv_unlikely(!access_valid(reg, size)))
        return;
    if (lfv_likely(lfv_rcu_fast_light()))
        bus_write_as(b, sbdf, reg, size, val, true);
    else
        bus_write_as(b, sbdf, reg, size, val, false);
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
