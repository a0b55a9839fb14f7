/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stage B's unit-level differential (integration/xen/GUEST-PLAN.md 4):
 * one scripted sequence of the hardware domain's header accesses run on
 * Xen 4.17's header.c (the series' copy, as Arm builds it: no MSI-X
 * holes; in user space, xen_hwdom_emul.h) and on lfvpci's model with the
 * options patch 18 gives it (hwdom_msix_mapped, bar_valid as
 * pci_check_bar(), bar_write_ignored, every map deferred), each on its
 * own simulated bus holding the same devices.  After every step the two
 * must agree on: the devices' header registers in the hardware
 * (0x00-0x3f), what the hardware domain reads there, the frames mapped
 * 1:1 in its p2m, and the warnings printed.  Steps: add, Linux-style
 * sizing, decoding on and off, a BAR move while mapped (ignored, warned)
 * and while not, the ROM enabled, moved while mapped and disabled, a BAR
 * pci_check_bar() refuses, a device added with decoding on, a deferred
 * map that fails.
 *
 * Known difference, not compared: removal (4.17 leaves the BARs mapped,
 * the model unmaps them).  XEN_HWDOM_DIFF_MUTANT (a negative control):
 * the model without hwdom_msix_mapped; the differential must fail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "xen_hwdom_emul.h"
#include "tests/check.h"

#define CMD PCI_COMMAND
#define MEM PCI_COMMAND_MEMORY
#define MASTER PCI_COMMAND_MASTER

/* A: 64-bit BAR 0, BAR 2 with the MSI-X table and PBA, a ROM. */
static const struct lfv_sim_device_desc dev_a = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM64, false, 0x10000, 0xe0000000 },
             [2] = { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
    .rom_size = 0x8000, .rom_addr = 0xe0200000,
    .msix = { true, 16, 2, 0, 2, 0x2000 },
};
/* B: one page; C: outside the host bridge's windows (pci_check_bar()). */
static const struct lfv_sim_device_desc dev_b = {
    .vendor = 0x10ec, .device = 0x8125, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x1000, 0xe0300000 } },
};
static const struct lfv_sim_device_desc dev_c = {
    .vendor = 0x1af4, .device = 0x1042, .class_code = 0x010000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xf0000000 } },
};
/* D: added with decoding on. */
static const struct lfv_sim_device_desc dev_d = {
    .vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x2000, 0xe0400000 } },
};

enum { A, B, C, D, NR_DEVS };
static const lfv_sbdf_t sbdf[NR_DEVS] = {
    LFV_SBDF(0, 1, 0, 0), LFV_SBDF(0, 2, 0, 0), LFV_SBDF(0, 3, 0, 0),
    LFV_SBDF(0, 4, 0, 0),
};
static const struct lfv_sim_device_desc *const desc[NR_DEVS] = {
    &dev_a, &dev_b, &dev_c, &dev_d,
};

/* The host bridge forwards [0xe0000000, 0xefffffff] only. */
static bool host_bar_valid(uint64_t s, uint64_t e)
{
    return s >= 0xe0000000 && e <= 0xefffffff;
}

/* Frames compared: everything the devices' BARs may cover. */
#define FRAME_LO 0xe0000ul
#define FRAME_HI 0xe0500ul
#define FRAME_HI2 0xf0000ul
#define FRAME_HI2_END 0xf0008ul

/* ---- 4.17's side: header.c in xen_hwdom_emul.h's Xen ---------------- */

extern vpci_register_init_t *const xen_hwdom_init_bars;

static struct lfv_sim_bridge *br417;
static struct domain dom0 = { .domain_id = 0 };
struct vcpu xen_hwdom_vcpu = { .domain = &dom0 };
int system_state = SYS_STATE_active;
static struct pci_dev pdev417[NR_DEVS];
static struct vpci vpci417[NR_DEVS];
static unsigned int nr_pdev417;
static bool mapped417[FRAME_HI2_END - FRAME_LO];
static unsigned int softirqs, map_fail_at = ~0u, map_calls;

/* Warnings, by message: 4.17's printed, the model's reported. */
struct warns {
    unsigned int bar_ignored, rom_ignored, invalid;
};
static struct warns warn417, warn_model;

void xen_hwdom_assert_failed(const char *what, int line)
{
    fprintf(stderr, "header.c:%d: ASSERT(%s) failed\n", line, what);
    abort();
}

void xen_hwdom_printk(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (strstr(buf, "ignored ROM BAR write while mapped"))
        warn417.rom_ignored++;
    else if (strstr(buf, "ignored BAR") && strstr(buf, "write while mapped"))
        warn417.bar_ignored++;
    else if (strstr(buf, "invalid position"))
        warn417.invalid++;
}

void raise_softirq(unsigned int nr)
{
    CHECK_EQ(nr, SCHEDULE_SOFTIRQ);
    softirqs++;
}

void process_pending_softirqs(void) { }
bool general_preempt_check(void) { return false; }

/* Xen's rangeset: disjoint sorted ranges. */
#define RS_MAX 64
struct rangeset {
    unsigned int n;
    unsigned long s[RS_MAX], e[RS_MAX];
};

struct rangeset *rangeset_new(struct domain *d, const char *name,
                              unsigned int flags)
{
    (void)d, (void)name, (void)flags;
    return calloc(1, sizeof(struct rangeset));
}

void rangeset_destroy(struct rangeset *r)
{
    free(r);
}

int rangeset_remove_range(struct rangeset *r, unsigned long s,
                          unsigned long e)
{
    struct rangeset out = { 0 };

    for (unsigned int i = 0; i < r->n; i++) {
        if (r->e[i] < s || r->s[i] > e) {
            out.s[out.n] = r->s[i];
            out.e[out.n++] = r->e[i];
            continue;
        }
        if (r->s[i] < s) {
            out.s[out.n] = r->s[i];
            out.e[out.n++] = s - 1;
        }
        if (r->e[i] > e) {
            out.s[out.n] = e + 1;
            out.e[out.n++] = r->e[i];
        }
        CHECK(out.n < RS_MAX);
    }
    *r = out;
    return 0;
}

int rangeset_add_range(struct rangeset *r, unsigned long s, unsigned long e)
{
    unsigned int i;

    /* merge with what overlaps or touches, then insert sorted */
    for (i = 0; i < r->n; i++)
        if (r->s[i] <= e + 1 && s <= r->e[i] + 1) {
            s = s < r->s[i] ? s : r->s[i];
            e = e > r->e[i] ? e : r->e[i];
        }
    rangeset_remove_range(r, s, e);
    for (i = 0; i < r->n && r->s[i] < s; i++)
        ;
    CHECK(r->n < RS_MAX);
    memmove(&r->s[i + 1], &r->s[i], (r->n - i) * sizeof(r->s[0]));
    memmove(&r->e[i + 1], &r->e[i], (r->n - i) * sizeof(r->e[0]));
    r->s[i] = s;
    r->e[i] = e;
    r->n++;
    return 0;
}

bool rangeset_overlaps_range(struct rangeset *r, unsigned long s,
                             unsigned long e)
{
    for (unsigned int i = 0; i < r->n; i++)
        if (r->s[i] <= e && s <= r->e[i])
            return true;
    return false;
}

int rangeset_consume_ranges(struct rangeset *r,
                            int (*cb)(unsigned long s, unsigned long e,
                                      void *ctxt, unsigned long *c),
                            void *ctxt)
{
    int rc = 0;

    while (r->n) {
        unsigned long consumed = 0;

        rc = cb(r->s[0], r->e[0], ctxt, &consumed);
        r->s[0] += consumed;
        if (r->s[0] > r->e[0]) {
            r->n--;
            memmove(&r->s[0], &r->s[1], r->n * sizeof(r->s[0]));
            memmove(&r->e[0], &r->e[1], r->n * sizeof(r->e[0]));
        }
        if (rc)
            break;
    }
    return rc;
}

static bool *frame417(unsigned long f)
{
    CHECK(f >= FRAME_LO && f < FRAME_HI2_END);
    return &mapped417[f - FRAME_LO];
}

/* Arm's contract: the whole range, or an error and nothing changed. */
static int p2m417(unsigned long g, unsigned long nr, unsigned long m,
                  bool map)
{
    CHECK_EQ(g, m); /* identity for the hardware domain */
    if (map && ++map_calls == map_fail_at)
        return -ENOMEM;
    for (unsigned long i = 0; i < nr; i++)
        *frame417(g + i) = map;
    return 0;
}

int map_mmio_regions(struct domain *d, gfn_t gfn, unsigned long nr,
                     mfn_t mfn)
{
    (void)d;
    return p2m417(gfn.g, nr, mfn.m, true);
}

int unmap_mmio_regions(struct domain *d, gfn_t gfn, unsigned long nr,
                       mfn_t mfn)
{
    (void)d;
    return p2m417(gfn.g, nr, mfn.m, false);
}

/* Arm's pci_check_bar() (with patch 2): whole frames, end inclusive. */
bool pci_check_bar(const struct pci_dev *pdev, mfn_t start, mfn_t end)
{
    (void)pdev;
    return host_bar_valid((uint64_t)start.m << 12,
                          ((uint64_t)end.m << 12) + 0xfff);
}

uint8_t pci_conf_read8(pci_sbdf_t s, unsigned int reg)
{
    return lfv_sim_cfg_read(br417, s.sbdf, reg, 1);
}

uint16_t pci_conf_read16(pci_sbdf_t s, unsigned int reg)
{
    return lfv_sim_cfg_read(br417, s.sbdf, reg, 2);
}

uint32_t pci_conf_read32(pci_sbdf_t s, unsigned int reg)
{
    return lfv_sim_cfg_read(br417, s.sbdf, reg, 4);
}

void pci_conf_write16(pci_sbdf_t s, unsigned int reg, uint16_t val)
{
    lfv_sim_cfg_write(br417, s.sbdf, reg, 2, val);
}

void pci_conf_write32(pci_sbdf_t s, unsigned int reg, uint32_t val)
{
    lfv_sim_cfg_write(br417, s.sbdf, reg, 4, val);
}

/* drivers/passthrough/pci.c's, as 4.17 has it (no SR-IOV here). */
unsigned int pci_size_mem_bar(pci_sbdf_t sbdf, unsigned int pos,
                              uint64_t *paddr, uint64_t *psize,
                              unsigned int flags)
{
    uint32_t hi = 0, bar = pci_conf_read32(sbdf, pos);
    uint64_t size;
    bool is64bits = !(flags & PCI_BAR_ROM) &&
        (bar & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
    uint32_t mask = (flags & PCI_BAR_ROM) ? (uint32_t)PCI_ROM_ADDRESS_MASK
                                          : (uint32_t)PCI_BASE_ADDRESS_MEM_MASK;

    pci_conf_write32(sbdf, pos, ~0u);
    if (is64bits) {
        if (flags & PCI_BAR_LAST) {
            *psize = 0;
            return 1;
        }
        hi = pci_conf_read32(sbdf, pos + 4);
        pci_conf_write32(sbdf, pos + 4, ~0u);
    }
    size = pci_conf_read32(sbdf, pos) & mask;
    if (is64bits) {
        size |= (uint64_t)pci_conf_read32(sbdf, pos + 4) << 32;
        pci_conf_write32(sbdf, pos + 4, hi);
    } else if (size) {
        size |= (uint64_t)~0 << 32;
    }
    pci_conf_write32(sbdf, pos, bar);
    size = -size;
    if (paddr)
        *paddr = (bar & mask) | ((uint64_t)hi << 32);
    *psize = size;
    return is64bits ? 2 : 1;
}

int vpci_add_register(struct vpci *vpci, vpci_read_t *read_handler,
                      vpci_write_t *write_handler, unsigned int offset,
                      unsigned int size, void *data)
{
    CHECK(vpci->nr_regs < XEN_HWDOM_MAX_REGS);
    vpci->regs[vpci->nr_regs++] = (struct xen_hwdom_reg){
        offset, size, read_handler, write_handler, data };
    return 0;
}

uint32_t vpci_hw_read16(const struct pci_dev *pdev, unsigned int reg,
                        void *data)
{
    (void)data;
    return pci_conf_read16(pdev->sbdf, reg);
}

uint32_t vpci_hw_read32(const struct pci_dev *pdev, unsigned int reg,
                        void *data)
{
    (void)data;
    return pci_conf_read32(pdev->sbdf, reg);
}

/* 4.17's vPCI state goes (its failed deferred map removes it). */
void vpci_remove_device(struct pci_dev *pdev)
{
    pdev->vpci = NULL;
}

bool vpci_guest_process_pending(struct vcpu *v)
{
    (void)v;
    CHECK(!"a guest's pending work in the hardware domain's test");
    return false;
}

static struct pci_dev *find417(lfv_sbdf_t s)
{
    for (unsigned int i = 0; i < nr_pdev417; i++)
        if (pdev417[i].sbdf.sbdf == s)
            return &pdev417[i];
    return NULL;
}

static const struct xen_hwdom_reg *reg417(const struct pci_dev *p,
                                          unsigned int reg, unsigned int size)
{
    if (!p || !p->vpci)
        return NULL;
    for (unsigned int i = 0; i < p->vpci->nr_regs; i++)
        if (p->vpci->regs[i].offset == reg && p->vpci->regs[i].size == size)
            return &p->vpci->regs[i];
    return NULL;
}

/* The vCPU returns to the guest: Arm's check_for_vcpu_work(). */
static void vcpu_work417(void)
{
    while (vpci_process_pending(current))
        ;
}

static void add417(unsigned int i)
{
    struct pci_dev *p = &pdev417[nr_pdev417++];

    p->sbdf.sbdf = sbdf[i];
    p->domain = &dom0;
    p->vpci = &vpci417[i];
    dom0.pdevs[nr_pdev417 - 1] = p;
    CHECK_EQ(xen_hwdom_init_bars(p), 0);
    vcpu_work417();
}

static void write417(lfv_sbdf_t s, unsigned int reg, unsigned int size,
                     uint32_t val)
{
    struct pci_dev *p = find417(s);
    const struct xen_hwdom_reg *r = reg417(p, reg, size);

    if (r)
        r->write(p, reg, val, r->data);
    else
        lfv_sim_cfg_write(br417, s, reg, size, val);
    vcpu_work417();
}

static uint32_t read417(lfv_sbdf_t s, unsigned int reg, unsigned int size)
{
    struct pci_dev *p = find417(s);
    const struct xen_hwdom_reg *r = reg417(p, reg, size);

    return r ? r->read(p, reg, r->data) : lfv_sim_cfg_read(br417, s, reg,
                                                           size);
}

/* ---- the model's side: what patch 18 makes of the hardware domain ---- */

static struct lfv_sim_bridge *brm;
static struct lfv_system *sys;
static struct lfv_domain *hwdom;

static bool model_bar_valid(void *hw, lfv_sbdf_t s, uint64_t start,
                            uint64_t end)
{
    (void)hw, (void)s;
    if (host_bar_valid(start, end))
        return true;
    warn_model.invalid++; /* guest.c prints 4.17's warning */
    return false;
}

static void model_bar_write_ignored(void *hw, lfv_sbdf_t s, unsigned int bar)
{
    (void)hw, (void)s;
    if (bar == LFV_HEADER_ROM)
        warn_model.rom_ignored++;
    else
        warn_model.bar_ignored++;
}

static void vcpu_work_model(void)
{
    while (lfv_header_process_pending(hwdom, 4096, NULL, NULL) == 1)
        ;
}

static void add_model(unsigned int i)
{
    CHECK_EQ(lfv_pdev_add(sys, sbdf[i]), 0);
}

static void write_model(lfv_sbdf_t s, unsigned int reg, unsigned int size,
                        uint32_t val)
{
    lfv_conf_write(hwdom, s, reg, size, val);
    vcpu_work_model();
}

/* ---- the script ---------------------------------------------------- */

static unsigned int step;
static const char *step_name;

static void compare(void)
{
    unsigned int bad = 0;

    for (unsigned int i = 0; i < NR_DEVS; i++) {
        if (!lfv_sim_present(br417, sbdf[i]))
            continue;
        for (unsigned int reg = 0; reg < 0x40; reg += 4) {
            uint32_t h417 = lfv_sim_cfg_read(br417, sbdf[i], reg, 4);
            uint32_t hm = lfv_sim_cfg_read(brm, sbdf[i], reg, 4);
            uint32_t v417 = read417(sbdf[i], reg, 4);
            uint32_t vm = lfv_conf_read(hwdom, sbdf[i], reg, 4);

            if (h417 != hm || v417 != vm) {
                fprintf(stderr, "step %u (%s): device %c reg %#x: hardware "
                        "%#010x / %#010x, dom0 reads %#010x / %#010x "
                        "(4.17 / model)\n", step, step_name, 'A' + i, reg,
                        h417, hm, v417, vm);
                bad++;
            }
        }
    }
    for (unsigned long f = FRAME_LO; f < FRAME_HI2_END; f++) {
        uint64_t m = 0;
        bool mm;

        if (f == FRAME_HI)
            f = FRAME_HI2;
        mm = lfv_p2m_translate(lfv_domain_p2m(hwdom), f, &m);
        if (mm && m != f)
            mm = false, bad++;
        if (*frame417(f) != mm) {
            if (bad < 20)
                fprintf(stderr, "step %u (%s): frame %#lx mapped %d / %d "
                        "(4.17 / model)\n", step, step_name, f,
                        *frame417(f), mm);
            bad++;
        }
    }
    if (memcmp(&warn417, &warn_model, sizeof(warn417))) {
        fprintf(stderr, "step %u (%s): warnings (BAR, ROM, invalid) "
                "%u %u %u / %u %u %u (4.17 / model)\n", step, step_name,
                warn417.bar_ignored, warn417.rom_ignored, warn417.invalid,
                warn_model.bar_ignored, warn_model.rom_ignored,
                warn_model.invalid);
        bad++;
    }
    CHECK_EQ(bad, 0);
    step++;
}

#define STEP(name) (step_name = (name))

static void wr(unsigned int dev, unsigned int reg, unsigned int size,
               uint32_t val)
{
    write417(sbdf[dev], reg, size, val);
    write_model(sbdf[dev], reg, size, val);
}

/* Linux's sizing of a BAR register: all-ones, read, restore. */
static void size_bar(unsigned int dev, unsigned int reg)
{
    uint32_t old = read417(sbdf[dev], reg, 4);

    CHECK_EQ(old, lfv_conf_read(hwdom, sbdf[dev], reg, 4));
    wr(dev, reg, 4, reg == PCI_ROM_ADDRESS ? PCI_ROM_ADDRESS_MASK : ~0u);
    CHECK_EQ(read417(sbdf[dev], reg, 4),
             lfv_conf_read(hwdom, sbdf[dev], reg, 4));
    wr(dev, reg, 4, old);
}

static void setup(void)
{
    const struct lfv_system_params params = {
        .hw_ops = lfv_sim_hw_ops(), .arch = LFV_ARCH_ARM,
        .bar_valid = model_bar_valid,
        .bar_write_ignored = model_bar_write_ignored,
#ifndef XEN_HWDOM_DIFF_MUTANT
        .hwdom_msix_mapped = true,
#endif
    };
    struct lfv_system_params p = params;

    CHECK_EQ(lfv_sim_bridge_create(&br417), 0);
    CHECK_EQ(lfv_sim_bridge_create(&brm), 0);
    for (unsigned int i = 0; i < NR_DEVS; i++) {
        CHECK_EQ(lfv_sim_add(br417, sbdf[i], desc[i]), 0);
        CHECK_EQ(lfv_sim_add(brm, sbdf[i], desc[i]), 0);
    }
    p.hw = brm;
    CHECK_EQ(lfv_system_create(&p, &sys), 0);
    CHECK_EQ(lfv_system_add_hook(sys, &lfv_header_hook), 0);
    CHECK_EQ(lfv_domain_create(sys, 0, true, &hwdom), 0);
    CHECK_EQ(lfv_header_set_defer(hwdom, 0), 0); /* as guest.c does */
}

int main(void)
{
    lfv_rcu_register_thread();
    setup();

    STEP("add A, B, C with decoding off");
    for (unsigned int i = A; i <= C; i++) {
        add417(i);
        add_model(i);
    }
    compare();

    STEP("Linux sizes A's BARs and ROM");
    for (unsigned int reg = PCI_BASE_ADDRESS_0; reg <= PCI_BASE_ADDRESS_5;
         reg += 4)
        size_bar(A, reg);
    size_bar(A, PCI_ROM_ADDRESS);
    compare();

    STEP("A: decoding and bus mastering on (MSI-X pages mapped)");
    wr(A, CMD, 2, MEM | MASTER);
    compare();

    STEP("A: BAR 2 moved while mapped (ignored, warned)");
    wr(A, PCI_BASE_ADDRESS_2, 4, 0xe0110000);
    compare();

    STEP("A: BAR 0 and 1 rewritten with their values while mapped");
    wr(A, PCI_BASE_ADDRESS_0, 4, read417(sbdf[A], PCI_BASE_ADDRESS_0, 4));
    wr(A, PCI_BASE_ADDRESS_1, 4, 0);
    compare();

    STEP("A: BAR 1 (the high half) changed while mapped");
    wr(A, PCI_BASE_ADDRESS_1, 4, 1);
    compare();

    STEP("A: ROM enabled while decoding");
    wr(A, PCI_ROM_ADDRESS, 4, 0xe0200001);
    compare();

    STEP("A: ROM moved while mapped (ignored, warned)");
    wr(A, PCI_ROM_ADDRESS, 4, 0xe0280001);
    compare();

    STEP("A: ROM disabled");
    wr(A, PCI_ROM_ADDRESS, 4, 0xe0200000);
    compare();

    STEP("B on, C on (C outside the windows: skipped, warned)");
    wr(B, CMD, 2, MEM);
    wr(C, CMD, 2, MEM);
    compare();

    STEP("A off, BAR 0 moved, A on at the new place");
    wr(A, CMD, 2, MASTER);
    wr(A, PCI_BASE_ADDRESS_0, 4, 0xe0440000);
    wr(A, CMD, 2, MEM | MASTER);
    compare();

    STEP("A: ROM enabled with decoding off (nothing mapped)");
    wr(A, CMD, 2, 0);
    wr(A, PCI_ROM_ADDRESS, 4, 0xe0280001);
    compare();

    STEP("A: decoding on (the ROM too)");
    wr(A, CMD, 2, MEM);
    compare();

    STEP("everything off");
    wr(A, CMD, 2, 0);
    wr(B, CMD, 2, 0);
    wr(C, CMD, 2, 0);
    compare();

    STEP("D added with decoding on");
    lfv_sim_cfg_write(br417, sbdf[D], CMD, 2, MEM);
    lfv_sim_cfg_write(brm, sbdf[D], CMD, 2, MEM);
    add417(D);
    add_model(D);
    compare();

    STEP("B on, its deferred map failing: MEMORY off, the rest written");
    map_fail_at = map_calls + 1;
    lfv_p2m_fail_map_after(lfv_domain_p2m(hwdom), 0, -ENOMEM);
    wr(B, CMD, 2, MEM | MASTER);
    lfv_p2m_fail_map_after(lfv_domain_p2m(hwdom), -1, 0);
    /* 4.17 then drops B's vPCI state: only the hardware is compared */
    CHECK_EQ(lfv_sim_cfg_read(br417, sbdf[B], CMD, 2),
             lfv_sim_cfg_read(brm, sbdf[B], CMD, 2));
    CHECK_EQ(lfv_sim_cfg_read(brm, sbdf[B], CMD, 2) & (MEM | MASTER),
             MASTER);
    CHECK(pdev417[B].vpci == NULL);

    CHECK(softirqs > 0); /* 4.17 deferred its maps */
    printf("differential: %u steps compared, %u softirqs, warnings "
           "%u BAR / %u ROM / %u invalid\n", step, softirqs,
           warn417.bar_ignored, warn417.rom_ignored, warn417.invalid);
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br417);
    lfv_sim_bridge_destroy(brm);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
