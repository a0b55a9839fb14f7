/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated device: from an image (configuration bytes and BAR sizes) to a
 * device, after checking that the two agree the way hardware would.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/msix_place.h"
#include "simhw_impl.h"

/* Standard list: pointers have their low two bits ignored (PCI 3.0 6.7). */
static unsigned int find_std_cap(const uint8_t *cfg, unsigned int id)
{
    unsigned int pos, ttl = 48; /* (256 - 64) / 4 links at most */

    if (!(sim_get(cfg, 0x06, 2) & PCI_STATUS_CAP_LIST))
        return 0;
    pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
    while (pos >= 0x40 && ttl--) {
        if (cfg[pos] == id)
            return pos;
        pos = cfg[pos + 1] & ~3u;
    }
    return 0;
}

/* Extended list from 0x100: ID 15:0, next 31:20 (PCIe 7.6.3). */
static unsigned int find_ext_cap(const uint8_t *cfg, unsigned int id)
{
    unsigned int pos = 0x100, ttl = (4096 - 256) / 8;

    while (pos >= 0x100 && ttl--) {
        uint32_t hdr = sim_get(cfg, pos, 4);

        if (!hdr)
            return 0;
        if ((hdr & 0xffff) == id)
            return pos;
        pos = (hdr >> 20) & ~3u;
    }
    return 0;
}

unsigned int sim_find_cap(const uint8_t *cfg, unsigned int id, bool ext)
{
    return ext ? find_ext_cap(cfg, id) : find_std_cap(cfg, id);
}

static bool bar_is_io(uint32_t reg)
{
    return reg & PCI_BASE_ADDRESS_SPACE_IO;
}

static bool bar_is_mem64(uint32_t reg)
{
    return !bar_is_io(reg) &&
           (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/* The address a BAR register pair holds in an image. */
static uint64_t image_bar_addr(const uint8_t *cfg, unsigned int bar)
{
    uint32_t lo = sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4);

    if (bar_is_io(lo))
        return lo & ~3u;
    if (bar_is_mem64(lo) && bar < 5)
        return (lo & ~0xfu) |
               (uint64_t)sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar + 4, 4) << 32;
    return lo & ~0xfu;
}

/* End (exclusive) of the MSI-X structures an image puts in a BAR. */
static uint64_t msix_end_in_bar(const uint8_t *cfg, unsigned int bar)
{
    unsigned int pos = sim_find_cap(cfg, PCI_CAP_ID_MSIX, false);
    uint64_t end = 0;
    uint32_t nr, t, p;

    if (!pos)
        return 0;
    nr = (sim_get(cfg, pos + 2, 2) & 0x7ff) + 1;
    t = sim_get(cfg, pos + 4, 4);
    p = sim_get(cfg, pos + 8, 4);
    if ((t & 7) == bar)
        end = (uint64_t)(t & ~7u) + 16 * nr;
    if ((p & 7) == bar && (uint64_t)(p & ~7u) + 8 * ((nr + 63) / 64) > end)
        end = (uint64_t)(p & ~7u) + 8 * ((nr + 63) / 64);
    return end;
}

static uint64_t round_up_pow2(uint64_t x)
{
    uint64_t p = 1;

    while (p < x)
        p <<= 1;
    return p;
}

/* A size for a BAR its source did not size: see lfv_sim_add_lspci(). */
static uint64_t default_size(const uint8_t *cfg, unsigned int bar)
{
    uint64_t need;

    if (bar == SIM_ROM)
        return 4096;
    if (bar_is_io(sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4)))
        return 4;
    need = msix_end_in_bar(cfg, bar);
    return round_up_pow2(need > 4096 ? need : 4096);
}

/* Why a BAR's size contradicts its register; NULL when it does not. */
static const char *bar_problem(const uint8_t *cfg, unsigned int bar,
                               uint64_t size, unsigned int nr_bars)
{
    uint32_t reg = sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
    uint64_t addr = image_bar_addr(cfg, bar);

    if (bar >= nr_bars)
        return "the header type has no such BAR";
    if (!sim_is_pow2(size))
        return "size is not a power of two";
    if (bar_is_io(reg)) {
        if (size < 4)
            return "an I/O BAR is at least 4 bytes";
        if (size > (1ull << 31))
            return "more than a BAR can hold (I/O: 2 GiB)";
    } else {
        if ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == 0x6)
            return "memory type 11b in the BAR register is reserved";
        if (bar_is_mem64(reg) && bar == nr_bars - 1)
            return "a 64-bit BAR in the last slot has no high half";
        if (!bar_is_mem64(reg) && size > (1ull << 31))
            return "more than a 32-bit BAR can hold (2 GiB)";
        if (size < 16)
            return "a memory BAR is at least 16 bytes";
    }
    return addr & (size - 1) ? "address in the BAR register is not aligned "
                               "to the size" : NULL;
}

static const char *rom_problem(const uint8_t *cfg, uint64_t size)
{
    unsigned int reg = sim_rom_reg(cfg);

    if (!reg)
        return "the header type has no expansion ROM";
    if (!sim_is_pow2(size))
        return "size is not a power of two";
    if (size < SIM_ROM_MIN)
        return "an expansion ROM is at least 2 KiB";
    if (size > (1ull << 31))
        return "more than a ROM BAR can hold (2 GiB)";
    return sim_get(cfg, reg, 4) & 0xfffff800u & (uint32_t)(size - 1)
               ? "address in the ROM register is not aligned to the size"
               : NULL;
}

static int image_refuse(struct lfv_sim_error *err, int *which, int idx,
                        uint64_t size, const char *why)
{
    if (which)
        *which = idx;
    if (err && idx == SIM_ROM)
        snprintf(err->reason, sizeof(err->reason),
                 "expansion ROM: size 0x%" PRIx64 ": %s", size, why);
    else if (err && idx >= 0)
        snprintf(err->reason, sizeof(err->reason),
                 "BAR %d: size 0x%" PRIx64 ": %s", idx, size, why);
    else if (err)
        snprintf(err->reason, sizeof(err->reason), "%s", why);
    return -EINVAL;
}

int sim_image_check(struct sim_image *img, struct lfv_sim_error *err,
                    int *which)
{
    unsigned int nr = sim_nr_bars(img->cfg);
    const char *why;

    if (which)
        *which = -1;
    if (img->cfg_len < 64 || img->cfg_len > LFV_CFG_SPACE_SIZE)
        return image_refuse(err, which, -1, 0, "configuration space "
                            "shorter than 64 or longer than 4096 bytes");
    for (unsigned int i = 0; i <= SIM_ROM; i++) {
        if (img->bar_size[i] == SIM_SIZE_UNKNOWN)
            img->bar_size[i] = default_size(img->cfg, i);
    }
    for (unsigned int i = 0; i < SIM_NR_BARS; i++) {
        uint64_t size = img->bar_size[i];

        if (!size)
            continue;
        why = bar_problem(img->cfg, i, size, nr);
        if (why)
            return image_refuse(err, which, (int)i, size, why);
        /* The high half of a 64-bit BAR is not a BAR of its own. */
        if (bar_is_mem64(sim_get(img->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4)) &&
            img->bar_size[++i])
            return image_refuse(err, which, (int)i, img->bar_size[i],
                                "this is the high half of the 64-bit "
                                "BAR before it");
    }
    if (img->bar_size[SIM_ROM]) {
        why = rom_problem(img->cfg, img->bar_size[SIM_ROM]);
        if (why)
            return image_refuse(err, which, SIM_ROM,
                                img->bar_size[SIM_ROM], why);
    }
    return 0;
}

int sim_image_msix_check(struct sim_image *img, const char **why)
{
    struct lfv_msix_bar bars[LFV_MSIX_NR_BARS] = { { 0, 0 } };
    unsigned int pos, nr = sim_nr_bars(img->cfg), bir[2];
    uint64_t off[2], size[2];
    uint32_t entries, t, p;

    if (why)
        *why = NULL;
    if (sim_image_check(img, NULL, NULL)) {
        if (why)
            *why = "the BAR sizes contradict the BAR registers";
        return -EINVAL;
    }
    pos = sim_find_cap(img->cfg, PCI_CAP_ID_MSIX, false);
    if (!pos)
        return 0;
    for (unsigned int i = 0; i < nr && i < LFV_MSIX_NR_BARS; i++) {
        uint32_t reg = sim_get(img->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4);

        if (!img->bar_size[i])
            continue;
        bars[i].size = img->bar_size[i];
        bars[i].kind = bar_is_io(reg) ? LFV_MSIX_BAR_IO : LFV_MSIX_BAR_MEM;
        if (bar_is_mem64(reg) && i + 1 < LFV_MSIX_NR_BARS)
            bars[++i].kind = LFV_MSIX_BAR_MEM64_HI;
    }
    entries = (sim_get(img->cfg, pos + 2, 2) & 0x7ff) + 1;
    t = sim_get(img->cfg, pos + 4, 4);
    p = sim_get(img->cfg, pos + 8, 4);
    bir[0] = t & 7;
    off[0] = t & ~7u;
    size[0] = 16ull * entries;
    bir[1] = p & 7;
    off[1] = p & ~7u;
    size[1] = 8ull * ((entries + 63) / 64);
    return lfv_msix_place_check_both(bars, bir, off, size, why);
}

/* MSI-X geometry from the capability; table and PBA allocated. */
static int msix_init(struct sim_dev *dev, const uint8_t *cfg)
{
    unsigned int pos = sim_find_cap(cfg, PCI_CAP_ID_MSIX, false);
    struct sim_msix *m = &dev->msix;
    uint32_t t, p;

    if (!pos)
        return 0;
    t = sim_get(cfg, pos + 4, 4);
    p = sim_get(cfg, pos + 8, 4);
    m->nr = (sim_get(cfg, pos + 2, 2) & 0x7ff) + 1;
    m->table_bir = t & 7;
    m->table_off = t & ~7u;
    m->pba_bir = p & 7;
    m->pba_off = p & ~7u;
    m->table = lfv_zalloc(m->nr * 16);
    m->pba = lfv_zalloc((m->nr + 63) / 64 * 8);
    if (!m->table || !m->pba)
        return -ENOMEM;
    /* Every vector is masked at reset (PCIe 7.7.2.4, vector control). */
    for (unsigned int i = 0; i < m->nr; i++)
        m->table[4 * i + 3] = 1;
    return 0;
}

/* Configuration space size: see the file comment of <lfvpci/simhw.h>. */
static unsigned int cfg_space_size(const struct sim_image *img)
{
    if (img->cfg_len > SIM_CFG_CONV ||
        sim_find_cap(img->cfg, PCI_CAP_ID_EXP, false))
        return LFV_CFG_SPACE_SIZE;
    return SIM_CFG_CONV;
}

int sim_dev_create(const struct sim_image *img, lfv_sbdf_t sbdf,
                   struct sim_dev **out)
{
    struct sim_image checked = *img;
    struct sim_dev *dev;
    int rc = sim_image_check(&checked, NULL, NULL);

    if (rc)
        return rc;
    dev = lfv_zalloc(sizeof(*dev));
    if (!dev)
        return -ENOMEM;
    lfv_lock_init(&dev->lock);
    dev->sbdf = sbdf;
    dev->cfg_size = cfg_space_size(&checked);
    memcpy(dev->bar_size, checked.bar_size, sizeof(dev->bar_size));
    for (unsigned int i = 0; i < LFV_CFG_SPACE_SIZE / 4; i++)
        dev->cfg[i] = sim_get(checked.cfg, 4 * i, 4);
    sim_dev_build_masks(dev, &checked);
    rc = msix_init(dev, checked.cfg);
    if (rc) {
        sim_dev_free(dev);
        return rc;
    }
    *out = dev;
    return 0;
}

void sim_dev_free(struct sim_dev *dev)
{
    lfv_free(dev->msix.table);
    lfv_free(dev->msix.pba);
    lfv_lock_destroy(&dev->lock);
    lfv_free(dev);
}

uint64_t sim_dev_bar_base(const struct sim_dev *dev, unsigned int bar)
{
    uint32_t lo = sim_dev_load(dev, PCI_BASE_ADDRESS_0 + 4 * bar);

    if (bar_is_mem64(lo) && bar < 5)
        return (lo & ~0xfu) |
               (uint64_t)sim_dev_load(dev, PCI_BASE_ADDRESS_0 + 4 * bar + 4) << 32;
    return lo & ~0xfu;
}
