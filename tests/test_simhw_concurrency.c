/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hot-plug under load: threads read and write configuration space and the
 * MSI-X tables of a set of slots while another thread keeps adding and
 * removing the devices in them.  Every read must see either an absent
 * device (all-ones / -ENODEV) or a whole, valid one: the right IDs, a
 * vector control with only the mask bit.  Run under TSan and ASan too.
 */
#include <errno.h>
#include <pthread.h>

#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"

#define SLOTS 8
#define READERS 3
#define OPS 40000
#define BAR_BASE(slot) (0xe0000000ull + (uint64_t)(slot) * 0x100000)

static struct lfv_sim_bridge *b;
static unsigned long failures, absent_seen, present_seen;
static int stop;

static void fail(void)
{
    __atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

static lfv_sbdf_t slot_sbdf(unsigned int slot)
{
    return LFV_SBDF(0, 1, slot, 0);
}

static struct lfv_sim_device_desc slot_desc(unsigned int slot)
{
    struct lfv_sim_device_desc d = {
        .vendor = 0x1af4, .device = (uint16_t)(0x1000 + slot),
        .class_code = 0x010802,
        .bar = { [0] = { LFV_SIM_BAR_MEM64, false, 1 << 20, BAR_BASE(slot) } },
        .msi = { true, true, true, 32 },
        .msix = { true, 64, 0, 0x2000, 0, 0x3000 },
        .pcie = true,
    };
    return d;
}

/* Config: IDs are whole or absent; writes land or vanish, never tear. */
static void config_op(lfv_sbdf_t s, unsigned int slot, unsigned int i)
{
    uint32_t id = lfv_sim_cfg_read(b, s, 0, 4);

    if (id == 0xffffffffu) {
        __atomic_fetch_add(&absent_seen, 1, __ATOMIC_RELAXED);
        return;
    }
    __atomic_fetch_add(&present_seen, 1, __ATOMIC_RELAXED);
    if (id != ((0x1000u + slot) << 16 | 0x1af4))
        fail();
    lfv_sim_cfg_write(b, s, 0x04, 2, 0x0006);        /* memory, master */
    lfv_sim_cfg_write(b, s, 0x3c, 1, (uint8_t)i);
    if (lfv_sim_cfg_read(b, s, 0x02, 2) == 0x1234)   /* RO device ID */
        fail();
}

/* MMIO: a decoded vector control holds at most the mask bit. */
static void mmio_op(unsigned int slot, unsigned int i)
{
    uint64_t entry = BAR_BASE(slot) + 0x2000 + 16 * (i % 64), v;
    int rc;

    lfv_sim_mmio_write(b, entry + 12, 4, i & 1 ? 0xffffffffu : 0);
    lfv_sim_mmio_write(b, entry, 8, 0xfee00000ull | (i & 0xff) << 4);
    rc = lfv_sim_mmio_read(b, entry + 12, 4, &v);
    if (rc == 0 ? v > 1 : rc != -ENODEV || v != 0xffffffffu)
        fail();
    rc = lfv_sim_mmio_read(b, BAR_BASE(slot) + 0x3000, 8, &v);
    if (rc == 0 && v != 0)
        fail();
}

static void *worker(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg * 2654435761u;

    lfv_rcu_register_thread();
    for (unsigned int i = 0; i < OPS; i++) {
        unsigned int slot;

        seed = seed * 1103515245u + 12345u;
        slot = (seed >> 16) % SLOTS;
        config_op(slot_sbdf(slot), slot, i);
        mmio_op(slot, i);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static void *hotplug(void *arg)
{
    unsigned long cycles = 0;

    (void)arg;
    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        unsigned int slot = cycles++ % SLOTS;
        struct lfv_sim_device_desc d = slot_desc(slot);
        int rc = lfv_sim_remove(b, slot_sbdf(slot));

        if (rc && rc != -ENOENT)
            fail();
        if (lfv_sim_add(b, slot_sbdf(slot), &d) != 0)
            fail();
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

int main(void)
{
    pthread_t readers[READERS], plug;

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    for (unsigned int s = 0; s < SLOTS; s += 2) {
        struct lfv_sim_device_desc d = slot_desc(s);

        CHECK_EQ(lfv_sim_add(b, slot_sbdf(s), &d), 0);
    }
    CHECK_EQ(pthread_create(&plug, NULL, hotplug, NULL), 0);
    for (uintptr_t i = 0; i < READERS; i++)
        CHECK_EQ(pthread_create(&readers[i], NULL, worker, (void *)(i + 1)),
                 0);
    for (unsigned int i = 0; i < READERS; i++)
        pthread_join(readers[i], NULL);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    pthread_join(plug, NULL);
    CHECK_EQ(failures, 0);
    CHECK(present_seen > 0);
    printf("present %lu, absent %lu\n", present_seen, absent_seen);
    lfv_sim_bridge_destroy(b);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
