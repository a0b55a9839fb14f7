/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The interface between the benchmark driver (bench_main.cc, C++) and each
 * implementation under test.  Every implementation is a shared module,
 * build/lib/bench/lfvbench_<name>.so, exporting one symbol
 * `lfv_bench_impl` of this type; the driver dlopen()s them all (RTLD_LOCAL,
 * so implementations with clashing symbols, such as Xen's vpci.c and its
 * patched variant, live in one process) and runs every workload of every
 * implementation in the same run.
 *
 * The timed loop lives inside the module (run()), so no call crosses the
 * module boundary per access.
 */
#ifndef LFV_BENCH_IMPL_H
#define LFV_BENCH_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum lfv_bench_workload {
    LFV_WL_READ_HOT,   /* 4-byte handled read; param = register position */
    LFV_WL_WRITE_HOT,  /* 4-byte handled write */
    LFV_WL_READ_SPAN,  /* 4-byte read over three registers and a gap */
    LFV_WL_READ_GAP,   /* 4-byte read of an unhandled register (hardware) */
    LFV_WL_MAX,
};

/* read_hot positions */
enum { LFV_POS_EARLY, LFV_POS_MIDDLE, LFV_POS_LATE, LFV_POS_MAX };

struct lfv_bench_impl {
    const char *name;      /* as in benchmark names: "lfvpci", "xen417" */
    /* Build the device of bench/device24.h.  Once, before any thread. */
    int (*setup)(void);
    void (*teardown)(void);
    /* Called on each benchmark thread before/after its loops. */
    void (*thread_init)(void);
    void (*thread_exit)(void);
    /*
     * Run `iters` accesses of workload wl (param: position for read_hot)
     * and return a value depending on every result read, so that nothing
     * is optimised away.  Thread-safe: called on several threads at once.
     */
    uint64_t (*run)(enum lfv_bench_workload wl, unsigned int param,
                    uint64_t iters);
};

#ifdef __cplusplus
}
#endif

#endif /* LFV_BENCH_IMPL_H */
