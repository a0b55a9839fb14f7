/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Real devices round-trip through the simulated bridge: every lspci dump in
 * the shared data directory loads; the device's configuration space reads
 * back as the dump, byte for byte, through lfv_sim_hw_ops(); every Region
 * and Expansion ROM line's kind and size come back from the sizing probe;
 * and each device saved as a sysfs directory loads back identical.
 * The data directory: tests/shared_data.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"
#include "tests/shared_data.h"
#include "tests/lspci_dump.h"

static const struct lfv_hw_ops *ops;

static uint32_t rd(struct lfv_sim_bridge *b, lfv_sbdf_t s, unsigned int reg)
{
    return ops->read(b, s, reg, 4);
}

static uint32_t probe(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                      unsigned int reg)
{
    uint32_t old = rd(b, s, reg), val;

    ops->write(b, s, reg, 4, 0xffffffffu);
    val = rd(b, s, reg);
    ops->write(b, s, reg, 4, old);
    return val;
}

static void check_config(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                         const struct lspci_dump *e, const char *name)
{
    unsigned int bad = 0;

    for (unsigned int i = 0; i < e->len; i += 4) {
        uint32_t want = e->cfg[i] | e->cfg[i + 1] << 8 |
                        e->cfg[i + 2] << 16 | (uint32_t)e->cfg[i + 3] << 24;

        bad += rd(b, s, i) != want;
    }
    if (bad)
        fprintf(stderr, "%s: %u dwords differ from the dump\n", name, bad);
    CHECK_EQ(bad, 0);
}

/* The size and kind a BAR probe reports, as Linux's __pci_read_base(). */
static void check_bars(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                       const struct lspci_dump *e, const char *name)
{
    unsigned int rom = (e->cfg[0x0e] & 0x7f) == 1 ? 0x38 : 0x30;

    for (unsigned int i = 0; i < 7; i++) {
        const struct lspci_region *r = &e->bar[i];
        unsigned int reg = i == 6 ? rom : 0x10 + 4 * i;
        uint32_t lo;
        uint64_t size;

        if (!r->present)
            continue;
        lo = probe(b, s, reg);
        if (i == 6) {
            size = (uint32_t)(~(lo & 0xfffff800u) + 1);
        } else if (r->io) {
            CHECK_EQ(lo & 1, 1);
            size = (uint32_t)(~(lo & ~3u) + 1);
        } else {
            uint64_t mask = lo & ~0xfull;

            CHECK_EQ(lo & 1, 0);
            CHECK_EQ((lo >> 1) & 3, r->mem64 ? 2 : 0);
            CHECK_EQ(!!(lo & 8), r->prefetch);
            if (r->mem64)
                mask |= (uint64_t)probe(b, s, reg + 4) << 32;
            else
                mask |= 0xffffffff00000000ull;
            size = ~mask + 1;
        }
        if (r->size && size != r->size)
            fprintf(stderr, "%s: BAR %u sizes 0x%llx, text says 0x%llx\n",
                    name, i, (unsigned long long)size, r->size);
        if (r->size)
            CHECK_EQ(size, r->size);
        else
            CHECK(size >= 4); /* unsized text: some size, right kind */
    }
}

/* Save as sysfs, load into another bridge, compare everything. */
static void check_sysfs_roundtrip(struct lfv_sim_bridge *b, lfv_sbdf_t s,
                                  const char *tmp)
{
    struct lfv_sim_bridge *b2;
    char dir[256], path[320];
    lfv_sbdf_t s2 = 0;
    unsigned int bad = 0;

    snprintf(dir, sizeof(dir), "%s/%04x:%02x:%02x.%u", tmp, LFV_SBDF_SEG(s),
             LFV_SBDF_BUS(s), LFV_SBDF_DEV(s), LFV_SBDF_FN(s));
    CHECK_EQ(lfv_sim_save_sysfs(b, s, dir), 0);
    CHECK_EQ(lfv_sim_bridge_create(&b2), 0);
    CHECK_EQ(lfv_sim_add_sysfs(b2, dir, LFV_SIM_SBDF_AUTO, &s2), 0);
    CHECK_EQ(s2, s);
    for (unsigned int i = 0; i < 4096; i += 4)
        bad += rd(b, s, i) != rd(b2, s, i);
    CHECK_EQ(bad, 0);
    for (unsigned int i = 0; i < 7; i++)
        CHECK_EQ(lfv_sim_bar_size(b2, s, i), lfv_sim_bar_size(b, s, i));
    for (unsigned int reg = 0x10; reg <= 0x38; reg += 4)
        CHECK_EQ(probe(b2, s, reg), probe(b, s, reg));
    lfv_sim_bridge_destroy(b2);
    snprintf(path, sizeof(path), "%s/config", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/resource", dir);
    unlink(path);
    rmdir(dir);
}

static void load_one(struct lfv_sim_bridge *b, const char *dir,
                     const char *name, unsigned int idx, const char *tmp)
{
    static struct lspci_dump e;
    char path[2048];
    lfv_sbdf_t s = 0;
    int rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK(lspci_dump_parse(path, &e));
    rc = lfv_sim_add_lspci_file(b, path, LFV_SIM_SBDF_AUTO, &s);
    if (rc == -EEXIST) { /* two files share an address: move this one */
        CHECK(lfv_sim_present(b, e.sbdf));
        e.sbdf = LFV_SBDF(1, idx, 0, 0);
        rc = lfv_sim_add_lspci_file(b, path, e.sbdf, &s);
    }
    if (rc)
        fprintf(stderr, "%s: load failed: %d\n", name, rc);
    CHECK_EQ(rc, 0);
    CHECK_EQ(s, e.sbdf);
    if (rc)
        return;
    check_config(b, s, &e, name);
    check_bars(b, s, &e, name);
    check_config(b, s, &e, name); /* the probes restored every BAR */
    check_sysfs_roundtrip(b, s, tmp);
    printf("%-45s %04x:%02x:%02x.%u %4u bytes ok\n", name, LFV_SBDF_SEG(s),
           LFV_SBDF_BUS(s), LFV_SBDF_DEV(s), LFV_SBDF_FN(s), e.len);
}

int main(void)
{
    char dir[1024], tmp[] = "/tmp/simhw-lspci-XXXXXX";
    struct lfv_sim_bridge *b;
    struct dirent *de;
    unsigned int files = 0;
    DIR *d;

    lfv_rcu_register_thread();
    ops = lfv_sim_hw_ops();
    shared_lspci(dir, sizeof(dir), "");
    d = opendir(dir);
    if (!d || !mkdtemp(tmp)) {
        perror(dir);
        return EXIT_FAILURE;
    }
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);

        if (n > 4 && !strcmp(de->d_name + n - 4, ".txt"))
            load_one(b, dir, de->d_name, files++, tmp);
    }
    closedir(d);
    rmdir(tmp);
    CHECK(files >= 16);
    CHECK_EQ(lfv_sim_nr_devices(b), files);
    /* Both functions of the RTX 3090 sit on one device number. */
    CHECK(lfv_sim_present(b, LFV_SBDF(0, 0x0a, 0, 0)) &&
          lfv_sim_present(b, LFV_SBDF(0, 0x0a, 0, 1)));
    lfv_sim_bridge_destroy(b);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
