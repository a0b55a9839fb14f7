/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device leaving a guest keeps nothing of what the guest started in it.
 * Given back to the hardware domain (or to nobody), it is quiesced before
 * the next state is built, as Xen's quarantine and reset or VFIO's release
 * do: no bus mastering (DMA the guest programmed would reach the next
 * owner's memory), no decoding, INTx disabled, MSI and MSI-X off (their
 * messages were the guest's; on Arm the hardware domain's state does not
 * emulate them and would leave them on).  The hardware domain's own
 * interrupts stay when it un-owns a device (dom0's remove/rescan gives it
 * back with its driver bound).  And MSI on a system without a
 * bind op never reaches the hardware enabled: nobody programs its
 * message, so the device would send the one its previous owner left.
 */
#include <lfvpci/testing.h>

#include "tests/msi_platform.h"

#define MASTER 0x4
#define MSIX_EN 0x8000

static uint16_t hw_cmd(lfv_sbdf_t s)
{
    return lfv_sim_cfg_read(br, s, CMD, 2);
}

/* The guest at VS0 (A) and VS1 (B): DMA, INTx, MSI (A), MSI-X (B). */
static void guest_runs(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, g1), 0);
    wr(g1, VS0, CMD, 2, MEM | MASTER);
    wr(g1, VS1, CMD, 2, MEM | MASTER);
    wr(g1, VS0, MSI + 4, 4, 0xfee01000);
    wr(g1, VS0, MSI + 2, 2, 1);
    wr(g1, VS1, MSIX + 2, 2, MSIX_EN);
    CHECK_EQ(hw_cmd(A) & (MEM | MASTER | INTX_DIS), MEM | MASTER | INTX_DIS);
    CHECK_EQ(hw_cmd(B) & (MEM | MASTER), MEM | MASTER);
    wr(g1, VS1, CMD, 2, MEM | MASTER); /* B: no MSI forcing INTx off */
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 1);
    CHECK_EQ(lfv_sim_cfg_read(br, B, MSIX + 2, 2) & MSIX_EN, MSIX_EN);
}

/* intx: INTx disabled too (not for a guest, whose INTx starts enabled) */
static void check_quiesced(lfv_sbdf_t s, bool intx)
{
    CHECK_EQ(hw_cmd(s) & (MEM | MASTER), 0);
    if (intx)
        CHECK_EQ(hw_cmd(s) & INTX_DIS, INTX_DIS);
    CHECK_EQ(lfv_sim_cfg_read(br, s, MSI + 2, 2) & 1, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, s, MSIX + 2, 2) & MSIX_EN, 0);
}

static void test_handback(enum lfv_arch arch)
{
    setup(arch);
    guest_runs();
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
    check_quiesced(A, true);
    check_quiesced(B, true);
    /* the hardware domain turns back on what it needs */
    wr(hwdom, A, CMD, 2, MEM | MASTER);
    CHECK_EQ(hw_cmd(A) & (MEM | MASTER), MEM | MASTER);
    wr(hwdom, A, CMD, 2, 0);

    /* to nobody: the same */
    guest_runs();
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, NULL), 0);
    check_quiesced(A, true);
    check_quiesced(B, true);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);

    /*
     * the hardware domain's own device, un-owned (its remove/rescan): its
     * interrupts are its own and stay (only decoding and mastering go)
     */
    wr(hwdom, A, CMD, 2, MEM | MASTER);
    if (arch == LFV_ARCH_ARM) /* passthrough: its own MSI */
        wr(hwdom, A, MSI + 2, 2, 1);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(hw_cmd(A) & (MEM | MASTER | INTX_DIS), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1,
             arch == LFV_ARCH_ARM ? 1 : 0);
    lfv_sim_cfg_write(br, A, MSI + 2, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);

    /* a hand-back that fails leaves the device as the guest has it */
    guest_runs();
    lfv_test_fail_alloc_after(0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), -ENOMEM);
    lfv_test_fail_alloc_after(-1);
    CHECK_EQ(hw_cmd(A) & (MEM | MASTER | INTX_DIS), MEM | MASTER | INTX_DIS);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 1);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);

    /* from one guest to another: the new guest's state starts it off */
    guest_runs();
    CHECK_EQ(lfv_pdev_assign(sys, A, g2), 0);
    check_quiesced(A, false);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
    teardown();
}

/* Bind ops without bind: MSI stays off in hardware, in the guest's view on. */
static const struct lfv_msi_ops nobind = {
    .mask = op_mask,
    .mmio_read = op_mmio_read, .mmio_write = op_mmio_write,
};

static void test_msi_unrouted(void)
{
    setup_ops = &nobind;
    setup(LFV_ARCH_ARM);
    /* the Arm hardware domain programs its own MSI message */
    wr(hwdom, A, MSI + 4, 4, 0x08090040);
    wr(hwdom, A, MSI + 12, 2, 0x21);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 1);
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2) & 1, 1);
    CHECK_EQ(nr_evs, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 4, 4), 0x08090040); /* unchanged */
    wr(g1, VS0, MSI + 2, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    teardown();
    setup_ops = &ops;
}

int main(void)
{
    lfv_rcu_register_thread();
    test_handback(LFV_ARCH_ARM);
    test_handback(LFV_ARCH_X86);
    test_msi_unrouted();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
