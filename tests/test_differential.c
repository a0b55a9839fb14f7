/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Randomized differential test: random register layouts, masks, missing
 * handlers and edits, and accesses of every size, offset and policy,
 * checked byte by byte against a reference model written independently of
 * the engine's span walk.
 */
#include <errno.h>
#include <string.h>

#include <lfvpci/access.h>
#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"

#define WINDOW 96 /* registers live in [0, WINDOW) and near the top */
#define MAXREGS 48

struct mreg {
    bool live, has_read, has_write;
    unsigned int off, size;
    uint32_t ro, rw1c, rsvdp, rsvdz;
    uint32_t val;  /* the engine's handlers own this cell */
    uint32_t mval; /* the model's copy */
    unsigned int bad_reg_arg;
    unsigned int reads; /* calls of h_read() */
};

static struct mreg regs[MAXREGS];
static uint8_t hw[4096], hw_model[4096];
static bool no_hw; /* the system has no hardware ops: gaps read all-ones */
static uint64_t rng;
static unsigned int hw_reads; /* calls of hw_read() */

static uint32_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/*
 * The bytes above `size` are junk: the hardware ops' contract does not
 * promise them clear, so the engine must mask what it returns.
 */
static uint32_t hw_read(void *h, lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    uint32_t v = 0xa5c3e1f7u ^ reg;

    (void)h, (void)s;
    hw_reads++;
    memcpy(&v, &hw[reg], size);
    return v;
}

static void hw_write(void *h, lfv_sbdf_t s, unsigned int reg, unsigned int size,
                     uint32_t v)
{
    (void)h, (void)s;
    memcpy(&hw[reg], &v, size);
}

static const struct lfv_hw_ops hw_ops = { hw_read, hw_write };

static uint32_t h_read(const void *ctx, unsigned int reg, void *data)
{
    struct mreg *r = data;

    (void)ctx;
    r->bad_reg_arg += reg != r->off;
    r->reads++;
    return r->val;
}

/* A device register: RW1C bits clear on 1, everything else is stored. */
static void h_write(const void *ctx, unsigned int reg, uint32_t v, void *data)
{
    struct mreg *r = data;

    (void)ctx;
    r->bad_reg_arg += reg != r->off;
    r->val = (v & ~r->rw1c) | (r->val & r->rw1c & ~v);
}

static uint32_t width_mask(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- reference model, byte by byte ---- */

static struct mreg *model_reg_at(unsigned int b)
{
    for (unsigned int i = 0; i < MAXREGS; i++)
        if (regs[i].live && b >= regs[i].off && b < regs[i].off + regs[i].size)
            return &regs[i];
    return NULL;
}

static uint32_t model_reg_value(const struct mreg *r)
{
    return r->has_read ? r->mval : 0xffffffffu;
}

static uint32_t model_read(unsigned int reg, unsigned int size, bool hwpol)
{
    uint32_t v = 0;

    for (unsigned int i = 0; i < size; i++) {
        unsigned int b = reg + i;
        struct mreg *r = model_reg_at(b);
        uint32_t byte;

        if (r)
            byte = ((model_reg_value(r) & ~(r->rsvdp | r->rsvdz)) >>
                    (8 * (b - r->off))) & 0xff;
        else
            byte = hwpol && !no_hw ? hw_model[b] : 0xff;
        v |= byte << (8 * i);
    }
    return v;
}

static void model_write(unsigned int reg, unsigned int size, uint32_t v,
                        bool hwpol)
{
    for (unsigned int i = 0; i < size; i++) {
        unsigned int b = reg + i;
        struct mreg *r = model_reg_at(b);

        if (!r) {
            if (hwpol && !no_hw)
                hw_model[b] = (v >> (8 * i)) & 0xff;
            continue;
        }
        /* all bytes of this access that fall in r, handled at once */
        unsigned int first = b, last = b;
        while (last + 1 < reg + size && last + 1 < r->off + r->size)
            last++;
        uint32_t preserved = r->ro | r->rsvdp, cur = 0, data = 0;
        bool full = first == r->off && last == r->off + r->size - 1;

        if (!full || preserved)
            cur = model_reg_value(r) & ~r->rw1c;
        data = cur;
        for (unsigned int x = first; x <= last; x++) {
            unsigned int sh = 8 * (x - r->off);
            data = (data & ~(0xffu << sh)) |
                   (((v >> (8 * (x - reg))) & 0xff) << sh);
        }
        data &= ~(preserved | r->rsvdz);
        data |= cur & preserved;
        data &= width_mask(r->size);
        if (r->has_write)
            r->mval = (data & ~r->rw1c) | (r->mval & r->rw1c & ~data);
        i += last - first;
    }
}

/* ---- random layouts ---- */

static bool model_overlaps(unsigned int off, unsigned int size)
{
    for (unsigned int b = off; b < off + size; b++)
        if (model_reg_at(b))
            return true;
    return false;
}

static void random_masks(struct mreg *r)
{
    r->ro = r->rw1c = r->rsvdp = r->rsvdz = 0;
    if (rnd() % 3)
        return;
    for (unsigned int bit = 0; bit < 8 * r->size; bit++) {
        switch (rnd() % 6) {
        case 0: r->ro |= 1u << bit; break;
        case 1: r->rw1c |= 1u << bit; break;
        case 2: r->rsvdp |= 1u << bit; break;
        case 3: r->rsvdz |= 1u << bit; break;
        default: break;
        }
    }
}

static unsigned int random_offset(unsigned int size)
{
    unsigned int off = rnd() % 8 ? rnd() % WINDOW : 4096 - 16 + rnd() % 16;

    return off & ~(size - 1);
}

static int try_add(struct lfv_vdev *dev, struct lfv_regs_edit *e)
{
    static const unsigned int sizes[] = { 1, 2, 4 };
    struct mreg *r = NULL;
    struct lfv_reg_desc d;
    int rc;

    for (unsigned int i = 0; i < MAXREGS; i++)
        if (!regs[i].live) {
            r = &regs[i];
            break;
        }
    if (!r)
        return 0;
    memset(r, 0, sizeof(*r));
    r->size = sizes[rnd() % 3];
    r->off = random_offset(r->size);
    r->has_read = rnd() % 8 != 0;
    r->has_write = !r->has_read || rnd() % 8 != 0;
    r->val = r->mval = rnd() & width_mask(r->size);
    random_masks(r);
    d = (struct lfv_reg_desc){
        .read = r->has_read ? h_read : NULL,
        .write = r->has_write ? h_write : NULL,
        .data = r, .offset = r->off, .size = r->size,
        .ro_mask = r->ro, .rw1c_mask = r->rw1c,
        .rsvdp_mask = r->rsvdp, .rsvdz_mask = r->rsvdz,
    };
    rc = e ? lfv_regs_edit_add(e, &d)
           : lfv_vdev_add_register_mask(dev, d.read, d.write, d.offset,
                                        d.size, r, d.ro_mask, d.rw1c_mask,
                                        d.rsvdp_mask, d.rsvdz_mask);
    CHECK_EQ(rc, model_overlaps(r->off, r->size) ? -EEXIST : 0);
    r->live = rc == 0;
    return rc;
}

static void try_remove(struct lfv_vdev *dev, struct lfv_regs_edit *e)
{
    struct mreg *r = &regs[rnd() % MAXREGS];
    int rc;

    if (!r->live) {
        unsigned int off = rnd() % WINDOW, size = 1u << (rnd() % 3);
        bool exact = false;

        for (unsigned int i = 0; i < MAXREGS; i++)
            exact |= regs[i].live && regs[i].off == off && regs[i].size == size;
        rc = e ? lfv_regs_edit_remove(e, off, size)
               : lfv_vdev_remove_register(dev, off, size);
        CHECK_EQ(rc, exact ? 0 : -ENOENT);
        if (exact)
            for (unsigned int i = 0; i < MAXREGS; i++)
                if (regs[i].live && regs[i].off == off && regs[i].size == size)
                    regs[i].live = false;
        return;
    }
    rc = e ? lfv_regs_edit_remove(e, r->off, r->size)
           : lfv_vdev_remove_register(dev, r->off, r->size);
    CHECK_EQ(rc, 0);
    r->live = false;
}

static void run_seed(uint64_t seed)
{
    const struct lfv_vdev_params p = { .sbdf = 0x100, .hw_ops = &hw_ops };
    struct lfv_vdev *dev;
    unsigned int mismatches = 0;

    rng = seed * 0x9e3779b97f4a7c15ull + 1;
    memset(regs, 0, sizeof(regs));
    for (unsigned int i = 0; i < sizeof(hw); i++)
        hw[i] = hw_model[i] = rnd() & 0xff;
    CHECK_EQ(lfv_vdev_create(&p, &dev), 0);

    for (unsigned int op = 0; op < 1500; op++) {
        unsigned int kind = rnd() % 16;

        if (kind == 0) {
            try_add(dev, NULL);
        } else if (kind == 1) {
            try_remove(dev, NULL);
        } else if (kind == 2) { /* a batch of several edits */
            struct lfv_regs_edit *e;

            CHECK_EQ(lfv_regs_edit_begin(dev, &e), 0);
            for (unsigned int n = rnd() % 6; n; n--)
                (rnd() % 3) ? (void)try_add(dev, e) : try_remove(dev, e);
            CHECK_EQ(lfv_regs_edit_commit(e), 0);
        } else {
            static const unsigned int sizes[] = { 1, 2, 4 };
            unsigned int size = sizes[rnd() % 3];
            unsigned int reg = rnd() % 4 ? rnd() % (WINDOW + 4)
                                         : 4096 - 20 + rnd() % 17;
            bool hwpol = rnd() % 2;
            enum lfv_gap_policy gap = hwpol ? LFV_GAP_HW : LFV_GAP_DENY;

            if (rnd() % 2)
                reg &= ~(size - 1); /* mostly aligned, like real guests */
            if (reg + size > 4096)
                reg = 4096 - size;
            if (kind < 10) {
                uint32_t got = lfv_vdev_read(dev, reg, size, gap);
                uint32_t want = model_read(reg, size, hwpol);

                if (got != want && mismatches++ < 5)
                    fprintf(stderr, "seed %llu op %u: read %u@0x%x %s: "
                            "got 0x%x want 0x%x\n", (unsigned long long)seed,
                            op, size, reg, hwpol ? "hw" : "deny", got, want);
                CHECK_EQ(got, want);
            } else {
                uint32_t v = rnd() & width_mask(size);

                model_write(reg, size, v, hwpol);
                lfv_vdev_write(dev, reg, size, v, gap);
                CHECK(memcmp(hw, hw_model, sizeof(hw)) == 0);
                for (unsigned int i = 0; i < MAXREGS; i++)
                    if (regs[i].live)
                        CHECK_EQ(regs[i].val, regs[i].mval);
            }
        }
    }
    for (unsigned int i = 0; i < MAXREGS; i++)
        CHECK_EQ(regs[i].bad_reg_arg, 0);
    lfv_vdev_destroy(dev);
    lfv_rcu_barrier();
}

/* ---- the same layout through a domain's bus (lfv_conf_read) ---- */

/* The model's live registers, as the device's only hook. */
static int diff_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    (void)v;
    for (unsigned int i = 0; i < MAXREGS; i++) {
        const struct mreg *r = &regs[i];
        const struct lfv_reg_desc d = {
            .read = r->has_read ? h_read : NULL,
            .write = r->has_write ? h_write : NULL,
            .data = &regs[i], .offset = r->off, .size = r->size,
            .ro_mask = r->ro, .rw1c_mask = r->rw1c,
            .rsvdp_mask = r->rsvdp, .rsvdz_mask = r->rsvdz,
        };
        int rc = r->live ? lfv_regs_edit_add(e, &d) : 0;

        if (rc)
            return rc;
    }
    return 0;
}

static const struct lfv_vpci_hook diff_hook = { .name = "diff",
                                                .init = diff_init };

static unsigned int handler_reads(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < MAXREGS; i++)
        n += regs[i].reads;
    return n;
}

/*
 * An invalid read through d's bus at sbdf: all-ones, reaching no handler
 * and no hardware, and the same at nodev, an SBDF with no device on d's
 * bus.  Among them, a live register's offset with its size
 * plus 0x10000 (the read path's span compare must not take it for the
 * register) and the other invalid sizes at offsets inside the registers'
 * window.
 */
static void bus_read_invalid(struct lfv_domain *d, lfv_sbdf_t sbdf,
                             lfv_sbdf_t nodev)
{
    static const unsigned int bad_sizes[] = { 0, 3, 5, 8, 0x10001, 0x10002,
                                              0x10004, 0xffffffff };
    unsigned int before = hw_reads, hreads = handler_reads();
    unsigned int reg = rnd() % (WINDOW + 4), size;
    const struct mreg *r = &regs[rnd() % MAXREGS];

    switch (rnd() % 3) {
    case 0: /* a register's span, wrapped */
        if (r->live) {
            reg = r->off;
            size = r->size + 0x10000;
            break;
        }
        /* fall through */
    case 1:
        size = bad_sizes[rnd() % 8];
        break;
    default: /* past the space */
        size = 1u << (rnd() % 3);
        reg = rnd() % 2 ? 4097 - size + rnd() % 8 : 0xffffffffu - rnd() % 8;
        break;
    }
    CHECK_EQ(lfv_conf_read(d, sbdf, reg, size), 0xffffffffu);
    /* and where d's bus has no device (the hardware domain's: an SBDF
     * with no device reads the hardware when the access is valid) */
    CHECK_EQ(lfv_conf_read(d, nodev, reg, size), 0xffffffffu);
    CHECK_EQ(hw_reads, before);
    CHECK_EQ(handler_reads(), hreads);
}

/*
 * Reads and writes of every size and offset, mostly aligned, through d's
 * bus at sbdf: each read against the model (the hardware's bytes for the
 * hardware domain, all-ones for a guest), each write's effect on the
 * registers and the hardware against the model's, and a guest's never
 * reaching the hardware; now and then an invalid read
 * (bus_read_invalid()).
 */
static void bus_reads(uint64_t seed, struct lfv_domain *d, lfv_sbdf_t sbdf,
                      bool hwpol)
{
    static const unsigned int sizes[] = { 1, 2, 4 };
    unsigned int mismatches = 0;

    /* what adding and assigning the device wrote is the model's too */
    memcpy(hw_model, hw, sizeof(hw));
    for (unsigned int n = 0; n < 1500; n++) {
        unsigned int size = sizes[rnd() % 3], before = hw_reads;
        unsigned int reg = rnd() % 3 == 0 ? rnd() % 4096
                           : rnd() % 2    ? rnd() % (WINDOW + 4)
                                          : 4096 - 20 + rnd() % 17;
        uint32_t got, want;

        if (rnd() % 8 == 0) {
            bus_read_invalid(d, sbdf, LFV_SBDF(0, 0, 31, 0));
            continue;
        }
        if (rnd() % 4)
            reg &= ~(size - 1);
        if (reg + size > 4096)
            reg = 4096 - size;
        if (rnd() % 4 == 0) {
            uint32_t v = rnd() & width_mask(size);

            model_write(reg, size, v, hwpol);
            lfv_conf_write(d, sbdf, reg, size, v);
            CHECK(memcmp(hw, hw_model, sizeof(hw)) == 0);
            for (unsigned int i = 0; i < MAXREGS; i++)
                if (regs[i].live)
                    CHECK_EQ(regs[i].val, regs[i].mval);
            continue;
        }
        got = lfv_conf_read(d, sbdf, reg, size);
        want = model_read(reg, size, hwpol);
        if (got != want && mismatches++ < 5)
            fprintf(stderr, "seed %llu bus: read %u@0x%x %s: got 0x%x "
                    "want 0x%x\n", (unsigned long long)seed, size, reg,
                    hwpol ? "hwdom" : "guest", got, want);
        CHECK_EQ(got, want);
        if (!hwpol)
            CHECK_EQ(hw_reads, before);
    }
}

/*
 * A device assigned to a guest is not the hardware domain's: its accesses
 * to that SBDF reach the hardware, never the guest's registers.
 */
static void hwdom_after_assign(struct lfv_domain *hwdom, lfv_sbdf_t sbdf)
{
    for (unsigned int i = 0; i < MAXREGS; i++) {
        const struct mreg *r = &regs[i];
        uint32_t before = r->val, v = ~before & width_mask(r->size), want = 0;

        if (!r->live)
            continue;
        lfv_conf_write(hwdom, sbdf, r->off, r->size, v);
        CHECK_EQ(r->val, before);
        memcpy(&want, &hw[r->off], r->size);
        CHECK_EQ(want, v);
        CHECK_EQ(lfv_conf_read(hwdom, sbdf, r->off, r->size), v);
    }
}

/*
 * The seed's final layout as a device's registers on a system: read by the
 * hardware domain (lfv_bus_read() by SBDF), then by a guest it is
 * assigned to (by virtual slot), whose gap dwords take other paths than
 * lfv_vdev_read()'s.
 */
static void run_bus(uint64_t seed, bool nohw)
{
    /* random headers, bridges' included, go to the guest */
    const struct lfv_system_params p = { .hw_ops = nohw ? NULL : &hw_ops,
                                         .guest_bridges = true };
    const lfv_sbdf_t sbdf = LFV_SBDF(0, 1, 0, 0);
    struct lfv_domain *hwdom, *guest;
    struct lfv_system *sys;
    unsigned int domid;
    lfv_sbdf_t vsbdf;

    no_hw = nohw;
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &diff_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &guest), 0);
    CHECK_EQ(lfv_pdev_add(sys, sbdf), 0);
    bus_reads(seed, hwdom, sbdf, true);
    CHECK_EQ(lfv_pdev_assign(sys, sbdf, guest), 0);
    CHECK_EQ(lfv_pdev_owner(sys, sbdf, &domid, &vsbdf), 0);
    CHECK_EQ(domid, 1);
    if (!nohw)
        hwdom_after_assign(hwdom, sbdf);
    bus_reads(seed, guest, vsbdf, false);
    lfv_system_destroy(sys);
    no_hw = false;
}

int main(void)
{
    lfv_rcu_register_thread();
    for (uint64_t seed = 1; seed <= 300; seed++) {
        run_seed(seed);
        run_bus(seed, false);
        run_bus(seed, true); /* the same with no hardware ops */
    }
    lfv_rcu_unregister_thread();
    printf("differential: 300 seeds x 1500 operations, then 1500 reads "
           "and writes by the hardware domain's bus and 1500 by a guest's, with\n"
           "hardware ops and without\n");
    return CHECK_DONE();
}
