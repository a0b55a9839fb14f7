/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device assignment: building a device's vPCI state for its owner from the
 * init hooks, publishing it complete, and retiring it after a grace period
 * on de-assignment, hot-unplug and teardown.  All under the system's control
 * lock; readers (access.c) never take it.
 */
#include <errno.h>

#include <lfvpci/access.h>

#include "../core/compiler.h"
#include "../core/pci_regs.h"
#include "../core/rcu_fast.h"
#include "../core/tsan.h"
#include "../dispatch/regtab.h"
#include "assign_hw.h"
#include "caps_policy.h"
#include "vpci_state.h"

int lfv_system_add_hook(struct lfv_system *sys,
                        const struct lfv_vpci_hook *hook)
{
    const struct lfv_vpci_hook **hooks;
    unsigned int i, at;
    int rc = 0;

    if (!sys || !hook || !hook->init)
        return -EINVAL;
    lfv_lock(&sys->lock);
    if (sys->pdevs.count || sys->domains)
        rc = -EBUSY;
    for (i = 0; !rc && i < sys->nr_hooks; i++)
        if (sys->hooks[i] == hook)
            rc = -EEXIST;
    hooks = rc ? NULL : lfv_malloc((sys->nr_hooks + 1) * sizeof(*hooks));
    if (!rc && !hooks)
        rc = -ENOMEM;
    if (!rc) {
        /* after every hook of lower or equal priority */
        for (at = 0; at < sys->nr_hooks; at++)
            if (sys->hooks[at]->priority > hook->priority)
                break;
        for (i = 0; i < at; i++)
            hooks[i] = sys->hooks[i];
        hooks[at] = hook;
        for (i = at; i < sys->nr_hooks; i++)
            hooks[i + 1] = sys->hooks[i];
        lfv_free(sys->hooks);
        sys->hooks = hooks;
        sys->nr_hooks++;
    }
    lfv_unlock(&sys->lock);
    return rc;
}

/* The lowest free slot, as Xen's vpci_assign_device does. */
static int vbus_slot_alloc(struct lfv_domain *d)
{
    unsigned int slot;

    if (d->slot_map == 0xffffffffu)
        return -ENOSPC;
    slot = (unsigned int)__builtin_ctz(~d->slot_map);
    d->slot_map |= 1u << slot;
    return (int)slot;
}

static void vbus_slot_free(struct lfv_domain *d, unsigned int slot)
{
    d->slot_map &= ~(1u << slot);
}

static void lfv_cf_check vpci_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_vpci *v =
        (struct lfv_vpci *)((char *)head - offsetof(struct lfv_vpci, rcu));

    for (unsigned int i = 0; i < v->nr_hooks; i++)
        if (v->hook[i].hook->fini)
            v->hook[i].hook->fini(v, v->hook[i].priv);
    lfv_vdev_fini(&v->vdev);
    lfv_free(v);
}

/*
 * The hooks' retirement: after it, the state maps and reaches nothing,
 * and its device takes no more writes (a write that found it before it
 * was unpublished may be waiting for its write lock).
 */
static void vpci_retire_hooks(struct lfv_vpci *v)
{
    lfv_vdev_retire_writes(&v->vdev);
    for (unsigned int i = 0; i < v->nr_hooks; i++)
        if (v->hook[i].retire)
            v->hook[i].retire(v, v->hook[i].priv);
    /*
     * The hooks are done with the hardware; a read in flight is not: it
     * may read the device after its next owner has been published and
     * has written it.  That owner is published after this store, so
     * such a read sees it (lfv_vpci_hw_read()).
     */
    __atomic_store_n(&v->retired, true, __ATOMIC_SEQ_CST);
}

/* Free a state that was never published, or retire one that was. */
static void vpci_retire(struct lfv_vpci *v)
{
    vpci_retire_hooks(v);
    lfv_rcu_call(&v->rcu, vpci_free_rcu);
}

/* Put back what a failed build wrote to the hardware (struct vpci_undo). */
static void undo_hw(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                    const struct vpci_undo *u)
{
    for (unsigned int i = u->n; i-- > 0;)
        if (sys->hw_ops && sys->hw_ops->write)
            sys->hw_ops->write(sys->hw, sbdf, u->e[i].reg, u->e[i].size,
                               u->e[i].old);
}

/*
 * Build the owner's state: every hook on one edit, published once.  On
 * failure nothing of it remains: its registers, p2m mappings and MSI-X
 * regions go with it (retire), and the hardware registers its hooks wrote
 * get their previous values back.
 */
static int vpci_build(struct lfv_system *sys, struct lfv_pdev *pdev,
                      struct lfv_domain *d, int slot, struct lfv_vpci **out)
{
    struct lfv_vdev_params p = {
        .sbdf = pdev->sbdf, .hw_ops = sys->hw_ops, .hw = sys->hw,
    };
    struct lfv_regs_edit *e = NULL; /* the error path aborts it if open */
    struct vpci_undo undo = { .n = 0 };
    struct lfv_vpci *v;
    int rc;

    v = lfv_zalloc(sizeof(*v) + sys->nr_hooks * sizeof(v->hook[0]));
    if (!v)
        return -ENOMEM;
    v->pdev = pdev;
    v->domain = d;
    v->sbdf = pdev->sbdf;
    v->slot = slot;
    v->vsbdf = slot < 0 ? pdev->sbdf : LFV_SBDF(0, 0, slot, 0);
    v->nr_hooks = sys->nr_hooks;
    for (unsigned int i = 0; i < sys->nr_hooks; i++)
        v->hook[i].hook = sys->hooks[i];
    p.ctx = v;
    lfv_vdev_init(&v->vdev, &p);
    v->vdev.bus = &d->bus;
    v->undo = &undo;
    rc = lfv_regs_edit_begin(&v->vdev, &e);
    for (unsigned int i = 0; !rc && i < v->nr_hooks; i++)
        rc = v->hook[i].hook->init(v, e);
    if (rc)
        lfv_regs_edit_abort(e);
    else
        rc = lfv_regs_edit_commit(e);
    v->undo = NULL;
    if (rc) {
        vpci_retire(v); /* unmaps and unlists: nothing of it stays */
        undo_hw(sys, pdev->sbdf, &undo); /* v may be gone: not v's */
        return rc;
    }
    *out = v;
    return 0;
}

static struct lfv_vpci *pdev_state(const struct lfv_pdev *pdev)
{
    return pdev->entry.dev ? lfv_vpci_of(pdev->entry.dev) : NULL;
}

/*
 * Unpublish and retire the device's current state (control lock held);
 * orphan: no new owner follows, and the device is quiesced.  The quiesce
 * and the retirement run under the state's write lock (taken here, or
 * already by the caller: locked), so that no config write of the old
 * owner still in flight turns decoding back on in between, and the
 * state's claims on host space (header_map.c) go only once the hardware
 * has stopped decoding.
 */
static void pdev_deassign(struct lfv_system *sys, struct lfv_pdev *pdev,
                          bool orphan, bool locked)
{
    struct lfv_domain *d = pdev->owner;
    struct lfv_vpci *v = pdev_state(pdev);

    if (!d)
        return;
    if (v && orphan && !locked)
        lfv_wlock_lock(&v->vdev.write_lock);
    locked = v && (locked || orphan);
    lfv_rcu_assign_pointer(pdev->entry.dev, NULL);
    if (v && v->slot >= 0) {
        lfv_rcu_assign_pointer(d->bus.slots[v->slot], NULL);
        vbus_slot_free(d, (unsigned int)v->slot);
    }
    d->nr_devices--;
    pdev->owner = NULL;
    if (orphan)
        assign_quiesce(sys, pdev->sbdf, QUIESCE_ORPHAN, !d->hwdom, NULL);
    if (locked) {
        vpci_retire_hooks(v);
        lfv_wlock_unlock(&v->vdev.write_lock);
        lfv_rcu_call(&v->rcu, vpci_free_rcu); /* the lock is in it */
    } else if (v) {
        vpci_retire(v);
    }
}

static int pdev_assign_locked(struct lfv_system *sys, struct lfv_pdev *pdev,
                              struct lfv_domain *d)
{
    struct lfv_vpci *v, *old;
    struct quiesce_undo undo = { 0 };
    int slot = -1, rc;

    if (d && !d->hwdom && LFV_SBDF_FN(pdev->sbdf))
        return -EOPNOTSUPP;
    if (pdev->owner == d)
        return 0;
    if (d && !d->hwdom && !sys->guest_bridges &&
        !assign_endpoint(sys, pdev->sbdf))
        return -EPERM;
    if (d && !d->hwdom && assign_vfs_enabled(sys, pdev->sbdf))
        return -EBUSY;
    if (!d) {
        pdev_deassign(sys, pdev, true, false);
        return 0;
    }
    if (!d->hwdom) {
        slot = vbus_slot_alloc(d);
        if (slot < 0)
            return slot;
    }
    /*
     * The new state is complete before the old one goes, so a failure
     * leaves the device as it was; between the two publications an access
     * sees the old owner's state or, briefly, no device.  The old state's
     * write lock is held from before the build (whose init writes the
     * hardware for the new owner: decoding off) until it is retired, so
     * no write of the old owner runs or completes in between: neither a
     * handler nor a deferred operation (lfv_header_process_pending())
     * turns decoding back on behind the new owner's back.
     */
    old = pdev->owner ? pdev_state(pdev) : NULL;
    if (old)
        lfv_wlock_lock(&old->vdev.write_lock);
    if (old && !pdev->owner->hwdom)
        assign_quiesce(sys, pdev->sbdf, QUIESCE_GUEST, true, &undo);
    rc = vpci_build(sys, pdev, d, slot, &v);
    if (rc) {
        if (undo.nr)
            assign_quiesce_undo(sys, pdev->sbdf, &undo);
        if (old)
            lfv_wlock_unlock(&old->vdev.write_lock);
        if (slot >= 0)
            vbus_slot_free(d, (unsigned int)slot);
        return rc;
    }
    pdev_deassign(sys, pdev, false, old != NULL);
    pdev->owner = d;
    d->nr_devices++;
    if (slot >= 0)
        lfv_rcu_assign_pointer(d->bus.slots[slot], &v->vdev);
    lfv_rcu_assign_pointer(pdev->entry.dev, &v->vdev);
    return 0;
}

static void lfv_cf_check pdev_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_pdev *pdev =
        (struct lfv_pdev *)((char *)head - offsetof(struct lfv_pdev, rcu));

    caps_policy_free(pdev->cap_policy);
    lfv_free(pdev);
}

int lfv_pdev_add(struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    struct lfv_pdev *pdev;
    int rc;

    if (!sys)
        return -EINVAL;
    pdev = lfv_zalloc(sizeof(*pdev));
    if (!pdev)
        return -ENOMEM;
    pdev->sbdf = sbdf;
    lfv_lock(&sys->lock);
    rc = lfv_pdev_insert(sys, pdev);
    if (rc) {
        lfv_free(pdev); /* never published */
    } else if (sys->hwdom) {
        rc = pdev_assign_locked(sys, pdev, sys->hwdom);
        if (rc) {
            /* published, if briefly: readers may hold it */
            lfv_pdev_unlink(sys, sbdf);
            lfv_rcu_call(&pdev->rcu, pdev_free_rcu);
        }
    }
    lfv_unlock(&sys->lock);
    return rc;
}

static void pdev_remove_locked(struct lfv_system *sys, struct lfv_pdev *pdev)
{
    pdev_deassign(sys, pdev, true, false);
    lfv_pdev_unlink(sys, pdev->sbdf);
    lfv_rcu_call(&pdev->rcu, pdev_free_rcu);
}

int lfv_pdev_remove(struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    struct lfv_pdev *pdev;
    int rc = -ENOENT;

    if (!sys)
        return -EINVAL;
    lfv_lock(&sys->lock);
    pdev = lfv_pdev_lookup(sys, sbdf);
    if (pdev) {
        pdev_remove_locked(sys, pdev);
        rc = 0;
    }
    lfv_unlock(&sys->lock);
    return rc;
}

int lfv_pdev_assign(struct lfv_system *sys, lfv_sbdf_t sbdf,
                    struct lfv_domain *d)
{
    struct lfv_pdev *pdev;
    int rc = -ENOENT;

    if (!sys || (d && d->sys != sys))
        return -EINVAL;
    lfv_lock(&sys->lock);
    pdev = lfv_pdev_lookup(sys, sbdf);
    if (pdev)
        rc = pdev_assign_locked(sys, pdev, d);
    lfv_unlock(&sys->lock);
    return rc;
}

int lfv_pdev_owner(struct lfv_system *sys, lfv_sbdf_t sbdf,
                   unsigned int *domid, lfv_sbdf_t *vsbdf)
{
    const struct lfv_pdev *pdev;
    const struct lfv_vdev *dev;
    const struct lfv_vpci *v;
    int rc = -ENOENT;

    lfv_rcu_fast_lock();
    pdev = lfv_pdev_lookup(sys, sbdf);
    if (pdev) {
        dev = lfv_rcu_dereference(pdev->entry.dev);
        v = dev ? lfv_vpci_of(dev) : NULL;
        if (domid)
            *domid = v ? v->domain->id : LFV_DOMID_INVALID;
        if (vsbdf)
            *vsbdf = v ? v->vsbdf : sbdf;
        rc = 0;
    }
    lfv_rcu_fast_unlock();
    return rc;
}

unsigned int lfv_system_nr_pdevs(struct lfv_system *sys)
{
    unsigned int n;

    lfv_lock(&sys->lock);
    n = sys->pdevs.count;
    lfv_unlock(&sys->lock);
    return n;
}

unsigned int lfv_domain_nr_devices(struct lfv_domain *d)
{
    unsigned int n;

    lfv_lock(&d->sys->lock);
    n = d->nr_devices;
    lfv_unlock(&d->sys->lock);
    return n;
}

static void lfv_cf_check deassign_if_owned(struct lfv_pdev *pdev, void *arg)
{
    struct lfv_domain *d = arg;

    if (pdev->owner == d)
        pdev_deassign(d->sys, pdev, true, false);
}

void lfv_domain_deassign_all(struct lfv_domain *d)
{
    lfv_pdev_for_each(d->sys, deassign_if_owned, d);
}

static void lfv_cf_check remove_pdev(struct lfv_pdev *pdev, void *arg)
{
    pdev_remove_locked(arg, pdev);
}

void lfv_pdev_remove_all(struct lfv_system *sys)
{
    lfv_pdev_for_each(sys, remove_pdev, sys);
}

int lfv_vpci_edit_begin(struct lfv_vpci *v, struct lfv_regs_edit **out)
{
    return lfv_regs_edit_begin(&v->vdev, out);
}

int lfv_pdev_update(struct lfv_system *sys, lfv_sbdf_t sbdf,
                    lfv_pdev_update_t *fn, void *arg)
{
    struct lfv_regs_edit *e;
    struct lfv_pdev *pdev;
    int rc = -ENOENT;

    if (!sys || !fn)
        return -EINVAL;
    lfv_lock(&sys->lock);
    pdev = lfv_pdev_lookup(sys, sbdf);
    if (pdev && pdev->entry.dev) {
        struct lfv_vpci *v = lfv_vpci_of(pdev->entry.dev);

        rc = lfv_vpci_edit_begin(v, &e);
        if (!rc) {
            rc = fn(v, e, arg);
            if (rc)
                lfv_regs_edit_abort(e);
            else
                rc = lfv_regs_edit_commit(e);
        }
    }
    lfv_unlock(&sys->lock);
    return rc;
}

/* Accessors for hooks and handlers. */

struct lfv_domain *lfv_vpci_domain(const struct lfv_vpci *v)
{
    return v->domain;
}

bool lfv_vpci_is_hardware_domain(const struct lfv_vpci *v)
{
    return v->domain->hwdom;
}

lfv_sbdf_t lfv_vpci_sbdf(const struct lfv_vpci *v)
{
    return v->sbdf;
}

lfv_sbdf_t lfv_vpci_vsbdf(const struct lfv_vpci *v)
{
    return v->vsbdf;
}

enum lfv_arch lfv_vpci_arch(const struct lfv_vpci *v)
{
    return v->domain->sys->arch;
}

static int hook_index(const struct lfv_vpci *v, const struct lfv_vpci_hook *h)
{
    for (unsigned int i = 0; i < v->nr_hooks; i++)
        if (v->hook[i].hook == h)
            return (int)i;
    return -1;
}

void *lfv_vpci_priv(const struct lfv_vpci *v, const struct lfv_vpci_hook *h)
{
    int i = hook_index(v, h);

    return i < 0 ? NULL : v->hook[i].priv;
}

void lfv_vpci_set_priv(struct lfv_vpci *v, const struct lfv_vpci_hook *h,
                       void *priv)
{
    int i = hook_index(v, h);

    if (i >= 0)
        v->hook[i].priv = priv;
}

void lfv_vpci_set_retire(struct lfv_vpci *v, const struct lfv_vpci_hook *h,
                         lfv_vpci_retire_t *fn)
{
    int i = hook_index(v, h);

    if (i >= 0)
        v->hook[i].retire = fn;
}

static inline bool vpci_retired(const struct lfv_vpci *v)
{
    return __atomic_load_n(&v->retired, __ATOMIC_RELAXED);
}

/* Loads before it come before loads after it (none under TSan: see below). */
#ifdef LFV_TSAN
#define vpci_load_fence() ((void)0) /* gcc refuses fences under TSan */
#else
#define vpci_load_fence() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

/*
 * A read of a state retired meanwhile reads all-ones, never the value: the
 * device may be another domain's, which may have written it.  Checked
 * after the hardware's read, with the acquire fence ordering the two: a
 * value the next owner wrote comes with the flag set.  (The host's
 * configuration reads are ordered before later loads: Xen's readl() has
 * its __iormb(); the simulator's devices take a lock.)
 */
uint32_t lfv_vpci_hw_read(const struct lfv_vpci *v, unsigned int reg,
                          unsigned int size)
{
    const struct lfv_system *sys = v->domain->sys;
    uint32_t val;

    if (!sys->hw_ops || !sys->hw_ops->read)
        return ~(uint32_t)0;
    val = sys->hw_ops->read(sys->hw, v->sbdf, reg, size);
    vpci_load_fence();
    return lfv_unlikely(vpci_retired(v)) ? ~(uint32_t)0 : val;
}

void lfv_vpci_hw_write(const struct lfv_vpci *v, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    const struct lfv_system *sys = v->domain->sys;
    struct vpci_undo *u = v->undo;

    if (u) { /* being built: remember the register's first value */
        unsigned int i = 0;

        while (i < u->n && (u->e[i].reg != reg || u->e[i].size != size))
            i++;
        if (i == u->n && u->n < VPCI_UNDO_MAX) {
            u->e[i].reg = reg;
            u->e[i].size = size;
            u->e[i].old = lfv_vpci_hw_read(v, reg, size);
            u->n++;
        }
    }
    if (sys->hw_ops && sys->hw_ops->write && !vpci_retired(v))
        sys->hw_ops->write(sys->hw, v->sbdf, reg, size, val);
}
