/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Readers hammer one device while writers add and remove registers (one at
 * a time and in batches) and other threads write to it.  Every handler
 * returns a value that names its register, from private data that is freed
 * (after a grace period) when the register goes: a torn table, a handler
 * answering for the wrong offset or a read of freed data is counted, and the
 * run must end with zero.  Run under TSan and ASan by `make check`, on every
 * RCU backend, with more threads than cores.
 */
#include <pthread.h>
#include <stdlib.h>

#include <lfvpci/access.h>
#include <lfvpci/rcu.h>

#include "tests/check.h"

#define LIVE 0x4c495645u
#define STABLE_BASE 0x00
#define VOLATILE_BASE 0x40
#define NVOL 16 /* 4-byte registers at 0x40..0x7c */
#define ROUNDS 20000

struct regdata {
    struct lfv_rcu_head rcu;
    uint32_t magic;
    unsigned int offset;
    uint32_t written;
};

static struct lfv_vdev *dev;
static unsigned long failures;
static int stop;

static void fail(void)
{
    __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

static uint32_t expected(unsigned int offset)
{
    return 0xab000000u | offset;
}

static uint32_t h_read(const void *ctx, unsigned int reg, void *data)
{
    struct regdata *d = data;

    (void)ctx;
    if (__atomic_load_n(&d->magic, __ATOMIC_RELAXED) != LIVE ||
        d->offset != reg)
        fail();
    return expected(reg);
}

static void h_write(const void *ctx, unsigned int reg, uint32_t val,
                    void *data)
{
    struct regdata *d = data;

    (void)ctx;
    if (d->magic != LIVE || d->offset != reg)
        fail();
    d->written = val; /* writes to one device are serialised */
}

static void regdata_free(struct lfv_rcu_head *head)
{
    struct regdata *d = (struct regdata *)head;

    __atomic_store_n(&d->magic, 0, __ATOMIC_RELAXED);
    free(d);
}

static struct regdata *regdata_new(unsigned int offset)
{
    struct regdata *d = calloc(1, sizeof(*d));

    d->magic = LIVE;
    d->offset = offset;
    return d;
}

static void *reader(void *arg)
{
    uint64_t rng = (uintptr_t)arg * 7919 + 1;
    unsigned long n;

    lfv_rcu_register_thread();
    for (n = 0; !__atomic_load_n(&stop, __ATOMIC_RELAXED); n++) {
        unsigned int i, off;
        uint32_t v;

        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        i = rng % NVOL;
        /* stable registers always answer */
        off = STABLE_BASE + 4 * (i % 8);
        if (lfv_vdev_read(dev, off, 4, LFV_GAP_DENY) != expected(off))
            fail();
        /* volatile ones answer or are a gap, never anything else */
        off = VOLATILE_BASE + 4 * i;
        v = lfv_vdev_read(dev, off, 4, LFV_GAP_DENY);
        if (v != expected(off) && v != 0xffffffffu)
            fail();
        /* 2-byte reads through the span path */
        v = lfv_vdev_read(dev, off + 2, 2, LFV_GAP_DENY);
        if (v != (expected(off) >> 16) && v != 0xffff)
            fail();
        /* ... and a config write now and then */
        if ((n & 15) == 0)
            lfv_vdev_write(dev, off, 4, (uint32_t)n, LFV_GAP_DENY);
        if ((n & 63) == 0)
            lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* Writer w owns the volatile registers i with i % 2 == w. */
static void *writer(void *arg)
{
    unsigned int w = (unsigned int)(uintptr_t)arg, round;
    struct regdata *mine[NVOL] = { 0 };

    lfv_rcu_register_thread();
    for (round = 0; round < ROUNDS; round++) {
        if (round % 4 == 3) {
            /* one batch: drop all of mine, add them back */
            struct lfv_regs_edit *e;
            struct regdata *fresh[NVOL] = { 0 };

            if (lfv_regs_edit_begin(dev, &e))
                fail();
            for (unsigned int i = w; i < NVOL; i += 2) {
                unsigned int off = VOLATILE_BASE + 4 * i;
                struct lfv_reg_desc d = { .read = h_read, .write = h_write,
                                          .offset = off, .size = 4 };

                if (mine[i] && lfv_regs_edit_remove(e, off, 4))
                    fail();
                fresh[i] = regdata_new(off);
                d.data = fresh[i];
                if (lfv_regs_edit_add(e, &d))
                    fail();
            }
            if (lfv_regs_edit_commit(e))
                fail();
            for (unsigned int i = w; i < NVOL; i += 2) {
                if (mine[i])
                    lfv_rcu_call(&mine[i]->rcu, regdata_free);
                mine[i] = fresh[i];
            }
        } else {
            unsigned int i = w + 2 * (round % (NVOL / 2));
            unsigned int off = VOLATILE_BASE + 4 * i;

            if (mine[i]) {
                if (lfv_vdev_remove_register(dev, off, 4))
                    fail();
                lfv_rcu_call(&mine[i]->rcu, regdata_free);
                mine[i] = NULL;
            } else {
                mine[i] = regdata_new(off);
                if (lfv_vdev_add_register(dev, h_read, h_write, off, 4,
                                          mine[i]))
                    fail();
            }
        }
        lfv_rcu_quiescent_state();
    }
    for (unsigned int i = w; i < NVOL; i += 2)
        if (mine[i]) {
            if (lfv_vdev_remove_register(dev, VOLATILE_BASE + 4 * i, 4))
                fail();
            lfv_rcu_call(&mine[i]->rcu, regdata_free);
        }
    lfv_rcu_unregister_thread();
    return NULL;
}

int main(void)
{
    const struct lfv_vdev_params p = { .sbdf = LFV_SBDF(0, 1, 0, 0) };
    struct regdata *stable[8];
    pthread_t readers[3], writers[2];

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_vdev_create(&p, &dev), 0);
    for (unsigned int i = 0; i < 8; i++) {
        stable[i] = regdata_new(STABLE_BASE + 4 * i);
        CHECK_EQ(lfv_vdev_add_register(dev, h_read, h_write, 4 * i, 4,
                                       stable[i]), 0);
    }
    for (uintptr_t i = 0; i < 3; i++)
        pthread_create(&readers[i], NULL, reader, (void *)(i + 1));
    for (uintptr_t i = 0; i < 2; i++)
        pthread_create(&writers[i], NULL, writer, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(writers[i], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 3; i++)
        pthread_join(readers[i], NULL);

    CHECK_EQ(failures, 0);
    CHECK_EQ(lfv_vdev_nr_registers(dev), 8);
    lfv_vdev_destroy(dev);
    lfv_rcu_barrier();
    for (unsigned int i = 0; i < 8; i++)
        free(stable[i]);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
