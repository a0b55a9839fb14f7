/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal: what the init hooks (header, MSI, MSI-X) share. */
#ifndef LFV_DISPATCH_HOOK_UTIL_H
#define LFV_DISPATCH_HOOK_UTIL_H

#include <lfvpci/regs.h>

/* Add a register without masks to a hook's edit. */
static inline int hook_add_reg(struct lfv_regs_edit *e, lfv_reg_read_t *read,
                               lfv_reg_write_t *write, unsigned int offset,
                               unsigned int size, void *data)
{
    return lfv_regs_edit_add(e, &(struct lfv_reg_desc){
        .read = read, .write = write, .data = data, .offset = offset,
        .size = size });
}

#endif /* LFV_DISPATCH_HOOK_UTIL_H */
