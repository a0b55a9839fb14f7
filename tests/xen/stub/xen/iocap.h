/* SPDX-License-Identifier: GPL-2.0-only */
#include <xen_stub.h>

/* Xen: rangeset_contains_range(d->iomem_caps, s, e). */
static inline bool iomem_access_permitted(const struct domain *d,
                                          unsigned long s, unsigned long e)
{
    return d->iomem_all || (s >= d->iomem_s && e <= d->iomem_e);
}
