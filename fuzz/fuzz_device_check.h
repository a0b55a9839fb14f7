/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a loaded device must satisfy whatever text or files it came from
 * (the loaders' contract in <lfvpci/simhw.h>, and issue 11's rules for
 * them): every implemented BAR has a power-of-two size its kind can hold,
 * at an address aligned to it; the sizing probe (all-ones written) reads
 * back exactly that size; an MSI-X table and PBA lie inside an implemented
 * memory BAR.  A loader must refuse a device that breaks these, never load
 * it.  Also: the device as saved to a sysfs-style directory loads back
 * with the same configuration space and BAR sizes.
 */
#ifndef LFV_FUZZ_DEVICE_CHECK_H
#define LFV_FUZZ_DEVICE_CHECK_H

#include <inttypes.h>

#include <lfvpci/simhw.h>

#include "fuzz/fuzz_util.h"

/* The BARs as the device decodes them: kind and register per slot. */
struct fdev_bar {
    bool io, mem64_hi;
    uint64_t size;
};

static inline void fdev_check_bars(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                                   struct fdev_bar bar[6])
{
    unsigned int type = lfv_sim_cfg_read(b, s, 0x0e, 1) & 0x7f;
    unsigned int nr = type == 0 ? 6 : type == 1 ? 2 : 0;

    for (unsigned int i = 0; i < 6; i++)
        bar[i] = (struct fdev_bar){ 0 };
    for (unsigned int i = 0; i < nr; i++) {
        unsigned int reg = 0x10 + 4 * i;
        uint32_t v = lfv_sim_cfg_read(b, s, reg, 4), probe;
        uint64_t size = lfv_sim_bar_size(b, s, i), mask;
        bool io = v & 1, is64 = !io && (v & 6) == 4;

        if (bar[i].mem64_hi)
            continue;
        bar[i].io = io;
        bar[i].size = size;
        if (!size)
            continue;
        INV("bar-size", !(size & (size - 1)), "BAR %u: size %#" PRIx64
                   " is not a power of two", i, size);
        INV("bar-size", io ? size >= 4 && size <= 0x10000 :
                   size >= 16 && (is64 || size <= 0x80000000ull),
                   "BAR %u (%s): size %#" PRIx64 " its kind cannot hold",
                   i, io ? "I/O" : is64 ? "mem64" : "mem32", size);
        FUZZ_CHECK(!is64 || i + 1 < nr, "BAR %u: 64-bit in the last slot", i);
        /* the sizing probe reads back the size mask */
        lfv_sim_cfg_write(b, s, reg, 4, 0xffffffffu);
        probe = lfv_sim_cfg_read(b, s, reg, 4);
        mask = io ? ~(uint64_t)3 : ~(uint64_t)0xf;
        if (is64) {
            uint32_t hi = lfv_sim_cfg_read(b, s, reg + 4, 4);

            lfv_sim_cfg_write(b, s, reg + 4, 4, 0xffffffffu);
            mask = ((uint64_t)lfv_sim_cfg_read(b, s, reg + 4, 4) << 32 |
                    probe) & ~(uint64_t)0xf;
            lfv_sim_cfg_write(b, s, reg + 4, 4, hi);
            bar[i + 1].mem64_hi = true;
        } else {
            mask = probe & (io ? 0xfffffffcu : 0xfffffff0u);
            if (io)
                mask |= 0xffff0000u; /* 16-bit I/O decoders read 0 above */
        }
        lfv_sim_cfg_write(b, s, reg, 4, v);
        FUZZ_CHECK(lfv_sim_cfg_read(b, s, reg, 4) == v,
                   "BAR %u: %#x not restored after sizing", i, v);
        if (!is64)
            mask |= 0xffffffff00000000ull;
        FUZZ_CHECK(~mask + 1 == size || (io && ((~mask + 1) & 0xffff) == size),
                   "BAR %u: probe reads mask %#" PRIx64 ", size %#" PRIx64,
                   i, mask, size);
    }
}

/* MSI-X table (which 0) and PBA (1) inside an implemented memory BAR. */
static inline void fdev_check_msix(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                                   const struct fdev_bar bar[6])
{
    unsigned int pos, guard = 0;

    if (!(lfv_sim_cfg_read(b, s, 0x06, 2) & 0x10))
        return;
    for (pos = lfv_sim_cfg_read(b, s, 0x34, 1) & 0xfc; pos && guard < 48;
         pos = lfv_sim_cfg_read(b, s, pos + 1, 1) & 0xfc, guard++) {
        unsigned int n;

        if (pos < 0x40)
            break;
        if (lfv_sim_cfg_read(b, s, pos, 1) != 0x11)
            continue;
        n = (lfv_sim_cfg_read(b, s, pos + 2, 2) & 0x7ff) + 1;
        for (unsigned int w = 0; w < 2; w++) {
            uint32_t r = lfv_sim_cfg_read(b, s, pos + 4 + 4 * w, 4);
            unsigned int bir = r & 7;
            uint64_t off = r & ~7u, len = w ? (n + 63) / 64 * 8 : 16ull * n;

            INV("msix-placement", bir < 6 && bar[bir].size && !bar[bir].io &&
                       !bar[bir].mem64_hi,
                       "MSI-X %s in BAR %u, not an implemented memory BAR",
                       w ? "PBA" : "table", bir);
            INV("msix-placement", bir < 6 && off + len <= bar[bir].size,
                       "MSI-X %s [%#" PRIx64 ", +%#" PRIx64 ") outside BAR %u "
                       "(size %#" PRIx64 ")", w ? "PBA" : "table", off, len,
                       bir, bar[bir].size);
        }
        return;
    }
}

/* Save as a sysfs directory, load back at `to`, compare. */
static inline void fdev_check_roundtrip(struct lfv_sim_bridge *b,
                                        lfv_sbdf_t s, lfv_sbdf_t to,
                                        const char *dir)
{
    unsigned int space = 4096;
    int rc = lfv_sim_save_sysfs(b, s, dir);

    FUZZ_CHECK(rc == 0, "save_sysfs: %d", rc);
    rc = lfv_sim_add_sysfs(b, dir, to, NULL);
    FUZZ_CHECK(rc == 0, "a saved device does not load back: %d", rc);
    for (unsigned int reg = 0; reg < space; reg += 4) {
        uint32_t x = lfv_sim_cfg_read(b, s, reg, 4);
        uint32_t y = lfv_sim_cfg_read(b, to, reg, 4);

        FUZZ_CHECK(x == y, "sysfs round trip: %#x reads %#x, was %#x", reg, y,
                   x);
    }
    for (unsigned int i = 0; i <= 6; i++)
        FUZZ_CHECK(lfv_sim_bar_size(b, s, i) == lfv_sim_bar_size(b, to, i),
                   "sysfs round trip: BAR %u size %#" PRIx64 ", was %#" PRIx64,
                   i, lfv_sim_bar_size(b, to, i), lfv_sim_bar_size(b, s, i));
    lfv_sim_remove(b, to);
}

static inline void fdev_check(struct lfv_sim_bridge *b, lfv_sbdf_t s)
{
    struct fdev_bar bar[6];

    fdev_check_bars(b, s, bar);
    fdev_check_msix(b, s, bar);
}

#endif /* LFV_FUZZ_DEVICE_CHECK_H */
