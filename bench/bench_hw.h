/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every benchmark implementation shares: the simulated hardware config
 * space behind gaps, and the register cells the 24 handlers read and write.
 * Compiled into each benchmark module (each has its own copy).
 */
#ifndef LFV_BENCH_HW_H
#define LFV_BENCH_HW_H

#include <stdint.h>

#include "device24.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One cell per register of lfv_bench_regs[], initialised by bench_hw_reset. */
extern uint32_t bench_cells[24];

/* Reset the cells and the simulated config space. */
void bench_hw_reset(void);

/* Simulated hardware: naturally aligned size 1, 2 or 4, reg < 4096. */
uint32_t bench_hw_read(unsigned int reg, unsigned int size);
void bench_hw_write(unsigned int reg, unsigned int size, uint32_t val);

/* Handler bodies: data points at a cell.  Relaxed atomics (plain moves). */
static inline uint32_t bench_cell_get(const void *data)
{
    return __atomic_load_n((const uint32_t *)data, __ATOMIC_RELAXED);
}

static inline void bench_cell_set(void *data, uint32_t val)
{
    __atomic_store_n((uint32_t *)data, val, __ATOMIC_RELAXED);
}

/*
 * The values each workload must read on a freshly reset device; run()
 * implementations are checked against these by the driver before timing.
 */
uint32_t bench_expected_read(unsigned int reg);

#ifdef __cplusplus
}
#endif

#endif /* LFV_BENCH_HW_H */
