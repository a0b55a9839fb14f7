/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor environment Xen 4.17's xen/common/rangeset.c needs, in
 * user space: the kernel-style list, real rwlocks (pthread_rwlock_t) for the
 * per-set lock, a mutex for the per-domain list lock, malloc for xmalloc.
 * Every stub header the build generates (xen/sched.h, xen/errno.h,
 * xen/types.h, xsm/xsm.h) includes only this file; <xen/rangeset.h> is
 * Xen's own, from the source tree.
 */
#ifndef LFV_BENCH_XEN417_ENV_H
#define LFV_BENCH_XEN417_ENV_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

typedef bool bool_t;

#define __must_check __attribute__((warn_unused_result))
#define cf_check
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ASSERT(p) ((void)0)
#define BUG_ON(p) do { if (p) abort(); } while (0)

#define max(a, b) ({ __typeof__(a) a_ = (a); __typeof__(b) b_ = (b); \
                     a_ > b_ ? a_ : b_; })
#define min(a, b) ({ __typeof__(a) a_ = (a); __typeof__(b) b_ = (b); \
                     a_ < b_ ? a_ : b_; })

#define xmalloc(type) ((type *)malloc(sizeof(type)))
#define xfree(p) free(p)
#define safe_strcpy(d, s) snprintf((d), sizeof(d), "%s", (s))
#define printk(...) printf(__VA_ARGS__)

/* Circular doubly linked list with a sentinel head. */
struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD(name) struct list_head name = { &(name), &(name) }
#define list_entry(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))
#define list_for_each_entry(pos, head, member)                              \
    for ((pos) = list_entry((head)->next, __typeof__(*(pos)), member);      \
         &(pos)->member != (head);                                          \
         (pos) = list_entry((pos)->member.next, __typeof__(*(pos)), member))

static inline void INIT_LIST_HEAD(struct list_head *h)
{
    h->next = h->prev = h;
}

static inline bool list_empty(const struct list_head *h)
{
    return h->next == h;
}

static inline bool list_head_is_null(const struct list_head *h)
{
    return !h->next;
}

/* Insert n right after at. */
static inline void list_add(struct list_head *n, struct list_head *at)
{
    n->next = at->next;
    n->prev = at;
    at->next->prev = n;
    at->next = n;
}

static inline void list_del(struct list_head *n)
{
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->next = n->prev = NULL;
}

/* Move all of from's entries to the front of to. */
static inline void list_splice(struct list_head *from, struct list_head *to)
{
    if (list_empty(from))
        return;
    from->prev->next = to->next;
    to->next->prev = from->prev;
    to->next = from->next;
    from->next->prev = to;
}

static inline void list_splice_init(struct list_head *from,
                                    struct list_head *to)
{
    list_splice(from, to);
    INIT_LIST_HEAD(from);
}

typedef pthread_rwlock_t rwlock_t;
#define rwlock_init(l) pthread_rwlock_init((l), NULL)
#define read_lock(l) pthread_rwlock_rdlock(l)
#define read_unlock(l) pthread_rwlock_unlock(l)
#define write_lock(l) pthread_rwlock_wrlock(l)
#define write_unlock(l) pthread_rwlock_unlock(l)

typedef pthread_mutex_t spinlock_t;
#define spin_lock_init(l) pthread_mutex_init((l), NULL)
#define spin_lock(l) pthread_mutex_lock(l)
#define spin_unlock(l) pthread_mutex_unlock(l)

struct domain {
    unsigned int domain_id;
    struct list_head rangesets;
    spinlock_t rangesets_lock;
};

#endif /* LFV_BENCH_XEN417_ENV_H */
