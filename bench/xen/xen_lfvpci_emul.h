/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space environment in which the patched vpci.c (Xen 4.17.5 with
 * integration/xen/patches applied) is compiled for the xen417_lfvpci
 * benchmark module, as xen_emul.h does for the unpatched one.
 *
 * Unlike the xen417 baseline, vpci.c is compiled with __XEN__ defined, so
 * that the code measured is the hypervisor's: vpci_add_handlers() builds
 * the device and publishes it in the SBDF registry, and vpci_read() finds
 * it there.  That needs the Xen-only parts of struct vpci to compile, which
 * the stubs at the end provide.  Locks are real (pthread spinlocks, as in
 * xen_emul.h: both start with xen_bench_env.h and end with
 * xen_bench_conf.h); Xen's RCU read side is what it is in Xen: a per-CPU
 * (here per-thread) counter, no atomic, no fence.
 *
 * This header is also the engine's platform header (LFV_PLATFORM_HEADER):
 * it is force-included into the engine's sources.
 */
#ifndef LFV_XEN_LFVPCI_EMUL_H
#define LFV_XEN_LFVPCI_EMUL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xen_bench_env.h"

/* --- locks: xen_bench_env.h's, and static ones ------------------------ */

/* Static spinlocks: glibc's pthread spinlock is unlocked when zero. */
/* glibc's x86 spinlock is locked when zeroed: initialise statics at load. */
#define DEFINE_SPINLOCK(l)                                                  \
    spinlock_t l;                                                           \
    static void __attribute__((constructor)) l##_init(void)                 \
    {                                                                       \
        spin_lock_init(&l);                                                 \
    }

/* --- RCU: Xen's read side, deferred frees run at teardown ------------- */

struct rcu_head {
    struct rcu_head *next;
    void (*func)(struct rcu_head *head);
};
typedef struct { int unused; } rcu_read_lock_t;
#define DEFINE_RCU_READ_LOCK(x) rcu_read_lock_t x
/* Xen's rcu_quiesce_disable(): this CPU may not pass a quiescent state. */
extern __thread unsigned int xen_rcu_nesting
    __attribute__((tls_model("initial-exec")));
#define rcu_read_lock(l) ({ (void)(l); xen_rcu_nesting++; barrier(); })
#define rcu_read_unlock(l) ({ barrier(); (void)(l); xen_rcu_nesting--; })
#define rcu_dereference(p) (p)
#define rcu_assign_pointer(p, v) ({ smp_wmb(); (p) = (v); })
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
void rcu_barrier(void);

/* --- lfvpci's platform layer ------------------------------------------ */

struct pci_dev;
#define LFV_DEV_CTX struct pci_dev
typedef spinlock_t lfv_lock_t;
#define lfv_lock_init(l) spin_lock_init(l)
#define lfv_lock_destroy(l) ((void)pthread_spin_destroy(l))
#define lfv_lock(l) spin_lock(l)
#define lfv_unlock(l) spin_unlock(l)
#define lfv_malloc(size) malloc(size)
#define lfv_zalloc(size) calloc(1, size)
#define lfv_free(p) free(p)
extern rcu_read_lock_t vpci_rcu_lock;
#define lfv_rcu_fast_lock() rcu_read_lock(&vpci_rcu_lock)
#define lfv_rcu_fast_unlock() rcu_read_unlock(&vpci_rcu_lock)

#ifndef LFV_ENGINE_ONLY
/* --- what vpci.c and vpci.h need besides ------------------------------ */

#include "list.h"

#include "xen_mirror.h"

struct domain {
    unsigned int domain_id;
#ifdef XEN_EMUL_MSIX
    XEN_X86_DOMAIN_ARCH;            /* x86: vPCI's MSI-X tables */
#endif
};

/* The address as in Xen's struct pci_dev (devfn, bus, seg over the SBDF). */
struct pci_dev {
    XEN_PCI_DEV_ADDRESS;
    struct domain *domain;
    struct vpci *vpci;
};

/*
 * The Xen-only parts of struct vpci: sizes only, except in the module that
 * also compiles the series' msix.c (XEN_EMUL_MSIX, xen_lfvpci_msix_emul.h),
 * where an entry keeps x86's bound pirq (INVALID_PIRQ: none) and msix.c's
 * init hook is collected with the module's.
 */
#define PCI_HEADER_NORMAL_NR_BARS 6
#define PCI_MSIX_BIRMASK 7u
#define PCI_MSIX_ENTRY_SIZE 16
struct vpci_arch_msi { int unused; };
#ifdef XEN_EMUL_MSIX
struct vpci_arch_msix_entry {
    int pirq;
};
#define INVALID_PIRQ (-1)
#define __used_section(s) __attribute__((__used__, __section__("vpci_array")))
#else
struct vpci_arch_msix_entry { int unused; };
#endif

#define PCI_COMMAND         0x04
#define PCI_BASE_ADDRESS_0  0x10
#define PCI_ROM_ADDRESS1    0x38

#define CONFIG_HAS_VPCI 1
/* x86's vPCI: header.c keeps the hardware domain's header (xen/vpci.h) */
#define CONFIG_HAS_PCI_MSI 1
#include "vpci.h"

#ifdef XEN_EMUL_MSIX
/*
 * Several guests make accesses (msix_mask's, steady's): the running vCPU
 * is per thread, set by the module, and reading it is a load, as Xen's
 * per-CPU current is (initial-exec: %fs-relative, as Xen's is off the
 * stack or %gs).
 */
extern __thread const struct vcpu *xen417_current
    __attribute__((tls_model("initial-exec")));
#define current xen417_current
#else
extern const struct vcpu xen417_vcpu;
#define current (&xen417_vcpu)
#endif

#define has_vpci(d) true
/* The benchmark's accesses are the hardware domain's (as in xen_emul.h). */
#define is_hardware_domain(d) ((void)(d), true)
#define pcidevs_locked() true
#define iounmap(p) ((void)(p))

/* Xen's linker script collects the init hooks; here a named section. */
#define __end_vpci_array __stop_vpci_array

#include "xen_bench_conf.h"
#endif /* LFV_ENGINE_ONLY */

#endif /* LFV_XEN_LFVPCI_EMUL_H */
