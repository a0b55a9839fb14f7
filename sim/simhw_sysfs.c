/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated devices from and to sysfs-style directories
 * (/sys/bus/pci/devices/<sbdf>/config and resource, as Linux's
 * pci-sysfs.c writes them).  User space only: hosts with their own
 * platform header have no file system here.
 */
#ifndef LFV_PLATFORM_HEADER

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/rcu_fast.h"
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

#define MAX_RESOURCE_FILE 65536 /* Linux writes 17 lines of 57 bytes */

/* `config`: 64 to 4096 bytes into the image. */
static int read_config(const char *path, struct sim_image *img,
                       struct lfv_sim_error *err)
{
    char *buf;
    size_t n;
    int rc = sim_read_file(path, "a sysfs config file", LFV_CFG_SPACE_SIZE,
                           &buf, &n, err);

    if (rc == -EFBIG)
        return sim_error(err, -EINVAL, path, 0, "longer than 4096 bytes, "
                         "the largest configuration space");
    if (rc)
        return rc;
    if (n < 64)
        rc = sim_error(err, -EINVAL, path, 0, "%zu bytes: a configuration "
                       "space has at least the 64-byte header", n);
    else
        memcpy(img->cfg, buf, n);
    if (!rc && sim_image_absent(img))
        rc = sim_error(err, -EINVAL, path, 0, "%s", sim_image_absent(img));
    img->cfg_len = (unsigned int)n;
    /*
     * Unprivileged readers get 64 bytes: the capability list lies in bytes
     * nobody read.  Such a device (or one whose config stops anywhere short
     * of 256 bytes) has no capability list rather than a made-up one.
     */
    if (!rc)
        sim_image_drop_unread_caps(img);
    lfv_free(buf);
    return rc;
}

/* A resource's kind against the BAR register: NULL or why not. */
static const char *resource_problem(const uint8_t *cfg, unsigned int bar,
                                    uint64_t flags)
{
    uint32_t reg = sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
    bool reg64 = (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;

    if ((flags & IORESOURCE_IO) && (flags & IORESOURCE_MEM))
        return "flags say both I/O and memory";
    if (flags & IORESOURCE_IO)
        return reg & PCI_BASE_ADDRESS_SPACE_IO ? NULL : "flags say I/O but the BAR in "
                                         "config is memory";
    if (!(flags & IORESOURCE_MEM))
        return "flags have neither IORESOURCE_IO nor IORESOURCE_MEM";
    if (reg & PCI_BASE_ADDRESS_SPACE_IO)
        return "flags say memory but the BAR in config is I/O";
    if (!(flags & IORESOURCE_MEM_64) != !reg64)
        return reg64 ? "flags say 32-bit but the BAR in config is 64-bit"
                     : "flags say 64-bit but the BAR in config is 32-bit";
    return !(flags & IORESOURCE_PREFETCH) == !(reg & PCI_BASE_ADDRESS_MEM_PREFETCH)
               ? NULL : "prefetchable in flags contradicts the BAR in config";
}

/* "0x" and 1 to 16 hex digits at *s, then spaces: false if not. */
static bool parse_hex64(const char **s, uint64_t *v)
{
    const char *p = *s;
    unsigned int n = 0;

    if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
        return false;
    p += 2;
    *v = 0;
    for (; isxdigit((unsigned char)*p); p++, n++) {
        if (n == 16)
            return false;
        *v = *v << 4 | (uint64_t)(isdigit((unsigned char)*p)
                                      ? *p - '0'
                                      : (tolower((unsigned char)*p) - 'a' +
                                         10));
    }
    if (!n)
        return false;
    while (*p == ' ' || *p == '\t')
        p++;
    *s = p;
    return true;
}

/*
 * Resource line `line` (1-based: BAR line - 1, or SIM_ROM + 1) into the
 * image's size for it: 0 or -EINVAL (reported).
 */
static int parse_resource(const char *path, unsigned int line,
                          const char *s, struct sim_image *img,
                          struct lfv_sim_error *err)
{
    unsigned int i = line - 1, nr = sim_nr_bars(img->cfg);
    uint64_t start, end, flags, size;
    const char *what = i == SIM_ROM ? "expansion ROM" : "BAR";

    if (!parse_hex64(&s, &start) || !parse_hex64(&s, &end) ||
        !parse_hex64(&s, &flags) || *s)
        return sim_error(err, -EINVAL, path, line, "not \"0xstart 0xend "
                         "0xflags\" (Linux's resource format)");
    if (!start && !end && !flags)
        return 0; /* not implemented */
    if (end < start)
        return sim_error(err, -EINVAL, path, line, "end 0x%" PRIx64
                         " below start 0x%" PRIx64, end, start);
    if (!start && end == UINT64_MAX)
        return sim_error(err, -EINVAL, path, line, "range covers all 2^64 "
                         "addresses: no BAR is that large");
    if (!flags)
        return sim_error(err, -EINVAL, path, line, "flags 0 on the range "
                         "0x%" PRIx64 "-0x%" PRIx64 ": an implemented %s has "
                         "IORESOURCE_IO or IORESOURCE_MEM", start, end, what);
    size = end - start + 1;
    if (i == SIM_ROM) {
        if (!sim_rom_reg(img->cfg))
            return sim_error(err, -EINVAL, path, line, "expansion ROM: "
                             "header type %u has none",
                             sim_header_type(img->cfg));
        if (!(flags & IORESOURCE_MEM) || (flags & IORESOURCE_IO))
            return sim_error(err, -EINVAL, path, line, "expansion ROM: "
                             "flags are not memory");
    } else {
        const char *why;

        if (i >= nr)
            return sim_error(err, -EINVAL, path, line, "BAR %u: header "
                             "type %u has %u BARs", i,
                             sim_header_type(img->cfg), nr);
        if (i > 0 && img->bar_size[i - 1] &&
            (sim_get(img->cfg, PCI_BASE_ADDRESS_0 + 4 * (i - 1), 4) &
             (PCI_BASE_ADDRESS_SPACE_IO | PCI_BASE_ADDRESS_MEM_TYPE_MASK)) == PCI_BASE_ADDRESS_MEM_TYPE_64)
            return sim_error(err, -EINVAL, path, line, "BAR %u is the high "
                             "half of the 64-bit BAR %u", i, i - 1);
        why = resource_problem(img->cfg, i, flags);
        if (why)
            return sim_error(err, -EINVAL, path, line, "BAR %u: %s", i, why);
    }
    if (sim_is_pow2(size) && (start & (size - 1)))
        return sim_error(err, -EINVAL, path, line, "%s: start 0x%" PRIx64
                         " not aligned to the size 0x%" PRIx64, what, start,
                         size);
    img->bar_size[i] = size;
    return 0;
}

/* `resource`: BAR and ROM sizes, each checked against the config. */
static int read_resource(const char *path, struct sim_image *img,
                         struct lfv_sim_error *err)
{
    char *buf, *s;
    size_t n;
    unsigned int line = 0;
    int rc = sim_read_file(path, "a sysfs resource file", MAX_RESOURCE_FILE,
                           &buf, &n, err);

    if (rc)
        return rc;
    if (memchr(buf, '\0', n)) {
        lfv_free(buf);
        return sim_error(err, -EINVAL, path, 0, "a NUL byte: not a text "
                         "file");
    }
    for (s = buf; !rc && *s && line <= SIM_ROM;) {
        char *nl = strchr(s, '\n');

        if (nl)
            *nl = '\0';
        rc = parse_resource(path, ++line, s, img, err);
        s = nl ? nl + 1 : s + strlen(s);
    }
    lfv_free(buf);
    /* Six BAR lines at least; the ROM line is optional. */
    if (!rc && line < SIM_NR_BARS)
        rc = sim_error(err, -EINVAL, path, 0, "%u lines: a device's "
                       "resource file has at least 6 (BARs 0 to 5)", line);
    return rc;
}

int lfv_sim_sysfs_name(const char *dir, lfv_sbdf_t *sbdf)
{
    size_t n;
    const char *base;

    if (!dir || !sbdf)
        return -EINVAL;
    n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    base = dir + n;
    while (base > dir && base[-1] != '/')
        base--;
    return (size_t)(dir + n - base) == 12 && sim_parse_sbdf(base, sbdf) == 12
               ? 0 : -EINVAL;
}

int lfv_sim_add_sysfs_err(struct lfv_sim_bridge *b, const char *dir,
                          lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                          struct lfv_sim_error *err)
{
    char config[4096], resource[4096];
    struct sim_image *img;
    struct lfv_sim_error why = { 0 };
    struct stat st;
    int rc, which;

    sim_error_clear(err);
    if (!b || !dir)
        return sim_error(err, -EINVAL, dir, 0, "no bridge or no directory");
    if (stat(dir, &st))
        return sim_error(err, -errno, dir, 0, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return sim_error(err, -ENOTDIR, dir, 0, "not a directory (a "
                         "sysfs-style device directory holds config and "
                         "resource)");
    if (path_join(config, sizeof(config), dir, "config") ||
        path_join(resource, sizeof(resource), dir, "resource"))
        return sim_error(err, -ENAMETOOLONG, dir, 0, "path too long");
    if (sbdf == LFV_SIM_SBDF_AUTO && lfv_sim_sysfs_name(dir, &sbdf))
        return sim_error(err, -EINVAL, dir, 0, "the directory's name is not "
                         "a PCI address (\"0000:01:00.0\"): give one");
    img = lfv_zalloc(sizeof(*img));
    if (!img)
        return sim_error(err, -ENOMEM, dir, 0, "out of memory");
    rc = read_config(config, img, err);
    if (!rc)
        rc = read_resource(resource, img, err);
    if (rc == -ENOENT && err) {
        char file[LFV_SIM_ERR_FILE_MAX];

        memcpy(file, err->file, sizeof(file));
        sim_error(err, rc, file, 0, "missing: a sysfs-style device "
                  "directory holds config and resource");
    }
    if (!rc) {
        const char *msix = NULL;

        rc = sim_image_check(img, &why, &which);
        if (rc) /* a BAR's size is a resource line, the rest is config's */
            sim_error(err, rc, which >= 0 ? resource : config,
                      which >= 0 ? (unsigned int)which + 1 : 0, "%s",
                      why.reason);
        /* MSI-X outside its BARs: refused (msix_place.h) */
        if (!rc && (rc = sim_image_msix_check(img, &msix)))
            sim_error(err, rc, config, 0, "MSI-X: %s: a table or PBA must "
                      "lie inside an implemented memory BAR",
                      msix ? msix : "misplaced");
    }
    if (!rc) {
        rc = sim_add_image(b, img, sbdf);
        if (rc == -EEXIST)
            sim_error(err, rc, dir, 0, "%04x:%02x:%02x.%u is taken by "
                      "another device", LFV_SBDF_SEG(sbdf),
                      LFV_SBDF_BUS(sbdf), LFV_SBDF_DEV(sbdf),
                      LFV_SBDF_FN(sbdf));
        else if (rc)
            sim_error(err, rc, dir, 0, "cannot add the device: %s",
                      strerror(-rc));
    }
    if (!rc && placed)
        *placed = sbdf;
    lfv_free(img);
    return rc;
}

int lfv_sim_add_sysfs(struct lfv_sim_bridge *b, const char *dir,
                      lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    return lfv_sim_add_sysfs_err(b, dir, sbdf, placed, NULL);
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
    if (reg & PCI_BASE_ADDRESS_SPACE_IO)
        return IORESOURCE_IO | IORESOURCE_SIZEALIGN | (reg & 3);
    return IORESOURCE_MEM | IORESOURCE_SIZEALIGN | (reg & 0xf) |
           (reg & PCI_BASE_ADDRESS_MEM_PREFETCH ? IORESOURCE_PREFETCH : 0) |
           ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64
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
        uint32_t reg = sim_get(s->cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4);
        uint64_t addr = reg & (reg & PCI_BASE_ADDRESS_SPACE_IO ? ~3u : ~0xfu);
        bool is64 = !(reg & PCI_BASE_ADDRESS_SPACE_IO) && s->bar_size[i] &&
                    (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;

        if (is64)
            addr |= (uint64_t)sim_get(s->cfg, PCI_BASE_ADDRESS_0 + 4 * i + 4, 4) << 32;
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
