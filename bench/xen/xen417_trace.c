/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417" replaying a recorded trace
 * (bench/workloads/enumerate.h) through Xen 4.17.5's own vpci_read() and
 * vpci_write(): the hardware domain's devices on the segment's device list
 * (newest first, as Xen's alloc_pdev() adds them), the guest's on the
 * guest's list (xen_emul.h, XEN_EMUL_GUESTS), the trace's registers on
 * each with the shared cell handlers.  Copy c of the trace's devices
 * (bench/trace_cells.h) is on segments 2c (the hardware domain's, with its
 * own device list) and 2c + 1 (guest c's): this module, vpci.c included,
 * is built with XEN_EMUL_SEGS (bench/xen/CMakeLists.txt).
 */
#include "xen_emul.h"
#include "bench.h"
#include "trace_cells.h"
#include "xen417_dev.h"

/*
 * xen420_trace.c builds this file with 4.20.4's vpci.c and its own name,
 * owners and accessing domains (X_IMPL, X_OWN, X_ENTER); here they are
 * 4.17.5's: the hardware domain's vCPU makes every access.
 */
#ifndef X_IMPL
#define X_IMPL "xen417"
#define X_OWN(pdev) ((void)(pdev))
#define X_ENTER(pdev) ((void)0)
#endif

static struct pci_dev pdevs[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS];
static uint16_t regs[LFV_TRACE_MAX_DEVS][LFV_TRACE_MAX_REGS][2];
static unsigned int nregs[LFV_TRACE_MAX_DEVS], tdevs, nbuilt;

/* Built in copy-major order: pdevs[k / tdevs][k % tdevs], k < nbuilt. */
static void trace_teardown(void)
{
    for (unsigned int k = 0; k < nbuilt; k++) {
        unsigned int d = k % tdevs;
        struct pci_dev *pdev = &pdevs[k / tdevs][d];

        x_dev_fini(pdev, regs[d], nregs[d]);
        list_del(pdev->sbdf.seg & 1 ? &pdev->domain_list
                                    : &pdev->alldevs_list);
    }
    nbuilt = 0;
}

static int trace_setup(const struct lfv_bench_env *env)
{
    const struct lfv_bench_trace *t = env->enumerate;
    int rc = 0;

    bench_hw_reset();
    tdevs = t->ndevs;
    for (unsigned int d = 0; d < t->ndevs && !rc; d++) {
        const struct lfv_bench_tdev *td = &t->devs[d];

        nregs[d] = td->nregs;
        for (unsigned int i = 0; i < td->nregs; i++) {
            regs[d][i][0] = td->regs[i].offset;
            regs[d][i][1] = td->regs[i].size;
        }
        if (td->sbdf >> 16) {
            fprintf(stderr, X_IMPL ": trace device %s: not on segment 0\n",
                    td->name);
            return -EINVAL;
        }
    }
    for (unsigned int c = 0; c < LFV_TRACE_COPIES && !rc; c++)
        for (unsigned int d = 0; d < t->ndevs && !rc; d++) {
            const struct lfv_bench_tdev *td = &t->devs[d];
            struct pci_dev *pdev = &pdevs[c][d];

            pdev->sbdf.sbdf = td->sbdf | (2 * c + td->dom) << 16;
            rc = x_dev_init(pdev, regs[d], nregs[d], tr_cells[c][d]);
            if (rc)
                break;
            X_OWN(pdev);
            if (td->dom)
                list_add(&pdev->domain_list, &xen417_segdevs[2 * c + 1]);
            else
                list_add(&pdev->alldevs_list, &xen417_segdevs[2 * c]);
            nbuilt++;
        }
    if (rc)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(c, d, reg, size)                                      \
    (X_ENTER(&pdevs[c][d]), vpci_read(pdevs[c][d].sbdf, (reg), (size)))
#define BENCH_TR_WRITE(c, d, reg, size, val)                                \
    (X_ENTER(&pdevs[c][d]), vpci_write(pdevs[c][d].sbdf, (reg), (size), (val)))
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL X_IMPL
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE(X_IMPL, lfv_bench_nop, lfv_bench_nop);
