/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The run() of bench/impl.h, written once for every implementation.
 *
 * LFV_BENCH_DEFINE_RUN(name, read4, write4, after) defines
 * `static uint64_t name(wl, param, iters)` whose loops call read4(reg) and
 * write4(reg, val), the implementation's 4-byte config read and write, and
 * then run `after` (QSBR's quiescent state, or nothing).  A macro rather
 * than a function taking pointers, so that every implementation's access
 * path is inlined into an identical loop.
 */
#ifndef LFV_BENCH_RUN_H
#define LFV_BENCH_RUN_H

#include <stdint.h>

#include "device24.h"
#include "impl.h"

#define LFV_BENCH_DEFINE_RUN(name, read4, write4, after)                    \
    static uint64_t name##_read_loop(unsigned int reg, uint64_t iters)      \
    {                                                                       \
        uint64_t acc = 0;                                                   \
                                                                            \
        for (uint64_t i = 0; i < iters; i++)                                \
            acc += read4(reg);                                              \
        after;                                                              \
        return acc;                                                         \
    }                                                                       \
                                                                            \
    /* Writes store the cell's initial value: later reads stay valid. */    \
    static uint64_t name##_write_loop(uint64_t iters)                       \
    {                                                                       \
        for (uint64_t i = 0; i < iters; i++)                                \
            write4(LFV_BENCH_WRITE_REG,                                     \
                   lfv_bench_reg_init(LFV_BENCH_WRITE_IDX));                \
        after;                                                              \
        return iters;                                                       \
    }                                                                       \
                                                                            \
    static uint64_t name(enum lfv_bench_workload wl, unsigned int param,    \
                         uint64_t iters)                                    \
    {                                                                       \
        switch (wl) {                                                       \
        case LFV_WL_READ_HOT:                                               \
            return name##_read_loop(lfv_bench_hot_reg[param % LFV_POS_MAX], \
                                    iters);                                 \
        case LFV_WL_WRITE_HOT:                                              \
            return name##_write_loop(iters);                                \
        case LFV_WL_READ_SPAN:                                              \
            return name##_read_loop(LFV_BENCH_SPAN_REG, iters);             \
        case LFV_WL_READ_GAP:                                               \
            return name##_read_loop(LFV_BENCH_GAP_REG, iters);              \
        default:                                                            \
            return 0;                                                       \
        }                                                                   \
    }

#endif /* LFV_BENCH_RUN_H */
