/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enumerate: replay bench/traces/enumerate.trace, the config-space
 * accesses Linux makes when it probes the shared devices (IDs, header,
 * BAR sizing with decoding off, capability and extended-capability walks,
 * MSI/MSI-X setup), first from the hardware domain, then from a guest to
 * which the endpoints are assigned (bench/record_enumerate.c wrote it).
 * Every implementation emulates the same registers (the trace's `reg`
 * lines) with the same handlers (bench/trace_cells.h).  Each thread
 * replays the whole trace, thread t of N starting at access n * t / N;
 * one access is one iteration.  At 1, 2 and 4 threads, in two variants:
 *
 * enumerate/<impl>: every thread replays it on the same devices (copy 0
 * of the trace's devices): the threads write the same emulated registers
 * (BAR sizing, MSI setup) and take the same devices' write locks.  No
 * guest does that: an OS probes a bus from one CPU, and two vCPUs sizing
 * one BAR at once would corrupt their own probe.
 *
 * enumerate/<impl>/private: thread t replays it on its own copy t of every
 * trace device, in its own domains, on its own cells: several domains
 * probing their own devices at once (VMs booting, the hardware domain and
 * a guest).  The threads share nothing but the implementation (its
 * system, device lookup structures, code); where each implementation puts
 * copy t is in its file.  At 1 thread it is the shared case's work (copy
 * 0, from access 0): only the threads' sharing differs.
 *
 * Primitives (bench/bench.h):
 *   BENCH_TR_READ(c, d, reg, size)       config read of trace device d of
 *                                        copy c (c < LFV_TRACE_COPIES)
 *   BENCH_TR_WRITE(c, d, reg, size, val) config write
 *   int trace_setup(const struct lfv_bench_env *), void trace_teardown(void)
 *                                        build every copy of the trace's
 *                                        devices in their domains, handlers
 *                                        on tr_cells[c][d][i]
 *   BENCH_AFTER                          after each batch
 */
#ifdef BENCH_TR_READ
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "trace_cells.h"

static const struct lfv_bench_trace *enum_trace;

struct enum_ctx {
    size_t pos;         /* the next access */
    unsigned int copy;  /* the devices replayed on (private variant) */
};

static void *enum_start_copy(unsigned int thread, unsigned int nthreads,
                             unsigned int copy)
{
    struct enum_ctx *e = malloc(sizeof(*e));

    if (e) {
        e->pos = enum_trace->n * thread / (nthreads ? nthreads : 1);
        e->copy = copy;
    }
    return e;
}

static void *enum_start(unsigned int thread, unsigned int nthreads)
{
    return enum_start_copy(thread, nthreads, 0);
}

/* Thread t on copy t: at most LFV_TRACE_COPIES threads. */
static void *enum_start_private(unsigned int thread, unsigned int nthreads)
{
    if (thread >= LFV_TRACE_COPIES) {
        fprintf(stderr, "%s: enumerate/private: thread %u: only %u copies\n",
                LFV_BENCH_IMPL, thread, LFV_TRACE_COPIES);
        return NULL;
    }
    return enum_start_copy(thread, nthreads, thread);
}

static void enum_stop(void *ctx, unsigned int thread)
{
    (void)thread;
    free(ctx);
}

/* The loop of both variants; copy c is a constant in the shared one's. */
static inline __attribute__((always_inline)) uint64_t
enum_replay(unsigned int c, struct enum_ctx *e, uint64_t iters)
{
    const struct lfv_bench_access *acc = enum_trace->acc;
    const size_t n = enum_trace->n;
    size_t pos = e->pos;
    uint64_t sum = 0;

    for (uint64_t i = 0; i < iters; i++) {
        const struct lfv_bench_access *x = &acc[pos];

        if (x->write)
            BENCH_TR_WRITE(c, x->dev, x->reg, x->size, x->val);
        else
            sum += BENCH_TR_READ(c, x->dev, x->reg, x->size);
        if (++pos == n)
            pos = 0;
    }
    BENCH_AFTER;
    e->pos = pos;
    return sum;
}

static uint64_t enum_run(void *ctx, unsigned int thread, uint64_t iters)
{
    (void)thread;
    return enum_replay(0, ctx, iters);
}

/*
 * The loop once per copy, each a function of its own with its copy a
 * constant, as the shared one's: every thread of the private variant runs
 * the shared case's code (down to its registers) on its own devices.
 */
#define ENUM_RUN_COPY(c)                                                    \
    static __attribute__((noinline)) uint64_t                               \
    enum_run_copy##c(void *ctx, unsigned int thread, uint64_t iters)        \
    {                                                                       \
        (void)thread;                                                       \
        return enum_replay(c, ctx, iters);                                  \
    }
ENUM_RUN_COPY(0)
ENUM_RUN_COPY(1)
ENUM_RUN_COPY(2)
ENUM_RUN_COPY(3)

static uint64_t enum_run_private(void *ctx, unsigned int thread,
                                 uint64_t iters)
{
    static uint64_t (*const run[])(void *, unsigned int, uint64_t) = {
        enum_run_copy0, enum_run_copy1, enum_run_copy2, enum_run_copy3,
    };
    const struct enum_ctx *e = ctx;

    _Static_assert(sizeof(run) / sizeof(run[0]) == LFV_TRACE_COPIES,
                   "one loop per copy");
    return run[e->copy](ctx, thread, iters);
}

/*
 * One replay of copy c from reset cells returns what the reference does,
 * and leaves every other copy's cells as they were.
 */
static int enum_check_copy(unsigned int c)
{
    static uint32_t ref[LFV_TRACE_MAX_DEVS][LFV_TRACE_MAX_REGS];
    int bad = 0;

    tr_cells_reset();
    memcpy(ref, tr_cells[c], sizeof(ref));
    for (size_t k = 0; k < enum_trace->n && bad < 5; k++) {
        const struct lfv_bench_access *x = &enum_trace->acc[k];
        const struct lfv_bench_tdev *dev = &enum_trace->devs[x->dev];
        uint32_t want = tr_expected(dev, ref[x->dev], x), got = 0;

        if (x->write)
            BENCH_TR_WRITE(c, x->dev, x->reg, x->size, x->val);
        else
            got = BENCH_TR_READ(c, x->dev, x->reg, x->size);
        if (!x->write && got != want) {
            fprintf(stderr, "%s: enumerate: copy %u, access %zu (%s 0x%x/%u): "
                    "got 0x%x, expected 0x%x\n", LFV_BENCH_IMPL, c, k,
                    dev->name, x->reg, x->size, got, want);
            bad++;
        }
    }
    for (unsigned int o = 0; o < LFV_TRACE_COPIES && !bad; o++)
        for (unsigned int d = 0; d < enum_trace->ndevs && !bad; d++)
            for (unsigned int i = 0; i < LFV_TRACE_MAX_REGS && !bad; i++)
                if (o != c && tr_cells[o][d][i] != tr_cell_init(o, d, i)) {
                    fprintf(stderr, "%s: enumerate: copy %u's replay wrote "
                            "copy %u's %s, register %u\n", LFV_BENCH_IMPL, c,
                            o, enum_trace->devs[d].name, i);
                    bad++;
                }
    tr_cells_reset();
    return bad ? -1 : 0;
}

static int enum_check(void)
{
    return enum_check_copy(0);
}

static int enum_check_private(void)
{
    for (unsigned int c = 0; c < LFV_TRACE_COPIES; c++)
        if (enum_check_copy(c))
            return -1;
    return 0;
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
LFV_BENCH_CASE(enumerate_private, .workload = "enumerate",
               .variant = "private",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1000,
               .setup = enum_setup, .teardown = trace_teardown,
               .check = enum_check_private, .start = enum_start_private,
               .stop = enum_stop, .run = enum_run_private);
#endif
