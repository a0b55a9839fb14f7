/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417" replaying a recorded trace
 * (bench/workloads/enumerate.h) through Xen 4.17.5's own vpci_read() and
 * vpci_write(): the hardware domain's devices on the segment's device list
 * (newest first, as Xen's alloc_pdev() adds them), the guest's on the
 * guest's list (xen_emul.h, XEN_EMUL_GUESTS), the trace's registers on
 * each with the shared cell handlers.
 */
#include "xen_emul.h"
#include "bench.h"
#include "trace_cells.h"
#include "xen417_dev.h"

static struct pci_dev pdevs[LFV_TRACE_MAX_DEVS];
static uint16_t regs[LFV_TRACE_MAX_DEVS][LFV_TRACE_MAX_REGS][2];
static unsigned int nregs[LFV_TRACE_MAX_DEVS], ndevs;

static void trace_teardown(void)
{
    for (unsigned int d = 0; d < ndevs; d++) {
        x_dev_fini(&pdevs[d], regs[d], nregs[d]);
        list_del(pdevs[d].sbdf.seg ? &pdevs[d].domain_list
                                   : &pdevs[d].alldevs_list);
    }
    ndevs = 0;
}

static int trace_setup(const struct lfv_bench_env *env)
{
    const struct lfv_bench_trace *t = env->enumerate;
    int rc = 0;

    bench_hw_reset();
    for (unsigned int d = 0; d < t->ndevs && !rc; d++) {
        const struct lfv_bench_tdev *td = &t->devs[d];
        struct pci_dev *pdev = &pdevs[d];

        nregs[d] = td->nregs;
        for (unsigned int i = 0; i < td->nregs; i++) {
            regs[d][i][0] = td->regs[i].offset;
            regs[d][i][1] = td->regs[i].size;
        }
        pdev->sbdf.sbdf = td->sbdf | (uint32_t)td->dom << 16;
        rc = x_dev_init(pdev, regs[d], nregs[d], tr_cells[d]);
        if (rc)
            break;
        if (td->dom)
            list_add(&pdev->domain_list, &xen417_guestdevs);
        else
            list_add(&pdev->alldevs_list, &xen417_alldevs);
        ndevs = d + 1;
    }
    if (rc)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(d, reg, size) vpci_read(pdevs[d].sbdf, (reg), (size))
#define BENCH_TR_WRITE(d, reg, size, val)                                   \
    vpci_write(pdevs[d].sbdf, (reg), (size), (val))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen417"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417", lfv_bench_nop, lfv_bench_nop);
