/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen_pcilock" (xen_pcilock.h) replaying a recorded
 * trace (bench/workloads/enumerate.h): the hardware domain's and the
 * guest's devices in their domains' lists (newest first, as Xen adds
 * them), the trace's registers on each with the shared cell handlers.
 * Copy c of the trace's devices (bench/trace_cells.h) is in its own two
 * domains, doms[c]: each its own lock and device list.
 */
#include "xen_pcilock.h"
#include "bench.h"
#include "trace_cells.h"

/*
 * A copy's two domains, hardware domain and guest, as the shared case
 * always had them; copies on lines of their own (a struct domain is a page
 * of its own in Xen: two domains' locks never share a line).
 */
static struct pl_copy {
    struct pl_domain d[2];
} __attribute__((aligned(128))) doms[LFV_TRACE_COPIES];
static struct pl_dev devs[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS];
static struct pl_domain *owner[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS];
static unsigned int tdevs, nbuilt;

/* Built in copy-major order: devs[k / tdevs][k % tdevs], k < nbuilt. */
static void trace_teardown(void)
{
    for (unsigned int k = 0; k < nbuilt; k++) {
        struct pl_dev *dev = &devs[k / tdevs][k % tdevs];

        remove_all_registers(dev);
        pthread_spin_destroy(&dev->lock);
    }
    nbuilt = 0;
    for (unsigned int c = 0; c < LFV_TRACE_COPIES; c++)
        for (unsigned int i = 0; i < 2; i++) {
            pthread_rwlock_destroy(&doms[c].d[i].pci_lock);
            doms[c].d[i].devs = NULL;
        }
}

static int trace_setup(const struct lfv_bench_env *env)
{
    const struct lfv_bench_trace *t = env->enumerate;
    int rc = 0;

    bench_hw_reset();
    tdevs = t->ndevs;
    for (unsigned int c = 0; c < LFV_TRACE_COPIES; c++)
        for (unsigned int i = 0; i < 2; i++) {
            pthread_rwlock_init(&doms[c].d[i].pci_lock, NULL);
            doms[c].d[i].guest = i == 1;
        }
    for (unsigned int c = 0; c < LFV_TRACE_COPIES && !rc; c++)
        for (unsigned int d = 0; d < t->ndevs && !rc; d++) {
            const struct lfv_bench_tdev *td = &t->devs[d];
            struct pl_domain *dom = &doms[c].d[td->dom];
            struct pl_dev *dev = &devs[c][d];

            pthread_spin_init(&dev->lock, PTHREAD_PROCESS_PRIVATE);
            nbuilt++;
            dev->sbdf = td->sbdf;
            owner[c][d] = dom;
            for (unsigned int i = 0; i < td->nregs && !rc; i++)
                rc = add_register(dev, pl_cell_read, pl_cell_write,
                                  td->regs[i].offset, td->regs[i].size,
                                  &tr_cells[c][d][i]);
            dev->next = dom->devs;
            dom->devs = dev;
        }
    if (rc)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(c, d, reg, size)                                      \
    pl_read(owner[c][d], devs[c][d].sbdf, (reg), (size))
#define BENCH_TR_WRITE(c, d, reg, size, val)                                \
    pl_write(owner[c][d], devs[c][d].sbdf, (reg), (size), (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen_pcilock"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen_pcilock", lfv_bench_nop, lfv_bench_nop);
