/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The machine itself, as a baseline of thread scaling: `calibrate/machine`
 * runs a loop that shares nothing (each thread's state lives in its
 * registers; no memory is written, no lock or atomic operation is taken)
 * at 1, 2 and 4 threads, in the same run as the workloads.  Its 2T/1T is
 * what two threads can get from this machine in that run, whatever the
 * code: on the shared 2-vCPU machines these benchmarks run on, a second
 * vCPU is not always there (BENCHMARKS.md), and a workload's 2T/1T is
 * only read against it (bench_summary.cc prints both next to the scaling
 * targets).
 *
 * One iteration is three rounds of four interleaved chains of adds,
 * shifts and xors: several instructions a cycle, as the engine's paths
 * run (two vCPUs sharing one core's execution units would show here too),
 * and about as long as one trapped access (about 5 ns), so that the
 * driver's batches weigh on it as on the workloads.
 */
#include <stdint.h>

#include "bench.h"

static uint64_t calibrate_run(void *ctx, unsigned int thread, uint64_t iters)
{
    uint64_t a = thread, b = 2, c = 3, d = 4;

    (void)ctx;
    for (uint64_t i = 0; i < iters; i++) {
        for (unsigned int k = 0; k < 3; k++) {
            a += i;
            b ^= a;
            c += b >> 3;
            d ^= c << 5;
            a = (a << 7) | (a >> 57);
            b += d;
            c ^= i;
            d += a;
            /* kept in registers, not folded across iterations */
            __asm__ volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
        }
    }
    return a + b + c + d;
}

LFV_BENCH_CASE(calibrate, .workload = "calibrate",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1024,
               .run = calibrate_run);

LFV_BENCH_MODULE("machine", lfv_bench_nop, lfv_bench_nop);
