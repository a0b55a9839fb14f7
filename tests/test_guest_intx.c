/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guests that get no INTx (struct lfv_system_params.no_guest_intx, Xen on
 * Arm): a guest's COMMAND.INTX_DISABLE reads back what the guest wrote but
 * stays set in the hardware from the assignment on, whatever the guest
 * writes, so that its device never asserts the host's interrupt line
 * (which the hardware domain's devices share).  Without the flag the bit
 * reaches the hardware as written; the hardware domain's always does.
 */
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_cap.h"
#include "tests/sim_system.h"

#define CMD 0x04
#define MEM 0x2
#define INTX_OFF 0x400

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x20000, 0xe0000000 } },
    .msi = { true, true, true, 1 },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static void run(bool no_guest_intx)
{
    const uint16_t writes[] = { 0, INTX_OFF, 0xffff, MEM, 0, INTX_OFF | MEM };
    const struct lfv_system_params base = { .no_guest_intx = no_guest_intx };
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A }, .dev = { &dev_a },
        .hooks = { &lfv_header_hook, &lfv_msi_hook }, .base = &base,
    };
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *g;
    unsigned int msi;

    sim_system_create(&p, &br, &sys);
    sim_domains_create(&p, sys, &hwdom, &g);
    msi = sim_find_cap(br, A, 0x05);
    CHECK(msi != 0);

    /* the hardware domain leaves INTx enabled: the hardware has it so */
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF, 0);

    /* from the assignment on, INTx off in the hardware with the flag */
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF,
             no_guest_intx ? INTX_OFF : 0);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & INTX_OFF, 0);
    for (unsigned int i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        lfv_conf_write(g, VS0, CMD, 2, writes[i]);
        /* the guest reads back what it wrote */
        CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & (INTX_OFF | MEM),
                 writes[i] & (INTX_OFF | MEM));
        CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF,
                 no_guest_intx ? INTX_OFF : writes[i] & INTX_OFF);
        CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MEM, writes[i] & MEM);
    }
    /* MSI enabled then disabled: forcing ends, the flag's does not */
    lfv_conf_write(g, VS0, CMD, 2, 0);
    lfv_conf_write(g, VS0, msi + 2, 2, 1);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & INTX_OFF, INTX_OFF);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF, INTX_OFF);
    lfv_conf_write(g, VS0, msi + 2, 2, 0);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & INTX_OFF, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF,
             no_guest_intx ? INTX_OFF : 0);

    /* back to the hardware domain: its INTX_DISABLE reaches the hardware */
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF, 0);
    lfv_conf_write(hwdom, A, CMD, 2, INTX_OFF);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_OFF, INTX_OFF);

    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

int main(void)
{
    lfv_rcu_register_thread();
    run(false);
    run(true);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
