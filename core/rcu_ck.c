/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RCU layer on Concurrency Kit's ck_epoch.
 *
 * Read-side sections are ck_epoch sections on a per-thread record.  ck_epoch
 * runs deferred callbacks only in the thread that polls its own record, which
 * would make lfv_rcu_barrier() unable to flush other threads' frees and
 * would make writers wait.  So deferred frees go instead to one lock-free
 * multi-producer list, drained whole by a reclaimer thread that waits for a
 * grace period (ck_epoch_synchronize) and then runs them: updaters only push,
 * like liburcu's call_rcu.  The list uses the compiler's __atomic builtins
 * rather than ck_stack, whose inline assembly ThreadSanitizer cannot see.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "rcu_fast.h"

#ifdef LFV_TSAN
char lfv_tsan_gp_token;
#endif

struct ck_deferred {
    struct ck_deferred *next;
    lfv_rcu_callback_t *fn;
};
_Static_assert(sizeof(struct ck_deferred) <= sizeof(struct lfv_rcu_head),
               "lfv_rcu_head too small for ck");

__thread ck_epoch_record_t *lfv_ck_record;
static __thread unsigned int registrations;

static ck_epoch_t epoch;
static struct ck_deferred *pending; /* newest first */

/* Reclaimer state, under reclaim_lock. */
static pthread_once_t reclaim_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reclaim_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t reclaim_done = PTHREAD_COND_INITIALIZER;
static unsigned long flush_requested, flush_completed;

const char *lfv_rcu_backend(void)
{
    return "ckepoch";
}

static ck_epoch_record_t *record_get(void)
{
    ck_epoch_record_t *r = ck_epoch_recycle(&epoch, NULL);

    if (!r) {
        r = malloc(sizeof(*r));
        if (!r)
            abort();
        ck_epoch_register(&epoch, r, NULL);
    }
    return r;
}

/* Run every callback queued before the call; returns how many ran. */
static unsigned int reclaim_batch(ck_epoch_record_t *self)
{
    struct ck_deferred *d = __atomic_exchange_n(&pending, NULL,
                                                __ATOMIC_ACQUIRE);
    unsigned int n = 0;

    if (!d)
        return 0;
    ck_epoch_synchronize(self);
    lfv_tsan_grace_period_done();
    while (d) {
        struct ck_deferred *next = d->next;

        lfv_tsan_acquire(d);
        d->fn((struct lfv_rcu_head *)d);
        d = next;
        n++;
    }
    return n;
}

static void *reclaimer(void *arg)
{
    ck_epoch_record_t *self = record_get();

    (void)arg;
    pthread_mutex_lock(&reclaim_lock);
    for (;;) {
        unsigned long want = flush_requested;
        struct timespec ts;

        pthread_mutex_unlock(&reclaim_lock);
        while (reclaim_batch(self))
            ;
        pthread_mutex_lock(&reclaim_lock);
        if (flush_completed < want) {
            flush_completed = want;
            pthread_cond_broadcast(&reclaim_done);
        }
        if (flush_requested != want)
            continue;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 2000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&reclaim_wake, &reclaim_lock, &ts);
    }
    return NULL;
}

static void reclaim_start(void)
{
    pthread_t t;
    pthread_attr_t attr;

    ck_epoch_init(&epoch);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, reclaimer, NULL))
        abort();
    pthread_attr_destroy(&attr);
}

void lfv_rcu_register_thread(void)
{
    pthread_once(&reclaim_once, reclaim_start);
    if (registrations++ == 0)
        lfv_ck_record = record_get();
}

void lfv_rcu_unregister_thread(void)
{
    if (!registrations || --registrations)
        return;
    ck_epoch_unregister(lfv_ck_record);
    lfv_ck_record = NULL;
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
}

void lfv_rcu_thread_offline(void)
{
}

void lfv_rcu_thread_online(void)
{
}

void lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn)
{
    struct ck_deferred *d = (struct ck_deferred *)head;

    d->fn = fn;
    lfv_tsan_release(d);
    d->next = __atomic_load_n(&pending, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&pending, &d->next, d, true,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        ;
}

void lfv_rcu_barrier(void)
{
    unsigned long ticket;

    pthread_mutex_lock(&reclaim_lock);
    ticket = ++flush_requested;
    pthread_cond_signal(&reclaim_wake);
    while (flush_completed < ticket)
        pthread_cond_wait(&reclaim_done, &reclaim_lock);
    pthread_mutex_unlock(&reclaim_lock);
    lfv_tsan_grace_period_done();
}
