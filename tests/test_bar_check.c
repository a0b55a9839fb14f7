/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-space checks before a BAR is mapped (issue 11, defect 4; Xen's
 * pci_check_bar() and more): a BAR maps only if it lies inside one of the
 * host bridge's windows and overlaps no other device's BAR in host
 * space, and no frame holding any device's MSI-X table or PBA is ever
 * mapped, whatever the placement.  Before, table and PBA frames were
 * removed in guest-frame space only: a guest's BAR sharing a host frame
 * with another device's table (overlapping BARs, or two small BARs in one
 * page) mapped that table into the guest.
 *
 * Also: the system's windows (lfv_system_params), the simulated bridge's
 * default windows and the windows it derives from loaded bridges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/shared_data.h"

#define CMD 0x04
#define MEM 0x2
#define BAR0 0x10

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1;

/* A: MSI-X table and PBA in BAR 5 (16 KiB at 0xe0100000). */
static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
             [5] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .msix = { true, 16, 5, 0, 5, 0x2000 },
};
/* B: one 4 KiB BAR, no MSI-X. */
static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
};
/* C: a 2 KiB BAR holding its table; D: a 2 KiB BAR in the same page. */
static const struct lfv_sim_device_desc dev_c = {
    .vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0400000 } },
    .msix = { true, 4, 0, 0, 0, 0x400 },
};
static const struct lfv_sim_device_desc dev_d = {
    .vendor = 0x1af4, .device = 0x1042, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0400800 } },
};

/* E and F: two 2 KiB BARs in one page, no MSI-X. */
static const struct lfv_sim_device_desc dev_e = {
    .vendor = 0x1af4, .device = 0x1043, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0600000 } },
};
static const struct lfv_sim_device_desc dev_f = {
    .vendor = 0x1af4, .device = 0x1044, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0600800 } },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0), B = LFV_SBDF(0, 2, 0, 0),
                        C = LFV_SBDF(0, 3, 0, 0), D = LFV_SBDF(0, 4, 0, 0),
                        E = LFV_SBDF(0, 5, 0, 0), F = LFV_SBDF(0, 6, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

/* Forwarded MSI-X page accesses that reached the bridge. */
static unsigned int forwarded;

static int fwd_read(void *ctx, uint64_t addr, unsigned int size,
                    uint64_t *val)
{
    forwarded++;
    return lfv_sim_mmio_read(ctx, addr, size, val);
}

static int fwd_write(void *ctx, uint64_t addr, unsigned int size,
                     uint64_t val)
{
    forwarded++;
    return lfv_sim_mmio_write(ctx, addr, size, val);
}

static const struct lfv_msi_ops fwd_ops = {
    .mmio_read = fwd_read, .mmio_write = fwd_write,
};

static void setup(const struct lfv_mmio_window *w, unsigned int nr)
{
    struct lfv_system_params p = {
        .hw_ops = lfv_sim_hw_ops(), .windows = w, .nr_windows = nr,
    };

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, A, &dev_a), 0);
    CHECK_EQ(lfv_sim_add(br, B, &dev_b), 0);
    CHECK_EQ(lfv_sim_add(br, C, &dev_c), 0);
    CHECK_EQ(lfv_sim_add(br, D, &dev_d), 0);
    CHECK_EQ(lfv_sim_add(br, E, &dev_e), 0);
    CHECK_EQ(lfv_sim_add(br, F, &dev_f), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msix_hook), 0);
    CHECK_EQ(lfv_system_set_msi_ops(sys, &fwd_ops, br), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
    CHECK_EQ(lfv_pdev_add(sys, B), 0);
    CHECK_EQ(lfv_pdev_add(sys, C), 0);
    CHECK_EQ(lfv_pdev_add(sys, D), 0);
    CHECK_EQ(lfv_pdev_add(sys, E), 0);
    CHECK_EQ(lfv_pdev_add(sys, F), 0);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

static bool mapped(struct lfv_domain *d, uint64_t gfn, uint64_t *mfn)
{
    return lfv_p2m_translate(lfv_domain_p2m(d), gfn, mfn);
}

static int get_bar0(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    (void)e;
    CHECK_EQ(lfv_header_bar(v, 0, arg), 0);
    return 1; /* publish nothing */
}

static struct lfv_header_bar_info bar0(lfv_sbdf_t s)
{
    struct lfv_header_bar_info b;

    memset(&b, 0, sizeof(b));
    CHECK_EQ(lfv_pdev_update(sys, s, get_bar0, &b), 1);
    return b;
}

/* Give s to g1 at guest address ga and turn decoding on. */
static void guest_decode(lfv_sbdf_t s, uint32_t ga)
{
    CHECK_EQ(lfv_pdev_assign(sys, s, g1), 0);
    lfv_conf_write(g1, VS0, BAR0, 4, ga);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_conf_read(g1, VS0, CMD, 2) & MEM, MEM);
}

static void guest_off(lfv_sbdf_t s)
{
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, s, hwdom), 0);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
}

static void test_overlap(void)
{
    uint64_t m = 0;

    setup(NULL, 0);
    /* control: B where it belongs maps */
    guest_decode(B, 0x30000000);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0300);
    CHECK(bar0(B).mapped);
    guest_off(B);

    /* the hardware domain places B's BAR over A's table page */
    lfv_conf_write(hwdom, B, BAR0, 4, 0xe0100000);
    CHECK_EQ(lfv_sim_cfg_read(br, B, BAR0, 4), 0xe0100000);
    guest_decode(B, 0x30000000);
    CHECK(!mapped(g1, 0x30000, NULL));
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    CHECK(!bar0(B).mapped);
    /* decoding off and on again: still nothing, and no stale state */
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    guest_off(B);

    /* over A's BAR 0 (no table there): refused as well */
    lfv_conf_write(hwdom, B, BAR0, 4, 0xe0008000);
    guest_decode(B, 0x30000000);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    guest_off(B);

    /* the hardware domain's own mapping obeys the same rule */
    lfv_conf_write(hwdom, B, CMD, 2, MEM);
    CHECK(!mapped(hwdom, 0xe0008, NULL));
    lfv_conf_write(hwdom, A, CMD, 2, MEM); /* A itself now overlaps B */
    CHECK(!mapped(hwdom, 0xe0000, NULL));
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    lfv_conf_write(hwdom, B, CMD, 2, 0);
    lfv_conf_write(hwdom, B, BAR0, 4, 0xe0300000);
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(mapped(hwdom, 0xe0000, &m) && m == 0xe0000);
    CHECK(!mapped(hwdom, 0xe0100, NULL)); /* its own table: trapped */
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    teardown();
}

static bool hw_decodes(lfv_sbdf_t s)
{
    return lfv_sim_cfg_read(br, s, CMD, 2) & MEM;
}

/*
 * issue 11, fuzz finding access/hwdom-bar-write-onto-guest-mapped-frame:
 * refusing to map an overlapping BAR is not enough when the hardware then
 * decodes it anyway.  Before the fix, the hardware domain turning decoding
 * on for A, whose BAR it had moved over the BAR of B (a guest's, mapped),
 * got A decoding in hardware at B's address: the guest's accesses to its
 * own BAR could reach A.
 */
static void test_decode_conflict(void)
{
    uint64_t m = 0;

    setup(NULL, 0);
    guest_decode(B, 0x30000000);
    CHECK(hw_decodes(B));
    /* the hardware domain moves A's BAR 0 (64 KiB) over B's: allowed,
     * A does not decode */
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0300000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, BAR0, 4), 0xe0300000);
    /* decoding on for A: refused, in hardware and in what it reads back */
    lfv_conf_write(hwdom, A, CMD, 2, MEM | 0x4);
    CHECK(!hw_decodes(A));
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2), 0x4); /* the rest is made */
    CHECK_EQ(lfv_conf_read(hwdom, A, CMD, 2) & MEM, 0);
    CHECK(!mapped(hwdom, 0xe0300, NULL));
    CHECK(!bar0(A).mapped);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0300); /* B's, untouched */

    /* B off: A may decode (its BAR is refused: B's BAR is there) ... */
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK(!hw_decodes(B));
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(hw_decodes(A));
    CHECK(!mapped(hwdom, 0xe0300, NULL));
    /* ... and then B may not: the guest reads MEMORY back off */
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(!hw_decodes(B));
    CHECK_EQ(lfv_conf_read(g1, VS0, CMD, 2) & MEM, 0);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    /* A off (its claim goes once the hardware stopped): B decodes again,
     * but maps nothing while A's BAR sits there */
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(hw_decodes(B));
    CHECK(!mapped(g1, 0x30000, NULL));
    /* A back home: B maps again */
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0000000);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0300);
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0300000);

    /* a device left without an owner decodes and masters nothing */
    lfv_conf_write(g1, VS0, CMD, 2, MEM | 0x4);
    CHECK_EQ(lfv_sim_cfg_read(br, B, CMD, 2) & 0x7, MEM | 0x4);
    CHECK_EQ(lfv_pdev_assign(sys, B, NULL), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, B, CMD, 2) & 0x7, 0);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    /* then A (the hardware domain's) decodes over B's old place */
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(hw_decodes(A));
    CHECK(mapped(hwdom, 0xe0300, &m) && m == 0xe0300);
    /* removal quiesces too */
    CHECK_EQ(lfv_pdev_remove(sys, A), 0);
    CHECK(!hw_decodes(A));
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(hwdom)), 0);
    teardown();
}

/*
 * Fuzz finding access/hwdom-msix-table-under-own-decoding-bar: the
 * hardware domain moved A's BAR 5, which holds A's MSI-X table and PBA,
 * over B's decoding (mapped) BAR and turned A's decoding on.  A's BAR
 * was refused (it overlaps B's), but A decoded, so its table answered in
 * the frame B's mapping gave the hardware domain: its writes reached A's
 * table around the emulation.  Now A does not decode while its table
 * would lie under a decoding BAR of the same domain.
 */
static void test_table_under_decoding_bar(void)
{
    uint64_t m = 0;

    setup(NULL, 0);
    lfv_conf_write(hwdom, B, CMD, 2, MEM);
    CHECK(mapped(hwdom, 0xe0300, &m) && m == 0xe0300);
    lfv_conf_write(hwdom, A, 0x24, 4, 0xe0300000); /* BAR 5 */
    CHECK_EQ(lfv_sim_cfg_read(br, A, 0x24, 4), 0xe0300000);
    lfv_conf_write(hwdom, A, CMD, 2, MEM | 0x4);
    CHECK(!hw_decodes(A));
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2), 0x4); /* the rest is made */
    CHECK_EQ(lfv_conf_read(hwdom, A, CMD, 2) & MEM, 0);
    CHECK(mapped(hwdom, 0xe0300, &m) && m == 0xe0300); /* B's */
    CHECK(!mapped(hwdom, 0xe0000, NULL)); /* none of A's BARs */
    /* B off: A decodes, and B, on again, maps nothing over A's table */
    lfv_conf_write(hwdom, B, CMD, 2, 0);
    CHECK(!mapped(hwdom, 0xe0300, NULL));
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(hw_decodes(A));
    CHECK(mapped(hwdom, 0xe0000, &m) && m == 0xe0000); /* A's BAR 0 */
    lfv_conf_write(hwdom, B, CMD, 2, MEM);
    CHECK(!mapped(hwdom, 0xe0300, NULL));
    CHECK(!mapped(hwdom, 0xe0301, NULL));
    lfv_conf_write(hwdom, B, CMD, 2, 0);
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    /* back home, with B decoding: A decodes */
    lfv_conf_write(hwdom, A, 0x24, 4, 0xe0100000);
    lfv_conf_write(hwdom, B, CMD, 2, MEM);
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(hw_decodes(A));
    CHECK(!mapped(hwdom, 0xe0100, NULL)); /* its table: trapped */
    CHECK(mapped(hwdom, 0xe0300, &m) && m == 0xe0300);
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    teardown();
}

static void test_table_in_frame(void)
{
    uint64_t m = 0;

    setup(NULL, 0);
    /* D shares its host page with C's table: D's frame never maps */
    guest_decode(D, 0x30000800);
    CHECK(!mapped(g1, 0x30000, NULL));
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    guest_off(D);
    /* C's own frame (its table) is trapped, never mapped */
    guest_decode(C, 0x30000000);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    guest_off(C);
    /* the hardware domain moves C away: D's page maps now */
    lfv_conf_write(hwdom, C, BAR0, 4, 0xe0500000);
    guest_decode(D, 0x30000800);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0400);
    guest_off(D);
    teardown();
}

/*
 * A BAR smaller than a page maps its whole frame: the rest of that frame
 * must not hold a BAR of a device of another owner, or the guest reaches
 * that device's registers.  E and F share one host page (no MSI-X there,
 * so test_table_in_frame()'s rule does not apply).
 */
static void test_shared_frame(void)
{
    struct lfv_domain *g2;
    uint64_t m = 0;

    setup(NULL, 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    /* E the hardware domain's: F's frame would hold E's BAR */
    guest_decode(F, 0x30000800);
    CHECK(!mapped(g1, 0x30000, NULL));
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    CHECK(!bar0(F).mapped);
    guest_off(F);
    /* E another guest's: the same */
    CHECK_EQ(lfv_pdev_assign(sys, E, g2), 0);
    guest_decode(F, 0x30000800);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    /* and E's owner does not get F's registers either */
    lfv_conf_write(g2, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g2)), 0);
    lfv_conf_write(g2, VS0, CMD, 2, 0);
    guest_off(F);
    CHECK_EQ(lfv_pdev_assign(sys, E, hwdom), 0);
    /* the hardware domain's own E does not map g1's F's frame */
    CHECK_EQ(lfv_pdev_assign(sys, F, g1), 0);
    lfv_conf_write(hwdom, E, CMD, 2, MEM);
    CHECK(!mapped(hwdom, 0xe0600, NULL));
    lfv_conf_write(hwdom, E, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, F, hwdom), 0);
    /* both the same guest's: its own registers, the frame maps */
    CHECK_EQ(lfv_pdev_assign(sys, E, g1), 0);
    CHECK_EQ(lfv_pdev_assign(sys, F, g1), 0); /* the next virtual slot */
    lfv_conf_write(g1, LFV_SBDF(0, 0, 1, 0), BAR0, 4, 0x30000800);
    lfv_conf_write(g1, LFV_SBDF(0, 0, 1, 0), CMD, 2, MEM);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0600);
    lfv_conf_write(g1, LFV_SBDF(0, 0, 1, 0), CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, F, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, E, hwdom), 0);

    /*
     * F mapped into g1 with E away; the hardware domain then moves E into
     * F's page and turns its decoding on: refused, or g1's frame reaches E.
     */
    lfv_conf_write(hwdom, E, BAR0, 4, 0xe0700000);
    CHECK_EQ(lfv_pdev_assign(sys, F, g1), 0);
    lfv_conf_write(g1, VS0, BAR0, 4, 0x30000800);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(mapped(g1, 0x30000, &m) && m == 0xe0600);
    lfv_conf_write(hwdom, E, BAR0, 4, 0xe0600000);
    lfv_conf_write(hwdom, E, CMD, 2, MEM);
    CHECK(!hw_decodes(E));
    CHECK_EQ(lfv_conf_read(hwdom, E, CMD, 2) & MEM, 0);
    /* g1 stops decoding (its frame unmapped): E may decode now */
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK(!mapped(g1, 0x30000, NULL));
    lfv_conf_write(hwdom, E, CMD, 2, MEM);
    CHECK(hw_decodes(E));
    lfv_conf_write(hwdom, E, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, F, hwdom), 0);
    teardown();
}

static void test_windows(void)
{
    const struct lfv_mmio_window w[] = {
        { 0xe0000000, 0xe01fffff }, { 0xe0400000, 0xe04007ff },
    };
    struct lfv_mmio_window many[LFV_MMIO_WINDOWS_MAX + 1];
    struct lfv_system_params p = { .windows = w, .nr_windows = 2 };
    struct lfv_system *s;
    uint64_t m = 0;

    /* bad windows */
    memset(many, 0, sizeof(many));
    p.windows = many;
    p.nr_windows = LFV_MMIO_WINDOWS_MAX + 1;
    CHECK_EQ(lfv_system_create(&p, &s), -EINVAL);
    p.nr_windows = 1;
    many[0] = (struct lfv_mmio_window){ 2, 1 };
    CHECK_EQ(lfv_system_create(&p, &s), -EINVAL);
    p.windows = NULL;
    CHECK_EQ(lfv_system_create(&p, &s), -EINVAL);

    setup(w, 2);
    /* B (0xe0300000) lies outside every window */
    guest_decode(B, 0x30000000);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    CHECK(!bar0(B).mapped);
    guest_off(B);
    /* A inside: maps; C's BAR ends exactly at its window's end: inside */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    lfv_conf_write(g1, VS0, CMD, 2, MEM);
    CHECK(mapped(g1, 0xe0000, &m) && m == 0xe0000);
    guest_off(A);
    /* D (0xe0400800) straddles nothing but is outside the 2 KiB window */
    guest_decode(D, 0x30000800);
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g1)), 0);
    guest_off(D);
    teardown();
}

/*
 * Forwarded MSI-X page accesses (the PBA, the rest of the table and PBA
 * pages) reach the device's memory only where no other owner's device
 * decodes: with overlapping BARs the access could land on it.
 */
static void test_forwarding(void)
{
    struct lfv_domain *g2;
    uint64_t v = 0;

    setup(NULL, 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    /* control: A's PBA and page rest reach A */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    forwarded = 0;
    CHECK_EQ(lfv_msix_mmio_read(g1, 0xe0102000, 8, &v), 0);
    CHECK_EQ(lfv_msix_mmio_write(g1, 0xe0100400, 4, 1), 0);
    CHECK_EQ(forwarded, 2);
    /* B (g2's) placed over A's BAR 5 by the hardware domain: nothing */
    lfv_conf_write(hwdom, B, BAR0, 4, 0xe0102000);
    CHECK_EQ(lfv_pdev_assign(sys, B, g2), 0);
    forwarded = 0;
    CHECK_EQ(lfv_msix_mmio_read(g1, 0xe0102000, 8, &v), 0);
    CHECK_EQ(v, ~0ull);
    CHECK_EQ(lfv_msix_mmio_write(g1, 0xe0102400, 4, 1), 0);
    CHECK_EQ(forwarded, 0);
    /* the part of A's pages B does not cover still reaches A */
    CHECK_EQ(lfv_msix_mmio_write(g1, 0xe0100400, 4, 1), 0);
    CHECK_EQ(forwarded, 1);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
    lfv_conf_write(hwdom, B, BAR0, 4, 0xe0300000);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);

    /* the hardware domain's page rest (identity) over g1's device D */
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    forwarded = 0;
    CHECK_EQ(lfv_msix_mmio_write(hwdom, 0xe0400800, 4, 1), 0);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, 0xe0400ff8, 8, &v), 0);
    CHECK_EQ(forwarded, 0);
    /* D back with the hardware domain: its own, reached */
    CHECK_EQ(lfv_pdev_assign(sys, D, hwdom), 0);
    CHECK_EQ(lfv_msix_mmio_write(hwdom, 0xe0400800, 4, 1), 0);
    CHECK_EQ(forwarded, 1);
    teardown();
}

static void test_sim_windows(void)
{
    struct lfv_mmio_window w[LFV_MMIO_WINDOWS_MAX];
    char path[4096];
    FILE *f;

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    CHECK_EQ(lfv_sim_bridge_windows(br, w, LFV_MMIO_WINDOWS_MAX), 2);
    CHECK_EQ(w[0].start, 0x40000000);
    CHECK_EQ(w[0].end, 0xfebfffff);
    CHECK_EQ(w[1].start, 0x100000000ull);
    CHECK_EQ(w[1].end, 0xffffffffffffull);
    CHECK_EQ(lfv_sim_bridge_set_windows(br, w, LFV_MMIO_WINDOWS_MAX + 1),
             -EINVAL);
    w[0] = (struct lfv_mmio_window){ 5, 4 };
    CHECK_EQ(lfv_sim_bridge_set_windows(br, w, 1), -EINVAL);
    CHECK_EQ(lfv_sim_bridge_set_windows(br, NULL, 0), 0);
    CHECK_EQ(lfv_sim_bridge_windows(br, NULL, 0), 0);
    /* a bridge's windows are derived when it is loaded */
    shared_lspci(path, sizeof(path),
                 "bridge-amd-navi10-switch-upstream-port.txt");
    f = fopen(path, "r");
    if (f) {
        fclose(f);
        CHECK_EQ(lfv_sim_add_lspci_file(br, path, LFV_SIM_SBDF_AUTO, NULL),
                 0);
        CHECK_EQ(lfv_sim_bridge_windows(br, w, LFV_MMIO_WINDOWS_MAX), 2);
        CHECK_EQ(w[0].start, 0xfba00000);
        CHECK_EQ(w[0].end, 0xfbbfffff);
        CHECK_EQ(w[1].start, 0x380000000000ull);
        CHECK_EQ(w[1].end, 0x3802ffffffffull);
    } else {
        printf("%s: not found, bridge windows from a dump not tested\n",
               path);
    }
    lfv_sim_bridge_destroy(br);
}

int main(void)
{
    lfv_rcu_register_thread();
    test_overlap();
    test_decode_conflict();
    test_table_under_decoding_bar();
    test_table_in_frame();
    test_shared_frame();
    test_windows();
    test_forwarding();
    test_sim_windows();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
