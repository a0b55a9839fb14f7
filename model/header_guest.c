/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a guest sees of the header: emulated BARs and COMMAND (Xen's
 * guest_mem_bar_* and guest_cmd_*), identity registers read-only from the
 * hardware (as QEMU and VFIO do, beyond upstream Xen), interrupt line and
 * cache line size as emulated state, latency timer read-only, BIST 0,
 * STATUS with its RW1C bits, and the capability chains of its policy
 * (header_caps.c).  Registers without a handler read all-ones.
 */
#include <errno.h>

#include "hook_util.h"
#include "header.h"

static uint32_t lfv_cf_check read_val(const void *ctx, unsigned int reg,
                                      void *data)
{
    (void)ctx, (void)reg;
    return (uint32_t)(uintptr_t)data;
}

static uint32_t lfv_cf_check header_type_read(const void *ctx, unsigned int reg,
                                              void *data)
{
    (void)data;
    return lfv_vpci_hw_read(ctx, reg, 1) & 0x7f; /* one function only */
}

static void lfv_cf_check hw_write_reg(const void *ctx, unsigned int reg,
                                      uint32_t val, void *data)
{
    lfv_vpci_hw_write(ctx, reg, (unsigned int)(uintptr_t)data, val);
}

/* ---- BARs ---- */

static uint32_t lfv_cf_check guest_mem_bar_read(const void *ctx,
                                                unsigned int reg, void *data)
{
    const struct hdr_bar *bar = data;
    uint64_t ga;

    (void)ctx, (void)reg;
    if (bar->type == LFV_HEADER_BAR_MEM64_HI)
        return hdr_load(bar[-1].guest_addr) >> 32;
    ga = hdr_load(bar->guest_addr);
    return (uint32_t)ga |
           (bar->type == LFV_HEADER_BAR_MEM64_LO ? PCI_BASE_ADDRESS_MEM_TYPE_64
                                                 : 0) |
           (bar->prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
}

static void lfv_cf_check guest_mem_bar_write(const void *ctx, unsigned int reg,
                                             uint32_t val, void *data)
{
    struct hdr_bar *bar = data;
    uint64_t ga;
    bool hi;

    (void)ctx, (void)reg;
    if (!hdr_mem_bar_write_begin(&bar, &val, &hi))
        return;
    /* the sizing probe reads back the size mask, across both halves */
    ga = hdr_bar_merge(hdr_load(bar->guest_addr), val, hi, bar->size);
    hdr_store(bar->guest_addr, ga);
    hdr_bar_moved(bar->hdr, (unsigned int)(bar - bar->hdr->bars));
}

static uint32_t lfv_cf_check guest_io_bar_read(const void *ctx,
                                               unsigned int reg, void *data)
{
    const struct hdr_bar *bar = data;

    (void)ctx, (void)reg;
    return (uint32_t)hdr_load(bar->guest_addr) | PCI_BASE_ADDRESS_SPACE_IO;
}

/* I/O ports are never in the p2m: the emulated address is all there is. */
static void lfv_cf_check guest_io_bar_write(const void *ctx, unsigned int reg,
                                            uint32_t val, void *data)
{
    struct hdr_bar *bar = data;

    (void)ctx, (void)reg;
    hdr_store(bar->guest_addr,
              (uint64_t)(val & PCI_BASE_ADDRESS_IO_MASK) & ~(bar->size - 1));
}

static int add_bar(struct lfv_header *h, struct lfv_regs_edit *e,
                   unsigned int i)
{
    struct hdr_bar *b = &h->bars[i];

    switch (b->type) {
    case LFV_HEADER_BAR_MEM32:
    case LFV_HEADER_BAR_MEM64_LO:
    case LFV_HEADER_BAR_MEM64_HI:
        return hook_add_reg(e, guest_mem_bar_read, guest_mem_bar_write,
                            b->reg, 4, b);
    case LFV_HEADER_BAR_IO:
        if (lfv_vpci_arch(h->v) == LFV_ARCH_X86)
            return hook_add_reg(e, guest_io_bar_read, guest_io_bar_write,
                                b->reg, 4, b);
        /* off x86, I/O BARs read 0 like empty ones */
        /* fall through */
    default:
        return hook_add_reg(e, read_val, NULL, b->reg, 4, NULL);
    }
}

/* ---- COMMAND ---- */

static uint16_t guest_cmd_effective(const struct lfv_header *h)
{
    return hdr_load(h->guest_cmd) |
           (hdr_load(h->intx_forced) ? PCI_COMMAND_INTX_DISABLE : 0);
}

static uint32_t lfv_cf_check guest_cmd_read(const void *ctx, unsigned int reg,
                                            void *data)
{
    (void)ctx, (void)reg;
    return guest_cmd_effective(data);
}

/*
 * The guest's bits over the host's: only guest-controllable bits change;
 * without an IOMMU bus mastering stays off, and INTx stays disabled for a
 * guest that gets none (struct lfv_system_params).
 */
uint16_t hdr_guest_cmd_hw(const struct lfv_header *h, uint16_t hw,
                          uint16_t g)
{
    const struct lfv_system *sys = h->d->sys;

    if (sys->no_iommu)
        g &= ~PCI_COMMAND_MASTER;
    if (sys->no_guest_intx)
        g |= PCI_COMMAND_INTX_DISABLE;
    return (hw & ~HDR_CMD_GUEST) | g;
}

void hdr_guest_cmd_sync(const struct lfv_header *h)
{
    uint16_t hw = lfv_vpci_hw_read(h->v, PCI_COMMAND, 2);

    lfv_vpci_hw_write(h->v, PCI_COMMAND, 2,
                      hdr_guest_cmd_hw(h, hw, guest_cmd_effective(h)));
}

/*
 * The end of a guest's COMMAND write (now, or when its deferred operation
 * ends): a refused or failed map leaves decoding off, and the guest reads
 * it back off; a failed unmap leaves it on (the BARs are still mapped).
 */
static void lfv_cf_check guest_cmd_done(struct lfv_header *h, uint32_t g,
                                        int rc)
{
    if (rc)
        g ^= PCI_COMMAND_MEMORY;
    hdr_store(h->guest_cmd, (uint16_t)g);
    hdr_guest_cmd_sync(h);
    if (!(g & PCI_COMMAND_MEMORY))
        hdr_decode_off(h, false);
}

static void lfv_cf_check guest_cmd_write(const void *ctx, unsigned int reg,
                                         uint32_t val, void *data)
{
    (void)ctx, (void)reg;
    hdr_cmd_write(data, val & HDR_CMD_GUEST, guest_cmd_done, guest_cmd_done);
}

/* ---- emulated bytes: interrupt line, cache line size ---- */

/* data: the guest's byte in its struct lfv_header. */
static uint32_t lfv_cf_check byte_read(const void *ctx, unsigned int reg,
                                       void *data)
{
    (void)ctx, (void)reg;
    return hdr_load(*(uint8_t *)data);
}

static void lfv_cf_check byte_write(const void *ctx, unsigned int reg,
                                    uint32_t val, void *data)
{
    (void)ctx, (void)reg;
    hdr_store(*(uint8_t *)data, (uint8_t)val);
}

static int add_status(struct lfv_header *h, struct lfv_regs_edit *e)
{
    uint32_t rsvdp = h->nr_caps ? 0 : PCI_STATUS_CAP_LIST;

    return lfv_regs_edit_add(e, &(struct lfv_reg_desc){
        .read = hdr_hw_read_ro, .write = hw_write_reg,
        .data = (void *)(uintptr_t)2, .offset = PCI_STATUS, .size = 2,
        .ro_mask = 0xffffu & ~(PCI_STATUS_RW1C | rsvdp),
        .rw1c_mask = PCI_STATUS_RW1C, .rsvdp_mask = rsvdp });
}

static int add_identity(struct lfv_header *h, struct lfv_regs_edit *e)
{
    int rc = hook_add_reg(e, hdr_hw_read_ro, NULL, PCI_VENDOR_ID, 4,
                          (void *)(uintptr_t)4);

    if (!rc)
        rc = hook_add_reg(e, hdr_hw_read_ro, NULL, PCI_REVISION_ID, 4,
                 (void *)(uintptr_t)4);
    if (!rc)
        rc = hook_add_reg(e, header_type_read, NULL, PCI_HEADER_TYPE, 1, NULL);
    if (!rc && h->nr_bars == 6)
        rc = hook_add_reg(e, hdr_hw_read_ro, NULL, PCI_SUBSYSTEM_VENDOR_ID, 4,
                 (void *)(uintptr_t)4);
    if (!rc)
        rc = hook_add_reg(e, byte_read, byte_write, PCI_INTERRUPT_LINE, 1,
                          &h->intline);
    /*
     * Cache line size: the guest's own (as VFIO), starting as the host set
     * it, never written to the hardware (the host's choice stays).
     * Latency timer: the hardware's, read-only (0 on PCI Express).  BIST
     * reads 0: not capable, so no guest starts a self-test of the device
     * behind the host's back (all-ones read "BIST capable, running").
     */
    if (!rc) {
        h->cacheline = (uint8_t)lfv_vpci_hw_read(h->v, PCI_CACHE_LINE_SIZE, 1);
        rc = hook_add_reg(e, byte_read, byte_write, PCI_CACHE_LINE_SIZE, 1,
                          &h->cacheline);
    }
    if (!rc)
        rc = hook_add_reg(e, hdr_hw_read_ro, NULL, PCI_LATENCY_TIMER, 1,
                          (void *)(uintptr_t)1);
    if (!rc)
        rc = hook_add_reg(e, read_val, NULL, PCI_BIST, 1, NULL);
    if (!rc)
        rc = hook_add_reg(e, hdr_hw_read_ro, NULL, PCI_INTERRUPT_PIN, 1,
                 (void *)(uintptr_t)1);
    return rc;
}

int hdr_guest_init(struct lfv_header *h, struct lfv_regs_edit *e)
{
    int rc = add_identity(h, e);

    if (!rc)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = guest_cmd_read, .write = guest_cmd_write, .data = h,
            .offset = PCI_COMMAND, .size = 2,
            .rsvdp_mask = HDR_CMD_GUEST_RSVDP });
    if (!rc)
        rc = add_status(h, e);
    for (unsigned int i = 0; !rc && i < h->nr_bars; i++)
        rc = add_bar(h, e, i);
    if (!rc && h->nr_bars)
        rc = hook_add_reg(e, read_val, NULL, h->bars[HDR_ROM].reg, 4, NULL);
    if (!rc)
        rc = hdr_caps_guest_init(h, e);
    return rc;
}
