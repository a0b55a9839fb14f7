/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hardware domain's MSI and MSI-X, by architecture (<lfvpci/msi.h>).
 * x86 (Xen's vPCI on PVH dom0): emulated as for guests, the binding ops
 * called for the hardware domain with the values it wrote, none of which
 * reach the device's table; no INTx forcing; PBA read from the device and
 * its writes forwarded; the rest of the table and PBA pages forwarded; the
 * regions at host addresses, following BAR moves made with decoding off.
 * Arm (no vPCI MSI in Xen 4.17): config registers pass through, table,
 * PBA and the rest of their pages forwarded, no binding call; guests are
 * still emulated there.
 */
#include "tests/msi_platform.h"

#define PAGE 0x1000ull

/* Nothing of the hardware domain's: every entry of a device's real table
 * as at reset (address and data 0, masked). */
static void check_hw_table_reset(lfv_sbdf_t s, uint64_t tbl, unsigned int nr)
{
    for (unsigned int e = 0; e < nr; e++) {
        CHECK_EQ(hw_table(s, tbl + 16 * e), 0);
        CHECK_EQ(hw_table(s, tbl + 16 * e + 4), 0);
        CHECK_EQ(hw_table(s, tbl + 16 * e + 8), 0);
        CHECK_EQ(hw_table(s, tbl + 16 * e + 12), 1);
    }
}

/* ---- x86 ---- */

static void x86_msi(void)
{
    ev_reset();
    /* the same registers as a guest's, at the same place */
    CHECK_EQ(rd(hwdom, A, MSI, 2), 0x05 | MSIX << 8);
    CHECK_EQ(rd(hwdom, A, MSI + 2, 2), 0x0184);
    wr(hwdom, A, MSI + 4, 4, 0xfee00003);
    CHECK_EQ(rd(hwdom, A, MSI + 4, 4), 0xfee00000);
    wr(hwdom, A, MSI + 8, 4, 0x1);
    wr(hwdom, A, MSI + 12, 2, 0x4040);
    CHECK_EQ(rd(hwdom, A, MSI + 12, 2), 0x4040);
    wr(hwdom, A, MSI + 16, 4, 0xffffffff);
    CHECK_EQ(rd(hwdom, A, MSI + 16, 4), 0xf);
    /* none of it reached the device: Xen programs the real registers */
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 4, 4), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 8, 4), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 12, 2), 0);
    /* reserved half of the data dword and pending bits: the hardware's */
    CHECK_EQ(rd(hwdom, A, MSI + 14, 2), lfv_sim_cfg_read(br, A, MSI + 14, 2));
    CHECK_EQ(rd(hwdom, A, MSI + 20, 4), lfv_sim_cfg_read(br, A, MSI + 20, 4));
    CHECK_EQ(nr_evs, 0);

    /* enable, 4 vectors: bound for the hardware domain, INTx untouched */
    wr(hwdom, A, MSI + 2, 2, 0x21);
    CHECK_EQ(rd(hwdom, A, MSI + 2, 2), 0x01a5);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 0x71, 0x21);
    CHECK_EQ(nr_evs, 4);
    for (unsigned int i = 0; i < 4; i++) {
        CHECK(ev_is(i, EV_BIND, false, i, 0x1fee00000ull, 0x4040 | i, true));
        CHECK(evs[i].dom == hwdom);
    }
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, 0);
    CHECK_EQ(rd(hwdom, A, CMD, 2) & INTX_DIS, 0);

    ev_reset();
    wr(hwdom, A, MSI + 16, 4, 0xe); /* unmask vector 0 */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_MASK, false, 0, 0x1fee00000ull, 0x4040, false));
    ev_reset();
    wr(hwdom, A, MSI + 4, 4, 0xfee01000); /* re-routed while enabled */
    CHECK_EQ(nr_evs, 8);
    CHECK(ev_is(0, EV_UNBIND, false, 0, 0x1fee00000ull, 0x4040, false));
    CHECK(ev_is(4, EV_BIND, false, 0, 0x1fee01000ull, 0x4040, false));
    CHECK(evs[7].dom == hwdom);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 4, 4), 0);

    ev_reset();
    wr(hwdom, A, MSI + 2, 2, 0);
    CHECK_EQ(nr_evs, 4);
    CHECK(evs[0].type == EV_UNBIND && evs[3].type == EV_UNBIND);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 0);
}

static void x86_msix_table(void)
{
    const uint64_t e1 = TBL + 16;

    ev_reset();
    CHECK_EQ(rd(hwdom, A, MSIX + 2, 2), 15);
    CHECK_EQ(rd(hwdom, A, MSIX + 4, 4), 5);
    CHECK_EQ(rd(hwdom, A, MSIX + 8, 4), 0x2005);
    wr(hwdom, A, MSIX + 4, 4, 0x12345678); /* read-only */
    CHECK_EQ(rd(hwdom, A, MSIX + 4, 4), 5);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSIX + 4, 4), 5);

    wr(hwdom, A, MSIX + 2, 2, 0x8000);
    CHECK_EQ(rd(hwdom, A, MSIX + 2, 2), 0x800f);
    /* decoding off: the table unreachable, the function held masked
     * (test_msix_stale.c) */
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSIX + 2, 2) & 0xc000, 0xc000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, 0);
    CHECK_EQ(nr_evs, 0);

    /* the entry as written, emulated: nothing forwarded */
    CHECK_EQ(mrd(hwdom, e1 + 12, 4), 1);
    mwr(hwdom, e1, 8, 0x00000001fee00007ull);
    mwr(hwdom, e1 + 8, 4, 0x77);
    CHECK_EQ(mrd(hwdom, e1, 8), 0x1fee00004ull);
    CHECK_EQ(mrd(hwdom, e1 + 8, 8), 0x100000077ull);
    CHECK_EQ(nr_evs, 0);
    mwr(hwdom, e1 + 12, 4, 0); /* first unmask binds, with its values */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, true, 1, 0x1fee00004ull, 0x77, false));
    CHECK(evs[0].dom == hwdom);
    mwr(hwdom, e1 + 8, 4, 0x78); /* deferred to the next unmask */
    CHECK_EQ(nr_evs, 1);
    mwr(hwdom, e1 + 12, 4, 1);
    CHECK(ev_is(1, EV_MASK, true, 1, 0x1fee00004ull, 0x77, true));
    mwr(hwdom, e1 + 12, 4, 0);
    CHECK(ev_is(2, EV_UNBIND, true, 1, 0x1fee00004ull, 0x77, true));
    CHECK(ev_is(3, EV_BIND, true, 1, 0x1fee00004ull, 0x78, false));
    wr(hwdom, A, MSIX + 2, 2, 0xc000); /* function mask */
    CHECK(ev_is(4, EV_MASK, true, 1, 0x1fee00004ull, 0x78, true));
    wr(hwdom, A, MSIX + 2, 2, 0x8000);
    CHECK(ev_is(5, EV_MASK, true, 1, 0x1fee00004ull, 0x78, false));
    CHECK_EQ(nr_evs, 6);
    CHECK_EQ(nr_mmio_evs, 0); /* no table access reached the device */
    wr(hwdom, A, CMD, 2, MEM);
    check_hw_table_reset(A, TBL, 16);
    wr(hwdom, A, CMD, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, 0);
}

/* PBA and the rest of the table and PBA pages: the device's. */
static void x86_msix_forwarded(void)
{
    uint64_t v;

    wr(hwdom, A, CMD, 2, MEM);
    ev_reset();
    CHECK_EQ(mrd(hwdom, PBA, 8), 0);
    CHECK(mmio_is(0, false, PBA, 8, 0));
    mwr(hwdom, PBA + 4, 4, 0xffffffff); /* reaches the device (RO there) */
    CHECK(mmio_is(1, true, PBA + 4, 4, 0xffffffff));
    CHECK_EQ(mrd(hwdom, PBA, 4), 0);
    /* A: table page after the table, PBA page around the PBA */
    CHECK_EQ(mrd(hwdom, TBL + 0x100, 4), 0xffffffff); /* no RAM there */
    CHECK(mmio_is(3, false, TBL + 0x100, 4, 0));
    mwr(hwdom, TBL + PAGE - 8, 8, 0x1234);
    CHECK(mmio_is(4, true, TBL + PAGE - 8, 8, 0x1234));
    mwr(hwdom, PBA + 8, 4, 0x55);
    CHECK(mmio_is(5, true, PBA + 8, 4, 0x55));
    mwr(hwdom, PBA + PAGE - 4, 4, 0x56);
    CHECK(mmio_is(6, true, PBA + PAGE - 4, 4, 0x56));
    CHECK_EQ(nr_mmio_evs, 7);
    /* outside those pages: mapped (not trapped) */
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + PAGE, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, PBA - 4, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_write(hwdom, PBA + PAGE, 4, 0), -ENOENT);
    CHECK_EQ(nr_mmio_evs, 7);
    wr(hwdom, A, CMD, 2, 0);

    /* B: table and PBA share a page; the rest of it, before and between */
    wr(hwdom, B, CMD, 2, MEM);
    ev_reset();
    CHECK_EQ(mrd(hwdom, B_TBL + 12, 4), 1); /* emulated */
    mwr(hwdom, B_TBL + 8, 4, 0x99);
    CHECK_EQ(nr_mmio_evs, 0);
    mwr(hwdom, B_BAR, 4, 1);
    mwr(hwdom, B_TBL + 64, 4, 2);
    mwr(hwdom, B_PBA - 8, 8, 3);
    mwr(hwdom, B_PBA, 4, 4);
    mwr(hwdom, B_PBA + 8, 4, 5);
    mwr(hwdom, B_BAR + PAGE - 4, 4, 6);
    CHECK_EQ(nr_mmio_evs, 6);
    CHECK(mmio_is(0, true, B_BAR, 4, 1));
    CHECK(mmio_is(1, true, B_TBL + 64, 4, 2));
    CHECK(mmio_is(2, true, B_PBA - 8, 8, 3));
    CHECK(mmio_is(3, true, B_PBA, 4, 4));
    CHECK(mmio_is(4, true, B_PBA + 8, 4, 5));
    CHECK(mmio_is(5, true, B_BAR + PAGE - 4, 4, 6));
    CHECK_EQ(mrd(hwdom, B_TBL + 8, 4), 0x99);
    check_hw_table_reset(B, B_TBL, 4);
    wr(hwdom, B, CMD, 2, 0);
}

/* Its BAR moves with decoding off; the regions and pages follow. */
static void x86_msix_move(void)
{
    const uint64_t nb = 0xe0200000ull;
    uint64_t v;

    wr(hwdom, A, BAR5, 4, (uint32_t)nb);
    CHECK_EQ(lfv_sim_cfg_read(br, A, BAR5, 4), nb);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + 24, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + 0x100, 4, &v), -ENOENT);
    CHECK_EQ(mrd(hwdom, nb + 24, 4), 0x78);
    ev_reset();
    mwr(hwdom, nb + 0x2008, 4, 7);
    CHECK(mmio_is(0, true, nb + 0x2008, 4, 7));
    /* refused while decoding: the regions stay */
    wr(hwdom, A, CMD, 2, MEM);
    wr(hwdom, A, BAR5, 4, (uint32_t)TBL);
    CHECK_EQ(mrd(hwdom, nb + 24, 4), 0x78);
    wr(hwdom, A, CMD, 2, 0);
    wr(hwdom, A, BAR5, 4, (uint32_t)TBL);
    CHECK_EQ(mrd(hwdom, TBL + 24, 4), 0x78);
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 4);
}

static void test_x86(void)
{
    uint64_t v;

    setup(LFV_ARCH_X86);
    /* owned by the hardware domain since they were added */
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 4);
    x86_msi();
    x86_msix_table();
    x86_msix_forwarded();
    x86_msix_move();

    /* moving to a guest unbinds the hardware domain's vectors */
    CHECK(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED) > 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 2);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + 24, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + 0x100, 4, &v), -ENOENT);
    /* the guest starts afresh; its PBA writes are dropped, the rest of
     * the table page is its device's */
    CHECK_EQ(mrd(g1, TBL + 24, 4), 0);
    wr(g1, VS0, CMD, 2, MEM);
    ev_reset();
    mwr(g1, PBA, 4, 1);
    CHECK_EQ(nr_mmio_evs, 0);
    mwr(g1, TBL + 0x100, 4, 1);
    CHECK(mmio_is(0, true, TBL + 0x100, 4, 1));
    /* INTx forced for the guest, as before */
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, INTX_DIS);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    /* back: MSI-X off again, the hardware domain's own empty state */
    CHECK_EQ(rd(hwdom, A, MSIX + 2, 2), 15);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSIX + 2, 2) & 0x8000, 0);
    CHECK_EQ(mrd(hwdom, TBL + 24, 4), 0);
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 4);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, NULL), 0);
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 0);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, B_BAR, 4, &v), -ENOENT);
    teardown();
}

/* ---- Arm ---- */

static void test_arm(void)
{
    uint64_t v;

    setup(LFV_ARCH_ARM);
    ev_reset();
    CHECK_EQ(lfv_domain_msix_regions(hwdom), 4);
    /* config registers pass through */
    wr(hwdom, A, MSI + 4, 4, 0xfee00000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 4, 4), 0xfee00000);
    wr(hwdom, A, MSI + 2, 2, 0x1);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 1);
    wr(hwdom, A, MSIX + 2, 2, 0x8000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSIX + 2, 2) & 0x8000, 0x8000);
    CHECK_EQ(rd(hwdom, A, MSIX + 2, 2), lfv_sim_cfg_read(br, A, MSIX + 2, 2));
    /* table, PBA and the rest of their pages: the device's */
    wr(hwdom, A, CMD, 2, MEM);
    mwr(hwdom, TBL + 16 + 8, 4, 0x77);
    CHECK_EQ(hw_table(A, TBL + 16 + 8), 0x77);
    mwr(hwdom, TBL + 16 + 12, 4, 0);
    CHECK_EQ(mrd(hwdom, TBL + 16 + 12, 4), 0);
    CHECK_EQ(mrd(hwdom, PBA, 8), 0);
    ev_reset();
    mwr(hwdom, PBA, 4, 1);
    mwr(hwdom, TBL + 0x100, 4, 2);
    mwr(hwdom, B_BAR, 4, 3);
    CHECK(mmio_is(0, true, PBA, 4, 1));
    CHECK(mmio_is(1, true, TBL + 0x100, 4, 2));
    CHECK(mmio_is(2, true, B_BAR, 4, 3));
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL + PAGE, 4, &v), -ENOENT);
    CHECK_EQ(nr_evs, 0); /* no binding call for the hardware domain */
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, 0);
    wr(hwdom, A, CMD, 2, 0);
    wr(hwdom, A, MSIX + 2, 2, 0);
    wr(hwdom, A, MSI + 2, 2, 0);

    /* guests are emulated on Arm too */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, MSI + 4, 4, 0xfee01000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 4, 4), 0xfee00000);
    wr(g1, VS0, MSI + 2, 2, 0x1);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, false, 0, 0xfee01000ull, 0, false));
    CHECK(evs[0].dom == g1);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    teardown();
}

int main(void)
{
    lfv_rcu_register_thread();
    test_x86();
    ev_reset();
    test_arm();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
