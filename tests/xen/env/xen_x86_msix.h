/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Xen's xen/drivers/vpci/msix.c names beyond vpci.c, declared alike
 * by every environment that compiles it (x86's): the page size, the PCI
 * and MSI-X register names (Linux's pci_regs.h, x86's asm/msi.h), the
 * message levels, and the interfaces it calls (pci_find_cap_offset(),
 * x86's HVM MMIO handler registration, the p2m calls of
 * vpci_make_msix_hole()), their definitions the environment's.  Included
 * by bench/xen/xen_msix_env.h and tests/xen/msix/xen_msix_emul.h after
 * xen_lib.h and xen_mirror.h and their struct domain.
 */
#ifndef LFV_XEN_ENV_X86_MSIX_H
#define LFV_XEN_ENV_X86_MSIX_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define round_pgdown(p) ((p) & PAGE_MASK)
#define PAGE_OFFSET(p) ((unsigned long)(p) & ~PAGE_MASK)

/* --- PCI: the registers msix.c names ------------------------------------ */

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

unsigned int pci_find_cap_offset(uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t func, uint8_t cap);

/* The levels of msix.c's gprintk() (the environment's: counted). */
#define XENLOG_WARNING "<W>"
#define XENLOG_DEBUG "<D>"

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

/* --- p2m: vpci_make_msix_hole()'s calls --------------------------------- */

typedef enum { p2m_invalid, p2m_ram_rw, p2m_mmio_dm, p2m_mmio_direct }
    p2m_type_t;
typedef struct { unsigned long mfn; } mfn_t;
#define mfn_x(m) ((m).mfn)
#define PRI_mfn "05lx"
#define put_gfn(d, gfn) ((void)(d), (void)(gfn))

#endif /* LFV_XEN_ENV_X86_MSIX_H */
