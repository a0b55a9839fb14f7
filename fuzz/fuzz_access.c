/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: access sequences against guest isolation.
 *
 * A system on the simulated bridge with the header, MSI and MSI-X hooks,
 * the hardware domain (0), two guests (1, 2) and five devices (fuzz_sim.h):
 * MSI-X tables and PBAs in one BAR, in two BARs, sharing a page with the
 * table; 64-bit, prefetchable, I/O and sub-page BARs; an expansion ROM;
 * MSI.  The input is a sequence of operations (decode_op()): assign,
 * de-assign and move devices (with allocation failures injected), hot
 * unplug and re-plug, config and ECAM reads and writes of every size at
 * any offset, BAR writes (sizing, guest windows, other devices' host
 * addresses), COMMAND toggles (both with p2m map failures injected;
 * COMMAND also sets the domain's deferral limit, and every operation then
 * runs the domain's deferred mapping with a small budget), MSI
 * and MSI-X control, MSI-X table, PBA and page-remainder MMIO, and raw MMIO
 * anywhere.
 *
 * Isolation invariants, checked after EVERY operation (check_state()):
 *   owner    the engine's owner of each device is the one the operations
 *            made (a failed assignment keeps the previous owner);
 *   p2m      a guest's p2m maps only frames of memory BARs (or the ROM) of
 *            devices it owns now, as the hardware decodes them, never a
 *            frame holding any byte of another device's decoding BAR or of
 *            any decoding MSI-X table or PBA; the hardware domain's maps
 *            are identity and obey the same rule for the devices it owns
 *            (p2m-hwdom);
 *   decode   the hardware: no two devices of different owners decode
 *            overlapping host addresses; decode-orphan: a device nobody
 *            owns (de-assigned, unplugged) decodes nothing;
 *   binding  every vector bound through the MSI ops belongs to the
 *            device's current owner (nothing left bound after de-assign);
 *   window   every mapped frame lies inside the host bridge's windows
 *            (the simulated bridge's defaults, given to the system) and
 *            outside what the host's bar_valid refuses (NOFWD_*);
 *   header   the header's BARs and ROM (lfv_header_bar()) are where the
 *            hardware decodes them;
 *   regions  a domain traps the MSI-X tables and PBAs of the devices it
 *            owns now, and no others;
 *   quiesce  a device leaving a guest has bus mastering, MSI and MSI-X
 *            off in hardware once its next owner (or none) has it;
 *   stale    a device with MSI-X enabled and its function unmasked in
 *            hardware has no entry unmasked in its own table (the binding
 *            ops here program none), whatever an earlier owner left there
 *            (the assign operation's bit 6);
 * and at every hardware access, as it happens (the platform's hooks are
 * instrumented: hw_cfg_*, hw_mmio_*):
 *   reach    a guest's config access reaches only a device it owns; any
 *            domain's MMIO forwarded by the engine reaches only the memory
 *            of devices it owns, never an MSI-X table (x86: the table is
 *            emulated) except to mask an entry with the function masked
 *            (the owner's first enable), for a guest never a PBA, and never host addresses
 *            the host's bar_valid refuses (NOFWD_*: BARs placed there
 *            are not the devices');
 *   bind     bind/unbind/mask calls during a domain's access are for that
 *            domain's own device.
 * Sanitizers (ASan, UBSan) catch the rest.  A broken invariant aborts
 * with its category, e.g. "fuzz invariant [p2m]: ...".  LFV_FUZZ_SKIP
 * (comma-separated categories; "alloc": no allocation failures injected,
 * "overlap": BARs not written over other BARs on purpose)
 * disables some, so that a long run can dig past a known open defect.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/p2m.h>
#include <lfvpci/simhw.h>
#include <lfvpci/testing.h>

#include "fuzz/fuzz_sim.h"
#include "fuzz/fuzz_util.h"

#define NDOM 3
#define CONTROL -1

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *dom[NDOM];
static int cur = CONTROL;      /* the domain whose access is running */
static struct lfv_mmio_window win[LFV_MMIO_WINDOWS_MAX]; /* the bridge's */
static unsigned int nr_win;
static int owner[NR_FDEV];     /* as the operations made it; -1 none */
static bool registered[NR_FDEV];

/* ---- the hardware as it decodes now ---- */

/* Host range of dev's BAR b (0..5, 6: ROM) if implemented; decoding or not. */
static bool hw_bar(unsigned int k, unsigned int b, uint64_t *s, uint64_t *e)
{
    lfv_sbdf_t sbdf = fdev_sbdf(k);
    uint64_t size = lfv_sim_bar_size(br, sbdf, b), a;
    unsigned int reg = b == 6 ? 0x30 : 0x10 + 4 * b;
    uint32_t lo = lfv_sim_cfg_read(br, sbdf, reg, 4);

    if (!size || (b < 6 && (lo & 1)))
        return false;
    a = b == 6 ? lo & ~0x7ffull : lo & ~0xfull;
    if (b < 6 && (lo & 6) == 4)
        a |= (uint64_t)lfv_sim_cfg_read(br, sbdf, reg + 4, 4) << 32;
    *s = a;
    *e = a + size - 1;
    return *e >= a;
}

/*
 * Like hw_bar(), but only while the hardware decodes the BAR: COMMAND's
 * memory decoding on and, for the ROM, its enable bit.  A BAR that does
 * not decode answers nothing at its address, whatever is placed there.
 */
static bool hw_decodes(unsigned int k, unsigned int b, uint64_t *s,
                       uint64_t *e)
{
    lfv_sbdf_t sbdf = fdev_sbdf(k);

    if (!(lfv_sim_cfg_read(br, sbdf, 0x04, 2) & 0x2))
        return false;
    if (b == 6 && !(lfv_sim_cfg_read(br, sbdf, 0x30, 4) & 1))
        return false;
    return hw_bar(k, b, s, e);
}

static bool overlaps(uint64_t s, uint64_t e, uint64_t s2, uint64_t e2)
{
    return s <= e2 && s2 <= e;
}

/* Host range of dev's MSI-X table (w 0) or PBA (1), while it decodes. */
static bool hw_msix(unsigned int k, unsigned int w, uint64_t *s, uint64_t *e)
{
    const struct lfv_sim_msix_desc *x = &fdev[k].msix;
    uint64_t bs, be;

    if (!x->present ||
        !hw_decodes(k, w ? x->pba_bir : x->table_bir, &bs, &be))
        return false;
    *s = bs + (w ? x->pba_offset : x->table_offset);
    *e = *s + (w ? (x->table_size + 63) / 64 * 8 : 16ull * x->table_size) - 1;
    return true;
}

/*
 * Entry i's vector control in dev k's own table: read (set false) or
 * written with mask (set true), k's memory decoding turned on for it.
 * false when the table cannot be reached alone: another decoding device
 * answers over it.
 */
static bool hw_entry_ctrl(unsigned int k, unsigned int i, bool set,
                          uint32_t *mask)
{
    lfv_sbdf_t sbdf = fdev_sbdf(k);
    uint16_t cmd = lfv_sim_cfg_read(br, sbdf, 0x04, 2);
    uint64_t s, e, s2, e2, v = 0;
    bool ok;

    lfv_sim_cfg_write(br, sbdf, 0x04, 2, cmd | 2);
    ok = hw_msix(k, 0, &s, &e);
    for (unsigned int k2 = 0; ok && k2 < NR_FDEV; k2++)
        for (unsigned int b = 0; ok && k2 != k && b < 7; b++)
            ok = !hw_decodes(k2, b, &s2, &e2) || !overlaps(s, e, s2, e2);
    s += 16ull * i + 12;
    if (ok && set)
        ok = !lfv_sim_mmio_write(br, s, 4, *mask);
    else if (ok)
        ok = !lfv_sim_mmio_read(br, s, 4, &v);
    lfv_sim_cfg_write(br, sbdf, 0x04, 2, cmd);
    if (!set)
        *mask = (uint32_t)v & 1;
    return ok;
}

/* ---- instrumented platform ---- */

static uint32_t hw_cfg_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                            unsigned int size)
{
    int k = fdev_index(sbdf);

    INV("reach", cur <= 0 || (k >= 0 && owner[k] == cur),
        "domain %d's config read of %#x+%#x reached the hardware of %#x "
        "(device %d, owner %d)", cur, reg, size, sbdf, k,
        k >= 0 ? owner[k] : -1);
    return lfv_sim_hw_ops()->read(hw, sbdf, reg, size);
}

static void hw_cfg_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                         unsigned int size, uint32_t val)
{
    int k = fdev_index(sbdf);

    INV("reach", cur <= 0 || (k >= 0 && owner[k] == cur),
        "domain %d's config write %#x+%#x=%#x reached the hardware of %#x "
        "(device %d, owner %d)", cur, reg, size, val, sbdf, k,
        k >= 0 ? owner[k] : -1);
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops hw_ops = { hw_cfg_read, hw_cfg_write };

/*
 * Host addresses inside the windows that no device's bridge forwards to
 * it (the host's bar_valid, Xen's pci_check_bar(), refuses BARs there):
 * a BAR placed there is never mapped, and no forwarded access may go
 * there either.
 */
#define NOFWD_START 0xd0000000ull
#define NOFWD_END 0xd0ffffffull

static bool fuzz_bar_valid(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                           uint64_t end)
{
    (void)hw, (void)sbdf;
    return end < NOFWD_START || start > NOFWD_END;
}

/* The hardware MSI-X control of dev k (enable, function mask). */
static uint16_t hw_msix_ctrl(unsigned int k)
{
    return lfv_sim_cfg_read(br, fdev_sbdf(k), FDEV_MSIX_POS + 2, 2) & 0xc000;
}

/*
 * A write at byte off of dev k's decoding table that only masks an entry,
 * with MSI-X enabled and the function masked: the owner's first enable
 * masking what an earlier owner left (msix.c table_scrub()).
 */
static bool is_scrub(unsigned int k, uint64_t a, uint64_t off,
                     unsigned int size, uint64_t val)
{
    uint64_t c;

    return size == 4 && off % 16 == 12 && hw_msix_ctrl(k) == 0xc000 &&
           !lfv_sim_mmio_read(br, a, 4, &c) && val == (c | 1);
}

/* What a forwarded MMIO access may reach (the access is cur's). */
static void check_mmio(uint64_t a, unsigned int size, bool write,
                       uint64_t val)
{
    uint64_t e = a + size - 1, s2, e2;

    if (cur == CONTROL)
        return;
    INV(cur ? "reach" : "reach-hwdom", fuzz_bar_valid(NULL, 0, a, e),
        "domain %d's MMIO %s at %#" PRIx64 "+%u reached host addresses "
        "no bridge forwards to a device (bar_valid)", cur,
        write ? "write" : "read", a, size);
    for (unsigned int k = 0; k < NR_FDEV; k++) {
        bool decodes = lfv_sim_cfg_read(br, fdev_sbdf(k), 0x04, 2) & 2;

        for (unsigned int b = 0; decodes && b < 6; b++)
            if (hw_bar(k, b, &s2, &e2) && overlaps(a, e, s2, e2))
                INV(cur ? "reach" : "reach-hwdom", owner[k] == cur,
                    "domain %d's MMIO %s at %#" PRIx64 "+%u reached device "
                    "%u's BAR %u (owner %d)", cur, write ? "write" : "read",
                    a, size, k, b, owner[k]);
        if (write && hw_msix(k, 0, &s2, &e2) && overlaps(a, e, s2, e2))
            INV("reach", is_scrub(k, a, a - s2, size, val), "domain %d's "
                "MMIO write %#" PRIx64 " at %#" PRIx64 "+%u reached device "
                "%u's MSI-X table (not a mask with the function masked)",
                cur, val, a, size, k);
        if (write && cur > 0 && hw_msix(k, 1, &s2, &e2))
            INV("reach", !overlaps(a, e, s2, e2), "domain %d's MMIO write at "
                "%#" PRIx64 "+%u reached device %u's PBA", cur, a, size, k);
    }
}

static int hw_mmio_read(void *ctx, uint64_t addr, unsigned int size,
                        uint64_t *val)
{
    (void)ctx;
    check_mmio(addr, size, false, 0);
    return lfv_sim_mmio_read(br, addr, size, val);
}

static int hw_mmio_write(void *ctx, uint64_t addr, unsigned int size,
                         uint64_t val)
{
    (void)ctx;
    check_mmio(addr, size, true, val);
    return lfv_sim_mmio_write(br, addr, size, val);
}

/* Bound vectors: [domain][device][MSI-X entry, or 2048 + MSI vector]. */
#define VEC_SLOTS (2048 + 32)
static uint8_t bound[NDOM][NR_FDEV][VEC_SLOTS];
static unsigned int nr_bound[NDOM][NR_FDEV];

static uint8_t *vec_slot(const struct lfv_vpci *v,
                         const struct lfv_msi_vector *vec, const char *op)
{
    unsigned int domid = lfv_domain_id(lfv_vpci_domain(v));
    int k = fdev_index(lfv_vpci_sbdf(v));
    unsigned int i = vec->msix ? vec->index : 2048 + vec->index;

    FUZZ_CHECK(domid < NDOM && k >= 0 && i < VEC_SLOTS,
               "%s for domain %u device %d vector %u", op, domid, k, i);
    INV("bind", cur == CONTROL || ((int)domid == cur && owner[k] == cur),
        "%s for domain %u device %d during domain %d's access (owner %d)",
        op, domid, k, cur, owner[k]);
    return &bound[domid][k][i];
}

static int op_bind(void *ctx, const struct lfv_vpci *v,
                   const struct lfv_msi_vector *vec)
{
    uint8_t *b = vec_slot(v, vec, "bind");

    (void)ctx;
    INV("bind", !*b, "bind of a bound vector %u", vec->index);
    if (!*b)
        nr_bound[lfv_domain_id(lfv_vpci_domain(v))][fdev_index(
            lfv_vpci_sbdf(v))]++;
    *b = 1;
    return 0;
}

static void op_unbind(void *ctx, const struct lfv_vpci *v,
                      const struct lfv_msi_vector *vec)
{
    uint8_t *b = vec_slot(v, vec, "unbind");

    (void)ctx;
    INV("bind", *b, "unbind of an unbound vector %u", vec->index);
    if (*b)
        nr_bound[lfv_domain_id(lfv_vpci_domain(v))][fdev_index(
            lfv_vpci_sbdf(v))]--;
    *b = 0;
}

static void op_mask(void *ctx, const struct lfv_vpci *v,
                    const struct lfv_msi_vector *vec)
{
    uint8_t *b = vec_slot(v, vec, "mask");

    (void)ctx;
    INV("bind", *b, "mask of an unbound vector %u", vec->index);
}

static const struct lfv_msi_ops msi_ops = {
    .bind = op_bind, .unbind = op_unbind, .mask = op_mask,
    .mmio_read = hw_mmio_read, .mmio_write = hw_mmio_write,
};

/* ---- the state after every operation ---- */

struct p2m_ctx {
    unsigned int domid;
};

static int p2m_entry(uint64_t gfn, uint64_t nr, uint64_t mfn, void *ctxt)
{
    const struct p2m_ctx *c = ctxt;
    uint64_t s2, e2;

    if (!c->domid)
        INV("p2m", gfn == mfn, "hardware domain maps gfn %#" PRIx64
            " to mfn %#" PRIx64, gfn, mfn);
    for (uint64_t f = mfn; f < mfn + nr && f >= mfn; f++) {
        bool in = false;

        for (unsigned int i = 0; !in && i < nr_win; i++)
            in = f << LFV_PAGE_SHIFT >= win[i].start &&
                 (f << LFV_PAGE_SHIFT) + LFV_PAGE_SIZE - 1 <= win[i].end;
        INV("window", in, "domain %u maps frame %#" PRIx64 " outside the "
            "host bridge's windows", c->domid, f);
        INV("window", fuzz_bar_valid(NULL, 0, f << LFV_PAGE_SHIFT,
                                     (f << LFV_PAGE_SHIFT) + LFV_PAGE_SIZE - 1),
            "domain %u maps frame %#" PRIx64 ", which bar_valid refuses",
            c->domid, f);
    }
    for (uint64_t f = mfn; f < mfn + nr && f >= mfn; f++) {
        uint64_t s = f << LFV_PAGE_SHIFT, e = s + LFV_PAGE_SIZE - 1;
        bool own = false;
        const char *cat = c->domid ? "p2m" : "p2m-hwdom";

        for (unsigned int k = 0; k < NR_FDEV; k++) {
            /*
             * Every device counts, whoever owns it, removed ones included
             * (the engine turns a device left without an owner off), but
             * only while the hardware decodes its BAR: a BAR that does not
             * decode answers nothing, and the hardware domain may place
             * its own device's non-decoding BAR anywhere (as in Xen); the
             * engine then never lets it decode there (header_map.c).
             */
            for (unsigned int b = 0; b <= 6; b++) {
                if (!hw_decodes(k, b, &s2, &e2) || !overlaps(s, e, s2, e2))
                    continue;
                if (owner[k] == (int)c->domid)
                    own = true;
                else
                    INV(cat, false, "domain %u maps frame %#" PRIx64
                        " holding device %u's BAR %u (owner %d)", c->domid, f,
                        k, b, owner[k]);
            }
            for (unsigned int w = 0; w < 2; w++)
                if (hw_msix(k, w, &s2, &e2))
                    INV(cat, !overlaps(s, e, s2, e2), "domain %u maps frame "
                        "%#" PRIx64 " holding device %u's MSI-X %s", c->domid,
                        f, k, w ? "PBA" : "table");
        }
        /*
         * A deferred map (<lfvpci/header.h>) maps its frames before the
         * write turns decoding on: while the domain has one pending, a
         * frame of its own device's BAR that does not decode yet counts.
         */
        for (unsigned int k = 0; !own && k < NR_FDEV; k++)
            for (unsigned int b = 0; !own && b <= 6; b++)
                own = owner[k] == (int)c->domid &&
                      lfv_header_map_pending(dom[c->domid]) &&
                      hw_bar(k, b, &s2, &e2) && overlaps(s, e, s2, e2);
        INV(cat, own, "domain %u maps frame %#" PRIx64 " (gfn %#" PRIx64
            "): no BAR of a device it owns", c->domid, f, gfn + (f - mfn));
    }
    return 0;
}

/*
 * The header's state agrees with the hardware: every implemented memory
 * BAR and the ROM at the host address the device decodes.  (Nothing but
 * the owner moves a BAR here: hwdom_foreign().)  Run as an update that
 * publishes nothing.
 */
static int header_agrees(struct lfv_vpci *v, struct lfv_regs_edit *e,
                         void *arg)
{
    unsigned int k = *(unsigned int *)arg;
    /* a pending ROM write holds its new address, the hardware the old */
    unsigned int n = lfv_header_map_pending(lfv_vpci_domain(v)) ? 6 : 7;

    (void)e;
    for (unsigned int b = 0; b < n; b++) {
        struct lfv_header_bar_info i;
        uint64_t s, end;

        if (lfv_header_bar(v, b, &i) || !i.size ||
            (i.type != LFV_HEADER_BAR_MEM32 &&
             i.type != LFV_HEADER_BAR_MEM64_LO &&
             i.type != LFV_HEADER_BAR_ROM))
            continue;
        INV("header", hw_bar(k, b, &s, &end) && s == i.host_addr &&
            end - s + 1 == i.size, "device %u BAR %u: the header has %#"
            PRIx64 "+%#" PRIx64 ", the hardware decodes %#" PRIx64, k, b,
            i.host_addr, i.size, hw_bar(k, b, &s, &end) ? s : 0);
    }
    return 1; /* publish nothing */
}

/*
 * The hardware: no two devices of different owners decode overlapping
 * host addresses (the owner of one would reach the other), and a device
 * nobody owns (unowned, or removed) decodes nothing.
 */
static void check_decoding(void)
{
    for (unsigned int k = 0; k < NR_FDEV; k++)
        for (unsigned int b = 0; b <= 6; b++) {
            uint64_t s, e, s2, e2;

            if (!hw_decodes(k, b, &s, &e))
                continue;
            INV("decode-orphan", registered[k] && owner[k] >= 0, "device %u BAR %u "
                "decodes %#" PRIx64 " with no owner", k, b, s);
            for (unsigned int j = k + 1; j < NR_FDEV; j++)
                for (unsigned int c = 0; owner[j] != owner[k] && c <= 6; c++)
                    INV("decode", !hw_decodes(j, c, &s2, &e2) ||
                        !overlaps(s, e, s2, e2), "device %u BAR %u (owner %d)"
                        " and device %u BAR %u (owner %d) both decode %#"
                        PRIx64, k, b, owner[k], j, c, owner[j],
                        s > s2 ? s : s2);
        }
}

static void check_state(void)
{
    check_decoding();
    for (unsigned int k = 0; k < NR_FDEV; k++) {
        unsigned int domid;
        int rc = lfv_pdev_owner(sys, fdev_sbdf(k), &domid, NULL);

        FUZZ_CHECK(rc == (registered[k] ? 0 : -ENOENT), "owner of %u: %d",
                   k, rc);
        if (!rc && owner[k] >= 0)
            (void)lfv_pdev_update(sys, fdev_sbdf(k), header_agrees, &k);
        if (!rc)
            INV("owner", (int)domid == (owner[k] < 0 ? (int)LFV_DOMID_INVALID
                                                     : owner[k]),
                "device %u owned by %d, expected %d", k, (int)domid,
                owner[k]);
        /* no entry an earlier owner left unmasked is live */
        for (unsigned int i = 0; !rc && owner[k] >= 0 &&
                                 fdev[k].msix.present &&
                                 hw_msix_ctrl(k) == 0x8000 &&
                                 i < fdev[k].msix.table_size; i++) {
            uint32_t m;

            INV("stale", !hw_entry_ctrl(k, i, false, &m) || m,
                "device %u: MSI-X enabled, function unmasked, entry %u "
                "unmasked in its table (owner %d; the binding ops here "
                "never unmask one)", k, i, owner[k]);
        }
        for (unsigned int d = 0; d < NDOM; d++)
            for (unsigned int i = 0; nr_bound[d][k] && i < VEC_SLOTS; i++)
                INV("binding", !bound[d][k][i] || owner[k] == (int)d,
                    "device %u vector %u still bound for domain %u (owner "
                    "%d)", k, i, d, owner[k]);
    }
    for (unsigned int d = 0; d < NDOM; d++) {
        struct p2m_ctx c = { d };
        unsigned int regions = 0;

        /* a table and a PBA region per MSI-X device it owns, no more */
        for (unsigned int k = 0; k < NR_FDEV; k++)
            regions += owner[k] == (int)d && fdev[k].msix.present ? 2 : 0;
        INV("regions", lfv_domain_msix_regions(dom[d]) == regions,
            "domain %u has %u MSI-X regions, owns devices with %u", d,
            lfv_domain_msix_regions(dom[d]), regions);

        lfv_rcu_read_lock();
        lfv_p2m_view_iterate(lfv_p2m_view(lfv_domain_p2m(dom[d])), p2m_entry,
                             &c);
        lfv_rcu_read_unlock();
    }
}

/* ---- operations ---- */

/*
 * The hardware domain is trusted (as in Xen, whose vpci_write() sends its
 * accesses to devices it does not own to the hardware): it could move the
 * BARs of a device it gave to a guest under the guest's mappings, turn
 * its decoding on, or turn its MSI-X on with the function unmasked over
 * whatever its table holds.  The target leaves those registers alone: a
 * write by the hardware domain that would reach COMMAND, a BAR, the ROM
 * BAR or the MSI-X control of a device it does not own is not made.
 */
static bool hwdom_foreign(unsigned int d, lfv_sbdf_t s, unsigned int reg,
                          unsigned int len)
{
    int k = fdev_index(s);
    unsigned int e = reg + (len ? len : 1) - 1;

    return d == 0 && k >= 0 && owner[k] != 0 &&
           (overlaps(reg, e, 0x04, 0x05) || overlaps(reg, e, 0x10, 0x27) ||
            overlaps(reg, e, 0x30, 0x33) ||
            overlaps(reg, e, FDEV_MSIX_POS + 2, FDEV_MSIX_POS + 3));
}

/* dev k's config address as domain d reaches it (or a stray one). */
static lfv_sbdf_t target(unsigned int d, unsigned int k, uint8_t how)
{
    lfv_sbdf_t v;

    if (how % 8 == 7)
        return LFV_SBDF(0, how % 2, (how >> 3) % 32, (how >> 3) % 8);
    if (d == 0)
        return fdev_sbdf(k);
    if (!lfv_pdev_owner(sys, fdev_sbdf(k), NULL, &v) && owner[k] == (int)d)
        return v;
    return LFV_SBDF(0, 0, how % 32, 0);
}

static unsigned int pick_size(struct fuzz_in *in, bool ecam)
{
    uint8_t x = fuzz_u8(in);

    return x % 8 == 7 ? x >> 3 : (ecam ? 1u << x % 4 : 1u << x % 3);
}

/* Domain d's view of dev k's BAR b address (config read as d). */
static uint64_t view_bar(unsigned int d, unsigned int k, unsigned int b)
{
    lfv_sbdf_t s = target(d, k, 0);
    unsigned int reg = 0x10 + 4 * b;
    uint64_t a;

    cur = (int)d;
    a = lfv_conf_read(dom[d], s, reg, 4);
    if ((a & 7) == 4)
        a |= (uint64_t)lfv_conf_read(dom[d], s, reg + 4, 4) << 32;
    cur = CONTROL;
    return a & ~0xfull;
}

static uint32_t bar_value(struct fuzz_in *in, unsigned int k)
{
    uint8_t how = fuzz_u8(in);
    uint64_t s, e;

    switch (how % 6) {
    case 0:
        return 0xffffffffu;
    case 1: /* a guest window */
        return 0x80000000u + (uint32_t)(how >> 3) * 0x4000u;
    case 2: { /* another device's BAR, or this one's */
        unsigned int k2 = fuzz_u8(in) % NR_FDEV, b = fuzz_u8(in) % 7;

        if (fuzz_skipped("overlap")) /* no host overlaps on purpose */
            return 0xffffffffu;
        return hw_bar(k2, b, &s, &e) ? (uint32_t)s + (how >> 3) * 0x100u
                                     : (uint32_t)k;
    }
    case 3:
        return 0;
    default:
        return fuzz_u32(in);
    }
}

static void do_assign(struct fuzz_in *in)
{
    unsigned int k = fuzz_u8(in) % NR_FDEV;
    uint8_t x = fuzz_u8(in);
    int to = x % 4 == 3 ? -1 : x % 4, rc;
    long fail = x & 0x80 ? fuzz_u8(in) : -1;

    /*
     * Bit 6: the device's current owner (or firmware) leaves an entry
     * unmasked in its table (bits 2-5: which), as the hardware domain on
     * Arm programs its own; taken back if the device stays with it.
     */
    unsigned int entry = fdev[k].msix.present
                             ? ((x >> 2) & 15) % fdev[k].msix.table_size : 0;
    uint32_t m = 0;
    bool stale = (x & 0x40) && registered[k] && fdev[k].msix.present &&
                 to != owner[k] && hw_entry_ctrl(k, entry, true, &m);

    if (fuzz_skipped("alloc"))
        fail = -1;

    lfv_test_fail_alloc_after(fail);
    rc = lfv_pdev_assign(sys, fdev_sbdf(k), to < 0 ? NULL : dom[to]);
    lfv_test_fail_alloc_after(-1);
    m = 1;
    if (stale && rc)
        (void)hw_entry_ctrl(k, entry, true, &m);
    if (!rc && registered[k] && owner[k] > 0 && to != owner[k]) {
        lfv_sbdf_t sb = fdev_sbdf(k);

        INV("quiesce", !(lfv_sim_cfg_read(br, sb, 0x04, 2) & 0x4) &&
            !(fdev[k].msi.present &&
              (lfv_sim_cfg_read(br, sb, FDEV_MSI_POS + 2, 2) & 1)) &&
            !(fdev[k].msix.present && (hw_msix_ctrl(k) & 0x8000)),
            "device %u left guest %d for %d with bus mastering, MSI or "
            "MSI-X on", k, owner[k], to);
    }
    if (!registered[k]) {
        FUZZ_CHECK(rc == -ENOENT, "assign of an unregistered device: %d", rc);
        return;
    }
    INV("owner", !rc || (fail >= 0 && rc == -ENOMEM) || rc == -ENOSPC ||
        (to > 0 && rc == -EINVAL), "assign %u to %d: %d", k, to, rc);
    if (!rc)
        owner[k] = to;
}

static void do_plug(struct fuzz_in *in)
{
    unsigned int k = fuzz_u8(in) % NR_FDEV;
    int rc;

    if (registered[k]) {
        rc = lfv_pdev_remove(sys, fdev_sbdf(k));
        FUZZ_CHECK(!rc, "pdev_remove %u: %d", k, rc);
        registered[k] = false;
        owner[k] = -1;
        return;
    }
    rc = lfv_pdev_add(sys, fdev_sbdf(k));
    INV("owner", !rc || rc == -ENOSPC, "pdev_add %u: %d", k, rc);
    if (!rc) {
        registered[k] = true;
        owner[k] = 0;
    }
}

static void do_msix_mmio(struct fuzz_in *in, unsigned int d, unsigned int k,
                         unsigned int what)
{
    const struct lfv_sim_msix_desc *x = &fdev[k].msix;
    unsigned int size = pick_size(in, true);
    bool write = fuzz_u8(in) & 1;
    uint64_t gpa, v = fuzz_u64(in);

    if (what == 2) { /* anywhere near a BAR, or anywhere at all */
        uint8_t how = fuzz_u8(in);

        gpa = how & 1 ? fuzz_u64(in)
                      : view_bar(d, k, how / 2 % 6) + fuzz_u16(in);
    } else if (!x->present) {
        return;
    } else if (what == 0) { /* table entry or PBA */
        bool pba = fuzz_u8(in) % 4 == 0;

        gpa = view_bar(d, k, pba ? x->pba_bir : x->table_bir) +
              (pba ? x->pba_offset
                   : x->table_offset + 16 * (fuzz_u8(in) % x->table_size)) +
              (fuzz_u8(in) % 4) * 4;
    } else { /* the rest of the table's page, or the PBA's */
        bool pba = fuzz_u8(in) & 1;
        uint64_t at = view_bar(d, k, pba ? x->pba_bir : x->table_bir) +
                      (pba ? x->pba_offset : x->table_offset);

        gpa = (at & ~(LFV_PAGE_SIZE - 1)) + fuzz_u16(in) % LFV_PAGE_SIZE;
    }
    if (fuzz_u8(in) & 1)
        gpa &= ~(uint64_t)(size - 1 < 8 ? size - 1 : 7);
    cur = (int)d;
    if (write) {
        (void)lfv_msix_mmio_write(dom[d], gpa, size, v);
    } else {
        uint64_t r = 0x5a5a5a5a;
        int rc = lfv_msix_mmio_read(dom[d], gpa, size, &r);

        FUZZ_CHECK(rc != -EINVAL || r == 0x5a5a5a5a,
                   "a refused read wrote its buffer");
    }
    cur = CONTROL;
}

/* The (n + 1)-th map of domain d's p2m from now fails, during one op. */
static void p2m_fail(unsigned int d, long n)
{
    if (!fuzz_skipped("p2m-fail"))
        lfv_p2m_fail_map_after(lfv_domain_p2m(dom[d]), n, -ENOMEM);
}

/*
 * The ECAM op's access through x86's ports instead: the latch names the
 * offset's bus, device, function and dword (bits 27:24 from the input:
 * ignored), then a data access at the port of the offset's low bits, of
 * len (any but 1, 2 and 4: an access the ports refuse).  Every step is answered as
 * lfv_domain.h says, and a refused read leaves all-ones.
 */
static void pio_access(struct fuzz_in *in, unsigned int d, uint64_t off,
                       unsigned int len, bool write)
{
    uint32_t latch = (uint32_t)(off >> 4) & 0x00ffff00u, v = 0x5a5a;
    unsigned int port = LFV_PIO_CFC + (off & 3);
    uint8_t x = fuzz_u8(in);
    int rc;

    latch |= (uint32_t)(off & 0xfc) | (x & 0x80 ? 0 : 0x80000000u) |
             (uint32_t)(x & 0x0f) << 24;
    FUZZ_CHECK(lfv_pio_write(dom[d], LFV_PIO_CF8, 4, latch) == 0,
               "latch write refused");
    FUZZ_CHECK(lfv_pio_read(dom[d], LFV_PIO_CF8, 4, &v) == 0 && v == latch,
               "latch did not read back");
    if (write) {
        rc = lfv_pio_write(dom[d], port, len, fuzz_u32(in));
    } else {
        v = 0x5a5a;
        rc = lfv_pio_read(dom[d], port, len, &v);
        FUZZ_CHECK(rc == 0 || v == 0xffffffff, "refused port read: %#x", v);
    }
    if (len != 1 && len != 2 && len != 4)
        FUZZ_CHECK(rc == -EINVAL, "%u-byte port access: %d", len, rc);
    else
        FUZZ_CHECK(rc == (x & 0x80 ? -ENODEV : 0), "port access: %d", rc);
}

static void decode_op(struct fuzz_in *in)
{
    uint8_t op = fuzz_u8(in);
    unsigned int d = fuzz_u8(in) % NDOM, k = fuzz_u8(in) % NR_FDEV;
    lfv_sbdf_t s;
    uint64_t v64;

    if (getenv("LFV_FUZZ_TRACE"))
        fprintf(stderr, "op %u domain %u device %u (%zu bytes left)\n",
                op % 14, d, k, in->n);
    switch (op % 14) {
    case 0:
        do_assign(in);
        return;
    case 1:
        do_plug(in);
        return;
    case 2: /* config read / write, any offset and size */
    case 3: {
        unsigned int reg = fuzz_u16(in) % 4200, size = pick_size(in, false);
        uint32_t val = fuzz_u32(in);

        s = target(d, k, fuzz_u8(in));
        if (op % 14 == 3 && hwdom_foreign(d, s, reg, size))
            return;
        cur = (int)d;
        if (op % 14 == 2)
            (void)lfv_conf_read(dom[d], s, reg, size);
        else
            lfv_conf_write(dom[d], s, reg, size, val);
        break;
    }
    case 4: /* ECAM, or CF8/CFC */
    case 5: {
        unsigned int reg = fuzz_u16(in) % 4200, len = pick_size(in, true);
        uint64_t off;
        uint8_t how;

        s = target(d, k, fuzz_u8(in));
        off = (uint64_t)LFV_SBDF_BUS(s) << 20 | (uint64_t)LFV_SBDF_DEV(s) << 15 |
              (uint64_t)LFV_SBDF_FN(s) << 12 | reg;
        how = fuzz_u8(in) % 16;
        if (how == 0)
            off = fuzz_u64(in);
        if (how == 1) /* the ports reach registers 0-255 */
            off &= ~(uint64_t)0xf00;
        if (op % 14 == 5 && off < LFV_ECAM_WINDOW_SIZE &&
            hwdom_foreign(d, LFV_SBDF(0, off >> 20, (off >> 15) & 31,
                                      (off >> 12) & 7), off & 0xfff, len))
            return;
        cur = (int)d;
        if (how == 1) { /* ports 0xcf8 and 0xcfc-0xcff instead */
            pio_access(in, d, off, len, op % 14 == 5);
            break;
        }
        if (op % 14 == 4) {
            v64 = 0x5a5a;
            if (lfv_ecam_read(dom[d], off, len, &v64) == -EINVAL)
                FUZZ_CHECK(v64 == 0x5a5a, "refused ECAM read wrote");
        } else {
            (void)lfv_ecam_write(dom[d], off, len, fuzz_u64(in));
        }
        break;
    }
    case 6: { /* BAR or ROM write (bit 7: the p2m's next map fails) */
        uint8_t x = fuzz_u8(in);
        unsigned int b = (x & 0x7f) % 7;
        uint32_t val = bar_value(in, k);

        s = target(d, k, 0);
        if (hwdom_foreign(d, s, b == 6 ? 0x30 : 0x10 + 4 * b, 4))
            return;
        if (x & 0x80)
            p2m_fail(d, 0);
        if (getenv("LFV_FUZZ_TRACE"))
            fprintf(stderr, "  BAR %u <- %#x%s\n", b, val,
                    x & 0x80 ? " (next p2m map fails)" : "");
        cur = (int)d;
        lfv_conf_write(dom[d], s, b == 6 ? 0x30 : 0x10 + 4 * b, 4, val);
        break;
    }
    case 7: { /* COMMAND (bit 7: one of the p2m's next maps fails) */
        /*
         * Bits 5-6: the domain's deferral limit for this write and later
         * ones (lfv_header_set_defer(): 1 every change, 2 more than 16
         * frames, 3 none); with bit 7, one of the next unmaps fails too.
         */
        static const uint64_t limit[] = { 0, 0, 16, LFV_HEADER_SYNC_ALL };
        uint8_t x = fuzz_u8(in);

        s = target(d, k, 0);
        if (hwdom_foreign(d, s, 0x04, 2))
            return;
        if (x & 0x60)
            (void)lfv_header_set_defer(dom[d], limit[(x >> 5) & 3]);
        if (x & 0x80)
            p2m_fail(d, (x >> 3) & 3);
        if ((x & 0x80) && (x & 0x60))
            lfv_p2m_fail_unmap_after(lfv_domain_p2m(dom[d]), (x >> 3) & 3,
                                     -ENOMEM);
        cur = (int)d;
        lfv_conf_write(dom[d], s, 0x04, 2, x & 0x7);
        break;
    }
    case 8: /* MSI-X table / PBA */
        do_msix_mmio(in, d, k, 0);
        break;
    case 9: /* rest of the table or PBA page */
        do_msix_mmio(in, d, k, 1);
        break;
    case 10: /* raw MMIO */
        do_msix_mmio(in, d, k, 2);
        break;
    case 11: /* MSI-X control */
        if (!fdev[k].msix.present)
            return;
        s = target(d, k, 0);
        if (hwdom_foreign(d, s, FDEV_MSIX_POS + 2, 2))
            return;
        cur = (int)d;
        lfv_conf_write(dom[d], s, FDEV_MSIX_POS + 2, 2,
                       (uint16_t)(fuzz_u8(in) & 0xc0) << 8);
        break;
    case 12: { /* MSI address, data, enable */
        static const unsigned int regs[] = { 0x2, 0x4, 0x8, 0xc, 0x10 };
        unsigned int r = regs[fuzz_u8(in) % 5];

        if (!fdev[k].msi.present)
            return;
        s = target(d, k, 0);
        cur = (int)d;
        lfv_conf_write(dom[d], s, FDEV_MSI_POS + r, r == 2 ? 2 : 4,
                       r == 2 ? fuzz_u8(in) & 0x71 : fuzz_u32(in));
        break;
    }
    case 13: /* region limit */
        (void)lfv_domain_set_msix_region_limit(dom[d], 1 + fuzz_u8(in) % 4);
        return;
    }
    /*
     * The domain's vCPU before it re-enters the guest: deferred work, with
     * a budget from the op's byte (op / 14: 0 none, else 1 to 127 frames),
     * any p2m failure injected above still armed.  Only inputs that set a
     * deferral limit (COMMAND, bits 5-6) have any.
     */
    if (op / 14) {
        int rc;

        cur = (int)d;
        rc = lfv_header_process_pending(dom[d], 1 + (op / 14 - 1) * 7, NULL,
                                        NULL);
        if (getenv("LFV_FUZZ_TRACE"))
            fprintf(stderr, "  domain %u's deferred work: %s, %" PRIu64
                    " frames mapped\n", d, rc ? "more left" : "none left",
                    lfv_p2m_nr_frames(lfv_domain_p2m(dom[d])));
    }
    cur = CONTROL;
    lfv_p2m_fail_map_after(lfv_domain_p2m(dom[d]), -1, 0);
    lfv_p2m_fail_unmap_after(lfv_domain_p2m(dom[d]), -1, 0);
}

/* ---- one system, reset for every input ---- */

/*
 * The system is built once (destroying one waits for a grace period, which
 * would cost more than the input), and every input starts from the same
 * state: every device unplugged from the engine and the bridge, re-added
 * as built (BARs where fuzz_sim.h puts them, decoding off) and assigned to
 * the hardware domain, region limits back to the default.  Whatever an
 * input leaves behind is checked on the way (no vector bound once every
 * device is gone, empty p2ms).
 */
static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = &hw_ops, .arch = LFV_ARCH_X86,
                                   .bar_valid = fuzz_bar_valid };

    if (lfv_sim_bridge_create(&br))
        abort();
    p.hw = br;
    nr_win = lfv_sim_bridge_windows(br, win, LFV_MMIO_WINDOWS_MAX);
    p.windows = win;
    p.nr_windows = nr_win;
    if (lfv_system_create(&p, &sys) ||
        lfv_system_set_msi_ops(sys, &msi_ops, NULL) ||
        lfv_system_add_hook(sys, &lfv_header_hook) ||
        lfv_system_add_hook(sys, &lfv_msi_hook) ||
        lfv_system_add_hook(sys, &lfv_msix_hook))
        abort();
    for (unsigned int d = 0; d < NDOM; d++)
        if (lfv_domain_create(sys, d, d == 0, &dom[d]))
            abort();
}

static void reset(void)
{
    int rc;

    for (unsigned int k = 0; k < NR_FDEV; k++) {
        if (registered[k] && (rc = lfv_pdev_remove(sys, fdev_sbdf(k))))
            FUZZ_FAIL("pdev_remove %u: %d", k, rc);
        registered[k] = false;
        owner[k] = -1;
        lfv_sim_remove(br, fdev_sbdf(k));
        for (unsigned int d = 0; d < NDOM; d++)
            INV("binding", !nr_bound[d][k], "device %u unplugged with %u "
                "vectors bound for domain %u", k, nr_bound[d][k], d);
    }
    for (unsigned int d = 0; d < NDOM; d++) {
        FUZZ_CHECK(!lfv_p2m_nr_frames(lfv_domain_p2m(dom[d])),
                   "domain %u: frames mapped with no device", d);
        FUZZ_CHECK(!lfv_domain_msix_regions(dom[d]),
                   "domain %u: MSI-X regions with no device", d);
        if (lfv_domain_set_msix_region_limit(dom[d], LFV_MSIX_REGIONS_DEFAULT) ||
            lfv_header_set_defer(dom[d], LFV_HEADER_SYNC_ALL))
            abort();
    }
    memset(bound, 0, sizeof(bound));
    memset(nr_bound, 0, sizeof(nr_bound));
    for (unsigned int k = 0; k < NR_FDEV; k++) {
        if ((rc = lfv_sim_add(br, fdev_sbdf(k), &fdev[k])))
            FUZZ_FAIL("device %u: %d", k, rc);
        if ((rc = lfv_pdev_add(sys, fdev_sbdf(k))))
            FUZZ_FAIL("pdev_add %u: %d", k, rc);
        registered[k] = true;
        owner[k] = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };

    fuzz_rcu_thread();
    if (!sys)
        setup();
    reset();
    check_state();
    for (unsigned int n = 0; fuzz_left(&in) && n < 256; n++) {
        decode_op(&in);
        check_state();
    }
    return 0;
}
