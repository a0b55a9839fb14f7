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
        if (check_field(&r->fields[k], r->ext))
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
