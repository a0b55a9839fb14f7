/* SPDX-License-Identifier: GPL-2.0-only */
/* lfvpci/testing.h - hooks for tests; not for production callers. */
#ifndef LFVPCI_TESTING_H
#define LFVPCI_TESTING_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Make the n-th next allocation inside lfvpci fail (n = 0: the next one),
 * once; n < 0 disables injection.  Any thread; affects all threads.
 */
void lfv_test_fail_alloc_after(long n);

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_TESTING_H */
