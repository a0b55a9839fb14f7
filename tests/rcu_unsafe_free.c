/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The negative control of the ThreadSanitizer set-up, built only under TSan:
 * an updater that frees the old version right after unpublishing it, with
 * no grace period.  Readers may still be using it, and TSan must say so
 * (ctest passes this program only if TSan reports a race or a
 * use-after-free).  If the RCU layer's annotations were too generous (say,
 * an acquire of the grace-period token before every free), this report
 * would vanish and so would the proof that the clean runs mean anything.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <lfvpci/rcu.h>

struct obj {
    struct lfv_rcu_head rcu;
    long value;
};

static struct obj *published;
static int stop;

static void *reader(void *arg)
{
    long sum = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        lfv_rcu_read_lock();
        sum += lfv_rcu_dereference(published)->value;
        lfv_rcu_read_unlock();
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return (void *)sum;
}

int main(void)
{
    pthread_t t[2];

    lfv_rcu_register_thread();
    published = calloc(1, sizeof(*published));
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    for (long n = 0; n < 20000; n++) {
        struct obj *fresh = calloc(1, sizeof(*fresh)), *old = published;

        fresh->value = n;
        lfv_rcu_assign_pointer(published, fresh);
        old->value = -1; /* the bug: no grace period before reuse/free */
        free(old);
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    free(published);
    lfv_rcu_unregister_thread();
    printf("unsafe free ran to completion\n");
    return 0;
}
