/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space environment in which Xen 4.17.5's xen/drivers/vpci/vpci.c is
 * compiled for the xen417 benchmark baseline.
 *
 * The build (bench/xen/CMakeLists.txt) takes vpci.c, xen/include/xen/vpci.h
 * and xen/include/xen/list.h from the fetched Xen tree at build time, strips
 * their #include lines (as Xen's own tools/tests/vpci/Makefile does) and makes
 * vpci.c include this header instead.  Unlike Xen's unit-test harness, whose
 * locks are no-ops, the locks here are real: the point is to measure Xen's
 * locking, so spinlock_t is a pthread spinlock.  What this header shares
 * with the series' (xen_lfvpci_emul.h) is in xen_bench_env.h (helpers,
 * ASSERT, locks) and xen_bench_conf.h (the configuration space); Xen's
 * types, the same in the tests' environments, in tests/xen/env.
 *
 * The benchmark runs as the hardware domain (gaps go to hardware), with one
 * PCI segment holding the benchmark's devices.  With XEN_EMUL_GUESTS
 * defined, an SBDF whose segment is odd stands for a guest's device (4.17
 * has no vPCI for guests: the workloads with a guest run its accesses
 * through the same vpci_read/vpci_write): segment 2g + 1 is guest g's, and
 * its lookup walks that guest's own device list, as Xen's pci_get_pdev()
 * does for a domain other than the hardware domain; its gaps read as
 * all-ones with writes dropped, as in Xen 4.19+.  Segments 0 and 1 are
 * what every workload uses; with XEN_EMUL_SEGS also defined (xen417_trace.c),
 * an even segment 2g is the hardware domain's segment of the same number,
 * with its own device list (Xen's pseg->alldevs_list), and
 * enumerate/<impl>/private gives each thread's copy of the trace's devices
 * segments 2c and 2c + 1.
 *
 * With __XEN__ defined (the modules that also compile msix.c, on top of
 * this header: xen_msix_emul.h), vpci.c and vpci.h are the hypervisor's:
 * see the __XEN__ block below.
 *
 * With XEN_EMUL_420 defined (the xen420 modules), the vpci.c, vpci.h and
 * list.h compiled (and msix.c, with __XEN__) are Xen 4.20.4's, which also
 * need: d->pci_lock (Xen's rwlock, a pthread rwlock as in xen_pcilock.h),
 * read-held by vpci_read() and msix.c's handlers, write-held by
 * vpci_write(); is_hardware_domain() from the domain (d->hw: 4.20's
 * vpci_read_hw()/vpci_write_hw() refuse a guest's gaps); dom_xen (a domain
 * owning no device: the hardware domain's second lookup on a miss); and,
 * with XEN_EMUL_GUESTS, the accessing domain as current, a thread-local
 * the module sets before each access: with XEN_EMUL_SEGS, segment s's
 * accesses are domain s's (even: a hardware domain, odd: a guest), each
 * with its own pci_lock, as xen_pcilock_trace.c's copies have theirs; in
 * the MSI-X module, the guest's.
 */
#ifndef LFV_XEN_EMUL_H
#define LFV_XEN_EMUL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen_bench_env.h"

#include "list.h"

#ifdef XEN_EMUL_420
/* Xen's rwlock_t (d->pci_lock): readers share it, a writer excludes all. */
#define read_lock(l) ((void)pthread_rwlock_rdlock(l))
#define read_unlock(l) ((void)pthread_rwlock_unlock(l))
#define write_lock(l) ((void)pthread_rwlock_wrlock(l))
#define write_unlock(l) ((void)pthread_rwlock_unlock(l))
/* A domain's initialiser: its pci_lock, unlocked; hw_: the hardware domain. */
#define XEN_EMUL_DOM_INIT(hw_) .pci_lock = PTHREAD_RWLOCK_INITIALIZER, .hw = (hw_)
#define rw_is_locked(l) ({                                              \
        pthread_rwlock_t *l_ = (l);                                     \
        bool held_ = pthread_rwlock_trywrlock(l_) != 0;                 \
        if ( !held_ )                                                   \
            pthread_rwlock_unlock(l_);                                  \
        held_;                                                          \
})
/* Held by anyone, for ASSERTs (Xen's release builds compile them out). */
#define rw_is_write_locked(l) rw_is_locked(l)
#define ASSERT_PDEV_LIST_IS_READ_LOCKED(d) ASSERT(rw_is_locked(&(d)->pci_lock))
#else
#define XEN_EMUL_DOM_INIT(hw_)
#endif

/* --- PCI addressing and objects ------------------------------------------ */

#include "xen_mirror.h"

struct domain {
    unsigned int domain_id;
#ifdef XEN_EMUL_420
    pthread_rwlock_t pci_lock;
    bool hw;                        /* is_hardware_domain() */
#endif
#ifdef __XEN__
    XEN_X86_DOMAIN_ARCH;            /* x86: vPCI's MSI-X tables */
#endif
};

/*
 * The fields vpci.c, msix.c and our pci_get_pdev() touch, nothing else;
 * the address as in Xen's struct pci_dev (devfn, bus, seg over the SBDF).
 */
struct pci_dev {
    struct list_head alldevs_list;  /* link in the segment's device list */
    struct list_head domain_list;   /* link in a guest's device list */
    XEN_PCI_DEV_ADDRESS;
    struct domain *domain;
    struct vpci *vpci;
#ifdef XEN_EMUL_420
    unsigned int msix_pos;          /* 4.20's init_msix() reads it */
#endif
};

#ifdef __XEN__
/*
 * Modules that also compile Xen's msix.c (xen_msix_emul.h) build vpci.c
 * and msix.c with __XEN__, as the hypervisor does: struct vpci then has
 * its Xen-only half (header, MSI, MSI-X), vpci_add_handlers() runs the
 * REGISTER_VPCI_INIT hooks (msix.c's init_msix) and vpci_remove_device()
 * frees what they built.  vpci_read()/vpci_write() are the same code with
 * or without __XEN__.  What that half and those two functions need:
 */
#define PCI_HEADER_NORMAL_NR_BARS 6
#define PCI_MSIX_BIRMASK 7u
#define PCI_MSIX_ENTRY_SIZE 16
struct vpci_arch_msi { int unused; };
/* x86's: the pirq an entry is bound to (INVALID_PIRQ: none). */
struct vpci_arch_msix_entry {
    int pirq;
};
#define INVALID_PIRQ (-1)
/* Xen's linker script collects the init hooks; here one named section
 * (its order is the link order: msix.c's init_msix is the only hook). */
#define __used_section(s) __attribute__((__used__, __section__("vpci_array")))
#define __end_vpci_array __stop_vpci_array
/* No table page is ever mapped (ioremap() fails, xen_msix_emul.h). */
#define iounmap(p) ((void)(p))
#ifdef XEN_EMUL_420
#define __maybe_unused __attribute__((__unused__))
/* The BARs' rangesets are header.c's, not compiled: never allocated. */
struct rangeset;
static inline void rangeset_destroy(struct rangeset *r)
{
    (void)r;
}
#endif
#endif

#define CONFIG_HAS_VPCI 1
#include "vpci.h"

/* --- the environment, defined in xen417.c ----------------------------- */

/* The running vCPU: one of the hardware domain's. */
extern const struct vcpu xen417_vcpu;
#if defined(XEN_EMUL_420) && defined(XEN_EMUL_GUESTS)
/* The accessing domain's vCPU, set before each access (the hardware
 * domain's unless a module sets it: segment s's domain with
 * XEN_EMUL_SEGS, the guest's in the MSI-X modules). */
extern __thread const struct vcpu *xen420_current
    __attribute__((tls_model("initial-exec")));
#define current xen420_current
#else
#define current (&xen417_vcpu)
#endif
#ifdef XEN_EMUL_420
/* DomXEN: owns none of the benchmark's devices. */
extern struct domain xen420_dom_xen;
#define dom_xen (&xen420_dom_xen)
#endif

#if defined(XEN_EMUL_GUESTS) && defined(XEN_EMUL_SEGS)
/*
 * A module that defines XEN_EMUL_SEGS (xen417_trace.c, for the copies of
 * enumerate/<impl>/private) has a list per segment s < XEN_EMUL_SEGS:
 * even, the hardware domain's devices on s (Xen's pseg->alldevs_list);
 * odd, guest s / 2's (its d->pdev_list).
 */
extern struct list_head xen417_segdevs[XEN_EMUL_SEGS];
#define xen417_alldevs (xen417_segdevs[0])
#define xen417_guestdevs (xen417_segdevs[1]) /* guest 0's */
#else
/* The single PCI segment's list of all devices (Xen's pseg->alldevs_list). */
extern struct list_head xen417_alldevs;
#ifdef XEN_EMUL_GUESTS
extern struct list_head xen417_guestdevs; /* the guest's d->pdev_list */
#endif
#endif

#define has_vpci(d) true
#ifdef XEN_EMUL_420
#define is_hardware_domain(d) ((d)->hw)
#else
#define is_hardware_domain(d) true
#endif

#if defined(XEN_EMUL_GUESTS) && defined(XEN_EMUL_SEGS)
/*
 * pci_get_pdev() below on segments 2 and up (enumerate/<impl>/private's
 * copies 1 and up): the same walks on the segment's own list.  Segments 0
 * and 1 keep their walks on fixed lists, the code every other workload
 * measures.
 */
static inline struct pci_dev *xen417_get_pdev_seg(const struct domain *d,
                                                  pci_sbdf_t sbdf)
{
    struct pci_dev *pdev;

    if (sbdf.seg >= XEN_EMUL_SEGS)
        return NULL;
    if (sbdf.seg & 1) {
        list_for_each_entry ( pdev, &xen417_segdevs[sbdf.seg], domain_list )
            if ( pdev->sbdf.sbdf == sbdf.sbdf )
                return pdev;
        return NULL;
    }
    list_for_each_entry ( pdev, &xen417_segdevs[sbdf.seg], alldevs_list )
        if ( pdev->sbdf.bdf == sbdf.bdf && (!d || pdev->domain == d) )
            return pdev;
    return NULL;
}
#endif

/*
 * Xen 4.17.5's pci_get_pdev() for the hardware domain: walk the segment's
 * device list for a matching BDF owned by d.  Kept as a real list walk so
 * its cost (one device here) is part of every access, as in Xen.
 */
static inline struct pci_dev *pci_get_pdev(const struct domain *d,
                                           pci_sbdf_t sbdf)
{
    struct pci_dev *pdev;

#if defined(XEN_EMUL_GUESTS) && defined(XEN_EMUL_SEGS)
    if (sbdf.seg == 1) {
        list_for_each_entry ( pdev, &xen417_guestdevs, domain_list )
            if ( pdev->sbdf.sbdf == sbdf.sbdf )
                return pdev;
        return NULL;
    }
    if (sbdf.seg != 0)
        return xen417_get_pdev_seg(d, sbdf);
#elif defined(XEN_EMUL_GUESTS)
    if (sbdf.seg != 0) {
        list_for_each_entry ( pdev, &xen417_guestdevs, domain_list )
            if ( pdev->sbdf.sbdf == sbdf.sbdf )
                return pdev;
        return NULL;
    }
#endif
    if (sbdf.seg != 0)
        return NULL;
    list_for_each_entry ( pdev, &xen417_alldevs, alldevs_list )
        if ( pdev->sbdf.bdf == sbdf.bdf && (!d || pdev->domain == d) )
            return pdev;
    return NULL;
}

#include "xen_bench_conf.h"

#endif /* LFV_XEN_EMUL_H */
