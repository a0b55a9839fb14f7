/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * domu.h - what lfv-domu's files (domu.c, domu_pci.c, domu_console.c)
 * share: the domctl call on the guest being built, sysctls, the failure
 * exit, errno names.
 * Single-threaded program: no locking anywhere.
 */
#ifndef LFV_DOMU_H
#define LFV_DOMU_H

#include <stdint.h>

#include <public/xen.h>
#include <public/domctl.h>

/* One domctl (cmd) on the domain being built: 0 or -errno. */
int domu_domctl(struct xen_domctl *d, uint32_t cmd);

/* One sysctl: 0 or -errno. */
struct xen_sysctl;
int domu_sysctl(struct xen_sysctl *s);

/* "domu: result fail STEP: REASON" on stdout, then exit(1). */
void domu_die(const char *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* "EBUSY (Device or resource busy)" for 16; a static buffer. */
const char *domu_errname(int err);

#endif /* LFV_DOMU_H */
