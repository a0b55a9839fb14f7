/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interval maps: disjoint ranges carrying a value, on the persistent B+tree
 * of btree.h (entries {start, end, value}), or up to RS_SMALL_MAX entries
 * on the inline latch of small.h.  Same publication rules as range sets;
 * no merging, so every update is one exact splice.
 */
#include <errno.h>
#include <string.h>

#include <lfvpci/rangeset.h>

#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "btree.h"
#include "small.h"

struct im_entry {
    uint64_t start, end; /* first, as btree.h requires */
    void *value;
};

#define IM_ESIZE sizeof(struct im_entry)

struct lfv_intervalmap {
    struct rs_node *root; /* RCU-published; NULL in small mode */
    struct rs_small small; /* the entries while root is NULL */
    lfv_spinlock_t lock;  /* serialises writers */
    size_t count;
    struct rs_cache *cache;   /* node memory, see btree.h */
    struct lfv_rcu_head rcu;
};

struct lfv_intervalmap *lfv_intervalmap_new(void)
{
    struct lfv_intervalmap *m = lfv_zalloc(sizeof(*m));

    if (!m)
        return NULL;
    m->cache = rs_cache_new(IM_ESIZE);
    if (!m->cache) {
        lfv_free(m);
        return NULL;
    }
    lfv_spin_init(&m->lock);
    return m;
}

static void intervalmap_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_intervalmap *m = (struct lfv_intervalmap *)(
        (char *)head - offsetof(struct lfv_intervalmap, rcu));

    rs_free_tree(m->root);
    rs_cache_put(m->cache);
    lfv_spin_destroy(&m->lock);
    lfv_free(m);
}

void lfv_intervalmap_destroy(struct lfv_intervalmap *m)
{
    if (m)
        lfv_rcu_call(&m->rcu, intervalmap_free_rcu);
}

static void set_count(struct lfv_intervalmap *m, size_t count)
{
    __atomic_store_n(&m->count, count, __ATOMIC_RELAXED);
}

/* The entry with the greatest start <= x, or NULL; under the lock. */
static const struct im_entry *find_le(const struct lfv_intervalmap *m,
                                      uint64_t x)
{
    if (m->root)
        return rs_find_le(m->root, x, IM_ESIZE);
    return rs_small_find_le(rs_small_ents(&m->small),
                            rs_small_count(&m->small), IM_ESIZE, x);
}

/*
 * An update of a map in small mode, or of a one-leaf tree that it leaves
 * with at most RS_SMALL_MAX entries (see rangeset.c).  1: neither.
 */
static int small_splice(struct lfv_intervalmap *m, uint64_t key,
                        const struct im_entry *ins, unsigned int nins)
{
    struct im_entry buf[RS_SMALL_MAX + 1];
    struct rs_node *old = m->root, *root;
    const struct im_entry *cur;
    unsigned int n, nnew;
    size_t removed;
    int rc;

    if (old) {
        if (old->height)
            return 1;
        cur = (const struct im_entry *)old->ents;
        n = old->n;
        if (n - rs_small_removed(cur, n, IM_ESIZE, key, key) + nins >
            RS_SMALL_MAX)
            return 1;
    } else {
        cur = rs_small_ents(&m->small);
        n = rs_small_count(&m->small);
    }
    nnew = rs_small_splice(cur, n, IM_ESIZE, key, key, ins, nins, buf,
                           &removed);
    if (nnew > RS_SMALL_MAX) {
        rc = rs_build(m->cache, buf, nnew, &root);
        if (rc)
            return rc;
        lfv_rcu_assign_pointer(m->root, root);
    } else {
        rs_small_write(&m->small, IM_ESIZE, buf, nnew);
        if (old) {
            lfv_rcu_assign_pointer(m->root, NULL);
            rs_retire_tree(old, m->cache);
        }
    }
    set_count(m, nnew);
    return 0;
}

static int intervalmap_splice(struct lfv_intervalmap *m, uint64_t key,
                              const struct im_entry *ins, unsigned int nins)
{
    struct rs_node *root;
    size_t removed;
    struct rs_txn t;
    int rc;

    rc = small_splice(m, key, ins, nins);
    if (rc <= 0)
        return rc;
    rc = rs_leaf_update(m->cache, &m->root, key, key, ins, nins, SIZE_MAX,
                        false, &removed);
    if (rc <= 0) {
        if (!rc)
            set_count(m, m->count - removed + nins);
        return rc;
    }
    rs_txn_init(&t, m->cache);
    rc = rs_splice(&t, m->root, key, key, ins, nins, &root);
    if (rc) {
        rs_txn_abort(&t);
        return rc;
    }
    rs_txn_commit(&t, &m->root, root);
    set_count(m, m->count - t.removed + nins);
    /*
     * No way back to small mode here: a tree of more than one level holds
     * at least 2 * RS_MIN entries, and loses one at a time.
     */
    return 0;
}

int lfv_intervalmap_insert(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                           void *value)
{
    const struct im_entry *x;
    struct im_entry ent = { s, e, value };
    int rc;

    if (s > e)
        return -EINVAL;
    lfv_spin_lock(&m->lock);
    x = find_le(m, e);
    if (x && x->end >= s)
        rc = -EEXIST;
    else
        rc = intervalmap_splice(m, s, &ent, 1);
    lfv_spin_unlock(&m->lock);
    return rc;
}

int lfv_intervalmap_remove(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                           void **value)
{
    const struct im_entry *x;
    int rc = -ENOENT;

    lfv_spin_lock(&m->lock);
    x = find_le(m, s);
    if (x && x->start == s && x->end == e) {
        void *v;

        /* x may point into the latch's words (uint64_t): copy bytes. */
        memcpy(&v, &x->value, sizeof(v));

        rc = intervalmap_splice(m, s, NULL, 0);
        if (!rc && value)
            *value = v;
    }
    lfv_spin_unlock(&m->lock);
    return rc;
}

/*
 * A reader's version of the map: the tree root, or NULL and the small
 * entries copied to sm[0..*n).  Inside a read-side section.
 */
static const struct rs_node *read_version(const struct lfv_intervalmap *m,
                                          struct im_entry *sm,
                                          unsigned int *n)
{
    return rs_small_or_root(&m->root, &m->small, IM_ESIZE, sm, n);
}

bool lfv_intervalmap_lookup_rcu(const struct lfv_intervalmap *m,
                                uint64_t addr, void **value, uint64_t *s,
                                uint64_t *e)
{
    const struct rs_node *root;
    const struct im_entry *x;
    struct im_entry one;
    bool found;

    /* small mode: only the entry with the greatest start <= addr */
    root = rs_small_or_root_find(&m->root, &m->small, IM_ESIZE, addr, &one,
                                 &found);
    x = root ? rs_find_le(root, addr, IM_ESIZE) : found ? &one : NULL;
    if (!x || x->end < addr)
        return false;
    if (value)
        *value = x->value;
    if (s)
        *s = x->start;
    if (e)
        *e = x->end;
    return true;
}

bool lfv_intervalmap_lookup(const struct lfv_intervalmap *m, uint64_t addr,
                            void **value, uint64_t *s, uint64_t *e)
{
    bool hit;

    lfv_rcu_fast_lock();
    hit = lfv_intervalmap_lookup_rcu(m, addr, value, s, e);
    lfv_rcu_fast_unlock();
    return hit;
}

int lfv_intervalmap_iterate(const struct lfv_intervalmap *m, uint64_t s,
                            uint64_t e, lfv_intervalmap_iter_t *cb,
                            void *ctxt)
{
    struct im_entry sm[RS_SMALL_MAX];
    const struct rs_node *root;
    const struct im_entry *x;
    struct rs_iter it;
    unsigned int n, i;
    int rc = 0;

    if (s > e)
        return -EINVAL;
    lfv_rcu_fast_lock();
    root = read_version(m, sm, &n);
    if (!root) {
        for (i = 0; !rc && i < n && sm[i].start <= e; i++)
            if (sm[i].end >= s)
                rc = cb(sm[i].start, sm[i].end, sm[i].value, ctxt);
        lfv_rcu_fast_unlock();
        return rc;
    }
    rs_iter_seek(&it, root, s, IM_ESIZE);
    for (; !rc && (x = rs_iter_get(&it)) && x->start <= e;
         rs_iter_next(&it))
        if (x->end >= s)
            rc = cb(x->start, x->end, x->value, ctxt);
    lfv_rcu_fast_unlock();
    return rc;
}

size_t lfv_intervalmap_count(const struct lfv_intervalmap *m)
{
    return __atomic_load_n(&m->count, __ATOMIC_RELAXED);
}

long rs_intervalmap_check(const struct lfv_intervalmap *m)
{
    long n;

    if (!m->root)
        return rs_small_check(&m->small, IM_ESIZE);
    n = rs_check(m->root, IM_ESIZE);
    return n >= 0 && n <= RS_SMALL_MAX ? -(long)__LINE__ : n;
}

struct rs_cache *rs_intervalmap_cache(struct lfv_intervalmap *m)
{
    return m->cache;
}
