/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: the system, its domains and physical devices as core/ keeps
 * them.  core/ knows devices and owners but not register tables: a device's
 * vPCI state is an opaque RCU-published pointer that dispatch/ manages.
 */
#ifndef LFV_CORE_SYSTEM_H
#define LFV_CORE_SYSTEM_H

#include <lfvpci/domain.h>
#include <lfvpci/msi.h>
#include <lfvpci/vpci.h>

#include "../core/platform.h"
#include "../core/sbdf_map.h"
#include "../dispatch/bus.h"

/*
 * A physical device.  The SBDF map's value: entry first, as the read
 * path's struct lfv_bus_entry (dispatch/bus.h).  entry.dev is the device of
 * the owner's vPCI state (struct lfv_vpci), RCU-published; NULL while
 * unowned.
 */
struct lfv_pdev {
    struct lfv_bus_entry entry;
    lfv_sbdf_t sbdf;
    struct lfv_domain *owner; /* under the control lock */
    /* The guest capability policy (caps_policy.c), NULL: the defaults;
       under the control lock */
    struct cap_policy *cap_policy;
    struct lfv_rcu_head rcu;
};


struct lfv_system {
    const struct lfv_hw_ops *hw_ops;
    void *hw;
    enum lfv_arch arch;
    lfv_lock_t lock; /* control path: devices, owners, domains, hooks */
    struct lfv_sbdf_map pdevs; /* SBDF -> struct lfv_pdev, O(1) under RCU */
    struct lfv_domain *domains; /* list, under lock */
    struct lfv_domain *hwdom;
    /* In priority order; fixed once a domain exists. */
    const struct lfv_vpci_hook **hooks;
    unsigned int nr_hooks;
    /* MSI binding ops (dispatch/msi*.c), set before devices are added. */
    const struct lfv_msi_ops *msi_ops;
    void *msi_ctx;
    /* Host bridge windows (immutable after create; 0: unknown). */
    struct lfv_mmio_window windows[LFV_MMIO_WINDOWS_MAX];
    unsigned int nr_windows;
    bool no_iommu; /* guests' COMMAND.MASTER never reaches the hardware */
    bool no_guest_intx; /* guests' hardware INTX_DISABLE always set */
    bool guest_bridges; /* guests may own bridges (simulations only) */
    /* struct lfv_system_params's host callbacks and options (immutable) */
    bool (*bar_valid)(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                      uint64_t end);
    void (*bar_write_ignored)(void *hw, lfv_sbdf_t sbdf, unsigned int bar);
    bool hwdom_msix_mapped;
    /*
     * Every header state of every domain (dispatch/header_map.c), for the
     * host-space checks before mapping a BAR: BARs overlapping another
     * device's, frames holding any device's MSI-X table or PBA.  A leaf
     * lock, taken under a domain's map_lock.
     */
    lfv_lock_t hdr_lock;
    struct lfv_header *hdr_all; /* under hdr_lock */
};

struct lfv_domain {
    /* What its accesses reach (dispatch/bus.h): by slot, or by SBDF. */
    struct lfv_bus bus;
    struct lfv_system *sys;
    struct lfv_domain *next;
    unsigned int id;
    bool hwdom;
    uint32_t slot_map;                /* guests: used slots of bus.slots */
    unsigned int nr_devices;
    struct lfv_p2m *p2m; /* BAR mappings go here (<lfvpci/p2m.h>) */
    uint32_t cf8;        /* port 0xcf8's latch (lfv_pio_*), atomic */
    /*
     * The MSI-X hook's region map (model/msi_internal.h), published under
     * RCU by its domain state's lock; NULL: no region, or no MSI-X hook.
     */
    struct msix_map *msix_map;
    struct lfv_rcu_head rcu;
    void *hook_priv[]; /* per sys->hooks[i]: its domain_init's state */
};

/*
 * lfv_domain_priv() inline, for the model's own hot paths (the MSI-X MMIO
 * entry point): the hooks are few, the scan short.  Any thread while d
 * exists (sys->hooks is fixed once a domain exists).
 */
static inline void *lfv_domain_hook_priv(const struct lfv_domain *d,
                                         const struct lfv_vpci_hook *h)
{
    const struct lfv_system *sys = d->sys;

    for (unsigned int i = 0; i < sys->nr_hooks; i++)
        if (sys->hooks[i] == h)
            return d->hook_priv[i];
    return NULL;
}

/* Readers (inside a read-side section). */
static inline struct lfv_pdev *lfv_pdev_lookup(const struct lfv_system *sys,
                                               lfv_sbdf_t sbdf)
{
    return lfv_sbdf_map_lookup(&sys->pdevs, sbdf);
}

/* Control path (system lock held). */
int lfv_pdev_insert(struct lfv_system *sys, struct lfv_pdev *pdev);
void lfv_pdev_unlink(struct lfv_system *sys, lfv_sbdf_t sbdf);
/* Visit every registered device; fn may unlink the one it is given. */
void lfv_pdev_for_each(struct lfv_system *sys,
                       void (*fn)(struct lfv_pdev *pdev, void *arg),
                       void *arg);

/* assign.c, for domain.c's teardown (control lock held). */
void lfv_domain_deassign_all(struct lfv_domain *d);
void lfv_pdev_remove_all(struct lfv_system *sys);
void lfv_system_free(struct lfv_system *sys);

_Static_assert(LFV_VBUS_SLOTS == LFV_BUS_SLOTS, "a guest's bus has one slot "
               "per virtual device number");

#endif /* LFV_CORE_SYSTEM_H */
