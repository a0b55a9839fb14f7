/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI-X hook's domain state: a domain's MSI-X regions (tables, PBAs
 * and the rest of their pages), the list under lock and the map built
 * from it (sorted intervals and their page index), published under RCU.
 *
 * Writers (assignment, de-assignment, BAR moves: msix.c) keep the
 * authoritative list of regions under md->lock and, on every change, build
 * a fresh map from it and publish it with one pointer store: a BAR move is
 * therefore one publication, and a reader (msix_mmio.c) sees the region
 * at its old or its new place, never at both or neither (a move by less
 * than the region's size could not be an insert before a remove).  The
 * list is bounded (the domain's region limit), so the rebuild is cheap.
 * The rebuild places the intervals in a scratch interval map, which
 * refuses overlaps, then publishes them as a sorted array with an index
 * of the pages they touch (struct msix_map, msi_internal.h), in which
 * readers find an address's page, then its interval: no latch, no tree,
 * no search over the domain's regions, since a published map never
 * changes.
 *
 * The lowest of the MSI-X files: msix.c (the hook) and msix_mmio.c (the
 * entry points) call it; it calls neither.  (msix_table.c reads the maps
 * through msi_internal.h's inline lookups.)
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <lfvpci/p2m.h>
#include <lfvpci/rangeset.h>

#include "../core/rcu_fast.h"
#include "msi_internal.h"

unsigned int msix_domain_hint; /* atomic */

/* Trap [s, e) as part of the adjacent region: 0, or -ENOMEM. */
static int add_piece(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                     struct lfv_msix_region *adj)
{
    int rc = s < e ? lfv_intervalmap_insert(m, s, e - 1, adj) : 0;

    /* overlapping another device's region or piece: left untrapped */
    return rc == -EEXIST ? 0 : rc;
}

/*
 * The pages around a device's table and PBA (a[0..n), n <= 2, trapped):
 * every byte of their pages that neither covers, as pieces pointing to
 * the adjacent region.  0 or -ENOMEM.
 */
static int insert_adjacent(struct lfv_intervalmap *m,
                           const struct lfv_msix_region *a[], unsigned int n,
                           struct lfv_msix_region *adj)
{
    const uint64_t mask = LFV_PAGE_SIZE - 1;
    uint64_t cur, span;
    int rc = 0;

    if (n == 2 && a[1]->start < a[0]->start) {
        const struct lfv_msix_region *t = a[0];

        a[0] = a[1];
        a[1] = t;
    }
    cur = span = a[0]->start & ~mask; /* next byte to trap, end of pages */
    for (unsigned int k = 0; !rc && k < n; k++) {
        uint64_t s = a[k]->start, e = s + a[k]->size, pe = (e + mask) & ~mask;

        if (pe < e)
            return 0; /* the last page of the address space: left alone */
        if ((s & ~mask) > span) { /* pages apart: finish the first ones */
            rc = add_piece(m, cur, span, adj);
            cur = s & ~mask;
        }
        if (!rc)
            rc = add_piece(m, cur, s, adj);
        cur = cur > e ? cur : e;
        span = span > pe ? span : pe;
    }
    return rc ? rc : add_piece(m, cur, span, adj);
}

static void map_free_rcu(struct lfv_rcu_head *head)
{
    lfv_free((struct msix_map *)((char *)head - offsetof(struct msix_map,
                                                         rcu)));
}

/* Frees m (NULL: nothing) after a grace period. */
static void map_destroy(struct msix_map *m)
{
    if (m)
        lfv_rcu_call(&m->rcu, map_free_rcu);
}

static int flatten_one(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    struct msix_map *f = ctxt;

    f->e[f->n].start = s;
    f->e[f->n].end = e;
    f->e[f->n].region = value;
    f->n++;
    return 0;
}

/*
 * The pages the intervals e[0 .. n) touch, counted once each (the
 * intervals are sorted and disjoint, so a page's intervals are
 * consecutive), up to MSIX_PAGES_MAX + 1.
 */
static unsigned int count_pages(const struct msix_map_entry *e, unsigned int n)
{
    uint64_t last = MSIX_PAGE_FREE, total = 0;

    for (unsigned int i = 0; i < n && total <= MSIX_PAGES_MAX; i++) {
        uint64_t p = e[i].start >> LFV_PAGE_SHIFT,
                 q = e[i].end >> LFV_PAGE_SHIFT;

        total += q - p + (p != last);
        last = q;
    }
    return total > MSIX_PAGES_MAX ? MSIX_PAGES_MAX + 1 : (unsigned int)total;
}

/* The slot of pfn in f's index: its own, or the free one it would take. */
static struct msix_map_page *page_slot(struct msix_map *f, uint64_t pfn)
{
    unsigned int h = msix_map_hash(f, pfn);

    while (f->pages[h].pfn != pfn && f->pages[h].pfn != MSIX_PAGE_FREE)
        h = (h + 1) & f->hmask;
    return &f->pages[h];
}

/* Fill f's index (slots allocated, all free) from its intervals. */
static void index_pages(struct msix_map *f)
{
    for (unsigned int i = 0; i < f->n; i++) {
        const struct lfv_msix_region *r = f->e[i].region;
        uint64_t p = f->e[i].start >> LFV_PAGE_SHIFT,
                 q = f->e[i].end >> LFV_PAGE_SHIFT;

        for (;; p++) {
            struct msix_map_page *s = page_slot(f, p);

            if (s->pfn == p) { /* the page of the previous interval(s) */
                s->n = (unsigned int)(&f->e[i] - s->first) + 1;
            } else {
                s->pfn = p;
                s->first = &f->e[i];
                s->n = 1;
            }
            if (!s->tm && r && r->emulated) {
                /* the page's first emulated table: the writes' shortcut */
                s->tm = r->m;
                s->tstart = f->e[i].start;
                s->tsize = f->e[i].end - f->e[i].start + 1;
            }
            if (p == q)
                break;
        }
    }
}

struct msix_map *msix_map_new(const struct msix_map_entry *e, unsigned int n)
{
    unsigned int pages = count_pages(e, n), slots = 2, shift = 63;
    size_t bytes = sizeof(struct msix_map) + n * sizeof(*e);
    struct msix_map *f;

    if (pages > MSIX_PAGES_MAX) {
        slots = 0; /* no index: binary search */
    } else {
        while (slots < 2 * pages) {
            slots *= 2;
            shift--;
        }
    }
    f = lfv_malloc(bytes + slots * sizeof(struct msix_map_page));
    if (!f)
        return NULL;
    f->n = n;
    if (n)
        memcpy(f->e, e, n * sizeof(*e));
    f->pages = NULL;
    f->hshift = shift;
    f->hmask = slots - 1;
    if (slots) {
        f->pages = (struct msix_map_page *)&f->e[n];
        for (unsigned int i = 0; i < slots; i++)
            f->pages[i] = (struct msix_map_page){ .pfn = MSIX_PAGE_FREE };
        index_pages(f);
    }
    return f;
}

/* The intervals of m as a struct msix_map, or NULL (out of memory). */
static struct msix_map *map_flatten(const struct lfv_intervalmap *m)
{
    size_t n = lfv_intervalmap_count(m);
    struct msix_map *f = lfv_malloc(sizeof(*f) + n * sizeof(f->e[0])), *g;

    if (!f)
        return NULL;
    f->n = 0;
    lfv_intervalmap_iterate(m, 0, UINT64_MAX, flatten_one, f);
    g = msix_map_new(f->e, f->n);
    lfv_free(f);
    return g;
}

/*
 * A new map from the list, published; the old one freed after a grace
 * period.  A region overlapping an earlier one stays untrapped (a BAR in
 * the middle of its sizing probe, say) until it moves again.  Tables and
 * PBAs first, then the adjacent pieces of their pages, which never
 * shadow a table or PBA.  -ENOMEM: nothing published.  md->lock held.
 */
static int rebuild(struct msix_domain *md)
{
    struct lfv_intervalmap *m = lfv_intervalmap_new();
    struct msix_map *flat = NULL, *old;
    int rc = 0;

    if (!m)
        return -ENOMEM;
    for (unsigned int i = 0; !rc && i < md->nr; i++) {
        struct lfv_msix_region *r = md->regions[i];

        rc = r->start + r->size - 1 < r->start ? -EEXIST
             : lfv_intervalmap_insert(m, r->start, r->start + r->size - 1, r);
        r->trapped = !rc;
        if (rc == -EEXIST)
            rc = 0;
    }
    for (unsigned int i = 0; !rc && i < md->nr; i++) {
        struct lfv_msix_region *r = md->regions[i];
        const struct lfv_msix_region *a[2] = { r, r->sibling };
        unsigned int n = 1;

        if (!r->adjacent || !r->trapped)
            continue;
        if (r->sibling && r->sibling->listed && r->sibling->trapped) {
            if (r->which != MSIX_TABLE)
                continue; /* the table does both */
            n = 2;
        }
        rc = insert_adjacent(m, a, n, r->adjacent);
    }
    if (!rc) {
        flat = map_flatten(m);
        rc = flat ? 0 : -ENOMEM;
    }
    lfv_intervalmap_destroy(m);
    if (rc)
        return rc;
    old = md->d->msix_map;
    lfv_rcu_assign_pointer(md->d->msix_map, flat);
    map_destroy(old);
    return 0;
}
static void unlist(struct msix_domain *md, struct lfv_msix_region *r)
{
    for (unsigned int i = 0; i < md->nr; i++)
        if (md->regions[i] == r) {
            md->regions[i] = md->regions[--md->nr];
            break;
        }
    r->listed = false;
}

int msix_regions_add(struct msix_domain *md, struct lfv_msix_region *r[],
                     unsigned int n)
{
    int rc = 0;

    lfv_lock(&md->lock);
    if (md->nr + n > md->limit) {
        rc = -ENOSPC;
    } else {
        for (unsigned int i = 0; i < n; i++) {
            md->regions[md->nr++] = r[i];
            r[i]->listed = true;
        }
        rc = rebuild(md);
        for (unsigned int i = 0; rc && i < n; i++)
            unlist(md, r[i]);
    }
    lfv_unlock(&md->lock);
    return rc;
}

void msix_regions_remove(struct msix_domain *md, struct lfv_msix_region *r[],
                         unsigned int n)
{
    bool any = false;

    lfv_lock(&md->lock);
    for (unsigned int i = 0; i < n; i++)
        if (r[i]->listed) {
            unlist(md, r[i]);
            any = true;
        }
    /*
     * A removed region must leave the map: only allocation failure stops a
     * rebuild, and the platform's failures are transient, so retry (as the
     * header's retirement does for unmapping).
     */
    while (any && rebuild(md))
        ;
    lfv_unlock(&md->lock);
}

void msix_regions_move(struct msix_domain *md, struct lfv_msix_region *r[],
                       const uint64_t start[], unsigned int n)
{
    lfv_lock(&md->lock);
    for (unsigned int i = 0; i < n && i < 2; i++)
        r[i]->start = start[i];
    /*
     * The regions must follow their BAR, whose guest address has already
     * changed (a config write cannot fail): left at the old place they
     * would trap the old frames and leave the table's new frames to the
     * BAR's mapping.  Only allocation failure stops a rebuild, and the
     * platform's failures are transient: retry, as removal does.
     */
    while (rebuild(md))
        ;
    lfv_unlock(&md->lock);
}

/* The MSI-X hook's state of a domain (its domain_init/fini, msix.c). */
int msix_domain_init(struct lfv_domain *d, void **priv)
{
    struct msix_domain *md = lfv_zalloc(sizeof(*md));

    if (!md)
        return -ENOMEM;
    lfv_lock_init(&md->lock);
    md->d = d;
    md->limit = LFV_MSIX_REGIONS_DEFAULT;
    *priv = md;
    __atomic_store_n(&msix_domain_hint, (unsigned int)(priv - d->hook_priv),
                     __ATOMIC_RELAXED);
    return 0;
}

void msix_domain_fini(struct lfv_domain *d, void *priv)
{
    struct msix_domain *md = priv;
    struct msix_map *map = d->msix_map;

    lfv_rcu_assign_pointer(d->msix_map, NULL);
    map_destroy(map);
    lfv_lock_destroy(&md->lock);
    lfv_free(md);
}

/* The domain's limit and count, under its lock (msix_mmio.c's API). */
unsigned int msix_regions_count(struct msix_domain *md)
{
    unsigned int n;

    lfv_lock(&md->lock);
    n = md->nr;
    lfv_unlock(&md->lock);
    return n;
}

unsigned int msix_regions_limit(struct msix_domain *md)
{
    unsigned int n;

    lfv_lock(&md->lock);
    n = md->limit;
    lfv_unlock(&md->lock);
    return n;
}

int msix_regions_set_limit(struct msix_domain *md, unsigned int limit)
{
    int rc = 0;

    lfv_lock(&md->lock);
    if (limit < md->nr)
        rc = -EINVAL;
    else
        md->limit = limit;
    lfv_unlock(&md->lock);
    return rc;
}
