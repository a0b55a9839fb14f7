/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What lfvpci-stress's parts share: stress.c (the run, config traffic,
 * unplugs, moves, isolation) and stress_msix.c (MSI/MSI-X traffic and the
 * binding checks).
 */
#ifndef LFV_STRESS_H
#define LFV_STRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/simhw.h>

#include "scenario.h"

#define MAX_DEVICES 64
#define MAX_GUESTS 16

struct options {
    unsigned int readers, writers, devices, guests, seconds;
    uint64_t seed;
    unsigned int mix_unplug, mix_move, mix_regs; /* writer operation weights */
    int mix_toggle, mix_bar; /* MEMORY toggles, BAR moves; -1: the default */
    int msix;                /* MSI-X share of reader steps, in 1/16 */
    const char *lspci_dir; /* devices from real dumps on the simulated bridge */
    enum lfv_arch arch;    /* x86: the hardware domain's MSI is emulated */
};

extern struct options opt;
extern struct lfv_system *sys;
extern struct lfv_domain *doms[MAX_GUESTS + 1]; /* [0]: hardware domain */
extern struct lfv_sim_bridge *bridge;          /* NULL: pattern devices */

lfv_sbdf_t dev_sbdf(unsigned int i);
int dev_index(lfv_sbdf_t sbdf); /* -1: not one of ours */

/*
 * The firmware's view of each device (--lspci), from the hardware at load:
 * memory BARs, MSI-X table and PBA (BAR, offset, host frames) and the MSI
 * capability.
 */
struct bar_oracle {
    bool mem, is64;
    unsigned int reg;
    uint64_t size, addr; /* host */
};

struct dev_layout {
    struct bar_oracle bar[7]; /* 0..5, LFV_HEADER_ROM */
    bool msix[2];             /* table, PBA: host frames [s, e] */
    uint64_t msix_s[2], msix_e[2];
    unsigned int msix_pos, msix_nr;         /* capability, table entries */
    unsigned int msix_bir[2];
    uint32_t msix_off[2], msix_size[2];
    unsigned int msi_pos;                   /* 0: none */
    bool msi_64, msi_maskable;
};

extern struct dev_layout layout[MAX_DEVICES];

/* Where a guest puts dev's BARs: slot 0 or 1 of window `win`'s device. */
int guest_layout(unsigned int dev, unsigned int win, unsigned int slot,
                 uint64_t out[7]);
#define GUEST_SLOTS 2

/*
 * Ownership as the tool knows it.  Every assignment, de-assignment, unplug
 * and re-plug the tool makes, and every guest BAR move, runs between
 * own_begin and own_end (dev's own lock held between them): meanwhile both
 * the old and the new owner may receive binding calls for the device (the
 * old state unbinds while it retires, the new one may bind once
 * published); afterwards only the owner.  own_gen is odd during a change:
 * a thread that saw it even and unchanged around an access knows who owned
 * the device, and where its guest BARs were, throughout.
 */
void own_begin(unsigned int dev, int new_domid); /* -1: no new owner */
void own_end(unsigned int dev);
bool own_allowed(unsigned int dev, unsigned int domid);
unsigned int own_gen_read(unsigned int dev);

/*
 * Could another device's guest BARs cover dev's window, or dev's another's
 * (the tool's overlaps on purpose)?  Read window_gen() before and after an
 * access too: a change means a window changed meanwhile.
 */
bool window_quiet(unsigned int dev);
unsigned int window_gen(void);

/* ---- stress_msix.c ---- */

/* Before devices are added: binding ops; after lfv_header_hook: hooks. */
int msix_setup(void);
/* One reader step of MSI/MSI-X traffic (--lspci); reader index t. */
void msix_reader_step(uint64_t *rng, unsigned int t);
/* The main thread, every ~2 ms: moves the storm to another device. */
void msix_tick(void);
/*
 * At quiescence, devices still assigned: the bindings against the tables
 * (msix_quiesce); then every MSI/MSI-X device assigned afresh, programmed
 * and compared exactly, then de-assigned (msix_settle); then after
 * everything was de-assigned (msix_final).  Each returns the number of
 * failures found.
 */
unsigned long msix_quiesce(void);
unsigned long msix_settle(void);
unsigned long msix_final(void);
/* After the system is destroyed: free the records. */
void msix_teardown(void);
/* Counters and failures for the summary. */
void msix_report(void);
unsigned long msix_failures(void);

#endif /* LFV_STRESS_H */
