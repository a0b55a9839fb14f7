/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark module "xen417_lfvpci" on the MSI-X workloads: msix_mask
 * (bench/workloads/msix_mask.h) on one device and steady
 * (bench/workloads/steady.h) on LFV_STEADY_DEVS, each device a guest's with
 * a 64-entry MSI-X table.  The counterpart of xen417_msix.c (Xen 4.17.5's
 * own vpci.c and msix.c) with the lfvpci series applied: the same devices,
 * table addresses, registers, physical function and arch hooks
 * (xen417_msix_dev.h), the same setup check and the same churn.
 *
 * Everything measured is the series' code, compiled from the fetched tree
 * with the patches applied and __XEN__ (xen_lfvpci_msix_emul.h):
 *  - config reads: vpci.c's vpci_read(), lock-free (patch 0008): the
 *    device found in the SBDF registry and its register table read under
 *    vpci_rcu_lock, the engine (lfvpci, patch 0003) dispatching to the
 *    handler: 23 registers of bench/device24.h on cells and msix.c's MSI-X
 *    control word;
 *  - MSI-X table writes: msix.c's msix_write(), called through the
 *    hvm_mmio_ops init_msix() registered, as x86's HVM MMIO dispatch
 *    calls it (without the .check step, as xen417_msix.c explains):
 *    vpci_rcu_lock around msix_find()'s walk of the domain's RCU list of
 *    tables (patch 0011), adjacent_handle(), access_allowed(), the
 *    device's vpci->lock around the removal check, get_entry() and the
 *    vector control update, with x86's arch mask hook (a no-op of the
 *    module's, xen417_msix_dev.h, as the xen417 module's).
 * Xen's RCU is emulated as in the other xen417_lfvpci modules
 * (xen417_lfvpci_rcu.h): a read-side section is a per-thread counter,
 * call_rcu() queues its callback until rcu_barrier() at teardown.  4.17 has
 * no vPCI for guests: a guest's device is one at segment 1 whose gaps read
 * as all-ones (XEN_EMUL_GUESTS), found by the hardware domain's path of
 * vpci_read(), as in xen417_msix.c.  The two guests (msix_mask's, steady's)
 * are separate domains, each with its own list of MSI-X tables, as there;
 * `current` is per thread (XEN_EMUL_MSIX): the guest whose device an
 * access names.
 *
 * Stand-ins, as in xen417_msix.c: header.c is not compiled, so the state
 * its init_bars() and modify_decoding() leave for a memory BAR with
 * decoding on is set by an init hook of the module's (x_init(), beside
 * msix.c's init_msix(), before vpci_add_handlers() publishes the device):
 * BAR 0's address, size and type, enabled, bars_mapped; the same hook adds
 * the 23 registers (xen417_msix.c adds them after vpci_add_handlers(),
 * before its device list links the device: also before any access finds
 * it).  Then the guest enables MSI-X through vpci_write() (msix.c's
 * control_write()).
 *
 * Hot-plug is the series': the writer (steady's churn thread) unplugs with
 * vpci_remove_device() (unpublished from the registry, vpci->regs cleared
 * under vpci->lock, the table unlinked with list_del_rcu(), the state
 * freed by call_rcu()) and struct pci_dev is freed by call_rcu() too
 * (patch 0004); a replug is vpci_add_handlers() of a new pci_dev.  Both
 * under the writers' lock (pcidevs_lock).  The emulated RCU frees nothing
 * before teardown: at LFV_STEADY_CHURN_HZ (1000 changes a second) the
 * queue grows by what 500 plug/unplug cycles allocate a second (see
 * docs/bench/history.md, "The series inside Xen on MSI-X traffic").
 */
#include <stdio.h>

#include "xen_lfvpci_msix_emul.h"
#include "bench.h"
#include "device24.h"
#include "xen_cells.h"
#include "xen417_lfvpci_rcu.h"
#include "xen417_msix_dev.h"

struct x_dev {
    struct pci_dev pdev;
    struct rcu_head rcu;            /* freed after a grace period */
    unsigned int d;
    uint32_t cells[NREGS];
};

/* A guest and its devices: msix_mask's and steady's. */
struct x_sys {
    struct domain dom;
    struct vcpu vcpu;               /* the guest's, making the accesses */
    unsigned int first_dev;         /* device d is 0001:00:(first_dev+d).0 */
    struct x_dev *devs[NDEVS];
};

static struct x_sys msix_sys = { .dom.domain_id = 1, .first_dev = MSIX_DEV0 };
static struct x_sys steady_sys = { .dom.domain_id = 2,
                                   .first_dev = STEADY_DEV0 };
static pthread_mutex_t pcidevs_lock = PTHREAD_MUTEX_INITIALIZER;

__thread const struct vcpu *xen417_current
    __attribute__((tls_model("initial-exec")));

/* Every benchmark thread is one of steady's guest's vCPUs. */
static void x_thread_init(void)
{
    xen417_current = &steady_sys.vcpu;
}

/* A 4-byte table write of the guest, as x86's MMIO dispatch makes it. */
static inline int x_msix_write(struct x_sys *s, uint64_t addr, uint32_t val)
{
    return x_msix_ops->write(&s->vcpu, addr, 4, val);
}

/*
 * Beside init_msix(): the 23 registers on the device's cells, and the
 * state 4.17's header.c leaves with BAR 0 mapped, decoding on.
 */
static int x_init(struct pci_dev *pdev)
{
    struct x_dev *x = container_of(pdev, struct x_dev, pdev);
    struct vpci_bar *bar = &pdev->vpci->header.bars[0];

    for (unsigned int i = 0, c = 0; i < 24; i++) {
        int rc;

        if (lfv_bench_regs[i].offset == msix_control_reg(X_MSIX_CAP))
            continue;
        rc = vpci_add_register(pdev->vpci, cell_read, cell_write,
                               lfv_bench_regs[i].offset,
                               lfv_bench_regs[i].size, &x->cells[c++]);
        if (rc) {
            fprintf(stderr, "xen417_lfvpci: vpci_add_register(0x%x): %d\n",
                    lfv_bench_regs[i].offset, rc);
            return rc;
        }
    }
    bar->addr = TABLE(x->d);
    bar->size = X_BAR0_SIZE;
    bar->type = VPCI_BAR_MEM32;
    bar->enabled = true;
    pdev->vpci->header.bars_mapped = true;
    return 0;
}
REGISTER_VPCI_INIT(x_init, VPCI_PRIORITY_MIDDLE);

static void x_free(struct rcu_head *rcu)
{
    free(container_of(rcu, struct x_dev, rcu));
}

/* Plug device d into s's guest (the writer's side, or setup). */
static int x_plug(struct x_sys *s, unsigned int d)
{
    struct x_dev *x = calloc(1, sizeof(*x));
    const struct vcpu *cur = xen417_current;
    int rc;

    if (!x)
        return -ENOMEM;
    x_cells_init(x->cells);
    x->pdev.sbdf.seg = 1;
    x->pdev.sbdf.dev = s->first_dev + d;
    x->pdev.domain = &s->dom;
    x->d = d;
    pthread_mutex_lock(&pcidevs_lock);
    /* On failure it removed what it built (vpci_remove_device()). */
    rc = vpci_add_handlers(&x->pdev);
    if (!rc && !x->pdev.vpci->msix) {
        vpci_remove_device(&x->pdev);
        rc = -ENODEV;
    }
    if (rc)
        call_rcu(&x->rcu, x_free);
    else
        s->devs[d] = x;
    pthread_mutex_unlock(&pcidevs_lock);
    if (rc)
        return rc;
    /* The guest's driver enables MSI-X (msix.c's control_write()). */
    xen417_current = &s->vcpu;
    vpci_write(x->pdev.sbdf, msix_control_reg(X_MSIX_CAP), 2,
               PCI_MSIX_FLAGS_ENABLE);
    xen417_current = cur;
    return 0;
}

/* As pci_remove_device(): vPCI state, then struct pci_dev (patch 0004). */
static int x_unplug(struct x_sys *s, unsigned int d)
{
    struct x_dev *x = s->devs[d];

    pthread_mutex_lock(&pcidevs_lock);
    vpci_remove_device(&x->pdev);
    s->devs[d] = NULL;
    call_rcu(&x->rcu, x_free);
    pthread_mutex_unlock(&pcidevs_lock);
    return 0;
}

/* Every benchmark thread has stopped: the grace periods end. */
static void x_teardown(struct x_sys *s)
{
    for (unsigned int d = 0; d < NDEVS; d++)
        if (s->devs[d])
            x_unplug(s, d);
    rcu_barrier();
}

/*
 * Device d as the guest now sees it: its MSI-X table (x_check_table()),
 * then every register read through vpci_read() returning its value (the
 * MSI-X control word: enabled, not function-masked, 64 entries).
 */
static int x_check(struct x_sys *s, unsigned int d)
{
    const struct pci_dev *pdev = &s->devs[d]->pdev;
    const struct vcpu *cur = xen417_current;
    int rc = x_check_table("xen417_lfvpci", d, pdev->vpci->msix, &s->vcpu);

    if (rc)
        return rc;
    xen417_current = &s->vcpu;
    rc = x_check_reads("xen417_lfvpci", d, pdev->sbdf);
    xen417_current = cur;
    return rc;
}

static int x_setup(struct x_sys *s, unsigned int ndevs)
{
    int rc = 0;

    bench_hw_reset();
    INIT_LIST_HEAD(&s->dom.arch.hvm.msix_tables);
    s->vcpu.domain = &s->dom;
    for (unsigned int d = 0; d < ndevs && !rc; d++)
        rc = x_plug(s, d);
    for (unsigned int d = 0; d < ndevs && !rc; d++)
        rc = x_check(s, d);
    if (rc)
        x_teardown(s);
    return rc;
}

/* The accessing vCPU is per thread: x_thread_init(), x_plug(), x_check(). */
#define X_ENTER(s) ((void)(s))
#include "xen417_msix_workloads.h"
#define BENCH_THREAD_INIT() x_thread_init()
#define BENCH_THREAD_EXIT() ((void)0)
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen417_lfvpci"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417_lfvpci", x_thread_init, lfv_bench_nop);
