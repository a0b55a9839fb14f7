/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv_pdev_set_cap_policy() refuses (-EINVAL) a field whose hw_mask would
 * route to the hardware a control acting beyond the guest's own function
 * (risky_regs in model/caps_policy.c): PM PowerState; PCI Express
 * Initiate FLR, Phantom Functions, Max Payload Size, the error reporting
 * enables, Link Control (ASPM, Link Disable, Retrain Link...), Slot and
 * Root Control, ARI Forwarding, Link Control 2; AF's
 * Initiate FLR; any byte of AER, VC, MFVC, ACS, ATS, Multicast, PRI,
 * (VF) Resizable BAR, Secondary PCIe, PASID, DPC, L1 PM Substates, Data
 * Link Feature, Physical Layer 16/32/64 GT/s.  Byte by byte: a field of
 * any size or offset that covers one of those bits counts.  The same bits
 * kept per guest (write_mask, hw_mask 0) and their neighbours are
 * accepted, and a refused call leaves the device's policy as it was.
 */
#include <errno.h>
#include <stdio.h>

#include <lfvpci/caps.h>
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/sim_system.h"

#define PM 0x01
#define EXP 0x10
#define AF 0x13
#define PMCSR 0x44  /* the simulator's PM capability is at 0x40 */
#define DEVCTL 0x88 /* its PCI Express capability at 0x80 */

/* A field routing `mask` to the hardware (and emulating it). */
#define F(off, size, mask) { off, size, mask, mask, 0 }
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct risky_case {
    uint16_t id;
    bool ext;
    struct lfv_cap_field f;
};

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0000000 } },
    .pm = true, .pcie = true, .aer = true,
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g;

/* Standard capabilities' risky bits, reached by fields of every size. */
static const struct risky_case std_refused[] = {
    { PM, false, F(4, 2, 0x0003) },         /* PowerState */
    { PM, false, F(4, 1, 0x01) },           /* one bit of it, by byte */
    { PM, false, F(4, 4, 0x00000002) },     /* by dword */
    { EXP, false, F(0x08, 2, 0x8000) },     /* Device Control: FLR */
    { EXP, false, F(0x08, 4, 0x00008000) }, /* a dword: only bit 15 */
    { EXP, false, F(0x09, 1, 0x80) },       /* its high byte: bit 15 */
    { EXP, false, F(0x08, 2, 0x0200) },     /* Phantom Functions */
    { EXP, false, F(0x09, 1, 0x02) },       /* the same, high byte */
    { EXP, false, F(0x08, 2, 0x0020) },     /* Max Payload Size */
    { EXP, false, F(0x08, 2, 0x0040) },
    { EXP, false, F(0x08, 1, 0x80) },       /* MPS's bit 7, low byte */
    { EXP, false, F(0x10, 2, 0x0010) },     /* Link Disable */
    { EXP, false, F(0x10, 2, 0x0020) },     /* Retrain Link */
    { EXP, false, F(0x10, 1, 0x20) },
    { EXP, false, F(0x10, 4, 0x00000010) }, /* with Link Status */
    { EXP, false, F(0x10, 2, 0x0003) },     /* ASPM */
    { EXP, false, F(0x10, 2, 0x0040) },     /* Common Clock */
    { EXP, false, F(0x08, 2, 0x0004) },     /* Fatal Error Reporting */
    { EXP, false, F(0x08, 1, 0x01) },       /* Correctable Error Rep. */
    { EXP, false, F(0x18, 2, 0x0001) },     /* Slot Control */
    { EXP, false, F(0x19, 1, 0x04) },       /* Power Controller */
    { EXP, false, F(0x18, 4, 0x00004000) },
    { EXP, false, F(0x1c, 2, 0x0008) },     /* Root Control */
    { EXP, false, F(0x1d, 1, 0x80) },       /* all of it, reserved too */
    { EXP, false, F(0x1c, 4, 0x00000001) },
    { EXP, false, F(0x28, 2, 0x0020) },     /* ARI Forwarding */
    { EXP, false, F(0x28, 1, 0x20) },
    { EXP, false, F(0x28, 4, 0x00000020) },
    { EXP, false, F(0x28, 2, 0x0400) },     /* LTR Mechanism Enable */
    { EXP, false, F(0x29, 1, 0x04) },
    { EXP, false, F(0x28, 2, 0x0800) },     /* Emergency Power Reduction */
    { EXP, false, F(0x28, 2, 0x1000) },     /* 10-Bit Tag Requester */
    { EXP, false, F(0x28, 4, 0x00001000) },
    { EXP, false, F(0x28, 2, 0x2000) },     /* OBFF Enable, either bit */
    { EXP, false, F(0x29, 1, 0x40) },
    { EXP, false, F(0x30, 2, 0x000f) },     /* Target Link Speed */
    { EXP, false, F(0x30, 2, 0x0010) },     /* Enter Compliance */
    { EXP, false, F(0x31, 1, 0x03) },       /* Transmit Margin 9:8 */
    { EXP, false, F(0x30, 4, 0x00000380) },
    { AF, false, F(4, 1, 0x01) },           /* AF Control: FLR */
    { AF, false, F(4, 2, 0x0001) },
    { AF, false, F(4, 4, 0x00000001) },
};

/* Extended capabilities refused whole: any bit of any byte. */
static const uint16_t ext_refused[] = {
    0x01, /* AER */
    0x02, /* VC */
    0x08, /* MFVC */
    0x09, /* VC (0x09) */
    0x0d, /* ACS */
    0x0f, /* ATS */
    0x12, /* Multicast */
    0x13, /* PRI */
    0x15, /* Resizable BAR */
    0x18, /* LTR */
    0x19, /* Secondary PCI Express */
    0x1b, /* PASID */
    0x1d, /* DPC */
    0x1e, /* L1 PM Substates */
    0x1f, /* PTM */
    0x24, /* VF Resizable BAR */
    0x25, /* Data Link Feature */
    0x26, /* Physical Layer 16 GT/s */
    0x27, /* Lane Margining at the Receiver */
    0x2a, /* Physical Layer 32 GT/s */
    0x30, /* IDE */
    0x31, /* Physical Layer 64 GT/s */
};

static const struct lfv_cap_field ext_fields[] = {
    F(4, 4, 0x00000001), F(0x0a, 1, 0x80), F(0x0e, 2, 0x8000),
    F(0xefc, 4, 0x80000000),
};

/* Neighbours of the risky bits, and other capabilities: accepted. */
static const struct risky_case accepted[] = {
    { PM, false, F(4, 2, 0x0100) },         /* PME_En */
    { PM, false, F(4, 2, 0xfffc) },         /* all but PowerState */
    { EXP, false, F(0x08, 2, 0x0010) },     /* Relaxed Ordering */
    { EXP, false, F(0x08, 2, 0x7d10) },     /* all but FLR, PF, MPS, errs */
    { EXP, false, F(0x08, 4, 0xffff7d10) }, /* and Device Status */
    { EXP, false, F(0x09, 1, 0x7d) },
    { EXP, false, F(0x12, 2, 0xffff) },     /* Link Status */
    { EXP, false, F(0x1c, 4, 0xffff0000) }, /* Root Capabilities */
    { EXP, false, F(0x28, 2, 0x83df) },     /* all but ARI, LTR, EPR,
                                               10-bit tags, OBFF */
    { EXP, false, F(0x28, 2, 0x000f) },     /* Completion Timeout */
    { EXP, false, F(0x28, 2, 0x0040) },     /* AtomicOp Requester */
    { EXP, false, F(0x29, 1, 0x83) },       /* IDO, E2E Prefix Blocking */
    { EXP, false, F(0x2c, 4, 0xffffffff) }, /* Link Capabilities 2 */
    { EXP, false, F(0x32, 2, 0xffff) },     /* Link Status 2 */
    { AF, false, F(4, 1, 0xfe) },           /* AF Control but FLR */
    { AF, false, F(5, 1, 0x01) },           /* AF Status (5), not FLR */
    { 0x09, false, F(4, 4, 0xffffffff) },   /* vendor-specific */
    { 0x0d, false, F(4, 4, 0xffffffff) },   /* standard 0x0d: not ACS */
    { 0x0b, true, F(4, 4, 0xffffffff) },    /* extended vendor-specific */
    { 0x04, true, F(4, 1, 0xff) },          /* Power Budgeting: Data Select */
};

static int set1(uint16_t id, bool ext, const struct lfv_cap_field *f)
{
    const struct lfv_cap_rule r = { id, ext, LFV_CAP_EMULATED, f, 1 };
    const struct lfv_cap_policy p = { &r, 1, false };

    return lfv_pdev_set_cap_policy(sys, A, &p);
}

/* Refused with its hw_mask; accepted as write_mask only (per guest). */
static void check_refused(uint16_t id, bool ext,
                          const struct lfv_cap_field *f)
{
    struct lfv_cap_field emu = *f;
    int rc = set1(id, ext, f);

    CHECK_EQ(rc, -EINVAL);
    if (rc != -EINVAL)
        fprintf(stderr, "  accepted: %s 0x%02x field 0x%x/%u hw 0x%x\n",
                ext ? "ext" : "std", id, f->offset, f->size, f->hw_mask);
    emu.hw_mask = 0;
    CHECK_EQ(set1(id, ext, &emu), 0);
}

static void test_refused(void)
{
    for (unsigned int i = 0; i < N(std_refused); i++)
        check_refused(std_refused[i].id, false, &std_refused[i].f);
    for (unsigned int i = 0; i < N(ext_refused); i++)
        for (unsigned int k = 0; k < N(ext_fields); k++)
            check_refused(ext_refused[i], true, &ext_fields[k]);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
}

static void test_accepted(void)
{
    const struct lfv_cap_policy dstate = { NULL, 0, true };

    for (unsigned int i = 0; i < N(accepted); i++) {
        int rc = set1(accepted[i].id, accepted[i].ext, &accepted[i].f);

        CHECK_EQ(rc, 0);
        if (rc)
            fprintf(stderr, "  refused: %s 0x%02x field 0x%x hw 0x%x\n",
                    accepted[i].ext ? "ext" : "std", accepted[i].id,
                    accepted[i].f.offset, accepted[i].f.hw_mask);
    }
    /* the built-in PowerState field is not a policy's field */
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &dstate), 0);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
}

/* Every field of every rule is checked, not the first only. */
static void test_later_fields(void)
{
    static const struct lfv_cap_field exp_ok[] = {
        F(0x08, 2, 0x0010), F(0x28, 2, 0x0010),
    };
    static const struct lfv_cap_field exp_bad[] = {
        F(0x08, 2, 0x0010), F(0x28, 2, 0x0010), F(0x30, 2, 0x0001),
    };
    struct lfv_cap_rule r[] = {
        { PM, false, LFV_CAP_HIDDEN, NULL, 0 },
        { EXP, false, LFV_CAP_EMULATED, exp_ok, 2 },
    };
    struct lfv_cap_policy p = { r, 2, false };

    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    r[1].fields = exp_bad;
    r[1].nr_fields = 3;
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), -EINVAL);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
}

static void reassign(lfv_sbdf_t *vs)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    CHECK_EQ(lfv_pdev_owner(sys, A, NULL, vs), 0);
}

static uint32_t hw(unsigned int reg, unsigned int size)
{
    return lfv_sim_cfg_read(br, A, reg, size);
}

/*
 * The risky bits kept per guest work: the guest reads back what it wrote,
 * only the hw_mask bits (Relaxed Ordering) reach the device.
 */
static void test_emulated_only(void)
{
    static const struct lfv_cap_field devctl[] = {
        { 0x08, 2, 0x82f0, 0x0010, 0 },
    };
    static const struct lfv_cap_rule r[] = {
        { EXP, false, LFV_CAP_EMULATED, devctl, 1 },
    };
    const struct lfv_cap_policy p = { r, 1, false };
    uint32_t before = hw(DEVCTL, 2);
    lfv_sbdf_t vs;

    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &p), 0);
    reassign(&vs);
    lfv_conf_write(g, vs, DEVCTL, 2, 0x82f0);
    CHECK_EQ(hw(DEVCTL, 2), (before & ~0x10u) | 0x10);
    CHECK_EQ(lfv_conf_read(g, vs, DEVCTL, 2) & 0x82f0, 0x82f0);
    lfv_conf_write(g, vs, DEVCTL, 2, 0);
    CHECK_EQ(hw(DEVCTL, 2), before & ~0x10u);
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
    reassign(&vs);
}

/* What the device has after a policy: PM hidden, Relaxed Ordering to hw. */
static void check_kept(void)
{
    uint32_t before = hw(DEVCTL, 2);
    lfv_sbdf_t vs;

    reassign(&vs);
    CHECK_EQ(lfv_conf_read(g, vs, 0x40, 4), 0xffffffffu);
    lfv_conf_write(g, vs, DEVCTL, 2, 0x0010);
    CHECK_EQ(hw(DEVCTL, 2), before | 0x10);
    lfv_conf_write(g, vs, DEVCTL, 2, 0);
    CHECK_EQ(hw(DEVCTL, 2), before & ~0x10u);
}

/* A refused policy leaves the device's own as it was (no lost state). */
static void test_refused_keeps_policy(void)
{
    static const struct lfv_cap_field ro[] = { F(0x08, 2, 0x0010) };
    static const struct lfv_cap_field flr[] = { F(0x08, 2, 0x8010) };
    static const struct lfv_cap_field aer[] = { F(0x08, 4, 0x1) };
    static const struct lfv_cap_rule good[] = {
        { PM, false, LFV_CAP_HIDDEN, NULL, 0 },
        { EXP, false, LFV_CAP_EMULATED, ro, 1 },
    };
    static const struct lfv_cap_rule bad1[] = {
        { EXP, false, LFV_CAP_EMULATED, flr, 1 },
    };
    static const struct lfv_cap_rule bad2[] = {
        { PM, false, LFV_CAP_EMULATED, NULL, 0 },
        { 0x01, true, LFV_CAP_EMULATED, aer, 1 },
    };
    const struct lfv_cap_policy pg = { good, 2, false };
    const struct lfv_cap_policy pb1 = { bad1, 1, false };
    const struct lfv_cap_policy pb2 = { bad2, 2, true };
    lfv_sbdf_t vs;

    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &pg), 0);
    check_kept();
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &pb1), -EINVAL);
    check_kept();
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, &pb2), -EINVAL);
    check_kept();
    CHECK_EQ(lfv_pdev_set_cap_policy(sys, A, NULL), 0);
    reassign(&vs);
    CHECK_EQ(lfv_conf_read(g, vs, 0x40, 1), 0x01); /* PM back */
}

int main(void)
{
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A }, .dev = { &dev_a },
        .hooks = { &lfv_header_hook },
    };

    lfv_rcu_register_thread();
    sim_system_create(&p, &br, &sys);
    sim_domains_create(&p, sys, &hwdom, &g);
    test_refused();
    test_accepted();
    test_later_fields();
    test_emulated_only();
    test_refused_keeps_policy();
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
