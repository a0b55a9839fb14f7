/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Workloads on the 24-register benchmark device (bench/device24.h), one
 * register at a time: read_hot/{early,middle,late} (a 4-byte handled read
 * at 0x10, 0x54, 0x104), write_hot (0x54), read_span (4 bytes at 0x0c:
 * three 1-byte registers and a gap), read_gap (0x08, unhandled: the
 * hardware domain reaches hardware).  At 1 and 2 threads, on one device
 * (write_hot at 4 as well: 4 writers of one device on 2 CPUs contend for
 * its write lock while oversubscribed).
 *
 * Primitives (bench/bench.h explains the scheme):
 *   BENCH_READ4(reg), BENCH_WRITE4(reg, val)  a 4-byte config access
 *   BENCH_AFTER                               after each batch (QSBR's
 *                                             quiescent state), or nothing
 *   int dev24_setup(const struct lfv_bench_env *), void dev24_teardown(void)
 *                                             build / free the device
 */
#if defined(BENCH_READ4) && defined(BENCH_WRITE4)
#include "bench_hw.h"
#include "device24.h"

static uint64_t config24_read_loop(unsigned int reg, uint64_t iters)
{
    uint64_t acc = 0;

    for (uint64_t i = 0; i < iters; i++)
        acc += BENCH_READ4(reg);
    BENCH_AFTER;
    return acc;
}

/* Writes store the cell's initial value: later reads stay valid. */
static uint64_t config24_write_loop(uint64_t iters)
{
    for (uint64_t i = 0; i < iters; i++)
        BENCH_WRITE4(LFV_BENCH_WRITE_REG,
                     lfv_bench_reg_init(LFV_BENCH_WRITE_IDX));
    BENCH_AFTER;
    return iters;
}

/* Every workload's register reads what the device holds. */
static int config24_check(void)
{
    static const unsigned int regs[] = {
        0x10, 0x54, 0x104, LFV_BENCH_SPAN_REG, LFV_BENCH_GAP_REG,
    };
    int bad = 0;

    for (unsigned int i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint32_t got = (uint32_t)BENCH_READ4(regs[i]);

        if (got != bench_expected_read(regs[i])) {
            fprintf(stderr, "%s: read 0x%x: got 0x%08x, expected 0x%08x\n",
                    LFV_BENCH_IMPL, regs[i], got, bench_expected_read(regs[i]));
            bad = -1;
        }
    }
    return bad;
}

#define CONFIG24_CASE(id, wl, var, body)                                     \
    CONFIG24_CASE_T(id, wl, var, LFV_T1 | LFV_T2, body)
#define CONFIG24_CASE_T(id, wl, var, thr, body)                              \
    static uint64_t config24_run_##id(void *ctx, unsigned int t,            \
                                      uint64_t iters)                        \
    {                                                                        \
        (void)ctx, (void)t;                                                  \
        return body;                                                         \
    }                                                                        \
    LFV_BENCH_CASE(config24_##id, .workload = wl, .variant = var,           \
                   .threads = (thr), .batch = 1000,                          \
                   .setup = dev24_setup, .teardown = dev24_teardown,        \
                   .check = config24_check, .run = config24_run_##id)

CONFIG24_CASE(read_early, "read_hot", "early", config24_read_loop(0x10, iters));
CONFIG24_CASE(read_middle, "read_hot", "middle", config24_read_loop(0x54, iters));
CONFIG24_CASE(read_late, "read_hot", "late", config24_read_loop(0x104, iters));
/* also at 4 threads: one device's write lock, oversubscribed */
CONFIG24_CASE_T(write_hot, "write_hot", NULL, LFV_T1 | LFV_T2 | LFV_T4,
                config24_write_loop(iters));
CONFIG24_CASE(read_span, "read_span", NULL,
              config24_read_loop(LFV_BENCH_SPAN_REG, iters));
CONFIG24_CASE(read_gap, "read_gap", NULL,
              config24_read_loop(LFV_BENCH_GAP_REG, iters));
#endif
