/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/access.h - trapped configuration accesses to one device.
 *
 * Semantics are Xen vPCI's (vpci_read/vpci_write/vpci_ecam_*): an access may
 * span several registers and the gaps between them; bytes covered by a
 * register come from its handler (shifted and masked to the intersection,
 * RsvdP/RsvdZ bits reading 0); a partial write, or a write to a register
 * with RO or RsvdP bits, is a read-modify-write in which the current value
 * has its RW1C bits cleared first.  Gap bytes follow the policy:
 *   LFV_GAP_HW    to the device's hardware ops (the hardware domain);
 *   LFV_GAP_DENY  read as all-ones, writes dropped (guests).
 *
 * Concurrency: any number of threads may read and write any devices at once,
 * while other threads edit their registers (<lfvpci/regs.h>) or destroy them
 * (once unpublished).  A read takes no lock and writes no shared memory; it
 * sees one complete register table, the one published when it started.
 * Writes to one device are serialised by a per-device lock (so a handler's
 * read-modify-write is atomic against other writers), which a handler must
 * not re-enter: a write handler must not write to its own device's
 * configuration space.  Callers are registered RCU threads.
 */
#ifndef LFVPCI_ACCESS_H
#define LFVPCI_ACCESS_H

#include <stdint.h>

#include <lfvpci/regs.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

enum lfv_gap_policy {
    LFV_GAP_HW,
    LFV_GAP_DENY,
};

/*
 * Read/write `size` bytes (1, 2 or 4) at `reg`.  The access must lie inside
 * the 4096-byte configuration space; a bad size or range reads all-ones and
 * drops the write (entry points validate first; see the ECAM functions).
 * A read returns the value in the low `size` bytes.
 */
uint32_t lfv_vdev_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int size, enum lfv_gap_policy gap);
void lfv_vdev_write(struct lfv_vdev *dev, unsigned int reg,
                    unsigned int size, uint32_t val, enum lfv_gap_policy gap);

/*
 * ECAM entry points: len 1, 2, 4 or 8, aligned to len, inside 4096 bytes;
 * anything else is refused with -EINVAL (nothing read or written).  An
 * 8-byte access is two 4-byte accesses, low half first, not atomic.
 */
int lfv_vdev_ecam_read(const struct lfv_vdev *dev, unsigned int reg,
                       unsigned int len, uint64_t *val,
                       enum lfv_gap_policy gap);
int lfv_vdev_ecam_write(struct lfv_vdev *dev, unsigned int reg,
                        unsigned int len, uint64_t val,
                        enum lfv_gap_policy gap);

/* Is (reg, len) a valid ECAM access?  Pure function. */
static inline int lfv_ecam_access_valid(unsigned int reg, unsigned int len)
{
    if (len != 1 && len != 2 && len != 4 && len != 8)
        return 0;
    return !(reg & (len - 1)) && reg < LFV_CFG_SPACE_SIZE &&
           reg + len <= LFV_CFG_SPACE_SIZE;
}

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_ACCESS_H */
