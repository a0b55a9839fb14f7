/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Xen's xen/drivers/vpci/msix.c needs besides what vpci.c needs, in
 * user space: compiler helpers, x86's MSI-X register names, the physical
 * device's configuration space (xen417_phys_conf_read/write(), defined by
 * the module, as pci_find_cap_offset()), MMIO (no table page is ever
 * mapped: ioremap() fails), x86's HVM MMIO handler registration and the
 * p2m calls of vpci_make_msix_hole() (compiled, never called).  Shared by
 * the two environments that compile msix.c: Xen 4.17.5's own
 * (xen_msix_emul.h, on xen_emul.h) and the lfvpci series'
 * (xen_lfvpci_msix_emul.h, on xen_lfvpci_emul.h); included by them after
 * their base header, which defines pci_sbdf_t, struct vcpu, struct domain,
 * spinlock_t and the pci_conf_* accessors vpci.c uses.
 */
#ifndef LFV_XEN_MSIX_ENV_H
#define LFV_XEN_MSIX_ENV_H

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define IS_ALIGNED(val, align) (((val) & ((align) - 1)) == 0)

/* Held by anyone (Xen's meaning); only msix.c's ASSERTs ask. */
#define spin_is_locked(l) ({                                            \
        spinlock_t *l_ = (l);                                           \
        bool held_ = pthread_spin_trylock(l_) != 0;                     \
        if ( !held_ )                                                   \
            pthread_spin_unlock(l_);                                    \
        held_;                                                          \
})

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define round_pgdown(p) ((p) & PAGE_MASK)
#define PAGE_OFFSET(p) ((unsigned long)(p) & ~PAGE_MASK)

/* Messages are counted, not printed (the module may check the count). */
#define XENLOG_WARNING "<W>"
#define XENLOG_DEBUG "<D>"
void xen417_gprintk(const char *lvl, const char *fmt, ...);
#define gprintk(lvl, fmt, ...) xen417_gprintk(lvl, fmt, ##__VA_ARGS__)
#ifdef XEN_EMUL_420
/* 4.20's init_msix() reports a bad table BAR with printk(): counted too. */
#define XENLOG_ERR "<E>"
#define DEV_BUG_PREFIX "Device bug: "
#define printk(fmt, ...) xen417_gprintk("", fmt, ##__VA_ARGS__)
#endif

#define xzalloc_flex_struct(type, field, nr)                                \
    ((type *)calloc(1, offsetof(type, field) +                              \
                       sizeof(((type *)0)->field[0]) * (nr)))

/* --- PCI: the registers msix.c names (Linux's pci_regs.h, x86's msi.h) -- */

#define PCI_SLOT(devfn) (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn) ((devfn) & 0x07)
#define PCI_CAP_ID_MSIX 0x11
#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_FLAGS_QSIZE 0x07ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_ENTRY_LOWER_ADDR_OFFSET 0
#define PCI_MSIX_ENTRY_UPPER_ADDR_OFFSET 4
#define PCI_MSIX_ENTRY_DATA_OFFSET 8
#define PCI_MSIX_ENTRY_VECTOR_CTRL_OFFSET 12
#define PCI_MSIX_VECTOR_BITMASK 1
#define msix_control_reg(base) ((base) + PCI_MSIX_FLAGS)
#define msix_table_offset_reg(base) ((base) + PCI_MSIX_TABLE)
#define msix_pba_offset_reg(base) ((base) + PCI_MSIX_PBA)
#define msix_table_size(control) (((control) & PCI_MSIX_FLAGS_QSIZE) + 1)

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
unsigned int pci_find_cap_offset(uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t func, uint8_t cap);
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

/* --- x86 HVM MMIO handlers ---------------------------------------------- */

#define X86EMUL_OKAY 0
#define X86EMUL_RETRY 3
struct hvm_mmio_ops {
    int (*check)(struct vcpu *v, unsigned long addr);
    int (*read)(struct vcpu *v, unsigned long addr, unsigned int len,
                unsigned long *val);
    int (*write)(struct vcpu *v, unsigned long addr, unsigned int len,
                 unsigned long val);
};
void register_mmio_handler(struct domain *d, const struct hvm_mmio_ops *ops);

/* --- p2m (vpci_make_msix_hole(): compiled, not called) ------------------ */

typedef enum { p2m_invalid, p2m_ram_rw, p2m_mmio_dm, p2m_mmio_direct }
    p2m_type_t;
typedef struct { unsigned long mfn; } mfn_t;
#define mfn_x(m) ((m).mfn)
#define PRI_mfn "05lx"
static inline mfn_t get_gfn_query(struct domain *d, unsigned long gfn,
                                  p2m_type_t *t)
{
    (void)d, (void)gfn;
    *t = p2m_invalid;
    return (mfn_t){ ~0ul };
}
#define put_gfn(d, gfn) ((void)(d), (void)(gfn))
static inline int p2m_remove_identity_entry(struct domain *d,
                                            unsigned long gfn)
{
    (void)d, (void)gfn;
    return 0;
}

#endif /* LFV_XEN_MSIX_ENV_H */
