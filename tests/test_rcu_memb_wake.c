/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The memb backend's reader-side wake-up of a writer asleep in
 * synchronize_rcu() (core/rcu_fast.h, core/rcu_urcu.c): a reader whose
 * outermost section ends while the writer's futex word is -1 wakes the
 * writer only when the section is of the old grace-period phase, the
 * only kind the writer waits for.  Driven here by hand on liburcu's own
 * state, with no writer running (no call_rcu thread exists in this
 * process): the futex word and the phase are set as a sleeping writer
 * leaves them, then restored.  Liveness under real grace periods is
 * test_rcu_memb's and test_concurrency_memb's.
 */
#include <stdio.h>
#include <string.h>

#include <lfvpci/rcu.h>

#include "tests/check.h"

#ifdef LFV_RCU_BACKEND_MEMB
#include "core/rcu_fast.h"

static int32_t futex_get(void)
{
    return __atomic_load_n(&urcu_memb_gp.futex, __ATOMIC_RELAXED);
}

static void futex_set(int32_t v)
{
    __atomic_store_n(&urcu_memb_gp.futex, v, __ATOMIC_RELAXED);
}

static void phase_flip(void)
{
    __atomic_store_n(&urcu_memb_gp.ctr,
                     urcu_memb_gp.ctr ^ URCU_GP_CTR_PHASE, __ATOMIC_RELAXED);
}

int main(void)
{
    unsigned long gp;

    lfv_rcu_register_thread();
    CHECK(!strcmp(lfv_rcu_backend(), "memb"));
    gp = urcu_memb_gp.ctr;
    CHECK_EQ(futex_get(), 0); /* no writer */

    /* the decision itself: a section of the current phase wakes nobody */
    futex_set(-1);
    CHECK_EQ(lfv_rcu_memb_wake(gp, 7), 7);
    CHECK_EQ(futex_get(), -1);
    /* one of the old phase (begun before the writer's flip) wakes it */
    CHECK_EQ(lfv_rcu_memb_wake(gp ^ URCU_GP_CTR_PHASE, 9), 9);
    CHECK_EQ(futex_get(), 0);
    /* no sleeping writer: nothing to do, the word stays as it is */
    CHECK_EQ(lfv_rcu_memb_wake(gp ^ URCU_GP_CTR_PHASE, 1), 1);
    CHECK_EQ(futex_get(), 0);

    /* through the read side lfvpci's paths use */
    futex_set(-1);
    lfv_rcu_read_lock();
    lfv_rcu_read_unlock(); /* current phase: the writer sleeps on */
    CHECK_EQ(futex_get(), -1);
    lfv_rcu_read_lock();
    lfv_rcu_read_lock();
    lfv_rcu_read_unlock(); /* nested: never a wake-up */
    CHECK_EQ(futex_get(), -1);
    phase_flip(); /* a writer flips while the section runs */
    lfv_rcu_read_unlock(); /* the section it waits for ends */
    CHECK_EQ(futex_get(), 0);
    phase_flip();
    CHECK_EQ(urcu_memb_gp.ctr, gp);

    /* the section of the other phase from its start, as after a flip */
    phase_flip();
    futex_set(-1);
    lfv_rcu_read_lock();
    lfv_rcu_read_unlock(); /* current phase again (the new one) */
    CHECK_EQ(futex_get(), -1);
    futex_set(0);
    phase_flip();

    /* a real grace period still completes with readers around */
    lfv_rcu_barrier();
    CHECK_EQ(futex_get(), 0);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
#else
int main(void)
{
    printf("not the memb backend: nothing to test\n");
    return 0;
}
#endif
