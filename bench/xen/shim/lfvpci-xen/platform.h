/* SPDX-License-Identifier: GPL-2.0-only */
/* The patched vpci.c's platform header, in the user-space benchmark build. */
#include "xen_lfvpci_emul.h"
