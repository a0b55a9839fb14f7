/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest capability policy: the default table, the built-in fields of
 * the PM and PCI Express emulation, and per-device overrides
 * (lfv_pdev_set_cap_policy), checked and copied onto the struct lfv_pdev.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/rcu.h>

#include "../core/compiler.h"
#include "../core/pci_regs.h"
#include "caps_policy.h"
#include "vpci_state.h"

struct cap_policy {
    unsigned int nr_rules;
    bool pm_dstate_to_hw;
    struct cap_rule {
        uint16_t id;
        bool ext;
        enum lfv_cap_mode mode;
        unsigned int first, nr; /* into fields[]; nr 0 with no fields */
        bool has_fields;
    } *rules;
    struct lfv_cap_field *fields;
};

/* PMCSR: PowerState and PME_En per guest; PME_Status is RW1C. */
#define PM_CTRL CAPS_PM_CTRL
#define PM_CTRL_STATE 0x0003u
#define PM_CTRL_PME_ENABLE 0x0100u
#define PM_CTRL_PME_STATUS 0x8000u

static const struct lfv_cap_field pm_fields[] = {
    { PM_CTRL, 2, PM_CTRL_STATE | PM_CTRL_PME_ENABLE, 0, PM_CTRL_PME_STATUS },
};

static const struct lfv_cap_field pm_fields_hw[] = {
    { PM_CTRL, 2, PM_CTRL_STATE | PM_CTRL_PME_ENABLE, PM_CTRL_STATE,
      PM_CTRL_PME_STATUS },
};

/*
 * PCI Express: every control register per guest, nothing to hardware.
 * Device control without Phantom Functions (bit 9, read-only: it changes
 * which functions' requester IDs the device uses) and Initiate FLR (bit
 * 15, reads 0); Link control without Retrain Link (bit 5, reads 0).
 */
static const struct lfv_cap_field exp_fields[] = {
    { 0x08, 2, 0x7dffu, 0, 0 }, /* Device Control */
    { 0x10, 2, 0x0fdfu, 0, 0 }, /* Link Control */
    { 0x18, 2, 0x1fffu, 0, 0 }, /* Slot Control */
    { 0x1c, 2, 0x001fu, 0, 0 }, /* Root Control */
    { 0x28, 2, 0xffffu, 0, 0 }, /* Device Control 2 */
    { 0x30, 2, 0xffffu, 0, 0 }, /* Link Control 2 */
};

enum lfv_cap_mode lfv_cap_default_mode(unsigned int id, bool ext)
{
    if (ext)
        return id == EXT_CAP_ID_DSN || id == EXT_CAP_ID_VNDR
                   ? LFV_CAP_READONLY : LFV_CAP_HIDDEN;
    switch (id) {
    case PCI_CAP_ID_PM:
    case PCI_CAP_ID_MSI:
    case PCI_CAP_ID_EXP:
    case PCI_CAP_ID_MSIX:
        return LFV_CAP_EMULATED;
    case CAP_ID_VNDR:
        return LFV_CAP_READONLY;
    default:
        return LFV_CAP_HIDDEN;
    }
}

static bool is_msi(unsigned int id, bool ext)
{
    return !ext && (id == PCI_CAP_ID_MSI || id == PCI_CAP_ID_MSIX);
}

static const struct cap_rule *find_rule(const struct cap_policy *p,
                                        unsigned int id, bool ext)
{
    for (unsigned int i = 0; p && i < p->nr_rules; i++)
        if (p->rules[i].id == id && p->rules[i].ext == ext)
            return &p->rules[i];
    return NULL;
}

const struct lfv_cap_field *caps_pm_fields(bool dstate_to_hw)
{
    return dstate_to_hw ? pm_fields_hw : pm_fields;
}

enum lfv_cap_mode caps_mode(const struct lfv_vpci *v, unsigned int id,
                            bool ext, const struct lfv_cap_field **fields,
                            unsigned int *nr_fields, bool *custom)
{
    const struct cap_policy *p = v->pdev->cap_policy;
    const struct cap_rule *r = find_rule(p, id, ext);
    enum lfv_cap_mode mode = r && r->mode != LFV_CAP_DEFAULT
                                 ? r->mode : lfv_cap_default_mode(id, ext);

    *fields = NULL;
    *nr_fields = 0;
    *custom = false;
    if (ext && id == EXT_CAP_ID_SRIOV)
        return LFV_CAP_HIDDEN; /* never, whatever the policy */
    if (mode != LFV_CAP_EMULATED || is_msi(id, ext))
        return mode;
    if (r && r->has_fields) {
        *fields = p->fields + r->first;
        *nr_fields = r->nr;
        *custom = true;
    } else if (!ext && id == PCI_CAP_ID_PM) {
        *fields = caps_pm_fields(p && p->pm_dstate_to_hw);
        *nr_fields = 1;
    } else if (!ext && id == PCI_CAP_ID_EXP) {
        *fields = exp_fields;
        *nr_fields = LFV_ARRAY_SIZE(exp_fields);
    }
    return mode;
}

void caps_policy_free(struct cap_policy *p)
{
    if (!p)
        return;
    lfv_free(p->rules);
    lfv_free(p->fields);
    lfv_free(p);
}

static uint32_t size_mask(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/*
 * Control bits a policy's field may never route to the hardware (hw_mask)
 * whatever the device: they act beyond the guest's own function (the link
 * and the functions sharing it, the hierarchy, the IOMMU's view of the
 * device, the BAR sizes the p2m mappings are built from, a reset under
 * the emulation).  A field emulates them per guest (write_mask) safely.
 * offset and size within the capability, mask over those bytes (little
 * endian, as a field's); whole: every byte of the capability.  IDs as
 * Linux's include/uapi/linux/pci_regs.h (PCI_CAP_ID_*, PCI_EXT_CAP_ID_*).
 */
struct risky_reg {
    bool ext, whole;
    uint16_t id;
    uint8_t offset, size;
    uint32_t mask;
};

#define RISKY(id, off, size, mask) { false, false, id, off, size, mask }
#define RISKY_EXT(id) { true, true, id, 0, 0, 0 }
#define CAP_ID_AF 0x13 /* Advanced Features */

static const struct risky_reg risky_regs[] = {
    /* PM PMCSR PowerState: D3hot -> D0 may reset the function under the
       emulation (pm_dstate_to_hw, No_Soft_Reset checked, is the way) */
    RISKY(PCI_CAP_ID_PM, PM_CTRL, 2, PM_CTRL_STATE),
    /* PCIe Device Control: Initiate FLR (a reset under the emulation),
       Phantom Functions (other functions' requester IDs, the IOMMU's
       view), Max Payload Size (must match the hierarchy), the error
       reporting enables (the host's AER: a fatal error it recovers from
       resets the link, every function behind it) */
    RISKY(PCI_CAP_ID_EXP, 0x08, 2, 0x8000u | 0x0200u | 0x00e0u | 0x000fu),
    /* PCIe Link Control: ASPM, Common Clock, Extended Synch, Clock PM,
       Link Disable, Retrain Link... all act on the link, which the
       device's other functions (possibly other domains') share */
    RISKY(PCI_CAP_ID_EXP, 0x10, 2, 0xffffu),
    /* PCIe Slot Control: the slot's power, indicators, hot-plug events */
    RISKY(PCI_CAP_ID_EXP, 0x18, 2, 0xffffu),
    /* PCIe Root Control: the port's system errors and PME interrupts */
    RISKY(PCI_CAP_ID_EXP, 0x1c, 2, 0xffffu),
    /* PCIe Device Control 2: ARI Forwarding (the port's routing); LTR
       Mechanism, Emergency Power Reduction and OBFF, which function 0
       controls for the whole device (its other functions' too); 10-Bit
       Tag Requester, which the completers on the path (the host's root
       port) must support, or they see malformed requests */
    RISKY(PCI_CAP_ID_EXP, 0x28, 2, 0x0020u | 0x0400u | 0x0800u | 0x1000u |
                                   0x6000u),
    /* PCIe Link Control 2: target speed, compliance, margin (the link) */
    RISKY(PCI_CAP_ID_EXP, 0x30, 2, 0xffffu),
    /* Advanced Features: AF Control (PCI_AF_CTRL, 4) Initiate FLR */
    RISKY(CAP_ID_AF, 0x04, 1, 0x01u),
    RISKY_EXT(0x01), /* AER: masks, severity, ECRC: the host's handling */
    RISKY_EXT(0x02), /* VC: traffic classes of the link */
    RISKY_EXT(0x08), /* MFVC: the VC arbitration of every function */
    RISKY_EXT(0x09), /* VC (0x09): as 0x02 */
    RISKY_EXT(0x0d), /* ACS: peer-to-peer isolation between devices */
    RISKY_EXT(0x0f), /* ATS: translated requests bypass the IOMMU */
    RISKY_EXT(0x12), /* Multicast: writes delivered to other devices */
    RISKY_EXT(0x13), /* PRI: page requests to the host's IOMMU */
    RISKY_EXT(0x15), /* Resizable BAR: sizes the p2m mappings rely on */
    RISKY_EXT(0x18), /* LTR: the whole device's latency, function 0's */
    RISKY_EXT(0x19), /* Secondary PCIe: Link Control 3 equalization */
    RISKY_EXT(0x1b), /* PASID: address spaces in the host's IOMMU */
    RISKY_EXT(0x1d), /* DPC: containment of the port's whole link */
    RISKY_EXT(0x1e), /* L1 PM Substates: the link's power states */
    RISKY_EXT(0x1f), /* PTM: requests the path's ports must answer */
    RISKY_EXT(0x24), /* VF Resizable BAR: the VFs' BAR sizes */
    RISKY_EXT(0x25), /* Data Link Feature: the link's negotiation */
    RISKY_EXT(0x26), /* Physical Layer 16 GT/s: the link's equalization */
    RISKY_EXT(0x27), /* Lane Margining at the Receiver: the link's lanes */
    RISKY_EXT(0x2a), /* Physical Layer 32 GT/s: the same */
    RISKY_EXT(0x30), /* IDE: the link's and the streams' keys */
    RISKY_EXT(0x31), /* Physical Layer 64 GT/s: the same */
};

/* The risky bits of byte pos of the capability, by q (0: none). */
static uint8_t risky_byte(const struct risky_reg *q, unsigned int pos)
{
    if (q->whole)
        return 0xff;
    if (pos < q->offset || pos >= q->offset + q->size)
        return 0;
    return (uint8_t)(q->mask >> 8 * (pos - q->offset));
}

/* Whether f, of rule r, routes a risky bit to the hardware, byte by byte
   (so that a field of any size or offset over a risky register counts). */
static bool hw_bits_risky(const struct lfv_cap_rule *r,
                          const struct lfv_cap_field *f)
{
    for (unsigned int i = 0; i < LFV_ARRAY_SIZE(risky_regs); i++) {
        const struct risky_reg *q = &risky_regs[i];

        if (q->ext != r->ext || q->id != r->id)
            continue;
        for (unsigned int k = 0; k < f->size; k++)
            if ((f->hw_mask >> 8 * k) & risky_byte(q, f->offset + k))
                return true;
    }
    return false;
}

static int check_field(const struct lfv_cap_field *f, bool ext)
{
    unsigned int hdr = ext ? 4 : 2, end = ext ? 0x1000 - 0x100 : 0x100 - 0x40;

    if ((f->size != 1 && f->size != 2 && f->size != 4) ||
        f->offset % f->size || f->offset < hdr ||
        f->offset + f->size > end ||
        (f->write_mask | f->hw_mask | f->hw_rw1c_mask) & ~size_mask(f->size) ||
        f->hw_mask & ~f->write_mask)
        return -EINVAL;
    return 0;
}

static int lfv_cf_check cmp_field(const void *a, const void *b)
{
    const struct lfv_cap_field *x = a, *y = b;

    return (int)x->offset - (int)y->offset;
}

static int check_rule(const struct lfv_cap_policy *pol, unsigned int i)
{
    const struct lfv_cap_rule *r = &pol->rules[i];

    if (r->id > (r->ext ? 0xffffu : 0xffu) || r->mode > LFV_CAP_EMULATED ||
        (r->nr_fields && (!r->fields || r->mode != LFV_CAP_EMULATED ||
                          is_msi(r->id, r->ext))) ||
        (is_msi(r->id, r->ext) && r->mode == LFV_CAP_READONLY) ||
        (r->ext && r->id == EXT_CAP_ID_SRIOV && r->mode != LFV_CAP_HIDDEN &&
         r->mode != LFV_CAP_DEFAULT))
        return -EINVAL;
    for (unsigned int j = 0; j < i; j++)
        if (pol->rules[j].id == r->id && pol->rules[j].ext == r->ext)
            return -EINVAL;
    for (unsigned int k = 0; k < r->nr_fields; k++)
        if (check_field(&r->fields[k], r->ext) ||
            hw_bits_risky(r, &r->fields[k]))
            return -EINVAL;
    return 0;
}

/* The copy, fields sorted by offset per rule; -EINVAL on an overlap. */
static int policy_copy(const struct lfv_cap_policy *pol,
                       struct cap_policy **out)
{
    struct cap_policy *p = lfv_zalloc(sizeof(*p));
    unsigned int nf = 0;

    *out = NULL;
    if (!p)
        return -ENOMEM;
    for (unsigned int i = 0; i < pol->nr_rules; i++)
        nf += pol->rules[i].nr_fields;
    p->pm_dstate_to_hw = pol->pm_dstate_to_hw;
    p->rules = lfv_zalloc((pol->nr_rules ? pol->nr_rules : 1) *
                          sizeof(*p->rules));
    p->fields = lfv_zalloc((nf ? nf : 1) * sizeof(*p->fields));
    if (!p->rules || !p->fields) {
        caps_policy_free(p);
        return -ENOMEM;
    }
    nf = 0;
    for (unsigned int i = 0; i < pol->nr_rules; i++) {
        const struct lfv_cap_rule *r = &pol->rules[i];
        struct lfv_cap_field *f = p->fields + nf;

        p->rules[i] = (struct cap_rule){ r->id, r->ext, r->mode, nf,
                                         r->nr_fields, r->fields != NULL };
        if (r->nr_fields)
            memcpy(f, r->fields, r->nr_fields * sizeof(*f));
        qsort(f, r->nr_fields, sizeof(*f), cmp_field);
        for (unsigned int k = 1; k < r->nr_fields; k++)
            if (f[k - 1].offset + f[k - 1].size > f[k].offset) {
                caps_policy_free(p);
                return -EINVAL;
            }
        nf += r->nr_fields;
    }
    p->nr_rules = pol->nr_rules;
    *out = p;
    return 0;
}

int lfv_pdev_set_cap_policy(struct lfv_system *sys, lfv_sbdf_t sbdf,
                            const struct lfv_cap_policy *policy)
{
    struct cap_policy *p = NULL, *old;
    struct lfv_pdev *pdev;
    int rc = 0;

    if (!sys || (policy && policy->nr_rules && !policy->rules))
        return -EINVAL;
    for (unsigned int i = 0; policy && !rc && i < policy->nr_rules; i++)
        rc = check_rule(policy, i);
    if (!rc && policy)
        rc = policy_copy(policy, &p);
    if (rc)
        return rc;
    lfv_lock(&sys->lock);
    pdev = lfv_pdev_lookup(sys, sbdf);
    if (pdev) {
        old = pdev->cap_policy;
        pdev->cap_policy = p;
        p = old; /* read under the control lock only: free it now */
    } else {
        rc = -ENOENT;
    }
    lfv_unlock(&sys->lock);
    caps_policy_free(p);
    return rc;
}
