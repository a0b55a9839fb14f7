/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's device tree for lfv-domu (domu_fdt.h), written by hand in
 * the flattened format (version 17): header, an empty memory reservation
 * map, the structure block, the strings block; all big-endian.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "domu_fdt.h"

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_END 9
#define PHANDLE_GIC 65000

struct fdt {
    uint8_t st[8192], str[1024];
    size_t nst, nstr;
    bool overflow;
};

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void st_put(struct fdt *f, const void *p, size_t n)
{
    if (f->nst + n + 4 > sizeof(f->st)) {
        f->overflow = true;
        return;
    }
    memcpy(f->st + f->nst, p, n);
    f->nst += n;
    while (f->nst & 3)
        f->st[f->nst++] = 0;
}

static void st_u32(struct fdt *f, uint32_t v)
{
    uint8_t b[4];

    be32(b, v);
    st_put(f, b, 4);
}

static void begin(struct fdt *f, const char *name)
{
    st_u32(f, FDT_BEGIN_NODE);
    st_put(f, name, strlen(name) + 1);
}

static void end(struct fdt *f)
{
    st_u32(f, FDT_END_NODE);
}

/* The name's offset in the strings block, added if new. */
static uint32_t str_off(struct fdt *f, const char *name)
{
    size_t n = strlen(name) + 1;

    for (size_t i = 0; i + n <= f->nstr; i++)
        if (!memcmp(f->str + i, name, n) && (i == 0 || !f->str[i - 1]))
            return i;
    if (f->nstr + n > sizeof(f->str)) {
        f->overflow = true;
        return 0;
    }
    memcpy(f->str + f->nstr, name, n);
    f->nstr += n;
    return f->nstr - n;
}

static void prop(struct fdt *f, const char *name, const void *v, size_t n)
{
    st_u32(f, FDT_PROP);
    st_u32(f, n);
    st_u32(f, str_off(f, name));
    if (n)
        st_put(f, v, n);
}

/* A string list: the strings, then NULL. */
static void prop_strs(struct fdt *f, const char *name, ...)
{
    char buf[1024];
    size_t n = 0;
    va_list ap;

    va_start(ap, name);
    for (const char *s; (s = va_arg(ap, const char *));) {
        size_t l = strlen(s) + 1;

        if (n + l > sizeof(buf)) {
            f->overflow = true;
            break;
        }
        memcpy(buf + n, s, l);
        n += l;
    }
    va_end(ap);
    prop(f, name, buf, n);
}

/* Cells: their number, then the 32-bit values. */
static void prop_cells(struct fdt *f, const char *name, unsigned int n, ...)
{
    uint8_t buf[64];
    va_list ap;

    if (n * 4 > sizeof(buf)) {
        f->overflow = true;
        return;
    }
    va_start(ap, n);
    for (unsigned int i = 0; i < n; i++)
        be32(buf + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    prop(f, name, buf, 4 * n);
}

#define HI(x) ((uint32_t)((uint64_t)(x) >> 32))
#define LO(x) ((uint32_t)(x))
/* A timer interrupt: PPI, its number - 16, all CPUs, level low. */
#define PPI(n) 1u, (uint32_t)((n) - 16), 0xf08u

static void tree(struct fdt *f, const struct domu_fdt_params *p)
{
    uint64_t rd_end = p->initrd + p->initrd_size;

    begin(f, "");
    prop_cells(f, "#address-cells", 1, 2u);
    prop_cells(f, "#size-cells", 1, 2u);
    prop_strs(f, "compatible", "xen,xenvm-4.17", "xen,xenvm", NULL);
    prop_strs(f, "model", "lfvpci xen-boot domU", NULL);
    prop_cells(f, "interrupt-parent", 1, PHANDLE_GIC);

    begin(f, "chosen");
    prop_strs(f, "bootargs", p->bootargs, NULL);
    prop_cells(f, "linux,initrd-start", 2, HI(p->initrd), LO(p->initrd));
    prop_cells(f, "linux,initrd-end", 2, HI(rd_end), LO(rd_end));
    end(f);

    begin(f, "cpus");
    prop_cells(f, "#address-cells", 1, 1u);
    prop_cells(f, "#size-cells", 1, 0u);
    begin(f, "cpu@0");
    prop_strs(f, "device_type", "cpu", NULL);
    prop_strs(f, "compatible", "arm,armv8", NULL);
    prop_strs(f, "enable-method", "psci", NULL);
    prop_cells(f, "reg", 1, 0u);
    end(f);
    end(f);

    begin(f, "psci");
    prop_strs(f, "compatible", "arm,psci-1.0", "arm,psci-0.2", "arm,psci",
              NULL);
    prop_strs(f, "method", "hvc", NULL);
    prop_cells(f, "cpu_off", 1, p->psci_cpu_off);
    prop_cells(f, "cpu_on", 1, p->psci_cpu_on);
    end(f);

    begin(f, "memory@40000000");
    prop_strs(f, "device_type", "memory", NULL);
    prop_cells(f, "reg", 4, HI(p->mem_base), LO(p->mem_base),
               HI(p->mem_size), LO(p->mem_size));
    end(f);

    begin(f, "interrupt-controller@3001000");
    prop_strs(f, "compatible", "arm,gic-v3", NULL);
    prop_cells(f, "#interrupt-cells", 1, 3u);
    prop_cells(f, "#address-cells", 1, 0u);
    prop(f, "interrupt-controller", NULL, 0);
    prop_cells(f, "reg", 8, HI(p->gicd_base), LO(p->gicd_base),
               HI(p->gicd_size), LO(p->gicd_size), HI(p->gicr_base),
               LO(p->gicr_base), HI(p->gicr_size), LO(p->gicr_size));
    prop_cells(f, "linux,phandle", 1, PHANDLE_GIC);
    prop_cells(f, "phandle", 1, PHANDLE_GIC);
    end(f);

    if (p->vpci) {
        char name[32];

        snprintf(name, sizeof(name), "pcie@%llx",
                 (unsigned long long)p->ecam_base);
        begin(f, name);
        prop_strs(f, "compatible", "pci-host-ecam-generic", NULL);
        prop_strs(f, "device_type", "pci", NULL);
        prop_cells(f, "reg", 4, HI(p->ecam_base), LO(p->ecam_base),
                   HI(p->ecam_size), LO(p->ecam_size));
        prop_cells(f, "bus-range", 2, 0u, 255u);
        prop_cells(f, "#address-cells", 1, 3u);
        prop_cells(f, "#size-cells", 1, 2u);
        prop_strs(f, "status", "okay", NULL);
        prop_cells(f, "ranges", 14,
                   p->win_type[0], HI(p->win_addr[0]), LO(p->win_addr[0]),
                   HI(p->win_addr[0]), LO(p->win_addr[0]),
                   HI(p->win_size[0]), LO(p->win_size[0]),
                   p->win_type[1], HI(p->win_addr[1]), LO(p->win_addr[1]),
                   HI(p->win_addr[1]), LO(p->win_addr[1]),
                   HI(p->win_size[1]), LO(p->win_size[1]));
        end(f);
    }

    begin(f, "timer");
    prop_strs(f, "compatible", "arm,armv8-timer", NULL);
    prop_cells(f, "interrupts", 9, PPI(p->timer_ppi[0]),
               PPI(p->timer_ppi[1]), PPI(p->timer_ppi[2]));
    if (p->clock_frequency)
        prop_cells(f, "clock-frequency", 1, p->clock_frequency);
    end(f);

    end(f);
    st_u32(f, FDT_END);
}

size_t domu_fdt(uint8_t *out, size_t max, const struct domu_fdt_params *p)
{
    static struct fdt f;
    const size_t hdr = 40, rsv = 16;
    size_t total;

    memset(&f, 0, sizeof(f));
    tree(&f, p);
    total = hdr + rsv + f.nst + f.nstr;
    if (f.overflow || total > max)
        return 0;
    memset(out, 0, hdr + rsv);
    be32(out + 0, FDT_MAGIC);
    be32(out + 4, total);
    be32(out + 8, hdr + rsv);           /* off_dt_struct */
    be32(out + 12, hdr + rsv + f.nst);  /* off_dt_strings */
    be32(out + 16, hdr);                /* off_mem_rsvmap */
    be32(out + 20, 17);                 /* version */
    be32(out + 24, 16);                 /* last_comp_version */
    be32(out + 28, 0);                  /* boot_cpuid_phys */
    be32(out + 32, f.nstr);             /* size_dt_strings */
    be32(out + 36, f.nst);              /* size_dt_struct */
    memcpy(out + hdr + rsv, f.st, f.nst);
    memcpy(out + hdr + rsv + f.nst, f.str, f.nstr);
    return total;
}
