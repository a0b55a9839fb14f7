/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interval maps against a naive model (an array of disjoint entries):
 * insert refuses overlaps, remove wants the exact range, lookup finds the
 * entry holding an address with its value, iterate walks a window in order.
 * Allocation failure at every point leaves the map unchanged.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <lfvpci/rangeset.h>
#include <lfvpci/rcu.h>
#include <lfvpci/testing.h>

#include "check.h"
#include "rangeset/btree.h"

struct ent {
    uint64_t s, e;
    void *v;
};

struct model {
    struct ent v[8192];
    size_t n;
};

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static long m_find(const struct model *m, uint64_t s, uint64_t e)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->v[i].s <= e && s <= m->v[i].e)
            return (long)i;
    return -1;
}

static int cmp_ent(const void *pa, const void *pb)
{
    const struct ent *a = pa, *b = pb;

    return a->s < b->s ? -1 : a->s > b->s;
}

struct walk {
    struct ent v[8192];
    size_t n;
    size_t stop_at;
};

static int walk_cb(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    struct walk *w = ctxt;

    w->v[w->n].s = s;
    w->v[w->n].e = e;
    w->v[w->n++].v = value;
    return w->n == w->stop_at ? -42 : 0;
}

static struct walk walk;
static struct model model, sorted;

static void check_all(const struct lfv_intervalmap *m)
{
    long n = rs_intervalmap_check(m);

    CHECK_EQ(n, model.n);
    CHECK_EQ(lfv_intervalmap_count(m), model.n);
    walk.n = 0;
    walk.stop_at = 0;
    CHECK_EQ(lfv_intervalmap_iterate(m, 0, UINT64_MAX, walk_cb, &walk), 0);
    sorted = model;
    qsort(sorted.v, sorted.n, sizeof(sorted.v[0]), cmp_ent);
    CHECK_EQ(walk.n, sorted.n);
    CHECK(!memcmp(walk.v, sorted.v, sorted.n * sizeof(sorted.v[0])));
}

static uint64_t coord(void)
{
    static const uint64_t bases[] = { 0, UINT64_MAX - 5000, 1ull << 40 };
    uint64_t b = bases[rnd() % 3], off = rnd() % 5001;

    return b + off;
}

static void test_random(void)
{
    struct lfv_intervalmap *m = lfv_intervalmap_new();

    for (unsigned int i = 0; i < 16000; i++) {
        uint64_t s = coord(), len = rnd() % 4 ? rnd() % 3 : rnd() % 50, e;
        void *v = (void *)(uintptr_t)(rnd() | 1);
        unsigned int op = rnd() % 10;
        long k;

        e = UINT64_MAX - s < len ? UINT64_MAX : s + len;
        if (op < 4 || i < 4000) {
            k = m_find(&model, s, e);
            CHECK_EQ(lfv_intervalmap_insert(m, s, e, v), k < 0 ? 0 : -EEXIST);
            if (k < 0 && model.n < 8192)
                model.v[model.n++] = (struct ent){ s, e, v };
            else if (k < 0)
                CHECK_EQ(lfv_intervalmap_remove(m, s, e, NULL), 0);
        } else if (op < 6) {
            void *got = NULL;

            k = model.n ? (long)(rnd() % model.n) : -1;
            if (k >= 0 && rnd() % 4) {
                s = model.v[k].s;
                e = model.v[k].e;
            }
            k = m_find(&model, s, e);
            if (k >= 0 && (model.v[k].s != s || model.v[k].e != e))
                k = -1;
            CHECK_EQ(lfv_intervalmap_remove(m, s, e, &got), k < 0 ? -ENOENT : 0);
            if (k >= 0) {
                CHECK(got == model.v[k].v);
                model.v[k] = model.v[--model.n];
            }
        } else {
            uint64_t x = s + (e - s) / 2, gs = 0, ge = 0;
            void *got = NULL;

            k = m_find(&model, x, x);
            CHECK_EQ(lfv_intervalmap_lookup(m, x, &got, &gs, &ge), k >= 0);
            if (k >= 0)
                CHECK(got == model.v[k].v && gs == model.v[k].s &&
                      ge == model.v[k].e);
            /* the variant for callers already in a read-side section */
            got = NULL;
            gs = ge = 0;
            lfv_rcu_read_lock();
            CHECK_EQ(lfv_intervalmap_lookup_rcu(m, x, &got, &gs, &ge),
                     k >= 0);
            lfv_rcu_read_unlock();
            if (k >= 0)
                CHECK(got == model.v[k].v && gs == model.v[k].s &&
                      ge == model.v[k].e);
            /* window iteration, unclipped, ascending */
            walk.n = 0;
            walk.stop_at = 0;
            CHECK_EQ(lfv_intervalmap_iterate(m, s, e, walk_cb, &walk), 0);
            for (size_t j = 0; j < walk.n; j++) {
                CHECK(walk.v[j].s <= e && s <= walk.v[j].e);
                CHECK(!j || walk.v[j - 1].e < walk.v[j].s);
            }
            {
                size_t want = 0;

                for (size_t j = 0; j < model.n; j++)
                    want += model.v[j].s <= e && s <= model.v[j].e;
                CHECK_EQ(walk.n, want);
            }
        }
        if (i % 97 == 0)
            check_all(m);
    }
    check_all(m);
    /* an early stop is returned */
    walk.n = 0;
    walk.stop_at = 3;
    CHECK_EQ(lfv_intervalmap_iterate(m, 0, UINT64_MAX, walk_cb, &walk),
             model.n >= 3 ? -42 : 0);
    lfv_intervalmap_destroy(m);
    model.n = 0;
}

static void test_edges(void)
{
    struct lfv_intervalmap *m = lfv_intervalmap_new();
    int a, b, c;
    void *v;
    uint64_t s, e;

    CHECK_EQ(lfv_intervalmap_insert(m, 5, 4, &a), -EINVAL);
    CHECK_EQ(lfv_intervalmap_insert(m, UINT64_MAX - 9, UINT64_MAX, &a), 0);
    CHECK_EQ(lfv_intervalmap_insert(m, 0, 0, &b), 0);
    CHECK_EQ(lfv_intervalmap_insert(m, 1, UINT64_MAX - 10, &c), 0);
    CHECK_EQ(lfv_intervalmap_insert(m, UINT64_MAX, UINT64_MAX, &c), -EEXIST);
    CHECK(lfv_intervalmap_lookup(m, UINT64_MAX, &v, &s, &e) && v == &a &&
          s == UINT64_MAX - 9 && e == UINT64_MAX);
    CHECK(lfv_intervalmap_lookup(m, 0, &v, NULL, NULL) && v == &b);
    CHECK(lfv_intervalmap_lookup(m, 1ull << 63, &v, NULL, NULL) && v == &c);
    CHECK_EQ(lfv_intervalmap_remove(m, 1, UINT64_MAX - 11, NULL), -ENOENT);
    CHECK_EQ(lfv_intervalmap_remove(m, 1, UINT64_MAX - 10, &v), 0);
    CHECK(v == &c);
    CHECK(!lfv_intervalmap_lookup(m, 1ull << 63, NULL, NULL, NULL));
    CHECK_EQ(lfv_intervalmap_count(m), 2);
    lfv_intervalmap_destroy(m);
}

static void test_alloc_failure(void)
{
    static const unsigned int sizes[] = { 0, 1, 31, 32, 33, 600, 5000 };

    for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        for (int op = 0; op < 2; op++) {
            for (long n = 0;; n++) {
                struct lfv_intervalmap *m = lfv_intervalmap_new();
                uint64_t key = sizes[z] / 2 * 16;
                int rc;

                /* Recycled nodes would let updates succeed unallocated. */
                rs_cache_bypass(rs_intervalmap_cache(m));
                model.n = 0;
                for (uint64_t i = 0; i < sizes[z]; i++) {
                    CHECK_EQ(lfv_intervalmap_insert(m, i * 16, i * 16 + 7,
                                                    (void *)(uintptr_t)i), 0);
                    model.v[model.n++] =
                        (struct ent){ i * 16, i * 16 + 7, (void *)(uintptr_t)i };
                }
                lfv_test_fail_alloc_after(n);
                if (op == 0)
                    rc = lfv_intervalmap_insert(m, key + 9, key + 12, &model);
                else
                    rc = lfv_intervalmap_remove(m, key, key + 7, NULL);
                lfv_test_fail_alloc_after(-1);
                if (op == 1 && !sizes[z]) {
                    CHECK_EQ(rc, -ENOENT);
                    rc = 0;
                } else if (rc != -ENOMEM) {
                    CHECK_EQ(rc, 0);
                    if (op == 0)
                        model.v[model.n++] =
                            (struct ent){ key + 9, key + 12, &model };
                    else {
                        long k = m_find(&model, key, key);

                        model.v[k] = model.v[--model.n];
                    }
                }
                check_all(m);
                lfv_intervalmap_destroy(m);
                if (rc != -ENOMEM)
                    break;
            }
            lfv_rcu_barrier();
        }
    }
    model.n = 0;
}

int main(void)
{
    lfv_rcu_register_thread();
    test_edges();
    test_random();
    lfv_rcu_barrier();
    test_alloc_failure();
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
