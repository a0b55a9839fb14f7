/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space Xen in which the series' xen/drivers/vpci/guest.c (Xen
 * 4.17.5 with integration/xen/patches applied by
 * scripts/xen-apply-series.sh, its #include lines replaced by this
 * header) is compiled for test_xen_guest.  Arm behaviour (CONFIG_ARM).
 *
 * Real: lfvpci's model and RCU (the memb backend: rcu_read_lock/unlock
 * are read-side sections, call_rcu() waits for a grace period), the
 * series' lfvpci-p2m.c on tests/xen/stub's p2m (Arm's contract, the
 * domain's refcount, is_dying), and the simulated PCI bus of sim/ behind
 * pci_conf_read and pci_conf_write, whose calls the test checks (which
 * domain's vCPU made them, at which SBDF).  Recorded or trivial: printk, softirqs,
 * preemption (general_preempt_check() says "preempt" every third call),
 * pcidevs_lock (a mutex with an owner).
 *
 * XEN_GUEST_FALLBACK_HW (a negative control): the guest path reads and
 * writes the host's configuration space at the guest's SBDF, as vpci.c
 * did for every domain before patch 12; the test must catch it.
 */
#ifndef XEN_GUEST_EMUL_H
#define XEN_GUEST_EMUL_H

#include <xen_stub.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/vpci.h>

#define __init
#define __read_mostly
#define XENLOG_ERR "<0>"
#define XENLOG_G_INFO "<G><2>"
#define ASSERT_UNREACHABLE() XEN_STUB_CHECK(!"unreachable")
#define XEN_GUEST_IS_CONFIG_ARM 1
#define XEN_GUEST_IS_CONFIG_HAS_PCI_MSI 0
#define IS_ENABLED(option) XEN_GUEST_IS_##option
#define min(a, b) ((a) < (b) ? (a) : (b))
/* The test calls the initcall itself. */
#define __initcall(fn) int (*const xen_guest_initcall)(void) = (fn)

typedef union {
    uint32_t sbdf;
} pci_sbdf_t;

struct pci_dev {
    pci_sbdf_t sbdf;
};

struct vcpu {
    struct domain *domain;
};

uint8_t pci_conf_read8(pci_sbdf_t sbdf, unsigned int reg);
uint16_t pci_conf_read16(pci_sbdf_t sbdf, unsigned int reg);
uint32_t pci_conf_read32(pci_sbdf_t sbdf, unsigned int reg);
void pci_conf_write8(pci_sbdf_t sbdf, unsigned int reg, uint8_t val);
void pci_conf_write16(pci_sbdf_t sbdf, unsigned int reg, uint16_t val);
void pci_conf_write32(pci_sbdf_t sbdf, unsigned int reg, uint32_t val);

extern bool opt_vpci_assign_no_iommu, iommu_enabled;

/*
 * Patches 17-18: pci_check_bar() accepts every BAR here (the engine's
 * tests cover the callback), and the model has no hardware domain (none
 * is created: de-assignment takes the device out of the model).
 */
#define maddr_to_mfn(a) _mfn((a) >> 12)
#define pci_check_bar(pdev, s, e) ((void)(pdev), (void)(s), (void)(e), true)
#define XENLOG_WARNING "<1>"
#define gprintk(lvl, ...) printk(lvl __VA_ARGS__)
#define hardware_domain ((struct domain *)NULL)
bool pcidevs_locked(void);
#define has_vpci(d) ((d)->vpci)

/* Xen's RCU on lfvpci's (the vPCI read-side section is one lock). */
extern int vpci_rcu_lock;
#define rcu_read_lock(l) ((void)(l), lfv_rcu_read_lock())
#define rcu_read_unlock(l) ((void)(l), lfv_rcu_read_unlock())
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELEASE)

#define SCHEDULE_SOFTIRQ 0u
void raise_softirq(unsigned int nr);
bool general_preempt_check(void);

/* xen/vpci.h's prototypes for guest.c (its includes are removed). */
uint32_t vpci_guest_read(const struct domain *d, pci_sbdf_t sbdf,
                         unsigned int reg, unsigned int size);
void vpci_guest_write(const struct domain *d, pci_sbdf_t sbdf,
                      unsigned int reg, unsigned int size, uint32_t data);
bool vpci_guest_process_pending(struct vcpu *v);
struct lfv_domain *vpci_guest_domain(struct domain *d);
void vpci_guest_domain_destroy(struct domain *d);
int vpci_guest_assign(struct domain *d, const struct pci_dev *pdev);
void vpci_guest_deassign(const struct pci_dev *pdev);
#define VPCI_HWDOM_MODEL 1 /* Arm: no CONFIG_HAS_PCI_MSI */
int vpci_hwdom_add_device(struct pci_dev *pdev);
void vpci_hwdom_remove_device(struct pci_dev *pdev);
bool vpci_process_pending(struct vcpu *v);

#ifdef XEN_GUEST_FALLBACK_HW
uint32_t xen_guest_hw_read(uint32_t sbdf, unsigned int reg, unsigned int size);
void xen_guest_hw_write(uint32_t sbdf, unsigned int reg, unsigned int size,
                        uint32_t val);
#define lfv_conf_read(ld, s, r, n) ((void)(ld), xen_guest_hw_read(s, r, n))
#define lfv_conf_write(ld, s, r, n, v)                                       \
    ((void)(ld), xen_guest_hw_write(s, r, n, v))
#endif

#endif /* XEN_GUEST_EMUL_H */
