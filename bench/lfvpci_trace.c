/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci replaying a recorded trace (bench/workloads/enumerate.h): one
 * system, the hardware domain and a guest per copy of the trace's devices;
 * every trace device is a physical device whose one hook emulates the
 * trace's registers for it with the shared cell handlers
 * (bench/trace_cells.h).  Copy c's hardware-domain devices sit at their
 * recorded addresses, device number + 8c (tr_copy_sbdf(): all on segment
 * 0, so that every copy's lookups cost what copy 0's do); each of its
 * guest devices is a separate physical device (bus 0xf0 + 2c on),
 * assigned to guest c (domain id c + 1) in trace order, reached at the
 * virtual address the guest gives it.  The system allows one hardware
 * domain: every copy's hardware-domain devices are its, which shares
 * nothing written (its reads write nothing, a write locks its device
 * only).  Accesses enter as trapped accesses do:
 * lfv_conf_read/write(domain, SBDF, ...).
 */
#include <errno.h>
#include <stdio.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "bench.h"
#include "bench_hw.h"
#include "lfvpci_cells.h"
#include "trace_cells.h"

static struct lfv_system *sys;
static struct lfv_domain *hwdom, *guests[LFV_TRACE_COPIES];
static const struct lfv_bench_trace *trace;
/* Per copy c and trace device d: */
static lfv_sbdf_t phys[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS]; /* host address */
static lfv_sbdf_t addr[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS]; /* its domain's */
static struct lfv_domain *owner[LFV_TRACE_COPIES][LFV_TRACE_MAX_DEVS];

/* The trace device at v's host address gets its copy's registers. */
static int hook_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    for (unsigned int k = 0; k < LFV_TRACE_COPIES * trace->ndevs; k++) {
        unsigned int c = k / trace->ndevs, d = k % trace->ndevs;
        const struct lfv_bench_tdev *t = &trace->devs[d];
        int rc = 0;

        if (phys[c][d] != lfv_vpci_sbdf(v))
            continue;
        for (unsigned int i = 0; i < t->nregs && !rc; i++) {
            const struct lfv_reg_desc r = {
                .read = cell_read, .write = cell_write,
                .data = &tr_cells[c][d][i],
                .offset = t->regs[i].offset, .size = t->regs[i].size,
            };

            rc = lfv_regs_edit_add(e, &r);
        }
        return rc;
    }
    return 0;
}

static const struct lfv_vpci_hook trace_hook = { .name = "trace",
                                                 .init = hook_init };

static void trace_teardown(void)
{
    lfv_system_destroy(sys);
    sys = NULL;
    lfv_rcu_barrier();
}

static int trace_setup(const struct lfv_bench_env *env)
{
    /* the recorded probe gives guests every shared device, bridges too */
    const struct lfv_system_params p = { .hw_ops = &hw_ops,
                                         .guest_bridges = true };
    int rc;

    trace = env->enumerate;
    bench_hw_reset();
    memset(phys, 0xff, sizeof(phys)); /* no device's, until set */
    rc = lfv_system_create(&p, &sys);
    if (!rc)
        rc = lfv_system_add_hook(sys, &trace_hook);
    if (!rc)
        rc = lfv_domain_create(sys, 0, true, &hwdom);
    for (unsigned int c = 0; c < LFV_TRACE_COPIES && !rc; c++)
        rc = lfv_domain_create(sys, c + 1, false, &guests[c]);
    for (unsigned int c = 0; c < LFV_TRACE_COPIES && !rc; c++)
        for (unsigned int d = 0; d < trace->ndevs && !rc; d++) {
            const struct lfv_bench_tdev *t = &trace->devs[d];
            lfv_sbdf_t at = LFV_SBDF(0, 0xf0 + 2 * c + d / 32, d % 32, 0);

            if (!t->dom && tr_copy_sbdf(t->sbdf, c, &at)) {
                fprintf(stderr, "lfvpci: trace device %s: not on segment 0 "
                        "below device 8\n", t->name);
                rc = -EINVAL;
                break;
            }
            phys[c][d] = at;
            owner[c][d] = t->dom ? guests[c] : hwdom;
            rc = lfv_pdev_add(sys, at);
            if (!rc && t->dom)
                rc = lfv_pdev_assign(sys, at, guests[c]);
            if (!rc)
                rc = lfv_pdev_owner(sys, at, NULL, &addr[c][d]);
        }
    if (rc && sys)
        trace_teardown();
    return rc;
}

#define BENCH_TR_READ(c, d, reg, size)                                      \
    lfv_conf_read(owner[c][d], addr[c][d], (reg), (size))
#define BENCH_TR_WRITE(c, d, reg, size, val)                                \
    lfv_conf_write(owner[c][d], addr[c][d], (reg), (size), (val))

/* The module: RCU thread hooks, the workloads, its registration. */
#include "lfvpci_module.h"
