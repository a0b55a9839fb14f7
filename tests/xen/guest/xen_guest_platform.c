/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the user-space Xen (xen_guest_emul.h, xen_guest_pci.h)
 * that are not the hardware: one PCI segment, the hardware domain and
 * dom_io, pcidevs_lock, the MMIO handler registry (what
 * register_mmio_handler() records, dispatched by xen_guest_mmio() as
 * try_handle_mmio() does), the host bridge the hardware domain's ECAM
 * handler is registered for, and the calls that must not be reached
 * without an IOMMU.
 */
#include <pthread.h>
#include <stdarg.h>

#include "xen_guest_pci.h"
#include "xen_guest_platform.h"

__thread struct vcpu *xen_guest_current;
struct domain *hardware_domain, *dom_io;
unsigned int xen_guest_nr_vpci_init;
vpci_register_init_t *const __start_vpci_array[1];

static struct pci_seg seg0 = {
    .alldevs_list = { &seg0.alldevs_list, &seg0.alldevs_list },
    .bus2bridge_lock = { PTHREAD_MUTEX_INITIALIZER },
};

struct pci_seg *get_pseg(uint16_t seg)
{
    return seg ? NULL : &seg0;
}

const unsigned long *pci_get_ro_map(uint16_t seg)
{
    (void)seg;
    return NULL;
}

/* --- pcidevs_lock: a mutex with an owner --------------------------------- */

static pthread_mutex_t pcidevs_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_t pcidevs_owner;
static bool pcidevs_held;

void pcidevs_lock(void)
{
    pthread_mutex_lock(&pcidevs_mutex);
    pcidevs_owner = pthread_self();
    pcidevs_held = true;
}

void pcidevs_unlock(void)
{
    pcidevs_held = false;
    pthread_mutex_unlock(&pcidevs_mutex);
}

bool pcidevs_locked(void)
{
    /* Only its holder asks (ASSERT), so reading the flag is safe. */
    return pcidevs_held && pthread_equal(pcidevs_owner, pthread_self());
}

/* --- what is trivial or must not run ------------------------------------- */

static unsigned long nr_printk;
static __thread const char *last_printk = "";

void xen_guest_printk(const char *fmt, ...)
{
    last_printk = fmt;
    __atomic_fetch_add(&nr_printk, 1, __ATOMIC_RELAXED);
}

const char *xen_guest_last_printk(void)
{
    return last_printk;
}

int arch_pci_clean_pirqs(struct domain *d)
{
    (void)d;
    return 0;
}

void pdev_msi_deinit(struct pci_dev *pdev)
{
    (void)pdev;
}

void pci_cleanup_msi(struct pci_dev *pdev)
{
    (void)pdev;
}

const struct domain_iommu *dom_iommu(const struct domain *d)
{
    static const struct domain_iommu none;

    (void)d;
    return &none;
}

int xen_guest_no_iommu(const char *what, ...)
{
    fprintf(stderr, "IOMMU path reached without an IOMMU: %s\n", what);
    abort();
}

int iommu_get_device_group(struct domain *d, u16 seg, u8 bus, u8 devfn,
                           uint32_t *buf, int max_sdevs)
{
    (void)d, (void)seg, (void)bus, (void)devfn, (void)buf, (void)max_sdevs;
    return xen_guest_no_iommu("get_device_group");
}

/* --- devices -------------------------------------------------------------- */

/*
 * pci_add_device() for a device the hardware domain owns: the allocation,
 * the lists and vpci_add_handlers(), as pci.c does (its IOMMU, MSI and
 * quirk steps have nothing to do here).
 */
struct pci_dev *xen_guest_add_device(uint32_t sbdf)
{
    struct pci_dev *pdev = calloc(1, sizeof(*pdev));
    int rc;

    XEN_STUB_CHECK(pdev);
    pdev->sbdf.sbdf = sbdf;
    pdev->type = DEV_TYPE_PCIe_ENDPOINT;
    pcidevs_lock();
    list_add(&pdev->alldevs_list, &seg0.alldevs_list);
    pdev->domain = hardware_domain;
    list_add(&pdev->domain_list, &hardware_domain->pdev_list);
    rc = vpci_add_handlers(pdev);
    pcidevs_unlock();
    XEN_STUB_CHECK(rc == 0);
    return pdev;
}

/* --- MMIO handlers --------------------------------------------------------- */

#define MAX_HANDLERS 8

static struct handler {
    const struct domain *d;
    const struct mmio_handler_ops *ops;
    paddr_t addr, size;
    void *priv;
} handlers[MAX_HANDLERS];
static unsigned int nr_handlers;

/* At domain creation (domain_vpci_init()), before any vCPU runs. */
void register_mmio_handler(struct domain *d,
                           const struct mmio_handler_ops *ops,
                           paddr_t addr, paddr_t size, void *priv)
{
    XEN_STUB_CHECK(nr_handlers < MAX_HANDLERS);
    handlers[nr_handlers++] = (struct handler){ d, ops, addr, size, priv };
}

/* The hardware domain's host bridge: QEMU virt's high ECAM window. */
static struct pci_config_window host_cfg = {
    .phys_addr = XEN_GUEST_HOST_ECAM, .size = 0x10000000, .busn_start = 0,
};
static struct pci_host_bridge host_bridge = { &host_cfg, 0 };

int pci_host_iterate_bridges_and_count(
    struct domain *d,
    int (*cb)(struct domain *d, struct pci_host_bridge *bridge))
{
    return cb(d, &host_bridge);
}

int xen_guest_mmio(struct vcpu *v, paddr_t gpa, unsigned int len, bool write,
                   uint64_t *val)
{
    mmio_info_t info = { .gpa = gpa };

    XEN_STUB_CHECK(len == 1 || len == 2 || len == 4 || len == 8);
    info.dabt.size = len == 8 ? 3 : len == 4 ? 2 : len == 2 ? 1 : 0;
    for (unsigned int i = 0; i < nr_handlers; i++) {
        const struct handler *h = &handlers[i];
        register_t r = *val;
        int rc;

        if (h->d != v->domain || gpa < h->addr || gpa - h->addr >= h->size)
            continue;
        if (write)
            return h->ops->write(v, &info, r, h->priv);
        rc = h->ops->read(v, &info, &r, h->priv);
        *val = r;
        return rc;
    }
    return -ENOENT; /* no handler: a data abort to the guest */
}
