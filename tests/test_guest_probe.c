/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A guest's-eye view of real devices: every lspci dump in the shared data
 * directory is loaded on the simulated bridge (and again from the sysfs-style
 * directory the simulator saves of it), assigned to a guest, and
 * probed through the engine as Linux's PCI core does (IDs, header type,
 * save/all-ones/read/restore of every BAR with decoding off, capability
 * walk).  The IDs must match the dump, the sizes and kinds found must match
 * its Region lines, both capability walks must find exactly what the
 * default policy exposes (<lfvpci/caps.h>) at their real offsets, with the
 * hardware's contents and rebuilt pointers, COMMAND must read as a fresh
 * device's (0), MSI and MSI-X off, and the whole 4 KiB must read as the
 * guest view specifies: everything the header emulation does not expose
 * reads all-ones.  A PF whose dump has its VFs enabled is refused
 * (-EBUSY) until the host disables them; a bridge is refused (-EPERM).
 * The data directory: tests/shared_data.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#include "tests/check.h"
#include "tests/shared_data.h"
#include "tests/lspci_dump.h"

static uint32_t dump32(const struct lspci_dump *d, unsigned int off)
{
    return d->cfg[off] | d->cfg[off + 1] << 8 | d->cfg[off + 2] << 16 |
           (uint32_t)d->cfg[off + 3] << 24;
}

/* ---- what the guest must see, computed from the dump alone ---- */

/*
 * The default policy (<lfvpci/caps.h>), written out again here: standard
 * PM, MSI, MSI-X, PCI Express (the first of each) and every vendor-specific
 * capability; extended Device Serial Number and vendor-specific ones.
 */
struct cap {
    unsigned int pos, len, id;
};

static unsigned int dump16(const struct lspci_dump *d, unsigned int off)
{
    return d->cfg[off] | d->cfg[off + 1] << 8;
}

/* The hardware's chain, in chain order, loops cut; ext: the extended one. */
static unsigned int hw_chain(const struct lspci_dump *d, bool ext,
                             struct cap *out)
{
    static bool seen[4096];
    unsigned int n = 0, pos;

    memset(seen, 0, sizeof(seen));
    if (ext) {
        for (pos = 0x100; pos >= 0x100 && !seen[pos];
             pos = dump32(d, pos) >> 20 & 0xffc) {
            seen[pos] = true;
            if (!dump32(d, pos) || dump32(d, pos) == 0xffffffffu)
                break;
            out[n++] = (struct cap){ pos, 0, dump32(d, pos) & 0xffff };
        }
        return n;
    }
    if (!(d->cfg[0x06] & 0x10))
        return 0;
    for (pos = d->cfg[0x34] & ~3u; pos >= 0x40 && !seen[pos];
         pos = d->cfg[pos + 1] & ~3u) {
        seen[pos] = true;
        if (d->cfg[pos] == 0xff)
            break;
        out[n++] = (struct cap){ pos, 0, d->cfg[pos] };
    }
    return n;
}

/* Bytes up to the next capability of the chain, by offset. */
static unsigned int room(const struct cap *c, unsigned int n,
                         unsigned int pos, unsigned int end)
{
    for (unsigned int k = 0; k < n; k++)
        if (c[k].pos > pos && c[k].pos < end)
            end = c[k].pos;
    return end - pos;
}

static unsigned int exposed_caps(const struct lspci_dump *d, struct cap *out)
{
    struct cap hw[64];
    unsigned int nh = hw_chain(d, false, hw), n = 0, once = 0;

    for (unsigned int k = 0; k < nh; k++) {
        unsigned int pos = hw[k].pos, id = hw[k].id, r = room(hw, nh, pos,
                                                              0x100);
        unsigned int ctrl = dump16(d, pos + 2), len, bit = 1u << (id & 31);

        if (id != 0x09 && (once & bit))
            continue;
        once |= id == 0x09 ? 0 : bit;
        switch (id) {
        case 0x01: len = 8; break;
        case 0x05: len = 10 + (ctrl & 0x80 ? 4 : 0) +
                         (ctrl & 0x100 ? 10 : 0); break;
        case 0x11: len = 12; break;
        case 0x09: len = d->cfg[pos + 2] < 2 ? 2 : d->cfg[pos + 2]; break;
        case 0x10: len = (ctrl & 0xf) >= 2 ? 0x3c : 0x24; break;
        default: continue; /* hidden */
        }
        if ((id == 0x05 || id == 0x11) && len > r)
            continue; /* cannot be emulated where it is */
        out[n++] = (struct cap){ pos, len < r ? len : r, id };
    }
    return n;
}

static unsigned int exposed_ext(const struct lspci_dump *d, struct cap *out)
{
    static struct cap hw[960];
    unsigned int nh = d->len > 256 ? hw_chain(d, true, hw) : 0, n = 0;

    for (unsigned int k = 0; k < nh; k++) {
        unsigned int pos = hw[k].pos, r = room(hw, nh, pos, 0x1000), len;

        if (hw[k].id == 0x03)
            len = 12;
        else if (hw[k].id == 0x0b)
            len = dump32(d, pos + 4) >> 20 < 4 ? 4 : dump32(d, pos + 4) >> 20;
        else
            continue;
        out[n++] = (struct cap){ pos, len < r ? len : r, hw[k].id };
    }
    return n;
}

struct view_caps {
    struct cap caps[64], ext[960];
    unsigned int nr_caps, nr_ext;
};

static void expected_view(const struct lspci_dump *d, uint8_t *exp,
                          struct view_caps *vc)
{
    unsigned int type = d->cfg[0x0e] & 0x7f, nbars = type ? 2 : 6;
    bool pcie = false;

    memset(exp, 0xff, 4096);
    vc->nr_caps = exposed_caps(d, vc->caps);
    vc->nr_ext = exposed_ext(d, vc->ext);
    {
        struct cap hw[64];
        unsigned int nh = hw_chain(d, false, hw);

        for (unsigned int k = 0; k < nh; k++)
            pcie |= hw[k].id == 0x10;
    }
    memcpy(exp, d->cfg, 4);                 /* vendor, device */
    exp[4] = exp[5] = 0;                    /* a fresh COMMAND */
    exp[6] = d->cfg[6] & ~(vc->nr_caps ? 0 : 0x10);
    exp[7] = d->cfg[7];
    memcpy(exp + 8, d->cfg + 8, 4);         /* revision, class */
    exp[0x0c] = d->cfg[0x0c];               /* cache line size, as set */
    exp[0x0d] = d->cfg[0x0d];               /* latency timer */
    exp[0x0e] = d->cfg[0x0e] & 0x7f;
    exp[0x0f] = 0;                          /* BIST: not capable */
    for (unsigned int i = 0; i < nbars; i++) {
        bool hi_half = i && d->bar[i - 1].present && d->bar[i - 1].mem64;

        if (d->bar[i].present || hi_half)
            memcpy(exp + 0x10 + 4 * i, d->cfg + 0x10 + 4 * i, 4);
        else
            memset(exp + 0x10 + 4 * i, 0, 4); /* empty BAR */
    }
    if (type == 0)
        memcpy(exp + 0x2c, d->cfg + 0x2c, 4); /* subsystem IDs */
    memset(exp + (type ? 0x38 : 0x30), 0, 4); /* ROM */
    exp[0x34] = vc->nr_caps ? vc->caps[0].pos : 0;
    exp[0x3c] = 0;
    exp[0x3d] = d->cfg[0x3d];
    for (unsigned int k = 0; k < vc->nr_caps; k++) {
        const struct cap *c = &vc->caps[k];

        memcpy(exp + c->pos, d->cfg + c->pos, c->len);
        exp[c->pos + 1] = k + 1 < vc->nr_caps ? vc->caps[k + 1].pos : 0;
        /* a fresh device: MSI and MSI-X off, whatever the host left */
        if (c->id == 0x05)
            exp[c->pos + 2] &= ~0x01;
        if (c->id == 0x11)
            exp[c->pos + 3] &= ~0xc0;
    }
    if (!pcie && d->len <= 256)
        return;
    memset(exp + 0x100, 0, 4);
    if (vc->nr_ext && vc->ext[0].pos != 0x100)
        exp[0x102] = (vc->ext[0].pos << 4) & 0xf0, /* Null: ID 0, v0 */
        exp[0x103] = vc->ext[0].pos >> 4;
    for (unsigned int k = 0; k < vc->nr_ext; k++) {
        const struct cap *c = &vc->ext[k];
        unsigned int next = k + 1 < vc->nr_ext ? vc->ext[k + 1].pos : 0;

        memcpy(exp + c->pos, d->cfg + c->pos, c->len);
        exp[c->pos + 2] = (exp[c->pos + 2] & 0x0f) | (next << 4 & 0xf0);
        exp[c->pos + 3] = next >> 4;
    }
}

/* ---- the guest's probe, as Linux does it ---- */

static struct lfv_domain *guest;

static uint32_t rd(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    return lfv_conf_read(guest, s, reg, size);
}

static void wr(lfv_sbdf_t s, unsigned int reg, unsigned int size,
               uint32_t val)
{
    lfv_conf_write(guest, s, reg, size, val);
}

static uint32_t size_probe(lfv_sbdf_t s, unsigned int reg)
{
    uint32_t old = rd(s, reg, 4), val;

    wr(s, reg, 4, 0xffffffff);
    val = rd(s, reg, 4);
    wr(s, reg, 4, old);
    CHECK_EQ(rd(s, reg, 4), old);
    return val;
}

/* __pci_read_base(): kind and size of BAR i; returns the slots it took. */
static unsigned int probe_bar(lfv_sbdf_t s, unsigned int i,
                              const struct lspci_region *r, const char *name)
{
    unsigned int reg = 0x10 + 4 * i;
    uint32_t l = rd(s, reg, 4), sz = size_probe(s, reg);
    uint64_t mask, size;
    bool is64;

    if (!sz) {
        CHECK(!r->present);
        return 1;
    }
    CHECK(r->present);
    if (l & 1) {
        CHECK(r->io);
        size = (uint32_t)(~(sz & ~3u) + 1);
        is64 = false;
    } else {
        is64 = (l & 6) == 4;
        CHECK(!r->io);
        CHECK_EQ(is64, r->mem64);
        CHECK_EQ(!!(l & 8), r->prefetch);
        mask = sz & ~0xfull;
        mask |= is64 ? (uint64_t)size_probe(s, reg + 4) << 32
                     : 0xffffffff00000000ull;
        size = ~mask + 1;
    }
    if (r->size && size != r->size)
        fprintf(stderr, "%s: BAR %u: size 0x%llx, Region says 0x%llx\n", name,
                i, (unsigned long long)size, r->size);
    if (r->size)
        CHECK_EQ(size, r->size);
    return is64 ? 2 : 1;
}

/* pci_find_capability() / pci_find_next_ext_capability(), as Linux. */
static void walk_caps(lfv_sbdf_t s, const struct view_caps *vc)
{
    unsigned int pos, found = 0, ttl = 48;
    uint32_t hdr;

    CHECK_EQ(!!(rd(s, 0x06, 2) & 0x10), vc->nr_caps > 0);
    if (rd(s, 0x06, 2) & 0x10) {
        for (pos = rd(s, 0x34, 1) & ~3u; pos >= 0x40 && ttl--;
             pos = rd(s, pos + 1, 1) & ~3u) {
            CHECK(found < vc->nr_caps);
            if (found < vc->nr_caps) {
                CHECK_EQ(pos, vc->caps[found].pos);
                CHECK_EQ(rd(s, pos, 1), vc->caps[found].id);
            }
            found++;
        }
        CHECK_EQ(found, vc->nr_caps);
    }
    found = 0;
    ttl = (4096 - 256) / 8;
    pos = 0x100;
    hdr = rd(s, pos, 4);
    while (hdr && hdr != 0xffffffffu && ttl--) {
        if (pos != 0x100 || (hdr & 0xffff)) {
            CHECK(found < vc->nr_ext);
            if (found < vc->nr_ext) {
                CHECK_EQ(pos, vc->ext[found].pos);
                CHECK_EQ(hdr & 0xffff, vc->ext[found].id);
            }
            found++;
        }
        pos = hdr >> 20 & 0xffc;
        if (pos < 0x100)
            break;
        hdr = rd(s, pos, 4);
    }
    CHECK_EQ(found, vc->nr_ext);
}

static void compare_view(lfv_sbdf_t s, const uint8_t *exp, const char *name)
{
    unsigned int bad = 0;

    for (unsigned int off = 0; off < 4096; off += 4) {
        uint32_t got = rd(s, off, 4), want = exp[off] | exp[off + 1] << 8 |
                                             exp[off + 2] << 16 |
                                             (uint32_t)exp[off + 3] << 24;

        if (got != want && bad++ < 8)
            fprintf(stderr, "%s: 0x%03x reads %08x, expected %08x\n", name,
                    off, got, want);
    }
    CHECK_EQ(bad, 0);
}

static unsigned int probe_device(lfv_sbdf_t vs, const struct lspci_dump *d,
                                 const char *name)
{
    static uint8_t exp[4096];
    static struct view_caps vc;
    unsigned int nbars = (d->cfg[0x0e] & 0x7f) ? 2 : 6;
    uint16_t cmd;

    expected_view(d, exp, &vc);
    CHECK_EQ(rd(vs, 0x00, 2), dump32(d, 0) & 0xffff);
    CHECK_EQ(rd(vs, 0x02, 2), dump32(d, 0) >> 16);
    CHECK_EQ(rd(vs, 0x0e, 1), d->cfg[0x0e] & 0x7f);
    cmd = rd(vs, 0x04, 2);
    CHECK_EQ(cmd, 0);
    compare_view(vs, exp, name); /* before the probe writes anything */
    wr(vs, 0x04, 2, cmd & ~3u);
    for (unsigned int i = 0; i < nbars;)
        i += probe_bar(vs, i, &d->bar[i], name);
    CHECK_EQ(size_probe(vs, nbars == 6 ? 0x30 : 0x38), 0); /* ROM: none */
    wr(vs, 0x04, 2, cmd);
    walk_caps(vs, &vc);
    compare_view(vs, exp, name); /* and every probe restored */
    return vc.nr_caps + vc.nr_ext;
}

static unsigned int vfs_refused, bridges;

/*
 * A PF whose dump has its VFs enabled is refused (-EBUSY): the host
 * disables them (SR-IOV Control, VF Enable) before it goes to a guest.
 */
static void vfs_off(struct lfv_system *sys, struct lfv_sim_bridge *b,
                    lfv_sbdf_t s, const struct lspci_dump *d,
                    struct lfv_domain *g)
{
    struct cap ext[1024];
    unsigned int n = hw_chain(d, true, ext);

    for (unsigned int i = 0; i < n; i++) {
        if (ext[i].id == 0x10 && (dump16(d, ext[i].pos + 8) & 1)) {
            CHECK_EQ(lfv_pdev_assign(sys, s, g), -EBUSY);
            lfv_sim_cfg_write(b, s, ext[i].pos + 8, 2,
                              dump16(d, ext[i].pos + 8) & ~1u);
            vfs_refused++;
        }
    }
}

int main(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };
    static struct lspci_dump d;
    struct lfv_sim_bridge *b;
    struct lfv_domain *hwdom;
    struct lfv_system *sys;
    struct dirent *de;
    unsigned int files = 0;
    char dir[1024], path[2048], tmp[] = "/tmp/lfv-guest-probe-XXXXXX";
    DIR *dd;

    lfv_rcu_register_thread();
    shared_lspci(dir, sizeof(dir), "");
    dd = opendir(dir);
    if (!dd) {
        perror(dir);
        return EXIT_FAILURE;
    }
    CHECK(mkdtemp(tmp) != NULL);
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    p.hw = b;
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_domain_create(sys, 1, false, &guest), 0);
    while ((de = readdir(dd))) {
        size_t n = strlen(de->d_name);
        /* each at a function 0 of its own: guests get function 0 only */
        lfv_sbdf_t s = LFV_SBDF(0, 0x20 + files, 0, 0), vs;
        lfv_sbdf_t ss = LFV_SBDF(0, 0x60 + files, 0, 0);

        if (n <= 4 || strcmp(de->d_name + n - 4, ".txt"))
            continue;
        files++;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        CHECK(lspci_dump_parse(path, &d));
        CHECK_EQ(lfv_sim_add_lspci_file(b, path, s, NULL), 0);
        CHECK_EQ(lfv_pdev_add(sys, s), 0);
        if ((d.cfg[0x0e] & 0x7f) || dump16(&d, 0x0a) == 0x0600) {
            /* a bridge or host bridge: never a guest's, nothing changed */
            uint32_t cmd = lfv_sim_cfg_read(b, s, 0x04, 2);

            CHECK_EQ(lfv_pdev_assign(sys, s, guest), -EPERM);
            CHECK_EQ(lfv_sim_cfg_read(b, s, 0x04, 2), cmd);
            CHECK_EQ(lfv_domain_nr_devices(guest), 0);
            printf("%-45s refused (not an endpoint)\n", de->d_name);
            bridges++;
            continue;
        }
        vfs_off(sys, b, s, &d, guest);
        CHECK_EQ(lfv_pdev_assign(sys, s, guest), 0);
        CHECK_EQ(lfv_pdev_owner(sys, s, NULL, &vs), 0);
        n = probe_device(vs, &d, de->d_name);
        CHECK_EQ(lfv_pdev_assign(sys, s, hwdom), 0);
        /* the same device as a sysfs-style directory, seen the same way */
        snprintf(path, sizeof(path), "%s/%s.sysfs", tmp, de->d_name);
        CHECK_EQ(lfv_sim_save_sysfs(b, s, path), 0);
        CHECK_EQ(lfv_sim_add_sysfs(b, path, ss, NULL), 0);
        CHECK_EQ(lfv_pdev_add(sys, ss), 0);
        CHECK_EQ(lfv_pdev_assign(sys, ss, guest), 0);
        CHECK_EQ(lfv_pdev_owner(sys, ss, NULL, &vs), 0);
        CHECK_EQ(probe_device(vs, &d, path), n);
        CHECK_EQ(lfv_pdev_assign(sys, ss, hwdom), 0);
        printf("%-45s ok (lspci and sysfs), %zu capabilities exposed\n",
               de->d_name, n);
    }
    closedir(dd);
    CHECK(files >= 16);
    CHECK(vfs_refused >= 1); /* the 82576's dump has its VFs enabled */
    CHECK(bridges >= 3);     /* a switch port and two root ports */
    snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
    CHECK_EQ(system(path), 0);
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(b);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
