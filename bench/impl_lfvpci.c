/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci under the benchmark interface (bench/impl.h), built once per RCU
 * backend.  Accesses use the hardware-domain policy so that read_gap reaches
 * the simulated hardware, as in Xen 4.17.
 */
#include <lfvpci/access.h>
#include <lfvpci/rcu.h>

#include "bench_hw.h"
#include "impl.h"

static struct lfv_vdev *dev;

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    (void)hw, (void)sbdf;
    return bench_hw_read(reg, size);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf;
    bench_hw_write(reg, size, val);
}

static const struct lfv_hw_ops hw_ops = { .read = hw_read, .write = hw_write };

static uint32_t cell_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return bench_cell_get(data);
}

static void cell_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    (void)ctx, (void)reg;
    bench_cell_set(data, val);
}

static int setup(void)
{
    const struct lfv_vdev_params p = {
        .sbdf = LFV_SBDF(0, LFV_BENCH_SBDF_BUS, LFV_BENCH_SBDF_DEV,
                         LFV_BENCH_SBDF_FN),
        .hw_ops = &hw_ops,
    };
    struct lfv_regs_edit *e;
    unsigned int i;
    int rc;

    bench_hw_reset();
    lfv_rcu_register_thread();
    rc = lfv_vdev_create(&p, &dev);
    if (rc)
        return rc;
    rc = lfv_regs_edit_begin(dev, &e);
    if (rc)
        return rc;
    for (i = 0; i < 24 && !rc; i++) {
        const struct lfv_reg_desc d = {
            .read = cell_read, .write = cell_write, .data = &bench_cells[i],
            .offset = lfv_bench_regs[i].offset, .size = lfv_bench_regs[i].size,
        };

        rc = lfv_regs_edit_add(e, &d);
    }
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

static void teardown(void)
{
    lfv_vdev_destroy(dev);
    dev = NULL;
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
}

static void thread_init(void)
{
    lfv_rcu_register_thread();
}

static void thread_exit(void)
{
    lfv_rcu_unregister_thread();
}

static uint64_t read_loop(unsigned int reg, uint64_t iters)
{
    uint64_t acc = 0, i;

    for (i = 0; i < iters; i++)
        acc += lfv_vdev_read(dev, reg, 4, LFV_GAP_HW);
    /* QSBR readers must report quiescent states; a no-op elsewhere. */
    lfv_rcu_quiescent_state();
    return acc;
}

static uint64_t run(enum lfv_bench_workload wl, unsigned int param,
                    uint64_t iters)
{
    uint64_t i;

    switch (wl) {
    case LFV_WL_READ_HOT:
        return read_loop(lfv_bench_hot_reg[param % LFV_POS_MAX], iters);
    case LFV_WL_READ_SPAN:
        return read_loop(LFV_BENCH_SPAN_REG, iters);
    case LFV_WL_READ_GAP:
        return read_loop(LFV_BENCH_GAP_REG, iters);
    case LFV_WL_WRITE_HOT:
        for (i = 0; i < iters; i++)
            lfv_vdev_write(dev, LFV_BENCH_WRITE_REG, 4,
                           lfv_bench_reg_init(13), LFV_GAP_HW);
        lfv_rcu_quiescent_state();
        return iters;
    default:
        return 0;
    }
}

__attribute__((visibility("default")))
const struct lfv_bench_impl lfv_bench_impl = {
    .name = LFV_BENCH_NAME,
    .setup = setup,
    .teardown = teardown,
    .thread_init = thread_init,
    .thread_exit = thread_exit,
    .run = run,
};
