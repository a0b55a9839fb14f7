/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The header emulation's host options, for Xen 4.17's hardware domain
 * (Stage B: its header on lfvpci's model, GUEST-PLAN.md 3.1):
 *  - hwdom_msix_mapped: the hardware domain's BARs map whole, MSI-X table
 *    and PBA pages included (4.17 on Arm); guests' never include them;
 *  - bar_valid (Xen's pci_check_bar()): a BAR it refuses is not mapped,
 *    for the hardware domain and for guests (host addresses), decoding
 *    still goes on, the other BARs map;
 *  - bar_write_ignored: 4.17's "ignored BAR %zu write while mapped" (only
 *    when the address changes) and "ignored ROM BAR write while mapped";
 *  - a hardware domain's COMMAND write whose map fails at once writes
 *    nothing (4.17's cmd_write() after modify_bars() failed); one that
 *    fails deferred leaves MEMORY off and the other bits written (4.17's
 *    vpci_process_pending()).
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
#define BAR0 0x10
#define BAR1 0x14
#define BAR2 0x18
#define ROM 0x30

/*
 * A: BAR 0 64-bit 64 KiB; BAR 2 16 KiB holding the MSI-X table (page 0)
 * and PBA (page 2); a 32 KiB ROM.
 */
static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM64, false, 0x10000, 0xe0000000 },
             [2] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .rom_size = 0x8000, .rom_addr = 0xe0200000,
    .msix = { true, 16, 2, 0, 2, 0x2000 },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g;

/* What the host callbacks saw. */
static unsigned int valid_calls, refused_calls, ignored_calls;
static uint64_t last_start, last_end;
static unsigned int last_ignored_bar;
static lfv_sbdf_t last_sbdf;
static void *last_hw;

/* pci_check_bar() of a host whose bridge does not forward BAR 2's range. */
static bool bar_valid(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                      uint64_t end)
{
    valid_calls++;
    last_hw = hw;
    last_sbdf = sbdf;
    last_start = start;
    last_end = end;
    if (start <= 0xe0103fff && end >= 0xe0100000) {
        refused_calls++;
        return false;
    }
    return true;
}

static void bar_write_ignored(void *hw, lfv_sbdf_t sbdf, unsigned int bar)
{
    ignored_calls++;
    last_hw = hw;
    last_sbdf = sbdf;
    last_ignored_bar = bar;
}

static void setup(bool msix_mapped, bool with_valid, bool with_ignored)
{
    const struct lfv_system_params base = {
        .hwdom_msix_mapped = msix_mapped,
        .bar_write_ignored = with_ignored ? bar_write_ignored : NULL,
    };
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A }, .dev = { &dev_a },
        .hooks = { &lfv_header_hook }, .base = &base,
        .bar_valid = with_valid ? bar_valid : NULL,
    };

    valid_calls = refused_calls = ignored_calls = 0;
    sim_system_create(&p, &br, &sys);
    sim_domains_create(&p, sys, &hwdom, &g);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

static uint32_t hw(unsigned int reg, unsigned int size)
{
    return lfv_sim_cfg_read(br, A, reg, size);
}

/* gfn -> mfn in d's p2m */
static bool mapped_to(struct lfv_domain *d, uint64_t gfn, uint64_t mfn)
{
    uint64_t m;

    return lfv_p2m_translate(lfv_domain_p2m(d), gfn, &m) && m == mfn;
}

static bool is_mapped(struct lfv_domain *d, uint64_t gfn)
{
    return lfv_p2m_translate(lfv_domain_p2m(d), gfn, NULL);
}

struct bar_query {
    unsigned int bar;
    bool mapped;
};

static int query(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    struct bar_query *q = arg;
    struct lfv_header_bar_info info;

    (void)e;
    CHECK_EQ(lfv_header_bar(v, q->bar, &info), 0);
    q->mapped = info.mapped;
    return 1; /* publish nothing */
}

/* Whether the state says BAR `bar` of A is mapped. */
static bool bar_mapped(unsigned int bar)
{
    struct bar_query q = { bar, false };

    CHECK_EQ(lfv_pdev_update(sys, A, query, &q), 1);
    return q.mapped;
}

/* MSI-X table (0xe0100) and PBA (0xe0102) pages of BAR 2. */
static void msix_holes(bool msix_mapped)
{
    setup(msix_mapped, false, false);
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK(mapped_to(hwdom, 0xe0000, 0xe0000));
    CHECK(mapped_to(hwdom, 0xe000f, 0xe000f));
    CHECK(mapped_to(hwdom, 0xe0101, 0xe0101));
    CHECK(mapped_to(hwdom, 0xe0103, 0xe0103));
    CHECK_EQ(is_mapped(hwdom, 0xe0100), msix_mapped);
    CHECK_EQ(is_mapped(hwdom, 0xe0102), msix_mapped);
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    CHECK(!is_mapped(hwdom, 0xe0100) && !is_mapped(hwdom, 0xe0101));

    /* a guest's map never includes them, whatever the option */
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    lfv_conf_write(g, VS0, BAR2, 4, 0x30000000);
    lfv_conf_write(g, VS0, CMD, 2, MEM);
    CHECK(mapped_to(g, 0x30001, 0xe0101));
    CHECK(mapped_to(g, 0x30003, 0xe0103));
    CHECK(!is_mapped(g, 0x30000) && !is_mapped(g, 0x30002));
    /* back to the hardware domain: whole again with the option */
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK(!is_mapped(g, 0x30001));
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK_EQ(is_mapped(hwdom, 0xe0100), msix_mapped);
    CHECK(mapped_to(hwdom, 0xe0101, 0xe0101));
    teardown();
}

static void check_bar(bool with_valid)
{
    setup(true, with_valid, false);
    lfv_conf_write(hwdom, A, CMD, 2, MEM | MASTER);
    /* decoding goes on in the hardware either way (4.17 skips the BAR) */
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK(mapped_to(hwdom, 0xe0000, 0xe0000));
    CHECK_EQ(is_mapped(hwdom, 0xe0101), !with_valid);
    CHECK_EQ(bar_mapped(2), !with_valid);
    CHECK(bar_mapped(0));
    if (with_valid) {
        CHECK(valid_calls >= 2); /* BARs 0 and 2; the ROM is disabled */
        CHECK_EQ(refused_calls, 1);
        CHECK(last_hw == br);
        CHECK_EQ(last_sbdf, A);
    }
    /* the ROM, enabled while MEMORY is on: asked too, with its range */
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0200001);
    CHECK(mapped_to(hwdom, 0xe0200, 0xe0200));
    if (with_valid) {
        CHECK_EQ(last_start, 0xe0200000);
        CHECK_EQ(last_end, 0xe0207fff);
    }
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0200000);
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    CHECK(!is_mapped(hwdom, 0xe0000) && !is_mapped(hwdom, 0xe0101));

    /* a guest's BARs: the host range is checked, wherever the guest puts it */
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    refused_calls = 0;
    lfv_conf_write(g, VS0, BAR0, 4, 0x40000000);
    lfv_conf_write(g, VS0, BAR1, 4, 0);
    lfv_conf_write(g, VS0, BAR2, 4, 0x30000000);
    lfv_conf_write(g, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & MEM, MEM);
    CHECK(mapped_to(g, 0x40000, 0xe0000));
    CHECK_EQ(is_mapped(g, 0x30001), !with_valid);
    if (with_valid) {
        CHECK_EQ(refused_calls, 1);
        CHECK_EQ(last_sbdf, A); /* the physical device, not the virtual */
    }
    lfv_conf_write(g, VS0, CMD, 2, 0);
    CHECK(!is_mapped(g, 0x40000) && !is_mapped(g, 0x30001));
    teardown();
}

static void ignored_writes(bool with_ignored)
{
    unsigned int expect = 0;

    setup(true, false, with_ignored);
    /* not mapped: BAR writes go through, no report */
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0010000);
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0000000);
    lfv_conf_write(hwdom, A, CMD, 2, MEM);
    CHECK_EQ(ignored_calls, 0);

    /* mapped: a new address is ignored and reported */
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0010000);
    CHECK_EQ(hw(BAR0, 4) & ~0xfu, 0xe0000000);
    expect += with_ignored;
    CHECK_EQ(ignored_calls, expect);
    if (with_ignored) {
        CHECK_EQ(last_ignored_bar, 0);
        CHECK_EQ(last_sbdf, A);
        CHECK(last_hw == br);
    }
    /* the same address (Linux restoring it): ignored, not reported */
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0000000);
    lfv_conf_write(hwdom, A, BAR1, 4, 0);
    CHECK_EQ(ignored_calls, expect);
    /* the high half of the 64-bit BAR: reported as BAR 1 */
    lfv_conf_write(hwdom, A, BAR1, 4, 0x1);
    CHECK_EQ(hw(BAR1, 4), 0);
    expect += with_ignored;
    CHECK_EQ(ignored_calls, expect);
    if (with_ignored)
        CHECK_EQ(last_ignored_bar, 1);
    lfv_conf_write(hwdom, A, BAR2, 4, 0xe0110000);
    expect += with_ignored;
    CHECK_EQ(ignored_calls, expect);
    if (with_ignored)
        CHECK_EQ(last_ignored_bar, 2);

    /* the ROM: enabling maps it; enabling it again is ignored, reported */
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0200001);
    CHECK(mapped_to(hwdom, 0xe0200, 0xe0200));
    CHECK_EQ(ignored_calls, expect);
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0200001);
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0400001);
    CHECK_EQ(hw(ROM, 4), 0xe0200001);
    expect += 2 * with_ignored;
    CHECK_EQ(ignored_calls, expect);
    if (with_ignored)
        CHECK_EQ(last_ignored_bar, LFV_HEADER_ROM);
    /* disabling is no ignored write */
    lfv_conf_write(hwdom, A, ROM, 4, 0xe0200000);
    CHECK(!is_mapped(hwdom, 0xe0200));
    CHECK_EQ(ignored_calls, expect);

    /* decoding off: writes go through again */
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    lfv_conf_write(hwdom, A, BAR0, 4, 0xe0010000);
    CHECK_EQ(hw(BAR0, 4) & ~0xfu, 0xe0010000);
    CHECK_EQ(ignored_calls, expect);
    teardown();
}

static void cmd_failure(void)
{
    struct lfv_p2m *p;

    setup(true, false, false);
    p = lfv_domain_p2m(hwdom);

    /* at once (4.17's modify_bars() failing): nothing is written */
    lfv_p2m_fail_map_after(p, 0, -EIO);
    lfv_conf_write(hwdom, A, CMD, 2, MEM | MASTER);
    lfv_p2m_fail_map_after(p, -1, 0);
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), 0);
    CHECK_EQ(lfv_conf_read(hwdom, A, CMD, 2) & (MEM | MASTER), 0);
    CHECK(!is_mapped(hwdom, 0xe0000) && !bar_mapped(0));
    /* the state agrees with the hardware: the next write maps */
    lfv_conf_write(hwdom, A, CMD, 2, MEM | MASTER);
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK(mapped_to(hwdom, 0xe0000, 0xe0000) && bar_mapped(0));
    lfv_conf_write(hwdom, A, CMD, 2, 0);
    CHECK(!is_mapped(hwdom, 0xe0000));
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), 0);

    /* deferred (4.17's vpci_process_pending()): MEMORY off, the rest in */
    CHECK_EQ(lfv_header_set_defer(hwdom, 0), 0);
    lfv_p2m_fail_map_after(p, 0, -EIO);
    lfv_conf_write(hwdom, A, CMD, 2, MEM | MASTER);
    CHECK(lfv_header_map_pending(hwdom));
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), 0);
    while (lfv_header_process_pending(hwdom, 0, NULL, NULL) == 1)
        ;
    lfv_p2m_fail_map_after(p, -1, 0);
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), MASTER);
    CHECK(!is_mapped(hwdom, 0xe0000) && !bar_mapped(0));
    lfv_conf_write(hwdom, A, CMD, 2, MEM | MASTER);
    while (lfv_header_process_pending(hwdom, 0, NULL, NULL) == 1)
        ;
    CHECK_EQ(hw(CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK(mapped_to(hwdom, 0xe0000, 0xe0000));
    teardown();
}

int main(void)
{
    lfv_rcu_register_thread();
    msix_holes(false);
    msix_holes(true);
    check_bar(false);
    check_bar(true);
    ignored_writes(false);
    ignored_writes(true);
    cmd_failure();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
