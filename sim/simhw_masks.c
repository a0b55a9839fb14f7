/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which configuration bits a simulated device lets software change.
 *
 * Every bit is read-only unless a layout below marks it writable (wmask) or
 * write-1-to-clear (w1cmask).  The header, the BARs and each capability
 * contribute their own fields; a new capability is one function and one
 * line in cap_layouts[].  Field choices follow the PCI 3.0 and PCIe 6.0
 * register descriptions, keeping bits that always read 0 (FLR initiate,
 * retrain link) out of the writable set.
 */
#include "simhw_impl.h"

/*
 * Mark bits of a field that lies inside one dword.  A capability placed at
 * the very end of the space (a malformed image) loses its fields past it.
 */
static void rw(struct sim_dev *dev, unsigned int off, uint32_t bits)
{
    if (off < LFV_CFG_SPACE_SIZE)
        dev->wmask[off / 4] |= bits << (8 * (off & 3));
}

static void w1c(struct sim_dev *dev, unsigned int off, uint32_t bits)
{
    if (off < LFV_CFG_SPACE_SIZE)
        dev->w1cmask[off / 4] |= bits << (8 * (off & 3));
}

/* ---- headers ---- */

#define COMMAND_RW 0x057fu /* IO..PARITY (bits 0-6), SERR, INTX_DISABLE */
#define STATUS_W1C 0xf900u /* master data parity, target/master aborts,
                            * signalled system error, detected parity */

static void common_header(struct sim_dev *dev)
{
    rw(dev, 0x04, COMMAND_RW);
    w1c(dev, 0x06, STATUS_W1C);
    rw(dev, 0x0c, 0xff); /* cache line size */
    rw(dev, 0x3c, 0xff); /* interrupt line: scratch for software */
}

static void bridge_header(struct sim_dev *dev, const uint8_t *cfg)
{
    rw(dev, 0x18, 0xffffffffu); /* bus numbers, secondary latency */
    rw(dev, 0x1c, 0xf0f0);      /* I/O base/limit; low nibble: decode type */
    w1c(dev, 0x1e, STATUS_W1C); /* secondary status */
    rw(dev, 0x20, 0xfff0fff0u); /* memory base/limit */
    rw(dev, 0x24, 0xfff0fff0u); /* prefetchable base/limit */
    if ((cfg[0x24] & 0xf) == 1) { /* 64-bit prefetchable window */
        rw(dev, 0x28, 0xffffffffu);
        rw(dev, 0x2c, 0xffffffffu);
    }
    if ((cfg[0x1c] & 0xf) == 1) /* 32-bit I/O window */
        rw(dev, 0x30, 0xffffffffu);
    rw(dev, 0x3e, 0x007f); /* bridge control up to secondary bus reset */
}

/* A BAR decodes the address bits above its size; type bits stay. */
static void bar_masks(struct sim_dev *dev, const struct sim_image *img)
{
    unsigned int nr = sim_nr_bars(img->cfg), rom = sim_rom_reg(img->cfg);

    for (unsigned int i = 0; i < nr; i++) {
        uint32_t reg = sim_get(img->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4);
        uint64_t decode = ~(img->bar_size[i] - 1);

        if (!img->bar_size[i])
            continue;
        if (reg & PCI_BASE_ADDRESS_SPACE_IO) {
            rw(dev, PCI_BASE_ADDRESS_0 + 4 * i, (uint32_t)decode & ~3u);
            continue;
        }
        rw(dev, PCI_BASE_ADDRESS_0 + 4 * i, (uint32_t)decode & ~0xfu);
        if ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64)
            rw(dev, PCI_BASE_ADDRESS_0 + 4 * ++i, (uint32_t)(decode >> 32));
    }
    if (img->bar_size[SIM_ROM] && rom)
        rw(dev, rom, ((uint32_t)~(img->bar_size[SIM_ROM] - 1) & 0xfffff800u) |
                         1u /* enable */);
}

/* ---- capabilities ---- */

static void pm_masks(struct sim_dev *dev, const uint8_t *cfg, unsigned pos)
{
    (void)cfg;
    rw(dev, pos + 4, 0x0103);  /* PMCSR power state, PME_En */
    w1c(dev, pos + 4, 0x8000); /* PME_Status */
}

static void msi_masks(struct sim_dev *dev, const uint8_t *cfg, unsigned pos)
{
    uint32_t ctrl = sim_get(cfg, pos + 2, 2);
    unsigned int is64 = ctrl & 0x80 ? 4 : 0;
    unsigned int vectors = 1u << ((ctrl >> 1) & 7);

    rw(dev, pos + 2, 0x0071);     /* enable, multiple message enable */
    rw(dev, pos + 4, 0xfffffffcu); /* address: dword aligned */
    if (is64)
        rw(dev, pos + 8, 0xffffffffu);
    rw(dev, pos + 8 + is64, 0xffff); /* data */
    if (ctrl & 0x100) /* per-vector masking: one bit per capable vector */
        rw(dev, pos + 0xc + is64,
           vectors >= 32 ? 0xffffffffu : (1u << vectors) - 1);
}

static void msix_masks(struct sim_dev *dev, const uint8_t *cfg, unsigned pos)
{
    (void)cfg;
    rw(dev, pos + 2, 0xc000); /* MSI-X enable, function mask */
}

#define PCIE_TYPE_ROOT_PORT 4
#define PCIE_TYPE_DOWNSTREAM 6
#define PCIE_TYPE_RCEC 10

static void pcie_masks(struct sim_dev *dev, const uint8_t *cfg, unsigned pos)
{
    uint32_t flags = sim_get(cfg, pos + 2, 2);
    unsigned int type = (flags >> 4) & 0xf;
    bool port = type == PCIE_TYPE_ROOT_PORT || type == PCIE_TYPE_DOWNSTREAM;

    rw(dev, pos + 0x08, 0x7fff);        /* device control */
    w1c(dev, pos + 0x0a, 0x000f);       /* device status error bits */
    rw(dev, pos + 0x10, port ? 0x0fdb : 0x0fcb); /* link control */
    if (port)
        w1c(dev, pos + 0x12, 0xc000);   /* link bandwidth management */
    if (port && (flags & 0x100)) {      /* slot implemented */
        rw(dev, pos + 0x18, 0x1fff);
        w1c(dev, pos + 0x1a, 0x011f);
    }
    if (type == PCIE_TYPE_ROOT_PORT || type == PCIE_TYPE_RCEC) {
        rw(dev, pos + 0x1c, 0x001f);    /* root control */
        w1c(dev, pos + 0x20, 0x00010000u); /* PME status */
    }
    if ((flags & 0xf) < 2)
        return;
    rw(dev, pos + 0x28, 0xffff);        /* device control 2 */
    rw(dev, pos + 0x30, 0xffbf);        /* link control 2 */
    w1c(dev, pos + 0x32, 0x0020);       /* link equalization request */
}

#define AER_UE_BITS 0x07fff030u /* DLP .. poisoned TLP egress blocked */
#define AER_CE_BITS 0x0000f1c1u /* receiver error .. header log overflow */

static void aer_masks(struct sim_dev *dev, const uint8_t *cfg, unsigned pos)
{
    (void)cfg;
    w1c(dev, pos + 0x04, AER_UE_BITS);
    rw(dev, pos + 0x08, AER_UE_BITS);   /* uncorrectable mask */
    rw(dev, pos + 0x0c, AER_UE_BITS);   /* uncorrectable severity */
    w1c(dev, pos + 0x10, AER_CE_BITS);
    rw(dev, pos + 0x14, AER_CE_BITS);   /* correctable mask */
    rw(dev, pos + 0x18, 0x0540);        /* ECRC gen/check, multi header */
}

/*
 * SR-IOV (PCIe 9.3.3): the control register (VF Enable, VF Migration
 * Enable, Migration Interrupt Enable, VF MSE, ARI Capable Hierarchy) and
 * NumVFs.  No VF appears: the simulator has no function for it.
 */
static void sriov_masks(struct sim_dev *dev, const uint8_t *cfg,
                        unsigned pos)
{
    (void)cfg;
    rw(dev, pos + PCI_SRIOV_CTRL, 0x001f);
    rw(dev, pos + 0x10, 0xffff);
}

struct sim_cap_layout {
    unsigned int id;
    bool ext;
    void (*apply)(struct sim_dev *dev, const uint8_t *cfg, unsigned pos);
};

static const struct sim_cap_layout cap_layouts[] = {
    { PCI_CAP_ID_PM, false, pm_masks },
    { PCI_CAP_ID_MSI, false, msi_masks },
    { PCI_CAP_ID_MSIX, false, msix_masks },
    { PCI_CAP_ID_EXP, false, pcie_masks },
    { PCI_EXT_CAP_ID_ERR, true, aer_masks },
    { PCI_EXT_CAP_ID_SRIOV, true, sriov_masks },
};

static void apply_cap(struct sim_dev *dev, const uint8_t *cfg,
                      unsigned int id, bool ext, unsigned int pos)
{
    for (unsigned int i = 0; i < LFV_ARRAY_SIZE(cap_layouts); i++) {
        if (cap_layouts[i].id == id && cap_layouts[i].ext == ext)
            cap_layouts[i].apply(dev, cfg, pos);
    }
}

/* Walks bounded as in sim_find_cap(). */
static void std_cap_masks(struct sim_dev *dev, const uint8_t *cfg)
{
    unsigned int pos, ttl = 48;

    if (!(sim_get(cfg, 0x06, 2) & PCI_STATUS_CAP_LIST))
        return;
    pos = cfg[PCI_CAPABILITY_LIST] & ~3u;
    while (pos >= 0x40 && pos <= 0xfc && ttl--) {
        apply_cap(dev, cfg, cfg[pos], false, pos);
        pos = cfg[pos + 1] & ~3u;
    }
}

static void ext_cap_masks(struct sim_dev *dev, const uint8_t *cfg)
{
    unsigned int pos = 0x100, ttl = (4096 - 256) / 8;

    while (pos >= 0x100 && pos <= 0xffc && ttl--) {
        uint32_t hdr = sim_get(cfg, pos, 4);

        if (!hdr)
            return;
        apply_cap(dev, cfg, hdr & 0xffff, true, pos);
        pos = (hdr >> 20) & ~3u;
    }
}

void sim_dev_build_masks(struct sim_dev *dev, const struct sim_image *img)
{
    common_header(dev);
    if (sim_header_type(img->cfg) == 1)
        bridge_header(dev, img->cfg);
    bar_masks(dev, img);
    std_cap_masks(dev, img->cfg);
    if (dev->cfg_size > SIM_CFG_CONV)
        ext_cap_masks(dev, img->cfg);
}
