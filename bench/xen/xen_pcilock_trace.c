/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen_pcilock" (xen_pcilock.h) replaying a recorded
 * trace (bench/workloads/enumerate.h): the hardware domain's and the
 * guest's devices in their domains' lists (newest first, as Xen adds
 * them), the trace's registers on each with the shared cell handlers.
 */
#include "xen_pcilock.h"
#include "bench.h"
#include "trace_cells.h"

static struct pl_domain doms[2];
static struct pl_dev devs[LFV_TRACE_MAX_DEVS];
static struct pl_domain *owner[LFV_TRACE_MAX_DEVS];
static unsigned int ndevs;

static void trace_teardown(void)
{
    for (unsigned int d = 0; d < ndevs; d++) {
        remove_all_registers(&devs[d]);
        pthread_spin_destroy(&devs[d].lock);
    }
    ndevs = 0;
    for (unsigned int i = 0; i < 2; i++) {
        pthread_rwlock_destroy(&doms[i].pci_lock);
        doms[i].devs = NULL;
    }
}

static int trace_setup(const struct lfv_bench_env *env)
{
    const struct lfv_bench_trace *t = env->enumerate;
    int rc = 0;

    bench_hw_reset();
    for (unsigned int i = 0; i < 2; i++) {
        pthread_rwlock_init(&doms[i].pci_lock, NULL);
        doms[i].guest = i == 1;
    }
    for (unsigned int d = 0; d < t->ndevs && !rc; d++) {
        const struct lfv_bench_tdev *td = &t->devs[d];
        struct pl_dev *dev = &devs[d];

        pthread_spin_init(&dev->lock, PTHREAD_PROCESS_PRIVATE);
        ndevs = d + 1;
        dev->sbdf = td->sbdf;
        owner[d] = &doms[td->dom];
        for (unsigned int i = 0; i < td->nregs && !rc; i++)
            rc = add_register(dev, pl_cell_read, pl_cell_write,
                              td->regs[i].offset, td->regs[i].size,
                              &tr_cells[d][i]);
        dev->next = doms[td->dom].devs;
        doms[td->dom].devs = dev;
    }
    if (rc)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(d, reg, size)                                         \
    pl_read(owner[d], devs[d].sbdf, (reg), (size))
#define BENCH_TR_WRITE(d, reg, size, val)                                   \
    pl_write(owner[d], devs[d].sbdf, (reg), (size),   \
             (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen_pcilock"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen_pcilock", lfv_bench_nop, lfv_bench_nop);
