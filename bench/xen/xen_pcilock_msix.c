/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A reproduction of Xen 4.19+'s locking for MSI-X table writes
 * (vpci/msix.c msix_write): the domain's pci_lock read-held, the domain's
 * list of MSI-X tables walked to find the device (msix_find), then the
 * device's vpci->lock spinlock held around the entry update and the arch
 * mask call.  Written from scratch; the same no-op hypervisor side as the
 * lfvpci module.  Workloads: msix_mask (bench/workloads/msix_mask.h) on one
 * device, and steady (bench/workloads/steady.h): config reads as in
 * xen_pcilock.h on the 24-register device, hot-plug under the domain's
 * pci_lock write-held (4.19+'s rule), frees after it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "xen_pcilock.h"
#include "bench.h"
#include "device24.h"

#define LFV_BENCH_MSIX_ENTRIES 64
#define TABLE 0xe0100000ull

struct entry {
    uint64_t addr;
    uint32_t data;
    bool masked, updated;
};

struct msix {
    struct msix *next;       /* d->arch.hvm.msix_tables */
    uint64_t table, size;    /* guest address of the table, bytes */
    pthread_spinlock_t *lock; /* the device's vpci->lock */
    bool enabled, masked;
    struct entry entries[LFV_BENCH_MSIX_ENTRIES];
};

struct domain {
    pthread_rwlock_t pci_lock;
    struct msix *msix_tables;
};

static struct domain dom;
static struct msix dev_msix;
static pthread_spinlock_t dev_lock;

static void (*volatile arch_mask)(struct entry *e, bool mask);

static void arch_mask_entry(struct entry *e, bool mask)
{
    __asm__ volatile("" : : "r"(e), "r"(mask) : "memory");
}

static struct msix *msix_find(struct domain *d, uint64_t addr)
{
    for (struct msix *m = d->msix_tables; m; m = m->next)
        if (addr - m->table < m->size)
            return m;
    return NULL;
}

static int msix_write(struct domain *d, uint64_t addr, uint32_t val)
{
    struct msix *m;
    struct entry *e;
    bool new_masked = val & 1;

    pthread_rwlock_rdlock(&d->pci_lock);
    m = msix_find(d, addr);
    if (!m) {
        pthread_rwlock_unlock(&d->pci_lock);
        return -1;
    }
    pthread_spin_lock(m->lock);
    e = &m->entries[(addr - m->table) / 16];
    if (m->enabled && e->masked != new_masked)
        arch_mask(e, new_masked);
    e->masked = new_masked;
    pthread_spin_unlock(m->lock);
    pthread_rwlock_unlock(&d->pci_lock);
    return 0;
}

static int msix_setup(const struct lfv_bench_env *env)
{
    (void)env;
    if (pthread_rwlock_init(&dom.pci_lock, NULL) ||
        pthread_spin_init(&dev_lock, PTHREAD_PROCESS_PRIVATE))
        return -1;
    arch_mask = arch_mask_entry;
    dev_msix.table = TABLE;
    dev_msix.size = 16 * LFV_BENCH_MSIX_ENTRIES;
    dev_msix.lock = &dev_lock;
    dev_msix.enabled = true;
    for (unsigned int i = 0; i < LFV_BENCH_MSIX_ENTRIES; i++)
        dev_msix.entries[i].masked = true;
    dom.msix_tables = &dev_msix;
    return 0;
}

static void msix_teardown(void)
{
    pthread_spin_destroy(&dev_lock);
    pthread_rwlock_destroy(&dom.pci_lock);
}

#define BENCH_MSIX_TABLE TABLE
#define BENCH_MSIX_WRITE(addr, val) msix_write(&dom, (addr), (val))

/* --- steady ------------------------------------------------------------- */

#define NDEVS 5 /* LFV_STEADY_DEVS + the churned one */

struct st_dev {
    struct pl_dev dev;
    struct msix msix;
    uint32_t cells[24];
};

static struct pl_domain guest = { .guest = true };
static struct msix *guest_msix;     /* the guest's d->arch.hvm.msix_tables */
static struct st_dev *st_devs[NDEVS];

static uint64_t st_table(unsigned int d)
{
    return TABLE + 0x10000ull * d;
}

/*
 * msix_write() on the guest's structures, with the steps 4.19+ takes for a
 * vector control write that msix_mask's minimal version leaves out:
 * access_allowed() (4 or 8 bytes, aligned) and the PBA check.
 */
static int st_msix_write(uint64_t addr, unsigned int len, uint32_t val)
{
    struct msix *m;
    struct entry *e;
    bool new_masked = val & 1;

    pthread_rwlock_rdlock(&guest.pci_lock);
    for (m = guest_msix; m; m = m->next)
        if (addr - m->table < m->size)
            break;
    if (!m || (len != 4 && len != 8) || (addr & (len - 1))) {
        pthread_rwlock_unlock(&guest.pci_lock);
        return m ? 0 : -1;
    }
    pthread_spin_lock(m->lock);
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
    pthread_spin_unlock(m->lock);
    pthread_rwlock_unlock(&guest.pci_lock);
    return 0;
}

static void st_free(struct st_dev *s)
{
    remove_all_registers(&s->dev);
    pthread_spin_destroy(&s->dev.lock);
    free(s);
}

static int steady_replug(unsigned int d)
{
    struct st_dev *s = calloc(1, sizeof(*s));
    int rc = 0;

    if (!s)
        return -ENOMEM;
    pthread_spin_init(&s->dev.lock, PTHREAD_PROCESS_PRIVATE);
    s->dev.sbdf = (d + 1) << 3;
    for (unsigned int i = 0; i < 24 && !rc; i++) {
        s->cells[i] = lfv_bench_reg_init(i);
        rc = add_register(&s->dev, pl_cell_read, pl_cell_write,
                          lfv_bench_regs[i].offset, lfv_bench_regs[i].size,
                          &s->cells[i]);
    }
    if (rc) {
        st_free(s);
        return rc;
    }
    s->msix.table = st_table(d);
    s->msix.size = 16 * LFV_BENCH_MSIX_ENTRIES;
    s->msix.lock = &s->dev.lock;
    s->msix.enabled = true;
    for (unsigned int i = 0; i < LFV_BENCH_MSIX_ENTRIES; i++)
        s->msix.entries[i].masked = true;
    pthread_rwlock_wrlock(&guest.pci_lock);
    s->dev.next = guest.devs;
    guest.devs = &s->dev;
    s->msix.next = guest_msix;
    guest_msix = &s->msix;
    st_devs[d] = s;
    pthread_rwlock_unlock(&guest.pci_lock);
    return 0;
}

static int steady_unplug(unsigned int d)
{
    struct st_dev *s = st_devs[d];
    struct pl_dev **dp;
    struct msix **mp;

    pthread_rwlock_wrlock(&guest.pci_lock);
    for (dp = &guest.devs; *dp && *dp != &s->dev; dp = &(*dp)->next)
        ;
    if (*dp)
        *dp = s->dev.next;
    for (mp = &guest_msix; *mp && *mp != &s->msix; mp = &(*mp)->next)
        ;
    if (*mp)
        *mp = s->msix.next;
    st_devs[d] = NULL;
    pthread_rwlock_unlock(&guest.pci_lock);
    st_free(s); /* no reader holds it: they hold pci_lock */
    return 0;
}

static void steady_teardown(void)
{
    for (unsigned int d = 0; d < NDEVS; d++)
        if (st_devs[d])
            steady_unplug(d);
    pthread_rwlock_destroy(&guest.pci_lock);
}

static int steady_setup(const struct lfv_bench_env *env)
{
    int rc = 0;

    (void)env;
    arch_mask = arch_mask_entry;
    pthread_rwlock_init(&guest.pci_lock, NULL);
    for (unsigned int d = 0; d < NDEVS && !rc; d++)
        rc = steady_replug(d);
    if (rc)
        steady_teardown();
    return rc;
}

#define BENCH_ST_READ(d, reg, size) pl_read(&guest, ((d) + 1) << 3, (reg), (size))
#define BENCH_ST_MSIX_WRITE(d, entry, val)                                  \
    st_msix_write(st_table(d) + 16 * (entry) + 12, 4, (val))
#define BENCH_THREAD_INIT() ((void)0)
#define BENCH_THREAD_EXIT() ((void)0)
#define BENCH_AFTER ((void)0)
#define LFV_BENCH_IMPL "xen_pcilock"
#include "lfv_bench_workloads.h"

LFV_BENCH_MODULE("xen_pcilock", lfv_bench_nop, lfv_bench_nop);
