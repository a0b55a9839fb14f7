/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's view of a device through the engine (see view.h).
 */
#include <string.h>

#include "tools/view.h"

static uint32_t rd(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                   unsigned int size)
{
    return lfv_conf_read(d, s, reg, size);
}

/*
 * Size a BAR as an OS does: save, write all-ones, read back, restore.  A BAR
 * whose address bits all read back 0 is not implemented: size 0.
 */
static uint64_t size_bar(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                         bool is64, bool io, bool rom)
{
    uint32_t lo = rd(d, s, reg, 4), hi = is64 ? rd(d, s, reg + 4, 4) : 0;
    uint64_t mask;

    lfv_conf_write(d, s, reg, 4, rom ? 0xfffff800u : 0xffffffffu);
    if (is64)
        lfv_conf_write(d, s, reg + 4, 4, 0xffffffffu);
    mask = rd(d, s, reg, 4) & (io ? ~3u : rom ? ~0x7ffu : ~0xfu);
    if (is64)
        mask |= (uint64_t)rd(d, s, reg + 4, 4) << 32;
    lfv_conf_write(d, s, reg, 4, lo);
    if (is64)
        lfv_conf_write(d, s, reg + 4, 4, hi);
    /* The lowest address bit that decodes (Linux's pci_size()): right
     * also for I/O BARs that decode 16 bits only. */
    return mask & (~mask + 1);
}

static void probe_bars(struct lfv_domain *d, lfv_sbdf_t s, struct view *v)
{
    unsigned int nbars = v->header_type == 0 ? 6
                         : v->header_type == 1 ? 2 : 0;
    uint16_t cmd = (uint16_t)rd(d, s, 4, 2);

    lfv_conf_write(d, s, 4, 2, cmd & ~3u); /* decoding off while sizing */
    for (unsigned int i = 0; i < nbars; i++) {
        unsigned int reg = 0x10 + 4 * i;
        uint32_t r = rd(d, s, reg, 4);
        bool io = r & 1, is64 = !io && ((r >> 1) & 3) == 2 && i + 1 < nbars;
        uint64_t size = size_bar(d, s, reg, is64, io, false);

        if (size) {
            v->bar[i].kind = io ? BAR_IO : is64 ? BAR_MEM64 : BAR_MEM32;
            v->bar[i].prefetchable = !io && (r & 8);
            v->bar[i].size = size;
        }
        if (is64)
            i++;
    }
    if (nbars)
        v->rom_size = size_bar(d, s, v->header_type ? 0x38 : 0x30, false,
                               false, true);
    lfv_conf_write(d, s, 4, 2, cmd);
}

/* A standard capability's length, as far as its ID tells (else 4). */
static unsigned int cap_len(struct lfv_domain *d, lfv_sbdf_t s,
                            unsigned int pos, unsigned int id)
{
    unsigned int ctrl, n = 4;

    switch (id) {
    case 0x01: /* PM: header, PMC, PMCSR, bridge ext, data */
    case 0x03: /* VPD: header, address, data */
        n = 8;
        break;
    case 0x05: /* MSI: 32/64-bit address, optional mask and pending */
        ctrl = rd(d, s, pos + 2, 2);
        n = (ctrl & 0x80 ? 14 : 10) + (ctrl & 0x100 ? 10 : 0);
        break;
    case 0x09: /* vendor specific: its own length byte */
        n = rd(d, s, pos + 2, 1);
        break;
    case 0x10: /* PCI Express: up to Slot Status 2 */
        n = 0x3c;
        break;
    case 0x11: /* MSI-X: header, table and PBA locations */
        n = 12;
        break;
    }
    if (n < 4)
        n = 4;
    if (n > VIEW_CAP_MAX_LEN)
        n = VIEW_CAP_MAX_LEN;
    return pos + n > 256 ? 256 - pos : n;
}

static void probe_caps(struct lfv_domain *d, lfv_sbdf_t s, struct view *v)
{
    unsigned int pos, ttl = VIEW_MAX_CAPS;

    if (rd(d, s, 6, 2) & 0x10) {
        pos = rd(d, s, 0x34, 1) & 0xfc;
        while (pos >= 0x40 && ttl--) {
            unsigned int id = rd(d, s, pos, 1);

            struct view_cap *c = &v->cap[v->nr_caps++];

            if (id == 0x10)
                v->cfg_size = 4096;
            *c = (struct view_cap){ pos, id, false, 0, { 0 } };
            c->len = cap_len(d, s, pos, id);
            for (unsigned int i = 0; i < c->len; i++)
                c->bytes[i] = (uint8_t)rd(d, s, pos + i, 1);
            pos = rd(d, s, pos + 1, 1) & 0xfc;
        }
    }
    if (v->cfg_size < 4096)
        return;
    pos = 0x100;
    ttl = VIEW_MAX_CAPS;
    while (pos >= 0x100 && ttl--) {
        uint32_t hdr = rd(d, s, pos, 4);

        if (!hdr || hdr == 0xffffffffu)
            break;
        /* a Null capability (ID 0) only links: a guest's at 0x100 */
        if (hdr & 0xffff)
            v->ext[v->nr_ext++] = (struct view_cap){ pos, hdr & 0xffff,
                                                     false, 0, { 0 } };
        pos = (hdr >> 20) & 0xffc;
    }
}

void view_probe(struct lfv_domain *d, lfv_sbdf_t s, struct view *v)
{
    uint32_t id = rd(d, s, 0, 4), cls = rd(d, s, 8, 4);

    memset(v, 0, sizeof(*v));
    v->vendor = (uint16_t)id;
    v->device = (uint16_t)(id >> 16);
    v->class_code = cls >> 8;
    v->revision = (uint8_t)cls;
    v->header_type = rd(d, s, 0x0e, 1) & 0x7f;
    v->cfg_size = 256;
    probe_bars(d, s, v);
    probe_caps(d, s, v);
}

const char *bar_kind_name(enum bar_kind k)
{
    static const char *const names[] = { "none", "io", "mem32", "mem64" };

    return names[k];
}

const char *cap_name(unsigned int id)
{
    switch (id) {
    case 0x01: return "Power Management";
    case 0x02: return "AGP";
    case 0x03: return "VPD";
    case 0x04: return "Slot ID";
    case 0x05: return "MSI";
    case 0x06: return "CompactPCI hot-swap";
    case 0x07: return "PCI-X";
    case 0x08: return "HyperTransport";
    case 0x09: return "Vendor Specific";
    case 0x0a: return "Debug port";
    case 0x0b: return "CompactPCI central resource control";
    case 0x0c: return "Hot-plug";
    case 0x0d: return "Subsystem vendor ID";
    case 0x0e: return "AGP 8x";
    case 0x0f: return "Secure device";
    case 0x10: return "PCI Express";
    case 0x11: return "MSI-X";
    case 0x12: return "SATA";
    case 0x13: return "Advanced Features";
    case 0x14: return "Enhanced Allocation";
    case 0x15: return "Flattening Portal Bridge";
    default: return "unknown";
    }
}

const char *ext_cap_name(unsigned int id)
{
    switch (id) {
    case 0x0001: return "Advanced Error Reporting";
    case 0x0002: return "Virtual Channel";
    case 0x0003: return "Device Serial Number";
    case 0x0004: return "Power Budgeting";
    case 0x0005: return "Root Complex Link Declaration";
    case 0x0006: return "Root Complex Internal Link Control";
    case 0x0007: return "Root Complex Event Collector";
    case 0x0008: return "Multi-Function VC Arbitration";
    case 0x0009: return "Virtual Channel (MFVC)";
    case 0x000a: return "Root Complex Register Block";
    case 0x000b: return "Vendor Specific";
    case 0x000c: return "Configuration Access Correlation";
    case 0x000d: return "Access Control Services";
    case 0x000e: return "Alternative Routing-ID";
    case 0x000f: return "Address Translation Service";
    case 0x0010: return "SR-IOV";
    case 0x0011: return "MR-IOV";
    case 0x0012: return "Multicast";
    case 0x0013: return "Page Request";
    case 0x0015: return "Resizable BAR";
    case 0x0016: return "Dynamic Power Allocation";
    case 0x0017: return "TPH Requester";
    case 0x0018: return "Latency Tolerance Reporting";
    case 0x0019: return "Secondary PCI Express";
    case 0x001b: return "PASID";
    case 0x001c: return "LN Requester";
    case 0x001d: return "Downstream Port Containment";
    case 0x001e: return "L1 PM Substates";
    case 0x001f: return "Precision Time Measurement";
    case 0x0023: return "Designated Vendor-Specific";
    case 0x0024: return "VF Resizable BAR";
    case 0x0025: return "Data Link Feature";
    case 0x0026: return "Physical Layer 16.0 GT/s";
    case 0x0027: return "Lane Margining at the Receiver";
    case 0x002a: return "Physical Layer 32.0 GT/s";
    default: return "unknown";
    }
}
