/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * domu_pci.h - lfv-domu's PCI assignment (domu_pci.c): a host PCI
 * function given to the guest being built, as libxl's libxl_pci.c does
 * for a pci= entry on Arm, with the domctls only.
 */
#ifndef LFV_DOMU_PCI_H
#define LFV_DOMU_PCI_H

#include <stdint.h>

#define DOMU_PCI_BARS 6

struct domu_pci_dev {
    char name[16];                 /* SSSS:BB:DD.F, as sysfs names it */
    uint32_t sbdf;                 /* machine SBDF, Xen's encoding */
    unsigned int nr_mem;           /* memory BARs found */
    struct {
        unsigned int bar;
        uint64_t mfn, nr;          /* host frames */
    } mem[DOMU_PCI_BARS];
};

/*
 * Parse NAME (SSSS:BB:DD.F) and read its memory BARs from dom0's sysfs
 * (/sys/bus/pci/devices/NAME/resource); dies with the reason on a bad
 * name, a missing device or a malformed resource line.
 */
void domu_pci_lookup(const char *name, struct domu_pci_dev *dev);

/* The bytes of the device's memory BARs (they take p2m entries). */
uint64_t domu_pci_bar_bytes(const struct domu_pci_dev *dev);

/*
 * Give dev to the guest: XEN_DOMCTL_iomem_permission for every memory
 * BAR, then XEN_DOMCTL_assign_device.  Dies naming the failed domctl and
 * its errno.
 */
void domu_pci_assign(const struct domu_pci_dev *dev, unsigned int domid);

/*
 * XEN_DOMCTL_assign_device of dev, which another domain holds: must
 * fail with EBUSY.  Prints the refusal; dies if it succeeded (the device
 * is then de-assigned again) or failed otherwise.
 */
void domu_pci_try_assign(const struct domu_pci_dev *dev, unsigned int domid);

/*
 * XEN_DOMCTL_test_assign_device of NAME (SSSS:BB:DD.F), which is no
 * endpoint (a bridge): must fail with EPERM, as XEN_DOMCTL_assign_device
 * of it does without an IOMMU.  Prints the refusal; dies otherwise.
 */
void domu_pci_test_refused(const char *name, unsigned int domid);

/*
 * XEN_DOMCTL_deassign_device of dev from the running guest domid (a hot
 * unplug: the device goes back to the hardware domain while the guest
 * runs).  Dies naming the errno if it fails; prints the result.
 */
void domu_pci_deassign(const struct domu_pci_dev *dev, unsigned int domid);

#endif /* LFV_DOMU_PCI_H */
