/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range-set benchmark module for Xen 4.17.5's own rangeset.c (a sorted list
 * under a per-set rwlock), compiled from Debian's source package at build
 * time; see xen417_env.h.
 */
#include <xen/rangeset.h>

static int consume_all(unsigned long s, unsigned long e, void *ctxt,
                       unsigned long *c)
{
    (void)ctxt;
    *c = e - s + 1;
    return 0;
}

#define RS_SET struct rangeset
#define RS_NEW() rangeset_new(NULL, "bench", 0)
#define RS_FREE(s) rangeset_destroy(s)
#define RS_ADD(s, a, b) rangeset_add_range((s), (a), (b))
#define RS_REMOVE(s, a, b) rangeset_remove_range((s), (a), (b))
#define RS_CONTAINS(s, a, b) rangeset_contains_range((s), (a), (b))
#define RS_CONSUME_ALL(s) rangeset_consume_ranges((s), consume_all, NULL)
#include "rs_workload.h"

static void thread_nop(void)
{
}

__attribute__((visibility("default")))
const struct lfv_bench_rangeset_impl lfv_bench_rangeset_impl = {
    .name = "xen417",
    .thread_init = thread_nop,
    .thread_exit = thread_nop,
    .create = rs_bench_create,
    .destroy = rs_bench_destroy,
    .run = rs_bench_run,
};
