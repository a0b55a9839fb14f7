/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Assignment without an IOMMU (struct lfv_system_params.no_iommu, Xen's
 * opt-in test mode, GUEST-PLAN.md 1.2): a guest's COMMAND.MASTER reads
 * back what the guest wrote but never reaches the hardware, whatever the
 * guest does; decoding still works.  Without the flag, and for the
 * hardware domain, MASTER goes to the hardware as before.
 */
#include <errno.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_system.h"

#define CMD 0x04
#define MEM 0x2
#define MASTER 0x4

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x20000, 0xe0000000 } },
    .msi = { true, true, true, 1 },
};

static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0), B = LFV_SBDF(0, 2, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

/* One system; the guest's MASTER in hardware after each of its writes. */
static void run(bool no_iommu)
{
    const uint16_t writes[] = { MASTER, MASTER | MEM, 0xffff, MEM, 0,
                                MASTER };
    const struct lfv_system_params base = { .no_iommu = no_iommu };
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A, B }, .dev = { &dev_a, &dev_b },
        .hooks = { &lfv_header_hook }, .base = &base,
    };
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *g;

    sim_system_create(&p, &br, &sys);
    sim_domains_create(&p, sys, &hwdom, &g);

    /* the hardware domain sets MASTER in the hardware either way */
    lfv_conf_write(hwdom, A, CMD, 2, MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER, MASTER);

    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER, 0); /* reset */
    for (unsigned int i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
        uint16_t w = writes[i];

        lfv_conf_write(g, VS0, CMD, 2, w);
        /* the guest's view: what it wrote (of the bits it controls) */
        CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & (MASTER | MEM),
                 w & (MASTER | MEM));
        /* the hardware: MASTER only with an IOMMU; decoding as written */
        CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER,
                 no_iommu ? 0 : w & MASTER);
        CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MEM, w & MEM);
        CHECK_EQ(lfv_p2m_translate(lfv_domain_p2m(g), 0xe0000, NULL),
                 !!(w & MEM));
    }
    /* a byte write of COMMAND's low byte, the same */
    lfv_conf_write(g, VS0, CMD, 1, MASTER);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 1) & MASTER, MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER,
             no_iommu ? 0 : MASTER);

    /* back to the hardware domain: its MASTER reaches the hardware */
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    lfv_conf_write(hwdom, A, CMD, 2, MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER, MASTER);

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
