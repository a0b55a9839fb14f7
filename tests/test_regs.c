/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Register tables: every rule of adding and removing registers, with every
 * error code, and batched edits publishing once.
 */
#include <errno.h>

#include <lfvpci/access.h>
#include <lfvpci/rcu.h>
#include <lfvpci/testing.h>

#include "bench/device24.h"
#include "tests/check.h"

static uint32_t rd(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return *(uint32_t *)data;
}

static void wr(const void *ctx, unsigned int reg, uint32_t val, void *data)
{
    (void)ctx, (void)reg;
    *(uint32_t *)data = val;
}

static struct lfv_vdev *new_dev(void)
{
    const struct lfv_vdev_params p = { .sbdf = LFV_SBDF(0, 0, 1, 0) };
    struct lfv_vdev *dev = NULL;

    CHECK_EQ(lfv_vdev_create(&p, &dev), 0);
    return dev;
}

static void test_add_rules(void)
{
    struct lfv_vdev *dev = new_dev();
    uint32_t cell = 0;

    /* size, alignment, offset, handlers */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 3, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 8, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0, 0, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 1, 2, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 2, 4, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4096, 1, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4094, 4, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register(dev, NULL, NULL, 0, 4, &cell), -EINVAL);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 0);

    /* highest valid offsets of each size */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, NULL, 4095, 1, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, NULL, wr, 4092, 2, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4088, 4, &cell), 0);

    /* overlaps in every position */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 8, 4, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 8, 4, &cell), -EEXIST);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 8, 1, &cell), -EEXIST);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 10, 2, &cell), -EEXIST);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 11, 1, &cell), -EEXIST);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 4093, 1, &cell), -EEXIST);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 12, 1, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 7, 1, &cell), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 6);

    /* masks: within width, pairwise disjoint (Xen 4.19) */
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 1, &cell, 0x100, 0, 0, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 1, &cell, 0, 0x100, 0, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 1, &cell, 0, 0, 0x100, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 1, &cell, 0, 0, 0, 0x100), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 2, &cell, 0x10000, 0, 0, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 2, &cell, 0, 0, 0, 0x10000), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 1, 1, 0, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 1, 0, 1, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 1, 0, 0, 1), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 0, 2, 2, 0), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 0, 2, 0, 2), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 0, 0, 4, 4), -EINVAL);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 16, 4, &cell, 0xff, 0xff00,
                                        0xff0000, 0xff000000), 0);
    CHECK_EQ(lfv_vdev_add_register_mask(dev, rd, wr, 20, 2, &cell, 0xff, 0, 0, 0xff00), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 8);

    lfv_vdev_destroy(dev);
}

static void test_remove_rules(void)
{
    struct lfv_vdev *dev = new_dev();
    uint32_t cell = 0;

    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 24, 4, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 28, 1, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 30, 2, &cell), 0);
    /* only an exact match removes a register */
    CHECK_EQ(lfv_vdev_remove_register(dev, 24, 2), -ENOENT);
    CHECK_EQ(lfv_vdev_remove_register(dev, 26, 2), -ENOENT);
    CHECK_EQ(lfv_vdev_remove_register(dev, 28, 4), -ENOENT);
    CHECK_EQ(lfv_vdev_remove_register(dev, 29, 1), -ENOENT);
    CHECK_EQ(lfv_vdev_remove_register(dev, 100, 4), -ENOENT);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 3);
    CHECK_EQ(lfv_vdev_remove_register(dev, 28, 1), 0);
    CHECK_EQ(lfv_vdev_remove_register(dev, 28, 1), -ENOENT);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 2);
    /* the freed space can be reused */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 28, 2, &cell), 0);

    /* range removal: wholly inside goes, straddling an edge refuses all */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x40, 4, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x44, 2, &cell), 0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x48, 4, &cell), 0);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x42, 0x8), -ERANGE);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x40, 0xa), -ERANGE);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 6);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x3c, 0xc), 0); /* 0x40, 0x44 */
    CHECK_EQ(lfv_vdev_nr_registers(dev), 4);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x100, 0xf00), 0); /* nothing */
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0, 4096), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 0);
    CHECK_EQ(lfv_vdev_table_bytes(dev), 0);

    lfv_vdev_destroy(dev);
}

static void test_batch(void)
{
    struct lfv_vdev *dev = new_dev();
    struct lfv_regs_edit *e;
    uint32_t a = 0x11223344, b = 0x55;
    struct lfv_reg_desc d = { .read = rd, .write = wr, .data = &a,
                              .offset = 0x10, .size = 4 };

    CHECK_EQ(lfv_regs_edit_begin(dev, &e), 0);
    CHECK_EQ(lfv_regs_edit_add(e, &d), 0);
    CHECK_EQ(lfv_regs_edit_add(e, &d), -EEXIST);
    d.offset = 0x14, d.size = 1, d.data = &b;
    CHECK_EQ(lfv_regs_edit_add(e, &d), 0);
    d.size = 3;
    CHECK_EQ(lfv_regs_edit_add(e, &d), -EINVAL);
    /* nothing is visible before the commit */
    CHECK_EQ(lfv_vdev_nr_registers(dev), 0);
    CHECK_EQ(lfv_vdev_read(dev, 0x10, 4, LFV_GAP_DENY), 0xffffffff);
    CHECK_EQ(lfv_regs_edit_commit(e), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 2);
    CHECK_EQ(lfv_vdev_read(dev, 0x10, 4, LFV_GAP_DENY), 0x11223344);
    CHECK_EQ(lfv_vdev_read(dev, 0x14, 4, LFV_GAP_DENY), 0xffffff55);

    /* an aborted edit publishes nothing */
    CHECK_EQ(lfv_regs_edit_begin(dev, &e), 0);
    CHECK_EQ(lfv_regs_edit_remove(e, 0x10, 4), 0);
    CHECK_EQ(lfv_regs_edit_remove(e, 0x10, 4), -ENOENT);
    CHECK_EQ(lfv_regs_edit_remove_range(e, 0, 0x100), 0);
    lfv_regs_edit_abort(e);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 2);

    /* out of memory: at begin, when growing, at commit; state unchanged */
    lfv_test_fail_alloc_after(0);
    CHECK_EQ(lfv_regs_edit_begin(dev, &e), -ENOMEM);
    lfv_test_fail_alloc_after(0);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x20, 4, &a), -ENOMEM);
    lfv_test_fail_alloc_after(2); /* edit, copy, then the new table */
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x20, 4, &a), -ENOMEM);
    lfv_test_fail_alloc_after(-1);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 2);
    CHECK_EQ(lfv_vdev_read(dev, 0x10, 4, LFV_GAP_DENY), 0x11223344);
    /* growing the edit's copy fails: the add is refused, the copy intact */
    CHECK_EQ(lfv_regs_edit_begin(dev, &e), 0); /* room for 2 + 8 */
    for (unsigned int i = 0; i < 8; i++) {
        d.offset = 0x200 + 4 * i, d.size = 4;
        CHECK_EQ(lfv_regs_edit_add(e, &d), 0);
    }
    d.offset = 0x400;
    lfv_test_fail_alloc_after(0);
    CHECK_EQ(lfv_regs_edit_add(e, &d), -ENOMEM);
    lfv_test_fail_alloc_after(-1);
    CHECK_EQ(lfv_regs_edit_commit(e), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 10);
    CHECK_EQ(lfv_vdev_read(dev, 0x400, 4, LFV_GAP_DENY), 0xffffffff);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x200, 0x20), 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 2);

    /* bad arguments */
    CHECK_EQ(lfv_vdev_create(NULL, NULL), -EINVAL);
    CHECK_EQ(lfv_regs_edit_begin(NULL, &e), -EINVAL);
    CHECK_EQ(lfv_regs_edit_add(NULL, &d), -EINVAL);

    lfv_vdev_destroy(dev);
}

/* Table memory grows with registers and with the span of offsets. */
static void test_table_bytes(void)
{
    struct lfv_vdev *dev = new_dev();
    uint32_t cell = 0;
    size_t small, ext;

    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0x04, 2, &cell), 0);
    small = lfv_vdev_table_bytes(dev);
    /* 1 register, 2 dw[] entries, 1 mixed dword (struct lfv_dw_bytes) */
    CHECK(small > 0 && small < 200);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, wr, 0xffc, 4, &cell), 0);
    ext = lfv_vdev_table_bytes(dev);
    CHECK(ext > small + 2 * 1000 && ext < 6144); /* regtab.h: <= 4.2 KiB + regs */
    printf("table bytes: 1 register at 0x04: %zu; +1 at 0xffc: %zu\n", small,
           ext);
    lfv_vdev_destroy(dev);

    /* The benchmark device's 24 registers (BENCHMARKS.md quotes these). */
    dev = new_dev();
    for (unsigned int i = 0; i < 24; i++)
        CHECK_EQ(lfv_vdev_add_register(dev, rd, NULL, lfv_bench_regs[i].offset,
                                       lfv_bench_regs[i].size, &cell), 0);
    ext = lfv_vdev_table_bytes(dev);
    CHECK_EQ(lfv_vdev_remove_registers(dev, 0x100, 0x10), 0);
    small = lfv_vdev_table_bytes(dev);
    CHECK(small < ext);
    CHECK_EQ(lfv_vdev_add_register(dev, rd, NULL, 0xffc, 4, &cell), 0);
    printf("table bytes: benchmark device (24 registers, last ends at 0x108)"
           ": %zu; without its 2 extended registers: %zu; plus one at 0xffc:"
           " %zu\n", ext, small, lfv_vdev_table_bytes(dev));
    lfv_vdev_destroy(dev);
}

/* Edits of different devices are independent: one open edit does not
 * block another device's editors (it would deadlock this thread if it did). */
static void test_independent_devices(void)
{
    struct lfv_vdev *a = new_dev(), *b = new_dev();
    struct lfv_regs_edit *ea, *eb;
    uint32_t cell = 0x77;

    CHECK_EQ(lfv_regs_edit_begin(a, &ea), 0);
    CHECK_EQ(lfv_vdev_add_register(b, rd, wr, 0x10, 4, &cell), 0);
    CHECK_EQ(lfv_regs_edit_begin(b, &eb), 0);
    CHECK_EQ(lfv_regs_edit_remove(eb, 0x10, 4), 0);
    CHECK_EQ(lfv_regs_edit_commit(eb), 0);
    /* readers of a are not blocked by its open edit either */
    CHECK_EQ(lfv_vdev_read(a, 0x10, 4, LFV_GAP_DENY), 0xffffffff);
    lfv_regs_edit_abort(ea);
    CHECK_EQ(lfv_vdev_nr_registers(b), 0);
    lfv_vdev_destroy(a);
    lfv_vdev_destroy(b);
}

/* A write handler that edits registers (its own device's and another's)
 * from inside an access: no deadlock, and the change applies to the
 * accesses that follow. */
static struct lfv_vdev *reentrant_dev, *other_dev;
static uint32_t reentrant_cell = 0x1234;

static void wr_adds_registers(const void *ctx, unsigned int reg, uint32_t val,
                              void *data)
{
    (void)ctx, (void)reg, (void)data;
    if (val == 1) {
        CHECK_EQ(lfv_vdev_add_register(reentrant_dev, rd, wr, 0x20, 4,
                                       &reentrant_cell), 0);
        CHECK_EQ(lfv_vdev_add_register(other_dev, rd, wr, 0x20, 4,
                                       &reentrant_cell), 0);
    } else {
        CHECK_EQ(lfv_vdev_remove_register(reentrant_dev, 0x20, 4), 0);
        CHECK_EQ(lfv_vdev_remove_register(reentrant_dev, 0x10, 4), 0);
    }
}

static void test_handler_edits(void)
{
    reentrant_dev = new_dev();
    other_dev = new_dev();
    CHECK_EQ(lfv_vdev_add_register(reentrant_dev, NULL, wr_adds_registers,
                                   0x10, 4, NULL), 0);
    lfv_vdev_write(reentrant_dev, 0x10, 4, 1, LFV_GAP_DENY);
    CHECK_EQ(lfv_vdev_read(reentrant_dev, 0x20, 4, LFV_GAP_DENY), 0x1234);
    CHECK_EQ(lfv_vdev_read(other_dev, 0x20, 4, LFV_GAP_DENY), 0x1234);
    /* a handler may even remove itself */
    lfv_vdev_write(reentrant_dev, 0x10, 4, 2, LFV_GAP_DENY);
    CHECK_EQ(lfv_vdev_nr_registers(reentrant_dev), 0);
    lfv_vdev_destroy(reentrant_dev);
    lfv_vdev_destroy(other_dev);
}

int main(void)
{
    lfv_rcu_register_thread();
    test_add_rules();
    test_remove_rules();
    test_batch();
    test_table_bytes();
    test_independent_devices();
    test_handler_edits();
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
