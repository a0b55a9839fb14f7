/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * msix_mask on lfvpci: a guest owning a simulated device with MSI-X
 * enabled; every write goes through lfv_msix_mmio_write() (region lookup
 * under RCU, per-entry lock, binding call).
 */
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "msix_impl.h"

#define TABLE 0xe0100000ull

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *guest;
static const lfv_sbdf_t sbdf = LFV_SBDF(0, 1, 0, 0);

static const struct lfv_sim_device_desc dev = {
    .vendor = 0x8086, .device = 0x1572, .class_code = 0x020000,
    .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .msix = { true, LFV_BENCH_MSIX_ENTRIES, 0, 0, 0, 0x2000 },
};

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

static int setup(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };
    int rc;

    lfv_rcu_register_thread();
    rc = lfv_sim_bridge_create(&br);
    p.hw = br;
    if (!rc)
        rc = lfv_sim_add(br, sbdf, &dev);
    if (!rc)
        rc = lfv_system_create(&p, &sys);
    if (!rc)
        rc = lfv_system_add_hook(sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_system_add_hook(sys, &lfv_msix_hook);
    if (!rc)
        rc = lfv_system_set_msi_ops(sys, &ops, NULL);
    if (!rc)
        rc = lfv_domain_create(sys, 1, false, &guest);
    if (!rc)
        rc = lfv_pdev_add(sys, sbdf);
    if (!rc)
        rc = lfv_pdev_assign(sys, sbdf, guest);
    if (!rc) /* MSI-X enable, at 0x70 in the simulated layout */
        lfv_conf_write(guest, LFV_SBDF(0, 0, 0, 0), 0x72, 2, 0x8000);
    lfv_rcu_unregister_thread();
    return rc;
}

static void teardown(void)
{
    lfv_rcu_register_thread();
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
}

static void thread_init(void)
{
    lfv_rcu_register_thread();
}

static void thread_exit(void)
{
    lfv_rcu_unregister_thread();
}

static uint64_t run(unsigned int thread, uint64_t iters)
{
    uint64_t ctrl = TABLE + 16 * ((4 * thread) % LFV_BENCH_MSIX_ENTRIES) + 12;
    uint64_t ok = 0;

    for (uint64_t i = 0; i < iters; i++)
        ok += !lfv_msix_mmio_write(guest, ctrl, 4, i & 1);
    lfv_rcu_quiescent_state();
    return ok;
}

__attribute__((visibility("default")))
const struct lfv_bench_msix_impl lfv_bench_msix_impl = {
    .name = "lfvpci",
    .setup = setup,
    .teardown = teardown,
    .thread_init = thread_init,
    .thread_exit = thread_exit,
    .run = run,
};
