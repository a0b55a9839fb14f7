/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci with its own header and MSI-X emulation (lfv_header_hook,
 * lfv_msix_hook) over simulated devices with MSI-X enabled, assigned to a
 * guest: msix_mask (bench/workloads/msix_mask.h) on one device, and steady
 * (bench/workloads/steady.h) on LFV_STEADY_DEVS.  Table writes go through
 * lfv_msix_mmio_write() (region lookup under RCU, per-entry lock, binding
 * call), config reads through lfv_conf_read() of the guest.
 */
#include <stdbool.h>
#include <stdio.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "bench.h"

#define NDEVS 5 /* LFV_STEADY_DEVS + the churned one */
#define TABLE(d) (0xe0100000ull + 0x10000ull * (d))

/* One system per workload: msix_mask's (s[0]) and steady's (s[1]). */
struct bench_sys {
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *guest;
    lfv_sbdf_t vsbdf[NDEVS]; /* the guest's address of device d */
};

static struct bench_sys msix_sys, steady_sys;

static lfv_sbdf_t host_sbdf(unsigned int d)
{
    return LFV_SBDF(0, 1 + d, 0, 0);
}

/* The hypervisor's side, as cheap as it gets: measure the dispatch. */
static int bind(void *ctx, const struct lfv_vpci *v,
                const struct lfv_msi_vector *vec)
{
    (void)ctx, (void)v, (void)vec;
    return 0;
}

static void mask(void *ctx, const struct lfv_vpci *v,
                 const struct lfv_msi_vector *vec)
{
    (void)ctx, (void)v;
    __asm__ volatile("" : : "r"(vec) : "memory");
}

static const struct lfv_msi_ops ops = { .bind = bind, .mask = mask };

/* Plug host device d into the guest, MSI-X enabled (at 0x70 here). */
static int plug(struct bench_sys *s, unsigned int d)
{
    lfv_sbdf_t v;
    int rc = lfv_pdev_add(s->sys, host_sbdf(d));

    if (!rc)
        rc = lfv_pdev_assign(s->sys, host_sbdf(d), s->guest);
    if (!rc)
        rc = lfv_pdev_owner(s->sys, host_sbdf(d), NULL, &v);
    if (rc)
        return rc;
    __atomic_store_n(&s->vsbdf[d], v, __ATOMIC_RELAXED);
    lfv_conf_write(s->guest, v, 0x72, 2, 0x8000);
    return 0;
}

static int sys_setup(struct bench_sys *s, unsigned int ndevs)
{
    struct lfv_mmio_window w[LFV_MMIO_WINDOWS_MAX];
    struct lfv_system_params p = {
        .hw_ops = lfv_sim_hw_ops(), .arch = LFV_ARCH_X86, .windows = w,
    };
    int rc = lfv_sim_bridge_create(&s->br);

    p.hw = s->br;
    for (unsigned int d = 0; d < ndevs && !rc; d++) {
        const struct lfv_sim_device_desc dev = {
            .vendor = 0x8086, .device = 0x1572, .class_code = 0x020000,
            .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x4000, TABLE(d) } },
            .msix = { true, 64, 0, 0, 0, 0x2000 },
        };

        rc = lfv_sim_add(s->br, host_sbdf(d), &dev);
    }
    if (!rc) {
        p.nr_windows = lfv_sim_bridge_windows(s->br, w, LFV_MMIO_WINDOWS_MAX);
        rc = lfv_system_create(&p, &s->sys);
    }
    if (!rc)
        rc = lfv_system_add_hook(s->sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_system_add_hook(s->sys, &lfv_msix_hook);
    if (!rc)
        rc = lfv_system_set_msi_ops(s->sys, &ops, NULL);
    if (!rc)
        rc = lfv_domain_create(s->sys, 1, false, &s->guest);
    for (unsigned int d = 0; d < ndevs && !rc; d++)
        rc = plug(s, d);
    return rc;
}

static void sys_teardown(struct bench_sys *s)
{
    lfv_system_destroy(s->sys);
    lfv_sim_bridge_destroy(s->br);
    lfv_rcu_barrier();
}

/* --- msix_mask --------------------------------------------------------- */

static int msix_setup(const struct lfv_bench_env *env)
{
    (void)env;
    return sys_setup(&msix_sys, 1);
}

static void msix_teardown(void)
{
    sys_teardown(&msix_sys);
}

#define BENCH_MSIX_TABLE TABLE(0)
#define BENCH_MSIX_WRITE(addr, val)                                         \
    lfv_msix_mmio_write(msix_sys.guest, (addr), 4, (val))

/* --- steady ------------------------------------------------------------ */

static int steady_setup(const struct lfv_bench_env *env)
{
    (void)env;
    return sys_setup(&steady_sys, NDEVS);
}

static void steady_teardown(void)
{
    sys_teardown(&steady_sys);
}

static int steady_unplug(unsigned int d)
{
    return lfv_pdev_remove(steady_sys.sys, host_sbdf(d));
}

static int steady_replug(unsigned int d)
{
    return plug(&steady_sys, d);
}

#define BENCH_ST_READ(d, reg, size)                                         \
    lfv_conf_read(steady_sys.guest,                                         \
                  __atomic_load_n(&steady_sys.vsbdf[d], __ATOMIC_RELAXED),  \
                  (reg), (size))
#define BENCH_ST_MSIX_WRITE(d, entry, val)                                  \
    lfv_msix_mmio_write(steady_sys.guest, TABLE(d) + 16 * (entry) + 12, 4,  \
                        (val))

/* The module: RCU thread hooks, the workloads, its registration. */
#include "lfvpci_module.h"
