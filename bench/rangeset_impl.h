/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range-set benchmark implementations.  Like bench/impl.h: each is a shared
 * module build/lib/bench/lfvbench_rs_<name>.so exporting one symbol
 * `lfv_bench_rangeset_impl`; the driver registers
 * `<workload>/<name>/<ranges>` for workloads rangeset_lookup,
 * rangeset_add_remove and rangeset_consume at 1, 3, 64 and 4096 ranges.
 */
#ifndef LFV_BENCH_RANGESET_IMPL_H
#define LFV_BENCH_RANGESET_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum lfv_bench_rs_workload {
    LFV_RS_LOOKUP,     /* contains/lookup of a random point of the set */
    LFV_RS_ADD_REMOVE, /* remove one range, add it back */
    LFV_RS_CONSUME,    /* build a set of n ranges and consume it whole */
    LFV_RS_MAX,
};

struct lfv_bench_rangeset_impl {
    const char *name;              /* "lfvpci", "xen417" */
    void (*thread_init)(void);
    void (*thread_exit)(void);
    /* A set of `nranges` disjoint ranges, laid out identically by all. */
    void *(*create)(unsigned int nranges);
    void (*destroy)(void *set);
    /* `iters` operations; returns a value depending on every result. */
    uint64_t (*run)(void *set, enum lfv_bench_rs_workload wl, uint64_t iters);
};

#ifdef __cplusplus
}
#endif

#endif /* LFV_BENCH_RANGESET_IMPL_H */
