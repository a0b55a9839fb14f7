/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest capability policy (<lfvpci/caps.h>): the default chains of a
 * simulated PCI Express device (PM, MSI, MSI-X, PCIe; AER hidden), every
 * virtualized field's reads and writes against the hardware (no guest
 * write to any byte of 0x40..0xfff reaches it under the default table),
 * per-device overrides and their errors, when a policy takes effect,
 * malformed hardware chains (loops, pointers into the header or the other
 * space, overlapping capabilities, lengths past the end) and a virtio-pci
 * modern device whose driver finds its common configuration through its
 * vendor-specific capabilities and reaches it in its BAR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/caps.h>
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/sim_cfg.h"

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1;

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

/* The simulator's layout: PM 0x40, MSI 0x50, MSI-X 0x70, PCIe 0x80, AER
   0x100. */
static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0000000 } },
    .pm = true, .pm_no_soft_reset = true, /* test_pm_policy: without */
    .msi = { true, true, true, 4 },
    .msix = { true, 8, 0, 0, 0, 0x2000 },
    .pcie = true, .aer = true,
};

static uint32_t rd(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    return lfv_conf_read(g1, s, reg, size);
}

static void wr(lfv_sbdf_t s, unsigned int reg, unsigned int size,
               uint32_t val)
{
    lfv_conf_write(g1, s, reg, size, val);
}

static uint32_t hw(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    return lfv_sim_cfg_read(br, s, reg, size);
}

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, A, &dev_a), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

static void reassign(lfv_sbdf_t s)
{
    CHECK_EQ(lfv_pdev_assign(sys, s, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, s, g1), 0);
}

/*
 * The guest's chains as Linux walks them, with the invariants: no
 * capability twice (no loop), each inside its space, and the walk ends
 * with a 0 pointer.  Returns the offsets and IDs found.
 */
struct walk {
    unsigned int n, pos[64], id[64];
    unsigned int ne, epos[64], eid[64];
};

static void walk(lfv_sbdf_t s, struct walk *w)
{
    static bool seen[4096];
    unsigned int pos;
    uint32_t hdr;

    memset(w, 0, sizeof(*w));
    memset(seen, 0, sizeof(seen));
    if (rd(s, 0x06, 2) & 0x10) {
        for (pos = rd(s, 0x34, 1); pos; pos = rd(s, pos + 1, 1)) {
            CHECK(pos >= 0x40 && pos <= 0xfc && !(pos & 3) && !seen[pos]);
            if (pos < 0x40 || pos > 0xfc || (pos & 3) || seen[pos] ||
                w->n == 64)
                break;
            seen[pos] = true;
            w->pos[w->n] = pos;
            w->id[w->n++] = rd(s, pos, 1);
        }
    } else {
        CHECK_EQ(rd(s, 0x34, 1), 0);
    }
    hdr = rd(s, 0x100, 4);
    if (hdr == 0xffffffffu)
        return; /* no extended space */
    for (pos = 0x100; hdr; hdr = rd(s, pos, 4)) {
        if (pos != 0x100 || (hdr & 0xffff)) {
            w->epos[w->ne] = pos;
            w->eid[w->ne++] = hdr & 0xffff;
        }
        seen[pos] = true;
        pos = hdr >> 20;
        if (!pos)
            break;
        CHECK(pos >= 0x100 && !(pos & 3) && !seen[pos]);
        if (pos < 0x100 || (pos & 3) || seen[pos] || w->ne == 64)
            break;
    }
}

/* ---- the default table on the simulated device ---- */

static void test_default_view(void)
{
    struct walk w;

    reassign(A);
    walk(VS0, &w);
    CHECK_EQ(w.n, 4);
    CHECK(w.pos[0] == 0x40 && w.id[0] == 0x01);
    CHECK(w.pos[1] == 0x50 && w.id[1] == 0x05);
    CHECK(w.pos[2] == 0x70 && w.id[2] == 0x11);
    CHECK(w.pos[3] == 0x80 && w.id[3] == 0x10);
    CHECK_EQ(w.ne, 0);
    CHECK_EQ(rd(VS0, 0x100, 4), 0);          /* AER hidden: empty chain */
    CHECK_EQ(rd(VS0, 0x104, 4), 0xffffffffu); /* and its body */
    /* the exposed bodies are the hardware's */
    for (unsigned int off = 0x42; off < 0x48; off++)
        CHECK_EQ(rd(VS0, off, 1), hw(A, off, 1));
    for (unsigned int off = 0x82; off < 0x80 + 0x3c; off++)
        CHECK_EQ(rd(VS0, off, 1), hw(A, off, 1));
    CHECK_EQ(rd(VS0, 0x80 + 0x3c, 4), 0xffffffffu);
    CHECK_EQ(lfv_cap_default_mode(0x01, false), LFV_CAP_EMULATED);
    CHECK_EQ(lfv_cap_default_mode(0x09, false), LFV_CAP_READONLY);
    CHECK_EQ(lfv_cap_default_mode(0x03, false), LFV_CAP_HIDDEN); /* VPD */
    CHECK_EQ(lfv_cap_default_mode(0x01, true), LFV_CAP_HIDDEN);  /* AER */
    CHECK_EQ(lfv_cap_default_mode(0x10, true), LFV_CAP_HIDDEN);  /* SR-IOV */
    CHECK_EQ(lfv_cap_default_mode(0x03, true), LFV_CAP_READONLY);
}

/* Cache line size per guest, latency timer read-only, BIST 0. */
static void test_header_bytes(void)
{
    uint32_t cls = hw(A, 0x0c, 1), lat = hw(A, 0x0d, 1);

    reassign(A);
    CHECK_EQ(rd(VS0, 0x0c, 1), cls);
    CHECK_EQ(rd(VS0, 0x0f, 1), 0);
    wr(VS0, 0x0c, 1, 0x10);
    wr(VS0, 0x0d, 1, 0x40);
    wr(VS0, 0x0f, 1, 0x40); /* start BIST: never reaches the device */
    CHECK_EQ(rd(VS0, 0x0c, 1), 0x10);
    CHECK_EQ(rd(VS0, 0x0d, 1), lat);
    CHECK_EQ(rd(VS0, 0x0f, 1), 0);
    CHECK_EQ(hw(A, 0x0c, 4), (uint32_t)cls | lat << 8 | 0u << 24 |
                                 (hw(A, 0x0e, 1) << 16));
}

/* PMCSR: PowerState and PME_En per guest, nothing to hardware. */
static void test_pm(void)
{
    uint32_t pmc = hw(A, 0x42, 2), pmcsr = hw(A, 0x44, 2);

    reassign(A);
    wr(VS0, 0x44, 2, 0x0103); /* D3hot, PME_En */
    CHECK_EQ(rd(VS0, 0x44, 2), (pmcsr & ~0x0103u) | 0x0103);
    CHECK_EQ(hw(A, 0x44, 2), pmcsr);
    wr(VS0, 0x44, 2, 0x8000); /* PME_Status, RW1C: not the guest's */
    CHECK_EQ(rd(VS0, 0x44, 2), pmcsr & ~0x0103u);
    CHECK_EQ(hw(A, 0x44, 2), pmcsr);
    wr(VS0, 0x42, 2, ~pmc); /* PMC: read-only */
    CHECK_EQ(rd(VS0, 0x42, 2), pmc);
    CHECK_EQ(hw(A, 0x42, 2), pmc);
    /* a new assignment starts from the hardware again */
    wr(VS0, 0x44, 2, 0x0003);
    reassign(A);
    CHECK_EQ(rd(VS0, 0x44, 2), pmcsr);
}

/* PCI Express control registers per guest; status and caps read-only. */
static void test_pcie(void)
{
    static const struct { unsigned int off; uint16_t wmask; } ctl[] = {
        { 0x08, 0x7dff }, { 0x10, 0x0fdf }, { 0x18, 0x1fff },
        { 0x1c, 0x001f }, { 0x28, 0xffff }, { 0x30, 0xffff },
    };

    reassign(A);
    for (unsigned int i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
        unsigned int reg = 0x80 + ctl[i].off;
        uint32_t h = hw(A, reg, 2);

        wr(VS0, reg, 2, 0xffff);
        CHECK_EQ(rd(VS0, reg, 2), (h & ~ctl[i].wmask) | ctl[i].wmask);
        CHECK_EQ(hw(A, reg, 2), h);
        wr(VS0, reg, 2, 0);
        CHECK_EQ(rd(VS0, reg, 2), h & ~ctl[i].wmask);
        CHECK_EQ(hw(A, reg, 2), h);
    }
    /* FLR and Retrain Link read as the hardware's (0): never started */
    wr(VS0, 0x88, 2, 0x8000);
    CHECK_EQ(rd(VS0, 0x88, 2) & 0x8000, 0);
    wr(VS0, 0x90, 2, 0x0020);
    CHECK_EQ(rd(VS0, 0x90, 2) & 0x0020, 0);
    /* DevSta's RW1C error bits stay the host's */
    wr(VS0, 0x8a, 2, 0xffff);
    CHECK_EQ(rd(VS0, 0x8a, 2), hw(A, 0x8a, 2));
}

/* Every write of every size to 0x40..0xfff: the hardware never changes. */
static void test_no_write_reaches_hw(void)
{
    static uint8_t before[4096];
    unsigned int bad = 0;

    reassign(A);
    for (unsigned int off = 0; off < 4096; off++)
        before[off] = hw(A, off, 1);
    for (unsigned int off = 0x40; off < 4096; off++)
        for (unsigned int size = 1; size <= 4; size *= 2)
            if (!(off % size)) {
                wr(VS0, off, size, 0xffffffffu);
                wr(VS0, off, size, 0);
                wr(VS0, off, size, 0x5a5a5a5au);
            }
    for (unsigned int off = 0x40; off < 4096; off++)
        if (hw(A, off, 1) != before[off] && bad++ < 8)
            fprintf(stderr, "hardware byte 0x%03x: %02x -> %02x\n", off,
                    before[off], hw(A, off, 1));
    CHECK_EQ(bad, 0);
}

/* ---- overrides ---- */

static void test_policy_errors(void)
{
    static const struct lfv_cap_field bad_fields[][1] = {
        { { 0, 2, 0xffff, 0, 0 } },       /* over the header */
        { { 5, 2, 0xffff, 0, 0 } },       /* misaligned */
        { { 4, 3, 0xff, 0, 0 } },         /* size */
        { { 4, 1, 0x1ff, 0, 0 } },        /* mask past the size */
        { { 4, 2, 0x00ff, 0x0100, 0 } },  /* hw_mask outside write_mask */
        { { 0xc0, 2, 0xffff, 0, 0 } },    /* past 0xff */
    };
    static const struct lfv_cap_field overlap[] = {
        { 4, 4, 0xff, 0, 0 }, { 6, 2, 0xff, 0, 0 },
    };
    struct lfv_cap_rule r[2];
    struct lfv_cap_policy p = { r, 1, false };

    for (unsigned int i = 0; i < sizeof(bad_fields) / sizeof(bad_fields[0]);
         i++) {
        r[0] = (struct lfv_cap_rule){ 0x01, false, LFV_CAP_EMULATED,
                                      bad_fields[i], 1 };
        CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL);
    }
    r[0] = (struct lfv_cap_rule){ 0x01, false, LFV_CAP_EMULATED, overlap, 2 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL);
    r[0] = (struct lfv_cap_rule){ 0x01, false, LFV_CAP_READONLY, overlap, 1 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* not emulated */
    r[0] = (struct lfv_cap_rule){ 0x05, false, LFV_CAP_READONLY, NULL, 0 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* MSI */
    r[0] = (struct lfv_cap_rule){ 0x11, false, LFV_CAP_EMULATED, overlap, 1 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* MSI-X */
    r[0] = (struct lfv_cap_rule){ 0x10, true, LFV_CAP_READONLY, NULL, 0 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* SR-IOV */
    r[0] = (struct lfv_cap_rule){ 0x100, false, LFV_CAP_HIDDEN, NULL, 0 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* ID */
    r[0] = (struct lfv_cap_rule){ 0x01, false, 7, NULL, 0 };
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* mode */
    r[0] = r[1] = (struct lfv_cap_rule){ 0x01, false, LFV_CAP_HIDDEN, NULL,
                                         0 };
    p.nr_rules = 2;
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL); /* twice */
    r[1].ext = true; /* the same ID in the other space is another one */
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, LFV_SBDF(0, 9, 0, 0), &p),
             -ENOENT);
    CHECK_EQ(lfv_pdev_set_cap_policy(NULL, A, &p), -EINVAL);
    p.rules = NULL;
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
}

static void test_policy_override(void)
{
    static const struct lfv_cap_rule rules[] = {
        { 0x10, false, LFV_CAP_HIDDEN, NULL, 0 },  /* PCIe */
        { 0x01, false, LFV_CAP_HIDDEN, NULL, 0 },  /* PM */
        { 0x01, true, LFV_CAP_READONLY, NULL, 0 }, /* AER */
    };
    struct lfv_cap_policy p = { rules, 3, false };
    struct walk w;
    uint32_t aer = hw(A, 0x100, 4), unc = hw(A, 0x104, 4);

    reassign(A);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    walk(VS0, &w);
    CHECK_EQ(w.n, 4); /* the owner keeps the view it got */
    reassign(A);      /* the next assignment uses the policy */
    walk(VS0, &w);
    CHECK_EQ(w.n, 2);
    CHECK(w.pos[0] == 0x50 && w.pos[1] == 0x70);
    CHECK_EQ(rd(VS0, 0x34, 1), 0x50);
    CHECK_EQ(rd(VS0, 0x71, 1), 0); /* MSI-X ends the chain */
    CHECK_EQ(rd(VS0, 0x40, 4), 0xffffffffu);
    CHECK_EQ(rd(VS0, 0x80, 4), 0xffffffffu);
    CHECK_EQ(w.ne, 1);
    CHECK(w.epos[0] == 0x100 && w.eid[0] == 0x0001);
    CHECK_EQ(rd(VS0, 0x100, 4), aer & 0xfffff); /* its next: none */
    CHECK_EQ(rd(VS0, 0x104, 4), unc);
    wr(VS0, 0x104, 4, 0xffffffffu); /* RW1C status: read-only here */
    CHECK_EQ(hw(A, 0x104, 4), unc);

    /* nothing standard at all: CAP_LIST reads 0 */
    {
        static const struct lfv_cap_rule none[] = {
            { 0x01, false, LFV_CAP_HIDDEN, NULL, 0 },
            { 0x05, false, LFV_CAP_HIDDEN, NULL, 0 },
            { 0x10, false, LFV_CAP_HIDDEN, NULL, 0 },
            { 0x11, false, LFV_CAP_HIDDEN, NULL, 0 },
        };
        struct lfv_cap_policy q = { none, 4, false };

        CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &q), 0);
        reassign(A);
        CHECK_EQ(rd(VS0, 0x06, 2) & 0x10, 0);
        CHECK_EQ(rd(VS0, 0x34, 1), 0);
        walk(VS0, &w);
        CHECK_EQ(w.n, 0);
    }
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
    reassign(A);
    walk(VS0, &w);
    CHECK_EQ(w.n, 4);
}

/*
 * A guest's device starts with MSI and MSI-X off in hardware whatever the
 * previous owner left, as it starts with decoding and bus mastering off:
 * also when its policy hides them (no hook emulates them then to turn
 * them off) or no MSI hook is registered (this system has the header's
 * only), or the previous owner's messages keep firing from the device the
 * new owner drives.
 */
static void test_msi_off_at_assign(void)
{
    static const struct lfv_cap_rule hide[] = {
        { 0x05, false, LFV_CAP_HIDDEN, NULL, 0 },
        { 0x11, false, LFV_CAP_HIDDEN, NULL, 0 },
    };
    struct lfv_cap_policy q = { hide, 2, false };

    for (unsigned int hidden = 0; hidden < 2; hidden++) {
        CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, hidden ? &q : NULL), 0);
        CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
        /* the hardware domain's (gaps here: straight to the hardware) */
        lfv_conf_write(hwdom, A, 0x52, 2, hw(A, 0x52, 2) | 0x1);
        lfv_conf_write(hwdom, A, 0x72, 2, hw(A, 0x72, 2) | 0x8000);
        CHECK_EQ(hw(A, 0x52, 2) & 0x1, 0x1);
        CHECK_EQ(hw(A, 0x72, 2) & 0x8000, 0x8000);
        CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
        CHECK_EQ(hw(A, 0x52, 2) & 0x1, 0);
        CHECK_EQ(hw(A, 0x72, 2) & 0xc000, 0);
    }
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
    reassign(A);
}

static void test_policy_fields(void)
{
    static const struct lfv_cap_field ro[] = {
        { 0x08, 2, 0x0010, 0x0010, 0 }, /* Relaxed Ordering, to hardware */
    };
    static const struct lfv_cap_rule rules[] = {
        { 0x10, false, LFV_CAP_EMULATED, ro, 1 },
    };
    static const struct lfv_cap_field past[] = {
        { 0x08, 2, 0xffff, 0, 0 }, /* PM is 8 bytes */
    };
    static const struct lfv_cap_rule bad[] = {
        { 0x01, false, LFV_CAP_EMULATED, past, 1 },
    };
    struct lfv_cap_policy p = { rules, 1, true };
    unsigned int domid;
    uint32_t devctl = hw(A, 0x88, 2), pmcsr = hw(A, 0x44, 2);

    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    reassign(A);
    wr(VS0, 0x88, 2, 0x00f0); /* RO bit and the MPS field */
    CHECK_EQ(hw(A, 0x88, 2), (devctl & ~0x10u) | 0x10);
    CHECK_EQ(rd(VS0, 0x88, 2), (devctl & ~0x10u) | 0x10); /* MPS: hw's */
    wr(VS0, 0x88, 2, 0);
    CHECK_EQ(hw(A, 0x88, 2), devctl & ~0x10u);
    /* pm_dstate_to_hw: PowerState goes through, PME_En does not */
    wr(VS0, 0x44, 2, 0x0103);
    CHECK_EQ(hw(A, 0x44, 2), (pmcsr & ~0x3u) | 0x3);
    CHECK_EQ(rd(VS0, 0x44, 2), (pmcsr & ~0x103u) | 0x103);
    wr(VS0, 0x44, 2, 0);
    CHECK_EQ(hw(A, 0x44, 2), pmcsr & ~0x3u);
    lfv_sim_cfg_write(br, A, 0x88, 2, devctl);
    /* a field past its capability fails the assignment, cleanly */
    p.rules = bad;
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), -EINVAL);
    CHECK_EQ(lfv_pdev_owner(sys, A, &domid, NULL), 0);
    CHECK_EQ(domid, 0);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
}

/* ---- devices from a configuration space ---- */

/* A device with 4096 bytes of cfg and the given Region lines, at s. */
static void add_cfg(lfv_sbdf_t s, const uint8_t *cfg, const char *regions)
{
    CHECK_EQ(sim_cfg_add(br, s, cfg, regions), 0);
    CHECK_EQ(lfv_pdev_add(sys, s), 0);
    CHECK_EQ(lfv_pdev_assign(sys, s, g1), 0);
}

static void gone(lfv_sbdf_t s)
{
    CHECK_EQ(lfv_pdev_remove(sys, s), 0);
    CHECK_EQ(lfv_sim_remove(br, s), 0);
}

static void base_cfg(uint8_t *cfg)
{
    memset(cfg, 0, 4096);
    sim_cfg_put(cfg, 0x00, 4, 0x56781234);
    sim_cfg_put(cfg, 0x08, 4, 0x02000001);
    sim_cfg_put(cfg, 0x06, 2, 0x0010);
    sim_cfg_put(cfg, 0x10, 4, 0xe1000000);
}

#define REGION0 "\tRegion 0: Memory at e1000000 (32-bit, non-prefetchable) " \
                "[size=4K]\n"

static void test_malformed(void)
{
    static uint8_t cfg[4096];
    const lfv_sbdf_t M = LFV_SBDF(0, 2, 0, 0);
    lfv_sbdf_t vs;
    struct walk w;

    /* a loop: PM -> vendor -> PM; the extended one loops too */
    base_cfg(cfg);
    cfg[0x34] = 0x40;
    sim_cfg_put(cfg, 0x40, 4, 0x00035001); /* PM, next 0x50 */
    sim_cfg_put(cfg, 0x50, 4, 0x00104009); /* vendor, len 16, next 0x40 */
    sim_cfg_put(cfg, 0x100, 4, 0x14010003); /* DSN, next 0x140 */
    sim_cfg_put(cfg, 0x140, 4, 0x1001000b); /* VSEC, next 0x100 */
    sim_cfg_put(cfg, 0x144, 4, 0x00800001); /* length 8 */
    add_cfg(M, cfg, REGION0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    walk(vs, &w);
    CHECK(w.n == 2 && w.pos[0] == 0x40 && w.pos[1] == 0x50);
    CHECK(w.ne == 2 && w.epos[0] == 0x100 && w.epos[1] == 0x140);
    CHECK_EQ(rd(vs, 0x150, 4), 0xffffffffu); /* past the VSEC's length */
    gone(M);

    /* pointers into the header or the other space end the chains */
    base_cfg(cfg);
    cfg[0x34] = 0x40;
    sim_cfg_put(cfg, 0x40, 4, 0x00031001); /* PM, next 0x10 */
    sim_cfg_put(cfg, 0x100, 4, 0x08010003); /* DSN, next 0x080 */
    add_cfg(M, cfg, REGION0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    walk(vs, &w);
    CHECK(w.n == 1 && w.pos[0] == 0x40 && rd(vs, 0x41, 1) == 0);
    CHECK(w.ne == 1 && rd(vs, 0x100, 4) == 0x00010003);
    gone(M);

    /* the capability pointer into the header: no capabilities */
    base_cfg(cfg);
    cfg[0x34] = 0x20;
    add_cfg(M, cfg, REGION0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    CHECK_EQ(rd(vs, 0x06, 2) & 0x10, 0);
    CHECK_EQ(rd(vs, 0x34, 1), 0);
    gone(M);

    /*
     * MSI (64-bit, maskable: 24 bytes) overlapped by a vendor capability
     * 8 bytes on: hidden; a vendor one at 0xf8 claiming 64 bytes is cut
     * at 0x100; SR-IOV at 0x100 hidden behind a Null capability.
     */
    base_cfg(cfg);
    cfg[0x34] = 0x40;
    sim_cfg_put(cfg, 0x40, 4, 0x01804805); /* MSI, next 0x48 */
    sim_cfg_put(cfg, 0x48, 4, 0x0008f809); /* vendor, len 8, next 0xf8 */
    sim_cfg_put(cfg, 0xf8, 4, 0x00400009); /* vendor, len 64 */
    sim_cfg_put(cfg, 0xfc, 4, 0x11223344);
    sim_cfg_put(cfg, 0x100, 4, 0x20010010); /* SR-IOV, next 0x200 */
    sim_cfg_put(cfg, 0x200, 4, 0x00010003); /* DSN */
    sim_cfg_put(cfg, 0x204, 4, 0xaabbccdd);
    add_cfg(M, cfg, REGION0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    walk(vs, &w);
    CHECK(w.n == 2 && w.pos[0] == 0x48 && w.pos[1] == 0xf8);
    CHECK_EQ(rd(vs, 0x40, 4), 0xffffffffu);
    CHECK_EQ(rd(vs, 0xfc, 4), 0x11223344);
    CHECK_EQ(rd(vs, 0x100, 4), 0x20000000u); /* Null, next 0x200 */
    CHECK(w.ne == 1 && w.epos[0] == 0x200 && w.eid[0] == 3);
    CHECK_EQ(rd(vs, 0x204, 4), 0xaabbccdd);
    CHECK_EQ(rd(vs, 0x104, 4), 0xffffffffu); /* SR-IOV's body */
    gone(M);
}

/*
 * A field wider than its hw_mask's bytes writes those bytes only: a dword
 * over Device Control and Device Status, Relaxed Ordering to the hardware,
 * no hw_rw1c_mask declared, leaves the status's RW1C error bits alone.
 */
static void test_field_hw_bytes(void)
{
    static const struct lfv_cap_field dw[] = {
        { 0x08, 4, 0x0010, 0x0010, 0 },
    };
    static const struct lfv_cap_rule r[] = {
        { 0x10, false, LFV_CAP_EMULATED, dw, 1 },
    };
    const struct lfv_cap_policy p = { r, 1, false };
    const lfv_sbdf_t M = LFV_SBDF(0, 2, 0, 0);
    static uint8_t cfg[4096];
    lfv_sbdf_t vs;

    base_cfg(cfg);
    cfg[0x34] = 0x40;
    sim_cfg_put(cfg, 0x40, 4, 0x00020010); /* PCIe v2 endpoint */
    sim_cfg_put(cfg, 0x48, 4, 0x000f2000); /* DevSta: 4 errors; MRRS */
    CHECK_EQ(sim_cfg_add(br, M, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, M), 0);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, M, &p), 0);
    CHECK_EQ(lfv_pdev_assign(sys, M, g1), 0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    CHECK_EQ(hw(M, 0x48, 4), 0x000f2000);
    wr(vs, 0x48, 4, 0x000f0010); /* the guest's RW1C write: emulated */
    CHECK_EQ(hw(M, 0x48, 4), 0x000f2010);
    wr(vs, 0x48, 2, 0);
    CHECK_EQ(hw(M, 0x48, 4), 0x000f2000);
    gone(M);
}

/*
 * STATUS for a guest (peers.md: RW1C missing in VFIO, cloud-hypervisor,
 * crosvm and bhyve): a 1 clears that error bit in the hardware, a 0 keeps
 * it; a byte or a dword write over COMMAND and STATUS writes STATUS's
 * RW1C bits as given, never the 1s it reads back, so it clears nothing
 * it did not name.
 */
static void test_status_rw1c(void)
{
    const lfv_sbdf_t M = LFV_SBDF(0, 2, 0, 0);
    static uint8_t cfg[4096];
    lfv_sbdf_t vs;

    base_cfg(cfg);
    sim_cfg_put(cfg, 0x06, 2, 0xf910); /* bits 8, 11-15 set; CAP_LIST */
    CHECK_EQ(sim_cfg_add(br, M, cfg, REGION0), 0);
    CHECK_EQ(lfv_pdev_add(sys, M), 0);
    CHECK_EQ(lfv_pdev_assign(sys, M, g1), 0);
    CHECK_EQ(lfv_pdev_owner(sys, M, NULL, &vs), 0);
    CHECK_EQ(rd(vs, 0x06, 2), 0xf900); /* no capability: CAP_LIST hidden */
    wr(vs, 0x06, 2, 0x0100);           /* clears bit 8 only */
    CHECK_EQ(hw(M, 0x06, 2), 0xf810);
    CHECK_EQ(rd(vs, 0x06, 2), 0xf800);
    wr(vs, 0x06, 1, 0);                /* low byte: the high one kept */
    wr(vs, 0x06, 2, 0);                /* zeros keep */
    wr(vs, 0x04, 2, 0);                /* COMMAND alone */
    CHECK_EQ(hw(M, 0x06, 2), 0xf810);
    wr(vs, 0x04, 4, 0x80000000);       /* over COMMAND: bit 15 only */
    CHECK_EQ(hw(M, 0x06, 2), 0x7810);
    wr(vs, 0x04, 4, rd(vs, 0x04, 4));  /* what it reads back, as set */
    CHECK_EQ(hw(M, 0x06, 2), 0x0010);  /* clears every bit it read set */
    CHECK_EQ(rd(vs, 0x06, 2), 0);
    gone(M);
}

/* ---- virtio-pci modern ---- */

enum { VIRTIO_COMMON = 1, VIRTIO_NOTIFY, VIRTIO_ISR, VIRTIO_DEVICE,
       VIRTIO_PCI_CFG };

static void virtio_cap(uint8_t *cfg, unsigned int pos, unsigned int next,
                       unsigned int type, uint32_t off, uint32_t len)
{
    cfg[pos] = 0x09;
    cfg[pos + 1] = (uint8_t)next;
    cfg[pos + 2] = type == VIRTIO_NOTIFY || type == VIRTIO_PCI_CFG ? 20 : 16;
    cfg[pos + 3] = (uint8_t)type;
    cfg[pos + 4] = type == VIRTIO_PCI_CFG ? 0 : 4; /* BAR 4 */
    sim_cfg_put(cfg, pos + 8, 4, off);
    sim_cfg_put(cfg, pos + 12, 4, len);
    if (type == VIRTIO_NOTIFY)
        sim_cfg_put(cfg, pos + 16, 4, 4); /* notify_off_multiplier */
}

static void test_virtio_modern(void)
{
    static uint8_t cfg[4096];
    const lfv_sbdf_t V = LFV_SBDF(0, 3, 0, 0);
    unsigned int pos, found[6] = { 0 }, common = 0;
    uint64_t bar, mfn;
    lfv_sbdf_t vs;

    /* QEMU's virtio-net-pci layout */
    memset(cfg, 0, sizeof(cfg));
    sim_cfg_put(cfg, 0x00, 4, 0x10411af4);
    sim_cfg_put(cfg, 0x06, 2, 0x0010);
    sim_cfg_put(cfg, 0x08, 4, 0x02000001);
    sim_cfg_put(cfg, 0x14, 4, 0xe2000000);        /* BAR1: MSI-X */
    sim_cfg_put(cfg, 0x20, 4, 0xe2004000 | 0xc);  /* BAR4: 64-bit pref */
    sim_cfg_put(cfg, 0x2c, 4, 0x11001af4);
    cfg[0x34] = 0x98;
    sim_cfg_put(cfg, 0x98, 4, 0x00028411);        /* MSI-X, 3 vectors */
    sim_cfg_put(cfg, 0x9c, 4, 0x00000001);
    sim_cfg_put(cfg, 0xa0, 4, 0x00000801);
    virtio_cap(cfg, 0x84, 0x70, VIRTIO_COMMON, 0x0000, 0x1000);
    virtio_cap(cfg, 0x70, 0x60, VIRTIO_NOTIFY, 0x3000, 0x1000);
    virtio_cap(cfg, 0x60, 0x50, VIRTIO_ISR, 0x1000, 0x1000);
    virtio_cap(cfg, 0x50, 0xa4, VIRTIO_DEVICE, 0x2000, 0x1000);
    virtio_cap(cfg, 0xa4, 0x00, VIRTIO_PCI_CFG, 0, 0);
    add_cfg(V, cfg,
            "\tRegion 1: Memory at e2000000 (32-bit, non-prefetchable) "
            "[size=4K]\n"
            "\tRegion 4: Memory at e2004000 (64-bit, prefetchable) "
            "[size=16K]\n");
    CHECK_EQ(lfv_pdev_owner(sys, V, NULL, &vs), 0);
    CHECK_EQ(rd(vs, 0x00, 4), 0x10411af4);

    /* virtio_pci_find_capability(), as Linux's virtio_pci_modern_dev */
    for (pos = rd(vs, 0x34, 1); pos; pos = rd(vs, pos + 1, 1)) {
        unsigned int type = rd(vs, pos + 3, 1);

        if (rd(vs, pos, 1) != 0x09 || type > VIRTIO_PCI_CFG)
            continue;
        found[type]++;
        if (type == VIRTIO_COMMON && rd(vs, pos + 4, 1) == 4)
            common = pos;
    }
    for (unsigned int t = VIRTIO_COMMON; t <= VIRTIO_PCI_CFG; t++)
        CHECK_EQ(found[t], 1);
    CHECK_EQ(rd(vs, 0x70 + 16, 4), 4); /* notify_off_multiplier */
    CHECK_EQ(common, 0x84);
    CHECK_EQ(rd(vs, common + 8, 4), 0);
    CHECK_EQ(rd(vs, common + 12, 4), 0x1000);
    /* the PCI config access window is read-only: no BAR access by proxy */
    wr(vs, 0xa4 + 16, 4, 0xdeadbeef);
    CHECK_EQ(hw(V, 0xa4 + 16, 4), 0);
    CHECK_EQ(rd(vs, 0xa4 + 16, 4), 0);

    /* where the common configuration is: BAR 4 + offset, mapped there */
    bar = (rd(vs, 0x20, 4) & ~0xfull) | (uint64_t)rd(vs, 0x24, 4) << 32;
    CHECK_EQ(bar, 0xe2004000);
    wr(vs, 0x04, 2, 0x2); /* memory decoding on */
    CHECK(lfv_p2m_translate(lfv_domain_p2m(g1),
                            (bar + rd(vs, common + 8, 4)) >> 12, &mfn));
    CHECK_EQ(mfn << 12, 0xe2004000 + 0x0000);
    CHECK(lfv_p2m_translate(lfv_domain_p2m(g1), (bar + 0x3000) >> 12, &mfn));
    CHECK_EQ(mfn << 12, 0xe2004000 + 0x3000); /* notify */
    wr(vs, 0x04, 2, 0);
    gone(V);
}

int main(void)
{
    lfv_rcu_register_thread();
    setup();
    test_default_view();
    test_header_bytes();
    test_pm();
    test_pcie();
    test_no_write_reaches_hw();
    test_policy_errors();
    test_policy_override();
    test_msi_off_at_assign();
    test_policy_fields();
    test_malformed();
    test_field_hw_bytes();
    test_status_rw1c();
    test_virtio_modern();
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
