/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readers search range sets and an interval map without locks while writers
 * update them; no reader may ever see a torn result.
 *
 * The writers move the sets only between known states, each step one
 * publication:
 *   big set (4096 ranges [i*16, i*16+7], a three-level tree):
 *     A --merge S--> B --subtract G--> A --remove X--> A\X --add X--> A
 *     (S = [16*1000, 16*3000+7] fuses 2001 ranges across many leaves, G is
 *     the 2000 gaps that split them again, X one range in the middle);
 *   a second writer toggles a far-away range Y in the same set;
 *   small set (the inline small mode): {[0,7],[16,23],[32,39]} <->
 *     {[0,23],[32,39]};
 *   edge set, across the small mode's bound of 4 ranges, each step a switch
 *     between the small mode and a tree:
 *     E0 = {[0,7],[16,23],[32,39],[48,55]} (small) --add [64,71]-->
 *     E1 = E0 + [64,71] (tree) --add [8,15]--> E2 = {[0,23],[32,39],
 *     [48,55],[64,71]} (small) --remove [8,15]--> E1 --remove [64,71]--> E0,
 *     then the same through consume (E1 with its first range consumed is
 *     {[16,23],...,[64,71]}, small) and merge / subtract;
 *   interval map: entries inserted and removed whose value encodes their
 *   range;
 *   grow set, updated in place (btree.h): G0 = [i*16, i*16+7] for i < 100,
 *     appends up to i < 164 (each written past a leaf's last entry),
 *     then the end of range 5 (A), then of range 90 (B), moved from +7 to
 *     +9 and back in the order A, B, B, A, each one store, then removals
 *     from the end down to G0.  A report must show some prefix with A and
 *     B extended only at full length and never B without A: a walk over
 *     leaves that let two in-place updates in would see B's new end with
 *     A's old one.
 * A reader's report of the big set must be exactly one of A, B, A\X (plus
 * or minus Y), and every point lookup must agree with one of those states.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <lfvpci/rangeset.h>
#include <lfvpci/rcu.h>

#include "check.h"

#define NR 4096
#define S_LO (16ull * 1000)
#define S_HI (16ull * 3000 + 7)
#define X_LO (16ull * 2000)
#define Y_LO (1ull << 40)
#define RUN_NS 1500000000ll

static struct lfv_rangeset *big, *small, *stuff, *gaps, *edge, *edge_more;
static struct lfv_rangeset *grow;
static struct lfv_intervalmap *map;
static int stop;
static unsigned long torn, reads, writes;
static int writer_rc; /* CHECK is not thread-safe: writers report here */

struct snap {
    struct { uint64_t s, e; } v[NR + 8];
    size_t n;
};

static int snap_cb(uint64_t s, uint64_t e, void *ctxt)
{
    struct snap *sn = ctxt;

    if (sn->n == NR + 8)
        return -E2BIG;
    sn->v[sn->n].s = s;
    sn->v[sn->n++].e = e;
    return 0;
}

static long long now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static bool stopped(void)
{
    return __atomic_load_n(&stop, __ATOMIC_RELAXED);
}

/* Which of A (0), B (1), A\X (2) a snapshot of the big set is; -1: torn. */
static int classify(const struct snap *sn)
{
    size_t n = sn->n, i, j = 0;
    bool y = n && sn->v[n - 1].s == Y_LO;
    int state = -1;

    if (y) {
        if (sn->v[n - 1].e != Y_LO + 99)
            return -1;
        n--;
    }
    if (n == NR)
        state = 0;
    else if (n == NR - 2000)
        state = 1;
    else if (n == NR - 1)
        state = 2;
    else
        return -1;
    for (i = 0; i < NR; i++) {
        uint64_t s = 16 * i, e = s + 7;

        if (j >= n)
            return -1;
        if (state == 1 && s >= S_LO && s <= S_HI) {
            if (s == S_LO && (sn->v[j].s != S_LO || sn->v[j++].e != S_HI))
                return -1;
            continue;
        }
        if (state == 2 && s == X_LO)
            continue;
        if (sn->v[j].s != s || sn->v[j].e != e)
            return -1;
        j++;
    }
    return j == n ? state : -1;
}

/*
 * Which edge state a snapshot is: E0, E1, E2, or E3 = E1 without [0,7]
 * (consume); -1: torn.
 */
static int classify_edge(const struct snap *sn)
{
    static const uint64_t e[4][5][2] = {
        { { 0, 7 }, { 16, 23 }, { 32, 39 }, { 48, 55 } },
        { { 0, 7 }, { 16, 23 }, { 32, 39 }, { 48, 55 }, { 64, 71 } },
        { { 0, 23 }, { 32, 39 }, { 48, 55 }, { 64, 71 } },
        { { 16, 23 }, { 32, 39 }, { 48, 55 }, { 64, 71 } },
    };
    static const size_t n[4] = { 4, 5, 4, 4 };

    for (int k = 0; k < 4; k++) {
        size_t i;

        if (sn->n != n[k])
            continue;
        for (i = 0; i < n[k]; i++)
            if (sn->v[i].s != e[k][i][0] || sn->v[i].e != e[k][i][1])
                break;
        if (i == n[k])
            return k;
    }
    return -1;
}

#define G_MIN 100
#define G_MAX 164
#define G_A 5
#define G_B 90

/* Is a report of the grow set one of its states? */
static bool grow_ok(const struct snap *sn)
{
    bool a, b;

    if (sn->n < G_MIN || sn->n > G_MAX)
        return false;
    for (size_t i = 0; i < sn->n; i++)
        if (sn->v[i].s != 16 * i ||
            (sn->v[i].e != 16 * i + 7 &&
             !(sn->v[i].e == 16 * i + 9 && (i == G_A || i == G_B))))
            return false;
    a = sn->v[G_A].e != 16 * G_A + 7;
    b = sn->v[G_B].e != 16 * G_B + 7;
    return (!b || a) && (!a || sn->n == G_MAX);
}

static void *reader(void *arg)
{
    struct snap *sn = malloc(sizeof(*sn));
    unsigned long n = 0, bad = 0;
    uint64_t s, e;
    void *v;

    (void)arg;
    lfv_rcu_register_thread();
    while (!stopped()) {
        sn->n = 0;
        if (lfv_rangeset_report_ranges(big, 0, UINT64_MAX, snap_cb, sn) ||
            classify(sn) < 0)
            bad++;
        for (int k = 0; k < 200; k++) {
            uint64_t gap = S_LO + 16 * (uint64_t)(k * 7 % 1999) + 8;

            /* a gap point: absent (A, A\X) or inside S (B) */
            if (lfv_rangeset_lookup(big, gap, &s, &e) &&
                (s != S_LO || e != S_HI))
                bad++;
            /* a point of X: X, S, or absent */
            if (lfv_rangeset_lookup(big, X_LO + 3, &s, &e) &&
                !(s == X_LO && e == X_LO + 7) && !(s == S_LO && e == S_HI))
                bad++;
            /* outside every change: always there */
            if (!lfv_rangeset_contains_range(big, 16 * 4000, 16 * 4000 + 7))
                bad++;
            if (lfv_rangeset_overlaps_range(big, 16 * 4000 + 8,
                                            16 * 4001 - 1))
                bad++;
            /* Y: all or nothing */
            if (lfv_rangeset_lookup(big, Y_LO + 50, &s, &e) &&
                (s != Y_LO || e != Y_LO + 99))
                bad++;
            /* small set: [0,7] alone or fused into [0,23] */
            if (!lfv_rangeset_lookup(small, 3, &s, &e) || s != 0 ||
                (e != 7 && e != 23))
                bad++;
            if (!lfv_rangeset_contains_range(small, 32, 39))
                bad++;
            /* edge set: [0,7], [0,23] or (consumed) absent */
            if (lfv_rangeset_lookup(edge, 3, &s, &e) &&
                (s != 0 || (e != 7 && e != 23)))
                bad++;
            if (lfv_rangeset_lookup(edge, 12, &s, &e) && (s != 0 || e != 23))
                bad++;
            if (lfv_rangeset_lookup(edge, 68, &s, &e) &&
                (s != 64 || e != 71))
                bad++;
            if (!lfv_rangeset_contains_range(edge, 48, 55) ||
                !lfv_rangeset_contains_range(edge, 16, 23) ||
                lfv_rangeset_overlaps_range(edge, 40, 47))
                bad++;
            /* the map: a value always describes its own entry */
            if (lfv_intervalmap_lookup(map, 1000 + (uint64_t)k * 10, &v, &s,
                                       &e) &&
                (uintptr_t)v != (uintptr_t)(s * 31 + e))
                bad++;
            lfv_rcu_read_lock();
            if (lfv_intervalmap_lookup_rcu(map, 1005 + (uint64_t)k * 10, &v,
                                           &s, &e) &&
                (uintptr_t)v != (uintptr_t)(s * 31 + e))
                bad++;
            lfv_rcu_read_unlock();
            n += 8;
        }
        sn->n = 0;
        if (lfv_rangeset_report_ranges(edge, 0, UINT64_MAX, snap_cb, sn) ||
            classify_edge(sn) < 0)
            bad++;
        for (int k = 0; k < 20; k++) {
            sn->n = 0;
            if (lfv_rangeset_report_ranges(grow, 0, UINT64_MAX, snap_cb, sn) ||
                !grow_ok(sn))
                bad++;
            /* the end of B: all of B extended, or not there */
            if (lfv_rangeset_lookup(grow, 16 * G_B + 8, &s, &e) &&
                (s != 16 * G_B || e != 16 * G_B + 9))
                bad++;
            /* an appended range: whole or absent */
            if (lfv_rangeset_lookup(grow, 16 * 150 + 4, &s, &e) &&
                (s != 16 * 150 || e != 16 * 150 + 7))
                bad++;
            if (!lfv_rangeset_contains_range(grow, 16 * 99, 16 * 99 + 7))
                bad++;
            n += 4;
        }
        sn->n = 0;
        lfv_rangeset_report_ranges(small, 0, UINT64_MAX, snap_cb, sn);
        if (!(sn->n == 3 && sn->v[0].e == 7 && sn->v[1].s == 16) &&
            !(sn->n == 2 && sn->v[0].s == 0 && sn->v[0].e == 23 &&
              sn->v[1].s == 32))
            bad++;
        n++;
    }
    __atomic_fetch_add(&torn, bad, __ATOMIC_RELAXED);
    __atomic_fetch_add(&reads, n, __ATOMIC_RELAXED);
    lfv_rcu_unregister_thread();
    free(sn);
    return NULL;
}

static void *writer_big(void *arg)
{
    unsigned long n = 0;
    int rc = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!stopped() && !rc) {
        rc |= lfv_rangeset_merge(big, stuff);
        rc |= lfv_rangeset_subtract(big, gaps);
        rc |= lfv_rangeset_remove_range(big, X_LO, X_LO + 7);
        rc |= lfv_rangeset_add_range(big, X_LO, X_LO + 7);
        /* small set: fuse and split */
        rc |= lfv_rangeset_add_range(small, 8, 15);
        rc |= lfv_rangeset_remove_range(small, 8, 15);
        n += 6;
    }
    __atomic_fetch_or(&writer_rc, rc, __ATOMIC_RELAXED);
    __atomic_fetch_add(&writes, n, __ATOMIC_RELAXED);
    lfv_rcu_unregister_thread();
    return NULL;
}

/* Consume [0,7] only: E1 -> E3. */
static int consume_first(uint64_t s, uint64_t e, void *ctxt,
                         uint64_t *consumed)
{
    (void)e;
    (void)ctxt;
    if (s != 0)
        return -LFV_ERESTART;
    *consumed = 8;
    return 0;
}

static void *writer_edge(void *arg)
{
    unsigned long n = 0;
    int rc = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!stopped() && !rc) {
        rc |= lfv_rangeset_add_range(edge, 64, 71);    /* E1, tree */
        rc |= lfv_rangeset_add_range(edge, 8, 15);     /* E2, small */
        rc |= lfv_rangeset_remove_range(edge, 8, 15);  /* E1, tree */
        rc |= lfv_rangeset_remove_range(edge, 64, 71); /* E0, small */
        rc |= lfv_rangeset_merge(edge, edge_more);     /* E1, tree */
        /* E3, small; stops at [16,23] */
        if (lfv_rangeset_consume_ranges(edge, consume_first, NULL) !=
            -LFV_ERESTART)
            rc |= 1;
        rc |= lfv_rangeset_add_range(edge, 0, 7);      /* E1, tree */
        rc |= lfv_rangeset_subtract(edge, edge_more);  /* E0, small */
        n += 8;
    }
    __atomic_fetch_or(&writer_rc, rc, __ATOMIC_RELAXED);
    __atomic_fetch_add(&writes, n, __ATOMIC_RELAXED);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void *writer_grow(void *arg)
{
    unsigned long n = 0;
    uint64_t i;
    int rc = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!stopped() && !rc) {
        for (i = G_MIN; i < G_MAX; i++)
            rc |= lfv_rangeset_add_range(grow, 16 * i, 16 * i + 7);
        rc |= lfv_rangeset_add_range(grow, 16 * G_A + 8, 16 * G_A + 9);
        rc |= lfv_rangeset_add_range(grow, 16 * G_B + 8, 16 * G_B + 9);
        rc |= lfv_rangeset_remove_range(grow, 16 * G_B + 8, 16 * G_B + 9);
        rc |= lfv_rangeset_remove_range(grow, 16 * G_A + 8, 16 * G_A + 9);
        for (i = G_MAX; i-- > G_MIN;)
            rc |= lfv_rangeset_remove_range(grow, 16 * i, 16 * i + 7);
        n += 2 * (G_MAX - G_MIN) + 4;
    }
    __atomic_fetch_or(&writer_rc, rc, __ATOMIC_RELAXED);
    __atomic_fetch_add(&writes, n, __ATOMIC_RELAXED);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void *writer_other(void *arg)
{
    unsigned long n = 0;
    int rc = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!stopped() && !rc) {
        rc |= lfv_rangeset_add_range(big, Y_LO, Y_LO + 99);
        rc |= lfv_rangeset_remove_range(big, Y_LO, Y_LO + 99);
        for (uint64_t k = 0; k < 50 && !rc; k++) {
            uint64_t s = 1000 + k * 40, e = s + 20 + k % 7;

            rc |= lfv_intervalmap_insert(map, s, e, (void *)(uintptr_t)(s * 31 + e));
        }
        for (uint64_t k = 0; k < 50 && !rc; k++) {
            uint64_t s = 1000 + k * 40, e = s + 20 + k % 7;

            rc |= lfv_intervalmap_remove(map, s, e, NULL);
        }
        n += 102;
    }
    __atomic_fetch_or(&writer_rc, rc, __ATOMIC_RELAXED);
    __atomic_fetch_add(&writes, n, __ATOMIC_RELAXED);
    lfv_rcu_unregister_thread();
    return NULL;
}

int main(void)
{
    pthread_t t[6];
    long long t0;

    lfv_rcu_register_thread();
    big = lfv_rangeset_new("big");
    small = lfv_rangeset_new("small");
    stuff = lfv_rangeset_new("S");
    gaps = lfv_rangeset_new("G");
    map = lfv_intervalmap_new();
    for (uint64_t i = 0; i < NR; i++)
        CHECK_EQ(lfv_rangeset_add_range(big, 16 * i, 16 * i + 7), 0);
    for (uint64_t i = 1000; i < 3000; i++)
        CHECK_EQ(lfv_rangeset_add_range(gaps, 16 * i + 8, 16 * i + 15), 0);
    CHECK_EQ(lfv_rangeset_add_range(stuff, S_LO, S_HI), 0);
    CHECK_EQ(lfv_rangeset_add_range(small, 0, 7), 0);
    CHECK_EQ(lfv_rangeset_add_range(small, 16, 23), 0);
    CHECK_EQ(lfv_rangeset_add_range(small, 32, 39), 0);
    edge = lfv_rangeset_new("edge");
    edge_more = lfv_rangeset_new("edge+");
    for (uint64_t i = 0; i < 4; i++)
        CHECK_EQ(lfv_rangeset_add_range(edge, 16 * i, 16 * i + 7), 0);
    CHECK_EQ(lfv_rangeset_add_range(edge_more, 64, 71), 0);
    grow = lfv_rangeset_new("grow");
    for (uint64_t i = 0; i < G_MIN; i++)
        CHECK_EQ(lfv_rangeset_add_range(grow, 16 * i, 16 * i + 7), 0);

    pthread_create(&t[0], NULL, reader, NULL);
    pthread_create(&t[1], NULL, reader, NULL);
    pthread_create(&t[2], NULL, writer_big, NULL);
    pthread_create(&t[3], NULL, writer_other, NULL);
    pthread_create(&t[4], NULL, writer_edge, NULL);
    pthread_create(&t[5], NULL, writer_grow, NULL);
    t0 = now_ns();
    while (now_ns() - t0 < RUN_NS) {
        struct timespec ts = { 0, 20000000 };

        nanosleep(&ts, NULL);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);

    printf("%lu reads, %lu writes, %lu torn\n", reads, writes, torn);
    CHECK_EQ(torn, 0);
    CHECK_EQ(writer_rc, 0);
    CHECK(reads > 0 && writes > 0);
    lfv_rangeset_destroy(big);
    lfv_rangeset_destroy(small);
    lfv_rangeset_destroy(stuff);
    lfv_rangeset_destroy(gaps);
    lfv_rangeset_destroy(edge);
    lfv_rangeset_destroy(edge_more);
    lfv_rangeset_destroy(grow);
    lfv_intervalmap_destroy(map);
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
