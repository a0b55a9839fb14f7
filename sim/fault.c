/* SPDX-License-Identifier: GPL-2.0-only */
/* Fault injection for tests (<lfvpci/testing.h>): failing allocations. */
#include <lfvpci/testing.h>

#include "../core/platform.h"

/* Allocations left before the injected failure; negative: never fail. */
static long alloc_budget = -1;

static bool alloc_should_fail(void)
{
    long b = __atomic_load_n(&alloc_budget, __ATOMIC_RELAXED);

    while (b >= 0) {
        if (__atomic_compare_exchange_n(&alloc_budget, &b, b - 1, 0,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return b == 0;
    }
    return false;
}

long lfv_test_fail_alloc_after(long n)
{
    long old = __atomic_exchange_n(&alloc_budget, n, __ATOMIC_RELAXED);

    __atomic_store_n(&lfv_platform_alloc_fail, alloc_should_fail,
                     __ATOMIC_RELEASE);
    return old;
}
