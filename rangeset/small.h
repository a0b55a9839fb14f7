/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The small mode of range sets and interval maps: up to RS_SMALL_MAX
 * entries kept inline in the set, in a latch (Linux's seqcount_latch and
 * rbtree_latch.h): two copies of a sorted array and a sequence counter.
 * Internal to rangeset/.
 *
 * Writer, under the owner's lock: seq++ (odd: readers use copy 1), write
 * copy 0, seq++ (even: readers use copy 0), write copy 1.  At rest seq is
 * even and both copies are equal.
 * Reader: s = seq; copy out copy[s & 1]; if seq != s, do it again.
 *
 * Reader guarantee: a reader never blocks and never sees a torn array.
 * The copy it reads is the one the writer is not writing, so it retries
 * only if a writer moved on (finished a copy) while it was reading: a
 * writer preempted in the middle of an update holds no reader up.
 * Every access to the copies is an atomic (relaxed) load or store, with
 * fences ordering them against seq, so the race is one the compiler and
 * ThreadSanitizer know about.
 *
 * No allocation, no grace period: a small update is a handful of stores.
 * The owner switches to its B+tree when an update leaves more than
 * RS_SMALL_MAX entries, and back when one leaves at most RS_SMALL_MAX; see
 * rs_small_or_root() for how readers stay consistent across the switch.
 */
#ifndef LFV_RANGESET_SMALL_H
#define LFV_RANGESET_SMALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/compiler.h"
#include "../core/tsan.h"
#include "btree.h"

/*
 * The latch's words are read and written with relaxed atomics ordered by
 * fences against seq.  ThreadSanitizer does not model fences (and gcc
 * refuses them under it): there every word is a release store and an
 * acquire load instead, which orders the same accesses (and costs the same
 * on x86).
 */
#ifdef LFV_TSAN
#define RS_LATCH_LOAD __ATOMIC_ACQUIRE
#define RS_LATCH_STORE __ATOMIC_RELEASE
#define rs_latch_fence(order) ((void)0)
#else
#define RS_LATCH_LOAD __ATOMIC_RELAXED
#define RS_LATCH_STORE __ATOMIC_RELAXED
#define rs_latch_fence(order) __atomic_thread_fence(order)
#endif

#define RS_SMALL_MAX 4
/* Entries of up to three words: {start, end} or {start, end, value}. */
#define RS_SMALL_WORDS (RS_SMALL_MAX * 3)

struct rs_small {
    unsigned int seq;
    uint32_t n[2];
    uint64_t w[2][RS_SMALL_WORDS];
};

/*
 * Copy the current contents (entries of esize bytes) to out, which has
 * room for RS_SMALL_MAX entries; returns their number.  Any thread.
 */
static inline unsigned int rs_small_read(const struct rs_small *sm,
                                         size_t esize, void *out)
{
    const unsigned int words = (unsigned int)(esize / sizeof(uint64_t));
    char *o = out;

    for (;;) {
        unsigned int s = __atomic_load_n(&sm->seq, __ATOMIC_ACQUIRE);
        unsigned int c = s & 1, n, i;

        n = __atomic_load_n(&sm->n[c], RS_LATCH_LOAD);
        /* Only a copy being rewritten can say more; seq will tell. */
        if (n > RS_SMALL_MAX)
            n = RS_SMALL_MAX;
        for (i = 0; i < n * words; i++) {
            uint64_t v = __atomic_load_n(&sm->w[c][i], RS_LATCH_LOAD);

            /* Entries may hold pointers: no uint64_t lvalue on them. */
            memcpy(o + i * sizeof(v), &v, sizeof(v));
        }
        rs_latch_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&sm->seq, __ATOMIC_RELAXED) == s)
            return n;
    }
}

static inline void rs_small_copy_out(struct rs_small *sm, unsigned int c,
                                     const void *ents, unsigned int n,
                                     unsigned int words)
{
    const char *src = ents;
    unsigned int i;

    __atomic_store_n(&sm->n[c], n, RS_LATCH_STORE);
    /* A constant bound, so that the copy is unrolled. */
    lfv_unroll(12)
    for (i = 0; i < RS_SMALL_MAX * words; i++) {
        uint64_t v;

        if (i >= n * words)
            break;
        memcpy(&v, src + i * sizeof(v), sizeof(v));
        __atomic_store_n(&sm->w[c][i], v, RS_LATCH_STORE);
    }
}

/* Replace the contents by ents[0..n), n <= RS_SMALL_MAX.  Writer. */
static inline void rs_small_write(struct rs_small *sm, size_t esize,
                                  const void *ents, unsigned int n)
{
    const unsigned int words = (unsigned int)(esize / sizeof(uint64_t));
    unsigned int s = sm->seq; /* only writers store it */

    __atomic_store_n(&sm->seq, s + 1, __ATOMIC_RELAXED);
    /* Copy 0's new words must not be seen before seq says "use copy 1". */
    rs_latch_fence(__ATOMIC_RELEASE);
    rs_small_copy_out(sm, 0, ents, n, words);
    __atomic_store_n(&sm->seq, s + 2, __ATOMIC_RELEASE);
    rs_latch_fence(__ATOMIC_RELEASE);
    rs_small_copy_out(sm, 1, ents, n, words);
}

/* The current contents, for their writer (copy 0 is stable under it). */
static inline const void *rs_small_ents(const struct rs_small *sm)
{
    return sm->w[0];
}

static inline unsigned int rs_small_count(const struct rs_small *sm)
{
    return sm->n[0];
}

/*
 * A reader's view of an owner whose tree root is published in *slot (NULL
 * in small mode): the root, or NULL and the small contents copied to out
 * (*n of them).  Call inside a read-side section; a returned root is
 * valid until its end.
 *
 * The switches keep this consistent:
 *   small -> tree: the writer publishes the root, leaving the latch as it
 *     was (a reader that found no root still reads the last small version,
 *     which was current when it looked);
 *   tree -> small: the writer rewrites the latch with the new contents,
 *     then publishes NULL, and retires the tree with RCU.
 * Only a reader that found no root before the switch to the tree can read
 * the latch while it is rewritten; checking the root again after the copy
 * sends it to the tree instead of answering from contents that are not
 * published yet.
 */
static inline const struct rs_node *rs_small_or_root(
    struct rs_node *const *slot, const struct rs_small *sm, size_t esize,
    void *out, unsigned int *n)
{
    for (;;) {
        const struct rs_node *root = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

        if (root) {
            *n = 0;
            return root;
        }
        *n = rs_small_read(sm, esize, out);
        /* Ordered after the copy by rs_small_read()'s acquire fence. */
        if (!__atomic_load_n(slot, __ATOMIC_RELAXED))
            return NULL;
    }
}

/*
 * rs_small_or_root() for a point query: in small mode, only the entry with
 * the greatest start <= x is copied to out (*found says whether there is
 * one), which is all a lookup needs.
 */
static inline const struct rs_node *rs_small_or_root_find(
    struct rs_node *const *slot, const struct rs_small *sm, size_t esize,
    uint64_t x, void *out, bool *found)
{
    const unsigned int words = (unsigned int)(esize / sizeof(uint64_t));

    for (;;) {
        const struct rs_node *root = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
        unsigned int s, c, n, i, k;

        if (root)
            return root;
        s = __atomic_load_n(&sm->seq, __ATOMIC_ACQUIRE);
        c = s & 1;
        n = __atomic_load_n(&sm->n[c], RS_LATCH_LOAD);
        if (n > RS_SMALL_MAX)
            n = RS_SMALL_MAX;
        /* forward: the first start above x ends the search */
        for (i = 0; i < n; i++)
            if (__atomic_load_n(&sm->w[c][i * words], RS_LATCH_LOAD) > x)
                break;
        *found = i > 0;
        lfv_unroll(3)
        for (k = 0; i && k < words; k++) {
            uint64_t v = __atomic_load_n(&sm->w[c][(i - 1) * words + k],
                                         RS_LATCH_LOAD);

            memcpy((char *)out + k * sizeof(v), &v, sizeof(v));
        }
        rs_latch_fence(__ATOMIC_ACQUIRE);
        if (__atomic_load_n(&sm->seq, __ATOMIC_RELAXED) == s &&
            !__atomic_load_n(slot, __ATOMIC_RELAXED))
            return NULL;
    }
}

/*
 * The contents in which the entries whose start lies in [a, b] are
 * replaced by ins[0..nins) (rs_splice() on an array): written to out,
 * which has room for n + nins entries.  Returns the new count and sets
 * *removed.
 */
static inline unsigned int rs_small_splice(const void *cur, unsigned int n,
                                           size_t esize, uint64_t a,
                                           uint64_t b, const void *ins,
                                           unsigned int nins, void *out,
                                           size_t *removed)
{
    unsigned int lo = 0, hi;

    while (lo < n && *(const uint64_t *)((const char *)cur + lo * esize) < a)
        lo++;
    hi = lo;
    while (hi < n && *(const uint64_t *)((const char *)cur + hi * esize) <= b)
        hi++;
    *removed = hi - lo;
    if (lo)
        memcpy(out, cur, lo * esize);
    if (nins)
        memcpy((char *)out + lo * esize, ins, nins * esize);
    if (n > hi)
        memcpy((char *)out + (lo + nins) * esize,
               (const char *)cur + hi * esize, (n - hi) * esize);
    return n - (hi - lo) + nins;
}

/* How many entries rs_small_splice(cur, n, esize, a, b, ...) removes. */
static inline unsigned int rs_small_removed(const void *cur, unsigned int n,
                                            size_t esize, uint64_t a,
                                            uint64_t b)
{
    unsigned int i, k = 0;

    for (i = 0; i < n; i++) {
        uint64_t key = *(const uint64_t *)((const char *)cur + i * esize);

        if (key > b)
            break;
        k += key >= a;
    }
    return k;
}

/* The entry of ents[0..n) with the greatest start <= x, or NULL. */
static inline const void *rs_small_find_le(const void *ents, unsigned int n,
                                           size_t esize, uint64_t x)
{
    while (n--) {
        const void *e = (const char *)ents + n * esize;

        if (*(const uint64_t *)e <= x)
            return e;
    }
    return NULL;
}

/*
 * For tests: check the latch at rest (seq even, both copies equal, sorted,
 * disjoint).  The number of entries, or -(line) of the failed check.
 * Writers only.
 */
static inline long rs_small_check(const struct rs_small *sm, size_t esize)
{
    const unsigned int words = (unsigned int)(esize / sizeof(uint64_t));
    const uint64_t *w = sm->w[0];
    unsigned int i;

    if (sm->seq & 1)
        return -(long)__LINE__;
    if (sm->n[0] != sm->n[1] || sm->n[0] > RS_SMALL_MAX)
        return -(long)__LINE__;
    if (memcmp(sm->w[0], sm->w[1], sm->n[0] * esize))
        return -(long)__LINE__;
    for (i = 0; i < sm->n[0]; i++) {
        if (w[i * words] > w[i * words + 1])
            return -(long)__LINE__;
        if (i && w[i * words] <= w[(i - 1) * words + 1])
            return -(long)__LINE__;
    }
    return sm->n[0];
}

#endif /* LFV_RANGESET_SMALL_H */
