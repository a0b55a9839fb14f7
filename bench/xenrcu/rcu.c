/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * <lfvpci/rcu.h> for lfvpci_xenrcu (lfv_xenrcu_platform.h): the benchmark
 * modules' grace periods.  A callback queued by lfv_rcu_call() runs at the
 * next lfv_rcu_barrier(), which lfvpci calls only where no read-side
 * section can be running: lfv_system_destroy(), at a workload's teardown,
 * once its threads have stopped.  So nothing is freed while the
 * benchmark's threads read (steady/churn's unplugged devices wait until
 * teardown), and the read side measured is Xen's alone.  Not a general
 * RCU: the library's own backends (memb, qsbr, ckepoch) are.
 */
#include <pthread.h>

#include <lfvpci/rcu.h>

#include "lfv_xenrcu_platform.h"

__thread unsigned int lfv_xen_preempt_count
    __attribute__((tls_model("initial-exec")));
__thread unsigned int lfv_xen_rcu_lock_cnt
    __attribute__((tls_model("initial-exec")));

struct xenrcu_deferred {
    struct xenrcu_deferred *next;
    lfv_rcu_callback_t *fn;
};

_Static_assert(sizeof(struct xenrcu_deferred) <= sizeof(struct lfv_rcu_head),
               "struct lfv_rcu_head holds a deferred call");

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xenrcu_deferred *queue;

const char *lfv_rcu_backend(void)
{
    return "xen (emulated read side)";
}

void lfv_rcu_register_thread(void)
{
}

void lfv_rcu_unregister_thread(void)
{
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
    struct xenrcu_deferred *d = (struct xenrcu_deferred *)head;

    d->fn = fn;
    pthread_mutex_lock(&queue_lock);
    d->next = queue;
    queue = d;
    pthread_mutex_unlock(&queue_lock);
}

/* Callbacks may queue more (a freed object's parts): until none is left. */
void lfv_rcu_barrier(void)
{
    for (;;) {
        struct xenrcu_deferred *d;

        pthread_mutex_lock(&queue_lock);
        d = queue;
        queue = NULL;
        pthread_mutex_unlock(&queue_lock);
        if (!d)
            return;
        while (d) {
            struct xenrcu_deferred *next = d->next;

            d->fn((struct lfv_rcu_head *)d);
            d = next;
        }
    }
}
