/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space allocation (a host's platform header brings its own).  The
 * simulator's fault injector (sim/fault.c) may make allocations fail
 * through lfv_platform_alloc_fail; the engine knows nothing else of it.
 */
#include <stdlib.h>

#include "platform.h"

#ifdef LFV_PLATFORM_USER

bool (*lfv_platform_alloc_fail)(void);

static inline bool alloc_fails(void)
{
    bool (*fail)(void) = __atomic_load_n(&lfv_platform_alloc_fail,
                                         __ATOMIC_ACQUIRE);

    return fail && fail();
}

void *lfv_malloc(size_t size)
{
    return alloc_fails() ? NULL : malloc(size);
}

void *lfv_zalloc(size_t size)
{
    return alloc_fails() ? NULL : calloc(1, size);
}

void lfv_free(void *p)
{
    free(p);
}

#endif
