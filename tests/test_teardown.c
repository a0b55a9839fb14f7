/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tearing down where the host cannot wait or cannot unmap (Xen's domain
 * destruction, GUEST-PLAN.md 3.2 and 3.3):
 *  - a de-assignment whose unmaps keep failing (Xen on Arm refuses every
 *    p2m change of a dying domain) terminates, revokes the domain's p2m
 *    (nothing stays translatable) and says so (lfv_p2m_revoked());
 *    a failure that goes away on retry still unmaps without revoking;
 *  - lfv_domain_destroy() does not wait for a grace period (Xen destroys
 *    domains under its domctl lock, where rcu_barrier() must not run): it
 *    returns while another thread is inside a read-side section.
 * An alarm kills the program if a teardown never returns.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/testing.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_system.h"

#define CMD 0x04
#define MEM 0x2

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x20000, 0xe0000000 },
             { LFV_SIM_BAR_MEM32, false, 0x20000, 0xe0020000 } },
};

static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0), B = LFV_SBDF(0, 2, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0), VS1 = LFV_SBDF(0, 0, 1, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g;

static void setup(void)
{
    const struct sim_system p = {
        .arch = LFV_ARCH_ARM, .sbdf = { A, B }, .dev = { &dev_a, &dev_b },
        .hooks = { &lfv_header_hook },
    };

    sim_system_create(&p, &br, &sys);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
    CHECK_EQ(lfv_pdev_add(sys, B), 0);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

static bool is_mapped(struct lfv_domain *d, uint64_t gfn)
{
    return lfv_p2m_translate(lfv_domain_p2m(d), gfn, NULL);
}

/* A assigned to g and decoding, its two BARs mapped. */
static void map_a(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, g), 0);
    lfv_conf_write(g, VS0, CMD, 2, MEM);
    CHECK(is_mapped(g, 0xe0000) && is_mapped(g, 0xe003f));
    CHECK_EQ(lfv_p2m_nr_frames(lfv_domain_p2m(g)), 0x40);
}

static void test_retire_unmap_fails(void)
{
    struct lfv_p2m *p;

    setup();
    p = lfv_domain_p2m(g);

    /* a one-shot failure (allocation): the retry unmaps, no revoke */
    map_a();
    lfv_test_fail_alloc_after(0); /* unowned: the first allocation is the
                                     unmap's (the p2m batch's copy) */
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK(lfv_test_fail_alloc_after(-1) < 0); /* it was consumed */
    CHECK(!lfv_p2m_revoked(p));
    CHECK_EQ(lfv_p2m_nr_frames(p), 0);

    /* every change refused (a dying domain on Arm): terminates, revokes */
    map_a();
    lfv_p2m_fail_all(p, -ENOMEM);
    alarm(60);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    alarm(0);
    CHECK(lfv_p2m_revoked(p));
    CHECK(!is_mapped(g, 0xe0000) && !is_mapped(g, 0xe003f));
    CHECK_EQ(lfv_p2m_nr_frames(p), 0);
    /* nothing can be mapped into it any more, even once changes work */
    lfv_p2m_fail_all(p, 0);
    CHECK_EQ(lfv_p2m_begin(p), -ENODEV);
    CHECK_EQ(lfv_pdev_assign(sys, B, g), 0);
    lfv_conf_write(g, VS0, CMD, 2, MEM);
    CHECK_EQ(lfv_conf_read(g, VS0, CMD, 2) & MEM, 0);
    CHECK_EQ(lfv_p2m_nr_frames(p), 0);
    /* the device itself is the hardware domain's again */
    CHECK_EQ(lfv_conf_read(hwdom, A, 0, 4), 0x10d38086);
    CHECK_EQ(lfv_conf_read(g, VS1, 0, 4), 0xffffffff);
    teardown();

    /* the same at the domain's destruction */
    setup();
    map_a();
    lfv_p2m_fail_all(lfv_domain_p2m(g), -ENOMEM);
    alarm(60);
    lfv_domain_destroy(g);
    alarm(0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    teardown();
}

/* ---- lfv_domain_destroy() never waits for a grace period ---- */

static int reader_in, destroyed, reader_timed_out;

static void *reader(void *arg)
{
    (void)arg;
    lfv_rcu_register_thread();
    lfv_rcu_read_lock();
    __atomic_store_n(&reader_in, 1, __ATOMIC_RELEASE);
    /* hold the section until the destroy returned, 10 s at most */
    for (int i = 0; i < 10000; i++) {
        if (__atomic_load_n(&destroyed, __ATOMIC_ACQUIRE))
            break;
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
    if (!__atomic_load_n(&destroyed, __ATOMIC_ACQUIRE))
        __atomic_store_n(&reader_timed_out, 1, __ATOMIC_RELAXED);
    lfv_rcu_read_unlock();
    lfv_rcu_unregister_thread();
    return NULL;
}

static void test_destroy_does_not_wait(void)
{
    pthread_t t;

    setup();
    map_a();
    CHECK_EQ(pthread_create(&t, NULL, reader, NULL), 0);
    while (!__atomic_load_n(&reader_in, __ATOMIC_ACQUIRE))
        sched_yield();
    lfv_domain_destroy(g);
    __atomic_store_n(&destroyed, 1, __ATOMIC_RELEASE);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(!__atomic_load_n(&reader_timed_out, __ATOMIC_RELAXED));
    /* the device went back unowned: the hardware domain takes it */
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(lfv_conf_read(hwdom, A, 0, 4), 0x10d38086);
    teardown(); /* waits for the domain's deferred free */
}

int main(void)
{
    lfv_rcu_register_thread();
    test_retire_unmap_fails();
    test_destroy_does_not_wait();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
