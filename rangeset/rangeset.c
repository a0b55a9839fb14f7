/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range sets: Xen's rangeset semantics on the persistent B+tree of
 * btree.h, or, up to RS_SMALL_MAX ranges, on the inline latch of small.h.
 * Readers load the root once and search that version (or copy the small
 * ranges out of the latch); writers hold the set's lock, build the next
 * version and publish it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lfvpci/rangeset.h>

#include "../core/compiler.h"
#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "btree.h"
#include "small.h"

#define RS_ESIZE sizeof(struct rs_range)

struct lfv_rangeset {
    struct rs_node *root; /* RCU-published; NULL in small mode */
    struct rs_small small; /* the ranges while root is NULL */
    lfv_spinlock_t lock;  /* serialises writers */
    size_t count;         /* written under lock, read atomically */
    size_t limit;
    unsigned long pins;   /* readers walking the tree: see rs_pin() */
    struct rs_cache *cache;   /* node memory, see btree.h */
    struct lfv_rcu_head rcu;
    char name[32];
};

struct lfv_rangeset *lfv_rangeset_new(const char *name)
{
    struct lfv_rangeset *r = lfv_zalloc(sizeof(*r));

    if (!r)
        return NULL;
    r->cache = rs_cache_new(RS_ESIZE);
    if (!r->cache) {
        lfv_free(r);
        return NULL;
    }
    lfv_spin_init(&r->lock);
    r->limit = LFV_RANGESET_NO_LIMIT;
    snprintf(r->name, sizeof(r->name), "%s", name ? name : "(no name)");
    return r;
}

static void rangeset_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_rangeset *r = (struct lfv_rangeset *)(
        (char *)head - offsetof(struct lfv_rangeset, rcu));

    rs_free_tree(r->root);
    rs_cache_put(r->cache);
    lfv_spin_destroy(&r->lock);
    lfv_free(r);
}

void lfv_rangeset_destroy(struct lfv_rangeset *r)
{
    if (r)
        lfv_rcu_call(&r->rcu, rangeset_free_rcu);
}

const char *lfv_rangeset_name(const struct lfv_rangeset *r)
{
    return r->name;
}

void lfv_rangeset_limit(struct lfv_rangeset *r, size_t limit)
{
    lfv_spin_lock(&r->lock);
    r->limit = limit;
    lfv_spin_unlock(&r->lock);
}

static bool over_limit(const struct lfv_rangeset *r, size_t count)
{
    return count > r->limit && count > r->count;
}

static void set_count(struct lfv_rangeset *r, size_t count)
{
    __atomic_store_n(&r->count, count, __ATOMIC_RELAXED);
}

/*
 * Switch to small mode with ents[0..n) (n <= RS_SMALL_MAX): the latch
 * first, then the root, as rs_small_or_root() expects.  Never fails.
 */
static lfv_always_inline void
to_small(struct lfv_rangeset *r, const struct rs_range *ents,
                     unsigned int n)
{
    struct rs_node *old = r->root;

    rs_small_write(&r->small, RS_ESIZE, ents, n);
    if (old) {
        lfv_rcu_assign_pointer(r->root, NULL);
        rs_retire_tree(old, r->cache);
    }
    set_count(r, n);
}

/*
 * rangeset_splice() on a set in small mode, or whose tree is one leaf
 * that the update leaves with at most RS_SMALL_MAX ranges: no allocation
 * unless the set outgrows the small mode.  1: not such an update.
 */
static int small_splice(struct lfv_rangeset *r, uint64_t a, uint64_t b,
                        const struct rs_range *ins, unsigned int nins,
                        bool reserved)
{
    struct rs_range buf[RS_SMALL_MAX + 2];
    const struct rs_range *cur;
    unsigned int n, nnew;
    struct rs_node *root;
    size_t removed;
    int rc;

    if (r->root) {
        if (r->root->height)
            return 1;
        cur = (const struct rs_range *)r->root->ents;
        n = r->root->n;
        if (n - rs_small_removed(cur, n, RS_ESIZE, a, b) + nins >
            RS_SMALL_MAX)
            return 1;
    } else {
        cur = rs_small_ents(&r->small);
        n = rs_small_count(&r->small);
    }
    nnew = rs_small_splice(cur, n, RS_ESIZE, a, b, ins, nins, buf, &removed);
    if (!removed && !nins)
        return 0;
    if (!reserved && over_limit(r, nnew))
        return -ENOSPC;
    if (nnew <= RS_SMALL_MAX) {
        to_small(r, buf, nnew);
        return 0;
    }
    rc = rs_build(r->cache, buf, nnew, &root);
    if (rc)
        return rc;
    lfv_rcu_assign_pointer(r->root, root);
    set_count(r, nnew);
    return 0;
}

/*
 * Publish out[0..n) (n <= RS_SMALL_MAX + 1) as the next version of a set
 * in small mode: in the latch, or in a new one-leaf tree when it no longer
 * fits.
 */
static lfv_always_inline int
small_publish(struct lfv_rangeset *r, const struct rs_range *out,
                         unsigned int n)
{
    struct rs_node *root;
    int rc;

    if (over_limit(r, n))
        return -ENOSPC;
    if (n <= RS_SMALL_MAX) {
        to_small(r, out, n);
        return 0;
    }
    rc = rs_build(r->cache, out, n, &root);
    if (rc)
        return rc;
    lfv_rcu_assign_pointer(r->root, root);
    set_count(r, n);
    return 0;
}

/* add_range() in small mode, in one pass over at most 4 ranges. */
static int small_add(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    const struct rs_range *cur = rs_small_ents(&r->small);
    unsigned int n = rs_small_count(&r->small), i = 0, k = 0;
    struct rs_range out[RS_SMALL_MAX + 1], merged = { s, e };

    /* Ranges that end before s - 1. */
    for (; i < n && cur[i].end < s && cur[i].end + 1 < s; i++)
        out[k++] = cur[i];
    if (i < n && cur[i].start <= s && cur[i].end >= e)
        return 0; /* already there: no new version */
    /* Ranges that overlap or touch [s, e] are absorbed. */
    for (; i < n && (e == UINT64_MAX || cur[i].start <= e + 1); i++) {
        if (cur[i].start < merged.start)
            merged.start = cur[i].start;
        if (cur[i].end > merged.end)
            merged.end = cur[i].end;
    }
    out[k++] = merged;
    for (; i < n; i++)
        out[k++] = cur[i];
    return small_publish(r, out, k);
}

/* remove_range() in small mode. */
static int small_remove(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    const struct rs_range *cur = rs_small_ents(&r->small);
    unsigned int n = rs_small_count(&r->small), i = 0, k = 0, j;
    struct rs_range out[RS_SMALL_MAX + 1];

    for (; i < n && cur[i].end < s; i++)
        out[k++] = cur[i];
    if (i == n || cur[i].start > e)
        return 0; /* nothing overlaps */
    for (j = i; j < n && cur[j].start <= e; j++) {
        if (cur[j].start < s) {
            out[k].start = cur[j].start;
            out[k++].end = s - 1;
        }
        if (cur[j].end > e) {
            out[k].start = e + 1;
            out[k++].end = cur[j].end;
        }
    }
    for (; j < n; j++)
        out[k++] = cur[j];
    return small_publish(r, out, k);
}

/* Back to small mode after a tree update that left few ranges. */
static void shrink(struct lfv_rangeset *r)
{
    struct rs_range buf[RS_SMALL_MAX];

    if (!r->root || r->count > RS_SMALL_MAX)
        return;
    rs_flatten(r->root, RS_ESIZE, buf, RS_SMALL_MAX);
    to_small(r, buf, (unsigned int)r->count);
}

/*
 * Replace the entries starting in [a, b] by ins[0..nins); under the lock.
 * t: a transaction reserved for this update, or NULL.  p: the path to the
 * leaf of a, or NULL.
 */
static int rangeset_splice(struct lfv_rangeset *r, uint64_t a, uint64_t b,
                           const struct rs_range *ins, unsigned int nins,
                           bool reserved, struct rs_txn *t,
                           const struct rs_path *p)
{
    struct rs_txn local;
    struct rs_node *root;
    size_t removed;
    int rc;

    rc = small_splice(r, a, b, ins, nins, reserved);
    if (rc <= 0)
        return rc;
    if (p && !reserved) {
        size_t room = r->limit > r->count ? r->limit - r->count : 0;

        rc = rs_path_splice(r->cache, &r->root, p, a, b, ins, nins, room,
                            &r->pins, &removed);
        if (rc <= 0) {
            if (!rc)
                set_count(r, r->count - removed + nins);
            return rc;
        }
    }
    rc = rs_leaf_update(r->cache, &r->root, a, b, ins, nins, r->limit,
                        reserved, &removed);
    if (rc <= 0) {
        if (!rc)
            set_count(r, r->count - removed + nins);
        return rc;
    }
    if (!t) {
        t = &local;
        rs_txn_init(t, r->cache);
    }
    rc = rs_splice(t, r->root, a, b, ins, nins, &root);
    if (rc) {
        rs_txn_abort(t);
        return rc;
    }
    if (!reserved && over_limit(r, r->count - t->removed + nins)) {
        rs_txn_abort(t);
        return -ENOSPC;
    }
    rs_txn_commit(t, &r->root, root);
    set_count(r, r->count - t->removed + nins);
    shrink(r);
    return 0;
}

/*
 * add_range() in tree mode, under the lock.  Out of line, so that the
 * small mode's path keeps a small frame.
 */
static __attribute__((noinline)) int tree_add(struct lfv_rangeset *r,
                                              uint64_t s, uint64_t e)
{
    const struct rs_range *left, *right;
    struct rs_range merged = { s, e };
    uint64_t after = e == UINT64_MAX ? e : e + 1;
    struct rs_path p;

    rs_path_seek(&p, r->root, s, RS_ESIZE);
    left = rs_path_find_le(&p, s, RS_ESIZE);
    if (left && left->end >= e)
        return 0; /* already there: no new version */
    /* left->end + 1 cannot wrap here: left->end < e. */
    if (left && left->end + 1 >= s)
        merged.start = left->start;
    right = rs_path_find_le(&p, after, RS_ESIZE);
    if (right && right->start >= merged.start && right->end > e)
        merged.end = right->end;
    /* Every range starting in [merged.start, e + 1] is absorbed. */
    return rangeset_splice(r, merged.start, after, &merged, 1, false, NULL,
                           &p);
}

int lfv_rangeset_add_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    int rc;

    if (s > e)
        return -EINVAL;
    lfv_spin_lock(&r->lock);
    rc = r->root ? tree_add(r, s, e) : small_add(r, s, e);
    lfv_spin_unlock(&r->lock);
    return rc;
}

/* remove_range() in tree mode, under the lock. */
static __attribute__((noinline)) int tree_remove(struct lfv_rangeset *r,
                                                 uint64_t s, uint64_t e)
{
    const struct rs_range *left, *right;
    struct rs_range rest[2];
    unsigned int nrest = 0;
    uint64_t a = s;
    struct rs_path p;

    rs_path_seek(&p, r->root, s, RS_ESIZE);
    right = rs_path_find_le(&p, e, RS_ESIZE);
    if (!right || right->end < s)
        return 0; /* nothing overlaps */
    left = rs_path_find_le(&p, s, RS_ESIZE);
    if (left && left->end >= s) {
        a = left->start;
        if (left->start < s) {
            rest[nrest].start = left->start;
            rest[nrest++].end = s - 1;
        }
    }
    if (right->end > e) {
        rest[nrest].start = e + 1;
        rest[nrest++].end = right->end;
    }
    return rangeset_splice(r, a, e, rest, nrest, false, NULL, &p);
}

int lfv_rangeset_remove_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    int rc;

    if (s > e)
        return -EINVAL;
    lfv_spin_lock(&r->lock);
    rc = r->root ? tree_remove(r, s, e) : small_remove(r, s, e);
    lfv_spin_unlock(&r->lock);
    return rc;
}

/*
 * A reader's version of the set: the tree root, or NULL and the small
 * ranges copied to sm[0..*n).  Inside a read-side section.
 */
static const struct rs_node *read_version(const struct lfv_rangeset *r,
                                          struct rs_range *sm,
                                          unsigned int *n)
{
    return rs_small_or_root(&r->root, &r->small, RS_ESIZE, sm, n);
}

/*
 * A reader's range with the greatest start <= x, or NULL: in the tree, or
 * copied to *found from the small mode.  Inside a read-side section.
 */
static inline const struct rs_range *read_find_le(
    const struct lfv_rangeset *r, uint64_t x, struct rs_range *found)
{
    const struct rs_node *root;
    bool any;

    root = rs_small_or_root_find(&r->root, &r->small, RS_ESIZE, x, found,
                                 &any);
    if (root)
        return rs_find_le(root, x, RS_ESIZE);
    return any ? found : NULL;
}

/* Does the range holding or preceding `key` end at or after `min_end`? */
static bool range_le_reaches(const struct lfv_rangeset *r, uint64_t key,
                             uint64_t min_end)
{
    struct rs_range found;
    const struct rs_range *x;
    bool hit;

    lfv_rcu_fast_lock();
    x = read_find_le(r, key, &found);
    hit = x && rs_entry_end(x) >= min_end;
    lfv_rcu_fast_unlock();
    return hit;
}

bool lfv_rangeset_contains_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e)
{
    return s <= e && range_le_reaches(r, s, e);
}

bool lfv_rangeset_overlaps_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e)
{
    return s <= e && range_le_reaches(r, e, s);
}

bool lfv_rangeset_lookup(const struct lfv_rangeset *r, uint64_t addr,
                         uint64_t *s, uint64_t *e)
{
    struct rs_range found;
    const struct rs_range *x;
    bool hit;

    lfv_rcu_fast_lock();
    x = read_find_le(r, addr, &found);
    if (x) {
        uint64_t end = rs_entry_end(x);

        hit = end >= addr;
        if (hit && s)
            *s = x->start;
        if (hit && e)
            *e = end;
    } else {
        hit = false;
    }
    lfv_rcu_fast_unlock();
    return hit;
}

/*
 * read_version() for a reader about to walk the tree: *pinned says whether
 * it pinned it (rs_pin(), before loading the root it walks).
 */
static const struct rs_node *read_version_pinned(struct lfv_rangeset *r,
                                                 struct rs_range *sm,
                                                 unsigned int *n,
                                                 bool *pinned)
{
    const struct rs_node *root = read_version(r, sm, n);

    *pinned = false;
    if (!root)
        return NULL;
    rs_pin(&r->pins);
    *pinned = true;
    return read_version(r, sm, n);
}

int lfv_rangeset_report_ranges(const struct lfv_rangeset *r, uint64_t s,
                               uint64_t e, lfv_rangeset_report_t *cb,
                               void *ctxt)
{
    /* A reader's only store to the set is its pin. */
    struct lfv_rangeset *rw = (struct lfv_rangeset *)r;
    struct rs_range sm[RS_SMALL_MAX];
    const struct rs_node *root;
    const struct rs_range *x;
    struct rs_iter it;
    unsigned int n, i;
    bool pinned;
    int rc = 0;

    if (s > e)
        return -EINVAL;
    lfv_rcu_fast_lock();
    root = read_version_pinned(rw, sm, &n, &pinned);
    if (!root) {
        for (i = 0; !rc && i < n && sm[i].start <= e; i++)
            if (sm[i].end >= s)
                rc = cb(sm[i].start > s ? sm[i].start : s,
                        sm[i].end < e ? sm[i].end : e, ctxt);
    } else {
        rs_iter_seek(&it, root, s, RS_ESIZE);
        for (; !rc && (x = rs_iter_get(&it)) && x->start <= e;
             rs_iter_next(&it)) {
            uint64_t end = rs_entry_end(x);

            if (end >= s)
                rc = cb(x->start > s ? x->start : s, end < e ? end : e,
                        ctxt);
        }
    }
    if (pinned)
        rs_unpin(&rw->pins);
    lfv_rcu_fast_unlock();
    return rc;
}

/*
 * consume_ranges() in small mode: the callbacks get the ranges from the
 * current contents, then the rest is written to the latch in place.
 */
static int consume_small(struct lfv_rangeset *r, lfv_rangeset_consume_t *cb,
                         void *ctxt)
{
    const struct rs_range *cur = rs_small_ents(&r->small);
    unsigned int n = rs_small_count(&r->small), i;
    struct rs_range v[RS_SMALL_MAX];
    int rc = 0;

    memcpy(v, cur, n * RS_ESIZE);
    for (i = 0; i < n; i++) {
        bool whole = false;

        do {
            uint64_t consumed = 0;

            rc = cb(v[i].start, v[i].end, ctxt, &consumed);
            if (consumed > v[i].end - v[i].start)
                whole = true;
            else
                v[i].start += consumed;
        } while (!rc && !whole);
        if (!whole)
            break; /* v[i] stays, from v[i].start on */
        if (rc) {
            i++;
            break;
        }
    }
    if (i || (i < n && v[i].start != cur[i].start))
        to_small(r, v + i, n - i);
    return rc;
}

int lfv_rangeset_consume_ranges(struct lfv_rangeset *r,
                                lfv_rangeset_consume_t *cb, void *ctxt)
{
    struct rs_range first, cur = { 0, 0 };
    const struct rs_range *x;
    uint64_t last_gone = 0;
    struct rs_node *old;
    size_t gone = 0;
    bool kept = false, leaf;
    struct rs_iter it;
    struct rs_txn t;
    int rc = 0;

    lfv_spin_lock(&r->lock);
    old = r->root;
    if (!old) {
        rc = consume_small(r, cb, ctxt);
        lfv_spin_unlock(&r->lock);
        return rc;
    }
    /* The callbacks act on the world: the update after them must not fail. */
    leaf = !old->height;
    rs_txn_init(&t, r->cache);
    if (leaf ? rs_leaf_reserve(r->cache, old) : rs_txn_reserve(&t, old)) {
        lfv_spin_unlock(&r->lock);
        return -ENOMEM;
    }
    rs_iter_seek(&it, old, 0, RS_ESIZE);
    first = *(const struct rs_range *)rs_iter_get(&it);
    for (; (x = rs_iter_get(&it)); rs_iter_next(&it)) {
        bool whole = false;

        cur = *x;
        do {
            uint64_t consumed = 0;

            rc = cb(cur.start, cur.end, ctxt, &consumed);
            if (consumed > cur.end - cur.start)
                whole = true;
            else
                cur.start += consumed;
        } while (!rc && !whole);
        if (!whole) {
            kept = cur.start != x->start; /* x stays, from cur.start on */
            break;
        }
        gone++;
        last_gone = x->start;
        if (rc)
            break;
    }

    /* A leaf's reserve stays in the cache: nothing to give back. */
    if (gone == r->count) {
        rs_txn_abort(&t);
        to_small(r, NULL, 0);
    } else if (kept) {
        int err = rangeset_splice(r, first.start, x->start, &cur, 1, true, &t,
                                  NULL);

        rc = err ? err : rc;
    } else if (gone) {
        int err = rangeset_splice(r, first.start, last_gone, NULL, 0, true, &t,
                                  NULL);

        rc = err ? err : rc;
    } else {
        rs_txn_abort(&t);
    }
    lfv_spin_unlock(&r->lock);
    return rc;
}

void lfv_rangeset_purge(struct lfv_rangeset *r)
{
    lfv_spin_lock(&r->lock);
    to_small(r, NULL, 0);
    lfv_spin_unlock(&r->lock);
}

/*
 * r2's ranges as one consistent version: in small (room for RS_SMALL_MAX)
 * if they fit, else in a new array.
 */
static int snapshot(const struct lfv_rangeset *r, struct rs_range *small,
                    struct rs_range **out, size_t *n)
{
    struct lfv_rangeset *rw = (struct lfv_rangeset *)r; /* pins only */
    const struct rs_node *root;
    unsigned int k;
    bool pinned;
    int rc = 0;

    lfv_rcu_fast_lock();
    root = read_version_pinned(rw, small, &k, &pinned);
    if (!root) {
        *out = small;
        *n = k;
    } else {
        /*
         * The one in-place update that may land meanwhile adds at most a
         * leaf's worth of entries between the count and the copy.
         */
        size_t max = rs_count(root) + RS_FANOUT;

        *out = lfv_malloc(max * RS_ESIZE);
        if (*out)
            *n = rs_flatten(root, RS_ESIZE, *out, max);
        else
            rc = -ENOMEM;
    }
    if (pinned)
        rs_unpin(&rw->pins);
    lfv_rcu_fast_unlock();
    return rc;
}

/* Append [s, e] to a sorted run, coalescing with its last range. */
static void push(struct rs_range *v, size_t *n, uint64_t s, uint64_t e)
{
    struct rs_range *last = *n ? &v[*n - 1] : NULL;

    if (last && (last->end == UINT64_MAX || last->end + 1 >= s)) {
        if (e > last->end)
            last->end = e;
        return;
    }
    v[*n].start = s;
    v[(*n)++].end = e;
}

static size_t set_union(const struct rs_range *a, size_t na,
                        const struct rs_range *b, size_t nb,
                        struct rs_range *out)
{
    size_t i = 0, j = 0, n = 0;

    while (i < na || j < nb) {
        const struct rs_range *x =
            j == nb || (i < na && a[i].start <= b[j].start) ? &a[i++]
                                                            : &b[j++];
        push(out, &n, x->start, x->end);
    }
    return n;
}

static size_t set_difference(const struct rs_range *a, size_t na,
                             const struct rs_range *b, size_t nb,
                             struct rs_range *out)
{
    size_t i, j = 0, n = 0;

    for (i = 0; i < na; i++) {
        uint64_t s = a[i].start, e = a[i].end;
        bool left = true;

        while (j < nb && b[j].end < s)
            j++;
        /* b[j..] may also cut a[i + 1]: j is not advanced past them. */
        for (size_t k = j; k < nb && b[k].start <= e; k++) {
            if (b[k].start > s) {
                out[n].start = s;
                out[n++].end = b[k].start - 1;
            }
            if (b[k].end >= e) {
                left = false;
                break;
            }
            s = b[k].end + 1;
        }
        if (left) {
            out[n].start = s;
            out[n++].end = e;
        }
    }
    return n;
}

typedef size_t set_op_t(const struct rs_range *a, size_t na,
                        const struct rs_range *b, size_t nb,
                        struct rs_range *out);

/*
 * Batch update: r1 = op(r1, r2), rebuilt in O(n1 + n2).  Sets in small
 * mode are read and built on the stack: no allocation unless the result
 * needs a tree.
 */
static int rebuild(struct lfv_rangeset *r1, const struct lfv_rangeset *r2,
                   set_op_t *op)
{
    struct rs_range sa[RS_SMALL_MAX], sb[RS_SMALL_MAX];
    struct rs_range sout[2 * RS_SMALL_MAX];
    struct rs_range *b, *a = sa, *out = sout;
    struct rs_node *old, *root;
    size_t na, nb, n;
    int rc;

    rc = snapshot(r2, sb, &b, &nb);
    if (rc)
        return rc;
    lfv_spin_lock(&r1->lock);
    old = r1->root;
    na = r1->count;
    rc = -ENOMEM;
    if (old)
        a = lfv_malloc(na * RS_ESIZE);
    if (na + nb > 2 * RS_SMALL_MAX)
        out = lfv_malloc((na + nb) * RS_ESIZE);
    if (!a || !out)
        goto out;
    if (old)
        rs_flatten(old, RS_ESIZE, a, na);
    else
        memcpy(a, rs_small_ents(&r1->small), na * RS_ESIZE);
    n = op(a, na, b, nb, out);
    rc = -ENOSPC;
    if (over_limit(r1, n))
        goto out;
    rc = 0;
    if (n <= RS_SMALL_MAX) {
        to_small(r1, out, (unsigned int)n);
        goto out;
    }
    rc = rs_build(r1->cache, out, n, &root);
    if (rc)
        goto out;
    lfv_rcu_assign_pointer(r1->root, root);
    rs_retire_tree(old, r1->cache);
    set_count(r1, n);
out:
    lfv_spin_unlock(&r1->lock);
    if (out != sout)
        lfv_free(out);
    if (a != sa)
        lfv_free(a);
    if (b != sb)
        lfv_free(b);
    return rc;
}

int lfv_rangeset_merge(struct lfv_rangeset *r1, const struct lfv_rangeset *r2)
{
    return rebuild(r1, r2, set_union);
}

int lfv_rangeset_subtract(struct lfv_rangeset *r1,
                          const struct lfv_rangeset *r2)
{
    return rebuild(r1, r2, set_difference);
}

bool lfv_rangeset_is_empty(const struct lfv_rangeset *r)
{
    return !lfv_rangeset_count(r);
}

size_t lfv_rangeset_count(const struct lfv_rangeset *r)
{
    return __atomic_load_n(&r->count, __ATOMIC_RELAXED);
}

struct format_ctx {
    char *buf;
    size_t size, len;
    unsigned int nr;
};

static void format_add(struct format_ctx *f, const char *fmt, ...)
{
    size_t room = f->len < f->size ? f->size - f->len : 0;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(room ? f->buf + f->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        f->len += (size_t)n;
}

static int format_range(uint64_t s, uint64_t e, void *ctxt)
{
    struct format_ctx *f = ctxt;

    format_add(f, "%s %" PRIx64, f->nr++ ? "," : "", s);
    if (s != e)
        format_add(f, "-%" PRIx64, e);
    return 0;
}

int lfv_rangeset_format(const struct lfv_rangeset *r, char *buf, size_t size)
{
    struct format_ctx f = { .buf = buf, .size = size };

    if (size)
        buf[0] = '\0';
    format_add(&f, "%s {", r->name);
    lfv_rangeset_report_ranges(r, 0, UINT64_MAX, format_range, &f);
    format_add(&f, " }");
    return (int)f.len;
}

long rs_rangeset_check(const struct lfv_rangeset *r)
{
    long n;

    if (!r->root)
        return rs_small_check(&r->small, RS_ESIZE);
    n = rs_check(r->root, RS_ESIZE);
    /* A tree of so few ranges should have gone back to small mode. */
    return n >= 0 && n <= RS_SMALL_MAX ? -(long)__LINE__ : n;
}

struct rs_cache *rs_rangeset_cache(struct lfv_rangeset *r)
{
    return r->cache;
}
