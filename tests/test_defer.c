/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deferred, preemptible BAR mapping (<lfvpci/header.h>,
 * lfv_header_process_pending()): the p2m after an operation run in
 * chunks of every budget, and with preemption after every p2m call,
 * equals the synchronous result; no call changes more frames than its
 * budget; the hardware COMMAND/ROM and the guest's view change only when
 * the operation completes; failures at every chunk undo (map) or keep
 * (unmap) as documented; writes while pending; and a pending operation
 * cancelled by de-assignment, removal and domain destruction leaves the
 * old owner nothing of the device.  Then threads racing all of it.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

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
#define ROM_REG 0x30

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

/*
 * D: 1296 frames to map for a guest: BAR 0 16 frames less its MSI-X
 * table and PBA frames, a 64-bit 4 MiB BAR (two 2 MiB blocks), a 1 MiB
 * BAR, a 64 KiB ROM.
 */
static const struct lfv_sim_device_desc dev_d = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = {
        { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
        { LFV_SIM_BAR_NONE, false, 0, 0 },
        { LFV_SIM_BAR_MEM64, true, 0x400000, 0x400000000ull },
        { LFV_SIM_BAR_NONE, false, 0, 0 },
        { LFV_SIM_BAR_MEM32, false, 0x100000, 0xe0100000 },
    },
    .rom_size = 0x10000, .rom_addr = 0xe0200000,
    .msix = { true, 16, 0, 0x4000, 0, 0x8000 },
    .pcie = true,
};

/* E: one page. */
static const struct lfv_sim_device_desc dev_e = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
};

static const lfv_sbdf_t D = LFV_SBDF(0, 1, 0, 0), E = LFV_SBDF(0, 2, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0), VS1 = LFV_SBDF(0, 0, 1, 0);

/* ---- the p2m as coalesced ranges ---- */

#define MAX_RUNS 64
struct runs {
    unsigned int n;
    struct { uint64_t gfn, nr, mfn; } r[MAX_RUNS];
    bool overflow;
};

static int add_run(uint64_t gfn, uint64_t nr, uint64_t mfn, void *ctxt)
{
    struct runs *rs = ctxt;

    if (rs->n && rs->r[rs->n - 1].gfn + rs->r[rs->n - 1].nr == gfn &&
        rs->r[rs->n - 1].mfn + rs->r[rs->n - 1].nr == mfn) {
        rs->r[rs->n - 1].nr += nr;
        return 0;
    }
    if (rs->n == MAX_RUNS) {
        rs->overflow = true;
        return 1;
    }
    rs->r[rs->n].gfn = gfn, rs->r[rs->n].nr = nr, rs->r[rs->n].mfn = mfn;
    rs->n++;
    return 0;
}

static struct runs snapshot(struct lfv_domain *d)
{
    struct runs rs = { .n = 0 };

    lfv_rcu_read_lock();
    lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(d)), add_run, &rs);
    lfv_rcu_read_unlock();
    CHECK(!rs.overflow);
    return rs;
}

static bool runs_equal(const struct runs *a, const struct runs *b)
{
    return a->n == b->n && !memcmp(a->r, b->r, a->n * sizeof(a->r[0]));
}

/* Every mapped frame of d is mapped as in ref. */
static int in_ref(uint64_t gfn, uint64_t nr, uint64_t mfn, void *ctxt)
{
    const struct runs *ref = ctxt;

    for (unsigned int i = 0; i < ref->n; i++)
        if (gfn >= ref->r[i].gfn && gfn + nr <= ref->r[i].gfn + ref->r[i].nr)
            return mfn - gfn == ref->r[i].mfn - ref->r[i].gfn ? 0 : 1;
    return 1;
}

static bool subset_of(struct lfv_domain *d, const struct runs *ref)
{
    int rc;

    lfv_rcu_read_lock();
    rc = lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(d)), in_ref,
                              (void *)ref);
    lfv_rcu_read_unlock();
    return !rc;
}

static uint64_t frames(struct lfv_domain *d)
{
    return lfv_p2m_nr_frames(lfv_domain_p2m(d));
}

static uint32_t hw(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    return lfv_sim_cfg_read(br, s, reg, size);
}

static uint32_t rd(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                   unsigned int size)
{
    return lfv_conf_read(d, s, reg, size);
}

static void wr(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
               unsigned int size, uint32_t val)
{
    lfv_conf_write(d, s, reg, size, val);
}

/* Process until nothing is pending; the number of calls. */
static unsigned int drain(struct lfv_domain *d, uint64_t budget)
{
    unsigned int calls = 1;

    while (lfv_header_process_pending(d, budget, NULL, NULL) == 1)
        calls++;
    return calls;
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}


/* ---- finding the state (tests only: a hook that remembers it) ---- */

static struct lfv_vpci *last_state[2];

static int probe_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    (void)e;
    __atomic_store_n(&last_state[lfv_vpci_sbdf(v) == D ? 0 : 1], v,
                     __ATOMIC_RELEASE);
    return 0;
}

static const struct lfv_vpci_hook probe_hook = { .name = "probe",
                                                 .init = probe_init };

static struct lfv_vpci *state_of(lfv_sbdf_t sbdf)
{
    return __atomic_load_n(&last_state[sbdf == D ? 0 : 1], __ATOMIC_ACQUIRE);
}

/* Whether D's current state reports BAR `bar` mapped. */
static bool bar_mapped(unsigned int bar)
{
    struct lfv_header_bar_info info;
    struct lfv_vpci *v = state_of(D);

    return v && !lfv_header_bar(v, bar, &info) && info.mapped;
}

static void setup_probe(void)
{
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { D, E }, .dev = { &dev_d, &dev_e },
        .hooks = { &lfv_header_hook, &probe_hook },
    };

    sim_system_create(&p, &br, &sys);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK_EQ(lfv_pdev_add(sys, D), 0);
    CHECK_EQ(lfv_pdev_add(sys, E), 0);
}

/* ---- the synchronous reference ---- */

static struct runs reference(struct lfv_domain *g, lfv_sbdf_t vs)
{
    struct runs ref;

    CHECK_EQ(lfv_header_set_defer(g, LFV_HEADER_SYNC_ALL), 0);
    wr(g, vs, CMD, 2, MEM);
    CHECK(!lfv_header_map_pending(g));
    ref = snapshot(g);
    wr(g, vs, CMD, 2, 0);
    CHECK_EQ(frames(g), 0);
    return ref;
}

static uint64_t runs_frames(const struct runs *r)
{
    uint64_t n = 0;

    for (unsigned int i = 0; i < r->n; i++)
        n += r->r[i].nr;
    return n;
}

static bool always(void *arg)
{
    (*(unsigned int *)arg)++;
    return true;
}

/*
 * One map and one unmap of D in g1 with the given budget (0: none) or
 * preemption after every p2m call: every call stays within the budget,
 * nothing shows before completion, the result equals ref.
 */
static void chunked(const struct runs *ref, uint64_t budget, bool preempt)
{
    uint64_t total = runs_frames(ref);
    unsigned int calls = 0, prev_calls = 0, pcount = 0;
    struct lfv_p2m *p = lfv_domain_p2m(g1);
    struct lfv_p2m_stats st;
    bool bounded = true, hidden = true, subset = true;
    int rc;

    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, 0);
    wr(g1, VS0, CMD, 2, MEM | MASTER);
    CHECK(lfv_header_map_pending(g1));
    CHECK_EQ(frames(g1), 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), 0); /* the old value */
    CHECK_EQ(hw(D, CMD, 2) & MEM, 0);
    do {
        lfv_p2m_stats_reset(p);
        rc = lfv_header_process_pending(g1, budget, preempt ? always : NULL,
                                        &pcount);
        lfv_p2m_stats(p, &st);
        calls++;
        if (budget && st.max_batch_frames > budget)
            bounded = false;
        if (preempt && st.map_calls > 1)
            bounded = false;
        if (rc == 1 && ((rd(g1, VS0, CMD, 2) & MEM) ||
                        (hw(D, CMD, 2) & MEM) || bar_mapped(2)))
            hidden = false;
        if (!subset_of(g1, ref))
            subset = false;
    } while (rc == 1 && calls < 100000);
    CHECK_EQ(rc, 0);
    CHECK(bounded);
    CHECK(hidden);
    CHECK(subset);
    if (budget)
        CHECK(calls >= (total + budget - 1) / budget);
    {
        struct runs got = snapshot(g1);

        CHECK(runs_equal(&got, ref));
    }
    CHECK(!lfv_header_map_pending(g1));
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(hw(D, CMD, 2) & MEM, MEM);
    CHECK(bar_mapped(2));
    /* the simulated p2m merged the chunks: its last batch added one */
    CHECK(lfv_p2m_nr_entries(p) <= ref->n + 1);

    prev_calls = calls;
    calls = 0;
    wr(g1, VS0, CMD, 2, MASTER);
    CHECK(lfv_header_map_pending(g1));
    CHECK_EQ(frames(g1), total);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & MEM, MEM);
    do {
        uint64_t before = frames(g1);

        rc = lfv_header_process_pending(g1, budget, preempt ? always : NULL,
                                        &pcount);
        calls++;
        if (budget && before - frames(g1) > budget)
            bounded = false;
        if (rc == 1 && (!(rd(g1, VS0, CMD, 2) & MEM) ||
                        !(hw(D, CMD, 2) & MEM)))
            hidden = false;
    } while (rc == 1 && calls < 100000);
    CHECK_EQ(rc, 0);
    CHECK(bounded);
    CHECK(hidden);
    CHECK_EQ(frames(g1), 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MASTER);
    CHECK_EQ(hw(D, CMD, 2) & MEM, 0);
    CHECK(!bar_mapped(2));
    if (preempt)
        CHECK(pcount >= prev_calls - 1);
}

static void test_chunks(void)
{
    static const uint64_t budgets[] = { 1, 2, 3, 7, 16, 100, 511, 512, 513,
                                        1024, 1295, 1296, 1297, 0 };
    struct runs ref;

    setup_probe();
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    ref = reference(g1, VS0);
    /* BAR 0 less two MSI-X frames, 1024 + 256 */
    CHECK_EQ(runs_frames(&ref), 14 + 1024 + 256);
    for (unsigned int i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++)
        chunked(&ref, budgets[i], false);
    chunked(&ref, 0, true);
    chunked(&ref, 5, true);

    /* the default keeps writes synchronous */
    CHECK_EQ(lfv_header_set_defer(g1, LFV_HEADER_SYNC_ALL), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK(!lfv_header_map_pending(g1));
    CHECK_EQ(frames(g1), runs_frames(&ref));
    wr(g1, VS0, CMD, 2, 0);
    CHECK_EQ(frames(g1), 0);
    /* small operations stay synchronous under the limit */
    CHECK_EQ(lfv_header_set_defer(g1, runs_frames(&ref)), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK(!lfv_header_map_pending(g1));
    CHECK_EQ(frames(g1), runs_frames(&ref));
    CHECK_EQ(lfv_header_set_defer(g1, runs_frames(&ref) - 1), 0);
    wr(g1, VS0, CMD, 2, 0);
    CHECK(lfv_header_map_pending(g1));
    drain(g1, 0);
    CHECK_EQ(frames(g1), 0);
    /* a chunk the budget cuts ends on a 2 MiB boundary when it can */
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_header_process_pending(g1, 14 + 600, NULL, NULL), 1);
    CHECK_EQ(frames(g1), 14 + 512);
    drain(g1, 0);
    wr(g1, VS0, CMD, 2, 0);
    drain(g1, 0);
    CHECK_EQ(frames(g1), 0);

    CHECK_EQ(lfv_header_set_defer(NULL, 0), -EINVAL);
    CHECK_EQ(lfv_header_process_pending(NULL, 0, NULL, NULL), -EINVAL);
    CHECK(!lfv_header_map_pending(NULL));
    teardown();
}

/* A map failing at its k-th p2m call, for every k; an unmap likewise. */
static void test_failures(void)
{
    struct lfv_p2m *p;
    struct runs ref;
    unsigned int k;

    setup_probe();
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    p = lfv_domain_p2m(g1);
    ref = reference(g1, VS0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    for (k = 0; k < 200; k++) {
        struct lfv_p2m_stats st;

        lfv_p2m_stats_reset(p);
        lfv_p2m_fail_map_after(p, k, -ENOMEM);
        wr(g1, VS0, CMD, 2, MEM | MASTER);
        drain(g1, 37);
        lfv_p2m_stats(p, &st);
        lfv_p2m_fail_map_after(p, -1, 0);
        if (!(rd(g1, VS0, CMD, 2) & MEM)) {
            /* failed at call k + 1: all undone, decoding off */
            CHECK_EQ(st.map_calls, k);
            CHECK_EQ(frames(g1), 0);
            CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MASTER);
            CHECK_EQ(hw(D, CMD, 2) & MEM, 0);
            CHECK(!bar_mapped(2));
            CHECK(!lfv_p2m_revoked(p));
            wr(g1, VS0, CMD, 2, 0);
            CHECK(!lfv_header_map_pending(g1));
            continue;
        }
        /* it took k calls or fewer: it completed */
        CHECK(st.map_calls <= k);
        struct runs got = snapshot(g1);

        CHECK(runs_equal(&got, &ref));
        wr(g1, VS0, CMD, 2, 0);
        drain(g1, 0);
        CHECK_EQ(frames(g1), 0);
        break;
    }
    CHECK(k > 30); /* 1294 frames in 37-frame chunks: 37 or more calls */

    for (k = 0; k < 200; k++) {
        struct lfv_p2m_stats st;

        wr(g1, VS0, CMD, 2, MEM);
        drain(g1, 0);
        CHECK_EQ(frames(g1), runs_frames(&ref));
        lfv_p2m_stats_reset(p);
        lfv_p2m_fail_unmap_after(p, k, -ENOMEM);
        wr(g1, VS0, CMD, 2, 0);
        drain(g1, 37);
        lfv_p2m_stats(p, &st);
        lfv_p2m_fail_unmap_after(p, -1, 0);
        if (rd(g1, VS0, CMD, 2) & MEM) {
            /* failed at call k + 1: mapped as far as the state knows */
            CHECK_EQ(st.unmap_calls, k);
            CHECK(subset_of(g1, &ref));
            CHECK_EQ(hw(D, CMD, 2) & MEM, MEM);
            CHECK(bar_mapped(2));
            /* the next unmap takes all of it */
            wr(g1, VS0, CMD, 2, 0);
            drain(g1, 37);
            CHECK_EQ(frames(g1), 0);
            CHECK_EQ(rd(g1, VS0, CMD, 2) & MEM, 0);
            continue;
        }
        CHECK(st.unmap_calls <= k);
        CHECK_EQ(frames(g1), 0);
        break;
    }
    CHECK(k > 30);

    /* the p2m refuses everything midway: the undo cannot: revoked */
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_header_process_pending(g1, 100, NULL, NULL), 1);
    CHECK_EQ(frames(g1), 100);
    lfv_p2m_fail_all(p, -ENOMEM);
    drain(g1, 100);
    CHECK(lfv_p2m_revoked(p));
    CHECK_EQ(frames(g1), 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & MEM, 0);
    CHECK(!bar_mapped(2));
    lfv_p2m_fail_all(p, 0);
    teardown();
}

/* Writes while an operation is pending. */
static void test_writes_while_pending(void)
{
    struct runs ref;
    uint32_t bar4;

    setup_probe();
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    ref = reference(g1, VS0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    bar4 = rd(g1, VS0, 0x20, 4);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_header_process_pending(g1, 10, NULL, NULL), 1);
    /* a BAR move is ignored: the frames being mapped follow the BAR */
    wr(g1, VS0, 0x20, 4, 0x80000000);
    CHECK_EQ(rd(g1, VS0, 0x20, 4), bar4);
    /* MEMORY off is ignored, MASTER lands at completion */
    wr(g1, VS0, CMD, 2, MASTER);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), 0);
    CHECK(lfv_header_map_pending(g1));
    drain(g1, 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(hw(D, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    {
        struct runs got = snapshot(g1);

        CHECK(runs_equal(&got, &ref));
    }
    wr(g1, VS0, CMD, 2, 0);
    drain(g1, 0);
    CHECK_EQ(frames(g1), 0);

    /*
     * Another device of the domain, placed over D's frames while D's map
     * is pending, gets none of them: they are D's from the start.
     */
    CHECK_EQ(lfv_pdev_assign(sys, E, g1), 0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_header_process_pending(g1, 3, NULL, NULL), 1);
    wr(g1, VS1, 0x10, 4, 0xe0100000 + 0x5000); /* inside D's BAR 4 */
    CHECK_EQ(lfv_header_set_defer(g1, LFV_HEADER_SYNC_ALL), 0);
    wr(g1, VS1, CMD, 2, MEM);
    CHECK_EQ(rd(g1, VS1, CMD, 2) & MEM, MEM);
    drain(g1, 0);
    {
        struct runs got = snapshot(g1);

        CHECK(runs_equal(&got, &ref));
    }
    teardown();
}

/* Two devices' operations in one domain: oldest first, each once. */
static void test_queue(void)
{
    struct lfv_p2m_stats st;
    unsigned int calls = 0, pcount = 0;
    int rc;

    setup_probe();
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    CHECK_EQ(lfv_pdev_assign(sys, E, g1), 0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, MEM);
    wr(g1, VS1, CMD, 2, MEM);
    wr(g1, VS0, CMD, 2, MEM | MASTER); /* absorbed: D is queued once */
    lfv_p2m_stats_reset(lfv_domain_p2m(g1));
    do {
        rc = lfv_header_process_pending(g1, 0, always, &pcount);
        calls++;
        /* E's one frame comes after all of D's */
        if (rc == 1 && rd(g1, VS1, CMD, 2) & MEM)
            break;
    } while (rc == 1 && calls < 1000);
    CHECK_EQ(rc, 0);
    lfv_p2m_stats(lfv_domain_p2m(g1), &st);
    /* one p2m call per process call: D's 5 ranges, E's one */
    CHECK_EQ(st.map_calls, 6);
    CHECK_EQ(st.max_batch_frames, 1024);
    CHECK(calls >= 6 && calls <= 7);
    CHECK_EQ(frames(g1), 1294 + 1);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(rd(g1, VS1, CMD, 2) & MEM, MEM);
    CHECK(!lfv_header_map_pending(g1));
    teardown();
}

/* The hardware domain's ROM: deferred, completed, failed. */
static void test_hwdom_rom(void)
{
    struct lfv_p2m *p;

    setup_probe();
    p = lfv_domain_p2m(hwdom);
    wr(hwdom, D, CMD, 2, MEM);
    CHECK_EQ(frames(hwdom), 14 + 1024 + 256);
    CHECK_EQ(lfv_header_set_defer(hwdom, 0), 0);
    wr(hwdom, D, ROM_REG, 4, 0xe0200001);
    CHECK(lfv_header_map_pending(hwdom));
    CHECK_EQ(hw(D, ROM_REG, 4) & 1, 0); /* written at completion */
    CHECK_EQ(lfv_header_process_pending(hwdom, 4, NULL, NULL), 1);
    wr(hwdom, D, ROM_REG, 4, 0xe0400001); /* ignored while pending */
    drain(hwdom, 4);
    CHECK_EQ(hw(D, ROM_REG, 4), 0xe0200001);
    CHECK(lfv_p2m_translate(p, 0xe0200, NULL));
    CHECK_EQ(frames(hwdom), 14 + 1024 + 256 + 16);
    wr(hwdom, D, ROM_REG, 4, 0xe0200000);
    CHECK_EQ(hw(D, ROM_REG, 4), 0xe0200001);
    drain(hwdom, 0);
    CHECK_EQ(hw(D, ROM_REG, 4), 0xe0200000);
    CHECK_EQ(frames(hwdom), 14 + 1024 + 256);
    /* a ROM map failing midway: dropped whole */
    lfv_p2m_fail_map_after(p, 2, -ENOMEM);
    wr(hwdom, D, ROM_REG, 4, 0xe0210001);
    drain(hwdom, 4);
    lfv_p2m_fail_map_after(p, -1, 0);
    CHECK_EQ(hw(D, ROM_REG, 4), 0xe0200000);
    CHECK_EQ(frames(hwdom), 14 + 1024 + 256);
    CHECK(!lfv_p2m_translate(p, 0xe0210, NULL));
    /* COMMAND while a ROM operation is pending: MEMORY stays on */
    wr(hwdom, D, ROM_REG, 4, 0xe0200001);
    wr(hwdom, D, CMD, 2, MASTER);
    CHECK_EQ(hw(D, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    drain(hwdom, 0);
    CHECK_EQ(hw(D, ROM_REG, 4), 0xe0200001);
    /* an unmap of everything, deferred */
    wr(hwdom, D, CMD, 2, 0);
    CHECK_EQ(hw(D, CMD, 2) & MEM, MEM);
    drain(hwdom, 64);
    CHECK_EQ(hw(D, CMD, 2) & MEM, 0);
    CHECK_EQ(frames(hwdom), 0);
    teardown();
}

/* A pending operation cancelled by what takes the device away. */
static void test_cancel(void)
{
    for (unsigned int how = 0; how < 5; how++) {
        setup_probe();
        CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
        CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
        wr(g1, VS0, CMD, 2, MEM);
        if (how == 4) { /* a pending unmap */
            drain(g1, 0);
            wr(g1, VS0, CMD, 2, 0);
        }
        CHECK_EQ(lfv_header_process_pending(g1, 300, NULL, NULL), 1);
        CHECK(frames(g1) == 300 || frames(g1) == 1294 - 300);
        switch (how) {
        case 0:
        case 4:
            CHECK_EQ(lfv_pdev_assign(sys, D, g2), 0);
            break;
        case 1:
            CHECK_EQ(lfv_pdev_remove(sys, D), 0);
            break;
        case 2:
            CHECK_EQ(lfv_pdev_assign(sys, D, NULL), 0);
            break;
        case 3:
            CHECK_EQ(lfv_pdev_assign(sys, D, hwdom), 0);
            break;
        }
        CHECK_EQ(frames(g1), 0);
        CHECK(!lfv_header_map_pending(g1));
        CHECK_EQ(lfv_header_process_pending(g1, 0, NULL, NULL), 0);
        CHECK_EQ(frames(g1), 0);
        CHECK_EQ(frames(g2), 0);
        CHECK_EQ(hw(D, CMD, 2) & MEM, 0); /* the write never completed */
        teardown();
    }
    /* destroy with an operation pending: nothing waits, nothing leaks */
    setup_probe();
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_header_process_pending(g1, 300, NULL, NULL), 1);
    lfv_domain_destroy(g1);
    CHECK_EQ(hw(D, CMD, 2) & MEM, 0);
    CHECK_EQ(lfv_pdev_assign(sys, D, g2), 0);
    wr(g2, VS0, CMD, 2, MEM);
    CHECK_EQ(frames(g2), 1294);
    teardown();
}

/*
 * The hand-over: a deferred write of the old owner must not complete
 * while the device is being given to the new one.  A hook of the new
 * owner's state (its init runs after the header's, which turned decoding
 * off in hardware) lets another thread run the old owner's processing and
 * waits for it, a while; the old operation must not write MEMORY on.
 */
static pthread_mutex_t ho_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ho_cond = PTHREAD_COND_INITIALIZER;
static int ho_stage; /* 1: init reached, 2: processing returned */
static bool ho_armed;

static int handover_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct timespec until;

    (void)v, (void)e;
    if (!__atomic_load_n(&ho_armed, __ATOMIC_RELAXED))
        return 0;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 300 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&ho_mutex);
    ho_stage = 1;
    pthread_cond_broadcast(&ho_cond);
    while (ho_stage != 2 &&
           pthread_cond_timedwait(&ho_cond, &ho_mutex, &until) == 0)
        ;
    pthread_mutex_unlock(&ho_mutex);
    return 0;
}

static const struct lfv_vpci_hook handover_hook = { .name = "handover",
                                                    .init = handover_init };

static void *old_owner_vcpu(void *arg)
{
    lfv_rcu_register_thread();
    pthread_mutex_lock(&ho_mutex);
    while (ho_stage != 1)
        pthread_cond_wait(&ho_cond, &ho_mutex);
    pthread_mutex_unlock(&ho_mutex);
    drain(arg, 0);
    pthread_mutex_lock(&ho_mutex);
    ho_stage = 2;
    pthread_cond_broadcast(&ho_cond);
    pthread_mutex_unlock(&ho_mutex);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void test_handover(void)
{
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { D, E }, .dev = { &dev_d, &dev_e },
        .hooks = { &lfv_header_hook, &handover_hook },
    };
    pthread_t t;

    sim_system_create(&p, &br, &sys);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK_EQ(lfv_pdev_add(sys, D), 0);
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK(lfv_header_map_pending(g1));
    ho_stage = 0;
    __atomic_store_n(&ho_armed, true, __ATOMIC_RELAXED);
    CHECK_EQ(pthread_create(&t, NULL, old_owner_vcpu, g1), 0);
    CHECK_EQ(lfv_pdev_assign(sys, D, g2), 0);
    __atomic_store_n(&ho_armed, false, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    CHECK_EQ(hw(D, CMD, 2) & MEM, 0); /* the new owner's: off */
    CHECK_EQ(rd(g2, VS0, CMD, 2) & MEM, 0);
    CHECK_EQ(frames(g1), 0);
    CHECK_EQ(frames(g2), 0);
    teardown();
}

/* ---- threads racing it all ---- */

#define RACE_ROUNDS 300

static bool race_stop;
static struct lfv_domain *owners[2];

/* A vCPU of domain arg: toggles decoding and processes. */
static void *vcpu(void *arg)
{
    struct lfv_domain *d = arg;
    unsigned int seed = lfv_domain_id(d) * 7919u;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&race_stop, __ATOMIC_RELAXED)) {
        seed = seed * 1103515245u + 12345u;
        wr(d, VS0, CMD, 2, (seed >> 16) & 1 ? MEM | MASTER : MASTER);
        if ((seed >> 17) & 1) /* BAR 4 moves (ignored while mapped) */
            wr(d, VS0, 0x20, 4, (seed >> 19) & 1 ? 0xe0100000 : 0xe0500000);
        while (lfv_header_process_pending(d, 1 + (seed >> 20) % 200, NULL,
                                          NULL) == 1 &&
               ((seed >> 18) & 3))
            ;
        (void)rd(d, VS0, CMD, 2);
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* Whether d maps any frame to D's host BARs. */
static int maps_d(uint64_t gfn, uint64_t nr, uint64_t mfn, void *ctxt)
{
    (void)gfn, (void)ctxt;
    return (mfn < 0xe0000 + 16 && mfn + nr > 0xe0000) ||
           (mfn < 0x400000 + 1024 && mfn + nr > 0x400000) ||
           (mfn < 0xe0100 + 256 && mfn + nr > 0xe0100);
}

static bool holds_d(struct lfv_domain *d)
{
    int rc;

    lfv_rcu_read_lock();
    rc = lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(d)), maps_d, NULL);
    lfv_rcu_read_unlock();
    return rc;
}

static void test_race(void)
{
    pthread_t t[3];
    bool leak = false;

    setup_probe();
    owners[0] = g1, owners[1] = g2;
    CHECK_EQ(lfv_header_set_defer(g1, 0), 0);
    CHECK_EQ(lfv_header_set_defer(g2, 16), 0);
    CHECK_EQ(lfv_pdev_assign(sys, D, g1), 0);
    race_stop = false;
    CHECK_EQ(pthread_create(&t[0], NULL, vcpu, g1), 0);
    CHECK_EQ(pthread_create(&t[1], NULL, vcpu, g1), 0);
    CHECK_EQ(pthread_create(&t[2], NULL, vcpu, g2), 0);
    for (unsigned int i = 0; i < RACE_ROUNDS; i++) {
        struct lfv_domain *from = owners[i & 1], *to = owners[!(i & 1)];

        sched_yield();
        if (i % 7 == 3) {
            CHECK_EQ(lfv_pdev_remove(sys, D), 0);
            if (holds_d(from))
                leak = true;
            CHECK_EQ(lfv_pdev_add(sys, D), 0); /* to the hardware domain */
            CHECK_EQ(lfv_pdev_assign(sys, D, to), 0);
        } else {
            CHECK_EQ(lfv_pdev_assign(sys, D, to), 0);
        }
        /* the old owner keeps nothing of D once the call returned */
        if (holds_d(from) || holds_d(hwdom))
            leak = true;
    }
    __atomic_store_n(&race_stop, true, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(!leak);
    teardown();
}

int main(void)
{
    lfv_rcu_register_thread();
    test_chunks();
    test_failures();
    test_writes_while_pending();
    test_queue();
    test_hwdom_rom();
    test_cancel();
    test_handover();
    test_race();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
