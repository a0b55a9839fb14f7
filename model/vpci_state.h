/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal: the vPCI state of one assigned device (struct lfv_vpci). */
#ifndef LFV_DISPATCH_VPCI_STATE_H
#define LFV_DISPATCH_VPCI_STATE_H

#include <lfvpci/vpci.h>

#include "../dispatch/regtab.h"
#include "system.h"

/*
 * Immutable once published, apart from what handlers keep in their own
 * private state: a new owner gets a new struct lfv_vpci.
 */
struct lfv_vpci {
    struct lfv_vdev vdev; /* embedded: the read path's device (ctx: this) */
    struct lfv_pdev *pdev;
    struct lfv_domain *domain;
    lfv_sbdf_t sbdf, vsbdf;
    int slot; /* guests' virtual slot, -1 for the hardware domain */
    /*
     * Atomic: set once retirement is done (vpci_retire_hooks()).  From
     * then on the state reaches no hardware (lfv_vpci_hw_read() reads
     * all-ones, lfv_vpci_hw_write() drops), so that an access that found
     * it before it was unpublished reaches nothing of a device that may
     * be someone else's now.
     */
    bool retired;
    struct vpci_undo *undo; /* while init hooks run (vpci_build), else NULL */
    struct lfv_rcu_head rcu;
    unsigned int nr_hooks;
    struct lfv_vpci_hook_state {
        const struct lfv_vpci_hook *hook;
        void *priv;
        lfv_vpci_retire_t *retire; /* set by init */
    } hook[]; /* the system's hooks, in priority order */
};

static inline struct lfv_vpci *lfv_vpci_of(const struct lfv_vdev *dev)
{
    return (struct lfv_vpci *)((char *)dev - offsetof(struct lfv_vpci, vdev));
}

/*
 * The hardware registers init hooks wrote through lfv_vpci_hw_write()
 * while the state was built, each with its value before the first write:
 * a failed build writes them back, newest first, so that the hardware is
 * as the previous owner's state left it.  Hooks write a handful (COMMAND,
 * BARs and ROM for sizing, the MSI and MSI-X controls).
 */
#define VPCI_UNDO_MAX 64
struct vpci_undo {
    unsigned int n;
    struct {
        unsigned int reg, size;
        uint32_t old;
    } e[VPCI_UNDO_MAX];
};

#endif /* LFV_DISPATCH_VPCI_STATE_H */
