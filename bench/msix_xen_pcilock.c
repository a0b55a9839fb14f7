/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * msix_mask on a reproduction of Xen 4.19+'s locking for MSI-X table
 * writes (vpci/msix.c msix_write): the domain's pci_lock read-held, the
 * domain's list of MSI-X tables walked to find the device (msix_find),
 * then the device's vpci->lock spinlock held around the entry update and
 * the arch mask call.  Written from scratch; the same no-op hypervisor
 * side as the lfvpci module.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "msix_impl.h"

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

static int setup(void)
{
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

static void teardown(void)
{
    pthread_spin_destroy(&dev_lock);
    pthread_rwlock_destroy(&dom.pci_lock);
}

static void thread_nop(void)
{
}

static uint64_t run(unsigned int thread, uint64_t iters)
{
    uint64_t ctrl = TABLE + 16 * ((4 * thread) % LFV_BENCH_MSIX_ENTRIES) + 12;
    uint64_t ok = 0;

    for (uint64_t i = 0; i < iters; i++)
        ok += !msix_write(&dom, ctrl, (uint32_t)(i & 1));
    return ok;
}

__attribute__((visibility("default")))
const struct lfv_bench_msix_impl lfv_bench_msix_impl = {
    .name = "xen_pcilock",
    .setup = setup,
    .teardown = teardown,
    .thread_init = thread_nop,
    .thread_exit = thread_nop,
    .run = run,
};
