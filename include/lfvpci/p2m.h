/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/p2m.h - a domain's guest-frame -> machine-frame map for BAR MMIO.
 *
 * The header emulation (<lfvpci/header.h>) maps a BAR's frames into its
 * owner's p2m when the owner turns memory decoding on and unmaps them when
 * it turns it off, moves the BAR or loses the device.  This is the simulated
 * p2m: one per domain, an interval map (<lfvpci/rangeset.h>) of
 * [gfn_start, gfn_end] -> mfn of gfn_start.  A host such as Xen implements
 * the same calls on its own p2m (map_mmio_regions / unmap_mmio_regions).
 *
 * Updates are batched: lfv_p2m_begin() .. lfv_p2m_map()/lfv_p2m_unmap() ..
 * lfv_p2m_commit() publishes every change of the batch at once, so a reader
 * sees the p2m as it was before the batch or after it, never part of it;
 * lfv_p2m_abort() drops the whole batch.  Each batch copies the map
 * (O(n log n) for n entries: a domain has a few entries per BAR, and
 * batches happen only when a guest toggles decoding).
 *
 * Two implementations: sim/p2m.c, the simulated p2m, and Xen's
 * (integration/xen/src/lfvpci-p2m.c: map_mmio_regions()/
 * unmap_mmio_regions() on the owner's p2m).  The calls from
 * lfv_p2m_create() to lfv_p2m_revoke() are the interface every
 * implementation provides, with the same arguments, errors and locking;
 * a host that applies changes as it goes (Xen) undoes the batch's changes
 * in lfv_p2m_abort(), and its guests may see a batch half done, as they
 * see Xen's own BAR mappings.  The calls after lfv_p2m_revoke()
 * (failure injection, views, counters) exist in the simulated p2m only:
 * tests and tools inspect it with them.
 *
 * A hardware domain's p2m is an identity p2m: a map with gfn != mfn is
 * refused (-EINVAL), so the identity invariant holds by construction.
 *
 * Concurrency: readers (lfv_p2m_translate, lfv_p2m_view*) take no lock and
 * never block; they run concurrently with batches.  Batches of one p2m are
 * serialised by the p2m's own lock, a leaf lock: between begin and
 * commit/abort the caller must take no other lock.  Batch functions never
 * wait for a grace period, so they may be called inside a read-side
 * section, e.g. from config write handlers.
 * All calls are for registered RCU threads (<lfvpci/rcu.h>).
 */
#ifndef LFVPCI_P2M_H
#define LFVPCI_P2M_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

#define LFV_PAGE_SHIFT 12
#define LFV_PAGE_SIZE (1ull << LFV_PAGE_SHIFT)

struct lfv_p2m;

/*
 * The p2m of domain domid (the simulated p2m: a new empty one); identity:
 * refuse every map with gfn != mfn.  0, -EINVAL, -ENOMEM, or -ENOENT (a
 * host that has no domain domid).  Any registered thread.
 */
int lfv_p2m_create(unsigned int domid, bool identity, struct lfv_p2m **out);

/*
 * Free after a grace period.  No batch may be open or start; readers still
 * inside a section finish on valid memory.  Never waits.  NULL is ignored.
 */
void lfv_p2m_destroy(struct lfv_p2m *p);

/* The domain's p2m (created with the domain).  Any thread. */
struct lfv_p2m *lfv_domain_p2m(const struct lfv_domain *d);

/*
 * Open a batch: waits for any other batch of this p2m, then copies the
 * current map.  0 or -ENOMEM (nothing open).
 */
int lfv_p2m_begin(struct lfv_p2m *p);

/*
 * In the open batch: map [gfn, gfn + nr - 1] to [mfn, mfn + nr - 1].
 * 0; -EINVAL (nr == 0, overflow, identity p2m and gfn != mfn); -EEXIST (a
 * frame is already mapped); -ENOMEM; or the injected error.  On error the
 * batch is unchanged and still open.
 */
int lfv_p2m_map(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn);

/*
 * In the open batch: unmap [gfn, gfn + nr - 1], which maps (where it is
 * mapped) to [mfn, mfn + nr - 1], as Xen's unmap_mmio_regions() takes it.
 * Entries straddling the edges are split; frames not mapped are skipped
 * (unmapping nothing is not an error).  0; -EINVAL (nr == 0, overflow, or
 * a frame of the range mapped to another machine frame: nothing is
 * unmapped); -ENOMEM.  On error the batch is unchanged and still open.
 */
int lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr, uint64_t mfn);

/*
 * Publish the batch as one new version (0) or, on -ENOMEM, publish nothing
 * (the batch is dropped).  Ends the batch either way.
 */
int lfv_p2m_commit(struct lfv_p2m *p);

/*
 * Drop the batch: readers never saw any of it (a host applying changes as
 * it goes undoes them, in reverse order).  Ends the batch.
 */
void lfv_p2m_abort(struct lfv_p2m *p);

/*
 * gfn's machine frame in the current version: true and *mfn set (may be
 * NULL), or false.  Any registered thread; never blocks.
 */
bool lfv_p2m_translate(const struct lfv_p2m *p, uint64_t gfn, uint64_t *mfn);

/*
 * The caller cannot take back BAR mappings it made (an unmap keeps
 * failing: Xen on Arm refuses every p2m change of a dying domain), so the
 * domain must use none of them any more.  The simulated p2m publishes an
 * empty version (nothing to allocate: it cannot fail) and refuses every
 * later batch (lfv_p2m_begin(): -ENODEV).  Xen crashes a guest that is not
 * already dying (a dying one never runs again and its p2m goes with it)
 * and logs; the hardware domain is only logged, as Xen's header.c does
 * on its failures.  Outside a batch; takes the batch lock; never waits.
 * Idempotent.
 */
void lfv_p2m_revoke(struct lfv_p2m *p);

/* The simulated p2m only, from here on. */

/*
 * Failure injection for tests: the (n + 1)-th lfv_p2m_map() from now fails
 * with err (n = 0: the next one), once; n < 0 disables.  Any thread.
 */
void lfv_p2m_fail_map_after(struct lfv_p2m *p, long n, int err);

/*
 * Failure injection for tests: from now on every lfv_p2m_map() and
 * lfv_p2m_unmap() fails with err, as Xen on Arm fails every p2m change of
 * a dying domain (-ENOMEM); err = 0 stops it.  Any thread.
 */
void lfv_p2m_fail_all(struct lfv_p2m *p, int err);

/*
 * Failure injection for tests: the (n + 1)-th lfv_p2m_unmap() from now
 * fails with err (n = 0: the next one), once, changing nothing; n < 0
 * disables.  Any thread.
 */
void lfv_p2m_fail_unmap_after(struct lfv_p2m *p, long n, int err);

/*
 * What the p2m was asked to do since creation or the last reset: each
 * successful lfv_p2m_map()/lfv_p2m_unmap() counts as one call of nr
 * frames (an unmap's nr counts even where nothing was mapped); a batch's
 * frames are the sum of its calls' nr, counted when it commits.  For
 * tests bounding the work of one call or batch (deferred mapping,
 * <lfvpci/header.h>).  Any thread; the fields are read one by one.
 */
struct lfv_p2m_stats {
    uint64_t map_calls, unmap_calls;
    uint64_t max_call_frames;  /* the largest nr of one call */
    uint64_t batches;          /* committed batches */
    uint64_t max_batch_frames; /* the most frames one committed batch had */
};
void lfv_p2m_stats(const struct lfv_p2m *p, struct lfv_p2m_stats *out);
/* Zero the counters.  Outside a batch; takes the batch lock. */
void lfv_p2m_stats_reset(struct lfv_p2m *p);

/* Whether lfv_p2m_revoke() was called on p.  Any thread. */
bool lfv_p2m_revoked(const struct lfv_p2m *p);

/*
 * A consistent view of one published version: take it inside the caller's
 * read-side section (lfv_rcu_read_lock) and use it only there.  Every
 * translate and iterate on one view sees the same version.
 */
struct lfv_p2m_view;
const struct lfv_p2m_view *lfv_p2m_view(const struct lfv_p2m *p);
bool lfv_p2m_view_translate(const struct lfv_p2m_view *v, uint64_t gfn,
                            uint64_t *mfn);
/* Versions count commits: 0 for a new p2m, +1 per committed batch. */
uint64_t lfv_p2m_view_version(const struct lfv_p2m_view *v);

typedef int lfv_p2m_iter_t(uint64_t gfn, uint64_t nr, uint64_t mfn,
                           void *ctxt);
/* Call cb on every entry in gfn order; stop at cb's first non-zero value. */
int lfv_p2m_view_iterate(const struct lfv_p2m_view *v, lfv_p2m_iter_t *cb,
                         void *ctxt);

/*
 * Number of mapped frames and of entries in the current version.  A batch
 * starts from a copy that merges entries continuing each other (next gfn
 * to next mfn), so entries counts ranges as of the batch's start, plus
 * what the batch itself added.
 */
uint64_t lfv_p2m_nr_frames(const struct lfv_p2m *p);
uint64_t lfv_p2m_nr_entries(const struct lfv_p2m *p);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_P2M_H */
