/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI-X region map's page index (model/msi_internal.h,
 * msix_regions.c's msix_map_new()): for every address, the lookup
 * through the index finds exactly the interval a linear scan finds, on
 * maps shaped as the engine builds them (a table and the rest of its
 * page, a PBA, devices side by side), on dense pages (many intervals in
 * one page), on intervals spanning many pages, at the top of the address
 * space, on an empty map, and past MSIX_PAGES_MAX pages (no index: binary
 * search).  Addresses: every interval's edges and their neighbours,
 * every page edge they touch, and random ones.  And the index's table
 * shortcut (struct msix_map_page): a hit is the emulated table the scan
 * finds, and a page with an emulated table has one.
 */
#include <stdlib.h>

#include "model/msi_internal.h"
#include "tests/check.h"

#define MAXN 4096

static struct msix_map_entry ents[MAXN];
/* Distinct region pointers, for telling intervals apart. */
static struct lfv_msix_region regions[MAXN];
static unsigned int nents;
static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/*
 * Two in three intervals are emulated tables, for the index's table
 * shortcut; their device is a distinct address never dereferenced.
 */
static void add(uint64_t start, uint64_t end)
{
    if (nents < MAXN) {
        struct lfv_msix_region *r = &regions[nents];

        r->which = MSIX_TABLE;
        r->emulated = rnd() % 3 != 0;
        r->m = (struct lfv_msix *)(void *)r;
        ents[nents] = (struct msix_map_entry){ start, end, r };
        nents++;
    }
}

static const struct msix_map_entry *scan(uint64_t gpa)
{
    for (unsigned int i = 0; i < nents; i++)
        if (ents[i].start <= gpa && gpa <= ents[i].end)
            return &ents[i];
    return NULL;
}

static unsigned int mismatches, bad_shortcuts;

/*
 * The page's table shortcut (what msix_table.c's write takes without a
 * scan): a hit must be the emulated table the scan finds, whole; a page
 * with an emulated table on it must have one.
 */
static void probe_shortcut(const struct msix_map *m, uint64_t gpa,
                           const struct msix_map_entry *want)
{
    const struct msix_map_page *p;

    if (!m->pages)
        return;
    p = msix_map_page_rcu(m, gpa >> LFV_PAGE_SHIFT);
    if (p && gpa - p->tstart < p->tsize) {
        if (!want || !want->region->emulated || want->region->m != p->tm ||
            want->start != p->tstart ||
            want->end - want->start + 1 != p->tsize)
            bad_shortcuts++;
    } else if (want && want->region->emulated && (!p || !p->tsize)) {
        bad_shortcuts++;
    }
}

static void probe(const struct msix_map *m, uint64_t gpa)
{
    const struct msix_map_entry *want = scan(gpa),
                                *got = msix_map_find_rcu(m, gpa);

    /* the map holds copies: compare what they hold */
    if (!want != !got ||
        (got && (got->start != want->start || got->end != want->end ||
                 got->region != want->region)))
        mismatches++;
    probe_shortcut(m, gpa, want);
}

/* Build the map of ents[] and compare every interesting address. */
static void check_map(const char *what, bool want_index)
{
    struct msix_map *m = msix_map_new(ents, nents);
    unsigned int before = mismatches, bad_before = bad_shortcuts;

    CHECK(m != NULL);
    if (!m)
        return;
    CHECK_EQ(m->n, nents);
    CHECK_EQ(m->pages != NULL, want_index);
    for (unsigned int i = 0; i < nents; i++) {
        uint64_t s = ents[i].start, e = ents[i].end;
        uint64_t edges[] = { s - 1, s, s + 1, e - 1, e, e + 1,
                             s & ~(LFV_PAGE_SIZE - 1),
                             (s & ~(LFV_PAGE_SIZE - 1)) - 1,
                             e | (LFV_PAGE_SIZE - 1),
                             (e | (LFV_PAGE_SIZE - 1)) + 1 };

        for (unsigned int k = 0; k < sizeof(edges) / sizeof(edges[0]); k++)
            probe(m, edges[k]);
        for (unsigned int k = 0; k < 8; k++)
            probe(m, s + rnd() % (e - s + LFV_PAGE_SIZE));
    }
    for (unsigned int k = 0; k < 2000; k++) {
        probe(m, rnd());
        if (nents)
            probe(m, ents[rnd() % nents].start + rnd() % (4 * LFV_PAGE_SIZE) -
                         2 * LFV_PAGE_SIZE);
    }
    probe(m, 0);
    probe(m, UINT64_MAX);
    if (mismatches != before)
        fprintf(stderr, "%s: %u lookups differ from the scan\n", what,
                mismatches - before);
    CHECK_EQ(mismatches, before);
    if (bad_shortcuts != bad_before)
        fprintf(stderr, "%s: %u lookups with a wrong table shortcut\n", what,
                bad_shortcuts - bad_before);
    CHECK_EQ(bad_shortcuts, bad_before);
    lfv_free(m);
}

/* Devices as the engine traps them: table, PBA, the rest of their pages. */
static void test_devices(void)
{
    nents = 0;
    for (unsigned int d = 0; d < 40; d++) {
        uint64_t bar = 0xe0000000ull + 0x10000ull * d;
        unsigned int tsize = 16u << (d % 12); /* 16 B .. 32 KiB */

        if (tsize > 0x8000)
            tsize = 0x8000;
        add(bar, bar + tsize - 1);                       /* table */
        if (tsize % LFV_PAGE_SIZE)                       /* rest of page */
            add(bar + tsize, (bar + tsize) | (LFV_PAGE_SIZE - 1));
        if (d % 3 == 0) {                                /* PBA, own page */
            add(bar + 0x9000, bar + 0x9007);
            add(bar + 0x9008, bar + 0x9fff);
        }
    }
    check_map("devices", true);
}

/* Random disjoint intervals: small ones sharing pages, large ones. */
static void test_random(void)
{
    for (unsigned int round = 0; round < 20; round++) {
        uint64_t at = (rnd() % (1ull << 40)) & ~7ull;

        nents = 0;
        for (unsigned int i = 0; i < 500; i++) {
            uint64_t len = rnd() % 4 == 0 ? 1 + rnd() % (3 * LFV_PAGE_SIZE)
                                          : 1 + rnd() % 64;
            uint64_t gap = rnd() % 2 ? rnd() % 32 : rnd() % (2 * LFV_PAGE_SIZE);

            at += gap;
            add(at, at + len - 1);
            at += len;
        }
        check_map("random", true);
    }
}

/* Many intervals in one page, and in pages next to each other. */
static void test_dense(void)
{
    nents = 0;
    for (unsigned int i = 0; i < 1000; i++)
        add(0x100000 + 4 * i, 0x100000 + 4 * i + 1);
    check_map("dense", true);
}

/* The top of the address space: the last page's frame number. */
static void test_top(void)
{
    nents = 0;
    add(UINT64_MAX - 2 * LFV_PAGE_SIZE + 1, UINT64_MAX - LFV_PAGE_SIZE - 16);
    add(UINT64_MAX - 15, UINT64_MAX);
    check_map("top", true);
}

static void test_empty(void)
{
    nents = 0;
    check_map("empty", true);
}

/* Past MSIX_PAGES_MAX pages: no index, binary search. */
static void test_unindexed(void)
{
    nents = 0;
    add(0x1000, 0x1000 + (uint64_t)MSIX_PAGES_MAX * LFV_PAGE_SIZE);
    add(0x1000 + (uint64_t)(MSIX_PAGES_MAX + 1) * LFV_PAGE_SIZE + 8,
        0x1000 + (uint64_t)(MSIX_PAGES_MAX + 1) * LFV_PAGE_SIZE + 15);
    check_map("unindexed", false);
    nents = 0; /* just within: indexed */
    add(0x1000, 0x1000 + (uint64_t)(MSIX_PAGES_MAX - 1) * LFV_PAGE_SIZE - 1);
    check_map("at the bound", true);
}

int main(void)
{
    test_devices();
    test_random();
    test_dense();
    test_top();
    test_empty();
    test_unindexed();
    return CHECK_DONE();
}
