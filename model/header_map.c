/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BAR mapping: Xen's modify_bars() on lfvpci's locks.
 *
 * Why a per-domain lock: mapping a BAR must subtract the BARs other
 * devices of the domain have mapped, so it reads their state.  With only
 * per-device locks two devices doing so at once take each other's locks in
 * opposite orders (Xen's ABBA).  Here a config write holds its own
 * device's write lock and then the domain's map_lock, never the reverse,
 * and nothing under map_lock takes a device lock: no cycle.  Under map_lock
 * the domain's list of header states, every BAR's enabled flag and range
 * set, and the p2m batch are stable.  Readers (config reads, p2m lookups)
 * take neither lock.
 *
 * Why a batch: every BAR of one COMMAND write is mapped or unmapped in one
 * p2m batch, so a p2m reader sees the device's BARs all mapped or all
 * unmapped, never a mix, and a failure drops the batch whole.
 *
 * Host space (Xen's pci_check_bar(), and more): a BAR's frames are mapped
 * only if its host range lies inside one of the host bridge's windows
 * and overlaps no other device's BAR (another device's memory could
 * decode there); a refused BAR counts as enabled (decoding is on for the
 * device) but maps nothing.  And no frame holding any device's MSI-X
 * table or PBA is ever mapped, whatever the BARs' placement: a table
 * that shares a host frame with another device's BAR is punched out of
 * that BAR too.  The system keeps every header state on one list
 * (sys->hdr_all, under sys->hdr_lock, a leaf lock taken under map_lock)
 * for these checks.  Devices registered but owned by nobody have no
 * state: the engine does not know their BARs, and they decode nothing
 * (assign.c turns a device's decoding off when it is left without an
 * owner).
 *
 * Decoding (issue 11's hwdom-bar-write-onto-guest-mapped-frame): refusing
 * to map an overlapping BAR is not enough, because the hardware still
 * decodes it once COMMAND.MEMORY is on, and then two devices answer at
 * the same host address: the owner of the one would reach the other.  So
 * a device's decoding is never turned on while one of its BARs overlaps a
 * BAR that a device of another domain may be decoding: the map fails
 * with -EBUSY and the caller leaves MEMORY off in the hardware (the
 * hardware domain reads it back off, as after Xen's failed modify_bars()).
 * Which BARs may decode is claimed under sys->hdr_lock (bars[].decoding):
 * set together with the check, before the hardware is written, and
 * cleared only after the hardware stopped decoding (hdr_decode_off()), so
 * two domains turning decoding on at once cannot both pass.  Devices of
 * the same domain may overlap (the hardware domain's, as in Xen: they are
 * its own).
 */
#include <errno.h>

#include "header.h"

#define PFN(a) ((a) >> LFV_PAGE_SHIFT)
/* Unmap attempts at retire before the p2m is revoked. */
#define HDR_RETIRE_TRIES 3

struct frames {
    uint64_t s, e;
};

/* Guest frames a BAR covers (its guest address as it stands). */
static struct frames bar_frames(const struct hdr_bar *b)
{
    uint64_t ga = hdr_load(b->guest_addr);

    return (struct frames){ PFN(ga), PFN(ga + b->size - 1) };
}

/* Remove f from the set of every selected BAR. */
static int remove_from_selected(struct lfv_header *h, const bool sel[],
                                struct frames f)
{
    int rc = 0;

    for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++)
        if (sel[i])
            rc = lfv_rangeset_remove_range(h->bars[i].mem, f.s, f.e);
    return rc;
}

/* The BAR's frames, minus earlier and already mapped BARs of the device. */
static int bar_set(struct lfv_header *h, const bool sel[], unsigned int i)
{
    struct hdr_bar *b = &h->bars[i];
    struct frames f = bar_frames(b);
    int rc;

    lfv_rangeset_purge(b->mem);
    rc = lfv_rangeset_add_range(b->mem, f.s, f.e);
    for (unsigned int j = 0; !rc && j < HDR_NR_BARS; j++) {
        const struct hdr_bar *o = &h->bars[j];
        struct frames of;

        if (j == i || !hdr_bar_is_mem(o) ||
            !((sel[j] && j < i) || hdr_load(o->enabled)))
            continue;
        of = bar_frames(o);
        rc = lfv_rangeset_remove_range(b->mem, of.s, of.e);
    }
    return rc;
}

/* MSI-X table and PBA frames are trapped, never mapped. */
static int punch_msix(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

    for (unsigned int k = 0; !rc && k < 2; k++) {
        const struct hdr_msix_area *a = &h->msix[k];
        uint64_t ga;

        if (!a->present || !hdr_bar_is_mem(&h->bars[a->bir]))
            continue;
        ga = hdr_load(h->bars[a->bir].guest_addr) + a->offset;
        rc = remove_from_selected(h, sel,
                                  (struct frames){ PFN(ga),
                                                   PFN(ga + a->size - 1) });
    }
    return rc;
}

/* Other devices' mapped BARs in the domain keep their frames. */
static int punch_others(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

    for (struct lfv_header *o = h->hd->list; !rc && o; o = o->next) {
        if (o == h)
            continue;
        for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++)
            if (hdr_bar_is_mem(&o->bars[i]) && hdr_load(o->bars[i].enabled))
                rc = remove_from_selected(h, sel, bar_frames(&o->bars[i]));
    }
    return rc;
}

/* ---- host space ---- */

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

/* Xen's pci_check_bar(), plus the overlap rule (hdr_lock held). */
static bool bar_acceptable(const struct lfv_header *h, const struct hdr_bar *b)
{
    uint64_t s, e;

    return host_range(b, &s, &e) && in_windows(h->d->sys, s, e) &&
           !overlaps_other(h, s, e, false);
}

bool hdr_host_access_ok(const struct lfv_header *h, uint64_t s, uint64_t e)
{
    return s <= e && in_windows(h->d->sys, s, e) &&
           !overlaps_other(h, s, e, h->hwdom);
}

/*
 * Remove from every selected BAR the guest frames backed by a host frame
 * that holds any device's MSI-X table or PBA, this one's included
 * (hdr_lock held).
 */
static int punch_msix_host(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

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
 * Whether a selected BAR of h overlaps in host space a BAR that a device
 * of another domain may be decoding (hdr_lock held).  Another state of
 * the same device (the next owner's, being built) is the same hardware.
 */
static bool decode_conflict(const struct lfv_header *h, const bool sel[])
{
    lfv_sbdf_t self = lfv_vpci_sbdf(h->v);

    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        uint64_t s, e;

        if (!sel[i] || !host_range(&h->bars[i], &s, &e))
            continue;
        for (const struct lfv_header *o = h->d->sys->hdr_all; o;
             o = o->sys_next) {
            if (o->d == h->d || lfv_vpci_sbdf(o->v) == self)
                continue;
            for (unsigned int j = 0; j < HDR_NR_BARS; j++) {
                uint64_t os, oe;

                if (hdr_load(o->bars[j].decoding) &&
                    host_range(&o->bars[j], &os, &oe) && os <= e && s <= oe)
                    return true;
            }
        }
    }
    return false;
}

/* Drop the claims of the selected BARs that are not mapped (hdr_lock). */
static void unclaim(struct lfv_header *h, const bool sel[])
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
    unclaim(h, sel);
    lfv_unlock(&h->d->sys->hdr_lock);
}

/*
 * The host-space rules on the selected BARs: -EBUSY if decoding them
 * would overlap another domain's decoding BAR (nothing claimed), else
 * they are claimed as decoding; refused[i]: maps nothing.
 */
static int check_host(struct lfv_header *h, const bool sel[], bool refused[])
{
    struct lfv_system *sys = h->d->sys;
    int rc;

    lfv_lock(&sys->hdr_lock);
    if (decode_conflict(h, sel)) {
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

static bool page_offsets_match(const struct hdr_bar *b)
{
    return !((hdr_load(b->guest_addr) ^ hdr_load(b->addr)) &
             (LFV_PAGE_SIZE - 1));
}

static int build_sets(struct lfv_header *h, const bool sel[],
                      bool refused[])
{
    int rc = 0;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i] && !page_offsets_match(&h->bars[i]))
            return -EINVAL;
    for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++)
        if (sel[i])
            rc = bar_set(h, sel, i);
    if (!rc)
        rc = punch_msix(h, sel);
    if (!rc)
        rc = punch_others(h, sel);
    if (!rc)
        rc = check_host(h, sel, refused);
    return rc;
}

struct range_ctxt {
    struct lfv_p2m *p2m;
    const struct hdr_bar *bar;
};

static int map_range(uint64_t s, uint64_t e, void *ctxt)
{
    const struct range_ctxt *c = ctxt;
    uint64_t gstart = PFN(hdr_load(c->bar->guest_addr));
    uint64_t hstart = PFN(hdr_load(c->bar->addr));

    return lfv_p2m_map(c->p2m, s, e - s + 1, hstart + (s - gstart));
}

static int unmap_range(uint64_t s, uint64_t e, void *ctxt)
{
    const struct range_ctxt *c = ctxt;
    uint64_t gstart = PFN(hdr_load(c->bar->guest_addr));
    uint64_t hstart = PFN(hdr_load(c->bar->addr));

    return lfv_p2m_unmap(c->p2m, s, e - s + 1, hstart + (s - gstart));
}

/* Apply fn to every selected set in one p2m batch: all or nothing. */
static int p2m_apply(struct lfv_header *h, const bool sel[],
                     lfv_rangeset_report_t *fn)
{
    struct range_ctxt c = { .p2m = h->d->p2m };
    int rc = lfv_p2m_begin(c.p2m);

    if (rc)
        return rc;
    for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++) {
        if (!sel[i])
            continue;
        c.bar = &h->bars[i];
        rc = lfv_rangeset_report_ranges(h->bars[i].mem, 0, UINT64_MAX, fn,
                                        &c);
    }
    if (rc) {
        lfv_p2m_abort(c.p2m);
        return rc;
    }
    return lfv_p2m_commit(c.p2m);
}

static void purge_selected(struct lfv_header *h, const bool sel[])
{
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i])
            lfv_rangeset_purge(h->bars[i].mem);
}

static void set_enabled(struct lfv_header *h, const bool sel[], bool on,
                        const bool refused[])
{
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i]) {
            hdr_store(h->bars[i].refused, refused && refused[i]);
            hdr_store(h->bars[i].enabled, on);
        }
}

static int do_map(struct lfv_header *h, bool rom_only)
{
    bool sel[HDR_NR_BARS] = { false }, any = false;
    bool refused[HDR_NR_BARS] = { false };
    int rc;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        const struct hdr_bar *b = &h->bars[i];

        sel[i] = hdr_bar_is_mem(b) && !hdr_load(b->enabled) &&
                 (i == HDR_ROM ? h->rom_enabled : !rom_only);
        any |= sel[i];
    }
    rc = any ? build_sets(h, sel, refused) : 0;
    if (!rc && any)
        rc = p2m_apply(h, sel, map_range);
    if (rc) {
        purge_selected(h, sel);
        /* the hardware will not decode them: the caller leaves it off */
        lfv_lock(&h->d->sys->hdr_lock);
        unclaim(h, sel);
        lfv_unlock(&h->d->sys->hdr_lock);
        return rc;
    }
    set_enabled(h, sel, true, refused);
    if (!rom_only)
        hdr_store(h->mapped, true);
    return 0;
}

static int do_unmap(struct lfv_header *h, bool rom_only)
{
    bool sel[HDR_NR_BARS] = { false }, any = false;
    int rc = 0;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        sel[i] = hdr_load(h->bars[i].enabled) && (!rom_only || i == HDR_ROM);
        any |= sel[i];
    }
    if (any)
        rc = p2m_apply(h, sel, unmap_range);
    if (rc)
        return rc; /* still mapped, as the state says */
    purge_selected(h, sel);
    set_enabled(h, sel, false, NULL);
    if (!rom_only)
        hdr_store(h->mapped, false);
    return 0;
}

/*
 * Map (map = true) or unmap the device's memory BARs, or only its ROM.
 * From config write handlers of the device (its write lock held) and from
 * init.  0, -EINVAL (page offset mismatch), -EBUSY (a BAR overlaps one
 * that another domain's device may be decoding), -ENODEV (the state was
 * retired), -ENOMEM or the p2m's error; on error the p2m is unchanged and
 * the caller must leave (or turn) the hardware's decoding off.  After a
 * successful unmap, the caller calls hdr_decode_off() once the hardware
 * stopped decoding.
 */
int hdr_modify(struct lfv_header *h, bool map, bool rom_only)
{
    int rc;

    lfv_lock(&h->hd->map_lock);
    if (h->retired)
        rc = -ENODEV;
    else
        rc = map ? do_map(h, rom_only) : do_unmap(h, rom_only);
    lfv_unlock(&h->hd->map_lock);
    return rc;
}

/* The header hook's state of a domain (its domain_init/fini, header.c). */
int hdr_domain_init(struct lfv_domain *d, void **priv)
{
    struct hdr_domain *hd = lfv_zalloc(sizeof(*hd));

    (void)d;
    if (!hd)
        return -ENOMEM;
    lfv_lock_init(&hd->map_lock);
    *priv = hd;
    return 0;
}

void hdr_domain_fini(struct lfv_domain *d, void *priv)
{
    struct hdr_domain *hd = priv;

    (void)d;
    lfv_lock_destroy(&hd->map_lock);
    lfv_free(hd);
}

/* Join the domain's list, so that other devices' mappings see this one. */
int hdr_map_init(struct lfv_header *h)
{
    struct lfv_system *sys = h->d->sys;

    lfv_lock(&h->hd->map_lock);
    h->next = h->hd->list;
    h->hd->list = h;
    h->listed = true;
    lfv_lock(&sys->hdr_lock);
    h->sys_next = sys->hdr_all;
    __atomic_store_n(&sys->hdr_all, h, __ATOMIC_RELEASE);
    lfv_unlock(&sys->hdr_lock);
    lfv_unlock(&h->hd->map_lock);
    return 0;
}

/*
 * The state is no longer the device's: leave the list, unmap everything
 * (or, if the p2m keeps refusing, revoke the whole p2m: nothing stays
 * usable), and make handlers still running on it map nothing more (they
 * check `retired` under the same lock).  Always terminates.
 */
void hdr_map_retire(struct lfv_header *h)
{
    struct lfv_header **pp;

    lfv_lock(&h->hd->map_lock);
    h->retired = true;
    if (h->listed) {
        for (pp = &h->hd->list; *pp; pp = &(*pp)->next)
            if (*pp == h) {
                *pp = h->next;
                break;
            }
        lfv_lock(&h->d->sys->hdr_lock);
        for (pp = &h->d->sys->hdr_all; *pp; pp = &(*pp)->sys_next)
            if (*pp == h) {
                __atomic_store_n(pp, h->sys_next, __ATOMIC_RELEASE);
                break;
            }
        lfv_unlock(&h->d->sys->hdr_lock);
        h->listed = false;
    }
    /*
     * An unmap fails for want of memory (the simulated platform's injected
     * failures are one-shot: a retry may succeed) or for good (Xen on Arm
     * refuses every p2m change of a dying domain).  Retry a bounded number
     * of times, then revoke the domain's p2m: it can use none of its
     * mappings any more (Xen crashes it), and the state forgets them.
     */
    for (unsigned int tries = 1; do_unmap(h, false); tries++)
        if (tries == HDR_RETIRE_TRIES) {
            bool all[HDR_NR_BARS];

            for (unsigned int i = 0; i < HDR_NR_BARS; i++)
                all[i] = true;
            lfv_p2m_revoke(h->d->p2m);
            purge_selected(h, all);
            set_enabled(h, all, false, NULL);
            hdr_store(h->mapped, false);
            break;
        }
    lfv_unlock(&h->hd->map_lock);
}
