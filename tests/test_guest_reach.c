/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a guest's configuration writes reach in the hardware, whatever it
 * writes where: every offset of the 4 KiB, sizes 1, 2 and 4 at every
 * alignment (across dwords too), several values, over a device with every
 * kind of BAR, a ROM, MSI, MSI-X and PCI Express.  The hardware (a
 * wrapper of the simulator's ops) may be written only at the registers a
 * guest controls through its emulation: COMMAND (the guest's bits only,
 * the host's kept), STATUS (its RW1C bits), and the enable bits of the MSI
 * and MSI-X control registers (the host's other bits kept).  Never a BAR,
 * the ROM BAR, the cache line size, the interrupt line, a capability's
 * body, the extended space.  And an SBDF that is not one of its devices
 * (another slot, a function other than 0, another bus or segment) reaches
 * no hardware at all, and reads all-ones.
 */
#include <stdio.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_cap.h"

#define CMD 0x04
#define STATUS 0x06
#define CMD_GUEST 0x043eu /* MEMORY, MASTER, SPECIAL, INVALIDATE, VGA, INTx */
#define MSI_CTRL_GUEST 0x0071u  /* enable, multiple message enable */
#define MSIX_CTRL_GUEST 0xc000u /* enable, function mask */

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .interrupt_pin = 1,
    .bar = {
        { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
        { LFV_SIM_BAR_NONE, false, 0, 0 },
        { LFV_SIM_BAR_MEM64, true, 0x100000, 0x400000000ull },
        { LFV_SIM_BAR_NONE, false, 0, 0 },
        { LFV_SIM_BAR_IO, false, 0x20, 0x1000 },
        { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 },
    },
    .rom_size = 0x10000, .rom_addr = 0xe0200000,
    .msi = { true, true, true, 1 },
    .msix = { true, 16, 5, 0, 5, 0x2000 },
    .pcie = true,
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1;

/* The hardware's accesses, and what the guest may write. */
static unsigned int hw_reads, hw_writes, bad_writes;
static bool watching; /* the guest's accesses, not the assignment's probes */
static unsigned int msi_pos, msix_pos;
static uint16_t host_cmd, host_msi, host_msix;

static bool allowed(unsigned int reg, unsigned int size, uint32_t val)
{
    if (size != 2)
        return false;
    if (reg == CMD)
        return (val & ~CMD_GUEST) == (host_cmd & ~CMD_GUEST);
    if (reg == STATUS)
        return true; /* RW1C: the engine's masks keep the rest */
    if (reg == msi_pos + 2)
        return (val & ~MSI_CTRL_GUEST) == (host_msi & ~MSI_CTRL_GUEST);
    if (reg == msix_pos + 2)
        return (val & ~MSIX_CTRL_GUEST) == (host_msix & ~MSIX_CTRL_GUEST);
    return false;
}

static uint32_t wrap_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    hw_reads++;
    return lfv_sim_hw_ops()->read(hw, sbdf, reg, size);
}

static void wrap_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    hw_writes++;
    if (watching && !allowed(reg, size, val)) {
        bad_writes++;
        if (bad_writes <= 10)
            fprintf(stderr, "guest write reached hw %#x/%u = %#x\n", reg,
                    size, val);
    }
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops wrap_ops = { wrap_read, wrap_write };

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = &wrap_ops };

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, A, &dev_a), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msi_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msix_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
    msi_pos = sim_find_cap(br, A, 0x05);
    msix_pos = sim_find_cap(br, A, 0x11);
    CHECK(msi_pos && msix_pos);
}

/* The hardware's registers a guest must never change. */
static void snapshot(uint32_t cfg[1024])
{
    for (unsigned int r = 0; r < 0x1000; r += 4)
        cfg[r / 4] = lfv_sim_cfg_read(br, A, r, 4);
}

static void test_sweep(void)
{
    static const uint32_t vals[] = { 0xffffffffu, 0, 0xa5a55a5au,
                                     0x00000406u };
    static uint32_t before[1024], after[1024];
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    host_cmd = lfv_sim_cfg_read(br, A, CMD, 2);
    host_msi = lfv_sim_cfg_read(br, A, msi_pos + 2, 2);
    host_msix = lfv_sim_cfg_read(br, A, msix_pos + 2, 2);
    snapshot(before);
    hw_writes = bad_writes = 0;
    watching = true;
    for (unsigned int v = 0; v < sizeof(vals) / sizeof(vals[0]); v++)
        for (unsigned int size = 1; size <= 4; size++)
            for (unsigned int reg = 0; reg + size <= 0x1000; reg++)
                if (size != 3)
                    lfv_conf_write(g1, VS0, reg, size, vals[v]);
    watching = false;
    CHECK(hw_writes > 0); /* COMMAND and the controls did reach it */
    CHECK_EQ(bad_writes, 0);
    /* every register but those reads as before, BARs and ROM included */
    snapshot(after);
    for (unsigned int r = 0; r < 0x1000; r += 4) {
        uint32_t keep = ~0u;

        if (r == CMD)
            keep = ~(CMD_GUEST | 0xffff0000u); /* and STATUS's RW1C */
        if (r == (msi_pos & ~3u) || r == (msix_pos & ~3u))
            keep = 0xffffu; /* the control word: checked at each write */
        if ((before[r / 4] & keep) != (after[r / 4] & keep))
            fprintf(stderr, "hw %#x: %#x -> %#x\n", r, before[r / 4],
                    after[r / 4]);
        CHECK_EQ(before[r / 4] & keep, after[r / 4] & keep);
    }
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

static void test_not_its_devices(void)
{
    static const lfv_sbdf_t others[] = {
        LFV_SBDF(0, 0, 0, 1), LFV_SBDF(0, 0, 0, 7), LFV_SBDF(0, 0, 1, 0),
        LFV_SBDF(0, 0, 31, 0), LFV_SBDF(1, 0, 0, 0),
        LFV_SBDF(0, 1, 0, 0), /* A's physical SBDF */
    };

    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    hw_reads = hw_writes = 0;
    for (unsigned int i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        for (unsigned int size = 1; size <= 4; size *= 2)
            for (unsigned int reg = 0; reg + size <= 0x1000; reg += size) {
                lfv_conf_write(g1, others[i], reg, size, 0);
                lfv_conf_write(g1, others[i], reg, size, ~0u);
                CHECK_EQ(lfv_conf_read(g1, others[i], reg, size),
                         size == 4 ? 0xffffffffu : (1u << 8 * size) - 1);
            }
    CHECK_EQ(hw_reads, 0);
    CHECK_EQ(hw_writes, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

int main(void)
{
    lfv_rcu_register_thread();
    setup();
    test_sweep();
    test_not_its_devices();
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
