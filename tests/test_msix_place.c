/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X placement (issue 11, defect 3): a table or PBA must lie entirely
 * inside an implemented memory BAR (core/msix_place.h).  Otherwise the
 * device's MSI-X is never trusted: a guest cannot be given the device
 * (-EINVAL), the hardware domain keeps it with MSI-X held off in hardware
 * and nothing of it trapped; the loaders refuse such devices.
 *
 * The simulated bridge itself refuses such devices, so the engine's side
 * is tested through hardware ops that wrap it and show a device's MSI-X
 * table and PBA registers with other values (a device with a bad
 * capability, as real hardware may have).
 */
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "core/msix_place.h"
#include "tests/check.h"

#define MSIX 0x70
#define MSIX_EN 0x8000

/* ---- the shared check itself ---- */

static void test_check(void)
{
    const struct lfv_msix_bar b[6] = {
        { LFV_MSIX_BAR_MEM, 0x4000 }, { LFV_MSIX_BAR_IO, 0x20 },
        { LFV_MSIX_BAR_MEM, 0x10000 }, { LFV_MSIX_BAR_MEM64_HI, 0 },
        { LFV_MSIX_BAR_NONE, 0 }, { LFV_MSIX_BAR_MEM, 0x1000 },
    };
    const char *why = NULL;

    CHECK_EQ(lfv_msix_place_check(b, 0, 0, 0x4000, &why), 0);
    CHECK(why == NULL);
    CHECK_EQ(lfv_msix_place_check(b, 0, 0x3ff8, 8, NULL), 0);
    CHECK_EQ(lfv_msix_place_check(b, 5, 0x800, 0x800, NULL), 0);
    CHECK_EQ(lfv_msix_place_check(b, 0, 0x4000, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "past the end"));
    CHECK_EQ(lfv_msix_place_check(b, 0, 0x3ff8, 16, NULL), -EINVAL);
    CHECK_EQ(lfv_msix_place_check(b, 0, 0xfffffff8u, 16, NULL), -EINVAL);
    CHECK_EQ(lfv_msix_place_check(b, 0, 0, 0, NULL), -EINVAL);
    CHECK_EQ(lfv_msix_place_check(b, 0, UINT64_MAX & ~7ull, 16, NULL),
             -EINVAL);
    CHECK_EQ(lfv_msix_place_check(b, 1, 0, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "I/O"));
    CHECK_EQ(lfv_msix_place_check(b, 3, 0, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "upper half"));
    CHECK_EQ(lfv_msix_place_check(b, 4, 0, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "not implement"));
    for (unsigned int bir = 6; bir < 8; bir++) {
        CHECK_EQ(lfv_msix_place_check(b, bir, 0, 8, &why), -EINVAL);
        CHECK(why && strstr(why, "reserved"));
    }
    {
        unsigned int bir[2] = { 0, 0 };
        uint64_t off[2] = { 0, 0x80 }, size[2] = { 0x80, 8 };

        CHECK_EQ(lfv_msix_place_check_both(b, bir, off, size, &why), 0);
        off[1] = 0x78;
        CHECK_EQ(lfv_msix_place_check_both(b, bir, off, size, &why),
                 -EINVAL);
        CHECK(why && strstr(why, "overlap"));
        bir[1] = 2; /* another BAR: no overlap */
        CHECK_EQ(lfv_msix_place_check_both(b, bir, off, size, NULL), 0);
    }
}

/* ---- the engine, on hardware showing other table/PBA registers ---- */

static struct lfv_sim_bridge *br;
static const lfv_sbdf_t X = LFV_SBDF(0, 4, 0, 0);
static uint32_t fake_table, fake_pba; /* what X's registers read */

static uint32_t fake_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    uint32_t v = lfv_sim_hw_ops()->read(hw, sbdf, reg, size);

    if (sbdf == X && reg == MSIX + 4 && size == 4)
        return fake_table;
    if (sbdf == X && reg == MSIX + 8 && size == 4)
        return fake_pba;
    return v;
}

static void fake_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops fake_ops = { fake_read, fake_write };

/* BAR 0: 16 KiB, BAR 1: I/O, BARs 2-3: 64-bit, BAR 4: none, BAR 5: 4 KiB */
static const struct lfv_sim_device_desc dev_x = {
    .vendor = 0x8086, .device = 0x10c9, .class_code = 0x020000,
    .bar = {
        { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0000000 },
        { LFV_SIM_BAR_IO, false, 0x20, 0x1000 },
        { LFV_SIM_BAR_MEM64, true, 0x10000, 0x400000000ull },
        [5] = { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0100000 },
    },
    .msix = { true, 8, 0, 0, 0, 0x2000 }, /* 128-byte table, 8-byte PBA */
};

struct place_case {
    const char *what;
    uint32_t table, pba; /* offset | BIR */
    bool ok;
};

static const struct place_case cases[] = {
    { "as built", 0x0, 0x2000, true },
    { "table and PBA at the ends of BAR 0", 0x3f80, 0x3f78, true },
    { "in the 64-bit BAR and BAR 5", 0x8000 | 2, 0xff8 | 5, true },
    { "PBA past the end of its BAR", 0x0, 0x4000, false },
    { "table across the end of its BAR", 0x3f88, 0x2000, false },
    { "PBA in BAR 5, past its end", 0x0, 0x1000 | 5, false },
    { "table in the I/O BAR", 0x0 | 1, 0x2000, false },
    { "PBA in the I/O BAR", 0x0, 0x0 | 1, false },
    { "table in the upper half of the 64-bit BAR", 0x0 | 3, 0x2000, false },
    { "PBA in an unimplemented BAR", 0x0, 0x0 | 4, false },
    { "table BIR 6", 0x0 | 6, 0x2000, false },
    { "PBA BIR 7", 0x0, 0x0 | 7, false },
    { "table and PBA overlapping", 0x0, 0x40, false },
};

static void test_engine(void)
{
    struct lfv_system_params p = { .hw_ops = &fake_ops };
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *g1;

    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    p.hw = br;
    CHECK_EQ(lfv_sim_add(br, X, &dev_x), 0);
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msi_hook), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_msix_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &g1), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct place_case *c = &cases[i];
        unsigned int domid = 99;
        unsigned long before = check_failed;
        uint64_t v;

        fake_table = c->table;
        fake_pba = c->pba;
        CHECK_EQ(lfv_pdev_add(sys, X), 0);
        /* the hardware domain: MSI-X works, or stays off whatever it does */
        lfv_conf_write(hwdom, X, MSIX + 2, 2, MSIX_EN);
        CHECK_EQ(lfv_conf_read(hwdom, X, MSIX + 2, 2) & MSIX_EN,
                 c->ok ? MSIX_EN : 0);
        CHECK_EQ(lfv_sim_cfg_read(br, X, MSIX + 2, 2) & MSIX_EN,
                 c->ok ? MSIX_EN : 0);
        CHECK_EQ(lfv_domain_msix_regions(hwdom), c->ok ? 2 : 0);
        CHECK_EQ(lfv_msix_mmio_read(hwdom, 0xe0000000 + 12, 4, &v),
                 c->ok && c->table == 0 ? 0 : -ENOENT);
        lfv_conf_write(hwdom, X, MSIX + 2, 2, 0);
        /* a guest: the device, or a clear refusal and nothing changed */
        CHECK_EQ(lfv_pdev_assign(sys, X, g1), c->ok ? 0 : -EINVAL);
        CHECK_EQ(lfv_pdev_owner(sys, X, &domid, NULL), 0);
        CHECK_EQ(domid, c->ok ? 1 : 0);
        CHECK_EQ(lfv_domain_nr_devices(g1), c->ok ? 1 : 0);
        CHECK_EQ(lfv_domain_msix_regions(g1), c->ok ? 2 : 0);
        CHECK_EQ(lfv_pdev_remove(sys, X), 0);
        if (check_failed != before)
            fprintf(stderr, "  case: %s\n", c->what);
    }
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
}

/* ---- the loaders ---- */

/* Intel 82576 (pciutils' tests/cap-pcie-2), the first 256 bytes. */
static const char dump_head[] =
    "01:00.0 Ethernet controller: Intel Corporation Device 10c9 (rev 01)\n"
    "\tRegion 0: Memory at e0800000 (32-bit, non-prefetchable) [size=128K]\n"
    "\tRegion 1: Memory at e0000000 (32-bit, non-prefetchable) [size=4M]\n"
    "\tRegion 2: I/O ports at 1020 [size=32]\n";
static const char dump_tail[] =
    "\tCapabilities: [70] MSI-X: Enable+ Mask- TabSize=10\n"
    "00: 86 80 c9 10 07 04 10 00 01 00 00 02 10 00 80 00\n"
    "10: 00 00 80 e0 00 00 00 e0 21 10 00 00 00 00 84 e0\n"
    "20: 00 00 00 00 00 00 00 00 00 00 00 00 86 80 3c a0\n"
    "30: 00 00 00 00 40 00 00 00 00 00 00 00 0b 01 00 00\n"
    "40: 01 50 23 c8 00 20 00 1a 00 00 00 00 00 00 00 00\n"
    "50: 05 70 80 01 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "60: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "70: 11 00 09 80 03 00 00 00 %s 00 00 00 00 00 00\n"
    "80: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "90: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "a0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "b0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "c0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "d0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "e0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "f0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";

/* The dump with Region 3's size and the PBA register's low bytes. */
static int load(const char *bar3_size, const char *pba)
{
    static char text[4096];
    struct lfv_sim_bridge *b;
    int n, rc;

    n = snprintf(text, sizeof(text), "%s\tRegion 3: Memory at e0840000 "
                 "(32-bit, non-prefetchable) [size=%s]\n", dump_head,
                 bar3_size);
    snprintf(text + n, sizeof(text) - n, dump_tail, pba);
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    rc = lfv_sim_add_lspci(b, text, strlen(text), LFV_SIM_SBDF_AUTO, NULL);
    CHECK_EQ(lfv_sim_nr_devices(b), rc ? 0 : 1);
    lfv_sim_bridge_destroy(b);
    return rc;
}

static void test_loaders(void)
{
    CHECK_EQ(load("16K", "03 20"), 0);       /* as dumped: PBA at 8 KiB */
    CHECK_EQ(load("8K", "03 20"), -EINVAL);  /* PBA past BAR 3's end */
    CHECK_EQ(load("16K", "02 20"), -EINVAL); /* PBA in the I/O BAR */
    CHECK_EQ(load("16K", "04 20"), -EINVAL); /* PBA in no BAR */
    CHECK_EQ(load("16K", "06 20"), -EINVAL); /* BIR 6 */
    CHECK_EQ(load("16K", "03 00"), -EINVAL); /* PBA inside the table */
}

int main(void)
{
    lfv_rcu_register_thread();
    test_check();
    test_engine();
    test_loaders();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
