/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The read path: a trapped configuration read, from the domain's bus to
 * the register's handler, the hardware and back.  Top to bottom:
 *
 *   lfv_bus_read()      enter the read-side section, find the device
 *   bus_find()          a guest's by virtual slot, the hardware domain's by
 *                       physical SBDF (radix tree), both O(1)
 *   vdev_read_rcu()     the fast path: an aligned 4-byte read of a register
 *                       that is exactly that dword
 *   read_regs()         everything else in the table: inside one register,
 *                       spanning registers and gaps
 *   read_beyond()       beyond the last register
 *   gap_read()          the bytes no register handles: the hardware, or
 *                       all-ones
 *
 * From a guest's bus to the handler's entry, three dependent loads: the
 * device from the slot (the device is embedded in its vPCI state), its
 * table, the dword's index in the table (the handler's entry is then at a
 * computed place in the same table).  No lock is taken,
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

static inline const struct lfv_vdev *bus_find(const struct lfv_bus *b,
                                              lfv_sbdf_t sbdf);
static inline uint32_t vdev_read_rcu(const struct lfv_vdev *dev,
                                     unsigned int reg, unsigned int size,
                                     enum lfv_gap_policy gap);
static inline uint32_t reg_read(const struct lfv_vdev *dev,
                                const struct lfv_reg *r);
static uint32_t read_regs(const struct lfv_vdev *dev,
                          const struct lfv_regtab *tab, unsigned int i,
                          unsigned int reg, unsigned int size,
                          enum lfv_gap_policy gap);
static uint32_t read_beyond(const struct lfv_vdev *dev, unsigned int reg,
                            unsigned int size, enum lfv_gap_policy gap);

uint32_t lfv_bus_read(const struct lfv_bus *b, lfv_sbdf_t sbdf,
                      unsigned int reg, unsigned int size)
{
    const struct lfv_vdev *dev;
    uint32_t data;

    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    lfv_rcu_fast_lock();
    dev = bus_find(b, sbdf);
    if (lfv_likely(dev))
        data = vdev_read_rcu(dev, reg, size,
                             b->map ? LFV_GAP_HW : LFV_GAP_DENY);
    else if (b->map) /* no device: straight to the hardware */
        data = lfv_hw_read(b->hw_ops, b->hw, sbdf, reg, size) &
               size_mask(size);
    else
        data = size_mask(size);
    lfv_rcu_fast_unlock();
    return data;
}

uint32_t lfv_vdev_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int size, enum lfv_gap_policy gap)
{
    uint32_t data;

    lfv_rcu_fast_lock();
    data = vdev_read_rcu(dev, reg, size, gap);
    lfv_rcu_fast_unlock();
    return data;
}

/* The device that answers b's access to sbdf, or NULL.  Read-side held. */
static inline const struct lfv_vdev *bus_find(const struct lfv_bus *b,
                                              lfv_sbdf_t sbdf)
{
    const struct lfv_bus_entry *e;
    const struct lfv_vdev *dev;

    if (!b->map) /* by slot: 0000:00:SS.0 only */
        return (sbdf & ~(lfv_sbdf_t)0xf8)
                   ? NULL
                   : lfv_rcu_dereference(b->slots[LFV_SBDF_DEV(sbdf)]);
    e = lfv_sbdf_map_lookup(b->map, sbdf);
    if (!e)
        return NULL;
    dev = lfv_rcu_dereference(e->dev);
    return dev && dev->bus == b ? dev : NULL; /* another domain's device */
}

/*
 * A read of a device, read-side held.  The hot case first: an aligned
 * 4-byte read of a dword that is exactly one register (first[] says so).
 * ndw <= 1024 bounds reg, so no other check is needed; anything else,
 * including invalid sizes, is read_regs()' or read_beyond()'s.
 */
static inline uint32_t vdev_read_rcu(const struct lfv_vdev *dev,
                                     unsigned int reg, unsigned int size,
                                     enum lfv_gap_policy gap)
{
    const struct lfv_regtab *tab = lfv_rcu_dereference(dev->tab);

    if (lfv_likely((reg >> 2) < tab->ndw)) {
        unsigned int e = tab->first[reg >> 2];

        if (lfv_likely((e & LFV_DW_WHOLE) && size == 4 && !(reg & 3)))
            return reg_read(dev, &tab->regs[e & LFV_DW_INDEX]);
        return read_regs(dev, tab, e & LFV_DW_INDEX, reg, size, gap);
    }
    return read_beyond(dev, reg, size, gap);
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
 * from one gap access, in address order as Xen's vpci_read does.
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
 * Everything else inside the table, from regs[i], the first register that
 * may overlap the access (first[]): an access inside it reads it alone;
 * anything else walks the few registers that overlap.  Out of line (as
 * are the paths below), so that the fast path needs no callee-saved
 * registers.  (reg >> 2) < ndw already bounds reg; the size is checked
 * here.
 */
static lfv_noinline uint32_t read_regs(const struct lfv_vdev *dev,
                                       const struct lfv_regtab *tab,
                                       unsigned int i, unsigned int reg,
                                       unsigned int size,
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
static lfv_noinline uint32_t read_beyond(const struct lfv_vdev *dev,
                                         unsigned int reg, unsigned int size,
                                         enum lfv_gap_policy gap)
{
    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    return gap_read(dev, reg, size, gap) & size_mask(size);
}

/*
 * The hardware, in naturally aligned pieces of 1, 2 or 4 bytes (a 3-byte
 * gap is two accesses, as in Xen's vpci_read_hw).  No hardware: all-ones.
 */
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
