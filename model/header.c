/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header emulation, the hook: BAR and ROM discovery through the hardware at
 * every assignment, the hardware domain's handlers (Xen's passthrough
 * style), the per-assignment state's life cycle and the public accessors.
 * The guest's view is header_guest.c, the capability chains
 * header_caps.c, mapping header_map.c.
 */
#include <errno.h>

#include "../core/msix_place.h"
#include "hook_util.h"
#include "header.h"

static uint32_t hw32(const struct lfv_vpci *v, unsigned int reg)
{
    return lfv_vpci_hw_read(v, reg, 4);
}

/* The sizing probe: write `ones`, read back, restore. */
static uint32_t probe(const struct lfv_vpci *v, unsigned int reg,
                      uint32_t ones)
{
    uint32_t old = hw32(v, reg), val;

    lfv_vpci_hw_write(v, reg, 4, ones);
    val = hw32(v, reg);
    lfv_vpci_hw_write(v, reg, 4, old);
    return val;
}

static void discover_io_bar(struct hdr_bar *b, uint32_t val, uint32_t sz)
{
    sz &= PCI_BASE_ADDRESS_IO_MASK;
    if (!sz)
        return;
    b->type = LFV_HEADER_BAR_IO;
    b->size = sz & -sz; /* the lowest address bit that decodes */
    b->addr = val & PCI_BASE_ADDRESS_IO_MASK & ~(b->size - 1);
}

/* BAR i at reg; returns the number of BAR slots it takes (1 or 2). */
static unsigned int discover_bar(struct lfv_header *h, unsigned int i,
                                 unsigned int reg)
{
    const struct lfv_vpci *v = h->v;
    struct hdr_bar *b = &h->bars[i];
    uint32_t val = hw32(v, reg);
    bool is64;
    uint64_t mask, addr;

    if (val & PCI_BASE_ADDRESS_SPACE_IO) {
        discover_io_bar(b, val, probe(v, reg, ~0u));
        return 1;
    }
    is64 = (val & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
           PCI_BASE_ADDRESS_MEM_TYPE_64;
    /*
     * A 64-bit BAR in the last slot (malformed) has no upper half: where
     * it decodes is unknown, so it stays empty and never maps (Xen's
     * pci_size_mem_bar()); its low half alone is not its address.
     */
    if (is64 && i + 1 >= h->nr_bars)
        return 1;
    mask = probe(v, reg, ~0u) & PCI_BASE_ADDRESS_MEM_MASK;
    addr = val & PCI_BASE_ADDRESS_MEM_MASK;
    if (is64) {
        /* the high half sizes BARs of 4 GiB and more */
        mask |= (uint64_t)probe(v, reg + 4, ~0u) << 32;
        addr |= (uint64_t)hw32(v, reg + 4) << 32;
    }
    if (!mask)
        return is64 ? 2 : 1;
    b->type = is64 ? LFV_HEADER_BAR_MEM64_LO : LFV_HEADER_BAR_MEM32;
    b->size = mask & -mask;
    b->addr = addr & ~(b->size - 1);
    b->prefetchable = val & PCI_BASE_ADDRESS_MEM_PREFETCH;
    if (is64) {
        h->bars[i + 1].type = LFV_HEADER_BAR_MEM64_HI;
        h->bars[i + 1].reg = reg + 4;
    }
    return is64 ? 2 : 1;
}

static void discover_rom(struct lfv_header *h, unsigned int reg)
{
    struct hdr_bar *rom = &h->bars[HDR_ROM];
    uint32_t val = hw32(h->v, reg);
    uint32_t sz = probe(h->v, reg, PCI_ROM_ADDRESS_MASK) &
                  PCI_ROM_ADDRESS_MASK;

    rom->reg = reg;
    if (!sz)
        return;
    rom->type = LFV_HEADER_BAR_ROM;
    rom->size = sz & -sz;
    rom->addr = val & PCI_ROM_ADDRESS_MASK & ~(rom->size - 1);
    h->rom_enabled = val & PCI_ROM_ADDRESS_ENABLE;
    if (h->rom_enabled && !h->hwdom) {
        /*
         * A guest's ROM reads 0 and ignores writes: it never maps, and
         * the hardware must not decode it behind the guest's back once
         * the guest turns decoding on, at an address it never placed.
         */
        lfv_vpci_hw_write(h->v, reg, 4, val & ~PCI_ROM_ADDRESS_ENABLE);
        h->rom_enabled = false;
    }
}

/* BARs and ROM, sized with decoding off (Xen: bar sizing in init_header). */
static void discover_bars(struct lfv_header *h)
{
    unsigned int type = lfv_vpci_hw_read(h->v, PCI_HEADER_TYPE, 1) & 0x7f;

    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        h->bars[i].hdr = h;
    if (type > 1)
        return; /* CardBus and unknown layouts: no BARs emulated */
    h->nr_bars = type == 0 ? 6 : 2;
    for (unsigned int i = 0; i < h->nr_bars;) {
        h->bars[i].reg = PCI_BASE_ADDRESS_0 + 4 * i;
        i += discover_bar(h, i, PCI_BASE_ADDRESS_0 + 4 * i);
    }
    discover_rom(h, type == 0 ? PCI_ROM_ADDRESS : PCI_ROM_ADDRESS1);
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        h->bars[i].guest_addr = h->bars[i].addr;
}

static enum lfv_msix_bar_kind msix_bar_kind(const struct hdr_bar *b)
{
    switch (b->type) {
    case LFV_HEADER_BAR_IO:
        return LFV_MSIX_BAR_IO;
    case LFV_HEADER_BAR_MEM32:
    case LFV_HEADER_BAR_MEM64_LO:
        return LFV_MSIX_BAR_MEM;
    case LFV_HEADER_BAR_MEM64_HI:
        return LFV_MSIX_BAR_MEM64_HI;
    default:
        return LFV_MSIX_BAR_NONE;
    }
}

/*
 * A table or PBA outside an implemented memory BAR (core/msix_place.h):
 * the device's MSI-X is not trusted at all, neither structure is
 * located (lfv_header_msix_location() says -EINVAL).
 */
static void check_msix(struct lfv_header *h)
{
    struct lfv_msix_bar bars[LFV_MSIX_NR_BARS] = { { 0, 0 } };
    unsigned int bir[2];
    uint64_t off[2], size[2];

    if (!h->msix[0].present)
        return;
    for (unsigned int i = 0; i < h->nr_bars && i < LFV_MSIX_NR_BARS; i++)
        bars[i] = (struct lfv_msix_bar){ msix_bar_kind(&h->bars[i]),
                                         h->bars[i].size };
    for (unsigned int k = 0; k < 2; k++) {
        bir[k] = h->msix[k].bir;
        off[k] = h->msix[k].offset;
        size[k] = h->msix[k].size;
    }
    if (lfv_msix_place_check_both(bars, bir, off, size, NULL)) {
        h->msix[0].present = h->msix[1].present = false;
        h->msix_bad = true;
    }
}

/* ---- the hardware domain: Xen's passthrough-style handlers ---- */

static uint32_t lfv_cf_check hwdom_cmd_read(const void *ctx, unsigned int reg,
                                            void *data)
{
    (void)data;
    return lfv_vpci_hw_read(ctx, reg, 2);
}

static uint32_t lfv_cf_check hw_read_bar(const void *ctx, unsigned int reg,
                                         void *data)
{
    (void)data;
    return lfv_vpci_hw_read(ctx, reg, 4);
}

/*
 * The end of a COMMAND write of the hardware domain: every bit is its own.
 * A map that failed (or was refused: -EBUSY, see header_map.c) leaves
 * decoding off in the hardware, as Xen leaves COMMAND after a failed
 * modify_bars(); a failed unmap leaves it on.  Now, or when a deferred
 * operation ends (<lfvpci/header.h>).
 */
static void lfv_cf_check hwdom_cmd_done(struct lfv_header *h, uint32_t val,
                                        int rc)
{
    if (rc)
        val ^= PCI_COMMAND_MEMORY;
    lfv_vpci_hw_write(h->v, PCI_COMMAND, 2, val);
    if (!(val & PCI_COMMAND_MEMORY))
        hdr_decode_off(h, false);
}

/*
 * A synchronous failure to map or unmap (Xen 4.17's modify_bars()
 * failing) writes nothing, as 4.17's cmd_write(): the hardware keeps its
 * COMMAND, the state its BARs.  -EBUSY (the model's decoding rule, which
 * 4.17 lacks) is not a failure of the p2m: the other bits are written,
 * decoding stays off (hwdom_cmd_done()).
 */
static void lfv_cf_check hwdom_cmd_failed(struct lfv_header *h, uint32_t val,
                                          int rc)
{
    if (rc == -EBUSY)
        hwdom_cmd_done(h, val, rc);
}

static void lfv_cf_check hwdom_cmd_write(const void *ctx, unsigned int reg,
                                         uint32_t val, void *data)
{
    (void)ctx, (void)reg;
    hdr_cmd_write(data, val, hwdom_cmd_done, hwdom_cmd_failed);
}

/* Xen 4.17's warnings for a write it ignores while the BAR is mapped. */
static void hwdom_write_ignored(const struct lfv_header *h, unsigned int bar)
{
    const struct lfv_system *sys = h->d->sys;

    if (sys->bar_write_ignored)
        sys->bar_write_ignored(sys->hw, lfv_vpci_sbdf(h->v), bar);
}

static void lfv_cf_check hwdom_bar_write(const void *ctx, unsigned int reg,
                                         uint32_t val, void *data)
{
    struct hdr_bar *bar = data;
    uint64_t addr;
    bool hi;

    if (!hdr_mem_bar_write_begin(&bar, &val, &hi)) {
        /* 4.17 warns only when it is mapped and the address changes */
        if (hdr_load(bar->enabled) &&
            val != (uint32_t)(hdr_load(bar->addr) >> (hi ? 32 : 0)))
            hwdom_write_ignored(bar->hdr,
                                (unsigned int)(bar - bar->hdr->bars) + hi);
        return;
    }
    /* what the hardware will decode */
    addr = hdr_bar_merge(hdr_load(bar->addr), val, hi, bar->size);
    hdr_store(bar->addr, addr);
    hdr_store(bar->guest_addr, addr);
    hdr_bar_moved(bar->hdr, (unsigned int)(bar - bar->hdr->bars));
    if (!hi)
        val |= (bar->type == LFV_HEADER_BAR_MEM64_LO
                    ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
               (bar->prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
    lfv_vpci_hw_write(ctx, reg, 4, val);
}

static void rom_set_addr(struct hdr_bar *rom, uint32_t val)
{
    uint64_t addr = val & PCI_ROM_ADDRESS_MASK & ~(rom->size - 1);

    hdr_store(rom->addr, addr);
    hdr_store(rom->guest_addr, addr);
}

/*
 * The end of a ROM write of the hardware domain (now, or when its
 * deferred operation ends).  A write whose mapping failed is dropped
 * whole: nothing changed in the p2m, and the hardware was not written, so
 * the state goes back to what the hardware still decodes.
 */
static void lfv_cf_check hwdom_rom_done(struct lfv_header *h, uint32_t val,
                                        int rc)
{
    struct hdr_bar *rom = &h->bars[HDR_ROM];
    bool new_en = val & PCI_ROM_ADDRESS_ENABLE;

    if (rc) {
        h->rom_enabled = !new_en;
        hdr_store(rom->addr, h->op.old_addr);
        hdr_store(rom->guest_addr, h->op.old_addr);
        return;
    }
    if (!new_en)
        rom_set_addr(rom, val);
    lfv_vpci_hw_write(h->v, rom->reg, 4, val);
    if (!new_en)
        hdr_decode_off(h, true);
}

/* Xen's rom_write: the ROM maps while both it and MEMORY are enabled. */
static void lfv_cf_check hwdom_rom_write(const void *ctx, unsigned int reg,
                                         uint32_t val, void *data)
{
    struct hdr_bar *rom = data;
    struct lfv_header *h = rom->hdr;
    bool new_en = val & PCI_ROM_ADDRESS_ENABLE;
    bool mapped = hdr_load(rom->enabled);
    int rc = 0;

    (void)ctx, (void)reg;
    if (mapped && new_en)
        hwdom_write_ignored(h, HDR_ROM); /* 4.17 warns, whatever the value */
    if ((mapped && new_en) || hdr_op_pending(h))
        return; /* a move while mapped, or an operation under way */
    h->op.old_addr = hdr_load(rom->addr); /* no operation: ours to write */
    if (!mapped)
        rom_set_addr(rom, val); /* where the mapping below must go */
    h->rom_enabled = new_en;
    if (hdr_load(h->mapped) && new_en != mapped)
        rc = hdr_modify(h, new_en, true, true, hwdom_rom_done, val);
    if (rc != HDR_DEFERRED)
        hwdom_rom_done(h, val, rc);
}

static int hwdom_init(struct lfv_header *h, struct lfv_regs_edit *e)
{
    int rc = hook_add_reg(e, hwdom_cmd_read, hwdom_cmd_write, PCI_COMMAND,
                          2, h);

    for (unsigned int i = 0; !rc && i < HDR_NR_BARS; i++) {
        struct hdr_bar *b = &h->bars[i];

        if (i == HDR_ROM && b->size)
            rc = hook_add_reg(e, hw_read_bar, hwdom_rom_write, b->reg, 4, b);
        else if (b->type == LFV_HEADER_BAR_MEM32 ||
                 b->type == LFV_HEADER_BAR_MEM64_LO ||
                 b->type == LFV_HEADER_BAR_MEM64_HI)
            /* I/O and empty BARs: gaps, straight to the hardware */
            rc = hook_add_reg(e, hw_read_bar, hwdom_bar_write, b->reg, 4, b);
    }
    return rc;
}

/* ---- the hook ---- */

static void header_free(struct lfv_header *h)
{
    for (unsigned int i = 0; i < HDR_NR_BARS; i++)
        lfv_rangeset_destroy(h->bars[i].mem);
    lfv_free(h->caps);
    lfv_free(h->ecaps);
    lfv_free(h->fields);
    lfv_free(h);
}

static struct lfv_header *header_alloc(struct lfv_vpci *v)
{
    struct lfv_header *h = lfv_zalloc(sizeof(*h));

    if (!h)
        return NULL;
    h->v = v;
    h->d = lfv_vpci_domain(v);
    h->hd = lfv_domain_priv(h->d, &lfv_header_hook);
    h->hwdom = lfv_vpci_is_hardware_domain(v);
    for (unsigned int i = 0; i < HDR_NR_BARS; i++) {
        h->bars[i].mem = lfv_rangeset_new("vpci bar");
        if (!h->bars[i].mem) {
            header_free(h);
            return NULL;
        }
    }
    return h;
}

/*
 * Size with decoding off, then restore: the hardware domain gets its
 * command back, a guest's device starts with every guest-controllable bit
 * clear (decoding and bus mastering off), the host's other bits kept.
 */
static int discover(struct lfv_header *h, uint16_t *cmdp)
{
    uint16_t cmd = lfv_vpci_hw_read(h->v, PCI_COMMAND, 2);
    uint16_t off = cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    int rc;

    if (off != cmd)
        lfv_vpci_hw_write(h->v, PCI_COMMAND, 2, off);
    discover_bars(h);
    rc = hdr_caps_discover(h);
    check_msix(h);
    if (!h->hwdom)
        lfv_vpci_hw_write(h->v, PCI_COMMAND, 2, hdr_guest_cmd_hw(h, cmd, 0));
    else if (off != cmd)
        lfv_vpci_hw_write(h->v, PCI_COMMAND, 2, cmd);
    *cmdp = cmd;
    return rc;
}

static void lfv_cf_check header_retire(struct lfv_vpci *v, void *priv)
{
    (void)v;
    if (priv)
        hdr_map_retire(priv);
}

static int lfv_cf_check header_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct lfv_header *h = header_alloc(v);
    uint16_t cmd;
    int rc;

    if (!h)
        return -ENOMEM;
    lfv_vpci_set_priv(v, &lfv_header_hook, h); /* fini frees it, always */
    lfv_vpci_set_retire(v, &lfv_header_hook, header_retire);
    rc = discover(h, &cmd);
    if (rc)
        return rc;
    if (h->msix_bad && !h->hwdom)
        return -EINVAL; /* MSI-X placed outside its BARs: not for guests */
    rc = h->hwdom ? hwdom_init(h, e) : hdr_guest_init(h, e);
    if (!rc)
        rc = hdr_map_init(h);
    if (rc || !h->hwdom || !(cmd & PCI_COMMAND_MEMORY))
        return rc;
    /*
     * The hardware domain finds decoding on: map, as Xen's init does, and
     * fail the assignment if that fails (as Xen does), rather than succeed
     * with decoding turned off behind the caller's back.
     */
    return hdr_modify(h, true, false, false, NULL, 0);
}

static void lfv_cf_check header_fini(struct lfv_vpci *v, void *priv)
{
    (void)v;
    if (priv)
        header_free(priv);
}

const struct lfv_vpci_hook lfv_header_hook = {
    .name = "header",
    .init = header_init,
    .fini = header_fini,
    .priority = LFV_PRIO_HEADER,
    .domain_init = hdr_domain_init,
    .domain_fini = hdr_domain_fini,
};

int hdr_force_intx(struct lfv_vpci *v, unsigned int by, bool forced)
{
    struct lfv_header *h = hdr_of(v);
    unsigned int f;

    if (!h)
        return -ENOENT;
    if (h->hwdom)
        return 0;
    f = hdr_load(h->intx_forced);
    hdr_store(h->intx_forced, forced ? f | by : f & ~by);
    hdr_guest_cmd_sync(h);
    return 0;
}

int lfv_header_set_intx_forced(struct lfv_vpci *v, bool forced)
{
    return hdr_force_intx(v, HDR_INTX_BY_API, forced);
}

int lfv_header_bar(const struct lfv_vpci *v, unsigned int bar,
                   struct lfv_header_bar_info *out)
{
    const struct lfv_header *h = hdr_of(v);
    const struct hdr_bar *b;

    if (bar >= HDR_NR_BARS || !out)
        return -EINVAL;
    if (!h)
        return -ENOENT;
    b = &h->bars[bar];
    *out = (struct lfv_header_bar_info){
        .type = b->type, .prefetchable = b->prefetchable,
        .mapped = hdr_load(b->enabled) && !hdr_load(b->refused),
        .size = b->size,
        .host_addr = hdr_load(b->addr), .guest_addr = hdr_load(b->guest_addr),
    };
    return 0;
}

int lfv_header_set_bar_notify(struct lfv_vpci *v, lfv_header_bar_moved_t *fn,
                              void *arg)
{
    struct lfv_header *h = hdr_of(v);

    if (!h)
        return -ENOENT;
    h->bar_notify = fn;
    h->bar_notify_arg = arg;
    return 0;
}

int lfv_header_msix_location(const struct lfv_vpci *v, unsigned int which,
                             unsigned int *bir, uint32_t *offset,
                             uint32_t *size)
{
    const struct lfv_header *h = hdr_of(v);

    if (h && which <= 1 && h->msix_bad)
        return -EINVAL;
    if (!h || which > 1 || !h->msix[which].present)
        return -ENOENT;
    if (bir)
        *bir = h->msix[which].bir;
    if (offset)
        *offset = h->msix[which].offset;
    if (size)
        *size = h->msix[which].size;
    return 0;
}

/* ---- deferred mapping (header_map.c does the work) ---- */

static struct hdr_domain *hdr_domain_of(const struct lfv_domain *d)
{
    return d ? lfv_domain_priv(d, &lfv_header_hook) : NULL;
}

int lfv_header_set_defer(struct lfv_domain *d, uint64_t max_sync_frames)
{
    struct hdr_domain *hd = hdr_domain_of(d);

    if (!d)
        return -EINVAL;
    if (!hd)
        return -ENOENT;
    hdr_store(hd->max_sync, max_sync_frames);
    return 0;
}

bool lfv_header_map_pending(const struct lfv_domain *d)
{
    const struct hdr_domain *hd = hdr_domain_of(d);

    return hd && hdr_load(hd->nr_pending);
}

int lfv_header_process_pending(struct lfv_domain *d, uint64_t budget,
                               lfv_header_preempt_t *preempt, void *arg)
{
    struct hdr_domain *hd = hdr_domain_of(d);

    if (!d)
        return -EINVAL;
    if (!hd)
        return -ENOENT;
    return hdr_process_pending(d, hd, budget, preempt, arg);
}
