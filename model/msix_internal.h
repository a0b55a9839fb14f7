/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: what the MSI-X hook's own files share: a device's MSI-X state
 * (struct lfv_msix) with its table entries (struct msix_entry), and the
 * calls between the files.  msix.c (the hook: the control register, the
 * regions, setup, retirement and teardown) calls msix_table.c (the
 * emulated table and the hot write path) and msix_forward.c (the accesses
 * forwarded to the device); msix_table.c calls msix_forward.c, which calls
 * neither.  What the other MSI and MSI-X files share too is
 * msi_internal.h's.
 */
#ifndef LFV_MODEL_MSIX_INTERNAL_H
#define LFV_MODEL_MSIX_INTERNAL_H

#include "../core/compiler.h"
#include "../core/platform.h"
#include "msi_internal.h"

#define MSIX_CTRL_MASKBIT 0x1u

/*
 * struct lfv_msix's state: MSI-X enabled, function masked (the guest's
 * control register, under ctl_lock), retired (set once, by msix_retire),
 * so that the entry path reads them in one load.
 */
#define MSIX_ST_ENABLED 0x1u
#define MSIX_ST_MASKALL 0x2u
#define MSIX_ST_RETIRED 0x4u

struct msix_entry {
    lfv_spinlock_t lock;      /* writers of this entry (platform spinlock) */
    uint32_t seq;             /* odd while the fields below change */
    uint32_t addr_lo, addr_hi, data, ctrl; /* as the guest wrote them */
    /* under lock */
    bool bound, updated;
    struct lfv_msi_vector vec; /* as last bound/masked */
} __attribute__((aligned(64)));

struct lfv_msix {
    struct lfv_vpci *v;
    struct lfv_domain *d;
    bool hwdom;
    bool passthrough;          /* hardware domain on Arm: no emulation */
    unsigned int pos, nr;      /* capability, table size */
    unsigned int bir[2];       /* table, PBA */
    uint32_t offset[2];
    struct lfv_msix_region region[3]; /* table, PBA, adjacent */
    struct lfv_msix_region *listed[2];
    unsigned int nr_regions;
    /* device-wide, read by the entry path: MSIX_ST_* bits, atomic */
    unsigned int state;
    unsigned int forwarding;   /* atomic: accesses reaching the device now */
    lfv_lock_t ctl_lock;       /* control writes vs retirement */
    bool scrubbed;             /* the device's table masked for this owner
                                  (ctrl_write(), under ctl_lock) */
    /* the system's mask op (mask_nop: none) and context, fixed while
     * devices exist */
    void (*mask)(void *ctx, const struct lfv_vpci *v,
                 const struct lfv_msi_vector *vec);
    void *mask_ctx;
    void *raw;                 /* allocation holding entries */
    struct msix_entry *entries;
};

/*
 * The entry's writers: the platform's short spinlock (inline in user space,
 * the host's own spinlock in a hypervisor).  Held across the binding ops
 * (entry_bind), which therefore must not block (<lfvpci/msi.h>).
 */
static lfv_always_inline void entry_lock(struct msix_entry *e)
{
    lfv_spin_lock(&e->lock);
}

static lfv_always_inline void entry_unlock(struct msix_entry *e)
{
    lfv_spin_unlock(&e->lock);
}

/* ---- msix_table.c ---- */

/* Visit every entry under its own lock (control path). */
void msix_sync_all(struct lfv_msix *m);

/* ---- msix_forward.c ---- */

/* The host address where region r (a table or PBA) is now; 0: unknown. */
uint64_t msix_region_host(const struct lfv_msix_region *r);
/* Whether an access of size bytes at host address addr is the device's. */
bool msix_hw_ok(const struct lfv_msix *m, uint64_t addr, unsigned int size);
/*
 * The device's memory where msix_hw_ok(), through the system's MMIO ops: a read
 * that reaches nothing is all-ones, a write is dropped.
 */
void msix_hw_read(const struct lfv_msix *m, uint64_t addr,
                  unsigned int size, uint64_t *val);
void msix_hw_write(const struct lfv_msix *m, uint64_t addr,
                   unsigned int size, uint64_t val);
/*
 * Around every forwarded access: false, the device is not this state's
 * (it reaches nothing); true, it is until msix_forward_end().
 */
bool msix_forward_begin(struct lfv_msix *m);
void msix_forward_end(struct lfv_msix *m);
/* After `retired` is set: no forwarded access runs from here on. */
void msix_forward_drain(struct lfv_msix *m);
/*
 * Where gpa, in the rest of the table and PBA pages, is in host memory
 * (false: nowhere the access may reach).
 */
bool msix_adjacent_host(const struct lfv_msix *m, uint64_t gpa,
                        unsigned int size, uint64_t *host);

#endif /* LFV_MODEL_MSIX_INTERNAL_H */
