/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-bench-record DUMP... > bench/traces/enumerate.trace
 *
 * Records the enumerate trace (bench/trace.h): loads each lspci dump into
 * the simulated platform, builds a system with lfvpci's header, MSI and
 * MSI-X emulation, and probes every device as Linux does, first from the
 * hardware domain, then, once the endpoints are assigned to a guest, from
 * the guest (its virtual bus): vendor/device, class, header type, status,
 * interrupt pin and line, subsystem IDs; BAR and ROM sizing with decoding
 * off (pci_read_bases); a walk of the capability list per capability Linux
 * looks up (pci_find_capability) and of the extended list per extended
 * capability (pci_find_ext_capability); the PM and PCIe registers read at
 * init; MSI-X (or else MSI) set up as pci_enable_msix/msi do; decoding and
 * bus mastering enabled.  Every access goes through the engine, and what
 * the engine returns decides the walk.
 *
 * The registers each implementation emulates on a trace device (`reg`
 * lines) are those Xen registers: for the hardware domain 4.17's (COMMAND,
 * BARs and ROM, the MSI body, MSI-X control); for the guest also 4.19+'s
 * header emulation for domUs (IDs, status, class, header bytes, subsystem,
 * capability pointer and headers, interrupt line and pin, 0x100).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "lspci_system.h"
#include "trace.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct probe {
    bool present, bridge;
    bool bar[6], bar64[6], rom;
    unsigned int msi, msix, msi_ctrl;
    unsigned int caps[48], ncaps; /* positions of the capabilities seen */
};

static struct lfv_domain *cur_dom;
static lfv_sbdf_t cur_sbdf;
static unsigned int cur_idx;
static char *out;
static size_t out_len, out_cap;

static void emit(const char *fmt, ...)
{
    va_list ap;
    int n;

    if (out_cap - out_len < 256) {
        out_cap = out_cap ? 2 * out_cap : 1 << 16;
        out = realloc(out, out_cap);
        if (!out) {
            perror("lfvpci-bench-record");
            exit(1);
        }
    }
    va_start(ap, fmt);
    n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
    va_end(ap);
    out_len += (size_t)n;
}

static uint32_t rd(unsigned int reg, unsigned int size)
{
    uint32_t v = lfv_conf_read(cur_dom, cur_sbdf, reg, size);

    emit("r %u %x %u %x\n", cur_idx, reg, size, v);
    return v;
}

static void wr(unsigned int reg, unsigned int size, uint32_t v)
{
    lfv_conf_write(cur_dom, cur_sbdf, reg, size, v);
    emit("w %u %x %u %x\n", cur_idx, reg, size, v);
}

/* pci_find_capability(): status, the pointer, then the list. */
static unsigned int find_cap(struct probe *p, unsigned int id)
{
    unsigned int pos, ttl = 48;

    if (!(rd(0x06, 2) & 0x10))
        return 0;
    pos = rd(0x34, 1);
    while (ttl-- && pos >= 0x40) {
        uint32_t ent;

        pos &= ~3u;
        ent = rd(pos, 2);
        if ((ent & 0xff) == 0xff)
            break;
        if (p->ncaps < 48) {
            bool seen = false;

            for (unsigned int i = 0; i < p->ncaps; i++)
                seen |= p->caps[i] == pos;
            if (!seen)
                p->caps[p->ncaps++] = pos;
        }
        if ((ent & 0xff) == id)
            return pos;
        pos = ent >> 8;
    }
    return 0;
}

/* pci_find_ext_capability(). */
static unsigned int find_ext_cap(unsigned int id)
{
    unsigned int pos = 0x100, ttl = (4096 - 256) / 8;
    uint32_t h = rd(pos, 4);

    if (!h || h == 0xffffffffu)
        return 0;
    while (ttl--) {
        if ((h & 0xffff) == id && pos)
            return pos;
        pos = h >> 20;
        if (pos < 0x100)
            break;
        h = rd(pos, 4);
    }
    return 0;
}

/* pci_read_bases(): sizing with decoding off, as __pci_read_base. */
static void read_bases(struct probe *p)
{
    unsigned int nbars = p->bridge ? 2 : 6, rom = p->bridge ? 0x38 : 0x30;
    uint32_t cmd = rd(0x04, 2), l, sz;

    if (cmd & 3)
        wr(0x04, 2, cmd & ~3u);
    for (unsigned int i = 0; i < nbars; i++) {
        unsigned int pos = 0x10 + 4 * i;

        l = rd(pos, 4);
        wr(pos, 4, 0xffffffffu);
        sz = rd(pos, 4);
        wr(pos, 4, l);
        if (!sz || sz == 0xffffffffu)
            continue;
        p->bar[i] = true;
        if (!(l & 1) && ((l >> 1) & 3) == 2 && i + 1 < nbars) {
            p->bar64[i] = true;
            i++;
            pos += 4;
            l = rd(pos, 4);
            wr(pos, 4, 0xffffffffu);
            rd(pos, 4);
            wr(pos, 4, l);
        }
    }
    l = rd(rom, 4);
    wr(rom, 4, 0xfffff800u);
    sz = rd(rom, 4);
    wr(rom, 4, l);
    p->rom = sz && sz != 0xffffffffu && (sz & 0xfffff800u);
    if (cmd & 3)
        wr(0x04, 2, cmd);
}

static const unsigned int caps_linux_looks_up[] = {
    0x01 /* PM */, 0x10 /* PCIe */, 0x03 /* VPD */, 0x13 /* AF */,
    0x14 /* EA */, 0x08 /* HT */, 0x05 /* MSI */, 0x11 /* MSI-X */,
};
static const unsigned int ext_caps_linux_looks_up[] = {
    0x0e /* ARI */, 0x01 /* AER */, 0x0d /* ACS */, 0x10 /* SR-IOV */,
    0x0f /* ATS */, 0x13 /* PRI */, 0x1b /* PASID */, 0x18 /* LTR */,
    0x1e /* L1SS */, 0x1d /* DPC */, 0x1f /* PTM */, 0x15 /* REBAR */,
    0x03 /* DSN */, 0x0b /* VSEC */,
};

static void probe(struct probe *p)
{
    unsigned int pm = 0, exp = 0;

    memset(p, 0, sizeof(*p));
    if (rd(0x00, 4) == 0xffffffffu)
        return;
    p->present = true;
    rd(0x08, 4);
    p->bridge = (rd(0x0e, 1) & 0x7f) == 1;
    rd(0x06, 2);
    if (rd(0x3d, 1))
        rd(0x3c, 1);
    read_bases(p);
    if (!p->bridge) {
        rd(0x2c, 2);
        rd(0x2e, 2);
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(caps_linux_looks_up); i++) {
        unsigned int id = caps_linux_looks_up[i], pos = find_cap(p, id);

        if (id == 0x01)
            pm = pos;
        if (id == 0x10)
            exp = pos;
        if (id == 0x05)
            p->msi = pos;
        if (id == 0x11)
            p->msix = pos;
    }
    if (pm) {
        rd(pm + 2, 2);
        rd(pm + 4, 2);
    }
    if (exp) {
        static const unsigned int r[][2] = {
            { 0x02, 2 }, { 0x04, 4 }, { 0x08, 2 }, { 0x0c, 4 },
            { 0x10, 2 }, { 0x12, 2 }, { 0x24, 4 }, { 0x28, 2 },
        };

        for (unsigned int i = 0; i < 8; i++)
            rd(exp + r[i][0], r[i][1]);
        for (unsigned int i = 0; i < ARRAY_SIZE(ext_caps_linux_looks_up); i++)
            find_ext_cap(ext_caps_linux_looks_up[i]);
    }
    if (p->msix) { /* pci_enable_msix: masked and enabled, then unmasked */
        uint32_t c = rd(p->msix + 2, 2);

        wr(p->msix + 2, 2, (c | 0xc000) & 0xffff);
        rd(p->msix + 4, 4);
        rd(p->msix + 8, 4);
        wr(p->msix + 2, 2, (c | 0x8000) & ~0x4000u & 0xffff);
    } else if (p->msi) { /* pci_enable_msi */
        uint32_t c = rd(p->msi + 2, 2);
        unsigned int data = (c & 0x80) ? 0x0c : 0x08;

        p->msi_ctrl = c;
        wr(p->msi + 2, 2, c & ~1u);
        wr(p->msi + 4, 4, 0xfee00000u);
        if (c & 0x80)
            wr(p->msi + 8, 4, 0);
        wr(p->msi + data, 2, 0x4021);
        if (c & 0x100)
            wr(p->msi + data + 4, 4, 0);
        wr(p->msi + 2, 2, (c & ~0x70u) | 1);
    }
    if (p->msi && !p->msi_ctrl)
        p->msi_ctrl = rd(p->msi + 2, 2);
    wr(0x04, 2, (rd(0x04, 2) | 0x6) & 0xffff);
}

/* The registers Xen emulates (see the file comment), sorted, disjoint. */
static void emit_regs(unsigned int idx, const struct probe *p, bool guest)
{
    struct lfv_bench_treg r[LFV_TRACE_MAX_REGS];
    unsigned int n = 0, rom = p->bridge ? 0x38 : 0x30;

#define ADD(o, s)                                                            \
    do {                                                                     \
        if (n < LFV_TRACE_MAX_REGS)                                          \
            r[n++] = (struct lfv_bench_treg){ (o), (s) };                    \
    } while (0)
    ADD(0x04, 2);
    for (unsigned int i = 0; i < 6; i++)
        if (p->bar[i]) {
            ADD(0x10 + 4 * i, 4);
            if (p->bar64[i])
                ADD(0x14 + 4 * i, 4);
        }
    if (p->rom)
        ADD(rom, 4);
    if (p->msi) {
        unsigned int data = (p->msi_ctrl & 0x80) ? 0x0c : 0x08;

        ADD(p->msi + 2, 2);
        ADD(p->msi + 4, 4);
        if (p->msi_ctrl & 0x80)
            ADD(p->msi + 8, 4);
        ADD(p->msi + data, 2);
        if (p->msi_ctrl & 0x100)
            ADD(p->msi + data + 4, 4);
    }
    if (p->msix)
        ADD(p->msix + 2, 2);
    if (guest) {
        ADD(0x00, 4);
        ADD(0x06, 2);
        ADD(0x08, 4);
        ADD(0x0c, 1);
        ADD(0x0d, 1);
        ADD(0x0e, 1);
        if (!p->bridge)
            ADD(0x2c, 4);
        ADD(0x34, 1);
        ADD(0x3c, 1);
        ADD(0x3d, 1);
        for (unsigned int i = 0; i < p->ncaps; i++)
            ADD(p->caps[i], 2);
        ADD(0x100, 4);
    }
#undef ADD
    /* sort by offset, drop overlaps (the first registered wins) */
    for (unsigned int i = 1; i < n; i++)
        for (unsigned int j = i; j > 0 && r[j - 1].offset > r[j].offset; j--) {
            struct lfv_bench_treg t = r[j];

            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    printf("reg %u", idx);
    for (unsigned int i = 0, end = 0; i < n; i++) {
        if (r[i].offset < end)
            continue;
        printf(" %x:%u", r[i].offset, r[i].size);
        end = r[i].offset + r[i].size;
    }
    printf("\n");
}

static void put_sbdf(char *b, size_t n, lfv_sbdf_t s)
{
    snprintf(b, n, "%04x:%02x:%02x.%u", LFV_SBDF_SEG(s), LFV_SBDF_BUS(s),
             LFV_SBDF_DEV(s), LFV_SBDF_FN(s));
}

int main(int argc, char **argv)
{
    struct lfv_sim_bridge *br;
    struct lfv_system *sys;
    struct lfv_domain *hwdom, *guest;
    lfv_sbdf_t placed[LFV_TRACE_MAX_DEVS / 2];
    const char *names[LFV_TRACE_MAX_DEVS / 2];
    struct probe pr;
    unsigned int ndev = 0, idx = 0;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DUMP... > enumerate.trace\n", argv[0]);
        return 2;
    }
    lfv_rcu_register_thread();
    if (lfv_sim_bridge_create(&br)) {
        fprintf(stderr, "lfvpci-bench-record: no memory\n");
        return 1;
    }
    for (int i = 1; i < argc && ndev < LFV_TRACE_MAX_DEVS / 2; i++) {
        const char *base = strrchr(argv[i], '/');

        rc = lfv_sim_add_lspci_file(br, argv[i], LFV_SIM_SBDF_AUTO,
                                    &placed[ndev]);
        if (rc == -EEXIST) /* two dumps of one address: the next free bus */
            rc = lfv_sim_add_lspci_file(br, argv[i],
                                        LFV_SBDF(0, 0x40 + i, 0, 0),
                                        &placed[ndev]);
        if (rc) {
            fprintf(stderr, "lfvpci-bench-record: %s: %d, skipped\n",
                    argv[i], rc);
            continue;
        }
        names[ndev++] = base ? base + 1 : argv[i];
    }

    rc = lspci_system_create(br, &sys);
    if (!rc)
        rc = lfv_domain_create(sys, 0, true, &hwdom);
    if (!rc)
        rc = lfv_domain_create(sys, 1, false, &guest);
    if (rc) {
        fprintf(stderr, "lfvpci-bench-record: system: %d\n", rc);
        return 1;
    }
    for (unsigned int i = 0; i < ndev; i++) {
        rc = lfv_pdev_add(sys, placed[i]);
        if (rc) {
            fprintf(stderr, "lfvpci-bench-record: %s: lfv_pdev_add: %d\n",
                    names[i], rc);
            return 1;
        }
    }
    printf("# lfvpci enumerate trace (bench/trace.h), written by\n"
           "# lfvpci-bench-record (bench/record_enumerate.c) from:\n");
    for (unsigned int i = 0; i < ndev; i++)
        printf("#   %s\n", names[i]);
    /* The hardware domain probes every device. */
    cur_dom = hwdom;
    for (unsigned int i = 0; i < ndev; i++, idx++) {
        char a[16];

        cur_sbdf = placed[i];
        cur_idx = idx;
        probe(&pr);
        put_sbdf(a, sizeof(a), placed[i]);
        printf("dev %u hwdom %s %s %.*s\n", idx, a, a,
               (int)(strlen(names[i]) - 4), names[i]);
        emit_regs(idx, &pr, false);
    }
    /* Then the guest probes the endpoints assigned to it. */
    cur_dom = guest;
    for (unsigned int i = 0; i < ndev; i++) {
        char a[16], b[16];
        lfv_sbdf_t v;
        uint32_t type = lfv_conf_read(hwdom, placed[i], 0x0e, 1) & 0x7f;

        if (type != 0 || LFV_SBDF_FN(placed[i]) != 0 ||
            lfv_pdev_assign(sys, placed[i], guest) ||
            lfv_pdev_owner(sys, placed[i], NULL, &v))
            continue;
        cur_sbdf = v;
        cur_idx = idx;
        probe(&pr);
        put_sbdf(a, sizeof(a), v);
        put_sbdf(b, sizeof(b), placed[i]);
        printf("dev %u guest %s %s %.*s\n", idx, a, b,
               (int)(strlen(names[i]) - 4), names[i]);
        emit_regs(idx, &pr, true);
        idx++;
    }
    fwrite(out, 1, out_len, stdout);
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    free(out);
    return 0;
}
