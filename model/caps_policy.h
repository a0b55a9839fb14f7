/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: a device's guest capability policy (<lfvpci/caps.h>), as
 * lfv_pdev_set_cap_policy() copied it, and the default table.  Kept on the
 * struct lfv_pdev, read and replaced under the system's control lock only
 * (the header hook's init reads it there).
 */
#ifndef LFV_MODEL_CAPS_POLICY_H
#define LFV_MODEL_CAPS_POLICY_H

#include <lfvpci/caps.h>
#include <lfvpci/vpci.h>

#define CAP_ID_VNDR 0x09
#define EXT_CAP_ID_DSN 0x03
#define EXT_CAP_ID_VNDR 0x0b
#define EXT_CAP_ID_SRIOV 0x10

struct cap_policy;

/*
 * The mode of capability (id, ext) for v's device (its policy, else the
 * default table), and the fields of an emulated one (*custom: the policy
 * gave them, so each must fit the capability).  MSI and MSI-X have none
 * here.  Under the control lock (hooks' init).
 */
enum lfv_cap_mode caps_mode(const struct lfv_vpci *v, unsigned int id,
                            bool ext, const struct lfv_cap_field **fields,
                            unsigned int *nr_fields, bool *custom);

/* PM's PMCSR, and its No_Soft_Reset bit (D3hot -> D0 keeps the state). */
#define CAPS_PM_CTRL 4
#define CAPS_PM_NO_SOFT_RESET 0x0008u

/*
 * PM's built-in field: PowerState per guest, or (dstate_to_hw) also
 * written to the hardware.
 */
const struct lfv_cap_field *caps_pm_fields(bool dstate_to_hw);

/* Free a copied policy (NULL: nothing). */
void caps_policy_free(struct cap_policy *p);

#endif /* LFV_MODEL_CAPS_POLICY_H */
