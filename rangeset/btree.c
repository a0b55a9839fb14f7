/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writer side of the persistent B+tree: path-copying splice, bulk build,
 * and retirement of replaced nodes.  The read side is inline in btree.h.
 *
 * Invariants of every published version: all leaves at the same depth;
 * every node holds 1..RS_FANOUT entries, every node but the root at least
 * RS_MIN; an internal root has at least two children.
 */
#include <errno.h>
#include <string.h>

#include "../core/platform.h"
#include "btree.h"

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

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

struct rs_seg {
    const void *p;
    size_t n;
};

static size_t node_bytes(unsigned int height, size_t n, size_t esize)
{
    return sizeof(struct rs_node) + n * rs_entry_size(height, esize);
}

/*
 * Size classes: exact (16-byte steps) up to 128 bytes, where the one-leaf
 * sets of 1 to 6 ranges live, then 64-byte steps (at most 12% slack on the
 * 16..32-entry nodes of larger trees).  A node's class follows from its
 * height and entry count, and every node is allocated with at least the
 * bytes of that class, so any node of a class can serve any request of it.
 */
#define RS_NCLASS 17
#define RS_NO_CLASS RS_NCLASS
#define RS_CACHE_BYTES 8192
#define RS_CACHE_MAX (4 << 20)
#define RS_BATCH 64
#define RS_BATCH_BYTES 8192

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
    size_t free_bytes, limit;
    size_t inflight; /* bytes handed to RCU, not yet back */
    struct rs_batch *pending; /* retired, not yet handed to RCU */
    struct rs_batch *spare;   /* an empty batch to fill next */
    /* Shared with the callbacks. */
    struct rs_batch *done; /* lock-free stack: grace period over */
    unsigned long refs;    /* the owner + one per batch in flight */
    bool bypass;           /* rs_cache_bypass() */
};

static unsigned int node_class(const struct rs_cache *c, unsigned int height,
                               size_t n)
{
    return size_class(node_bytes(height, n, c->esize));
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

void rs_cache_put(struct rs_cache *c)
{
    if (c)
        cache_unref(c);
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
    *free_link(nd) = c->free[cl];
    rs_poison((char *)nd + sizeof(struct rs_node *),
              class_bytes(cl) - sizeof(struct rs_node *));
    c->free[cl] = nd;
    c->free_bytes += class_bytes(cl);
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
    c->free_bytes -= class_bytes(cl);
    rs_unpoison(nd, class_bytes(cl));
    /* Recycled nodes are cold: start loading the next while this is used. */
    if (c->free[cl])
        __builtin_prefetch(c->free[cl], 1);
    return nd;
}

static struct rs_node *node_new(struct rs_cache *c, unsigned int height,
                                size_t n)
{
    size_t bytes = node_bytes(height, n, c->esize);
    struct rs_node *nd = cache_take(c, size_class(bytes), bytes);

    if (nd) {
        nd->n = (uint32_t)n;
        nd->height = height;
    }
    return nd;
}

/* Give back a node no reader has seen. */
static void node_drop(struct rs_cache *c, struct rs_node *nd)
{
    cache_give(c, nd, node_class(c, nd->height, nd->n));
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

static void retire(struct rs_cache *c, struct rs_node *nd)
{
    struct rs_batch *b = c->pending;
    unsigned int cl = node_class(c, nd->height, nd->n);

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
    b->bytes += cl == RS_NO_CLASS ? node_bytes(nd->height, nd->n, c->esize)
                                  : class_bytes(cl);
    if (b->n == RS_BATCH || b->bytes >= RS_BATCH_BYTES) {
        c->pending = NULL;
        c->inflight += b->bytes;
        __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
        lfv_rcu_call(&b->rcu, batch_done_rcu);
    }
}

void rs_txn_init(struct rs_txn *t, struct rs_cache *c)
{
    t->cache = c;
    t->esize = c->esize;
    t->removed = 0;
    t->pool_bytes = 0;
    t->nfresh = t->nretire = t->ndeep = t->npool = 0;
}

int rs_txn_reserve(struct rs_txn *t, const struct rs_node *root)
{
    unsigned int want, cl;

    if (!root)
        return 0;
    /*
     * An update that inserts no more entries than it deletes emits at most
     * one node per changed node plus a bounded repack per level; released
     * copies go back to the pool.  A single leaf needs just its own size.
     */
    if (!root->height) {
        want = 1;
        t->pool_bytes = node_bytes(0, root->n, t->esize);
    } else {
        want = 12 * (root->height + 1);
        t->pool_bytes = node_bytes(0, RS_FANOUT, t->esize);
        if (t->pool_bytes < node_bytes(1, RS_FANOUT, t->esize))
            t->pool_bytes = node_bytes(1, RS_FANOUT, t->esize);
    }
    cl = size_class(t->pool_bytes);
    while (t->npool < want) {
        struct rs_node *nd = cache_take(t->cache, cl, t->pool_bytes);

        if (!nd) {
            rs_txn_abort(t);
            return -ENOMEM;
        }
        t->pool[t->npool++] = nd;
    }
    return 0;
}

static struct rs_node *txn_alloc(struct rs_txn *t, unsigned int height,
                                 size_t n)
{
    size_t bytes = node_bytes(height, n, t->esize);
    struct rs_node *nd;

    if (t->nfresh == RS_TXN_NODES)
        return NULL;
    if (bytes <= t->pool_bytes) {
        /*
         * Pool-sized even when the pool ran dry, so that every node that
         * txn_release() puts in the pool can serve any request of it.
         */
        nd = t->npool ? t->pool[--t->npool]
                      : cache_take(t->cache, size_class(t->pool_bytes),
                                   t->pool_bytes);
        if (!nd)
            return NULL;
        nd->n = (uint32_t)n;
        nd->height = height;
    } else {
        nd = node_new(t->cache, height, n);
    }
    if (!nd)
        return NULL;
    t->fresh[t->nfresh++] = nd;
    return nd;
}

static void txn_retire(struct rs_txn *t, struct rs_node *nd)
{
    t->retire[t->nretire++] = nd;
}

/*
 * Drop a node the new version will not reference: a copy made earlier in
 * this transaction is freed at once (no reader has seen it), a published
 * one is retired.
 */
static void txn_release(struct rs_txn *t, struct rs_node *nd)
{
    unsigned int i;

    for (i = 0; i < t->nfresh; i++) {
        if (t->fresh[i] != nd)
            continue;
        t->fresh[i] = t->fresh[--t->nfresh];
        if (node_bytes(nd->height, nd->n, t->esize) <= t->pool_bytes &&
            t->npool < RS_TXN_NODES)
            t->pool[t->npool++] = nd;
        else
            node_drop(t->cache, nd);
        return;
    }
    txn_retire(t, nd);
}

/*
 * Copy the concatenation of segs into as few nodes as hold it, evenly
 * filled: k = ceil(total / F) nodes of at least floor(total / k) entries,
 * which is >= RS_MIN whenever k >= 2.
 */
static int emit(struct rs_txn *t, unsigned int height,
                const struct rs_seg *segs, unsigned int nsegs,
                struct rs_node **out, unsigned int *nout)
{
    size_t esz = rs_entry_size(height, t->esize);
    size_t total = 0, k, i, off = 0;
    unsigned int si = 0;

    for (i = 0; i < nsegs; i++)
        total += segs[i].n;
    k = DIV_ROUND_UP(total, RS_FANOUT);
    for (i = 0; i < k; i++) {
        size_t cnt = total / k + (i < total % k), done = 0;
        struct rs_node *nd = txn_alloc(t, height, cnt);

        if (!nd)
            return -ENOMEM;
        while (done < cnt) {
            size_t take;

            while (off == segs[si].n) {
                si++;
                off = 0;
            }
            take = segs[si].n - off;
            if (take > cnt - done)
                take = cnt - done;
            memcpy((char *)nd->ents + done * esz,
                   (const char *)segs[si].p + off * esz, take * esz);
            done += take;
            off += take;
        }
        out[(*nout)++] = nd;
    }
    return 0;
}

/* First index whose key is >= x / > x. */
static unsigned int lower_bound(const struct rs_node *nd, uint64_t x,
                                size_t esz)
{
    unsigned int lo = 0, hi = nd->n;

    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (rs_key(nd, mid, esz) < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static unsigned int upper_bound(const struct rs_node *nd, uint64_t x,
                                size_t esz)
{
    return (unsigned int)(rs_search_le(nd, x, esz) + 1);
}

size_t rs_count(const struct rs_node *nd)
{
    size_t n = 0;
    unsigned int i;

    if (!nd)
        return 0;
    if (!nd->height)
        return nd->n;
    for (i = 0; i < nd->n; i++)
        n += rs_count(rs_branches(nd)[i].child);
    return n;
}

static int splice_leaf(struct rs_txn *t, struct rs_node *nd, uint64_t a,
                       uint64_t b, const void *ins, unsigned int nins,
                       struct rs_node **out, unsigned int *nout)
{
    size_t esz = t->esize;
    unsigned int lo = lower_bound(nd, a, esz), hi = upper_bound(nd, b, esz);
    struct rs_seg segs[3] = {
        { nd->ents, lo },
        { ins, nins },
        { rs_entry(nd, hi, esz), nd->n - hi },
    };
    int rc;

    if (lo >= hi && !nins) {
        out[(*nout)++] = nd;
        return 0;
    }
    if (hi > lo)
        t->removed += hi - lo;
    rc = emit(t, 0, segs, 3, out, nout);
    if (!rc)
        txn_retire(t, nd);
    return rc;
}

static void set_branch(struct rs_branch *br, struct rs_node *child)
{
    br->key = child->ents[0];
    br->child = child;
}

/*
 * Replace the window [w0, w1) of nodes at child_height listed in nb by an
 * even repacking of their entries, widened by one untouched neighbour so
 * that the result meets RS_MIN (the neighbour alone has RS_MIN).
 *
 * A splice that deletes across subtrees leaves nodes short of entries
 * only on the seams between the window's nodes (a subtree that lost almost
 * everything is a chain of one-child nodes).  So, before repacking internal
 * nodes, every seam between their children is repaired the same way, one
 * level down: O(F) work per level of the seam.
 */
static int repack(struct rs_txn *t, unsigned int child_height,
                  struct rs_branch *nb, unsigned int *nn, unsigned int w0,
                  unsigned int w1)
{
    struct rs_branch g[6 * RS_FANOUT];
    unsigned int seam[6], nseam = 0, ng = 0, nm = 0, i;
    struct rs_seg segs[8] = { { NULL, 0 } };
    struct rs_node *m[8];
    struct rs_seg one;
    int rc;

    if (w0 > 0)
        w0--;
    else if (w1 < *nn)
        w1++;
    if (child_height) {
        for (i = w0; i < w1; i++) {
            const struct rs_node *c = nb[i].child;

            if (i > w0)
                seam[nseam++] = ng;
            memcpy(&g[ng], c->ents, c->n * sizeof(*g));
            ng += c->n;
        }
        /* Right to left, so that earlier seam indices stay valid. */
        while (nseam--) {
            unsigned int sm = seam[nseam];

            if (g[sm - 1].child->n >= RS_MIN && g[sm].child->n >= RS_MIN)
                continue;
            rc = repack(t, child_height - 1, g, &ng, sm - 1, sm + 1);
            if (rc)
                return rc;
        }
        one.p = g;
        one.n = ng;
        rc = emit(t, child_height, &one, 1, m, &nm);
    } else {
        for (i = w0; i < w1; i++) {
            segs[i - w0].p = nb[i].child->ents;
            segs[i - w0].n = nb[i].child->n;
        }
        rc = emit(t, child_height, segs, w1 - w0, m, &nm);
    }
    if (rc)
        return rc;
    for (i = w0; i < w1; i++)
        txn_release(t, nb[i].child);
    memmove(&nb[w0 + nm], &nb[w1], (*nn - w1) * sizeof(*nb));
    for (i = 0; i < nm; i++)
        set_branch(&nb[w0 + i], m[i]);
    *nn = *nn - (w1 - w0) + nm;
    return 0;
}

static int splice_node(struct rs_txn *t, struct rs_node *nd, uint64_t a,
                       uint64_t b, const void *ins, unsigned int nins,
                       struct rs_node **out, unsigned int *nout)
{
    const size_t bsz = sizeof(struct rs_branch);
    const struct rs_branch *br = rs_branches(nd);
    struct rs_branch nb[RS_FANOUT + 8];
    struct rs_node *l[2], *r[2];
    unsigned int nl = 0, nr = 0, nn = 0, w0, w1, i;
    int cl, cr, rc;
    bool under = false;
    struct rs_seg seg;

    if (!nd->height)
        return splice_leaf(t, nd, a, b, ins, nins, out, nout);

    cl = rs_search_le(nd, a, bsz);
    cr = rs_search_le(nd, b, bsz);
    if (cl < 0)
        cl = 0;
    if (cr < 0)
        cr = 0;
    rc = splice_node(t, br[cl].child, a, b, ins, nins, l, &nl);
    if (rc)
        return rc;
    if (cr == cl && nl == 1 && l[0] == br[cl].child) {
        out[(*nout)++] = nd;
        return 0;
    }
    if (cr > cl) {
        /* Children strictly between cl and cr lie wholly inside [a, b]. */
        rc = splice_node(t, br[cr].child, a, b, NULL, 0, r, &nr);
        if (rc)
            return rc;
        if (cr > cl + 1) {
            t->deep[t->ndeep].parent = nd;
            t->deep[t->ndeep].from = (unsigned int)cl + 1;
            t->deep[t->ndeep].to = (unsigned int)cr;
            t->ndeep++;
            for (i = (unsigned int)cl + 1; i < (unsigned int)cr; i++)
                t->removed += rs_count(br[i].child);
        }
    }

    memcpy(nb, br, (size_t)cl * bsz);
    nn = w0 = (unsigned int)cl;
    for (i = 0; i < nl; i++)
        set_branch(&nb[nn++], l[i]);
    for (i = 0; i < nr; i++)
        set_branch(&nb[nn++], r[i]);
    w1 = nn;
    memcpy(&nb[nn], &br[cr + 1], (nd->n - (unsigned int)cr - 1) * bsz);
    nn += nd->n - (unsigned int)cr - 1;

    for (i = w0; i < w1; i++)
        under |= nb[i].child->n < RS_MIN;
    if (under) {
        rc = repack(t, nd->height - 1, nb, &nn, w0, w1);
        if (rc)
            return rc;
    }
    if (nn) {
        seg.p = nb;
        seg.n = nn;
        rc = emit(t, nd->height, &seg, 1, out, nout);
        if (rc)
            return rc;
    }
    txn_retire(t, nd);
    return 0;
}

int rs_splice(struct rs_txn *t, struct rs_node *root, uint64_t a, uint64_t b,
              const void *ins, unsigned int nins, struct rs_node **newroot)
{
    struct rs_node *out[2], *r = NULL;
    struct rs_branch top[2];
    unsigned int nout = 0, i;
    struct rs_seg seg = { ins, nins };
    int rc;

    if (!root)
        rc = emit(t, 0, &seg, 1, out, &nout);
    else
        rc = splice_node(t, root, a, b, ins, nins, out, &nout);
    if (rc)
        return rc;
    if (nout == 1) {
        r = out[0];
    } else if (nout == 2) {
        if (root->height + 1 > RS_MAX_HEIGHT)
            return -ENOMEM;
        for (i = 0; i < 2; i++)
            set_branch(&top[i], out[i]);
        seg.p = top;
        seg.n = 2;
        nout = 0;
        rc = emit(t, root->height + 1, &seg, 1, out, &nout);
        if (rc)
            return rc;
        r = out[0];
    }
    /* A root with one child is only a detour for every reader. */
    while (r && r->height && r->n == 1) {
        struct rs_node *child = rs_branches(r)[0].child;

        txn_release(t, r);
        r = child;
    }
    *newroot = r;
    return 0;
}

int rs_leaf_reserve(struct rs_cache *c, const struct rs_node *leaf)
{
    unsigned int cl = node_class(c, 0, leaf->n);
    struct rs_node *nd;

    if (c->free[cl])
        return 0;
    nd = cache_take(c, cl, 0);
    if (!nd)
        return -ENOMEM;
    /* Past the cache's bound if need be: it is about to be taken. */
    *free_link(nd) = c->free[cl];
    c->free[cl] = nd;
    c->free_bytes += class_bytes(cl);
    return 0;
}

int rs_leaf_update(struct rs_cache *c, struct rs_node **slot, uint64_t a,
                   uint64_t b, const void *ins, unsigned int nins,
                   size_t max_entries, bool reserved, size_t *removed)
{
    struct rs_node *root = *slot, *nd = NULL;
    size_t esz = c->esize;
    unsigned int lo = 0, hi = 0, n = 0, keep;

    if (root) {
        if (root->height)
            return 1;
        n = root->n;
        lo = lower_bound(root, a, esz);
        hi = upper_bound(root, b, esz);
        if (hi < lo)
            hi = lo;
    }
    keep = n - (hi - lo);
    if (keep + nins > RS_FANOUT)
        return 1;
    *removed = hi - lo;
    if (hi == lo && !nins)
        return 0;
    if (!reserved && keep + nins > n && keep + nins > max_entries)
        return -ENOSPC;
    if (keep + nins) {
        if (reserved) {
            /* Never fails after rs_leaf_reserve(); a larger node is fine. */
            nd = cache_take(c, node_class(c, 0, n), 0);
            if (nd) {
                nd->n = keep + nins;
                nd->height = 0;
            }
        } else {
            nd = node_new(c, 0, keep + nins);
        }
        if (!nd)
            return -ENOMEM;
        if (nins)
            memcpy((char *)nd->ents + lo * esz, ins, nins * esz);
        if (root) {
            memcpy(nd->ents, root->ents, lo * esz);
            memcpy((char *)nd->ents + (lo + nins) * esz,
                   rs_entry(root, hi, esz), (n - hi) * esz);
        }
    }
    lfv_rcu_assign_pointer(*slot, nd);
    if (root)
        retire(c, root);
    return 0;
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

/*
 * A whole subtree is not recycled: it is freed in one callback of its own
 * (it may be large, and would only overflow the cache).
 */
void rs_retire_tree(struct rs_node *root, struct rs_cache *c)
{
    if (!root)
        return;
    if (root->height)
        lfv_rcu_call(&root->rcu, free_tree_rcu);
    else
        retire(c, root);
}

static void txn_drop_pool(struct rs_txn *t)
{
    unsigned int cl = size_class(t->pool_bytes);

    while (t->npool)
        cache_give(t->cache, t->pool[--t->npool], cl);
}

void rs_txn_commit(struct rs_txn *t, struct rs_node **slot,
                   struct rs_node *newroot)
{
    unsigned int i, c;

    lfv_rcu_assign_pointer(*slot, newroot);
    /*
     * Whole subtrees first: their parents are among the single nodes
     * retired below, and may be freed or reused as soon as their batch
     * is queued.
     */
    for (i = 0; i < t->ndeep; i++)
        for (c = t->deep[i].from; c < t->deep[i].to; c++)
            rs_retire_tree(rs_branches(t->deep[i].parent)[c].child,
                           t->cache);
    for (i = 0; i < t->nretire; i++)
        retire(t->cache, t->retire[i]);
    t->nfresh = t->nretire = t->ndeep = 0;
    txn_drop_pool(t);
}

void rs_txn_abort(struct rs_txn *t)
{
    while (t->nfresh)
        node_drop(t->cache, t->fresh[--t->nfresh]);
    t->nretire = t->ndeep = 0;
    txn_drop_pool(t);
}

void rs_flatten(const struct rs_node *root, size_t esize, void *dst)
{
    struct rs_iter it;
    const void *x;
    char *p = dst;

    for (rs_iter_seek(&it, root, 0, esize); (x = rs_iter_get(&it));
         rs_iter_next(&it)) {
        memcpy(p, x, esize);
        p += esize;
    }
}

static void fill_branches(struct rs_node *nd, struct rs_node *const *kids)
{
    struct rs_branch *br = (struct rs_branch *)nd->ents;
    unsigned int i;

    for (i = 0; i < nd->n; i++)
        set_branch(&br[i], kids[i]);
}

/*
 * Bottom-up, one level at a time, reusing one array of node pointers:
 * parent j is written to slot j only after its children (slots >= j) have
 * been read.
 */
int rs_build(struct rs_cache *c, const void *ents, size_t n,
             struct rs_node **root)
{
    size_t esize = c->esize;
    struct rs_node *one, **level;
    size_t k = DIV_ROUND_UP(n, RS_FANOUT), i, j, pos;
    unsigned int height = 0;

    *root = NULL;
    if (!n)
        return 0;
    level = k == 1 ? &one : lfv_malloc(k * sizeof(*level));
    if (!level)
        return -ENOMEM;
    for (i = pos = 0; i < k; i++) {
        size_t cnt = n / k + (i < n % k);
        struct rs_node *nd = node_new(c, 0, cnt);

        if (!nd) {
            while (i)
                lfv_free(level[--i]);
            goto fail;
        }
        memcpy(nd->ents, (const char *)ents + pos * esize, cnt * esize);
        pos += cnt;
        level[i] = nd;
    }
    while (k > 1) {
        size_t k2 = DIV_ROUND_UP(k, RS_FANOUT);

        height++;
        for (j = pos = 0; j < k2; j++) {
            size_t cnt = k / k2 + (j < k % k2);
            struct rs_node *nd = node_new(c, height, cnt);

            if (!nd) {
                for (i = 0; i < j; i++)
                    rs_free_tree(level[i]);
                for (i = pos; i < k; i++)
                    rs_free_tree(level[i]);
                goto fail;
            }
            fill_branches(nd, &level[pos]);
            pos += cnt;
            level[j] = nd;
        }
        k = k2;
    }
    *root = level[0];
    if (level != &one)
        lfv_free(level);
    return 0;
fail:
    if (level != &one)
        lfv_free(level);
    return -ENOMEM;
}

struct check_state {
    size_t esize;
    bool any;
    uint64_t last_end;
};

#define CHECK_OR_FAIL(c) do { if (!(c)) return -(long)__LINE__; } while (0)

static long check_node(const struct rs_node *nd, unsigned int height,
                       bool root, struct check_state *st)
{
    size_t esz = rs_entry_size(nd->height, st->esize);
    long n = 0, sub;
    unsigned int i;

    CHECK_OR_FAIL(nd->height == height);
    CHECK_OR_FAIL(nd->n >= 1 && nd->n <= RS_FANOUT);
    CHECK_OR_FAIL(root || nd->n >= RS_MIN);
    CHECK_OR_FAIL(!root || !nd->height || nd->n >= 2);
    for (i = 0; i < nd->n; i++) {
        if (!nd->height) {
            const struct rs_range *x = rs_entry(nd, i, esz);

            CHECK_OR_FAIL(x->start <= x->end);
            CHECK_OR_FAIL(!st->any || x->start > st->last_end);
            st->any = true;
            st->last_end = x->end;
            n++;
            continue;
        }
        sub = check_node(rs_branches(nd)[i].child, height - 1, false, st);
        if (sub < 0)
            return sub;
        CHECK_OR_FAIL(rs_branches(nd)[i].key ==
                      rs_branches(nd)[i].child->ents[0]);
        n += sub;
    }
    return n;
}

long rs_check(const struct rs_node *root, size_t esize)
{
    struct check_state st = { .esize = esize };

    if (!root)
        return 0;
    CHECK_OR_FAIL(root->height <= RS_MAX_HEIGHT);
    return check_node(root, root->height, true, &st);
}
