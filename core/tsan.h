/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ThreadSanitizer annotations for the RCU layer.
 *
 * TSan does not see the ordering that membarrier(), ck_epoch's fences or a
 * grace period provide, so unannotated it reports races on correct RCU code
 * and cannot tell them from real ones.  The layer tells it exactly what a
 * grace period guarantees, and no more:
 *   - a reader releases lfv_tsan_gp_token as it leaves a read-side section;
 *   - a deferred callback acquires it (it runs after every section that could
 *     have seen the object) and acquires the object itself, which the updater
 *     released when queueing it.
 * A free that skips the grace period gets no such edge and is still reported
 * (tests/rcu_unsafe_free.c proves it).  Compiled to nothing without TSan.
 */
#ifndef LFV_CORE_TSAN_H
#define LFV_CORE_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define LFV_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LFV_TSAN 1
#endif
#endif

#ifdef LFV_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char lfv_tsan_gp_token;
#define lfv_tsan_acquire(a) __tsan_acquire((void *)(a))
#define lfv_tsan_release(a) __tsan_release((void *)(a))
#define lfv_tsan_reader_exit() lfv_tsan_release(&lfv_tsan_gp_token)
#define lfv_tsan_grace_period_done() lfv_tsan_acquire(&lfv_tsan_gp_token)
#else
#define lfv_tsan_acquire(a) ((void)0)
#define lfv_tsan_release(a) ((void)0)
#define lfv_tsan_reader_exit() ((void)0)
#define lfv_tsan_grace_period_done() ((void)0)
#endif

#endif /* LFV_CORE_TSAN_H */
