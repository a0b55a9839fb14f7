/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-bench-memory DUMP...
 *
 * Memory per device, per guest and per register set, lfvpci against Xen
 * 4.17.5's structures, for the given lspci dumps:
 *
 *  - lfvpci: heap bytes (malloc_usable_size, every thread, deferred frees
 *    flushed with lfv_rcu_barrier) that lfv_pdev_add() takes for a device
 *    of the hardware domain with the header, MSI and MSI-X hooks, that
 *    lfv_pdev_assign() adds or frees when the device moves to a guest, and
 *    that lfv_domain_create() takes for a guest; and, per register set,
 *    lfv_vdev_table_bytes() of a table holding the registers Xen 4.17
 *    registers on that device (COMMAND, BARs, ROM, MSI body, MSI-X
 *    control).
 *  - Xen 4.17.5: sizeof its structures, compiled here from its vpci.h
 *    (XEN_VPCI_H, bench/CMakeLists.txt) with x86's arch parts: struct vpci,
 *    struct vpci_msi if the device has MSI, struct vpci_msix with one
 *    entry per table entry if it has MSI-X, one struct vpci_register (the
 *    layout of vpci.c's private struct, restated) per register, and
 *    pci_dev's share (its vpci pointer).  Xen's xmalloc headers are not
 *    counted; glibc's rounding is (malloc_usable_size).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "lspci_system.h"

/* --- counting allocator: glibc's, with live bytes counted ------------- */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static long live;

static void *counted(void *p)
{
    if (p)
        __atomic_add_fetch(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
    return p;
}

static void uncount(void *p)
{
    if (p)
        __atomic_sub_fetch(&live, (long)malloc_usable_size(p), __ATOMIC_RELAXED);
}

void *malloc(size_t n)
{
    return counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t m)
{
    return counted(__libc_calloc(n, m));
}

void *realloc(void *p, size_t n)
{
    uncount(p);
    return counted(__libc_realloc(p, n));
}

void free(void *p)
{
    uncount(p);
    __libc_free(p);
}

void *memalign(size_t a, size_t n)
{
    return counted(__libc_memalign(a, n));
}

void *aligned_alloc(size_t a, size_t n)
{
    return counted(__libc_memalign(a, n));
}

int posix_memalign(void **out, size_t a, size_t n)
{
    void *p = counted(__libc_memalign(a, n));

    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

static long settled(void)
{
    lfv_rcu_barrier();
    return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

/* --- Xen 4.17.5's structures, from its vpci.h --------------------------- */

#ifdef XEN_VPCI_H
#include <stdbool.h>
struct list_head { struct list_head *next, *prev; };
typedef struct { uint16_t head, tail; uint16_t recurse; } spinlock_t;
#define __XEN__
#define CONFIG_HAS_VPCI 1
#define __iomem
#define PCI_HEADER_NORMAL_NR_BARS 6
struct pci_dev;
typedef union { uint32_t sbdf; } pci_sbdf_t;
typedef uint64_t paddr_t;
struct vpci_arch_msi { int pirq; bool bound; };        /* x86 */
struct vpci_arch_msix_entry { int pirq; };             /* x86 */
#define __must_check
#define cf_check
#define __hwdom_init
struct vpci;
struct vcpu;
struct domain;
#define PCI_MSIX_BIRMASK 7u
#define PCI_MSIX_ENTRY_SIZE 16
#define ROUNDUP(x, a) (((x) + (a) - 1) & ~((a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#include XEN_VPCI_H
/* vpci.c's private struct vpci_register: the same members, restated. */
struct xen_vpci_register_layout {
    void *read, *write;
    unsigned int size, offset;
    void *private;
    struct list_head node;
};
#define XEN_VPCI sizeof(struct vpci)
#define XEN_MSI sizeof(struct vpci_msi)
#define XEN_MSIX(n) (offsetof(struct vpci_msix, entries) + \
                     (n) * sizeof(struct vpci_msix_entry))
#define XEN_REG sizeof(struct xen_vpci_register_layout)
#endif

/* --- the devices -------------------------------------------------------- */

struct layout {
    bool msi, msi64, msi_mask, msix, bridge;
    unsigned int msix_entries, nregs;
    unsigned int bar_regs; /* BAR and ROM registers */
};

static uint32_t rd(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                   unsigned int size)
{
    return lfv_conf_read(d, s, reg, size);
}

/* What Xen 4.17 registers on the device (as record_enumerate.c does). */
static void xen_layout(struct lfv_domain *hw, lfv_sbdf_t s, struct layout *l)
{
    unsigned int pos, ttl = 48, nbars;

    memset(l, 0, sizeof(*l));
    l->bridge = (rd(hw, s, 0x0e, 1) & 0x7f) == 1;
    nbars = l->bridge ? 2 : 6;
    for (unsigned int i = 0; i < nbars; i++) {
        unsigned int at = 0x10 + 4 * i;
        uint32_t v = rd(hw, s, at, 4), sz;

        lfv_conf_write(hw, s, at, 4, 0xffffffffu);
        sz = rd(hw, s, at, 4);
        lfv_conf_write(hw, s, at, 4, v);
        if (!sz || sz == 0xffffffffu)
            continue;
        l->bar_regs++;
        if (!(v & 1) && ((v >> 1) & 3) == 2 && i + 1 < nbars) {
            l->bar_regs++;
            i++;
        }
    }
    {
        unsigned int at = l->bridge ? 0x38 : 0x30;
        uint32_t v = rd(hw, s, at, 4), sz;

        lfv_conf_write(hw, s, at, 4, 0xfffff800u);
        sz = rd(hw, s, at, 4);
        lfv_conf_write(hw, s, at, 4, v);
        if (sz && sz != 0xffffffffu && (sz & 0xfffff800u))
            l->bar_regs++;
    }
    pos = (rd(hw, s, 0x06, 2) & 0x10) ? rd(hw, s, 0x34, 1) : 0;
    while (ttl-- && pos >= 0x40) {
        uint32_t ent = rd(hw, s, pos & ~3u, 2);

        if ((ent & 0xff) == 0x05) {
            uint32_t c = rd(hw, s, (pos & ~3u) + 2, 2);

            l->msi = true;
            l->msi64 = c & 0x80;
            l->msi_mask = c & 0x100;
        } else if ((ent & 0xff) == 0x11) {
            l->msix = true;
            l->msix_entries = (rd(hw, s, (pos & ~3u) + 2, 2) & 0x7ff) + 1;
        }
        pos = ent >> 8;
    }
    l->nregs = 1 + l->bar_regs + (l->msi ? 3 + l->msi64 + l->msi_mask : 0) +
               (l->msix ? 1 : 0);
}

static uint32_t cell_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return *(uint32_t *)data;
}

/* lfvpci's table for the registers Xen registers (MSI at 0x50). */
static size_t table_bytes(const struct layout *l)
{
    static uint32_t cell;
    struct lfv_vdev_params p = { 0 };
    struct lfv_vdev *v;
    struct lfv_regs_edit *e;
    unsigned int off[16], sz[16], n = 0;
    size_t bytes = 0;

    off[n] = 0x04, sz[n++] = 2;
    for (unsigned int i = 0; i < l->bar_regs; i++)
        off[n] = 0x10 + 4 * i, sz[n++] = 4;
    if (l->msi) { /* at 0x50, as on the benchmark device */
        off[n] = 0x52, sz[n++] = 2;
        off[n] = 0x54, sz[n++] = 4;
        if (l->msi64)
            off[n] = 0x58, sz[n++] = 4;
        off[n] = l->msi64 ? 0x5c : 0x58, sz[n++] = 2;
        if (l->msi_mask)
            off[n] = l->msi64 ? 0x60 : 0x5c, sz[n++] = 4;
    }
    if (l->msix)
        off[n] = 0x72, sz[n++] = 2;
    if (lfv_vdev_create(&p, &v))
        return 0;
    if (!lfv_regs_edit_begin(v, &e)) {
        for (unsigned int i = 0; i < n; i++) {
            const struct lfv_reg_desc d = { .data = &cell, .offset = off[i],
                                            .size = sz[i],
                                            .read = cell_read };

            if (lfv_regs_edit_add(e, &d))
                break;
        }
        if (!lfv_regs_edit_commit(e))
            bytes = lfv_vdev_table_bytes(v);
    }
    lfv_vdev_destroy(v);
    return bytes;
}

int main(int argc, char **argv)
{
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *hw, *guest;
    lfv_sbdf_t placed[64];
    int loaded[64] = { 0 };
    long before, guest_bytes;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DUMP...\n", argv[0]);
        return 2;
    }
    lfv_rcu_register_thread();
    if (lfv_sim_bridge_create(&br)) {
        fprintf(stderr, "lfvpci-bench-memory: no memory\n");
        return 1;
    }
    /* Every device first: the system takes the bridge's windows. */
    for (int i = 1; i < argc && i < 64; i++) {
        rc = lfv_sim_add_lspci_file(br, argv[i], LFV_SBDF(0, 0x80, i, 0),
                                    &placed[i]);
        if (rc)
            fprintf(stderr, "%s: cannot load (%d), skipped\n", argv[i], rc);
        loaded[i] = !rc;
    }
    rc = lspci_system_create(br, &sys);
    if (!rc)
        rc = lfv_domain_create(sys, 0, true, &hw);
    before = settled();
    if (!rc)
        rc = lfv_domain_create(sys, 1, false, &guest);
    guest_bytes = settled() - before;
    if (rc) {
        fprintf(stderr, "lfvpci-bench-memory: system: %d\n", rc);
        return 1;
    }
    printf("per guest (lfv_domain_create): lfvpci %ld bytes", guest_bytes);
#ifdef XEN_VPCI_H
    printf("; Xen 4.17: none beyond struct domain's MSI-X table list "
           "head (%zu bytes)", sizeof(struct list_head));
#endif
    printf("\n\n%-40s %5s %6s %8s %8s %8s %8s %8s\n", "device", "regs",
           "MSI-X", "hwdom", "guest", "xen417", "table", "xen_regs");
    for (int i = 1; i < argc && i < 64; i++) {
        const char *name = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1
                                                 : argv[i];
        lfv_sbdf_t s = placed[i];
        struct layout l;
        long dev_hw, dev_guest = 0;
        long xen = 0, xen_regs = 0;
        char g[16] = "-";

        if (!loaded[i])
            continue;
        before = settled();
        rc = lfv_pdev_add(sys, s);
        dev_hw = settled() - before;
        if (rc) {
            fprintf(stderr, "%s: lfv_pdev_add: %d, skipped\n", argv[i], rc);
            continue;
        }
        xen_layout(hw, s, &l);
        before = settled();
        if (!l.bridge) {
            rc = lfv_pdev_assign(sys, s, guest);
            if (!rc)
                dev_guest = dev_hw + settled() - before;
            else /* e.g. -EBUSY, an SR-IOV PF with its VFs enabled */
                fprintf(stderr, "%s: not given to a guest: lfv_pdev_assign: "
                        "%s\n", argv[i], strerror(-rc));
        }
#ifdef XEN_VPCI_H
        xen_regs = (long)(l.nregs * XEN_REG);
        xen = (long)(XEN_VPCI + (l.msi ? XEN_MSI : 0) +
                     (l.msix ? XEN_MSIX(l.msix_entries) : 0) + sizeof(void *)) +
              xen_regs;
#endif
        if (dev_guest)
            snprintf(g, sizeof(g), "%ld", dev_guest);
        printf("%-40.40s %5u %6u %8ld %8s %8ld %8zu %8ld\n", name, l.nregs,
               l.msix ? l.msix_entries : 0, dev_hw, g, xen, table_bytes(&l),
               xen_regs);
    }
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return 0;
}
