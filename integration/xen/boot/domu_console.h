/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * domu_console.h - lfv-domu waiting for its guest to say something on
 * Xen's console (domu_console.c): the guest has no other channel to
 * dom0 (no xenstore, no event channel), and what it prints through
 * earlycon=xenboot lands in Xen's console ring as "(dN) ..." lines,
 * which dom0 reads with XEN_SYSCTL_readconsole.
 */
#ifndef LFV_DOMU_CONSOLE_H
#define LFV_DOMU_CONSOLE_H

#include <stdbool.h>

/* Skip what the ring holds now: later waits see only newer lines. */
void domu_console_start(void);

/*
 * Wait until a line "(dDOMID) ...TEXT..." is in the ring (true), or
 * until gone() says the guest is gone or timeout_s passed (false).
 * Polls every 100 ms.  Dies naming the failed sysctl.
 */
bool domu_console_wait(unsigned int domid, const char *text,
                       double timeout_s, bool (*gone)(void));

#endif /* LFV_DOMU_CONSOLE_H */
