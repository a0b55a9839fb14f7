/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lfvpci command's simulated host: a bridge holding the devices the
 * user's sources describe, and a system on it set up as a hypervisor
 * embedding lfvpci sets one up (header, MSI and MSI-X hooks; the hardware
 * domain 0 owning every device at first; one guest, domain 1).
 * Single-threaded: the tool's main thread only.
 */
#ifndef LFV_TOOLS_HOST_H
#define LFV_TOOLS_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/simhw.h>

struct host_dev {
    char *source;        /* the argument it came from */
    unsigned int line;   /* its header line in lspci text (0: sysfs) */
    bool sysfs;
    lfv_sbdf_t named;    /* the address its source gives */
    lfv_sbdf_t sbdf;     /* where it sits on the simulated host */
    unsigned int cfg_len; /* sysfs config bytes read (0: lspci) */
    bool in_guest;
    bool vfs_disabled;   /* its VFs turned off for the guest (--vfs-off) */
    lfv_sbdf_t vsbdf;    /* the guest's address for it, when in_guest */
    char guest_err[256]; /* why it is not in the guest */
};

struct host {
    struct lfv_sim_bridge *bridge;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *guest;
    struct host_dev *dev;
    unsigned int nr, cap;
};

/* 0, or a negative errno after printing why on stderr. */
int host_create(struct host *h);
void host_destroy(struct host *h);

/*
 * Load every device of one source: a sysfs-style directory or an lspci
 * text file (one or many devices).  Each goes to the address its source
 * names; with as_fn0, a function other than 0 goes to function 0 of its
 * slot; an address already taken moves it to the first free bus of
 * segment 1 (said on stderr).  Errors are printed with file, line and
 * reason; returns 0 or the first error (devices loaded before it stay).
 */
int host_load(struct host *h, const char *source, bool as_fn0);

/*
 * Assign one device to the guest; with vfs_disable, an SR-IOV physical
 * function's VFs are first disabled in its simulated hardware (VF Enable
 * cleared, d->vfs_disabled set), as the host must before it gives the PF
 * away.  A function other than 0, or an assignment the engine refuses,
 * leaves d->in_guest false with the reason in d->guest_err; returns 0 or
 * that error.
 */
int host_assign_guest(struct host *h, struct host_dev *d, bool vfs_disable);

#endif /* LFV_TOOLS_HOST_H */
