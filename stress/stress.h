/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mixed scenario of lfvpci-stress (scenario.h): stress.c (the run,
 * config traffic, unplugs, moves, isolation) and the MSI/MSI-X unit
 * (stress_msix.h: stress_msix.c, stress_msix_check.c).  Everything a run
 * holds is in its context, struct stress, which every function is handed;
 * the MSI/MSI-X unit keeps its own (struct stress_msix) and reaches this
 * one through it.  No state is shared between files otherwise.
 */
#ifndef LFV_STRESS_H
#define LFV_STRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/simhw.h>

#include "scenario.h"

#define MAX_DEVICES 64
#define MAX_GUESTS 16

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

struct stress_stats {
    unsigned long reads, writes, unplugs, moves, edits, handler_edits;
    unsigned long toggles, bar_moves, map_refused, iso_checks, iso_entries;
    unsigned long deferred_steps; /* --defer: process calls that left work */
    unsigned long torn, stale, leak, isolation;
};

/* A device's owner and BARs as the isolation check saw them. */
struct dev_snap {
    bool owned;
    unsigned int domid;
    struct lfv_header_bar_info bar[7];
};

struct stress_msix;

/* One run of the mixed scenario (stress.c has what each field means). */
struct stress {
    struct options opt;
    struct lfv_system *sys;
    struct lfv_domain *doms[MAX_GUESTS + 1]; /* [0]: hardware domain */
    struct lfv_sim_bridge *bridge;          /* NULL: pattern devices */
    int stop;
    struct stress_stats stats; /* atomics */
    long live_data; /* handler data allocated and not yet freed */
    /* devices: dumps, layout, plug and ownership records */
    char *dump_text[MAX_DEVICES];
    size_t dump_len[MAX_DEVICES];
    struct dev_layout layout[MAX_DEVICES];
    pthread_mutex_t plug_lock[MAX_DEVICES];
    unsigned int plug_gen[MAX_DEVICES];
    pthread_mutex_t own_lock[MAX_DEVICES];
    uint32_t own_mask[MAX_DEVICES]; /* domains allowed binding calls */
    unsigned int own_gen[MAX_DEVICES];
    uint64_t borrow[MAX_DEVICES]; /* windows, a bit each: window_quiet() */
    unsigned int win_gen;
    /* the stress hook's registers */
    unsigned int reg_vol;
    uint32_t reg_taken;
    bool probing;
    /* the isolation check */
    pthread_rwlock_t iso_lock;
    struct dev_snap snap[MAX_DEVICES]; /* under iso_lock write-held */
    unsigned int iso_printed;
    struct stress_msix *msix; /* --lspci: the MSI/MSI-X unit */
};

/* A reader's or writer's argument. */
struct thread_arg {
    struct stress *run;
    unsigned int index;
};

/* Where a guest puts dev's BARs: slot 0 or 1 of window `win`'s device. */
int guest_layout(struct stress *run, unsigned int dev, unsigned int win,
                 unsigned int slot, uint64_t out[7]);
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
void own_begin(struct stress *run, unsigned int dev,
               int new_domid); /* -1: no new owner */
void own_end(struct stress *run, unsigned int dev);
bool own_allowed(struct stress *run, unsigned int dev, unsigned int domid);
unsigned int own_gen_read(struct stress *run, unsigned int dev);

/*
 * Could another device's guest BARs cover dev's window, or dev's another's
 * (the tool's overlaps on purpose)?  Read window_gen() before and after an
 * access too: a change means a window changed meanwhile.
 */
bool window_quiet(struct stress *run, unsigned int dev);
unsigned int window_gen(struct stress *run);

/* ---- stress_msix.c ---- */

/*
 * Before devices are added: the unit's context (run->msix), binding ops;
 * after lfv_header_hook: hooks.  0 or -ENOMEM.
 */
int msix_setup(struct stress *run);
/* One reader step of MSI/MSI-X traffic (--lspci); reader index t. */
void msix_reader_step(struct stress_msix *mx, uint64_t *rng, unsigned int t);
/* The main thread, every ~2 ms: moves the storm to another device. */
void msix_tick(struct stress_msix *mx);
/*
 * At quiescence, devices still assigned: the bindings against the tables
 * (msix_quiesce); then every MSI/MSI-X device assigned afresh, programmed
 * and compared exactly, then de-assigned (msix_settle); then after
 * everything was de-assigned (msix_final).  Each returns the number of
 * failures found.
 */
unsigned long msix_quiesce(struct stress_msix *mx);
unsigned long msix_settle(struct stress_msix *mx);
unsigned long msix_final(struct stress_msix *mx);
/* After the system is destroyed: free the records. */
void msix_teardown(struct stress_msix *mx);
/* Counters and failures for the summary; then free the context. */
void msix_report(struct stress_msix *mx);
unsigned long msix_failures(struct stress_msix *mx);
void msix_free(struct stress_msix *mx);

#endif /* LFV_STRESS_H */
