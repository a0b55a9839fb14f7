/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen 4.17.5's own rangeset.c under bench/workloads/rangeset.h (a sorted list
 * under a per-set rwlock), compiled from Debian's source package at build
 * time; see xen417_env.h.
 */
#include <stdio.h>

#include <xen/rangeset.h>

#include "bench.h"

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

#define LFV_BENCH_IMPL "xen417"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417", lfv_bench_nop, lfv_bench_nop);
