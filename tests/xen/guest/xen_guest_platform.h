/* SPDX-License-Identifier: GPL-2.0-only */
/* What xen_guest_platform.c offers test_xen_guest.c. */
#ifndef XEN_GUEST_PLATFORM_H
#define XEN_GUEST_PLATFORM_H

#include "xen_guest_pci.h"

/* The hardware domain's host ECAM window (QEMU virt's high one). */
#define XEN_GUEST_HOST_ECAM 0x4010000000ULL

/*
 * The format of the calling thread's last printk() of the extracted Xen
 * code (Xen's %pd and %pp are not printf's: not formatted); "" if none.
 */
const char *xen_guest_last_printk(void);

/* A device of the hardware domain, as pci_add_device() leaves it. */
struct pci_dev *xen_guest_add_device(uint32_t sbdf);

/*
 * A vCPU's access of len bytes at gpa, dispatched to the MMIO handler
 * registered for its domain there: the handler's result (1 handled, 0 a
 * data abort), or -ENOENT if none covers gpa.  Reads store into *val.
 */
int xen_guest_mmio(struct vcpu *v, paddr_t gpa, unsigned int len, bool write,
                   uint64_t *val);

#endif /* XEN_GUEST_PLATFORM_H */
