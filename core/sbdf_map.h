/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SBDF -> pointer, searched without locks: a 4-level, 256-way radix tree
 * over the SBDF's bytes (segment high, segment low, bus, devfn).  A lookup
 * is four dependent loads whatever the segment and bus.  Interior nodes are
 * only ever added, and freed with the map, so readers need nothing but an
 * RCU read-side section around the lookup and their use of the result; the
 * stored objects are the caller's, retired by the caller after a grace
 * period.
 *
 * Concurrency: lfv_sbdf_map_lookup() from any registered thread inside a
 * read-side section, concurrently with everything but fini.  insert/remove/
 * for_each: serialised by the caller (one writer at a time).  A zeroed
 * struct is an empty map (static storage needs no init); fini frees the
 * nodes once no reader can be inside.
 */
#ifndef LFV_CORE_SBDF_MAP_H
#define LFV_CORE_SBDF_MAP_H

#include <lfvpci/rcu.h>
#include <lfvpci/regs.h>

struct lfv_sbdf_map {
    void *root; /* RCU-published struct lfv_sbdf_node; NULL until first insert */
    void *seg0; /* RCU-published: segment 0's bus-level node, a shortcut */
    unsigned int count;
};

struct lfv_sbdf_node {
    void *slot[256];
};

/*
 * Inline: it is on every trapped access's path.  Segment 0 (nearly every
 * host's only one) skips the two segment levels: two dependent loads
 * before the device instead of four.
 */
static inline void *lfv_sbdf_map_lookup(const struct lfv_sbdf_map *m,
                                        lfv_sbdf_t sbdf)
{
    const struct lfv_sbdf_node *n;

    if (sbdf >> 16) {
        n = lfv_rcu_dereference(m->root);
        if (n)
            n = lfv_rcu_dereference(n->slot[sbdf >> 24]);
        if (n)
            n = lfv_rcu_dereference(n->slot[(sbdf >> 16) & 0xff]);
    } else {
        n = lfv_rcu_dereference(m->seg0);
    }
    if (n)
        n = lfv_rcu_dereference(n->slot[(sbdf >> 8) & 0xff]);
    return n ? lfv_rcu_dereference(n->slot[sbdf & 0xff]) : NULL;
}

/* 0, -EEXIST (something is there) or -ENOMEM (map unchanged but for
 * empty interior nodes, which are harmless). */
int lfv_sbdf_map_insert(struct lfv_sbdf_map *m, lfv_sbdf_t sbdf, void *p);

/* Unpublish and return what was at sbdf (NULL if nothing). */
void *lfv_sbdf_map_remove(struct lfv_sbdf_map *m, lfv_sbdf_t sbdf);

/* Visit every stored pointer; fn may remove the one it is given. */
void lfv_sbdf_map_for_each(struct lfv_sbdf_map *m,
                           void (*fn)(void *p, void *arg), void *arg);

void lfv_sbdf_map_fini(struct lfv_sbdf_map *m);

#endif /* LFV_CORE_SBDF_MAP_H */
