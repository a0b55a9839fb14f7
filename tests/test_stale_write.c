/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A configuration write in flight while its device changes owner reaches
 * nothing.  The write found the old owner's device under RCU and waits
 * for its write lock, which the re-assignment holds from before the new
 * owner's state is built until the old one is retired; when the write
 * gets the lock, the device is another domain's.  Its handlers must not
 * write the hardware then: the old owner would turn bus mastering, MSI-X
 * or decoding of the new owner's device on or off, or clear its status.
 *
 * The window is made deterministic with a hardware wrapper: while the
 * re-assignment builds the new state (the old state's write lock held),
 * the wrapper lets the writer thread go and waits long enough for it to
 * find the old device and block on its lock.  A writer that came too late
 * finds no device and is dropped anyway: the test can then only pass, it
 * never fails spuriously.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_cap.h"

#define CMD 0x04
#define MEM 0x2
#define MASTER 0x4
#define MSIX_ENABLE 0x8000u

static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
             [5] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .msix = { true, 16, 5, 0, 5, 0x2000 },
    .pcie = true,
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

/* The writer's write, and the handshake with the wrapper. */
static struct {
    unsigned int reg, size;
    uint32_t val;
} stale;
static atomic_int armed, go, done;

static void pause_ms(long ms)
{
    struct timespec t = { 0, ms * 1000000L };

    nanosleep(&t, NULL);
}

static uint32_t wrap_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    /* the new state's build starts by reading COMMAND (header.c) */
    if (reg == CMD && atomic_exchange(&armed, 0)) {
        atomic_store(&go, 1);
        pause_ms(200);
    }
    return lfv_sim_hw_ops()->read(hw, sbdf, reg, size);
}

static void wrap_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops wrap_ops = { wrap_read, wrap_write };

static void *writer(void *arg)
{
    struct lfv_domain *d = arg;

    lfv_rcu_register_thread();
    while (!atomic_load(&go))
        sched_yield();
    lfv_conf_write(d, VS0, stale.reg, stale.size, stale.val);
    atomic_store(&done, 1);
    lfv_rcu_unregister_thread();
    return NULL;
}

/* Move A from `from` to `to` while `from` writes (reg, size, val). */
static void reassign_during_write(struct lfv_domain *from,
                                  struct lfv_domain *to, unsigned int reg,
                                  unsigned int size, uint32_t val)
{
    pthread_t t;

    stale.reg = reg;
    stale.size = size;
    stale.val = val;
    atomic_store(&go, 0);
    atomic_store(&done, 0);
    CHECK_EQ(pthread_create(&t, NULL, writer, from), 0);
    atomic_store(&armed, 1);
    CHECK_EQ(lfv_pdev_assign(sys, A, to), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(atomic_load(&done));
}

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = &wrap_ops };

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, A, &dev_a), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msix_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

int main(void)
{
    unsigned int msix;

    lfv_rcu_register_thread();
    setup();
    msix = sim_find_cap(br, A, 0x11);
    CHECK(msix != 0);

    /* control: g1's own write of COMMAND reaches its device */
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    lfv_conf_write(g1, VS0, CMD, 2, MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER, MASTER);
    lfv_conf_write(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & MASTER, 0);

    /* g1's bus mastering, in flight while A goes to g2: not g2's device */
    reassign_during_write(g1, g2, CMD, 2, MASTER | MEM);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & (MASTER | MEM), 0);
    CHECK_EQ(lfv_conf_read(g2, VS0, CMD, 2) & (MASTER | MEM), 0);

    /* g2's MSI-X enable, in flight while A goes to the hardware domain */
    reassign_during_write(g2, hwdom, msix + 2, 2, MSIX_ENABLE);
    CHECK_EQ(lfv_sim_cfg_read(br, A, msix + 2, 2) & MSIX_ENABLE, 0);

    /*
     * g2 turns decoding and bus mastering on while A goes to the hardware
     * domain, which finds the device quiesced (test_handback): not g2's to
     * turn on
     */
    CHECK_EQ(lfv_pdev_assign(sys, A, g2), 0);
    reassign_during_write(g2, hwdom, CMD, 2, MEM | MASTER);
    CHECK_EQ(lfv_conf_read(hwdom, A, CMD, 2) & (MASTER | MEM), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & (MASTER | MEM), 0);

    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
