/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system's registry of physical devices (an SBDF radix tree searched
 * under RCU), its domains, and guests' virtual bus slots.
 */
#include <errno.h>

#include <lfvpci/p2m.h>

#include "../core/rcu_fast.h"
#include "system.h"

int lfv_system_create(const struct lfv_system_params *p,
                      struct lfv_system **out)
{
    struct lfv_system *sys;

    if (!p || !out)
        return -EINVAL;
    sys = lfv_zalloc(sizeof(*sys));
    if (!sys)
        return -ENOMEM;
    sys->hw_ops = p->hw_ops;
    sys->hw = p->hw;
    sys->arch = p->arch;
    lfv_lock_init(&sys->lock);
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
    lfv_free(sys->hooks);
    lfv_lock_destroy(&sys->lock);
    lfv_free(sys);
}

/* The hooks' domain states, in priority order; all or none. */
static void domain_hooks_fini(struct lfv_domain *d, unsigned int n)
{
    while (n--)
        if (d->sys->hooks[n]->domain_fini)
            d->sys->hooks[n]->domain_fini(d, d->hook_priv[n]);
}

static int domain_hooks_init(struct lfv_domain *d)
{
    const struct lfv_system *sys = d->sys;
    int rc = 0;
    unsigned int i;

    for (i = 0; !rc && i < sys->nr_hooks; i++)
        if (sys->hooks[i]->domain_init)
            rc = sys->hooks[i]->domain_init(d, &d->hook_priv[i]);
    if (rc)
        domain_hooks_fini(d, i - 1);
    return rc;
}

void *lfv_domain_priv(const struct lfv_domain *d,
                      const struct lfv_vpci_hook *h)
{
    for (unsigned int i = 0; i < d->sys->nr_hooks; i++)
        if (d->sys->hooks[i] == h)
            return d->hook_priv[i];
    return NULL;
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
    d = rc ? NULL
           : lfv_zalloc(sizeof(*d) + sys->nr_hooks * sizeof(d->hook_priv[0]));
    if (!rc && !d)
        rc = -ENOMEM;
    if (!rc) {
        d->sys = sys;
        d->id = domid;
        d->hwdom = hardware_domain;
        rc = domain_hooks_init(d);
        if (rc)
            lfv_free(d);
    }
    if (!rc) {
        rc = lfv_p2m_create(domid, hardware_domain, &d->p2m);
        if (rc) {
            domain_hooks_fini(d, sys->nr_hooks);
            lfv_free(d);
        }
    }
    if (!rc) {
        if (hardware_domain) { /* by physical SBDF; guests: by slot */
            d->bus.map = &sys->pdevs;
            d->bus.hw_ops = sys->hw_ops;
            d->bus.hw = sys->hw;
        }
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

    domain_hooks_fini(d, d->sys->nr_hooks);
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
