/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Devices of the xen417 trace and msix modules: Xen 4.17.5's own struct
 * vpci built with vpci_add_register(), registers on 32-bit cells (the
 * handlers of xen_cells.h).  Included after xen_emul.h, by one file each.
 */
#ifndef LFV_BENCH_XEN417_DEV_H
#define LFV_BENCH_XEN417_DEV_H

#include <stdio.h>

#include "xen_cells.h"

static struct domain hwdom = { .domain_id = 0, XEN_EMUL_DOM_INIT(true) };
const struct vcpu xen417_vcpu = { .domain = &hwdom };
#ifdef XEN_EMUL_420
struct domain xen420_dom_xen = { .domain_id = 0x7ff2, XEN_EMUL_DOM_INIT(false) };
#endif
#if defined(XEN_EMUL_420) && defined(XEN_EMUL_GUESTS)
__thread const struct vcpu *xen420_current
    __attribute__((tls_model("initial-exec"))) = &xen417_vcpu;
#endif
#if defined(XEN_EMUL_420) && defined(XEN_EMUL_SEGS)
/*
 * Domain s accesses segment s (xen_emul.h); each on lines of its own, as a
 * struct domain is a page of its own in Xen.
 */
static struct xen420_dom {
    struct domain d;
    struct vcpu v;
} __attribute__((aligned(128))) xen420_doms[XEN_EMUL_SEGS];

/* Before any access: domain s's id, lock and vCPU. */
static void xen420_doms_init(void)
{
    for (unsigned int s = 0; s < XEN_EMUL_SEGS; s++) {
        xen420_doms[s].d.domain_id = s;
        xen420_doms[s].d.hw = !(s & 1);
        pthread_rwlock_init(&xen420_doms[s].d.pci_lock, NULL);
        xen420_doms[s].v.domain = &xen420_doms[s].d;
    }
}
#endif
#if defined(XEN_EMUL_GUESTS) && defined(XEN_EMUL_SEGS)
struct list_head xen417_segdevs[XEN_EMUL_SEGS] = {
    LIST_HEAD_INIT(xen417_segdevs[0]), LIST_HEAD_INIT(xen417_segdevs[1]),
    LIST_HEAD_INIT(xen417_segdevs[2]), LIST_HEAD_INIT(xen417_segdevs[3]),
    LIST_HEAD_INIT(xen417_segdevs[4]), LIST_HEAD_INIT(xen417_segdevs[5]),
    LIST_HEAD_INIT(xen417_segdevs[6]), LIST_HEAD_INIT(xen417_segdevs[7]),
};
_Static_assert(XEN_EMUL_SEGS == 8, "one initialiser per segment");
#else
struct list_head xen417_alldevs = LIST_HEAD_INIT(xen417_alldevs);
#ifdef XEN_EMUL_GUESTS
struct list_head xen417_guestdevs = LIST_HEAD_INIT(xen417_guestdevs);
#endif
#endif

/* Undo x_dev_init(): registers (by offset: their struct is vpci.c's). */
static inline void x_dev_fini(struct pci_dev *pdev,
                              const uint16_t (*regs)[2], unsigned int n)
{
    struct vpci *vpci = pdev->vpci;

    if (!vpci)
        return;
    for (unsigned int i = 0; i < n; i++) {
        int rc = vpci_remove_register(vpci, regs[i][0], regs[i][1]);

        (void)rc; /* -ENOENT for registers a failed init never added */
    }
    pthread_spin_destroy(&vpci->lock);
    xfree(vpci);
    pdev->vpci = NULL;
}

/* Registers regs[i] = { offset, size } on cells[i] into vpci. */
static inline int x_dev_add_regs(struct vpci *vpci, const uint16_t (*regs)[2],
                                 unsigned int n, uint32_t *cells)
{
    for (unsigned int i = 0; i < n; i++) {
        int rc = vpci_add_register(vpci, cell_read, cell_write,
                                   regs[i][0], regs[i][1], &cells[i]);

        if (rc) {
            fprintf(stderr, "xen417: vpci_add_register(0x%x): %d\n",
                    regs[i][0], rc);
            return rc;
        }
    }
    return 0;
}

/* pdev's vpci with registers regs[i] = { offset, size } on cells[i]. */
static inline int x_dev_init(struct pci_dev *pdev, const uint16_t (*regs)[2],
                             unsigned int n, uint32_t *cells)
{
    struct vpci *vpci = xzalloc(struct vpci);
    int rc;

    if (!vpci)
        return -ENOMEM;
    INIT_LIST_HEAD(&vpci->handlers);
    spin_lock_init(&vpci->lock);
    pdev->vpci = vpci;
    pdev->domain = &hwdom;
    rc = x_dev_add_regs(vpci, regs, n, cells);
    if (rc)
        x_dev_fini(pdev, regs, n);
    return rc;
}

#endif /* LFV_BENCH_XEN417_DEV_H */
