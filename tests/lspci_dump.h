/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tests' own reading of an `lspci -vv -xxx(x)` dump file, independent
 * of the loader under test (core/simhw_lspci.c): its address, the Region
 * and Expansion ROM lines before the first capability, and the hex dump.
 */
#ifndef LFV_TESTS_LSPCI_DUMP_H
#define LFV_TESTS_LSPCI_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lfvpci/regs.h>

struct lspci_region {
    bool present, io, mem64, prefetch;
    unsigned long long size; /* 0: the text gives none */
};

struct lspci_dump {
    lfv_sbdf_t sbdf;
    uint8_t cfg[4096];
    unsigned int len;            /* bytes of cfg the dump gives */
    struct lspci_region bar[7];  /* 6: expansion ROM */
};

static inline unsigned long long lspci_parse_size(const char *line)
{
    const char *tag = strstr(line, "[size=");
    unsigned long long n;
    char unit = ']';

    if (!tag || sscanf(tag, "[size=%llu%c", &n, &unit) < 1)
        return 0;
    for (const char *u = "KMGT"; *u; u++) {
        n <<= 10;
        if (*u == unit)
            return n;
    }
    return n >> 40;
}

static inline void lspci_parse_region(struct lspci_dump *d, const char *s)
{
    unsigned int i = 6;

    if (strncmp(s, "Expansion ROM", 13) &&
        (sscanf(s, "Region %u:", &i) != 1 || i > 5))
        return;
    d->bar[i].present = true;
    d->bar[i].io = strstr(s, "I/O ports") != NULL;
    d->bar[i].mem64 = strstr(s, "(64-bit") != NULL;
    d->bar[i].prefetch = strstr(s, ", prefetchable") != NULL;
    d->bar[i].size = lspci_parse_size(s);
}

static inline bool lspci_dump_parse(const char *path, struct lspci_dump *d)
{
    char line[1024];
    bool header = false, caps = false;
    FILE *f = fopen(path, "r");

    memset(d, 0, sizeof(*d));
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        unsigned int seg = 0, bus, dev, fn, off, v[16];
        const char *s = line + strspn(line, " \t");

        if (line[0] == '#' || *s == '\n')
            continue;
        if (!header) {
            header = sscanf(line, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) == 4 ||
                     (seg = 0, sscanf(line, "%x:%x.%u", &bus, &dev, &fn) == 3);
            d->sbdf = LFV_SBDF(seg, bus, dev, fn);
        } else if (s != line) {
            caps = caps || !strncmp(s, "Capabilities:", 13);
            if (!caps)
                lspci_parse_region(d, s);
        } else if (sscanf(line, "%x: %x %x %x %x %x %x %x %x %x %x %x %x %x %x "
                                "%x %x", &off, &v[0], &v[1], &v[2], &v[3],
                          &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10],
                          &v[11], &v[12], &v[13], &v[14], &v[15]) == 17 &&
                   off < 4096) {
            for (int i = 0; i < 16; i++)
                d->cfg[off + i] = (uint8_t)v[i];
            d->len = off + 16;
        }
    }
    fclose(f);
    return header && d->len;
}

#endif /* LFV_TESTS_LSPCI_DUMP_H */
