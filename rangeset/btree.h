/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Persistent (copy-on-write) B+tree of disjoint intervals, the structure
 * behind range sets and interval maps.  Internal to rangeset/.
 *
 * Every leaf entry starts with {start, end}; a tree's entries are sorted by
 * start and never overlap.  Interval maps append a value to each entry, so
 * the entry size is a property of the tree (esize), not of the code.
 * Internal nodes hold {key, child} branches where key is the lowest start
 * in the child's subtree.
 *
 * Published nodes are immutable.  An update copies the nodes on the
 * root-to-leaf paths it changes (O(F log_F n) work for fanout F), links the
 * copies to the untouched subtrees, publishes the new root with a single
 * release store, and retires the replaced nodes through RCU.  A reader
 * therefore walks one consistent version from the root it loaded.
 *
 * A tree of up to RS_FANOUT entries is one leaf: a plain sorted array, found
 * by one pointer load and a binary search.
 */
#ifndef LFV_RANGESET_BTREE_H
#define LFV_RANGESET_BTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lfvpci/rcu.h>

#define RS_FANOUT 32
#define RS_MIN (RS_FANOUT / 2)
/*
 * Every node but the root holds at least RS_MIN entries, so height 12
 * already means more than 2 * 16^12 entries: more than memory can hold.
 */
#define RS_MAX_HEIGHT 12

struct rs_range {
    uint64_t start, end;
};

struct rs_node;

struct rs_branch {
    uint64_t key; /* lowest start in child's subtree */
    struct rs_node *child;
};

struct rs_node {
    struct lfv_rcu_head rcu;
    uint32_t n;      /* entries, >= 1 */
    uint32_t height; /* 0 for a leaf */
    uint64_t ents[]; /* n entries of esize bytes, or n struct rs_branch */
};

static inline size_t rs_entry_size(unsigned int height, size_t esize)
{
    return height ? sizeof(struct rs_branch) : esize;
}

static inline const struct rs_branch *rs_branches(const struct rs_node *nd)
{
    return (const struct rs_branch *)nd->ents;
}

static inline const void *rs_entry(const struct rs_node *nd, unsigned int i,
                                   size_t esz)
{
    return (const char *)nd->ents + (size_t)i * esz;
}

/* The start (leaf) or key (branch) of entry i: both are the first field. */
static inline uint64_t rs_key(const struct rs_node *nd, unsigned int i,
                              size_t esz)
{
    return *(const uint64_t *)rs_entry(nd, i, esz);
}

/* Index of the last entry whose key is <= x, or -1. */
static inline int rs_search_le(const struct rs_node *nd, uint64_t x,
                               size_t esz)
{
    unsigned int lo = 0, hi = nd->n;

    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (rs_key(nd, mid, esz) <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int)lo - 1;
}

/*
 * The entry with the greatest start <= x, or NULL.  Since entries are
 * disjoint, it is the only one that can contain x.  Readers call it inside
 * a read-side section on a root they loaded with lfv_rcu_dereference();
 * writers on the root they own under the set's lock.
 */
static inline const void *rs_find_le(const struct rs_node *nd, uint64_t x,
                                     size_t esize)
{
    while (nd) {
        int i = rs_search_le(nd, x, rs_entry_size(nd->height, esize));

        if (i < 0)
            return NULL;
        if (!nd->height)
            return rs_entry(nd, i, esize);
        nd = rs_branches(nd)[i].child;
    }
    return NULL;
}

/*
 * In-order cursor over one version of a tree.  No parent or sibling links
 * exist (they would defeat path copying), so the cursor keeps the path.
 */
struct rs_iter {
    const struct rs_node *nd[RS_MAX_HEIGHT + 1];
    unsigned int idx[RS_MAX_HEIGHT + 1];
    int leaf; /* depth of the current leaf; -1 once exhausted */
    size_t esize;
};

/* Position on the last entry with start <= x, else on the first entry. */
static inline void rs_iter_seek(struct rs_iter *it, const struct rs_node *nd,
                                uint64_t x, size_t esize)
{
    int l = 0;

    it->esize = esize;
    it->leaf = -1;
    if (!nd)
        return;
    for (;;) {
        int i = rs_search_le(nd, x, rs_entry_size(nd->height, esize));

        it->nd[l] = nd;
        it->idx[l] = i < 0 ? 0 : (unsigned int)i;
        if (!nd->height)
            break;
        nd = rs_branches(nd)[it->idx[l]].child;
        l++;
    }
    it->leaf = l;
}

static inline const void *rs_iter_get(const struct rs_iter *it)
{
    if (it->leaf < 0)
        return NULL;
    return rs_entry(it->nd[it->leaf], it->idx[it->leaf], it->esize);
}

static inline void rs_iter_next(struct rs_iter *it)
{
    int l = it->leaf;

    if (l < 0)
        return;
    if (++it->idx[l] < it->nd[l]->n)
        return;
    while (--l >= 0 && ++it->idx[l] >= it->nd[l]->n)
        ;
    if (l < 0) {
        it->leaf = -1;
        return;
    }
    for (; l < it->leaf; l++) {
        it->nd[l + 1] = rs_branches(it->nd[l])[it->idx[l]].child;
        it->idx[l + 1] = 0;
    }
}

/*
 * Node memory of one tree (one set or map): replaced nodes, once a grace
 * period has passed, come back here and are reused by its writer instead
 * of being freed.  A steady stream of updates then does no malloc/free at
 * all, and in particular no free on the RCU callback thread of memory the
 * writer allocates again: with any allocator that keeps per-thread caches
 * that pattern costs a locked refill per allocation.
 *
 * Retired nodes wait in a batch handed to lfv_rcu_call() whole (64 nodes
 * or 8 KiB); its callback pushes the batch on a lock-free stack that the
 * writer, under its lock, takes whole with one exchange (so no ABA).  The
 * writer keeps at most RS_CACHE_BYTES of recycled nodes, sorted by size
 * class, and frees the rest itself.  Each batch in flight holds a reference
 * on the cache, so that the owner can go away first.
 */
struct rs_cache;

/* NULL when out of memory.  Any thread. */
struct rs_cache *rs_cache_new(size_t esize);
/*
 * The owner's last word, after a grace period that follows its last
 * update: frees what waits in the cache now or once its batches are back.
 */
void rs_cache_put(struct rs_cache *c);
/*
 * For tests: from now on every node comes from malloc (and every node that
 * is no longer needed goes to free), so that an update that changes the
 * tree always allocates and allocation failures can be injected into it.
 * Writer side, on a cache with no recycled nodes yet (a new set).
 */
void rs_cache_bypass(struct rs_cache *c);

/*
 * Writer side.  One transaction builds one new version: it records the
 * nodes it allocated (given back if the update is abandoned) and the
 * published nodes it replaced (retired through RCU once the new root is
 * published).
 */
#define RS_TXN_NODES (12 * (RS_MAX_HEIGHT + 1))

struct rs_txn {
    struct rs_cache *cache;
    size_t esize;
    size_t removed; /* entries the update deleted */
    size_t pool_bytes;
    unsigned int nfresh, nretire, ndeep, npool;
    struct rs_node *fresh[RS_TXN_NODES];
    struct rs_node *retire[RS_TXN_NODES];
    struct {
        const struct rs_node *parent;
        unsigned int from, to;
    } deep[2 * (RS_MAX_HEIGHT + 1)];
    struct rs_node *pool[RS_TXN_NODES];
};

void rs_txn_init(struct rs_txn *t, struct rs_cache *c);

/*
 * Pre-allocate the nodes an update of `root` may need, so that the update
 * that follows cannot fail for lack of memory.  For updates that must not
 * fail once started (consume: its callbacks have side effects).
 */
int rs_txn_reserve(struct rs_txn *t, const struct rs_node *root);

/*
 * Build in t the version of `root` in which the entries whose start lies in
 * [a, b] are replaced by ins[0..nins) (sorted, disjoint from the survivors,
 * and placed where the deleted entries were).  *newroot may be root itself
 * if nothing changed.  -ENOMEM: call rs_txn_abort().
 */
int rs_splice(struct rs_txn *t, struct rs_node *root, uint64_t a, uint64_t b,
              const void *ins, unsigned int nins, struct rs_node **newroot);

/*
 * rs_splice() and commit in one step for a tree that is one leaf before
 * and after (every BAR's set): one node from the cache, no transaction.
 * The update is refused with -ENOSPC if it would add entries beyond
 * max_entries.  0 (*removed set), -ENOSPC, -ENOMEM (tree unchanged), or
 * 1: not a one-leaf update, use rs_splice().
 */
int rs_leaf_update(struct rs_cache *c, struct rs_node **slot, uint64_t a,
                   uint64_t b, const void *ins, unsigned int nins,
                   size_t max_entries, bool reserved, size_t *removed);
/*
 * Make sure that the next rs_leaf_update(reserved = true) of `leaf`, which
 * must not add entries, cannot fail: the one-leaf rs_txn_reserve().
 */
int rs_leaf_reserve(struct rs_cache *c, const struct rs_node *leaf);

/* Publish newroot in *slot and retire what it replaced. */
void rs_txn_commit(struct rs_txn *t, struct rs_node **slot,
                   struct rs_node *newroot);
/* Free everything the transaction allocated; the published tree stays. */
void rs_txn_abort(struct rs_txn *t);

/* A new tree holding ents[0..n) (sorted, disjoint).  O(n). */
int rs_build(struct rs_cache *c, const void *ents, size_t n,
             struct rs_node **root);

/* Entries in a tree (O(n): for writers that are about to touch them all). */
size_t rs_count(const struct rs_node *nd);

/* Copy every entry, in order, to dst (room for rs_count() entries). */
void rs_flatten(const struct rs_node *root, size_t esize, void *dst);

/*
 * Retire a whole tree (a lone leaf is recycled, anything larger freed after
 * a grace period) / free it at once (unreachable trees).
 */
void rs_retire_tree(struct rs_node *root, struct rs_cache *c);
void rs_free_tree(struct rs_node *root);

/*
 * For tests: check every invariant of a version (heights, fill, keys,
 * order, disjointness).  The number of entries, or -(line) of the failed
 * check.  Writers (or a quiescent tree) only.
 */
long rs_check(const struct rs_node *root, size_t esize);

/*
 * For tests: check a set's or map's current version, in small mode (see
 * small.h) or as a tree of more than RS_SMALL_MAX entries.  The number of
 * entries, or -(line) of the failed check (in btree.c, small.h, or the
 * owner's file).  Writers (or a quiescent owner) only.
 */
struct lfv_rangeset;
struct lfv_intervalmap;
long rs_rangeset_check(const struct lfv_rangeset *r);
struct rs_cache *rs_rangeset_cache(struct lfv_rangeset *r);
long rs_intervalmap_check(const struct lfv_intervalmap *m);
struct rs_cache *rs_intervalmap_cache(struct lfv_intervalmap *m);

#endif /* LFV_RANGESET_BTREE_H */
