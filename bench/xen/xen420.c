/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen420": Xen 4.20.4's own vpci.c (fetched from
 * Debian trixie's source package: bench/xen/CMakeLists.txt), driving the
 * benchmark device of device24.h through vpci_read()/vpci_write() with
 * 4.20's locking taken for real on every access: the hardware domain's
 * d->pci_lock (a pthread rwlock, xen_emul.h with XEN_EMUL_420: read-held
 * for a read, write-held for a write) around the device lookup and the
 * per-device spinlock.  The device, its registers and their cell handlers
 * are xen417.c's (this file builds it with 4.20's vpci.c); only the
 * handlers are stand-ins, as there (header.c is not compiled).
 */
#define X_IMPL "xen420"
#include "xen417.c"
