/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain lifecycle, in one place: creating a domain (its hooks'
 * domain states, its p2m, its bus), destroying it (de-assigning its
 * devices through assign.c, freeing it after a grace period), and
 * destroying the whole system.  All under the system's control lock.
 */
#include <errno.h>

#include <lfvpci/p2m.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "system.h"

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
    return lfv_domain_hook_priv(d, h);
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

static void lfv_cf_check domain_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_domain *d =
        (struct lfv_domain *)((char *)head - offsetof(struct lfv_domain, rcu));

    domain_hooks_fini(d, d->sys->nr_hooks);
    lfv_free(d);
}

static void domain_free(struct lfv_domain *d)
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

void lfv_domain_destroy(struct lfv_domain *d)
{
    struct lfv_system *sys;

    if (!d)
        return;
    sys = d->sys;
    lfv_lock(&sys->lock);
    lfv_domain_deassign_all(d);
    domain_free(d);
    lfv_unlock(&sys->lock);
    /*
     * No lfv_rcu_barrier(): Xen destroys domains under its domctl lock,
     * where waiting for every CPU's quiescent state must not happen.  The
     * domain is freed after a grace period; lfv_system_destroy() waits
     * for that before the system goes.
     */
}

void lfv_system_destroy(struct lfv_system *sys)
{
    if (!sys)
        return;
    lfv_lock(&sys->lock);
    lfv_pdev_remove_all(sys);
    while (sys->domains)
        domain_free(sys->domains);
    lfv_unlock(&sys->lock);
    lfv_rcu_barrier();
    lfv_system_free(sys);
}
