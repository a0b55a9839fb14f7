/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci on the 24-register device (bench/workloads/config24.h), built
 * once per RCU backend.  Accesses use the hardware-domain policy so that
 * read_gap reaches the simulated hardware, as in Xen 4.17.
 *
 * Built with LFV_BENCH_VIA_SBDF, every access enters as a trapped access
 * does: lfv_conf_read(domain, SBDF, ...) finds the device in the system's
 * SBDF radix tree first (the "lfvpci_sbdf" implementation).  Without it,
 * accesses start from the device (lfv_vdev_read), the engine's dispatch
 * proper.
 */
#include <lfvpci/access.h>
#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "bench.h"
#include "bench_hw.h"
#include "device24.h"
#include "lfvpci_cells.h"

#ifdef LFV_BENCH_VIA_SBDF
static struct lfv_system *sys;
static struct lfv_domain *hwdom;
static const lfv_sbdf_t sbdf = LFV_SBDF(0, LFV_BENCH_SBDF_BUS,
                                        LFV_BENCH_SBDF_DEV, LFV_BENCH_SBDF_FN);
#endif

static int add_registers(struct lfv_regs_edit *e)
{
    int rc = 0;

    for (unsigned int i = 0; i < 24 && !rc; i++) {
        const struct lfv_reg_desc d = {
            .read = cell_read, .write = cell_write, .data = &bench_cells[i],
            .offset = lfv_bench_regs[i].offset, .size = lfv_bench_regs[i].size,
        };

        rc = lfv_regs_edit_add(e, &d);
    }
    return rc;
}

#ifdef LFV_BENCH_VIA_SBDF
static int hook_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    (void)v;
    return add_registers(e);
}

static const struct lfv_vpci_hook bench_hook = { .name = "bench",
                                                 .init = hook_init };

static int dev24_setup(const struct lfv_bench_env *env)
{
    const struct lfv_system_params p = { .hw_ops = &hw_ops };
    int rc;

    (void)env;
    bench_hw_reset();
    rc = lfv_system_create(&p, &sys);
    if (!rc)
        rc = lfv_system_add_hook(sys, &bench_hook);
    if (!rc)
        rc = lfv_domain_create(sys, 0, true, &hwdom);
    if (!rc)
        rc = lfv_pdev_add(sys, sbdf);
    return rc;
}

static void dev24_teardown(void)
{
    lfv_system_destroy(sys);
}

#define BENCH_READ4(reg) lfv_conf_read(hwdom, sbdf, (reg), 4)
#define BENCH_WRITE4(reg, val) lfv_conf_write(hwdom, sbdf, (reg), 4, (val))
#else
static struct lfv_vdev *dev;

static int dev24_setup(const struct lfv_bench_env *env)
{
    const struct lfv_vdev_params p = {
        .sbdf = LFV_SBDF(0, LFV_BENCH_SBDF_BUS, LFV_BENCH_SBDF_DEV,
                         LFV_BENCH_SBDF_FN),
        .hw_ops = &hw_ops,
    };
    struct lfv_regs_edit *e;
    int rc;

    (void)env;
    bench_hw_reset();
    rc = lfv_vdev_create(&p, &dev);
    if (rc)
        return rc;
    rc = lfv_regs_edit_begin(dev, &e);
    if (rc)
        return rc;
    rc = add_registers(e);
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

static void dev24_teardown(void)
{
    lfv_vdev_destroy(dev);
    dev = NULL;
    lfv_rcu_barrier();
}

#define BENCH_READ4(reg) lfv_vdev_read(dev, (reg), 4, LFV_GAP_HW)
#define BENCH_WRITE4(reg, val) lfv_vdev_write(dev, (reg), 4, (val), LFV_GAP_HW)
#endif

/* The module: RCU thread hooks, the workloads, its registration. */
#include "lfvpci_module.h"
