/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-percall MODULE WORKLOAD [PARAM] ITERS
 *
 * Runs one workload of one benchmark module ITERS times inside measured(),
 * for instruction counting under callgrind (scripts/perf.sh runs it with
 * --toggle-collect=measured at two iteration counts and divides the
 * difference, which cancels every fixed cost).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impl.h"

static const char *const names[LFV_WL_MAX] = { "read_hot", "write_hot",
                                               "read_span", "read_gap" };

__attribute__((noinline)) static uint64_t
measured(const struct lfv_bench_impl *impl, enum lfv_bench_workload wl,
         unsigned int param, uint64_t iters)
{
    return impl->run(wl, param, iters);
}

int main(int argc, char **argv)
{
    const struct lfv_bench_impl *impl;
    unsigned int wl, param = 0;
    uint64_t iters, r;
    void *h;

    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s MODULE WORKLOAD [PARAM] ITERS\n", argv[0]);
        return 2;
    }
    for (wl = 0; wl < LFV_WL_MAX; wl++)
        if (!strcmp(argv[2], names[wl]))
            break;
    if (wl == LFV_WL_MAX) {
        fprintf(stderr, "%s: unknown workload %s\n", argv[0], argv[2]);
        return 2;
    }
    if (argc == 5)
        param = (unsigned int)strtoul(argv[3], NULL, 0);
    iters = strtoull(argv[argc - 1], NULL, 0);
    h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    impl = h ? dlsym(h, "lfv_bench_impl") : NULL;
    if (!impl) {
        fprintf(stderr, "%s: %s\n", argv[0], h ? "no lfv_bench_impl" : dlerror());
        return 1;
    }
    if (impl->setup())
        return 1;
    impl->thread_init();
    impl->run(wl, param, 1000); /* warm up: first-touch, lazy binding */
    r = measured(impl, wl, param, iters);
    impl->thread_exit();
    printf("%s %s %u %llu -> %llu\n", impl->name, names[wl], param,
           (unsigned long long)iters, (unsigned long long)r);
    return 0;
}
