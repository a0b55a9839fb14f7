/* SPDX-License-Identifier: GPL-2.0-only */
/* The trace reader of bench/trace.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static int parse_sbdf(const char *s, uint32_t *out)
{
    unsigned int seg, bus, dev, fn;
    char end;

    if (sscanf(s, "%4x:%2x:%2x.%1u%c", &seg, &bus, &dev, &fn, &end) != 4 ||
        dev > 31 || fn > 7)
        return -1;
    *out = seg << 16 | bus << 8 | dev << 3 | fn;
    return 0;
}

static int bad(const char *path, unsigned int line, const char *why)
{
    fprintf(stderr, "%s:%u: %s\n", path, line, why);
    return -1;
}

static int parse_regs(struct lfv_bench_tdev *d, char *rest, const char *path,
                      unsigned int line)
{
    for (char *tok = strtok(rest, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        unsigned int off, size;
        struct lfv_bench_treg *prev;

        if (sscanf(tok, "%x:%u", &off, &size) != 2 ||
            (size != 1 && size != 2 && size != 4) || (off & (size - 1)) ||
            off + size > 4096)
            return bad(path, line, "bad register (want OFF:SIZE, aligned)");
        if (d->nregs == LFV_TRACE_MAX_REGS)
            return bad(path, line, "too many registers");
        prev = d->nregs ? &d->regs[d->nregs - 1] : NULL;
        if (prev && prev->offset + prev->size > off)
            return bad(path, line, "registers not sorted or overlapping");
        d->regs[d->nregs++] = (struct lfv_bench_treg){ off, size };
    }
    return 0;
}

static int parse_line(struct lfv_bench_trace *t, char *s, size_t *cap,
                      const char *path, unsigned int line)
{
    char kind[8], a[32], b[32], c[64];
    unsigned int idx, reg, size, val;
    int n;

    if (sscanf(s, "%7s%n", kind, &n) != 1 || kind[0] == '#')
        return 0;
    if (!strcmp(kind, "dev")) {
        struct lfv_bench_tdev *d;

        if (sscanf(s + n, "%u %31s %31s %31s", &idx, a, b, c) < 4)
            return bad(path, line, "want: dev IDX hwdom|guest SBDF PHYS NAME");
        if (idx != t->ndevs || idx >= LFV_TRACE_MAX_DEVS)
            return bad(path, line, "device indices must count up from 0");
        d = &t->devs[t->ndevs++];
        memset(d, 0, sizeof(*d));
        if (!strcmp(a, "hwdom"))
            d->dom = 0;
        else if (!strcmp(a, "guest"))
            d->dom = 1;
        else
            return bad(path, line, "domain must be hwdom or guest");
        if (parse_sbdf(b, &d->sbdf) || parse_sbdf(c, &d->phys))
            return bad(path, line, "bad SBDF (want ssss:bb:dd.f)");
        sscanf(s + n, "%*u %*s %*s %*s %63s", d->name);
        return 0;
    }
    if (!strcmp(kind, "reg")) {
        int m;

        if (sscanf(s + n, "%u%n", &idx, &m) != 1 || idx >= t->ndevs)
            return bad(path, line, "reg: unknown device");
        return parse_regs(&t->devs[idx], s + n + m, path, line);
    }
    if (!strcmp(kind, "r") || !strcmp(kind, "w")) {
        struct lfv_bench_access *x;

        if (sscanf(s + n, "%u %x %u %x", &idx, &reg, &size, &val) != 4)
            return bad(path, line, "want: r|w IDX REG SIZE VALUE");
        if (idx >= t->ndevs)
            return bad(path, line, "unknown device");
        if ((size != 1 && size != 2 && size != 4) || (reg & (size - 1)) ||
            reg + size > 4096)
            return bad(path, line, "bad access size or alignment");
        if (t->n == *cap) {
            size_t ncap = *cap ? 2 * *cap : 1024;
            void *p = realloc(t->acc, ncap * sizeof(*t->acc));

            if (!p)
                return bad(path, line, "out of memory");
            t->acc = p;
            *cap = ncap;
        }
        x = &t->acc[t->n++];
        *x = (struct lfv_bench_access){ .write = kind[0] == 'w',
                                        .dev = (uint8_t)idx,
                                        .size = (uint8_t)size,
                                        .reg = (uint16_t)reg, .val = val };
        return 0;
    }
    return bad(path, line, "unknown record (want dev, reg, r or w)");
}

struct lfv_bench_trace *lfv_bench_trace_load(const char *path)
{
    struct lfv_bench_trace *t = calloc(1, sizeof(*t));
    FILE *f = fopen(path, "r");
    char s[4096];
    unsigned int line = 0;
    size_t cap = 0;

    if (!f || !t) {
        if (!f)
            perror(path);
        goto fail;
    }
    while (fgets(s, sizeof(s), f)) {
        line++;
        if (!strchr(s, '\n') && !feof(f)) {
            bad(path, line, "line too long");
            goto fail;
        }
        if (parse_line(t, s, &cap, path, line))
            goto fail;
    }
    if (!t->n) {
        bad(path, line, "no accesses");
        goto fail;
    }
    fclose(f);
    return t;
fail:
    if (f)
        fclose(f);
    lfv_bench_trace_free(t);
    return NULL;
}

void lfv_bench_trace_free(struct lfv_bench_trace *t)
{
    if (t)
        free(t->acc);
    free(t);
}
