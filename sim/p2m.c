/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated p2m: versions of an interval map published under RCU.
 *
 * A batch works on a private copy of the current version and publishes it
 * with one pointer store, so readers see whole batches only.  The entry's
 * value is the machine frame of its first guest frame (the map never
 * dereferences values, so a number fits).
 */
#include <errno.h>

#include <lfvpci/p2m.h>
#include <lfvpci/rangeset.h>

#include "../core/rcu_fast.h"
#include "../core/platform.h"

_Static_assert(sizeof(void *) >= sizeof(uint64_t),
               "interval map values carry 64-bit frame numbers");

struct lfv_p2m_view {
    struct lfv_intervalmap *map;
    uint64_t version;
    uint64_t frames, entries;
    struct lfv_rcu_head rcu;
};

struct lfv_p2m {
    struct lfv_p2m_view *cur; /* RCU-published, never NULL */
    struct lfv_p2m_view *next; /* the open batch, under lock */
    bool identity;
    long fail_after;           /* atomic: maps left before the failure */
    int fail_err;
    int fail_all_err;          /* atomic: every change fails with it */
    bool revoked;              /* atomic: lfv_p2m_revoke() was called */
    struct lfv_p2m_view *empty; /* published by lfv_p2m_revoke() */
    long unmap_fail_after;     /* atomic: unmaps left before the failure */
    int unmap_fail_err;
    struct lfv_p2m_stats stats; /* atomic fields; written under lock */
    uint64_t batch_frames;     /* frames the open batch changed, under lock */
    lfv_lock_t lock;           /* serialises batches; a leaf lock */
    struct lfv_rcu_head rcu;
};

static struct lfv_p2m_view *view_new(uint64_t version)
{
    struct lfv_p2m_view *v = lfv_zalloc(sizeof(*v));

    if (!v)
        return NULL;
    v->map = lfv_intervalmap_new();
    if (!v->map) {
        lfv_free(v);
        return NULL;
    }
    v->version = version;
    return v;
}

static void view_free_rcu(struct lfv_rcu_head *head)
{
    lfv_free((char *)head - offsetof(struct lfv_p2m_view, rcu));
}

/* After a grace period: readers may still hold a published version. */
static void view_retire(struct lfv_p2m_view *v)
{
    lfv_intervalmap_destroy(v->map);
    lfv_rcu_call(&v->rcu, view_free_rcu);
}

int lfv_p2m_create(unsigned int domid, bool identity, struct lfv_p2m **out)
{
    struct lfv_p2m *p;

    (void)domid; /* every simulated p2m is its own */
    if (!out)
        return -EINVAL;
    p = lfv_zalloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    p->cur = view_new(0);
    p->empty = p->cur ? view_new(1) : NULL;
    if (!p->empty) {
        if (p->cur)
            view_retire(p->cur);
        lfv_free(p);
        return -ENOMEM;
    }
    p->identity = identity;
    p->fail_after = -1;
    p->unmap_fail_after = -1;
    lfv_lock_init(&p->lock);
    *out = p;
    return 0;
}

static void p2m_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_p2m *p =
        (struct lfv_p2m *)((char *)head - offsetof(struct lfv_p2m, rcu));

    lfv_lock_destroy(&p->lock);
    lfv_free(p);
}

void lfv_p2m_destroy(struct lfv_p2m *p)
{
    if (!p)
        return;
    view_retire(p->cur);
    if (p->empty)
        view_retire(p->empty);
    lfv_rcu_call(&p->rcu, p2m_free_rcu);
}

/*
 * The copy a batch starts from merges entries that continue each other
 * (next gfn, next mfn): a mapping made in chunks, one batch each
 * (deferred mapping, <lfvpci/header.h>), keeps as few entries as one made
 * at once, instead of one per chunk that every later batch would copy.
 */
struct copy_ctxt {
    struct lfv_intervalmap *map;
    uint64_t s, e, mfn, entries;
    bool open;
};

static int copy_flush(struct copy_ctxt *c)
{
    int rc = 0;

    if (c->open) {
        rc = lfv_intervalmap_insert(c->map, c->s, c->e,
                                    (void *)(uintptr_t)c->mfn);
        c->entries++;
        c->open = false;
    }
    return rc;
}

static int copy_entry(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    struct copy_ctxt *c = ctxt;
    uint64_t mfn = (uintptr_t)value;
    int rc;

    if (c->open && s == c->e + 1 && mfn == c->mfn + (s - c->s)) {
        c->e = e;
        return 0;
    }
    rc = copy_flush(c);
    *c = (struct copy_ctxt){ c->map, s, e, mfn, c->entries, true };
    return rc;
}

int lfv_p2m_begin(struct lfv_p2m *p)
{
    struct lfv_p2m_view *cur, *next;
    int rc;

    lfv_lock(&p->lock);
    if (__atomic_load_n(&p->revoked, __ATOMIC_RELAXED)) {
        lfv_unlock(&p->lock);
        return -ENODEV;
    }
    cur = p->cur;
    next = view_new(cur->version + 1);
    if (next) {
        struct copy_ctxt c = { .map = next->map };

        rc = lfv_intervalmap_iterate(cur->map, 0, UINT64_MAX, copy_entry,
                                     &c);
        if (!rc)
            rc = copy_flush(&c);
        next->entries = c.entries;
    } else {
        rc = -ENOMEM;
    }
    if (rc) {
        if (next)
            view_retire(next);
        lfv_unlock(&p->lock);
        return rc;
    }
    next->frames = cur->frames;
    p->next = next;
    return 0;
}

/* Consume one injected failure of *after if it is due. */
static int countdown(long *after, const int *err)
{
    long n = __atomic_load_n(after, __ATOMIC_RELAXED);

    while (n >= 0) {
        if (__atomic_compare_exchange_n(after, &n, n - 1, false,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return n == 0 ? __atomic_load_n(err, __ATOMIC_RELAXED) : 0;
    }
    return 0;
}

static int injected_failure(struct lfv_p2m *p)
{
    int all = __atomic_load_n(&p->fail_all_err, __ATOMIC_RELAXED);

    return all ? all : countdown(&p->fail_after, &p->fail_err);
}

#define STAT_ADD(p, f, n) \
    __atomic_store_n(&(p)->stats.f, (p)->stats.f + (n), __ATOMIC_RELAXED)

/* A successful call changed nr frames (under the batch lock). */
static void count_call(struct lfv_p2m *p, bool map, uint64_t nr)
{
    if (map)
        STAT_ADD(p, map_calls, 1);
    else
        STAT_ADD(p, unmap_calls, 1);
    if (nr > p->stats.max_call_frames)
        __atomic_store_n(&p->stats.max_call_frames, nr, __ATOMIC_RELAXED);
    p->batch_frames += nr;
}

int lfv_p2m_map(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn)
{
    struct lfv_p2m_view *next = p->next;
    int rc;

    if (!nr || gfn + (nr - 1) < gfn || mfn + (nr - 1) < mfn ||
        (p->identity && gfn != mfn))
        return -EINVAL;
    rc = injected_failure(p);
    if (!rc)
        rc = lfv_intervalmap_insert(next->map, gfn, gfn + (nr - 1),
                                    (void *)(uintptr_t)mfn);
    if (!rc) {
        next->frames += nr;
        next->entries++;
        count_call(p, true, nr);
    }
    return rc;
}

struct overlap {
    uint64_t s, e, mfn;
    bool found;
};

static int first_overlap(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    struct overlap *o = ctxt;

    o->s = s, o->e = e, o->mfn = (uintptr_t)value, o->found = true;
    return 1;
}

/* Remove one entry overlapping [s, e], keeping its parts outside. */
static int unmap_one(struct lfv_p2m_view *next, const struct overlap *o,
                     uint64_t s, uint64_t e)
{
    int rc = lfv_intervalmap_remove(next->map, o->s, o->e, NULL);

    next->entries -= !rc;
    if (!rc && o->s < s) {
        rc = lfv_intervalmap_insert(next->map, o->s, s - 1,
                                    (void *)(uintptr_t)o->mfn);
        next->entries += !rc;
    }
    if (!rc && o->e > e) {
        rc = lfv_intervalmap_insert(next->map, e + 1, o->e,
                                    (void *)(uintptr_t)(o->mfn + (e + 1 - o->s)));
        next->entries += !rc;
    }
    if (!rc)
        next->frames -= (o->e < e ? o->e : e) - (o->s > s ? o->s : s) + 1;
    return rc;
}

struct mfn_check {
    uint64_t gfn, mfn;
};

/* Does every overlapping entry map its frames where [gfn, mfn] says? */
static int check_mfn(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    const struct mfn_check *c = ctxt;

    (void)e;
    return (uintptr_t)value - s == c->mfn - c->gfn ? 0 : -EINVAL;
}

int lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn)
{
    struct mfn_check c = { gfn, mfn };
    uint64_t e = gfn + (nr - 1);
    int rc;

    if (!nr || e < gfn || mfn + (nr - 1) < mfn)
        return -EINVAL;
    rc = __atomic_load_n(&p->fail_all_err, __ATOMIC_RELAXED);
    if (!rc)
        rc = countdown(&p->unmap_fail_after, &p->unmap_fail_err);
    if (!rc)
        rc = lfv_intervalmap_iterate(p->next->map, gfn, e, check_mfn, &c);
    if (rc)
        return rc;
    for (;;) {
        struct overlap o = { .found = false };

        lfv_intervalmap_iterate(p->next->map, gfn, e, first_overlap, &o);
        if (!o.found) {
            count_call(p, false, nr);
            return 0;
        }
        rc = unmap_one(p->next, &o, gfn, e);
        if (rc)
            return rc;
    }
}

int lfv_p2m_commit(struct lfv_p2m *p)
{
    struct lfv_p2m_view *old = p->cur;

    lfv_rcu_assign_pointer(p->cur, p->next);
    p->next = NULL;
    STAT_ADD(p, batches, 1);
    if (p->batch_frames > p->stats.max_batch_frames)
        __atomic_store_n(&p->stats.max_batch_frames, p->batch_frames,
                         __ATOMIC_RELAXED);
    p->batch_frames = 0;
    lfv_unlock(&p->lock);
    view_retire(old);
    return 0;
}

void lfv_p2m_abort(struct lfv_p2m *p)
{
    view_retire(p->next);
    p->next = NULL;
    p->batch_frames = 0;
    lfv_unlock(&p->lock);
}

void lfv_p2m_fail_map_after(struct lfv_p2m *p, long n, int err)
{
    __atomic_store_n(&p->fail_err, err, __ATOMIC_RELAXED);
    __atomic_store_n(&p->fail_after, n, __ATOMIC_RELAXED);
}

void lfv_p2m_fail_unmap_after(struct lfv_p2m *p, long n, int err)
{
    __atomic_store_n(&p->unmap_fail_err, err, __ATOMIC_RELAXED);
    __atomic_store_n(&p->unmap_fail_after, n, __ATOMIC_RELAXED);
}

void lfv_p2m_stats(const struct lfv_p2m *p, struct lfv_p2m_stats *out)
{
    out->map_calls = __atomic_load_n(&p->stats.map_calls, __ATOMIC_RELAXED);
    out->unmap_calls =
        __atomic_load_n(&p->stats.unmap_calls, __ATOMIC_RELAXED);
    out->max_call_frames =
        __atomic_load_n(&p->stats.max_call_frames, __ATOMIC_RELAXED);
    out->batches = __atomic_load_n(&p->stats.batches, __ATOMIC_RELAXED);
    out->max_batch_frames =
        __atomic_load_n(&p->stats.max_batch_frames, __ATOMIC_RELAXED);
}

void lfv_p2m_stats_reset(struct lfv_p2m *p)
{
    lfv_lock(&p->lock);
    __atomic_store_n(&p->stats.map_calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->stats.unmap_calls, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->stats.max_call_frames, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->stats.batches, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&p->stats.max_batch_frames, 0, __ATOMIC_RELAXED);
    lfv_unlock(&p->lock);
}

void lfv_p2m_fail_all(struct lfv_p2m *p, int err)
{
    __atomic_store_n(&p->fail_all_err, err, __ATOMIC_RELAXED);
}

/*
 * Publish the empty view made at creation (nothing to allocate: revoking
 * cannot fail) and refuse every batch from now on.
 */
void lfv_p2m_revoke(struct lfv_p2m *p)
{
    struct lfv_p2m_view *old = NULL;

    lfv_lock(&p->lock);
    if (!__atomic_load_n(&p->revoked, __ATOMIC_RELAXED)) {
        old = p->cur;
        p->empty->version = old->version + 1;
        lfv_rcu_assign_pointer(p->cur, p->empty);
        p->empty = NULL;
        __atomic_store_n(&p->revoked, true, __ATOMIC_RELEASE);
    }
    lfv_unlock(&p->lock);
    if (old)
        view_retire(old);
}

bool lfv_p2m_revoked(const struct lfv_p2m *p)
{
    return __atomic_load_n(&p->revoked, __ATOMIC_ACQUIRE);
}

const struct lfv_p2m_view *lfv_p2m_view(const struct lfv_p2m *p)
{
    return lfv_rcu_dereference(p->cur);
}

bool lfv_p2m_view_translate(const struct lfv_p2m_view *v, uint64_t gfn,
                            uint64_t *mfn)
{
    void *value;
    uint64_t s;

    if (!lfv_intervalmap_lookup(v->map, gfn, &value, &s, NULL))
        return false;
    if (mfn)
        *mfn = (uintptr_t)value + (gfn - s);
    return true;
}

uint64_t lfv_p2m_view_version(const struct lfv_p2m_view *v)
{
    return v->version;
}

struct iter_ctxt {
    lfv_p2m_iter_t *cb;
    void *ctxt;
};

static int iter_entry(uint64_t s, uint64_t e, void *value, void *ctxt)
{
    struct iter_ctxt *c = ctxt;

    return c->cb(s, e - s + 1, (uintptr_t)value, c->ctxt);
}

int lfv_p2m_view_iterate(const struct lfv_p2m_view *v, lfv_p2m_iter_t *cb,
                         void *ctxt)
{
    struct iter_ctxt c = { cb, ctxt };

    return lfv_intervalmap_iterate(v->map, 0, UINT64_MAX, iter_entry, &c);
}

bool lfv_p2m_translate(const struct lfv_p2m *p, uint64_t gfn, uint64_t *mfn)
{
    bool found;

    lfv_rcu_fast_lock();
    found = lfv_p2m_view_translate(lfv_p2m_view(p), gfn, mfn);
    lfv_rcu_fast_unlock();
    return found;
}

uint64_t lfv_p2m_nr_frames(const struct lfv_p2m *p)
{
    uint64_t n;

    lfv_rcu_fast_lock();
    n = lfv_p2m_view(p)->frames;
    lfv_rcu_fast_unlock();
    return n;
}

uint64_t lfv_p2m_nr_entries(const struct lfv_p2m *p)
{
    uint64_t n;

    lfv_rcu_fast_lock();
    n = lfv_p2m_view(p)->entries;
    lfv_rcu_fast_unlock();
    return n;
}
