/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The per-domain entry points: a domain's config accesses (by SBDF, by
 * ECAM offset, or through ports 0xcf8/0xcfc) go to the domain's bus,
 * where the engine's read and write paths (dispatch/read.c,
 * dispatch/write.c) find the device: the hardware domain by physical
 * SBDF, a guest by virtual slot (0000:00:SS.0).
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

/* Port I/O: the latch at 0xcf8, the data window at 0xcfc-0xcff. */
#define CF8_ENABLED 0x80000000u

static inline bool pio_valid(const struct lfv_domain *d, unsigned int port,
                             unsigned int size)
{
    return d && (size == 1 || size == 2 || size == 4) &&
           lfv_pio_claims(port, size);
}

/*
 * The data port's SBDF and register from the latch: false if the latch is
 * disabled.  *reg is not checked against size here (the callers do).
 */
static inline bool cf8_decode(const struct lfv_domain *d, unsigned int port,
                              lfv_sbdf_t *sbdf, unsigned int *reg)
{
    uint32_t cf8 = __atomic_load_n(&d->cf8, __ATOMIC_RELAXED);

    if (!(cf8 & CF8_ENABLED))
        return false;
    *sbdf = (lfv_sbdf_t)((cf8 >> 8) & 0xffff);
    *reg = (cf8 & 0xfc) | (port & 3);
    return true;
}

int lfv_pio_read(struct lfv_domain *d, unsigned int port, unsigned int size,
                 uint32_t *val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!val)
        return -EINVAL;
    *val = ~0u;
    if (!pio_valid(d, port, size))
        return -EINVAL;
    if (port == LFV_PIO_CF8) {
        *val = __atomic_load_n(&d->cf8, __ATOMIC_RELAXED);
        return 0;
    }
    if (!cf8_decode(d, port, &sbdf, &reg))
        return -ENODEV;
    if (!(reg & (size - 1)))
        *val = lfv_conf_read(d, sbdf, reg, size);
    return 0;
}

int lfv_pio_write(struct lfv_domain *d, unsigned int port, unsigned int size,
                  uint32_t val)
{
    lfv_sbdf_t sbdf;
    unsigned int reg;

    if (!pio_valid(d, port, size))
        return -EINVAL;
    if (port == LFV_PIO_CF8) {
        __atomic_store_n(&d->cf8, val, __ATOMIC_RELAXED);
        return 0;
    }
    if (!cf8_decode(d, port, &sbdf, &reg))
        return -ENODEV;
    if (!(reg & (size - 1)))
        lfv_conf_write(d, sbdf, reg, size, val);
    return 0;
}
