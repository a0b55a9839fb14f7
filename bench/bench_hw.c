/* SPDX-License-Identifier: GPL-2.0-only */
#include <string.h>

#include "bench_hw.h"

uint32_t bench_cells[24];
static uint8_t config[4096];

void bench_hw_reset(void)
{
    unsigned int i;

    for (i = 0; i < 24; i++)
        bench_cells[i] = lfv_bench_reg_init(i);
    for (i = 0; i < sizeof(config); i++)
        config[i] = (uint8_t)(i * 7 + 1);
}

/* Fixed-size copies compile to single loads, like a real config read. */
uint32_t bench_hw_read(unsigned int reg, unsigned int size)
{
    uint32_t v32;
    uint16_t v16;

    switch (size) {
    case 4:
        memcpy(&v32, &config[reg], 4);
        return v32;
    case 2:
        memcpy(&v16, &config[reg], 2);
        return v16;
    default:
        return config[reg];
    }
}

void bench_hw_write(unsigned int reg, unsigned int size, uint32_t val)
{
    (void)reg, (void)size, (void)val; /* the benchmark's hardware is ROM */
}

uint32_t bench_expected_read(unsigned int reg)
{
    uint32_t v = 0;
    unsigned int b, i;

    for (b = 0; b < 4; b++) {
        unsigned int at = reg + b, byte = config[at];

        for (i = 0; i < 24; i++) {
            const struct lfv_bench_reg *r = &lfv_bench_regs[i];

            if (at >= r->offset && at < r->offset + r->size)
                byte = (lfv_bench_reg_init(i) >> (8 * (at - r->offset))) & 0xff;
        }
        v |= (uint32_t)byte << (8 * b);
    }
    return v;
}
