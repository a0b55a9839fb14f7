/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/rcu.h - the one concurrency interface lfvpci is built on.
 *
 * The read-side rule: code inside a read-side section may take writer
 * locks (a config write takes its device's write lock inside one; a hook's
 * handler may call control functions) but never waits for a grace period
 * (lfv_rcu_barrier(), lfv_system_destroy()).  The read paths themselves
 * (lfv_conf_read, lfv_vdev_read, lookups) take no lock.  Updaters publish a new version of an object with lfv_rcu_assign_pointer()
 * and hand the old one to lfv_rcu_call(), which runs a callback after a
 * grace period (every read-side section that could have seen the old version
 * has ended).  Nothing in lfvpci waits for a grace period: Xen, the main host,
 * has no synchronize_rcu().  Only lfv_rcu_barrier() waits, and only for
 * callbacks already queued.
 *
 * The backend is chosen when the library is built (LFV_RCU_BACKEND):
 *   memb     liburcu, membarrier flavour (default): ~1 ns read side;
 *   qsbr     liburcu, quiescent-state flavour: free read side, but every
 *            registered thread must call lfv_rcu_quiescent_state() regularly
 *            outside read-side sections, or go offline;
 *   ckepoch  Concurrency Kit ck_epoch sections, deferred frees reclaimed by a
 *            background thread.
 * lfv_rcu_backend() names the one compiled in.
 *
 * Thread contract, for every backend: a thread must call
 * lfv_rcu_register_thread() before it enters a read-side section or calls any
 * lfvpci function that reads or updates published state (which is nearly
 * all of them), and lfv_rcu_unregister_thread() before it exits, outside any
 * read-side section.
 */
#ifndef LFVPCI_RCU_H
#define LFVPCI_RCU_H

#include <stdint.h>

#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

/*
 * Embed in an object to be freed after a grace period.  The layout is the
 * same for every backend, so that objects and public headers do not depend
 * on how the library was built.
 */
struct lfv_rcu_head {
    uintptr_t opaque[3];
};

typedef void lfv_rcu_callback_t(struct lfv_rcu_head *head);

/* "memb", "qsbr" or "ckepoch".  Any thread. */
const char *lfv_rcu_backend(void);

/*
 * Register / unregister the calling thread.  Registering twice is harmless
 * (counted).  Unregister outside any read-side section.  Not from a callback.
 */
void lfv_rcu_register_thread(void);
void lfv_rcu_unregister_thread(void);

/*
 * Read-side section.  Registered threads only.  Sections nest.  Inside one:
 * no blocking, no lfv_rcu_barrier(), no unregistering.
 * lfvpci's own access functions enter their section themselves; these are for
 * callers who want one section around several steps.
 */
void lfv_rcu_read_lock(void);
void lfv_rcu_read_unlock(void);

/*
 * QSBR only (a no-op elsewhere): announce that the calling registered thread
 * holds no reference to RCU-protected data.  Call it outside read-side
 * sections, e.g. once per trapped access batch or VM exit.
 * offline/online bracket a period in which the thread will not read (a vCPU
 * going to sleep); with other backends they are no-ops.
 */
void lfv_rcu_quiescent_state(void);
void lfv_rcu_thread_offline(void);
void lfv_rcu_thread_online(void);

/*
 * Queue fn(head) to run after a grace period, on another thread.  Never
 * blocks, callable from inside a read-side section and from handlers.
 * Registered threads only.  fn must not call lfv_rcu_barrier().
 */
void lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn);

/*
 * Wait until every callback queued (by any thread) before this call has run.
 * Registered threads, outside any read-side section, never from a callback.
 * This is the only lfvpci function that waits for a grace period.
 */
void lfv_rcu_barrier(void);

/*
 * Publication.  lfv_rcu_dereference() loads a published pointer inside a
 * read-side section; lfv_rcu_assign_pointer() publishes one after its
 * object is fully initialised.  Both are single atomic accesses: no fence on
 * x86, an acquire load / release store elsewhere.
 */
#define lfv_rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define lfv_rcu_assign_pointer(p, v) \
    __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_RCU_H */
