/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A 64-bit memory BAR in the last BAR slot (BAR 5 of a type 0 header),
 * from malformed hardware: its upper half would be the register after the
 * BARs, which is no BAR, so where the device decodes is unknown.  Xen's
 * pci_size_mem_bar() ("64-bit BAR in last slot") makes it empty, size 0:
 * never mapped.  Taking it as a 32-bit BAR at its low half would map the
 * host frames at that low address into the owner, which the device need
 * not decode (its address has upper bits), and that may be anything.
 *
 * The simulator refuses such a device, so a wrapper of its hardware ops
 * shows BAR 5 as 64-bit and 1 in the dword after it (the CardBus CIS
 * pointer).
 */
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"

#define CMD 0x04
#define MEM 0x2
#define BAR5 0x24
#define CIS 0x28

static const struct lfv_sim_device_desc dev_x = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
             [5] = { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0500000 } },
};

static const lfv_sbdf_t X = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1;

static uint32_t wrap_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    uint32_t v = lfv_sim_hw_ops()->read(hw, sbdf, reg, size);

    if (sbdf == X && reg == BAR5 && size == 4)
        v |= 0x4; /* PCI_BASE_ADDRESS_MEM_TYPE_64 */
    if (sbdf == X && reg == CIS && size == 4)
        v = 1;
    return v;
}

static void wrap_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops wrap_ops = { wrap_read, wrap_write };

static int get_bar(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    (void)e;
    CHECK_EQ(lfv_header_bar(v, 5, arg), 0);
    return 1; /* publish nothing */
}

static struct lfv_header_bar_info bar5(void)
{
    struct lfv_header_bar_info b = { 0 };

    CHECK_EQ(lfv_pdev_update(sys, X, get_bar, &b), 1);
    return b;
}

int main(void)
{
    struct lfv_system_params p = { .hw_ops = &wrap_ops };
    uint64_t m = 0;

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, X, &dev_x), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_pdev_add(sys, X), 0);

    /* the hardware domain: an empty BAR, its writes the hardware's */
    CHECK_EQ(bar5().size, 0);
    CHECK_EQ(bar5().type, LFV_HEADER_BAR_EMPTY);
    lfv_conf_write(hwdom, X, CMD, 2, MEM);
    CHECK(lfv_p2m_translate(lfv_domain_p2m(hwdom), 0xe0000, &m) &&
          m == 0xe0000); /* BAR 0 maps */
    CHECK(!lfv_p2m_translate(lfv_domain_p2m(hwdom), 0xe0500, NULL));
    lfv_conf_write(hwdom, X, CMD, 2, 0);

    /* a guest: BAR 5 reads 0, ignores writes, never maps */
    CHECK_EQ(lfv_pdev_assign(sys, X, g1), 0);
    CHECK_EQ(bar5().size, 0);
    CHECK_EQ(lfv_conf_read(g1, VS0, BAR5, 4), 0);
    lfv_conf_write(g1, VS0, BAR5, 4, 0x30000000);
    CHECK_EQ(lfv_conf_read(g1, VS0, BAR5, 4), 0);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(lfv_p2m_translate(lfv_domain_p2m(g1), 0xe0000, &m) &&
          m == 0xe0000);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0x10);
    CHECK(!lfv_p2m_translate(lfv_domain_p2m(g1), 0xe0500, NULL));
    CHECK(!lfv_p2m_translate(lfv_domain_p2m(g1), 0x30000, NULL));
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);

    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
