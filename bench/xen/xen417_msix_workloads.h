/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI-X workloads' hooks (bench/workloads/msix_mask.h, steady.h) of the
 * modules on Xen's msix.c, xen417_msix.c (and xen420_msix.c through it)
 * and xen417_lfvpci_msix.c, over what each defines its own way: its two
 * guests msix_sys and steady_sys (struct x_sys, with the accessing vCPU
 * `vcpu`), x_setup(), x_teardown(), x_plug() and x_unplug() (how a device
 * is plugged and unplugged differs: 4.17's lists and graveyard, the
 * series' registry and RCU), x_msix_write(), and X_ENTER(s), which makes
 * guest s's vCPU the accessing one where that is not per thread already.
 * The device layout is xen417_msix_dev.h's.  Included by the module before
 * its BENCH_THREAD_INIT and lfv_bench_workloads.h.
 */
#ifndef LFV_BENCH_XEN417_MSIX_WORKLOADS_H
#define LFV_BENCH_XEN417_MSIX_WORKLOADS_H

/* --- msix_mask --------------------------------------------------------- */

static int msix_setup(const struct lfv_bench_env *env)
{
    (void)env;
    return x_setup(&msix_sys, 1);
}

static void msix_teardown(void)
{
    x_teardown(&msix_sys);
}

#define BENCH_MSIX_TABLE TABLE(0)
#define BENCH_MSIX_WRITE(addr, val) x_msix_write(&msix_sys, (addr), (val))

/* --- steady ------------------------------------------------------------ */

static int steady_setup(const struct lfv_bench_env *env)
{
    (void)env;
    return x_setup(&steady_sys, NDEVS);
}

static void steady_teardown(void)
{
    x_teardown(&steady_sys);
}

static int steady_unplug(unsigned int d)
{
    return x_unplug(&steady_sys, d);
}

static int steady_replug(unsigned int d)
{
    return x_plug(&steady_sys, d);
}

static inline uint32_t st_read(unsigned int d, unsigned int reg,
                               unsigned int size)
{
    pci_sbdf_t sbdf = { .seg = 1 };

    sbdf.dev = STEADY_DEV0 + d;
    X_ENTER(&steady_sys);
    return vpci_read(sbdf, reg, size);
}

#define BENCH_ST_READ(d, reg, size) st_read((d), (reg), (size))
#define BENCH_ST_MSIX_WRITE(d, entry, val)                                  \
    x_msix_write(&steady_sys, TABLE(d) + 16 * (entry) + 12, (val))

#endif /* LFV_BENCH_XEN417_MSIX_WORKLOADS_H */
