/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X accesses forwarded to the device (the PBA, the rest of the table
 * and PBA pages, the hardware domain's table on Arm) never reach it once
 * the state they found was retired (issue 11, defect 1): an access that
 * looked its region up just before a de-assignment must not land on the
 * device its domain no longer owns.
 *
 * Deterministic: a test hook (<lfvpci/testing.h>) runs between the lookup
 * and the forward and moves the device to another domain right there;
 * then nothing may reach the hardware.  A control run with a hook that
 * moves nothing shows the same access does reach it.  Concurrent: vCPU
 * threads of two guests keep writing the rest of the table page and
 * reading the PBA while another thread moves the device between the
 * guests and the hardware domain; every write a guest forwards carries the
 * guest's mark and the platform checks that the guest owned the device at
 * that moment (a guest's "may reach" flag is raised before it is given
 * the device and lowered only after the device was taken from it).
 */
#include <sched.h>

#include <lfvpci/testing.h>

#include "tests/msi_platform.h"

/* ---- deterministic ---- */

struct move {
    struct lfv_domain *from, *to; /* move when an access of `from` comes */
    lfv_sbdf_t sbdf;
    unsigned int fired;
};

static void move_hook(struct lfv_domain *d, void *arg)
{
    struct move *mv = arg;

    if (d != mv->from || mv->fired)
        return;
    mv->fired++;
    if (mv->to != mv->from)
        CHECK_EQ(lfv_pdev_assign(sys, mv->sbdf, mv->to), 0);
}

/*
 * One access by `from` at gpa (write: val) with the device moved to `to`
 * between lookup and forward (to == from: not moved): how many accesses
 * reached the device.
 */
static unsigned int forwarded(struct lfv_domain *from, struct lfv_domain *to,
                              lfv_sbdf_t s, bool write, uint64_t gpa,
                              unsigned int size, uint64_t val, uint64_t *rd)
{
    struct move mv = { from, to, s, 0 };
    uint64_t v = 0;

    ev_reset();
    lfv_test_set_msix_forward_hook(move_hook, &mv);
    if (write)
        CHECK_EQ(lfv_msix_mmio_write(from, gpa, size, val), 0);
    else
        CHECK_EQ(lfv_msix_mmio_read(from, gpa, size, &v), 0);
    lfv_test_set_msix_forward_hook(NULL, NULL);
    CHECK_EQ(mv.fired, 1);
    if (rd)
        *rd = v;
    return nr_mmio_evs;
}

static void test_forward_after_retire(void)
{
    uint64_t v;

    /* control: not moved, each access reaches the device */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(forwarded(g1, g1, A, true, TBL + 0x200, 4, 0x11, NULL), 1);
    CHECK(mmio_is(0, true, TBL + 0x200, 4, 0x11));
    CHECK_EQ(forwarded(g1, g1, A, false, PBA, 8, 0, NULL), 1);
    CHECK_EQ(forwarded(g1, g1, A, false, TBL + 0x208, 4, 0, NULL), 1);

    /* moved to another guest between lookup and forward: nothing */
    CHECK_EQ(forwarded(g1, g2, A, true, TBL + 0x200, 4, 0x22, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(forwarded(g1, g2, A, false, PBA, 8, 0, &v), 0);
    CHECK_EQ(v, ~0ull);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(forwarded(g1, g2, A, false, TBL + 0x208, 4, 0, &v), 0);
    CHECK_EQ(v, 0xffffffffu);
    /* to the hardware domain, and unowned */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(forwarded(g1, hwdom, A, true, PBA + 0x100, 8, 0x33, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(forwarded(g1, NULL, A, true, TBL + 0x200, 2, 0x44, NULL), 0);

    /* B: table and PBA in one page of its only BAR */
    CHECK_EQ(lfv_pdev_assign(sys, B, g2), 0);
    CHECK_EQ(forwarded(g2, g2, B, true, B_BAR + 0x10, 4, 0x55, NULL), 1);
    CHECK_EQ(forwarded(g2, g1, B, true, B_BAR + 0x10, 4, 0x55, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, g2), 0);
    CHECK_EQ(forwarded(g2, g1, B, false, B_PBA, 8, 0, NULL), 0);

    /* the hardware domain's PBA writes and page rest, taken by a guest */
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(forwarded(hwdom, hwdom, A, true, PBA, 8, 0x66, NULL), 1);
    CHECK_EQ(forwarded(hwdom, g1, A, true, PBA, 8, 0x66, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(forwarded(hwdom, g1, A, true, TBL + 0x400, 4, 0x77, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
}

/* Arm: the hardware domain's table itself is forwarded (passthrough). */
static void test_arm_passthrough_table(void)
{
    CHECK_EQ(forwarded(hwdom, hwdom, A, true, TBL + 16, 4, 0x88, NULL), 1);
    CHECK_EQ(forwarded(hwdom, hwdom, A, false, TBL + 16, 4, 0, NULL), 1);
    CHECK_EQ(forwarded(hwdom, g1, A, true, TBL + 16, 4, 0x88, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(forwarded(hwdom, g1, A, false, TBL + 16, 4, 0, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

/*
 * While a device is being assigned to g2, its new state's regions are
 * already trapped in g2's map, but the device is still g1's: an access of
 * g2 then (made by a hook's init, after the MSI-X hook's) reaches nothing.
 */
static struct lfv_domain *probe_dom;
static unsigned int probe_fwd = ~0u;

static int probe_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    uint64_t val = 0;

    (void)e;
    if (lfv_vpci_domain(v) != probe_dom)
        return 0;
    ev_reset();
    CHECK_EQ(lfv_msix_mmio_read(probe_dom, PBA, 8, &val), 0);
    CHECK_EQ(lfv_msix_mmio_write(probe_dom, TBL + 0x200, 4, 0x99), 0);
    probe_fwd = nr_mmio_evs;
    return 0;
}

static const struct lfv_vpci_hook probe_hook = { .name = "probe",
                                                 .init = probe_init };

static void test_forward_before_publication(void)
{
    uint64_t v = 0;

    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    probe_dom = g2;
    CHECK_EQ(lfv_pdev_assign(sys, A, g2), 0);
    probe_dom = NULL;
    CHECK_EQ(probe_fwd, 0);
    /* once published, g2's accesses reach its device */
    ev_reset();
    CHECK_EQ(lfv_msix_mmio_read(g2, PBA, 8, &v), 0);
    CHECK_EQ(nr_mmio_evs, 1);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

/* ---- concurrent ---- */

#define VCPUS 2
#define MOVES 1000

static bool may_reach[3];         /* atomics: by mark (1: g1, 2: g2) */
static unsigned long violations;  /* atomic */
static unsigned long reached[3];  /* atomics */
static bool stop;

static void check_mark(bool write, uint64_t addr, unsigned int size,
                       uint64_t val)
{
    (void)addr;
    (void)size;
    if (!write || val < 1 || val > 2)
        return;
    __atomic_add_fetch(&reached[val], 1, __ATOMIC_RELAXED);
    if (!__atomic_load_n(&may_reach[val], __ATOMIC_SEQ_CST))
        __atomic_add_fetch(&violations, 1, __ATOMIC_RELAXED);
}

/* Widen the window between lookup and forward now and then. */
static void yield_hook(struct lfv_domain *d, void *arg)
{
    static unsigned int n; /* atomic */

    (void)d;
    (void)arg;
    if (__atomic_add_fetch(&n, 1, __ATOMIC_RELAXED) % 4 == 0)
        sched_yield();
}

static void *vcpu(void *arg)
{
    unsigned int mark = (unsigned int)(uintptr_t)arg;
    struct lfv_domain *d = mark == 1 ? g1 : g2;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        uint64_t v;

        lfv_msix_mmio_write(d, TBL + 0x200, 4, mark);
        lfv_msix_mmio_read(d, PBA, 8, &v);
        lfv_msix_mmio_write(d, PBA + 0x800, 2, mark);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static void give(struct lfv_domain *d, unsigned int mark)
{
    if (mark)
        __atomic_store_n(&may_reach[mark], true, __ATOMIC_SEQ_CST);
    CHECK_EQ(lfv_pdev_assign(sys, A, d), 0);
}

static void take(unsigned int mark)
{
    /* the caller gave the device to someone else first */
    __atomic_store_n(&may_reach[mark], false, __ATOMIC_SEQ_CST);
}

static void test_concurrent_moves(void)
{
    pthread_t th[VCPUS * 2];

    __atomic_store_n(&logging, false, __ATOMIC_RELAXED);
    mmio_check = check_mark;
    lfv_test_set_msix_forward_hook(yield_hook, NULL);
    for (unsigned int i = 0; i < VCPUS * 2; i++)
        pthread_create(&th[i], NULL, vcpu, (void *)(uintptr_t)(1 + i % 2));
    for (unsigned int r = 0; r < MOVES; r++) {
        give(g1, 1);
        sched_yield();
        give(r % 3 ? g2 : hwdom, r % 3 ? 2 : 0);
        take(1);
        sched_yield();
        give(hwdom, 0);
        take(2);
        lfv_rcu_quiescent_state();
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < VCPUS * 2; i++)
        pthread_join(th[i], NULL);
    lfv_test_set_msix_forward_hook(NULL, NULL);
    mmio_check = NULL;
    __atomic_store_n(&logging, true, __ATOMIC_RELAXED);
    CHECK_EQ(violations, 0);
    /* the guests did reach their device while they owned it */
    CHECK(reached[1] > 0);
    CHECK(reached[2] > 0);
    printf("forwarded writes: g1 %lu, g2 %lu, after retirement %lu\n",
           reached[1], reached[2], violations);
}

int main(void)
{
    lfv_rcu_register_thread();
    extra_hook = &probe_hook;
    setup(LFV_ARCH_X86);
    test_forward_after_retire();
    test_forward_before_publication();
    test_concurrent_moves();
    teardown();
    setup(LFV_ARCH_ARM);
    test_arm_passthrough_table();
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
