/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MSI/MSI-X unit of the mixed scenario: stress_msix.c (values, the
 * recording binding ops, the traffic) and stress_msix_check.c (the checks
 * at quiescence, settling, the final checks and the report), sharing the
 * unit's context, struct stress_msix (which reaches the run's, struct
 * stress, as mx->run).
 */
#ifndef LFV_STRESS_MSIX_H
#define LFV_STRESS_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "stress.h"

#define CFG_COMMAND 0x04
#define CMD_MEMORY 0x2
#define MSIX_ENABLE 0x8000
#define MSIX_MASKALL 0x4000
#define MSI_ENABLE 0x1
#define STORM_ENTRIES 4
#define ONES32 0xffffffffu
#define MSI_VECTORS 32

/* Failure kinds (stress_msix.c's header comment); the first few print. */
enum kind { K_TORN, K_LEAK, K_BIND, K_ISO, K_REFUSE, NR_KINDS };
struct msix_stats {
    unsigned long steps, table_reads, table_writes, enoent, refused;
    unsigned long foreign, binds, unbinds, masks, hw_writes, strays;
    unsigned long settled, msi_writes, compared, msi_compared;
    unsigned long forwards, rest, rest_exact, rest_nothing;
};

/* Encoded values: field, (domain, device, entry, nonce), a check. */
struct val {
    unsigned int domid, dev, entry, nonce;
};
uint32_t encode(unsigned int field, unsigned int domid, unsigned int dev,
                unsigned int entry, unsigned int nonce);
bool decode(unsigned int field, uint32_t v, struct val *out);

/* What the binding ops recorded as bound, per (domain, device, vector). */
struct brec {
    uint32_t busy; /* atomic: an op on this entry is running */
    bool bound, masked;
    uint64_t address;
    uint32_t data;
};
#define MAX_ENTRIES 2048

struct stress_msix {
    struct stress *run;
    unsigned long fails[NR_KINDS]; /* atomics */
    struct msix_stats st;          /* atomics */
    struct brec *recs[MAX_GUESTS + 1][MAX_DEVICES]; /* MSI-X entries */
    struct brec msi_recs[MAX_GUESTS + 1][MAX_DEVICES][MSI_VECTORS];
    pthread_mutex_t rec_lock[64];
    unsigned int msix_devs[MAX_DEVICES], nr_msix_devs;
    unsigned int msi_devs[MAX_DEVICES], nr_msi_devs;
    unsigned int storm_tick;
    uint8_t unsure[MAX_DEVICES][MAX_ENTRIES]; /* see is_unsure() */
};

void fail(struct stress_msix *mx, enum kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define COUNT(field) __atomic_fetch_add(&mx->st.field, 1, __ATOMIC_RELAXED)

/* Is the hardware domain's MSI/MSI-X emulated (x86), or its own (Arm)? */
bool hwdom_emulated(struct stress_msix *mx);

/* A device as one domain reaches it now: config SBDF, table, PBA. */
struct target {
    unsigned int dev, domid;
    struct lfv_domain *d;
    bool hwdom;
    lfv_sbdf_t sbdf;
    uint64_t table, pba;
    unsigned int gen; /* own_gen before */
};
/* dev through its owner now; false when unowned. */
bool target_owner(struct stress_msix *mx, unsigned int dev, struct target *t);
/* Did t's owner keep the device, unmoved, since target_owner? */
bool stable(struct stress_msix *mx, const struct target *t);
uint16_t ctl_read(struct stress_msix *mx, const struct target *t); /* MSI-X */
void ctl_write(struct stress_msix *mx, const struct target *t, uint16_t v);
uint64_t entry_gpa(const struct target *t, unsigned int e);
/* Check what a read of entry's dwords [f, f + size / 4) returned. */
void check_read(struct stress_msix *mx, const struct target *t,
                unsigned int entry, unsigned int f, unsigned int size,
                uint64_t v);

#endif /* LFV_STRESS_MSIX_H */
