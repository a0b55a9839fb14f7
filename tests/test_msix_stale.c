/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a device's MSI-X table holds when the device changes owner is not
 * the new owner's.  On Arm the hardware domain programs its own table (its
 * accesses are forwarded to the device), and an entry it left unmasked,
 * with its message address and data, would fire once a guest enables
 * MSI-X and makes the device raise that vector: a message of the hardware
 * domain's, sent by a guest.  Firmware can leave the same behind for the
 * hardware domain on x86.  The binding ops program only the entries the
 * owner unmasks, so the owner's first enable masks every entry of the
 * device's own table, as a reset would; while the table cannot be reached
 * (decoding off), the function stays masked in hardware instead, whatever
 * the owner's function mask, until a later control write finds it
 * reachable.  Each test fails without the scrub.
 */
#include "tests/msi_platform.h"

#define NR_A 16 /* A's table entries */
#define EN 0x8000u
#define MASKALL 0x4000u

/* Entry i's vector control in A's own table. */
static uint64_t vc(unsigned int i)
{
    return TBL + 16ull * i + 12;
}

static unsigned int hw_unmasked(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < NR_A; i++)
        n += !(hw_table(A, vc(i)) & 1);
    return n;
}

static uint16_t hw_ctrl(void)
{
    return lfv_sim_cfg_read(br, A, MSIX + 2, 2) & (EN | MASKALL);
}

/* Every forwarded write to A's table: a mask, with the function masked. */
static unsigned int table_writes, bad_table_writes;

static void watch(bool write, uint64_t addr, unsigned int size, uint64_t val)
{
    if (!write || addr < TBL || addr >= TBL + 16 * NR_A)
        return;
    __atomic_add_fetch(&table_writes, 1, __ATOMIC_RELAXED);
    if (addr % 16 != 12 || size != 4 || !(val & 1) ||
        hw_ctrl() != (EN | MASKALL))
        __atomic_add_fetch(&bad_table_writes, 1, __ATOMIC_RELAXED);
}

/* The Arm hardware domain's MSI-X, entries 1 and 3 unmasked, left on. */
static void hwdom_leaves(void)
{
    wr(hwdom, A, CMD, 2, MEM);
    mwr(hwdom, TBL + 16, 4, 0x08090040); /* its ITS doorbell */
    mwr(hwdom, TBL + 16 + 8, 4, 0x21);   /* its event */
    mwr(hwdom, vc(1), 4, 0);
    mwr(hwdom, vc(3), 4, 0);
    wr(hwdom, A, MSIX + 2, 2, EN);
    CHECK_EQ(hw_unmasked(), 2);
    CHECK_EQ(hw_ctrl(), EN);
    __atomic_store_n(&table_writes, 0, __ATOMIC_RELAXED); /* its own */
    __atomic_store_n(&bad_table_writes, 0, __ATOMIC_RELAXED);
}

static void test_decoding(void)
{
    hwdom_leaves();
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(hw_ctrl(), 0); /* off at assignment, as before */
    wr(g1, VS0, CMD, 2, MEM);
    /* Linux: enabled with the function masked, then unmasked */
    wr(g1, VS0, MSIX + 2, 2, EN | MASKALL);
    CHECK_EQ(hw_unmasked(), 0);
    CHECK_EQ(hw_ctrl(), EN | MASKALL);
    CHECK_EQ(__atomic_load_n(&table_writes, __ATOMIC_RELAXED), 2);
    CHECK_EQ(__atomic_load_n(&bad_table_writes, __ATOMIC_RELAXED), 0);
    CHECK_EQ(hw_table(A, TBL + 16 + 8), 0x21); /* only the mask bit */
    wr(g1, VS0, MSIX + 2, 2, EN);
    CHECK_EQ(hw_ctrl(), EN);
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), EN | (NR_A - 1));

    /* the guest's own entries: the binding ops', never the table's */
    ev_reset();
    mwr(g1, TBL + 32, 4, 0xfee00000);
    mwr(g1, TBL + 32 + 8, 4, 0x31);
    mwr(g1, vc(2), 4, 0);
    CHECK(ev_is(0, EV_BIND, true, 2, 0xfee00000, 0x31, false));
    CHECK_EQ(hw_unmasked(), 0);

    /* once per owner: disabling and enabling again reaches no table */
    wr(g1, VS0, MSIX + 2, 2, 0);
    wr(g1, VS0, MSIX + 2, 2, EN);
    CHECK_EQ(__atomic_load_n(&table_writes, __ATOMIC_RELAXED), 2);
    CHECK_EQ(hw_ctrl(), EN);
    wr(g1, VS0, MSIX + 2, 2, 0);
    wr(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

static void test_not_decoding(void)
{
    hwdom_leaves();
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    /* no memory decoding: the table is out of reach, the function masked */
    wr(g1, VS0, MSIX + 2, 2, EN);
    CHECK_EQ(hw_ctrl(), EN | MASKALL);
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), EN | (NR_A - 1)); /* its view */
    CHECK_EQ(hw_unmasked(), 2);
    wr(g1, VS0, MSIX + 2, 2, 0);
    CHECK_EQ(hw_ctrl(), 0);
    /* decoding on: the next enable masks the table and unmasks the rest */
    wr(g1, VS0, CMD, 2, MEM);
    wr(g1, VS0, MSIX + 2, 2, EN);
    CHECK_EQ(hw_unmasked(), 0);
    CHECK_EQ(hw_ctrl(), EN);
    wr(g1, VS0, MSIX + 2, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);

    /* an entry bound while out of reach is the binding ops': left alone */
    hwdom_leaves();
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, MSIX + 2, 2, EN);
    ev_reset();
    mwr(g1, vc(3), 4, 0);
    CHECK(ev_is(0, EV_BIND, true, 3, 0, 0, false));
    CHECK_EQ(hw_ctrl(), EN | MASKALL);
    wr(g1, VS0, CMD, 2, MEM);
    wr(g1, VS0, MSIX + 2, 2, EN);
    CHECK_EQ(hw_ctrl(), EN);
    CHECK_EQ(hw_table(A, vc(1)) & 1, 1);
    CHECK_EQ(hw_table(A, vc(3)) & 1, 0); /* (this test's ops program none) */
    CHECK_EQ(__atomic_load_n(&table_writes, __ATOMIC_RELAXED), 1);
    CHECK_EQ(__atomic_load_n(&bad_table_writes, __ATOMIC_RELAXED), 0);
    wr(g1, VS0, MSIX + 2, 2, 0);
    wr(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

/* x86: the hardware domain's emulated table, what firmware left. */
static void test_hwdom_x86(void)
{
    lfv_sim_cfg_write(br, A, CMD, 2, MEM);
    CHECK_EQ(lfv_sim_mmio_write(br, vc(5), 4, 0), 0);
    lfv_sim_cfg_write(br, A, CMD, 2, 0);
    CHECK_EQ(hw_unmasked(), 1);
    wr(hwdom, A, CMD, 2, MEM);
    wr(hwdom, A, MSIX + 2, 2, EN);
    CHECK_EQ(hw_unmasked(), 0);
    CHECK_EQ(hw_ctrl(), EN);
    CHECK_EQ(__atomic_load_n(&bad_table_writes, __ATOMIC_RELAXED), 0);
    wr(hwdom, A, MSIX + 2, 2, 0);
    wr(hwdom, A, CMD, 2, 0);
}

int main(void)
{
    lfv_rcu_register_thread();
    mmio_check = watch;
    setup(LFV_ARCH_ARM);
    test_decoding();
    test_not_decoding();
    teardown();
    setup(LFV_ARCH_X86);
    test_hwdom_x86();
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
