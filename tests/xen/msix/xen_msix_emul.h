/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space Xen in which the patched xen/drivers/vpci/{vpci,msix}.c
 * (Xen 4.17.5 with integration/xen/patches applied, prepared by
 * scripts/xen-apply-series.sh) are compiled for test_xen_msix: x86
 * behaviour, __XEN__ defined, so that vpci_add_handlers() runs the
 * REGISTER_VPCI_INIT hooks (msix.c's init_msix) and publishes the device in
 * the SBDF registry, and msix.c registers its MMIO handlers with
 * register_mmio_handler().
 *
 * What matters for the test is real, the rest records or does nothing:
 *  - RCU is lfvpci's (include/lfvpci/rcu.h, liburcu underneath, annotated
 *    for ThreadSanitizer): Xen's rcu_read_lock/unlock are read-side
 *    sections, call_rcu() runs its callback after a real grace period,
 *    rcu_dereference/rcu_assign_pointer are acquire/release.  The RCU list
 *    primitives below are written on them (Xen's list.h uses plain stores
 *    and smp_wmb(), which TSan cannot model).  The engine inside vpci.c is
 *    the project's own, built on the same backend (patch 0003 imports
 *    exactly these sources);
 *  - spinlocks are pthread mutexes, with the "held" flag spin_is_locked()
 *    and pcidevs_locked() need;
 *  - configuration space, ioremap() and the MMIO accessors use buffers of
 *    the test (test_xen_msix.c); vpci_msix_arch_*, register_mmio_handler()
 *    and the p2m calls are recording stubs there.
 * XEN_MSIX_UNSAFE_FREE (the negative control) makes call_rcu() run the
 * callback at once, without a grace period.
 */
#ifndef XEN_MSIX_EMUL_H
#define XEN_MSIX_EMUL_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The engine's handlers take the struct pci_dev, as in the hypervisor. */
struct pci_dev;
#define LFV_DEV_CTX struct pci_dev
#include <lfvpci/access.h>
#include <lfvpci/rcu.h>
#include "core/sbdf_map.h"

/* --- compiler and CPU helpers, allocation: Xen's (xen_lib.h) ---------- */

#include "xen_lib.h"

#define __used_section(s) __attribute__((__used__, __section__("vpci_array")))
/* Xen's linker script collects the init hooks; here one named section
 * (priorities are ignored: only init_msix and the test's BAR hook). */
#define __end_vpci_array __stop_vpci_array
#define CONFIG_HAS_VPCI 1
/* msix.c is built only with it (x86): header.c keeps the hwdom header */
#define CONFIG_HAS_PCI_MSI 1

/* Checked in every build type (NDEBUG or not): a failed ASSERT is a bug. */
void xen_assert_failed(const char *what, const char *file, int line)
    __attribute__((__noreturn__));
#define ASSERT(x) \
    ((x) ? (void)0 : xen_assert_failed(#x, __FILE__, __LINE__))
#define ASSERT_UNREACHABLE() xen_assert_failed("unreachable", __FILE__, __LINE__)

/* Messages are counted, not printed (Xen's %pp is not printf's). */
void xen_gprintk(const char *lvl, const char *fmt, ...);
#define gprintk(lvl, fmt, ...) xen_gprintk(lvl, fmt, ##__VA_ARGS__)

/* --- locks ------------------------------------------------------------ */

typedef struct {
    pthread_mutex_t m;
    int held;              /* for spin_is_locked(): atomic, set by the owner */
} spinlock_t;
#define SPIN_LOCK_UNLOCKED { PTHREAD_MUTEX_INITIALIZER, 0 }
#define DEFINE_SPINLOCK(l) spinlock_t l = SPIN_LOCK_UNLOCKED
static inline void spin_lock_init(spinlock_t *l)
{
    pthread_mutex_init(&l->m, NULL);
    l->held = 0;
}
static inline void spin_lock(spinlock_t *l)
{
    pthread_mutex_lock(&l->m);
    __atomic_store_n(&l->held, 1, __ATOMIC_RELAXED);
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->held, 0, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&l->m);
}
#define spin_is_locked(l) __atomic_load_n(&(l)->held, __ATOMIC_RELAXED)

/* pcidevs_lock: held by every caller of vpci_add_handlers/remove_device. */
extern spinlock_t xen_pcidevs_lock;
#define pcidevs_lock() spin_lock(&xen_pcidevs_lock)
#define pcidevs_unlock() spin_unlock(&xen_pcidevs_lock)
#define pcidevs_locked() spin_is_locked(&xen_pcidevs_lock)

/* --- RCU: lfvpci's ----------------------------------------------------- */

typedef struct { int unused; } rcu_read_lock_t;
#define DEFINE_RCU_READ_LOCK(x) rcu_read_lock_t x
extern rcu_read_lock_t vpci_rcu_lock;
#define rcu_read_lock(l) ({ (void)(l); lfv_rcu_read_lock(); })
#define rcu_read_unlock(l) ({ (void)(l); lfv_rcu_read_unlock(); })
#define rcu_dereference(p) lfv_rcu_dereference(p)
#define rcu_assign_pointer(p, v) lfv_rcu_assign_pointer(p, v)

struct rcu_head {
    struct lfv_rcu_head lfv;
    void (*func)(struct rcu_head *head);
};
void call_rcu(struct rcu_head *head, void (*func)(struct rcu_head *head));
#define rcu_barrier() lfv_rcu_barrier()

/* --- lists: Xen's API, the RCU variants on acquire/release ------------ */

struct list_head {
    struct list_head *next, *prev;
};
#define LIST_POISON2 ((struct list_head *)0x200)
static inline void INIT_LIST_HEAD(struct list_head *l)
{
    l->next = l->prev = l;
}
static inline bool list_empty(const struct list_head *head)
{
    return __atomic_load_n(&head->next, __ATOMIC_RELAXED) == head;
}
/* Writers are serialised (pcidevs_lock); readers only follow ->next. */
static inline void list_add_rcu(struct list_head *new, struct list_head *head)
{
    struct list_head *next = head->next;

    new->next = next;
    new->prev = head;
    next->prev = new;
    lfv_rcu_assign_pointer(head->next, new);
}
/* ->next is left as is: a reader standing on the entry goes on. */
static inline void list_del_rcu(struct list_head *entry)
{
    entry->next->prev = entry->prev;
    lfv_rcu_assign_pointer(entry->prev->next, entry->next);
    entry->prev = LIST_POISON2;
}
#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry_rcu(pos, head, member)                          \
    for ( pos = list_entry(lfv_rcu_dereference((head)->next),               \
                           typeof(*pos), member);                           \
          &pos->member != (head);                                           \
          pos = list_entry(lfv_rcu_dereference(pos->member.next),           \
                           typeof(*pos), member) )

/* --- domains, devices, PCI ---------------------------------------------- */

#include "xen_mirror.h"

struct domain {
    unsigned int domain_id;
    XEN_X86_DOMAIN_ARCH;            /* x86: d->arch.hvm.msix_tables */
};
#define is_hardware_domain(d) ((d)->domain_id == 0)
#define has_vpci(d) true

/* Each test thread is a vCPU of the domain. */
extern __thread struct vcpu *xen_current;
#define current xen_current

struct pci_dev {
    XEN_PCI_DEV_ADDRESS;
    struct domain *domain;
    struct vpci *vpci;
};

/* msix.c's names, the HVM MMIO handlers, the p2m types: xen_x86_msix.h */
#include "xen_x86_msix.h"

#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_ROM_ADDRESS1 0x38
#define PCI_MSIX_BIRMASK 7u
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_CFG_SPACE_EXP_SIZE 4096
#define PCI_HEADER_NORMAL_NR_BARS 6

/* Configuration space: the test's buffers (test_xen_msix.c). */
uint32_t xen_conf_read(pci_sbdf_t sbdf, unsigned int reg, unsigned int size);
void xen_conf_write(pci_sbdf_t sbdf, unsigned int reg, unsigned int size,
                    uint32_t val);
#define pci_conf_read8(sbdf, reg) ((uint8_t)xen_conf_read(sbdf, reg, 1))
#define pci_conf_read16(sbdf, reg) ((uint16_t)xen_conf_read(sbdf, reg, 2))
#define pci_conf_read32(sbdf, reg) xen_conf_read(sbdf, reg, 4)
#define pci_conf_write8(sbdf, reg, v) xen_conf_write(sbdf, reg, 1, v)
#define pci_conf_write16(sbdf, reg, v) xen_conf_write(sbdf, reg, 2, v)
#define pci_conf_write32(sbdf, reg, v) xen_conf_write(sbdf, reg, 4, v)
int pci_msi_conf_write_intercept(struct pci_dev *pdev, unsigned int reg,
                                 unsigned int size, uint32_t *data);
static inline const unsigned long *pci_get_ro_map(uint16_t seg)
{
    (void)seg;
    return NULL;
}

/* --- MMIO: "host physical" addresses are the test's BAR buffers --------- */

void *ioremap(paddr_t pa, size_t len);
void iounmap(void *va);
#define xen_mmio_rd(t, a) __atomic_load_n((volatile t *)(a), __ATOMIC_RELAXED)
#define xen_mmio_wr(t, v, a) \
    __atomic_store_n((volatile t *)(a), (t)(v), __ATOMIC_RELAXED)
#define readb(a) xen_mmio_rd(uint8_t, a)
#define readw(a) xen_mmio_rd(uint16_t, a)
#define readl(a) xen_mmio_rd(uint32_t, a)
#define readq(a) xen_mmio_rd(uint64_t, a)
#define writeb(v, a) xen_mmio_wr(uint8_t, v, a)
#define writew(v, a) xen_mmio_wr(uint16_t, v, a)
#define writel(v, a) xen_mmio_wr(uint32_t, v, a)
#define writeq(v, a) xen_mmio_wr(uint64_t, v, a)

/* --- p2m (vpci_make_msix_hole(): compiled, not exercised) --------------- */

mfn_t get_gfn_query(struct domain *d, unsigned long gfn, p2m_type_t *t);
int p2m_remove_identity_entry(struct domain *d, unsigned long gfn);

/* --- what vpci.h needs -------------------------------------------------- */

struct vpci_arch_msi { int unused; };
/* x86 keeps the bound pirq here; the stubs keep what they were given. */
struct vpci_arch_msix_entry {
    bool bound;
    uint64_t addr;
    uint32_t data;
};

#ifndef __XEN__
#error "vpci.c and msix.c are compiled as the hypervisor's (__XEN__)"
#endif
#include "vpci.h"

#endif /* XEN_MSIX_EMUL_H */
