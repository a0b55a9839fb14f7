/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv_cap_policy.pm_dstate_to_hw lets a guest's PowerState reach the
 * hardware only on a device whose PMCSR has No_Soft_Reset.  Elsewhere a
 * D3hot -> D0 transition resets the function under the emulation: COMMAND
 * (INTx disable included, which no_guest_intx promises stays set), the
 * BARs (the state goes on mapping the old addresses; the next owner finds
 * them at 0) and MSI/MSI-X.  There the guest's D-state stays its own, as
 * without the option.  A: no No_Soft_Reset; B: with it.
 */
#include <lfvpci/caps.h>
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/sim_system.h"

#define PMCSR 0x44 /* the simulator's PM capability is at 0x40 */

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0000000 } },
    .pm = true,
};

static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x8086, .device = 0x1235, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .pm = true, .pm_no_soft_reset = true,
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0), B = LFV_SBDF(0, 2, 0, 0);

int main(void)
{
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A, B }, .dev = { &dev_a, &dev_b },
        .hooks = { &lfv_header_hook },
    };
    const struct lfv_cap_policy pol = { .pm_dstate_to_hw = true };
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *g;
    lfv_sbdf_t va, vb;

    lfv_rcu_register_thread();
    sim_system_create(&p, &br, &sys);
    sim_domains_create(&p, sys, &hwdom, &g);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &pol), 0);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, B, &pol), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, g), 0);
    CHECK_EQ(lfv_pdev_owner(sys, A, NULL, &va), 0);
    CHECK_EQ(lfv_pdev_owner(sys, B, NULL, &vb), 0);

    /* D3hot: A's stays the guest's, B's reaches the device */
    lfv_conf_write(g, va, PMCSR, 2, 3);
    lfv_conf_write(g, vb, PMCSR, 2, 3);
    CHECK_EQ(lfv_conf_read(g, va, PMCSR, 2) & 3, 3);
    CHECK_EQ(lfv_conf_read(g, vb, PMCSR, 2) & 0xb, 0xb);
    CHECK_EQ(lfv_sim_cfg_read(br, A, PMCSR, 2) & 3, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, B, PMCSR, 2) & 3, 3);
    lfv_conf_write(g, va, PMCSR, 2, 0);
    lfv_conf_write(g, vb, PMCSR, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, B, PMCSR, 2) & 3, 0);

    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
