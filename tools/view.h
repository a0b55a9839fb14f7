/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a domain sees of a device, found through the engine's config
 * access path as an operating system's PCI probe finds it: IDs, the BARs
 * sized by the all-ones probe with decoding off (restored afterwards),
 * the ROM, and the capability lists.  Single-threaded (the tool's).
 */
#ifndef LFV_TOOLS_VIEW_H
#define LFV_TOOLS_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/domain.h>

#define VIEW_MAX_CAPS 48

enum bar_kind { BAR_NONE, BAR_IO, BAR_MEM32, BAR_MEM64 };

#define VIEW_CAP_MAX_LEN 64

struct view_cap {
    unsigned int offset, id;
    bool in_guest; /* the guest's walk finds it too (hardware view only) */
    unsigned int len;               /* bytes read (standard list only) */
    uint8_t bytes[VIEW_CAP_MAX_LEN]; /* as this view reads them */
};

struct view {
    uint16_t vendor, device;
    uint32_t class_code;
    uint8_t revision, header_type;
    struct {
        enum bar_kind kind;
        bool prefetchable;
        uint64_t size;
    } bar[6];
    uint64_t rom_size;
    unsigned int nr_caps, nr_ext;
    struct view_cap cap[VIEW_MAX_CAPS], ext[VIEW_MAX_CAPS];
    unsigned int cfg_size; /* 256 or 4096 (a PCI Express capability) */
};

void view_probe(struct lfv_domain *d, lfv_sbdf_t s, struct view *v);

const char *cap_name(unsigned int id);
const char *ext_cap_name(unsigned int id);
const char *bar_kind_name(enum bar_kind k);

#endif /* LFV_TOOLS_VIEW_H */
