/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417" on the MSI-X workloads: msix_mask
 * (bench/workloads/msix_mask.h) on one device and steady
 * (bench/workloads/steady.h) on LFV_STEADY_DEVS, each device a guest's
 * (xen_emul.h, XEN_EMUL_GUESTS) with a 64-entry MSI-X table.
 *
 * Everything measured is Xen 4.17.5's own code, compiled from the fetched
 * tree with __XEN__ (xen_msix_emul.h):
 *  - config reads: vpci.c's vpci_read() (the device's 24 registers: those
 *    of bench/device24.h, the MSI-X control word being msix.c's own);
 *  - MSI-X table writes: msix.c's msix_write(), called through the
 *    hvm_mmio_ops that init_msix() registered, as x86's HVM MMIO dispatch
 *    calls it: msix_find() walks the domain's list of tables with no lock,
 *    checking both slots (table, PBA) of every node through the device's
 *    BARs, then adjacent_handle(), access_allowed(), the device's
 *    vpci->lock (the lock vpci_read() takes) around get_entry() and the
 *    vector control update, with x86's arch mask hook (a no-op of the
 *    module's, xen417_msix_dev.h, as lfvpci's side's `mask`).
 * Xen's dispatch first asks each handler's .check whether the address is
 * its own (msix_accept(): msix_find() once more) before calling .write;
 * the lfvpci module calls lfv_msix_mmio_write() with no such step, so
 * both sides leave the accept call out.
 *
 * The device state is what 4.17 builds: vpci_add_handlers() runs the real
 * init_msix() (the capability read from the physical device, the table
 * linked at the head of the domain's msix_tables, entries masked, the
 * control register added); header.c is not compiled (rangesets, p2m), so
 * the state its init_bars() and modify_decoding() leave for a memory BAR
 * with decoding on is set here by hand: BAR 0's address, size and type,
 * enabled (mapped), bars_mapped.  Then the guest enables MSI-X by writing
 * the control word through vpci_write() (msix.c's control_write()).
 * Setup checks that a vector control write through msix_write() reaches
 * the entry (masked, unmasked, masked again) and that every register reads
 * its value through vpci_read().
 *
 * Hot-plug follows 4.17 too: readers take no lock against removal, so the
 * writer unlinks a device and its table (list_del_rcu, which keeps the
 * removed node's link for a reader standing on it) and, where Xen's
 * vpci_remove_device() would free at once, keeps it until teardown so that
 * the benchmark stays memory-safe; a replug is vpci_add_handlers() again
 * (init_msix()'s plain list_add, as in Xen: its store to the list head is
 * its last, and x86 keeps stores in order, so a reader never sees a half
 * linked node).  Writers serialise on a lock of their own (pcidevs_lock).
 */
#include "xen_msix_emul.h"
#include "bench.h"
#include "device24.h"
#include "xen417_dev.h"
#include "xen417_msix_dev.h"

/*
 * xen420_msix.c builds this file with 4.20.4's vpci.c and msix.c: its name,
 * the device's MSI-X capability position (X_PREP), the guest's pci_lock
 * write-held around a plug or unplug (X_DOM_WLOCK), the guest's vCPU as
 * the accessing one (X_ENTER); none of them does anything for 4.17.5.
 */
#ifndef X_IMPL
#define X_IMPL "xen417"
#define X_PREP(x) ((void)(x))
#define X_DOM_WLOCK(s) ((void)(s))
#define X_DOM_WUNLOCK(s) ((void)(s))
#define X_ENTER(s) ((void)(s))
#endif

struct x_dev {
    struct pci_dev pdev;
    uint32_t cells[NREGS];
    struct x_dev *grave;            /* removed, freed at teardown */
};

/* A guest and its devices: msix_mask's and steady's. */
struct x_sys {
    struct domain dom;
    struct vcpu vcpu;               /* the guest's, making the accesses */
    unsigned int first_dev;         /* device d is 0001:00:(first_dev+d).0 */
    bool at_tail;                   /* devices after the other guest's */
    struct x_dev *devs[NDEVS], *graveyard;
};

static struct x_sys msix_sys = {
    .dom = { .domain_id = 1, XEN_EMUL_DOM_INIT(false) },
    .first_dev = MSIX_DEV0,
    /* msix_mask's device after steady's: never on their lookups' way. */
    .at_tail = true,
};
static struct x_sys steady_sys = {
    .dom = { .domain_id = 2, XEN_EMUL_DOM_INIT(false) },
    .first_dev = STEADY_DEV0,
};
static pthread_mutex_t pcidevs_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t regs[NREGS][2];

/* A 4-byte table write of the guest, as x86's MMIO dispatch makes it. */
static inline int x_msix_write(struct x_sys *s, uint64_t addr, uint32_t val)
{
    return x_msix_ops->write(&s->vcpu, addr, 4, val);
}

/* The state 4.17's header.c leaves with BAR 0 mapped, decoding on. */
static void x_header(struct vpci *vpci, unsigned int d)
{
    struct vpci_bar *bar = &vpci->header.bars[0];

    bar->addr = TABLE(d);
#ifdef XEN_EMUL_420
    bar->guest_addr = TABLE(d);     /* 4.20's vmsix_table_base() */
#endif
    bar->size = X_BAR0_SIZE;
    bar->type = VPCI_BAR_MEM32;
    bar->enabled = true;
    vpci->header.bars_mapped = true;
}

/* Take x off the guest's lists; freed at teardown (see the top). */
static void x_retire(struct x_sys *s, struct x_dev *x, bool listed)
{
    if (listed)
        list_del_rcu(&x->pdev.domain_list);
    if (x->pdev.vpci && x->pdev.vpci->msix)
        list_del_rcu(&x->pdev.vpci->msix->next);
    x->grave = s->graveyard;
    s->graveyard = x;
}

/* Plug device d into s's guest (the writer's side, or setup). */
static int x_plug(struct x_sys *s, unsigned int d)
{
    struct x_dev *x = calloc(1, sizeof(*x));
    int rc;

    if (!x)
        return -ENOMEM;
    x_cells_init(x->cells);
    x->pdev.sbdf.seg = 1;
    x->pdev.sbdf.dev = s->first_dev + d;
    x->pdev.domain = &s->dom;
    X_PREP(x);
    X_ENTER(s);
    pthread_mutex_lock(&pcidevs_lock);
    X_DOM_WLOCK(s);
    rc = vpci_add_handlers(&x->pdev);
    if (rc) {
        X_DOM_WUNLOCK(s);
        pthread_mutex_unlock(&pcidevs_lock);
        free(x);
        return rc;
    }
    if (!x->pdev.vpci->msix)
        rc = -ENODEV;
    if (!rc) {
        x_header(x->pdev.vpci, d);
        rc = x_dev_add_regs(x->pdev.vpci, regs, NREGS, x->cells);
    }
    if (rc) {
        x_retire(s, x, false);
        X_DOM_WUNLOCK(s);
        pthread_mutex_unlock(&pcidevs_lock);
        return rc;
    }
    if (s->at_tail)
        list_add_tail(&x->pdev.domain_list, &xen417_guestdevs);
    else
        list_add_rcu(&x->pdev.domain_list, &xen417_guestdevs);
    s->devs[d] = x;
    X_DOM_WUNLOCK(s);
    pthread_mutex_unlock(&pcidevs_lock);
    /* The guest's driver enables MSI-X (msix.c's control_write()). */
    vpci_write(x->pdev.sbdf, msix_control_reg(X_MSIX_CAP), 2,
               PCI_MSIX_FLAGS_ENABLE);
    return 0;
}

static int x_unplug(struct x_sys *s, unsigned int d)
{
    pthread_mutex_lock(&pcidevs_lock);
    X_DOM_WLOCK(s);
    x_retire(s, s->devs[d], true);
    s->devs[d] = NULL;
    X_DOM_WUNLOCK(s);
    pthread_mutex_unlock(&pcidevs_lock);
    return 0;
}

static void x_teardown(struct x_sys *s)
{
    for (unsigned int d = 0; d < NDEVS; d++)
        if (s->devs[d])
            x_unplug(s, d);
    while (s->graveyard) {
        struct x_dev *x = s->graveyard;

        s->graveyard = x->grave;
        /* Already unlinked: vpci_remove_device()'s list_del() finds the
         * node on its own. */
        if (x->pdev.vpci && x->pdev.vpci->msix)
            INIT_LIST_HEAD(&x->pdev.vpci->msix->next);
        vpci_remove_device(&x->pdev);
        free(x);
    }
}

/*
 * Device d as the guest now sees it: its MSI-X table (x_check_table()),
 * then every register read through vpci_read() returning its value.
 */
static int x_check(struct x_sys *s, unsigned int d)
{
    const struct pci_dev *pdev = &s->devs[d]->pdev;
    int rc;

    X_ENTER(s);
    rc = x_check_table(X_IMPL, d, pdev->vpci->msix, &s->vcpu);
    return rc ? rc : x_check_reads(X_IMPL, d, pdev->sbdf);
}

static int x_setup(struct x_sys *s, unsigned int ndevs)
{
    int rc = 0;

    bench_hw_reset();
    INIT_LIST_HEAD(&s->dom.arch.hvm.msix_tables);
    s->vcpu.domain = &s->dom;
    for (unsigned int i = 0, r = 0; i < 24; i++)
        if (lfv_bench_regs[i].offset != msix_control_reg(X_MSIX_CAP)) {
            regs[r][0] = (uint16_t)lfv_bench_regs[i].offset;
            regs[r][1] = (uint16_t)lfv_bench_regs[i].size;
            r++;
        }
    for (unsigned int d = 0; d < ndevs && !rc; d++)
        rc = x_plug(s, d);
    for (unsigned int d = 0; d < ndevs && !rc; d++)
        rc = x_check(s, d);
    if (rc)
        x_teardown(s);
    return rc;
}

#include "xen417_msix_workloads.h"
#define BENCH_THREAD_INIT() ((void)0)
#define BENCH_THREAD_EXIT() ((void)0)
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL X_IMPL
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE(X_IMPL, lfv_bench_nop, lfv_bench_nop);
