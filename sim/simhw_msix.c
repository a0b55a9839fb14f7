/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device memory of the simulated bridge: MSI-X tables and PBAs inside the
 * BARs that currently decode memory.  Everything else in a BAR reads
 * all-ones and drops writes.
 */
#include <errno.h>

#include "../core/rcu_fast.h"
#include "simhw_impl.h"

/* Writable bits of each dword of a table entry (PCIe 7.7.2). */
static const uint32_t entry_wmask[4] = {
    0xfffffffcu, /* message address: dword aligned */
    0xffffffffu, /* message upper address */
    0xffffffffu, /* message data */
    0x00000001u, /* vector control: mask bit */
};

/* The memory BAR of dev holding addr while decoding is on, or -1. */
static int dev_decode(const struct sim_dev *dev, uint64_t addr,
                      uint64_t *off)
{
    if (!(sim_dev_load(dev, PCI_COMMAND) & PCI_COMMAND_MEMORY))
        return -1;
    for (unsigned int i = 0; i < SIM_NR_BARS; i++) {
        uint32_t reg = sim_dev_load(dev, PCI_BASE_ADDRESS_0 + 4 * i);
        uint64_t base;

        if (!dev->bar_size[i] || (reg & PCI_BASE_ADDRESS_SPACE_IO))
            continue;
        base = sim_dev_bar_base(dev, i);
        if (addr - base < dev->bar_size[i]) {
            *off = addr - base;
            return (int)i;
        }
    }
    return -1;
}

/* First device (in SBDF order) whose enabled BAR holds addr. */
static struct sim_dev *mmio_decode(struct lfv_sim_bridge *b, uint64_t addr,
                                   unsigned int *bar, uint64_t *off)
{
    unsigned int nr;
    struct sim_dev *const *devs = sim_bridge_devices(b, &nr);

    for (unsigned int i = 0; i < nr; i++) {
        int hit = dev_decode(devs[i], addr, off);

        if (hit >= 0) {
            *bar = (unsigned int)hit;
            return devs[i];
        }
    }
    return NULL;
}

/* The dword at BAR offset off: table, PBA (wmask 0) or nothing (NULL). */
static uint32_t *msix_dword(struct sim_dev *dev, unsigned int bar,
                            uint64_t off, uint32_t *wmask)
{
    const struct sim_msix *m = &dev->msix;
    uint64_t t = off - m->table_off, p = off - m->pba_off;

    if (!m->nr)
        return NULL;
    if (bar == m->table_bir && t < 16ull * m->nr) {
        *wmask = entry_wmask[(t / 4) % 4];
        return &m->table[t / 4];
    }
    if (bar == m->pba_bir && p < 8ull * ((m->nr + 63) / 64)) {
        *wmask = 0;
        return &m->pba[p / 4];
    }
    return NULL;
}

static uint32_t lane_mask(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* Read size (1, 2, 4) bytes at off, inside one dword. */
static uint32_t piece_read(struct sim_dev *dev, unsigned int bar,
                           uint64_t off, unsigned int size)
{
    uint32_t wmask, *word = msix_dword(dev, bar, off & ~3ull, &wmask);
    uint32_t v = word ? __atomic_load_n(word, __ATOMIC_RELAXED) : ~0u;

    return (v >> (8 * (off & 3))) & lane_mask(size);
}

/* Write one piece; device lock held so the merge is atomic. */
static void piece_write(struct sim_dev *dev, unsigned int bar, uint64_t off,
                        unsigned int size, uint32_t val)
{
    unsigned int shift = 8 * (off & 3);
    uint32_t wmask, *word = msix_dword(dev, bar, off & ~3ull, &wmask);

    if (!word || !wmask)
        return;
    __atomic_store_n(word,
                     sim_merge_write(*word, val << shift,
                                     lane_mask(size) << shift, wmask, 0),
                     __ATOMIC_RELAXED);
}

static bool mmio_size_ok(uint64_t addr, unsigned int size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) &&
           !(addr & (size - 1));
}

int lfv_sim_mmio_read(struct lfv_sim_bridge *b, uint64_t addr,
                      unsigned int size, uint64_t *val)
{
    struct sim_dev *dev;
    unsigned int bar;
    uint64_t off;
    int rc = -ENODEV;

    if (!b || !val || !mmio_size_ok(addr, size))
        return -EINVAL;
    *val = size == 8 ? ~0ull : lane_mask(size);
    lfv_rcu_fast_lock();
    dev = mmio_decode(b, addr, &bar, &off);
    if (dev) {
        rc = 0;
        if (size == 8)
            *val = piece_read(dev, bar, off, 4) |
                   (uint64_t)piece_read(dev, bar, off + 4, 4) << 32;
        else
            *val = piece_read(dev, bar, off, size);
    }
    lfv_rcu_fast_unlock();
    return rc;
}

int lfv_sim_mmio_write(struct lfv_sim_bridge *b, uint64_t addr,
                       unsigned int size, uint64_t val)
{
    struct sim_dev *dev;
    unsigned int bar;
    uint64_t off;
    int rc = -ENODEV;

    if (!b || !mmio_size_ok(addr, size))
        return -EINVAL;
    lfv_rcu_fast_lock();
    dev = mmio_decode(b, addr, &bar, &off);
    if (dev) {
        rc = 0;
        lfv_lock(&dev->lock);
        if (size == 8) {
            piece_write(dev, bar, off, 4, (uint32_t)val);
            piece_write(dev, bar, off + 4, 4, (uint32_t)(val >> 32));
        } else {
            piece_write(dev, bar, off, size, (uint32_t)val);
        }
        lfv_unlock(&dev->lock);
    }
    lfv_rcu_fast_unlock();
    return rc;
}
