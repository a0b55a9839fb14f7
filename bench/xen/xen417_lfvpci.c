/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark module "xen417_lfvpci": Xen 4.17.5's vpci.c with the lfvpci
 * series (integration/xen/patches) applied, built in user space like the
 * xen417 baseline (xen_lfvpci_emul.h).  The device is built by
 * vpci_add_handlers() through an init hook, as in Xen, and accesses go
 * through vpci_read()/vpci_write(): SBDF registry, register table, handlers.
 */
#include <stdio.h>

#include "xen_lfvpci_emul.h"
#include "bench.h"
#include "device24.h"
#include "xen_cells.h"

static struct domain hwdom = { .domain_id = 0 };
const struct vcpu xen417_vcpu = { .domain = &hwdom };

static struct pci_dev bench_pdev = {
    .sbdf.bus = LFV_BENCH_SBDF_BUS,
    .sbdf.dev = LFV_BENCH_SBDF_DEV,
    .sbdf.fn = LFV_BENCH_SBDF_FN,
    .domain = &hwdom,
};

#include "xen417_lfvpci_rcu.h"

/* --- the device -------------------------------------------------------- */

/* The device's one init hook, found by vpci_add_handlers() as in Xen. */
static int bench_init(struct pci_dev *pdev)
{
    for (unsigned int i = 0; i < 24; i++) {
        int rc = vpci_add_register(pdev->vpci, cell_read, cell_write,
                                   lfv_bench_regs[i].offset,
                                   lfv_bench_regs[i].size, &bench_cells[i]);

        if (rc) {
            fprintf(stderr, "xen417_lfvpci: vpci_add_register(0x%x): %d\n",
                    lfv_bench_regs[i].offset, rc);
            return rc;
        }
    }
    return 0;
}

static vpci_register_init_t *const bench_init_entry
    __attribute__((used, section("vpci_array"))) = bench_init;

static void dev24_teardown(void)
{
    vpci_remove_device(&bench_pdev);
    rcu_barrier();
}

static int dev24_setup(const struct lfv_bench_env *env)
{
    int rc;

    (void)env;
    bench_hw_reset();
    rc = vpci_add_handlers(&bench_pdev);
    if (rc)
        fprintf(stderr, "xen417_lfvpci: vpci_add_handlers: %d\n", rc);
    return rc;
}

#define BENCH_READ4(reg) vpci_read(bench_pdev.sbdf, (reg), 4)
#define BENCH_WRITE4(reg, val) vpci_write(bench_pdev.sbdf, (reg), 4, (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen417_lfvpci"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417_lfvpci", lfv_bench_nop, lfv_bench_nop);
