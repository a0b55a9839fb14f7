/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Updates of the persistent B+tree that change one leaf, the common case
 * (btree.h): the writer descends once, keeping the path, and publishes the
 * new version with one store as low in the tree as it can.
 *
 *   - append: entries added past the leaf's last one, when it has room,
 *     are written past n and published by raising n (release);
 *   - end: an update that only moves an entry's end stores the new end;
 *   - otherwise the leaf is copied, and so are its ancestors up to the
 *     lowest one whose key for the copy stays the same (the leaf's first
 *     start did not change, or the copy is not its parent's first child),
 *     where the child pointer is replaced in place; or the root is.
 * The first two are skipped while a reader holds a pin on the tree, the
 * third then copies up to the root: see rs_pin().
 */
#include <errno.h>
#include <string.h>

#include "btree.h"

void rs_path_seek(struct rs_path *p, struct rs_node *root, uint64_t x,
                  size_t esize)
{
    struct rs_node *nd = root;
    unsigned int l = 0;

    (void)esize;
    p->lo = 0;
    p->hi = UINT64_MAX;
    while (nd->height) {
        const struct rs_branch *br = rs_branches(nd);
        int i = rs_search_le(nd, x, sizeof(*br));

        if (i < 0)
            i = 0;
        if (i > 0)
            p->lo = br[i].key;
        if ((unsigned int)i + 1 < nd->n)
            p->hi = br[i + 1].key - 1;
        p->nd[l] = nd;
        p->idx[l++] = (unsigned int)i;
        nd = br[i].child;
    }
    p->nd[l] = nd;
    p->depth = l;
}

const void *rs_path_find_le(const struct rs_path *p, uint64_t x,
                            size_t esize)
{
    const struct rs_node *leaf = p->nd[p->depth];
    int i;

    if (x < p->lo || x > p->hi)
        return rs_find_le(p->nd[0], x, esize);
    i = rs_search_le(leaf, x, esize);
    return i < 0 ? NULL : rs_entry(leaf, (unsigned int)i, esize);
}

/* Equal but for the end (the second word)? */
static bool only_end_differs(const void *x, const void *y, size_t esize)
{
    const char *a = x, *b = y;

    return !memcmp(a, b, sizeof(uint64_t)) &&
           !memcmp(a + sizeof(struct rs_range), b + sizeof(struct rs_range),
                   esize - sizeof(struct rs_range));
}

/* lfv_rcu_assign_pointer() on a branch's child in a live node. */
static void replace_child(struct rs_node *parent, unsigned int i,
                          struct rs_node *child)
{
    struct rs_branch *br = (struct rs_branch *)parent->ents;

    __atomic_store_n(&br[i].child, child, __ATOMIC_RELEASE);
}

int rs_path_splice(struct rs_cache *c, struct rs_node **slot,
                   const struct rs_path *p, uint64_t a, uint64_t b,
                   const void *ins, unsigned int nins, size_t room,
                   unsigned long *pins, size_t *removed)
{
    const size_t esz = rs_cache_esize(c);
    struct rs_node *leaf = p->nd[p->depth], *copies[RS_MAX_HEIGHT + 1];
    struct rs_node *child;
    unsigned int n = leaf->n, lo, hi, m, ncopies = 0, l;
    int in_place = pins && !rs_cache_bypassed(c) ? -1 : 0;
    char *ents = (char *)leaf->ents;

    if (a < p->lo || b > p->hi)
        return 1;
    lo = a ? (unsigned int)(rs_search_le(leaf, a - 1, esz) + 1) : 0;
    hi = (unsigned int)(rs_search_le(leaf, b, esz) + 1);
    if (hi < lo)
        hi = lo;
    m = n - (hi - lo) + nins;
    if (m > RS_FANOUT || !m || (p->depth && m < RS_MIN))
        return 1;
    *removed = hi - lo;
    if (hi == lo && !nins)
        return 0;
    if (m > n && m - n > room)
        return -ENOSPC;

    /* Asked at most once, and only when an in-place store would do. */
#define IN_PLACE() (in_place < 0 ? (in_place = rs_may_write_in_place(pins)) \
                                 : in_place)
    if (lo == n && m <= leaf->cap && IN_PLACE()) {
        memcpy(ents + n * esz, ins, nins * esz);
        __atomic_store_n(&leaf->n, m, __ATOMIC_RELEASE);
        return 0;
    }
    if (hi == lo + 1 && nins == 1 &&
        only_end_differs(ents + lo * esz, ins, esz) && IN_PLACE()) {
        struct rs_range *x = (struct rs_range *)(ents + lo * esz);

        __atomic_store_n(&x->end, ((const struct rs_range *)ins)->end,
                         __ATOMIC_RELAXED);
        return 0;
    }

    child = rs_node_new(c, 0, m);
    if (!child)
        return -ENOMEM;
    copies[ncopies++] = child;
    memcpy(child->ents, ents, lo * esz);
    memcpy((char *)child->ents + lo * esz, ins, nins * esz);
    memcpy((char *)child->ents + (lo + nins) * esz, ents + hi * esz,
           (n - hi) * esz);
    for (l = p->depth; l-- > 0;) {
        struct rs_node *parent = p->nd[l];
        unsigned int i = p->idx[l];
        struct rs_branch *br;

        if (rs_branches(parent)[i].key == child->ents[0] && IN_PLACE()) {
            replace_child(parent, i, child);
            goto retire;
        }
        child = rs_node_new(c, parent->height, parent->n);
        if (!child) {
            while (ncopies)
                rs_node_drop(c, copies[--ncopies]);
            return -ENOMEM;
        }
        copies[ncopies++] = child;
        br = (struct rs_branch *)child->ents;
        memcpy(br, parent->ents, parent->n * sizeof(*br));
        br[i].key = copies[ncopies - 2]->ents[0];
        br[i].child = copies[ncopies - 2];
    }
#undef IN_PLACE
    lfv_rcu_assign_pointer(*slot, child);
    l = (unsigned int)-1;
retire:
    /* Everything below the node updated in place, or the whole path. */
    for (l++; l <= p->depth; l++)
        rs_node_retire(c, p->nd[l]);
    return 0;
}
