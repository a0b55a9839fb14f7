/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the functions xen-extract.sh copies from the series'
 * xen/drivers/passthrough/pci.c, xen/drivers/passthrough/iommu.c and
 * xen/drivers/vpci/vpci.c (see CMakeLists.txt for the list) need around
 * them, on top of xen_guest_emul.h.  No IOMMU (is_iommu_enabled() false,
 * as on QEMU's virt machine): the IOMMU paths are compiled but must never
 * run (they abort).  The hardware domain's vPCI state is vpci.c's own
 * (vpci_add_handlers(), vpci_remove_device(), vpci_find()) with no
 * register hooks: every access of it is a gap, passed to the hardware.
 * XSM allows everything; MSI cleanup, IRQs and hypercall continuations
 * are not reached.
 */
#ifndef XEN_GUEST_PCI_H
#define XEN_GUEST_PCI_H

#include "xen_guest_emul.h"

#include <lfvpci/access.h>

#include "core/sbdf_map.h"

#define __XEN__ 1
#define u8 uint8_t
#define u16 uint16_t
#define u32 uint32_t
#define bool_t bool
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define XENLOG_INFO "<I>"
#define XENLOG_DEBUG "<D>"
#define XENLOG_G_INFO "<G><2>"
/* Counted, not printed (Xen's %pd and %pp are not printf's). */
#undef printk
void xen_guest_printk(const char *fmt, ...);
#define printk(...) xen_guest_printk(__VA_ARGS__)
#define dprintk(lvl, ...) xen_guest_printk(__VA_ARGS__)

/* --- lists (xen/list.h's API) ------------------------------------------ */

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_for_each_entry(pos, head, member)                               \
    for (pos = list_entry((head)->next, typeof(*pos), member);               \
         &pos->member != (head);                                             \
         pos = list_entry(pos->member.next, typeof(*pos), member))
#define list_for_each_entry_safe(pos, n, head, member)                       \
    for (pos = list_entry((head)->next, typeof(*pos), member),               \
         n = list_entry(pos->member.next, typeof(*pos), member);             \
         &pos->member != (head);                                             \
         pos = n, n = list_entry(n->member.next, typeof(*n), member))

static inline void INIT_LIST_HEAD(struct list_head *l)
{
    l->next = l->prev = l;
}

static inline void list_add(struct list_head *e, struct list_head *head)
{
    e->next = head->next;
    e->prev = head;
    head->next->prev = e;
    head->next = e;
}

static inline void list_del(struct list_head *e)
{
    e->next->prev = e->prev;
    e->prev->next = e->next;
    e->next = e->prev = NULL;
}

static inline void list_move(struct list_head *e, struct list_head *head)
{
    list_del(e);
    list_add(e, head);
}

/* Only for vpci.c's MSI-X state, which no device here has. */
#define list_del_rcu(e) XEN_STUB_CHECK(!"no MSI-X here")
#define iounmap(p) XEN_STUB_CHECK(!"no MSI-X here")

/* --- PCI (xen/pci.h, pci_regs.h) --------------------------------------- */

#define PCI_BUS(bdf) (((bdf) >> 8) & 0xff)
#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_DEVFN(d) ((d) & 0xff)
#define PCI_SBDF(s, b, df)                                                   \
    ((pci_sbdf_t){ .sbdf = ((uint32_t)(s) << 16) | ((b) << 8) | (df) })
#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_ROM_ADDRESS1 0x38
#define PCI_CFG_SPACE_EXP_SIZE 4096
/* Extended capabilities, SR-IOV (pci_regs.h). */
#define PCI_EXT_CAP_ID(header) (header & 0x0000ffff)
#define PCI_EXT_CAP_NEXT(header) ((header >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_SRIOV 16
#define PCI_SRIOV_CTRL 0x08
#define PCI_SRIOV_CTRL_VFE 0x01
/* xen/drivers/pci/pci.c's (extracted), walking the hardware's chain. */
int pci_find_ext_capability(int seg, int bus, int devfn, int cap);
int pci_find_next_ext_capability(int seg, int bus, int devfn, int pos,
                                 int cap);

/* One segment (pci.c's pci_seg, the fields free_pdev() uses). */
struct pci_seg {
    struct list_head alldevs_list;
    uint16_t nr;
    spinlock_t bus2bridge_lock;
    struct {
        uint8_t map, bus, devfn;
    } bus2bridge[256];
};
struct pci_seg *get_pseg(uint16_t seg);
const unsigned long *pci_get_ro_map(uint16_t seg);
#define test_bit(nr, map) (((map)[(nr) / 64] >> ((nr) % 64)) & 1)
#define spin_lock_irqsave(l, f) ((void)(f), spin_lock(l))
#define spin_unlock_irqrestore(l, f) ((void)(f), spin_unlock(l))
#define DEFINE_SPINLOCK(l) spinlock_t l = { PTHREAD_MUTEX_INITIALIZER }

extern struct domain *dom_io;
/*
 * Xen's synchronous pause (the test's: its vCPU threads parked before it
 * returns; it checks that pcidevs_lock is not held) and the domain's
 * reference; pause_count is Xen's atomic_t.
 */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
#define atomic_read(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
void pcidevs_lock(void);
void pcidevs_unlock(void);
int arch_pci_clean_pirqs(struct domain *d);
void pdev_msi_deinit(struct pci_dev *pdev);
void pci_cleanup_msi(struct pci_dev *pdev);
bool pci_assign_no_iommu(const struct domain *d);
struct pci_dev *pci_get_pdev(const struct domain *d, pci_sbdf_t sbdf);
int pci_remove_device(u16 seg, u8 bus, u8 devfn);
int pci_release_devices(struct domain *d);

/* --- no IOMMU ---------------------------------------------------------- */

struct domain_iommu {
    const void *platform_ops;
};
const struct domain_iommu *dom_iommu(const struct domain *d);
#define is_iommu_enabled(d) ((void)(d), false)
#define iommu_quarantine false
#define pci_to_dev(p) (p)
int xen_guest_no_iommu(const char *what, ...);
#define iommu_call(ops, fn, ...) xen_guest_no_iommu(#fn, ops, __VA_ARGS__)
#define iommu_quarantine_dev_init(dev) xen_guest_no_iommu("quarantine")
#define arch_iommu_use_permitted(d) xen_guest_no_iommu("use_permitted")
#define pdev_msix_assign(d, pdev) xen_guest_no_iommu("msix_assign")
/* pci.c's own, for a device without an IOMMU context: nothing to do. */
static inline int iommu_remove_device(struct pci_dev *pdev)
{
    return pdev->domain ? 0 : -EINVAL;
}

/* --- domctl (public/domctl.h), XSM, hypercalls ------------------------- */

#define XEN_DOMCTL_assign_device 37
#define XEN_DOMCTL_deassign_device 47
#define XEN_DOMCTL_get_device_group 50
#define XEN_DOMCTL_test_assign_device 45
#define XEN_DOMCTL_DEV_PCI 0
#define XEN_DOMCTL_DEV_DT 1
#define XEN_DOMCTL_DEV_RDM_RELAXED 1
struct xen_domctl {
    uint32_t cmd;
    union {
        struct {
            uint32_t dev;
            uint32_t flags;
            union {
                struct {
                    uint32_t machine_sbdf;
                } pci;
            } u;
        } assign_device;
        struct {
            uint32_t machine_sbdf;
            uint32_t max_sdevs;
            uint32_t num_sdevs;
            uint32_t *sdev_array;
        } get_device_group;
    } u;
};
typedef struct xen_domctl xen_domctl_t;
#define XEN_GUEST_HANDLE_PARAM(t) t *
#define XEN_GUEST_HANDLE_64(t) uint32_t * /* only (uint32) */
#define __copy_field_to_guest(h, p, f) ((void)(h), (void)(p), 0)
int iommu_get_device_group(struct domain *d, u16 seg, u8 bus, u8 devfn,
                           uint32_t *buf, int max_sdevs);
#define __HYPERVISOR_domctl 36
#define hypercall_create_continuation(op, fmt, h)                            \
    ((void)(h), xen_guest_no_iommu("continuation"))
int iommu_do_pci_domctl(struct xen_domctl *domctl, struct domain *d,
                        XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl);
bool pci_no_iommu_domctl(const struct xen_domctl *domctl,
                         const struct domain *d);
int iommu_do_domctl(struct xen_domctl *domctl, struct domain *d,
                    XEN_GUEST_HANDLE_PARAM(xen_domctl_t) u_domctl);
#define CONFIG_HAS_PCI 1
#define xsm_resource_unplug_pci(a, sbdf) ((void)(sbdf), 0)
#define xsm_assign_device(a, d, sbdf) ((void)(d), (void)(sbdf), 0)
#define xsm_deassign_device(a, d, sbdf) ((void)(d), (void)(sbdf), 0)
#define xsm_get_device_group(a, sbdf) ((void)(sbdf), 0)

/* --- vpci.c's state for the hardware domain ---------------------------- */

struct vpci_msix {
    struct list_head next;
    void *table[2];
};
struct vpci {
    spinlock_t lock;
    struct lfv_vdev *regs;
    struct list_head handlers;
    struct pci_dev *pdev;
    struct vpci_msix *msix;
    void *msi;
    struct rcu_head rcu;
};
typedef int vpci_register_init_t(struct pci_dev *dev);
/* No register hooks (4.17's header.c is not part of this test). */
extern unsigned int xen_guest_nr_vpci_init;
#define NUM_VPCI_INIT xen_guest_nr_vpci_init
extern vpci_register_init_t *const __start_vpci_array[1];
int vpci_add_handlers(struct pci_dev *pdev);
void vpci_remove_device(struct pci_dev *pdev);
uint32_t vpci_read(pci_sbdf_t sbdf, unsigned int reg, unsigned int size);
void vpci_write(pci_sbdf_t sbdf, unsigned int reg, unsigned int size,
                uint32_t data);
bool vpci_access_allowed(unsigned int reg, unsigned int len);

#ifdef XEN_GUEST_EXTRACTED
/* vpci.c's file-scope objects (not functions: written here). */
static struct lfv_sbdf_map vpci_devices;
static DEFINE_SPINLOCK(vpci_devices_lock);
static DEFINE_SPINLOCK(vpci_map_lock);
#endif

#endif /* XEN_GUEST_PCI_H */
