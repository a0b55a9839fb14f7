/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The msix_mask workload's interface (see impl.h for the module scheme):
 * a module exports `lfv_bench_msix_impl` of this type.  Each benchmark
 * thread masks and unmasks its own MSI-X table entries of one device of
 * one guest, through the implementation's table MMIO entry point.
 */
#ifndef LFV_BENCH_MSIX_IMPL_H
#define LFV_BENCH_MSIX_IMPL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LFV_BENCH_MSIX_ENTRIES 64 /* table size; threads use 4 apart */

struct lfv_bench_msix_impl {
    const char *name;
    int (*setup)(void);     /* once, before any thread */
    void (*teardown)(void);
    void (*thread_init)(void);
    void (*thread_exit)(void);
    /*
     * `iters` table writes (vector control of entry 4 * thread, mask bit
     * alternating); returns the number of accepted writes.  Thread-safe.
     */
    uint64_t (*run)(unsigned int thread, uint64_t iters);
};

#ifdef __cplusplus
}
#endif

#endif /* LFV_BENCH_MSIX_IMPL_H */
