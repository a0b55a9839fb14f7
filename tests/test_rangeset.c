/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range sets against reference models: a bitmap over a 256-value universe
 * (placed at 0 or at the top of the 64-bit space), and a naive sorted array
 * for sparse sets with large coordinates and thousands of ranges (multi-
 * level trees).  Every operation is checked, the whole content and the tree
 * invariants after every update.  Then edge cases at 0 and UINT64_MAX,
 * consume interrupted and resumed, limits, and allocation failure at every
 * allocation point of every update.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <lfvpci/rangeset.h>
#include <lfvpci/rcu.h>
#include <lfvpci/testing.h>

#include "check.h"
#include "rangeset/btree.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- helpers ----------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

struct rlist {
    struct rs_range *v;
    size_t n, cap;
};

static void rl_push(struct rlist *l, uint64_t s, uint64_t e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (!l->v)
            abort();
    }
    l->v[l->n].start = s;
    l->v[l->n++].end = e;
}

static int collect_cb(uint64_t s, uint64_t e, void *ctxt)
{
    rl_push(ctxt, s, e);
    return 0;
}

/* The set's ranges as report_ranges sees them. */
static void set_ranges(const struct lfv_rangeset *r, struct rlist *out)
{
    out->n = 0;
    CHECK_EQ(lfv_rangeset_report_ranges(r, 0, UINT64_MAX, collect_cb, out),
             0);
}

static bool rl_equal(const struct rlist *a, const struct rlist *b)
{
    return a->n == b->n &&
           (!a->n || !memcmp(a->v, b->v, a->n * sizeof(*a->v)));
}

static void check_tree(const struct lfv_rangeset *r, size_t expect)
{
    long n = rs_rangeset_check(r);

    if (n < 0)
        fprintf(stderr, "set invariant failed at line %ld (btree.c, small.h "
                "or rangeset.c)\n", -n);
    CHECK_EQ(n, expect);
    CHECK_EQ(lfv_rangeset_count(r), expect);
    CHECK_EQ(lfv_rangeset_is_empty(r), expect == 0);
}

/* --- model: sorted array of disjoint, non-adjacent ranges --------------- */

/* Coalesce a sorted list whose last entry may be out of place. */
static void m_normalise(struct rlist *l)
{
    size_t i, n = 0;

    for (i = l->n - 1; i > 0 && l->v[i - 1].start > l->v[i].start; i--) {
        struct rs_range t = l->v[i];

        l->v[i] = l->v[i - 1];
        l->v[i - 1] = t;
    }
    for (i = 0; i < l->n; i++) {
        struct rs_range *last = n ? &l->v[n - 1] : NULL;

        if (last && (last->end == UINT64_MAX || last->end + 1 >= l->v[i].start)) {
            if (l->v[i].end > last->end)
                last->end = l->v[i].end;
        } else {
            l->v[n++] = l->v[i];
        }
    }
    l->n = n;
}

static void m_add(struct rlist *l, uint64_t s, uint64_t e)
{
    rl_push(l, s, e);
    m_normalise(l);
}

static struct rlist scratch; /* m_remove's output, swapped in */

static void m_remove(struct rlist *l, uint64_t s, uint64_t e)
{
    struct rlist out = scratch;
    size_t i;

    out.n = 0;
    for (i = 0; i < l->n; i++) {
        struct rs_range x = l->v[i];

        if (x.end < s || x.start > e) {
            rl_push(&out, x.start, x.end);
            continue;
        }
        if (x.start < s)
            rl_push(&out, x.start, s - 1);
        if (x.end > e)
            rl_push(&out, e + 1, x.end);
    }
    scratch = *l;
    *l = out;
}

static bool m_contains(const struct rlist *l, uint64_t s, uint64_t e)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].start <= s && e <= l->v[i].end)
            return true;
    return false;
}

static bool m_overlaps(const struct rlist *l, uint64_t s, uint64_t e)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].start <= e && s <= l->v[i].end)
            return true;
    return false;
}

static void rl_copy(struct rlist *dst, const struct rlist *src)
{
    dst->n = 0;
    for (size_t i = 0; i < src->n; i++)
        rl_push(dst, src->v[i].start, src->v[i].end);
}

/* --- model: bitmap over [base, base + 255] ------------------------------ */

struct bitmap {
    uint64_t base;
    uint64_t w[4];
};

static bool b_get(const struct bitmap *b, uint64_t x)
{
    x -= b->base;
    return b->w[x / 64] >> (x % 64) & 1;
}

static void b_set(struct bitmap *b, uint64_t s, uint64_t e, bool v)
{
    for (uint64_t x = s - b->base; x <= e - b->base; x++) {
        if (v)
            b->w[x / 64] |= 1ull << (x % 64);
        else
            b->w[x / 64] &= ~(1ull << (x % 64));
    }
}

static void b_ranges(const struct bitmap *b, struct rlist *out)
{
    out->n = 0;
    for (unsigned int i = 0; i < 256;) {
        unsigned int j;

        if (!b_get(b, b->base + i)) {
            i++;
            continue;
        }
        for (j = i; j + 1 < 256 && b_get(b, b->base + j + 1); j++)
            ;
        rl_push(out, b->base + i, b->base + j);
        i = j + 1;
    }
}

/* --- consume with a scripted callback ----------------------------------- */

struct consumer {
    struct rlist *model; /* updated as the callback consumes */
    unsigned int budget; /* callbacks before a forced -ERESTART */
    unsigned int calls;
    bool random;
    bool bad;
};

static int consume_cb(uint64_t s, uint64_t e, void *ctxt, uint64_t *consumed)
{
    struct consumer *c = ctxt;
    uint64_t len1 = e - s; /* length - 1: never overflows */
    int rc = 0;

    c->calls++;
    if (!c->model->n || c->model->v[0].start != s || c->model->v[0].end != e)
        c->bad = true;
    switch (c->random ? rnd_below(4) : 0) {
    case 0: /* all of it */
        *consumed = len1 == UINT64_MAX ? UINT64_MAX : len1 + 1;
        break;
    case 1: /* part (maybe none), then preempted */
        *consumed = rnd_below(len1 == UINT64_MAX ? len1 : len1 + 1);
        rc = -LFV_ERESTART;
        break;
    case 2: /* all, then preempted */
        /* over-consumption means "all" too */
        *consumed = len1 >= UINT64_MAX - 3 ? UINT64_MAX
                                           : len1 + 1 + rnd_below(3);
        rc = -LFV_ERESTART;
        break;
    default: /* part, at least one, and go on */
        *consumed = len1 ? 1 + rnd_below(len1) : 1;
        break;
    }
    if (!rc && c->budget && !--c->budget)
        rc = -LFV_ERESTART;
    if (*consumed)
        m_remove(c->model, s, *consumed > len1 ? e : s + *consumed - 1);
    return rc;
}

/* --- random operations against a model ---------------------------------- */

struct universe {
    /* Random [s, e] of the workload's shape. */
    void (*range)(struct universe *u, uint64_t *s, uint64_t *e);
    uint64_t base;
};

static void range_dense(struct universe *u, uint64_t *s, uint64_t *e)
{
    uint64_t a = rnd_below(256), len = rnd_below(4) ? rnd_below(8)
                                                    : rnd_below(256 - a);

    if (a + len > 255)
        len = 255 - a;
    *s = u->base + a;
    *e = *s + len;
}

/* Clusters at 0, at the top, at 2^63 and at one random place. */
static void range_sparse(struct universe *u, uint64_t *s, uint64_t *e)
{
    static const uint64_t bases[] = { 0, UINT64_MAX - 70000,
                                      (uint64_t)1 << 63 };
    uint64_t b = rnd_below(4) == 3 ? u->base : bases[rnd_below(3)];
    uint64_t off = rnd_below(70000), len = rnd_below(8) ? rnd_below(4)
                                                        : rnd_below(4000);

    if (b == UINT64_MAX - 70000 && !rnd_below(8))
        off = 70000 - rnd_below(16); /* hug UINT64_MAX */
    *s = b + off;
    *e = UINT64_MAX - *s < len ? UINT64_MAX : *s + len;
}

static unsigned long n_updates;

static void check_against(const struct lfv_rangeset *r,
                          const struct rlist *model, struct rlist *tmp)
{
    set_ranges(r, tmp);
    CHECK(rl_equal(tmp, model));
    check_tree(r, model->n);
}

/* One random operation; bm (may be NULL) mirrors the model as a bitmap. */
static void random_op(struct lfv_rangeset *r, struct lfv_rangeset *other,
                      struct rlist *model, struct rlist *omodel,
                      struct bitmap *bm, struct universe *u, size_t *limit,
                      struct rlist *tmp)
{
    uint64_t s, e, x, qs, qe;
    static struct rlist want;
    unsigned int op = (unsigned int)rnd_below(100);
    int rc, expect;

    u->range(u, &s, &e);
    if (op < 30) { /* add */
        rl_copy(&want, model);
        m_add(&want, s, e);
        expect = want.n > *limit && want.n > model->n ? -ENOSPC : 0;
        rc = lfv_rangeset_add_range(r, s, e);
        CHECK_EQ(rc, expect);
        if (!rc) {
            rl_copy(model, &want);
            if (bm)
                b_set(bm, s, e, true);
        }
    } else if (op < 55) { /* remove */
        rl_copy(&want, model);
        m_remove(&want, s, e);
        expect = want.n > *limit && want.n > model->n ? -ENOSPC : 0;
        rc = lfv_rangeset_remove_range(r, s, e);
        CHECK_EQ(rc, expect);
        if (!rc) {
            rl_copy(model, &want);
            if (bm)
                b_set(bm, s, e, false);
        }
    } else if (op < 75) { /* queries */
        CHECK_EQ(lfv_rangeset_contains_range(r, s, e),
                 m_contains(model, s, e));
        CHECK_EQ(lfv_rangeset_overlaps_range(r, s, e),
                 m_overlaps(model, s, e));
        if (bm) {
            bool all = true, any = false;

            for (x = s;; x++) {
                all &= b_get(bm, x);
                any |= b_get(bm, x);
                if (x == e)
                    break;
            }
            CHECK_EQ(lfv_rangeset_contains_range(r, s, e), all);
            CHECK_EQ(lfv_rangeset_overlaps_range(r, s, e), any);
        }
        qs = qe = 0;
        x = s + rnd_below(e - s + 1 ? e - s + 1 : 1);
        CHECK_EQ(lfv_rangeset_lookup(r, x, &qs, &qe),
                 m_contains(model, x, x));
        if (m_contains(model, x, x)) {
            CHECK(qs <= x && x <= qe);
            CHECK(m_contains(model, qs, qe));
            CHECK(!m_contains(model, qs - 1, qs - 1) || qs == 0);
            CHECK(!m_contains(model, qe + 1, qe + 1) || qe == UINT64_MAX);
        }
        /* report: the model clipped to [s, e] */
        tmp->n = 0;
        CHECK_EQ(lfv_rangeset_report_ranges(r, s, e, collect_cb, tmp), 0);
        rl_copy(&want, model);
        if (s)
            m_remove(&want, 0, s - 1);
        if (e != UINT64_MAX)
            m_remove(&want, e + 1, UINT64_MAX);
        CHECK(rl_equal(tmp, &want));
        return;
    } else if (op < 83) { /* consume */
        struct consumer c = { .model = model, .random = true,
                              .budget = (unsigned int)rnd_below(6) };

        rc = lfv_rangeset_consume_ranges(r, consume_cb, &c);
        CHECK(!c.bad);
        CHECK(rc == 0 || rc == -LFV_ERESTART);
        CHECK(rc || !model->n);
        if (bm) {
            memset(bm->w, 0, sizeof(bm->w));
            for (size_t i = 0; i < model->n; i++)
                b_set(bm, model->v[i].start, model->v[i].end, true);
        }
    } else if (op < 90) { /* merge / subtract another random set */
        bool merge = rnd_below(2);
        unsigned int k = (unsigned int)rnd_below(6);

        lfv_rangeset_purge(other);
        omodel->n = 0;
        while (k--) {
            u->range(u, &qs, &qe);
            CHECK_EQ(lfv_rangeset_add_range(other, qs, qe), 0);
            m_add(omodel, qs, qe);
        }
        rl_copy(&want, model);
        for (size_t i = 0; i < omodel->n; i++)
            (merge ? m_add : m_remove)(&want, omodel->v[i].start,
                                       omodel->v[i].end);
        expect = want.n > *limit && want.n > model->n ? -ENOSPC : 0;
        rc = merge ? lfv_rangeset_merge(r, other)
                   : lfv_rangeset_subtract(r, other);
        CHECK_EQ(rc, expect);
        if (!rc) {
            rl_copy(model, &want);
            if (bm)
                for (size_t i = 0; i < omodel->n; i++)
                    b_set(bm, omodel->v[i].start, omodel->v[i].end, merge);
        }
    } else if (op < 92) { /* self merge / subtract */
        if (rnd_below(2)) {
            CHECK_EQ(lfv_rangeset_merge(r, r), 0);
        } else {
            CHECK_EQ(lfv_rangeset_subtract(r, r), 0);
            model->n = 0;
            if (bm)
                memset(bm->w, 0, sizeof(bm->w));
        }
    } else if (op < 93) { /* purge */
        lfv_rangeset_purge(r);
        model->n = 0;
        if (bm)
            memset(bm->w, 0, sizeof(bm->w));
    } else if (op < 95) { /* limit */
        *limit = rnd_below(3) ? LFV_RANGESET_NO_LIMIT
                              : model->n + rnd_below(3);
        lfv_rangeset_limit(r, *limit);
        return;
    } else { /* s > e is refused */
        if (s != e) {
            CHECK_EQ(lfv_rangeset_add_range(r, e, s), -EINVAL);
            CHECK_EQ(lfv_rangeset_remove_range(r, e, s), -EINVAL);
            CHECK(!lfv_rangeset_contains_range(r, e, s));
            CHECK(!lfv_rangeset_overlaps_range(r, e, s));
            CHECK_EQ(lfv_rangeset_report_ranges(r, e, s, collect_cb, tmp),
                     -EINVAL);
        }
    }
    n_updates++;
    check_against(r, model, tmp);
    if (bm) {
        b_ranges(bm, tmp);
        CHECK(rl_equal(tmp, model));
    }
}

static void run_random(unsigned int seed, bool dense, unsigned int ops)
{
    struct lfv_rangeset *r = lfv_rangeset_new("random"),
                        *other = lfv_rangeset_new("other");
    struct rlist model = { 0 }, omodel = { 0 }, tmp = { 0 };
    struct bitmap bm = { 0 };
    struct universe u;
    size_t limit = LFV_RANGESET_NO_LIMIT;

    rng_state = 0x9e3779b97f4a7c15ull * (seed + 1);
    u.range = dense ? range_dense : range_sparse;
    u.base = dense ? (seed & 1 ? UINT64_MAX - 255 : 0) : rnd() & ~0xfffffull;
    bm.base = u.base;
    for (unsigned int i = 0; i < ops; i++) {
        /* Sparse runs grow first, so the tree gets several levels. */
        if (!dense && i < ops / 2) {
            uint64_t s, e;

            u.range(&u, &s, &e);
            CHECK_EQ(lfv_rangeset_add_range(r, s, e),
                     (m_add(&model, s, e), 0));
            continue;
        }
        random_op(r, other, &model, &omodel, dense ? &bm : NULL, &u, &limit,
                  &tmp);
    }
    check_against(r, &model, &tmp);
    lfv_rangeset_destroy(r);
    lfv_rangeset_destroy(other);
    free(model.v);
    free(omodel.v);
    free(tmp.v);
}

/* --- edge cases ---------------------------------------------------------- */

static void test_edges(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new(NULL);
    struct rlist got = { 0 };
    uint64_t s, e;
    char buf[128];

    CHECK(!strcmp(lfv_rangeset_name(r), "(no name)"));
    CHECK(lfv_rangeset_is_empty(r));
    CHECK(!lfv_rangeset_contains_range(r, 0, 0));
    CHECK(!lfv_rangeset_overlaps_range(r, 0, UINT64_MAX));
    CHECK(!lfv_rangeset_lookup(r, 0, NULL, NULL));

    CHECK_EQ(lfv_rangeset_add_range(r, 0, UINT64_MAX), 0);
    CHECK(lfv_rangeset_contains_range(r, 0, UINT64_MAX));
    CHECK(lfv_rangeset_lookup(r, 12345, &s, &e) && s == 0 && e == UINT64_MAX);
    check_tree(r, 1);
    CHECK_EQ(lfv_rangeset_remove_range(r, 0, 0), 0);
    CHECK_EQ(lfv_rangeset_remove_range(r, UINT64_MAX, UINT64_MAX), 0);
    set_ranges(r, &got);
    CHECK(got.n == 1 && got.v[0].start == 1 && got.v[0].end == UINT64_MAX - 1);
    CHECK_EQ(lfv_rangeset_remove_range(r, 5, UINT64_MAX - 5), 0);
    set_ranges(r, &got);
    CHECK(got.n == 2 && got.v[0].start == 1 && got.v[0].end == 4 &&
          got.v[1].start == UINT64_MAX - 4 && got.v[1].end == UINT64_MAX - 1);
    CHECK(lfv_rangeset_format(r, buf, sizeof(buf)) > 0);
    CHECK(!strcmp(buf, "(no name) { 1-4, fffffffffffffffb-fffffffffffffffe }"));
    CHECK_EQ(lfv_rangeset_format(r, buf, 4), strlen("(no name) { 1-4, "
             "fffffffffffffffb-fffffffffffffffe }"));
    CHECK(!strcmp(buf, "(no"));
    /* adjacency at both ends of the space, without wrapping */
    CHECK_EQ(lfv_rangeset_add_singleton(r, UINT64_MAX), 0);
    CHECK_EQ(lfv_rangeset_add_singleton(r, 0), 0);
    set_ranges(r, &got);
    CHECK(got.n == 2 && got.v[0].start == 0 && got.v[0].end == 4 &&
          got.v[1].start == UINT64_MAX - 4 && got.v[1].end == UINT64_MAX);
    CHECK(lfv_rangeset_contains_singleton(r, UINT64_MAX));
    CHECK(!lfv_rangeset_contains_range(r, 4, 5));
    CHECK(lfv_rangeset_overlaps_range(r, 4, UINT64_MAX - 5));
    CHECK(!lfv_rangeset_overlaps_range(r, 5, UINT64_MAX - 5));
    CHECK_EQ(lfv_rangeset_add_range(r, 5, UINT64_MAX - 5), 0);
    set_ranges(r, &got);
    CHECK(got.n == 1 && got.v[0].start == 0 && got.v[0].end == UINT64_MAX);
    CHECK_EQ(lfv_rangeset_remove_singleton(r, 7), 0);
    CHECK(!lfv_rangeset_contains_singleton(r, 7));
    check_tree(r, 2);
    lfv_rangeset_purge(r);
    check_tree(r, 0);
    /* report clipping and early stop */
    CHECK_EQ(lfv_rangeset_add_range(r, 10, 20), 0);
    CHECK_EQ(lfv_rangeset_add_range(r, 30, 40), 0);
    got.n = 0;
    CHECK_EQ(lfv_rangeset_report_ranges(r, 15, 35, collect_cb, &got), 0);
    CHECK(got.n == 2 && got.v[0].start == 15 && got.v[0].end == 20 &&
          got.v[1].start == 30 && got.v[1].end == 35);
    lfv_rangeset_destroy(r);
    free(got.v);
}

static int stop_cb(uint64_t s, uint64_t e, void *ctxt)
{
    (void)e;
    *(uint64_t *)ctxt = s;
    return -7;
}

static void test_report_stop(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new("stop");
    uint64_t seen = 0;

    for (uint64_t i = 0; i < 100; i++)
        CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7), 0);
    CHECK_EQ(lfv_rangeset_report_ranges(r, 100, UINT64_MAX, stop_cb, &seen),
             -7);
    CHECK_EQ(seen, 100);
    lfv_rangeset_destroy(r);
}

/* --- consume, Xen's semantics -------------------------------------------- */

struct step {
    uint64_t s, e, consumed;
    int rc;
};

struct script {
    const struct step *steps;
    unsigned int n, i;
    bool bad;
};

static int script_cb(uint64_t s, uint64_t e, void *ctxt, uint64_t *consumed)
{
    struct script *sc = ctxt;
    const struct step *st;

    if (sc->i == sc->n) {
        sc->bad = true;
        return -1;
    }
    st = &sc->steps[sc->i++];
    if (st->s != s || st->e != e)
        sc->bad = true;
    *consumed = st->consumed;
    return st->rc;
}

static void test_consume(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new("consume");
    struct rlist got = { 0 };
    /* [0,9] [20,29] [40,49] */
    static const struct step first[] = {
        { 0, 9, 10, 0 },             /* all of [0,9] */
        { 20, 29, 4, 0 },            /* part, no error: called again */
        { 24, 29, 2, -LFV_ERESTART }, /* part, preempted: [26,29] stays */
    };
    static const struct step second[] = {
        { 26, 29, 0, -LFV_ERESTART }, /* nothing done, preempted */
    };
    static const struct step third[] = {
        { 26, 29, 4, -LFV_ERESTART }, /* all of it, preempted */
    };
    static const struct step fourth[] = {
        { 40, 49, 3, -EIO }, /* a real error: the rest stays */
    };
    static const struct step fifth[] = {
        { 43, 49, 7, 0 },
    };
    struct script sc;

    for (int i = 0; i < 3; i++)
        CHECK_EQ(lfv_rangeset_add_range(r, 20 * (uint64_t)i,
                                        20 * (uint64_t)i + 9), 0);

    sc = (struct script){ first, 3, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), -LFV_ERESTART);
    CHECK(!sc.bad && sc.i == 3);
    set_ranges(r, &got);
    CHECK(got.n == 2 && got.v[0].start == 26 && got.v[0].end == 29 &&
          got.v[1].start == 40);
    check_tree(r, 2);

    sc = (struct script){ second, 1, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), -LFV_ERESTART);
    CHECK(!sc.bad && sc.i == 1);
    set_ranges(r, &got);
    CHECK(got.n == 2 && got.v[0].start == 26);

    sc = (struct script){ third, 1, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), -LFV_ERESTART);
    set_ranges(r, &got);
    CHECK(got.n == 1 && got.v[0].start == 40 && got.v[0].end == 49);

    sc = (struct script){ fourth, 1, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), -EIO);
    set_ranges(r, &got);
    CHECK(got.n == 1 && got.v[0].start == 43 && got.v[0].end == 49);

    sc = (struct script){ fifth, 1, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), 0);
    CHECK(!sc.bad && sc.i == 1);
    CHECK(lfv_rangeset_is_empty(r));
    check_tree(r, 0);
    /* empty: no callback */
    sc = (struct script){ NULL, 0, 0, false };
    CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), 0);
    CHECK(!sc.bad);

    /* The whole space: UINT64_MAX values, then the last one. */
    {
        static const struct step all[] = {
            { 0, UINT64_MAX, UINT64_MAX, -LFV_ERESTART },
            { UINT64_MAX, UINT64_MAX, 1, 0 },
        };

        CHECK_EQ(lfv_rangeset_add_range(r, 0, UINT64_MAX), 0);
        sc = (struct script){ all, 1, 0, false };
        CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc),
                 -LFV_ERESTART);
        CHECK(lfv_rangeset_lookup(r, UINT64_MAX, NULL, NULL));
        check_tree(r, 1);
        sc = (struct script){ all + 1, 1, 0, false };
        CHECK_EQ(lfv_rangeset_consume_ranges(r, script_cb, &sc), 0);
        CHECK(!sc.bad && lfv_rangeset_is_empty(r));
    }

    /* Large set, preempted many times, resumed until empty. */
    {
        struct rlist model = { 0 };
        struct consumer c = { .model = &model };
        unsigned int rounds = 0;
        int rc;

        rng_state = 42;
        for (uint64_t i = 0; i < 5000; i++) {
            CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7), 0);
            m_add(&model, i * 16, i * 16 + 7);
        }
        do {
            c.budget = 1 + (unsigned int)rnd_below(700);
            c.random = rounds & 1;
            rc = lfv_rangeset_consume_ranges(r, consume_cb, &c);
            rounds++;
            set_ranges(r, &got);
            CHECK(rl_equal(&got, &model));
            check_tree(r, model.n);
        } while (rc == -LFV_ERESTART && rounds < 10000);
        CHECK_EQ(rc, 0);
        CHECK(!c.bad && lfv_rangeset_is_empty(r));
        free(model.v);
    }
    lfv_rangeset_destroy(r);
    free(got.v);
}

/* --- limits ------------------------------------------------------------- */

static void test_limit(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new("limited"),
                        *o = lfv_rangeset_new("o");
    struct rlist got = { 0 };

    lfv_rangeset_limit(r, 2);
    CHECK_EQ(lfv_rangeset_add_range(r, 10, 19), 0);
    CHECK_EQ(lfv_rangeset_add_range(r, 30, 39), 0);
    CHECK_EQ(lfv_rangeset_add_range(r, 50, 59), -ENOSPC);
    CHECK_EQ(lfv_rangeset_add_range(r, 20, 25), 0); /* merges: no growth */
    CHECK_EQ(lfv_rangeset_add_range(r, 50, 59), -ENOSPC);
    CHECK_EQ(lfv_rangeset_remove_range(r, 12, 13), -ENOSPC); /* a split */
    CHECK_EQ(lfv_rangeset_remove_range(r, 10, 13), 0);
    CHECK_EQ(lfv_rangeset_add_range(r, 50, 59), -ENOSPC);
    CHECK_EQ(lfv_rangeset_add_range(o, 0, 0), 0);
    CHECK_EQ(lfv_rangeset_merge(r, o), -ENOSPC);
    CHECK_EQ(lfv_rangeset_add_range(o, 15, 15), 0);
    CHECK_EQ(lfv_rangeset_subtract(r, o), -ENOSPC);
    set_ranges(r, &got);
    CHECK(got.n == 2 && got.v[0].start == 14 && got.v[0].end == 25 &&
          got.v[1].start == 30 && got.v[1].end == 39);
    lfv_rangeset_limit(r, 0);
    CHECK_EQ(lfv_rangeset_remove_range(r, 30, 39), 0); /* shrinking is fine */
    CHECK_EQ(lfv_rangeset_add_range(r, 100, 101), -ENOSPC);
    lfv_rangeset_limit(r, LFV_RANGESET_NO_LIMIT);
    CHECK_EQ(lfv_rangeset_add_range(r, 100, 101), 0);
    check_tree(r, 2);
    lfv_rangeset_destroy(r);
    lfv_rangeset_destroy(o);
    free(got.v);
}

/* --- updates made in place ---------------------------------------------- */

/* The set holds exactly the ranges of l (and its tree is sound). */
static void check_same(const struct lfv_rangeset *r, const struct rlist *l)
{
    struct rlist got = { 0 };

    set_ranges(r, &got);
    CHECK(rl_equal(&got, l));
    check_tree(r, l->n);
    free(got.v);
}

/*
 * Appends in order (written past a leaf's last entry, until it splits),
 * ends moved alone (one store), removals and re-adds in the middle (a new
 * leaf under the same parent), at the first and last entry of leaves too.
 */
static void test_in_place(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new("in place");
    struct rlist model = { 0 };
    uint64_t i;

    for (i = 0; i < 700; i++) {
        CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7), 0);
        m_add(&model, i * 16, i * 16 + 7);
        if (i < 100 || i % 37 == 0)
            check_same(r, &model);
    }
    check_same(r, &model);
    for (i = 0; i < 700; i += 13) {
        /* end up by 2, down by 1, back */
        CHECK_EQ(lfv_rangeset_add_range(r, i * 16 + 8, i * 16 + 9), 0);
        m_add(&model, i * 16 + 8, i * 16 + 9);
        CHECK(lfv_rangeset_contains_range(r, i * 16, i * 16 + 9));
        CHECK_EQ(lfv_rangeset_remove_range(r, i * 16 + 9, i * 16 + 9), 0);
        m_remove(&model, i * 16 + 9, i * 16 + 9);
        CHECK(lfv_rangeset_contains_range(r, i * 16, i * 16 + 8));
        CHECK(!lfv_rangeset_overlaps_range(r, i * 16 + 9, i * 16 + 15));
    }
    check_same(r, &model);
    for (i = 0; i < 700; i += 7) {
        CHECK_EQ(lfv_rangeset_remove_range(r, i * 16, i * 16 + 7), 0);
        m_remove(&model, i * 16, i * 16 + 7);
        CHECK(!lfv_rangeset_overlaps_range(r, i * 16, i * 16 + 7));
        if (i % 3)
            continue;
        CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7), 0);
        m_add(&model, i * 16, i * 16 + 7);
    }
    check_same(r, &model);
    /* and back to small mode, from the end */
    while (model.n) {
        struct rs_range last = model.v[model.n - 1];

        CHECK_EQ(lfv_rangeset_remove_range(r, last.start, last.end), 0);
        model.n--;
        if (model.n < 40 || model.n % 29 == 0)
            check_same(r, &model);
    }
    lfv_rangeset_destroy(r);
    free(model.v);
}

struct self_update {
    struct lfv_rangeset *r;
    uint64_t seen, top;
    bool bad;
};

/*
 * Each range reported appends one past the end and moves an end; the walk
 * keeps seeing the version it started on.
 */
static int self_update_cb(uint64_t s, uint64_t e, void *ctxt)
{
    struct self_update *u = ctxt;

    if (s != u->seen * 16 || e != s + 7)
        u->bad = true;
    u->seen++;
    u->top += 16;
    if (lfv_rangeset_add_range(u->r, u->top, u->top + 7) ||
        lfv_rangeset_add_range(u->r, s + 16 + 8, s + 16 + 9))
        u->bad = true;
    return 0;
}

static void test_report_self_update(void)
{
    for (uint64_t n = 5; n <= 600; n += n < 40 ? 7 : 199) {
        struct lfv_rangeset *r = lfv_rangeset_new("self");
        struct self_update u = { r, 0, 16 * (n + 10), false };

        for (uint64_t i = 0; i < n; i++)
            CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7), 0);
        CHECK_EQ(lfv_rangeset_report_ranges(r, 0, 16 * n + 100,
                                            self_update_cb, &u), 0);
        CHECK(!u.bad);
        CHECK_EQ(u.seen, n);
        check_tree(r, 2 * n + 1); /* and [16n + 8, 16n + 9] */
        lfv_rangeset_destroy(r);
    }
}

struct restart {
    struct rlist got;
    unsigned int calls;
};

/* Half of each range at a time; preempted every 100 calls. */
static int restart_cb(uint64_t s, uint64_t e, void *ctxt, uint64_t *consumed)
{
    struct restart *rs = ctxt;
    uint64_t half = (e - s) / 2 + 1;

    *consumed = half;
    rl_push(&rs->got, s, s + half - 1);
    return ++rs->calls % 100 ? 0 : -LFV_ERESTART;
}

/* A big set consumed a bit at a time, resumed after each preemption. */
static void test_consume_restart(void)
{
    struct lfv_rangeset *r = lfv_rangeset_new("restart");
    struct restart rs = { { 0 }, 0 };
    struct rlist left = { 0 };
    const uint64_t n = 3000;
    int rc, rounds = 0;

    for (uint64_t i = 0; i < n; i++)
        CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 9), 0);
    do {
        rc = lfv_rangeset_consume_ranges(r, restart_cb, &rs);
        CHECK(rc == 0 || rc == -LFV_ERESTART);
        set_ranges(r, &left);
        check_tree(r, left.n);
        /* what is left is exactly what was not handed out */
        if (left.n) {
            struct rs_range last = rs.got.v[rs.got.n - 1];

            uint64_t k = last.start / 16;

            CHECK_EQ(left.v[0].start,
                     last.end == k * 16 + 9 ? (k + 1) * 16 : last.end + 1);
            CHECK_EQ(left.v[left.n - 1].end, (n - 1) * 16 + 9);
        }
        rounds++;
    } while (rc);
    CHECK(lfv_rangeset_is_empty(r));
    CHECK(rounds > 50);
    /* ranges of 10 values: 5, then 3, 1, 1 */
    CHECK_EQ(rs.got.n, 4 * n);
    for (uint64_t i = 0; i < rs.got.n; i++) {
        static const uint64_t off[] = { 0, 5, 8, 9 }, len[] = { 5, 3, 1, 1 };
        uint64_t k = i / 4, j = i % 4;

        CHECK_EQ(rs.got.v[i].start, k * 16 + off[j]);
        CHECK_EQ(rs.got.v[i].end, k * 16 + off[j] + len[j] - 1);
    }
    lfv_rangeset_destroy(r);
    free(rs.got.v);
    free(left.v);
}

/* --- allocation failure at every point ---------------------------------- */

typedef int update_fn(struct lfv_rangeset *r, struct lfv_rangeset *o,
                      unsigned int *calls);

static int consume_all_cb(uint64_t s, uint64_t e, void *ctxt,
                          uint64_t *consumed)
{
    (*(unsigned int *)ctxt)++;
    *consumed = (e - s) / 2 + 1; /* half: partial, then the rest */
    return 0;
}

static int consume_some_cb(uint64_t s, uint64_t e, void *ctxt,
                           uint64_t *consumed)
{
    unsigned int *calls = ctxt;

    (void)s, (void)e;
    *consumed = 3;
    return ++*calls == 1000 ? -LFV_ERESTART : 0;
}

static int up_add_merge(struct lfv_rangeset *r, struct lfv_rangeset *o,
                        unsigned int *calls)
{
    (void)o, (void)calls;
    return lfv_rangeset_add_range(r, 16 * 300 + 5, 16 * 1400); /* k merged */
}

static int up_add_new(struct lfv_rangeset *r, struct lfv_rangeset *o,
                      unsigned int *calls)
{
    (void)o, (void)calls;
    return lfv_rangeset_add_range(r, 16 * 1000 + 9, 16 * 1000 + 10);
}

static int up_remove_split(struct lfv_rangeset *r, struct lfv_rangeset *o,
                           unsigned int *calls)
{
    (void)o, (void)calls;
    return lfv_rangeset_remove_range(r, 16 * 700 + 2, 16 * 700 + 3);
}

static int up_remove_many(struct lfv_rangeset *r, struct lfv_rangeset *o,
                          unsigned int *calls)
{
    (void)o, (void)calls;
    return lfv_rangeset_remove_range(r, 16 * 20 + 3, 16 * 1200 + 3);
}

static int up_merge(struct lfv_rangeset *r, struct lfv_rangeset *o,
                    unsigned int *calls)
{
    (void)calls;
    return lfv_rangeset_merge(r, o);
}

static int up_subtract(struct lfv_rangeset *r, struct lfv_rangeset *o,
                       unsigned int *calls)
{
    (void)calls;
    return lfv_rangeset_subtract(r, o);
}

static int up_consume_all(struct lfv_rangeset *r, struct lfv_rangeset *o,
                          unsigned int *calls)
{
    (void)o;
    return lfv_rangeset_consume_ranges(r, consume_all_cb, calls);
}

static int up_consume_some(struct lfv_rangeset *r, struct lfv_rangeset *o,
                           unsigned int *calls)
{
    (void)o;
    return lfv_rangeset_consume_ranges(r, consume_some_cb, calls);
}

static void test_alloc_failure(void)
{
    static update_fn *const updates[] = {
        up_add_merge, up_add_new, up_remove_split, up_remove_many,
        up_merge, up_subtract, up_consume_all, up_consume_some,
    };
    static const unsigned int sizes[] = { 1, 3, 40, 1500 };
    struct rlist before = { 0 }, after = { 0 }, ok = { 0 };

    for (size_t u = 0; u < ARRAY_SIZE(updates); u++) {
        for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
            unsigned int fails = 0;

            for (long n = 0;; n++) {
                struct lfv_rangeset *r = lfv_rangeset_new("victim"),
                                    *o = lfv_rangeset_new("other");
                unsigned int calls = 0;
                int rc;

                /* Recycled nodes would let updates succeed unallocated. */
                rs_cache_bypass(rs_rangeset_cache(r));
                for (uint64_t i = 0; i < sizes[z]; i++)
                    CHECK_EQ(lfv_rangeset_add_range(r, i * 16, i * 16 + 7),
                             0);
                for (uint64_t i = 0; i < 50; i++)
                    CHECK_EQ(lfv_rangeset_add_range(o, i * 97, i * 97 + 20),
                             0);
                set_ranges(r, &before);
                lfv_test_fail_alloc_after(n);
                rc = updates[u](r, o, &calls);
                lfv_test_fail_alloc_after(-1);
                set_ranges(r, &after);
                check_tree(r, after.n);
                if (rc == -ENOMEM) {
                    CHECK(rl_equal(&before, &after));
                    CHECK_EQ(calls, 0); /* no callback before failing */
                    fails++;
                } else {
                    CHECK(rc == 0 || rc == -LFV_ERESTART);
                    if (n == 0)
                        rl_copy(&ok, &after);
                    else
                        CHECK(rl_equal(&ok, &after));
                }
                lfv_rangeset_destroy(r);
                lfv_rangeset_destroy(o);
                if (rc != -ENOMEM) {
                    /* the first run never reached a failure: record it */
                    break;
                }
                if (n == 0) {
                    /* establish the expected result with no injection */
                    struct lfv_rangeset *r2 = lfv_rangeset_new("ref"),
                                        *o2 = lfv_rangeset_new("o");

                    for (uint64_t i = 0; i < sizes[z]; i++)
                        lfv_rangeset_add_range(r2, i * 16, i * 16 + 7);
                    for (uint64_t i = 0; i < 50; i++)
                        lfv_rangeset_add_range(o2, i * 97, i * 97 + 20);
                    calls = 0;
                    CHECK(updates[u](r2, o2, &calls) != -ENOMEM);
                    set_ranges(r2, &ok);
                    lfv_rangeset_destroy(r2);
                    lfv_rangeset_destroy(o2);
                }
            }
            /*
             * Every update that changes the set allocates, except within
             * the small mode (at most 4 ranges before and after), which
             * never allocates and so never fails; merge and subtract still
             * copy the other set (50 ranges, a tree) out.
             */
            if (before.n <= 4 && ok.n <= 4 && updates[u] != up_merge &&
                updates[u] != up_subtract)
                CHECK_EQ(fails, 0);
            else
                CHECK(fails > 0 || rl_equal(&ok, &before));
            lfv_rcu_barrier();
        }
    }
    free(before.v);
    free(after.v);
    free(ok.v);
}

int main(void)
{
    lfv_rcu_register_thread();
    test_edges();
    test_report_stop();
    test_consume();
    test_limit();
    test_in_place();
    test_report_self_update();
    test_consume_restart();
    test_alloc_failure();
    for (unsigned int seed = 0; seed < 200; seed++)
        run_random(seed, true, 2000);
    lfv_rcu_barrier();
    for (unsigned int seed = 0; seed < 6; seed++)
        run_random(1000 + seed, false, 3000);
    printf("%lu random updates checked\n", n_updates);
    free(scratch.v);
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
