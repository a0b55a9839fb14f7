/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated devices from a C description: lay out the configuration space
 * a device of that shape would have at reset, then build it like any image.
 */
#include <errno.h>
#include <string.h>

#include "simhw_impl.h"

/* Where each capability goes; the chain follows this order. */
#define POS_PM 0x40
#define POS_MSI 0x50
#define POS_MSIX 0x70
#define POS_PCIE 0x80
#define POS_AER 0x100

static int put_bars(struct sim_image *img, const struct lfv_sim_device_desc *d)
{
    unsigned int nr = d->header_type == 1 ? 2 : 6;

    for (unsigned int i = 0; i < SIM_NR_BARS; i++) {
        const struct lfv_sim_bar_desc *bar = &d->bar[i];
        uint32_t type;

        if (bar->type == LFV_SIM_BAR_NONE)
            continue;
        if (i >= nr || bar->type > LFV_SIM_BAR_MEM64)
            return -EINVAL;
        if (bar->type == LFV_SIM_BAR_IO) {
            type = PCI_BASE_ADDRESS_SPACE_IO;
        } else {
            type = bar->prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0;
            if (bar->type == LFV_SIM_BAR_MEM64)
                type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
        }
        if (bar->type != LFV_SIM_BAR_MEM64 && bar->addr >> 32)
            return -EINVAL;
        sim_put(img->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4, (uint32_t)bar->addr | type);
        img->bar_size[i] = bar->size;
        if (bar->type == LFV_SIM_BAR_MEM64) {
            /* The high half must be free; sim_image_check() catches i=5. */
            if (i + 1 < SIM_NR_BARS) {
                if (d->bar[i + 1].type != LFV_SIM_BAR_NONE)
                    return -EINVAL;
                sim_put(img->cfg, PCI_BASE_ADDRESS_0 + 4 * (i + 1), 4,
                        (uint32_t)(bar->addr >> 32));
            }
            i++;
        }
    }
    return 0;
}

/* Append a capability header at pos to the chain ending at *link. */
static void chain(struct sim_image *img, unsigned int *link, unsigned int pos,
                  uint8_t id)
{
    img->cfg[*link] = (uint8_t)pos;
    img->cfg[pos] = id;
    *link = pos + 1;
}

static int put_msi(struct sim_image *img, const struct lfv_sim_msi_desc *m)
{
    unsigned int log2 = 0;

    while (log2 < 6 && (1u << log2) != m->vectors)
        log2++;
    if (log2 > 5)
        return -EINVAL;
    sim_put(img->cfg, POS_MSI + 2, 2,
            log2 << 1 | (m->addr64 ? 0x80 : 0) | (m->maskable ? 0x100 : 0));
    return 0;
}

/* The table and PBA must sit, 8-byte aligned, inside a memory BAR. */
static bool msix_fits(const struct lfv_sim_device_desc *d, unsigned int bir,
                      uint32_t off, uint64_t len)
{
    const struct lfv_sim_bar_desc *bar;

    if (bir >= SIM_NR_BARS || (off & 7))
        return false;
    bar = &d->bar[bir];
    return (bar->type == LFV_SIM_BAR_MEM32 ||
            bar->type == LFV_SIM_BAR_MEM64) &&
           off + len <= bar->size;
}

static int put_msix(struct sim_image *img, const struct lfv_sim_device_desc *d)
{
    const struct lfv_sim_msix_desc *m = &d->msix;

    if (m->table_size < 1 || m->table_size > 2048 ||
        !msix_fits(d, m->table_bir, m->table_offset, 16ull * m->table_size) ||
        !msix_fits(d, m->pba_bir, m->pba_offset,
                   8ull * ((m->table_size + 63) / 64)))
        return -EINVAL;
    sim_put(img->cfg, POS_MSIX + 2, 2, m->table_size - 1);
    sim_put(img->cfg, POS_MSIX + 4, 4, m->table_offset | m->table_bir);
    sim_put(img->cfg, POS_MSIX + 8, 4, m->pba_offset | m->pba_bir);
    return 0;
}

static int put_caps(struct sim_image *img, const struct lfv_sim_device_desc *d)
{
    unsigned int link = PCI_CAPABILITY_LIST;
    int rc = 0;

    if (d->pm) {
        chain(img, &link, POS_PM, PCI_CAP_ID_PM);
        sim_put(img->cfg, POS_PM + 2, 2, 0x0003); /* version 3 */
        if (d->pm_no_soft_reset)
            sim_put(img->cfg, POS_PM + 4, 2, 0x0008);
    }
    if (d->msi.present && !rc) {
        chain(img, &link, POS_MSI, PCI_CAP_ID_MSI);
        rc = put_msi(img, &d->msi);
    }
    if (d->msix.present && !rc) {
        chain(img, &link, POS_MSIX, PCI_CAP_ID_MSIX);
        rc = put_msix(img, d);
    }
    if (d->pcie) {
        chain(img, &link, POS_PCIE, PCI_CAP_ID_EXP);
        sim_put(img->cfg, POS_PCIE + 2, 2, 0x0002 | (d->pcie_type & 0xf) << 4);
    }
    if (d->aer && !d->pcie)
        return -EINVAL;
    if (d->aer)
        sim_put(img->cfg, POS_AER, 4, PCI_EXT_CAP_ID_ERR | 2u << 16);
    if (link != PCI_CAPABILITY_LIST)
        img->cfg[0x06] |= PCI_STATUS_CAP_LIST;
    return rc;
}

static int desc_to_image(struct sim_image *img,
                         const struct lfv_sim_device_desc *d)
{
    uint8_t *cfg = img->cfg;
    unsigned int rom_reg = d->header_type == 1 ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;

    if (d->header_type > 1 || d->interrupt_pin > 4 || d->rom_addr & 0x7ff)
        return -EINVAL;
    memset(img, 0, sizeof(*img));
    img->cfg_len = d->pcie ? LFV_CFG_SPACE_SIZE : SIM_CFG_CONV;
    sim_put(cfg, 0x00, 2, d->vendor);
    sim_put(cfg, 0x02, 2, d->device);
    cfg[0x08] = d->revision;
    sim_put(cfg, 0x09, 3, d->class_code);
    cfg[PCI_HEADER_TYPE] = d->header_type | (d->multifunction ? 0x80 : 0);
    if (d->header_type == 0) {
        sim_put(cfg, 0x2c, 2, d->subsys_vendor);
        sim_put(cfg, 0x2e, 2, d->subsys_device);
    }
    cfg[0x3d] = d->interrupt_pin;
    if (d->rom_size) {
        sim_put(cfg, rom_reg, 4, d->rom_addr);
        img->bar_size[SIM_ROM] = d->rom_size;
    }
    return put_bars(img, d) ?: put_caps(img, d);
}

int lfv_sim_add(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                const struct lfv_sim_device_desc *desc)
{
    struct sim_image *img;
    int rc;

    if (!b || !desc)
        return -EINVAL;
    img = lfv_malloc(sizeof(*img));
    if (!img)
        return -ENOMEM;
    rc = desc_to_image(img, desc);
    if (!rc)
        rc = sim_add_image(b, img, sbdf);
    lfv_free(img);
    return rc;
}
