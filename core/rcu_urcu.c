/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RCU layer on liburcu: the memb (default) and qsbr flavours.  The flavour's
 * symbols are chosen below; the rest of the file is shared.
 */
#include <stdbool.h>
#include <stddef.h>

#include "rcu_fast.h"

#if defined(LFV_RCU_BACKEND_MEMB)
#define FLAVOUR "memb"
#define fl_reader urcu_memb_reader
#define fl_register_thread urcu_memb_register_thread
#define fl_unregister_thread urcu_memb_unregister_thread
#define fl_call_rcu urcu_memb_call_rcu
#define fl_barrier urcu_memb_barrier
#define fl_quiescent_state() do { } while (0)
#define fl_thread_offline() do { } while (0)
#define fl_thread_online() do { } while (0)
#elif defined(LFV_RCU_BACKEND_QSBR)
#define FLAVOUR "qsbr"
#define fl_reader urcu_qsbr_reader
#define fl_register_thread urcu_qsbr_register_thread
#define fl_unregister_thread urcu_qsbr_unregister_thread
#define fl_call_rcu urcu_qsbr_call_rcu
#define fl_barrier urcu_qsbr_barrier
#define fl_quiescent_state urcu_qsbr_quiescent_state
#define fl_thread_offline urcu_qsbr_thread_offline
#define fl_thread_online urcu_qsbr_thread_online
#else
#error "rcu_urcu.c is for the memb and qsbr backends"
#endif

#ifdef LFV_TSAN
char lfv_tsan_gp_token;
/* Callbacks release it when done; lfv_rcu_barrier() acquires it. */
static char tsan_barrier_token;
#endif

struct urcu_deferred {
    struct rcu_head head;
    lfv_rcu_callback_t *fn;
};
_Static_assert(sizeof(struct urcu_deferred) <= sizeof(struct lfv_rcu_head),
               "lfv_rcu_head too small for liburcu");

static __thread unsigned int registrations;
/*
 * Whether this copy of the layer registered the thread with liburcu.
 * Several copies of lfvpci (a library and a plugin, or benchmark modules)
 * may share one liburcu in a process; only the first registers, and only
 * it unregisters.
 */
static __thread bool registered_here;

#if defined(LFV_RCU_BACKEND_MEMB)
/* rcu_fast.h: liburcu's urcu_memb_has_sys_membarrier, copied. */
_Bool lfv_rcu_memb_light;

/* liburcu's constructor, which sets the flag, has run before ours. */
__attribute__((constructor)) static void memb_light_init(void)
{
    lfv_rcu_memb_light = urcu_memb_has_sys_membarrier != 0;
}

/*
 * Why a section of the current phase need not wake the writer, step by
 * step with liburcu's wait_for_readers() (urcu.c): the writer sleeps (futex
 * word -1) only after it found a reader in a section whose phase is not
 * the grace-period counter's phase P of that wait, and it set the word to
 * -1 after it set the counter to P (the flip before the second wait, a
 * full fence between).  A reader that reads -1 here with an acquire load
 * therefore reads P, or a later phase, from the counter next.  Its section
 * is one the writer waits for exactly when its phase is not P: then it
 * differs from what the reader reads too (a later phase means this wait
 * ended, and a further flip needs this very section to have ended first),
 * and the reader wakes the writer.  A section of phase P is not waited for,
 * and there is nothing to wake.  liburcu's own argument for the rest is
 * unchanged: its membarrier() orders the reader's counter store before its
 * futex load against the writer's futex store before its counter loads, so
 * that either the writer sees this reader out of its section or the
 * reader sees -1.
 */
uint32_t lfv_rcu_memb_wake(unsigned long ctr, uint32_t v)
{
    int32_t *futex = &urcu_memb_gp.futex;

    if (__atomic_load_n(futex, __ATOMIC_ACQUIRE) == -1 &&
        ((ctr ^ __atomic_load_n(&urcu_memb_gp.ctr, __ATOMIC_RELAXED)) &
         URCU_GP_CTR_PHASE)) {
        __atomic_store_n(futex, 0, __ATOMIC_RELAXED);
        /* as liburcu: the return value is ignored */
        (void)futex_async(futex, FUTEX_WAKE, 1, NULL, NULL, 0);
    }
    return v;
}
#endif

const char *lfv_rcu_backend(void)
{
    return FLAVOUR;
}

void lfv_rcu_register_thread(void)
{
    if (registrations++ == 0) {
        registered_here = !URCU_TLS(fl_reader).registered;
        if (registered_here)
            fl_register_thread();
    }
}

void lfv_rcu_unregister_thread(void)
{
    if (registrations && --registrations == 0 && registered_here)
        fl_unregister_thread();
}

void lfv_rcu_read_lock(void)
{
    lfv_rcu_fast_lock();
}

void lfv_rcu_read_unlock(void)
{
    lfv_rcu_fast_unlock();
}

void lfv_rcu_quiescent_state(void)
{
    lfv_tsan_reader_exit();
    fl_quiescent_state();
}

void lfv_rcu_thread_offline(void)
{
    lfv_tsan_reader_exit();
    fl_thread_offline();
}

void lfv_rcu_thread_online(void)
{
    fl_thread_online();
}

static void urcu_trampoline(struct rcu_head *head)
{
    struct urcu_deferred *d = (struct urcu_deferred *)head;

    lfv_tsan_grace_period_done();
    lfv_tsan_acquire(d);
    d->fn((struct lfv_rcu_head *)d);
    lfv_tsan_release(&tsan_barrier_token);
}

void lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn)
{
    struct urcu_deferred *d = (struct urcu_deferred *)head;

    d->fn = fn;
    lfv_tsan_release(d);
    fl_call_rcu(&d->head, urcu_trampoline);
}

void lfv_rcu_barrier(void)
{
    /*
     * liburcu's barrier refuses (and returns at once) when called from what
     * it takes for a read-side section, which for QSBR is any online
     * thread: the caller is outside one by contract, so say so.
     */
    if (registrations)
        fl_thread_offline();
    fl_barrier();
    if (registrations)
        fl_thread_online();
    lfv_tsan_acquire(&tsan_barrier_token);
    lfv_tsan_grace_period_done();
}
