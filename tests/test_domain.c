/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains, devices and the virtual bus: ownership, per-owner handler sets,
 * guest isolation, SBDF translation, ECAM and CF8/CFC decoding, hot-unplug
 * and the error codes of every control operation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"

/* Hardware: every function reads a pattern naming its SBDF and register. */
static unsigned int hw_writes;

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    uint32_t v = ((sbdf & 0xffff) << 16) | (reg & ~3u) | 0x8000;

    (void)hw;
    return (v >> (8 * (reg & 3))) & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf, (void)reg, (void)size, (void)val;
    hw_writes++;
}

static const struct lfv_hw_ops hw_ops = { hw_read, hw_write };

static uint32_t hw_pattern(lfv_sbdf_t sbdf, unsigned int reg)
{
    return hw_read(NULL, sbdf, reg, 4);
}

/* The hook: register 0x40 names the owner and the device as seen. */
static int fail_next_init;

static uint32_t id_read(const void *ctx, unsigned int reg, void *data)
{
    const struct lfv_vpci *v = ctx;

    (void)reg, (void)data;
    return (lfv_domain_id(lfv_vpci_domain(v)) << 24) |
           (lfv_vpci_vsbdf(v) & 0xffff);
}

static int test_hook_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct lfv_reg_desc d = { .read = id_read, .offset = 0x40, .size = 4 };

    if (fail_next_init) {
        fail_next_init = 0;
        return -EIO;
    }
    if (!lfv_vpci_is_hardware_domain(v)) {
        /* guests get a second, emulated register too */
        struct lfv_reg_desc g = { .read = id_read, .offset = 0x44, .size = 4 };
        int rc = lfv_regs_edit_add(e, &g);

        if (rc)
            return rc;
    }
    return lfv_regs_edit_add(e, &d);
}

static const struct lfv_vpci_hook test_hook = { .name = "test",
                                                .init = test_hook_init };

static struct lfv_system *sys;
static struct lfv_domain *hwdom, *g1, *g2;

static void setup(void)
{
    const struct lfv_system_params p = { .hw_ops = &hw_ops, .hw = NULL };

    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &test_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, NULL), -EINVAL);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 7, true, &g1), -EEXIST); /* 2nd hwdom */
    CHECK_EQ(lfv_domain_create(sys, 0, false, &g1), -EEXIST); /* same id */
    CHECK_EQ(lfv_domain_create(sys, LFV_DOMID_INVALID, false, &g1), -EINVAL);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    CHECK_EQ(lfv_domain_create(sys, 2, false, &g2), 0);
    CHECK(lfv_domain_is_hardware(hwdom) && !lfv_domain_is_hardware(g1));
}

static void test_hwdom(void)
{
    const lfv_sbdf_t a = LFV_SBDF(0, 3, 0, 0), far = LFV_SBDF(0x1234, 0xab, 31, 7);
    unsigned int domid;
    lfv_sbdf_t vs;

    CHECK_EQ(lfv_pdev_add(sys, a), 0);
    CHECK_EQ(lfv_pdev_add(sys, a), -EEXIST);
    CHECK_EQ(lfv_pdev_add(sys, far), 0); /* any segment and bus */
    CHECK_EQ(lfv_system_add_hook(sys, &test_hook), -EBUSY);
    CHECK_EQ(lfv_system_nr_pdevs(sys), 2);
    CHECK_EQ(lfv_domain_nr_devices(hwdom), 2);
    CHECK_EQ(lfv_pdev_owner(sys, a, &domid, &vs), 0);
    CHECK_EQ(domid, 0);
    CHECK_EQ(vs, a);

    /* handled register, by physical SBDF; the rest reaches hardware */
    CHECK_EQ(lfv_conf_read(hwdom, a, 0x40, 4), (0u << 24) | (a & 0xffff));
    CHECK_EQ(lfv_conf_read(hwdom, far, 0x40, 4), far & 0xffff);
    CHECK_EQ(lfv_conf_read(hwdom, a, 0x44, 4), hw_pattern(a, 0x44));
    CHECK_EQ(lfv_conf_read(hwdom, a, 0x0, 2), hw_pattern(a, 0) & 0xffff);
    /* a device without vPCI state: straight to hardware */
    CHECK_EQ(lfv_conf_read(hwdom, LFV_SBDF(0, 9, 0, 0), 0x40, 4),
             hw_pattern(LFV_SBDF(0, 9, 0, 0), 0x40));
    hw_writes = 0;
    lfv_conf_write(hwdom, LFV_SBDF(0, 9, 0, 0), 0x10, 4, 1);
    lfv_conf_write(hwdom, a, 0x48, 2, 1);
    CHECK_EQ(hw_writes, 2);
    /* bad sizes */
    CHECK_EQ(lfv_conf_read(hwdom, a, 0x40, 3), 0xffffffff);
    CHECK_EQ(lfv_conf_read(hwdom, a, 4095, 2), 0xffffffff);
    CHECK_EQ(lfv_pdev_remove(sys, far), 0);
    CHECK_EQ(lfv_pdev_remove(sys, far), -ENOENT);
    CHECK_EQ(lfv_pdev_owner(sys, far, &domid, NULL), -ENOENT);
}

static void test_guest_bus(void)
{
    lfv_sbdf_t devs[33];
    unsigned int domid;
    lfv_sbdf_t vs;

    for (unsigned int i = 0; i < 33; i++) {
        devs[i] = LFV_SBDF(0, 0x10 + i, 0, 0);
        CHECK_EQ(lfv_pdev_add(sys, devs[i]), 0);
    }
    CHECK_EQ(lfv_pdev_add(sys, LFV_SBDF(0, 0x10, 0, 1)), 0);
    CHECK_EQ(lfv_pdev_assign(sys, LFV_SBDF(0, 0x10, 0, 1), g1), -EOPNOTSUPP);
    CHECK_EQ(lfv_pdev_assign(sys, LFV_SBDF(0, 0x77, 0, 0), g1), -ENOENT);

    /* lowest free slot first, 32 of them */
    for (unsigned int i = 0; i < 32; i++) {
        CHECK_EQ(lfv_pdev_assign(sys, devs[i], g1), 0);
        CHECK_EQ(lfv_pdev_owner(sys, devs[i], &domid, &vs), 0);
        CHECK_EQ(domid, 1);
        CHECK_EQ(vs, LFV_SBDF(0, 0, i, 0));
    }
    CHECK_EQ(lfv_pdev_assign(sys, devs[32], g1), -ENOSPC);
    CHECK_EQ(lfv_pdev_owner(sys, devs[32], &domid, NULL), 0);
    CHECK_EQ(domid, 0); /* still the hardware domain's */
    CHECK_EQ(lfv_domain_nr_devices(g1), 32);

    /* the guest sees 0000:00:SS.0 with its own handler set */
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 5, 0), 0x40, 4),
             (1u << 24) | LFV_SBDF(0, 0, 5, 0));
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 5, 0), 0x44, 4),
             (1u << 24) | LFV_SBDF(0, 0, 5, 0));
    /* unhandled bytes read all-ones, writes are dropped */
    hw_writes = 0;
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 5, 0), 0x0, 4), 0xffffffff);
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 5, 0), 0x48, 2), 0xffff);
    lfv_conf_write(g1, LFV_SBDF(0, 0, 5, 0), 0x0, 4, 0);
    lfv_conf_write(g1, LFV_SBDF(0, 0, 5, 0), 0x3e, 4, 0);
    CHECK_EQ(hw_writes, 0);
    /* nothing else translates: other functions, buses, segments */
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 5, 1), 0x40, 4), 0xffffffff);
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 1, 5, 0), 0x40, 4), 0xffffffff);
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(1, 0, 5, 0), 0x40, 4), 0xffffffff);
    /* the physical SBDF means nothing to a guest */
    CHECK_EQ(lfv_conf_read(g1, devs[5], 0x40, 4), 0xffffffff);
    /* the hardware domain no longer has handlers for a guest's device */
    CHECK_EQ(lfv_conf_read(hwdom, devs[5], 0x40, 4), hw_pattern(devs[5], 0x40));

    /* de-assign frees the slot; the next device takes the lowest free */
    CHECK_EQ(lfv_pdev_assign(sys, devs[3], hwdom), 0);
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 3, 0), 0x40, 4), 0xffffffff);
    CHECK_EQ(lfv_pdev_assign(sys, devs[32], g1), 0);
    CHECK_EQ(lfv_pdev_owner(sys, devs[32], NULL, &vs), 0);
    CHECK_EQ(vs, LFV_SBDF(0, 0, 3, 0));

    /* a second guest sees only its own device at its slot 0 */
    CHECK_EQ(lfv_pdev_assign(sys, devs[3], g2), 0);
    CHECK_EQ(lfv_conf_read(g2, LFV_SBDF(0, 0, 0, 0), 0x40, 4),
             (2u << 24) | LFV_SBDF(0, 0, 0, 0));
    CHECK_EQ(lfv_conf_read(g2, LFV_SBDF(0, 0, 1, 0), 0x40, 4), 0xffffffff);
    /* moving between guests: slot freed in one, taken in the other */
    CHECK_EQ(lfv_pdev_assign(sys, devs[0], g2), 0);
    CHECK_EQ(lfv_conf_read(g2, LFV_SBDF(0, 0, 1, 0), 0x40, 4),
             (2u << 24) | LFV_SBDF(0, 0, 1, 0));
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 0, 0), 0x40, 4), 0xffffffff);

    /* a failing init hook leaves the device where it was */
    fail_next_init = 1;
    CHECK_EQ(lfv_pdev_assign(sys, devs[0], g1), -EIO);
    CHECK_EQ(lfv_pdev_owner(sys, devs[0], &domid, &vs), 0);
    CHECK_EQ(domid, 2);
    CHECK_EQ(vs, LFV_SBDF(0, 0, 1, 0));
    CHECK_EQ(lfv_conf_read(g2, LFV_SBDF(0, 0, 1, 0), 0x40, 4),
             (2u << 24) | LFV_SBDF(0, 0, 1, 0));
    CHECK_EQ(lfv_domain_nr_devices(g1), 31);

    /* unowned */
    CHECK_EQ(lfv_pdev_assign(sys, devs[0], NULL), 0);
    CHECK_EQ(lfv_pdev_owner(sys, devs[0], &domid, NULL), 0);
    CHECK_EQ(domid, LFV_DOMID_INVALID);
    CHECK_EQ(lfv_conf_read(hwdom, devs[0], 0x40, 4), hw_pattern(devs[0], 0x40));

    /* hot-unplug of a guest's device frees its slot */
    CHECK_EQ(lfv_pdev_remove(sys, devs[10]), 0);
    CHECK_EQ(lfv_conf_read(g1, LFV_SBDF(0, 0, 10, 0), 0x40, 4), 0xffffffff);
    CHECK_EQ(lfv_domain_nr_devices(g1), 30);
    CHECK_EQ(lfv_pdev_assign(sys, devs[0], g1), 0);
    CHECK_EQ(lfv_pdev_owner(sys, devs[0], NULL, &vs), 0);
    CHECK_EQ(vs, LFV_SBDF(0, 0, 0, 0));
}

static void test_ecam(void)
{
    uint64_t v = 0;
    /* 00:05.0 of g1, register 0x40 */
    const uint64_t off = (0ull << 20) | (5ull << 15) | (0 << 12) | 0x40;

    CHECK_EQ(lfv_ecam_read(g1, off, 4, &v), 0);
    CHECK_EQ(v, (1u << 24) | LFV_SBDF(0, 0, 5, 0));
    CHECK_EQ(lfv_ecam_read(g1, off, 8, &v), 0);
    CHECK_EQ(v, ((uint64_t)((1u << 24) | LFV_SBDF(0, 0, 5, 0)) << 32) |
                    ((1u << 24) | LFV_SBDF(0, 0, 5, 0)));
    CHECK_EQ(lfv_ecam_read(g1, off + 2, 2, &v), 0);
    CHECK_EQ(v, 0x0100);
    /* other buses decode to nothing for a guest */
    CHECK_EQ(lfv_ecam_read(g1, (1ull << 20) | off, 4, &v), 0);
    CHECK_EQ(v, 0xffffffff);
    /* the hardware domain decodes bus/devfn physically */
    CHECK_EQ(lfv_ecam_read(hwdom, (0x3ull << 20) | 0x40, 4, &v), 0);
    CHECK_EQ(v, (0u << 24) | LFV_SBDF(0, 0x3, 0, 0));
    /* ... and reaches hardware for a device a guest owns */
    CHECK_EQ(lfv_ecam_read(hwdom, (0x20ull << 20) | 0x40, 4, &v), 0);
    CHECK_EQ(v, hw_pattern(LFV_SBDF(0, 0x20, 0, 0), 0x40));
    /* refused: bad length, misalignment, outside the window */
    CHECK_EQ(lfv_ecam_read(g1, off, 3, &v), -EINVAL);
    CHECK_EQ(lfv_ecam_read(g1, off + 1, 2, &v), -EINVAL);
    CHECK_EQ(lfv_ecam_read(g1, off + 4, 8, &v), -EINVAL);
    CHECK_EQ(lfv_ecam_read(g1, LFV_ECAM_WINDOW_SIZE, 4, &v), -EINVAL);
    CHECK_EQ(lfv_ecam_read(g1, ~0ull - 3, 4, &v), -EINVAL);
    CHECK_EQ(lfv_ecam_write(g1, off, 16, 0), -EINVAL);
    CHECK_EQ(lfv_ecam_write(g1, off, 8, 0), 0);

    /* the window is Xen on Arm's guest size: 256 buses, the last valid */
    CHECK_EQ(LFV_ECAM_WINDOW_SIZE, 0x10000000u);
    CHECK_EQ(lfv_ecam_read(hwdom, LFV_ECAM_WINDOW_SIZE - 4, 4, &v), 0);
    CHECK_EQ(v, hw_pattern(LFV_SBDF(0, 0xff, 31, 7), 0xffc));
    CHECK_EQ(lfv_ecam_read(hwdom, LFV_ECAM_WINDOW_SIZE - 8, 8, &v), 0);
    CHECK_EQ(v, (uint64_t)hw_pattern(LFV_SBDF(0, 0xff, 31, 7), 0xffc) << 32 |
                    hw_pattern(LFV_SBDF(0, 0xff, 31, 7), 0xff8));
    /*
     * 8 bytes are two 4-byte accesses, low dword first: a handled register
     * and the hardware's next dword; a write reaches the hardware twice.
     */
    CHECK_EQ(lfv_ecam_read(hwdom, (0x3ull << 20) | 0x40, 8, &v), 0);
    CHECK_EQ(v, (uint64_t)hw_pattern(LFV_SBDF(0, 3, 0, 0), 0x44) << 32 |
                    LFV_SBDF(0, 3, 0, 0));
    hw_writes = 0;
    CHECK_EQ(lfv_ecam_write(hwdom, (0x9ull << 20) | 0x10, 8, ~0ull), 0);
    CHECK_EQ(hw_writes, 2);
}

/* x86 configuration mechanism #1: ports 0xcf8 and 0xcfc-0xcff. */
static void test_pio(void)
{
    /* enabled, bus 0, device 5, function 0, register 0x40 */
    const uint32_t cf8 = 0x80000000u | (5u << 11) | 0x40;
    const uint32_t id = (1u << 24) | LFV_SBDF(0, 0, 5, 0);
    uint32_t v = 0;

    /* what the mechanism claims */
    CHECK(lfv_pio_claims(0xcf8, 4));
    CHECK(!lfv_pio_claims(0xcf8, 1));
    CHECK(!lfv_pio_claims(0xcf8, 2));
    CHECK(!lfv_pio_claims(0xcf9, 1)); /* the reset control register */
    CHECK(!lfv_pio_claims(0xcfb, 1));
    CHECK(lfv_pio_claims(0xcfc, 4));
    CHECK(lfv_pio_claims(0xcfe, 2));
    CHECK(lfv_pio_claims(0xcff, 1));
    CHECK(!lfv_pio_claims(0xd00, 1));
    CHECK(!lfv_pio_claims(0xcf4, 4));

    /* the latch: per domain, 0 at first, reads back as written */
    CHECK_EQ(lfv_pio_read(g1, 0xcf8, 4, &v), 0);
    CHECK_EQ(v, 0);
    /* disabled: no configuration access, nothing done */
    v = 0;
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), -ENODEV);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 4, cf8 & ~0x80000000u), 0);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), -ENODEV);
    CHECK_EQ(lfv_pio_write(g1, 0xcfc, 4, 0), -ENODEV);

    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 4, cf8), 0);
    CHECK_EQ(lfv_pio_read(g1, 0xcf8, 4, &v), 0);
    CHECK_EQ(v, cf8);
    CHECK_EQ(lfv_pio_read(g2, 0xcf8, 4, &v), 0);
    CHECK_EQ(v, 0);
    /* the guest's virtual 00:05.0, register 0x40, by every port and size */
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), 0);
    CHECK_EQ(v, id);
    CHECK_EQ(lfv_pio_read(g1, 0xcfe, 2, &v), 0);
    CHECK_EQ(v, id >> 16);
    CHECK_EQ(lfv_pio_read(g1, 0xcfd, 1, &v), 0);
    CHECK_EQ(v, (id >> 8) & 0xff);
    /* misaligned for its register: all-ones, dropped, still handled */
    CHECK_EQ(lfv_pio_read(g1, 0xcfd, 2, &v), 0);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(lfv_pio_read(g1, 0xcfe, 4, &v), 0);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(lfv_pio_read(g1, 0xcff, 4, &v), 0);
    CHECK_EQ(v, 0xffffffff);
    /* AMD's extended register bits are ignored: still register 0x40 */
    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 4, cf8 | 0x0f000000u), 0);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), 0);
    CHECK_EQ(v, id);
    /* latch bits 1:0 are not the register's: the port gives those */
    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 4, cf8 | 3), 0);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), 0);
    CHECK_EQ(v, id);
    /* another bus decodes to nothing for a guest */
    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 4, cf8 | (1u << 16)), 0);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, &v), 0);
    CHECK_EQ(v, 0xffffffff);
    /* the hardware domain decodes physically and reaches the hardware */
    CHECK_EQ(lfv_pio_write(hwdom, 0xcf8, 4, 0x80000000u | (0x3u << 16) | 0x40),
             0);
    CHECK_EQ(lfv_pio_read(hwdom, 0xcfc, 4, &v), 0);
    CHECK_EQ(v, LFV_SBDF(0, 0x3, 0, 0));
    CHECK_EQ(lfv_pio_write(hwdom, 0xcf8, 4, 0x80000000u | (0x9u << 16) | 0x44),
             0);
    CHECK_EQ(lfv_pio_read(hwdom, 0xcfe, 2, &v), 0);
    CHECK_EQ(v, hw_pattern(LFV_SBDF(0, 9, 0, 0), 0x44) >> 16);
    hw_writes = 0;
    CHECK_EQ(lfv_pio_write(hwdom, 0xcfc, 4, 1), 0);
    CHECK_EQ(lfv_pio_write(hwdom, 0xcfd, 2, 1), 0); /* misaligned: dropped */
    CHECK_EQ(hw_writes, 1);

    /* refused: not claimed, bad size, NULL */
    v = 0;
    CHECK_EQ(lfv_pio_read(g1, 0xcf9, 1, &v), -EINVAL);
    CHECK_EQ(v, 0xffffffff);
    CHECK_EQ(lfv_pio_write(g1, 0xcf8, 2, 0), -EINVAL);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 3, &v), -EINVAL);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 8, &v), -EINVAL);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 0, &v), -EINVAL);
    CHECK_EQ(lfv_pio_read(g1, 0xcfc, 4, NULL), -EINVAL);
    CHECK_EQ(lfv_pio_read(NULL, 0xcfc, 4, &v), -EINVAL);
    CHECK_EQ(lfv_pio_write(NULL, 0xcf8, 4, 0), -EINVAL);
    /* a refused latch write left the latch alone */
    CHECK_EQ(lfv_pio_read(g1, 0xcf8, 4, &v), 0);
    CHECK_EQ(v, cf8 | (1u << 16));
}

/* Repeated assignment cycles exhaust nothing. */
static void test_cycles(void)
{
    const lfv_sbdf_t d = LFV_SBDF(0, 0x80, 0, 0);

    CHECK_EQ(lfv_pdev_add(sys, d), 0);
    for (unsigned int i = 0; i < 5000; i++) {
        int rc = lfv_pdev_assign(sys, d, i % 2 ? g2 : hwdom);

        if (rc) {
            CHECK_EQ(rc, 0);
            break;
        }
        if (i % 100 == 99) {
            CHECK_EQ(lfv_pdev_remove(sys, d), 0);
            CHECK_EQ(lfv_pdev_add(sys, d), 0);
        }
    }
    lfv_rcu_barrier();
}

/*
 * Hooks in priority order (equal priorities in registration order), any
 * number of them, each with its own state per domain, created with the
 * domain and freed after it; a failing domain_init fails the creation and
 * undoes the hooks before it.
 */
#define ORDER_HOOKS 12
static char order_log[ORDER_HOOKS + 1];
static unsigned int order_len, dom_inits, dom_finis;
static int fail_domain_init = -1; /* the hook index whose domain_init fails */
static struct lfv_vpci_hook order_hooks[ORDER_HOOKS];

/* Hook i's init and domain_init log 'a' + i; domain_init sets its state. */
#define ORDER_HOOK(i)                                                       \
    static int order_init_##i(struct lfv_vpci *v, struct lfv_regs_edit *e)  \
    {                                                                       \
        (void)v, (void)e;                                                   \
        if (order_len < ORDER_HOOKS)                                        \
            order_log[order_len++] = (char)('a' + (i));                     \
        return 0;                                                           \
    }                                                                       \
    static int order_domain_init_##i(struct lfv_domain *d, void **priv)     \
    {                                                                       \
        (void)d;                                                            \
        if ((i) == fail_domain_init)                                        \
            return -ENOSPC;                                                 \
        *priv = &order_hooks[i];                                            \
        dom_inits++;                                                        \
        return 0;                                                           \
    }
ORDER_HOOK(0) ORDER_HOOK(1) ORDER_HOOK(2) ORDER_HOOK(3) ORDER_HOOK(4)
ORDER_HOOK(5) ORDER_HOOK(6) ORDER_HOOK(7) ORDER_HOOK(8) ORDER_HOOK(9)
ORDER_HOOK(10) ORDER_HOOK(11)
#define ORDER_FNS(i) { order_init_##i, order_domain_init_##i }
static const struct {
    int (*init)(struct lfv_vpci *v, struct lfv_regs_edit *e);
    int (*domain_init)(struct lfv_domain *d, void **priv);
} order_fns[ORDER_HOOKS] = {
    ORDER_FNS(0), ORDER_FNS(1), ORDER_FNS(2), ORDER_FNS(3),
    ORDER_FNS(4), ORDER_FNS(5), ORDER_FNS(6), ORDER_FNS(7),
    ORDER_FNS(8), ORDER_FNS(9), ORDER_FNS(10), ORDER_FNS(11),
};

static void order_domain_fini(struct lfv_domain *d, void *priv)
{
    (void)d;
    CHECK(priv >= (void *)&order_hooks[0] &&
          priv < (void *)&order_hooks[ORDER_HOOKS]);
    dom_finis++;
}

static void test_hook_order(void)
{
    const struct lfv_system_params p = { .hw_ops = &hw_ops, .hw = NULL };
    /* priorities of hooks a..l: the inits run in this order: */
    static const int prio[ORDER_HOOKS] = { 20, 10, 20, 30, 5, 10,
                                           30, 5, 20, 10, 30, 5 };
    static const char expect[] = "ehlbfjacidgk";
    struct lfv_system *s;
    struct lfv_domain *hw, *bad;

    for (unsigned int i = 0; i < ORDER_HOOKS; i++)
        order_hooks[i] = (struct lfv_vpci_hook){
            .name = "order", .init = order_fns[i].init, .priority = prio[i],
            .domain_init = order_fns[i].domain_init,
            .domain_fini = order_domain_fini };
    CHECK_EQ(lfv_system_create(&p, &s), 0);
    for (unsigned int i = 0; i < ORDER_HOOKS; i++)
        CHECK_EQ(lfv_system_add_hook(s, &order_hooks[i]), 0);
    CHECK_EQ(lfv_system_add_hook(s, &order_hooks[3]), -EEXIST);

    /* a failing domain_init: no domain, the earlier states freed */
    fail_domain_init = 4; /* 'e', priority 5: the first to run */
    CHECK_EQ(lfv_domain_create(s, 0, true, &bad), -ENOSPC);
    CHECK_EQ(dom_inits, 0);
    fail_domain_init = 0; /* 'a': after e, h, l, b, f, j */
    CHECK_EQ(lfv_domain_create(s, 0, true, &bad), -ENOSPC);
    CHECK_EQ(dom_inits, 6);
    CHECK_EQ(dom_finis, 6);
    fail_domain_init = -1;
    dom_inits = dom_finis = 0;

    CHECK_EQ(lfv_domain_create(s, 0, true, &hw), 0);
    CHECK_EQ(dom_inits, ORDER_HOOKS);
    for (unsigned int i = 0; i < ORDER_HOOKS; i++)
        CHECK(lfv_domain_priv(hw, &order_hooks[i]) == &order_hooks[i]);
    CHECK(lfv_domain_priv(hw, &test_hook) == NULL); /* not registered */
    CHECK_EQ(lfv_system_add_hook(s, &test_hook), -EBUSY); /* domains exist */

    CHECK_EQ(lfv_pdev_add(s, LFV_SBDF(0, 1, 0, 0)), 0);
    CHECK_EQ(order_len, ORDER_HOOKS);
    CHECK(memcmp(order_log, expect, ORDER_HOOKS) == 0);
    if (memcmp(order_log, expect, ORDER_HOOKS))
        printf("hook order: %s, expected %s\n", order_log, expect);

    lfv_domain_destroy(hw);
    lfv_rcu_barrier(); /* the domain's deferred free (its hooks' fini) */
    CHECK_EQ(dom_finis, ORDER_HOOKS);
    lfv_system_destroy(s);
}

int main(void)
{
    lfv_rcu_register_thread();
    setup();
    test_hwdom();
    test_guest_bus();
    test_ecam();
    test_pio();
    test_cycles();
    test_hook_order();
    lfv_domain_destroy(g2);
    CHECK_EQ(lfv_domain_nr_devices(g1), 31);
    lfv_system_destroy(sys);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
