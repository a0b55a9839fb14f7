/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark module "xen417_lfvpci" replaying a recorded trace
 * (bench/workloads/enumerate.h): Xen 4.17.5's vpci.c with the lfvpci
 * series, as xen417_lfvpci.c, one device per trace device built by
 * vpci_add_handlers() and found through the SBDF registry.  4.17 has no
 * vPCI for guests: as in xen417_trace.c, a guest's device is one of the
 * hardware domain's at segment 1 whose gaps read as all-ones
 * (xen_lfvpci_emul.h, XEN_EMUL_GUESTS).  Copy c of the trace's devices
 * (bench/trace_cells.h), all in the one registry: the hardware domain's at
 * their recorded addresses, device number + 8c (tr_copy_sbdf(): segment
 * 0, the registry's shortcut, as copy 0), guest c's on segment 2c + 1.
 */
#include <stdio.h>

#include "xen_lfvpci_emul.h"
#include "bench.h"
#include "trace_cells.h"
#include "xen_cells.h"

static struct domain hwdom = { .domain_id = 0 };
const struct vcpu xen417_vcpu = { .domain = &hwdom };

#include "xen417_lfvpci_rcu.h"

static const struct lfv_bench_trace *trace;
static struct pci_dev pdevs[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS];
static unsigned int nbuilt;

/* The trace device's registers, found by vpci_add_handlers() as in Xen. */
static int trace_init(struct pci_dev *pdev)
{
    unsigned int k = (unsigned int)(pdev - &pdevs[0][0]);
    unsigned int c = k / LFV_TRACE_MAX_DEVS, d = k % LFV_TRACE_MAX_DEVS;
    const struct lfv_bench_tdev *t = &trace->devs[d];

    for (unsigned int i = 0; i < t->nregs; i++) {
        int rc = vpci_add_register(pdev->vpci, cell_read, cell_write,
                                   t->regs[i].offset, t->regs[i].size,
                                   &tr_cells[c][d][i]);

        if (rc) {
            fprintf(stderr, "xen417_lfvpci: vpci_add_register(0x%x): %d\n",
                    t->regs[i].offset, rc);
            return rc;
        }
    }
    return 0;
}

static vpci_register_init_t *const trace_init_entry
    __attribute__((used, section("vpci_array"))) = trace_init;

/* Built in copy-major order: k < nbuilt, k / ndevs the copy. */
static void trace_teardown(void)
{
    for (unsigned int k = 0; k < nbuilt; k++)
        vpci_remove_device(&pdevs[k / trace->ndevs][k % trace->ndevs]);
    nbuilt = 0;
    rcu_barrier();
}

static int trace_setup(const struct lfv_bench_env *env)
{
    int rc = 0;

    trace = env->enumerate;
    bench_hw_reset();
    for (unsigned int c = 0; c < LFV_TRACE_COPIES && !rc; c++)
        for (unsigned int d = 0; d < trace->ndevs && !rc; d++) {
            const struct lfv_bench_tdev *t = &trace->devs[d];
            struct pci_dev *pdev = &pdevs[c][d];

            if (t->dom) {
                pdev->sbdf.sbdf = t->sbdf | (2 * c + 1) << 16;
            } else if (tr_copy_sbdf(t->sbdf, c, &pdev->sbdf.sbdf)) {
                fprintf(stderr, "xen417_lfvpci: trace device %s: not on "
                        "segment 0 below device 8\n", t->name);
                rc = -EINVAL;
                break;
            }
            pdev->domain = &hwdom;
            rc = vpci_add_handlers(pdev);
            if (rc)
                fprintf(stderr, "xen417_lfvpci: vpci_add_handlers: %d\n", rc);
            else
                nbuilt++;
        }
    if (rc)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(c, d, reg, size)                                      \
    vpci_read(pdevs[c][d].sbdf, (reg), (size))
#define BENCH_TR_WRITE(c, d, reg, size, val)                                \
    vpci_write(pdevs[c][d].sbdf, (reg), (size), (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen417_lfvpci"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417_lfvpci", lfv_bench_nop, lfv_bench_nop);
