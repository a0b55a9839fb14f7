/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's compiler and library helpers in user space (xen/compiler.h,
 * xen/macros.h, xen/kernel.h, xen/bitops.h, asm/atomic.h, xen/xmalloc.h),
 * defined as Xen defines them, allocation on the C library's: the part of
 * the environments that compile Xen's vpci.c (and msix.c) which none of
 * them chooses differently.  Included by bench/xen/xen_bench_env.h (the
 * benchmark modules' xen_emul.h and xen_lfvpci_emul.h) and by
 * tests/xen/msix/xen_msix_emul.h; their assertions, locks, RCU and
 * configuration space are their own.
 */
#ifndef LFV_XEN_ENV_LIB_H
#define LFV_XEN_ENV_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef container_of
#define container_of(ptr, type, member) ({                      \
        typeof(((type *)0)->member) *mptr_ = (ptr);             \
        (type *)((char *)mptr_ - offsetof(type, member));       \
})
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define cf_check
#define __iomem
#define __must_check __attribute__((__warn_unused_result__))
/*
 * Xen's __read_mostly: its own section, so that data read on every access
 * (the series' device map) shares no cache line with locks and counters
 * written on every configuration write.
 */
#define __read_mostly __attribute__((section(".data.read_mostly")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define IS_ALIGNED(val, align) (((val) & ((align) - 1)) == 0)

#define min(x, y) ({                    \
        const typeof(x) tx_ = (x);      \
        const typeof(y) ty_ = (y);      \
        (void)(&tx_ == &ty_);           \
        tx_ < ty_ ? tx_ : ty_;          \
})

#define max(x, y) ({                    \
        const typeof(x) tx_ = (x);      \
        const typeof(y) ty_ = (y);      \
        (void)(&tx_ == &ty_);           \
        tx_ > ty_ ? tx_ : ty_;          \
})

#if defined(__LP64__)
#define CONFIG_64BIT 1
#endif

typedef uint64_t paddr_t;

/* Xen's single-copy-atomic accesses, with no ordering of their own. */
#define read_atomic(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define write_atomic(p, x) __atomic_store_n(p, x, __ATOMIC_RELAXED)

static inline bool test_bit(unsigned int nr, const unsigned long *map)
{
    return (map[nr / (8 * sizeof(long))] >> (nr % (8 * sizeof(long)))) & 1;
}

#define xzalloc(type) ((type *)calloc(1, sizeof(type)))
#define xmalloc(type) ((type *)malloc(sizeof(type)))
#define xzalloc_flex_struct(type, field, nr)                                \
    ((type *)calloc(1, offsetof(type, field) +                              \
                       sizeof(((type *)0)->field[0]) * (nr)))
#define xfree(p) free(p)

#endif /* LFV_XEN_ENV_LIB_H */
