/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress, MSI and MSI-X at quiescence (stress_msix.c has the
 * traffic and the invariants): the bindings of the devices still assigned
 * against their tables; settling, every MSI/MSI-X device assigned afresh,
 * programmed, compared exactly and de-assigned; after every device was
 * de-assigned, no binding, no region, and the hardware tables untouched.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <lfvpci/msi.h>

#include "stress_msix.h"

/* ---- quiescence ---- */

/*
 * Put an MSI-X device of a guest back into its own window (slot 0), so
 * that no two of a domain's tables overlap and each is trapped.
 */
static void normalise(struct stress_msix *mx, const struct target *t)
{
    uint16_t cmd = lfv_conf_read(t->d, t->sbdf, CFG_COMMAND, 2);
    uint64_t at[7];

    if (t->hwdom || guest_layout(mx->run, t->dev, t->dev, 0, at))
        return; /* the hardware domain's BARs never move */
    own_begin(mx->run, t->dev, -1);
    lfv_conf_write(t->d, t->sbdf, CFG_COMMAND, 2, cmd & ~CMD_MEMORY);
    for (unsigned int i = 0; i < 6; i++) {
        const struct bar_oracle *b = &mx->run->layout[t->dev].bar[i];

        if (!b->mem)
            continue;
        lfv_conf_write(t->d, t->sbdf, b->reg, 4, (uint32_t)at[i]);
        if (b->is64)
            lfv_conf_write(t->d, t->sbdf, b->reg + 4, 4,
                           (uint32_t)(at[i] >> 32));
    }
    lfv_conf_write(t->d, t->sbdf, CFG_COMMAND, 2, cmd);
    own_end(mx->run, t->dev);
}

struct entry_state {
    uint64_t address;
    uint32_t data;
    bool masked;
};

/* The table as the guest reads it; false when it cannot be read. */
static bool read_entry(struct stress_msix *mx, const struct target *t,
                       unsigned int e, struct entry_state *s)
{
    uint64_t a, dc;

    if (lfv_msix_mmio_read(t->d, entry_gpa(t, e), 8, &a) ||
        lfv_msix_mmio_read(t->d, entry_gpa(t, e) + 8, 8, &dc)) {
        fail(mx, K_ISO, "domain %u: device %u's table (entry %u at %#" PRIx64
             ") not reachable by its owner", t->domid, t->dev, e,
             entry_gpa(t, e));
        return false;
    }
    check_read(mx, t, e, 0, 8, a);
    check_read(mx, t, e, 2, 8, dc);
    *s = (struct entry_state){ a, (uint32_t)dc, (dc >> 32) & 1 };
    return true;
}

/*
 * An entry's binding against the emulation's state.  exact: address and
 * data must be the table's (after a mask/unmask, <lfvpci/msi.h>).
 */
static void check_entry(struct stress_msix *mx, const struct target *t,
                        unsigned int e, bool enabled, bool maskall, bool exact)
{
    const struct brec *r = &mx->recs[t->domid][t->dev][e];
    struct entry_state s;

    if (!read_entry(mx, t, e, &s))
        return;
    if (!enabled || s.masked) {
        if (r->bound && !r->masked)
            fail(mx, K_BIND, "domain %u device %u entry %u: delivering while "
                 "%s", t->domid, t->dev, e,
                 enabled ? "masked" : "MSI-X is disabled");
        if (!enabled && r->bound)
            fail(mx, K_BIND, "domain %u device %u entry %u: bound while MSI-X "
                 "is disabled", t->domid, t->dev, e);
        return;
    }
    if (!r->bound) {
        fail(mx, K_BIND, "domain %u device %u entry %u: enabled and unmasked, "
             "not bound", t->domid, t->dev, e);
        return;
    }
    if (r->masked != maskall)
        fail(mx, K_BIND, "domain %u device %u entry %u: bound %smasked, "
             "function mask %d", t->domid, t->dev, e, r->masked ? "" : "un",
             maskall);
    if (exact && (r->address != s.address || r->data != s.data))
        fail(mx, K_BIND,
             "domain %u device %u entry %u: bound %#" PRIx64 "/%#x,"
             " the table holds %#" PRIx64 "/%#x",
             t->domid, t->dev, e, r->address, r->data, s.address, s.data);
}

static void quiesce_msix(struct stress_msix *mx, const struct target *owner)
{
    unsigned int nr = mx->run->layout[owner->dev].msix_nr;
    struct target t;
    uint16_t c;

    normalise(mx, owner);
    if (!target_owner(mx, owner->dev, &t)) /* the table where it is now */
        return;
    c = ctl_read(mx, &t);
    for (unsigned int e = 0; e < nr; e++)
        check_entry(mx, &t, e, c & MSIX_ENABLE, c & MSIX_MASKALL, false);
    if (!(c & MSIX_ENABLE))
        return;
    /* function mask off, then mask and unmask every unmasked entry */
    ctl_write(mx, &t, MSIX_ENABLE);
    for (unsigned int e = 0; e < nr; e++) {
        uint64_t v;

        if (lfv_msix_mmio_read(t.d, entry_gpa(&t, e) + 12, 4, &v) || v)
            continue;
        lfv_msix_mmio_write(t.d, entry_gpa(&t, e) + 12, 4, 1);
        lfv_msix_mmio_write(t.d, entry_gpa(&t, e) + 12, 4, 0);
        COUNT(settled);
    }
    for (unsigned int e = 0; e < nr; e++)
        check_entry(mx, &t, e, true, false, true);
}

static void quiesce_msi(struct stress_msix *mx, unsigned int dev,
                        struct lfv_domain *d, lfv_sbdf_t vsbdf)
{
    unsigned int pos = mx->run->layout[dev].msi_pos, domid = lfv_domain_id(d);
    unsigned int data_off = pos + (mx->run->layout[dev].msi_64 ? 12 : 8);
    uint16_t c = lfv_conf_read(d, vsbdf, pos + 2, 2);
    uint64_t addr = lfv_conf_read(d, vsbdf, pos + 4, 4);
    uint32_t data = lfv_conf_read(d, vsbdf, data_off, 2), mask = 0;
    unsigned int n = c & MSI_ENABLE ? 1u << ((c >> 4) & 7) : 0;

    if (mx->run->layout[dev].msi_64)
        addr |= (uint64_t)lfv_conf_read(d, vsbdf, pos + 8, 4) << 32;
    if (mx->run->layout[dev].msi_maskable)
        mask = lfv_conf_read(d, vsbdf, data_off + 4, 4);
    for (unsigned int i = 0; i < MSI_VECTORS; i++) {
        const struct brec *r = &mx->msi_recs[domid][dev][i];

        if (i >= n) {
            if (r->bound)
                fail(mx, K_BIND,
                     "domain %u device %u: MSI vector %u bound, %u "
                     "enabled",
                     domid, dev, i, n);
        } else if (!r->bound || r->address != addr || r->data != (data | i) ||
                   r->masked != ((mask >> i) & 1)) {
            fail(mx, K_BIND, "domain %u device %u: MSI vector %u %s %#" PRIx64
                 "/%#x, registers %#" PRIx64 "/%#x", domid, dev, i,
                 r->bound ? "bound" : "not bound", r->address, r->data,
                 addr, data | i);
        }
    }
}

/* No binding left for (domid, dev). */
static void check_unbound(struct stress_msix *mx, unsigned int domid,
                          unsigned int dev, const char *why)
{
    for (unsigned int e = 0;
         mx->recs[domid][dev] && e < mx->run->layout[dev].msix_nr; e++)
        if (mx->recs[domid][dev][e].bound)
            fail(mx, K_BIND, "domain %u device %u entry %u bound %s", domid,
                 dev, e, why);
    for (unsigned int i = 0; i < MSI_VECTORS; i++)
        if (mx->msi_recs[domid][dev][i].bound)
            fail(mx, K_BIND, "domain %u device %u MSI vector %u bound %s",
                 domid, dev, i, why);
}

static unsigned long total_failures(struct stress_msix *mx)
{
    unsigned long n = 0;

    for (unsigned int k = 0; k < NR_KINDS; k++)
        n += __atomic_load_n(&mx->fails[k], __ATOMIC_RELAXED);
    return n;
}

/* Whether a device domain d owns has guest BARs in device k's window. */
static bool borrowed_by(const struct stress_msix *mx, const unsigned int *owner,
                        unsigned int d, unsigned int k)
{
    for (unsigned int j = 0; j < mx->run->opt.devices; j++)
        if (j != k && owner[j] == d &&
            (__atomic_load_n(&mx->run->borrow[j], __ATOMIC_ACQUIRE) &
             1ull << k))
            return true;
    return false;
}

unsigned long msix_quiesce(struct stress_msix *mx)
{
    unsigned long before = total_failures(mx);
    unsigned int owner[MAX_DEVICES];
    unsigned int regions[MAX_GUESTS + 1] = { 0 };

    for (unsigned int k = 0; k < mx->run->opt.devices; k++) {
        struct target t;

        owner[k] = LFV_DOMID_INVALID;
        if (!target_owner(mx, k, &t))
            continue;
        owner[k] = t.domid;
        regions[t.domid] +=
            mx->run->layout[k].msix[0] + mx->run->layout[k].msix[1];
        if (t.hwdom && !hwdom_emulated(mx))
            continue;
        if (mx->run->layout[k].msix_pos)
            quiesce_msix(mx, &t);
        if (mx->run->layout[k].msi_pos)
            quiesce_msi(mx, k, t.d, t.sbdf);
    }
    for (unsigned int d = 0; d <= mx->run->opt.guests; d++) {
        unsigned int n = lfv_domain_msix_regions(mx->run->doms[d]);

        if (n != regions[d])
            fail(mx, K_ISO, "domain %u traps %u MSI-X regions, owns devices "
                 "with %u", d, n, regions[d]);
        for (unsigned int i = 0; i < mx->nr_msix_devs; i++) {
            unsigned int k = mx->msix_devs[i];
            struct target t = { .dev = k, .domid = d, .d = mx->run->doms[d],
                                .hwdom = d == 0 };
            uint64_t at[7], v;

            if (owner[k] == d)
                continue;
            check_unbound(mx, d, k, "for a device the domain does not own");
            /* every place its table may be: nothing of this domain's */
            for (unsigned int s = 0; s <= GUEST_SLOTS; s++) {
                uint64_t base = mx->run->layout[k]
                                    .bar[mx->run->layout[k].msix_bir[0]]
                                    .addr;

                if (s < GUEST_SLOTS) {
                    if (guest_layout(mx->run, k, k, s, at))
                        continue;
                    base = at[mx->run->layout[k].msix_bir[0]];
                }
                t.table = base + mx->run->layout[k].msix_off[0];
                /*
                 * A guest window may hold a device of d's own that borrowed
                 * it (a move left there, e.g. when a deferred map made the
                 * move back be ignored): its table may sit at the same
                 * place.  borrow[] is exact once the run is quiet.
                 */
                if (s < GUEST_SLOTS && borrowed_by(mx, owner, d, k))
                    continue;
                if (lfv_msix_mmio_read(t.d, t.table, 4, &v) != -ENOENT)
                    fail(mx, K_ISO, "domain %u reaches device %u's table at %#"
                         PRIx64 " without owning it", d, k, t.table);
            }
        }
    }
    return total_failures(mx) - before;
}

/*
 * Program every entry of t's table with encoded values and unmask it, then
 * compare; then mask, reprogram and unmask each (the new values take
 * effect at that unmask), and compare again.
 */
static void settle_msix(struct stress_msix *mx, const struct target *t)
{
    unsigned int dom = t->domid, dev = t->dev;

    ctl_write(mx, t, MSIX_ENABLE);
    for (unsigned int pass = 0; pass < 2; pass++) {
        for (unsigned int e = 0; e < mx->run->layout[dev].msix_nr; e++) {
            uint64_t gpa = entry_gpa(t, e);
            unsigned int n = (e + pass) % 3;

            lfv_msix_mmio_write(t->d, gpa + 12, 4, 1);
            lfv_msix_mmio_write(t->d, gpa, 8,
                                encode(0, dom, dev, e, n) |
                                    (uint64_t)encode(1, dom, dev, e, n) << 32);
            lfv_msix_mmio_write(t->d, gpa + 8, 4, encode(2, dom, dev, e, n));
            lfv_msix_mmio_write(t->d, gpa + 12, 4, 0);
        }
        for (unsigned int e = 0; e < mx->run->layout[dev].msix_nr; e++) {
            check_entry(mx, t, e, true, false, true);
            COUNT(compared);
        }
    }
}

/* MSI: an encoded address, a data value, unmasked, enabled. */
static void settle_msi(struct stress_msix *mx, const struct target *t)
{
    unsigned int pos = mx->run->layout[t->dev].msi_pos;
    unsigned int data_off = pos + (mx->run->layout[t->dev].msi_64 ? 12 : 8);

    lfv_conf_write(t->d, t->sbdf, pos + 4, 4,
                   encode(0, t->domid, t->dev, 0x7ff, 1));
    if (mx->run->layout[t->dev].msi_64)
        lfv_conf_write(t->d, t->sbdf, pos + 8, 4,
                       encode(1, t->domid, t->dev, 0x7ff, 1));
    lfv_conf_write(t->d, t->sbdf, data_off, 2, 0x4000 | t->dev << 5);
    if (mx->run->layout[t->dev].msi_maskable)
        lfv_conf_write(t->d, t->sbdf, data_off + 4, 4, 0);
    lfv_conf_write(t->d, t->sbdf, pos + 2, 2, MSI_ENABLE);
    quiesce_msi(mx, t->dev, t->d, t->sbdf);
    COUNT(msi_compared);
}

unsigned long msix_settle(struct stress_msix *mx)
{
    unsigned long before = total_failures(mx);
    bool used[MAX_DEVICES] = { false };

    for (unsigned int k = 0; k < mx->run->opt.devices; k++) {
        unsigned int to =
            1 + k % (mx->run->opt.guests ? mx->run->opt.guests : 1);
        struct target t;

        if (!mx->run->layout[k].msix_pos && !mx->run->layout[k].msi_pos)
            continue;
        if (!mx->run->opt.guests || (hwdom_emulated(mx) && k % 3 == 0))
            to = 0;
        own_begin(mx->run, k, (int)to);
        (void)lfv_pdev_assign(mx->run->sys, dev_sbdf(k), NULL);
        if (lfv_pdev_assign(mx->run->sys, dev_sbdf(k), mx->run->doms[to]))
            fail(mx, K_ISO, "device %u cannot be assigned to domain %u", k,
                 to);
        own_end(mx->run, k);
        if (!target_owner(mx, k, &t) || t.domid != to)
            continue;
        used[k] = true;
        if (t.hwdom && !hwdom_emulated(mx))
            continue; /* its own, on Arm */
        if (mx->run->layout[k].msix_pos)
            settle_msix(mx, &t);
        if (mx->run->layout[k].msi_pos)
            settle_msi(mx, &t);
    }
    for (unsigned int k = 0; k < mx->run->opt.devices; k++) {
        unsigned int domid;

        if (!used[k] ||
            lfv_pdev_owner(mx->run->sys, dev_sbdf(k), &domid, NULL))
            continue;
        own_begin(mx->run, k, -1);
        (void)lfv_pdev_assign(mx->run->sys, dev_sbdf(k), NULL);
        own_end(mx->run, k);
        check_unbound(mx, domid, k, "after de-assignment");
    }
    for (unsigned int d = 0; d <= mx->run->opt.guests; d++)
        if (lfv_domain_msix_regions(mx->run->doms[d]))
            fail(mx, K_ISO, "domain %u keeps %u MSI-X regions after settling",
                 d, lfv_domain_msix_regions(mx->run->doms[d]));
    if (mx->nr_msix_devs && !mx->st.compared)
        fail(mx, K_BIND, "settling compared no MSI-X entry");
    return total_failures(mx) - before;
}

unsigned long msix_final(struct stress_msix *mx)
{
    unsigned long before = total_failures(mx);

    for (unsigned int d = 0; d <= mx->run->opt.guests; d++) {
        if (lfv_domain_msix_regions(mx->run->doms[d]))
            fail(mx, K_ISO, "domain %u keeps %u MSI-X regions with no device",
                 d, lfv_domain_msix_regions(mx->run->doms[d]));
        for (unsigned int k = 0; k < mx->run->opt.devices; k++)
            check_unbound(mx, d, k, "after de-assignment");
    }
    /*
     * the hardware's tables: reset state on x86 (nothing programs them
     * here), the hardware domain's values at most on Arm
     */
    for (unsigned int i = 0; i < mx->nr_msix_devs; i++) {
        unsigned int k = mx->msix_devs[i];
        lfv_sbdf_t s = dev_sbdf(k);
        uint32_t cmd = lfv_sim_cfg_read(mx->run->bridge, s, CFG_COMMAND, 2);
        uint64_t base =
            mx->run->layout[k].bar[mx->run->layout[k].msix_bir[0]].addr +
            mx->run->layout[k].msix_off[0];

        lfv_sim_cfg_write(mx->run->bridge, s, CFG_COMMAND, 2,
                          cmd | CMD_MEMORY);
        for (unsigned int e = 0; e < mx->run->layout[k].msix_nr; e++)
            for (unsigned int f = 0; f < 3; f++) {
                uint64_t v;
                struct val x;

                if (lfv_sim_mmio_read(mx->run->bridge, base + 16 * e + 4 * f,
                                      4, &v))
                    continue;
                if (hwdom_emulated(mx) && v != 0)
                    fail(mx, K_ISO,
                         "device %u's hardware table entry %u field "
                         "%u holds %#x, not its reset value",
                         k, e, f, (uint32_t)v);
                else if (decode(f, (uint32_t)v, &x) && x.domid != 0)
                    fail(mx, K_ISO,
                         "device %u's hardware table entry %u holds "
                         "%#x, written by domain %u",
                         k, e, (uint32_t)v, x.domid);
            }
        lfv_sim_cfg_write(mx->run->bridge, s, CFG_COMMAND, 2, cmd);
    }
    return total_failures(mx) - before;
}

void msix_teardown(struct stress_msix *mx)
{
    for (unsigned int d = 0; d <= MAX_GUESTS; d++)
        for (unsigned int k = 0; k < MAX_DEVICES; k++) {
            free(mx->recs[d][k]);
            mx->recs[d][k] = NULL;
        }
}

unsigned long msix_failures(struct stress_msix *mx)
{
    return total_failures(mx);
}

void msix_report(struct stress_msix *mx)
{
    printf("  MSI-X steps   %12lu  (%u MSI-X, %u MSI devices): %lu table "
           "reads, %lu writes, %lu unclaimed, %lu foreign, %lu refused "
           "probes, %lu strays\n",
           mx->st.steps, mx->nr_msix_devs, mx->nr_msi_devs, mx->st.table_reads,
           mx->st.table_writes, mx->st.enoent, mx->st.foreign, mx->st.refused,
           mx->st.strays);
    printf("  bindings      %12lu  binds, %lu unbinds, %lu masks, %lu MSI "
           "writes, %lu device memory writes, %lu settled at quiescence\n",
           mx->st.binds, mx->st.unbinds, mx->st.masks, mx->st.msi_writes,
           mx->st.hw_writes, mx->st.settled);
    printf("  settling      %12lu  MSI-X entries and %lu MSI functions "
           "compared with their bindings (%s hardware domain)\n",
           mx->st.compared, mx->st.msi_compared,
           hwdom_emulated(mx) ? "x86: emulated" : "Arm: passthrough");
    printf("  page rest     %12lu  accesses, %lu checked exactly (forwarded "
           "once to the host BAR, or %lu reaching nothing); %lu forwards "
           "checked for ownership\n", mx->st.rest, mx->st.rest_exact,
           mx->st.rest_nothing, mx->st.forwards);
    printf("  MSI-X failures torn %lu, cross-domain %lu, binding %lu, "
           "isolation %lu, refusal %lu\n",
           mx->fails[K_TORN], mx->fails[K_LEAK], mx->fails[K_BIND],
           mx->fails[K_ISO], mx->fails[K_REFUSE]);
}

void msix_free(struct stress_msix *mx)
{
    free(mx);
}
