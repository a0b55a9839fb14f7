/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen_pcilock" (xen_pcilock.h: Xen 4.19+'s locking,
 * reproduced) on the 24-register device (bench/workloads/config24.h), as
 * the hardware domain.
 */
#define PL_NO_GUESTS
#include "xen_pcilock.h"
#include "bench.h"
#include "device24.h"

static struct pl_domain hwdom;
static struct pl_dev bench_dev;

static const uint32_t bench_sbdf = (LFV_BENCH_SBDF_BUS << 8) |
                                   (LFV_BENCH_SBDF_DEV << 3) |
                                   LFV_BENCH_SBDF_FN;

static void dev24_teardown(void)
{
    if (!hwdom.devs)
        return;
    remove_all_registers(&bench_dev);
    hwdom.devs = NULL;
    pthread_spin_destroy(&bench_dev.lock);
    pthread_rwlock_destroy(&hwdom.pci_lock);
}

static int dev24_setup(const struct lfv_bench_env *env)
{
    (void)env;
    bench_hw_reset();
    if (pthread_rwlock_init(&hwdom.pci_lock, NULL))
        return -1;
    pthread_spin_init(&bench_dev.lock, PTHREAD_PROCESS_PRIVATE);
    bench_dev.sbdf = bench_sbdf;
    bench_dev.regs = NULL;
    bench_dev.next = NULL;
    hwdom.devs = &bench_dev;

    for (unsigned int i = 0; i < 24; i++) {
        int rc = add_register(&bench_dev, pl_cell_read, pl_cell_write,
                              lfv_bench_regs[i].offset, lfv_bench_regs[i].size,
                              &bench_cells[i]);

        if (rc) {
            fprintf(stderr, "xen_pcilock: add_register(0x%x): %d\n",
                    lfv_bench_regs[i].offset, rc);
            dev24_teardown();
            return rc;
        }
    }
    return 0;
}

#define BENCH_READ4(reg) pl_read(&hwdom, bench_sbdf, (reg), 4)
#define BENCH_WRITE4(reg, val) pl_write(&hwdom, bench_sbdf, (reg), 4, (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen_pcilock"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen_pcilock", lfv_bench_nop, lfv_bench_nop);
