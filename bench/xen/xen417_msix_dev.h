/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Xen 4.17.5's msix.c (and the series' patched msix.c) calls outside
 * itself, for the MSI-X modules xen417_msix.c and xen417_lfvpci_msix.c
 * (declared in xen_msix_env.h and vpci.h): the physical devices' MSI-X
 * capability, x86's arch hooks and the HVM MMIO handler registration, the
 * same for both.  Included after xen_msix_emul.h or
 * xen_lfvpci_msix_emul.h, by one file of each module.
 *
 * Every device of a module is the same physical function: an MSI-X
 * capability at X_MSIX_CAP with X_MSIX_ENTRIES entries, its table at the
 * start of BAR 0 and its PBA at X_MSIX_PBA in BAR 0 (X_BAR0_SIZE bytes),
 * as the lfvpci module's simulated devices (bench/lfvpci_msix.c), and
 * device24's other registers on cells (included after device24.h).  Both
 * modules plug the same devices: NDEVS per guest, device d's table at
 * TABLE(d); the workloads' hooks on them are xen417_msix_workloads.h.
 */
#ifndef LFV_BENCH_XEN417_MSIX_DEV_H
#define LFV_BENCH_XEN417_MSIX_DEV_H

#include <stdio.h>

#define X_MSIX_CAP 0x70
#define X_MSIX_ENTRIES 64
#define X_MSIX_PBA 0x2000
#define X_BAR0_SIZE 0x4000

/* The devices both modules plug, at the same addresses. */
#define NDEVS 5 /* LFV_STEADY_DEVS + the churned one */
#define TABLE(d) (0xe0100000ull + 0x10000ull * (d))
#define NREGS 23 /* device24's registers but the MSI-X control word */
#define STEADY_DEV0 1   /* steady's device d is 0001:00:(STEADY_DEV0+d).0 */
#define MSIX_DEV0 0x11  /* msix_mask's */

/* Messages of msix.c: none is expected (the module checks the count). */
static unsigned long x_gprintk_count;

void xen417_gprintk(const char *lvl, const char *fmt, ...)
{
    (void)lvl, (void)fmt;
    __atomic_add_fetch(&x_gprintk_count, 1, __ATOMIC_RELAXED);
}

unsigned int pci_find_cap_offset(uint16_t seg, uint8_t bus, uint8_t dev,
                                 uint8_t func, uint8_t cap)
{
    (void)seg, (void)bus, (void)dev, (void)func;
    return cap == PCI_CAP_ID_MSIX ? X_MSIX_CAP : 0;
}

/* The capability as init_msix() reads it: MSI-X disabled, as at boot. */
uint32_t xen417_phys_conf_read(pci_sbdf_t sbdf, unsigned int reg,
                               unsigned int size)
{
    (void)sbdf;
    switch (reg) {
    case msix_control_reg(X_MSIX_CAP):
        return X_MSIX_ENTRIES - 1;
    case msix_table_offset_reg(X_MSIX_CAP):
        return 0;                       /* BIR 0, offset 0 */
    case msix_pba_offset_reg(X_MSIX_CAP):
        return X_MSIX_PBA;              /* BIR 0 */
    }
    return size >= 4 ? ~0u : (1u << (8 * size)) - 1;
}

/* control_write()'s write-back of the control word: no device to reach. */
void xen417_phys_conf_write(pci_sbdf_t sbdf, unsigned int reg,
                            unsigned int size, uint32_t val)
{
    (void)sbdf, (void)reg, (void)size, (void)val;
}

/* msix.c's handlers (vpci_msix_table_ops), as init_msix() registers them. */
static const struct hvm_mmio_ops *x_msix_ops;

void register_mmio_handler(struct domain *d, const struct hvm_mmio_ops *ops)
{
    (void)d;
    x_msix_ops = ops;
}

/*
 * x86's arch hooks (xen/arch/x86/hvm/vmsi.c), the hypervisor's side: out of
 * line and with a compiler barrier, so that each call msix.c makes is made
 * (they are in another translation unit than msix.c anyway), and doing
 * nothing else, as the lfvpci module's `mask` and `bind`.  The pirq
 * bookkeeping is x86's (enable binds, disable of an unbound entry is
 * -ENOENT), so that update_entry() and control_write() see what they
 * would.
 */
__attribute__((noinline)) void
vpci_msix_arch_mask_entry(struct vpci_msix_entry *entry,
                          const struct pci_dev *pdev, bool mask)
{
    __asm__ volatile("" : : "r"(entry), "r"(pdev), "r"(mask) : "memory");
}

__attribute__((noinline)) int
vpci_msix_arch_enable_entry(struct vpci_msix_entry *entry,
                            const struct pci_dev *pdev, paddr_t table_base)
{
    __asm__ volatile("" : : "r"(entry), "r"(pdev), "r"(table_base)
                     : "memory");
    entry->arch.pirq = 0;
    return 0;
}

__attribute__((noinline)) int
vpci_msix_arch_disable_entry(struct vpci_msix_entry *entry,
                             const struct pci_dev *pdev)
{
    __asm__ volatile("" : : "r"(entry), "r"(pdev) : "memory");
    if (entry->arch.pirq == INVALID_PIRQ)
        return -ENOENT;
    entry->arch.pirq = INVALID_PIRQ;
    return 0;
}

void vpci_msix_arch_init_entry(struct vpci_msix_entry *entry)
{
    entry->arch.pirq = INVALID_PIRQ;
}

/* A device's NREGS cells: device24's registers' initial values, in order,
 * but the MSI-X control word's (msix.c's own register). */
static inline void x_cells_init(uint32_t *cells)
{
    for (unsigned int i = 0, c = 0; i < 24; i++)
        if (lfv_bench_regs[i].offset != msix_control_reg(X_MSIX_CAP))
            cells[c++] = lfv_bench_reg_init(i);
}

/*
 * Each of device24's registers read through vpci_read() at sbdf returns
 * its value: the cell's initial pattern (lfv_bench_reg_init()), the MSI-X
 * control word msix.c's control_read() composes (enabled, not
 * function-masked, X_MSIX_ENTRIES entries).  0, or -EIO with the first
 * wrong register named.
 */
static inline int x_check_reads(const char *impl, unsigned int d,
                                pci_sbdf_t sbdf)
{
    for (unsigned int i = 0; i < 24; i++) {
        unsigned int reg = lfv_bench_regs[i].offset;
        unsigned int size = lfv_bench_regs[i].size;
        uint32_t want = reg == msix_control_reg(X_MSIX_CAP)
                            ? PCI_MSIX_FLAGS_ENABLE | (X_MSIX_ENTRIES - 1)
                            : lfv_bench_reg_init(i);
        uint32_t got = vpci_read(sbdf, reg, size);

        if (size < 4)
            want &= (1u << (8 * size)) - 1;
        if (got != want) {
            fprintf(stderr, "%s: device %u: register 0x%x reads 0x%x, not "
                    "0x%x\n", impl, d, reg, got, want);
            return -EIO;
        }
    }
    return 0;
}

/*
 * Device d's MSI-X state as its guest sees it once enabled: enabled, not
 * function-masked, X_MSIX_ENTRIES entries, and a vector control write
 * through msix_write() (made by v, the guest's vCPU, as x86's MMIO dispatch
 * makes it) reaching its entry, the last one, which no workload writes;
 * msix.c printing nothing on the way.  0, or -EIO with what failed.
 */
static inline int x_check_table(const char *impl, unsigned int d,
                                const struct vpci_msix *m, struct vcpu *v)
{
    const struct vpci_msix_entry *e = &m->entries[X_MSIX_ENTRIES - 1];
    uint64_t ctrl = TABLE(d) + 16 * (X_MSIX_ENTRIES - 1) +
                    PCI_MSIX_ENTRY_VECTOR_CTRL_OFFSET;
    bool ok = m->max_entries == X_MSIX_ENTRIES && m->enabled &&
              !m->masked && e->masked;

    ok = ok && !x_msix_ops->write(v, ctrl, 4, 0) && !e->masked;
    ok = ok && !x_msix_ops->write(v, ctrl, 4, 1) && e->masked;
    if (!ok || x_gprintk_count) {
        fprintf(stderr, "%s: device %u: a vector control write through "
                "msix_write() did not reach its entry (%lu messages)\n", impl,
                d, x_gprintk_count);
        return -EIO;
    }
    return 0;
}

#endif /* LFV_BENCH_XEN417_MSIX_DEV_H */
