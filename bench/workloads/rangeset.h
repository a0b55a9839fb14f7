/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range-set workloads, at 1 thread: rangeset_lookup (contains of a random
 * point of the set), rangeset_add_remove (remove one range, add it back),
 * rangeset_consume (build the set and consume it whole), each on sets of
 * 1, 3, 64 and 4096 ranges laid out identically by every implementation:
 * [i * 16, i * 16 + 7] for i < n.  Named `<workload>/<impl>/<ranges>`.
 *
 * Primitives (bench/bench.h), as macros so that each is a direct call:
 *   RS_SET                   the set type
 *   RS_NEW() / RS_FREE(s)    create / destroy an empty set
 *   RS_ADD(s, a, b)          add [a, b], returns 0 or an error
 *   RS_REMOVE(s, a, b)       remove [a, b], returns 0 or an error
 *   RS_CONTAINS(s, a, b)     non-zero if [a, b] is in the set
 *   RS_CONSUME_ALL(s)        consume every range, returns 0 or an error
 */
#ifdef RS_SET
#include <stdlib.h>

struct rs_bench {
    RS_SET *set;     /* n ranges, for lookup and add_remove */
    RS_SET *scratch; /* empty between consume iterations */
    unsigned int n;
};

static uint64_t rs_next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static int rs_fill(RS_SET *s, unsigned int n)
{
    int rc = 0;

    for (uint64_t i = 0; i < n && !rc; i++)
        rc = RS_ADD(s, i * 16, i * 16 + 7);
    return rc;
}

static void rs_bench_destroy(void *h, unsigned int thread)
{
    struct rs_bench *b = h;

    (void)thread;
    if (!b)
        return;
    if (b->set)
        RS_FREE(b->set);
    if (b->scratch)
        RS_FREE(b->scratch);
    free(b);
}

static void *rs_bench_create(unsigned int nranges)
{
    struct rs_bench *b = calloc(1, sizeof(*b));

    if (!b || !nranges)
        goto fail;
    b->n = nranges;
    b->set = RS_NEW();
    b->scratch = RS_NEW();
    if (!b->set || !b->scratch || rs_fill(b->set, nranges))
        goto fail;
    return b;
fail:
    rs_bench_destroy(b, 0);
    return NULL;
}

/* The call the callgrind commands of docs/bench/history.md toggle on. */
__attribute__((noinline)) static uint64_t rs_bench_run(struct rs_bench *b,
                                                       int wl, uint64_t iters)
{
    uint64_t acc = 0, x = 0x9e3779b97f4a7c15ull, i;
    const unsigned int n = b->n;

    switch (wl) {
    case 0: /* lookup */
        for (i = 0; i < iters; i++) {
            uint64_t r = rs_next(&x);
            uint64_t p = (r >> 8) % n * 16 + (r & 7);

            acc += RS_CONTAINS(b->set, p, p) != 0;
        }
        break;
    case 1: /* add_remove */
        for (i = 0; i < iters; i++) {
            uint64_t s = (rs_next(&x) >> 8) % n * 16;

            acc += (uint64_t)RS_REMOVE(b->set, s, s + 7);
            acc += (uint64_t)RS_ADD(b->set, s, s + 7);
        }
        break;
    default: /* consume */
        for (i = 0; i < iters; i++) {
            acc += (uint64_t)rs_fill(b->scratch, n);
            acc += (uint64_t)RS_CONSUME_ALL(b->scratch);
        }
        break;
    }
    return acc;
}

#define RS_CASE(wl, wname, n, batch_)                                        \
    static void *rs_start_##wl##_##n(unsigned int t, unsigned int nt)       \
    {                                                                        \
        (void)t, (void)nt;                                                   \
        return rs_bench_create(n);                                           \
    }                                                                        \
    static uint64_t rs_run_##wl##_##n(void *ctx, unsigned int t,            \
                                      uint64_t iters)                        \
    {                                                                        \
        (void)t;                                                             \
        return rs_bench_run(ctx, wl, iters);                                 \
    }                                                                        \
    LFV_BENCH_CASE(rs_##wl##_##n, .workload = wname, .variant = #n,         \
                   .threads = 0, .batch = batch_,                       \
                   .start = rs_start_##wl##_##n, .stop = rs_bench_destroy,   \
                   .run = rs_run_##wl##_##n)

#define RS_SIZES(wl, wname, batch_)                                          \
    RS_CASE(wl, wname, 1, batch_);                                           \
    RS_CASE(wl, wname, 3, batch_);                                           \
    RS_CASE(wl, wname, 64, batch_);                                          \
    RS_CASE(wl, wname, 4096, batch_)

RS_SIZES(0, "rangeset_lookup", 1000);
RS_SIZES(1, "rangeset_add_remove", 1000);
RS_SIZES(2, "rangeset_consume", 1);
#endif
