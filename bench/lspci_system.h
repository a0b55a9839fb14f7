/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The system the tools that load lspci dumps build (bench/memory.c,
 * bench/record_enumerate.c), once the dumps are on the simulated bridge:
 * x86, the bridge's windows, lfvpci's header, MSI and MSI-X hooks, and MSI
 * binding that does nothing.  Domains and devices are the tool's.
 */
#ifndef LFV_BENCH_LSPCI_SYSTEM_H
#define LFV_BENCH_LSPCI_SYSTEM_H

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/simhw.h>

static int lspci_bind(void *ctx, const struct lfv_vpci *v,
                      const struct lfv_msi_vector *vec)
{
    (void)ctx, (void)v, (void)vec;
    return 0;
}

static const struct lfv_msi_ops lspci_msi_ops = { .bind = lspci_bind };

/* 0 or the first error of lfv_system_create() and its set-up calls. */
static int lspci_system_create(struct lfv_sim_bridge *br,
                               struct lfv_system **sys)
{
    struct lfv_mmio_window w[LFV_MMIO_WINDOWS_MAX];
    struct lfv_system_params params = {
        .hw_ops = lfv_sim_hw_ops(), .arch = LFV_ARCH_X86, .windows = w,
        .hw = br, .guest_bridges = true, /* every shared device */
    };
    int rc;

    params.nr_windows = lfv_sim_bridge_windows(br, w, LFV_MMIO_WINDOWS_MAX);
    rc = lfv_system_create(&params, sys);
    if (!rc)
        rc = lfv_system_add_hook(*sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_system_add_hook(*sys, &lfv_msi_hook);
    if (!rc)
        rc = lfv_system_add_hook(*sys, &lfv_msix_hook);
    if (!rc)
        rc = lfv_system_set_msi_ops(*sys, &lspci_msi_ops, NULL);
    return rc;
}

#endif /* LFV_BENCH_LSPCI_SYSTEM_H */
