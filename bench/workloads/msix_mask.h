/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * msix_mask: each benchmark thread masks and unmasks its own entry (4 *
 * thread) of one device's 64-entry MSI-X table, through the
 * implementation's trapped-MMIO entry point.  At 1, 2 and 4 threads.
 *
 * Primitives (bench/bench.h):
 *   BENCH_MSIX_WRITE(addr, val)   a 4-byte table write; 0 if accepted
 *   BENCH_MSIX_TABLE              the table's (guest) address
 *   int msix_setup(const struct lfv_bench_env *), void msix_teardown(void)
 *   BENCH_AFTER                   after each batch, as in config24.h
 */
#ifdef BENCH_MSIX_WRITE
#define LFV_BENCH_MSIX_ENTRIES 64 /* table size; threads use 4 apart */

static uint64_t msix_mask_run(void *ctx, unsigned int thread, uint64_t iters)
{
    uint64_t ctrl = BENCH_MSIX_TABLE +
                    16 * ((4 * thread) % LFV_BENCH_MSIX_ENTRIES) + 12;
    uint64_t ok = 0;

    (void)ctx;
    for (uint64_t i = 0; i < iters; i++)
        ok += !BENCH_MSIX_WRITE(ctrl, (uint32_t)(i & 1));
    BENCH_AFTER;
    return ok;
}

/* Every thread's writes are accepted. */
static int msix_mask_check(void)
{
    for (unsigned int t = 0; t < 4; t++)
        if (msix_mask_run(NULL, t, 2) != 2) {
            fprintf(stderr, "%s: msix_mask: table write refused\n",
                    LFV_BENCH_IMPL);
            return -1;
        }
    return 0;
}

LFV_BENCH_CASE(msix_mask, .workload = "msix_mask",
               .threads = LFV_T1 | LFV_T2 | LFV_T4, .batch = 1000,
               .setup = msix_setup, .teardown = msix_teardown,
               .check = msix_mask_check, .run = msix_mask_run);
#endif
