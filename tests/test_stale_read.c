/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A configuration read in flight while its device changes owner reads
 * nothing of the device.  The read found the old owner's device under RCU
 * and its handler reads the hardware (the IDs pass through); if that read
 * reaches the device after the re-assignment, the device is another
 * domain's, which may have written it: the old owner gets all-ones, as
 * from a device that went away, never the hardware's value.
 *
 * The window is made deterministic with a hardware wrapper: the reader's
 * hardware read waits until the main thread has re-assigned the device
 * (and, for a guest, has the new owner write it); a read that finished
 * before is a read of the old owner's device and returns the IDs.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"

#define CMD 0x04
#define MEM 0x2
#define IDS 0x12348086u

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 } },
    .pcie = true,
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

static _Thread_local bool is_reader;
static atomic_int in_read, moved;

/* The reader's read of the IDs waits, once, for the device to move. */
static uint32_t wrap_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    if (is_reader && reg == 0) {
        atomic_store(&in_read, 1);
        while (!atomic_load(&moved))
            sched_yield();
    }
    return lfv_sim_hw_ops()->read(hw, sbdf, reg, size);
}

static void wrap_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops wrap_ops = { wrap_read, wrap_write };

static struct {
    struct lfv_domain *d;
    lfv_sbdf_t sbdf;
    uint32_t val;
} rd;

static void *reader(void *arg)
{
    (void)arg;
    lfv_rcu_register_thread();
    is_reader = true;
    rd.val = lfv_conf_read(rd.d, rd.sbdf, 0, 4);
    lfv_rcu_unregister_thread();
    return NULL;
}

/* Move A from `from` to `to` while `from` reads its IDs; what it read. */
static uint32_t reassign_during_read(struct lfv_domain *from,
                                     lfv_sbdf_t sbdf, struct lfv_domain *to,
                                     lfv_sbdf_t to_sbdf)
{
    pthread_t t;

    rd.d = from;
    rd.sbdf = sbdf;
    atomic_store(&in_read, 0);
    atomic_store(&moved, 0);
    CHECK_EQ(pthread_create(&t, NULL, reader, NULL), 0);
    while (!atomic_load(&in_read))
        sched_yield();
    CHECK_EQ(lfv_pdev_assign(sys, A, to), 0);
    lfv_conf_write(to, to_sbdf, CMD, 2, MEM); /* the new owner's */
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MEM, MEM);
    atomic_store(&moved, 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    lfv_conf_write(to, to_sbdf, CMD, 2, 0);
    return rd.val;
}

/* The same read with nothing moving: the old owner's device answers. */
static uint32_t read_alone(struct lfv_domain *d, lfv_sbdf_t sbdf)
{
    pthread_t t;

    rd.d = d;
    rd.sbdf = sbdf;
    atomic_store(&moved, 1);
    CHECK_EQ(pthread_create(&t, NULL, reader, NULL), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    return rd.val;
}

int main(void)
{
    struct lfv_system_params p = { .hw_ops = &wrap_ops };

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, A, &dev_a), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);

    /* control: the wrapper's reader path reads the IDs */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(read_alone(g1, VS0), IDS);

    /* g1's read in flight while A goes to g2, which turns decoding on */
    CHECK_EQ(reassign_during_read(g1, VS0, g2, VS0), 0xffffffffu);
    CHECK_EQ(lfv_conf_read(g2, VS0, 0, 4), IDS);
    CHECK_EQ(lfv_conf_read(g1, VS0, 0, 4), 0xffffffffu);

    /* g2's, while A goes back to the hardware domain */
    CHECK_EQ(reassign_during_read(g2, VS0, hwdom, A), 0xffffffffu);
    CHECK_EQ(lfv_conf_read(hwdom, A, 0, 4), IDS);

    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
