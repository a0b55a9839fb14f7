/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the guest capability policy (<lfvpci/caps.h>) on
 * arbitrary capability chains, arbitrary policies and arbitrary guest
 * write sequences, including the fields' hw_mask (what a guest's write
 * routes to the hardware) and the controls no policy may route there.
 *
 * Input (little-endian, zeros once it runs out):
 *   u8 flags: bit 0 pm_dstate_to_hw, bits 1-3 the number of rules;
 *   per rule: u16 id, u8 (bit 0 ext, bits 1-2 mode, bit 3 one field,
 *             bit 4 the field declares its RW1C status bits: hw_rw1c_mask
 *             from this file's rw1c_status[], else 0),
 *             and for a field: u16 offset, u8 size, u32 write_mask,
 *             u32 hw_mask (as given: bits outside write_mask or the size
 *             are the policy check's to refuse);
 *   u16 n, then n patches (u16 offset, u32 value): dwords written into
 *             a 4096-byte configuration space at 0x34..0xfff (the header
 *             before it is fixed: one 4 KiB memory BAR);
 *   then guest operations until the input ends: u16 offset, u8 size code
 *             (1, 2 or 4 bytes), u32 value: a write, then a read.
 *
 * Invariants, after the policy, after assignment and after every write:
 *  - an accepted policy has every field's hw_mask within its write_mask
 *    and off every control of risky[] (byte by byte: a field of any size
 *    or offset over a risky register counts);
 *  - assignment is refused (-EBUSY) exactly when the device is an SR-IOV
 *    physical function with its VFs enabled (VF Enable in the first
 *    SR-IOV capability of the extended chain, walked as below);
 *    otherwise it succeeds, or fails with -EINVAL only for a policy field
 *    past its capability (never an overlap of emulated registers);
 *  - the guest's standard and extended chains end: no capability twice,
 *    every one inside its space (0x40..0xfc, 0x100..0xffc);
 *  - a guest write changes a bit of the hardware's 0x40..0xfff only
 *    where an accepted field's hw_mask has it, at the capabilities that
 *    field applies to (below); or a status bit of rw1c_status[] going
 *    from 1 to 0 under an accepted field with a hw_mask whose
 *    hw_rw1c_mask leaves it out, in the bytes its hardware write covers
 *    (the narrowest aligned access holding hw_mask's bytes: its
 *    read-modify-write writes it back as 1, the policy's to declare); or PowerState of the first PM
 *    capability when pm_dstate_to_hw lets it through (the built-in
 *    field, on a device whose PMCSR has No_Soft_Reset).  Never a bit of
 *    risky[] but that PowerState, whatever the fields.
 * Where a field applies is this file's own reading of the contract in
 * caps.h, from the hardware's bytes at assignment: the chains walked as
 * it says (a pointer below 0x40 / 0x100, a loop, ID 0xff, an extended
 * header of 0 or all-ones ends them); a rule's fields at every
 * capability of its ID, except PM, MSI, PCI Express and MSI-X (the first
 * only) and SR-IOV (always hidden); a capability's bytes end at the next
 * capability in offset order.
 * One system for the process (the header hook only: MSI and MSI-X write
 * their own controls to hardware); each input adds its device, assigns
 * it to the guest and removes it.
 */
#include <errno.h>

#include <lfvpci/caps.h>
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/simhw.h>

#include "fuzz/fuzz_util.h"

static const lfv_sbdf_t DEV = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

/* Capability IDs, as Linux's include/uapi/linux/pci_regs.h names them. */
#define CAP_ID_PM 0x01   /* PCI_CAP_ID_PM */
#define CAP_ID_MSI 0x05  /* PCI_CAP_ID_MSI */
#define CAP_ID_EXP 0x10  /* PCI_CAP_ID_EXP */
#define CAP_ID_MSIX 0x11 /* PCI_CAP_ID_MSIX */
#define CAP_ID_AF 0x13   /* PCI_CAP_ID_AF */
#define EXT_ID_SRIOV 0x10 /* PCI_EXT_CAP_ID_SRIOV */

#define SRIOV_CTRL 0x08       /* PCI_SRIOV_CTRL */
#define SRIOV_CTRL_VFE 0x0001u /* PCI_SRIOV_CTRL_VFE */

#define PM_CTRL 0x04              /* PCI_PM_CTRL */
#define PM_CTRL_STATE 0x0003u     /* PCI_PM_CTRL_STATE_MASK */
#define PM_CTRL_NO_SOFT_RESET 0x0008u /* PCI_PM_CTRL_NO_SOFT_RESET */

/*
 * Bits of a capability's registers: reg and size within the capability,
 * bits over those bytes (little endian, as a field's); size 0: every byte
 * of the capability.
 */
struct spec_bits {
    bool ext;
    uint16_t id;
    uint8_t reg, size;
    uint32_t bits;
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define STD(id, reg, size, bits) { false, id, reg, size, bits }
#define EXT_WHOLE(id) { true, id, 0, 0, 0 }

/*
 * The controls a policy's field must never route to the hardware: they
 * act beyond the guest's own function (a reset under the emulation, the
 * shared link, the hierarchy, the IOMMU's view of the device, the BAR
 * sizes).  Written here from the PCIe Base Specification's registers
 * (offsets and bits as pci_regs.h), not taken from model/caps_policy.c,
 * so that a slip in either list shows as a crash.
 */
static const struct spec_bits risky[] = {
    STD(CAP_ID_PM, PM_CTRL, 2, PM_CTRL_STATE),
    /* PCI_EXP_DEVCTL: BCR_FLR 0x8000, PHANTOM 0x0200, PAYLOAD 0x00e0,
       CERE 0x0001, NFERE 0x0002, FERE 0x0004, URRE 0x0008 (the host's
       AER: fatal error recovery resets the shared link) */
    STD(CAP_ID_EXP, 0x08, 2, 0x8000u | 0x0200u | 0x00e0u | 0x000fu),
    /* PCI_EXP_LNKCTL: ASPMC 0x0003, CCC 0x0040, ES 0x0080, CLKREQ_EN
       0x0100, LD 0x0010, RL 0x0020...: the link, all of it */
    STD(CAP_ID_EXP, 0x10, 2, 0xffffu),
    STD(CAP_ID_EXP, 0x18, 2, 0xffffu), /* PCI_EXP_SLTCTL: all of it */
    STD(CAP_ID_EXP, 0x1c, 2, 0xffffu), /* PCI_EXP_RTCTL: all of it */
    /* PCI_EXP_DEVCTL2: ARI 0x0020, LTR 0x0400, EPR_REQ 0x0800,
       10BIT_TAG_REQ 0x1000, OBFF 0x6000 */
    STD(CAP_ID_EXP, 0x28, 2,
        0x0020u | 0x0400u | 0x0800u | 0x1000u | 0x6000u),
    STD(CAP_ID_EXP, 0x30, 2, 0xffffu), /* PCI_EXP_LNKCTL2: all of it */
    STD(CAP_ID_AF, 0x04, 1, 0x01u),    /* PCI_AF_CTRL: PCI_AF_CTRL_FLR */
    EXT_WHOLE(0x01), /* PCI_EXT_CAP_ID_ERR (AER) */
    EXT_WHOLE(0x02), /* PCI_EXT_CAP_ID_VC */
    EXT_WHOLE(0x08), /* PCI_EXT_CAP_ID_MFVC */
    EXT_WHOLE(0x09), /* PCI_EXT_CAP_ID_VC9 */
    EXT_WHOLE(0x0d), /* PCI_EXT_CAP_ID_ACS */
    EXT_WHOLE(0x0f), /* PCI_EXT_CAP_ID_ATS */
    EXT_WHOLE(0x12), /* PCI_EXT_CAP_ID_MCAST */
    EXT_WHOLE(0x13), /* PCI_EXT_CAP_ID_PRI */
    EXT_WHOLE(0x15), /* PCI_EXT_CAP_ID_REBAR */
    EXT_WHOLE(0x18), /* PCI_EXT_CAP_ID_LTR */
    EXT_WHOLE(0x19), /* PCI_EXT_CAP_ID_SECPCI */
    EXT_WHOLE(0x1b), /* PCI_EXT_CAP_ID_PASID */
    EXT_WHOLE(0x1d), /* PCI_EXT_CAP_ID_DPC */
    EXT_WHOLE(0x1e), /* PCI_EXT_CAP_ID_L1SS */
    EXT_WHOLE(0x1f), /* PCI_EXT_CAP_ID_PTM */
    EXT_WHOLE(0x24), /* PCI_EXT_CAP_ID_VF_REBAR */
    EXT_WHOLE(0x25), /* PCI_EXT_CAP_ID_DLF */
    EXT_WHOLE(0x26), /* PCI_EXT_CAP_ID_PL_16GT */
    EXT_WHOLE(0x27), /* PCI_EXT_CAP_ID_LMR */
    EXT_WHOLE(0x2a), /* PCI_EXT_CAP_ID_PL_32GT */
    EXT_WHOLE(0x30), /* PCI_EXT_CAP_ID_IDE */
    EXT_WHOLE(0x31), /* PCI_EXT_CAP_ID_PL_64GT */
};

/*
 * The RW1C status bits of the capabilities a policy's field may route to
 * the hardware (AER's are all risky).  A field with a hw_mask writes back
 * the bytes that hold it (read-modify-write of the narrowest aligned
 * access, caps.h): the status bits there it does not name in
 * hw_rw1c_mask go back as 1 and clear, which the contract leaves to the
 * policy (declaring them is its job); the oracle allows exactly that
 * 1 -> 0, for the bits a field's hw_rw1c_mask leaves out, in those bytes
 * only.
 */
static const struct spec_bits rw1c_status[] = {
    STD(CAP_ID_PM, PM_CTRL, 2, 0x8000u), /* PCI_PM_CTRL_PME_STATUS */
    /* PCI_EXP_DEVSTA: CED, NFED, FED, URD; Emergency Power Reduction
       Detected (bit 6, in later revisions of the specification) */
    STD(CAP_ID_EXP, 0x0a, 2, 0x000fu | 0x0040u),
    STD(CAP_ID_EXP, 0x12, 2, 0xc000u), /* PCI_EXP_LNKSTA: LBMS, LABS */
    /* PCI_EXP_SLTSTA: ABP, PFD, MRLSC, PDC, CC, DLLSC */
    STD(CAP_ID_EXP, 0x1a, 2, 0x011fu),
    STD(CAP_ID_EXP, 0x20, 4, 0x00010000u), /* PCI_EXP_RTSTA_PME */
    /* Link Status 2: Link Equalization Request 8.0 GT/s (bit 5) */
    STD(CAP_ID_EXP, 0x32, 2, 0x0020u),
};

/* The bits of a list's entries for byte `at` of capability (ext, id). */
static uint8_t spec_byte(const struct spec_bits *list, size_t n, bool ext,
                         unsigned int id, unsigned int at)
{
    uint8_t bits = 0;

    for (size_t i = 0; i < n; i++) {
        const struct spec_bits *e = &list[i];

        if (e->ext != ext || e->id != id)
            continue;
        if (!e->size)
            return 0xff;
        if (at >= e->reg && at < e->reg + e->size)
            bits |= (uint8_t)(e->bits >> 8 * (at - e->reg));
    }
    return bits;
}

static uint8_t risky_byte(bool ext, unsigned int id, unsigned int at)
{
    return spec_byte(risky, ARRAY_LEN(risky), ext, id, at);
}

static uint8_t rw1c_byte(bool ext, unsigned int id, unsigned int at)
{
    return spec_byte(rw1c_status, ARRAY_LEN(rw1c_status), ext, id, at);
}

/* A field's bytes, at most 4 (a size the policy check refuses may be). */
static unsigned int field_bytes(const struct lfv_cap_field *f)
{
    return f->size < 4 ? f->size : 4;
}

static uint32_t rw1c_mask(bool ext, unsigned int id,
                          const struct lfv_cap_field *f)
{
    uint32_t m = 0;

    for (unsigned int k = 0; k < field_bytes(f); k++)
        m |= (uint32_t)rw1c_byte(ext, id, f->offset + k) << 8 * k;
    return m;
}

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *guest;

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };
    struct lfv_domain *hwdom;

    if (sys)
        return;
    FUZZ_CHECK(!lfv_sim_bridge_create(&br), "bridge");
    p.hw = br;
    FUZZ_CHECK(!lfv_system_create(&p, &sys), "system");
    FUZZ_CHECK(!lfv_system_add_hook(sys, &lfv_header_hook), "hook");
    FUZZ_CHECK(!lfv_domain_create(sys, 0, true, &hwdom), "hwdom");
    FUZZ_CHECK(!lfv_domain_create(sys, 1, false, &guest), "guest");
}

static void put(uint8_t *cfg, unsigned int off, unsigned int size,
                uint32_t v)
{
    for (unsigned int i = 0; i < size && off + i < 4096; i++)
        cfg[off + i] = (uint8_t)(v >> 8 * i);
}

static uint32_t get32(const uint8_t *cfg, unsigned int off)
{
    return cfg[off] | (uint32_t)cfg[off + 1] << 8 |
           (uint32_t)cfg[off + 2] << 16 | (uint32_t)cfg[off + 3] << 24;
}

static size_t to_text(const uint8_t *cfg, char *text, size_t cap)
{
    size_t n = (size_t)snprintf(text, cap,
        "01:00.0 Device [0000]: fuzzed\n"
        "\tRegion 0: Memory at e1000000 (32-bit, non-prefetchable) "
        "[size=4K]\n");

    for (unsigned int off = 0; off < 4096; off += 16) {
        n += (size_t)snprintf(text + n, cap - n,
                              off < 0x100 ? "%02x:" : "%03x:", off);
        for (unsigned int i = 0; i < 16; i++)
            n += (size_t)snprintf(text + n, cap - n, " %02x", cfg[off + i]);
        n += (size_t)snprintf(text + n, cap - n, "\n");
    }
    return n;
}

/* The policy of the input: rules, each with at most one field. */
static void read_policy(struct fuzz_in *in, struct lfv_cap_policy *pol,
                        struct lfv_cap_rule *rules,
                        struct lfv_cap_field *fields)
{
    uint8_t flags = fuzz_u8(in);

    pol->rules = rules;
    pol->pm_dstate_to_hw = flags & 1;
    pol->nr_rules = (flags >> 1) & 7;
    for (unsigned int i = 0; i < pol->nr_rules; i++) {
        uint16_t id = fuzz_u16(in);
        uint8_t how = fuzz_u8(in);
        struct lfv_cap_field *f = &fields[i];

        rules[i] = (struct lfv_cap_rule){ id, how & 1, (how >> 1) & 3,
                                          NULL, 0 };
        if (!(how & 8))
            continue;
        f->offset = fuzz_u16(in);
        f->size = fuzz_u8(in);
        f->write_mask = fuzz_u32(in);
        f->hw_mask = fuzz_u32(in);
        f->hw_rw1c_mask = how & 16 ? rw1c_mask(how & 1, id, f) : 0;
        rules[i].fields = f;
        rules[i].nr_fields = 1;
    }
}

/* Whether f routes a bit of risky[] to the hardware, byte by byte. */
static bool field_risky(const struct lfv_cap_rule *r,
                        const struct lfv_cap_field *f)
{
    for (unsigned int k = 0; k < field_bytes(f); k++)
        if ((f->hw_mask >> 8 * k) & risky_byte(r->ext, r->id, f->offset + k))
            return true;
    return false;
}

/* An accepted policy routes nothing risky, nothing it keeps per guest. */
static void check_accepted(const struct lfv_cap_policy *pol)
{
    for (unsigned int i = 0; i < pol->nr_rules; i++) {
        const struct lfv_cap_rule *r = &pol->rules[i];

        for (unsigned int k = 0; k < r->nr_fields; k++) {
            const struct lfv_cap_field *f = &r->fields[k];

            FUZZ_CHECK(!(f->hw_mask & ~f->write_mask),
                       "policy accepted: %s 0x%x field +0x%x/%u hw_mask "
                       "0x%x outside write_mask 0x%x", r->ext ? "ext" : "std",
                       r->id, f->offset, f->size, f->hw_mask, f->write_mask);
            FUZZ_CHECK(!field_risky(r, f),
                       "policy accepted: %s 0x%x field +0x%x/%u hw_mask "
                       "0x%x routes a risky control to the hardware",
                       r->ext ? "ext" : "std", r->id, f->offset, f->size,
                       f->hw_mask);
        }
    }
}

/* A hardware chain as caps.h says it is walked: positions and IDs. */
struct chain {
    unsigned int n;
    uint16_t pos[(4096 - 0x100) / 4], id[(4096 - 0x100) / 4];
};

static void walk_std(const uint8_t *cfg, struct chain *c)
{
    bool seen[256] = { false };

    c->n = 0;
    if (!(cfg[0x06] & 0x10))
        return;
    for (unsigned int pos = cfg[0x34] & ~3u; pos >= 0x40 && !seen[pos];
         pos = cfg[pos + 1] & ~3u) {
        seen[pos] = true;
        if (cfg[pos] == 0xff)
            return;
        c->pos[c->n] = (uint16_t)pos;
        c->id[c->n++] = cfg[pos];
    }
}

static void walk_ext(const uint8_t *cfg, struct chain *c)
{
    static bool seen[4096];
    uint32_t hdr;

    memset(seen, 0, sizeof(seen));
    c->n = 0;
    for (unsigned int pos = 0x100; pos >= 0x100 && !seen[pos];
         pos = (hdr >> 20) & ~3u) {
        seen[pos] = true;
        hdr = get32(cfg, pos);
        if (!hdr || hdr == 0xffffffffu)
            return;
        c->pos[c->n] = (uint16_t)pos;
        c->id[c->n++] = hdr & 0xffff;
    }
}

/* Where capability k's bytes end: the next one in offset order. */
static unsigned int cap_end(const struct chain *c, unsigned int k, bool ext)
{
    unsigned int end = ext ? 4096 : 0x100;

    for (unsigned int j = 0; j < c->n; j++)
        if (c->pos[j] > c->pos[k] && c->pos[j] < end)
            end = c->pos[j];
    return end;
}

/* Per hardware byte, the bits a guest write may change, and how. */
struct oracle {
    uint8_t hw[4096];    /* an accepted field's hw_mask */
    uint8_t clear[4096]; /* RW1C status not in hw_rw1c_mask: 1 -> 0 */
    uint8_t risky[4096]; /* risky[]'s bits: never, but pm's */
    uint8_t pm[4096];    /* PowerState by pm_dstate_to_hw */
};

/* Only the first capability of these IDs counts, later ones are hidden
   (caps.h); every extended one, and other standard IDs, all count. */
static bool first_only(bool ext, unsigned int id)
{
    return !ext && (id == CAP_ID_PM || id == CAP_ID_MSI ||
                    id == CAP_ID_EXP || id == CAP_ID_MSIX);
}

/*
 * The bytes [*lo, *hi] of f its hardware write covers (caps.h): the
 * narrowest naturally aligned access holding every byte of hw_mask.
 */
static void written_bytes(const struct lfv_cap_field *f, unsigned int *lo,
                          unsigned int *hi)
{
    unsigned int n = field_bytes(f), a = n, b = 0;

    for (unsigned int k = 0; k < n; k++) {
        if ((f->hw_mask >> 8 * k) & 0xff) {
            a = a < k ? a : k;
            b = k;
        }
    }
    if (a == b || (a + 1 == b && !(a & 1))) {
        *lo = a;
        *hi = b;
    } else {
        *lo = 0;
        *hi = n - 1;
    }
}

/* f's bits at the capability at pos. */
static void oracle_field(struct oracle *o, const struct lfv_cap_rule *r,
                         const struct lfv_cap_field *f, unsigned int pos)
{
    unsigned int lo, hi;

    if (!f->hw_mask)
        return;
    written_bytes(f, &lo, &hi);
    for (unsigned int k = lo; k <= hi; k++) {
        unsigned int at = pos + f->offset + k;

        if (at >= 4096)
            continue;
        o->hw[at] |= (uint8_t)(f->hw_mask >> 8 * k);
        o->clear[at] |= rw1c_byte(r->ext, r->id, f->offset + k) &
                        (uint8_t)~(f->hw_rw1c_mask >> 8 * k);
    }
}

/* The accepted policy's fields, at every capability they apply to. */
static void oracle_fields(struct oracle *o, const struct lfv_cap_policy *pol,
                          const struct chain *std, const struct chain *ext)
{
    for (unsigned int i = 0; i < pol->nr_rules; i++) {
        const struct lfv_cap_rule *r = &pol->rules[i];
        const struct chain *c = r->ext ? ext : std;

        if (r->mode != LFV_CAP_EMULATED || !r->nr_fields ||
            (r->ext && r->id == EXT_ID_SRIOV))
            continue;
        for (unsigned int k = 0; k < c->n; k++) {
            if (c->id[k] != r->id)
                continue;
            for (unsigned int j = 0; j < r->nr_fields; j++)
                oracle_field(o, r, &r->fields[j], c->pos[k]);
            if (first_only(r->ext, r->id))
                break;
        }
    }
}

/* risky[] at every capability of the chain, cut at the next one. */
static void oracle_risky(struct oracle *o, const struct chain *c, bool ext)
{
    for (unsigned int k = 0; k < c->n; k++) {
        unsigned int end = cap_end(c, k, ext);

        for (unsigned int at = c->pos[k]; at < end; at++)
            o->risky[at] |= risky_byte(ext, c->id[k], at - c->pos[k]);
    }
}

/*
 * pm_dstate_to_hw: PowerState of the first PM capability, by the
 * built-in field (so with no rule for PM but the default mode or
 * emulated without fields), where its PMCSR fits before the next
 * capability and has No_Soft_Reset (D3hot -> D0 keeps the function's
 * state; caps.h).
 */
static void oracle_pm(struct oracle *o, const struct lfv_cap_policy *pol,
                      const struct chain *std, const uint8_t *cfg)
{
    unsigned int pos;

    if (!pol->pm_dstate_to_hw)
        return;
    for (unsigned int i = 0; i < pol->nr_rules; i++) {
        const struct lfv_cap_rule *r = &pol->rules[i];

        if (!r->ext && r->id == CAP_ID_PM &&
            ((r->mode != LFV_CAP_DEFAULT && r->mode != LFV_CAP_EMULATED) ||
             r->fields))
            return;
    }
    for (unsigned int k = 0; k < std->n; k++) {
        if (std->id[k] != CAP_ID_PM)
            continue;
        pos = std->pos[k];
        if (pos + PM_CTRL + 2 <= cap_end(std, k, false) &&
            (cfg[pos + PM_CTRL] & PM_CTRL_NO_SOFT_RESET))
            o->pm[pos + PM_CTRL] = PM_CTRL_STATE;
        return;
    }
}

/* What the guest may change, from the hardware at assignment. */
static void oracle_build(struct oracle *o, const struct lfv_cap_policy *pol,
                         bool accepted, const uint8_t *cfg)
{
    static struct chain std, ext;

    memset(o, 0, sizeof(*o));
    walk_std(cfg, &std);
    walk_ext(cfg, &ext);
    oracle_risky(o, &std, false);
    oracle_risky(o, &ext, true);
    if (!accepted)
        return; /* the device keeps the default table */
    oracle_fields(o, pol, &std, &ext);
    oracle_pm(o, pol, &std, cfg);
}

/*
 * Whether the device is an SR-IOV PF with its VFs enabled: VF Enable in
 * the first SR-IOV capability (a control register past the space reads
 * all-ones, not enabled).
 */
static bool vfs_enabled(const uint8_t *cfg)
{
    static struct chain ext;
    unsigned int ctrl;

    walk_ext(cfg, &ext);
    for (unsigned int k = 0; k < ext.n; k++) {
        if (ext.id[k] != EXT_ID_SRIOV)
            continue;
        if (ext.pos[k] + SRIOV_CTRL + 2 > 4096)
            return false;
        ctrl = cfg[ext.pos[k] + SRIOV_CTRL] |
               (unsigned int)cfg[ext.pos[k] + SRIOV_CTRL + 1] << 8;
        return ctrl != 0xffff && (ctrl & SRIOV_CTRL_VFE);
    }
    return false;
}

/* The device's configuration space as the hardware has it now. */
static void snapshot(uint8_t *cfg)
{
    for (unsigned int off = 0; off < 4096; off += 4)
        put(cfg, off, 4, lfv_sim_cfg_read(br, DEV, off, 4));
}

static void check_chains(void)
{
    bool seen[4096] = { false };
    unsigned int pos;
    uint32_t hdr;

    if (lfv_conf_read(guest, VS0, 0x06, 2) & 0x10) {
        for (pos = lfv_conf_read(guest, VS0, 0x34, 1); pos;
             pos = lfv_conf_read(guest, VS0, pos + 1, 1)) {
            FUZZ_CHECK(pos >= 0x40 && pos <= 0xfc && !(pos & 3) && !seen[pos],
                       "standard chain reaches 0x%x (again?)", pos);
            seen[pos] = true;
        }
    }
    hdr = lfv_conf_read(guest, VS0, 0x100, 4);
    if (hdr == 0xffffffffu)
        return;
    for (pos = 0x100; hdr; hdr = lfv_conf_read(guest, VS0, pos, 4)) {
        seen[pos] = true;
        pos = hdr >> 20;
        if (!pos)
            break;
        FUZZ_CHECK(pos >= 0x100 && !(pos & 3) && !seen[pos],
                   "extended chain reaches 0x%x (again?)", pos);
    }
}

static void check_hw_byte(const struct oracle *o, unsigned int at,
                          uint8_t was, uint8_t now)
{
    uint8_t diff = was ^ now;
    uint8_t may = o->hw[at] | (o->clear[at] & was) | o->pm[at];

    FUZZ_CHECK(!(diff & o->risky[at] & ~o->pm[at]),
               "hardware byte 0x%03x: risky bits 0x%02x changed "
               "(%02x -> %02x)", at, diff & o->risky[at], was, now);
    FUZZ_CHECK(!(diff & ~may),
               "hardware byte 0x%03x changed outside the fields' hw_mask: "
               "%02x -> %02x, may 0x%02x", at, was, now, may);
}

static void check_hw(const uint8_t *before, const struct oracle *o)
{
    for (unsigned int off = 0x40; off < 4096; off += 4) {
        uint32_t now = lfv_sim_cfg_read(br, DEV, off, 4);

        for (unsigned int i = 0; i < 4; i++)
            check_hw_byte(o, off + i, before[off + i],
                          (uint8_t)(now >> 8 * i));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t cfg[4096], before[4096];
    static char text[32768];
    static struct oracle oracle;
    struct fuzz_in in = { data, size };
    struct lfv_cap_rule rules[8];
    struct lfv_cap_field fields[8];
    struct lfv_cap_policy pol;
    unsigned int npatch;
    bool custom = false, accepted, vfs;
    size_t n;
    int rc;

    fuzz_rcu_thread();
    read_policy(&in, &pol, rules, fields);
    memset(cfg, 0, sizeof(cfg));
    put(cfg, 0x00, 4, 0x56781234);
    put(cfg, 0x06, 2, 0x0010);
    put(cfg, 0x08, 4, 0x02000001);
    put(cfg, 0x10, 4, 0xe1000000);
    npatch = fuzz_u16(&in);
    for (unsigned int i = 0; i < npatch && fuzz_left(&in); i++) {
        unsigned int off = fuzz_u16(&in) & 0xfff;

        put(cfg, off < 0x34 ? 0x34 : off, 4, fuzz_u32(&in));
    }
    n = to_text(cfg, text, sizeof(text));
    setup();
    if (lfv_sim_add_lspci(br, text, n, DEV, NULL))
        return 0; /* the loader refused it: not this target's business */
    FUZZ_CHECK(!lfv_pdev_add(sys, DEV), "add");
    rc = lfv_pdev_set_cap_policy(sys, DEV, &pol);
    FUZZ_CHECK(!rc || rc == -EINVAL, "set_cap_policy: %d", rc);
    accepted = !rc;
    if (accepted)
        check_accepted(&pol);
    for (unsigned int i = 0; accepted && i < pol.nr_rules; i++)
        custom |= rules[i].nr_fields > 0;
    snapshot(before);
    vfs = vfs_enabled(before);
    rc = lfv_pdev_assign(sys, DEV, guest);
    if (vfs)
        FUZZ_CHECK(rc == -EBUSY, "a PF with VFs enabled: assignment %d", rc);
    else
        FUZZ_CHECK(!rc || (rc == -EINVAL && custom),
                   "assignment failed: %d", rc);
    if (!rc) {
        snapshot(before);
        oracle_build(&oracle, &pol, accepted, before);
        check_chains();
        while (fuzz_left(&in)) {
            unsigned int off = fuzz_u16(&in) & 0xfff;
            unsigned int sz = 1u << (fuzz_u8(&in) % 3);
            uint32_t val = fuzz_u32(&in);

            off &= ~(sz - 1);
            lfv_conf_write(guest, VS0, off, sz, val);
            (void)lfv_conf_read(guest, VS0, off, sz);
            check_hw(before, &oracle);
        }
        check_chains();
    }
    FUZZ_CHECK(!lfv_pdev_remove(sys, DEV), "remove");
    FUZZ_CHECK(!lfv_sim_remove(br, DEV), "sim remove");
    return 0;
}
