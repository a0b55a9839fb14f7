/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated devices from and to sysfs-style directories
 * (/sys/bus/pci/devices/<sbdf>/config and resource, as Linux's
 * pci-sysfs.c writes them).  User space only: hosts with their own
 * platform header have no file system here.
 */
#ifndef LFV_PLATFORM_HEADER

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rcu_fast.h"
#include "simhw_impl.h"

/* Linux's IORESOURCE_* flags that tell a BAR's kind. */
#define IORESOURCE_IO 0x00000100u
#define IORESOURCE_MEM 0x00000200u
#define IORESOURCE_PREFETCH 0x00002000u
#define IORESOURCE_READONLY 0x00004000u
#define IORESOURCE_SIZEALIGN 0x00040000u
#define IORESOURCE_MEM_64 0x00100000u
#define IORESOURCE_ROM_ENABLE 0x00000001u
#define RESOURCE_LINES_TYPE0 13 /* 6 BARs, ROM, 6 SR-IOV BARs */
#define RESOURCE_LINES_TYPE1 17 /* ... and 4 bridge windows */

static int path_join(char *buf, size_t n, const char *dir, const char *name)
{
    return (size_t)snprintf(buf, n, "%s/%s", dir, name) < n ? 0
                                                              : -ENAMETOOLONG;
}

/* `config`: 64 to 4096 bytes into the image. */
static int read_config(const char *dir, struct sim_image *img)
{
    char path[4096];
    FILE *f;
    size_t n;
    int rc = path_join(path, sizeof(path), dir, "config");

    if (rc)
        return rc;
    f = fopen(path, "rb");
    if (!f)
        return -errno;
    n = fread(img->cfg, 1, sizeof(img->cfg), f);
    /* One more byte means the file is longer than any config space. */
    if (ferror(f))
        rc = -EIO;
    else if (n < 64 || fgetc(f) != EOF)
        rc = -EINVAL;
    fclose(f);
    img->cfg_len = (unsigned int)n;
    return rc;
}

/* A resource line's kind against the BAR register: 0 or -EINVAL. */
static int check_resource(const uint8_t *cfg, unsigned int bar,
                          uint64_t flags)
{
    uint32_t reg = sim_get(cfg, PCI_BAR0 + 4 * bar, 4);

    if (flags & IORESOURCE_IO)
        return reg & PCI_BAR_IO ? 0 : -EINVAL;
    if (!(flags & IORESOURCE_MEM) || (reg & PCI_BAR_IO))
        return -EINVAL;
    if (!(flags & IORESOURCE_MEM_64) !=
        ((reg & PCI_BAR_MEM_TYPE_MASK) != PCI_BAR_MEM_TYPE_64))
        return -EINVAL;
    return !(flags & IORESOURCE_PREFETCH) == !(reg & PCI_BAR_MEM_PREFETCH)
               ? 0 : -EINVAL;
}

/* One "0xstart 0xend 0xflags" line: the size it gives (0: none). */
static int parse_resource_line(const char *line, uint64_t *size,
                               uint64_t *flags)
{
    unsigned long long start, end, fl;
    int used = 0;

    if (sscanf(line, " 0x%llx 0x%llx 0x%llx %n", &start, &end, &fl, &used) !=
            3 ||
        line[used] != '\0' || end < start)
        return -EINVAL;
    *flags = fl;
    *size = fl && (start || end) ? end - start + 1 : 0;
    return 0;
}

/* `resource`: BAR and ROM sizes, each checked against the config. */
static int read_resource(const char *dir, struct sim_image *img)
{
    char path[4096], line[256];
    unsigned int i = 0;
    FILE *f;
    int rc = path_join(path, sizeof(path), dir, "resource");

    if (rc)
        return rc;
    f = fopen(path, "r");
    if (!f)
        return -errno;
    while (!rc && i <= SIM_ROM && fgets(line, sizeof(line), f)) {
        uint64_t size = 0, flags = 0;

        line[strcspn(line, "\n")] = '\0';
        rc = parse_resource_line(line, &size, &flags);
        if (rc || !size)
            ;
        else if (i == SIM_ROM)
            rc = sim_rom_reg(img->cfg) && (flags & IORESOURCE_MEM) ? 0
                                                                   : -EINVAL;
        else if (i >= sim_nr_bars(img->cfg))
            rc = -EINVAL;
        else
            rc = check_resource(img->cfg, i, flags);
        img->bar_size[i++] = size;
    }
    fclose(f);
    /* Six BAR lines at least; the ROM line is optional. */
    return rc ? rc : i < SIM_NR_BARS ? -EINVAL : 0;
}

/* The SBDF a directory is named after ("0000:01:00.0"). */
static int sbdf_from_dir(const char *dir, lfv_sbdf_t *sbdf)
{
    size_t n = strlen(dir);
    const char *base;

    while (n > 1 && dir[n - 1] == '/')
        n--;
    base = dir + n;
    while (base > dir && base[-1] != '/')
        base--;
    return (size_t)(dir + n - base) == 12 && sim_parse_sbdf(base, sbdf) == 12
               ? 0 : -EINVAL;
}

int lfv_sim_add_sysfs(struct lfv_sim_bridge *b, const char *dir,
                      lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    struct sim_image *img;
    int rc = 0;

    if (!b || !dir)
        return -EINVAL;
    if (sbdf == LFV_SIM_SBDF_AUTO && sbdf_from_dir(dir, &sbdf))
        return -EINVAL;
    img = lfv_zalloc(sizeof(*img));
    if (!img)
        return -ENOMEM;
    rc = read_config(dir, img);
    if (!rc)
        rc = read_resource(dir, img);
    if (!rc) /* MSI-X outside its BARs: refused (msix_place.h) */
        rc = sim_image_msix_check(img, NULL);
    if (!rc)
        rc = sim_add_image(b, img, sbdf);
    if (!rc && placed)
        *placed = sbdf;
    lfv_free(img);
    return rc;
}

/* ---- saving ---- */

/* A device's state, copied inside a read-side section. */
struct sim_snapshot {
    uint8_t cfg[LFV_CFG_SPACE_SIZE];
    unsigned int cfg_size;
    uint64_t bar_size[SIM_NR_BARS + 1];
};

static int snapshot(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                    struct sim_snapshot *s)
{
    struct sim_dev *dev;

    lfv_rcu_fast_lock();
    dev = sim_bridge_find(b, sbdf);
    if (dev) {
        s->cfg_size = dev->cfg_size;
        memcpy(s->bar_size, dev->bar_size, sizeof(s->bar_size));
        for (unsigned int i = 0; i < dev->cfg_size; i += 4)
            sim_put(s->cfg, i, 4, sim_dev_load(dev, i));
    }
    lfv_rcu_fast_unlock();
    return dev ? 0 : -ENOENT;
}

static uint64_t bar_flags(uint32_t reg)
{
    if (reg & PCI_BAR_IO)
        return IORESOURCE_IO | IORESOURCE_SIZEALIGN | (reg & 3);
    return IORESOURCE_MEM | IORESOURCE_SIZEALIGN | (reg & 0xf) |
           (reg & PCI_BAR_MEM_PREFETCH ? IORESOURCE_PREFETCH : 0) |
           ((reg & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64
                ? IORESOURCE_MEM_64 : 0);
}

static void put_resource(FILE *f, uint64_t start, uint64_t size,
                         uint64_t flags)
{
    fprintf(f, "0x%016" PRIx64 " 0x%016" PRIx64 " 0x%016" PRIx64 "\n",
            size ? start : 0, size ? start + size - 1 : 0, size ? flags : 0);
}

static void write_resources(FILE *f, const struct sim_snapshot *s)
{
    unsigned int lines = sim_header_type(s->cfg) == 1 ? RESOURCE_LINES_TYPE1
                                                      : RESOURCE_LINES_TYPE0;
    unsigned int rom = sim_rom_reg(s->cfg);

    for (unsigned int i = 0; i < SIM_NR_BARS; i++) {
        uint32_t reg = sim_get(s->cfg, PCI_BAR0 + 4 * i, 4);
        uint64_t addr = reg & (reg & PCI_BAR_IO ? ~3u : ~0xfu);
        bool is64 = !(reg & PCI_BAR_IO) && s->bar_size[i] &&
                    (reg & PCI_BAR_MEM_TYPE_MASK) == PCI_BAR_MEM_TYPE_64;

        if (is64)
            addr |= (uint64_t)sim_get(s->cfg, PCI_BAR0 + 4 * i + 4, 4) << 32;
        put_resource(f, addr, s->bar_size[i], bar_flags(reg));
        if (is64)
            put_resource(f, 0, 0, 0), i++;
    }
    if (rom) {
        uint32_t reg = sim_get(s->cfg, rom, 4);

        put_resource(f, reg & 0xfffff800u, s->bar_size[SIM_ROM],
                     IORESOURCE_MEM | IORESOURCE_PREFETCH |
                         IORESOURCE_READONLY | IORESOURCE_SIZEALIGN |
                         (reg & IORESOURCE_ROM_ENABLE));
    } else {
        put_resource(f, 0, 0, 0);
    }
    for (unsigned int i = SIM_ROM + 1; i < lines; i++)
        put_resource(f, 0, 0, 0);
}

static int write_file(const char *dir, const char *name,
                      const struct sim_snapshot *s, bool config)
{
    char path[4096];
    FILE *f;
    int rc = path_join(path, sizeof(path), dir, name);

    if (rc)
        return rc;
    f = fopen(path, config ? "wb" : "w");
    if (!f)
        return -errno;
    if (config)
        fwrite(s->cfg, 1, s->cfg_size, f);
    else
        write_resources(f, s);
    rc = ferror(f) ? -EIO : 0;
    if (fclose(f) && !rc)
        rc = -errno;
    return rc;
}

int lfv_sim_save_sysfs(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                       const char *dir)
{
    struct sim_snapshot *s;
    int rc;

    if (!b || !dir)
        return -EINVAL;
    s = lfv_zalloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    rc = snapshot(b, sbdf, s);
    if (!rc && mkdir(dir, 0755) && errno != EEXIST)
        rc = -errno;
    if (!rc)
        rc = write_file(dir, "config", s, true);
    if (!rc)
        rc = write_file(dir, "resource", s, false);
    lfv_free(s);
    return rc;
}

#endif /* LFV_PLATFORM_HEADER */
