/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress: hunt removal races.
 *
 * Reader threads (vCPUs) do config and ECAM accesses of every size on random
 * devices of random domains; writer threads hot-unplug and re-plug devices,
 * move them between domains, and add and remove registers, while handlers
 * themselves edit their own register sets from inside accesses.  Every
 * value a handler returns names the domain and device it belongs to, and
 * every handler checks that its private data is alive, so the run detects:
 *   torn   a value that is neither a register's nor a gap's;
 *   stale  a handler running on data already retired (use after free);
 *   leak   a guest seeing a device of another domain;
 *   alloc  handler data still allocated after teardown.
 * With --lspci, every owner also gets the real header emulation
 * (lfv_header_hook: BARs, COMMAND, p2m mappings), writers toggle MEMORY and
 * move guest BARs, and the p2m of every domain is checked against the
 * devices' BARs while the run goes on and once more at quiescence:
 *   isolation  a frame in a domain's p2m that no mapped BAR of a device it
 *              owns explains, or that two devices explain; an MSI-X table
 *              or PBA frame; a frame of a device the domain does not own;
 *              a hardware domain mapping that is not identity; and the
 *              tool's own record of guest BARs in other devices' windows
 *              (borrow[], which the MSI-X oracle trusts) missing one.
 * With --lspci the devices also get MSI and MSI-X emulation, and --msix
 * N/16 of reader steps are MSI/MSI-X traffic: table storms, entries of
 * one writer, foreign and malformed accesses, checked against recording
 * binding ops (stress_msix.c has the traffic and its invariants).
 * Run it under ThreadSanitizer or ASan for the memory-level view (make check
 * does, for every RCU backend).  Exits 1 on any failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "stress.h"

#define LIVE 0x4c495645u
#define DEAD 0xdeadbeefu

/*
 * Registers every owner gets, and the ones that come and go.  0x40-0x4b is
 * below every MSI/MSI-X capability of the shared dumps (the only
 * capabilities the header emulation registers past 0x40).  The volatile
 * registers sit at 0x80 on pattern devices, as they always did, and in
 * extended space with --lspci, where the header emulation registers only
 * 0x100 (0x80-0xbf holds MSI and MSI-X capabilities of several dumps).
 * Should a dump put the header's registers on one of these anyway, the
 * stress hook leaves that register out (see reg_taken).
 */
#define REG_ID 0x40     /* names (domain, device) */
#define REG_TOGGLE 0x44 /* write 1/0: the handler adds/removes REG_DYN */
#define REG_DYN 0x48    /* present or not: names (domain, device) too */
#define REG_VOL_PATTERN 0x80
#define REG_VOL_LSPCI 0x1c0
#define NR_VOL 16         /* REG_VOL..+0x3c: added and removed by writers */
#define NR_STRESS_REGS 19 /* ID, TOGGLE, DYN, the volatile ones */

#define CFG_COMMAND 0x04
#define CMD_MEMORY 0x2
#define PFN(a) ((a) >> LFV_PAGE_SHIFT)

#define COUNT(field) __atomic_fetch_add(&run->stats.field, 1, __ATOMIC_RELAXED)

lfv_sbdf_t dev_sbdf(unsigned int i)
{
    return LFV_SBDF(i / 128, 1 + (i % 128) / 32, i % 32, 0);
}

/*
 * Guest BARs in another device's window (memory_op's overlaps on purpose):
 * bit w of borrow[dev] (w != dev) is set while dev's guest BARs are or may
 * be in window w.  Changed only with own_lock[dev] held (between own_begin
 * and own_end, so that ownership and BAR placement cannot change under
 * it): a move sets the new window's bit before the first BAR write and
 * keeps the old windows' bits until the last one (a move from one borrowed
 * window to another is in both meanwhile), then leaves only the window the
 * BARs are in; a de-assignment or unplug that succeeded clears it (the
 * new owner's BARs start at the host's addresses, in no guest window).
 * win_gen changes around every change.  See window_quiet().
 */

_Static_assert(MAX_DEVICES <= 64, "borrow[] holds a bit per window");

static void set_borrow(struct stress *run, unsigned int dev, uint64_t wins)
{
    if (__atomic_load_n(&run->borrow[dev], __ATOMIC_ACQUIRE) == wins)
        return;
    __atomic_fetch_add(&run->win_gen, 1, __ATOMIC_ACQ_REL);
    __atomic_store_n(&run->borrow[dev], wins, __ATOMIC_RELEASE);
    __atomic_fetch_add(&run->win_gen, 1, __ATOMIC_ACQ_REL);
}

unsigned int window_gen(struct stress *run)
{
    return __atomic_load_n(&run->win_gen, __ATOMIC_ACQUIRE);
}

bool window_quiet(struct stress *run, unsigned int dev)
{
    if (__atomic_load_n(&run->borrow[dev], __ATOMIC_ACQUIRE))
        return false;
    for (unsigned int i = 0; i < run->opt.devices; i++)
        if (__atomic_load_n(&run->borrow[i], __ATOMIC_ACQUIRE) &
            (1ull << dev))
            return false;
    return true;
}

/*
 * ---- hardware ----
 * Either the simulated bridge with real devices loaded from lspci dumps
 * (--lspci), physically unplugged and re-plugged with the engine's device,
 * or a pattern that names each function and dword.
 */
/* Odd while a device is being unplugged and re-plugged (a seqcount): a
 * reader comparing with the hardware re-reads it only if this is stable. */

int dev_index(lfv_sbdf_t sbdf)
{
    unsigned int seg = LFV_SBDF_SEG(sbdf), bus = LFV_SBDF_BUS(sbdf);
    unsigned int i = seg * 128 + (bus - 1) * 32 + LFV_SBDF_DEV(sbdf);

    if (bus < 1 || bus > 4 || LFV_SBDF_FN(sbdf) || i >= MAX_DEVICES)
        return -1;
    return (int)i;
}

static unsigned int plug_begin(struct stress *run, lfv_sbdf_t sbdf)
{
    int i = dev_index(sbdf);

    return i < 0 ? 0 : __atomic_load_n(&run->plug_gen[i], __ATOMIC_ACQUIRE);
}

/* Was the hardware the same, and present, all along since plug_begin? */
static bool plug_stable(struct stress *run, lfv_sbdf_t sbdf, unsigned int g)
{
    int i = dev_index(sbdf);

    return i < 0 || (!(g & 1) && __atomic_load_n(&run->plug_gen[i],
                                                 __ATOMIC_ACQUIRE) == g);
}

/* Ownership and guest BAR placement as the tool changes them: stress.h. */

void own_begin(struct stress *run, unsigned int dev, int new_domid)
{
    pthread_mutex_lock(&run->own_lock[dev]);
    __atomic_fetch_add(&run->own_gen[dev], 1, __ATOMIC_ACQ_REL);
    if (new_domid >= 0)
        __atomic_fetch_or(&run->own_mask[dev], 1u << new_domid,
                          __ATOMIC_ACQ_REL);
}

void own_end(struct stress *run, unsigned int dev)
{
    unsigned int domid;
    uint32_t mask = 0;

    if (!lfv_pdev_owner(run->sys, dev_sbdf(dev), &domid, NULL) &&
        domid <= MAX_GUESTS)
        mask = 1u << domid;
    __atomic_store_n(&run->own_mask[dev], mask, __ATOMIC_RELEASE);
    __atomic_fetch_add(&run->own_gen[dev], 1, __ATOMIC_ACQ_REL);
    pthread_mutex_unlock(&run->own_lock[dev]);
}

bool own_allowed(struct stress *run, unsigned int dev, unsigned int domid)
{
    return domid <= MAX_GUESTS &&
           (__atomic_load_n(&run->own_mask[dev], __ATOMIC_ACQUIRE) >> domid) &
               1;
}

unsigned int own_gen_read(struct stress *run, unsigned int dev)
{
    return __atomic_load_n(&run->own_gen[dev], __ATOMIC_ACQUIRE);
}

static uint32_t pattern_value(lfv_sbdf_t sbdf, unsigned int dword)
{
    return 0x48000000u | ((sbdf & 0xffff) << 8) | (dword & 0xff);
}

/* What the hardware holds now at a dword of a function. */
static uint32_t hw_value(struct stress *run, lfv_sbdf_t sbdf,
                         unsigned int dword)
{
    if (run->bridge)
        return lfv_sim_cfg_read(run->bridge, sbdf, 4 * dword, 4);
    return pattern_value(sbdf, dword);
}

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    (void)hw;
    return (pattern_value(sbdf, reg >> 2) >> (8 * (reg & 3))) &
           (size == 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf, (void)reg, (void)size, (void)val;
}

static const struct lfv_hw_ops hw_ops = { hw_read, hw_write };

/*
 * ---- BAR layout (--lspci) ----
 * The dumps come from different machines and their BARs overlap (two of
 * them decode 0xe0000000): one bridge holding them all is a broken
 * platform.  So the tool plays firmware: each device gets its own host
 * window and its memory BARs and ROM are placed there, largest first,
 * aligned to their size and at least a page, once at load and again
 * after every re-plug (the dump comes back at its own addresses).  That
 * layout is also the isolation check's oracle of host frames, taken from
 * the hardware rather than from the header emulation under test.  Guests
 * move their BARs between two slots of a window of their own per device
 * (so devices of one guest never overlap), except when a move borrows
 * another device's window on purpose, to test the header's overlap
 * handling.
 */
#define HOST32_BASE 0x80000000ull      /* + dev * 32 MiB, below 4 GiB */
#define HOST32_WIN 0x2000000ull
#define HOST64_BASE 0x10000000000ull   /* 1 TiB + dev * 16 GiB */
#define HOST64_WIN 0x400000000ull
#define GUEST32_BASE 0x40000000ull     /* + dev * 32 MiB: two 16 MiB slots */
#define GUEST32_SLOT 0x1000000ull
#define GUEST64_BASE 0x20000000000ull  /* 2 TiB + dev * 32 GiB: two slots */
#define GUEST64_SLOT 0x400000000ull

/*
 * Place the memory BARs (and, for the host, the ROM) of dev in [b32, b32 +
 * w32) and [b64, b64 + w64), largest first; addresses into out[].  -ENOSPC
 * when they do not fit.
 */
static int pack(struct stress *run, unsigned int dev, bool rom, uint64_t b32,
                uint64_t w32, uint64_t b64, uint64_t w64, uint64_t out[7])
{
    uint64_t cur32 = b32, cur64 = b64;
    bool done[7] = { false };

    for (;;) {
        int best = -1;

        for (unsigned int i = 0; i < 7; i++)
            if (!done[i] && run->layout[dev].bar[i].mem &&
                (i != LFV_HEADER_ROM || rom) &&
                (best < 0 || run->layout[dev].bar[i].size >
                                 run->layout[dev].bar[best].size))
                best = (int)i;
        if (best < 0)
            return 0;
        done[best] = true;

        const struct bar_oracle *b = &run->layout[dev].bar[best];
        uint64_t span = b->size < LFV_PAGE_SIZE ? LFV_PAGE_SIZE : b->size;
        uint64_t *cur = b->is64 ? &cur64 : &cur32;
        uint64_t at = (*cur + span - 1) & ~(span - 1);

        if (at + span > (b->is64 ? b64 + w64 : b32 + w32))
            return -ENOSPC;
        out[best] = at;
        *cur = at + span;
    }
}

/* Discovery as firmware does it, from the hardware; at load only. */
static int layout_discover(struct stress *run, unsigned int dev)
{
    lfv_sbdf_t s = dev_sbdf(dev);
    unsigned int type = lfv_sim_cfg_read(run->bridge, s, 0x0e, 1) & 0x7f;
    unsigned int nr = type == 0 ? 6 : type == 1 ? 2 : 0;
    uint64_t at[7] = { 0 };
    unsigned int pos, ttl = 48;
    bool msix_seen = false;
    int rc;

    for (unsigned int i = 0; i < nr; i++) {
        struct bar_oracle *b = &run->layout[dev].bar[i];
        uint32_t val = lfv_sim_cfg_read(run->bridge, s, 0x10 + 4 * i, 4);

        b->reg = 0x10 + 4 * i;
        b->size = lfv_sim_bar_size(run->bridge, s, i);
        b->mem = b->size && !(val & 1);
        b->is64 = b->mem && (val & 6) == 4;
        i += b->is64;
    }
    if (nr) {
        struct bar_oracle *rom = &run->layout[dev].bar[LFV_HEADER_ROM];

        rom->reg = type == 0 ? 0x30 : 0x38;
        rom->size = lfv_sim_bar_size(run->bridge, s, 6);
        rom->mem = rom->size != 0;
    }
    rc = pack(run, dev, true, HOST32_BASE + dev * HOST32_WIN, HOST32_WIN,
              HOST64_BASE + dev * HOST64_WIN, HOST64_WIN, at);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < 7; i++)
        run->layout[dev].bar[i].addr = at[i];

    /*
     * MSI-X table and PBA: the first MSI-X capability, as the header's;
     * and the first MSI capability.
     */
    if (!(lfv_sim_cfg_read(run->bridge, s, 0x06, 2) & 0x10))
        return 0;
    pos = lfv_sim_cfg_read(run->bridge, s, 0x34, 1) & ~3u;
    while (pos >= 0x40 && ttl--) {
        unsigned int id = lfv_sim_cfg_read(run->bridge, s, pos, 1);

        if (id == 0x05 && !run->layout[dev].msi_pos) {
            uint16_t flags = lfv_sim_cfg_read(run->bridge, s, pos + 2, 2);

            run->layout[dev].msi_pos = pos;
            run->layout[dev].msi_64 = flags & 0x80;
            run->layout[dev].msi_maskable = flags & 0x100;
        }
        if (id == 0x11 && !msix_seen) {
            unsigned int entries =
                (lfv_sim_cfg_read(run->bridge, s, pos + 2, 2) & 0x7ff) + 1;
            uint32_t sizes[2] = { entries * 16, (entries + 63) / 64 * 8 };

            for (unsigned int k = 0; k < 2; k++) {
                uint32_t v =
                    lfv_sim_cfg_read(run->bridge, s, pos + 4 + 4 * k, 4);
                const struct bar_oracle *b = &run->layout[dev].bar[v & 7];
                uint64_t a = b->addr + (v & ~7u);

                if ((v & 7) > 5 || !b->mem)
                    continue;
                run->layout[dev].msix[k] = true;
                run->layout[dev].msix_s[k] = PFN(a);
                run->layout[dev].msix_e[k] = PFN(a + sizes[k] - 1);
                run->layout[dev].msix_bir[k] = v & 7;
                run->layout[dev].msix_off[k] = v & ~7u;
                run->layout[dev].msix_size[k] = sizes[k];
            }
            if (run->layout[dev].msix[0]) {
                run->layout[dev].msix_pos = pos;
                run->layout[dev].msix_nr = entries;
            }
            msix_seen = true;
        }
        pos = lfv_sim_cfg_read(run->bridge, s, pos + 1, 1) & ~3u;
    }
    return 0;
}

/*
 * Program the layout into the hardware, decoding off meanwhile.  And, as
 * the host does before a PF can go to a guest, disable its VFs (the
 * 82576's dump has them enabled; lfv_pdev_assign() refuses such a PF).
 */
static void layout_program(struct stress *run, unsigned int dev)
{
    lfv_sbdf_t s = dev_sbdf(dev);
    uint32_t cmd = lfv_sim_cfg_read(run->bridge, s, CFG_COMMAND, 2);

    lfv_sim_sriov_disable(run->bridge, s);

    lfv_sim_cfg_write(run->bridge, s, CFG_COMMAND, 2, cmd & ~CMD_MEMORY);
    for (unsigned int i = 0; i < 7; i++) {
        const struct bar_oracle *b = &run->layout[dev].bar[i];

        if (!b->mem)
            continue;
        lfv_sim_cfg_write(run->bridge, s, b->reg, 4, (uint32_t)b->addr);
        if (b->is64)
            lfv_sim_cfg_write(run->bridge, s, b->reg + 4, 4,
                              (uint32_t)(b->addr >> 32));
    }
    lfv_sim_cfg_write(run->bridge, s, CFG_COMMAND, 2, cmd);
}

int guest_layout(struct stress *run, unsigned int dev, unsigned int win,
                 unsigned int slot, uint64_t out[7])
{
    return pack(run, dev, false,
                GUEST32_BASE + (2 * win + slot) * GUEST32_SLOT, GUEST32_SLOT,
                GUEST64_BASE + (2 * win + slot) * GUEST64_SLOT, GUEST64_SLOT,
                out);
}

/* The guest window holding a guest address (guest_layout), or -1. */
static int window_of(struct stress *run, uint64_t a)
{
    if (a >= GUEST32_BASE &&
        a - GUEST32_BASE < run->opt.devices * GUEST_SLOTS * GUEST32_SLOT)
        return (int)((a - GUEST32_BASE) / (GUEST_SLOTS * GUEST32_SLOT));
    if (a >= GUEST64_BASE &&
        a - GUEST64_BASE < run->opt.devices * GUEST_SLOTS * GUEST64_SLOT)
        return (int)((a - GUEST64_BASE) / (GUEST_SLOTS * GUEST64_SLOT));
    return -1;
}

/*
 * The other devices' windows dev's BARs are in now, as its owner d (at
 * vsbdf) reads them: a BAR write may not have taken effect (decoding was
 * on again, turned on by another writer's toggle), so a move's marks are
 * taken from where the BARs are, not where they were sent.  With dev's
 * own lock held (no one else moves them).
 */
static uint64_t placed_windows(struct stress *run, unsigned int dev,
                               struct lfv_domain *d, lfv_sbdf_t vsbdf)
{
    uint64_t wins = 0;

    for (unsigned int i = 0; i < 6; i++) {
        const struct bar_oracle *b = &run->layout[dev].bar[i];
        uint64_t a;
        int w;

        if (!b->mem)
            continue;
        a = lfv_conf_read(d, vsbdf, b->reg, 4) & ~0xfull;
        if (b->is64)
            a |= (uint64_t)lfv_conf_read(d, vsbdf, b->reg + 4, 4) << 32;
        w = window_of(run, a);
        if (w >= 0 && w != (int)dev)
            wins |= 1ull << w;
    }
    return wins;
}

/* ---- the owner's registers ---- */

/*
 * Stress registers another hook (the header emulation) already has on some
 * device: bit i for ID, TOGGLE, DYN, then volatile register i - 3.  Found
 * at setup, single-threaded (probing), by building every device's state
 * for a guest and for the hardware domain and trying each offset; fixed
 * afterwards, so readers know without a race which registers exist and
 * check only those.  A register taken on one device is left out on all:
 * a guest's reader cannot tell which device sits behind a virtual slot.
 */

static unsigned int reg_bit(struct stress *run, unsigned int reg)
{
    return reg >= run->reg_vol ? 3 + (reg - run->reg_vol) / 4
                               : (reg - REG_ID) / 4;
}

static bool reg_free(struct stress *run, unsigned int reg)
{
    return !(run->reg_taken & (1u << reg_bit(run, reg)));
}

/*
 * Add a stress register unless it is taken.  While probing, a collision
 * marks it taken (and keep == false removes it again: DYN and the
 * volatile ones only come and go later); afterwards a collision the probe
 * did not find is a failure of its own (counted as torn).
 */
static int add_stress_reg(struct stress *run, struct lfv_regs_edit *e,
                          const struct lfv_reg_desc *r, bool keep)
{
    int rc;

    if (!reg_free(run, r->offset))
        return 0;
    rc = lfv_regs_edit_add(e, r);
    if (rc == -EEXIST) {
        if (run->probing)
            run->reg_taken |= 1u << reg_bit(run, r->offset);
        else
            COUNT(torn);
        return 0;
    }
    if (!rc && !keep)
        rc = lfv_regs_edit_remove(e, r->offset, r->size);
    return rc;
}

struct owner_data {
    uint32_t magic;
    unsigned int domid, dev;
    struct stress *run;
};

static uint32_t id_value(unsigned int domid, unsigned int dev)
{
    return 0xa5000000u | ((domid & 0xff) << 16) | ((dev & 0xff) << 8) | 0x3c;
}

static uint32_t vol_value(unsigned int reg)
{
    return 0x5a000000u | reg;
}

static uint32_t id_read(const void *ctx, unsigned int reg, void *data)
{
    const struct owner_data *o = data;
    struct stress *run = o->run;

    (void)ctx, (void)reg;
    if (__atomic_load_n(&o->magic, __ATOMIC_RELAXED) != LIVE) {
        COUNT(stale);
        return 0;
    }
    return id_value(o->domid, o->dev);
}

static int toggle_dyn(struct stress *run, struct lfv_vpci *v,
                      struct owner_data *o, bool on)
{
    struct lfv_regs_edit *e;
    int rc = lfv_vpci_edit_begin(v, &e);

    if (rc)
        return rc;
    if (!reg_free(run, REG_DYN))
        rc = -EEXIST; /* the header's: never ours to toggle */
    else if (on)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = id_read, .data = o, .offset = REG_DYN, .size = 4 });
    else
        rc = lfv_regs_edit_remove(e, REG_DYN, 4);
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

/* Editing its own register set from inside an access. */
static void toggle_write(const void *ctx, unsigned int reg, uint32_t val,
                         void *data)
{
    struct owner_data *o = data;
    struct stress *run = o->run;
    int rc;

    (void)reg;
    if (__atomic_load_n(&o->magic, __ATOMIC_RELAXED) != LIVE) {
        COUNT(stale);
        return;
    }
    rc = toggle_dyn(run, (struct lfv_vpci *)ctx, o, val & 1);
    if (rc == 0)
        COUNT(handler_edits);
    else if (rc != -EEXIST && rc != -ENOENT)
        COUNT(torn);
}

static const struct lfv_vpci_hook stress_hook;

/*
 * The run whose system has the stress hook: a hook has no context of its
 * own (its init gets the device only).  Set by setup(), one run at a time
 * (scenario.h); used by stress_init() only, which hands it on to each
 * owner's data.
 */
static struct stress *hook_run;

static int stress_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct stress *run = hook_run;
    struct owner_data *o = malloc(sizeof(*o));
    lfv_sbdf_t sbdf = lfv_vpci_sbdf(v);
    int rc;

    if (!o)
        return -ENOMEM;
    o->magic = LIVE;
    o->run = run;
    o->domid = lfv_domain_id(lfv_vpci_domain(v));
    o->dev = 0;
    for (unsigned int i = 0; i < run->opt.devices; i++)
        if (dev_sbdf(i) == sbdf)
            o->dev = i;
    __atomic_fetch_add(&run->live_data, 1, __ATOMIC_RELAXED);
    lfv_vpci_set_priv(v, &stress_hook, o);
    rc = add_stress_reg(run, e, &(struct lfv_reg_desc){
        .read = id_read, .data = o, .offset = REG_ID, .size = 4 }, true);
    if (!rc)
        rc = add_stress_reg(run, e, &(struct lfv_reg_desc){
            .write = toggle_write, .data = o, .offset = REG_TOGGLE,
            .size = 4 }, true);
    if (!run->probing)
        return rc;
    if (!rc)
        rc = add_stress_reg(run, e, &(struct lfv_reg_desc){
            .read = id_read, .data = o, .offset = REG_DYN, .size = 4 }, false);
    for (unsigned int i = 0; !rc && i < NR_VOL; i++)
        rc = add_stress_reg(
            run, e,
            &(struct lfv_reg_desc){
                .read = id_read, .offset = run->reg_vol + 4 * i, .size = 4},
            false);
    return rc;
}

static void stress_fini(struct lfv_vpci *v, void *priv)
{
    struct owner_data *o = priv;
    struct stress *run;

    (void)v;
    if (!o)
        return;
    run = o->run;
    __atomic_store_n(&o->magic, DEAD, __ATOMIC_RELAXED);
    free(o);
    __atomic_fetch_sub(&run->live_data, 1, __ATOMIC_RELAXED);
}

static const struct lfv_vpci_hook stress_hook = {
    .name = "stress", .init = stress_init, .fini = stress_fini,
};

/* ---- readers ---- */

/*
 * May a reader's random write of 0 go to reg?  Writes that reach hardware
 * keep off the dwords checked here.  With --lspci they also keep off
 * COMMAND and the BARs: MEMORY toggles and BAR moves are the writers'
 * operations, done where the isolation check can see them whole (iso_lock),
 * and a hardware domain writing 0 into host BARs would stack every device
 * at address 0, a broken platform rather than a test of isolation.
 */
static bool random_write_ok(struct stress *run, unsigned int reg)
{
    if (!run->bridge)
        return reg < REG_ID || reg >= 0xc0;
    if ((reg >= CFG_COMMAND && reg < CFG_COMMAND + 4) ||
        (reg >= 0x10 && reg < 0x3c)) /* BARs, type 0 and 1 ROM */
        return false;
    return (reg < REG_ID || reg >= REG_DYN + 4) &&
           (reg < run->reg_vol || reg >= run->reg_vol + 4 * NR_VOL);
}

/*
 * What a 4-byte read of an owner's register may return when domain d
 * reaches (virtual or physical) sbdf: that owner's value, a gap, or (for
 * the hardware domain) the hardware.  Anything naming another domain is a
 * leak; anything else is torn.
 */
static void check_id(struct stress *run, unsigned int domid, bool hwdom,
                     lfv_sbdf_t sbdf, unsigned int reg, uint32_t v,
                     unsigned int g)
{
    if (v == 0xffffffffu && (!hwdom || run->bridge)) /* gap, or unplugged */
        return;
    if (hwdom &&
        (v == hw_value(run, sbdf, reg >> 2) || !plug_stable(run, sbdf, g)))
        return;
    if ((v & 0xff0000ffu) == 0xa500003cu) {
        if (((v >> 16) & 0xff) != (domid & 0xff))
            COUNT(leak);
        return;
    }
    COUNT(torn);
}

static void reader_step(struct stress *run, uint64_t *rng, unsigned int t)
{
    unsigned int di = xorshift(rng) % (run->opt.guests + 1);
    struct lfv_domain *d = run->doms[di];
    bool hwdom = di == 0;
    unsigned int domid = lfv_domain_id(d), r = xorshift(rng) % 16;
    lfv_sbdf_t sbdf;
    uint32_t v;
    uint64_t q;
    unsigned int g;

    if (run->bridge && (int)(xorshift(rng) % 16) < run->opt.msix) {
        msix_reader_step(run->msix, rng, t);
        return;
    }
    if (hwdom)
        sbdf =
            dev_sbdf(xorshift(rng) % (run->opt.devices + 2)); /* some absent */
    else
        sbdf = LFV_SBDF(0, 0, xorshift(rng) % LFV_VBUS_SLOTS, 0);
    g = plug_begin(run, sbdf);

    switch (r) {
    case 0 ... 5:
        v = lfv_conf_read(d, sbdf, REG_ID, 4);
        if (reg_free(run, REG_ID))
            check_id(run, domid, hwdom, sbdf, REG_ID, v, g);
        break;
    case 6 ... 7: { /* partial reads: a register's bytes, or a gap's */
        uint32_t lo = lfv_conf_read(d, sbdf, REG_ID, 2);
        uint32_t b2 = lfv_conf_read(d, sbdf, REG_ID + 2, 1);

        if (!reg_free(run, REG_ID))
            break;
        if (hwdom) {
            uint32_t hw = hw_value(run, sbdf, REG_ID >> 2);

            if (!plug_stable(run, sbdf, g))
                break;
            if ((lo & 0xff) != 0x3c && lo != (hw & 0xffff))
                COUNT(torn);
            if (b2 != 0 && b2 != ((hw >> 16) & 0xff))
                COUNT(torn);
            break;
        }
        if ((lo & 0xff) != 0x3c && lo != 0xffff)
            COUNT(torn);
        if (b2 != 0xff && b2 != (domid & 0xff)) {
            if (b2 <= MAX_GUESTS) /* another domain's id */
                COUNT(leak);
            else
                COUNT(torn);
        }
        break;
    }
    case 8 ... 9: /* ECAM, 8 bytes: REG_ID then REG_TOGGLE (write-only) */
        if (lfv_ecam_read(d, ((uint64_t)(sbdf & 0xffff) << 12) | REG_ID, 8,
                          &q)) {
            COUNT(torn);
            break;
        }
        if (reg_free(run, REG_ID))
            check_id(run, domid, hwdom, sbdf, REG_ID, (uint32_t)q, g);
        break;
    case 10 ... 11:
        v = lfv_conf_read(d, sbdf, REG_DYN, 4);
        if (reg_free(run, REG_DYN))
            check_id(run, domid, hwdom, sbdf, REG_DYN, v, g);
        break;
    case 12: { /* volatile registers: their value, a gap or hardware */
        unsigned int reg = run->reg_vol + 4 * (xorshift(rng) % NR_VOL);

        v = lfv_conf_read(d, sbdf, reg, 4);
        if (reg_free(run, reg) && v != vol_value(reg) && v != 0xffffffffu &&
            !(hwdom && (v == hw_value(run, sbdf, reg >> 2) ||
                        !plug_stable(run, sbdf, g))))
            COUNT(torn);
        break;
    }
    case 13: /* a handler that edits its own device's registers */
        if (!reg_free(run, REG_TOGGLE))
            break;
        lfv_conf_write(d, sbdf, REG_TOGGLE, 4, xorshift(rng) & 1);
        COUNT(writes);
        break;
    default: { /* anything, any size: exercises spans and gaps */
        static const unsigned int sizes[] = { 1, 2, 4 };
        unsigned int size = sizes[xorshift(rng) % 3];
        unsigned int reg = (xorshift(rng) % (run->bridge ? 512 : 256)) &
                           ~(size - 1);

        if (xorshift(rng) % 4 == 0 && random_write_ok(run, reg)) {
            lfv_conf_write(d, sbdf, reg, size, 0);
            COUNT(writes);
        } else {
            (void)lfv_ecam_read(d, ((uint64_t)(sbdf & 0xffff) << 12) | reg,
                                size, &q);
        }
        break;
    }
    }
    COUNT(reads);
}

static void *reader(void *arg)
{
    const struct thread_arg *a = arg;
    struct stress *run = a->run;
    uint64_t rng = run->opt.seed * 0x9e3779b97f4a7c15ull + a->index * 7 + 1;
    unsigned int n = 0;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
        reader_step(run, &rng, a->index);
        if (++n % 64 == 0)
            lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/*
 * ---- isolation ----
 * Mapping changes (MEMORY toggles, BAR moves, assignments, unplugs) run
 * under iso_lock read-held; the check takes it write-held, so it compares
 * the p2m with BARs and owners that cannot change under it.  A check
 * racing with those operations would compare one moment's p2m with
 * another's BARs and report what is only a race of the tool.  Readers
 * (vCPUs) never take it: their accesses do not change mappings (see
 * random_write_ok).  Writer preference keeps the checker from starving.
 */

static int snap_bars(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    struct dev_snap *d = arg;

    (void)e;
    for (unsigned int i = 0; i < 7; i++)
        if (lfv_header_bar(v, i, &d->bar[i]))
            memset(&d->bar[i], 0, sizeof(d->bar[i]));
    return 1; /* publish nothing */
}

static bool overlaps(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
    return s1 <= e2 && s2 <= e1;
}

struct iso_ctxt {
    struct stress *run;
    unsigned int domid;
    bool hwdom;
    unsigned long bad;
};

static void iso_fail(struct iso_ctxt *c, uint64_t gfn, uint64_t nr,
                     uint64_t mfn, const char *what)
{
    c->bad++;
    /* the first few say enough */
    if (__atomic_fetch_add(&c->run->iso_printed, 1, __ATOMIC_RELAXED) < 8)
        fprintf(stderr,
                "lfvpci-stress: isolation: domain %u gfn %#" PRIx64
                " +%" PRIu64 " -> mfn %#" PRIx64 ": %s\n",
                c->domid, gfn, nr, mfn, what);
}

static bool is_mem(const struct lfv_header_bar_info *b)
{
    return b->size && (b->type == LFV_HEADER_BAR_MEM32 ||
                       b->type == LFV_HEADER_BAR_MEM64_LO ||
                       b->type == LFV_HEADER_BAR_ROM);
}

/*
 * One p2m entry of a domain: [gfn, gfn + nr) -> [mfn, mfn + nr).  Host
 * frames are checked against the firmware layout (the oracle), guest frames
 * against what the header emulation says each owned BAR is.
 */
static int iso_entry(uint64_t gfn, uint64_t nr, uint64_t mfn, void *arg)
{
    struct iso_ctxt *c = arg;
    struct stress *run = c->run;
    uint64_t mend = mfn + nr - 1, g = gfn, gend = gfn + nr - 1;

    COUNT(iso_entries);
    if (c->hwdom && gfn != mfn)
        iso_fail(c, gfn, nr, mfn, "hardware domain mapping not identity");
    for (unsigned int k = 0; k < run->opt.devices; k++) {
        bool mine = run->snap[k].owned && run->snap[k].domid == c->domid;

        for (unsigned int m = 0; m < 2; m++)
            if (run->layout[k].msix[m] &&
                overlaps(mfn, mend, run->layout[k].msix_s[m],
                         run->layout[k].msix_e[m]))
                iso_fail(c, gfn, nr, mfn,
                         m ? "an MSI-X PBA frame" : "an MSI-X table frame");
        for (unsigned int i = 0; !mine && i < 7; i++) {
            const struct bar_oracle *b = &run->layout[k].bar[i];

            if (b->mem && overlaps(mfn, mend, PFN(b->addr),
                                   PFN(b->addr + b->size - 1)))
                iso_fail(c, gfn, nr, mfn,
                         run->snap[k].owned
                             ? "a frame of another domain's device"
                             : "a frame of a de-assigned device");
        }
    }
    /* every frame: a mapped BAR of exactly one device the domain owns */
    while (g <= gend) {
        uint64_t upto = gend, want = mfn + (g - gfn);
        int who = -1;
        bool two = false;

        for (unsigned int k = 0; k < run->opt.devices; k++) {
            if (!run->snap[k].owned || run->snap[k].domid != c->domid)
                continue;
            for (unsigned int i = 0; i < 7; i++) {
                const struct lfv_header_bar_info *b = &run->snap[k].bar[i];
                uint64_t gs = PFN(b->guest_addr);
                uint64_t ge = PFN(b->guest_addr + b->size - 1);

                if (!b->mapped || !is_mem(b) || g < gs || g > ge ||
                    want != PFN(b->host_addr) + (g - gs))
                    continue;
                two |= who >= 0 && who != (int)k;
                who = (int)k;
                upto = ge < upto ? ge : upto;
            }
        }
        if (who < 0 || two) {
            iso_fail(c, g, gend - g + 1, want,
                     two ? "frames of two devices"
                         : "no mapped BAR of an owned device explains it");
            break;
        }
        g = upto + 1;
    }
    return 0;
}

/*
 * The oracle's own check (iso_lock write-held: no move, assignment or
 * unplug is half done): every window other than its own that a guest's
 * BAR of device k lies in is marked in borrow[k], else window_quiet()
 * would vouch for an overlap it cannot see.  Returns the failures.
 */
static unsigned long borrow_audit(struct stress *run, unsigned int k)
{
    const struct dev_snap *d = &run->snap[k];
    uint64_t marked = __atomic_load_n(&run->borrow[k], __ATOMIC_ACQUIRE);
    unsigned long bad = 0;

    if (!d->owned || d->domid > run->opt.guests ||
        lfv_domain_is_hardware(run->doms[d->domid]))
        return 0;
    for (unsigned int i = 0; i < 7; i++) {
        int w = is_mem(&d->bar[i]) ? window_of(run, d->bar[i].guest_addr)
                                   : -1;

        if (w < 0 || w == (int)k || (marked >> w & 1))
            continue;
        bad++;
        if (__atomic_fetch_add(&run->iso_printed, 1, __ATOMIC_RELAXED) < 8)
            fprintf(stderr, "lfvpci-stress: oracle: domain %u's BAR %u of "
                    "device %u at %#" PRIx64 " is in device %d's window, "
                    "not marked borrowed (%#" PRIx64 ")\n", d->domid, i, k,
                    d->bar[i].guest_addr, w, marked);
    }
    return bad;
}

/* Check every domain's p2m; returns the number of violations. */
static unsigned long iso_check(struct stress *run)
{
    unsigned long bad = 0;

    pthread_rwlock_wrlock(&run->iso_lock);
    for (unsigned int k = 0; k < run->opt.devices; k++) {
        struct dev_snap *d = &run->snap[k];

        memset(d, 0, sizeof(*d));
        if (lfv_pdev_owner(run->sys, dev_sbdf(k), &d->domid, NULL) ||
            d->domid == LFV_DOMID_INVALID)
            continue;
        d->owned = lfv_pdev_update(run->sys, dev_sbdf(k), snap_bars, d) == 1;
        /* the header's host addresses must be the firmware's */
        for (unsigned int i = 0; run->bridge && d->owned && i < 7; i++)
            if (is_mem(&d->bar[i]) &&
                d->bar[i].host_addr != run->layout[k].bar[i].addr) {
                fprintf(stderr, "lfvpci-stress: isolation: device %u BAR "
                        "%u at %#" PRIx64 ", placed at %#" PRIx64 "\n",
                        k, i, d->bar[i].host_addr, run->layout[k].bar[i].addr);
                bad++;
            }
        bad += borrow_audit(run, k);
    }
    for (unsigned int i = 0; i <= run->opt.guests; i++) {
        struct iso_ctxt c = { run, lfv_domain_id(run->doms[i]),
                              lfv_domain_is_hardware(run->doms[i]), 0 };

        lfv_rcu_read_lock();
        lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(run->doms[i])),
                             iso_entry, &c);
        lfv_rcu_read_unlock();
        bad += c.bad;
    }
    pthread_rwlock_unlock(&run->iso_lock);
    COUNT(iso_checks);
    __atomic_fetch_add(&run->stats.isolation, bad, __ATOMIC_RELAXED);
    return bad;
}


/*
 * A COMMAND write as a vCPU makes it: with --defer, the p2m change is
 * deferred and the vCPU processes its domain's pending work before it
 * goes on (Xen: vpci_process_pending() before re-entering the guest),
 * still inside iso_lock, so the isolation check never sees it half done.
 * Other writers' moves and unplugs may cancel it meanwhile.
 */
static void cmd_write(struct stress *run, struct lfv_domain *d,
                      lfv_sbdf_t vsbdf, uint16_t cmd)
{
    lfv_conf_write(d, vsbdf, CFG_COMMAND, 2, cmd);
    if (run->opt.defer)
        while (lfv_header_process_pending(d, run->opt.defer, NULL, NULL) ==
               1)
            COUNT(deferred_steps);
}

/*
 * A vCPU of the device's owner turns MEMORY off or on; for a guest, with
 * `move`, it first moves the BARs (decoding off, new addresses, decoding
 * on), as an OS re-assigning resources does.  The hardware domain only
 * toggles: its BARs are the host's, where firmware put them.
 */
static void memory_op(struct stress *run, unsigned int dev, bool move,
                      uint64_t *rng)
{
    lfv_sbdf_t sbdf = dev_sbdf(dev), vsbdf;
    struct lfv_domain *d;
    unsigned int domid;
    uint32_t cmd;

    pthread_rwlock_rdlock(&run->iso_lock);
    if (lfv_pdev_owner(run->sys, sbdf, &domid, &vsbdf) ||
        domid > run->opt.guests)
        goto out; /* unowned */
    d = run->doms[domid];
    if (lfv_domain_is_hardware(d))
        vsbdf = sbdf, move = false;
    cmd = lfv_conf_read(d, vsbdf, CFG_COMMAND, 2);
    if (move) {
        /* usually its own window; sometimes another's, to overlap */
        unsigned int win =
            xorshift(rng) % 8 ? dev : xorshift(rng) % run->opt.devices;
        uint64_t at[2][7], wins;
        unsigned int domid2;
        lfv_sbdf_t vsbdf2;

        if (guest_layout(run, dev, win, 0, at[0]) ||
            guest_layout(run, dev, win, 1, at[1]))
            goto out;
        /*
         * The owner's lock from here: dev stays where it is (another move
         * of it waits), and the BARs written below are still dev's (a
         * re-assignment meanwhile could have given vsbdf to another
         * device of d, whose BARs would land in this window unmarked).
         */
        own_begin(run, dev, -1);
        if (lfv_pdev_owner(run->sys, sbdf, &domid2, &vsbdf2) ||
            domid2 != domid || vsbdf2 != vsbdf) {
            own_end(run, dev);
            goto out;
        }
        if (cmd & CMD_MEMORY) {
            cmd_write(run, d, vsbdf, cmd & ~CMD_MEMORY);
            COUNT(toggles);
        }
        /* marked before it overlaps anything, the old windows kept */
        wins = __atomic_load_n(&run->borrow[dev], __ATOMIC_ACQUIRE);
        if (win != dev)
            set_borrow(run, dev, wins | 1ull << win);
        for (unsigned int i = 0; i < 6; i++) {
            const struct bar_oracle *b = &run->layout[dev].bar[i];
            uint64_t a = at[xorshift(rng) & 1][i];

            if (!b->mem)
                continue;
            lfv_conf_write(d, vsbdf, b->reg, 4, (uint32_t)a);
            if (b->is64)
                lfv_conf_write(d, vsbdf, b->reg + 4, 4, (uint32_t)(a >> 32));
            COUNT(bar_moves);
        }
        /* only the windows its BARs are in now (none once home) */
        set_borrow(run, dev, placed_windows(run, dev, d, vsbdf));
        own_end(run, dev);
        cmd |= CMD_MEMORY;
    } else {
        cmd ^= CMD_MEMORY;
    }
    cmd_write(run, d, vsbdf, cmd);
    COUNT(toggles);
    /* page-aligned, non-overlapping or overlap-trimmed: never refused */
    if ((cmd & CMD_MEMORY) &&
        !(lfv_conf_read(d, vsbdf, CFG_COMMAND, 2) & CMD_MEMORY))
        COUNT(map_refused);
out:
    pthread_rwlock_unlock(&run->iso_lock);
}

/* ---- writers ---- */

struct vol_arg {
    struct stress *run;
    unsigned int reg;
    bool add;
};

static uint32_t vol_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)data;
    return vol_value(reg);
}

static int vol_update(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    const struct vol_arg *a = arg;
    struct stress *run = a->run;

    (void)v;
    if (!reg_free(run, a->reg))
        return -EEXIST; /* the header's register, not ours */
    if (a->add)
        return lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = vol_read, .offset = a->reg, .size = 4 });
    return lfv_regs_edit_remove(e, a->reg, 4);
}

static void writer_step(struct stress *run, uint64_t *rng)
{
    unsigned int total = run->opt.mix_unplug + run->opt.mix_move +
                         run->opt.mix_regs + run->opt.mix_toggle +
                         run->opt.mix_bar;
    unsigned int pick = xorshift(rng) % (total ? total : 1);
    unsigned int dev = xorshift(rng) % run->opt.devices;
    lfv_sbdf_t sbdf = dev_sbdf(dev);
    int rc;

    if (pick >= run->opt.mix_unplug + run->opt.mix_move + run->opt.mix_regs) {
        pick -= run->opt.mix_unplug + run->opt.mix_move + run->opt.mix_regs;
        memory_op(run, dev, pick >= (unsigned int)run->opt.mix_toggle, rng);
    } else if (pick < run->opt.mix_unplug) {
        pthread_rwlock_rdlock(&run->iso_lock);
        pthread_mutex_lock(&run->plug_lock[dev]);
        __atomic_fetch_add(&run->plug_gen[dev], 1, __ATOMIC_ACQ_REL);
        own_begin(run, dev, 0); /* the re-plugged device goes to dom0 */
        rc = lfv_pdev_remove(run->sys, sbdf);
        if (rc == 0)
            COUNT(unplugs);
        if (run->bridge) { /* the hardware goes too, and comes back */
            if (lfv_sim_remove(run->bridge, sbdf) ||
                lfv_sim_add_lspci(run->bridge, run->dump_text[dev],
                                  run->dump_len[dev], sbdf, NULL))
                COUNT(torn);
            else /* firmware places it again, before the host sees it */
                layout_program(run, dev);
        }
        if (rc == 0)
            set_borrow(run, dev, 0); /* its guest BARs are gone */
        rc = lfv_pdev_add(run->sys, sbdf);
        if (rc && rc != -EEXIST)
            COUNT(torn);
        own_end(run, dev);
        __atomic_fetch_add(&run->plug_gen[dev], 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&run->plug_lock[dev]);
        pthread_rwlock_unlock(&run->iso_lock);
    } else if (pick < run->opt.mix_unplug + run->opt.mix_move) {
        unsigned int to = xorshift(rng) % (run->opt.guests + 2);
        unsigned int was = LFV_DOMID_INVALID, now = LFV_DOMID_INVALID;

        pthread_rwlock_rdlock(&run->iso_lock);
        own_begin(run, dev, to > run->opt.guests ? -1 : (int)to);
        lfv_pdev_owner(run->sys, sbdf, &was, NULL);
        rc = lfv_pdev_assign(run->sys, sbdf,
                             to > run->opt.guests ? NULL : run->doms[to]);
        lfv_pdev_owner(run->sys, sbdf, &now, NULL);
        /*
         * Its guest BARs are gone with a new owner (the new owner's start
         * at the host's addresses); an assignment to the owner it has is a
         * no-op (model/assign.c) and leaves them where they are.
         */
        if (!rc && now != was)
            set_borrow(run, dev, 0);
        own_end(run, dev);
        pthread_rwlock_unlock(&run->iso_lock);
        if (rc == 0)
            COUNT(moves);
        else if (rc != -ENOENT && rc != -ENOSPC)
            COUNT(torn);
    } else {
        struct vol_arg a = { run,
                             run->reg_vol + 4 * (xorshift(rng) % NR_VOL),
                             xorshift(rng) & 1 };

        rc = lfv_pdev_update(run->sys, sbdf, vol_update, &a);
        if (rc == 0)
            COUNT(edits);
        else if (rc != -ENOENT && rc != -EEXIST)
            COUNT(torn);
    }
}

static void *writer(void *arg)
{
    const struct thread_arg *a = arg;
    struct stress *run = a->run;
    uint64_t rng = run->opt.seed * 0xd1b54a32d192ed03ull + a->index * 13 + 5;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&run->stop, __ATOMIC_RELAXED)) {
        writer_step(run, &rng);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static int read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "r");
    long n;

    if (!f)
        return -errno;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    *text = malloc(n + 1);
    if (!*text || fread(*text, 1, n, f) != (size_t)n) {
        fclose(f);
        return -EIO;
    }
    (*text)[n] = 0;
    *len = n;
    fclose(f);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load up to opt.devices dumps (sorted by name) at dev_sbdf(i). */
static int load_lspci(struct stress *run)
{
    DIR *dir = opendir(run->opt.lspci_dir);
    char *names[MAX_DEVICES];
    unsigned int n = 0;
    struct dirent *e;
    int rc = 0;

    if (!dir)
        return -errno;
    while ((e = readdir(dir)) && n < MAX_DEVICES)
        if (strstr(e->d_name, ".txt"))
            names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof(names[0]), name_cmp);
    if (n < run->opt.devices)
        run->opt.devices = n;
    rc = n ? lfv_sim_bridge_create(&run->bridge) : -ENOENT;
    for (unsigned int i = 0; i < n; i++) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", run->opt.lspci_dir, names[i]);
        if (!rc && i < run->opt.devices)
            rc = read_file(path, &run->dump_text[i], &run->dump_len[i]);
        if (!rc && i < run->opt.devices) {
            struct lfv_sim_error err;
            char msg[LFV_SIM_ERR_FILE_MAX + LFV_SIM_ERR_REASON_MAX + 16];

            rc = lfv_sim_add_lspci_err(run->bridge, path, run->dump_text[i],
                                       run->dump_len[i], dev_sbdf(i), NULL,
                                       &err);
            if (rc)
                fprintf(stderr, "lfvpci-stress: %s\n",
                        lfv_sim_error_str(&err, msg, sizeof(msg)));
        }
        if (!rc && i < run->opt.devices)
            rc = layout_discover(run, i);
        if (!rc && i < run->opt.devices)
            layout_program(run, i);
        free(names[i]);
    }
    return rc;
}

/*
 * Build every device's state once for a guest and once for the hardware
 * domain, single-threaded, so that the stress hook learns which of its
 * offsets the header emulation already has (reg_taken) before any reader
 * relies on them.  The hardware domain gets its command value back (and
 * with it its identity mappings).
 */
static int probe_registers(struct stress *run)
{
    int rc = 0;

    for (unsigned int i = 0; !rc && run->opt.guests && i < run->opt.devices;
         i++) {
        uint32_t cmd =
            lfv_conf_read(run->doms[0], dev_sbdf(i), CFG_COMMAND, 2);

        own_begin(run, i, 1);
        rc = lfv_pdev_assign(run->sys, dev_sbdf(i), run->doms[1]);
        own_end(run, i);
        own_begin(run, i, 0);
        if (!rc)
            rc = lfv_pdev_assign(run->sys, dev_sbdf(i), run->doms[0]);
        own_end(run, i);
        if (!rc)
            lfv_conf_write(run->doms[0], dev_sbdf(i), CFG_COMMAND, 2, cmd);
    }
    return rc;
}

static int setup(struct stress *run)
{
    /* the shared dumps' bridges go to guests too: more header shapes */
    struct lfv_system_params p = { .hw_ops = &hw_ops, .arch = run->opt.arch,
                                   .guest_bridges = true };
    pthread_rwlockattr_t attr;
    int rc = 0;

    hook_run = run;
    for (unsigned int i = 0; i < MAX_DEVICES; i++)
        pthread_mutex_init(&run->plug_lock[i], NULL);
    for (unsigned int i = 0; i < MAX_DEVICES; i++)
        pthread_mutex_init(&run->own_lock[i], NULL);
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(
        &attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&run->iso_lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (run->opt.lspci_dir) {
        run->reg_vol = REG_VOL_LSPCI;
        rc = load_lspci(run);
        if (rc)
            return rc;
        p.hw_ops = lfv_sim_hw_ops();
        p.hw = run->bridge;
    }
    rc = lfv_system_create(&p, &run->sys);

    /*
     * real devices get the real header first: BARs, COMMAND, p2m; then
     * MSI and MSI-X emulation and the recording binding ops
     */
    if (!rc && run->bridge)
        rc = lfv_system_add_hook(run->sys, &lfv_header_hook);
    if (!rc && run->bridge)
        rc = msix_setup(run);
    if (!rc)
        rc = lfv_system_add_hook(run->sys, &stress_hook);
    for (unsigned int i = 0; !rc && i <= run->opt.guests; i++) {
        rc = lfv_domain_create(run->sys, i, i == 0, &run->doms[i]);
        if (!rc && run->bridge && run->opt.defer)
            rc = lfv_header_set_defer(run->doms[i], 0);
    }
    run->probing = true;
    for (unsigned int i = 0; !rc && i < run->opt.devices; i++) {
        own_begin(run, i, 0);
        rc = lfv_pdev_add(run->sys, dev_sbdf(i));
        own_end(run, i);
    }
    if (!rc && run->bridge)
        rc = probe_registers(run);
    run->probing = false;
    return rc;
}

/*
 * At quiescence, after the last check: de-assign everything; then no
 * domain may have a frame left.
 */
static unsigned long iso_final(struct stress *run)
{
    unsigned long bad = 0;

    for (unsigned int i = 0; i < run->opt.devices; i++) {
        own_begin(run, i, -1);
        (void)lfv_pdev_assign(run->sys, dev_sbdf(i), NULL);
        own_end(run, i);
    }
    for (unsigned int i = 0; i <= run->opt.guests; i++) {
        uint64_t n = lfv_p2m_nr_frames(lfv_domain_p2m(run->doms[i]));

        if (n) {
            fprintf(stderr, "lfvpci-stress: isolation: domain %u keeps %"
                    PRIu64 " frames with no device\n",
                    lfv_domain_id(run->doms[i]), n);
            bad++;
        }
    }
    run->stats.isolation += bad;
    return bad;
}

int scenario_mixed(const struct options *o)
{
    struct stress *run = calloc(1, sizeof(*run));
    pthread_t threads[256];
    struct thread_arg args[256];
    unsigned int nr = 0;
    struct timespec t0, t1;
    double secs;
    unsigned long failures, live_checks, quiet_bad;
    unsigned int taken;
    int rc;

    if (!run)
        return 2;
    run->opt = *o;
    run->reg_vol = REG_VOL_PATTERN;
    lfv_rcu_register_thread();
    rc = setup(run);
    if (rc) {
        fprintf(stderr, "lfvpci-stress: setup failed: %s\n", strerror(-rc));
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned int i = 0;
         i < run->opt.readers + run->opt.writers && nr < 256; i++, nr++) {
        bool rd = i < run->opt.readers;

        args[nr] = (struct thread_arg){ run, rd ? i : i - run->opt.readers };
        pthread_create(&threads[nr], NULL, rd ? reader : writer, &args[nr]);
    }
    /* the main thread checks isolation while the others run */
    for (;;) {
        lfv_rcu_thread_offline();
        nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
        lfv_rcu_thread_online();
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (t1.tv_sec - t0.tv_sec +
                (t1.tv_nsec - t0.tv_nsec) / 1e9 >= run->opt.seconds)
            break;
        iso_check(run);
        if (run->bridge)
            msix_tick(run->msix);
    }
    __atomic_store_n(&run->stop, 1, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < nr; i++)
        pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    live_checks = run->stats.iso_checks;
    quiet_bad = iso_check(run); /* quiescence: nothing moves any more */
    if (run->bridge) {
        (void)msix_quiesce(run->msix); /* counted by msix_failures() */
        (void)msix_settle(run->msix);
    }
    quiet_bad += iso_final(run);
    if (run->bridge)
        (void)msix_final(run->msix);

    lfv_system_destroy(run->sys); /* ends with an RCU barrier */
    if (run->bridge)
        msix_teardown(run->msix);
    lfv_sim_bridge_destroy(run->bridge);
    hook_run = NULL;
    for (unsigned int i = 0; i < MAX_DEVICES; i++)
        free(run->dump_text[i]);
    lfv_rcu_unregister_thread();

    failures = run->stats.torn + run->stats.stale + run->stats.leak +
               run->stats.isolation +
               (__atomic_load_n(&run->live_data, __ATOMIC_RELAXED) != 0) +
               (run->bridge ? msix_failures(run->msix) : 0);
    taken = __builtin_popcount(run->reg_taken);
    printf("lfvpci-stress: backend %s, %u readers, %u writers, %u devices "
           "(%s), %u guests, %s, %.1f s, seed %" PRIu64 "\n",
           lfv_rcu_backend(), run->opt.readers, run->opt.writers,
           run->opt.devices,
           run->bridge ? "lspci dumps on the simulated bridge" : "pattern",
           run->opt.guests, run->opt.arch == LFV_ARCH_ARM ? "arm" : "x86",
           secs, run->opt.seed);
    printf("  accesses      %12lu  (%.0f/s)\n", run->stats.reads,
           run->stats.reads / secs);
    printf("  config writes %12lu\n", run->stats.writes);
    printf("  removals      %12lu  (hot-unplug and re-plug)\n",
           run->stats.unplugs);
    printf("  moves         %12lu  (de-assign, assign)\n", run->stats.moves);
    printf("  reg edits     %12lu  by writers, %lu by handlers\n",
           run->stats.edits, run->stats.handler_edits);
    if (taken)
        printf("  stress regs   %12u  of %u left out: the header has them\n",
               taken, NR_STRESS_REGS);
    printf("  MEMORY toggles%12lu  (%lu enables refused or raced)\n",
           run->stats.toggles, run->stats.map_refused);
    if (run->opt.defer)
        printf("  deferred      %12lu  process calls that left work "
               "(chunks of %u frames)\n", run->stats.deferred_steps,
               run->opt.defer);
    printf("  BAR moves     %12lu  (guest BARs re-addressed)\n",
           run->stats.bar_moves);
    printf("  p2m checks    %12lu  while running, 2 at quiescence "
           "(%lu violations there); %lu p2m entries checked\n",
           live_checks, quiet_bad, run->stats.iso_entries);
    if (run->bridge)
        msix_report(run->msix);
    printf("  failures      torn %lu, stale %lu, cross-domain %lu, "
           "isolation %lu, leaked data %ld\n",
           run->stats.torn, run->stats.stale, run->stats.leak,
           run->stats.isolation,
           __atomic_load_n(&run->live_data, __ATOMIC_RELAXED));
    printf("%s\n", failures ? "FAILED" : "OK");
    if (run->bridge)
        msix_free(run->msix);
    free(run);
    return failures ? 1 : 0;
}
