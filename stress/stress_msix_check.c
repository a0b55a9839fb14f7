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
static void normalise(const struct target *t)
{
    uint16_t cmd = lfv_conf_read(t->d, t->sbdf, CFG_COMMAND, 2);
    uint64_t at[7];

    if (t->hwdom || guest_layout(t->dev, t->dev, 0, at))
        return; /* the hardware domain's BARs never move */
    own_begin(t->dev, -1);
    lfv_conf_write(t->d, t->sbdf, CFG_COMMAND, 2, cmd & ~CMD_MEMORY);
    for (unsigned int i = 0; i < 6; i++) {
        const struct bar_oracle *b = &layout[t->dev].bar[i];

        if (!b->mem)
            continue;
        lfv_conf_write(t->d, t->sbdf, b->reg, 4, (uint32_t)at[i]);
        if (b->is64)
            lfv_conf_write(t->d, t->sbdf, b->reg + 4, 4,
                           (uint32_t)(at[i] >> 32));
    }
    lfv_conf_write(t->d, t->sbdf, CFG_COMMAND, 2, cmd);
    own_end(t->dev);
}

struct entry_state {
    uint64_t address;
    uint32_t data;
    bool masked;
};

/* The table as the guest reads it; false when it cannot be read. */
static bool read_entry(const struct target *t, unsigned int e,
                       struct entry_state *s)
{
    uint64_t a, dc;

    if (lfv_msix_mmio_read(t->d, entry_gpa(t, e), 8, &a) ||
        lfv_msix_mmio_read(t->d, entry_gpa(t, e) + 8, 8, &dc)) {
        fail(K_ISO, "domain %u: device %u's table (entry %u at %#" PRIx64
             ") not reachable by its owner", t->domid, t->dev, e,
             entry_gpa(t, e));
        return false;
    }
    check_read(t, e, 0, 8, a);
    check_read(t, e, 2, 8, dc);
    *s = (struct entry_state){ a, (uint32_t)dc, (dc >> 32) & 1 };
    return true;
}

/*
 * An entry's binding against the emulation's state.  exact: address and
 * data must be the table's (after a mask/unmask, <lfvpci/msi.h>).
 */
static void check_entry(const struct target *t, unsigned int e,
                        bool enabled, bool maskall, bool exact)
{
    const struct brec *r = &recs[t->domid][t->dev][e];
    struct entry_state s;

    if (!read_entry(t, e, &s))
        return;
    if (!enabled || s.masked) {
        if (r->bound && !r->masked)
            fail(K_BIND, "domain %u device %u entry %u: delivering while "
                 "%s", t->domid, t->dev, e,
                 enabled ? "masked" : "MSI-X is disabled");
        if (!enabled && r->bound)
            fail(K_BIND, "domain %u device %u entry %u: bound while MSI-X "
                 "is disabled", t->domid, t->dev, e);
        return;
    }
    if (!r->bound) {
        fail(K_BIND, "domain %u device %u entry %u: enabled and unmasked, "
             "not bound", t->domid, t->dev, e);
        return;
    }
    if (r->masked != maskall)
        fail(K_BIND, "domain %u device %u entry %u: bound %smasked, "
             "function mask %d", t->domid, t->dev, e, r->masked ? "" : "un",
             maskall);
    if (exact && (r->address != s.address || r->data != s.data))
        fail(K_BIND, "domain %u device %u entry %u: bound %#" PRIx64 "/%#x,"
             " the table holds %#" PRIx64 "/%#x", t->domid, t->dev, e,
             r->address, r->data, s.address, s.data);
}

static void quiesce_msix(const struct target *owner)
{
    unsigned int nr = layout[owner->dev].msix_nr;
    struct target t;
    uint16_t c;

    normalise(owner);
    if (!target_owner(owner->dev, &t)) /* the table where it is now */
        return;
    c = ctl_read(&t);
    for (unsigned int e = 0; e < nr; e++)
        check_entry(&t, e, c & MSIX_ENABLE, c & MSIX_MASKALL, false);
    if (!(c & MSIX_ENABLE))
        return;
    /* function mask off, then mask and unmask every unmasked entry */
    ctl_write(&t, MSIX_ENABLE);
    for (unsigned int e = 0; e < nr; e++) {
        uint64_t v;

        if (lfv_msix_mmio_read(t.d, entry_gpa(&t, e) + 12, 4, &v) || v)
            continue;
        lfv_msix_mmio_write(t.d, entry_gpa(&t, e) + 12, 4, 1);
        lfv_msix_mmio_write(t.d, entry_gpa(&t, e) + 12, 4, 0);
        COUNT(settled);
    }
    for (unsigned int e = 0; e < nr; e++)
        check_entry(&t, e, true, false, true);
}

static void quiesce_msi(unsigned int dev, struct lfv_domain *d,
                        lfv_sbdf_t vsbdf)
{
    unsigned int pos = layout[dev].msi_pos, domid = lfv_domain_id(d);
    unsigned int data_off = pos + (layout[dev].msi_64 ? 12 : 8);
    uint16_t c = lfv_conf_read(d, vsbdf, pos + 2, 2);
    uint64_t addr = lfv_conf_read(d, vsbdf, pos + 4, 4);
    uint32_t data = lfv_conf_read(d, vsbdf, data_off, 2), mask = 0;
    unsigned int n = c & MSI_ENABLE ? 1u << ((c >> 4) & 7) : 0;

    if (layout[dev].msi_64)
        addr |= (uint64_t)lfv_conf_read(d, vsbdf, pos + 8, 4) << 32;
    if (layout[dev].msi_maskable)
        mask = lfv_conf_read(d, vsbdf, data_off + 4, 4);
    for (unsigned int i = 0; i < MSI_VECTORS; i++) {
        const struct brec *r = &msi_recs[domid][dev][i];

        if (i >= n) {
            if (r->bound)
                fail(K_BIND, "domain %u device %u: MSI vector %u bound, %u "
                     "enabled", domid, dev, i, n);
        } else if (!r->bound || r->address != addr || r->data != (data | i) ||
                   r->masked != ((mask >> i) & 1)) {
            fail(K_BIND, "domain %u device %u: MSI vector %u %s %#" PRIx64
                 "/%#x, registers %#" PRIx64 "/%#x", domid, dev, i,
                 r->bound ? "bound" : "not bound", r->address, r->data,
                 addr, data | i);
        }
    }
}

/* No binding left for (domid, dev). */
static void check_unbound(unsigned int domid, unsigned int dev,
                          const char *why)
{
    for (unsigned int e = 0; recs[domid][dev] && e < layout[dev].msix_nr;
         e++)
        if (recs[domid][dev][e].bound)
            fail(K_BIND, "domain %u device %u entry %u bound %s", domid, dev,
                 e, why);
    for (unsigned int i = 0; i < MSI_VECTORS; i++)
        if (msi_recs[domid][dev][i].bound)
            fail(K_BIND, "domain %u device %u MSI vector %u bound %s", domid,
                 dev, i, why);
}

static unsigned long total_failures(void)
{
    unsigned long n = 0;

    for (unsigned int k = 0; k < NR_KINDS; k++)
        n += __atomic_load_n(&fails[k], __ATOMIC_RELAXED);
    return n;
}

unsigned long msix_quiesce(void)
{
    unsigned long before = total_failures();
    unsigned int owner[MAX_DEVICES];
    unsigned int regions[MAX_GUESTS + 1] = { 0 };

    for (unsigned int k = 0; k < opt.devices; k++) {
        struct target t;

        owner[k] = LFV_DOMID_INVALID;
        if (!target_owner(k, &t))
            continue;
        owner[k] = t.domid;
        regions[t.domid] += layout[k].msix[0] + layout[k].msix[1];
        if (t.hwdom && !hwdom_emulated())
            continue;
        if (layout[k].msix_pos)
            quiesce_msix(&t);
        if (layout[k].msi_pos)
            quiesce_msi(k, t.d, t.sbdf);
    }
    for (unsigned int d = 0; d <= opt.guests; d++) {
        unsigned int n = lfv_domain_msix_regions(doms[d]);

        if (n != regions[d])
            fail(K_ISO, "domain %u traps %u MSI-X regions, owns devices "
                 "with %u", d, n, regions[d]);
        for (unsigned int i = 0; i < nr_msix_devs; i++) {
            unsigned int k = msix_devs[i];
            struct target t = { .dev = k, .domid = d, .d = doms[d],
                                .hwdom = d == 0 };
            uint64_t at[7], v;

            if (owner[k] == d)
                continue;
            check_unbound(d, k, "for a device the domain does not own");
            /* every place its table may be: nothing of this domain's */
            for (unsigned int s = 0; s <= GUEST_SLOTS; s++) {
                uint64_t base = layout[k].bar[layout[k].msix_bir[0]].addr;

                if (s < GUEST_SLOTS) {
                    if (guest_layout(k, k, s, at))
                        continue;
                    base = at[layout[k].msix_bir[0]];
                }
                t.table = base + layout[k].msix_off[0];
                if (lfv_msix_mmio_read(t.d, t.table, 4, &v) != -ENOENT)
                    fail(K_ISO, "domain %u reaches device %u's table at %#"
                         PRIx64 " without owning it", d, k, t.table);
            }
        }
    }
    return total_failures() - before;
}

/*
 * Program every entry of t's table with encoded values and unmask it, then
 * compare; then mask, reprogram and unmask each (the new values take
 * effect at that unmask), and compare again.
 */
static void settle_msix(const struct target *t)
{
    unsigned int dom = t->domid, dev = t->dev;

    ctl_write(t, MSIX_ENABLE);
    for (unsigned int pass = 0; pass < 2; pass++) {
        for (unsigned int e = 0; e < layout[dev].msix_nr; e++) {
            uint64_t gpa = entry_gpa(t, e);
            unsigned int n = (e + pass) % 3;

            lfv_msix_mmio_write(t->d, gpa + 12, 4, 1);
            lfv_msix_mmio_write(t->d, gpa, 8,
                                encode(0, dom, dev, e, n) |
                                    (uint64_t)encode(1, dom, dev, e, n) << 32);
            lfv_msix_mmio_write(t->d, gpa + 8, 4, encode(2, dom, dev, e, n));
            lfv_msix_mmio_write(t->d, gpa + 12, 4, 0);
        }
        for (unsigned int e = 0; e < layout[dev].msix_nr; e++) {
            check_entry(t, e, true, false, true);
            COUNT(compared);
        }
    }
}

/* MSI: an encoded address, a data value, unmasked, enabled. */
static void settle_msi(const struct target *t)
{
    unsigned int pos = layout[t->dev].msi_pos;
    unsigned int data_off = pos + (layout[t->dev].msi_64 ? 12 : 8);

    lfv_conf_write(t->d, t->sbdf, pos + 4, 4,
                   encode(0, t->domid, t->dev, 0x7ff, 1));
    if (layout[t->dev].msi_64)
        lfv_conf_write(t->d, t->sbdf, pos + 8, 4,
                       encode(1, t->domid, t->dev, 0x7ff, 1));
    lfv_conf_write(t->d, t->sbdf, data_off, 2, 0x4000 | t->dev << 5);
    if (layout[t->dev].msi_maskable)
        lfv_conf_write(t->d, t->sbdf, data_off + 4, 4, 0);
    lfv_conf_write(t->d, t->sbdf, pos + 2, 2, MSI_ENABLE);
    quiesce_msi(t->dev, t->d, t->sbdf);
    COUNT(msi_compared);
}

unsigned long msix_settle(void)
{
    unsigned long before = total_failures();
    bool used[MAX_DEVICES] = { false };

    for (unsigned int k = 0; k < opt.devices; k++) {
        unsigned int to = 1 + k % (opt.guests ? opt.guests : 1);
        struct target t;

        if (!layout[k].msix_pos && !layout[k].msi_pos)
            continue;
        if (!opt.guests || (hwdom_emulated() && k % 3 == 0))
            to = 0;
        own_begin(k, (int)to);
        (void)lfv_pdev_assign(sys, dev_sbdf(k), NULL);
        if (lfv_pdev_assign(sys, dev_sbdf(k), doms[to]))
            fail(K_ISO, "device %u cannot be assigned to domain %u", k, to);
        own_end(k);
        if (!target_owner(k, &t) || t.domid != to)
            continue;
        used[k] = true;
        if (t.hwdom && !hwdom_emulated())
            continue; /* its own, on Arm */
        if (layout[k].msix_pos)
            settle_msix(&t);
        if (layout[k].msi_pos)
            settle_msi(&t);
    }
    for (unsigned int k = 0; k < opt.devices; k++) {
        unsigned int domid;

        if (!used[k] || lfv_pdev_owner(sys, dev_sbdf(k), &domid, NULL))
            continue;
        own_begin(k, -1);
        (void)lfv_pdev_assign(sys, dev_sbdf(k), NULL);
        own_end(k);
        check_unbound(domid, k, "after de-assignment");
    }
    for (unsigned int d = 0; d <= opt.guests; d++)
        if (lfv_domain_msix_regions(doms[d]))
            fail(K_ISO, "domain %u keeps %u MSI-X regions after settling",
                 d, lfv_domain_msix_regions(doms[d]));
    if (nr_msix_devs && !st.compared)
        fail(K_BIND, "settling compared no MSI-X entry");
    return total_failures() - before;
}

unsigned long msix_final(void)
{
    unsigned long before = total_failures();

    for (unsigned int d = 0; d <= opt.guests; d++) {
        if (lfv_domain_msix_regions(doms[d]))
            fail(K_ISO, "domain %u keeps %u MSI-X regions with no device",
                 d, lfv_domain_msix_regions(doms[d]));
        for (unsigned int k = 0; k < opt.devices; k++)
            check_unbound(d, k, "after de-assignment");
    }
    /*
     * the hardware's tables: reset state on x86 (nothing programs them
     * here), the hardware domain's values at most on Arm
     */
    for (unsigned int i = 0; i < nr_msix_devs; i++) {
        unsigned int k = msix_devs[i];
        lfv_sbdf_t s = dev_sbdf(k);
        uint32_t cmd = lfv_sim_cfg_read(bridge, s, CFG_COMMAND, 2);
        uint64_t base = layout[k].bar[layout[k].msix_bir[0]].addr +
                        layout[k].msix_off[0];

        lfv_sim_cfg_write(bridge, s, CFG_COMMAND, 2, cmd | CMD_MEMORY);
        for (unsigned int e = 0; e < layout[k].msix_nr; e++)
            for (unsigned int f = 0; f < 3; f++) {
                uint64_t v;
                struct val x;

                if (lfv_sim_mmio_read(bridge, base + 16 * e + 4 * f, 4, &v))
                    continue;
                if (hwdom_emulated() && v != 0)
                    fail(K_ISO, "device %u's hardware table entry %u field "
                         "%u holds %#x, not its reset value", k, e, f,
                         (uint32_t)v);
                else if (decode(f, (uint32_t)v, &x) && x.domid != 0)
                    fail(K_ISO, "device %u's hardware table entry %u holds "
                         "%#x, written by domain %u", k, e, (uint32_t)v,
                         x.domid);
            }
        lfv_sim_cfg_write(bridge, s, CFG_COMMAND, 2, cmd);
    }
    return total_failures() - before;
}

void msix_teardown(void)
{
    for (unsigned int d = 0; d <= MAX_GUESTS; d++)
        for (unsigned int k = 0; k < MAX_DEVICES; k++) {
            free(recs[d][k]);
            recs[d][k] = NULL;
        }
}

unsigned long msix_failures(void)
{
    return total_failures();
}

void msix_report(void)
{
    printf("  MSI-X steps   %12lu  (%u MSI-X, %u MSI devices): %lu table "
           "reads, %lu writes, %lu unclaimed, %lu foreign, %lu refused "
           "probes, %lu strays\n",
           st.steps, nr_msix_devs, nr_msi_devs, st.table_reads,
           st.table_writes, st.enoent, st.foreign, st.refused, st.strays);
    printf("  bindings      %12lu  binds, %lu unbinds, %lu masks, %lu MSI "
           "writes, %lu device memory writes, %lu settled at quiescence\n",
           st.binds, st.unbinds, st.masks, st.msi_writes, st.hw_writes,
           st.settled);
    printf("  settling      %12lu  MSI-X entries and %lu MSI functions "
           "compared with their bindings (%s hardware domain)\n",
           st.compared, st.msi_compared,
           hwdom_emulated() ? "x86: emulated" : "Arm: passthrough");
    printf("  page rest     %12lu  accesses, %lu checked exactly (trapped, "
           "forwarded once to the host BAR); %lu forwards checked for "
           "ownership\n", st.rest, st.rest_exact, st.forwards);
    printf("  MSI-X failures torn %lu, cross-domain %lu, binding %lu, "
           "isolation %lu, refusal %lu\n",
           fails[K_TORN], fails[K_LEAK], fails[K_BIND], fails[K_ISO],
           fails[K_REFUSE]);
}
