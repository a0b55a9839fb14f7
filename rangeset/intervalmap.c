/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interval maps: disjoint ranges carrying a value, on the persistent B+tree
 * of btree.h (entries {start, end, value}).  Same publication rules as
 * range sets; no merging, so every update is one exact splice.
 */
#include <errno.h>

#include <lfvpci/rangeset.h>

#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "btree.h"

struct im_entry {
    uint64_t start, end; /* first, as btree.h requires */
    void *value;
};

#define IM_ESIZE sizeof(struct im_entry)

struct lfv_intervalmap {
    struct rs_node *root; /* RCU-published; NULL when empty */
    lfv_lock_t lock;      /* serialises writers */
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
    lfv_lock_init(&m->lock);
    return m;
}

static void intervalmap_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_intervalmap *m = (struct lfv_intervalmap *)(
        (char *)head - offsetof(struct lfv_intervalmap, rcu));

    rs_free_tree(m->root);
    rs_cache_put(m->cache);
    lfv_lock_destroy(&m->lock);
    lfv_free(m);
}

void lfv_intervalmap_destroy(struct lfv_intervalmap *m)
{
    if (m)
        lfv_rcu_call(&m->rcu, intervalmap_free_rcu);
}

static int intervalmap_splice(struct lfv_intervalmap *m, uint64_t key,
                              const struct im_entry *ins, unsigned int nins)
{
    struct rs_node *root;
    size_t removed;
    struct rs_txn t;
    int rc;

    rc = rs_leaf_update(m->cache, &m->root, key, key, ins, nins, SIZE_MAX,
                        false, &removed);
    if (rc <= 0) {
        if (!rc)
            __atomic_store_n(&m->count, m->count - removed + nins,
                             __ATOMIC_RELAXED);
        return rc;
    }
    rs_txn_init(&t, m->cache);
    rc = rs_splice(&t, m->root, key, key, ins, nins, &root);
    if (rc) {
        rs_txn_abort(&t);
        return rc;
    }
    rs_txn_commit(&t, &m->root, root);
    __atomic_store_n(&m->count, m->count - t.removed + nins, __ATOMIC_RELAXED);
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
    lfv_lock(&m->lock);
    x = rs_find_le(m->root, e, IM_ESIZE);
    if (x && x->end >= s)
        rc = -EEXIST;
    else
        rc = intervalmap_splice(m, s, &ent, 1);
    lfv_unlock(&m->lock);
    return rc;
}

int lfv_intervalmap_remove(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                           void **value)
{
    const struct im_entry *x;
    int rc = -ENOENT;

    lfv_lock(&m->lock);
    x = rs_find_le(m->root, s, IM_ESIZE);
    if (x && x->start == s && x->end == e) {
        void *v = x->value;

        rc = intervalmap_splice(m, s, NULL, 0);
        if (!rc && value)
            *value = v;
    }
    lfv_unlock(&m->lock);
    return rc;
}

bool lfv_intervalmap_lookup(const struct lfv_intervalmap *m, uint64_t addr,
                            void **value, uint64_t *s, uint64_t *e)
{
    const struct im_entry *x;
    bool hit;

    lfv_rcu_fast_lock();
    x = rs_find_le(lfv_rcu_dereference(m->root), addr, IM_ESIZE);
    hit = x && x->end >= addr;
    if (hit) {
        if (value)
            *value = x->value;
        if (s)
            *s = x->start;
        if (e)
            *e = x->end;
    }
    lfv_rcu_fast_unlock();
    return hit;
}

int lfv_intervalmap_iterate(const struct lfv_intervalmap *m, uint64_t s,
                            uint64_t e, lfv_intervalmap_iter_t *cb,
                            void *ctxt)
{
    const struct im_entry *x;
    struct rs_iter it;
    int rc = 0;

    if (s > e)
        return -EINVAL;
    lfv_rcu_fast_lock();
    rs_iter_seek(&it, lfv_rcu_dereference(m->root), s, IM_ESIZE);
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

const struct rs_node *rs_intervalmap_root(const struct lfv_intervalmap *m)
{
    return m->root;
}

struct rs_cache *rs_intervalmap_cache(struct lfv_intervalmap *m)
{
    return m->cache;
}
