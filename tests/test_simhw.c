/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated host bridge behaves like PCI hardware: BAR sizing (32-bit,
 * 64-bit, above 4 GiB, I/O, ROM), read-only identity, RW1C status, command
 * bits, capability chains and their writable fields, multi-function
 * devices, MSI-X table and PBA through MMIO with decoding on and off,
 * absent devices, hot add/remove, and clean errors on bad input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lfvpci/access.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/testing.h>

#include "tests/check.h"

static struct lfv_sim_bridge *b;

#define NIC LFV_SBDF(0, 0, 2, 0)
#define NIC_FN1 LFV_SBDF(0, 0, 2, 1)
#define T_BAR4 0x100000000ull /* 1 MiB 64-bit BAR placed above 4 GiB */

static uint32_t rd(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    return lfv_sim_cfg_read(b, s, reg, size);
}

static void wr(lfv_sbdf_t s, unsigned int reg, unsigned int size,
               uint32_t val)
{
    lfv_sim_cfg_write(b, s, reg, size, val);
}

/* The sizing probe: write all-ones, read back, restore. */
static uint32_t probe(lfv_sbdf_t s, unsigned int reg)
{
    uint32_t old = rd(s, reg, 4), val;

    wr(s, reg, 4, 0xffffffffu);
    val = rd(s, reg, 4);
    wr(s, reg, 4, old);
    return val;
}

static struct lfv_sim_device_desc nic_desc(void)
{
    struct lfv_sim_device_desc d = {
        .vendor = 0x8086, .device = 0x1234, .subsys_vendor = 0x1043,
        .subsys_device = 0x8712, .class_code = 0x020000, .revision = 3,
        .multifunction = true, .interrupt_pin = 1,
        .bar = {
            [0] = { LFV_SIM_BAR_MEM32, false, 16 << 10, 0xfe000000u },
            [1] = { LFV_SIM_BAR_IO, false, 32, 0xe000 },
            [2] = { LFV_SIM_BAR_MEM64, true, 8ull << 30, 0x4000000000ull },
            [4] = { LFV_SIM_BAR_MEM64, false, 1 << 20, T_BAR4 },
        },
        .rom_size = 64 << 10, .rom_addr = 0xfd000000u,
        .pm = true,
        .msi = { true, true, true, 4 },
        .msix = { true, 8, 4, 0x0, 4, 0x1000 },
        .pcie = true, .pcie_type = LFV_SIM_PCIE_ENDPOINT, .aer = true,
    };
    return d;
}

static void test_identity_and_bars(void)
{
    CHECK_EQ(rd(NIC, 0x00, 4), 0x12348086u);
    wr(NIC, 0x00, 4, 0);
    CHECK_EQ(rd(NIC, 0x00, 4), 0x12348086u); /* IDs are read-only */
    wr(NIC, 0x08, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x08, 4), 0x02000003u); /* class, revision */
    CHECK_EQ(rd(NIC, 0x0e, 1), 0x80);         /* multi-function */
    CHECK_EQ(rd(NIC, 0x2c, 4), 0x87121043u);

    CHECK_EQ(probe(NIC, 0x10), 0xffffc000u);  /* 16 KiB, 32-bit */
    CHECK_EQ(rd(NIC, 0x10, 4), 0xfe000000u);  /* restored */
    CHECK_EQ(probe(NIC, 0x14), 0xffffffe1u);  /* 32 bytes of I/O */
    CHECK_EQ(probe(NIC, 0x18), 0x0000000cu);  /* 8 GiB: no low bits */
    CHECK_EQ(probe(NIC, 0x1c), 0xfffffffeu);
    CHECK_EQ(rd(NIC, 0x1c, 4), 0x40);         /* high half restored */
    CHECK_EQ(probe(NIC, 0x20), 0xfff00004u);  /* 1 MiB, 64-bit */
    CHECK_EQ(probe(NIC, 0x24), 0xffffffffu);
    CHECK_EQ(probe(NIC, 0x28), 0);             /* BAR 5 not implemented */
    CHECK_EQ(probe(NIC, 0x30), 0xffff0001u);  /* 64 KiB ROM + enable */
    CHECK_EQ(rd(NIC, 0x30, 4), 0xfd000000u);
    /* Partial writes decode too: the byte below the size stays 0. */
    wr(NIC, 0x11, 1, 0xff);
    CHECK_EQ(rd(NIC, 0x10, 4), 0xfe00c000u);
    wr(NIC, 0x10, 4, 0xfe000000u);
    CHECK_EQ(lfv_sim_bar_size(b, NIC, 2), 8ull << 30);
    CHECK_EQ(lfv_sim_bar_size(b, NIC, 6), 64 << 10);
}

static void test_command_status_line(void)
{
    wr(NIC, 0x04, 2, 0xffff);
    CHECK_EQ(rd(NIC, 0x04, 2), 0x057f);
    wr(NIC, 0x04, 2, 0);
    CHECK_EQ(rd(NIC, 0x04, 2), 0);
    CHECK_EQ(rd(NIC, 0x06, 2), 0x0010); /* capability list, RO */
    wr(NIC, 0x3c, 1, 0x0b);
    CHECK_EQ(rd(NIC, 0x3c, 2), 0x010b); /* line RW, pin RO */
}

static const char status_dump[] =
    "00:1f.0 Non-VGA unclassified device [0000]: Test\n"
    "\tRegion 0: Memory at f0000000 (32-bit, non-prefetchable) [size=4K]\n"
    "00: 86 80 34 12 00 00 10 f9 01 00 00 02 00 00 00 00\n"
    "10: 00 00 00 f0 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
    "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";

static void test_rw1c_status(void)
{
    lfv_sbdf_t s = 0;

    CHECK_EQ(lfv_sim_add_lspci(b, status_dump, strlen(status_dump),
                               LFV_SIM_SBDF_AUTO, &s), 0);
    CHECK_EQ(s, LFV_SBDF(0, 0, 0x1f, 0));
    CHECK_EQ(rd(s, 0x06, 2), 0xf910);
    wr(s, 0x06, 2, 0x0100); /* clears bit 8 only */
    CHECK_EQ(rd(s, 0x06, 2), 0xf810);
    wr(s, 0x07, 1, 0x00);   /* writing 0 keeps */
    CHECK_EQ(rd(s, 0x06, 2), 0xf810);
    wr(s, 0x06, 2, 0xffff); /* RO bit 4 survives */
    CHECK_EQ(rd(s, 0x06, 2), 0x0010);
    CHECK_EQ(probe(s, 0x10), 0xfffff000u);
    CHECK_EQ(rd(s, 0x100, 4), 0xffffffffu); /* conventional: no ext space */
    CHECK_EQ(lfv_sim_remove(b, s), 0);
}

static void test_capabilities(void)
{
    static const unsigned int want[] = { 0x40, 0x01, 0x50, 0x05,
                                         0x70, 0x11, 0x80, 0x10 };
    unsigned int pos = rd(NIC, 0x34, 1), n = 0;

    while (pos && n < 8) {
        CHECK_EQ(pos, want[n]);
        CHECK_EQ(rd(NIC, pos, 1), want[n + 1]);
        pos = rd(NIC, pos + 1, 1);
        n += 2;
    }
    CHECK_EQ(n, 8);
    CHECK_EQ(pos, 0);
    CHECK_EQ(rd(NIC, 0x100, 4), 0x00020001u); /* AER v2, end of list */
    wr(NIC, 0x50, 2, 0xffff);
    CHECK_EQ(rd(NIC, 0x50, 2), 0x7005);        /* IDs and next RO */

    wr(NIC, 0x52, 2, 0xffff); /* MSI: 64-bit, maskable, 4 vectors */
    CHECK_EQ(rd(NIC, 0x52, 2), 0x01f5);
    wr(NIC, 0x54, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x54, 4), 0xfffffffcu);
    wr(NIC, 0x58, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x58, 4), 0xffffffffu);
    wr(NIC, 0x5c, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x5c, 4), 0xffff);        /* 16-bit data */
    wr(NIC, 0x60, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x60, 4), 0xf);           /* one mask bit a vector */
    wr(NIC, 0x64, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x64, 4), 0);             /* pending RO */
    wr(NIC, 0x52, 2, 0);
    CHECK_EQ(rd(NIC, 0x52, 2), 0x0184);

    wr(NIC, 0x72, 2, 0xffff); /* MSI-X: enable, function mask */
    CHECK_EQ(rd(NIC, 0x72, 2), 0xc007);
    wr(NIC, 0x74, 4, 0xffffffffu);
    CHECK_EQ(rd(NIC, 0x74, 4), 4);             /* table BIR/offset RO */
    wr(NIC, 0x72, 2, 0);
    CHECK_EQ(rd(NIC, 0x72, 2), 7);

    wr(NIC, 0x44, 2, 0xffff); /* PMCSR: state and PME_En */
    CHECK_EQ(rd(NIC, 0x44, 2), 0x0103);
    wr(NIC, 0x44, 2, 0);
    wr(NIC, 0x88, 2, 0xffff); /* PCIe device control, FLR reads 0 */
    CHECK_EQ(rd(NIC, 0x88, 2), 0x7fff);
    wr(NIC, 0x108, 4, 0xffffffffu); /* AER uncorrectable mask */
    CHECK_EQ(rd(NIC, 0x108, 4), 0x07fff030u);
}

static void test_multifunction_and_absent(void)
{
    struct lfv_sim_device_desc d = { .vendor = 0x8086, .device = 0x1235,
                                     .class_code = 0x020000 };

    CHECK_EQ(lfv_sim_add(b, NIC_FN1, &d), 0);
    CHECK_EQ(rd(NIC_FN1, 0x00, 4), 0x12358086u);
    CHECK_EQ(rd(NIC_FN1, 0x0e, 1), 0);
    CHECK_EQ(rd(NIC_FN1, 0x34, 1), 0);
    CHECK_EQ(rd(NIC_FN1, 0x100, 4), 0xffffffffu); /* conventional */
    CHECK_EQ(rd(NIC_FN1, 0xffc, 4), 0xffffffffu);
    CHECK(lfv_sim_present(b, NIC_FN1));

    CHECK_EQ(rd(LFV_SBDF(0, 0, 2, 2), 0, 4), 0xffffffffu);
    CHECK_EQ(rd(LFV_SBDF(1, 0x80, 2, 0), 0, 2), 0xffff);
    CHECK_EQ(rd(LFV_SBDF(0, 0, 3, 0), 3, 1), 0xff);
    wr(LFV_SBDF(0, 0, 3, 0), 0x04, 2, 0x6); /* dropped */
    CHECK_EQ(rd(NIC, 0x00, 3), 0xffffffffu); /* bad size */
    CHECK_EQ(rd(NIC, 0x01, 2), 0xffffffffu); /* misaligned */
    CHECK_EQ(lfv_sim_hw_ops()->read(b, NIC, 0x02, 2), 0x1234);
}

static void test_mmio(void)
{
    uint64_t v, table = T_BAR4, pba = T_BAR4 + 0x1000;

    CHECK_EQ(lfv_sim_mmio_read(b, table + 12, 4, &v), -ENODEV);
    CHECK_EQ(v, 0xffffffffu);
    wr(NIC, 0x04, 2, 0x2); /* memory decoding on */
    CHECK_EQ(lfv_sim_mmio_read(b, table + 12, 4, &v), 0);
    CHECK_EQ(v, 1); /* masked at reset */
    CHECK_EQ(lfv_sim_mmio_write(b, table + 16, 4, 0xfee00003u), 0);
    CHECK_EQ(lfv_sim_mmio_write(b, table + 20, 4, 0x12345678u), 0);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 16, 8, &v), 0);
    CHECK_EQ(v, 0x12345678fee00000ull);
    CHECK_EQ(lfv_sim_mmio_write(b, table + 24, 8, 0xffffffff0000abcdull), 0);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 24, 4, &v), 0);
    CHECK_EQ(v, 0xabcd);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 28, 4, &v), 0);
    CHECK_EQ(v, 1); /* only the mask bit */
    CHECK_EQ(lfv_sim_mmio_write(b, table + 28, 1, 0), 0);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 28, 2, &v), 0);
    CHECK_EQ(v, 0);
    CHECK_EQ(lfv_sim_mmio_write(b, pba, 8, ~0ull), 0);
    CHECK_EQ(lfv_sim_mmio_read(b, pba, 8, &v), 0);
    CHECK_EQ(v, 0); /* PBA read-only */
    CHECK_EQ(lfv_sim_mmio_read(b, T_BAR4 + 0x80000, 4, &v), 0);
    CHECK_EQ(v, 0xffffffffu); /* BAR memory beyond MSI-X */
    CHECK_EQ(lfv_sim_mmio_read(b, T_BAR4 + (1 << 20), 4, &v), -ENODEV);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 2, 4, &v), -EINVAL);

    /* Moving the BAR moves the table. */
    wr(NIC, 0x20, 4, 0xc0000004u);
    wr(NIC, 0x24, 4, 0);
    CHECK_EQ(lfv_sim_mmio_read(b, table + 16, 4, &v), -ENODEV);
    CHECK_EQ(lfv_sim_mmio_read(b, 0xc0000010u, 4, &v), 0);
    CHECK_EQ(v, 0xfee00000u);
    wr(NIC, 0x04, 2, 0); /* decoding off */
    CHECK_EQ(lfv_sim_mmio_read(b, 0xc0000010u, 4, &v), -ENODEV);
    wr(NIC, 0x20, 4, (uint32_t)T_BAR4 | 4);
    wr(NIC, 0x24, 4, (uint32_t)(T_BAR4 >> 32));
}

static void test_engine_gaps(void)
{
    struct lfv_vdev_params p = { .sbdf = NIC, .hw_ops = lfv_sim_hw_ops(),
                                 .hw = b };
    struct lfv_vdev *dev;

    CHECK_EQ(lfv_vdev_create(&p, &dev), 0);
    CHECK_EQ(lfv_vdev_read(dev, 0, 4, LFV_GAP_HW), 0x12348086u);
    CHECK_EQ(lfv_vdev_read(dev, 0, 4, LFV_GAP_DENY), 0xffffffffu);
    lfv_vdev_write(dev, 0x3c, 1, 0x22, LFV_GAP_HW);
    CHECK_EQ(rd(NIC, 0x3c, 1), 0x22);
    lfv_vdev_destroy(dev);
}

static void test_hotplug(void)
{
    struct lfv_sim_device_desc d = nic_desc();
    unsigned int nr = lfv_sim_nr_devices(b);

    CHECK_EQ(lfv_sim_add(b, NIC, &d), -EEXIST);
    CHECK_EQ(lfv_sim_remove(b, NIC_FN1), 0);
    CHECK_EQ(lfv_sim_remove(b, NIC_FN1), -ENOENT);
    CHECK(!lfv_sim_present(b, NIC_FN1));
    CHECK_EQ(rd(NIC_FN1, 0, 4), 0xffffffffu);
    CHECK_EQ(lfv_sim_nr_devices(b), nr - 1);
    d.multifunction = false;
    CHECK_EQ(lfv_sim_add(b, LFV_SBDF(0x10, 0xff, 31, 7), &d), 0);
    CHECK_EQ(rd(LFV_SBDF(0x10, 0xff, 31, 7), 0, 4), 0x12348086u);
    CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0x10, 0xff, 31, 7)), 0);
    CHECK_EQ(lfv_sim_nr_devices(b), nr - 1);
}

/* Every allocation of an add can fail, and the bridge stays as it was. */
static void test_out_of_memory(void)
{
    struct lfv_sim_device_desc d = nic_desc();
    unsigned int nr = lfv_sim_nr_devices(b);
    lfv_sbdf_t s = LFV_SBDF(0, 5, 0, 0);
    int rc = -ENOMEM;

    for (long n = 0; rc == -ENOMEM && n < 50; n++) {
        lfv_test_fail_alloc_after(n);
        rc = lfv_sim_add(b, s, &d);
        lfv_test_fail_alloc_after(-1);
        if (rc == -ENOMEM) {
            CHECK(!lfv_sim_present(b, s));
            CHECK_EQ(lfv_sim_nr_devices(b), nr);
        }
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(lfv_sim_remove(b, s), 0);
}

static void test_bad_desc(void)
{
    unsigned int nr = lfv_sim_nr_devices(b);
    lfv_sbdf_t s = LFV_SBDF(0, 6, 0, 0);
    struct lfv_sim_device_desc d;

    d = nic_desc(), d.bar[0].size = 3000;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL);
    d = nic_desc(), d.bar[0].addr = 0xfe001000u; /* below its size */
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL);
    d = nic_desc(), d.bar[5] = d.bar[4], d.bar[4].type = LFV_SIM_BAR_NONE;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL); /* 64-bit in the last slot */
    d = nic_desc(), d.bar[3].type = LFV_SIM_BAR_IO, d.bar[3].size = 4;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL); /* high half in use */
    d = nic_desc(), d.msix.table_offset = 0xfffc0;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL); /* table outside its BAR */
    d = nic_desc(), d.msix.table_bir = 1;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL); /* table in an I/O BAR */
    d = nic_desc(), d.msi.vectors = 3;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL);
    d = nic_desc(), d.rom_size = 1024;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL);
    d = nic_desc(), d.bar[1].type = LFV_SIM_BAR_MEM32, d.bar[1].size = 8;
    CHECK_EQ(lfv_sim_add(b, s, &d), -EINVAL); /* memory BAR below 16 */
    CHECK_EQ(lfv_sim_add(b, s, NULL), -EINVAL);
    CHECK_EQ(lfv_sim_nr_devices(b), nr);
}

/* lspci text with one line replaced (or removed when with is NULL). */
static int add_edited(const char *line, const char *with)
{
    char buf[2048];
    const char *at = strstr(status_dump, line);
    int n = (int)(at - status_dump);

    snprintf(buf, sizeof(buf), "%.*s%s%s", n, status_dump, with ? with : "",
             at + strlen(line));
    return lfv_sim_add_lspci(b, buf, strlen(buf), LFV_SIM_SBDF_AUTO, NULL);
}

static void test_bad_lspci(void)
{
    unsigned int nr = lfv_sim_nr_devices(b);
    const char *row3 = "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n";
    const char *region = "\tRegion 0: Memory at f0000000 (32-bit, "
                         "non-prefetchable) [size=4K]\n";

    CHECK_EQ(add_edited(row3, NULL), -EINVAL);              /* truncated */
    CHECK_EQ(add_edited(row3, "30: 00 00 zz\n"), -EINVAL);  /* malformed */
    CHECK_EQ(add_edited(row3, "40: 00 00 00 00 00 00 00 00 00 00 00 00 00 "
                              "00 00 00\n"), -EINVAL);      /* out of order */
    CHECK_EQ(add_edited(region, "\tRegion 0: I/O ports at f000 [size=4K]\n"),
             -EINVAL);                                      /* wrong kind */
    CHECK_EQ(add_edited(region, "\tRegion 0: Memory at f0000000 (64-bit, "
                                "non-prefetchable) [size=4K]\n"), -EINVAL);
    CHECK_EQ(add_edited(region, "\tRegion 0: Memory at f0000000 (32-bit, "
                                "non-prefetchable) [size=3K]\n"), -EINVAL);
    CHECK_EQ(add_edited(region, "\tRegion 0: Memory at f0000000 (32-bit, "
                                "non-prefetchable) [size=4Q]\n"), -EINVAL);
    CHECK_EQ(add_edited(region, "\tRegion 9: Memory at f0000000\n"), -EINVAL);
    CHECK_EQ(add_edited("00:1f.0", "zz:1f.0"), -EINVAL);    /* no header */
    CHECK_EQ(lfv_sim_add_lspci(b, "", 0, LFV_SIM_SBDF_AUTO, NULL), -EINVAL);
    CHECK_EQ(lfv_sim_add_lspci_file(b, "/nonexistent/lspci.txt",
                                    LFV_SIM_SBDF_AUTO, NULL), -ENOENT);
    CHECK_EQ(lfv_sim_add_lspci(b, status_dump, strlen(status_dump), NIC,
                               NULL), -EEXIST);
    CHECK_EQ(lfv_sim_nr_devices(b), nr);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_bad_sysfs(void)
{
    char dir[] = "/tmp/simhw-test-XXXXXX", path[128];
    uint8_t cfg[256] = { 0x86, 0x80, 0x34, 0x12 };
    const char *zero = "0x0000000000000000 0x0000000000000000 "
                       "0x0000000000000000\n";
    char res[1024] = "";
    unsigned int nr = lfv_sim_nr_devices(b);

    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    cfg[0x10] = 0x01; /* BAR 0: I/O */
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SBDF(0, 7, 0, 0), NULL), -ENOENT);
    snprintf(path, sizeof(path), "%s/config", dir);
    write_bytes(path, cfg, 32);
    snprintf(path, sizeof(path), "%s/resource", dir);
    strcat(res, "0x000000000000e000 0x000000000000e01f 0x0000000000040101\n");
    for (int i = 0; i < 6; i++)
        strcat(res, zero);
    write_bytes(path, res, strlen(res));
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SBDF(0, 7, 0, 0), NULL), -EINVAL);
    snprintf(path, sizeof(path), "%s/config", dir);
    write_bytes(path, cfg, sizeof(cfg));
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SIM_SBDF_AUTO, NULL), -EINVAL);
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SBDF(0, 7, 0, 0), NULL), 0);
    CHECK_EQ(probe(LFV_SBDF(0, 7, 0, 0), 0x10), 0xffffffe1u);
    CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 7, 0, 0)), 0);
    nr = lfv_sim_nr_devices(b);

    cfg[0x10] = 0x00; /* now memory: the I/O resource contradicts it */
    write_bytes(path, cfg, sizeof(cfg));
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SBDF(0, 7, 0, 0), NULL), -EINVAL);
    snprintf(path, sizeof(path), "%s/resource", dir);
    write_bytes(path, "0x0 0x1f\n", 9);
    CHECK_EQ(lfv_sim_add_sysfs(b, dir, LFV_SBDF(0, 7, 0, 0), NULL), -EINVAL);
    CHECK_EQ(lfv_sim_nr_devices(b), nr);
    unlink(path);
    snprintf(path, sizeof(path), "%s/config", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    struct lfv_sim_device_desc d = nic_desc();

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    CHECK_EQ(lfv_sim_add(b, NIC, &d), 0);
    test_identity_and_bars();
    test_command_status_line();
    test_rw1c_status();
    test_capabilities();
    test_multifunction_and_absent();
    test_mmio();
    test_engine_gaps();
    test_hotplug();
    test_out_of_memory();
    test_bad_desc();
    test_bad_lspci();
    test_bad_sysfs();
    lfv_sim_bridge_destroy(b);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
