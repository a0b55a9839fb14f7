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
 * unmapped, never a mix, and a failure drops the batch whole.  A deferred
 * operation (<lfvpci/header.h>, lfv_header_process_pending()) is the
 * exception: each of its chunks is a batch of its own, as in Xen, and
 * its undo is one more.
 *
 * Host space and decoding: header_host.c.
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

/*
 * The BAR's frames, minus later selected and already mapped BARs of the
 * device: of two selected BARs sharing guest frames the later maps them,
 * as Xen's modify_bars() (4.19+) removes each BAR's range from the
 * earlier BARs' sets; a mapped BAR keeps its frames.
 */
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
            !((sel[j] && j > i) || hdr_load(o->enabled)))
            continue;
        of = bar_frames(o);
        rc = lfv_rangeset_remove_range(b->mem, of.s, of.e);
    }
    return rc;
}

/*
 * MSI-X table and PBA frames are trapped, never mapped; except for the
 * hardware domain with hwdom_msix_mapped (Xen 4.17 on Arm).
 */
static int punch_msix(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

    if (h->hwdom && h->d->sys->hwdom_msix_mapped)
        return 0;
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

/*
 * Whether o's BAR i holds its guest frames (map_lock): mapped, or being
 * mapped by a deferred operation (its frames are o's from the start, so
 * no other device's map takes them meanwhile).
 */
static bool bar_holds_frames(const struct lfv_header *o, unsigned int i)
{
    return hdr_load(o->bars[i].enabled) ||
           (hdr_op_pending(o) && o->op.map && o->op.sel[i]);
}

/* Other devices' mapped BARs in the domain keep their frames. */
static int punch_others(struct lfv_header *h, const bool sel[])
{
    int rc = 0;

    for (struct lfv_header *o = h->hd->list; !rc && o; o = o->next) {
        if (o == h)
            continue;
        for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++)
            if (hdr_bar_is_mem(&o->bars[i]) && bar_holds_frames(o, i))
                rc = remove_from_selected(h, sel, bar_frames(&o->bars[i]));
    }
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
        rc = hdr_check_host(h, sel, refused);
    return rc;
}

struct range_ctxt {
    struct lfv_p2m *p2m;
    const struct hdr_bar *bar;
};

static int lfv_cf_check map_range(uint64_t s, uint64_t e, void *ctxt)
{
    const struct range_ctxt *c = ctxt;
    uint64_t gstart = PFN(hdr_load(c->bar->guest_addr));
    uint64_t hstart = PFN(hdr_load(c->bar->addr));

    return lfv_p2m_map(c->p2m, s, e - s + 1, hstart + (s - gstart));
}

static int lfv_cf_check unmap_range(uint64_t s, uint64_t e, void *ctxt)
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

/* Unclaim after a failed or cancelled map: the hardware will not decode. */
static void map_failed(struct lfv_header *h, const bool sel[])
{
    purge_selected(h, sel);
    lfv_lock(&h->d->sys->hdr_lock);
    hdr_unclaim(h, sel);
    lfv_unlock(&h->d->sys->hdr_lock);
}

static void map_done(struct lfv_header *h, const bool sel[],
                     const bool refused[], bool rom_only)
{
    set_enabled(h, sel, true, refused);
    if (!rom_only)
        hdr_store(h->mapped, true);
}

static void unmap_done(struct lfv_header *h, const bool sel[], bool rom_only)
{
    purge_selected(h, sel);
    set_enabled(h, sel, false, NULL);
    if (!rom_only)
        hdr_store(h->mapped, false);
}

/* The BARs a map selects; false if none. */
static bool select_map(const struct lfv_header *h, bool rom_only, bool sel[])
{
    bool any = false;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        const struct hdr_bar *b = &h->bars[i];

        sel[i] = hdr_bar_is_mem(b) && !hdr_load(b->enabled) &&
                 (i == HDR_ROM ? h->rom_enabled : !rom_only);
        any |= sel[i];
    }
    return any;
}

/* The BARs an unmap selects: the mapped ones; false if none. */
static bool select_unmap(const struct lfv_header *h, bool rom_only,
                         bool sel[])
{
    bool any = false;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        sel[i] = hdr_load(h->bars[i].enabled) && (!rom_only || i == HDR_ROM);
        any |= sel[i];
    }
    return any;
}

static int do_unmap(struct lfv_header *h, bool rom_only)
{
    bool sel[HDR_NR_BARS];
    int rc = 0;

    if (select_unmap(h, rom_only, sel))
        rc = p2m_apply(h, sel, unmap_range);
    if (rc)
        return rc; /* still mapped, as the state says */
    unmap_done(h, sel, rom_only);
    return 0;
}

/* ---- deferred operations (lfv_header_process_pending) ---- */

/* Chunks cut by the budget end on a 2 MiB boundary when they can. */
#define HDR_BLOCK_FRAMES 512u

static int lfv_cf_check count_range(uint64_t s, uint64_t e, void *ctxt)
{
    *(uint64_t *)ctxt += e - s + 1;
    return 0;
}

/* Frames the selected sets hold (a few ranges each). */
static uint64_t sel_frames(const struct lfv_header *h, const bool sel[])
{
    uint64_t n = 0;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        if (sel[i])
            lfv_rangeset_report_ranges(h->bars[i].mem, 0, UINT64_MAX,
                                       count_range, &n);
    return n;
}

static bool should_defer(const struct lfv_header *h, const bool sel[])
{
    return sel_frames(h, sel) > hdr_load(h->hd->max_sync);
}

/* Queue the operation (both locks held). */
static int op_defer(struct lfv_header *h, bool map, bool rom_only,
                    const bool sel[], const bool refused[], hdr_done_t *done,
                    uint32_t val)
{
    struct hdr_op *op = &h->op;

    op->map = map;
    op->rom_only = rom_only;
    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        op->sel[i] = sel[i];
        op->refused[i] = refused && refused[i];
    }
    op->bar = 0;
    op->pos = 0;
    op->done = done;
    op->val = val;
    op->next = NULL;
    *h->hd->pending_tail = h;
    h->hd->pending_tail = &op->next;
    hdr_store(h->hd->nr_pending, h->hd->nr_pending + 1);
    hdr_store(op->active, true);
    return HDR_DEFERRED;
}

/* Leave the queue (map_lock). */
static void op_dequeue(struct lfv_header *h)
{
    struct hdr_domain *hd = h->hd;
    struct lfv_header **pp;

    for (pp = &hd->pending; *pp; pp = &(*pp)->op.next)
        if (*pp == h) {
            *pp = h->op.next;
            if (hd->pending_tail == &h->op.next)
                hd->pending_tail = pp;
            break;
        }
    h->op.next = NULL;
    hdr_store(hd->nr_pending, hd->nr_pending - 1);
    hdr_store(h->op.active, false);
}

/* Unmap, in one batch, what h's map operation has mapped so far. */
static int op_unmap_done_part(struct lfv_header *h)
{
    const struct hdr_op *op = &h->op;
    struct range_ctxt c = { .p2m = h->d->p2m };
    int rc;

    if (!op->bar && !op->pos)
        return 0; /* nothing mapped yet */
    rc = lfv_p2m_begin(c.p2m);
    if (rc)
        return rc;
    for (unsigned int i = 0; !rc && i <= op->bar && i < HDR_NR_BARS; i++) {
        if (!op->sel[i] || (i == op->bar && !op->pos))
            continue;
        c.bar = &h->bars[i];
        rc = lfv_rangeset_report_ranges(h->bars[i].mem, 0,
                                        i < op->bar ? UINT64_MAX
                                                    : op->pos - 1,
                                        unmap_range, &c);
    }
    if (rc) {
        lfv_p2m_abort(c.p2m);
        return rc;
    }
    return lfv_p2m_commit(c.p2m);
}

/*
 * A map operation that failed or is cancelled takes back what it mapped
 * (map_lock).  If the p2m keeps refusing, the domain's p2m is revoked, as
 * at retire: the domain must not keep frames its state does not know.
 */
static void op_undo_map(struct lfv_header *h)
{
    for (unsigned int tries = 1; op_unmap_done_part(h); tries++)
        if (tries == HDR_RETIRE_TRIES) {
            lfv_p2m_revoke(h->d->p2m);
            break;
        }
    map_failed(h, h->op.sel);
}

struct step_ctxt {
    struct lfv_p2m *p2m;
    const struct hdr_bar *bar;
    struct hdr_op *op;
    uint64_t left;               /* frames this call may still change */
    lfv_header_preempt_t *preempt;
    void *arg;
    bool stop;                   /* the preemption callback said so */
};

/* Map or unmap [s, e] of c->bar, as far as the budget allows. */
static int lfv_cf_check step_range(uint64_t s, uint64_t e, void *ctxt)
{
    struct step_ctxt *c = ctxt;
    uint64_t gstart = PFN(hdr_load(c->bar->guest_addr));
    uint64_t hstart = PFN(hdr_load(c->bar->addr));

    while (s <= e) {
        uint64_t n = e - s + 1, cut;
        int rc;

        if (!c->left || c->stop)
            return 1;
        if (n > c->left) {
            n = c->left;
            cut = (s + n) & ~(uint64_t)(HDR_BLOCK_FRAMES - 1);
            if (cut > s)
                c->left = n = cut - s; /* the call ends there */
        }
        rc = c->op->map ? lfv_p2m_map(c->p2m, s, n, hstart + (s - gstart))
                        : lfv_p2m_unmap(c->p2m, s, n, hstart + (s - gstart));
        if (rc)
            return rc;
        c->left -= n;
        s += n;
        c->op->pos = s;
        if (c->preempt && c->preempt(c->arg))
            c->stop = true;
        if (!s)
            break; /* wrapped: e was the last frame */
    }
    return 0;
}

/*
 * One batch of h's operation within c's budget (both locks): 0 finished,
 * -EAGAIN more is left, else the p2m's error (the batch dropped, the
 * cursor back where the batch began).
 */
static int op_step(struct lfv_header *h, struct step_ctxt *c)
{
    struct hdr_op *op = &h->op;
    unsigned int bar0 = op->bar;
    uint64_t pos0 = op->pos;
    int rc = lfv_p2m_begin(c->p2m);

    if (rc)
        return rc;
    c->op = op;
    while (!rc && op->bar < HDR_NR_BARS) {
        if (op->sel[op->bar]) {
            c->bar = &h->bars[op->bar];
            rc = lfv_rangeset_report_ranges(c->bar->mem, op->pos, UINT64_MAX,
                                            step_range, c);
        }
        if (!rc) {
            op->bar++;
            op->pos = 0;
        }
    }
    if (rc < 0) {
        lfv_p2m_abort(c->p2m);
        op->bar = bar0;
        op->pos = pos0;
        return rc;
    }
    if (lfv_p2m_commit(c->p2m)) {
        op->bar = bar0;
        op->pos = pos0;
        return -ENOMEM;
    }
    return rc ? -EAGAIN : 0;
}

/*
 * End h's operation with rc (both locks), as Xen's
 * vpci_process_pending() ends one: a map that failed takes back what it
 * had mapped (Xen 4.17 leaves it: its FIXME) and the write completes
 * with decoding off; an unmap that failed leaves the BARs mapped as the
 * state says (frames it had unmapped are skipped by the next unmap) and
 * decoding on.  Then the write completes (op->done: the hardware and the
 * owner's view change now).
 */
static void op_finish(struct lfv_header *h, int rc)
{
    struct hdr_op *op = &h->op;

    if (op->map && rc)
        op_undo_map(h);
    else if (op->map)
        map_done(h, op->sel, op->refused, op->rom_only);
    else if (!rc)
        unmap_done(h, op->sel, op->rom_only);
    op_dequeue(h);
    op->done(h, op->val, rc);
}

/* Retire: drop the operation without completing the write (map_lock). */
static void op_cancel(struct lfv_header *h)
{
    if (!hdr_op_pending(h))
        return;
    if (h->op.map)
        op_undo_map(h);
    op_dequeue(h); /* an unmap's BARs are still enabled: retire unmaps */
}

int hdr_process_pending(struct lfv_domain *d, struct hdr_domain *hd,
                        uint64_t budget, lfv_header_preempt_t *preempt,
                        void *arg)
{
    struct step_ctxt c = {
        .p2m = d->p2m, .left = budget ? budget : UINT64_MAX,
        .preempt = preempt, .arg = arg,
    };

    while (c.left && !c.stop) {
        struct lfv_header *h;
        int rc;

        /* h's memory outlives its retirement until the section ends */
        lfv_rcu_read_lock();
        lfv_lock(&hd->map_lock);
        h = hd->pending;
        lfv_unlock(&hd->map_lock);
        if (!h) {
            lfv_rcu_read_unlock();
            break;
        }
        lfv_wlock_lock(&h->v->vdev.write_lock);
        lfv_lock(&hd->map_lock);
        if (hdr_op_pending(h) && !h->retired) {
            rc = op_step(h, &c);
            if (rc != -EAGAIN)
                op_finish(h, rc);
        }
        lfv_unlock(&hd->map_lock);
        lfv_wlock_unlock(&h->v->vdev.write_lock);
        lfv_rcu_read_unlock();
    }
    return hdr_load(hd->nr_pending) ? 1 : 0;
}

int hdr_modify(struct lfv_header *h, bool map, bool rom_only, bool may_defer,
               hdr_done_t *done, uint32_t val)
{
    bool sel[HDR_NR_BARS] = { false }, refused[HDR_NR_BARS] = { false };
    int rc = 0;

    lfv_lock(&h->hd->map_lock);
    if (h->retired) {
        rc = -ENODEV;
    } else if (map) {
        if (select_map(h, rom_only, sel)) {
            rc = build_sets(h, sel, refused);
            if (!rc && may_defer && should_defer(h, sel))
                rc = op_defer(h, true, rom_only, sel, refused, done, val);
            else if (!rc)
                rc = p2m_apply(h, sel, map_range);
        }
        if (rc < 0)
            map_failed(h, sel);
        else if (!rc)
            map_done(h, sel, refused, rom_only);
    } else if (may_defer && select_unmap(h, rom_only, sel) &&
               should_defer(h, sel)) {
        rc = op_defer(h, false, rom_only, sel, NULL, done, val);
    } else {
        rc = do_unmap(h, rom_only);
    }
    lfv_unlock(&h->hd->map_lock);
    return rc;
}

/* The header hook's state of a domain (its domain_init/fini, header.c). */
int lfv_cf_check hdr_domain_init(struct lfv_domain *d, void **priv)
{
    struct hdr_domain *hd = lfv_zalloc(sizeof(*hd));

    (void)d;
    if (!hd)
        return -ENOMEM;
    lfv_lock_init(&hd->map_lock);
    hd->pending_tail = &hd->pending;
    hd->max_sync = LFV_HEADER_SYNC_ALL;
    *priv = hd;
    return 0;
}

void lfv_cf_check hdr_domain_fini(struct lfv_domain *d, void *priv)
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
    op_cancel(h); /* no write completes: the hardware is not ours now */
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
