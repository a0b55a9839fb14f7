/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the guest capability policy (<lfvpci/caps.h>) on
 * arbitrary capability chains, arbitrary policies and arbitrary guest
 * write sequences.
 *
 * Input (little-endian, zeros once it runs out):
 *   u8 flags: bit 0 pm_dstate_to_hw, bits 1-3 the number of rules;
 *   per rule: u16 id, u8 (bit 0 ext, bits 1-2 mode, bit 3 one field),
 *             and for a field: u16 offset, u8 size, u32 write_mask (the
 *             fuzzer never gives a field a hw_mask: see the oracle);
 *   u16 n, then n patches (u16 offset, u32 value): dwords written into
 *             a 4096-byte configuration space at 0x34..0xfff (the header
 *             before it is fixed: one 4 KiB memory BAR);
 *   then guest operations until the input ends: u16 offset, u8 size code
 *             (1, 2 or 4 bytes), u32 value: a write, then a read.
 *
 * Invariants, after assignment and after every write:
 *  - assignment succeeds, or fails with -EINVAL only for a policy field
 *    past its capability (never an overlap of emulated registers);
 *  - the guest's standard and extended chains end: no capability twice,
 *    every one inside its space (0x40..0xfc, 0x100..0xffc);
 *  - no guest write changes a bit of the hardware's 0x40..0xfff, except
 *    the PowerState bits of the first PM capability when the policy lets
 *    them through (pm_dstate_to_hw).
 * One system for the process (the header hook only: MSI and MSI-X write
 * their own controls to hardware); each input adds its device, assigns
 * it to the guest and removes it.
 */
#include <errno.h>

#include <lfvpci/caps.h>
#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/simhw.h>

#include "fuzz/fuzz_util.h"

static const lfv_sbdf_t DEV = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *guest;

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops() };
    struct lfv_domain *hwdom;

    if (sys)
        return;
    FUZZ_CHECK(!lfv_sim_bridge_create(&br), "bridge");
    p.hw = br;
    FUZZ_CHECK(!lfv_system_create(&p, &sys), "system");
    FUZZ_CHECK(!lfv_system_add_hook(sys, &lfv_header_hook), "hook");
    FUZZ_CHECK(!lfv_domain_create(sys, 0, true, &hwdom), "hwdom");
    FUZZ_CHECK(!lfv_domain_create(sys, 1, false, &guest), "guest");
}

static void put(uint8_t *cfg, unsigned int off, unsigned int size,
                uint32_t v)
{
    for (unsigned int i = 0; i < size && off + i < 4096; i++)
        cfg[off + i] = (uint8_t)(v >> 8 * i);
}

static size_t to_text(const uint8_t *cfg, char *text, size_t cap)
{
    size_t n = (size_t)snprintf(text, cap,
        "01:00.0 Device [0000]: fuzzed\n"
        "\tRegion 0: Memory at e1000000 (32-bit, non-prefetchable) "
        "[size=4K]\n");

    for (unsigned int off = 0; off < 4096; off += 16) {
        n += (size_t)snprintf(text + n, cap - n,
                              off < 0x100 ? "%02x:" : "%03x:", off);
        for (unsigned int i = 0; i < 16; i++)
            n += (size_t)snprintf(text + n, cap - n, " %02x", cfg[off + i]);
        n += (size_t)snprintf(text + n, cap - n, "\n");
    }
    return n;
}

/* The first PM capability of the hardware's chain (0: none). */
static unsigned int first_pm(const uint8_t *cfg)
{
    bool seen[256] = { false };

    if (!(cfg[0x06] & 0x10))
        return 0;
    for (unsigned int pos = cfg[0x34] & ~3u; pos >= 0x40 && !seen[pos];
         pos = cfg[pos + 1] & ~3u) {
        seen[pos] = true;
        if (cfg[pos] == 0xff)
            return 0;
        if (cfg[pos] == 0x01)
            return pos;
    }
    return 0;
}

static void check_chains(void)
{
    bool seen[4096] = { false };
    unsigned int pos;
    uint32_t hdr;

    if (lfv_conf_read(guest, VS0, 0x06, 2) & 0x10) {
        for (pos = lfv_conf_read(guest, VS0, 0x34, 1); pos;
             pos = lfv_conf_read(guest, VS0, pos + 1, 1)) {
            FUZZ_CHECK(pos >= 0x40 && pos <= 0xfc && !(pos & 3) && !seen[pos],
                       "standard chain reaches 0x%x (again?)", pos);
            seen[pos] = true;
        }
    }
    hdr = lfv_conf_read(guest, VS0, 0x100, 4);
    if (hdr == 0xffffffffu)
        return;
    for (pos = 0x100; hdr; hdr = lfv_conf_read(guest, VS0, pos, 4)) {
        seen[pos] = true;
        pos = hdr >> 20;
        if (!pos)
            break;
        FUZZ_CHECK(pos >= 0x100 && !(pos & 3) && !seen[pos],
                   "extended chain reaches 0x%x (again?)", pos);
    }
}

static void check_hw(const uint8_t *before, unsigned int pm, bool dstate)
{
    for (unsigned int off = 0x40; off < 4096; off += 4) {
        uint32_t now = lfv_sim_cfg_read(br, DEV, off, 4), was = 0, may = 0;

        for (unsigned int i = 0; i < 4; i++)
            was |= (uint32_t)before[off + i] << 8 * i;
        if (pm && dstate && off == pm + 4)
            may = 0x03;
        FUZZ_CHECK(((now ^ was) & ~may) == 0,
                   "hardware dword 0x%03x changed: %08x -> %08x", off, was,
                   now);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t cfg[4096], before[4096];
    static char text[32768];
    struct fuzz_in in = { data, size };
    struct lfv_cap_rule rules[8];
    struct lfv_cap_field fields[8];
    struct lfv_cap_policy pol = { rules, 0, false };
    uint8_t flags = fuzz_u8(&in);
    unsigned int npatch, pm;
    bool custom = false, dstate;
    size_t n;
    int rc;

    fuzz_rcu_thread();
    pol.pm_dstate_to_hw = flags & 1;
    pol.nr_rules = (flags >> 1) & 7;
    for (unsigned int i = 0; i < pol.nr_rules; i++) {
        uint16_t id = fuzz_u16(&in);
        uint8_t how = fuzz_u8(&in);

        rules[i] = (struct lfv_cap_rule){ id, how & 1, (how >> 1) & 3,
                                          NULL, 0 };
        if (how & 8) {
            fields[i].offset = fuzz_u16(&in);
            fields[i].size = fuzz_u8(&in);
            fields[i].write_mask = fuzz_u32(&in);
            fields[i].hw_mask = 0;
            fields[i].hw_rw1c_mask = 0;
            rules[i].fields = &fields[i];
            rules[i].nr_fields = 1;
        }
    }
    memset(cfg, 0, sizeof(cfg));
    put(cfg, 0x00, 4, 0x56781234);
    put(cfg, 0x06, 2, 0x0010);
    put(cfg, 0x08, 4, 0x02000001);
    put(cfg, 0x10, 4, 0xe1000000);
    npatch = fuzz_u16(&in);
    for (unsigned int i = 0; i < npatch && fuzz_left(&in); i++) {
        unsigned int off = fuzz_u16(&in) & 0xfff;

        put(cfg, off < 0x34 ? 0x34 : off, 4, fuzz_u32(&in));
    }
    n = to_text(cfg, text, sizeof(text));
    setup();
    if (lfv_sim_add_lspci(br, text, n, DEV, NULL))
        return 0; /* the loader refused it: not this target's business */
    FUZZ_CHECK(!lfv_pdev_add(sys, DEV), "add");
    rc = lfv_pdev_set_cap_policy(sys, DEV, &pol);
    FUZZ_CHECK(!rc || rc == -EINVAL, "set_cap_policy: %d", rc);
    dstate = !rc && pol.pm_dstate_to_hw;
    for (unsigned int i = 0; !rc && i < pol.nr_rules; i++)
        custom |= rules[i].nr_fields > 0;
    rc = lfv_pdev_assign(sys, DEV, guest);
    FUZZ_CHECK(!rc || (rc == -EINVAL && custom),
               "assignment failed: %d", rc);
    if (!rc) {
        for (unsigned int off = 0; off < 4096; off++)
            before[off] = (uint8_t)lfv_sim_cfg_read(br, DEV, off, 1);
        pm = first_pm(before);
        check_chains();
        while (fuzz_left(&in)) {
            unsigned int off = fuzz_u16(&in) & 0xfff;
            unsigned int sz = 1u << (fuzz_u8(&in) % 3);
            uint32_t val = fuzz_u32(&in);

            off &= ~(sz - 1);
            lfv_conf_write(guest, VS0, off, sz, val);
            (void)lfv_conf_read(guest, VS0, off, sz);
            check_hw(before, pm, dstate);
        }
        check_chains();
    }
    FUZZ_CHECK(!lfv_pdev_remove(sys, DEV), "remove");
    FUZZ_CHECK(!lfv_sim_remove(br, DEV), "sim remove");
    return 0;
}
