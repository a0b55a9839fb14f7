/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shared head of the benchmark modules' two environments for Xen's
 * vpci.c, xen_emul.h (Xen's own) and xen_lfvpci_emul.h (the lfvpci
 * series'), included first by both: Xen's helpers
 * (tests/xen/env/xen_lib.h), x86's barriers, a release build's ASSERT()
 * and real locks.  What follows in each (RCU, struct domain, struct
 * pci_dev, `current`) differs; the configuration space they share is
 * xen_bench_conf.h.
 */
#ifndef LFV_BENCH_XEN_BENCH_ENV_H
#define LFV_BENCH_XEN_BENCH_ENV_H

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "xen_lib.h"

/* x86 keeps stores in order: Xen's smp_wmb() is a compiler barrier there. */
#define barrier() __asm__ __volatile__("" ::: "memory")
#define smp_wmb() barrier()
#define prefetch(x) __builtin_prefetch(x)
/* Xen's release builds (the ones deployed) compile ASSERT() out. */
#ifdef NDEBUG
#define ASSERT(x) ((void)0)
#else
#define ASSERT(x) assert(x)
#endif
#define BUG() abort()
#define ASSERT_UNREACHABLE() ASSERT(0)
#define __hwdom_init

/* --- locks: real ones ------------------------------------------------- */

/*
 * Xen's spin_lock() busy-waits and never sleeps; a pthread spinlock is the
 * user-space lock with the same behaviour (a ticket lock in Xen, a
 * test-and-set lock in glibc: both one locked RMW to take, a store to drop).
 */
typedef pthread_spinlock_t spinlock_t;
#define spin_lock_init(l) ((void)pthread_spin_init((l), PTHREAD_PROCESS_PRIVATE))
#define spin_lock(l) ((void)pthread_spin_lock(l))
#define spin_unlock(l) ((void)pthread_spin_unlock(l))

#endif /* LFV_BENCH_XEN_BENCH_ENV_H */
