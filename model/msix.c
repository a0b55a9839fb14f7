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
 * This file is the hook: the control register (enable and function mask,
 * and the scrub of the device's table before an owner's first enable),
 * the regions listed in the domain (msix_regions.c) and moved with their
 * BAR, and the device's state from init to retirement and fini.  The
 * entries, the regions' accesses and the hot write path are
 * msix_table.c's (with why entries have their own state), the accesses
 * that reach the device msix_forward.c's; the state they share is
 * msix_internal.h's.  It calls both; neither calls it.
 */
#include <errno.h>

#include "../core/compiler.h"
#include "../core/platform.h"
#include "msix_internal.h"

static struct lfv_msix *msix_of(const struct lfv_vpci *v)
{
    return lfv_vpci_priv(v, &lfv_msix_hook);
}

static bool msix_enabled(const struct lfv_vpci *v)
{
    const struct lfv_msix *m = msix_of(v);

    return m && (msi_load(m->state) & MSIX_ST_ENABLED);
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
 * lock so that none is bound while its mask is being set.  Only while
 * the device decodes memory and its table lies where an access reaches
 * the device alone (msix_hw_ok()); false otherwise, and the caller keeps
 * the function masked in hardware.
 */
/*
 * The vector control at host address a masked in the device, and read
 * back so.  Through the ops themselves, not msix_hw_read() and
 * msix_hw_write(): a failed read must fail the scrub, where
 * msix_hw_read() answers all-ones, which looks masked.
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
    if (!msix_hw_ok(m, t, 16 * m->nr))
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
            msix_sync_all(m);
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
    msix_forward_drain(m); /* the device is no longer this state's to reach */
    if (m->entries)
        msix_sync_all(m); /* unbind; running accesses bind nothing more */
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
