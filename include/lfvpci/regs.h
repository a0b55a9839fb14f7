/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/regs.h - a device's emulated configuration space: register
 * handlers, and the table that the access paths (<lfvpci/access.h>) dispatch
 * through.
 *
 * A struct lfv_vdev is the vPCI state of one PCI function.  Its registers are
 * kept in an immutable table published under RCU: readers find the register
 * for any offset in O(1) without a lock; every update builds a new table,
 * publishes it and frees the old one after a grace period.  An edit
 * (lfv_regs_edit_begin .. commit) batches any number of additions and
 * removals into one publication, so readers never see a half-built set.
 *
 * Rules (Xen's vpci_add_register / vpci_add_register_mask / 4.21's
 * vpci_remove_registers):
 *  - size 1, 2 or 4, offset naturally aligned and < 4096, a read or a write
 *    handler or both (a missing read reads all-ones, a missing write drops
 *    the write); masks each within the register's width and pairwise
 *    disjoint: otherwise -EINVAL;
 *  - a register overlapping an existing one: -EEXIST;
 *  - removal of one register needs its exact offset and size: -ENOENT;
 *    range removal drops every register wholly inside [start, start + size)
 *    and fails with -ERANGE, removing nothing, if one straddles an edge;
 *  - out of memory: -ENOMEM, and the published table is unchanged.
 *
 * Concurrency: any number of threads may access a device (read and write)
 * while others edit it.  Edits of one device are serialised (an edit holds
 * the device's edit lock from begin to commit/abort); edits of different
 * devices never wait for each other.  Handlers run inside a read-side
 * section and may edit any device's registers, including their own device's
 * (the new table applies to accesses that start afterwards), provided the
 * thread does not already hold an open edit on that device.  All functions
 * here are for registered RCU threads (<lfvpci/rcu.h>).
 */
#ifndef LFVPCI_REGS_H
#define LFVPCI_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

/*
 * The type handlers receive as their first argument: the context pointer the
 * device was created with.  An embedding host may define it to its own
 * device type (Xen: struct pci_dev) so handlers need no casts.
 */
#ifndef LFV_DEV_CTX
#define LFV_DEV_CTX void
#endif

/* PCI segment/bus/device/function, packed as Xen's pci_sbdf_t.sbdf. */
typedef uint32_t lfv_sbdf_t;
#define LFV_SBDF(seg, bus, dev, fn)                                          \
    ((lfv_sbdf_t)(((uint32_t)(seg) << 16) | ((uint32_t)(bus) << 8) |         \
                  (((uint32_t)(dev) & 0x1f) << 3) | ((uint32_t)(fn) & 7)))
#define LFV_SBDF_SEG(s) ((unsigned int)((s) >> 16))
#define LFV_SBDF_BUS(s) ((unsigned int)(((s) >> 8) & 0xff))
#define LFV_SBDF_DEV(s) ((unsigned int)(((s) >> 3) & 0x1f))
#define LFV_SBDF_FN(s) ((unsigned int)((s) & 7))

#define LFV_CFG_SPACE_SIZE 4096u

/*
 * Register handlers.  reg is the register's own offset, never that of the
 * access.  A read returns the whole register (low `size` bytes); a write
 * receives the whole new register value, already merged and masked.
 * Handlers may run concurrently with each other's reads on other threads;
 * writes to one device are serialised.
 */
typedef uint32_t lfv_reg_read_t(const LFV_DEV_CTX *ctx, unsigned int reg,
                                void *data);
typedef void lfv_reg_write_t(const LFV_DEV_CTX *ctx, unsigned int reg,
                             uint32_t val, void *data);

/* One register.  Masks as in PCIe: see the file comment. */
struct lfv_reg_desc {
    lfv_reg_read_t *read;
    lfv_reg_write_t *write;
    void *data;
    unsigned int offset;
    unsigned int size;
    uint32_t ro_mask;    /* writes keep the current bits */
    uint32_t rw1c_mask;  /* write 1 to clear; 0 and unwritten bytes keep */
    uint32_t rsvdp_mask; /* read 0; writes keep the current bits */
    uint32_t rsvdz_mask; /* read 0; written as 0 */
};

/*
 * The hardware behind a device: where gap bytes go for the hardware domain.
 * Called with naturally aligned accesses of size 1, 2 or 4 only.  May be
 * called concurrently from many threads.
 */
struct lfv_hw_ops {
    uint32_t (*read)(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size);
    void (*write)(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                  unsigned int size, uint32_t val);
};

struct lfv_vdev_params {
    lfv_sbdf_t sbdf;              /* physical SBDF, passed to hw_ops */
    const struct lfv_hw_ops *hw_ops; /* NULL: no hardware, gaps read ~0 */
    void *hw;                     /* first argument of hw_ops */
    const LFV_DEV_CTX *ctx;       /* first argument of register handlers */
    bool read_only;               /* every write is ignored (Xen's ro map) */
};

struct lfv_vdev;
struct lfv_regs_edit;

/*
 * Create a device with no registers.  0, -EINVAL (NULL argument) or -ENOMEM.
 * The new device is private to the caller until the caller publishes it.
 */
int lfv_vdev_create(const struct lfv_vdev_params *params,
                    struct lfv_vdev **out);

/*
 * Free a device and its table after a grace period.  The caller must first
 * make it unreachable for new accesses (unpublish it from wherever readers
 * find it); accesses already running on it complete on valid memory.  No
 * edit may be open on it.  Never blocks.
 */
void lfv_vdev_destroy(struct lfv_vdev *dev);

/* The parameters the device was created with.  Any thread, no lock. */
lfv_sbdf_t lfv_vdev_sbdf(const struct lfv_vdev *dev);
const LFV_DEV_CTX *lfv_vdev_ctx(const struct lfv_vdev *dev);

/*
 * Batched edits.  begin waits for any other edit of the device to finish,
 * then copies the current register set (0, or -ENOMEM / -EINVAL with *out
 * set to NULL, so that an error path may abort it unconditionally:
 * lfv_regs_edit_abort(NULL) does nothing).  add/remove change the
 * copy only and report errors as listed above, leaving the copy unchanged.
 * commit publishes the copy as one table (0, or -ENOMEM with the old table
 * still published) and ends the edit; abort ends it publishing nothing.
 * Exactly one of commit/abort per successful begin, on the same thread.
 */
int lfv_regs_edit_begin(struct lfv_vdev *dev, struct lfv_regs_edit **out);
int lfv_regs_edit_add(struct lfv_regs_edit *e,
                      const struct lfv_reg_desc *desc);
int lfv_regs_edit_remove(struct lfv_regs_edit *e, unsigned int offset,
                         unsigned int size);
int lfv_regs_edit_remove_range(struct lfv_regs_edit *e, unsigned int start,
                               unsigned int size);
int lfv_regs_edit_commit(struct lfv_regs_edit *e);
void lfv_regs_edit_abort(struct lfv_regs_edit *e);

/* One-operation edits: begin, one change, commit. */
int lfv_vdev_add_register(struct lfv_vdev *dev, lfv_reg_read_t *read,
                          lfv_reg_write_t *write, unsigned int offset,
                          unsigned int size, void *data);
int lfv_vdev_add_register_mask(struct lfv_vdev *dev, lfv_reg_read_t *read,
                               lfv_reg_write_t *write, unsigned int offset,
                               unsigned int size, void *data,
                               uint32_t ro_mask, uint32_t rw1c_mask,
                               uint32_t rsvdp_mask, uint32_t rsvdz_mask);
int lfv_vdev_remove_register(struct lfv_vdev *dev, unsigned int offset,
                             unsigned int size);
int lfv_vdev_remove_registers(struct lfv_vdev *dev, unsigned int start,
                              unsigned int size);

/*
 * Introspection of the published table, for tests and tools: the number of
 * registers and the table's size in bytes.  Any registered thread.
 */
unsigned int lfv_vdev_nr_registers(const struct lfv_vdev *dev);
size_t lfv_vdev_table_bytes(const struct lfv_vdev *dev);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_REGS_H */
