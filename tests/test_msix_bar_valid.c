/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X accesses forwarded to device memory (the PBA, the rest of the
 * table and PBA pages) follow the host's check of BAR placement
 * (lfv_system_params.bar_valid, Xen's pci_check_bar()) as the BAR
 * mappings do: a BAR the host says its bridge does not forward to the
 * device is never mapped, and no forwarded access reaches its host
 * addresses either: whatever answers there is not the device.
 *
 * A's BAR 5 (table and PBA) is refused while `refuse` is set; the same
 * accesses with it accepted reach the device (the control).
 */
#include <lfvpci/p2m.h>

#include "tests/msi_platform.h"

#define BAR5_END (TBL + 0x4000 - 1)

static bool refuse; /* atomic */
static unsigned int asked; /* atomic: calls for A's BAR 5 */

static bool check_bar(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                      uint64_t end)
{
    (void)hw;
    if (sbdf != A || end < TBL || start > BAR5_END)
        return true;
    __atomic_add_fetch(&asked, 1, __ATOMIC_RELAXED);
    return !__atomic_load_n(&refuse, __ATOMIC_RELAXED);
}

/* g1's forwarded accesses: how many reached the device. */
static unsigned int forwards(uint64_t *pba)
{
    ev_reset();
    mwr(g1, TBL + 0x100, 4, 0x11);     /* the rest of the table's page */
    *pba = mrd(g1, PBA, 8);            /* the PBA */
    (void)mrd(g1, PBA + 0x100, 4);     /* the rest of the PBA's page */
    CHECK_EQ(mrd(g1, TBL + 12, 4), 1); /* the table: emulated anyway */
    return nr_mmio_evs;
}

static void test_guest(void)
{
    uint64_t pba;

    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, CMD, 2, MEM);
    /* control: accepted, forwarded (the PBA reads 0 from the device) */
    CHECK_EQ(forwards(&pba), 3);
    CHECK(mmio_is(0, true, TBL + 0x100, 4, 0x11));
    CHECK(mmio_is(1, false, PBA, 8, 0));
    CHECK_EQ(pba, 0);
    wr(g1, VS0, CMD, 2, 0);

    /* refused: BAR 5 maps nothing, and nothing is forwarded there */
    __atomic_store_n(&refuse, true, __ATOMIC_RELAXED);
    __atomic_store_n(&asked, 0, __ATOMIC_RELAXED);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK(__atomic_load_n(&asked, __ATOMIC_RELAXED) > 0);
    CHECK(!lfv_p2m_translate(lfv_domain_p2m(g1), (TBL + 0x1000) >> 12,
                             NULL));
    CHECK_EQ(forwards(&pba), 0);
    CHECK_EQ(pba, ~0ull);
    wr(g1, VS0, CMD, 2, 0);
    __atomic_store_n(&refuse, false, __ATOMIC_RELAXED);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

/* The hardware domain's pages (x86: its PBA writes too) likewise. */
static void test_hwdom(void)
{
    __atomic_store_n(&refuse, true, __ATOMIC_RELAXED);
    wr(hwdom, A, CMD, 2, MEM);
    ev_reset();
    mwr(hwdom, TBL + 0x100, 4, 0x11);
    mwr(hwdom, PBA, 8, 0);
    CHECK_EQ(mrd(hwdom, PBA, 8), ~0ull);
    CHECK_EQ(nr_mmio_evs, 0);
    __atomic_store_n(&refuse, false, __ATOMIC_RELAXED);
    ev_reset();
    mwr(hwdom, TBL + 0x100, 4, 0x11);
    CHECK(mmio_is(0, true, TBL + 0x100, 4, 0x11));
    wr(hwdom, A, CMD, 2, 0);
}

int main(void)
{
    lfv_rcu_register_thread();
    setup_bar_valid = check_bar;
    setup(LFV_ARCH_X86);
    test_guest();
    test_hwdom();
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
