/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-domain entry points: a domain's config (CF8/CFC-style) and ECAM
 * accesses find the device that answers them and go to its register table
 * (access.c).  The hardware domain finds devices by physical SBDF in the
 * system's radix tree; a guest by virtual slot (0000:00:SS.0).  Both are
 * O(1) and lock-free, inside the one read-side section that covers the
 * whole access.
 */
#include <errno.h>

#include <lfvpci/access.h>
#include <lfvpci/domain.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "../dispatch/access_internal.h"
#include "vpci_state.h"

/*
 * The vPCI state that answers domain d's access to sbdf, or NULL.  A guest
 * addresses 0000:00:SS.0 only; the hardware domain reaches the devices it
 * owns by physical SBDF.  Inside a read-side section.
 */
static inline const struct lfv_vpci *vpci_find(const struct lfv_domain *d,
                                               lfv_sbdf_t sbdf)
{
    const struct lfv_pdev *pdev;
    const struct lfv_vpci *v;

    if (!d->hwdom)
        return (sbdf & ~(lfv_sbdf_t)0xf8) ? NULL
                                          : lfv_rcu_dereference(
                                                d->slots[LFV_SBDF_DEV(sbdf)]);
    pdev = lfv_pdev_lookup(d->sys, sbdf);
    if (!pdev)
        return NULL;
    v = lfv_rcu_dereference(pdev->vpci);
    return v && v->domain == d ? v : NULL;
}


uint32_t lfv_conf_read(struct lfv_domain *d, lfv_sbdf_t sbdf,
                       unsigned int reg, unsigned int size)
{
    const struct lfv_vpci *v;
    uint32_t data;

    if (lfv_unlikely(!access_valid(reg, size)))
        return ~(uint32_t)0;
    lfv_rcu_fast_lock();
    v = vpci_find(d, sbdf);
    if (lfv_likely(v))
        data = lfv_vdev_read_locked(v->vdev, reg, size,
                                    d->hwdom ? LFV_GAP_HW : LFV_GAP_DENY);
    else if (d->hwdom) /* no vPCI state: straight to the hardware */
        data = lfv_hw_read(d->sys->hw_ops, d->sys->hw, sbdf, reg, size) &
               size_mask(size);
    else
        data = size_mask(size);
    lfv_rcu_fast_unlock();
    return data;
}

void lfv_conf_write(struct lfv_domain *d, lfv_sbdf_t sbdf, unsigned int reg,
                    unsigned int size, uint32_t val)
{
    const struct lfv_vpci *v;

    if (lfv_unlikely(!access_valid(reg, size)))
        return;
    lfv_rcu_fast_lock();
    v = vpci_find(d, sbdf);
    if (v) {
        lfv_vdev_write(v->vdev, reg, size, val,
                       d->hwdom ? LFV_GAP_HW : LFV_GAP_DENY);
    } else if (d->hwdom) {
        lfv_hw_write(d->sys->hw_ops, d->sys->hw, sbdf, reg, size, val);
    }
    lfv_rcu_fast_unlock();
}

/* ECAM offset -> (segment 0) SBDF and register. */
static inline bool ecam_decode(uint64_t offset, unsigned int len,
                               lfv_sbdf_t *sbdf, unsigned int *reg)
{
    if (offset >= LFV_ECAM_WINDOW_SIZE ||
        !lfv_ecam_access_valid(offset & 0xfff, len))
        return false;
    *sbdf = (lfv_sbdf_t)(offset >> 12);
    *reg = offset & 0xfff;
    return true;
}

int lfv_ecam_read(struct lfv_domain *d, uint64_t offset, unsigned int len,
                  uint64_t *val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!d || !val || !ecam_decode(offset, len, &sbdf, &reg))
        return -EINVAL;
    if (len == 8)
        *val = lfv_conf_read(d, sbdf, reg, 4) |
               (uint64_t)lfv_conf_read(d, sbdf, reg + 4, 4) << 32;
    else
        *val = lfv_conf_read(d, sbdf, reg, len);
    return 0;
}

int lfv_ecam_write(struct lfv_domain *d, uint64_t offset, unsigned int len,
                   uint64_t val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!d || !ecam_decode(offset, len, &sbdf, &reg))
        return -EINVAL;
    if (len == 8) {
        lfv_conf_write(d, sbdf, reg, 4, (uint32_t)val);
        lfv_conf_write(d, sbdf, reg + 4, 4, (uint32_t)(val >> 32));
    } else {
        lfv_conf_write(d, sbdf, reg, len, (uint32_t)val);
    }
    return 0;
}
