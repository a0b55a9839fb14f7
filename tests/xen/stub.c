/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space Xen of xen_stub.h: domains with a reference count, a p2m
 * of single frames in an open-addressing table, and map_mmio_regions()/
 * unmap_mmio_regions() with the x86 or Arm contract described there.
 * Thread-safe as Xen's callers use it: one domain's p2m changes are
 * serialised by the caller (lfvpci-p2m.c's batch lock); call_rcu() is
 * the engine's.
 */
#include <stdarg.h>
#include <xen_stub.h>

#define NO_GFN (~0UL)
#define MAX_DOMAINS 8

static struct domain *domains[MAX_DOMAINS];
static long alloc_fail_after = -1;

static _Thread_local char last_log[256];

/* As Xen's printk: the level is the formatted text's prefix. */
void xen_stub_printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
    if (strncmp(last_log, XENLOG_G_DEBUG, strlen(XENLOG_G_DEBUG)))
        fputs(last_log, stderr);
}

const char *xen_stub_last_log(void)
{
    return last_log;
}

struct domain *xen_stub_domain_create(domid_t id, bool hardware,
                                      bool translate)
{
    struct domain *d = calloc(1, sizeof(*d));

    XEN_STUB_CHECK(d);
    d->domain_id = id;
    d->hardware = hardware;
    d->translate = translate;
    d->refcnt = 1;
    d->fail_after = -1;
    d->iomem_all = true;
    d->pdev_list.next = d->pdev_list.prev = &d->pdev_list;
    d->frames = malloc(sizeof(*d->frames) * XEN_STUB_FRAMES);
    XEN_STUB_CHECK(d->frames);
    for (unsigned long i = 0; i < XEN_STUB_FRAMES; i++)
        d->frames[i].gfn = NO_GFN;
    for (unsigned int i = 0; i < MAX_DOMAINS; i++)
        if (!domains[i]) {
            domains[i] = d;
            return d;
        }
    abort();
}

void xen_stub_domain_destroy(struct domain *d)
{
    for (unsigned int i = 0; i < MAX_DOMAINS; i++)
        if (domains[i] == d)
            domains[i] = NULL;
    free(d->frames);
    free(d);
}

struct domain *get_domain_by_id(domid_t id)
{
    for (unsigned int i = 0; i < MAX_DOMAINS; i++)
        if (domains[i] && domains[i]->domain_id == id) {
            __atomic_fetch_add(&domains[i]->refcnt, 1, __ATOMIC_RELAXED);
            return domains[i];
        }
    return NULL;
}

bool get_domain(struct domain *d)
{
    __atomic_fetch_add(&d->refcnt, 1, __ATOMIC_RELAXED);
    return true;
}

void put_domain(struct domain *d)
{
    int old = __atomic_fetch_sub(&d->refcnt, 1, __ATOMIC_RELAXED);

    XEN_STUB_CHECK(old > 1); /* the test holds the last reference */
}

void xen_stub_domain_crash(struct domain *d)
{
    if (!d->crashed)
        d->crash_paused = __atomic_load_n(&d->pause_count, __ATOMIC_ACQUIRE);
    d->crashed = true;
}

/* The slot holding gfn, or the free slot where it would go. */
static struct xen_stub_frame *slot(const struct domain *d, unsigned long gfn)
{
    unsigned long h = (gfn * 0x9e3779b97f4a7c15ull) >> 48;

    for (;; h = (h + 1) & (XEN_STUB_FRAMES - 1))
        if (d->frames[h].gfn == gfn || d->frames[h].gfn == NO_GFN)
            return &d->frames[h];
}

bool xen_stub_lookup(const struct domain *d, unsigned long gfn,
                     unsigned long *mfn)
{
    const struct xen_stub_frame *f = slot(d, gfn);

    if (f->gfn != gfn)
        return false;
    if (mfn)
        *mfn = f->mfn;
    return true;
}

/* Remove gfn, moving later entries of its cluster back (no tombstones). */
static void frame_remove(struct domain *d, struct xen_stub_frame *f)
{
    unsigned long i = (unsigned long)(f - d->frames);

    d->frames[i].gfn = NO_GFN;
    d->nr_frames--;
    for (unsigned long j = (i + 1) & (XEN_STUB_FRAMES - 1);
         d->frames[j].gfn != NO_GFN; j = (j + 1) & (XEN_STUB_FRAMES - 1)) {
        struct xen_stub_frame e = d->frames[j];

        d->frames[j].gfn = NO_GFN;
        *slot(d, e.gfn) = e;
    }
}

void xen_stub_p2m_relinquish(struct domain *d)
{
    XEN_STUB_CHECK(d->is_dying);
    for (unsigned long i = 0; i < XEN_STUB_FRAMES; i++)
        d->frames[i].gfn = NO_GFN;
    d->nr_frames = 0;
}

void xen_stub_fail_after(struct domain *d, long n, int err)
{
    d->fail_after = n;
    d->fail_err = err;
}

p2m_type_t xen_stub_type(const struct domain *d, unsigned long gfn)
{
    const struct xen_stub_frame *f = slot(d, gfn);

    if (f->gfn != gfn)
        return p2m_invalid;
    if (f->ram)
        return p2m_ram_rw;
#ifdef XEN_STUB_ARM
    return p2m_mmio_direct_dev;
#else
    return p2m_mmio_direct;
#endif
}

/* A new entry at gfn, or the one there replaced. */
static void frame_put(struct domain *d, unsigned long gfn, unsigned long mfn,
                      bool ram)
{
    struct xen_stub_frame *f = slot(d, gfn);

    if (f->gfn != gfn) {
        XEN_STUB_CHECK(d->nr_frames < XEN_STUB_FRAMES / 2);
        f->gfn = gfn;
        d->nr_frames++;
    }
    f->mfn = mfn;
    f->ram = ram;
}

static int frame_set(struct domain *d, unsigned long gfn, unsigned long mfn,
                     bool map)
{
    struct xen_stub_frame *f = slot(d, gfn);

    if (d->fail_after >= 0 && d->fail_after-- == 0)
        return d->fail_err;
    if (!map) {
        if (f->gfn == gfn && f->ram)
            return -EINVAL; /* x86: not p2m_mmio_direct (Arm: checked) */
        if (f->gfn == gfn && f->mfn != mfn)
            return -EILSEQ;
        if (f->gfn == gfn)
            frame_remove(d, f);
        return 0;
    }
    /* both architectures replace what is there, the guest's RAM too */
    frame_put(d, gfn, mfn, false);
    return 0;
}

int xen_stub_populate(struct domain *d, unsigned long gfn, unsigned long mfn)
{
#ifndef XEN_STUB_ARM
    if (xen_stub_type(d, gfn) == p2m_mmio_direct) {
        xen_stub_domain_crash(d); /* p2m_add_page(): "not permitted" */
        return -EPERM;
    }
#endif
    frame_put(d, gfn, mfn, true);
    return 0;
}

static int change(struct domain *d, gfn_t g, unsigned long nr, mfn_t m,
                  bool map)
{
    unsigned long i, mfn;
    int rc = 0;

    XEN_STUB_CHECK(d->translate);
    d->calls++;
    if (!map && d->unmap_hook)
        d->unmap_hook(d, gfn_x(g), nr);
#ifdef XEN_STUB_ARM
    /*
     * p2m_remove_mapping() checks the whole range before changing it:
     * any RAM refuses it (the stub: an MMIO entry of another frame too).
     */
    for (i = 0; i < nr && !map; i++)
        if (xen_stub_lookup(d, gfn_x(g) + i, &mfn) &&
            (xen_stub_type(d, gfn_x(g) + i) == p2m_ram_rw ||
             mfn != mfn_x(m) + i))
            return -EILSEQ;
    if (d->fail_all)
        return d->fail_all; /* nothing changed */
    /* p2m_set_entry(): no change to a dying domain's p2m, removals too */
    if (d->is_dying)
        return -ENOMEM;
    for (i = 0; i < nr && !rc; i++)
        rc = frame_set(d, gfn_x(g) + i, mfn_x(m) + i, map);
    return rc;
#else
    (void)mfn;
    if (d->fail_all)
        return d->fail_all; /* nothing changed */
    for (i = 0; i < nr && i < XEN_STUB_CHUNK; i++) {
        rc = frame_set(d, gfn_x(g) + i, mfn_x(m) + i, map);
        if (rc)
            break;
    }
    if (rc && i) {
        /* the next call meets the same failure at its first frame */
        d->fail_after = 0;
        d->fail_err = rc;
    }
    return i == nr ? 0 : i ? (int)i : rc;
#endif
}

int map_mmio_regions(struct domain *d, gfn_t start_gfn, unsigned long nr,
                     mfn_t mfn)
{
    return change(d, start_gfn, nr, mfn, true);
}

int unmap_mmio_regions(struct domain *d, gfn_t start_gfn, unsigned long nr,
                       mfn_t mfn)
{
    return change(d, start_gfn, nr, mfn, false);
}

static mfn_t lookup(struct domain *d, unsigned long gfn, p2m_type_t *t)
{
    unsigned long mfn;

    *t = xen_stub_type(d, gfn);
    return xen_stub_lookup(d, gfn, &mfn) ? _mfn(mfn) : INVALID_MFN;
}

mfn_t get_gfn_query_unlocked(struct domain *d, unsigned long gfn,
                             p2m_type_t *t)
{
    return lookup(d, gfn, t);
}

mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *t)
{
    return lookup(d, gfn_x(gfn), t);
}

void xen_stub_fail_alloc_after(long n)
{
    alloc_fail_after = n;
}

void *xen_stub_alloc(size_t size, bool zero)
{
    if (alloc_fail_after >= 0 && alloc_fail_after-- == 0)
        return NULL;
    return zero ? calloc(1, size) : malloc(size);
}

static void rcu_trampoline(struct lfv_rcu_head *lfv)
{
    struct rcu_head *head = container_of(lfv, struct rcu_head, lfv);

    head->fn(head);
}

void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head))
{
    head->fn = fn;
    lfv_rcu_call(&head->lfv, rcu_trampoline);
}
