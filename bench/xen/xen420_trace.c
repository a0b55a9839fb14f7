/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen420" replaying a recorded trace
 * (bench/workloads/enumerate.h) through Xen 4.20.4's own vpci_read() and
 * vpci_write() (its vpci.c, vpci.h and list.h, fetched from Debian trixie's
 * source package: bench/xen/CMakeLists.txt), with 4.20's locking: the
 * accessing domain's d->pci_lock (read-held for a read, write-held for a
 * write) around the device lookup and the per-device spinlock.
 *
 * The devices, registers and lists are xen417_trace.c's (this file builds
 * it with 4.20's vpci.c), the domains are 4.20's model of them
 * (xen_emul.h, XEN_EMUL_420): copy c of the trace's devices is on segments
 * 2c and 2c + 1, accessed by domains 2c (a hardware domain) and 2c + 1 (a
 * guest), each with its own pci_lock, as xen_pcilock_trace.c gives each
 * copy its own two domains.  As in the xen417 modules, only the handlers
 * are stand-ins (the trace's cells, bench/trace_cells.h: header.c, msi.c
 * and msix.c are not compiled); every line of vpci_read()/vpci_write() and
 * their register walk is 4.20.4's.
 */
#define X_IMPL "xen420"
#define X_OWN(pdev) ((pdev)->domain = &xen420_doms[(pdev)->sbdf.seg].d)
#define X_ENTER(pdev)                                                       \
    ((void)(xen420_current = &xen420_doms[(pdev)->sbdf.seg].v))
#include "xen417_trace.c"

/* The domains exist from the module's load, before any setup. */
__attribute__((constructor)) static void xen420_trace_load(void)
{
    xen420_doms_init();
}
