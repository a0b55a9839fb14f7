/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system's registry of physical devices (an SBDF radix tree searched
 * under RCU), its domains, and guests' virtual bus slots.
 */
#include <errno.h>

#include <lfvpci/p2m.h>

#include "rcu_fast.h"
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

static void pdev_visit(void *p, void *arg)
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
    lfv_lock_destroy(&sys->hdr_lock);
    lfv_lock_destroy(&sys->lock);
    lfv_free(sys);
}

int lfv_domain_create(struct lfv_system *sys, unsigned int domid,
                      bool hardware_domain, struct lfv_domain **out)
{
    struct lfv_domain *d;
    int rc = 0;

    if (!sys || !out || domid == LFV_DOMID_INVALID)
        return -EINVAL;
    lfv_lock(&sys->lock);
    for (d = sys->domains; d; d = d->next)
        if (d->id == domid)
            rc = -EEXIST;
    if (hardware_domain && sys->hwdom)
        rc = -EEXIST;
    d = rc ? NULL : lfv_zalloc(sizeof(*d));
    if (!rc && !d)
        rc = -ENOMEM;
    if (!rc) {
        rc = lfv_p2m_create(domid, hardware_domain, &d->p2m);
        if (rc)
            lfv_free(d);
    }
    if (!rc) {
        lfv_lock_init(&d->map_lock);
        lfv_lock_init(&d->msix_lock);
        d->msix_region_limit = LFV_MSIX_REGIONS_DEFAULT;
        d->sys = sys;
        d->id = domid;
        d->hwdom = hardware_domain;
        d->next = sys->domains;
        sys->domains = d;
        if (hardware_domain)
            sys->hwdom = d;
        *out = d;
    }
    lfv_unlock(&sys->lock);
    return rc;
}

struct lfv_p2m *lfv_domain_p2m(const struct lfv_domain *d)
{
    return d->p2m;
}

struct lfv_domain *lfv_domain_first(struct lfv_system *sys)
{
    return sys->domains;
}

static void domain_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_domain *d =
        (struct lfv_domain *)((char *)head - offsetof(struct lfv_domain, rcu));

    lfv_lock_destroy(&d->map_lock);
    lfv_lock_destroy(&d->msix_lock);
    lfv_free(d);
}

void lfv_domain_free(struct lfv_domain *d)
{
    struct lfv_system *sys = d->sys;
    struct lfv_domain **pp;

    for (pp = &sys->domains; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    if (sys->hwdom == d)
        sys->hwdom = NULL;
    /* Every device is de-assigned: nothing maps into the p2m any more. */
    lfv_p2m_destroy(d->p2m);
    lfv_msix_domain_fini(d);
    lfv_rcu_call(&d->rcu, domain_free_rcu);
}

unsigned int lfv_domain_id(const struct lfv_domain *d)
{
    return d->id;
}

bool lfv_domain_is_hardware(const struct lfv_domain *d)
{
    return d->hwdom;
}

struct lfv_system *lfv_domain_system(const struct lfv_domain *d)
{
    return d->sys;
}

/* The lowest free slot, as Xen's vpci_assign_device does. */
int lfv_vbus_slot_alloc(struct lfv_domain *d)
{
    unsigned int slot;

    if (d->slot_map == 0xffffffffu)
        return -ENOSPC;
    slot = (unsigned int)__builtin_ctz(~d->slot_map);
    d->slot_map |= 1u << slot;
    return (int)slot;
}

void lfv_vbus_slot_free(struct lfv_domain *d, unsigned int slot)
{
    d->slot_map &= ~(1u << slot);
}
