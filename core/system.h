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

#include "platform.h"
#include "sbdf_map.h"

struct lfv_pdev {
    lfv_sbdf_t sbdf;
    struct lfv_domain *owner; /* under the control lock */
    void *vpci;               /* RCU-published; NULL while unowned */
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
    const struct lfv_vpci_hook *hooks[LFV_VPCI_MAX_HOOKS];
    unsigned int nr_hooks;
    /* MSI binding ops (dispatch/msi*.c), set before devices are added. */
    const struct lfv_msi_ops *msi_ops;
    void *msi_ctx;
    /* Host bridge windows (immutable after create; 0: unknown). */
    struct lfv_mmio_window windows[LFV_MMIO_WINDOWS_MAX];
    unsigned int nr_windows;
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
    struct lfv_system *sys;
    struct lfv_domain *next;
    unsigned int id;
    bool hwdom;
    uint32_t slot_map;                /* guests: used virtual slots */
    void *slots[LFV_VBUS_SLOTS];      /* guests: RCU-published vPCI states */
    unsigned int nr_devices;
    /*
     * BAR mapping (dispatch/header_map.c): the p2m, and the lock that
     * serialises its changes with the list of the domain's header states.
     * Lock order: device write lock -> map_lock -> the p2m's batch lock.
     */
    struct lfv_p2m *p2m;
    lfv_lock_t map_lock;
    struct lfv_header *hdr_list; /* under map_lock */
    /*
     * MSI-X table/PBA MMIO regions (dispatch/msix_mmio.c): the list and
     * limit under msix_lock, the interval map built from them published
     * under RCU.  Lock order: device write lock -> msix_lock.
     */
    lfv_lock_t msix_lock;
    struct lfv_intervalmap *msix_map;
    struct lfv_msix_region *msix_regions[LFV_MSIX_REGIONS_MAX];
    unsigned int nr_msix_regions, msix_region_limit;
    struct lfv_rcu_head rcu;
};

/* Readers (inside a read-side section). */
static inline struct lfv_pdev *lfv_pdev_lookup(const struct lfv_system *sys,
                                               lfv_sbdf_t sbdf)
{
    return lfv_sbdf_map_lookup(&sys->pdevs, sbdf);
}

/* Control path (system lock held). */
int lfv_pdev_insert(struct lfv_system *sys, struct lfv_pdev *pdev);
void lfv_pdev_unlink(struct lfv_system *sys, lfv_sbdf_t sbdf);
struct lfv_domain *lfv_domain_first(struct lfv_system *sys);
int lfv_vbus_slot_alloc(struct lfv_domain *d);
void lfv_vbus_slot_free(struct lfv_domain *d, unsigned int slot);
/* Visit every registered device; fn may unlink the one it is given. */
void lfv_pdev_for_each(struct lfv_system *sys,
                       void (*fn)(struct lfv_pdev *pdev, void *arg),
                       void *arg);

/* Teardown, after dispatch/ has released every vPCI state. */
void lfv_domain_free(struct lfv_domain *d);
/* dispatch/msix_mmio.c: free the domain's MSI-X region map. */
void lfv_msix_domain_fini(struct lfv_domain *d);
void lfv_system_free(struct lfv_system *sys);

#endif /* LFV_CORE_SYSTEM_H */
