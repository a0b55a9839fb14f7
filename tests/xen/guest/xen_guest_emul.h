/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space Xen in which the series' Xen files are compiled for
 * test_xen_guest (Xen 4.17.5 with integration/xen/patches applied by
 * scripts/xen-apply-series.sh): xen/drivers/vpci/guest.c and
 * xen/arch/arm/vpci.c whole (their #include lines replaced by this
 * header), and the functions of xen/drivers/passthrough/{pci,iommu}.c
 * and xen/drivers/vpci/vpci.c that xen-extract.sh copies (with
 * xen_guest_pci.h on top of this one).  Arm behaviour (CONFIG_ARM).
 *
 * Real: lfvpci's model and RCU (the memb backend: rcu_read_lock/unlock
 * are read-side sections, call_rcu() waits for a grace period), the
 * series' lfvpci-p2m.c on tests/xen/stub's p2m (Arm's contract, the
 * domain's refcount, is_dying), and the simulated PCI bus of sim/ behind
 * pci_conf_read and pci_conf_write, whose calls the test checks (which
 * domain's vCPU made them, at which SBDF).  Recorded or trivial: printk, softirqs,
 * preemption (general_preempt_check() says "preempt" every third call),
 * pcidevs_lock (a mutex with an owner), register_mmio_handler() (the
 * test dispatches a vCPU's MMIO access to it as try_handle_mmio() does).
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
#define CONFIG_64BIT 1

typedef uint64_t paddr_t;
/* Arm's (glibc has a register_t of its own) */
typedef uint64_t xen_guest_register_t;
#define register_t xen_guest_register_t

#include "xen_mirror.h" /* pci_sbdf_t, struct pci_dev's address, vcpu */

enum pdev_type {
    DEV_TYPE_PCI_UNKNOWN,
    DEV_TYPE_PCIe_ENDPOINT,
    DEV_TYPE_PCIe_BRIDGE,
    DEV_TYPE_PCIe2PCI_BRIDGE,
    DEV_TYPE_PCI2PCIe_BRIDGE,
    DEV_TYPE_LEGACY_PCI_BRIDGE,
    DEV_TYPE_PCI_HOST_BRIDGE,
    DEV_TYPE_PCI,
};

/* The fields of Xen's struct pci_dev the series' code uses. */
struct pci_dev {
    struct list_head alldevs_list;
    struct list_head domain_list;
    struct domain *domain;
    XEN_PCI_DEV_ADDRESS;
    uint8_t phantom_stride;
    enum pdev_type type;
    struct {
        bool is_extfn, is_virtfn;
    } info;
    bool broken, quarantine;
    struct {
        unsigned int count;
    } fault;
    struct vpci *vpci; /* the hardware domain's vPCI state (vpci.c) */
    struct rcu_head rcu;
};

/* The running vCPU of the calling thread (Xen's `current`). */
extern __thread struct vcpu *xen_guest_current;
#define current xen_guest_current

uint8_t pci_conf_read8(pci_sbdf_t sbdf, unsigned int reg);
uint16_t pci_conf_read16(pci_sbdf_t sbdf, unsigned int reg);
uint32_t pci_conf_read32(pci_sbdf_t sbdf, unsigned int reg);
void pci_conf_write8(pci_sbdf_t sbdf, unsigned int reg, uint8_t val);
void pci_conf_write16(pci_sbdf_t sbdf, unsigned int reg, uint16_t val);
void pci_conf_write32(pci_sbdf_t sbdf, unsigned int reg, uint32_t val);

extern bool opt_vpci_assign_no_iommu, iommu_enabled;

/*
 * Patches 17-18: pci_check_bar() accepts every BAR here (the engine's
 * tests cover the callback).  The hardware domain is the test's (domain
 * 0, with vPCI): with VPCI_HWDOM_MODEL its devices are in the model.
 */
#define maddr_to_mfn(a) _mfn((a) >> 12)
#define pci_check_bar(pdev, s, e) ((void)(pdev), (void)(s), (void)(e), true)
#define XENLOG_WARNING "<1>"
#define gprintk(lvl, ...) printk(lvl __VA_ARGS__)
extern struct domain *hardware_domain;
bool pcidevs_locked(void);
#define has_vpci(d) ((d)->vpci)

/* Xen's RCU on lfvpci's (the vPCI read-side section is one lock). */
extern int vpci_rcu_lock;
#define rcu_read_lock(l) ((void)(l), lfv_rcu_read_lock())
#define rcu_read_unlock(l) ((void)(l), lfv_rcu_read_unlock())
#define rcu_dereference(p) __atomic_load_n(&(p), __ATOMIC_ACQUIRE)
/* Xen's single-copy-atomic accesses, with no ordering of their own. */
#define read_atomic(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define write_atomic(p, x) __atomic_store_n(p, x, __ATOMIC_RELAXED)
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

/* --- Arm's MMIO trap interface (xen/arch/arm/vpci.c) ------------------- */

/* public/arch-arm.h, xen/pci.h, xen/vpci.h */
#define GUEST_VPCI_ECAM_BASE 0x10000000ULL
#define GUEST_VPCI_ECAM_SIZE 0x10000000ULL
#define ECAM_REG_OFFSET(addr) ((addr) & 0x00000fff)
#define VPCI_ECAM_BDF(addr) (((addr) & 0x0ffff000) >> 12)

typedef struct {
    struct {
        unsigned int size; /* log2 of the access's bytes */
    } dabt;
    paddr_t gpa;
} mmio_info_t;

typedef int (*mmio_read_t)(struct vcpu *v, mmio_info_t *info,
                           register_t *r, void *priv);
typedef int (*mmio_write_t)(struct vcpu *v, mmio_info_t *info,
                            register_t r, void *priv);
struct mmio_handler_ops {
    mmio_read_t read;
    mmio_write_t write;
};
void register_mmio_handler(struct domain *d,
                           const struct mmio_handler_ops *ops,
                           paddr_t addr, paddr_t size, void *priv);

/* The host bridges: the test's one, its ECAM window at a host address. */
struct pci_config_window {
    paddr_t phys_addr;
    paddr_t size;
    uint8_t busn_start;
};
struct pci_host_bridge {
    struct pci_config_window *cfg;
    uint16_t segment;
};
int pci_host_iterate_bridges_and_count(
    struct domain *d,
    int (*cb)(struct domain *d, struct pci_host_bridge *bridge));

/* xen/arch/arm/vpci.c's entry points and what they call (vpci.c). */
int domain_vpci_init(struct domain *d);
unsigned int domain_vpci_get_num_mmio_handlers(struct domain *d);
bool vpci_ecam_write(pci_sbdf_t sbdf, unsigned int reg, unsigned int len,
                     unsigned long data);
bool vpci_ecam_read(pci_sbdf_t sbdf, unsigned int reg, unsigned int len,
                    unsigned long *data);

#ifdef XEN_GUEST_FALLBACK_HW
uint32_t xen_guest_hw_read(uint32_t sbdf, unsigned int reg, unsigned int size);
void xen_guest_hw_write(uint32_t sbdf, unsigned int reg, unsigned int size,
                        uint32_t val);
#define lfv_conf_read(ld, s, r, n) ((void)(ld), xen_guest_hw_read(s, r, n))
#define lfv_conf_write(ld, s, r, n, v)                                       \
    ((void)(ld), xen_guest_hw_write(s, r, n, v))
#endif

#endif /* XEN_GUEST_EMUL_H */
