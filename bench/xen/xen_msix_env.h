/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Xen's xen/drivers/vpci/msix.c needs besides what vpci.c needs, in
 * the benchmark modules: what every environment of msix.c declares alike
 * (tests/xen/env/xen_x86_msix.h: register names, the HVM MMIO handler
 * registration, the p2m types), and the benchmark's own definitions: the
 * physical device's configuration space (xen417_phys_conf_read/write(),
 * defined by the module, as pci_find_cap_offset() and
 * register_mmio_handler()), MMIO (no table page is ever mapped: ioremap()
 * fails) and the p2m calls of vpci_make_msix_hole() (compiled, never
 * called).  Shared by the two environments that compile msix.c: Xen
 * 4.17.5's own (xen_msix_emul.h, on xen_emul.h) and the lfvpci series'
 * (xen_lfvpci_msix_emul.h, on xen_lfvpci_emul.h); included by them after
 * their base header, which defines pci_sbdf_t, struct vcpu, struct domain,
 * spinlock_t and the pci_conf_* accessors vpci.c uses.
 */
#ifndef LFV_XEN_MSIX_ENV_H
#define LFV_XEN_MSIX_ENV_H

#include "xen_x86_msix.h" /* what every environment of msix.c declares */

/* Held by anyone (Xen's meaning); only msix.c's ASSERTs ask. */
#define spin_is_locked(l) ({                                            \
        spinlock_t *l_ = (l);                                           \
        bool held_ = pthread_spin_trylock(l_) != 0;                     \
        if ( !held_ )                                                   \
            pthread_spin_unlock(l_);                                    \
        held_;                                                          \
})

/* Messages are counted, not printed (the module may check the count). */
void xen417_gprintk(const char *lvl, const char *fmt, ...);
#define gprintk(lvl, fmt, ...) xen417_gprintk(lvl, fmt, ##__VA_ARGS__)
#ifdef XEN_EMUL_420
/* 4.20's init_msix() reports a bad table BAR with printk(): counted too. */
#define XENLOG_ERR "<E>"
#define DEV_BUG_PREFIX "Device bug: "
#define printk(fmt, ...) xen417_gprintk("", fmt, ##__VA_ARGS__)
#endif

/* --- PCI: the physical device --------------------------------------- */

/* The physical device's configuration space, as msix.c reads it. */
uint32_t xen417_phys_conf_read(pci_sbdf_t sbdf, unsigned int reg,
                               unsigned int size);
void xen417_phys_conf_write(pci_sbdf_t sbdf, unsigned int reg,
                            unsigned int size, uint32_t val);
#undef pci_conf_read16
#undef pci_conf_read32
#undef pci_conf_write16
#define pci_conf_read16(sbdf, reg) \
    ((uint16_t)xen417_phys_conf_read(sbdf, reg, 2))
#define pci_conf_read32(sbdf, reg) xen417_phys_conf_read(sbdf, reg, 4)
#define pci_conf_write16(sbdf, reg, v) \
    xen417_phys_conf_write(sbdf, reg, 2, (uint16_t)(v))
/* x86: no MSI-X control write of a guest is refused by the host's MSI. */
static inline int pci_msi_conf_write_intercept(struct pci_dev *pdev,
                                               unsigned int reg,
                                               unsigned int size,
                                               uint32_t *data)
{
    (void)pdev, (void)reg, (void)size, (void)data;
    return 0;
}

#ifdef XEN_EMUL_420
/*
 * 4.20's control_write(): a guest enabling MSI-X gets INTx disabled in the
 * physical command register (x86's pci_intx()): no device to reach, as
 * for xen417_phys_conf_write().
 */
#define PCI_COMMAND_INTX_DISABLE 0x400
static inline void pci_intx(const struct pci_dev *pdev, bool enable)
{
    (void)pdev, (void)enable;
}
#endif

/* --- MMIO: no page of a table is mapped ---------------------------------- */

static inline void *ioremap(paddr_t pa, size_t len)
{
    (void)pa, (void)len;
    return NULL;
}
#define readb(a) (*(const volatile uint8_t *)(a))
#define readw(a) (*(const volatile uint16_t *)(a))
#define readl(a) (*(const volatile uint32_t *)(a))
#define readq(a) (*(const volatile uint64_t *)(a))
#define writeb(v, a) (*(volatile uint8_t *)(a) = (uint8_t)(v))
#define writew(v, a) (*(volatile uint16_t *)(a) = (uint16_t)(v))
#define writel(v, a) (*(volatile uint32_t *)(a) = (uint32_t)(v))
#define writeq(v, a) (*(volatile uint64_t *)(a) = (uint64_t)(v))

/* --- p2m (vpci_make_msix_hole(): compiled, not called) ------------------ */

static inline mfn_t get_gfn_query(struct domain *d, unsigned long gfn,
                                  p2m_type_t *t)
{
    (void)d, (void)gfn;
    *t = p2m_invalid;
    return (mfn_t){ ~0ul };
}
static inline int p2m_remove_identity_entry(struct domain *d,
                                            unsigned long gfn)
{
    (void)d, (void)gfn;
    return 0;
}

#endif /* LFV_XEN_MSIX_ENV_H */
