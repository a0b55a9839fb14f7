/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User space's device write lock, its waiting side (core/platform.h): the
 * lock is Concurrency Kit's fetch-and-store spinlock; a writer that found
 * it taken spins on it with ck's exponential backoff for a bounded time,
 * then yields its CPU and starts over.  Mutual exclusion and ordering are
 * ck's (trylock's exchange and acquire fence, unlock's release store).  A
 * host's platform header brings its own lock.
 */
#include <sched.h>

#include "platform.h"

#if defined(LFV_PLATFORM_USER) && !defined(LFV_TSAN)

/*
 * Backoff rounds before a yield: ck_backoff_eb() waits 512, 1024, 2048
 * and 4096 loop iterations, a few microseconds in all, longer than a
 * handler's usual write (under a microsecond) and far shorter than a
 * time slice.
 */
#define WLOCK_SPIN_ROUNDS 4

void lfv_wlock_wait(lfv_wlock_t *l)
{
    for (;;) {
        ck_backoff_t backoff = CK_BACKOFF_INITIALIZER;

        for (unsigned int i = 0; i < WLOCK_SPIN_ROUNDS; i++) {
            ck_backoff_eb(&backoff);
            if (!ck_spinlock_fas_locked(l) && ck_spinlock_fas_trylock(l))
                return;
        }
        sched_yield();
    }
}

#endif
