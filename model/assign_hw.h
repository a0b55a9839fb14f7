/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: the hardware side of assignment (assign_hw.c), for assign.c:
 * what a device's hardware says before a guest may own it, and the
 * quiesce of a device between owners, with its undo.
 */
#ifndef LFV_MODEL_ASSIGN_HW_H
#define LFV_MODEL_ASSIGN_HW_H

#include "../core/pci_regs.h"
#include "system.h"

/*
 * A device left without an owner, or leaving a guest, is quiesced in the
 * hardware: the COMMAND bits `off` cleared (without an owner: memory and
 * I/O decoding and bus mastering; leaving a guest: what a guest can turn
 * on, decoding and bus mastering, QUIESCE_GUEST) and, if it leaves a
 * guest (`guest`), INTx disabled and every MSI and MSI-X capability in
 * its chain disabled.  (The hardware domain's interrupts are left alone:
 * a device it un-owns may come back to it, with its driver bound, and
 * Linux does not clear INTx disable by itself.)  Nobody's p2m
 * maps an unowned device and the engine no longer knows its BARs (no
 * state holds them), so it must not answer at host addresses that another
 * domain's device may be given (header_map.c).  And nothing a guest
 * started in it (DMA into what becomes the next owner's memory, messages
 * it programmed, its INTx) goes on under the next owner, whose state is
 * built on what the hardware shows: Xen quarantines and resets a device a
 * guest leaves, VFIO clears bus mastering and its interrupts at release.
 * On Arm the hardware domain's state would otherwise keep MSI and MSI-X
 * as the guest left them (it does not emulate them).
 */
#define QUIESCE_ORPHAN                                                       \
    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)
#define QUIESCE_GUEST (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)
#define QUIESCE_UNDO_MAX 8  /* MSI/MSI-X controls put back (more: only off) */

/* What assign_quiesce() changed, to put back if the next state fails. */
struct quiesce_undo {
    unsigned int nr;          /* registers: [0] COMMAND, then controls */
    uint16_t reg[1 + QUIESCE_UNDO_MAX], val[1 + QUIESCE_UNDO_MAX];
};

/* Quiesce the device at sbdf; what it changed goes in u (NULL: nowhere). */
void assign_quiesce(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                    uint32_t off, bool guest, struct quiesce_undo *u);
/* The next state failed: the device goes on as its owner left it. */
void assign_quiesce_undo(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                         const struct quiesce_undo *u);
/* Whether a guest may own the device at all: an endpoint, no host bridge. */
bool assign_endpoint(const struct lfv_system *sys, lfv_sbdf_t sbdf);
/* Whether the device is an SR-IOV PF with its VFs enabled (-EBUSY). */
bool assign_vfs_enabled(const struct lfv_system *sys, lfv_sbdf_t sbdf);

#endif /* LFV_MODEL_ASSIGN_HW_H */
