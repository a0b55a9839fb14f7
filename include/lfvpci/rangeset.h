/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/rangeset.h - sets of uint64_t intervals, and interval maps, that
 * readers search without locks.
 *
 * Range sets have the semantics of Xen's xen/common/rangeset.c: inclusive
 * [s, e] ranges, adjacent and overlapping ranges merged on add, split on
 * remove, an optional limit on the number of ranges, a name for printing.
 * Unlike Xen (a sorted list under a per-set rwlock, O(n), readers lock),
 * lookups here run under RCU only, concurrently with writers.
 *
 * Structure, small sets: up to 4 ranges (every BAR: 1 to 3) a set keeps
 * them inline, in a latch (Linux's seqcount_latch / rbtree_latch.h): two
 * copies of a sorted array and a sequence counter.  The writer bumps the
 * counter to odd (readers use copy 1), rewrites copy 0, bumps it to even
 * (readers use copy 0), rewrites copy 1.  A reader reads the copy the
 * counter names and retries if the counter moved meanwhile: it never
 * blocks (a writer preempted mid-update is rewriting the other copy) and
 * never sees a torn set.  A small update allocates nothing and retires
 * nothing; it cannot fail for lack of memory.
 * Larger sets: a copy-on-write B+tree (fanout 32, leaves are sorted arrays
 * of {start, end}).  An update that changes one leaf (most do) copies it,
 * and publishes the copy with one release store of the child pointer in
 * its parent (or of the root when the leaf's first start changed, up to the
 * lowest ancestor whose key stays the same); two updates are made in the
 * leaf itself with one store each: appending ranges past its last one when
 * it has room (then its count is raised), and moving only a range's end.
 * Other updates (splits, merges, many leaves) copy the root-to-leaf paths
 * they change and publish the new root with lfv_rcu_assign_pointer().
 * Replaced nodes are retired with lfv_rcu_call(); nothing ever waits for a
 * grace period.  A point lookup reads each node's count and child pointer
 * once and answers as the set was at some instant of its search (a leaf's
 * first start never changes while it is published, and the ranges before
 * the next leaf's first start are all in it).  A reader that walks several
 * leaves (report, format, the other set of merge / subtract) pins the set
 * for the walk (an atomic increment and decrement of a counter in the set,
 * its only store): while a pin is held, updates copy up to the root, so
 * the walk sees one version.
 * Switches: an update that leaves more than 4 ranges builds a tree and
 * publishes its root (the latch keeps the last small version, which is
 * what a reader that found no root still reads); one that leaves 4 or fewer
 * rewrites the latch, then publishes the NULL root and retires the tree.
 * A reader checks for a root first, and again after reading the latch, so
 * it answers from exactly one published version.
 *   - up to 32 ranges the tree is one leaf: a lookup is one pointer load
 *     and a binary search of a plain array;
 *   - lookups: O(log n) (binary search per level, height log_16..32 n);
 *   - add / remove: O(log n + k) for k merged or removed ranges, copying
 *     one leaf (at most 32 ranges, none for an append or an end moved)
 *     when one leaf changes, else O(log n) nodes;
 *   - merge, subtract: O(n + m) rebuild; consume: O(log n + k) for k
 *     consumed ranges (all of them: the tree is retired whole); purge:
 *     O(1) (the old tree is freed after a grace period).
 * Memory: a set's own 208-byte inline latch (interval maps:
 * the same), plus, beyond 4 ranges, leaves with room for 8, 16 or (in a
 * tree of more than one leaf, where they are 16..32 full) 32 ranges of 16
 * bytes, so 18 to 36 bytes per range, and ~2 bytes per range of branch
 * nodes (Xen: 32 bytes plus a malloc header per range).  Interval maps use
 * 24 bytes per entry, and the same small mode up to 4 entries.
 * Replaced nodes are retired in batches (one lfv_rcu_call() per up to 64
 * nodes or 32 KiB), so a set may hold that much retired memory until its
 * next updates or its destruction.  After their grace period they come
 * back to the set, whose writer reuses them instead of calling malloc: a
 * set keeps up to 8 KiB of such nodes, or as much as its writer allocated
 * while they were away when it updates continuously (at most 32 MiB),
 * until its next updates or its destruction.
 *
 * Concurrency contract shared by every function below:
 *   - all functions must be called by threads registered with
 *     lfv_rcu_register_thread() (<lfvpci/rcu.h>), except where "any thread"
 *     is said;
 *   - readers (contains, overlaps, lookup, report, iterate, is_empty, count)
 *     enter their own read-side section, take no lock and never block (the
 *     walks of report and format pin a tree: see above); they
 *     may run concurrently with each other and with any writer of the same
 *     set, and see the set either wholly before or wholly after each update.
 *     They may also be called inside a caller's read-side section;
 *   - writers (add, remove, consume, purge, merge, subtract, limit, insert)
 *     are serialised per set by the set's own spinlock (held for bounded
 *     work that never blocks): any number of threads may call them, they
 *     wait for each other.  They must not be called inside a
 *     read-side section (they take a lock) nor from an RCU callback;
 *   - create / destroy: the caller publishes and unpublishes the set itself;
 *     destroy must be called once, after the set is unreachable for new
 *     readers, and frees it after a grace period (readers still inside a
 *     section may finish).  No other call on the set may start after it.
 * Allocation failure leaves a set unchanged and returns -ENOMEM.  Updates
 * of a set (map) that has at most 4 ranges (entries) before and after
 * never allocate (merge and subtract: if the other set is small too).
 */
#ifndef LFVPCI_RANGESET_H
#define LFVPCI_RANGESET_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

/*
 * The "stop here, call me again" error of consume callbacks.  Linux's
 * <errno.h> has ERESTART (85, the value Xen uses too); platforms that lack
 * it get 85 here.
 */
#ifdef ERESTART
#define LFV_ERESTART ERESTART
#else
#define LFV_ERESTART 85
#endif

/* No limit on the number of ranges (the default). */
#define LFV_RANGESET_NO_LIMIT SIZE_MAX

struct lfv_rangeset;

/*
 * A new, empty set without limit.  name (may be NULL: "(no name)") is
 * copied, truncated to 31 characters.  NULL when out of memory.
 * Any thread.
 */
struct lfv_rangeset *lfv_rangeset_new(const char *name);

/*
 * Free the set after a grace period; never waits.  NULL is ignored.
 * Registered threads, inside or outside a read-side section.  The caller
 * has made the set unreachable for new readers, and no other call on the
 * set may start once destroy has been called.
 */
void lfv_rangeset_destroy(struct lfv_rangeset *r);

/* The set's name.  Any thread; valid until the set is freed. */
const char *lfv_rangeset_name(const struct lfv_rangeset *r);

/*
 * Cap the number of ranges.  An update that would leave the set with more
 * ranges than the limit, and more than it had, fails with -ENOSPC and
 * leaves the set unchanged (Xen counts allocations left instead; the two
 * agree when the limit is set on an empty set, as Xen's callers do).
 * Writer.
 */
void lfv_rangeset_limit(struct lfv_rangeset *r, size_t limit);

/*
 * Add [s, e], merging with overlapping and adjacent ranges.  0, -EINVAL
 * (s > e), -ENOSPC (limit), -ENOMEM.  Writer.  O(log n + merged).
 */
int lfv_rangeset_add_range(struct lfv_rangeset *r, uint64_t s, uint64_t e);

/*
 * Remove [s, e], splitting a range that contains it.  Removing what is not
 * there is not an error.  0, -EINVAL, -ENOSPC (a split past the limit),
 * -ENOMEM.  Writer.
 */
int lfv_rangeset_remove_range(struct lfv_rangeset *r, uint64_t s, uint64_t e);

/* Is all of [s, e] in the set?  false if s > e.  Reader. */
bool lfv_rangeset_contains_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e);

/* Is any of [s, e] in the set?  false if s > e.  Reader. */
bool lfv_rangeset_overlaps_range(const struct lfv_rangeset *r, uint64_t s,
                                 uint64_t e);

/*
 * The range holding addr: true and *s, *e (either may be NULL) set, or
 * false.  Reader.
 */
bool lfv_rangeset_lookup(const struct lfv_rangeset *r, uint64_t addr,
                         uint64_t *s, uint64_t *e);

typedef int lfv_rangeset_report_t(uint64_t s, uint64_t e, void *ctxt);

/*
 * Call cb on every range overlapping [s, e], clipped to [s, e], in
 * ascending order; stop at and return the first non-zero value cb returns,
 * else 0.  -EINVAL if s > e.  Reader: cb runs inside the read-side section
 * on one version of the set, so it must not block or wait for a grace
 * period; it may update this set (it keeps seeing the old version).
 */
int lfv_rangeset_report_ranges(const struct lfv_rangeset *r, uint64_t s,
                               uint64_t e, lfv_rangeset_report_t *cb,
                               void *ctxt);

/*
 * cb is handed [s, e] and sets *consumed (initially 0) to how many values
 * from s on it has dealt with; consumed > e - s means the whole range.  (The
 * count 2^64 of the range [0, UINT64_MAX] does not fit: consuming
 * UINT64_MAX values leaves [UINT64_MAX, UINT64_MAX] for another call.)
 */
typedef int lfv_rangeset_consume_t(uint64_t s, uint64_t e, void *ctxt,
                                   uint64_t *consumed);

/*
 * Xen's rangeset_consume_ranges(): hand the lowest range to cb and remove
 * what it consumed, until the set is empty or cb returns non-zero (e.g.
 * -LFV_ERESTART to be preempted), which is returned.  A range cb did not
 * wholly consume stays in the set from its first unconsumed value, even
 * when cb failed; if cb returned 0 without consuming it all, cb is called
 * again on the rest.  -ENOMEM (before any callback, set unchanged).
 * Writer: cb runs with the set's writer spinlock held (as Xen's runs
 * under the set's rwlock): it must not block, nor update this set;
 * the set is published once, when consume returns (readers, including cb,
 * see the ranges until then).  O(log n + consumed ranges).
 */
int lfv_rangeset_consume_ranges(struct lfv_rangeset *r,
                                lfv_rangeset_consume_t *cb, void *ctxt);

/* Remove every range.  Writer.  O(1); never fails. */
void lfv_rangeset_purge(struct lfv_rangeset *r);

/*
 * r1 |= r2 / r1 &= ~r2.  r2 is read as one consistent version, under RCU
 * only (r2 may be updated concurrently, and may be r1).  0, -ENOSPC (limit
 * of r1), -ENOMEM; r1 unchanged on error.  Writer of r1, reader of r2.
 * O(n1 + n2).
 */
int lfv_rangeset_merge(struct lfv_rangeset *r1, const struct lfv_rangeset *r2);
int lfv_rangeset_subtract(struct lfv_rangeset *r1,
                          const struct lfv_rangeset *r2);

/* No range at all?  Any thread (a single load, no section needed). */
bool lfv_rangeset_is_empty(const struct lfv_rangeset *r);

/* Number of ranges as of the last completed update.  Any thread. */
size_t lfv_rangeset_count(const struct lfv_rangeset *r);

/*
 * Print "name { 0-7, 10 }" (hex, as Xen with RANGESETF_prettyprint_hex)
 * into buf like snprintf: returns the length the full text needs.  Reader.
 */
int lfv_rangeset_format(const struct lfv_rangeset *r, char *buf, size_t size);

/* Xen's singleton helpers: the range [x, x].  Same contracts as above. */
static inline int lfv_rangeset_add_singleton(struct lfv_rangeset *r,
                                             uint64_t x)
{
    return lfv_rangeset_add_range(r, x, x);
}

static inline int lfv_rangeset_remove_singleton(struct lfv_rangeset *r,
                                                uint64_t x)
{
    return lfv_rangeset_remove_range(r, x, x);
}

static inline bool lfv_rangeset_contains_singleton(
    const struct lfv_rangeset *r, uint64_t x)
{
    return lfv_rangeset_contains_range(r, x, x);
}

/*
 * Interval maps: disjoint [s, e] entries, each carrying a value (a guest
 * frame range -> device and BAR; an MSI-X table -> its device).  Same tree,
 * same contracts (readers under RCU, writers serialised per map), 24 bytes
 * per entry.  Values are the caller's: the map never dereferences or frees
 * them.  A reader that dereferences a returned value must keep it alive by
 * its own means, e.g. by calling lookup inside its own read-side section
 * and freeing values with lfv_rcu_call() after removing them.
 */
struct lfv_intervalmap;

/* A new empty map, NULL when out of memory.  Any thread. */
struct lfv_intervalmap *lfv_intervalmap_new(void);

/* As lfv_rangeset_destroy(); values are not touched. */
void lfv_intervalmap_destroy(struct lfv_intervalmap *m);

/*
 * Map [s, e] to value.  0, -EINVAL (s > e), -EEXIST (overlaps an entry),
 * -ENOMEM.  Writer.  O(log n).
 */
int lfv_intervalmap_insert(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                           void *value);

/*
 * Remove the entry that is exactly [s, e]; its value is stored in *value
 * (may be NULL).  0, -ENOENT.  Writer.  O(log n).
 */
int lfv_intervalmap_remove(struct lfv_intervalmap *m, uint64_t s, uint64_t e,
                           void **value);

/*
 * The entry holding addr: true and *value, *s, *e set (each may be NULL),
 * or false.  Reader.  O(log n).
 */
bool lfv_intervalmap_lookup(const struct lfv_intervalmap *m, uint64_t addr,
                            void **value, uint64_t *s, uint64_t *e);

/*
 * lfv_intervalmap_lookup() for a caller already inside a read-side section
 * (lfv_rcu_read_lock()), which it does not enter again: for hot paths that
 * use the value inside that section anyway (trapped MSI-X accesses).
 * Calling it outside one is a bug: the map's nodes may be freed under it.
 */
bool lfv_intervalmap_lookup_rcu(const struct lfv_intervalmap *m,
                                uint64_t addr, void **value, uint64_t *s,
                                uint64_t *e);

typedef int lfv_intervalmap_iter_t(uint64_t s, uint64_t e, void *value,
                                   void *ctxt);

/*
 * Call cb on every entry overlapping [s, e] (not clipped), in ascending
 * order; stop at and return cb's first non-zero value.  -EINVAL if s > e.
 * Reader, with the same rules for cb as lfv_rangeset_report_ranges().
 */
int lfv_intervalmap_iterate(const struct lfv_intervalmap *m, uint64_t s,
                            uint64_t e, lfv_intervalmap_iter_t *cb,
                            void *ctxt);

/* Number of entries as of the last completed update.  Any thread. */
size_t lfv_intervalmap_count(const struct lfv_intervalmap *m);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_RANGESET_H */
