/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X emulation (Xen's vpci/msix.c): the control register, the table
 * entries behind the MMIO entry point (msix_mmio.c), and the trapped
 * regions that follow the BAR holding them.  Guests, and the hardware
 * domain on x86, get the emulation; the hardware domain on Arm (no vPCI
 * MSI in Xen there) keeps passthrough config registers and its table and
 * PBA are forwarded to the device.  The hardware domain also traps the
 * rest of the pages holding them (its p2m has a hole there) and forwards
 * those bytes, and its PBA writes, to the device.
 *
 * Why per-entry state: mask/unmask of table entries is the hot, parallel
 * path (one vCPU per queue interrupt).  Each entry sits on its own cache
 * line with its own tiny lock serialising writers of that entry only, and
 * a sequence count that lets readers take a consistent snapshot of
 * address, data and control without writing shared memory.  The
 * device-wide state read on that path (enable, function mask, retired) is
 * one atomic word; the control path changes it first and then visits every entry
 * under that entry's lock, so either the entry path sees the new state or
 * the visit fixes the entry up afterwards.
 */
#include <errno.h>


#include "../core/compiler.h"
#include "../core/platform.h"
#include "../core/rcu_fast.h"
#include "msi_internal.h"

#define MSIX_CTRL_MASKBIT 0x1u

/*
 * struct lfv_msix's state: MSI-X enabled, function masked (the guest's
 * control register, under ctl_lock), retired (set once, by msix_retire),
 * so that the entry path reads them in one load.
 */
#define MSIX_ST_ENABLED 0x1u
#define MSIX_ST_MASKALL 0x2u
#define MSIX_ST_RETIRED 0x4u

struct msix_entry {
    lfv_spinlock_t lock;      /* writers of this entry (platform spinlock) */
    uint32_t seq;             /* odd while the fields below change */
    uint32_t addr_lo, addr_hi, data, ctrl; /* as the guest wrote them */
    /* under lock */
    bool bound, updated;
    struct lfv_msi_vector vec; /* as last bound/masked */
} __attribute__((aligned(64)));

struct lfv_msix {
    struct lfv_vpci *v;
    struct lfv_domain *d;
    bool hwdom;
    bool passthrough;          /* hardware domain on Arm: no emulation */
    unsigned int pos, nr;      /* capability, table size */
    unsigned int bir[2];       /* table, PBA */
    uint32_t offset[2];
    struct lfv_msix_region region[3]; /* table, PBA, adjacent */
    struct lfv_msix_region *listed[2];
    unsigned int nr_regions;
    /* device-wide, read by the entry path: MSIX_ST_* bits, atomic */
    unsigned int state;
    unsigned int forwarding;   /* atomic: accesses reaching the device now */
    lfv_lock_t ctl_lock;       /* control writes vs retirement */
    bool scrubbed;             /* the device's table masked for this owner
                                  (ctrl_write(), under ctl_lock) */
    /* the system's mask op (mask_nop: none) and context, fixed while
     * devices exist */
    void (*mask)(void *ctx, const struct lfv_vpci *v,
                 const struct lfv_msi_vector *vec);
    void *mask_ctx;
    void *raw;                 /* allocation holding entries */
    struct msix_entry *entries;
};

static struct lfv_msix *msix_of(const struct lfv_vpci *v)
{
    return lfv_vpci_priv(v, &lfv_msix_hook);
}

static bool msix_enabled(const struct lfv_vpci *v)
{
    const struct lfv_msix *m = msix_of(v);

    return m && (msi_load(m->state) & MSIX_ST_ENABLED);
}

/* ---- one entry ---- */

/*
 * The entry's writers: the platform's short spinlock (inline in user space,
 * the host's own spinlock in a hypervisor).  Held across the binding ops
 * (entry_bind), which therefore must not block (<lfvpci/msi.h>).
 */
static lfv_always_inline void entry_lock(struct msix_entry *e)
{
    lfv_spin_lock(&e->lock);
}

static lfv_always_inline void entry_unlock(struct msix_entry *e)
{
    lfv_spin_unlock(&e->lock);
}

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
static lfv_always_inline void entry_sync(struct lfv_msix *m, struct msix_entry *e,
                       unsigned int i)
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
static void sync_all(struct lfv_msix *m)
{
    for (unsigned int i = 0; i < m->nr; i++) {
        entry_lock(&m->entries[i]);
        entry_sync(m, &m->entries[i], i);
        entry_unlock(&m->entries[i]);
    }
}

/* ---- MMIO (msix_mmio.c) ---- */

#ifndef LFV_PLATFORM_USER
#define msix_test_forward_hook(d) ((void)(d))
#else
/* msi_internal.h (tests: <lfvpci/testing.h>): a test's hook between
 * lookup and forwarding. */
static lfv_test_msix_forward_t *forward_hook;
static void *forward_hook_arg;

void lfv_test_set_msix_forward_hook(lfv_test_msix_forward_t *fn, void *arg)
{
    __atomic_store_n(&forward_hook_arg, arg, __ATOMIC_RELAXED);
    __atomic_store_n(&forward_hook, fn, __ATOMIC_RELEASE);
}

static void msix_test_forward_hook(struct lfv_domain *d)
{
    lfv_test_msix_forward_t *fn = __atomic_load_n(&forward_hook,
                                                  __ATOMIC_ACQUIRE);

    if (fn)
        fn(d, __atomic_load_n(&forward_hook_arg, __ATOMIC_RELAXED));
}
#endif

static uint64_t region_host(const struct lfv_msix_region *r)
{
    const struct lfv_msix *m = r->m;
    struct lfv_header_bar_info b;

    if (lfv_header_bar(m->v, m->bir[r->which], &b))
        return 0;
    return b.host_addr + m->offset[r->which];
}

/*
 * The device's memory at host address addr, through the platform: only
 * where no other device (of another owner) decodes too, inside the
 * bridge's windows, and where the host's bar_valid (Xen's
 * pci_check_bar()) lets the device's BARs be mapped
 * (hdr_host_access_ok()): what answers anywhere else is not the device.
 */
static bool hw_ok(const struct lfv_msix *m, uint64_t addr, unsigned int size)
{
    const struct lfv_header *h = hdr_of(m->v);

    return h && hdr_host_access_ok(h, addr, addr + size - 1);
}

static void hw_read(const struct lfv_msix *m, uint64_t addr,
                    unsigned int size, uint64_t *val)
{
    const struct lfv_system *sys = m->d->sys;

    if (!hw_ok(m, addr, size) || !sys->msi_ops || !sys->msi_ops->mmio_read ||
        sys->msi_ops->mmio_read(sys->msi_ctx, addr, size, val))
        *val = mmio_ones(size);
}

static void hw_write(const struct lfv_msix *m, uint64_t addr,
                     unsigned int size, uint64_t val)
{
    const struct lfv_system *sys = m->d->sys;

    if (hw_ok(m, addr, size) && sys->msi_ops && sys->msi_ops->mmio_write)
        sys->msi_ops->mmio_write(sys->msi_ctx, addr, size, val);
}

/*
 * Forwarded accesses (the PBA, the rest of the pages, the passthrough
 * table) reach the device only while this state owns it.  An access may
 * have found its region just before retirement unpublished it, so the
 * lookup alone proves nothing: the access announces itself in
 * `forwarding`, then checks `retired`; retirement sets `retired`, then
 * waits until no access is forwarding.  Either the access sees the state
 * retired and reaches nothing, or retirement waits for it (sequentially
 * consistent on both sides: Dekker's pattern).  Forwarders never wait for
 * each other: the table entry path, which never forwards, is untouched.
 * The device's published state must also be this one (not yet: the
 * state is being built for a new owner; no more: it was replaced, and
 * retirement follows).
 */
static bool forward_begin(struct lfv_msix *m)
{
    msix_test_forward_hook(m->d);
    __atomic_add_fetch(&m->forwarding, 1, __ATOMIC_SEQ_CST);
    /*
     * Nor before the state is the device's: its regions are trapped while
     * it is built, when the device is still the previous owner's.
     */
    if (!(__atomic_load_n(&m->state, __ATOMIC_SEQ_CST) & MSIX_ST_RETIRED) &&
        __atomic_load_n(&m->v->pdev->entry.dev, __ATOMIC_ACQUIRE) ==
            &m->v->vdev)
        return true;
    __atomic_sub_fetch(&m->forwarding, 1, __ATOMIC_RELEASE);
    return false;
}

static void forward_end(struct lfv_msix *m)
{
    __atomic_sub_fetch(&m->forwarding, 1, __ATOMIC_RELEASE);
}

/* After `retired` is set: no forwarded access runs from here on. */
static void forward_drain(struct lfv_msix *m)
{
    unsigned int spins = 0;

    while (__atomic_load_n(&m->forwarding, __ATOMIC_ACQUIRE))
        if (++spins % 128 == 0)
            sched_yield();
}

/*
 * Where the rest of the table and PBA pages is in host memory: a byte of
 * the BAR holding the table or the PBA is at the same offset of the host
 * BAR.  A guest reaches only its device's BARs (with a BAR smaller than a
 * page, the rest of the page is not its own); the hardware domain's pages
 * are identity, all of them (Xen forwards the whole page).  false: the
 * access reaches nothing.
 */
static bool adjacent_host(const struct lfv_msix *m, uint64_t gpa,
                          unsigned int size, uint64_t *host)
{
    bool found = false;

    for (unsigned int k = 0; !found && k < 2; k++) {
        struct lfv_header_bar_info b;

        if (lfv_header_bar(m->v, m->bir[k], &b) || b.size < size)
            continue;
        if (gpa >= b.guest_addr && gpa - b.guest_addr <= b.size - size) {
            *host = b.host_addr + (gpa - b.guest_addr);
            found = true;
        }
    }
    if (!found) {
        *host = gpa;
        found = m->hwdom;
    }
    /*
     * Never the table or the PBA themselves: a BAR moving while the access
     * runs may pair the map it found with the BAR's new place.
     */
    for (unsigned int k = 0; found && k < m->nr_regions; k++) {
        const struct lfv_msix_region *r = m->listed[k];
        uint64_t s = region_host(r);

        if (*host < s + r->size && *host + size > s)
            found = false;
    }
    return found;
}

/*
 * The rest of the pages: the device's (adjacent_host()); the PBA, and the
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
        if (forward_begin(m)) {
            if (adjacent_host(m, gpa, size, &host))
                hw_read(m, host, size, val);
            forward_end(m);
        }
        return 0;
    }
    if (m->passthrough || r->which == MSIX_PBA) {
        if (forward_begin(m)) {
            hw_read(m, region_host(r) + off, size, val);
            forward_end(m);
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
        if (forward_begin(m)) {
            if (adjacent_host(m, gpa, size, &host))
                hw_write(m, host, size, val);
            forward_end(m);
        }
        return 0;
    }
    if (m->passthrough || r->which == MSIX_PBA) {
        if (m->hwdom && forward_begin(m)) {
            hw_write(m, region_host(r) + off, size, val);
            forward_end(m);
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

/* ---- control register ---- */

/*
 * The Table Size is the emulation's (m->nr, as Xen's control_read), not
 * the hardware's as it reads now: a device that changed its answer since
 * the header sized the trapped table must not show the owner a table
 * other than the one it reaches.
 */
static uint32_t ctrl_read(const void *ctx, unsigned int reg, void *data)
{
    const struct lfv_msix *m = data;
    unsigned int st = msi_load(m->state);

    (void)ctx, (void)reg;
    return (m->nr - 1) |
           (st & MSIX_ST_ENABLED ? PCI_MSIX_FLAGS_ENABLE : 0) |
           (st & MSIX_ST_MASKALL ? PCI_MSIX_FLAGS_MASKALL : 0);
}

/*
 * Mask every entry of the device's own table, once per owner, before the
 * owner's first enable reaches the hardware (ctl_lock held; hw: the
 * control register with enable and function mask clear).  The table holds
 * what its previous owner left there (on Arm the hardware domain programs
 * its own table; firmware, before the hardware domain on x86), and the
 * binding ops program only the entries this owner unmasks: an entry left
 * unmasked would let the owner make the device send someone else's
 * message.  A reset masks them (the toolstack's, which Xen 4.17 relies on:
 * pci_reset_msix_state()); Linux masks them all at enable (msix_mask_all())
 * and so does this, the same way: with MSI-X enabled and the function
 * masked, as some devices answer their table only then; a mask that does
 * not stick is read back.  An entry bound meanwhile (enabled earlier with
 * the table out of reach) is the binding ops' and left alone, under its
 * lock so that none is bound while its mask is being set.  Only while the device decodes memory and its
 * table lies where an access reaches the device alone (hw_ok()); false
 * otherwise, and the caller keeps the function masked in hardware.
 */
/*
 * The vector control at host address a masked in the device, and read
 * back so.  Through the ops themselves, not hw_read()/hw_write(): a failed
 * read must fail the scrub, where hw_read() answers all-ones, which looks
 * masked.
 */
static bool hw_entry_mask(const struct lfv_system *sys, uint64_t a)
{
    const struct lfv_msi_ops *ops = sys->msi_ops;
    uint64_t c;

    if (ops->mmio_read(sys->msi_ctx, a, 4, &c))
        return false;
    if (c & MSIX_CTRL_MASKBIT)
        return true;
    return !ops->mmio_write(sys->msi_ctx, a, 4,
                            (uint32_t)c | MSIX_CTRL_MASKBIT) &&
           !ops->mmio_read(sys->msi_ctx, a, 4, &c) &&
           (c & MSIX_CTRL_MASKBIT);
}

static bool table_scrub(struct lfv_msix *m, unsigned int reg, uint16_t hw)
{
    const struct lfv_system *sys = m->d->sys;
    const struct lfv_msi_ops *ops = sys->msi_ops;
    struct lfv_header_bar_info b;
    uint64_t t;

    if (!ops || !ops->mmio_read || !ops->mmio_write ||
        !(lfv_vpci_hw_read(m->v, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) ||
        lfv_header_bar(m->v, m->bir[MSIX_TABLE], &b))
        return false;
    t = b.host_addr + m->offset[MSIX_TABLE];
    if (!hw_ok(m, t, 16 * m->nr))
        return false;
    lfv_vpci_hw_write(m->v, reg, 2,
                      hw | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    for (unsigned int i = 0; i < m->nr; i++) {
        struct msix_entry *e = &m->entries[i];
        bool ok;

        entry_lock(e);
        ok = e->bound || /* the binding ops' own */
             hw_entry_mask(sys, t + 16ull * i + 12);
        entry_unlock(e);
        if (!ok)
            return false;
    }
    return true;
}

/*
 * Enable and function mask reach the hardware; until the device's table
 * is known masked (table_scrub()), enabled only with the function masked.
 */
static void ctrl_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    struct lfv_msix *m = data;
    unsigned int st = (val & PCI_MSIX_FLAGS_ENABLE ? MSIX_ST_ENABLED : 0) |
                      (val & PCI_MSIX_FLAGS_MASKALL ? MSIX_ST_MASKALL : 0);
    uint16_t bits = val & (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    uint16_t hw = lfv_vpci_hw_read(m->v, reg, 2) &
                  ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    unsigned int cur;

    (void)ctx;
    lfv_lock(&m->ctl_lock);
    cur = msi_load(m->state); /* only this and retirement write it */
    if (!(cur & MSIX_ST_RETIRED)) {
        if ((st & MSIX_ST_ENABLED) && !m->scrubbed)
            m->scrubbed = table_scrub(m, reg, hw);
        if (st != cur) {
            msi_store(m->state, st);
            sync_all(m);
        }
    }
    if ((bits & PCI_MSIX_FLAGS_ENABLE) && !m->scrubbed)
        bits |= PCI_MSIX_FLAGS_MASKALL;
    lfv_unlock(&m->ctl_lock);
    lfv_vpci_hw_write(m->v, reg, 2, hw | bits);
    /* INTx forced off while MSI-X is enabled (ORed with MSI's reason) */
    hdr_force_intx(m->v, HDR_INTX_BY_MSIX, msix_enabled(m->v));
}

/* ---- regions ---- */

/* Where region k is now: the guest address of its BAR plus its offset. */
static bool region_place(const struct lfv_msix *m, unsigned int k,
                         uint64_t *start)
{
    struct lfv_header_bar_info b;

    if (lfv_header_bar(m->v, m->bir[k], &b) ||
        (b.type != LFV_HEADER_BAR_MEM32 && b.type != LFV_HEADER_BAR_MEM64_LO))
        return false;
    *start = b.guest_addr + m->offset[k];
    return true;
}

static void bar_moved(struct lfv_vpci *v, unsigned int bar, void *arg)
{
    struct lfv_msix *m = arg;
    struct lfv_msix_region *r[2];
    uint64_t start[2];
    unsigned int n = 0;

    (void)v;
    for (unsigned int k = 0; k < m->nr_regions; k++)
        if (m->bir[m->listed[k]->which] == bar &&
            region_place(m, m->listed[k]->which, &start[n]))
            r[n++] = m->listed[k];
    if (n)
        msix_regions_move(msix_domain(m->d), r, start, n);
}

static int add_regions(struct lfv_msix *m)
{
    for (unsigned int k = 0; k < 2; k++) {
        uint64_t start;
        uint32_t size;

        if (lfv_header_msix_location(m->v, k, NULL, NULL, &size) ||
            !region_place(m, k, &start))
            continue;
        m->region[k] = (struct lfv_msix_region){
            .m = m, .which = k, .size = size, .start = start,
            .emulated = k == MSIX_TABLE && !m->passthrough,
            .adjacent = &m->region[MSIX_ADJACENT],
        };
        m->listed[m->nr_regions++] = &m->region[k];
    }
    if (!m->nr_regions)
        return 0;
    if (m->nr_regions == 2) {
        m->listed[0]->sibling = m->listed[1];
        m->listed[1]->sibling = m->listed[0];
    }
    m->region[MSIX_ADJACENT] = (struct lfv_msix_region){
        .m = m, .which = MSIX_ADJACENT };
    return msix_regions_add(msix_domain(m->d), m->listed, m->nr_regions);
}

/* ---- the hook ---- */

static void msix_retire(struct lfv_vpci *v, void *priv)
{
    struct lfv_msix *m = priv;

    (void)v;
    if (!m)
        return;
    msix_regions_remove(msix_domain(m->d), m->listed, m->nr_regions);
    lfv_lock(&m->ctl_lock);
    __atomic_or_fetch(&m->state, MSIX_ST_RETIRED, __ATOMIC_SEQ_CST);
    forward_drain(m); /* the device is no longer this state's to reach */
    if (m->entries)
        sync_all(m); /* unbind; running accesses bind nothing more */
    lfv_unlock(&m->ctl_lock);
}

static int alloc_entries(struct lfv_msix *m)
{
    uintptr_t p;

    m->raw = lfv_zalloc(sizeof(struct msix_entry) * m->nr + 63);
    if (!m->raw)
        return -ENOMEM;
    p = ((uintptr_t)m->raw + 63) & ~(uintptr_t)63;
    m->entries = (struct msix_entry *)p;
    for (unsigned int i = 0; i < m->nr; i++) {
        lfv_spin_init(&m->entries[i].lock);
        m->entries[i].ctrl = MSIX_CTRL_MASKBIT; /* masked at reset */
    }
    return 0;
}

static int add_ctrl(struct lfv_msix *m, struct lfv_regs_edit *e)
{
    int rc = lfv_regs_edit_remove_range(e, m->pos + 2, 2);

    if (!rc)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = ctrl_read, .write = ctrl_write, .data = m,
            .offset = m->pos + 2, .size = 2 });
    return rc;
}

/* The mask op of a system whose ops have none: msi_mask() does nothing. */
static void lfv_cf_check mask_nop(void *ctx, const struct lfv_vpci *v,
                                  const struct lfv_msi_vector *vec)
{
    (void)ctx, (void)v, (void)vec;
}

static struct lfv_msix *msix_alloc(struct lfv_vpci *v, unsigned int pos)
{
    struct lfv_msix *m = lfv_zalloc(sizeof(*m));
    uint32_t size = 0;

    if (!m)
        return NULL;
    lfv_lock_init(&m->ctl_lock);
    m->v = v;
    m->d = lfv_vpci_domain(v);
    m->mask = mask_nop;
    if (m->d->sys->msi_ops && m->d->sys->msi_ops->mask) {
        m->mask = m->d->sys->msi_ops->mask;
        m->mask_ctx = m->d->sys->msi_ctx;
    }
    m->hwdom = lfv_vpci_is_hardware_domain(v);
    m->passthrough = !pos;
    m->pos = pos;
    for (unsigned int k = 0; k < 2; k++)
        lfv_header_msix_location(v, k, &m->bir[k], &m->offset[k],
                                 k ? NULL : &size);
    /*
     * As many entries as the trapped table has: the header's Table Size
     * (the read that sized the table region and checked it against its
     * BAR), never a second read of the hardware, which may answer
     * differently (a faulty or reprogrammed device): entries are indexed
     * by offset in that region.
     */
    if (pos)
        m->nr = size / 16;
    return m;
}

/*
 * A device whose table or PBA lies outside its BARs (the header refuses to
 * locate them): the hardware domain keeps the device, but MSI-X stays off
 * in hardware whatever it writes; it reads the control register with the
 * enable bits clear.
 */
static uint32_t ctrl_off_read(const void *ctx, unsigned int reg, void *data)
{
    (void)data;
    return lfv_vpci_hw_read(ctx, reg, 2) &
           ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
}

static void ctrl_off_write(const void *ctx, unsigned int reg, uint32_t val,
                           void *data)
{
    (void)val;
    (void)data;
    lfv_vpci_hw_write(ctx, reg, 2, ctrl_off_read(ctx, reg, NULL));
}

static int msix_keep_off(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    const struct hdr_cap *c = msi_find_cap(v, PCI_CAP_ID_MSIX);
    int rc;

    if (!c)
        return 0;
    ctrl_off_write(v, c->pos + 2, 0, NULL);
    rc = lfv_regs_edit_remove_range(e, c->pos + 2, 2);
    if (!rc)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = ctrl_off_read, .write = ctrl_off_write,
            .offset = c->pos + 2, .size = 2 });
    return rc;
}

static int msix_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct lfv_msix *m;
    unsigned int pos;
    int rc;

    if (!hdr_of(v))
        return -ENOENT;
    rc = lfv_header_msix_location(v, 0, NULL, NULL, NULL);
    if (rc == -EINVAL) /* placed outside its BARs: never trusted */
        return lfv_vpci_is_hardware_domain(v) ? msix_keep_off(v, e)
                                              : -EINVAL;
    if (rc)
        return 0; /* no MSI-X */
    if (lfv_vpci_is_hardware_domain(v) && lfv_vpci_arch(v) == LFV_ARCH_ARM) {
        pos = 0; /* Xen on Arm: the hardware domain's MSI-X is its own */
    } else {
        const struct hdr_cap *c = msi_find_cap(v, PCI_CAP_ID_MSIX);

        if (!c)
            return 0;
        pos = c->pos;
    }
    m = msix_alloc(v, pos);
    if (!m)
        return -ENOMEM;
    lfv_vpci_set_priv(v, &lfv_msix_hook, m); /* fini frees it, always */
    lfv_vpci_set_retire(v, &lfv_msix_hook, msix_retire);
    rc = m->passthrough ? 0 : alloc_entries(m);
    if (!rc && !m->passthrough) {
        /* the owner starts with MSI-X off, whatever was left before */
        uint16_t hw = lfv_vpci_hw_read(v, pos + 2, 2);

        lfv_vpci_hw_write(v, pos + 2, 2,
                          hw & ~(PCI_MSIX_FLAGS_ENABLE |
                                 PCI_MSIX_FLAGS_MASKALL));
        rc = add_ctrl(m, e);
    }
    if (!rc)
        rc = lfv_header_set_bar_notify(v, bar_moved, m);
    if (!rc)
        rc = add_regions(m);
    return rc;
}

static void msix_fini(struct lfv_vpci *v, void *priv)
{
    struct lfv_msix *m = priv;

    (void)v;
    if (!m)
        return;
    lfv_lock_destroy(&m->ctl_lock);
    for (unsigned int i = 0; m->entries && i < m->nr; i++)
        lfv_spin_destroy(&m->entries[i].lock);
    lfv_free(m->raw);
    lfv_free(m);
}

const struct lfv_vpci_hook lfv_msix_hook = {
    .name = "msix",
    .init = msix_init,
    .fini = msix_fini,
    .priority = LFV_PRIO_MSI,
    .domain_init = msix_domain_init,
    .domain_fini = msix_domain_fini,
};
