/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417": Xen 4.17.5's own vpci.c (compiled from the
 * fetched Debian source tree, see xen_emul.h), driving the benchmark device
 * of device24.h through vpci_read()/vpci_write() with Xen 4.17's per-device
 * spinlock taken for real on every access.
 */
#include <stdio.h>

#include "xen_emul.h"
#include "bench_run.h"
#include "impl.h"

#define EXPORT __attribute__((visibility("default")))

static struct domain hwdom = { .domain_id = 0 };
const struct vcpu xen417_vcpu = { .domain = &hwdom };
struct list_head xen417_alldevs = LIST_HEAD_INIT(xen417_alldevs);

static struct pci_dev bench_pdev;

static const pci_sbdf_t bench_sbdf = {
    .bus = LFV_BENCH_SBDF_BUS,
    .dev = LFV_BENCH_SBDF_DEV,
    .func = LFV_BENCH_SBDF_FN,
};

/* Handlers: each register's private pointer is its cell. */
static uint32_t cell_read(const struct pci_dev *pdev, unsigned int reg,
                          void *data)
{
    (void)pdev, (void)reg;
    return bench_cell_get(data);
}

static void cell_write(const struct pci_dev *pdev, unsigned int reg,
                       uint32_t val, void *data)
{
    (void)pdev, (void)reg;
    bench_cell_set(data, val);
}

/* Undo setup(): free the registers and the vpci state. */
static void xen417_teardown(void)
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

/* The values setup() checks: every workload's register, as read by Xen. */
static int xen417_self_test(void)
{
    static const unsigned int regs[] = {
        0x10, 0x54, 0x104, LFV_BENCH_SPAN_REG, LFV_BENCH_GAP_REG,
    };

    for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint32_t got = vpci_read(bench_sbdf, regs[i], 4);

        if (got != bench_expected_read(regs[i])) {
            fprintf(stderr, "xen417: read 0x%x: got 0x%08x, expected 0x%08x\n",
                    regs[i], got, bench_expected_read(regs[i]));
            return -1;
        }
    }
    return 0;
}

static int xen417_setup(void)
{
    struct vpci *vpci;

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
            fprintf(stderr, "xen417: vpci_add_register(0x%x): %d\n",
                    lfv_bench_regs[i].offset, rc);
            xen417_teardown();
            return rc;
        }
    }
    if (xen417_self_test()) {
        xen417_teardown();
        return -1;
    }
    return 0;
}

static void xen417_thread_nop(void)
{
}

#define READ4(reg) vpci_read(bench_sbdf, (reg), 4)
#define WRITE4(reg, val) vpci_write(bench_sbdf, (reg), 4, (val))
LFV_BENCH_DEFINE_RUN(xen417_run, READ4, WRITE4, (void)0)

EXPORT const struct lfv_bench_impl lfv_bench_impl = {
    .name = "xen417",
    .setup = xen417_setup,
    .teardown = xen417_teardown,
    .thread_init = xen417_thread_nop,
    .thread_exit = xen417_thread_nop,
    .run = xen417_run,
};
