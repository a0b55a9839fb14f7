/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's RCU for the xen417_lfvpci benchmark modules, in one process, and
 * lfvpci's RCU layer on it (as xen/drivers/vpci/lfvpci-xen.c does).
 * Included by one file of each module, after xen_lfvpci_emul.h.
 */
#ifndef LFV_BENCH_XEN417_LFVPCI_RCU_H
#define LFV_BENCH_XEN417_LFVPCI_RCU_H

/* Initial-exec: a %fs-relative access, as Xen's per-CPU counter is
 * %gs-relative, not a __tls_get_addr() call. */
__thread unsigned int xen_rcu_nesting __attribute__((tls_model("initial-exec")));
static pthread_mutex_t rcu_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *rcu_queue;

/* Nothing is freed while benchmark threads run: callbacks wait for
 * rcu_barrier(), called at teardown once every thread has stopped. */
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head))
{
    head->func = func;
    pthread_mutex_lock(&rcu_queue_lock);
    head->next = rcu_queue;
    rcu_queue = head;
    pthread_mutex_unlock(&rcu_queue_lock);
}

void rcu_barrier(void)
{
    struct rcu_head *head;

    pthread_mutex_lock(&rcu_queue_lock);
    while ((head = rcu_queue) != NULL) {
        rcu_queue = head->next;
        head->func(head);
    }
    pthread_mutex_unlock(&rcu_queue_lock);
}

/* lfvpci's RCU layer on it, as xen/drivers/vpci/lfvpci-xen.c. */
#include <lfvpci/rcu.h>

DEFINE_RCU_READ_LOCK(vpci_rcu_lock);

struct lfv_xen_rcu {
    struct rcu_head head;
    lfv_rcu_callback_t *fn;
};

static void lfv_rcu_invoke(struct rcu_head *head)
{
    struct lfv_xen_rcu *r = container_of(head, struct lfv_xen_rcu, head);

    r->fn((struct lfv_rcu_head *)r);
}

void lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn)
{
    struct lfv_xen_rcu *r = (struct lfv_xen_rcu *)head;

    _Static_assert(sizeof(struct lfv_xen_rcu) <= sizeof(struct lfv_rcu_head),
                   "struct lfv_rcu_head too small");
    r->fn = fn;
    call_rcu(&r->head, lfv_rcu_invoke);
}

void lfv_rcu_barrier(void)
{
    rcu_barrier();
}

#endif /* LFV_BENCH_XEN417_LFVPCI_RCU_H */
