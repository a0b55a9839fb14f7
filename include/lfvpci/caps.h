/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/caps.h - which capabilities a guest sees of a device, and how.
 *
 * At every assignment to a guest, the header emulation (<lfvpci/header.h>)
 * walks the device's standard chain (from 0x34) and, when the device has
 * extended configuration space, its extended chain (from 0x100), and gives
 * each capability one of three modes from the device's policy:
 *
 *  - LFV_CAP_HIDDEN: not in the guest's chain; its bytes read all-ones;
 *  - LFV_CAP_READONLY: in the chain, its body read from the hardware,
 *    every guest write dropped;
 *  - LFV_CAP_EMULATED: in the chain, with per-field emulation: each
 *    field (struct lfv_cap_field) reads the hardware's bits outside its
 *    write_mask and the guest's own copy of the bits inside it (starting
 *    as the hardware had them at assignment); a guest write changes the
 *    guest's copy of the write_mask bits and, in hardware, only the
 *    hw_mask bits (a read-modify-write of the narrowest naturally
 *    aligned access covering hw_mask's bytes, which never sets the
 *    hardware's hw_rw1c_mask bits, so it never clears their status; the
 *    field's other bytes, e.g. the status half of a dword over a control
 *    register, are not written at all).  The rest of
 *    the body reads the hardware, read-only.  MSI and MSI-X are emulated
 *    by their own hooks (<lfvpci/msi.h>), which replace the body.
 *
 * Whatever their mode, every MSI and MSI-X capability of the device is
 * turned off in hardware when it is assigned to a guest (MSI's enable,
 * MSI-X's enable and function mask), hidden ones included.
 *
 * The chains a guest walks are rebuilt from the policy: the capability
 * pointer (0x34) and every next pointer skip hidden capabilities, in the
 * hardware's chain order, at the hardware's offsets; STATUS.CAP_LIST reads
 * 0 when nothing is exposed.  The extended chain starts at 0x100 as PCIe
 * requires: when the capability there is hidden but a later one is
 * exposed, 0x100 holds a Null capability (ID 0, version 0) whose next
 * pointer is the first exposed one; with nothing exposed, 0x100 reads 0.
 * Malformed hardware chains are cut, never followed: a pointer into the
 * header (below 0x40, or 0x100 for extended ones), a capability already
 * visited (a loop), an ID of 0xff (standard) or a header of 0 or all-ones
 * (extended) ends the walk.  A capability is exposed with the length its
 * ID gives (below), cut at the next capability in the hardware (in offset
 * order) and at the end of the space, so no two exposed capabilities
 * share a byte and nothing is exposed past 0xff / 0xfff.  An MSI or MSI-X
 * capability that its structure does not fit is hidden (it cannot be
 * emulated).  Only the first MSI, MSI-X, PM and PCI Express capability is
 * considered; later ones with the same ID are hidden.
 *
 * The default table (lfv_cap_default_mode(); a policy overrides it per ID):
 *
 *   standard  PM (0x01)          emulated: PMCSR's PowerState and PME_En
 *                                per guest (a guest's D3 never reaches the
 *                                hardware; lfv_cap_policy.pm_dstate_to_hw
 *                                lets PowerState through on a device
 *                                whose PMCSR has No_Soft_Reset: on others
 *                                D3hot -> D0 resets COMMAND, the BARs and
 *                                MSI/MSI-X under the emulation); PMC,
 *                                PME_Status and the rest read-only
 *             MSI (0x05), MSI-X (0x11)  emulated (their hooks)
 *             vendor (0x09)      read-only (e.g. virtio-pci's common,
 *                                notify, ISR and device configuration
 *                                locations)
 *             PCI Express (0x10) emulated: Device, Link, Slot, Root, and
 *                                Device/Link Control 2 per guest, none of
 *                                their bits written to the hardware
 *                                (link, slot and root control act on the
 *                                link and other functions; device control
 *                                carries MPS, which must match the
 *                                hierarchy, and FLR, which reads 0);
 *                                capabilities and status registers
 *                                read-only from hardware
 *             any other          hidden (VPD, AF, bridge subsystem, ...)
 *   extended  DSN (0x03), vendor (0x0b)  read-only
 *             SR-IOV (0x10)      hidden, always: a policy cannot expose it
 *             any other          hidden (AER, ACS, ARI, LTR, L1 PM
 *                                substates, PTM, resizable BAR, ...)
 *
 * Lengths: PM 8; MSI by its flags; MSI-X 12; vendor by its length byte;
 * PCI Express 0x3c (version 2) or 0x24; extended vendor by its length
 * field; DSN 12; other IDs up to the next capability.  The hardware
 * domain is not affected: it sees the hardware.
 */
#ifndef LFVPCI_CAPS_H
#define LFVPCI_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

enum lfv_cap_mode {
    LFV_CAP_DEFAULT,  /* in a rule: the default table's mode */
    LFV_CAP_HIDDEN,
    LFV_CAP_READONLY,
    LFV_CAP_EMULATED,
};

/*
 * One emulated register of a capability: offset from the capability's
 * start (past its header: >= 2 standard, >= 4 extended), size 1, 2 or 4,
 * naturally aligned.  hw_mask must lie within write_mask and off the
 * controls lfv_pdev_set_cap_policy() refuses; all masks within the size.
 */
struct lfv_cap_field {
    uint16_t offset;
    uint8_t size;
    uint32_t write_mask;   /* guest-writable bits, kept per guest */
    uint32_t hw_mask;      /* of those, the bits also written to hardware */
    uint32_t hw_rw1c_mask; /* RW1C bits of the hardware: written as 0 */
};

/*
 * The mode of the capability `id` (extended if `ext`).  fields/nr_fields
 * only with LFV_CAP_EMULATED, for a capability other than MSI and MSI-X:
 * they replace the built-in fields (PM's, PCI Express's); NULL keeps the
 * built-in ones (none for other IDs: the body is then read-only).
 */
struct lfv_cap_rule {
    uint16_t id;
    bool ext;
    enum lfv_cap_mode mode;
    const struct lfv_cap_field *fields;
    unsigned int nr_fields;
};

struct lfv_cap_policy {
    const struct lfv_cap_rule *rules; /* one per (id, ext) at most */
    unsigned int nr_rules;
    bool pm_dstate_to_hw; /* PM's built-in PowerState field reaches hw
                             (devices with No_Soft_Reset only) */
};

/*
 * Give the device `sbdf` of sys the policy (copied; NULL: back to the
 * default table).  It takes effect at the device's next assignment to a
 * guest (lfv_pdev_assign); an owner it has now keeps the view it got.
 * Takes the control lock: any registered thread, not from a hook's init
 * or a handler.  0; -ENOENT (no such device); -ENOMEM; -EINVAL: a rule
 * twice for one (id, ext), a bad mode, an ID above 0xff (standard) or
 * 0xffff, a field that is misaligned, of a bad size, over the
 * capability's header or past 0xff / 0xfff, overlapping another, with
 * masks beyond its size or hw_mask outside write_mask, fields for MSI or
 * MSI-X or with a mode other than LFV_CAP_EMULATED, MSI or MSI-X
 * LFV_CAP_READONLY (their emulation is the MSI hooks'), SR-IOV not
 * hidden, or a field whose hw_mask has a bit, in any byte it covers, of
 * a control acting beyond the guest's own function (risky_regs in
 * model/caps_policy.c): PM PowerState (pm_dstate_to_hw is the way);
 * PCI Express Initiate FLR, Phantom Functions, Max Payload Size, the
 * error reporting enables, Device Control 2's ARI Forwarding, LTR
 * Mechanism, Emergency Power Reduction, 10-Bit Tag Requester and OBFF,
 * Link, Slot, Root and Link Control 2;
 * AF's Initiate FLR; any byte of AER, VC, MFVC, ACS, ATS, Multicast,
 * PRI, Resizable BAR, VF Resizable BAR, LTR, Secondary PCI Express,
 * PASID, DPC, L1 PM Substates, PTM, Data Link Feature, Physical Layer
 * 16/32/64 GT/s, Lane Margining at the Receiver or IDE (write_mask
 * alone, per guest, is fine).  On any error the device
 * keeps the policy it had.  A field that turns out to lie past the
 * capability's length fails that assignment with -EINVAL.
 */
int lfv_pdev_set_cap_policy(struct lfv_system *sys, lfv_sbdf_t sbdf,
                            const struct lfv_cap_policy *policy);

/* The default table's mode of a capability (never LFV_CAP_DEFAULT).  Any
   thread, no lock (a constant table). */
enum lfv_cap_mode lfv_cap_default_mode(unsigned int id, bool ext);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_CAPS_H */
