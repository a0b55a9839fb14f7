/* SPDX-License-Identifier: GPL-2.0-only */
/* User-space allocation, with a failure injector for tests. */
#include <stdlib.h>

#include <lfvpci/testing.h>

#include "platform.h"

#ifndef LFV_PLATFORM_HEADER

/* Allocations left before the injected failure; negative: never fail. */
static long alloc_budget = -1;

long lfv_test_fail_alloc_after(long n)
{
    return __atomic_exchange_n(&alloc_budget, n, __ATOMIC_RELAXED);
}

static int alloc_should_fail(void)
{
    long b = __atomic_load_n(&alloc_budget, __ATOMIC_RELAXED);

    while (b >= 0) {
        if (__atomic_compare_exchange_n(&alloc_budget, &b, b - 1, 0,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return b == 0;
    }
    return 0;
}

void *lfv_malloc(size_t size)
{
    return alloc_should_fail() ? NULL : malloc(size);
}

void *lfv_zalloc(size_t size)
{
    return alloc_should_fail() ? NULL : calloc(1, size);
}

void lfv_free(void *p)
{
    free(p);
}

#endif
