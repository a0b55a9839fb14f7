/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * steady: a running guest's traffic on its LFV_STEADY_DEVS devices, each
 * with a 64-entry MSI-X table.  Every thread repeats, on one device after
 * the other, 16 operations: an MSI-X mask/unmask storm (five of its own
 * entries masked then unmasked: 10 table writes through the trapped-MMIO
 * path), five COMMAND reads and one BAR read.  One operation is one
 * iteration.  At 1, 2 and 4 threads.
 *
 * steady/<impl>/churn: the same, while a writer thread hot-unplugs one
 * more device of the same guest (device LFV_STEADY_DEVS, which the readers
 * do not touch: their work stays the same) and plugs it back, at a fixed
 * rate (LFV_STEADY_CHURN_HZ changes a second: unplug, replug, ...).  What
 * the readers lose is the writer's cost to them: shared structures
 * republished (the guest's device slots, the SBDF map, the MSI-X region
 * map), grace periods, the CPU the writer takes.  Compare with
 * steady/<impl> of the same run: reader throughput under churn against
 * without.
 *
 * Primitives (bench/bench.h):
 *   BENCH_ST_READ(d, reg, size)        guest config read of device d
 *   BENCH_ST_MSIX_WRITE(d, entry, val) 4-byte write of an entry's vector
 *                                      control; 0 if accepted
 *   int steady_setup(const struct lfv_bench_env *), void steady_teardown(void)
 *                                      devices 0 .. LFV_STEADY_DEVS, all
 *                                      plugged
 *   int steady_unplug(unsigned int d), int steady_replug(unsigned int d)
 *                                      the writer's side (one writer)
 *   BENCH_THREAD_INIT(), BENCH_THREAD_EXIT()  the writer thread's
 *                                      registration, as a benchmark thread's
 *   BENCH_AFTER                        after each batch
 */
#ifdef BENCH_ST_READ
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define LFV_STEADY_DEVS 4
#define LFV_STEADY_CHURN_HZ 1000

struct steady_ctx {
    uint64_t op;
    pthread_t writer;
    bool has_writer;
};

static volatile bool steady_stop_writer;

static void *steady_writer(void *arg)
{
    struct timespec next;
    bool present = true;
    int rc = 0;

    (void)arg;
    BENCH_THREAD_INIT();
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!__atomic_load_n(&steady_stop_writer, __ATOMIC_ACQUIRE) && !rc) {
        next.tv_nsec += 1000000000L / LFV_STEADY_CHURN_HZ;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        rc = present ? steady_unplug(LFV_STEADY_DEVS)
                     : steady_replug(LFV_STEADY_DEVS);
        present = !present;
    }
    if (!present && !rc)
        rc = steady_replug(LFV_STEADY_DEVS);
    if (rc)
        fprintf(stderr, "%s: steady: churn failed: %d\n", LFV_BENCH_IMPL, rc);
    BENCH_THREAD_EXIT();
    return NULL;
}

static void *steady_start(unsigned int thread, unsigned int nthreads)
{
    struct steady_ctx *c = calloc(1, sizeof(*c));

    (void)nthreads;
    (void)thread;
    return c;
}

static void *steady_start_churn(unsigned int thread, unsigned int nthreads)
{
    struct steady_ctx *c = steady_start(thread, nthreads);

    if (c && thread == 0) {
        steady_stop_writer = false;
        c->has_writer = !pthread_create(&c->writer, NULL, steady_writer, NULL);
    }
    return c;
}

static void steady_stop(void *ctx, unsigned int thread)
{
    struct steady_ctx *c = ctx;

    (void)thread;
    if (c && c->has_writer) {
        __atomic_store_n(&steady_stop_writer, true, __ATOMIC_RELEASE);
        pthread_join(c->writer, NULL);
    }
    free(c);
}

static uint64_t steady_run(void *ctx, unsigned int thread, uint64_t iters)
{
    struct steady_ctx *c = ctx;
    uint64_t op = c->op, sum = 0;

    for (uint64_t i = 0; i < iters; i++, op++) {
        unsigned int k = op & 15, d = (op >> 4) % LFV_STEADY_DEVS;

        if (k < 10) /* entry 8t + k/2: masked, then unmasked */
            sum += !BENCH_ST_MSIX_WRITE(d, 8 * thread + (k >> 1), ~k & 1);
        else if (k < 15)
            sum += BENCH_ST_READ(d, 0x04, 2);
        else
            sum += BENCH_ST_READ(d, 0x10, 4);
    }
    BENCH_AFTER;
    c->op = op;
    return sum;
}

/* Every device answers and accepts every thread's table writes. */
static int steady_check(void)
{
    for (unsigned int d = 0; d < LFV_STEADY_DEVS; d++) {
        if (BENCH_ST_READ(d, 0x04, 2) == 0xffff) {
            fprintf(stderr, "%s: steady: device %u absent\n", LFV_BENCH_IMPL, d);
            return -1;
        }
        for (unsigned int t = 0; t < 4; t++)
            for (unsigned int k = 0; k < 10; k++)
                if (BENCH_ST_MSIX_WRITE(d, 8 * t + (k >> 1), ~k & 1)) {
                    fprintf(stderr, "%s: steady: device %u refused a table "
                            "write\n", LFV_BENCH_IMPL, d);
                    return -1;
                }
    }
    return 0;
}

LFV_BENCH_CASE(steady, .workload = "steady",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1024,
               .setup = steady_setup, .teardown = steady_teardown,
               .check = steady_check, .start = steady_start,
               .stop = steady_stop, .run = steady_run);
LFV_BENCH_CASE(steady_churn, .workload = "steady", .variant = "churn",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1024,
               .setup = steady_setup, .teardown = steady_teardown,
               .start = steady_start_churn, .stop = steady_stop,
               .run = steady_run);
#endif
