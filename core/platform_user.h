/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci's platform in user space (core/platform.h): memory from malloc
 * (with the simulator's fault injection), writer-side locks from pthreads
 * and Concurrency Kit.  core/platform.h includes it when no host platform
 * header is given; a user-space host that brings only its own RCU read
 * side (LFV_RCU_BACKEND_HOST) includes it from its platform header and
 * adds lfv_rcu_fast_lock/unlock (bench/xenrcu/ does).  Defines
 * LFV_PLATFORM_USER, which what exists only on this platform tests
 * (alloc.c, wlock.c, the MSI-X test hook, lfv_cpu_relax); the
 * simulator's file loaders test for no platform header at all.
 */
#ifndef LFV_CORE_PLATFORM_USER_H
#define LFV_CORE_PLATFORM_USER_H

#define LFV_PLATFORM_USER 1

#include <pthread.h>
#include <stddef.h>

/* Writer-side lock: serialises updaters, never taken by a reader. */
typedef pthread_mutex_t lfv_lock_t;
#define lfv_lock_init(l) pthread_mutex_init((l), NULL)
#define lfv_lock_destroy(l) pthread_mutex_destroy(l)
#define lfv_lock(l) pthread_mutex_lock(l)
#define lfv_unlock(l) pthread_mutex_unlock(l)

/*
 * Short writer-side lock, for sections of bounded work that never block or
 * take another lock: range-set and interval-map updates (their callers
 * serialise on outer locks, so it is all but uncontended).  Released with
 * a plain store where a mutex needs a second atomic operation, and inline
 * (Concurrency Kit's fetch-and-store lock): measurably cheaper for a small
 * range-set update (docs/bench/history.md, "Range sets").  It spins, as
 * Xen's locks do; a host maps it onto its own spinlock.  Also the MSI-X
 * entry lock, held across the host's binding ops, which must not block.
 * Under ThreadSanitizer, which cannot see ck's inline assembly, it is a
 * pthread spinlock.
 */
#include "tsan.h"
#ifdef LFV_TSAN
typedef pthread_spinlock_t lfv_spinlock_t;
#define lfv_spin_init(l) pthread_spin_init((l), PTHREAD_PROCESS_PRIVATE)
#define lfv_spin_destroy(l) pthread_spin_destroy(l)
#define lfv_spin_lock(l) pthread_spin_lock(l)
#define lfv_spin_unlock(l) pthread_spin_unlock(l)
#else
#include <ck_spinlock.h>
typedef ck_spinlock_fas_t lfv_spinlock_t;
#define lfv_spin_init(l) ck_spinlock_fas_init(l)
#define lfv_spin_destroy(l) ((void)(l))
#define lfv_spin_lock(l) ck_spinlock_fas_lock(l)
#define lfv_spin_unlock(l) ck_spinlock_fas_unlock(l)
#endif

/*
 * The device write lock (struct lfv_vdev's write_lock): serialises the
 * configuration writes of one device.  Held across write handlers, which
 * may take the model's locks (lfv_lock_t: the header's map lock, a p2m's
 * batch lock) and run p2m batches, but never wait for a grace period (they
 * run inside a read-side section) nor sleep otherwise.  Taken once per
 * trapped write, it was a pthread mutex, whose lock and unlock calls cost
 * about 60-70 instructions (docs/bench/history.md, "Fourth pass").  It
 * is Concurrency Kit's fetch-and-store spinlock: taken with one inline
 * exchange when free and released with one store.  A waiter
 * (lfv_wlock_wait(), core/wlock.c) spins with ck's exponential backoff
 * for a few microseconds, then yields the CPU (sched_yield()) before it
 * tries again, so that writers oversubscribing the CPUs give the holder
 * its CPU back instead of spinning out their time slices.  A host maps it
 * onto its own spinlock (Xen: spinlock_t, as lfv_lock_t; a host that
 * defines no lfv_wlock_t gets its lfv_lock_t).  Under ThreadSanitizer,
 * which cannot see ck's inline assembly, it is a pthread mutex.
 */
#ifdef LFV_TSAN
typedef pthread_mutex_t lfv_wlock_t;
#define lfv_wlock_init(l) pthread_mutex_init((l), NULL)
#define lfv_wlock_destroy(l) pthread_mutex_destroy(l)
#define lfv_wlock_lock(l) pthread_mutex_lock(l)
#define lfv_wlock_unlock(l) pthread_mutex_unlock(l)
#else
typedef ck_spinlock_fas_t lfv_wlock_t;
void lfv_wlock_wait(lfv_wlock_t *l);
static inline void lfv_wlock_lock(lfv_wlock_t *l)
{
    if (__builtin_expect(!ck_spinlock_fas_trylock(l), 0))
        lfv_wlock_wait(l);
}
#define lfv_wlock_lock lfv_wlock_lock
#define lfv_wlock_init(l) ck_spinlock_fas_init(l)
#define lfv_wlock_destroy(l) ((void)(l))
#define lfv_wlock_unlock(l) ck_spinlock_fas_unlock(l)
#endif

/*
 * Allocation.  Returns NULL on failure (or when a test injected one, see
 * <lfvpci/testing.h>, the simulator's fault injector); callers report
 * -ENOMEM and leave state unchanged.
 */
void *lfv_malloc(size_t size);
void *lfv_zalloc(size_t size);
void lfv_free(void *p);

/*
 * User space only: when set, allocations for which it returns true fail.
 * Set by the simulator's fault injector (sim/fault.c) for tests; NULL (no
 * injected failure) otherwise.
 */
#include <stdbool.h>
extern bool (*lfv_platform_alloc_fail)(void);


#endif /* LFV_CORE_PLATFORM_USER_H */
