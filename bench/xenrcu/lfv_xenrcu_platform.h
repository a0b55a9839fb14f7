/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The platform header (LFV_PLATFORM_HEADER) of lfvpci_xenrcu: the engine,
 * the model and the simulator exactly as in user space
 * (core/platform_user.h), but with Xen 4.17.5's RCU read side
 * (LFV_RCU_BACKEND_HOST), as when lfvpci is built into Xen
 * (integration/xen).  Xen's rcu_read_lock() is rcu_quiesce_disable():
 * preempt_disable() and the CPU's rcu_lock_cnt, two per-CPU counters
 * incremented with no atomic and no fence (xen/include/xen/rcupdate.h,
 * preempt.h); here they are per thread.  Xen addresses a per-CPU variable
 * through the stack's cpu_info and the CPU's offset; here a thread's
 * variable is %fs-relative (initial-exec): a few instructions fewer per
 * section than Xen's.  Grace periods: bench/xenrcu/rcu.c.
 */
#ifndef LFV_BENCH_XENRCU_PLATFORM_H
#define LFV_BENCH_XENRCU_PLATFORM_H

#include "../../core/platform_user.h"

extern __thread unsigned int lfv_xen_preempt_count
    __attribute__((tls_model("initial-exec")));
extern __thread unsigned int lfv_xen_rcu_lock_cnt
    __attribute__((tls_model("initial-exec")));

/* Expressions (core/rcu_fast.h's lfv_rcu_fast_lock_as() uses them so). */
#define lfv_rcu_fast_lock()                                                 \
    ({                                                                      \
        lfv_xen_preempt_count++;                                            \
        __asm__ __volatile__("" ::: "memory");                              \
        lfv_xen_rcu_lock_cnt++;                                             \
        __asm__ __volatile__("" ::: "memory");                              \
    })
#define lfv_rcu_fast_unlock()                                               \
    ({                                                                      \
        __asm__ __volatile__("" ::: "memory");                              \
        lfv_xen_rcu_lock_cnt--;                                             \
        __asm__ __volatile__("" ::: "memory");                              \
        lfv_xen_preempt_count--;                                            \
    })

#endif /* LFV_BENCH_XENRCU_PLATFORM_H */
