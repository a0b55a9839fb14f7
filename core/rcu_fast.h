/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inline read-side fast paths of the RCU backend the library is built with.
 * Internal: only lfvpci's own read paths include this.  Everyone else uses
 * the out-of-line functions of <lfvpci/rcu.h>, which have the same contract.
 */
#ifndef LFV_CORE_RCU_FAST_H
#define LFV_CORE_RCU_FAST_H

#include <lfvpci/rcu.h>
#include "tsan.h"

#if defined(LFV_RCU_BACKEND_MEMB)
#define _LGPL_SOURCE 1
#include <stdbool.h>
#include <urcu/urcu-memb.h>
/*
 * liburcu memb's read side (urcu/static/urcu-memb.h), with its barrier
 * flavour chosen once per section instead of three times.  liburcu's
 * _urcu_memb_read_lock()/_unlock() test urcu_memb_has_sys_membarrier
 * (set once by liburcu's constructor, never changed after) before each of
 * their three slave barriers: a compiler barrier when the writer's
 * synchronize_rcu uses membarrier(2), a full fence when it cannot.  Here
 * the flag is copied into lfv_rcu_memb_light by a constructor of
 * rcu_urcu.c (which runs after liburcu's, whose library ours depends on;
 * were it to run first, the copy would stay 0, the full fence, which is
 * always correct), written before any thread starts and only read after;
 * the caller reads the copy once, lfv_rcu_fast_light(), and passes it to
 * lfv_rcu_fast_lock_as()/lfv_rcu_fast_unlock_return(); a read path
 * written as
 * `light ? section(true) : section(false)` (read.c) gets two copies of its
 * section, each with its barriers fixed and nothing to keep across the
 * handler's call.  The protocol is liburcu's, step for step: the
 * outermost lock copies the grace-period counter into the thread's
 * reader counter, then a slave barrier; the outermost unlock does a slave
 * barrier, clears the nesting count, a slave barrier, and wakes a writer
 * waiting on the futex; nested sections only count.
 */
extern _Bool lfv_rcu_memb_light __attribute__((visibility("hidden")));
#define lfv_rcu_fast_light() lfv_rcu_memb_light

static inline __attribute__((always_inline)) void
lfv_rcu_memb_slave_mb(bool light)
{
    if (light)
        cmm_barrier();
    else
        cmm_smp_mb();
}

static inline __attribute__((always_inline)) void
lfv_rcu_fast_lock_as(bool light)
{
    unsigned long tmp;

    cmm_barrier();
    tmp = URCU_TLS(urcu_memb_reader).ctr;
    if (caa_likely(!(tmp & URCU_GP_CTR_NEST_MASK))) {
        _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr,
                          _CMM_LOAD_SHARED(urcu_memb_gp.ctr));
        lfv_rcu_memb_slave_mb(light);
    } else {
        _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr,
                          tmp + URCU_GP_COUNT);
    }
}

/*
 * The writer's wake-up, out of line, for a reader whose outermost section
 * (its counter was ctr) just ended and which saw the futex word at -1 (a
 * writer asleep in synchronize_rcu()): urcu_common_wake_up_gp() with
 * atomic accesses to the futex word (several readers may wake the writer
 * at once), but only when this section is one the writer can be waiting
 * for.  The writer sleeps only while a reader it checked is in a section
 * of the old phase (ctr's phase bit differs from the grace-period
 * counter's), and liburcu wakes it at every outermost unlock: with one
 * reader preempted inside an old section, every section the other
 * readers end (tens of millions a second) wakes the writer, which issues
 * two membarrier(2) calls (an IPI to every CPU running a reader) and
 * sleeps again: 43-106 membarrier calls per grace period with two
 * reader threads on two CPUs (docs/bench/history.md, "Churn's
 * grace periods").  Here a section of the current phase does not wake
 * it: its reader is not one the writer waits for.  Returns v.
 */
uint32_t lfv_rcu_memb_wake(unsigned long ctr, uint32_t v)
    __attribute__((visibility("hidden")));

/*
 * Ends the section and returns v.  Written so that v is live across no
 * call: the rare wake-up of a writer waiting for this reader is a tail
 * call that returns v.
 */
static inline __attribute__((always_inline)) uint32_t
lfv_rcu_fast_unlock_return(bool light, uint32_t v)
{
    unsigned long tmp;

    lfv_tsan_reader_exit();
    tmp = URCU_TLS(urcu_memb_reader).ctr;
    if (caa_likely((tmp & URCU_GP_CTR_NEST_MASK) == URCU_GP_COUNT)) {
        lfv_rcu_memb_slave_mb(light);
        _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr,
                          tmp - URCU_GP_COUNT);
        lfv_rcu_memb_slave_mb(light);
        /* an atomic load: readers that wake the writer store to it */
        if (caa_unlikely(__atomic_load_n(&urcu_memb_gp.futex,
                                         __ATOMIC_RELAXED) == -1))
            return lfv_rcu_memb_wake(tmp, v);
    } else {
        _CMM_STORE_SHARED(URCU_TLS(urcu_memb_reader).ctr,
                          tmp - URCU_GP_COUNT);
    }
    cmm_barrier();
    return v;
}

/* Ends the section, for a caller with nothing to return. */
#define lfv_rcu_fast_unlock_as(light)                                       \
    ((void)lfv_rcu_fast_unlock_return((light), 0))

/*
 * Every memb section of lfvpci is this one (never liburcu's inline read
 * side as well), so that every access lfvpci makes to the writer's futex
 * word is atomic.
 */
#define lfv_rcu_fast_lock() lfv_rcu_fast_lock_as(lfv_rcu_fast_light())
#define lfv_rcu_fast_unlock() lfv_rcu_fast_unlock_as(lfv_rcu_fast_light())

#elif defined(LFV_RCU_BACKEND_QSBR)
#define _LGPL_SOURCE 1
#include <urcu/urcu-qsbr.h>
#define lfv_rcu_fast_lock() urcu_qsbr_read_lock()
#define lfv_rcu_fast_unlock()                                               \
    do {                                                                    \
        lfv_tsan_reader_exit();                                             \
        urcu_qsbr_read_unlock();                                            \
    } while (0)

#elif defined(LFV_RCU_BACKEND_CKEPOCH)
#include <ck_epoch.h>
extern __thread ck_epoch_record_t *lfv_ck_record;
#define lfv_rcu_fast_lock() ck_epoch_begin(lfv_ck_record, NULL)
#define lfv_rcu_fast_unlock()                                               \
    do {                                                                    \
        lfv_tsan_reader_exit();                                             \
        ck_epoch_end(lfv_ck_record, NULL);                                  \
    } while (0)

#elif defined(LFV_RCU_BACKEND_HOST)
/*
 * An embedding host (a hypervisor) maps the read side onto its own RCU: its
 * platform header (LFV_PLATFORM_HEADER, see platform.h) defines
 * lfv_rcu_fast_lock() and lfv_rcu_fast_unlock(), and the host provides the
 * out-of-line functions of <lfvpci/rcu.h>.
 */
#include "platform.h"
#if !defined(lfv_rcu_fast_lock) || !defined(lfv_rcu_fast_unlock)
#error "LFV_RCU_BACKEND_HOST: the platform header must define lfv_rcu_fast_lock/unlock"
#endif

#else
#error "define one of LFV_RCU_BACKEND_MEMB, _QSBR, _CKEPOCH, _HOST"
#endif

/*
 * lfv_rcu_fast_light(): the barrier flavour of this process's read-side
 * sections, read once per section; lfv_rcu_fast_lock_as(light),
 * lfv_rcu_fast_unlock_as(light) and lfv_rcu_fast_unlock_return(light, v)
 * (which returns v) are lfv_rcu_fast_lock()/unlock() for a caller that
 * read it (same contract).
 * Only the memb backend has two flavours; elsewhere they are the plain
 * section.
 */
#ifndef lfv_rcu_fast_light
#define lfv_rcu_fast_light() 1
#define lfv_rcu_fast_lock_as(light) ((void)(light), lfv_rcu_fast_lock())
#define lfv_rcu_fast_unlock_as(light)                                       \
    do {                                                                    \
        (void)(light);                                                      \
        lfv_rcu_fast_unlock();                                              \
    } while (0)
#define lfv_rcu_fast_unlock_return(light, v)                                \
    __extension__({                                                         \
        __typeof__(v) lfv_rcu_v_ = (v);                                     \
        (void)(light);                                                      \
        lfv_rcu_fast_unlock();                                              \
        lfv_rcu_v_;                                                         \
    })
#endif

#endif /* LFV_CORE_RCU_FAST_H */
