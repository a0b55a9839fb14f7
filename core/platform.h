/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What lfvpci needs from its host besides RCU: memory and a writer-side lock.
 *
 * In user space these are malloc and pthread mutexes.  A host that embeds
 * lfvpci (a hypervisor) defines LFV_PLATFORM_HEADER to a header of its own
 * providing the same names; nothing else in core/, dispatch/ or rangeset/
 * knows where it runs.
 */
#ifndef LFV_CORE_PLATFORM_H
#define LFV_CORE_PLATFORM_H

#ifdef LFV_PLATFORM_HEADER
#include LFV_PLATFORM_HEADER
#else

#include <pthread.h>
#include <stddef.h>

/* Writer-side lock: serialises updaters, never taken by a reader. */
typedef pthread_mutex_t lfv_lock_t;
#define lfv_lock_init(l) pthread_mutex_init((l), NULL)
#define lfv_lock_destroy(l) pthread_mutex_destroy(l)
#define lfv_lock(l) pthread_mutex_lock(l)
#define lfv_unlock(l) pthread_mutex_unlock(l)

/*
 * Allocation.  Returns NULL on failure (or when a test injected one, see
 * <lfvpci/testing.h>); callers report -ENOMEM and leave state unchanged.
 */
void *lfv_malloc(size_t size);
void *lfv_zalloc(size_t size);
void lfv_free(void *p);

#endif /* LFV_PLATFORM_HEADER */

#define LFV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* LFV_CORE_PLATFORM_H */
