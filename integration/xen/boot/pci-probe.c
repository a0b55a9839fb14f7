/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv-pciprobe: one PCI function's view through Linux's sysfs, for
 * xen-boot's domU (boot/guest-init.sh) and dom0 (boot/init.sh).
 *
 *   lfv-pciprobe [-s] [-r BAR OFFSET [-m] [-k]] DEVDIR
 *
 * DEVDIR is /sys/bus/pci/devices/SSSS:BB:DD.F.  Prints, one fact a line:
 *   id VVVV:DDDD class CCCCCC cmd XXXX
 *   barreg I 0xXXXXXXXX          the BAR registers as read (I 0-5, rom)
 *   bar I KIND SIZE              (-s) sizes found by writing all-ones to
 *                                each BAR with decoding off, as a kernel
 *                                does (KIND io, mem32, mem64; the
 *                                registers and COMMAND restored after)
 *   bar rom rom SIZE             (-s) the expansion ROM, the same way
 *   res I START END FLAGS        the kernel's resources (sysfs resource,
 *                                the non-empty lines)
 *   cap OFF ID                   the standard capability chain, in order
 *   ecap OFF ID VER              the extended chain from 0x100
 *   reg BAR OFF VALUE CMD        (-r) the device enabled (sysfs enable;
 *                                -m: and bus mastering set in COMMAND),
 *                                the 32-bit register at OFFSET of BAR read
 *                                through a mapping of sysfs resourceBAR,
 *                                COMMAND while enabled; then disabled and
 *                                COMMAND written back as it was (-k: left
 *                                enabled)
 * All numbers in hex.  Exit status 0 if every step worked; otherwise an
 * "error STEP: REASON" line and status 1.  A static binary: the guest's
 * and dom0's initramfs have busybox only (whose devmem may be refused by
 * CONFIG_IO_STRICT_DEVMEM; a mapping of resourceN is what the kernel
 * offers for a BAR).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_BAR0 0x10
#define PCI_ROM 0x30
#define PCI_CAP_PTR 0x34
#define PCI_EXT_CAP 0x100
#define PCI_CFG_STD 0x100
#define PCI_CFG_EXT 0x1000

static const char *dir;
static int cfg = -1;
static size_t cfg_size;
static uint8_t cfg_buf[PCI_CFG_EXT];

static void die(const char *step, const char *fmt, ...)
{
    va_list ap;

    printf("error %s: ", step);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    exit(1);
}

static uint32_t rd(unsigned int off, unsigned int size)
{
    uint8_t b[4] = { 0 };
    uint32_t v = 0;

    if (pread(cfg, b, size, off) != (ssize_t)size)
        die("config read", "%u bytes at %#x: %s", size, off,
            strerror(errno));
    for (unsigned int i = 0; i < size; i++)
        v |= (uint32_t)b[i] << (8 * i);
    return v;
}

static void wr(unsigned int off, unsigned int size, uint32_t v)
{
    uint8_t b[4];

    for (unsigned int i = 0; i < size; i++)
        b[i] = v >> (8 * i);
    if (pwrite(cfg, b, size, off) != (ssize_t)size)
        die("config write", "%u bytes at %#x: %s", size, off,
            strerror(errno));
}

static uint8_t cb(unsigned int off)
{
    return cfg_buf[off];
}

static uint32_t cd(unsigned int off)
{
    return cb(off) | cb(off + 1) << 8 | cb(off + 2) << 16 |
           (uint32_t)cb(off + 3) << 24;
}

static void header(void)
{
    printf("id %04x:%04x class %06x cmd %04x\n", cd(0) & 0xffff,
           cd(0) >> 16, cd(8) >> 8, cd(PCI_COMMAND) & 0xffff);
    if ((cb(0x0e) & 0x7f) != 0)
        return; /* only type 0 headers have six BARs and the ROM here */
    for (unsigned int i = 0; i < 6; i++)
        printf("barreg %u 0x%08x\n", i, cd(PCI_BAR0 + 4 * i));
    printf("barreg rom 0x%08x\n", cd(PCI_ROM));
}

/* BAR sizes by the all-ones probe, decoding off meanwhile. */
static void size_bars(void)
{
    uint16_t cmd = rd(PCI_COMMAND, 2);

    if ((cb(0x0e) & 0x7f) != 0)
        return;
    if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
        wr(PCI_COMMAND, 2, cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    for (unsigned int i = 0; i < 6; i++) {
        unsigned int off = PCI_BAR0 + 4 * i;
        uint32_t orig = rd(off, 4), v, hi_orig = 0, hi = 0;
        uint64_t mask;
        bool io = orig & 1, m64 = !io && ((orig >> 1) & 3) == 2;

        wr(off, 4, 0xffffffff);
        v = rd(off, 4);
        wr(off, 4, orig);
        if (m64 && i < 5) {
            hi_orig = rd(off + 4, 4);
            wr(off + 4, 4, 0xffffffff);
            hi = rd(off + 4, 4);
            wr(off + 4, 4, hi_orig);
        }
        /* the size is the lowest address bit the BAR implements */
        mask = io ? v & ~3u : ((uint64_t)hi << 32) | (v & ~0xfu);
        if (mask)
            printf("bar %u %s 0x%" PRIx64 "\n", i,
                   io ? "io" : m64 ? "mem64" : "mem32", mask & -mask);
        if (m64)
            i++; /* the upper half is no BAR of its own */
    }
    {
        uint32_t orig = rd(PCI_ROM, 4), v;

        wr(PCI_ROM, 4, 0xfffff800);
        v = rd(PCI_ROM, 4) & 0xfffff800;
        wr(PCI_ROM, 4, orig);
        printf("bar rom rom 0x%" PRIx32 "\n", v & -v);
    }
    if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))
        wr(PCI_COMMAND, 2, cmd);
}

static void resources(void)
{
    char path[512];
    unsigned long long s, e, f;
    FILE *r;

    snprintf(path, sizeof(path), "%s/resource", dir);
    r = fopen(path, "r");
    if (!r)
        die("resource", "%s: %s", path, strerror(errno));
    for (unsigned int i = 0; fscanf(r, "%llx %llx %llx", &s, &e, &f) == 3;
         i++)
        if (s || e || f)
            printf("res %u 0x%llx 0x%llx 0x%llx\n", i, s, e, f);
    fclose(r);
}

/* The chains as a walk finds them; a loop or a bad pointer ends a walk. */
static void caps(void)
{
    unsigned int p, n = 0;

    if (cd(PCI_COMMAND) & (1u << 20)) /* STATUS.CAP_LIST */
        for (p = cb(PCI_CAP_PTR) & ~3u; p >= 0x40 && n < 48;
             p = cb(p + 1) & ~3u, n++)
            printf("cap 0x%02x 0x%02x\n", p, cb(p));
    if (cfg_size < PCI_CFG_EXT)
        return;
    for (p = PCI_EXT_CAP, n = 0; p >= PCI_EXT_CAP && n < 1024;
         p = cd(p) >> 20 & ~3u, n++) {
        uint32_t h = cd(p);

        if (!h || h == 0xffffffff)
            break;
        printf("ecap 0x%03x 0x%04x 0x%x\n", p, h & 0xffff, (h >> 16) & 0xf);
    }
}

static void sysfs_write(const char *name, const char *v)
{
    char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
        die(name, "writing '%s' to %s: %s", v, path, strerror(errno));
    close(fd);
}

static void read_reg(unsigned int bar, unsigned long off, bool master,
                     bool keep)
{
    char path[512];
    uint16_t cmd = rd(PCI_COMMAND, 2), cmd_on;
    volatile uint32_t *m;
    uint32_t v;
    int fd;

    if (off & 3)
        die("register", "offset %#lx is not 32-bit aligned", off);
    sysfs_write("enable", "1");
    if (master)
        wr(PCI_COMMAND, 2, rd(PCI_COMMAND, 2) | PCI_COMMAND_MASTER);
    cmd_on = rd(PCI_COMMAND, 2);
    snprintf(path, sizeof(path), "%s/resource%u", dir, bar);
    fd = open(path, O_RDWR | O_SYNC);
    if (fd < 0)
        die("register", "%s: %s", path, strerror(errno));
    m = mmap(NULL, (off & ~0xfffUL) + 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        die("register", "mmap of %s: %s", path, strerror(errno));
    v = m[off / 4];
    munmap((void *)m, (off & ~0xfffUL) + 4096);
    close(fd);
    if (!keep) {
        sysfs_write("enable", "0");
        /* Linux's disable leaves decoding on: COMMAND back as it was. */
        wr(PCI_COMMAND, 2, cmd);
    }
    printf("reg %u 0x%lx 0x%08x 0x%04x\n", bar, off, v, cmd_on);
}

int main(int argc, char **argv)
{
    bool sizing = false, master = false, keep = false;
    int reg_bar = -1;
    unsigned long reg_off = 0;
    char path[512];
    int i = 1;
    ssize_t n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-s")) {
            sizing = true;
        } else if (!strcmp(argv[i], "-m")) {
            master = true;
        } else if (!strcmp(argv[i], "-k")) {
            keep = true;
        } else if (!strcmp(argv[i], "-r") && i + 2 < argc) {
            reg_bar = strtol(argv[i + 1], NULL, 0);
            reg_off = strtoul(argv[i + 2], NULL, 0);
            i += 2;
            if (reg_bar < 0 || reg_bar > 5)
                die("usage", "BAR %s is not 0-5", argv[i - 1]);
        } else {
            break;
        }
    }
    if (i != argc - 1 || ((master || keep) && reg_bar < 0)) {
        fprintf(stderr, "usage: %s [-s] [-r BAR OFFSET [-m] [-k]] DEVDIR\n",
                argv[0]);
        return 2;
    }
    dir = argv[i];
    snprintf(path, sizeof(path), "%s/config", dir);
    cfg = open(path, sizing || reg_bar >= 0 ? O_RDWR : O_RDONLY);
    if (cfg < 0)
        die("config", "%s: %s", path, strerror(errno));
    n = pread(cfg, cfg_buf, sizeof(cfg_buf), 0);
    if (n < 64)
        die("config", "%s: %zd bytes", path, n);
    cfg_size = n;
    if (cfg_size < PCI_CFG_STD)
        die("config", "%s: %zu bytes (not root?)", path, cfg_size);
    header();
    if (sizing)
        size_bars();
    resources();
    caps();
    if (reg_bar >= 0)
        read_reg(reg_bar, reg_off, master, keep);
    return 0;
}
