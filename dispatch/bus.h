/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: a bus, what one domain's configuration accesses reach (read.c
 * and write.c find the device there).  The model fills it in: one per
 * domain, inside struct lfv_domain.
 *
 * A bus finds devices either by physical SBDF, in the system's SBDF map
 * (the hardware domain's bus), or by virtual slot, 0000:00:SS.0 (a
 * guest's).  An SBDF map's values are struct lfv_bus_entry: the device
 * currently published for that SBDF, which answers only on the bus it was
 * published for (dev->bus), since the map is shared by every bus.
 */
#ifndef LFV_DISPATCH_BUS_H
#define LFV_DISPATCH_BUS_H

#include <lfvpci/rcu.h>
#include <lfvpci/regs.h>

#include "regtab.h"
#include "../core/sbdf_map.h"

#define LFV_BUS_SLOTS 32u

struct lfv_bus_entry {
    struct lfv_vdev *dev; /* RCU-published; NULL: no device */
};

struct lfv_bus {
    /* Guests: the device of each virtual slot, RCU-published. */
    struct lfv_vdev *slots[LFV_BUS_SLOTS];
    /* By physical SBDF: the map (values: struct lfv_bus_entry); NULL: by
     * virtual slot. */
    const struct lfv_sbdf_map *map;
    /* By physical SBDF: the hardware, for SBDFs with no device. */
    const struct lfv_hw_ops *hw_ops;
    void *hw;
};

/*
 * The device at sbdf on b, a bus by virtual slot (0000:00:SS.0 only), or
 * NULL.  Read-side held.
 */
static inline struct lfv_vdev *lfv_bus_find_slot(const struct lfv_bus *b,
                                                 lfv_sbdf_t sbdf)
{
    return (sbdf & ~(lfv_sbdf_t)0xf8)
               ? NULL
               : lfv_rcu_dereference(b->slots[LFV_SBDF_DEV(sbdf)]);
}

/*
 * The device at sbdf on b, a bus by physical SBDF, or NULL: a device
 * published for another domain's bus is not b's.  Read-side held.
 */
static inline struct lfv_vdev *lfv_bus_find_phys(const struct lfv_bus *b,
                                                 lfv_sbdf_t sbdf)
{
    const struct lfv_bus_entry *e = lfv_sbdf_map_lookup(b->map, sbdf);
    struct lfv_vdev *dev;

    if (!e)
        return NULL;
    dev = lfv_rcu_dereference(e->dev);
    return dev && dev->bus == b ? dev : NULL;
}

/*
 * A domain's configuration access to sbdf through its bus b: a device's
 * registers, its gaps (the hardware on a bus by SBDF, all-ones or dropped
 * on a bus by slot), the hardware for an SBDF with no device on a bus by
 * SBDF, all-ones or dropped otherwise.  Invalid sizes or offsets read
 * all-ones and are dropped.  Any thread, lock-free for reads; writes take
 * the device's write lock.  Readers may run concurrently with every
 * control-path change of the bus.
 */
uint32_t lfv_bus_read(const struct lfv_bus *b, lfv_sbdf_t sbdf,
                      unsigned int reg, unsigned int size);
void lfv_bus_write(const struct lfv_bus *b, lfv_sbdf_t sbdf, unsigned int reg,
                   unsigned int size, uint32_t val);

#endif /* LFV_DISPATCH_BUS_H */
