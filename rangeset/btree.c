/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writer side of the persistent B+tree: the general path-copying splice
 * (any number of entries, across leaves, with splits and merges) and bulk
 * build.  The read side is inline in btree.h, single-leaf updates are in
 * path.c, node memory in cache.c.
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

struct rs_seg {
    const void *p;
    size_t n;
};

void rs_txn_init(struct rs_txn *t, struct rs_cache *c)
{
    t->cache = c;
    t->esize = rs_cache_esize(c);
    t->removed = 0;
    t->pool_bytes = 0;
    t->nfresh = t->nretire = t->ndeep = 0;
}

int rs_txn_reserve(struct rs_txn *t, const struct rs_node *root)
{
    unsigned int want;

    if (!root)
        return 0;
    /*
     * An update that inserts no more entries than it deletes emits at most
     * one node per changed node plus a bounded repack per level; released
     * copies go back to the cache.  A single leaf needs just its own size.
     * The nodes wait in the cache (beyond its bound if need be): when it
     * holds them already, as it does for a writer that keeps updating,
     * reserving costs nothing.
     */
    if (!root->height) {
        want = 1;
        t->pool_bytes = rs_node_bytes(0, root->cap, t->esize);
    } else {
        want = 12 * (root->height + 1);
        t->pool_bytes = rs_node_bytes(0, RS_FANOUT, t->esize);
        if (t->pool_bytes < rs_node_bytes(1, RS_FANOUT, t->esize))
            t->pool_bytes = rs_node_bytes(1, RS_FANOUT, t->esize);
    }
    return rs_cache_reserve(t->cache, t->pool_bytes, want);
}

static struct rs_node *txn_alloc(struct rs_txn *t, unsigned int height,
                                 size_t n)
{
    size_t bytes = rs_node_bytes(height, n, t->esize);
    struct rs_node *nd;

    if (t->nfresh == RS_TXN_NODES)
        return NULL;
    if (bytes <= t->pool_bytes) {
        /* From the reserve: every node of the update has its size. */
        size_t room = (t->pool_bytes - sizeof(struct rs_node)) /
                      rs_entry_size(height, t->esize);

        nd = rs_node_alloc(t->cache, t->pool_bytes);
        if (!nd)
            return NULL;
        nd->n = (uint32_t)n;
        nd->height = (uint16_t)height;
        nd->cap = (uint16_t)(room < RS_FANOUT ? room : RS_FANOUT);
    } else {
        nd = rs_node_new(t->cache, height, n);
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
 * this transaction goes back to the cache at once (no reader has seen it;
 * a reserved update keeps it there for its next allocation), a published
 * one is retired.
 */
static void txn_release(struct rs_txn *t, struct rs_node *nd)
{
    unsigned int i;

    for (i = 0; i < t->nfresh; i++) {
        if (t->fresh[i] != nd)
            continue;
        t->fresh[i] = t->fresh[--t->nfresh];
        if (t->pool_bytes)
            rs_node_keep(t->cache, nd);
        else
            rs_node_drop(t->cache, nd);
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
        return rs_node_n(nd);
    for (i = 0; i < rs_node_n(nd); i++)
        n += rs_count(rs_child(nd, i));
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


int rs_leaf_update(struct rs_cache *c, struct rs_node **slot, uint64_t a,
                   uint64_t b, const void *ins, unsigned int nins,
                   size_t max_entries, bool reserved, size_t *removed)
{
    struct rs_node *root = *slot, *nd = NULL;
    size_t esz = rs_cache_esize(c);
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
            /* Never fails after rs_leaf_reserve(): the same size. */
            nd = rs_node_alloc(c, rs_node_bytes(0, root->cap, esz));
            if (nd) {
                nd->n = keep + nins;
                nd->height = 0;
                nd->cap = root->cap;
            }
        } else {
            nd = rs_node_new(c, 0, keep + nins);
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
        rs_node_retire(c, root);
    return 0;
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
        rs_node_retire(t->cache, t->retire[i]);
    t->nfresh = t->nretire = t->ndeep = 0;
}

void rs_txn_abort(struct rs_txn *t)
{
    while (t->nfresh)
        rs_node_drop(t->cache, t->fresh[--t->nfresh]);
    t->nretire = t->ndeep = 0;
}

size_t rs_flatten(const struct rs_node *root, size_t esize, void *dst,
                  size_t max)
{
    struct rs_iter it;
    const void *x;
    char *p = dst;
    size_t n = 0;

    for (rs_iter_seek(&it, root, 0, esize); n < max && (x = rs_iter_get(&it));
         rs_iter_next(&it), n++) {
        struct rs_range r = { *(const uint64_t *)x, rs_entry_end(x) };

        memcpy(p, &r, sizeof(r));
        memcpy(p + sizeof(r), (const char *)x + sizeof(r),
               esize - sizeof(r));
        p += esize;
    }
    return n;
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
    size_t esize = rs_cache_esize(c);
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
        struct rs_node *nd = rs_node_new(c, 0, cnt);

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
            struct rs_node *nd = rs_node_new(c, height, cnt);

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
    CHECK_OR_FAIL(nd->n >= 1 && nd->n <= nd->cap && nd->cap <= RS_FANOUT);
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
