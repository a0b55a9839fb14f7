/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress's scenarios: each is a unit with its own context struct,
 * run by main() (stress.c) with the options that apply to it.
 *   mixed      (stress.c, stress_msix*.c) the default: config and ECAM
 *              traffic, unplugs, moves, register edits, MEMORY toggles, BAR
 *              moves and MSI/MSI-X traffic, every invariant checked;
 *   msix-race  (scenario_msix_race.c) MSI-X page remainders and PBAs
 *              against moves, at a slow platform: finds a forward that
 *              reaches a device after its region was retired in seconds.
 */
#ifndef LFV_STRESS_SCENARIO_H
#define LFV_STRESS_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

struct scenario_opts {
    unsigned int readers, writers, guests, seconds;
    uint64_t seed;
    unsigned int race_delay_us; /* msix-race: the platform's MMIO latency */
    bool stop_on_fail;          /* msix-race: stop at the first failure */
};

/* Exit status of the run: 0 passed, 1 failed, 2 could not run. */
int scenario_msix_race(const struct scenario_opts *o);

static inline uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

#endif /* LFV_STRESS_SCENARIO_H */
