/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SR-IOV on the simulated host: whether a physical function's VFs are
 * enabled, and disabling them as the host does before it gives the PF to
 * a guest (Linux: sriov_numvfs = 0).  The simulator has no VFs of its
 * own: only the PF's VF Enable bit changes.
 */
#include <errno.h>

#include "../core/pci_caps.h"
#include "simhw_impl.h"

struct sriov_at {
    struct lfv_sim_bridge *b;
    lfv_sbdf_t sbdf;
};

static uint32_t sriov_read(const void *ctx, unsigned int reg,
                           unsigned int size)
{
    const struct sriov_at *at = ctx;

    return lfv_sim_cfg_read(at->b, at->sbdf, reg, size);
}

unsigned int lfv_sim_sriov_vfs_enabled(struct lfv_sim_bridge *b,
                                       lfv_sbdf_t sbdf)
{
    const struct sriov_at at = { b, sbdf };
    struct lfv_cap_walk w;
    unsigned int pos, id;

    lfv_cap_walk_start(&w, true, sriov_read, &at);
    while (lfv_cap_walk_next(&w, &pos, &id)) {
        if (id == PCI_EXT_CAP_ID_SRIOV)
            return lfv_cap_walk_read(&w, pos + PCI_SRIOV_CTRL, 2) &
                           PCI_SRIOV_CTRL_VFE
                       ? pos + PCI_SRIOV_CTRL
                       : 0;
    }
    return 0;
}

int lfv_sim_sriov_disable(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf)
{
    unsigned int ctrl = lfv_sim_sriov_vfs_enabled(b, sbdf);

    if (lfv_sim_cfg_read(b, sbdf, PCI_VENDOR_ID, 2) == 0xffff)
        return -ENOENT;
    if (!ctrl)
        return 0;
    lfv_sim_cfg_write(b, sbdf, ctrl, 2,
                      lfv_sim_cfg_read(b, sbdf, ctrl, 2) &
                          ~(uint32_t)PCI_SRIOV_CTRL_VFE);
    return lfv_sim_sriov_vfs_enabled(b, sbdf) ? -EIO : 1;
}
