/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Access paths: Xen vPCI's read/write semantics over registers, partial
 * registers and gaps, masks, the gap policies, and the ECAM entry points.
 */
#include <errno.h>
#include <string.h>

#include <lfvpci/access.h>
#include <lfvpci/rcu.h>

#include "tests/check.h"

/* Simulated hardware: a byte array; counts accesses, checks alignment. */
static uint8_t hwcfg[4096];
static unsigned int hw_reads, hw_writes, hw_misaligned;

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    uint32_t v = 0;

    (void)hw, (void)sbdf;
    hw_reads++;
    if ((size != 1 && size != 2 && size != 4) || (reg & (size - 1)))
        hw_misaligned++;
    memcpy(&v, &hwcfg[reg], size);
    return v;
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf;
    hw_writes++;
    if ((size != 1 && size != 2 && size != 4) || (reg & (size - 1)))
        hw_misaligned++;
    memcpy(&hwcfg[reg], &val, size);
}

static const struct lfv_hw_ops hw_ops = { hw_read, hw_write };

static void hw_reset(void)
{
    for (unsigned int i = 0; i < sizeof(hwcfg); i++)
        hwcfg[i] = (uint8_t)(0xa0 + (i & 0xf));
    hw_reads = hw_writes = 0;
}

struct cell {
    uint32_t val;
    uint32_t rw1c; /* bits the write handler clears when written as 1 */
    unsigned int writes;
};

static uint32_t rd(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return ((struct cell *)data)->val;
}

static void wr(const void *ctx, unsigned int reg, uint32_t val, void *data)
{
    struct cell *c = data;

    (void)ctx, (void)reg;
    c->writes++;
    /* RW1C bits: a 1 clears, a 0 keeps; the rest is stored as written. */
    c->val = (val & ~c->rw1c) | (c->val & c->rw1c & ~val);
}

static struct lfv_vdev *new_dev(bool read_only)
{
    const struct lfv_vdev_params p = {
        .sbdf = LFV_SBDF(0, 0, 2, 0), .hw_ops = &hw_ops, .read_only = read_only,
    };
    struct lfv_vdev *dev = NULL;

    CHECK_EQ(lfv_vdev_create(&p, &dev), 0);
    return dev;
}

#define READ(d, reg, size, gap) lfv_vdev_read(d, reg, size, gap)

static void test_gaps_and_spans(void)
{
    struct lfv_vdev *dev = new_dev(false);
    struct cell r0 = { .val = 0xdeadbeef }, r4 = { .val = 0x1234 },
                r8 = { .val = 0x11 }, r9 = { .val = 0x22 },
                r10 = { .val = 0x33 }, r16 = { .val = 0x44 },
                r19 = { .val = 0x55 };

    hw_reset();
    /* no registers at all */
    CHECK_EQ(READ(dev, 0, 4, LFV_GAP_DENY), 0xffffffff);
    CHECK_EQ(READ(dev, 2, 2, LFV_GAP_DENY), 0xffff);
    CHECK_EQ(READ(dev, 3, 1, LFV_GAP_DENY), 0xff);
    CHECK_EQ(READ(dev, 0, 4, LFV_GAP_HW), 0xa3a2a1a0);
    CHECK_EQ(READ(dev, 4092, 4, LFV_GAP_HW), 0xafaeadac);

    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 4, &r0), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4, 2, &r4), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 8, 1, &r8), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 9, 1, &r9), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 10, 1, &r10), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 16, 1, &r16), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 19, 1, &r19), 0);

    /* whole and partial registers */
    CHECK_EQ(READ(dev, 0, 4, LFV_GAP_DENY), 0xdeadbeef);
    CHECK_EQ(READ(dev, 0, 2, LFV_GAP_DENY), 0xbeef);
    CHECK_EQ(READ(dev, 2, 2, LFV_GAP_DENY), 0xdead);
    CHECK_EQ(READ(dev, 1, 1, LFV_GAP_DENY), 0xbe);
    CHECK_EQ(READ(dev, 3, 1, LFV_GAP_DENY), 0xde);
    CHECK_EQ(READ(dev, 1, 2, LFV_GAP_DENY), 0xadbe); /* unaligned inside */

    /* trailing gap */
    CHECK_EQ(READ(dev, 4, 4, LFV_GAP_DENY), 0xffff1234);
    CHECK_EQ(READ(dev, 4, 4, LFV_GAP_HW), 0xa7a61234);
    CHECK_EQ(READ(dev, 6, 2, LFV_GAP_HW), 0xa7a6);

    /* three 1-byte registers and a trailing gap */
    CHECK_EQ(READ(dev, 8, 4, LFV_GAP_DENY), 0xff332211);
    CHECK_EQ(READ(dev, 8, 4, LFV_GAP_HW), 0xab332211);
    CHECK_EQ(READ(dev, 8, 2, LFV_GAP_HW), 0x2211);
    CHECK_EQ(READ(dev, 10, 2, LFV_GAP_HW), 0xab33);

    /* heading gap */
    CHECK_EQ(READ(dev, 12, 4, LFV_GAP_HW), 0xafaeadac);

    /* middle gap (2 bytes, unaligned halves) between two registers */
    CHECK_EQ(READ(dev, 16, 4, LFV_GAP_HW), 0x55a2a144);
    CHECK_EQ(READ(dev, 16, 4, LFV_GAP_DENY), 0x55ffff44);
    CHECK_EQ(READ(dev, 18, 2, LFV_GAP_HW), 0x55a2);

    /* heading gap + register + gap: 0x10 reg at 17 only */
    CHECK_EQ(lfv_vdev_remove_register(dev, 16, 1), 0);
    CHECK_EQ(READ(dev, 16, 4, LFV_GAP_HW), 0x55a2a1a0);
    CHECK_EQ(READ(dev, 16, 4, LFV_GAP_DENY), 0x55ffffff);
    CHECK_EQ(hw_misaligned, 0);

    /* bad sizes and ranges read all-ones and touch nothing */
    hw_reads = 0;
    CHECK_EQ(READ(dev, 0, 3, LFV_GAP_HW), 0xffffffff);
    CHECK_EQ(READ(dev, 0, 0, LFV_GAP_HW), 0xffffffff);
    CHECK_EQ(READ(dev, 4094, 4, LFV_GAP_HW), 0xffffffff);
    CHECK_EQ(READ(dev, 4096, 1, LFV_GAP_HW), 0xffffffff);
    CHECK_EQ(hw_reads, 0);
    /* every access crossing the end of the space, of each size */
    for (unsigned int size = 1; size <= 4; size++) {
        for (unsigned int reg = 4097 - size; reg <= 4096; reg++) {
            hw_writes = 0;
            CHECK_EQ(READ(dev, reg, size, LFV_GAP_HW), 0xffffffff);
            lfv_vdev_write(dev, reg, size, 0, LFV_GAP_HW);
            CHECK_EQ(hw_reads, 0);
            CHECK_EQ(hw_writes, 0);
        }
    }
    /* the last valid access of each size reaches the hardware */
    CHECK_EQ(READ(dev, 4095, 1, LFV_GAP_HW), 0xaf);
    CHECK_EQ(READ(dev, 4094, 2, LFV_GAP_HW), 0xafae);
    CHECK_EQ(READ(dev, 4092, 4, LFV_GAP_HW), 0xafaeadac);
    CHECK_EQ(hw_reads, 3);

    lfv_vdev_destroy(dev);
}

static void test_writes(void)
{
    struct lfv_vdev *dev = new_dev(false);
    struct cell r0 = { .val = 0 }, r4 = { .val = 0 }, r6 = { .val = 0 },
                r13 = { .val = 0 };

    hw_reset();
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 4, &r0), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4, 1, &r4), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 6, 2, &r6), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 13, 1, &r13), 0);

    /* full and partial writes merge into the register */
    lfv_vdev_write(dev, 0, 4, 0x12345678, LFV_GAP_DENY);
    CHECK_EQ(r0.val, 0x12345678);
    lfv_vdev_write(dev, 1, 1, 0xab, LFV_GAP_DENY);
    CHECK_EQ(r0.val, 0x1234ab78);
    lfv_vdev_write(dev, 2, 2, 0xcdef, LFV_GAP_DENY);
    CHECK_EQ(r0.val, 0xcdefab78);
    CHECK_EQ(r0.writes, 3);

    /* a write over registers and a gap: the gap byte goes to hardware
     * (hardware domain) or is dropped (guest) */
    lfv_vdev_write(dev, 4, 4, 0x44332211, LFV_GAP_DENY);
    CHECK_EQ(r4.val, 0x11);
    CHECK_EQ(r6.val, 0x4433);
    CHECK_EQ(hw_writes, 0);
    CHECK_EQ(hwcfg[5], 0xa5);
    lfv_vdev_write(dev, 4, 4, 0x88776655, LFV_GAP_HW);
    CHECK_EQ(r4.val, 0x55);
    CHECK_EQ(r6.val, 0x8877);
    CHECK_EQ(hw_writes, 1);
    CHECK_EQ(hwcfg[5], 0x66);

    /* heading and trailing gaps around a 1-byte register */
    lfv_vdev_write(dev, 12, 4, 0xddccbbaa, LFV_GAP_HW);
    CHECK_EQ(hwcfg[12], 0xaa);
    CHECK_EQ(r13.val, 0xbb);
    CHECK_EQ(hwcfg[14], 0xcc);
    CHECK_EQ(hwcfg[15], 0xdd);
    CHECK_EQ(hw_misaligned, 0);

    /* unhandled space */
    lfv_vdev_write(dev, 0x40, 4, 0x01020304, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 0x40, 4, LFV_GAP_HW), 0xa3a2a1a0);
    lfv_vdev_write(dev, 0x40, 4, 0x01020304, LFV_GAP_HW);
    CHECK_EQ(READ(dev, 0x40, 4, LFV_GAP_HW), 0x01020304);

    /* a write-only register reads all-ones; a read-only one drops writes */
    struct cell wo = { .val = 7 }, ro = { .val = 9 };
    CHECK_EQ(lfv_vdev_add_register(dev, NULL, wr, 0x20, 4, &wo), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, NULL, 0x24, 4, &ro), 0);
    CHECK_EQ(READ(dev, 0x20, 4, LFV_GAP_HW), 0xffffffff);
    lfv_vdev_write(dev, 0x20, 4, 0x5, LFV_GAP_HW);
    CHECK_EQ(wo.val, 5);
    lfv_vdev_write(dev, 0x24, 4, 0x5, LFV_GAP_HW);
    CHECK_EQ(ro.val, 9);
    /* a partial write to a write-only register merges with all-ones */
    lfv_vdev_write(dev, 0x21, 1, 0x00, LFV_GAP_HW);
    CHECK_EQ(wo.val, 0xffff00ff);

    lfv_vdev_destroy(dev);

    /* a read-only device ignores every write, handled or not */
    dev = new_dev(true);
    hw_reset();
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 4, &r0), 0);
    r0.val = 1;
    lfv_vdev_write(dev, 0, 4, 2, LFV_GAP_HW);
    lfv_vdev_write(dev, 8, 4, 2, LFV_GAP_HW);
    CHECK_EQ(r0.val, 1);
    CHECK_EQ(hw_writes, 0);
    lfv_vdev_destroy(dev);
}

/* Xen 4.19's mask semantics, on the layout of its own unit test. */
static void test_masks(void)
{
    struct lfv_vdev *dev = new_dev(false);
    struct cell r = { .rw1c = 0x0000ff00 };

    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 32, 4, &r, 0x000000ff,
                                        0x0000ff00, 0x00ff0000, 0xff000000),
             0);

    r.val = 0x0f0f0f0f; /* RO byte */
    CHECK_EQ(READ(dev, 32, 1, LFV_GAP_DENY), 0x0f);
    lfv_vdev_write(dev, 32, 1, 0x5a, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 32, 1, LFV_GAP_DENY), 0x0f);
    CHECK_EQ(r.val, 0x000f0f0f);

    r.val = 0x0f0f0f0f; /* RW1C byte */
    CHECK_EQ(READ(dev, 33, 1, LFV_GAP_DENY), 0x0f);
    lfv_vdev_write(dev, 33, 1, 0x5a, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 33, 1, LFV_GAP_DENY), 0x05);
    CHECK_EQ(r.val, 0x000f050f);

    r.val = 0x0f0f0f0f; /* RsvdP byte */
    CHECK_EQ(READ(dev, 34, 1, LFV_GAP_DENY), 0);
    lfv_vdev_write(dev, 34, 1, 0x5a, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 34, 1, LFV_GAP_DENY), 0);
    CHECK_EQ(r.val, 0x000f0f0f);

    r.val = 0x0f0f0f0f; /* RsvdZ byte */
    CHECK_EQ(READ(dev, 35, 1, LFV_GAP_DENY), 0);
    lfv_vdev_write(dev, 35, 1, 0x5a, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 35, 1, LFV_GAP_DENY), 0);
    CHECK_EQ(r.val, 0x000f0f0f);

    r.val = 0x0f0f0f0f; /* all zeroes */
    CHECK_EQ(READ(dev, 32, 4, LFV_GAP_DENY), 0x00000f0f);
    lfv_vdev_write(dev, 32, 4, 0, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 32, 4, LFV_GAP_DENY), 0x00000f0f);
    CHECK_EQ(r.val, 0x000f0f0f);

    r.val = 0x0f0f0f0f; /* all ones */
    lfv_vdev_write(dev, 32, 4, 0xffffffff, LFV_GAP_DENY);
    CHECK_EQ(READ(dev, 32, 4, LFV_GAP_DENY), 0x0000000f);
    CHECK_EQ(r.val, 0x000f000f);

    /* A full-width write to a register with only RW1C bits is not a
     * read-modify-write: the handler sees exactly what was written. */
    struct cell st = { .val = 0xff00, .rw1c = 0xff00 };
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 6, 2, &st, 0, 0xff00, 0,
                                        0),
             0);
    lfv_vdev_write(dev, 6, 2, 0x0100, LFV_GAP_DENY);
    CHECK_EQ(st.val, 0xfe00);
    /* A byte write beside RW1C bits must not clear them. */
    lfv_vdev_write(dev, 6, 1, 0x00, LFV_GAP_DENY);
    CHECK_EQ(st.val, 0xfe00);

    lfv_vdev_destroy(dev);
}

static void test_ecam(void)
{
    struct lfv_vdev *dev = new_dev(false);
    struct cell lo = { .val = 0x11111111 }, hi = { .val = 0x22222222 };
    uint64_t v = 0;
    static const struct { unsigned int reg, len; } bad[] = {
        { 0, 3 }, { 0, 0 }, { 0, 16 }, { 2, 4 }, { 4, 8 }, { 1, 2 },
        { 4096, 1 }, { 4095, 2 }, { 4092, 8 }, { 0xfffffff8, 8 },
    };

    hw_reset();
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x10, 4, &lo), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x14, 4, &hi), 0);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 0x10, 8, &v, LFV_GAP_DENY), 0);
    CHECK_EQ(v, 0x2222222211111111ull);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 0x14, 4, &v, LFV_GAP_DENY), 0);
    CHECK_EQ(v, 0x22222222);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 0x16, 2, &v, LFV_GAP_DENY), 0);
    CHECK_EQ(v, 0x2222);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 0x17, 1, &v, LFV_GAP_DENY), 0);
    CHECK_EQ(v, 0x22);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 4088, 8, &v, LFV_GAP_HW), 0);
    CHECK_EQ(v, 0xafaeadacabaaa9a8ull);
    CHECK_EQ(lfv_vdev_ecam_write(dev, 0x10, 8, 0x4444444433333333ull,
                                 LFV_GAP_DENY), 0);
    CHECK_EQ(lo.val, 0x33333333);
    CHECK_EQ(hi.val, 0x44444444);

    hw_reads = hw_writes = 0;
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 0x5a5a;
        CHECK_EQ(lfv_vdev_ecam_read(dev, bad[i].reg, bad[i].len, &v,
                                    LFV_GAP_HW), -EINVAL);
        CHECK_EQ(v, 0x5a5a);
        CHECK_EQ(lfv_vdev_ecam_write(dev, bad[i].reg, bad[i].len, 0,
                                     LFV_GAP_HW), -EINVAL);
    }
    CHECK_EQ(hw_reads + hw_writes, 0);
    CHECK_EQ(lo.val, 0x33333333);
    CHECK_EQ(lfv_vdev_ecam_read(dev, 0, 4, NULL, LFV_GAP_HW), -EINVAL);
    CHECK_EQ(lfv_vdev_ecam_read(NULL, 0, 4, &v, LFV_GAP_HW), -EINVAL);
    lfv_vdev_destroy(dev);
}

int main(void)
{
    lfv_rcu_register_thread();
    test_gaps_and_spans();
    test_writes();
    test_masks();
    test_ecam();
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
