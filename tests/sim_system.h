/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated platform most tests start from: a bridge holding one or
 * two devices, and a system on it with the given hooks (in order) and, if
 * given, MSI binding ops (context: the bridge).  Domains and the
 * engine's devices are the caller's: tests differ there.  hw_ops, if
 * given, replace the simulator's (with the bridge as their `hw`): a test's
 * device that answers differently from the simulated one; bar_valid, if
 * given, is the host's check of BAR placement.
 */
#ifndef LFV_TESTS_SIM_SYSTEM_H
#define LFV_TESTS_SIM_SYSTEM_H

#include <lfvpci/domain.h>
#include <lfvpci/msi.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"

struct sim_system {
    enum lfv_arch arch;
    lfv_sbdf_t sbdf[2];
    const struct lfv_sim_device_desc *dev[2]; /* dev[1] NULL: one device */
    const struct lfv_vpci_hook *hooks[4]; /* NULL-terminated */
    const struct lfv_msi_ops *msi_ops;
    const struct lfv_hw_ops *hw_ops; /* NULL: the simulator's */
    /* lfv_system_params.bar_valid (NULL: none), with the bridge as hw */
    bool (*bar_valid)(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                      uint64_t end);
    /*
     * The system's other options (no_iommu, no_guest_intx, host
     * callbacks...); NULL: none.  Its hw, hw_ops, arch and windows are
     * set here.
     */
    const struct lfv_system_params *base;
};

static inline void sim_system_create(const struct sim_system *p,
                                     struct lfv_sim_bridge **br,
                                     struct lfv_system **sys)
{
    struct lfv_mmio_window w[LFV_MMIO_WINDOWS_MAX];
    struct lfv_system_params params = { 0 };

    if (p->base)
        params = *p->base;
    params.hw_ops = p->hw_ops ? p->hw_ops : lfv_sim_hw_ops();
    params.arch = p->arch;
    params.windows = w;
    if (p->bar_valid)
        params.bar_valid = p->bar_valid;
    CHECK_EQ(lfv_sim_bridge_create(br), 0);
    params.hw = *br;
    for (unsigned int i = 0; i < 2 && p->dev[i]; i++)
        CHECK_EQ(lfv_sim_add(*br, p->sbdf[i], p->dev[i]), 0);
    params.nr_windows = lfv_sim_bridge_windows(*br, w, LFV_MMIO_WINDOWS_MAX);
    CHECK_EQ(lfv_system_create(&params, sys), 0);
    for (unsigned int i = 0; i < 4 && p->hooks[i]; i++)
        CHECK_EQ(lfv_system_add_hook(*sys, p->hooks[i]), 0);
    if (p->msi_ops)
        CHECK_EQ(lfv_system_set_msi_ops(*sys, p->msi_ops, *br), 0);
}

/*
 * The hardware domain (id 0) and one guest (id 1) of sys, and p's devices
 * registered with the engine (the hardware domain's).
 */
static inline void sim_domains_create(const struct sim_system *p,
                                      struct lfv_system *sys,
                                      struct lfv_domain **hwdom,
                                      struct lfv_domain **g)
{
    CHECK_EQ(lfv_domain_create(sys, 0, true, hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, g), 0);
    for (unsigned int i = 0; i < 2 && p->dev[i]; i++)
        CHECK_EQ(lfv_pdev_add(sys, p->sbdf[i]), 0);
}

#endif /* LFV_TESTS_SIM_SYSTEM_H */
