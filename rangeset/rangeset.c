/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Range sets: Xen's rangeset semantics on the persistent B+tree of
 * btree.h.  Readers load the root once and search that version; writers
 * hold the set's lock, build the next version and publish it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lfvpci/rangeset.h>

#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "btree.h"

#define RS_ESIZE sizeof(struct rs_range)

struct lfv_rangeset {
    struct rs_node *root; /* RCU-published; NULL when empty */
    lfv_lock_t lock;      /* serialises writers */
    size_t count;         /* written under lock, read atomically */
    size_t limit;
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
    lfv_lock_init(&r->lock);
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
    lfv_lock_destroy(&r->lock);
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
    lfv_lock(&r->lock);
    r->limit = limit;
    lfv_unlock(&r->lock);
}

static bool over_limit(const struct lfv_rangeset *r, size_t count)
{
    return count > r->limit && count > r->count;
}

static void set_count(struct lfv_rangeset *r, size_t count)
{
    __atomic_store_n(&r->count, count, __ATOMIC_RELAXED);
}

/* Replace the entries starting in [a, b] by ins[0..nins); under the lock. */
static int rangeset_splice(struct lfv_rangeset *r, uint64_t a, uint64_t b,
                           const struct rs_range *ins, unsigned int nins,
                           bool reserved, struct rs_txn *t)
{
    struct rs_node *root;
    size_t removed;
    int rc;

    rc = rs_leaf_update(r->cache, &r->root, a, b, ins, nins, r->limit,
                        reserved, &removed);
    if (rc <= 0) {
        if (!rc)
            set_count(r, r->count - removed + nins);
        return rc;
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
    return 0;
}

int lfv_rangeset_add_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    const struct rs_range *left, *right;
    struct rs_range merged = { s, e };
    uint64_t after = e == UINT64_MAX ? e : e + 1;
    struct rs_txn t;
    int rc;

    if (s > e)
        return -EINVAL;
    lfv_lock(&r->lock);
    left = rs_find_le(r->root, s, RS_ESIZE);
    if (left && left->end >= e) {
        lfv_unlock(&r->lock);
        return 0; /* already there: no new version */
    }
    /* left->end + 1 cannot wrap here: left->end < e. */
    if (left && left->end + 1 >= s)
        merged.start = left->start;
    right = rs_find_le(r->root, after, RS_ESIZE);
    if (right && right->start >= merged.start && right->end > e)
        merged.end = right->end;
    /* Every range starting in [merged.start, e + 1] is absorbed. */
    rs_txn_init(&t, r->cache);
    rc = rangeset_splice(r, merged.start, after, &merged, 1, false, &t);
    lfv_unlock(&r->lock);
    return rc;
}

int lfv_rangeset_remove_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    const struct rs_range *left, *right;
    struct rs_range rest[2];
    unsigned int nrest = 0;
    uint64_t a = s;
    struct rs_txn t;
    int rc;

    if (s > e)
        return -EINVAL;
    lfv_lock(&r->lock);
    right = rs_find_le(r->root, e, RS_ESIZE);
    if (!right || right->end < s) {
        lfv_unlock(&r->lock);
        return 0; /* nothing overlaps */
    }
    left = rs_find_le(r->root, s, RS_ESIZE);
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
    rs_txn_init(&t, r->cache);
    rc = rangeset_splice(r, a, e, rest, nrest, false, &t);
    lfv_unlock(&r->lock);
    return rc;
}

bool lfv_rangeset_contains_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e)
{
    const struct rs_range *x;
    bool hit;

    if (s > e)
        return false;
    lfv_rcu_fast_lock();
    x = rs_find_le(lfv_rcu_dereference(r->root), s, RS_ESIZE);
    hit = x && x->end >= e;
    lfv_rcu_fast_unlock();
    return hit;
}

bool lfv_rangeset_overlaps_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e)
{
    const struct rs_range *x;
    bool hit;

    if (s > e)
        return false;
    lfv_rcu_fast_lock();
    x = rs_find_le(lfv_rcu_dereference(r->root), e, RS_ESIZE);
    hit = x && x->end >= s;
    lfv_rcu_fast_unlock();
    return hit;
}

bool lfv_rangeset_lookup(const struct lfv_rangeset *r, uint64_t addr,
                         uint64_t *s, uint64_t *e)
{
    const struct rs_range *x;
    bool hit;

    lfv_rcu_fast_lock();
    x = rs_find_le(lfv_rcu_dereference(r->root), addr, RS_ESIZE);
    hit = x && x->end >= addr;
    if (hit) {
        if (s)
            *s = x->start;
        if (e)
            *e = x->end;
    }
    lfv_rcu_fast_unlock();
    return hit;
}

int lfv_rangeset_report_ranges(const struct lfv_rangeset *r, uint64_t s,
                               uint64_t e, lfv_rangeset_report_t *cb,
                               void *ctxt)
{
    const struct rs_range *x;
    struct rs_iter it;
    int rc = 0;

    if (s > e)
        return -EINVAL;
    lfv_rcu_fast_lock();
    rs_iter_seek(&it, lfv_rcu_dereference(r->root), s, RS_ESIZE);
    for (; !rc && (x = rs_iter_get(&it)) && x->start <= e;
         rs_iter_next(&it))
        if (x->end >= s)
            rc = cb(x->start > s ? x->start : s, x->end < e ? x->end : e,
                    ctxt);
    lfv_rcu_fast_unlock();
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

    lfv_lock(&r->lock);
    old = r->root;
    if (!old) {
        lfv_unlock(&r->lock);
        return 0;
    }
    /* The callbacks act on the world: the update after them must not fail. */
    leaf = !old->height;
    rs_txn_init(&t, r->cache);
    if (leaf ? rs_leaf_reserve(r->cache, old) : rs_txn_reserve(&t, old)) {
        lfv_unlock(&r->lock);
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
        lfv_rcu_assign_pointer(r->root, NULL);
        rs_retire_tree(old, r->cache);
        set_count(r, 0);
    } else if (kept) {
        int err = rangeset_splice(r, first.start, x->start, &cur, 1, true, &t);

        rc = err ? err : rc;
    } else if (gone) {
        int err = rangeset_splice(r, first.start, last_gone, NULL, 0, true, &t);

        rc = err ? err : rc;
    } else {
        rs_txn_abort(&t);
    }
    lfv_unlock(&r->lock);
    return rc;
}

void lfv_rangeset_purge(struct lfv_rangeset *r)
{
    struct rs_node *old;

    lfv_lock(&r->lock);
    old = r->root;
    lfv_rcu_assign_pointer(r->root, NULL);
    rs_retire_tree(old, r->cache);
    set_count(r, 0);
    lfv_unlock(&r->lock);
}

/* r2's ranges as one consistent version, in a new array. */
static int snapshot(const struct lfv_rangeset *r, struct rs_range **out,
                    size_t *n)
{
    const struct rs_node *root;
    int rc = 0;

    lfv_rcu_fast_lock();
    root = lfv_rcu_dereference(r->root);
    *n = rs_count(root);
    *out = lfv_malloc((*n ? *n : 1) * RS_ESIZE);
    if (*out)
        rs_flatten(root, RS_ESIZE, *out);
    else
        rc = -ENOMEM;
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

/* Batch update: r1 = op(r1, r2), rebuilt in O(n1 + n2). */
static int rebuild(struct lfv_rangeset *r1, const struct lfv_rangeset *r2,
                   set_op_t *op)
{
    struct rs_range *b, *a = NULL, *out = NULL;
    struct rs_node *old, *root;
    size_t na, nb, n;
    int rc;

    rc = snapshot(r2, &b, &nb);
    if (rc)
        return rc;
    lfv_lock(&r1->lock);
    old = r1->root;
    na = r1->count;
    rc = -ENOMEM;
    a = lfv_malloc((na ? na : 1) * RS_ESIZE);
    out = lfv_malloc((na + nb ? na + nb : 1) * RS_ESIZE);
    if (!a || !out)
        goto out;
    rs_flatten(old, RS_ESIZE, a);
    n = op(a, na, b, nb, out);
    rc = -ENOSPC;
    if (over_limit(r1, n))
        goto out;
    rc = rs_build(r1->cache, out, n, &root);
    if (rc)
        goto out;
    lfv_rcu_assign_pointer(r1->root, root);
    rs_retire_tree(old, r1->cache);
    set_count(r1, n);
out:
    lfv_unlock(&r1->lock);
    lfv_free(out);
    lfv_free(a);
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
    return !__atomic_load_n(&r->root, __ATOMIC_RELAXED);
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

const struct rs_node *rs_rangeset_root(const struct lfv_rangeset *r)
{
    return r->root;
}

struct rs_cache *rs_rangeset_cache(struct lfv_rangeset *r)
{
    return r->cache;
}
