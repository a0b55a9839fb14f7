/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enumerate: replay bench/traces/enumerate.trace, the config-space
 * accesses Linux makes when it probes the shared devices (IDs, header,
 * BAR sizing with decoding off, capability and extended-capability walks,
 * MSI/MSI-X setup), first from the hardware domain, then from a guest to
 * which the endpoints are assigned (bench/record_enumerate.c wrote it).
 * Every implementation emulates the same registers (the trace's `reg`
 * lines) with the same handlers (bench/trace_cells.h).  Each thread
 * replays the whole trace, starting at its own offset; one access is one
 * iteration.  At 1, 2 and 4 threads.
 *
 * Primitives (bench/bench.h):
 *   BENCH_TR_READ(d, reg, size)         config read of trace device d
 *   BENCH_TR_WRITE(d, reg, size, val)   config write
 *   int trace_setup(const struct lfv_bench_env *), void trace_teardown(void)
 *                                       build the trace's devices in their
 *                                       domains, handlers on tr_cells[d][i]
 *   BENCH_AFTER                         after each batch
 */
#ifdef BENCH_TR_READ
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace_cells.h"

static const struct lfv_bench_trace *enum_trace;

static void *enum_start(unsigned int thread, unsigned int nthreads)
{
    size_t *pos = malloc(sizeof(*pos));

    if (pos)
        *pos = enum_trace->n * thread / (nthreads ? nthreads : 1);
    return pos;
}

static void enum_stop(void *ctx, unsigned int thread)
{
    (void)thread;
    free(ctx);
}

static uint64_t enum_run(void *ctx, unsigned int thread, uint64_t iters)
{
    const struct lfv_bench_access *acc = enum_trace->acc;
    const size_t n = enum_trace->n;
    size_t *posp = ctx, pos = *posp;
    uint64_t sum = 0;

    (void)thread;
    for (uint64_t i = 0; i < iters; i++) {
        const struct lfv_bench_access *x = &acc[pos];

        if (x->write)
            BENCH_TR_WRITE(x->dev, x->reg, x->size, x->val);
        else
            sum += BENCH_TR_READ(x->dev, x->reg, x->size);
        if (++pos == n)
            pos = 0;
    }
    BENCH_AFTER;
    *posp = pos;
    return sum;
}

/* One replay from reset cells returns what the reference does. */
static int enum_check(void)
{
    static uint32_t ref[LFV_TRACE_MAX_DEVS][LFV_TRACE_MAX_REGS];
    int bad = 0;

    tr_cells_reset();
    memcpy(ref, tr_cells, sizeof(ref));
    for (size_t k = 0; k < enum_trace->n && bad < 5; k++) {
        const struct lfv_bench_access *x = &enum_trace->acc[k];
        const struct lfv_bench_tdev *dev = &enum_trace->devs[x->dev];
        uint32_t want = tr_expected(dev, ref[x->dev], x), got = 0;

        if (x->write)
            BENCH_TR_WRITE(x->dev, x->reg, x->size, x->val);
        else
            got = BENCH_TR_READ(x->dev, x->reg, x->size);
        if (!x->write && got != want) {
            fprintf(stderr, "%s: enumerate: access %zu (%s 0x%x/%u): got "
                    "0x%x, expected 0x%x\n", LFV_BENCH_IMPL, k, dev->name,
                    x->reg, x->size, got, want);
            bad++;
        }
    }
    tr_cells_reset();
    return bad ? -1 : 0;
}

static int enum_setup(const struct lfv_bench_env *env)
{
    if (!env->enumerate)
        return -ENOENT; /* no trace loaded */
    enum_trace = env->enumerate;
    tr_cells_reset();
    return trace_setup(env);
}

LFV_BENCH_CASE(enumerate, .workload = "enumerate",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1000,
               .setup = enum_setup, .teardown = trace_teardown,
               .check = enum_check, .start = enum_start, .stop = enum_stop,
               .run = enum_run);
#endif
