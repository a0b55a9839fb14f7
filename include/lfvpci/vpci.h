/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/vpci.h - the vPCI state of an assigned device, and the init hooks
 * that give it registers.
 *
 * When a device is assigned, lfvpci creates a struct lfv_vpci for the
 * (device, owner) pair, runs every hook's init in priority order on one
 * register edit, and publishes the result at once.  Handlers receive the
 * struct lfv_vpci as their context argument (LFV_DEV_CTX).  When the device
 * is de-assigned or removed, the state is unpublished and, after a grace
 * period, each hook's fini frees what its init allocated.
 *
 * A hook may also keep state per domain: domain_init runs when a domain is
 * created (lfv_domain_priv() returns what it set), domain_fini when the
 * domain is gone.  The system knows no hook by name: the header, MSI and
 * MSI-X emulations are hooks like any other.
 *
 * Concurrency: hooks are registered before domains are created and
 * devices are added (control path).  init and domain_init run under the
 * system's control lock and may fail (init's error aborts the assignment,
 * nothing published; domain_init's fails lfv_domain_create); they must
 * not call the functions documented as taking the control lock.  fini and
 * domain_fini run after a grace period on an RCU callback thread and may
 * only free memory (or defer more frees with lfv_rcu_call).  The accessors
 * are callable from handlers on any thread.
 */
#ifndef LFVPCI_VPCI_H
#define LFVPCI_VPCI_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/regs.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

struct lfv_vpci;

struct lfv_vpci_hook {
    const char *name;
    /* Add this hook's registers to e; may set private state. */
    int (*init)(struct lfv_vpci *v, struct lfv_regs_edit *e);
    /* Free the private state (after a grace period).  May be NULL. */
    void (*fini)(struct lfv_vpci *v, void *priv);
    /*
     * Order of the inits on one device: lower first, equal priorities in
     * registration order (Xen's REGISTER_VPCI_INIT priorities).  The
     * library's own run first: LFV_PRIO_HEADER, then LFV_PRIO_MSI; a hook
     * left at 0 runs after them.
     */
    int priority;
    /* The domain's state (*priv, NULL by default); NULL: none.  0 or -errno. */
    int (*domain_init)(struct lfv_domain *d, void **priv);
    /* Free it, after a grace period once the domain is gone.  May be NULL. */
    void (*domain_fini)(struct lfv_domain *d, void *priv);
};

#define LFV_PRIO_HEADER (-20) /* BARs, COMMAND, capability discovery */
#define LFV_PRIO_MSI (-10)    /* needs the header's discovery, BAR state */

/*
 * Register a hook (kept by pointer: static storage), in priority order.
 * Before any domain is created or device added; takes the control lock.
 * 0, -EINVAL, -EEXIST (already registered), -ENOMEM, -EBUSY (domains or
 * devices already there).
 */
int lfv_system_add_hook(struct lfv_system *sys,
                        const struct lfv_vpci_hook *hook);

/*
 * Hook h's state of domain d (what its domain_init set), or NULL (h not
 * registered on d's system, or no state).  Any thread, while d exists.
 */
void *lfv_domain_priv(const struct lfv_domain *d,
                      const struct lfv_vpci_hook *h);

/* Accessors, for hooks and handlers. */
struct lfv_domain *lfv_vpci_domain(const struct lfv_vpci *v);
bool lfv_vpci_is_hardware_domain(const struct lfv_vpci *v);
lfv_sbdf_t lfv_vpci_sbdf(const struct lfv_vpci *v);  /* physical */
lfv_sbdf_t lfv_vpci_vsbdf(const struct lfv_vpci *v); /* as the owner sees it */
enum lfv_arch lfv_vpci_arch(const struct lfv_vpci *v);

/* A hook's private state (indexed by the hook). */
void *lfv_vpci_priv(const struct lfv_vpci *v, const struct lfv_vpci_hook *h);
void lfv_vpci_set_priv(struct lfv_vpci *v, const struct lfv_vpci_hook *h,
                       void *priv);

typedef void lfv_vpci_retire_t(struct lfv_vpci *v, void *priv);

/*
 * Have fn(v, priv) called when the state stops being the device's: once,
 * when it is unpublished (de-assignment, hot-unplug, teardown) or when a
 * built state is dropped because a later hook's init failed; under the
 * system's control lock, before the grace period.  Accesses that found the
 * state earlier may still be running its handlers, concurrently and
 * afterwards: undo there what outlives the state (e.g. p2m mappings) and
 * make such handlers do nothing further.  priv is the hook's private state
 * at that time.  From the hook's init only.
 */
void lfv_vpci_set_retire(struct lfv_vpci *v, const struct lfv_vpci_hook *h,
                         lfv_vpci_retire_t *fn);

/*
 * Open an edit of this state's registers (<lfvpci/regs.h>), from one of its
 * handlers (the change applies to later accesses) or from an update
 * function (lfv_pdev_update).  0, -ENOMEM.
 */
int lfv_vpci_edit_begin(struct lfv_vpci *v, struct lfv_regs_edit **out);

typedef int lfv_pdev_update_t(struct lfv_vpci *v, struct lfv_regs_edit *e,
                              void *arg);

/*
 * Change the registers of the device's current vPCI state at runtime:
 * under the system's control lock (so the state cannot be retired
 * meanwhile), open an edit, call fn, and publish the result at once if fn
 * returns 0 (its error otherwise, nothing published).  -ENOENT when there is
 * no such device or it is unowned.
 */
int lfv_pdev_update(struct lfv_system *sys, lfv_sbdf_t sbdf,
                    lfv_pdev_update_t *fn, void *arg);

/*
 * The physical device's configuration space (the system's hardware), for
 * the state's hooks: their handlers (read-side section, any thread; writes
 * under the device's write lock), init and retire.  Once the state is
 * retired (unpublished: de-assigned, re-assigned, removed), a read returns
 * all-ones and a write is dropped, those of accesses still in flight
 * included: the device may be another domain's by then.
 */
uint32_t lfv_vpci_hw_read(const struct lfv_vpci *v, unsigned int reg,
                          unsigned int size);
void lfv_vpci_hw_write(const struct lfv_vpci *v, unsigned int reg,
                       unsigned int size, uint32_t val);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_VPCI_H */
