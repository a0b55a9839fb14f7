/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-domain entry points: a domain's config (CF8/CFC-style) and ECAM
 * accesses go to the domain's bus, where the engine's read and write paths
 * (dispatch/read.c, dispatch/write.c) find the device: the hardware domain
 * by physical SBDF, a guest by virtual slot (0000:00:SS.0).
 */
#include <errno.h>

#include <lfvpci/access.h>
#include <lfvpci/domain.h>

#include "system.h"

/* The read and write paths proper: dispatch/read.c and dispatch/write.c. */
uint32_t lfv_conf_read(struct lfv_domain *d, lfv_sbdf_t sbdf,
                       unsigned int reg, unsigned int size)
{
    return lfv_bus_read(&d->bus, sbdf, reg, size);
}

void lfv_conf_write(struct lfv_domain *d, lfv_sbdf_t sbdf, unsigned int reg,
                    unsigned int size, uint32_t val)
{
    lfv_bus_write(&d->bus, sbdf, reg, size, val);
}

/* ECAM offset -> (segment 0) SBDF and register. */
static inline bool ecam_decode(uint64_t offset, unsigned int len,
                               lfv_sbdf_t *sbdf, unsigned int *reg)
{
    if (offset >= LFV_ECAM_WINDOW_SIZE ||
        !lfv_ecam_access_valid(offset & 0xfff, len))
        return false;
    *sbdf = (lfv_sbdf_t)(offset >> 12);
    *reg = offset & 0xfff;
    return true;
}

int lfv_ecam_read(struct lfv_domain *d, uint64_t offset, unsigned int len,
                  uint64_t *val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!d || !val || !ecam_decode(offset, len, &sbdf, &reg))
        return -EINVAL;
    if (len == 8)
        *val = lfv_conf_read(d, sbdf, reg, 4) |
               (uint64_t)lfv_conf_read(d, sbdf, reg + 4, 4) << 32;
    else
        *val = lfv_conf_read(d, sbdf, reg, len);
    return 0;
}

int lfv_ecam_write(struct lfv_domain *d, uint64_t offset, unsigned int len,
                   uint64_t val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!d || !ecam_decode(offset, len, &sbdf, &reg))
        return -EINVAL;
    if (len == 8) {
        lfv_conf_write(d, sbdf, reg, 4, (uint32_t)val);
        lfv_conf_write(d, sbdf, reg + 4, 4, (uint32_t)(val >> 32));
    } else {
        lfv_conf_write(d, sbdf, reg, len, (uint32_t)val);
    }
    return 0;
}
