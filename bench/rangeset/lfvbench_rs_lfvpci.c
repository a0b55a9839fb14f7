/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci's RCU range sets (memb backend) under bench/workloads/rangeset.h.
 */
#include <lfvpci/rangeset.h>
#include <lfvpci/rcu.h>

#include "bench.h"

static int consume_all(uint64_t s, uint64_t e, void *ctxt, uint64_t *c)
{
    (void)ctxt;
    *c = e - s + 1;
    return 0;
}

#define RS_SET struct lfv_rangeset
#define RS_NEW() lfv_rangeset_new("bench")
#define RS_FREE(s) lfv_rangeset_destroy(s)
#define RS_ADD(s, a, b) lfv_rangeset_add_range((s), (a), (b))
#define RS_REMOVE(s, a, b) lfv_rangeset_remove_range((s), (a), (b))
#define RS_CONTAINS(s, a, b) lfv_rangeset_contains_range((s), (a), (b))
#define RS_CONSUME_ALL(s) lfv_rangeset_consume_ranges((s), consume_all, NULL)

static void thread_init(void)
{
    lfv_rcu_register_thread();
}

static void thread_exit(void)
{
    /* Queued frees of the sets and replaced nodes finish before exit. */
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
}

#define LFV_BENCH_IMPL "lfvpci"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("lfvpci", thread_init, thread_exit);
