/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hardware side of assignment: the device's own registers, read and
 * written through the system's hardware ops while no state holds the
 * device.  Before a guest owns a device, the refusals
 * (assign_endpoint(), assign_vfs_enabled()); when a device leaves a guest
 * or is left without an owner, its quiesce (assign_quiesce()), and the
 * restore of what that changed if the next owner's state fails
 * (assign_quiesce_undo()).  assign.c, the assignment itself, calls it
 * (assign_hw.h); it calls nothing of assign.c.
 */
#include "../core/compiler.h"
#include "../core/pci_caps.h"
#include "../core/pci_regs.h"
#include "assign_hw.h"

static void quiesce_write(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                          unsigned int reg, uint32_t old, uint32_t val,
                          struct quiesce_undo *u)
{
    sys->hw_ops->write(sys->hw, sbdf, reg, 2, val);
    if (u && u->nr < 1 + QUIESCE_UNDO_MAX) {
        u->reg[u->nr] = (uint16_t)reg;
        u->val[u->nr++] = (uint16_t)old;
    }
}

/* The hardware of a device between owners (no state to read it through). */
struct hw_dev {
    const struct lfv_system *sys;
    lfv_sbdf_t sbdf;
};

static uint32_t lfv_cf_check hw_dev_read(const void *ctx, unsigned int reg,
                                         unsigned int size)
{
    const struct hw_dev *hd = ctx;

    return hd->sys->hw_ops->read(hd->sys->hw, hd->sbdf, reg, size);
}

/* The quiesce of a device between owners (assign_hw.h: what and why). */
void assign_quiesce(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                    uint32_t off, bool guest, struct quiesce_undo *u)
{
    const uint32_t set = guest ? PCI_COMMAND_INTX_DISABLE : 0;
    const struct hw_dev hd = { sys, sbdf };
    struct lfv_cap_walk w;
    unsigned int pos, id;
    uint32_t cmd;

    if (!sys->hw_ops || !sys->hw_ops->read || !sys->hw_ops->write)
        return;
    cmd = hw_dev_read(&hd, PCI_COMMAND, 2) & 0xffff;
    if (cmd == 0xffff)
        return;
    if ((cmd & off) || (set & ~cmd))
        quiesce_write(sys, sbdf, PCI_COMMAND, cmd, (cmd & ~off) | set, u);
    if (!guest)
        return;
    lfv_cap_walk_start(&w, false, hw_dev_read, &hd);
    while (lfv_cap_walk_next(&w, &pos, &id)) {
        uint32_t en = id == PCI_CAP_ID_MSI    ? PCI_MSI_FLAGS_ENABLE
                      : id == PCI_CAP_ID_MSIX ? PCI_MSIX_FLAGS_ENABLE
                                              : 0;
        uint32_t ctrl = en ? lfv_cap_walk_read(&w, pos + 2, 2) : 0;

        if (ctrl != 0xffff && (ctrl & en))
            quiesce_write(sys, sbdf, pos + 2, ctrl, ctrl & ~en, u);
    }
}

/*
 * Whether a guest may own the device at all: a type 0 header (an
 * endpoint), not a host bridge.  A bridge's COMMAND and control registers
 * gate the devices behind it, which other domains may own (a guest's
 * state starts with decoding and bus mastering off in the hardware: the
 * assignment alone would cut them off); a host bridge is the host's.
 * Xen's series refuses both the same way (pci_no_iommu_assignable()), as
 * VT-d refuses host bridges to guests.  Without hardware ops there is no
 * device to protect.
 */
bool assign_endpoint(const struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    const struct hw_dev hd = { sys, sbdf };

    if (!sys->hw_ops || !sys->hw_ops->read)
        return true;
    return (hw_dev_read(&hd, PCI_HEADER_TYPE, 1) & 0x7f) ==
               PCI_HEADER_TYPE_NORMAL &&
           (hw_dev_read(&hd, PCI_CLASS_DEVICE, 2) & 0xffff) !=
               PCI_CLASS_BRIDGE_HOST;
}

/*
 * Whether the device is an SR-IOV physical function with its virtual
 * functions enabled.  Those are devices of their own, possibly other
 * domains', which the PF's driver administers (resources, VLANs, MAC
 * filters, resets through the PF's BARs): a guest must not own such a PF.
 * VFIO makes the PF's user prove it is trusted by its VFs' users (a VF
 * token); lfvpci refuses the assignment (-EBUSY) until the host disables
 * the VFs.
 */
bool assign_vfs_enabled(const struct lfv_system *sys, lfv_sbdf_t sbdf)
{
    const struct hw_dev hd = { sys, sbdf };
    struct lfv_cap_walk w;
    unsigned int pos, id;

    if (!sys->hw_ops || !sys->hw_ops->read)
        return false;
    lfv_cap_walk_start(&w, true, hw_dev_read, &hd);
    while (lfv_cap_walk_next(&w, &pos, &id)) {
        if (id == PCI_EXT_CAP_ID_SRIOV) {
            uint32_t ctrl = lfv_cap_walk_read(&w, pos + PCI_SRIOV_CTRL, 2);

            return ctrl != 0xffff && (ctrl & PCI_SRIOV_CTRL_VFE);
        }
    }
    return false;
}

/* The next state failed: the device goes on as its owner left it. */
void assign_quiesce_undo(const struct lfv_system *sys, lfv_sbdf_t sbdf,
                         const struct quiesce_undo *u)
{
    for (unsigned int i = u->nr; i-- > 0;)
        sys->hw_ops->write(sys->hw, sbdf, u->reg[i], 2, u->val[i]);
}
