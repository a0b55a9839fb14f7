/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Benchmark baseline "xen417" on steady (bench/workloads/steady.h): config
 * reads through Xen 4.17.5's own vpci_read() on LFV_STEADY_DEVS devices of
 * the guest (xen_emul.h, XEN_EMUL_GUESTS; the 24 registers of
 * bench/device24.h each), and MSI-X table writes reproducing the steps of
 * 4.17's msix_write() for a vector control write: msix_find() walks the
 * domain's list of MSI-X tables with no lock, access_allowed() and the PBA
 * check, then the device's vpci->lock (the lock vpci_read() takes) held
 * around the entry update and the arch mask call.
 *
 * Hot-plug follows 4.17 too: readers take no lock against removal, so the
 * writer unlinks a device and its table (list_del_rcu, which keeps the
 * removed node's link for a reader standing on it) and, where Xen would
 * free at once, keeps it until teardown so that the benchmark stays
 * memory-safe.  Writers serialise on a lock of their own (pcidevs_lock).
 */
#include "xen_emul.h"
#include "bench.h"
#include "device24.h"
#include "xen417_dev.h"

#define NDEVS 5 /* LFV_STEADY_DEVS + the churned one */
#define MSIX_ENTRIES 64
#define TABLE(d) (0xe0100000ull + 0x10000ull * (d))

struct x_entry {
    uint64_t addr;
    uint32_t data;
    bool masked, updated;
};

struct x_msix {
    struct list_head next;          /* d->arch.hvm.msix_tables */
    struct pci_dev *pdev;
    uint64_t table;
    bool enabled, masked;
    struct x_entry entries[MSIX_ENTRIES];
};

struct x_dev {
    struct pci_dev pdev;
    struct x_msix msix;
    uint32_t cells[24];
    struct x_dev *grave;            /* removed, freed at teardown */
};

static LIST_HEAD(msix_tables);
static struct x_dev *devs[NDEVS], *graveyard;
static pthread_mutex_t pcidevs_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t regs24[24][2];
static void (*volatile arch_mask)(struct x_entry *e, bool mask);

static void arch_mask_entry(struct x_entry *e, bool mask)
{
    __asm__ volatile("" : : "r"(e), "r"(mask) : "memory");
}

static struct x_msix *msix_find(uint64_t addr)
{
    struct x_msix *m;

    list_for_each_entry ( m, &msix_tables, next )
        if ( addr - m->table < 16 * MSIX_ENTRIES )
            return m;
    return NULL;
}

/* 4.17's access_allowed(): 4- or 8-byte, naturally aligned. */
static bool access_allowed(uint64_t addr, unsigned int len)
{
    return (len == 4 || len == 8) && !(addr & (len - 1));
}

static int x_msix_write(uint64_t addr, unsigned int len, uint32_t val)
{
    struct x_msix *m = msix_find(addr);
    struct x_entry *e;
    bool new_masked = val & 1;

    if (!m)
        return -1;
    if (!access_allowed(addr, len))
        return 0;
    if (addr - m->table >= 16 * MSIX_ENTRIES) /* the PBA: not written here */
        return 0;
    spin_lock(&m->pdev->vpci->lock);
    e = &m->entries[(addr - m->table) / 16];
    switch (addr & 15) {
    case 12: /* vector control */
        if (m->enabled && e->masked != new_masked)
            arch_mask(e, new_masked);
        e->masked = new_masked;
        break;
    default: /* address, data: steady does not write them */
        e->updated = true;
        break;
    }
    spin_unlock(&m->pdev->vpci->lock);
    return 0;
}

static int steady_replug(unsigned int d)
{
    struct x_dev *x = calloc(1, sizeof(*x));
    int rc;

    if (!x)
        return -ENOMEM;
    for (unsigned int i = 0; i < 24; i++)
        x->cells[i] = lfv_bench_reg_init(i);
    x->pdev.sbdf.seg = 1;
    x->pdev.sbdf.dev = d + 1;
    rc = x_dev_init(&x->pdev, regs24, 24, x->cells);
    if (rc) {
        free(x);
        return rc;
    }
    x->msix.pdev = &x->pdev;
    x->msix.table = TABLE(d);
    x->msix.enabled = true;
    for (unsigned int i = 0; i < MSIX_ENTRIES; i++)
        x->msix.entries[i].masked = true;
    pthread_mutex_lock(&pcidevs_lock);
    list_add_rcu(&x->pdev.domain_list, &xen417_guestdevs);
    list_add_rcu(&x->msix.next, &msix_tables);
    devs[d] = x;
    pthread_mutex_unlock(&pcidevs_lock);
    return 0;
}

static int steady_unplug(unsigned int d)
{
    struct x_dev *x = devs[d];

    pthread_mutex_lock(&pcidevs_lock);
    list_del_rcu(&x->pdev.domain_list);
    list_del_rcu(&x->msix.next);
    devs[d] = NULL;
    x->grave = graveyard;
    graveyard = x;
    pthread_mutex_unlock(&pcidevs_lock);
    return 0;
}

static void steady_teardown(void)
{
    for (unsigned int d = 0; d < NDEVS; d++)
        if (devs[d])
            steady_unplug(d);
    while (graveyard) {
        struct x_dev *x = graveyard;

        graveyard = x->grave;
        x_dev_fini(&x->pdev, regs24, 24);
        free(x);
    }
}

static int steady_setup(const struct lfv_bench_env *env)
{
    int rc = 0;

    (void)env;
    bench_hw_reset();
    arch_mask = arch_mask_entry;
    for (unsigned int i = 0; i < 24; i++) {
        regs24[i][0] = (uint16_t)lfv_bench_regs[i].offset;
        regs24[i][1] = (uint16_t)lfv_bench_regs[i].size;
    }
    for (unsigned int d = 0; d < NDEVS && !rc; d++)
        rc = steady_replug(d);
    if (rc)
        steady_teardown();
    return rc;
}

static inline uint32_t st_read(unsigned int d, unsigned int reg,
                               unsigned int size)
{
    pci_sbdf_t sbdf = { .seg = 1 };

    sbdf.dev = d + 1;
    return vpci_read(sbdf, reg, size);
}

#define BENCH_ST_READ(d, reg, size) st_read((d), (reg), (size))
#define BENCH_ST_MSIX_WRITE(d, entry, val)                                  \
    x_msix_write(TABLE(d) + 16 * (entry) + 12, 4, (val))
#define BENCH_THREAD_INIT() ((void)0)
#define BENCH_THREAD_EXIT() ((void)0)
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen417"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen417", lfv_bench_nop, lfv_bench_nop);
