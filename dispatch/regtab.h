/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The published register table of a device and the device itself.
 * Internal to dispatch/: the writer side is regtab.c, the read path
 * read.c, the write path write.c.
 */
#ifndef LFV_DISPATCH_REGTAB_H
#define LFV_DISPATCH_REGTAB_H

#include <lfvpci/regs.h>

#include "../core/platform.h"

/* One register: what a read needs first, 48 bytes. */
struct lfv_reg {
    lfv_reg_read_t *read;
    void *data;
    /* bits a read returns: ~(rsvdp_mask | rsvdz_mask), of size bytes */
    uint32_t read_keep;
    union {
        struct {
            uint16_t offset;
            uint16_t size;
        };
        /* both at once: lfv_reg_span(offset, size), so that the read
         * path tells an access that is exactly this register with one
         * compare (read.c) */
        uint32_t span;
    };
    lfv_reg_write_t *write;
    uint32_t ro_mask;
    uint32_t rw1c_mask;
    uint32_t rsvdp_mask;
    uint32_t rsvdz_mask;
};

/* struct lfv_reg.span of a register at offset of size bytes. */
static inline uint32_t lfv_reg_span(unsigned int offset, unsigned int size)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (uint32_t)offset << 16 | size;
#else
    return offset | (uint32_t)size << 16;
#endif
}

struct lfv_regtab;
/* The table of a device with no registers: shared, never freed. */
extern struct lfv_regtab lfv_empty_regtab;

/*
 * The fast path's entry for dword d: the handler and data of the register
 * that is exactly that dword (offset 4 * d, size 4) and returns every bit
 * (read_keep all-ones), the case of most 4-byte reads; read is NULL for
 * any other dword, and data then LFV_DW_GAP if no register has a byte in
 * the dword (the hardware's, or all-ones, whatever the access), else its
 * struct lfv_dw_bytes: the register of each of its bytes.  Two
 * pointers, so that a read goes from the table to the handler in one
 * load.  Only the dwords below LFV_DW_FAST_END have
 * one (the legacy space and the start of the extended space, where the
 * emulated registers are), so that a table stays below about 4.2 KiB plus
 * its registers even with a register at 0xffc.
 */
#define LFV_DW_FAST_END 0x200u
struct lfv_dw {
    lfv_reg_read_t *read;
    void *data;
};

/*
 * A dword below fast_end that is neither one register nor all gap: the
 * register (in the table's regs[]) holding each of its bytes, or NULL (a
 * gap byte).  An access inside the dword is inside one register when its
 * first and last bytes have the same one (registers are contiguous), all
 * gap when both are NULL and nothing lies between (read.c's
 * read_slow()); exactly register r when at[reg & 3] is r and r->span is
 * lfv_reg_span(reg, size).  32 bytes per such dword.
 */
struct lfv_dw_bytes {
    const struct lfv_reg *at[4];
};

/*
 * LFV_DW_GAP, the data of an all-gap dword's entry, is a struct
 * lfv_dw_bytes too, shared, with no register at any byte: a 1- or 2-byte
 * read finds every dword's bytes, mixed or gap, with no test of which
 * (read.c); a 4-byte read of a dword whose read is NULL compares data
 * with it.
 */
extern const struct lfv_dw_bytes lfv_dw_all_gap;
#define LFV_DW_GAP ((void *)&lfv_dw_all_gap)

/*
 * Immutable once published, one allocation: this header, dw[] (below
 * fast_end), the struct lfv_dw_bytes of its mixed dwords, first[] (below
 * ndw) and regs[].  regs[] is sorted by offset.
 * first[d] is the index of the first register that ends after byte 4 * d,
 * for every dword d below ndw (ndw covers up to the end of the last
 * register); an access starting in dword d needs to look at
 * regs[first[d]] and at most the few registers that follow, so lookup is
 * O(1) whatever the number of registers.
 */
struct lfv_regtab {
    uint16_t nregs;
    uint16_t ndw;
    /* the first byte with no dw[] entry: 4 * ndw, at most LFV_DW_FAST_END */
    uint32_t fast_end;
    const uint16_t *first;
    const struct lfv_reg *regs;
    struct lfv_rcu_head rcu;
    struct lfv_dw dw[];
};

struct lfv_bus;

/* A cache line: x86's and most Arm cores' (some Arm server cores: 128). */
#define LFV_VDEV_GAP 64

/*
 * A device.  Standalone (lfv_vdev_create) or embedded in its owner's state
 * (lfv_vdev_init: the model's struct lfv_vpci), so that a read goes from
 * the device to its table in one load.
 */
struct lfv_vdev {
    struct lfv_regtab *tab; /* RCU-published, never NULL */
    const LFV_DEV_CTX *ctx;
    const struct lfv_hw_ops *hw_ops;
    void *hw;
    const struct lfv_bus *bus; /* the bus it is published on, or NULL */
    /* hw_ops->read, or one that reads all-ones when there is none: the
     * read path's gaps call it with no test */
    uint32_t (*hw_read)(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size);
    lfv_sbdf_t sbdf;
    bool read_only; /* atomic: lfv_vdev_retire_writes() sets it */
    /*
     * The write lock, taken by every configuration write of the device,
     * lies on a cache line that no field the read path loads shares:
     * LFV_VDEV_GAP bytes on each side of it, whatever the allocation's
     * alignment (the fields above; after this struct, the owner's, which
     * handlers read: lfv_vpci's domain and SBDF).  Sharing one cost a
     * reader of the device 40-119 ns per access while another CPU wrote
     * to the device, 10-16 ns apart (docs/bench/history.md, "The write
     * lock's cache line").  The cold fields fill the gap before it.
     */
    union {
        struct {
            lfv_lock_t edit_lock; /* serialises register edits */
            struct lfv_rcu_head rcu;
        };
        char gap_before[LFV_VDEV_GAP];
    };
    lfv_wlock_t write_lock; /* serialises config writes */
    char gap_after[LFV_VDEV_GAP];
};
_Static_assert(offsetof(struct lfv_vdev, write_lock) >=
                   offsetof(struct lfv_vdev, read_only) + 1 + LFV_VDEV_GAP,
               "the write lock on a cache line of the read path's fields");
_Static_assert(sizeof(struct lfv_vdev) >=
                   offsetof(struct lfv_vdev, gap_after) + LFV_VDEV_GAP,
               "the write lock on a cache line of the owner's fields");


/*
 * An embedded device: lfv_vdev_init() sets it up with no registers (it
 * cannot fail); lfv_vdev_fini() frees its table and locks, and is called
 * by the owner once no reader can hold the device any more (from the
 * owner's own RCU callback).  Control path.
 */
void lfv_vdev_init(struct lfv_vdev *dev, const struct lfv_vdev_params *p);
void lfv_vdev_fini(struct lfv_vdev *dev);

/*
 * The device is no longer its owner's (unpublished, or never published):
 * every write from now on is ignored, those already waiting for its write
 * lock included, which found it before it was unpublished and would
 * otherwise run its handlers on hardware that is someone else's now.
 * Control path; the write lock held, so no write is running.
 */
void lfv_vdev_retire_writes(struct lfv_vdev *dev);

#endif /* LFV_DISPATCH_REGTAB_H */
