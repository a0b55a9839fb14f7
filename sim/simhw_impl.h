/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the simulated host bridge (<lfvpci/simhw.h>).
 *
 * Every source of a device (C description, lspci text, sysfs directory)
 * produces a struct sim_image: configuration bytes plus the BAR sizes that
 * the bytes cannot tell.  sim_dev_create() turns an image into a device,
 * deriving each bit's write behaviour from the layout (simhw_masks.c).
 */
#ifndef LFV_CORE_SIMHW_IMPL_H
#define LFV_CORE_SIMHW_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "../core/pci_regs.h"
#include "../core/platform.h"

#define SIM_CFG_CONV 256u
#define SIM_NR_BARS 6
#define SIM_ROM 6 /* index of the ROM in bar_size[] */

#define SIM_ROM_MIN 2048u

struct sim_image {
    uint8_t cfg[LFV_CFG_SPACE_SIZE];
    unsigned int cfg_len;             /* bytes with content: 64..4096 */
    uint64_t bar_size[SIM_NR_BARS + 1]; /* BARs then ROM; 0: none */
};

struct sim_msix {
    unsigned int nr;        /* table entries; 0: no MSI-X */
    unsigned int table_bir, pba_bir;
    uint32_t table_off, pba_off;
    uint32_t *table;        /* nr * 4 dwords */
    uint32_t *pba;          /* (nr + 63) / 64 * 2 dwords, read-only */
};

struct sim_dev {
    struct lfv_rcu_head rcu;
    lfv_sbdf_t sbdf;
    unsigned int cfg_size;  /* 256 or 4096; beyond: all-ones */
    lfv_lock_t lock;        /* serialises writers of cfg[] and msix.table */
    uint64_t bar_size[SIM_NR_BARS + 1];
    struct sim_msix msix;
    /* Little-endian dwords; readers load them atomically, lock-free. */
    uint32_t cfg[LFV_CFG_SPACE_SIZE / 4];
    uint32_t wmask[LFV_CFG_SPACE_SIZE / 4];   /* writable bits */
    uint32_t w1cmask[LFV_CFG_SPACE_SIZE / 4]; /* write-1-to-clear bits */
};

/* Little-endian helpers on image bytes. */
static inline uint32_t sim_get(const uint8_t *cfg, unsigned int off,
                               unsigned int size)
{
    uint32_t v = 0;

    for (unsigned int i = 0; i < size; i++)
        v |= (uint32_t)cfg[off + i] << (8 * i);
    return v;
}

static inline void sim_put(uint8_t *cfg, unsigned int off, unsigned int size,
                           uint32_t v)
{
    for (unsigned int i = 0; i < size; i++)
        cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static inline bool sim_is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

static inline unsigned int sim_header_type(const uint8_t *cfg)
{
    return cfg[PCI_HEADER_TYPE] & 0x7f;
}

/* BARs a header type implements (type 0: 6, type 1: 2, others: 0). */
static inline unsigned int sim_nr_bars(const uint8_t *cfg)
{
    switch (sim_header_type(cfg)) {
    case 0:
        return 6;
    case 1:
        return 2;
    default:
        return 0;
    }
}

/* Its expansion ROM register (type 0, type 1), 0 for other types. */
static inline unsigned int sim_rom_reg(const uint8_t *cfg)
{
    switch (sim_header_type(cfg)) {
    case 0:
        return PCI_ROM_ADDRESS;
    case 1:
        return PCI_ROM_ADDRESS1;
    default:
        return 0;
    }
}

/*
 * Offset of the first capability with this ID in an image's standard list
 * (ext = false) or extended list (ext = true), 0 if absent.  Bounded walks:
 * a looping chain ends.
 */
unsigned int sim_find_cap(const uint8_t *cfg, unsigned int id, bool ext);

/*
 * Check an image's BAR sizes against its BAR registers (-EINVAL on any
 * contradiction), first giving each size of SIM_SIZE_UNKNOWN ("implemented,
 * size not stated") the default of lfv_sim_add_lspci().  On -EINVAL, when
 * not NULL: err->reason says why (nothing else of err is touched) and
 * *which is the BAR at fault (0..5, SIM_ROM) or -1.
 */
int sim_image_check(struct sim_image *img, struct lfv_sim_error *err,
                    int *which);
#define SIM_SIZE_UNKNOWN UINT64_MAX

/*
 * For the loaders: sim_image_check(), then the MSI-X table and PBA must
 * each lie inside an implemented memory BAR and not overlap
 * (core/msix_place.h).  0, or -EINVAL with *why (if why) the reason.
 */
int sim_image_msix_check(struct sim_image *img, const char **why);

/* The device an image describes: 0, -EINVAL or -ENOMEM. */
int sim_dev_create(const struct sim_image *img, lfv_sbdf_t sbdf,
                   struct sim_dev **out);
void sim_dev_free(struct sim_dev *dev);

/* Derive wmask/w1cmask from the device's layout (simhw_masks.c). */
void sim_dev_build_masks(struct sim_dev *dev, const struct sim_image *img);

/* Publish a device on the bridge: 0, -EEXIST or -ENOMEM (dev not taken). */
int sim_bridge_insert(struct lfv_sim_bridge *b, struct sim_dev *dev);

/* Build a device from an image and insert it; frees it on failure. */
int sim_add_image(struct lfv_sim_bridge *b, const struct sim_image *img,
                  lfv_sbdf_t sbdf);

/*
 * Inside a read-side section: the device at sbdf or NULL, and a snapshot
 * of all devices (for MMIO decoding).
 */
struct sim_dev *sim_bridge_find(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf);
struct sim_dev *const *sim_bridge_devices(struct lfv_sim_bridge *b,
                                          unsigned int *nr);

/* Config dword access on a found device (reg dword-aligned). */
static inline uint32_t sim_dev_load(const struct sim_dev *dev,
                                    unsigned int reg)
{
    return __atomic_load_n(&dev->cfg[reg / 4], __ATOMIC_RELAXED);
}

/* A memory BAR's current base address (both halves for 64-bit). */
uint64_t sim_dev_bar_base(const struct sim_dev *dev, unsigned int bar);

/* Apply a masked write of `be` bytes (byte-enable bit mask) to one dword. */
uint32_t sim_merge_write(uint32_t old, uint32_t val, uint32_t be,
                         uint32_t wmask, uint32_t w1cmask);

/*
 * Loader errors (simhw_loader.c): fill err (when not NULL) and return rc;
 * clear err before a load.
 */
int sim_error(struct lfv_sim_error *err, int rc, const char *file,
              unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sim_error_clear(struct lfv_sim_error *err);

/*
 * Why the loaders refuse an image whose vendor ID reads ffff (NULL when
 * it does not): an SR-IOV virtual function (IDs and BARs live in its
 * physical function's SR-IOV capability) or an absent function.
 */
const char *sim_image_absent(const struct sim_image *img);

/*
 * For the loaders: an image with fewer than 256 bytes of content (an
 * unprivileged reader's 64-byte sysfs config, an lspci -x dump) has no
 * standard capability list: the list lives in bytes 0x40-0xff, which were
 * not all read, so when its pointer leads there, its Capabilities List
 * bit and pointer are cleared rather than a list made up from zeros.
 * img->cfg_len must be set.
 */
void sim_image_drop_unread_caps(struct sim_image *img);

/*
 * A regular file's whole content (at most max bytes, NUL-terminated) into a
 * fresh lfv_malloc() buffer.  Anything but a regular file is refused before
 * it is opened (-EISDIR for a directory, -EINVAL for a FIFO, socket or
 * device: "is a FIFO, not <what>"), and opened with O_NONBLOCK so a race
 * cannot block; -EFBIG above max; else the errno of stat/open/read.
 */
int sim_read_file(const char *path, const char *what, size_t max,
                  char **out, size_t *len, struct lfv_sim_error *err);

/* Parse "[dddd:]bb:dd.f" at s; returns characters used, 0 if none. */
unsigned int sim_parse_sbdf(const char *s, lfv_sbdf_t *sbdf);

#endif /* LFV_CORE_SIMHW_IMPL_H */
