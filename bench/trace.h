/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recorded config-space traces (bench/traces/NAME.trace): the devices a trace
 * touches, the registers each implementation emulates on them, and the
 * accesses in order.  Text, one record a line ('#' starts a comment):
 *
 *   dev IDX hwdom|guest SBDF PHYS NAME  a device as its domain addresses it
 *                                       (SBDF) and its host address (PHYS)
 *   reg IDX OFF:SIZE ...                registers emulated on device IDX
 *                                       (hex offset, size 1, 2 or 4)
 *   r IDX REG SIZE VALUE                a read and the value the engine
 *                                       returned when it was recorded (for
 *                                       the reader: a replay is checked
 *                                       against bench/trace_cells.h)
 *   w IDX REG SIZE VALUE                a write
 *
 * SBDFs are written ssss:bb:dd.f; REG and VALUE in hex.  Written by
 * lfvpci-bench-record (bench/record_enumerate.c), read by the driver
 * (lfv_bench_trace_load) and handed to every module's setup.
 */
#ifndef LFV_BENCH_TRACE_H
#define LFV_BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LFV_TRACE_MAX_DEVS 64
#define LFV_TRACE_MAX_REGS 96

struct lfv_bench_treg {
    uint16_t offset, size;
};

struct lfv_bench_tdev {
    unsigned int dom;           /* 0: hardware domain, 1: the guest */
    uint32_t sbdf, phys;        /* as the domain sees it; on the host */
    char name[64];
    unsigned int nregs;
    struct lfv_bench_treg regs[LFV_TRACE_MAX_REGS]; /* sorted, disjoint */
};

struct lfv_bench_access {
    uint8_t write, dev, size;
    uint16_t reg;
    uint32_t val;
};

struct lfv_bench_trace {
    unsigned int ndevs;
    struct lfv_bench_tdev devs[LFV_TRACE_MAX_DEVS];
    size_t n;
    struct lfv_bench_access *acc;
};

/*
 * Load a trace; NULL on error, with "FILE:LINE: reason" on stderr.  Checks
 * every record (device indices, register alignment and overlap, access
 * sizes and alignment).
 */
struct lfv_bench_trace *lfv_bench_trace_load(const char *path);
void lfv_bench_trace_free(struct lfv_bench_trace *t);

#ifdef __cplusplus
}
#endif

#endif /* LFV_BENCH_TRACE_H */
