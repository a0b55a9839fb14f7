/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-domain MSI-X MMIO entry points: a guest's access to an MSI-X
 * table, PBA or the rest of their pages.
 *
 * lfv_msix_mmio_read/write enter a read-side section; there the region
 * holding an address is found in the domain's region map (msix_regions.c,
 * msi_internal.h: its page index, then the page's intervals), with no
 * lock, and the access goes to the region's device (msix_table.c; a
 * write entirely, read-side section and lookup included:
 * msix_mmio_write()).  The top of the MSI-X files: it calls msix_table.c,
 * msix.c (the hook, through msix_domain()) and msix_regions.c; none of
 * them calls it.
 */
#include <errno.h>

#include <lfvpci/p2m.h>
#include <lfvpci/rangeset.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "msi_internal.h"

/* ---- the entry point ---- */

static bool mmio_valid(uint64_t gpa, unsigned int size)
{
    /* size is 1, 2, 4 or 8 (bits 1, 2, 4 and 8 of 0x116), aligned */
    return size <= 8 && ((0x116u >> size) & 1) && !(gpa & (size - 1));
}

/* Tables and PBAs take 4- and 8-byte accesses only; their pages' rest any. */
static bool size_ok(const struct lfv_msix_region *r, unsigned int size)
{
    return size >= 4 || r->which == MSIX_ADJACENT;
}

/*
 * A read's read-side section, with the barrier flavour a constant
 * (core/rcu_fast.h): the entry point reads it once and runs one of two
 * copies.
 */
static lfv_always_inline int mmio_read_as(struct lfv_domain *d, uint64_t gpa,
                                          unsigned int size, uint64_t *v,
                                          bool light)
{
    const struct lfv_msix_region *r;
    uint64_t off;
    int rc = -ENOENT;

    lfv_rcu_fast_lock_as(light);
    r = msix_find_rcu(d, gpa, size, &off);
    if (r)
        rc = size_ok(r, size) ? msix_region_read(r, gpa, off, size, v)
                              : -EINVAL;
    lfv_rcu_fast_unlock_as(light);
    return rc;
}

int lfv_msix_mmio_read(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                       uint64_t *val)
{
    uint64_t v = mmio_ones(size);
    int rc;

    if (!d || !val || !mmio_valid(gpa, size))
        return -EINVAL;
    if (lfv_likely(lfv_rcu_fast_light()))
        rc = mmio_read_as(d, gpa, size, &v, true);
    else
        rc = mmio_read_as(d, gpa, size, &v, false);
    if (rc != -EINVAL)
        *val = v;
    return rc;
}

int lfv_msix_mmio_write(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                        uint64_t val)
{
    /* the usual 4-byte write first (tail calls) */
    if (lfv_likely(size == 4 && !(gpa & 3) && d))
        return msix_mmio_write4(d, gpa, (uint32_t)val);
    if (!mmio_valid(gpa, size) || !d)
        return -EINVAL;
    return msix_mmio_write(d, gpa, size, val);
}

unsigned int lfv_domain_msix_regions(struct lfv_domain *d)
{
    struct msix_domain *md = msix_domain(d);

    return md ? msix_regions_count(md) : 0;
}

unsigned int lfv_domain_msix_region_limit(struct lfv_domain *d)
{
    struct msix_domain *md = msix_domain(d);

    return md ? msix_regions_limit(md) : 0;
}

int lfv_domain_set_msix_region_limit(struct lfv_domain *d, unsigned int limit)
{
    struct msix_domain *md;

    if (!d || !limit || limit > LFV_MSIX_REGIONS_MAX)
        return -EINVAL;
    md = msix_domain(d);
    if (!md)
        return -ENOENT;
    return msix_regions_set_limit(md, limit);
}
