/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * domu_fdt.h - the flattened device tree lfv-domu (domu.c) gives its
 * guest: memory, one cpu, psci, a GICv3, the architected timer and
 * chosen (bootargs, initrd), as libxl's libxl_arm.c writes them for a
 * guest, without a hypervisor node (the guest needs no grant tables,
 * event channels or xenstore).  No Xen headers here, so that the tree
 * can be written and checked on the build host too.
 */
#ifndef LFV_DOMU_FDT_H
#define LFV_DOMU_FDT_H

#include <stddef.h>
#include <stdint.h>

struct domu_fdt_params {
    uint64_t mem_base, mem_size;
    uint64_t gicd_base, gicd_size, gicr_base, gicr_size;
    uint32_t timer_ppi[3]; /* secure physical, physical, virtual */
    uint32_t psci_cpu_off, psci_cpu_on;
    uint64_t initrd, initrd_size;
    const char *bootargs;
    uint32_t clock_frequency; /* 0: no clock-frequency property */
    /*
     * vpci: a pcie@ECAM node (pci-host-ecam-generic, buses 0-255) with a
     * memory and a prefetchable memory window (PCI address = CPU
     * address), as libxl's make_vpci_node().
     */
    int vpci;
    uint64_t ecam_base, ecam_size;
    uint32_t win_type[2];
    uint64_t win_addr[2], win_size[2];
};

/* Write the tree into out[0, max): its size, or 0 if it does not fit. */
size_t domu_fdt(uint8_t *out, size_t max, const struct domu_fdt_params *p);

#endif /* LFV_DOMU_FDT_H */
