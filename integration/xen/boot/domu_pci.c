/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv-domu's PCI assignment (domu_pci.h).  The order is libxl's
 * (tools/libs/light/libxl_pci.c, do_pci_add() on a PV-less Arm guest):
 * iomem_permission for each memory BAR, then assign_device.  No I/O port
 * permission: Arm has none (XEN_DOMCTL_ioport_permission is -ENOSYS
 * there) and the guest's host bridge has no I/O window.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domu.h"
#include "domu_pci.h"

#define IORESOURCE_MEM 0x00000200ul
#define PAGE_SHIFT 12

/* NAME (SSSS:BB:DD.F) as Xen's machine SBDF; dies if it is none. */
static uint32_t pci_sbdf(const char *name)
{
    unsigned int s, b, d, f;
    char tail;

    if (sscanf(name, "%4x:%2x:%2x.%1x%c", &s, &b, &d, &f, &tail) != 4 ||
        strlen(name) != 12 || d > 31 || f > 7)
        domu_die("PCI device", "'%s' is no SSSS:BB:DD.F address", name);
    return s << 16 | b << 8 | d << 3 | f;
}

void domu_pci_lookup(const char *name, struct domu_pci_dev *dev)
{
    char path[128];
    unsigned long long start, end, flags;
    FILE *r;

    memset(dev, 0, sizeof(*dev));
    dev->sbdf = pci_sbdf(name);
    snprintf(dev->name, sizeof(dev->name), "%s", name);
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", name);
    r = fopen(path, "r");
    if (!r)
        domu_die("PCI device", "%s: %s", path, strerror(errno));
    /* Lines 0-5 are the BARs (the ROM, line 6, is not the guest's). */
    for (unsigned int i = 0; i < DOMU_PCI_BARS; i++) {
        if (fscanf(r, "%llx %llx %llx", &start, &end, &flags) != 3)
            domu_die("PCI device", "%s: line %u: no 'start end flags'",
                     path, i + 1);
        if (!(flags & IORESOURCE_MEM) || !end)
            continue;
        if (end < start || ((start | (end + 1)) & ((1ull << PAGE_SHIFT) - 1)))
            domu_die("PCI device", "%s: line %u: BAR %#llx-%#llx is not "
                     "whole pages", path, i + 1, start, end);
        dev->mem[dev->nr_mem].bar = i;
        dev->mem[dev->nr_mem].mfn = start >> PAGE_SHIFT;
        dev->mem[dev->nr_mem].nr = (end - start + 1) >> PAGE_SHIFT;
        dev->nr_mem++;
    }
    fclose(r);
}

uint64_t domu_pci_bar_bytes(const struct domu_pci_dev *dev)
{
    uint64_t n = 0;

    for (unsigned int i = 0; i < dev->nr_mem; i++)
        n += dev->mem[i].nr << PAGE_SHIFT;
    return n;
}

static int assign(const struct domu_pci_dev *dev)
{
    struct xen_domctl d;

    memset(&d, 0, sizeof(d));
    d.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
    d.u.assign_device.flags = 0;
    d.u.assign_device.u.pci.machine_sbdf = dev->sbdf;
    return domu_domctl(&d, XEN_DOMCTL_assign_device);
}

void domu_pci_assign(const struct domu_pci_dev *dev, unsigned int domid)
{
    struct xen_domctl d;
    char step[64];
    int rc;

    for (unsigned int i = 0; i < dev->nr_mem; i++) {
        memset(&d, 0, sizeof(d));
        d.u.iomem_permission.first_mfn = dev->mem[i].mfn;
        d.u.iomem_permission.nr_mfns = dev->mem[i].nr;
        d.u.iomem_permission.allow_access = 1;
        snprintf(step, sizeof(step), "iomem_permission %s BAR %u",
                 dev->name, dev->mem[i].bar);
        rc = domu_domctl(&d, XEN_DOMCTL_iomem_permission);
        if (rc)
            domu_die(step, "mfn %#llx +%llu: %s",
                     (unsigned long long)dev->mem[i].mfn,
                     (unsigned long long)dev->mem[i].nr, domu_errname(-rc));
        printf("domu: d%u may map BAR %u of %s: mfn %#llx, %llu pages\n",
               domid, dev->mem[i].bar, dev->name,
               (unsigned long long)dev->mem[i].mfn,
               (unsigned long long)dev->mem[i].nr);
    }
    snprintf(step, sizeof(step), "assign_device %s", dev->name);
    rc = assign(dev);
    if (rc)
        domu_die(step, "%s", domu_errname(-rc));
    printf("domu: assigned %s (sbdf %#x) to d%u\n", dev->name, dev->sbdf,
           domid);
}

void domu_pci_try_assign(const struct domu_pci_dev *dev, unsigned int domid)
{
    char step[64];
    int rc = assign(dev);

    snprintf(step, sizeof(step), "assign_device %s (held elsewhere)",
             dev->name);
    if (!rc) {
        struct xen_domctl d;

        memset(&d, 0, sizeof(d));
        d.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
        d.u.assign_device.u.pci.machine_sbdf = dev->sbdf;
        rc = domu_domctl(&d, XEN_DOMCTL_deassign_device);
        domu_die(step, "Xen gave it to d%u too (deassign_device: %s)", domid,
                 rc ? domu_errname(-rc) : "done");
    }
    if (rc != -EBUSY)
        domu_die(step, "%s, not EBUSY", domu_errname(-rc));
    printf("domu: assign_device %s to d%u refused: %s\n", dev->name, domid,
           domu_errname(-rc));
}

void domu_pci_deassign(const struct domu_pci_dev *dev, unsigned int domid)
{
    struct xen_domctl d;
    char step[64];
    int rc;

    memset(&d, 0, sizeof(d));
    d.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
    d.u.assign_device.u.pci.machine_sbdf = dev->sbdf;
    snprintf(step, sizeof(step), "deassign_device %s", dev->name);
    rc = domu_domctl(&d, XEN_DOMCTL_deassign_device);
    if (rc)
        domu_die(step, "from d%u: %s", domid, domu_errname(-rc));
}

void domu_pci_test_refused(const char *name, unsigned int domid)
{
    struct xen_domctl d;
    char step[64];
    int rc;

    memset(&d, 0, sizeof(d));
    d.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
    d.u.assign_device.u.pci.machine_sbdf = pci_sbdf(name);
    snprintf(step, sizeof(step), "test_assign_device %s (no endpoint)", name);
    rc = domu_domctl(&d, XEN_DOMCTL_test_assign_device);
    if (!rc)
        domu_die(step, "Xen says it could be assigned to d%u", domid);
    if (rc != -EPERM)
        domu_die(step, "%s, not EPERM", domu_errname(-rc));
    printf("domu: test_assign_device %s for d%u refused: %s\n", name, domid,
           domu_errname(-rc));
}
