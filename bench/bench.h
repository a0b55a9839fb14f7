/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one plugin interface between the benchmark driver (bench_main.cc) and
 * the code under test.
 *
 * A benchmark is a *case*: one workload run by one implementation, named
 * `<workload>/<impl>[/<variant>]/threads:N` in Google Benchmark's output.
 * Each implementation file is built as a shared module
 * (build/lib/bench/lfvbench_<file>.so) that exports one symbol,
 * `lfv_bench_module` (LFV_BENCH_MODULE below), pointing at its table of
 * cases.  The driver dlopen()s every module (RTLD_LOCAL, so Xen's vpci.c and
 * its patched copy live in one process), checks every case, and registers
 * each at the thread counts the case asks for.
 *
 * Workloads are written once, in bench/workloads/<name>.h, against a few
 * primitives an implementation defines as macros or static inline functions
 * before including "lfv_bench_workloads.h" (generated from every file in
 * bench/workloads/): the workload's loop is compiled into each module with
 * the implementation's access path inlined, so no call crosses the module
 * boundary per access.  A workload header whose primitives the module does
 * not define compiles to nothing.  Each workload header registers its cases
 * with LFV_BENCH_CASE (a linker-section table: no list to edit).
 *
 * Adding a workload: one file in bench/workloads/.  Adding an
 * implementation: one file defining the primitives, named for what it is
 * built with (bench/lfvpci_*.c on the engine, bench/xen/xen417*.c with Xen
 * 4.17.5's vpci.c, xen417_lfvpci*.c with the series', xen_pcilock*.c on
 * xen_pcilock.h); the build finds it by its name.
 */
#ifndef LFV_BENCH_BENCH_H
#define LFV_BENCH_BENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Thread counts a case runs at, as a mask. */
#define LFV_T1 1u
#define LFV_T2 2u
#define LFV_T4 4u

struct lfv_bench_trace; /* bench/trace.h */

/* What the driver hands every setup: data loaded from the repository. */
struct lfv_bench_env {
    const struct lfv_bench_trace *enumerate; /* bench/traces/enumerate.trace */
};

struct lfv_bench_case {
    const char *workload;   /* "read_hot", "enumerate", ... */
    const char *variant;    /* "early", "64", "churn", or NULL */
    unsigned int threads;   /* LFV_T1 | LFV_T2 ...; 0: one thread, CPU
                               time, no "/real_time/threads:1" suffix */
    uint64_t batch;         /* iterations per run() call */
    /*
     * Once, before any case is timed; several cases may share one setup
     * (called once per distinct function).  0, or a negative errno: the
     * case is reported and skipped.  NULL: nothing to set up.
     */
    int (*setup)(const struct lfv_bench_env *env);
    void (*teardown)(void);
    /*
     * Once after setup, on one thread: 0 if the implementation computes
     * what the workload must see (the driver refuses to time a wrong
     * implementation).  NULL: nothing to check.
     */
    int (*check)(void);
    /* On each benchmark thread, around its loops: per-thread state. */
    void *(*start)(unsigned int thread, unsigned int nthreads);
    void (*stop)(void *ctx, unsigned int thread);
    /*
     * `iters` operations; returns a value depending on every result (so
     * that nothing is optimised away).  Called on several threads at once.
     */
    uint64_t (*run)(void *ctx, unsigned int thread, uint64_t iters);
};

struct lfv_bench_module {
    const char *impl;       /* "lfvpci", "xen417", ... */
    /* Per-thread registration (RCU readers), around every case's threads. */
    void (*thread_init)(void);
    void (*thread_exit)(void);
    const struct lfv_bench_case *const *cases_begin, *const *cases_end;
};

#ifdef __cplusplus
}
#endif

#ifndef __cplusplus
/*
 * LFV_BENCH_CASE(id, ...): one entry of the module's case table, a
 * designated initialiser of struct lfv_bench_case.
 */
#define LFV_BENCH_CASE(id, ...)                                              \
    static const struct lfv_bench_case lfv_bench_case_##id = { __VA_ARGS__ };\
    static const struct lfv_bench_case *const lfv_bench_case_ptr_##id        \
        __attribute__((used, section("lfv_bench_cases"))) =                  \
            &lfv_bench_case_##id

/* The module's one export; its file must register at least one case. */
#define LFV_BENCH_MODULE(name, init, exit)                                   \
    extern const struct lfv_bench_case *const __start_lfv_bench_cases[]      \
        __attribute__((visibility("hidden")));                               \
    extern const struct lfv_bench_case *const __stop_lfv_bench_cases[]       \
        __attribute__((visibility("hidden")));                               \
    __attribute__((visibility("default")))                                   \
    const struct lfv_bench_module lfv_bench_module = {                       \
        .impl = (name), .thread_init = (init), .thread_exit = (exit),       \
        .cases_begin = __start_lfv_bench_cases,                              \
        .cases_end = __stop_lfv_bench_cases,                                 \
    }

static inline void lfv_bench_nop(void)
{
}
#endif

#endif /* LFV_BENCH_BENCH_H */
