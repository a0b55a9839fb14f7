/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What lfvpci needs from its host besides RCU: memory and writer-side locks.
 *
 * In user space these are malloc, pthread mutexes and Concurrency Kit's
 * spinlocks (core/platform_user.h).  A host that embeds lfvpci (a
 * hypervisor) defines LFV_PLATFORM_HEADER to a header of its own
 * providing the same names (a user-space host may include
 * platform_user.h from it); nothing else in core/, dispatch/ or rangeset/
 * knows where it runs.
 */
#ifndef LFV_CORE_PLATFORM_H
#define LFV_CORE_PLATFORM_H

#ifdef LFV_PLATFORM_HEADER
#include LFV_PLATFORM_HEADER
#else
#include "platform_user.h"
#endif

/* A host that does not define the device write lock: its lfv_lock_t. */
#ifndef lfv_wlock_lock
#define lfv_wlock_t lfv_lock_t
#define lfv_wlock_init(l) lfv_lock_init(l)
#define lfv_wlock_destroy(l) lfv_lock_destroy(l)
#define lfv_wlock_lock(l) lfv_lock(l)
#define lfv_wlock_unlock(l) lfv_unlock(l)
#endif

/*
 * A spinning reader's pause (user space: the CPU's pause instruction); a
 * host may define its own (Xen: cpu_relax()).
 */
#ifndef lfv_cpu_relax
#ifdef LFV_PLATFORM_USER
#include <ck_pr.h>
#define lfv_cpu_relax() ck_pr_stall()
#else
#define lfv_cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif
#endif

#define LFV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* LFV_CORE_PLATFORM_H */
