/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci's p2m interface (lfvpci/p2m.h) on Xen's p2m: the BAR mappings
 * of lfvpci's header emulation become map_mmio_regions() and
 * unmap_mmio_regions() calls on the owner domain, as in header.c.
 *
 * Xen applies each change as it is made, so a batch is a log of the
 * changes applied since lfv_p2m_begin(): lfv_p2m_commit() forgets it,
 * lfv_p2m_abort() undoes it in reverse order.  A change is logged only
 * once it is complete; a change that fails part-way is rolled back before
 * its error is returned, so the log always describes what is mapped.
 * A guest may see a batch half done, as it sees header.c's mappings.
 *
 * Both calls may return early with the number of frames done (x86 stops
 * after MAP_MMIO_MAX_ITER p2m entries): the loop below carries on from
 * there.  It does not preempt itself, as header.c does with -ERESTART:
 * a batch is the few ranges of one device's BARs, applied from a config
 * write, and large BARs are mapped with large pages.
 *
 * On Arm, an unmap refused because the guest put RAM over a frame of the
 * range is done again around it, one run of the device's frames at a
 * time (unmap_device_frames()): the guest's RAM stays, none of the
 * device's frames does.
 *
 * Locking: a batch holds the p2m's spinlock from begin to commit or
 * abort, a leaf lock for lfvpci (only the p2m's own locks are taken
 * inside it).  lfv_p2m_translate() takes no lock of ours.
 */

#include <xen/errno.h>
#include <xen/iocap.h>
#include <xen/lib.h>
#include <xen/mm.h>
#include <xen/rcupdate.h>
#include <xen/sched.h>
#include <xen/spinlock.h>
#include <xen/xmalloc.h>

#include <asm/p2m.h>
#include <asm/paging.h>

#include <lfvpci/p2m.h>

struct lfv_p2m_change {
    uint64_t gfn, nr, mfn;
    bool map;
};

struct lfv_p2m {
    struct domain *d;          /* referenced until the p2m is freed */
    bool identity;
    spinlock_t lock;           /* held from begin to commit or abort */
    struct lfv_p2m_change *log; /* the open batch's applied changes */
    unsigned int nr_log, max_log;
    struct rcu_head rcu;
};

int lfv_p2m_create(unsigned int domid, bool identity, struct lfv_p2m **out)
{
    struct lfv_p2m *p;

    if ( !out || domid >= DOMID_FIRST_RESERVED )
        return -EINVAL;

    p = xzalloc(struct lfv_p2m);
    if ( !p )
        return -ENOMEM;

    p->d = get_domain_by_id(domid);
    if ( !p->d )
    {
        xfree(p);
        return -ENOENT;
    }
    p->identity = identity;
    spin_lock_init(&p->lock);
    *out = p;

    return 0;
}

static void cf_check p2m_free_rcu(struct rcu_head *head)
{
    struct lfv_p2m *p = container_of(head, struct lfv_p2m, rcu);

    put_domain(p->d);
    xfree(p->log);
    xfree(p);
}

void lfv_p2m_destroy(struct lfv_p2m *p)
{
    if ( p )
        call_rcu(&p->rcu, p2m_free_rcu);
}

int lfv_p2m_begin(struct lfv_p2m *p)
{
    spin_lock(&p->lock);
    p->nr_log = 0;

    return 0;
}

#ifndef CONFIG_X86
/*
 * Arm's p2m_remove_mapping() refuses a whole range (-EILSEQ, nothing
 * changed) if any entry in it is RAM (p2m_is_any_ram(): RAM, grant or
 * foreign), as the device's MMIO frames never are.  A guest arranges that
 * by populating RAM (XENMEM_populate_physmap) at a frame of its mapped
 * BAR: guest_physmap_add_page() replaces the MMIO entry.  Giving up
 * would leave every other frame of the device mapped, in a guest that may
 * be losing the device (de-assignment: the guest would be crashed, and
 * only its shutdown pause would keep it off the device's frames) or that
 * turned its own decoding off.
 *
 * So the range is unmapped again frame by frame: only the entries that
 * still map the device's frame (mfn + k, as map_mmio_regions() mapped it:
 * p2m_mmio_direct_*) go, runs of them in one call each; any other entry
 * is the guest's (its RAM, or nothing) and is left as it is.  The
 * lookups take no lock that the unmaps hold: another vCPU of the guest
 * (the guest is not paused when it turns its own decoding off) may
 * change an entry in between, and the unmap of a run is refused again.
 * The run is then looked up again, at most LFV_P2M_UNMAP_TRIES times in
 * a row without progress.  Done when no entry of the range maps the
 * device any more; otherwise the error stands.  This costs a p2m_lookup()
 * per frame of the range, only when a guest put something in its BAR.
 */
#define LFV_P2M_UNMAP_TRIES 8

static bool maps_device_frame(struct domain *d, uint64_t gfn, uint64_t mfn)
{
    p2m_type_t t;
    mfn_t m = p2m_lookup(d, _gfn(gfn), &t);

    return mfn_eq(m, _mfn(mfn)) &&
           (t == p2m_mmio_direct_dev || t == p2m_mmio_direct_nc ||
            t == p2m_mmio_direct_c);
}

static int unmap_device_frames(struct domain *d, uint64_t gfn, uint64_t nr,
                               uint64_t mfn)
{
    unsigned int tries = 0;
    uint64_t k = 0, run, skipped = 0;
    int rc;

    while ( k < nr )
    {
        /* the next run of frames that map the device */
        if ( !maps_device_frame(d, gfn + k, mfn + k) )
        {
            k++;
            skipped++;
            continue;
        }
        run = 1;
        while ( k + run < nr &&
                maps_device_frame(d, gfn + k + run, mfn + k + run) )
            run++;

        rc = unmap_mmio_regions(d, _gfn(gfn + k), run, _mfn(mfn + k));
        if ( !rc )
        {
            k += run;
            tries = 0;
            continue;
        }
        if ( rc != -EILSEQ || ++tries == LFV_P2M_UNMAP_TRIES )
            return rc;
        /* changed under us: look at the run again */
    }

    printk(XENLOG_G_INFO "%pd: lfvpci: unmap gfn [%#"PRIx64", %#"PRIx64
           "] mfn %#"PRIx64": left %"PRIu64" frame(s) not the device's\n",
           d, gfn, gfn + nr - 1, mfn, skipped);

    return 0;
}
#endif

/*
 * Map or unmap all of [gfn, gfn + nr - 1]; on error *done frames from gfn
 * were changed.  A negative return of Xen's calls means that call changed
 * nothing on x86.  On Arm, p2m_remove_mapping()'s -EILSEQ comes before any
 * change (see unmap_device_frames() for what follows), but a failed
 * p2m_set_entry() may leave part of its range changed: the whole range
 * then counts as done, so that the caller's rollback covers it.
 *
 * x86's unmap has no such refusal to work around: clear_mmio_p2m_entry()
 * removes any p2m_mmio_direct entry (another mfn with a warning) and
 * refuses other types (-EINVAL), but a guest cannot put any over a direct
 * MMIO entry (p2m_add_page() crashes it, guest_remove_page() and
 * XENMEM_add_to_physmap return -EPERM).
 */
static int apply(struct domain *d, bool map, uint64_t gfn, uint64_t nr,
                 uint64_t mfn, uint64_t *done)
{
    *done = 0;

    if ( !paging_mode_translate(d) )
        return map && gfn != mfn ? -EINVAL : 0;

    while ( *done < nr )
    {
        unsigned long left = nr - *done;
        gfn_t g = _gfn(gfn + *done);
        mfn_t m = _mfn(mfn + *done);
        int rc = map ? map_mmio_regions(d, g, left, m)
                     : unmap_mmio_regions(d, g, left, m);

        if ( rc < 0 )
        {
#ifndef CONFIG_X86
            /*
             * The fallback's error leaves part of the range changed: the
             * whole range counts as done (rolling it back maps the BAR
             * whole again, over what the guest put in it).
             */
            if ( rc == -EILSEQ && !map )
                rc = unmap_device_frames(d, gfn + *done, left, mfn + *done);
            *done = nr;
#endif
            return rc;
        }
        if ( rc == 0 )
            *done = nr;
        else
        {
            ASSERT((unsigned long)rc < left);
            *done += rc;
        }
    }

    return 0;
}

/* Record a change in the batch's log, growing it first if it is full. */
static int log_reserve(struct lfv_p2m *p)
{
    struct lfv_p2m_change *log;
    unsigned int max;

    if ( p->nr_log < p->max_log )
        return 0;

    max = p->max_log ? p->max_log * 2 : 8;
    log = xmalloc_array(struct lfv_p2m_change, max);
    if ( !log )
        return -ENOMEM;
    if ( p->nr_log )
        memcpy(log, p->log, p->nr_log * sizeof(*log));
    xfree(p->log);
    p->log = log;
    p->max_log = max;

    return 0;
}

/*
 * Undo one change; failing that, the domain's p2m is not what it believes
 * and a live guest is crashed (see lfv_p2m_revoke() for why without
 * waiting, and who must have paused it).
 */
static void undo(struct lfv_p2m *p, bool map, uint64_t gfn, uint64_t nr,
                 uint64_t mfn)
{
    uint64_t done;
    int rc;

    if ( !nr )
        return;

    rc = apply(p->d, !map, gfn, nr, mfn, &done);
    if ( !rc || p->d->is_dying )
        return; /* a dying domain's p2m goes with it (and Arm refuses it) */

    printk(XENLOG_G_ERR "%pd: lfvpci: cannot %smap [%#"PRIx64", %#"PRIx64
           "] back: %d\n", p->d, map ? "un" : "", gfn, gfn + nr - 1, rc);
    if ( !is_hardware_domain(p->d) )
        domain_crash(p->d);
}

static int change(struct lfv_p2m *p, bool map, uint64_t gfn, uint64_t nr,
                  uint64_t mfn)
{
    uint64_t done;
    int rc;

    if ( !nr || gfn + (nr - 1) < gfn || mfn + (nr - 1) < mfn )
        return -EINVAL;
    if ( map && p->identity && gfn != mfn )
        return -EINVAL;
    /*
     * A guest's BARs are mapped by vPCI itself, and map_mmio_regions()
     * checks no permission: the toolstack must have granted the frames
     * (XEN_DOMCTL_iomem_permission), as for any MMIO a guest gets.
     */
    if ( map && !p->identity &&
         !iomem_access_permitted(p->d, mfn, mfn + (nr - 1)) )
    {
        printk(XENLOG_G_WARNING "%pd: lfvpci: mfn [%#"PRIx64", %#"PRIx64
               "] not permitted\n", p->d, mfn, mfn + nr - 1);
        return -EPERM;
    }

    rc = log_reserve(p);
    if ( rc )
        return rc;

    rc = apply(p->d, map, gfn, nr, mfn, &done);
    /*
     * A guest's BAR mappings are on its log level (rate-limited): what the
     * guest's BARs became in its p2m, and why a map failed.
     */
    if ( !p->identity )
        printk("%s%pd: lfvpci: %smap gfn [%#"PRIx64", %#"PRIx64"] mfn %#"
               PRIx64": %d\n", rc ? XENLOG_G_WARNING : XENLOG_G_DEBUG, p->d,
               map ? "" : "un", gfn, gfn + nr - 1, mfn, rc);
    if ( rc )
    {
        undo(p, map, gfn, done, mfn);
        return rc;
    }

    p->log[p->nr_log++] = (struct lfv_p2m_change){
        .gfn = gfn, .nr = nr, .mfn = mfn, .map = map,
    };

    return 0;
}

int lfv_p2m_map(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn)
{
    return change(p, true, gfn, nr, mfn);
}

int lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn)
{
    return change(p, false, gfn, nr, mfn);
}

int lfv_p2m_commit(struct lfv_p2m *p)
{
    p->nr_log = 0;
    spin_unlock(&p->lock);

    return 0;
}

void lfv_p2m_abort(struct lfv_p2m *p)
{
    while ( p->nr_log )
    {
        const struct lfv_p2m_change *c = &p->log[--p->nr_log];

        undo(p, c->map, c->gfn, c->nr, c->mfn);
    }
    spin_unlock(&p->lock);
}

/*
 * lfvpci could not take its BAR mappings back.  A dying domain never runs
 * again and its p2m is freed with it (on Arm every change of a dying
 * domain's p2m fails, which is how we got here): nothing to do.  A live
 * guest must not keep frames it no longer owns: crash it.
 *
 * domain_crash() stops the guest's vCPUs without waiting for them
 * (vcpu_pause_nosync()), and must: we run under lfvpci's locks (the
 * device's write lock and the domain's map lock; undo() the batch lock
 * too), on which a vCPU of the guest in a configuration access may spin,
 * so waiting here for it to be descheduled could deadlock.  A vCPU on
 * another pCPU may thus go on with the stale mappings for a while.  That
 * is harmless while the device is still the guest's (a failure in the
 * guest's own access), and whoever hands the device on pauses the guest
 * synchronously first, with none of these locks held (pci.c:
 * XEN_DOMCTL_deassign_device and pci_remove_device(); a dying domain was
 * paused by domain_kill()): the crash's shutdown pause then keeps its
 * vCPUs off.
 *
 * The hardware domain is trusted and kept running, as header.c does: it
 * keeps the 1:1 mappings that could not be removed, frames it has iomem
 * permission for and may map itself (pci.c, assign_device_no_iommu()).
 */
void lfv_p2m_revoke(struct lfv_p2m *p)
{
    if ( p->d->is_dying )
        return;

    printk(XENLOG_G_ERR "%pd: lfvpci: BAR mappings cannot be removed\n",
           p->d);
    if ( !is_hardware_domain(p->d) )
        domain_crash(p->d);
}

bool lfv_p2m_translate(const struct lfv_p2m *p, uint64_t gfn, uint64_t *mfn)
{
    p2m_type_t t;
    mfn_t m;

    if ( !paging_mode_translate(p->d) )
        m = _mfn(gfn);
    else
#ifdef CONFIG_X86
        m = get_gfn_query_unlocked(p->d, gfn, &t);
#else
        m = p2m_lookup(p->d, _gfn(gfn), &t);
#endif

    if ( mfn_eq(m, INVALID_MFN) )
        return false;
    if ( mfn )
        *mfn = mfn_x(m);

    return true;
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * tab-width: 4
 * indent-tabs-mode: nil
 * End:
 */
