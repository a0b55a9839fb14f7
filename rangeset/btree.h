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
 * Updates copy the nodes on the root-to-leaf paths they change (O(F log_F
 * n) work for fanout F), link the copies to the untouched subtrees and
 * publish the copy of the highest changed node with a single release store:
 * the root, or, in place, the child pointer in the lowest parent whose keys
 * stay the same.  The replaced nodes are retired through RCU and never
 * written again.  Besides child pointers, two changes are made in place in
 * live nodes, each by one store: appending entries to a leaf with spare
 * room (the entries are written past n, then n is raised with a release
 * store), and changing only the end of an entry (an atomic store).  Keys
 * and starts never change in a live node.
 *
 * What a reader sees:
 *   - a point search (rs_find_le()) loads each node's n and child pointer
 *     once, and answers as the version current at some instant of its
 *     search: the leaf it reaches holds, while it is live, exactly the
 *     entries whose start lies between its own first start (fixed for its
 *     lifetime) and the next leaf's first start (which only grows while the
 *     leaf lives, since entries before it are inserted into this leaf or
 *     replace it); a leaf replaced meanwhile is frozen as it was when
 *     replaced;
 *   - a walk over several leaves (rs_iter) would mix versions if several
 *     in-place updates landed during it, so its owner pins the tree first
 *     (rs_pin()): while a pin is held, updates copy up to the root instead
 *     (rs_may_write_in_place()), and at most one in-place update that
 *     started before the pin can still land, as one store: old or new.
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
    uint32_t n;      /* entries, >= 1; raised in place (rs_node_n()) */
    uint16_t height; /* 0 for a leaf */
    uint16_t cap;    /* room for entries (n <= cap <= RS_FANOUT) */
    uint64_t ents[]; /* n entries of esize bytes, or n struct rs_branch */
};

/* A node's entry count, as a reader loads it: once, with acquire. */
static inline unsigned int rs_node_n(const struct rs_node *nd)
{
    return __atomic_load_n(&nd->n, __ATOMIC_ACQUIRE);
}

/* An entry's end, which a writer may change in place. */
static inline uint64_t rs_entry_end(const void *ent)
{
    return __atomic_load_n(&((const struct rs_range *)ent)->end,
                           __ATOMIC_RELAXED);
}

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

/* Branch i's child, which a writer may replace in place. */
static inline struct rs_node *rs_child(const struct rs_node *nd,
                                       unsigned int i)
{
    return __atomic_load_n(&rs_branches(nd)[i].child, __ATOMIC_ACQUIRE);
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
    unsigned int lo = 0, hi = rs_node_n(nd);

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
        nd = rs_child(nd, (unsigned int)i);
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
        nd = rs_child(nd, it->idx[l]);
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
    if (++it->idx[l] < rs_node_n(it->nd[l]))
        return;
    while (--l >= 0 && ++it->idx[l] >= rs_node_n(it->nd[l]))
        ;
    if (l < 0) {
        it->leaf = -1;
        return;
    }
    for (; l < it->leaf; l++) {
        it->nd[l + 1] = rs_child(it->nd[l], it->idx[l]);
        it->idx[l + 1] = 0;
    }
}

/*
 * Node memory of one tree (one set or map), cache.c: replaced nodes, once a
 * grace period has passed, come back here and are reused by its writer
 * instead of being freed.  A steady stream of updates then does no
 * malloc/free at all, and in particular no free on the RCU callback thread
 * of memory the writer allocates again: with any allocator that keeps
 * per-thread caches that pattern costs a locked refill per allocation.
 *
 * Retired nodes wait in a batch handed to lfv_rcu_call() whole (64 nodes
 * or 32 KiB); its callback pushes the batch on a lock-free stack that the
 * writer, under its lock, takes whole with one exchange (so no ABA).  The
 * writer keeps at most RS_CACHE_BYTES of recycled nodes, sorted by size
 * class, and frees the rest itself.  Each batch in flight holds a reference
 * on the cache, so that the owner can go away first.
 *
 * Every function here is writer side (under the owner's lock) unless said.
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
 * is no longer needed goes to free), and no update is made in place, so
 * that an update that changes the tree always allocates and allocation
 * failures can be injected into it.  On a cache with no recycled nodes yet
 * (a new set).
 */
void rs_cache_bypass(struct rs_cache *c);
bool rs_cache_bypassed(const struct rs_cache *c);
size_t rs_cache_esize(const struct rs_cache *c);

/* Bytes of a node of n entries at height, for entries of esize bytes. */
size_t rs_node_bytes(unsigned int height, size_t n, size_t esize);
/*
 * A node for n entries (n and height set), with room for more if it is a
 * leaf (see cap): NULL when out of memory.
 */
struct rs_node *rs_node_new(struct rs_cache *c, unsigned int height,
                            size_t n);
/* Raw memory of at least `bytes` from the cache; the caller sets it up. */
struct rs_node *rs_node_alloc(struct rs_cache *c, size_t bytes);
/*
 * Make the cache hold `count` nodes of `bytes`, beyond its bound if need
 * be, so that as many rs_node_alloc(bytes) cannot fail.  0 or -ENOMEM.
 */
int rs_cache_reserve(struct rs_cache *c, size_t bytes, unsigned int count);
/* Give back a node no reader has seen (keep: even beyond the bound). */
void rs_node_drop(struct rs_cache *c, struct rs_node *nd);
void rs_node_keep(struct rs_cache *c, struct rs_node *nd);
/* A published node that is no longer reachable: reused after a grace period. */
void rs_node_retire(struct rs_cache *c, struct rs_node *nd);

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
    size_t pool_bytes; /* node size of a reserved update, else 0 */
    unsigned int nfresh, nretire, ndeep;
    struct rs_node *fresh[RS_TXN_NODES];
    struct rs_node *retire[RS_TXN_NODES];
    struct {
        const struct rs_node *parent;
        unsigned int from, to;
    } deep[2 * (RS_MAX_HEIGHT + 1)];
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

/*
 * Single-leaf updates (path.c).  A writer's cursor: the nodes from the root
 * to the leaf whose key range [lo, hi] holds a key, where every entry of
 * the tree whose start lies in [lo, hi] is.
 */
struct rs_path {
    struct rs_node *nd[RS_MAX_HEIGHT + 1]; /* the root ... the leaf */
    unsigned int idx[RS_MAX_HEIGHT];       /* branch taken in nd[l] */
    unsigned int depth;                    /* of the leaf */
    uint64_t lo, hi;
};

/* Position p on the leaf for x in the tree `root` (not NULL). */
void rs_path_seek(struct rs_path *p, struct rs_node *root, uint64_t x,
                  size_t esize);

/* rs_find_le() from p: no new descent when x lies in p's leaf range. */
const void *rs_path_find_le(const struct rs_path *p, uint64_t x,
                            size_t esize);

/*
 * Readers that walk several leaves of a tree (rs_iter) pin it for the walk
 * (its owner's pin count, before loading the root, until the walk ends).
 * A writer asks rs_may_write_in_place() before each in-place update: the
 * two full barriers (or, equivalently, the two read-modify-writes of the
 * count) make sure that an update either sees the pin and copies up to the
 * root, or is complete before the pinned walk loads anything, except for
 * the one update in progress when the pin was taken, whose single
 * publishing store the walk sees or not.
 */
static inline void rs_pin(unsigned long *pins)
{
    __atomic_fetch_add(pins, 1, __ATOMIC_SEQ_CST);
}

static inline void rs_unpin(unsigned long *pins)
{
    __atomic_fetch_sub(pins, 1, __ATOMIC_RELEASE);
}

static inline bool rs_may_write_in_place(unsigned long *pins)
{
    return !__atomic_fetch_add(pins, 0, __ATOMIC_SEQ_CST);
}

/*
 * rs_splice() and commit in one step, for an update whose entries to
 * replace (starts in [a, b]) all lie in p's leaf and that leaves the leaf
 * with RS_MIN..RS_FANOUT entries (1..RS_FANOUT for a lone leaf): one new
 * leaf, and copies of its ancestors up to the lowest one whose key for it
 * stays the same, which is updated in place (or the root is published).
 * With pins (the owner's pin count; NULL: never), appending to a leaf with
 * room and changing only an entry's end are made in place, in the leaf,
 * when no reader holds a pin.  An update that would grow the tree by more
 * than `room` entries is refused.  0 (*removed set), -ENOSPC, -ENOMEM
 * (tree unchanged), or 1: not such an update, use rs_splice().
 */
int rs_path_splice(struct rs_cache *c, struct rs_node **slot,
                   const struct rs_path *p, uint64_t a, uint64_t b,
                   const void *ins, unsigned int nins, size_t room,
                   unsigned long *pins, size_t *removed);

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

/*
 * Copy the entries, in order, to dst (room for max), and return how many.
 * Writers, or readers that pinned the tree (rs_pin()).
 */
size_t rs_flatten(const struct rs_node *root, size_t esize, void *dst,
                  size_t max);

/*
 * Retire a whole tree (up to two levels recycled, anything larger freed
 * after a grace period) / free it at once (unreachable trees).
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
