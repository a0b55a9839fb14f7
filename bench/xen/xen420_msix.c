/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen420" on the MSI-X workloads (msix_mask, steady,
 * steady/churn): xen417_msix.c's devices and guests, built with Xen
 * 4.20.4's own vpci.c and msix.c (fetched from Debian trixie's source
 * package: bench/xen/CMakeLists.txt) and __XEN__, as in the hypervisor.
 *
 * What 4.20 does differently, and what this module measures of it:
 *  - vpci_read() read-locks the accessing domain's d->pci_lock (the
 *    guest's: its vCPU makes the accesses, xen_emul.h), msix_write()
 *    read-locks it too around msix_find() and the entry update;
 *  - a plug (vpci_assign_device(), the REGISTER_VPCI_INIT hooks) and an
 *    unplug are made with the guest's pci_lock write-held, as 4.20's
 *    pci.c assigns and deassigns under pcidevs_lock + write_lock(): the
 *    churn writer excludes the readers while it works;
 *  - init_msix() reads the capability's position from pdev->msix_pos,
 *    checks that the table and PBA lie in a memory BAR (so the BAR state
 *    header.c's init_bars() would leave is set by a hook registered before
 *    it, x420_init_header() below: the stand-in xen417_msix.c sets by hand
 *    after vpci_add_handlers() for 4.17, as header.c is not compiled), and
 *    ends with vpci_make_msix_hole() (x86's p2m stubbed: an empty p2m,
 *    xen_msix_env.h);
 *  - a guest enabling MSI-X gets INTx disabled (x86's pci_intx(), a no-op
 *    stand-in, xen_msix_env.h).
 * Unplugged devices are still kept until teardown, as in xen417_msix.c
 * (4.20's readers could not see them: they are excluded by the lock).
 */
#define X_IMPL "xen420"
#define vpci_add_handlers vpci_assign_device
#define vpci_remove_device vpci_deassign_device
#define X_PREP(x) ((void)((x)->pdev.msix_pos = X_MSIX_CAP))
#define X_DOM_WLOCK(s) write_lock(&(s)->dom.pci_lock)
#define X_DOM_WUNLOCK(s) write_unlock(&(s)->dom.pci_lock)
#define X_ENTER(s) ((void)(xen420_current = &(s)->vcpu))
#include "xen417_msix.c"

/* header.c's init_bars() for BAR 0, before init_msix() (link order). */
static int cf_check x420_init_header(struct pci_dev *pdev)
{
    unsigned int dev = pdev->sbdf.dev;

    x_header(pdev->vpci, dev >= MSIX_DEV0 ? dev - MSIX_DEV0
                                          : dev - STEADY_DEV0);
    return 0;
}
REGISTER_VPCI_INIT(x420_init_header, VPCI_PRIORITY_MIDDLE);
