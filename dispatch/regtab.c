/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writer side of register tables: devices, validated edits, and building,
 * publishing and retiring immutable tables.  The read path is access.c.
 */
#include <errno.h>
#include <string.h>

#include "../core/compiler.h"
#include "../core/rcu_fast.h"
#include "regtab.h"

struct lfv_regtab lfv_empty_regtab = { .nregs = 0, .ndw = 0 };
const struct lfv_dw_bytes lfv_dw_all_gap = { .at = { NULL } };

struct lfv_regs_edit {
    struct lfv_vdev *dev;
    struct lfv_reg *regs; /* sorted by offset, no overlaps */
    unsigned int n, cap;
};

static uint32_t lfv_cf_check ignored_read(const LFV_DEV_CTX *ctx,
                                          unsigned int reg, void *data)
{
    (void)ctx, (void)reg, (void)data;
    return ~(uint32_t)0;
}

static void lfv_cf_check ignored_write(const LFV_DEV_CTX *ctx,
                                       unsigned int reg, uint32_t val,
                                       void *data)
{
    (void)ctx, (void)reg, (void)val, (void)data;
}

/* No hardware: every byte reads as all-ones. */
static uint32_t lfv_cf_check no_hw_read(void *hw, lfv_sbdf_t sbdf,
                                        unsigned int reg, unsigned int size)
{
    (void)hw, (void)sbdf, (void)reg, (void)size;
    return ~(uint32_t)0;
}

void lfv_vdev_init(struct lfv_vdev *dev, const struct lfv_vdev_params *p)
{
    dev->tab = &lfv_empty_regtab;
    dev->hw_ops = p->hw_ops;
    dev->hw_read = p->hw_ops && p->hw_ops->read ? p->hw_ops->read
                                                : no_hw_read;
    dev->hw = p->hw;
    dev->ctx = p->ctx;
    dev->bus = NULL;
    dev->sbdf = p->sbdf;
    dev->read_only = p->read_only;
    lfv_wlock_init(&dev->write_lock);
    lfv_lock_init(&dev->edit_lock);
}

void lfv_vdev_retire_writes(struct lfv_vdev *dev)
{
    __atomic_store_n(&dev->read_only, true, __ATOMIC_RELAXED);
}

void lfv_vdev_fini(struct lfv_vdev *dev)
{
    if (dev->tab != &lfv_empty_regtab)
        lfv_free(dev->tab);
    lfv_wlock_destroy(&dev->write_lock);
    lfv_lock_destroy(&dev->edit_lock);
}

int lfv_vdev_create(const struct lfv_vdev_params *p, struct lfv_vdev **out)
{
    struct lfv_vdev *dev;

    if (!p || !out)
        return -EINVAL;
    dev = lfv_malloc(sizeof(*dev));
    if (!dev)
        return -ENOMEM;
    lfv_vdev_init(dev, p);
    *out = dev;
    return 0;
}

static void lfv_cf_check regtab_free_rcu(struct lfv_rcu_head *head)
{
    lfv_free((char *)head - offsetof(struct lfv_regtab, rcu));
}

static void regtab_retire(struct lfv_regtab *tab)
{
    if (tab != &lfv_empty_regtab)
        lfv_rcu_call(&tab->rcu, regtab_free_rcu);
}

static void lfv_cf_check vdev_free_rcu(struct lfv_rcu_head *head)
{
    struct lfv_vdev *dev =
        (struct lfv_vdev *)((char *)head - offsetof(struct lfv_vdev, rcu));

    lfv_vdev_fini(dev);
    lfv_free(dev);
}

void lfv_vdev_destroy(struct lfv_vdev *dev)
{
    if (dev)
        lfv_rcu_call(&dev->rcu, vdev_free_rcu);
}

lfv_sbdf_t lfv_vdev_sbdf(const struct lfv_vdev *dev)
{
    return dev->sbdf;
}

const LFV_DEV_CTX *lfv_vdev_ctx(const struct lfv_vdev *dev)
{
    return dev->ctx;
}

/* Size of a table holding n registers over ndw dwords, and its layout. */
static unsigned int regtab_nfast(unsigned int ndw)
{
    return ndw < LFV_DW_FAST_END / 4 ? ndw : LFV_DW_FAST_END / 4;
}

/* dw[], then nmixed struct lfv_dw_bytes, then first[], then regs[]. */
static size_t regtab_mixed_offset(unsigned int ndw)
{
    return sizeof(struct lfv_regtab) +
           regtab_nfast(ndw) * sizeof(struct lfv_dw);
}

static size_t regtab_first_offset(unsigned int ndw, unsigned int nmixed)
{
    return regtab_mixed_offset(ndw) + nmixed * sizeof(struct lfv_dw_bytes);
}

static size_t regtab_regs_offset(unsigned int ndw, unsigned int nmixed)
{
    size_t off = regtab_first_offset(ndw, nmixed) + ndw * sizeof(uint16_t);

    return (off + _Alignof(struct lfv_reg) - 1) &
           ~(size_t)(_Alignof(struct lfv_reg) - 1);
}

static size_t regtab_bytes(unsigned int n, unsigned int ndw,
                           unsigned int nmixed)
{
    return regtab_regs_offset(ndw, nmixed) + n * sizeof(struct lfv_reg);
}

/*
 * What dword d's fast entry is (regtab.h), regs[i] being the first
 * register that ends after its first byte.
 */
enum dw_kind { DW_EXACT, DW_GAP, DW_MIXED };

static enum dw_kind dw_kind(const struct lfv_reg *r, unsigned int d)
{
    if (r->offset == 4 * d && r->size == 4 && r->read_keep == ~0u)
        return DW_EXACT;
    return r->offset >= 4 * d + 4 ? DW_GAP : DW_MIXED;
}

static struct lfv_regtab *regtab_build(const struct lfv_reg *regs,
                                       unsigned int n)
{
    unsigned int ndw, nfast, d, i = 0, nmixed = 0;
    struct lfv_dw_bytes *mixed;
    struct lfv_regtab *tab;
    struct lfv_reg *dst;
    uint16_t *first;

    if (!n)
        return &lfv_empty_regtab;
    ndw = (regs[n - 1].offset + regs[n - 1].size + 3) / 4;
    nfast = regtab_nfast(ndw);
    for (d = 0; d < nfast; d++) {
        while (i < n && regs[i].offset + regs[i].size <= 4 * d)
            i++;
        nmixed += dw_kind(&regs[i], d) == DW_MIXED;
    }
    tab = lfv_malloc(regtab_bytes(n, ndw, nmixed));
    if (!tab)
        return NULL;
    mixed = (struct lfv_dw_bytes *)((char *)tab + regtab_mixed_offset(ndw));
    first = (uint16_t *)((char *)tab + regtab_first_offset(ndw, nmixed));
    dst = (struct lfv_reg *)((char *)tab + regtab_regs_offset(ndw, nmixed));
    memcpy(dst, regs, n * sizeof(*regs));
    tab->regs = dst;
    tab->first = first;
    tab->nregs = n;
    tab->ndw = ndw;
    tab->fast_end = 4 * nfast;
    for (d = 0, i = 0; d < ndw; d++) {
        const struct lfv_reg *r;

        while (i < n && regs[i].offset + regs[i].size <= 4 * d)
            i++;
        first[d] = i;
        if (d >= nfast)
            continue;
        r = &regs[i]; /* i < n: ndw ends with the last register */
        switch (dw_kind(r, d)) {
        case DW_EXACT:
            tab->dw[d].read = r->read;
            tab->dw[d].data = r->data;
            break;
        case DW_GAP:
            tab->dw[d].read = NULL;
            tab->dw[d].data = LFV_DW_GAP;
            break;
        case DW_MIXED:
            /* each byte's register: regs[i] and those after it */
            for (unsigned int b = 0, k = i; b < 4; b++) {
                unsigned int at = 4 * d + b;

                while (k < n && regs[k].offset + regs[k].size <= at)
                    k++;
                mixed->at[b] = k < n && regs[k].offset <= at ? &dst[k]
                                                             : NULL;
            }
            tab->dw[d].read = NULL;
            tab->dw[d].data = mixed++;
            break;
        }
    }
    return tab;
}

int lfv_regs_edit_begin(struct lfv_vdev *dev, struct lfv_regs_edit **out)
{
    struct lfv_regs_edit *e;
    const struct lfv_regtab *tab;

    if (!out)
        return -EINVAL;
    *out = NULL; /* on every error */
    if (!dev)
        return -EINVAL;
    e = lfv_zalloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    lfv_lock(&dev->edit_lock);
    /* Under the edit lock the published table cannot change or be freed. */
    tab = dev->tab;
    e->dev = dev;
    e->cap = tab->nregs + 8;
    e->regs = lfv_malloc(e->cap * sizeof(*e->regs));
    if (!e->regs) {
        lfv_unlock(&dev->edit_lock);
        lfv_free(e);
        return -ENOMEM;
    }
    e->n = tab->nregs;
    if (e->n)
        memcpy(e->regs, tab->regs, e->n * sizeof(*e->regs));
    *out = e;
    return 0;
}

static void edit_end(struct lfv_regs_edit *e)
{
    lfv_unlock(&e->dev->edit_lock);
    lfv_free(e->regs);
    lfv_free(e);
}

void lfv_regs_edit_abort(struct lfv_regs_edit *e)
{
    if (e)
        edit_end(e);
}

int lfv_regs_edit_commit(struct lfv_regs_edit *e)
{
    struct lfv_vdev *dev = e->dev;
    struct lfv_regtab *old = dev->tab, *tab;

    tab = regtab_build(e->regs, e->n);
    if (!tab) {
        edit_end(e);
        return -ENOMEM;
    }
    lfv_rcu_assign_pointer(dev->tab, tab);
    regtab_retire(old);
    edit_end(e);
    return 0;
}

static int desc_valid(const struct lfv_reg_desc *d)
{
    uint32_t all = d->ro_mask | d->rw1c_mask | d->rsvdp_mask | d->rsvdz_mask;

    if (d->size != 1 && d->size != 2 && d->size != 4)
        return 0;
    if (d->offset >= LFV_CFG_SPACE_SIZE || (d->offset & (d->size - 1)))
        return 0;
    if (!d->read && !d->write)
        return 0;
    if ((d->ro_mask & (d->rw1c_mask | d->rsvdp_mask | d->rsvdz_mask)) ||
        (d->rw1c_mask & (d->rsvdp_mask | d->rsvdz_mask)) ||
        (d->rsvdp_mask & d->rsvdz_mask))
        return 0; /* the masks must be pairwise disjoint */
    return d->size == 4 || !(all >> (8 * d->size));
}

/* Index of the first register ending after `offset`. */
static unsigned int edit_search(const struct lfv_regs_edit *e,
                                unsigned int offset)
{
    unsigned int lo = 0, hi = e->n;

    while (lo < hi) {
        unsigned int mid = (lo + hi) / 2;

        if (e->regs[mid].offset + e->regs[mid].size <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int lfv_regs_edit_add(struct lfv_regs_edit *e, const struct lfv_reg_desc *d)
{
    unsigned int i;
    struct lfv_reg *r;

    if (!e || !d || !desc_valid(d))
        return -EINVAL;
    i = edit_search(e, d->offset);
    if (i < e->n && e->regs[i].offset < d->offset + d->size)
        return -EEXIST;
    if (e->n == e->cap) {
        unsigned int cap = e->cap * 2;
        struct lfv_reg *regs = lfv_malloc(cap * sizeof(*regs));

        if (!regs)
            return -ENOMEM;
        memcpy(regs, e->regs, e->n * sizeof(*regs));
        lfv_free(e->regs);
        e->regs = regs;
        e->cap = cap;
    }
    memmove(&e->regs[i + 1], &e->regs[i], (e->n - i) * sizeof(*e->regs));
    e->n++;
    r = &e->regs[i];
    r->read = d->read ? d->read : ignored_read;
    r->write = d->write ? d->write : ignored_write;
    r->data = d->data;
    r->offset = d->offset;
    r->size = d->size;
    r->ro_mask = d->ro_mask;
    r->rw1c_mask = d->rw1c_mask;
    r->rsvdp_mask = d->rsvdp_mask;
    r->rsvdz_mask = d->rsvdz_mask;
    /* only the register's bytes: an exact read needs no other mask */
    r->read_keep = ~(d->rsvdp_mask | d->rsvdz_mask) &
                   (0xffffffffu >> (32 - 8 * d->size));
    return 0;
}

static void edit_delete(struct lfv_regs_edit *e, unsigned int i,
                        unsigned int count)
{
    memmove(&e->regs[i], &e->regs[i + count],
            (e->n - i - count) * sizeof(*e->regs));
    e->n -= count;
}

int lfv_regs_edit_remove(struct lfv_regs_edit *e, unsigned int offset,
                         unsigned int size)
{
    unsigned int i;

    if (!e)
        return -EINVAL;
    i = edit_search(e, offset);
    if (i == e->n || e->regs[i].offset != offset || e->regs[i].size != size)
        return -ENOENT;
    edit_delete(e, i, 1);
    return 0;
}

int lfv_regs_edit_remove_range(struct lfv_regs_edit *e, unsigned int start,
                               unsigned int size)
{
    unsigned long end = (unsigned long)start + size;
    unsigned int i, j;

    if (!e)
        return -EINVAL;
    i = edit_search(e, start);
    if (i < e->n && e->regs[i].offset < start)
        return -ERANGE; /* straddles start */
    for (j = i; j < e->n && e->regs[j].offset < end; j++)
        if (e->regs[j].offset + e->regs[j].size > end)
            return -ERANGE; /* straddles end */
    edit_delete(e, i, j - i);
    return 0;
}

int lfv_vdev_add_register_mask(struct lfv_vdev *dev, lfv_reg_read_t *read,
                               lfv_reg_write_t *write, unsigned int offset,
                               unsigned int size, void *data,
                               uint32_t ro_mask, uint32_t rw1c_mask,
                               uint32_t rsvdp_mask, uint32_t rsvdz_mask)
{
    const struct lfv_reg_desc d = {
        .read = read, .write = write, .data = data,
        .offset = offset, .size = size,
        .ro_mask = ro_mask, .rw1c_mask = rw1c_mask,
        .rsvdp_mask = rsvdp_mask, .rsvdz_mask = rsvdz_mask,
    };
    struct lfv_regs_edit *e;
    int rc;

    if (!desc_valid(&d))
        return -EINVAL;
    rc = lfv_regs_edit_begin(dev, &e);
    if (rc)
        return rc;
    rc = lfv_regs_edit_add(e, &d);
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

int lfv_vdev_add_register(struct lfv_vdev *dev, lfv_reg_read_t *read,
                          lfv_reg_write_t *write, unsigned int offset,
                          unsigned int size, void *data)
{
    return lfv_vdev_add_register_mask(dev, read, write, offset, size, data, 0,
                                      0, 0, 0);
}

static int vdev_remove(struct lfv_vdev *dev, unsigned int offset,
                       unsigned int size, bool range)
{
    struct lfv_regs_edit *e;
    int rc = lfv_regs_edit_begin(dev, &e);

    if (rc)
        return rc;
    rc = range ? lfv_regs_edit_remove_range(e, offset, size)
               : lfv_regs_edit_remove(e, offset, size);
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

int lfv_vdev_remove_register(struct lfv_vdev *dev, unsigned int offset,
                             unsigned int size)
{
    return vdev_remove(dev, offset, size, false);
}

int lfv_vdev_remove_registers(struct lfv_vdev *dev, unsigned int start,
                              unsigned int size)
{
    return vdev_remove(dev, start, size, true);
}

unsigned int lfv_vdev_nr_registers(const struct lfv_vdev *dev)
{
    unsigned int n;

    lfv_rcu_fast_lock();
    n = lfv_rcu_dereference(dev->tab)->nregs;
    lfv_rcu_fast_unlock();
    return n;
}

size_t lfv_vdev_table_bytes(const struct lfv_vdev *dev)
{
    const struct lfv_regtab *tab;
    size_t bytes;

    lfv_rcu_fast_lock();
    tab = lfv_rcu_dereference(dev->tab);
    bytes = 0;
    if (tab->nregs) {
        unsigned int nmixed = 0;

        for (unsigned int d = 0; d < tab->fast_end / 4; d++)
            nmixed += !tab->dw[d].read && tab->dw[d].data != LFV_DW_GAP;
        bytes = regtab_bytes(tab->nregs, tab->ndw, nmixed);
    }
    lfv_rcu_fast_unlock();
    return bytes;
}
