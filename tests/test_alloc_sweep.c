/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Allocation-failure sweep (issue 11, defect 2): for every control
 * operation (adding a device, assigning it to the hardware domain and to a
 * guest, moving it between guests, de-assigning it, runtime register
 * edits) and the config writes that allocate (decoding on, BAR moves that
 * move MSI-X regions), fail the k-th allocation for every k until the
 * operation makes fewer than k allocations.  Each time: an operation that
 * returns an error leaves everything as it was before (owners, every
 * register each owner reads, the hardware's config space, every domain's
 * p2m, MSI-X regions and what each domain's MSI-X MMIO reads, live
 * bindings); one that succeeds leaves exactly what it leaves without an
 * injected failure.  A config write has no error to return: it leaves
 * either state.  Leaks: the ASan build (LeakSanitizer) checks at exit.
 */
#include <lfvpci/p2m.h>
#include <lfvpci/testing.h>

#include "tests/msi_platform.h"

static const struct lfv_sim_device_desc dev_c = {
    .vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0400000 },
             { LFV_SIM_BAR_MEM64, true, 0x100000, 0xe0800000 } },
    .msix = { true, 4, 0, 0, 0, 0x400 },
};

static const lfv_sbdf_t C = LFV_SBDF(0, 3, 0, 0);
#define G_BAR0 0x30000000u
#define G_BAR5 0x50000000u

/* ---- the state, as everything outside the engine sees it ---- */

#define NDEV 3
#define NDOM 3
#define NP2M 64
#define NGPA 6

struct snap {
    int owner_rc[NDEV];
    unsigned int domid[NDEV];
    lfv_sbdf_t vsbdf[NDEV];
    uint32_t cfg[NDEV][64]; /* as the owner reads it */
    uint32_t hw[NDEV][64];
    unsigned int nr_p2m[NDOM];
    uint64_t p2m[NDOM][NP2M][3]; /* gfn, nr, mfn; adjacent ones merged */
    unsigned int regions[NDOM], ndev[NDOM];
    int mm_rc[NDOM][NGPA];
    uint64_t mm[NDOM][NGPA];
    long live;
};

static struct lfv_domain *dom(unsigned int i)
{
    return i == 0 ? hwdom : i == 1 ? g1 : g2;
}

static struct lfv_domain *dom_by_id(unsigned int id)
{
    return id == 0 ? hwdom : id == 1 ? g1 : id == 2 ? g2 : NULL;
}

struct p2m_acc {
    struct snap *s;
    unsigned int d;
};

static int p2m_cb(uint64_t gfn, uint64_t nr, uint64_t mfn, void *ctxt)
{
    struct p2m_acc *a = ctxt;
    unsigned int *n = &a->s->nr_p2m[a->d];
    uint64_t(*e)[3] = a->s->p2m[a->d];

    if (*n && e[*n - 1][0] + e[*n - 1][1] == gfn &&
        e[*n - 1][2] + e[*n - 1][1] == mfn) {
        e[*n - 1][1] += nr;
        return 0;
    }
    if (*n == NP2M)
        return -ENOSPC;
    e[*n][0] = gfn;
    e[*n][1] = nr;
    e[*n][2] = mfn;
    (*n)++;
    return 0;
}

static void snap(struct snap *s)
{
    static const uint64_t gpa[NGPA] = {
        TBL + 12, G_BAR5 + 12, PBA, G_BAR5 + 0x2000, B_TBL + 12, TBL + 0x200,
    };
    const lfv_sbdf_t dev[NDEV] = { A, B, C };

    memset(s, 0, sizeof(*s));
    for (unsigned int i = 0; i < NDEV; i++) {
        struct lfv_domain *o;

        s->owner_rc[i] = lfv_pdev_owner(sys, dev[i], &s->domid[i],
                                        &s->vsbdf[i]);
        for (unsigned int r = 0; r < 64; r++)
            s->hw[i][r] = lfv_sim_cfg_read(br, dev[i], 4 * r, 4);
        o = s->owner_rc[i] ? NULL : dom_by_id(s->domid[i]);
        for (unsigned int r = 0; o && r < 64; r++)
            s->cfg[i][r] = lfv_conf_read(o, s->vsbdf[i], 4 * r, 4);
    }
    for (unsigned int d = 0; d < NDOM; d++) {
        struct p2m_acc a = { s, d };

        lfv_rcu_read_lock();
        CHECK_EQ(lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(dom(d))),
                                      p2m_cb, &a), 0);
        lfv_rcu_read_unlock();
        s->regions[d] = lfv_domain_msix_regions(dom(d));
        s->ndev[d] = lfv_domain_nr_devices(dom(d));
        for (unsigned int k = 0; k < NGPA; k++)
            s->mm_rc[d][k] = lfv_msix_mmio_read(dom(d), gpa[k], 4,
                                                &s->mm[d][k]);
    }
    s->live = __atomic_load_n(&live_bindings, __ATOMIC_RELAXED);
}

static bool same(const struct snap *a, const struct snap *b)
{
    return !memcmp(a, b, sizeof(*a));
}

/* Print the first difference (for a failing sweep). */
static void diff(const char *what, const struct snap *a, const struct snap *b)
{
    const uint32_t *x = (const uint32_t *)a, *y = (const uint32_t *)b;

    for (size_t i = 0; i < sizeof(*a) / 4; i++)
        if (x[i] != y[i]) {
            fprintf(stderr, "  %s: first difference at dword %zu: %#x, "
                    "expected %#x\n", what, i, x[i], y[i]);
            return;
        }
}

/* ---- base states ---- */

/* The hardware as after reset: decoding, MSI-X and ROM off. */
static void hw_reset(lfv_sbdf_t s)
{
    lfv_sim_cfg_write(br, s, CMD, 2, 0);
    if (lfv_sim_cfg_read(br, s, MSIX, 1) == 0x11)
        lfv_sim_cfg_write(br, s, MSIX + 2, 2, 0);
}

static void reown(lfv_sbdf_t s, struct lfv_domain *d)
{
    CHECK_EQ(lfv_pdev_assign(sys, s, NULL), 0);
    hw_reset(s);
    CHECK_EQ(lfv_pdev_assign(sys, s, d), 0);
}

/* MSI-X on, entry 0 programmed and unmasked: one live binding. */
static void msix_on(struct lfv_domain *d, lfv_sbdf_t s, uint64_t table)
{
    wr(d, s, MSIX + 2, 2, 0x8000);
    mwr(d, table, 4, 0xfee00000);
    mwr(d, table + 8, 4, 0x4041);
    mwr(d, table + 12, 4, 0);
}

static void base_common(void)
{
    if (!lfv_pdev_owner(sys, C, NULL, NULL))
        CHECK_EQ(lfv_pdev_remove(sys, C), 0);
    hw_reset(C);
    lfv_sim_cfg_write(br, C, CMD, 2, MEM); /* C: found decoding */
    reown(B, hwdom);
}

/* A: the hardware domain's, decoding on, MSI-X on. */
static void base_hw(void)
{
    base_common();
    reown(A, hwdom);
    wr(hwdom, A, CMD, 2, MEM | 0x4);
    msix_on(hwdom, A, TBL);
}

/* A: the hardware domain's, decoding off. */
static void base_hw_off(void)
{
    base_common();
    reown(A, hwdom);
}

/* A: g1's, BARs moved, decoding (mem) on, MSI-X on. */
static void base_g1_on(bool mem)
{
    base_common();
    reown(A, g1);
    wr(g1, VS0, BAR0, 4, G_BAR0);
    wr(g1, VS0, BAR5, 4, G_BAR5);
    if (mem)
        wr(g1, VS0, CMD, 2, MEM | 0x4);
    msix_on(g1, VS0, G_BAR5);
}

static void base_g1(void)
{
    base_g1_on(true);
}

static void base_g1_off(void)
{
    base_g1_on(false);
}

/* ---- operations ---- */

static int op_add(void)
{
    return lfv_pdev_add(sys, C);
}

static int op_to_g1(void)
{
    return lfv_pdev_assign(sys, A, g1);
}

static int op_to_g2(void)
{
    return lfv_pdev_assign(sys, A, g2);
}

static int op_to_hwdom(void)
{
    return lfv_pdev_assign(sys, A, hwdom);
}

static int op_deassign(void)
{
    return lfv_pdev_assign(sys, A, NULL);
}

static uint32_t extra_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx;
    (void)reg;
    (void)data;
    return 0x12345678;
}

static int add_extra(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    (void)v;
    (void)arg;
    return lfv_regs_edit_add(e, &(struct lfv_reg_desc){
        .read = extra_read, .offset = 0xf0, .size = 4 });
}

static int op_edit(void)
{
    return lfv_pdev_update(sys, A, add_extra, NULL);
}

static int op_g1_mem_on(void)
{
    wr(g1, VS0, CMD, 2, MEM);
    return 0;
}

static int op_g1_bar5_move(void)
{
    wr(g1, VS0, BAR5, 4, G_BAR5 + 0x100000);
    return 0;
}

static int op_hw_mem_on(void)
{
    wr(hwdom, A, CMD, 2, MEM);
    return 0;
}

static int op_hw_msix_on(void)
{
    msix_on(hwdom, A, TBL);
    return 0;
}

/* ---- the sweep ---- */

static void sweep(const char *name, void (*base)(void), int (*op)(void),
                  bool no_error)
{
    static struct snap before, after, now;
    unsigned long bad = 0;
    long k;

    base();
    snap(&before);
    CHECK_EQ(op(), 0);
    snap(&after);
    CHECK(!same(&before, &after)); /* the operation does something */
    for (k = 0; k < 100000; k++) {
        long left;
        int rc;

        base();
        snap(&now);
        if (!same(&now, &before)) {
            diff("base", &now, &before);
            bad++;
        }
        lfv_test_fail_alloc_after(k);
        rc = op();
        left = lfv_test_fail_alloc_after(-1);
        snap(&now);
        if (rc || (no_error && !same(&now, &after))) {
            if (!same(&now, &before)) {
                fprintf(stderr, "%s: allocation %ld failed, rc %d: the "
                        "state changed\n", name, k, rc);
                diff("state", &now, &before);
                bad++;
            }
        } else if (!same(&now, &after)) {
            fprintf(stderr, "%s: allocation %ld failed, rc 0: not the "
                    "operation's result\n", name, k);
            diff("state", &now, &after);
            bad++;
        }
        if (left >= 0)
            break; /* fewer than k + 1 allocations: none failed */
    }
    CHECK_EQ(bad, 0);
    CHECK(k < 100000);
    printf("%-28s %4ld allocations swept\n", name, k);
}

int main(void)
{
    lfv_rcu_register_thread();
    setup(LFV_ARCH_X86);
    __atomic_store_n(&logging, false, __ATOMIC_RELAXED);
    ev_reset();
    CHECK_EQ(lfv_sim_add(br, C, &dev_c), 0);
    sweep("pdev_add (decoding on)", base_hw, op_add, false);
    sweep("assign hwdom -> guest", base_hw, op_to_g1, false);
    sweep("assign guest -> hwdom", base_g1, op_to_hwdom, false);
    sweep("move guest -> guest", base_g1, op_to_g2, false);
    sweep("de-assign", base_g1, op_deassign, false);
    sweep("register edit", base_g1, op_edit, false);
    sweep("guest decoding on", base_g1_off, op_g1_mem_on, true);
    sweep("guest BAR move (MSI-X)", base_g1_off, op_g1_bar5_move, true);
    sweep("hwdom decoding on", base_hw_off, op_hw_mem_on, true);
    sweep("hwdom MSI-X on", base_hw_off, op_hw_msix_on, true);
    base_common();
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
