/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: what the MSI (msi.c), MSI-X (msix.c, msix_table.c,
 * msix_forward.c: msix_internal.h has what only they share), MSI-X region
 * map (msix_regions.c) and MSI-X MMIO (msix_mmio.c) emulations share.
 */
#ifndef LFV_DISPATCH_MSI_INTERNAL_H
#define LFV_DISPATCH_MSI_INTERNAL_H

#include <lfvpci/msi.h>
#include <lfvpci/p2m.h>

#include "header.h"

#define msi_load(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define msi_store(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

/* The system's binding ops; NULL members do nothing (bind succeeds). */
static inline int msi_bind(const struct lfv_vpci *v,
                           const struct lfv_msi_vector *vec)
{
    const struct lfv_system *sys = v->domain->sys;

    return sys->msi_ops && sys->msi_ops->bind
               ? sys->msi_ops->bind(sys->msi_ctx, v, vec) : 0;
}

static inline void msi_unbind(const struct lfv_vpci *v,
                              const struct lfv_msi_vector *vec)
{
    const struct lfv_system *sys = v->domain->sys;

    if (sys->msi_ops && sys->msi_ops->unbind)
        sys->msi_ops->unbind(sys->msi_ctx, v, vec);
}

static inline void msi_mask(const struct lfv_vpci *v,
                            const struct lfv_msi_vector *vec)
{
    const struct lfv_system *sys = v->domain->sys;

    if (sys->msi_ops && sys->msi_ops->mask)
        sys->msi_ops->mask(sys->msi_ctx, v, vec);
}

/*
 * The capability the header exposes with this ID, or NULL: by the ID the
 * header's walk read, not a new read of the hardware, which may answer
 * differently (the emulation must sit where the header found it).
 */
static inline const struct hdr_cap *msi_find_cap(const struct lfv_vpci *v,
                                                 unsigned int id)
{
    const struct lfv_header *h = hdr_of(v);

    for (unsigned int k = 0; h && k < h->nr_caps; k++)
        if (h->caps[k].id == id)
            return &h->caps[k];
    return NULL;
}

/*
 * One trapped MMIO region of a device: its MSI-X table, its PBA, or the
 * rest of the pages holding them (the header leaves those pages out of
 * the p2m).  The value
 * stored in the domain's interval map.  Table and PBA are listed (counted
 * against the domain's bound) and each trapped as one interval; the
 * "adjacent" region is never listed: the map rebuild traps, for every
 * listed region with one, the bytes of its pages and of its sibling's that
 * neither covers, as intervals all pointing to it.  start, size, listed
 * and trapped under the MSI-X domain state's lock; m, which, emulated,
 * adjacent and sibling immutable once listed.
 */
/*
 * A test's hook on MSI-X forwarding, defined in msix_forward.c; tests
 * declare it through the simulator's <lfvpci/testing.h> (same
 * declarations), which the model does not include.
 */
typedef void lfv_test_msix_forward_t(struct lfv_domain *d, void *arg);
void lfv_test_set_msix_forward_hook(lfv_test_msix_forward_t *fn, void *arg);

enum msix_region_kind { MSIX_TABLE, MSIX_PBA, MSIX_ADJACENT };

struct lfv_msix;
struct lfv_msix_region {
    struct lfv_msix *m;
    enum msix_region_kind which;
    uint64_t size;       /* bytes */
    uint64_t start;      /* guest physical address */
    bool emulated;       /* a table whose entries msix_table.c emulates
                            (not the passthrough hardware domain's) */
    bool listed;         /* counted in the domain's regions */
    bool trapped;        /* in the published map (not shadowed) */
    struct lfv_msix_region *adjacent; /* the rest of its pages */
    struct lfv_msix_region *sibling;  /* the device's other listed one */
};

/* All-ones of an access's size (1, 2, 4 or 8 bytes; 8 or more: 64 bits). */
static inline uint64_t mmio_ones(unsigned int size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/*
 * msix_table.c: an access at gpa, byte `off` of the region's interval
 * (validated: naturally aligned, size 4 or 8 in a table or PBA, 1, 2, 4
 * or 8 in the rest of their pages).
 */
int msix_region_read(const struct lfv_msix_region *r, uint64_t gpa,
                     uint64_t off, unsigned int size, uint64_t *val);
int msix_region_write(const struct lfv_msix_region *r, uint64_t gpa,
                      uint64_t off, unsigned int size, uint64_t val);

/*
 * What a domain's MSI-X MMIO accesses look up (msix_regions.c builds it):
 * the trapped intervals [start, end], sorted and disjoint, each with its
 * region, and an index of the pages they touch.  Immutable once
 * published; replaced whole on every change and freed after a grace
 * period.  Lookup takes no lock and never retries: the page's slot in the
 * index (open addressing, a multiplicative hash of the page number,
 * linear probing; at most half full), then the page's few intervals
 * (usually a table or PBA and the rest of its page); O(1) whatever the
 * number of regions.  A map whose intervals touch more than
 * MSIX_PAGES_MAX pages has no index (pages NULL; not with the regions a
 * device can declare) and is binary-searched.
 */
struct msix_map_entry {
    uint64_t start, end;
    struct lfv_msix_region *region;
};

/*
 * One page touched by the map's intervals: first[0 .. n), in e[].  And,
 * for the hot path (a guest's 4-byte write of an entry, msix_table.c's
 * msix_mmio_write()), the emulated table that lies on the page, if
 * one does: its interval's start and size and its device (tsize 0 and tm
 * NULL: none, or a passthrough table), so that such a write needs no
 * interval scan.
 */
struct msix_map_page {
    uint64_t pfn; /* MSIX_PAGE_FREE: an empty slot */
    const struct msix_map_entry *first;
    unsigned int n;
    struct lfv_msix *tm;
    uint64_t tstart, tsize;
};

#define MSIX_PAGE_FREE UINT64_MAX /* no guest frame number: 2^52 at most */
#define MSIX_PAGES_MAX 8192u
#define MSIX_HASH_MUL 0x9e3779b97f4a7c15ull

struct msix_map {
    struct lfv_rcu_head rcu;
    unsigned int n;
    unsigned int hshift;          /* 64 - log2(slots): slots >= 2 */
    unsigned int hmask;           /* slots - 1 */
    struct msix_map_page *pages;  /* the index, after e[]; or NULL */
    struct msix_map_entry e[];
};

/* The slot where pfn's probe sequence starts. */
static inline unsigned int msix_map_hash(const struct msix_map *m,
                                         uint64_t pfn)
{
    return (unsigned int)((pfn * MSIX_HASH_MUL) >> m->hshift);
}

/* Binary search: the entry holding gpa, or NULL. */
static inline const struct msix_map_entry *
msix_map_search(const struct msix_map *m, uint64_t gpa)
{
    unsigned int lo = 0, hi = m->n;

    /* the first entry starting above gpa is e[lo] */
    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (m->e[mid].start <= gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && gpa <= m->e[lo - 1].end ? &m->e[lo - 1] : NULL;
}

/* The index slot of page pfn, or NULL.  m->pages set, read-side section. */
static inline __attribute__((always_inline)) const struct msix_map_page *
msix_map_page_rcu(const struct msix_map *m, uint64_t pfn)
{
    unsigned int h = msix_map_hash(m, pfn);
    const struct msix_map_page *p;

    for (p = &m->pages[h]; p->pfn != pfn; p = &m->pages[h]) {
        if (p->pfn == MSIX_PAGE_FREE)
            return NULL;
        h = (h + 1) & m->hmask;
    }
    return p;
}

/* The entry of page p holding gpa, or NULL. */
static inline const struct msix_map_entry *
msix_map_page_find(const struct msix_map_page *p, uint64_t gpa)
{
    const struct msix_map_entry *x, *end;

    /* sorted, disjoint: the first one ending at or after gpa, or none */
    for (x = p->first, end = x + p->n; x < end; x++)
        if (gpa <= x->end)
            return gpa >= x->start ? x : NULL;
    return NULL;
}

/* The entry holding gpa, or NULL.  Inside a read-side section. */
static inline const struct msix_map_entry *
msix_map_find_rcu(const struct msix_map *m, uint64_t gpa)
{
    const struct msix_map_page *p;

    if (__builtin_expect(!m->pages, 0))
        return msix_map_search(m, gpa);
    p = msix_map_page_rcu(m, gpa >> LFV_PAGE_SHIFT);
    return p ? msix_map_page_find(p, gpa) : NULL;
}

/*
 * msix_table.c: lfv_msix_mmio_write() once the access is checked
 * (naturally aligned, 1, 2, 4 or 8 bytes, d set), its read-side section
 * included: the region's write, the usual 4-byte table entry write
 * inline; -ENOENT: no region, -EINVAL: a size the region does not take.
 */
int msix_mmio_write(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                    uint64_t val);
/* The same for a 4-byte write (gpa 4-byte aligned). */
int msix_mmio_write4(struct lfv_domain *d, uint64_t gpa, uint32_t val);

/*
 * msix_regions.c: a map of the n intervals e[] (sorted, disjoint),
 * copied, with its page index; NULL: out of memory.  Freed with
 * lfv_free() (after a grace period once published).
 */
struct msix_map *msix_map_new(const struct msix_map_entry *e, unsigned int n);

/*
 * msix_regions.c: the MSI-X hook's state of one domain d, the list and
 * limit under lock, the map built from them published under RCU in
 * d->msix_map (NULL: no region), where the MMIO path finds it in one
 * load.  Lock order: device write lock -> lock.
 */
struct msix_domain {
    lfv_lock_t lock;
    struct lfv_domain *d;
    struct lfv_msix_region *regions[LFV_MSIX_REGIONS_MAX];
    unsigned int nr, limit;
};

/*
 * Where the MSI-X hook's state is in a domain's hook states: the index
 * its last domain_init was given, checked before use (systems may order
 * their hooks differently), so that the MMIO path usually skips the scan.
 */
extern unsigned int msix_domain_hint; /* atomic */

/* The MSI-X hook's state of d; NULL when the hook is not on d's system. */
static inline struct msix_domain *msix_domain(const struct lfv_domain *d)
{
    unsigned int i = __atomic_load_n(&msix_domain_hint, __ATOMIC_RELAXED);
    const struct lfv_system *sys = d->sys;

    if (__builtin_expect(i < sys->nr_hooks &&
                         sys->hooks[i] == &lfv_msix_hook, 1))
        return d->hook_priv[i];
    return lfv_domain_hook_priv(d, &lfv_msix_hook);
}

/*
 * The region of domain d at gpa and gpa's offset in it, inside the
 * caller's read-side section.  NULL: none (or an access crossing its
 * end).
 */
static inline __attribute__((always_inline)) const struct lfv_msix_region *
msix_find_rcu(const struct lfv_domain *d, uint64_t gpa, unsigned int size,
              uint64_t *off)
{
    const struct msix_map *m = lfv_rcu_dereference(d->msix_map);
    const struct msix_map_entry *x = m ? msix_map_find_rcu(m, gpa) : NULL;

    if (!x || gpa + size - 1 > x->end)
        return NULL;
    *off = gpa - x->start;
    return x->region;
}

/*
 * msix_regions.c, the domain's region list (control path and config write
 * handlers; they take md->lock).  add: count and publish n regions at
 * once, -ENOSPC past the domain's bound, -ENOMEM; remove: unpublish them
 * (never fails); move: give them new start addresses, published at once
 * (retrying on allocation failure: never fails).  count, limit,
 * set_limit: the domain's API (msix_mmio.c); set_limit: -EINVAL below the
 * current count.
 */
/* The MSI-X hook's domain state (lfv_msix_hook's domain_init/fini). */
int msix_domain_init(struct lfv_domain *d, void **priv);
void msix_domain_fini(struct lfv_domain *d, void *priv);
int msix_regions_add(struct msix_domain *md, struct lfv_msix_region *r[],
                     unsigned int n);
void msix_regions_remove(struct msix_domain *md, struct lfv_msix_region *r[],
                         unsigned int n);
void msix_regions_move(struct msix_domain *md, struct lfv_msix_region *r[],
                       const uint64_t start[], unsigned int n);
unsigned int msix_regions_count(struct msix_domain *md);
unsigned int msix_regions_limit(struct msix_domain *md);
int msix_regions_set_limit(struct msix_domain *md, unsigned int limit);

#endif /* LFV_DISPATCH_MSI_INTERNAL_H */
