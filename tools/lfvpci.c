/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci: the command-line tool.
 *
 *   lfvpci info                   version, RCU backend, structure sizes
 *   lfvpci probe FILE...          load lspci dumps onto the simulated bridge
 *                                 and probe each device through the engine
 *                                 as the hardware domain: IDs, BARs sized
 *                                 by the all-ones probe, capabilities
 *   lfvpci dump [--guest] FILE    the configuration space as the hardware
 *                                 domain (or, --guest, a guest it is
 *                                 assigned to) reads it through the engine,
 *                                 in lspci -xxxx format: `lspci -F OUT -vv`
 *                                 decodes it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#define LFV_VERSION "0.1.0"

struct host {
    struct lfv_sim_bridge *bridge;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *guest;
};

static int host_create(struct host *h)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };
    int rc = lfv_sim_bridge_create(&h->bridge);

    p.hw = h->bridge;
    if (!rc)
        rc = lfv_system_create(&p, &h->sys);
    if (!rc)
        rc = lfv_domain_create(h->sys, 0, true, &h->hwdom);
    if (!rc)
        rc = lfv_domain_create(h->sys, 1, false, &h->guest);
    return rc;
}

static void host_destroy(struct host *h)
{
    lfv_system_destroy(h->sys);
    lfv_sim_bridge_destroy(h->bridge);
}

/*
 * Load one dump at the address its header names (or, when two dumps name
 * the same address, at bus 1 of segment `alt`), and register it.
 */
static int host_load(struct host *h, const char *path, unsigned int alt,
                     lfv_sbdf_t *sbdf)
{
    int rc = lfv_sim_add_lspci_file(h->bridge, path, LFV_SIM_SBDF_AUTO, sbdf);

    if (rc == -EEXIST) {
        *sbdf = LFV_SBDF(alt, 1, 0, 0);
        rc = lfv_sim_add_lspci_file(h->bridge, path, *sbdf, NULL);
    }
    if (rc) {
        fprintf(stderr, "lfvpci: %s: %s\n", path, strerror(-rc));
        return rc;
    }
    rc = lfv_pdev_add(h->sys, *sbdf);
    if (rc)
        fprintf(stderr, "lfvpci: %s: cannot register: %s\n", path,
                strerror(-rc));
    return rc;
}

static void print_sbdf(lfv_sbdf_t s)
{
    printf("%04x:%02x:%02x.%u", LFV_SBDF_SEG(s), LFV_SBDF_BUS(s),
           LFV_SBDF_DEV(s), LFV_SBDF_FN(s));
}

static uint32_t rd(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                   unsigned int size)
{
    return lfv_conf_read(d, s, reg, size);
}

/*
 * Size a BAR as an OS does: save, write all-ones, read back, restore.  A BAR
 * whose address bits all read back 0 is not implemented: size 0.
 */
static uint64_t size_bar(struct lfv_domain *d, lfv_sbdf_t s, unsigned int reg,
                         bool is64, bool io, bool rom)
{
    uint32_t lo = rd(d, s, reg, 4), hi = is64 ? rd(d, s, reg + 4, 4) : 0;
    uint64_t mask;

    lfv_conf_write(d, s, reg, 4, rom ? 0xfffff800u : 0xffffffffu);
    if (is64)
        lfv_conf_write(d, s, reg + 4, 4, 0xffffffffu);
    mask = rd(d, s, reg, 4) & (io ? ~3u : rom ? ~0x7ffu : ~0xfu);
    if (is64)
        mask |= (uint64_t)rd(d, s, reg + 4, 4) << 32;
    lfv_conf_write(d, s, reg, 4, lo);
    if (is64)
        lfv_conf_write(d, s, reg + 4, 4, hi);
    if (io)
        mask &= 0xffff; /* I/O decodes 16 bits at most here */
    if (!mask)
        return 0;
    if (io)
        return (~mask + 1) & 0xffff;
    return is64 ? ~mask + 1 : (uint32_t)(~(uint32_t)mask + 1);
}

static void probe(struct host *h, lfv_sbdf_t s)
{
    struct lfv_domain *d = h->hwdom;
    uint32_t id = rd(d, s, 0, 4), cls = rd(d, s, 8, 4);
    unsigned int type = rd(d, s, 0x0e, 1) & 0x7f, nbars = type ? 2 : 6;
    uint16_t cmd = rd(d, s, 4, 2);

    print_sbdf(s);
    printf(" %04x:%04x class %06x rev %02x, header type %u\n", id & 0xffff,
           id >> 16, cls >> 8, cls & 0xff, type);
    lfv_conf_write(d, s, 4, 2, cmd & ~3u); /* decoding off while sizing */
    for (unsigned int i = 0; i < nbars; i++) {
        unsigned int reg = 0x10 + 4 * i;
        uint32_t v = rd(d, s, reg, 4);
        bool io = v & 1, is64 = !io && ((v >> 1) & 3) == 2;
        uint64_t size = size_bar(d, s, reg, is64, io, false);

        if (size)
            printf("  BAR%u: %s%s%s size %llu\n", i, io ? "I/O" : "memory",
                   is64 ? " 64-bit" : io ? "" : " 32-bit",
                   !io && (v & 8) ? " prefetchable" : "",
                   (unsigned long long)size);
        if (is64)
            i++;
    }
    {
        unsigned int rom = type ? 0x38 : 0x30;
        uint64_t size = size_bar(d, s, rom, false, false, true);

        if (size)
            printf("  ROM: size %llu\n", (unsigned long long)size);
    }
    lfv_conf_write(d, s, 4, 2, cmd);
    if (rd(d, s, 6, 2) & 0x10) {
        unsigned int pos = rd(d, s, 0x34, 1) & 0xfc, n = 0;

        printf("  capabilities:");
        while (pos && n++ < 48) {
            printf(" [%02x] %02x", pos, rd(d, s, pos, 1));
            pos = rd(d, s, pos + 1, 1) & 0xfc;
        }
        printf("\n");
    }
}

static int cmd_probe(int argc, char **argv)
{
    struct host h = { 0 };
    int rc = host_create(&h);

    for (int i = 0; !rc && i < argc; i++) {
        lfv_sbdf_t s;

        rc = host_load(&h, argv[i], i + 1, &s);
        if (!rc)
            probe(&h, s);
    }
    host_destroy(&h);
    return rc ? 1 : 0;
}

static int cmd_dump(int argc, char **argv)
{
    bool guest = argc > 0 && !strcmp(argv[0], "--guest");
    struct host h = { 0 };
    struct lfv_domain *d;
    lfv_sbdf_t s = 0, at;
    int rc;

    if (guest)
        argc--, argv++;
    if (argc != 1) {
        fprintf(stderr, "usage: lfvpci dump [--guest] FILE\n");
        return 2;
    }
    rc = host_create(&h);
    if (!rc)
        rc = host_load(&h, argv[0], 1, &s);
    d = h.hwdom;
    at = s;
    if (!rc && guest) {
        rc = lfv_pdev_assign(h.sys, s, h.guest);
        if (rc)
            fprintf(stderr, "lfvpci: cannot assign to a guest: %s\n",
                    strerror(-rc));
        else
            lfv_pdev_owner(h.sys, s, NULL, &at);
        d = h.guest;
    }
    if (!rc) {
        print_sbdf(at);
        printf(" %s view through lfvpci (%s)\n",
               guest ? "Guest" : "Hardware domain", lfv_rcu_backend());
        for (unsigned int off = 0; off < 4096; off += 16) {
            printf("%03x:", off);
            for (unsigned int b = 0; b < 16; b++)
                printf(" %02x", rd(d, at, off + b, 1));
            printf("\n");
        }
    }
    host_destroy(&h);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    int rc = 2;

    lfv_rcu_register_thread();
    if (argc >= 2 && !strcmp(argv[1], "info")) {
        printf("lfvpci %s, RCU backend %s\n", LFV_VERSION, lfv_rcu_backend());
        rc = 0;
    } else if (argc >= 3 && !strcmp(argv[1], "probe")) {
        rc = cmd_probe(argc - 2, argv + 2);
    } else if (argc >= 3 && !strcmp(argv[1], "dump")) {
        rc = cmd_dump(argc - 2, argv + 2);
    } else {
        fprintf(stderr, "usage: lfvpci info | probe FILE... | "
                        "dump [--guest] FILE\n");
    }
    lfv_rcu_unregister_thread();
    return rc;
}
