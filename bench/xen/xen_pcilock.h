/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "xen_pcilock": a from-scratch reproduction of the locking of Xen 4.19+'s
 * vPCI config-space dispatch, on the same register walk as Xen:
 *
 *  - a per-domain rwlock (Xen's d->pci_lock), read-held for every config
 *    read and WRITE-held for every config write (Xen's TODO: a write only
 *    needs it exclusively when it may modify BAR mappings, but every write
 *    takes it so);
 *  - inside it, the device lookup (a walk of the domain's device list) and
 *    the per-device spinlock around a linear walk of the device's registers,
 *    kept sorted by offset;
 *  - Xen's access semantics: an access may start in a register's middle,
 *    span several registers, and have heading, middle and trailing gaps,
 *    which go to the hardware for the hardware domain and read as all-ones
 *    for a guest (4.19+); a partial write is merged into the register's
 *    current value.
 *
 * No Xen code is used; names are ours.  Included by the xen_pcilock*.c
 * benchmark modules.
 */
#ifndef LFV_BENCH_XEN_PCILOCK_H
#define LFV_BENCH_XEN_PCILOCK_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_hw.h"

/* Not every module calls every function. */
#define PL_FN static __attribute__((unused))

/*
 * Modules whose domains are all the hardware domain define PL_NO_GUESTS
 * before including this file: their paths then test nothing more than
 * before guests were modelled.
 */
#ifdef PL_NO_GUESTS
#define PL_GUEST(d) ((void)(d), false)
#else
#define PL_GUEST(d) ((d)->guest)
#endif

#define CFG_SPACE_SIZE 4096u

struct pl_dev;

typedef uint32_t pl_read_fn(const struct pl_dev *dev, unsigned int reg,
                            void *data);
typedef void pl_write_fn(const struct pl_dev *dev, unsigned int reg,
                         uint32_t val, void *data);

struct pl_reg {
    struct pl_reg *next;          /* sorted by offset */
    pl_read_fn *read;
    pl_write_fn *write;
    unsigned int offset, size;
    void *data;
};

struct pl_dev {
    struct pl_dev *next;          /* in the owning domain's device list */
    uint32_t sbdf;
    pthread_spinlock_t lock;      /* Xen's vpci->lock */
    struct pl_reg *regs;
};

struct pl_domain {
    pthread_rwlock_t pci_lock;    /* Xen's d->pci_lock */
    struct pl_dev *devs;
    bool guest;                   /* gaps read ~0, writes dropped */
};

/* --- hardware and helpers ------------------------------------------------ */

PL_FN uint32_t size_mask(unsigned int size)
{
    return 0xffffffffu >> (32 - 8 * size);
}

/* Put the low `size` bytes of val into data at byte position `at`. */
PL_FN uint32_t merge(uint32_t data, uint32_t val, unsigned int size,
                      unsigned int at)
{
    uint32_t mask = size_mask(size) << (8 * at);

    return (data & ~mask) | ((val << (8 * at)) & mask);
}

/*
 * Gap accesses go to hardware in naturally aligned pieces: a gap of 3 bytes
 * (a 4-byte access with one handled byte) is a byte plus a word, as in Xen.
 */
PL_FN uint32_t hw_read(unsigned int reg, unsigned int size)
{
    if (size == 3)
        return (reg & 1) ? bench_hw_read(reg, 1) | bench_hw_read(reg + 1, 2) << 8
                         : bench_hw_read(reg, 2) | bench_hw_read(reg + 2, 1) << 16;
    return bench_hw_read(reg, size);
}

PL_FN void hw_write(unsigned int reg, unsigned int size, uint32_t val)
{
    if (size == 3) {
        unsigned int first = (reg & 1) ? 1 : 2;

        bench_hw_write(reg, first, val & size_mask(first));
        bench_hw_write(reg + first, 3 - first, val >> (8 * first));
        return;
    }
    bench_hw_write(reg, size, val & size_mask(size));
}

/* Domain's device list walk, under d->pci_lock (Xen's pci_get_pdev). */
PL_FN struct pl_dev *find_dev(const struct pl_domain *d, uint32_t sbdf)
{
    struct pl_dev *dev;

    for (dev = d->devs; dev; dev = dev->next)
        if (dev->sbdf == sbdf)
            return dev;
    return NULL;
}

/* --- registration ------------------------------------------------------- */

PL_FN int add_register(struct pl_dev *dev, pl_read_fn *read,
                        pl_write_fn *write, unsigned int offset,
                        unsigned int size, void *data)
{
    struct pl_reg *r, **link;

    if ((size != 1 && size != 2 && size != 4) || offset >= CFG_SPACE_SIZE ||
        (offset & (size - 1)) || (!read && !write))
        return -EINVAL;
    r = calloc(1, sizeof(*r));
    if (!r)
        return -ENOMEM;
    *r = (struct pl_reg){ .read = read, .write = write, .offset = offset,
                          .size = size, .data = data };

    pthread_spin_lock(&dev->lock);
    for (link = &dev->regs; *link; link = &(*link)->next) {
        const struct pl_reg *o = *link;

        if (offset < o->offset + o->size && o->offset < offset + size) {
            pthread_spin_unlock(&dev->lock);
            free(r);
            return -EEXIST;
        }
        if (offset < o->offset)
            break;
    }
    r->next = *link;
    *link = r;
    pthread_spin_unlock(&dev->lock);
    return 0;
}

PL_FN void remove_all_registers(struct pl_dev *dev)
{
    pthread_spin_lock(&dev->lock);
    while (dev->regs) {
        struct pl_reg *r = dev->regs;

        dev->regs = r->next;
        free(r);
    }
    pthread_spin_unlock(&dev->lock);
}

/* --- dispatch -------------------------------------------------------------- */

/* A missing callback reads all-ones (Xen's ignored read). */
PL_FN uint32_t reg_read(const struct pl_dev *dev, const struct pl_reg *r)
{
    return r->read ? r->read(dev, r->offset, r->data) : 0xffffffffu;
}

/*
 * The register walk of a read, under dev->lock.  Returns how many leading
 * bytes of the access it resolved; the rest is the trailing gap.
 */
PL_FN unsigned int walk_read(const struct pl_domain *d,
                              const struct pl_dev *dev, unsigned int reg,
                              unsigned int size, uint32_t *data)
{
    unsigned int done = 0;
    const struct pl_reg *r;

    for (r = dev->regs; r && done < size; r = r->next) {
        unsigned int at = reg + done, end = reg + size;
        unsigned int lo, hi;
        uint32_t val;

        if (r->offset + r->size <= at)
            continue;                    /* wholly before the access */
        if (r->offset >= end)
            break;                       /* sorted: nothing further overlaps */
        if (r->offset > at) {            /* heading or middle gap */
            *data = merge(*data, PL_GUEST(d) ? ~0u : hw_read(at, r->offset - at),
                          r->offset - at, done);
            done += r->offset - at;
            at = r->offset;
        }
        val = reg_read(dev, r);
        lo = at > r->offset ? at : r->offset;
        hi = end < r->offset + r->size ? end : r->offset + r->size;
        val >>= 8 * (lo - r->offset);    /* access may start mid-register */
        *data = merge(*data, val, hi - lo, done);
        done += hi - lo;
    }
    return done;
}

PL_FN uint32_t pl_read(struct pl_domain *d, uint32_t sbdf, unsigned int reg,
                        unsigned int size)
{
    struct pl_dev *dev;
    uint32_t data = 0xffffffffu;
    unsigned int done;

    pthread_rwlock_rdlock(&d->pci_lock);
    dev = find_dev(d, sbdf);
    if (!dev) {
        pthread_rwlock_unlock(&d->pci_lock);
        return PL_GUEST(d) ? size_mask(size) : hw_read(reg, size);
    }
    pthread_spin_lock(&dev->lock);
    done = walk_read(d, dev, reg, size, &data);
    pthread_spin_unlock(&dev->lock);
    pthread_rwlock_unlock(&d->pci_lock);

    if (done < size)                     /* trailing gap */
        data = merge(data, PL_GUEST(d) ? ~0u : hw_read(reg + done, size - done),
                     size - done, done);
    return data & size_mask(size);
}

/* A partial write is merged into the register's current value. */
PL_FN void reg_write(const struct pl_dev *dev, const struct pl_reg *r,
                      unsigned int size, unsigned int at, uint32_t val)
{
    if (!r->write)
        return;
    if (size != r->size)
        val = merge(reg_read(dev, r), val, size, at);
    r->write(dev, r->offset, val & size_mask(r->size), r->data);
}

/* The register walk of a write, under dev->lock; returns bytes resolved. */
PL_FN unsigned int walk_write(const struct pl_domain *d,
                               const struct pl_dev *dev, unsigned int reg,
                               unsigned int size, uint32_t data)
{
    unsigned int done = 0;
    const struct pl_reg *r;

    for (r = dev->regs; r && done < size; r = r->next) {
        unsigned int at = reg + done, end = reg + size;
        unsigned int lo, hi;

        if (r->offset + r->size <= at)
            continue;
        if (r->offset >= end)
            break;
        if (r->offset > at) {            /* heading or middle gap */
            if (!PL_GUEST(d))
                hw_write(at, r->offset - at, data >> (8 * done));
            done += r->offset - at;
            at = r->offset;
        }
        lo = at > r->offset ? at : r->offset;
        hi = end < r->offset + r->size ? end : r->offset + r->size;
        reg_write(dev, r, hi - lo, lo - r->offset, data >> (8 * done));
        done += hi - lo;
    }
    return done;
}

PL_FN void pl_write(struct pl_domain *d, uint32_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t data)
{
    struct pl_dev *dev;
    unsigned int done;

    /* Exclusive: any write might change BAR mappings (Xen's TODO). */
    pthread_rwlock_wrlock(&d->pci_lock);
    dev = find_dev(d, sbdf);
    if (!dev) {
        pthread_rwlock_unlock(&d->pci_lock);
        if (!PL_GUEST(d))
            hw_write(reg, size, data);
        return;
    }
    pthread_spin_lock(&dev->lock);
    done = walk_write(d, dev, reg, size, data);
    pthread_spin_unlock(&dev->lock);
    pthread_rwlock_unlock(&d->pci_lock);

    if (done < size && !PL_GUEST(d))        /* trailing gap */
        hw_write(reg + done, size - done, data >> (8 * done));
}

/* Handlers: each register's private data is a 32-bit cell. */
PL_FN uint32_t pl_cell_read(const struct pl_dev *dev, unsigned int reg,
                             void *data)
{
    (void)dev, (void)reg;
    return bench_cell_get(data);
}

PL_FN void pl_cell_write(const struct pl_dev *dev, unsigned int reg,
                          uint32_t val, void *data)
{
    (void)dev, (void)reg;
    bench_cell_set(data, val);
}

#endif /* LFV_BENCH_XEN_PCILOCK_H */
