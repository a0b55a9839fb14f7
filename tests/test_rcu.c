/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The RCU layer, on every backend: deferred callbacks run after readers
 * that could see the object have left, barrier waits for all queued
 * callbacks (queued by any thread), sections nest, calls from inside a
 * read-side section do not block.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/rcu.h>

#include "tests/check.h"

struct obj {
    struct lfv_rcu_head rcu;
    unsigned long value;
};

static struct obj *published;
static unsigned long freed;
static int stop;

static void obj_free(struct lfv_rcu_head *head)
{
    struct obj *o = (struct obj *)head;

    o->value = 0xdead; /* a reader still using it would see this */
    __atomic_fetch_add(&freed, 1, __ATOMIC_RELAXED);
    free(o);
}

static unsigned long bad_reads, reads;

static void *reader(void *arg)
{
    (void)arg;
    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        lfv_rcu_read_lock();
        lfv_rcu_read_lock(); /* nesting */
        struct obj *o = lfv_rcu_dereference(published);
        unsigned long v1 = o->value;
        for (volatile int spin = 0; spin < 50; spin++)
            ;
        unsigned long v2 = o->value;
        lfv_rcu_read_unlock();
        lfv_rcu_read_unlock();
        if (v1 != v2 || v1 == 0xdead || (v1 & 0xff) != 0x5a)
            __atomic_fetch_add(&bad_reads, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&reads, 1, __ATOMIC_RELAXED);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static struct obj *obj_new(unsigned long n)
{
    struct obj *o = malloc(sizeof(*o));

    o->value = (n << 8) | 0x5a;
    return o;
}

/* A second updater: queues frees from its own thread, then exits. */
static void *side_updater(void *arg)
{
    (void)arg;
    lfv_rcu_register_thread();
    for (int i = 0; i < 100; i++)
        lfv_rcu_call(&obj_new(i)->rcu, obj_free);
    lfv_rcu_unregister_thread();
    return NULL;
}

int main(void)
{
    pthread_t r[3], side;
    const unsigned long updates = 2000;

    lfv_rcu_register_thread();
    lfv_rcu_register_thread(); /* counted */
    lfv_rcu_unregister_thread();
    printf("backend: %s\n", lfv_rcu_backend());
    CHECK(strlen(lfv_rcu_backend()) > 0);

    published = obj_new(0);
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], NULL, reader, NULL);
    /* updates against readers, even if the scheduler is slow to run them */
    while (!__atomic_load_n(&reads, __ATOMIC_RELAXED))
        sched_yield();
    for (unsigned long n = 1; n <= updates; n++) {
        struct obj *old = published;

        lfv_rcu_assign_pointer(published, obj_new(n));
        /* queue from inside a read-side section: must not block */
        lfv_rcu_read_lock();
        lfv_rcu_call(&old->rcu, obj_free);
        lfv_rcu_read_unlock();
        lfv_rcu_quiescent_state();
        if (n % 500 == 0) {
            lfv_rcu_barrier();
            /* everything queued before the barrier has run */
            CHECK_EQ(__atomic_load_n(&freed, __ATOMIC_RELAXED), n);
        }
    }
    pthread_create(&side, NULL, side_updater, NULL);
    pthread_join(side, NULL);
    lfv_rcu_barrier();
    CHECK_EQ(__atomic_load_n(&freed, __ATOMIC_RELAXED), updates + 100);

    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    CHECK_EQ(bad_reads, 0);
    CHECK(reads > 0);
    lfv_rcu_call(&published->rcu, obj_free);
    lfv_rcu_barrier();
    CHECK_EQ(freed, updates + 101);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
