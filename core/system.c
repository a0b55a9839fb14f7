/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system's registry of physical devices (an SBDF radix tree searched
 * under RCU), its domains, and guests' virtual bus slots.
 */
#include <errno.h>

#include <lfvpci/p2m.h>

#include "rcu_fast.h"
#include "system.h"

static unsigned int sbdf_byte(lfv_sbdf_t sbdf, unsigned int level)
{
    return (sbdf >> (24 - 8 * level)) & 0xff;
}

int lfv_system_create(const struct lfv_system_params *p,
                      struct lfv_system **out)
{
    struct lfv_system *sys;

    if (!p || !out)
        return -EINVAL;
    sys = lfv_zalloc(sizeof(*sys));
    if (!sys)
        return -ENOMEM;
    sys->root = lfv_zalloc(sizeof(*sys->root));
    if (!sys->root) {
        lfv_free(sys);
        return -ENOMEM;
    }
    sys->hw_ops = p->hw_ops;
    sys->hw = p->hw;
    sys->arch = p->arch;
    lfv_lock_init(&sys->lock);
    *out = sys;
    return 0;
}

struct lfv_pdev *lfv_pdev_lookup(const struct lfv_system *sys,
                                 lfv_sbdf_t sbdf)
{
    const struct lfv_radix_node *n = sys->root;
    unsigned int level;

    for (level = 0; level < 3 && n; level++)
        n = lfv_rcu_dereference(n->slot[sbdf_byte(sbdf, level)]);
    return n ? lfv_rcu_dereference(n->slot[sbdf & 0xff]) : NULL;
}

int lfv_pdev_insert(struct lfv_system *sys, struct lfv_pdev *pdev)
{
    struct lfv_radix_node *n = sys->root;
    unsigned int level;

    for (level = 0; level < 3; level++) {
        void **slot = &n->slot[sbdf_byte(pdev->sbdf, level)];

        if (!*slot) {
            struct lfv_radix_node *child = lfv_zalloc(sizeof(*child));

            if (!child)
                return -ENOMEM; /* empty interior nodes are harmless */
            lfv_rcu_assign_pointer(*slot, child);
        }
        n = *slot;
    }
    if (n->slot[pdev->sbdf & 0xff])
        return -EEXIST;
    lfv_rcu_assign_pointer(n->slot[pdev->sbdf & 0xff], pdev);
    sys->nr_pdevs++;
    return 0;
}

static void **leaf_slot(struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    struct lfv_radix_node *n = sys->root;
    unsigned int level;

    for (level = 0; level < 3 && n; level++)
        n = n->slot[sbdf_byte(sbdf, level)];
    return n ? &n->slot[sbdf & 0xff] : NULL;
}

void lfv_pdev_unlink(struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    void **slot = leaf_slot(sys, sbdf);

    if (slot && *slot) {
        lfv_rcu_assign_pointer(*slot, NULL);
        sys->nr_pdevs--;
    }
}

static void for_each_leaf(struct lfv_radix_node *n, unsigned int level,
                          void (*fn)(struct lfv_pdev *, void *), void *arg)
{
    for (unsigned int i = 0; i < 256; i++) {
        if (!n->slot[i])
            continue;
        if (level == 3)
            fn(n->slot[i], arg);
        else
            for_each_leaf(n->slot[i], level + 1, fn, arg);
    }
}

void lfv_pdev_for_each(struct lfv_system *sys,
                       void (*fn)(struct lfv_pdev *pdev, void *arg),
                       void *arg)
{
    for_each_leaf(sys->root, 0, fn, arg);
}

static void free_nodes(struct lfv_radix_node *n, unsigned int level)
{
    if (level < 3)
        for (unsigned int i = 0; i < 256; i++)
            if (n->slot[i])
                free_nodes(n->slot[i], level + 1);
    lfv_free(n);
}

void lfv_system_free(struct lfv_system *sys)
{
    free_nodes(sys->root, 0);
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
    if (!rc && lfv_p2m_create(hardware_domain, &d->p2m)) {
        lfv_free(d);
        rc = -ENOMEM;
    }
    if (!rc) {
        lfv_lock_init(&d->map_lock);
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

struct lfv_domain *lfv_domain_first(struct lfv_system *sys)
{
    return sys->domains;
}

static void domain_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_domain *d =
        (struct lfv_domain *)((char *)head - offsetof(struct lfv_domain, rcu));

    lfv_lock_destroy(&d->map_lock);
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
