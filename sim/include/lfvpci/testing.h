/* SPDX-License-Identifier: GPL-2.0-only */
/* lfvpci/testing.h - hooks for tests; not for production callers. */
#ifndef LFVPCI_TESTING_H
#define LFVPCI_TESTING_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Make the n-th next allocation inside lfvpci fail (n = 0: the next one),
 * once; n < 0 disables injection.  Returns the allocations that were still
 * left before the failure under the previous setting (negative: none
 * pending, i.e. the injected failure happened or none was set), so a sweep
 * knows when an operation made fewer allocations than it asked to skip.
 * Any thread; affects all threads.
 */
long lfv_test_fail_alloc_after(long n);

struct lfv_domain;

/*
 * Have fn(d, arg) called by every MSI-X MMIO access that is about to be
 * forwarded to the device (the PBA, the rest of the table and PBA pages,
 * the hardware domain's table on Arm), after it found its region and
 * before it checks that its state still owns the device: d is the
 * accessing domain; the call runs inside the access's read-side section,
 * so fn may call control functions (lfv_pdev_assign(): force a
 * retirement between the lookup and the forward) but must not wait for a
 * grace period.  NULL removes the hook.  Any thread; affects all threads.
 * User-space builds only (core/platform_user.h).
 */
typedef void lfv_test_msix_forward_t(struct lfv_domain *d, void *arg);
void lfv_test_set_msix_forward_hook(lfv_test_msix_forward_t *fn, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_TESTING_H */
