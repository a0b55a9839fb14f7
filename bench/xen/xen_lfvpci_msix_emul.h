/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space environment in which the series' msix.c (Xen 4.17.5's
 * xen/drivers/vpci/msix.c with integration/xen/patches applied, prepared by
 * scripts/xen-apply-series.sh) is compiled for the xen417_lfvpci MSI-X
 * module (bench/xen/xen417_lfvpci_msix.c): the series' vpci.c environment
 * (xen_lfvpci_emul.h, with XEN_EMUL_MSIX: domains with their list of MSI-X
 * tables, entries with x86's pirq) and the x86 parts msix.c needs, the same
 * as for 4.17.5's own msix.c in the xen417 module (xen_msix_env.h).  Xen's
 * RCU is xen_lfvpci_emul.h's: vpci_rcu_lock's read side a per-thread
 * counter, call_rcu() queued until rcu_barrier() (xen417_lfvpci_rcu.h).
 */
#ifndef LFV_XEN_LFVPCI_MSIX_EMUL_H
#define LFV_XEN_LFVPCI_MSIX_EMUL_H

#if !defined(__XEN__) || !defined(XEN_EMUL_MSIX)
#error "msix.c is compiled as the hypervisor's (__XEN__, XEN_EMUL_MSIX)"
#endif

#include "xen_lfvpci_emul.h"
#include "xen_msix_env.h"

#endif /* LFV_XEN_LFVPCI_MSIX_EMUL_H */
