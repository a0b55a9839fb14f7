/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What lfv_pdev_assign() never gives a guest, and what a refusal keeps.
 *
 * Bridges and host bridges (-EPERM): a bridge's COMMAND and control
 * registers gate the devices behind it, which other domains may own, and
 * a guest's state would start by turning its decoding and bus mastering
 * off; a host bridge is the host's.  The hardware domain may own them;
 * lfv_system_params.guest_bridges (simulations) lets guests have them.
 *
 * An SR-IOV physical function whose VFs are enabled never goes to a guest
 * (<lfvpci/domain.h>, lfv_pdev_assign(): -EBUSY).  Its driver administers
 * the VFs (their resources, filters and resets, through the PF's BARs),
 * and they are devices of their own that other domains may own.  The
 * refusal loses nothing: the device keeps its owner, its state and its
 * hardware.  Once the host disables the VFs the PF may go; the hardware
 * domain may own it either way.  The SR-IOV capability is found where the
 * hardware's extended chain has it, and a malformed chain ends the walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/shared_data.h"
#include "tests/sim_cfg.h"

#define CMD 0x04
#define MEM 0x2
#define MASTER 0x4
#define VFE 0x1
#define VF_MSE 0x8

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

static const lfv_sbdf_t P = LFV_SBDF(0, 3, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

/* guest_bridges: a simulation's guests may own bridges */
static void setup_with(bool guest_bridges)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops(),
                                   .guest_bridges = guest_bridges };

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
}

static void setup(void)
{
    setup_with(false);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

static unsigned int owner(lfv_sbdf_t s)
{
    unsigned int domid = 0xdead;

    CHECK_EQ(lfv_pdev_owner(sys, s, &domid, NULL), 0);
    return domid;
}

#define REGION0 "\tRegion 0: Memory at e1000000 (32-bit, non-prefetchable) " \
                "[size=4K]\n"

/* A PF with the SR-IOV capability at sriov (control: ctrl), DSN first. */
static void add_pf(unsigned int sriov, uint16_t ctrl)
{
    static uint8_t cfg[4096];

    memset(cfg, 0, sizeof(cfg));
    sim_cfg_put(cfg, 0x00, 4, 0x10c98086);
    sim_cfg_put(cfg, 0x08, 4, 0x02000001);
    sim_cfg_put(cfg, 0x10, 4, 0xe1000000);
    if (sriov != 0x100)
        sim_cfg_put(cfg, 0x100, 4, sriov << 20 | 0x00010003); /* DSN */
    sim_cfg_put(cfg, sriov, 4, 0x00010010);
    sim_cfg_put(cfg, sriov + 0x08, 2, ctrl);
    sim_cfg_put(cfg, sriov + 0x0c, 2, 7); /* InitialVFs */
    sim_cfg_put(cfg, sriov + 0x10, 2, 7); /* NumVFs */
    CHECK_EQ(sim_cfg_add(br, P, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
}

static void gone(void)
{
    CHECK_EQ(lfv_pdev_remove(sys, P), 0);
    CHECK_EQ(lfv_sim_remove(br, P), 0);
}

/* Refused, from the hardware domain, from nobody and from a guest. */
static void test_refused(void)
{
    setup();
    add_pf(0x140, VFE | VF_MSE);
    CHECK_EQ(lfv_pdev_assign(sys, P, hwdom), 0); /* the host's: fine */
    lfv_conf_write(hwdom, P, CMD, 2, MEM | MASTER);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    /* nothing lost: the owner, its view, the hardware */
    CHECK_EQ(owner(P), 0);
    CHECK_EQ(lfv_domain_nr_devices(g1), 0);
    CHECK_EQ(lfv_conf_read(hwdom, P, 0x00, 4), 0x10c98086);
    CHECK_EQ(lfv_sim_cfg_read(br, P, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x148, 2), VFE | VF_MSE);
    CHECK_EQ(lfv_conf_read(g1, VS0, 0x00, 4), 0xffffffffu);

    CHECK_EQ(lfv_pdev_assign(sys, P, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    CHECK_EQ(owner(P), LFV_DOMID_INVALID);

    /* the host disables its VFs: the PF may go, and the guest sees no
       SR-IOV (its body reads all-ones, the chain ends at DSN) */
    lfv_sim_cfg_write(br, P, 0x148, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x148, 2), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    CHECK_EQ(owner(P), 1);
    CHECK_EQ(lfv_conf_read(g1, VS0, 0x100, 4), 0x00010003);
    CHECK_EQ(lfv_conf_read(g1, VS0, 0x148, 2), 0xffff);
    lfv_conf_write(g1, VS0, 0x148, 2, VFE);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x148, 2), 0);

    /* VFs enabled under the guest (by the host, behind its back): the PF
       goes to no other guest, and stays the guest's, intact */
    lfv_sim_cfg_write(br, P, 0x148, 2, VFE);
    CHECK_EQ(lfv_pdev_assign(sys, P, g2), -EBUSY);
    CHECK_EQ(owner(P), 1);
    CHECK_EQ(lfv_conf_read(g1, VS0, 0x00, 4), 0x10c98086);
    CHECK_EQ(lfv_pdev_assign(sys, P, hwdom), 0);
    CHECK_EQ(owner(P), 0);
    gone();
    teardown();
}

/* Where the chain has it: first, or behind another; VF MSE alone is no VF. */
static void test_found(void)
{
    setup();
    add_pf(0x100, VFE);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    gone();
    add_pf(0x400, VFE);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    gone();
    add_pf(0x140, VF_MSE);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();
    teardown();
}

/*
 * Malformed extended chains end the walk (a loop, a pointer into the
 * PCI-compatible space) and the assignment goes on: the host's PCI code
 * walks the same chain, so an SR-IOV capability it cannot reach is one
 * whose VFs it never enabled.
 */
static void test_malformed(void)
{
    static uint8_t cfg[4096];

    setup();
    memset(cfg, 0, sizeof(cfg));
    sim_cfg_put(cfg, 0x00, 4, 0x10c98086);
    sim_cfg_put(cfg, 0x08, 4, 0x02000001);
    sim_cfg_put(cfg, 0x10, 4, 0xe1000000);
    sim_cfg_put(cfg, 0x100, 4, 0x14010003); /* DSN, next 0x140 */
    sim_cfg_put(cfg, 0x140, 4, 0x1001000b); /* VSEC, next 0x100: a loop */
    sim_cfg_put(cfg, 0x144, 4, 0x00800001);
    sim_cfg_put(cfg, 0x200, 4, 0x00010010); /* SR-IOV, unreachable */
    sim_cfg_put(cfg, 0x208, 2, VFE);
    CHECK_EQ(sim_cfg_add(br, P, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();

    sim_cfg_put(cfg, 0x140, 4, 0x2001000b); /* VSEC, next 0x200 */
    CHECK_EQ(sim_cfg_add(br, P, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    gone();

    sim_cfg_put(cfg, 0x100, 4, 0x08010003); /* DSN, next 0x080 */
    CHECK_EQ(sim_cfg_add(br, P, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();
    teardown();
}

/* A real PF (Intel 82576, VFs enabled in its dump; SR-IOV at 0x160). */
static void test_real_dump(void)
{
    char path[4096];

    setup();
    shared_lspci(path, sizeof(path), "nic-intel-82576-sriov.txt");
    CHECK_EQ(lfv_sim_add_lspci_file(br, path, P, NULL), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x160, 2), 0x0010);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x168, 2) & VFE, VFE);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EBUSY);
    /* the simulated host's sriov_numvfs = 0 */
    CHECK_EQ(lfv_sim_sriov_vfs_enabled(br, P), 0x168);
    CHECK_EQ(lfv_sim_sriov_disable(br, P), 1);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x168, 2) & VFE, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, P, 0x168, 2) & VF_MSE, VF_MSE);
    CHECK_EQ(lfv_sim_sriov_vfs_enabled(br, P), 0);
    CHECK_EQ(lfv_sim_sriov_disable(br, P), 0);
    CHECK_EQ(lfv_sim_sriov_disable(br, VS0), -ENOENT);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();
    teardown();
}

/* A header of type `type`, class `class` (24 bits), one 4 KiB BAR. */
static void add_fn(uint8_t type, uint32_t class)
{
    static uint8_t cfg[4096];

    memset(cfg, 0, sizeof(cfg));
    sim_cfg_put(cfg, 0x00, 4, 0x12348086);
    sim_cfg_put(cfg, 0x08, 4, class << 8 | 1);
    cfg[0x0e] = type;
    sim_cfg_put(cfg, 0x10, 4, 0xe1000000);
    CHECK_EQ(sim_cfg_add(br, P, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, P), 0);
}

static void refused_keeps(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, P, hwdom), 0);
    lfv_conf_write(hwdom, P, CMD, 2, MEM | MASTER);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EPERM);
    CHECK_EQ(owner(P), 0);
    CHECK_EQ(lfv_domain_nr_devices(g1), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, P, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(lfv_conf_read(hwdom, P, 0x00, 4), 0x12348086);
    CHECK_EQ(lfv_pdev_assign(sys, P, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EPERM);
    CHECK_EQ(owner(P), LFV_DOMID_INVALID);
}

static void test_bridges(void)
{
    setup();
    add_fn(0x01, 0x060400); /* PCI-to-PCI bridge */
    refused_keeps();
    gone();
    add_fn(0x81, 0x060400); /* multi-function bit aside */
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), -EPERM);
    gone();
    add_fn(0x00, 0x060000); /* host bridge, type 0 */
    refused_keeps();
    gone();
    add_fn(0x00, 0x060100); /* ISA bridge: an endpoint's header */
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    CHECK_EQ(owner(P), 1);
    gone();
    add_fn(0x80, 0x020000); /* a multi-function endpoint */
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();
    teardown();
}

/* guest_bridges: a simulation's guests may have them */
static void test_guest_bridges(void)
{
    setup_with(true);
    add_fn(0x01, 0x060400);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    CHECK_EQ(owner(P), 1);
    gone();
    add_fn(0x00, 0x060000);
    CHECK_EQ(lfv_pdev_assign(sys, P, g1), 0);
    gone();
    teardown();
}

int main(void)
{
    lfv_rcu_register_thread();
    test_bridges();
    test_guest_bridges();
    test_refused();
    test_found();
    test_malformed();
    test_real_dump();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
