/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417": Xen 4.17.5's own vpci.c (compiled from the
 * fetched Debian source tree, see xen_emul.h), driving the benchmark device
 * of device24.h through vpci_read()/vpci_write() with Xen 4.17's per-device
 * spinlock taken for real on every access.
 */
#include <stdio.h>

#include "xen_emul.h"
#include "bench.h"
#include "device24.h"
#include "xen_cells.h"

/* xen420.c builds this file with 4.20.4's vpci.c and its own name. */
#ifndef X_IMPL
#define X_IMPL "xen417"
#endif

static struct domain hwdom = { .domain_id = 0, XEN_EMUL_DOM_INIT(true) };
const struct vcpu xen417_vcpu = { .domain = &hwdom };
#ifdef XEN_EMUL_420
struct domain xen420_dom_xen = { .domain_id = 0x7ff2, XEN_EMUL_DOM_INIT(false) };
#endif
struct list_head xen417_alldevs = LIST_HEAD_INIT(xen417_alldevs);

static struct pci_dev bench_pdev;

static const pci_sbdf_t bench_sbdf = {
    .bus = LFV_BENCH_SBDF_BUS,
    .dev = LFV_BENCH_SBDF_DEV,
    .fn = LFV_BENCH_SBDF_FN,
};

/* Undo setup(): free the registers and the vpci state. */
static void dev24_teardown(void)
{
    struct vpci *vpci = bench_pdev.vpci;

    if (!vpci)
        return;
    /* struct vpci_register is private to vpci.c: remove by offset. */
    for (unsigned int i = 0; i < 24; i++) {
        /* -ENOENT for registers a failed setup never added: harmless. */
        int rc = vpci_remove_register(vpci, lfv_bench_regs[i].offset,
                                      lfv_bench_regs[i].size);
        (void)rc;
    }
    pthread_spin_destroy(&vpci->lock);
    xfree(vpci);
    bench_pdev.vpci = NULL;
    list_del(&bench_pdev.alldevs_list);
}

static int dev24_setup(const struct lfv_bench_env *env)
{
    struct vpci *vpci;

    (void)env;
    bench_hw_reset();
    vpci = xzalloc(struct vpci);
    if (!vpci)
        return -ENOMEM;
    INIT_LIST_HEAD(&vpci->handlers);
    spin_lock_init(&vpci->lock);

    bench_pdev.sbdf = bench_sbdf;
    bench_pdev.domain = &hwdom;
    bench_pdev.vpci = vpci;
    list_add_tail(&bench_pdev.alldevs_list, &xen417_alldevs);

    for (unsigned int i = 0; i < 24; i++) {
        int rc = vpci_add_register(vpci, cell_read, cell_write,
                                   lfv_bench_regs[i].offset,
                                   lfv_bench_regs[i].size, &bench_cells[i]);

        if (rc) {
            fprintf(stderr, X_IMPL ": vpci_add_register(0x%x): %d\n",
                    lfv_bench_regs[i].offset, rc);
            dev24_teardown();
            return rc;
        }
    }
    return 0;
}

#define BENCH_READ4(reg) vpci_read(bench_sbdf, (reg), 4)
#define BENCH_WRITE4(reg, val) vpci_write(bench_sbdf, (reg), 4, (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL X_IMPL
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE(X_IMPL, lfv_bench_nop, lfv_bench_nop);
