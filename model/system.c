/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system and its registry of physical devices (an SBDF radix tree
 * searched under RCU).  Domains: domain.c; assignment: assign.c.
 */
#include <errno.h>

#include "../core/compiler.h"
#include "system.h"

int lfv_system_create(const struct lfv_system_params *p,
                      struct lfv_system **out)
{
    struct lfv_system *sys;

    if (!p || !out || p->nr_windows > LFV_MMIO_WINDOWS_MAX ||
        (p->nr_windows && !p->windows))
        return -EINVAL;
    for (unsigned int i = 0; i < p->nr_windows; i++)
        if (p->windows[i].start > p->windows[i].end)
            return -EINVAL;
    sys = lfv_zalloc(sizeof(*sys));
    if (!sys)
        return -ENOMEM;
    sys->hw_ops = p->hw_ops;
    sys->hw = p->hw;
    sys->arch = p->arch;
    for (unsigned int i = 0; i < p->nr_windows; i++)
        sys->windows[i] = p->windows[i];
    sys->nr_windows = p->nr_windows;
    sys->no_iommu = p->no_iommu;
    sys->no_guest_intx = p->no_guest_intx;
    sys->guest_bridges = p->guest_bridges;
    sys->bar_valid = p->bar_valid;
    sys->bar_write_ignored = p->bar_write_ignored;
    sys->hwdom_msix_mapped = p->hwdom_msix_mapped;
    lfv_lock_init(&sys->lock);
    lfv_lock_init(&sys->hdr_lock);
    *out = sys;
    return 0;
}

int lfv_pdev_insert(struct lfv_system *sys, struct lfv_pdev *pdev)
{
    return lfv_sbdf_map_insert(&sys->pdevs, pdev->sbdf, pdev);
}

void lfv_pdev_unlink(struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    lfv_sbdf_map_remove(&sys->pdevs, sbdf);
}

struct pdev_visit {
    void (*fn)(struct lfv_pdev *pdev, void *arg);
    void *arg;
};

static void lfv_cf_check pdev_visit(void *p, void *arg)
{
    struct pdev_visit *v = arg;

    v->fn(p, v->arg);
}

void lfv_pdev_for_each(struct lfv_system *sys,
                       void (*fn)(struct lfv_pdev *pdev, void *arg),
                       void *arg)
{
    struct pdev_visit v = { fn, arg };

    lfv_sbdf_map_for_each(&sys->pdevs, pdev_visit, &v);
}

void lfv_system_free(struct lfv_system *sys)
{
    lfv_sbdf_map_fini(&sys->pdevs);
    lfv_free(sys->hooks);
    lfv_lock_destroy(&sys->hdr_lock);
    lfv_lock_destroy(&sys->lock);
    lfv_free(sys);
}
