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

#include <lfvpci/domain.h>

/* The command line (stress_main.c); each scenario uses what applies. */
struct options {
    unsigned int readers, writers, devices, guests, seconds;
    uint64_t seed;
    unsigned int mix_unplug, mix_move, mix_regs; /* writer operation weights */
    int mix_toggle, mix_bar; /* MEMORY toggles, BAR moves; -1: the default */
    int msix;                /* MSI-X share of reader steps, in 1/16 */
    const char *lspci_dir; /* devices from real dumps on the simulated bridge */
    enum lfv_arch arch;    /* x86: the hardware domain's MSI is emulated */
    unsigned int race_delay_us; /* msix-race: the platform's MMIO latency */
    unsigned int defer; /* --lspci: every p2m change deferred, processed in
                           chunks of this many frames; 0: synchronous */
};

/*
 * Run a scenario on the calling thread (it registers with RCU itself and
 * starts and joins its own threads); the exit status of the run: 0
 * passed, 1 failed, 2 could not run.  One scenario at a time.
 */
int scenario_mixed(const struct options *o);
int scenario_msix_race(const struct options *o);

static inline uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

#endif /* LFV_STRESS_SCENARIO_H */
