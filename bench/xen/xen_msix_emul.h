/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space environment in which Xen 4.17.5's own
 * xen/drivers/vpci/msix.c is compiled for the xen417 MSI-X baseline
 * (bench/xen/xen417_msix.c), on top of xen_emul.h: the build strips
 * msix.c's #include lines and makes it include this header instead, as it
 * does for vpci.c with xen_emul.h.  Both are compiled with __XEN__ (the
 * hypervisor's struct vpci, vpci_add_handlers() running init_msix).
 *
 * What the measured path (msix_write() on a vector control word) runs is
 * msix.c's code as it is; the rest is x86's, stubbed where the benchmark
 * does not go (xen_msix_env.h, shared with the series' build,
 * xen_lfvpci_msix_emul.h):
 *  - the arch hooks (vpci_msix_arch_*, x86's hvm/vmsi.c) are defined by the
 *    module (xen417_msix_dev.h): out-of-line calls that do nothing, as the
 *    lfvpci module's binding calls do;
 *  - msix.c's configuration accesses are the physical device's (init_msix
 *    reads the MSI-X capability, control_write writes the control word
 *    back): xen417_phys_conf_read/write(), the module's;
 *  - register_mmio_handler() records the handlers (the module calls
 *    .write as x86's HVM MMIO dispatch does, through the pointer);
 *  - no table page is ever mapped: ioremap() fails, so the accesses to the
 *    rest of the table's pages (adjacent_read/write) are dropped with a
 *    warning, as msix.c does when a map fails; none of the workloads makes
 *    them;
 *  - gprintk() counts messages (Xen's %pp is not printf's);
 *  - the p2m calls of vpci_make_msix_hole() are compiled, never called
 *    (header.c, which calls it, is not part of the baseline).
 */
#ifndef LFV_XEN_MSIX_EMUL_H
#define LFV_XEN_MSIX_EMUL_H

#ifndef __XEN__
#error "msix.c is compiled as the hypervisor's (__XEN__): see xen_emul.h"
#endif

#include "xen_emul.h"
#include "xen_msix_env.h" /* the x86 parts below, shared */

#endif /* LFV_XEN_MSIX_EMUL_H */
