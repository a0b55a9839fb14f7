/* SPDX-License-Identifier: GPL-2.0-only */
/* The SBDF radix tree (see sbdf_map.h). */
#include <errno.h>

#include "platform.h"
#include "rcu_fast.h"
#include "sbdf_map.h"

static unsigned int sbdf_byte(lfv_sbdf_t sbdf, unsigned int level)
{
    return (sbdf >> (24 - 8 * level)) & 0xff;
}

/* The slot for sbdf, creating the path to it if `create`. */
static void **leaf_slot(struct lfv_sbdf_map *m, lfv_sbdf_t sbdf, bool create)
{
    void **slot = &m->root;
    unsigned int level;

    for (level = 0; level < 4; level++) {
        struct lfv_sbdf_node *n = *slot;

        if (!n) {
            if (!create)
                return NULL;
            n = lfv_zalloc(sizeof(*n));
            if (!n)
                return NULL;
            lfv_rcu_assign_pointer(*slot, n);
        }
        /* segment 0's bus level: published for the lookup's shortcut */
        if (level == 2 && !(sbdf >> 16) && !m->seg0)
            lfv_rcu_assign_pointer(m->seg0, n);
        slot = &n->slot[level < 3 ? sbdf_byte(sbdf, level) : sbdf & 0xff];
    }
    return slot;
}

int lfv_sbdf_map_insert(struct lfv_sbdf_map *m, lfv_sbdf_t sbdf, void *p)
{
    void **slot = leaf_slot(m, sbdf, true);

    if (!slot)
        return -ENOMEM;
    if (*slot)
        return -EEXIST;
    lfv_rcu_assign_pointer(*slot, p);
    m->count++;
    return 0;
}

void *lfv_sbdf_map_remove(struct lfv_sbdf_map *m, lfv_sbdf_t sbdf)
{
    void **slot = leaf_slot(m, sbdf, false);
    void *old = slot ? *slot : NULL;

    if (old) {
        lfv_rcu_assign_pointer(*slot, NULL);
        m->count--;
    }
    return old;
}

static void for_each_leaf(struct lfv_sbdf_node *n, unsigned int level,
                          void (*fn)(void *, void *), void *arg)
{
    for (unsigned int i = 0; i < 256; i++) {
        if (!n->slot[i])
            continue;
        if (level == 3)
            fn(n->slot[i], arg);
        else
            for_each_leaf(n->slot[i], level + 1, fn, arg);
    }
}

void lfv_sbdf_map_for_each(struct lfv_sbdf_map *m,
                           void (*fn)(void *p, void *arg), void *arg)
{
    if (m->root)
        for_each_leaf(m->root, 0, fn, arg);
}

static void free_nodes(struct lfv_sbdf_node *n, unsigned int level)
{
    if (level < 3)
        for (unsigned int i = 0; i < 256; i++)
            if (n->slot[i])
                free_nodes(n->slot[i], level + 1);
    lfv_free(n);
}

void lfv_sbdf_map_fini(struct lfv_sbdf_map *m)
{
    if (m->root)
        free_nodes(m->root, 0);
    m->root = NULL;
    m->seg0 = NULL;
    m->count = 0;
}
