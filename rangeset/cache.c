/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Node memory of the persistent B+tree (btree.h): allocation in size
 * classes from a per-tree cache, retirement of replaced nodes in batches
 * through RCU, and their recycling once the grace period is over.
 */
#include <errno.h>
#include <string.h>

#include "../core/platform.h"
#include "btree.h"

/*
 * Recycled nodes never reach free(): poison them while they wait, so that
 * AddressSanitizer still catches an access to a node past its retirement.
 */
#if defined(__SANITIZE_ADDRESS__)
#define RS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RS_ASAN 1
#endif
#endif
#ifdef RS_ASAN
#include <sanitizer/asan_interface.h>
#define rs_poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define rs_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define rs_poison(p, n) ((void)(p), (void)(n))
#define rs_unpoison(p, n) ((void)(p), (void)(n))
#endif

size_t rs_node_bytes(unsigned int height, size_t n, size_t esize)
{
    return sizeof(struct rs_node) + n * rs_entry_size(height, esize);
}

/*
 * Size classes: exact (16-byte steps) up to 128 bytes, then 64-byte steps.
 * A node's class follows from its height and capacity (rs_node_new(): 8,
 * 16 or 32 entries for a leaf, 32 for a branch node, so a few classes are
 * in use), and every node is allocated with at least the bytes of that
 * class, so any node of a class can serve any request of it.
 */
#define RS_NCLASS 17
#define RS_NO_CLASS RS_NCLASS
#define RS_CACHE_BYTES 8192
#define RS_CACHE_MAX (32 << 20)
#define RS_BATCH 64
#define RS_BATCH_BYTES 32768

static unsigned int size_class(size_t bytes)
{
    unsigned int c;

    if (bytes <= 128)
        return bytes <= 48 ? 0 : (unsigned int)((bytes - 33) / 16);
    c = 6 + (unsigned int)((bytes - 129) / 64);
    return c < RS_NCLASS ? c : RS_NO_CLASS;
}

static size_t class_bytes(unsigned int c)
{
    return c <= 5 ? 48 + 16 * (size_t)c : 128 + 64 * (size_t)(c - 5);
}

struct rs_batch {
    struct lfv_rcu_head rcu;
    struct rs_cache *cache;
    struct rs_batch *next; /* on cache->done */
    unsigned int n;
    size_t bytes;
    struct rs_node *nodes[RS_BATCH];
    /*
     * Noted while the node is hot: after a grace period it is cold, and
     * the nodes freed beyond the cache's bound need not be touched at all.
     */
    uint8_t cls[RS_BATCH];
};

struct rs_cache {
    size_t esize;
    /* Writer (under the owner's lock) only. */
    struct rs_node *free[RS_NCLASS]; /* linked through rcu.opaque[0] */
    unsigned int nfree[RS_NCLASS];
    size_t free_bytes, limit;
    size_t inflight; /* bytes handed to RCU, not yet back */
    struct rs_batch *pending; /* retired, not yet handed to RCU */
    struct rs_batch *spare;   /* an empty batch to fill next */
    /* Shared with the callbacks. */
    struct rs_batch *done; /* lock-free stack: grace period over */
    unsigned long refs;    /* the owner + one per batch in flight */
    bool bypass;           /* rs_cache_bypass() */
};

/* The class a node was allocated for. */
static unsigned int node_class(const struct rs_cache *c,
                               const struct rs_node *nd)
{
    return size_class(rs_node_bytes(nd->height, nd->cap, c->esize));
}

static struct rs_node **free_link(struct rs_node *nd)
{
    return (struct rs_node **)&nd->rcu.opaque[0];
}

struct rs_cache *rs_cache_new(size_t esize)
{
    struct rs_cache *c = lfv_zalloc(sizeof(*c));

    if (c) {
        c->esize = esize;
        c->limit = RS_CACHE_BYTES;
        c->refs = 1;
    }
    return c;
}

static void batch_free_nodes(struct rs_batch *b)
{
    while (b->n)
        lfv_free(b->nodes[--b->n]);
    b->bytes = 0;
}

static void cache_free(struct rs_cache *c)
{
    struct rs_batch *b = __atomic_exchange_n(&c->done, NULL,
                                             __ATOMIC_ACQUIRE);
    unsigned int i;

    while (b) {
        struct rs_batch *next = b->next;

        batch_free_nodes(b);
        lfv_free(b);
        b = next;
    }
    for (i = 0; i < RS_NCLASS; i++) {
        while (c->free[i]) {
            struct rs_node *nd = c->free[i];

            c->free[i] = *free_link(nd);
            c->nfree[i]--;
            rs_unpoison(nd, class_bytes(i));
            lfv_free(nd);
        }
    }
    if (c->pending) {
        batch_free_nodes(c->pending);
        lfv_free(c->pending);
    }
    lfv_free(c->spare);
    lfv_free(c);
}

static void cache_unref(struct rs_cache *c)
{
    if (!__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
        cache_free(c);
}

void rs_cache_bypass(struct rs_cache *c)
{
    c->bypass = true;
}

bool rs_cache_bypassed(const struct rs_cache *c)
{
    return c->bypass;
}

void rs_cache_put(struct rs_cache *c)
{
    if (c)
        cache_unref(c);
}

static void cache_push(struct rs_cache *c, struct rs_node *nd,
                       unsigned int cl)
{
    *free_link(nd) = c->free[cl];
    rs_poison((char *)nd + sizeof(struct rs_node *),
              class_bytes(cl) - sizeof(struct rs_node *));
    c->free[cl] = nd;
    c->nfree[cl]++;
    c->free_bytes += class_bytes(cl);
}

/* Keep nd (allocated for class cl or more) for reuse, or free it. */
static void cache_give(struct rs_cache *c, struct rs_node *nd,
                       unsigned int cl)
{
    if (cl == RS_NO_CLASS || c->bypass ||
        c->free_bytes + class_bytes(cl) > c->limit) {
        lfv_free(nd);
        return;
    }
    cache_push(c, nd, cl);
}

/*
 * Take back every batch whose grace period has ended.  A writer that keeps
 * updating needs, until the next batches come back, about as much memory
 * as was in flight: the cache keeps that much (within RS_CACHE_MAX), since
 * freeing it only to allocate it again soon makes every allocation touch
 * cold memory, and costs a page fault per page once the allocator has
 * given the pages back to the system.
 */
static void cache_absorb(struct rs_cache *c)
{
    struct rs_batch *b = __atomic_exchange_n(&c->done, NULL,
                                             __ATOMIC_ACQUIRE);

    c->limit = c->inflight < RS_CACHE_BYTES ? RS_CACHE_BYTES
               : c->inflight > RS_CACHE_MAX ? RS_CACHE_MAX
                                            : c->inflight;

    while (b) {
        struct rs_batch *next = b->next;
        unsigned int i;

        for (i = 0; i < b->n; i++) {
            if (i + 4 < b->n)
                __builtin_prefetch(b->nodes[i + 4], 1);
            cache_give(c, b->nodes[i], b->cls[i]);
        }
        c->inflight -= b->bytes;
        b->n = 0;
        b->bytes = 0;
        if (!c->spare)
            c->spare = b;
        else
            lfv_free(b);
        b = next;
    }
}

/* A node of at least class_bytes(cl) (or bytes, for RS_NO_CLASS). */
static struct rs_node *cache_take(struct rs_cache *c, unsigned int cl,
                                  size_t bytes)
{
    struct rs_node *nd;

    if (cl == RS_NO_CLASS)
        return lfv_malloc(bytes);
    if (!c->free[cl] && __atomic_load_n(&c->done, __ATOMIC_RELAXED) &&
        !c->bypass)
        cache_absorb(c);
    nd = c->free[cl];
    if (!nd)
        return lfv_malloc(class_bytes(cl));
    c->free[cl] = *free_link(nd);
    c->nfree[cl]--;
    c->free_bytes -= class_bytes(cl);
    rs_unpoison(nd, class_bytes(cl));
    /* Recycled nodes are cold: start loading the next while this is used. */
    if (c->free[cl])
        __builtin_prefetch(c->free[cl], 1);
    return nd;
}

/*
 * Room for the entries of a new node of n: leaves get a little more than
 * they hold (8, 16 or RS_FANOUT entries), so that appends can be made in
 * place; the leaves of a tree of more than one leaf, which hold at least
 * RS_MIN entries, and branch nodes all get RS_FANOUT, one size class each.
 */
static unsigned int node_cap(unsigned int height, size_t n)
{
    if (height || n >= 16)
        return RS_FANOUT;
    return n >= 8 ? 16 : 8;
}

struct rs_node *rs_node_new(struct rs_cache *c, unsigned int height,
                            size_t n)
{
    unsigned int cap = node_cap(height, n);
    size_t bytes = rs_node_bytes(height, cap, c->esize);
    struct rs_node *nd = cache_take(c, size_class(bytes), bytes);

    if (nd) {
        nd->n = (uint32_t)n;
        nd->height = (uint16_t)height;
        nd->cap = (uint16_t)cap;
    }
    return nd;
}

struct rs_node *rs_node_alloc(struct rs_cache *c, size_t bytes)
{
    return cache_take(c, size_class(bytes), bytes);
}

int rs_cache_reserve(struct rs_cache *c, size_t bytes, unsigned int count)
{
    unsigned int cl = size_class(bytes);

    if (cl == RS_NO_CLASS)
        return -ENOMEM; /* never asked for: nodes are at most 32 entries */
    if (c->nfree[cl] < count && __atomic_load_n(&c->done, __ATOMIC_RELAXED) &&
        !c->bypass)
        cache_absorb(c);
    while (c->nfree[cl] < count) {
        struct rs_node *nd = lfv_malloc(class_bytes(cl));

        if (!nd)
            return -ENOMEM;
        /* Past the cache's bound if need be: they are about to be taken. */
        cache_push(c, nd, cl);
    }
    return 0;
}

void rs_node_drop(struct rs_cache *c, struct rs_node *nd)
{
    cache_give(c, nd, node_class(c, nd));
}

static void free_one_rcu(struct lfv_rcu_head *head)
{
    lfv_free((struct rs_node *)head);
}

static void batch_done_rcu(struct lfv_rcu_head *head)
{
    struct rs_batch *b = (struct rs_batch *)head;
    struct rs_cache *c = b->cache;
    struct rs_batch *top = __atomic_load_n(&c->done, __ATOMIC_RELAXED);

    do
        b->next = top;
    while (!__atomic_compare_exchange_n(&c->done, &top, b, true,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    /* b may be reused from here on: only c is still ours. */
    cache_unref(c);
}

void rs_node_retire(struct rs_cache *c, struct rs_node *nd)
{
    struct rs_batch *b = c->pending;
    unsigned int cl = node_class(c, nd);

    if (!b) {
        b = c->spare;
        c->spare = NULL;
        if (!b)
            b = lfv_malloc(sizeof(*b));
        if (!b) {
            /* No batch: retiring alone needs no memory. */
            lfv_rcu_call(&nd->rcu, free_one_rcu);
            return;
        }
        b->cache = c;
        b->n = 0;
        b->bytes = 0;
        c->pending = b;
    }
    b->cls[b->n] = (uint8_t)cl;
    b->nodes[b->n++] = nd;
    b->bytes += cl == RS_NO_CLASS ? rs_node_bytes(nd->height, nd->cap,
                                                  c->esize)
                                  : class_bytes(cl);
    if (b->n == RS_BATCH || b->bytes >= RS_BATCH_BYTES) {
        c->pending = NULL;
        c->inflight += b->bytes;
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
        lfv_rcu_call(&b->rcu, batch_done_rcu);
    }
}

int rs_leaf_reserve(struct rs_cache *c, const struct rs_node *leaf)
{
    return rs_cache_reserve(c, rs_node_bytes(0, leaf->cap, c->esize), 1);
}

void rs_free_tree(struct rs_node *nd)
{
    unsigned int i;

    if (!nd)
        return;
    if (nd->height)
        for (i = 0; i < nd->n; i++)
            rs_free_tree(rs_branches(nd)[i].child);
    lfv_free(nd);
}

static void free_tree_rcu(struct lfv_rcu_head *head)
{
    rs_free_tree((struct rs_node *)head);
}

static void retire_nodes(struct rs_node *nd, struct rs_cache *c)
{
    unsigned int i;

    if (nd->height)
        for (i = 0; i < nd->n; i++)
            retire_nodes(rs_branches(nd)[i].child, c);
    rs_node_retire(c, nd);
}

/*
 * A tree of one or two levels (at most 33 nodes) is recycled node by node.
 * A larger one is freed in one callback of its own: it may be large, and
 * would only overflow the cache.
 */
void rs_retire_tree(struct rs_node *root, struct rs_cache *c)
{
    if (!root)
        return;
    if (root->height > 1)
        lfv_rcu_call(&root->rcu, free_tree_rcu);
    else
        retire_nodes(root, c);
}

void rs_node_keep(struct rs_cache *c, struct rs_node *nd)
{
    unsigned int cl = node_class(c, nd);

    if (cl == RS_NO_CLASS)
        lfv_free(nd);
    else
        cache_push(c, nd, cl);
}

size_t rs_cache_esize(const struct rs_cache *c)
{
    return c->esize;
}
