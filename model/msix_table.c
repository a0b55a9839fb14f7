/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI-X table's emulation, for the hook (msix.c): each entry's state,
 * its lock-free snapshot and its binding (entry_sync(): the binding ops
 * as the entry and the device-wide state ask), the accesses to a
 * device's trapped regions (msix_region_read/write(): the emulated table
 * here, the rest forwarded by msix_forward.c), and the write side of the
 * MMIO entry point (msix_mmio.c) from its read-side section on, with its
 * hot path: a guest's 4-byte write of an entry's vector control
 * (mmio_write_as(), ctrl_write_hot()).  The hot path and all it inlines
 * are in this file, to be compiled as one.
 *
 * Why per-entry state: mask/unmask of table entries is the hot, parallel
 * path (one vCPU per queue interrupt).  Each entry sits on its own cache
 * line with its own tiny lock serialising writers of that entry only, and
 * a sequence count that lets readers take a consistent snapshot of
 * address, data and control without writing shared memory.  The
 * device-wide state read on that path (enable, function mask, retired) is
 * one atomic word; the control path changes it first and then visits
 * every entry under that entry's lock, so either the entry path sees the
 * new state or the visit fixes the entry up afterwards.
 *
 * It calls msix_forward.c; msix.c (msix_sync_all()) and msix_mmio.c call it.
 */
#include <errno.h>

#include "../core/compiler.h"
#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "msix_internal.h"

/* ---- one entry (its lock: msix_internal.h) ---- */

/* Store one field for lock-free readers (entry lock held). */
static lfv_always_inline void entry_set(struct msix_entry *e,
                                        uint32_t *field, uint32_t val)
{
    uint32_t s = __atomic_load_n(&e->seq, __ATOMIC_RELAXED);

    /*
     * No fences (ThreadSanitizer does not model them): the release store of
     * the field orders the odd count before it, and a reader's acquire load
     * of the field orders its re-check of the count after it.
     */
    __atomic_store_n(&e->seq, s + 1, __ATOMIC_RELAXED);
    __atomic_store_n(field, val, __ATOMIC_RELEASE);
    __atomic_store_n(&e->seq, s + 2, __ATOMIC_RELEASE);
}

/*
 * A consistent copy of the entry's four dwords, without a lock.  Spins
 * while a writer of this entry is between its stores (entry_set: three
 * stores; longer only if that writer is preempted there).  The vector
 * control dword is stored alone, without the count (entry_write()): a
 * snapshot reads it once, and the other three cannot change inside a
 * window whose count did not, so the copy is the entry as it was when
 * ctrl was read.
 */
static void entry_snapshot(const struct msix_entry *e, uint32_t out[4])
{
    uint32_t s;

    for (;;) {
        s = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
        if (s & 1) {
            lfv_cpu_relax();
            continue;
        }
        out[0] = __atomic_load_n(&e->addr_lo, __ATOMIC_ACQUIRE);
        out[1] = __atomic_load_n(&e->addr_hi, __ATOMIC_ACQUIRE);
        out[2] = __atomic_load_n(&e->data, __ATOMIC_ACQUIRE);
        out[3] = __atomic_load_n(&e->ctrl, __ATOMIC_ACQUIRE);
        if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) == s)
            return;
    }
}

static struct lfv_msi_vector entry_vector(const struct msix_entry *e,
                                          unsigned int i, bool masked)
{
    return (struct lfv_msi_vector){
        .msix = true, .index = i,
        .address = e->addr_lo | (uint64_t)e->addr_hi << 32,
        .data = e->data, .masked = masked,
    };
}

static void entry_bind(struct lfv_msix *m, struct msix_entry *e,
                       unsigned int i, bool masked)
{
    e->vec = entry_vector(e, i, masked);
    e->bound = !msi_bind(m->v, &e->vec);
    e->updated = false;
}

/*
 * Bring the binding of entry i in line with the device and entry state:
 * the binding semantics of <lfvpci/msi.h>.  Entry lock held.
 */
static lfv_always_inline void entry_sync(struct lfv_msix *m,
                                         struct msix_entry *e, unsigned int i)
{
    unsigned int st = msi_load(m->state);
    bool emask = e->ctrl & MSIX_CTRL_MASKBIT;
    bool eff = emask || (st & MSIX_ST_MASKALL);

    if ((st & (MSIX_ST_RETIRED | MSIX_ST_ENABLED)) != MSIX_ST_ENABLED) {
        if (e->bound)
            msi_unbind(m->v, &e->vec);
        e->bound = false;
        return;
    }
    if (!e->bound) {
        if (!emask) /* masked entries are bound at their first unmask */
            entry_bind(m, e, i, eff);
        return;
    }
    if (eff == e->vec.masked)
        return;
    if (!eff && e->updated) {
        /* new address/data take effect now that the entry is unmasked */
        msi_unbind(m->v, &e->vec);
        entry_bind(m, e, i, false);
        return;
    }
    e->vec.masked = eff;
    m->mask(m->mask_ctx, m->v, &e->vec); /* msi_mask(), read at creation */
}

/* Guest write of dword `field` (0..3) of entry i. */
static lfv_always_inline void entry_write(struct lfv_msix *m, unsigned int i,
                        unsigned int field, uint32_t val)
{
    struct msix_entry *e = &m->entries[i];

    entry_lock(e);
    if (lfv_likely(field == 3)) {
        /* vector control, the hot one (mask/unmask): one dword alone, no
         * count (entry_snapshot()) */
        if ((val ^ e->ctrl) & MSIX_CTRL_MASKBIT) {
            __atomic_store_n(&e->ctrl, val & MSIX_CTRL_MASKBIT,
                             __ATOMIC_RELEASE);
            entry_sync(m, e, i);
        }
        entry_unlock(e);
        return;
    }
    switch (field) {
    case 0:
        entry_set(e, &e->addr_lo, val & ~3u);
        e->updated = true;
        break;
    case 1:
        entry_set(e, &e->addr_hi, val);
        e->updated = true;
        break;
    default: /* 2 */
        entry_set(e, &e->data, val);
        e->updated = true;
        break;
    }
    entry_unlock(e);
}

/* Visit every entry under its own lock (control path). */
void msix_sync_all(struct lfv_msix *m)
{
    for (unsigned int i = 0; i < m->nr; i++) {
        entry_lock(&m->entries[i]);
        entry_sync(m, &m->entries[i], i);
        entry_unlock(&m->entries[i]);
    }
}

/* ---- MMIO (msix_mmio.c) ---- */

/*
 * The rest of the pages: the device's (msix_adjacent_host()); the PBA, and the
 * passthrough table, where the BAR is; the table otherwise emulated.
 */
int msix_region_read(const struct lfv_msix_region *r, uint64_t gpa,
                     uint64_t off, unsigned int size, uint64_t *val)
{
    struct lfv_msix *m = r->m;
    uint32_t dw[4];
    unsigned int f = (off % 16) / 4;
    uint64_t host;

    if (r->which == MSIX_ADJACENT) {
        if (msix_forward_begin(m)) {
            if (msix_adjacent_host(m, gpa, size, &host))
                msix_hw_read(m, host, size, val);
            msix_forward_end(m);
        }
        return 0;
    }
    if (m->passthrough || r->which == MSIX_PBA) {
        if (msix_forward_begin(m)) {
            msix_hw_read(m, msix_region_host(r) + off, size, val);
            msix_forward_end(m);
        }
        return 0;
    }
    entry_snapshot(&m->entries[off / 16], dw);
    *val = dw[f];
    if (size == 8)
        *val |= (uint64_t)dw[f + 1] << 32;
    return 0;
}

/*
 * Table writes are the emulation's, never the device's: the binding ops
 * program the hardware.  PBA writes reach the device for the hardware
 * domain only (undefined for a device; Xen drops guests' ones).
 */
int msix_region_write(const struct lfv_msix_region *r, uint64_t gpa,
                      uint64_t off, unsigned int size, uint64_t val)
{
    struct lfv_msix *m = r->m;
    unsigned int i = off / 16, f = (off % 16) / 4;
    uint64_t host;

    if (r->which == MSIX_ADJACENT) {
        if (msix_forward_begin(m)) {
            if (msix_adjacent_host(m, gpa, size, &host))
                msix_hw_write(m, host, size, val);
            msix_forward_end(m);
        }
        return 0;
    }
    if (m->passthrough || r->which == MSIX_PBA) {
        if (m->hwdom && msix_forward_begin(m)) {
            msix_hw_write(m, msix_region_host(r) + off, size, val);
            msix_forward_end(m);
        }
        return 0;
    }
    entry_write(m, i, f, (uint32_t)val);
    if (size == 8)
        entry_write(m, i, f + 1, (uint32_t)(val >> 32));
    return 0;
}

/*
 * Any write msix_mmio_write()'s hot path does not take, inside its
 * read-side section: the region's write.  Out of line, so that the hot
 * path keeps few registers.
 */
static lfv_noinline int mmio_write_rcu(struct lfv_domain *d, uint64_t gpa,
                                       unsigned int size, uint64_t val)
{
    uint64_t off;
    const struct lfv_msix_region *r = msix_find_rcu(d, gpa, size, &off);

    if (!r)
        return -ENOENT;
    if (r->emulated && size == 4) {
        entry_write(r->m, off / 16, (off % 16) / 4, (uint32_t)val);
        return 0;
    }
    /* tables and PBAs take 4- and 8-byte accesses only; the rest any */
    if (size < 4 && r->which != MSIX_ADJACENT)
        return -EINVAL;
    return msix_region_write(r, gpa, off, size, val);
}

/* entry_sync() out of line: the mask write's rare cases. */
static lfv_noinline void entry_sync_slow(struct lfv_msix *m,
                                         struct msix_entry *e, unsigned int i)
{
    entry_sync(m, e, i);
}

/*
 * A guest's write of entry i's vector control (entry_write()'s field 3),
 * its usual case inline: MSI-X enabled, no function mask, the entry bound,
 * and no new address or data waiting for this unmask.  Then the mask bit
 * is all that changes (entry_sync()'s last step); anything else is
 * entry_sync()'s.
 */
static lfv_always_inline void ctrl_write_hot(struct lfv_msix *m,
                                             unsigned int i, uint32_t val)
{
    struct msix_entry *e = &m->entries[i];
    bool emask = val & MSIX_CTRL_MASKBIT;

    entry_lock(e);
    if (emask != (e->ctrl & MSIX_CTRL_MASKBIT)) {
        /* one dword alone, no count (entry_snapshot()) */
        __atomic_store_n(&e->ctrl, val & MSIX_CTRL_MASKBIT, __ATOMIC_RELEASE);
        if (lfv_likely(msi_load(m->state) == MSIX_ST_ENABLED && e->bound &&
                       (emask || !e->updated))) {
            if (emask != e->vec.masked) {
                e->vec.masked = emask;
                m->mask(m->mask_ctx, m->v, &e->vec); /* as msi_mask() */
            }
        } else {
            entry_sync_slow(m, e, i);
        }
    }
    entry_unlock(e);
}

/*
 * The read-side section, with its barrier flavour a constant
 * (core/rcu_fast.h): msix_mmio_write() reads it once and runs one of two
 * copies.  The hot write first: 4 bytes at the vector control of an
 * entry of the emulated table on the page (the page index's shortcut,
 * struct msix_map_page); everything else is mmio_write_rcu()'s.
 */
static lfv_always_inline int mmio_write_as(struct lfv_domain *d, uint64_t gpa,
                                           unsigned int size, uint64_t val,
                                           bool light)
{
    const struct msix_map *map;
    int rc = 0;

    lfv_rcu_fast_lock_as(light);
    map = lfv_rcu_dereference(d->msix_map);
    if (lfv_likely(map && map->pages && size == 4)) {
        const struct msix_map_page *p =
            msix_map_page_rcu(map, gpa >> LFV_PAGE_SHIFT);
        uint64_t off;

        if (lfv_unlikely(!p)) {
            rc = -ENOENT;
            goto out;
        }
        off = gpa - p->tstart; /* tsize 0: no emulated table on the page */
        if (lfv_likely(off < p->tsize && off % 16 == 12)) {
            ctrl_write_hot(p->tm, off / 16, (uint32_t)val);
            goto out;
        }
    }
    rc = mmio_write_rcu(d, gpa, size, val);
out:
    lfv_rcu_fast_unlock_as(light);
    return rc;
}

int msix_mmio_write(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                    uint64_t val)
{
    if (lfv_likely(lfv_rcu_fast_light()))
        return mmio_write_as(d, gpa, size, val, true);
    return mmio_write_as(d, gpa, size, val, false);
}

/* msix_mmio_write() of 4 bytes: the size a constant in the hot path. */
int msix_mmio_write4(struct lfv_domain *d, uint64_t gpa, uint32_t val)
{
    if (lfv_likely(lfv_rcu_fast_light()))
        return mmio_write_as(d, gpa, 4, val, true);
    return mmio_write_as(d, gpa, 4, val, false);
}
