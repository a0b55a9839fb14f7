/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BAR mapping's host-space rules (header_map.c maps):
 *
 * Host space (Xen's pci_check_bar(), and more): a BAR's frames are mapped
 * only if its host range lies inside one of the host bridge's windows
 * and overlaps no other device's BAR (another device's memory could
 * decode there), nor shares a frame with a BAR of another domain's
 * device (a BAR smaller than a page maps its whole frame); a refused BAR
 * counts as enabled (decoding is on for the device) but maps nothing.
 * And no frame holding any device's MSI-X table or PBA is ever mapped,
 * whatever the BARs' placement: a table that shares a host frame with
 * another device's BAR is punched out of that BAR too.  The system keeps
 * every header state on one list (sys->hdr_all, under sys->hdr_lock, a
 * leaf lock taken under map_lock) for these checks.  Devices registered
 * but owned by nobody have no state: the engine does not know their
 * BARs, and they decode nothing (assign_hw.c turns a device's decoding
 * off when it is left without an owner).
 *
 * Decoding (issue 11's hwdom-bar-write-onto-guest-mapped-frame): refusing
 * to map an overlapping BAR is not enough, because the hardware still
 * decodes it once COMMAND.MEMORY is on, and then two devices answer at
 * the same host address: the owner of the one would reach the other.  So
 * a device's decoding is never turned on while one of its BARs shares a
 * frame with a BAR that a device of another domain may be decoding (and
 * so may have mapped that frame into its owner): the map fails
 * with -EBUSY and the caller leaves MEMORY off in the hardware (the
 * hardware domain reads it back off, as after Xen's failed modify_bars()).
 * Which BARs may decode is claimed under sys->hdr_lock (bars[].decoding):
 * set together with the check, before the hardware is written, and
 * cleared only after the hardware stopped decoding (hdr_decode_off()), so
 * two domains turning decoding on at once cannot both pass.  Devices of
 * the same domain may overlap (the hardware domain's, as in Xen: they are
 * its own), except over an MSI-X table or PBA: a device whose table would
 * start decoding in a frame another device of the domain may have mapped
 * does not start decoding either (-EBUSY, msix_shadowed()).
 */
#include <errno.h>

#include "header.h"

#define PFN(a) ((a) >> LFV_PAGE_SHIFT)
#define PAGE_MASK_LO ((uint64_t)LFV_PAGE_SIZE - 1)

/* A memory BAR's host range [*s, *e]; false if none (or wrapping). */
static bool host_range(const struct hdr_bar *b, uint64_t *s, uint64_t *e)
{
    if (!hdr_bar_is_mem(b))
        return false;
    *s = hdr_load(b->addr);
    *e = *s + b->size - 1;
    return *e >= *s;
}

static bool in_windows(const struct lfv_system *sys, uint64_t s, uint64_t e)
{
    if (!sys->nr_windows)
        return true; /* unknown: see struct lfv_system_params */
    for (unsigned int i = 0; i < sys->nr_windows; i++)
        if (s >= sys->windows[i].start && e <= sys->windows[i].end)
            return true;
    return false;
}

/*
 * Whether [s, e] overlaps a BAR of another device (of another domain only,
 * with same_domain_ok): its memory BARs, and its ROM while mapped (a
 * disabled ROM decodes nothing).  Other states of the same device (the
 * next owner's, being built) are the same hardware.  Under hdr_lock, or
 * lock-free inside a read-side section: the list is published with
 * release stores and a state leaves it before its grace period.
 */
static bool overlaps_other(const struct lfv_header *h, uint64_t s, uint64_t e,
                           bool same_domain_ok)
{
    lfv_sbdf_t self = lfv_vpci_sbdf(h->v);

    for (const struct lfv_header *o =
             __atomic_load_n(&h->d->sys->hdr_all, __ATOMIC_ACQUIRE);
         o; o = __atomic_load_n(&o->sys_next, __ATOMIC_ACQUIRE)) {
        if (lfv_vpci_sbdf(o->v) == self || (same_domain_ok && o->d == h->d))
            continue;
        for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
            const struct hdr_bar *b = &o->bars[i];
            uint64_t os, oe;

            if (i == HDR_ROM && !hdr_load(b->enabled))
                continue;
            if (host_range(b, &os, &oe) && os <= e && s <= oe)
                return true;
        }
    }
    return false;
}

/*
 * The host's own check (struct lfv_system_params.bar_valid, Xen's
 * pci_check_bar()), the windows, and the overlap rule (hdr_lock held):
 * no other device's BAR in its bytes, and no BAR of another domain's
 * device in the rest of its frames (a BAR smaller than a page maps its
 * whole frame: the owner would reach that device's registers).
 */
static bool bar_acceptable(const struct lfv_header *h, const struct hdr_bar *b)
{
    const struct lfv_system *sys = h->d->sys;
    uint64_t s, e;

    if (!host_range(b, &s, &e))
        return false;
    if (sys->bar_valid && !sys->bar_valid(sys->hw, lfv_vpci_sbdf(h->v), s, e))
        return false;
    return in_windows(sys, s, e) && !overlaps_other(h, s, e, false) &&
           !overlaps_other(h, s & ~PAGE_MASK_LO, e | PAGE_MASK_LO, true);
}

bool hdr_host_access_ok(const struct lfv_header *h, uint64_t s, uint64_t e)
{
    const struct lfv_system *sys = h->d->sys;

    return s <= e && in_windows(sys, s, e) &&
           (!sys->bar_valid ||
            sys->bar_valid(sys->hw, lfv_vpci_sbdf(h->v), s, e)) &&
           !overlaps_other(h, s, e, h->hwdom);
}

/*
 * Remove from every selected BAR the guest frames backed by a host frame
 * that holds any device's MSI-X table or PBA, this one's included
 * (hdr_lock held); none for the hardware domain with hwdom_msix_mapped.
 */
static int punch_msix_host(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

    if (h->hwdom && h->d->sys->hwdom_msix_mapped)
        return 0; /* mapped whole: struct lfv_system_params */
    for (const struct lfv_header *o = h->d->sys->hdr_all; !rc && o;
         o = o->sys_next) {
        for (unsigned int k = 0; !rc && k < 2; k++) {
            const struct hdr_msix_area *a = &o->msix[k];
            uint64_t ts, te;

            if (!a->present || !hdr_bar_is_mem(&o->bars[a->bir]))
                continue;
            ts = PFN(hdr_load(o->bars[a->bir].addr) + a->offset);
            te = PFN(hdr_load(o->bars[a->bir].addr) + a->offset + a->size -
                     1);
            for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++) {
                const struct hdr_bar *b = &h->bars[i];
                uint64_t bs, be, s, e, g;

                if (!sel[i] || !host_range(b, &bs, &be))
                    continue;
                bs = PFN(bs);
                be = PFN(be);
                s = ts > bs ? ts : bs;
                e = te < be ? te : be;
                if (s > e)
                    continue;
                g = PFN(hdr_load(b->guest_addr));
                rc = lfv_rangeset_remove_range(b->mem, g + (s - bs),
                                               g + (e - bs));
            }
        }
    }
    return rc;
}

/*
 * Whether a BAR of another device, of h's domain (own) or of another one
 * (!own), may be decoding in host frames [s, e] (hdr_lock held).  Another
 * state of the same device (the next owner's, being built) is the same
 * hardware.
 */
static bool decoding_in(const struct lfv_header *h, uint64_t s, uint64_t e,
                        bool own)
{
    lfv_sbdf_t self = lfv_vpci_sbdf(h->v);

    s &= ~PAGE_MASK_LO;
    e |= PAGE_MASK_LO;
    for (const struct lfv_header *o = h->d->sys->hdr_all; o;
         o = o->sys_next) {
        if ((o->d == h->d) != own || lfv_vpci_sbdf(o->v) == self)
            continue;
        for (unsigned int j = 0; j < HDR_NR_BARS; j++) {
            uint64_t os, oe;

            if (hdr_load(o->bars[j].decoding) &&
                host_range(&o->bars[j], &os, &oe) && os <= e && s <= oe)
                return true;
        }
    }
    return false;
}

/*
 * Whether a selected BAR of h shares a host frame with a BAR that a
 * device of another domain may be decoding (hdr_lock held): the frame
 * may be mapped into that domain (a BAR smaller than a page maps its
 * whole frame), so h's registers there would be its to reach; with a
 * shared byte, both devices would answer.
 */
static bool decode_conflict(const struct lfv_header *h, const bool sel[])
{
    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        uint64_t s, e;

        if (sel[i] && host_range(&h->bars[i], &s, &e) &&
            decoding_in(h, s, e, false))
            return true;
    }
    return false;
}

/* Drop the claims of the selected BARs that are not mapped (hdr_lock). */
void hdr_unclaim(struct lfv_header *h, const bool sel[])
{
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i] && !hdr_load(h->bars[i].enabled))
            hdr_store(h->bars[i].decoding, false);
}

void hdr_decode_off(struct lfv_header *h, bool rom_only)
{
    bool sel[HDR_NR_BARS];

    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        sel[i] = !rom_only || i == HDR_ROM;
    lfv_lock(&h->d->sys->hdr_lock);
    hdr_unclaim(h, sel);
    lfv_unlock(&h->d->sys->hdr_lock);
}

/*
 * Whether a selected BAR holds one of h's MSI-X table or PBA in a host
 * frame that a BAR of another device of the same domain may be decoding,
 * and so may have mapped (hdr_lock held).  That device's map was punched
 * of the tables decoding when it was made (punch_msix_host()), not of one
 * that starts decoding under it now: the owner would reach h's table
 * there, around the emulation.  Other domains' devices are
 * decode_conflict()'s.  Xen's vpci_make_msix_hole() unmaps such a frame
 * from the hardware domain instead, under the other device's mapping.
 */
static bool msix_shadowed(const struct lfv_header *h, const bool sel[])
{
    if (h->hwdom && h->d->sys->hwdom_msix_mapped)
        return false; /* mapped whole: struct lfv_system_params */
    for (unsigned int k = 0; k < 2; k++) {
        const struct hdr_msix_area *a = &h->msix[k];
        uint64_t s;

        if (!a->present || !sel[a->bir] || !hdr_bar_is_mem(&h->bars[a->bir]))
            continue;
        s = hdr_load(h->bars[a->bir].addr) + a->offset;
        if (decoding_in(h, s, s + a->size - 1, true))
            return true;
    }
    return false;
}

/*
 * The host-space rules on the selected BARs: -EBUSY if decoding them
 * would overlap another domain's decoding BAR, or put one of h's MSI-X
 * tables or PBAs under a decoding BAR of the same domain (nothing
 * claimed), else they are claimed as decoding; refused[i]: maps nothing.
 */
int hdr_check_host(struct lfv_header *h, const bool sel[], bool refused[])
{
    struct lfv_system *sys = h->d->sys;
    int rc;

    lfv_lock(&sys->hdr_lock);
    if (decode_conflict(h, sel) || msix_shadowed(h, sel)) {
        lfv_unlock(&sys->hdr_lock);
        return -EBUSY;
    }
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i])
            hdr_store(h->bars[i].decoding, true);
    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        refused[i] = sel[i] && !bar_acceptable(h, &h->bars[i]);
        if (refused[i])
            lfv_rangeset_purge(h->bars[i].mem);
    }
    rc = punch_msix_host(h, sel);
    lfv_unlock(&sys->hdr_lock);
    return rc;
}
