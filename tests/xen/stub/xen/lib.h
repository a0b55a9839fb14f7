/* SPDX-License-Identifier: GPL-2.0-only */
#include <xen_stub.h>
