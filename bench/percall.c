/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-percall MODULE CASE ITERS
 *
 * Runs one case of one benchmark module (CASE: workload[/variant], e.g.
 * read_hot/early, enumerate, steady) ITERS times on one thread inside
 * measured(), for instruction counting under callgrind (scripts/perf.sh
 * runs it with --toggle-collect=measured at two iteration counts and
 * divides the difference, which cancels every fixed cost).  Prints the
 * module's cases when CASE is "list".
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "trace.h"

__attribute__((noinline)) static uint64_t
measured(const struct lfv_bench_case *c, void *ctx, uint64_t iters)
{
    uint64_t acc = 0;

    for (uint64_t done = 0; done < iters; done += c->batch)
        acc += c->run(ctx, 0, iters - done < c->batch ? iters - done : c->batch);
    return acc;
}

static int matches(const struct lfv_bench_case *c, const char *name)
{
    size_t n = strlen(c->workload);

    if (strncmp(name, c->workload, n))
        return 0;
    if (!c->variant)
        return name[n] == 0;
    return name[n] == '/' && !strcmp(name + n + 1, c->variant);
}

int main(int argc, char **argv)
{
    const struct lfv_bench_module *m;
    const struct lfv_bench_case *c = NULL;
    struct lfv_bench_env env = { 0 };
    struct lfv_bench_trace *t;
    uint64_t iters, r;
    void *h, *ctx = NULL;

    if (argc != 4) {
        fprintf(stderr, "usage: %s MODULE CASE|list ITERS\n", argv[0]);
        return 2;
    }
    iters = strtoull(argv[3], NULL, 0);
    h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    m = h ? dlsym(h, "lfv_bench_module") : NULL;
    if (!m) {
        fprintf(stderr, "%s: %s\n", argv[0], h ? "no lfv_bench_module" : dlerror());
        return 1;
    }
    for (const struct lfv_bench_case *const *p = m->cases_begin;
         p < m->cases_end; p++) {
        if (!strcmp(argv[2], "list"))
            printf("%s%s%s\n", (*p)->workload, (*p)->variant ? "/" : "",
                   (*p)->variant ? (*p)->variant : "");
        else if (matches(*p, argv[2]))
            c = *p;
    }
    if (!strcmp(argv[2], "list"))
        return 0;
    if (!c) {
        fprintf(stderr, "%s: %s has no case %s\n", argv[0], m->impl, argv[2]);
        return 2;
    }
    t = lfv_bench_trace_load(LFV_BENCH_TRACE_DIR "/enumerate.trace");
    env.enumerate = t;
    m->thread_init();
    if (c->setup && c->setup(&env)) {
        fprintf(stderr, "%s: %s %s: setup failed\n", argv[0], m->impl, argv[2]);
        return 1;
    }
    if (c->start && !(ctx = c->start(0, 1)))
        return 1;
    measured(c, ctx, 10 * c->batch); /* warm up: first touch, lazy binding */
    r = measured(c, ctx, iters);
    if (c->stop)
        c->stop(ctx, 0);
    m->thread_exit();
    printf("%s %s %llu -> %llu\n", m->impl, argv[2], (unsigned long long)iters,
           (unsigned long long)r);
    lfv_bench_trace_free(t);
    return 0;
}
