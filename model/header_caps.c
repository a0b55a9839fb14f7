/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The capability chains an owner sees (<lfvpci/caps.h>): the hardware's
 * standard and extended chains walked defensively at every assignment;
 * for a guest, the chains rebuilt from its policy (emulated pointers that
 * skip hidden capabilities, bodies read-only or emulated field by field);
 * for the hardware domain, only where its MSI and MSI-X are (their hooks
 * emulate them; the rest is the hardware's).
 */
#include <errno.h>

#include "../core/pci_caps.h"
#include "caps_policy.h"
#include "hook_util.h"
#include "header.h"

#define STD_FIRST LFV_CAP_STD_FIRST
#define EXT_FIRST LFV_CAP_EXT_FIRST
#define EXT_END LFV_CFG_SPACE_SIZE
#define EXT_MAX LFV_CAP_EXT_MAX

/* One walk of a hardware chain: capabilities in chain order. */
struct chain {
    unsigned int n;
    uint16_t pos[EXT_MAX], id[EXT_MAX];
};

static uint32_t lfv_cf_check state_read(const void *ctx, unsigned int reg,
                                        unsigned int size)
{
    return lfv_vpci_hw_read(ctx, reg, size);
}

/* The standard chain, or (ext) the extended one (core/pci_caps.h). */
static void walk(const struct lfv_vpci *v, bool ext, struct chain *c)
{
    struct lfv_cap_walk w;
    unsigned int pos, id;

    c->n = 0;
    lfv_cap_walk_start(&w, ext, state_read, v);
    while (c->n < EXT_MAX && lfv_cap_walk_next(&w, &pos, &id)) {
        c->pos[c->n] = (uint16_t)pos;
        c->id[c->n++] = (uint16_t)id;
    }
}

/* Where the next capability of the chain (in offset order) starts. */
static unsigned int span_end(const struct chain *c, unsigned int pos,
                             unsigned int end)
{
    for (unsigned int k = 0; k < c->n; k++)
        if (c->pos[k] > pos && c->pos[k] < end)
            end = c->pos[k];
    return end;
}

static unsigned int msi_cap_len(const struct lfv_vpci *v, unsigned int pos)
{
    uint16_t ctrl = lfv_vpci_hw_read(v, pos + 2, 2);

    return 10 + (ctrl & PCI_MSI_FLAGS_64BIT ? 4 : 0) +
           (ctrl & PCI_MSI_FLAGS_MASKBIT ? 10 : 0);
}

/* A capability's length by its ID; 0: unknown, up to the next one. */
static unsigned int std_len(const struct lfv_vpci *v, unsigned int pos,
                            unsigned int id)
{
    unsigned int n;

    switch (id) {
    case PCI_CAP_ID_PM:
        return 8;
    case PCI_CAP_ID_MSI:
        return msi_cap_len(v, pos);
    case PCI_CAP_ID_MSIX:
        return 12;
    case CAP_ID_VNDR:
        n = lfv_vpci_hw_read(v, pos + 2, 1);
        return n < 2 ? 2 : n;
    case PCI_CAP_ID_EXP:
        return (lfv_vpci_hw_read(v, pos + 2, 2) & 0xf) >= 2 ? 0x3c : 0x24;
    default:
        return 0;
    }
}

static unsigned int ext_len(const struct lfv_vpci *v, unsigned int pos,
                            unsigned int id)
{
    unsigned int n;

    switch (id) {
    case EXT_CAP_ID_DSN:
        return 12;
    case EXT_CAP_ID_VNDR:
        n = lfv_vpci_hw_read(v, pos + 4, 4) >> 20;
        return n < 4 ? 4 : n;
    default:
        return 0;
    }
}

static void discover_msix(struct lfv_header *h, unsigned int pos)
{
    unsigned int entries =
        (lfv_vpci_hw_read(h->v, pos + 2, 2) & PCI_MSIX_FLAGS_QSIZE) + 1;
    uint32_t table = lfv_vpci_hw_read(h->v, pos + 4, 4);
    uint32_t pba = lfv_vpci_hw_read(h->v, pos + 8, 4);

    h->msix[0] = (struct hdr_msix_area){ true, table & 7, table & ~7u,
                                         entries * 16 };
    h->msix[1] = (struct hdr_msix_area){ true, pba & 7, pba & ~7u,
                                         (entries + 63) / 64 * 8 };
}

/* Only the first of these IDs counts; later ones are hidden. */
static bool first_of_id(unsigned int id, unsigned int *seen)
{
    unsigned int bit = id == PCI_CAP_ID_PM    ? 1u
                       : id == PCI_CAP_ID_MSI ? 2u
                       : id == PCI_CAP_ID_EXP ? 4u
                       : id == PCI_CAP_ID_MSIX ? 8u : 0u;

    if (*seen & bit)
        return false;
    *seen |= bit;
    return true;
}

static void link_chain(struct hdr_cap *c, unsigned int n)
{
    for (unsigned int k = 0; k + 1 < n; k++)
        c[k].next = c[k + 1].pos;
}

/*
 * A guest's device starts with MSI and MSI-X off in hardware, whatever
 * its previous owner left, at every MSI or MSI-X capability of the chain:
 * one its policy hides, a later one of the same ID, or one with no MSI
 * hook registered has no emulation to turn it off, and the previous
 * owner's messages must not fire from the device the new owner drives.
 */
static void msi_off(const struct lfv_vpci *v, unsigned int pos,
                    unsigned int id)
{
    uint16_t off = id == PCI_CAP_ID_MSI
                       ? PCI_MSI_FLAGS_ENABLE
                       : PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
    uint16_t ctrl = lfv_vpci_hw_read(v, pos + 2, 2);

    if (ctrl != 0xffff && (ctrl & off))
        lfv_vpci_hw_write(v, pos + 2, 2, ctrl & ~off);
}

/* The standard chain: MSI-X located for every owner. */
static void keep_std(struct lfv_header *h, const struct chain *c)
{
    unsigned int seen = 0;

    for (unsigned int k = 0; k < c->n; k++) {
        unsigned int pos = c->pos[k], id = c->id[k], len, room;
        const struct lfv_cap_field *f;
        unsigned int nf;
        bool custom, first = first_of_id(id, &seen);
        bool msi = id == PCI_CAP_ID_MSI || id == PCI_CAP_ID_MSIX;
        enum lfv_cap_mode mode;

        if (id == PCI_CAP_ID_MSIX && first)
            discover_msix(h, pos);
        if (msi && !h->hwdom)
            msi_off(h->v, pos, id);
        if (h->hwdom) {
            if (msi && first)
                h->caps[h->nr_caps++] = (struct hdr_cap){
                    pos, 0, id == PCI_CAP_ID_MSI ? msi_cap_len(h->v, pos) : 12,
                    id, LFV_CAP_EMULATED };
            continue;
        }
        mode = caps_mode(h->v, id, false, &f, &nf, &custom);
        len = std_len(h->v, pos, id);
        room = span_end(c, pos, PCI_CFG_SPACE_SIZE) - pos;
        if (!first || (msi && len > room))
            mode = LFV_CAP_HIDDEN; /* cannot be emulated where it is */
        if (mode == LFV_CAP_HIDDEN)
            continue;
        h->caps[h->nr_caps++] = (struct hdr_cap){
            pos, 0, len && len < room ? len : room, id, mode };
    }
    link_chain(h->caps, h->nr_caps);
}

static void keep_ext(struct lfv_header *h, const struct chain *c)
{
    for (unsigned int k = 0; k < c->n; k++) {
        unsigned int pos = c->pos[k], id = c->id[k], len, room, nf;
        const struct lfv_cap_field *f;
        bool custom;
        enum lfv_cap_mode mode = caps_mode(h->v, id, true, &f, &nf, &custom);

        if (mode == LFV_CAP_HIDDEN)
            continue;
        len = ext_len(h->v, pos, id);
        room = span_end(c, pos, EXT_END) - pos;
        h->ecaps[h->nr_ecaps++] = (struct hdr_cap){
            pos, 0, len && len < room ? len : room, id, mode };
    }
    link_chain(h->ecaps, h->nr_ecaps);
}

int hdr_caps_discover(struct lfv_header *h)
{
    struct chain *c = lfv_zalloc(sizeof(*c));
    int rc = -ENOMEM;

    if (!c)
        return rc;
    h->ext_cfg = lfv_vpci_hw_read(h->v, EXT_FIRST, 4) != 0xffffffffu;
    walk(h->v, false, c);
    h->caps = lfv_zalloc((c->n + 1) * sizeof(*h->caps));
    if (!h->caps)
        goto out;
    keep_std(h, c);
    if (h->ext_cfg && !h->hwdom) {
        walk(h->v, true, c);
        h->ecaps = lfv_zalloc((c->n + 1) * sizeof(*h->ecaps));
        if (!h->ecaps)
            goto out;
        keep_ext(h, c);
    }
    rc = 0;
out:
    lfv_free(c);
    return rc;
}

/* ---- a guest's registers ---- */

static uint32_t lfv_cf_check const_read(const void *ctx, unsigned int reg,
                                        void *data)
{
    (void)ctx, (void)reg;
    return (uint32_t)(uintptr_t)data;
}

/* A standard capability's ID (from hardware) and emulated next pointer. */
static uint32_t lfv_cf_check cap_header_read(const void *ctx, unsigned int reg,
                                             void *data)
{
    return lfv_vpci_hw_read(ctx, reg, 1) | (uint32_t)(uintptr_t)data << 8;
}

/* An extended one's ID and version (from hardware), emulated next. */
static uint32_t lfv_cf_check ecap_header_read(const void *ctx, unsigned int reg,
                                              void *data)
{
    return (lfv_vpci_hw_read(ctx, reg, 4) & 0xfffffu) |
           (uint32_t)(uintptr_t)data << 20;
}

static uint32_t lfv_cf_check field_read(const void *ctx, unsigned int reg,
                                        void *data)
{
    const struct hdr_field *f = data;
    uint32_t hw = lfv_vpci_hw_read(ctx, reg, f->size);

    return (hw & ~f->write_mask) | (hdr_load(f->shadow) & f->write_mask);
}

/*
 * The guest's copy changes; the hardware only in hw_mask, by a
 * read-modify-write of the bytes that hold it (hw_span()).
 */
static void lfv_cf_check field_write(const void *ctx, unsigned int reg,
                                     uint32_t val, void *data)
{
    struct hdr_field *f = data;
    unsigned int shift = 8 * f->hw_off;
    uint32_t hw, keep = ~((f->hw_mask | f->hw_rw1c_mask) >> shift);

    hdr_store(f->shadow, val & f->write_mask);
    if (!f->hw_mask)
        return;
    if (f->hw_size < 4)
        keep &= (1u << 8 * f->hw_size) - 1; /* reads may have junk above */
    hw = lfv_vpci_hw_read(ctx, reg + f->hw_off, f->hw_size);
    lfv_vpci_hw_write(ctx, reg + f->hw_off, f->hw_size,
                      (hw & keep) | ((val & f->hw_mask) >> shift));
}

/*
 * The narrowest naturally aligned access within the field that covers
 * every byte of its hw_mask.  The rest of the register is not written
 * back: a field over Device Control and Device Status (a dword) whose
 * hw_mask is in the control half writes the control half only, so the
 * status half's RW1C bits, which the policy may not have declared in
 * hw_rw1c_mask, are never written back as 1 (cleared).
 */
static void hw_span(struct hdr_field *f)
{
    unsigned int lo = 0, hi = f->size - 1;

    while (lo < hi && !((f->hw_mask >> 8 * lo) & 0xff))
        lo++;
    while (hi > lo && !((f->hw_mask >> 8 * hi) & 0xff))
        hi--;
    if (lo == hi || (!(lo & 1) && hi == lo + 1)) {
        f->hw_off = lo;
        f->hw_size = hi - lo + 1;
    } else {
        f->hw_off = 0;
        f->hw_size = f->size;
    }
}

static unsigned int chunk(unsigned int off, unsigned int end)
{
    return !(off & 3) && end - off >= 4 ? 4
           : !(off & 1) && end - off >= 2 ? 2 : 1;
}

static int add_field(struct lfv_header *h, struct lfv_regs_edit *e,
                     unsigned int reg, const struct lfv_cap_field *cf)
{
    struct hdr_field *f = &h->fields[h->nr_fields];
    int rc;

    *f = (struct hdr_field){ cf->write_mask, cf->hw_mask, cf->hw_rw1c_mask,
                             0, cf->size, 0, cf->size };
    hw_span(f);
    f->shadow = lfv_vpci_hw_read(h->v, reg, f->size) & f->write_mask;
    rc = hook_add_reg(e, field_read, field_write, reg, f->size, f);
    if (!rc)
        h->nr_fields++;
    return rc;
}

/*
 * The body [pos + start, pos + len): fields (sorted, offsets from pos)
 * where they are, the rest read-only from hardware.
 */
static int add_body(struct lfv_header *h, struct lfv_regs_edit *e,
                    const struct hdr_cap *c, unsigned int start,
                    const struct lfv_cap_field *f, unsigned int nf)
{
    unsigned int off = c->pos + start, end = c->pos + c->len, k = 0;
    int rc = 0;

    while (!rc && off < end) {
        unsigned int limit = end, n;

        while (k < nf && c->pos + f[k].offset < off)
            k++;
        if (k < nf && c->pos + f[k].offset == off) {
            rc = add_field(h, e, off, &f[k]);
            off += f[k++].size;
            continue;
        }
        if (k < nf && c->pos + f[k].offset < limit)
            limit = c->pos + f[k].offset;
        n = chunk(off, limit);
        rc = hook_add_reg(e, hdr_hw_read_ro, NULL, off, n,
                          (void *)(uintptr_t)n);
        off += n;
    }
    return rc;
}

/* The fields of an emulated capability that fit it (policy's: all must). */
static int cap_fields(struct lfv_header *h, const struct hdr_cap *c,
                      bool ext, const struct lfv_cap_field **f,
                      unsigned int *nf)
{
    bool custom;
    unsigned int n = 0;

    caps_mode(h->v, c->id, ext, f, nf, &custom);
    /*
     * PowerState reaches the hardware (lfv_cap_policy.pm_dstate_to_hw)
     * only where D3hot -> D0 keeps the function's state (No_Soft_Reset):
     * elsewhere that transition resets COMMAND (INTx disable included),
     * the BARs and MSI/MSI-X under the emulation, which goes on mapping
     * and showing them.
     */
    if (!ext && c->id == PCI_CAP_ID_PM && !custom &&
        *f == caps_pm_fields(true) &&
        !(lfv_vpci_hw_read(h->v, c->pos + CAPS_PM_CTRL, 2) &
          CAPS_PM_NO_SOFT_RESET))
        *f = caps_pm_fields(false);
    if (c->mode != LFV_CAP_EMULATED) {
        *nf = 0;
        return 0;
    }
    while (n < *nf && (*f)[n].offset + (*f)[n].size <= c->len)
        n++; /* sorted: the first that does not fit ends them */
    if (custom && n < *nf)
        return -EINVAL;
    *nf = n;
    return 0;
}

static int add_chain(struct lfv_header *h, struct lfv_regs_edit *e, bool ext)
{
    const struct hdr_cap *caps = ext ? h->ecaps : h->caps;
    unsigned int nr = ext ? h->nr_ecaps : h->nr_caps;
    int rc = 0;

    for (unsigned int k = 0; !rc && k < nr; k++) {
        const struct hdr_cap *c = &caps[k];
        const struct lfv_cap_field *f;
        unsigned int nf;

        rc = cap_fields(h, c, ext, &f, &nf);
        if (!rc)
            rc = hook_add_reg(e, ext ? ecap_header_read : cap_header_read,
                              NULL, c->pos, ext ? 4 : 2,
                              (void *)(uintptr_t)c->next);
        if (!rc)
            rc = add_body(h, e, c, ext ? 4 : 2, f, nf);
    }
    return rc;
}

static unsigned int count_fields(struct lfv_header *h)
{
    unsigned int n = 0;

    for (unsigned int x = 0; x < 2; x++) {
        const struct hdr_cap *caps = x ? h->ecaps : h->caps;

        for (unsigned int k = 0; k < (x ? h->nr_ecaps : h->nr_caps); k++) {
            const struct lfv_cap_field *f;
            unsigned int nf;
            bool custom;

            caps_mode(h->v, caps[k].id, x, &f, &nf, &custom);
            n += nf;
        }
    }
    return n;
}

int hdr_caps_guest_init(struct lfv_header *h, struct lfv_regs_edit *e)
{
    unsigned int nf = count_fields(h);
    int rc;

    if (nf) {
        h->fields = lfv_zalloc(nf * sizeof(*h->fields));
        if (!h->fields)
            return -ENOMEM;
    }
    rc = hook_add_reg(e, const_read, NULL, PCI_CAPABILITY_LIST, 1,
                      (void *)(uintptr_t)(h->nr_caps ? h->caps[0].pos : 0));
    if (!rc)
        rc = add_chain(h, e, false);
    if (rc || !h->ext_cfg)
        return rc;
    /*
     * The extended chain starts at 0x100: the first exposed capability, a
     * Null one pointing to it, or 0 (nothing).
     */
    if (!h->nr_ecaps || h->ecaps[0].pos != EXT_FIRST)
        rc = hook_add_reg(e, const_read, NULL, EXT_FIRST, 4,
                          (void *)(uintptr_t)(h->nr_ecaps
                                                  ? h->ecaps[0].pos << 20
                                                  : 0));
    if (!rc)
        rc = add_chain(h, e, true);
    return rc;
}
