/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The range-set workloads of bench/rangeset_impl.h, written once for every
 * implementation.  A module defines its set type and these operations as
 * macros (so that each is a direct call, as in real callers), then includes
 * this file, which defines rs_bench_create/destroy/run:
 *   RS_SET                   the set type
 *   RS_NEW() / RS_FREE(s)    create / destroy an empty set
 *   RS_ADD(s, a, b)          add [a, b], returns 0 or an error
 *   RS_REMOVE(s, a, b)       remove [a, b], returns 0 or an error
 *   RS_CONTAINS(s, a, b)     non-zero if [a, b] is in the set
 *   RS_CONSUME_ALL(s)        consume every range, returns 0 or an error
 * Layout for n ranges, identical in every implementation:
 * [i * 16, i * 16 + 7] for i < n.
 */
#ifndef LFV_BENCH_RS_WORKLOAD_H
#define LFV_BENCH_RS_WORKLOAD_H

#include <stdint.h>
#include <stdlib.h>

#include "rangeset_impl.h"

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

static void rs_bench_destroy(void *h)
{
    struct rs_bench *b = h;

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
    rs_bench_destroy(b);
    return NULL;
}

static uint64_t rs_bench_run(void *h, enum lfv_bench_rs_workload wl,
                             uint64_t iters)
{
    struct rs_bench *b = h;
    uint64_t acc = 0, x = 0x9e3779b97f4a7c15ull, i;
    const unsigned int n = b->n;

    switch (wl) {
    case LFV_RS_LOOKUP:
        for (i = 0; i < iters; i++) {
            uint64_t r = rs_next(&x);
            uint64_t p = (r >> 8) % n * 16 + (r & 7);

            acc += RS_CONTAINS(b->set, p, p) != 0;
        }
        break;
    case LFV_RS_ADD_REMOVE:
        for (i = 0; i < iters; i++) {
            uint64_t s = (rs_next(&x) >> 8) % n * 16;

            acc += (uint64_t)RS_REMOVE(b->set, s, s + 7);
            acc += (uint64_t)RS_ADD(b->set, s, s + 7);
        }
        break;
    case LFV_RS_CONSUME:
        for (i = 0; i < iters; i++) {
            acc += (uint64_t)rs_fill(b->scratch, n);
            acc += (uint64_t)RS_CONSUME_ALL(b->scratch);
        }
        break;
    default:
        break;
    }
    return acc;
}

#endif /* LFV_BENCH_RS_WORKLOAD_H */
