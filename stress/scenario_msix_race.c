/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress --scenario msix-race: the MSI-X page-remainder race, found
 * in seconds.
 *
 * What it hunts: an access to the rest of an MSI-X table's page (outside
 * the entries) or to the PBA is forwarded to the device through the
 * platform (lfv_msi_ops.mmio_read/mmio_write).  It must never reach the
 * device once the accessing domain's region is retired: after the
 * de-assignment (or move) that retires it has returned, no forward of the
 * old owner may be running or start, the same guarantee table entries
 * have.  The mixed run (stress_msix.c) once needed 670 million accesses to
 * catch a violation, because the window (between the engine finding the
 * region and the platform touching the device) is a few instructions.
 *
 * How it finds it fast:
 *   - every reader hammers only page remainders and PBAs, as the device's
 *     owner at the time it starts a burst, and keeps going as that domain
 *     after the device moves away (a vCPU does not know);
 *   - writers do nothing but move the same few devices between the
 *     hardware domain and the guests;
 *   - the platform's MMIO hook is the hardware: it stands for a slow bus
 *     (and a vCPU preempted in the middle of the forward) by waiting
 *     --race-delay microseconds before it touches the device, and checks,
 *     at the moment it touches it, that the accessing domain (each reader
 *     tags its thread) may still own the device whose BAR holds the
 *     address.  Ownership is the tool's record: both the old and the new
 *     owner are allowed while an assignment call runs, only the new one
 *     after it returned.
 * An engine that serialises the forward with retirement (a lock held
 * across it) delays the move instead and passes; one that checks and then
 * forwards without holding anything fails within seconds.
 *
 * Self-contained: its own devices (C descriptions, no --lspci needed), its
 * own context (struct race); nothing shared with the other scenarios but
 * the options it is given.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "scenario.h"

#define RACE_DEVS 4
#define RACE_DOMS 3 /* hardware domain, two guests */
#define TABLE_OFF 0x1000u
#define PBA_OFF 0x1800u /* in the table's page: the remainder is around both */
#define ENTRIES 8u
#define BAR_SIZE 0x10000ull

static uint64_t bar_addr(unsigned int k)
{
    return 0xd0000000ull + k * 0x100000ull;
}

static lfv_sbdf_t race_sbdf(unsigned int k)
{
    return LFV_SBDF(0, 3, k, 0);
}

/* Ownership as the writers change it (see the header comment). */
struct race_dev {
    pthread_mutex_t lock; /* writers of this device */
    unsigned int gen;     /* odd while an assignment runs */
    uint32_t allowed;     /* domains that may reach the device */
    unsigned int owner;
};

struct race {
    const struct options *o;
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *dom[RACE_DOMS];
    struct race_dev dev[RACE_DEVS];
    unsigned int ndoms;
    int stop;
    /* counters, atomics */
    unsigned long accesses, forwarded, moves, failures;
    double first_fail; /* seconds into the run; 0: none */
    struct timespec t0;
};

/* The domain whose access runs on this thread (-1: none). */
static __thread int tl_dom = -1;

static double since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- the hardware: slow, and watching who reaches it ---- */

static void hw_touch(struct race *r, uint64_t addr, unsigned int size,
                     bool write)
{
    int dom = tl_dom;
    unsigned long n;

    __atomic_fetch_add(&r->forwarded, 1, __ATOMIC_RELAXED);
    if (r->o->race_delay_us) {
        struct timespec d = { 0, (long)r->o->race_delay_us * 1000 };

        nanosleep(&d, NULL);
    }
    for (unsigned int k = 0; dom >= 0 && k < RACE_DEVS; k++) {
        uint32_t allowed;

        if (addr + size <= bar_addr(k) || addr >= bar_addr(k) + BAR_SIZE)
            continue;
        allowed = __atomic_load_n(&r->dev[k].allowed, __ATOMIC_ACQUIRE);
        if ((allowed >> dom) & 1)
            continue;
        n = __atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED);
        if (n == 0) /* once; read after the threads are joined */
            r->first_fail = since(&r->t0);
        if (n < 4)
            fprintf(stderr, "lfvpci-stress: msix-race isolation: a %s of "
                    "domain %d reached the hardware at %#" PRIx64 "+%u, "
                    "device %u's memory, owned by domain %u (after %.3f s, "
                    "%lu accesses)\n", write ? "write" : "read", dom, addr,
                    size, k, __atomic_load_n(&r->dev[k].owner,
                                             __ATOMIC_RELAXED),
                    since(&r->t0),
                    __atomic_load_n(&r->accesses, __ATOMIC_RELAXED));
        __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED); /* first failure */
    }
}

static int hw_mmio_read(void *ctx, uint64_t addr, unsigned int size,
                        uint64_t *val)
{
    struct race *r = ctx;

    hw_touch(r, addr, size, false);
    return lfv_sim_mmio_read(r->br, addr, size, val);
}

static int hw_mmio_write(void *ctx, uint64_t addr, unsigned int size,
                         uint64_t val)
{
    struct race *r = ctx;

    hw_touch(r, addr, size, true);
    return lfv_sim_mmio_write(r->br, addr, size, val);
}

static const struct lfv_msi_ops race_ops = {
    .mmio_read = hw_mmio_read, .mmio_write = hw_mmio_write,
};

/* ---- readers: vCPUs of whoever owned the device when they started ---- */

/* An offset of the table's page outside the table and the PBA. */
static uint64_t remainder_offset(uint64_t *rng, unsigned int size)
{
    const uint64_t page = TABLE_OFF & ~(LFV_PAGE_SIZE - 1);

    for (;;) {
        uint64_t off =
            page + (xorshift(rng) % LFV_PAGE_SIZE & ~(uint64_t)(size - 1));

        if (off + size <= TABLE_OFF || off >= PBA_OFF + 8 ||
            (off >= TABLE_OFF + 16 * ENTRIES && off + size <= PBA_OFF))
            return off;
    }
}

static void *reader(void *arg)
{
    struct race *r = ((void **)arg)[0];
    uint64_t rng = r->o->seed * 0x9e3779b97f4a7c15ull +
                   (uintptr_t)((void **)arg)[1] * 7 + 1;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        unsigned int k = xorshift(&rng) % RACE_DEVS, g, d;

        g = __atomic_load_n(&r->dev[k].gen, __ATOMIC_ACQUIRE);
        d = __atomic_load_n(&r->dev[k].owner, __ATOMIC_RELAXED);
        if ((g & 1) || d >= r->ndoms) {
            lfv_rcu_quiescent_state();
            continue;
        }
        tl_dom = (int)d;
        /* a burst as domain d, which may lose the device meanwhile */
        for (unsigned int i = 0; i < 64; i++) {
            unsigned int size = 1u << (xorshift(&rng) % 4);
            bool pba = xorshift(&rng) % 4 == 0;
            uint64_t gpa = bar_addr(k) +
                           (pba ? PBA_OFF : remainder_offset(&rng, size)), v;

            if (pba)
                size = xorshift(&rng) & 1 ? 8 : 4;
            if (xorshift(&rng) & 1)
                (void)lfv_msix_mmio_write(r->dom[d], gpa, size, 0);
            else
                (void)lfv_msix_mmio_read(r->dom[d], gpa, size, &v);
            __atomic_fetch_add(&r->accesses, 1, __ATOMIC_RELAXED);
        }
        tl_dom = -1;
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* ---- writers: move the devices around ---- */

static void move(struct race *r, unsigned int k, unsigned int to)
{
    struct race_dev *x = &r->dev[k];
    int rc;

    pthread_mutex_lock(&x->lock);
    __atomic_fetch_add(&x->gen, 1, __ATOMIC_ACQ_REL);
    __atomic_fetch_or(&x->allowed, 1u << to, __ATOMIC_ACQ_REL);
    rc = lfv_pdev_assign(r->sys, race_sbdf(k), r->dom[to]);
    if (!rc) {
        __atomic_store_n(&x->owner, to, __ATOMIC_RELAXED);
        __atomic_fetch_add(&r->moves, 1, __ATOMIC_RELAXED);
    } else if (rc != -ENOSPC) {
        fprintf(stderr, "lfvpci-stress: msix-race: assign %u to %u: %s\n", k,
                to, strerror(-rc));
        __atomic_fetch_add(&r->failures, 1, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&x->allowed, 1u << x->owner, __ATOMIC_RELEASE);
    __atomic_fetch_add(&x->gen, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&x->lock);
}

static void *writer(void *arg)
{
    struct race *r = ((void **)arg)[0];
    uint64_t rng = r->o->seed * 0xd1b54a32d192ed03ull +
                   (uintptr_t)((void **)arg)[1] * 13 + 5;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        unsigned int k = xorshift(&rng) % RACE_DEVS;

        unsigned int now = __atomic_load_n(&r->dev[k].owner, __ATOMIC_RELAXED);

        move(r, k, (now + 1 + xorshift(&rng) % (r->ndoms - 1)) % r->ndoms);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* ---- the run ---- */

static int race_setup(struct race *r)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops(),
                                   .arch = LFV_ARCH_X86 };
    struct lfv_sim_device_desc desc = {
        .vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000,
        .bar = { [0] = { LFV_SIM_BAR_MEM64, false, BAR_SIZE, 0 } },
        .msix = { true, ENTRIES, 0, TABLE_OFF, 0, PBA_OFF },
        .pcie = true,
    };
    int rc = lfv_sim_bridge_create(&r->br);

    for (unsigned int k = 0; !rc && k < RACE_DEVS; k++) {
        desc.bar[0].addr = bar_addr(k);
        rc = lfv_sim_add(r->br, race_sbdf(k), &desc);
    }
    p.hw = r->br;
    if (!rc)
        rc = lfv_system_create(&p, &r->sys);
    if (!rc)
        rc = lfv_system_set_msi_ops(r->sys, &race_ops, r);
    if (!rc)
        rc = lfv_system_add_hook(r->sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_system_add_hook(r->sys, &lfv_msix_hook);
    for (unsigned int d = 0; !rc && d < r->ndoms; d++)
        rc = lfv_domain_create(r->sys, d, d == 0, &r->dom[d]);
    for (unsigned int k = 0; !rc && k < RACE_DEVS; k++) {
        pthread_mutex_init(&r->dev[k].lock, NULL);
        r->dev[k].allowed = 1; /* the hardware domain's, once added */
        rc = lfv_pdev_add(r->sys, race_sbdf(k));
        /* the hardware domain decodes it: the forwards reach the device */
        lfv_sim_cfg_write(r->br, race_sbdf(k), 0x04, 2, 0x2);
    }
    return rc;
}

int scenario_msix_race(const struct options *o)
{
    struct race *r = calloc(1, sizeof(*r));
    unsigned int w = o->writers ? o->writers : 1;
    pthread_t th[256];
    void *args[256][2];
    unsigned int nr = 0;
    double secs;
    int rc;

    if (!r)
        return 2;
    r->o = o;
    r->ndoms = o->guests + 1 < RACE_DOMS ? o->guests + 1 : RACE_DOMS;
    if (r->ndoms < 2)
        r->ndoms = 2;
    lfv_rcu_register_thread();
    rc = race_setup(r);
    if (rc) {
        fprintf(stderr, "lfvpci-stress: msix-race setup: %s\n",
                strerror(-rc));
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &r->t0);
    for (unsigned int i = 0; i < o->readers + w && nr < 256; i++) {
        args[nr][0] = r;
        args[nr][1] = (void *)(uintptr_t)i;
        pthread_create(&th[nr], NULL, i < o->readers ? reader : writer,
                       args[nr]);
        nr++;
    }
    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED) &&
           since(&r->t0) < o->seconds) {
        lfv_rcu_thread_offline();
        nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
        lfv_rcu_thread_online();
    }
    __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < nr; i++)
        pthread_join(th[i], NULL);
    secs = since(&r->t0);
    lfv_system_destroy(r->sys);
    lfv_sim_bridge_destroy(r->br);
    lfv_rcu_unregister_thread();

    printf("lfvpci-stress: scenario msix-race, backend %s, %u readers, %u "
           "writers, %u devices, %u domains, race delay %u us, %.1f s, "
           "seed %" PRIu64 "\n", lfv_rcu_backend(), o->readers, w,
           RACE_DEVS, r->ndoms, o->race_delay_us, secs, o->seed);
    printf("  accesses      %12lu  (%.0f/s; page remainders and PBAs)\n",
           r->accesses, r->accesses / secs);
    printf("  forwarded     %12lu  (reached the platform's MMIO hook)\n",
           r->forwarded);
    printf("  moves         %12lu  (de-assign, assign)\n", r->moves);
    if (r->failures)
        printf("  failures      %12lu  first after %.3f s\n", r->failures,
               r->first_fail);
    else
        printf("  failures      %12lu\n", r->failures);
    /* a run that forwarded nothing tested nothing */
    rc = r->failures || !r->forwarded || !r->moves;
    if (!r->forwarded || !r->moves)
        fprintf(stderr, "lfvpci-stress: msix-race: nothing forwarded or "
                "moved: the scenario tested nothing\n");
    printf("%s\n", rc ? "FAILED" : "OK");
    free(r);
    return rc;
}
