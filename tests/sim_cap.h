/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where a standard capability is in a simulated device's hardware: the
 * tests that write a capability's registers (MSI, MSI-X control) find it
 * as a guest's driver would, by walking the chain from 0x34.
 */
#ifndef LFV_TESTS_SIM_CAP_H
#define LFV_TESTS_SIM_CAP_H

#include <lfvpci/simhw.h>

/* The offset of the first capability with this ID, or 0: none. */
static inline unsigned int sim_find_cap(struct lfv_sim_bridge *br,
                                        lfv_sbdf_t sbdf, unsigned int id)
{
    unsigned int pos = lfv_sim_cfg_read(br, sbdf, 0x34, 1);

    for (unsigned int n = 0; pos >= 0x40 && n < 48; n++) {
        if (lfv_sim_cfg_read(br, sbdf, pos, 1) == id)
            return pos;
        pos = lfv_sim_cfg_read(br, sbdf, pos + 1, 1);
    }
    return 0;
}

#endif /* LFV_TESTS_SIM_CAP_H */
