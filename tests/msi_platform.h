/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the MSI tests (test_msi.c: guests, test_msi_hwdom.c: the hardware
 * domain) share: two simulated devices, a system with the header, MSI and
 * MSI-X hooks, and binding ops that record every call (with the domain it
 * was made for) and every access forwarded to device memory.
 */
#ifndef LFV_TESTS_MSI_PLATFORM_H
#define LFV_TESTS_MSI_PLATFORM_H

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/sim_system.h"

#define CMD 0x04
#define MEM 0x2
#define INTX_DIS 0x400
#define MSI 0x50
#define MSIX 0x70
#define BAR0 0x10
#define BAR5 0x24

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

/* A: MSI (64-bit, maskable, 4 vectors) and MSI-X (16 entries, BAR 5). */
static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x1234, .class_code = 0x020000,
    .interrupt_pin = 1,
    .bar = {
        { LFV_SIM_BAR_MEM32, false, 0x10000, 0xe0000000 },
        [5] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 },
    },
    .msi = { true, true, true, 4 },
    .msix = { true, 16, 5, 0, 5, 0x2000 },
    .pcie = true,
};

/* B: 32-bit MSI without masking, MSI-X table and PBA in one page of BAR 0. */
static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
    .msi = { true, false, false, 1 },
    .msix = { true, 4, 0, 0x800, 0, 0xc00 },
};

static const lfv_sbdf_t A = LFV_SBDF(0, 1, 0, 0), B = LFV_SBDF(0, 2, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0), VS1 = LFV_SBDF(0, 0, 1, 0);

#define TBL 0xe0100000ull  /* A's table (BAR 5 + 0) */
#define PBA (TBL + 0x2000) /* A's PBA */
#define B_BAR 0xe0300000ull
#define B_TBL (B_BAR + 0x800)
#define B_PBA (B_BAR + 0xc00)

/* ---- the recording platform ---- */

enum ev_type { EV_BIND, EV_UNBIND, EV_MASK };

struct ev {
    enum ev_type type;
    struct lfv_msi_vector vec;
    const struct lfv_domain *dom; /* the state's domain */
};

struct mmio_ev {
    bool write;
    uint64_t addr, val;
    unsigned int size;
};

static pthread_mutex_t ev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ev evs[256];
static unsigned int nr_evs;
static struct mmio_ev mmio_evs[64];
static unsigned int nr_mmio_evs;
static bool logging = true;
static int fail_bind;
/* If set, called with every forwarded access (any thread, no lock held). */
static void (*mmio_check)(bool write, uint64_t addr, unsigned int size,
                          uint64_t val);
static long live_bindings; /* atomic: binds - unbinds */

static void record(enum ev_type t, const struct lfv_vpci *v,
                   const struct lfv_msi_vector *vec)
{
    if (!__atomic_load_n(&logging, __ATOMIC_RELAXED))
        return;
    pthread_mutex_lock(&ev_lock);
    if (nr_evs < 256)
        evs[nr_evs++] = (struct ev){ t, *vec, lfv_vpci_domain(v) };
    pthread_mutex_unlock(&ev_lock);
}

static void record_mmio(bool write, uint64_t addr, unsigned int size,
                        uint64_t val)
{
    if (mmio_check)
        mmio_check(write, addr, size, val);
    if (!__atomic_load_n(&logging, __ATOMIC_RELAXED))
        return;
    pthread_mutex_lock(&ev_lock);
    if (nr_mmio_evs < 64)
        mmio_evs[nr_mmio_evs++] = (struct mmio_ev){ write, addr, val, size };
    pthread_mutex_unlock(&ev_lock);
}

static int op_bind(void *ctx, const struct lfv_vpci *v,
                   const struct lfv_msi_vector *vec)
{
    (void)ctx;
    if (fail_bind)
        return -EBUSY;
    record(EV_BIND, v, vec);
    __atomic_add_fetch(&live_bindings, 1, __ATOMIC_RELAXED);
    return 0;
}

static void op_unbind(void *ctx, const struct lfv_vpci *v,
                      const struct lfv_msi_vector *vec)
{
    (void)ctx;
    record(EV_UNBIND, v, vec);
    __atomic_sub_fetch(&live_bindings, 1, __ATOMIC_RELAXED);
}

static void op_mask(void *ctx, const struct lfv_vpci *v,
                    const struct lfv_msi_vector *vec)
{
    (void)ctx;
    record(EV_MASK, v, vec);
}

static int op_mmio_read(void *ctx, uint64_t addr, unsigned int size,
                        uint64_t *val)
{
    int rc = lfv_sim_mmio_read(ctx, addr, size, val);

    record_mmio(false, addr, size, 0);
    return rc;
}

static int op_mmio_write(void *ctx, uint64_t addr, unsigned int size,
                         uint64_t val)
{
    record_mmio(true, addr, size, val);
    return lfv_sim_mmio_write(ctx, addr, size, val);
}

static const struct lfv_msi_ops ops = {
    op_bind, op_unbind, op_mask, op_mmio_read, op_mmio_write,
};

static void ev_reset(void)
{
    nr_evs = 0;
    nr_mmio_evs = 0;
}

static inline bool ev_is(unsigned int k, enum ev_type t, bool msix,
                         unsigned int index, uint64_t addr, uint32_t data,
                         bool masked)
{
    const struct ev *e = &evs[k];

    return k < nr_evs && e->type == t && e->vec.msix == msix &&
           e->vec.index == index && e->vec.address == addr &&
           e->vec.data == data && e->vec.masked == masked;
}

/* Did forwarded access k hit the device at addr (and, writing, with val)? */
static inline bool mmio_is(unsigned int k, bool write, uint64_t addr,
                           unsigned int size, uint64_t val)
{
    const struct mmio_ev *m = &mmio_evs[k];

    return k < nr_mmio_evs && m->write == write && m->addr == addr &&
           m->size == size && (!write || m->val == val);
}

/* ---- helpers ---- */

static inline uint32_t rd(struct lfv_domain *d, lfv_sbdf_t s,
                          unsigned int reg, unsigned int size)
{
    return lfv_conf_read(d, s, reg, size);
}

static inline void wr(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                      unsigned int size, uint32_t val)
{
    lfv_conf_write(d, s, reg, size, val);
}

static inline uint64_t mrd(struct lfv_domain *d, uint64_t gpa,
                           unsigned int size)
{
    uint64_t v = 0;

    CHECK_EQ(lfv_msix_mmio_read(d, gpa, size, &v), 0);
    return v;
}

static inline void mwr(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                       uint64_t v)
{
    CHECK_EQ(lfv_msix_mmio_write(d, gpa, size, v), 0);
}

/* The device's own table dword (decoding turned on for the look). */
static inline uint32_t hw_table(lfv_sbdf_t s, uint64_t addr)
{
    uint32_t cmd = lfv_sim_cfg_read(br, s, CMD, 2);
    uint64_t v = 0;

    lfv_sim_cfg_write(br, s, CMD, 2, cmd | MEM);
    CHECK_EQ(lfv_sim_mmio_read(br, addr, 4, &v), 0);
    lfv_sim_cfg_write(br, s, CMD, 2, cmd);
    return (uint32_t)v;
}

/* If set before setup(): a fourth hook, after MSI-X. */
static const struct lfv_vpci_hook *extra_hook;
/* The ops setup() gives the system (a test may take some away). */
static const struct lfv_msi_ops *setup_ops = &ops;
/* The config space setup() gives the system (NULL: the simulator's). */
static const struct lfv_hw_ops *setup_hw_ops;
/* The host's BAR check setup() gives the system (NULL: none). */
static bool (*setup_bar_valid)(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                               uint64_t end);

static void setup(enum lfv_arch arch)
{
    const struct sim_system p = {
        .arch = arch, .sbdf = { A, B }, .dev = { &dev_a, &dev_b },
        .hooks = { &lfv_header_hook, &lfv_msi_hook, &lfv_msix_hook,
                   extra_hook },
        .msi_ops = setup_ops, .hw_ops = setup_hw_ops,
        .bar_valid = setup_bar_valid,
    };

    sim_system_create(&p, &br, &sys);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK_EQ(lfv_pdev_add(sys, A), 0);
    CHECK_EQ(lfv_pdev_add(sys, B), 0);
    CHECK_EQ(lfv_system_set_msi_ops(sys, &ops, br), -EBUSY);
}

static void teardown(void)
{
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
}

#endif /* LFV_TESTS_MSI_PLATFORM_H */
