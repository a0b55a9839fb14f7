/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A device whose MSI-X Table Size changes between two reads of its
 * control register (a faulty device, or one whose previous owner
 * reprogrammed its firmware: the hardware is not trusted).  The header
 * sizes the trapped table region from one read; the emulation must size
 * its entries from that same read, whatever the device says later.
 * Otherwise a guest's access to an entry inside the trapped region but
 * past the entries the emulation allocated reads and writes hypervisor
 * memory (here: a heap overflow), its binding is never undone
 * (disabling MSI-X and de-assignment visit the allocated entries only),
 * and the control register tells the guest a size that is not the
 * table's.
 *
 * The device (A of msi_platform.h: 16 entries) tells the truth to the
 * header, then lies: a hook ordered between the header and MSI-X
 * (priority -15) arms the lie while the owner's state is built.  MSI
 * likewise: the layout of its registers (64-bit address, per-vector
 * masking) is the one the header exposed (B's MSI, test_msi_layout()),
 * and both emulate the capabilities the header found, whatever ID the
 * device shows later (test_cap_id()).
 */
#include "tests/msi_platform.h"

#define QSIZE_MASK 0x07ffu

static bool lie;              /* A's Table Size reads lie_qsize */
static unsigned int lie_qsize;
static bool lie_armed;        /* the hook sets lie */
static bool lie_msi;          /* B's MSI says 64-bit and maskable */
static bool lie_msi_armed;    /* the hook sets lie_msi */
static bool lie_id;           /* A's MSI capability's ID reads 0x11 */
static bool lie_id_armed;     /* the hook sets lie_id */

#define MSI_64_MASK 0x0180u   /* PCI_MSI_FLAGS_64BIT | _MASKBIT */

static uint32_t liar_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                          unsigned int size)
{
    uint32_t v = lfv_sim_hw_ops()->read(hw, sbdf, reg, size);
    unsigned int ctl = MSIX + 2;

    if (__atomic_load_n(&lie, __ATOMIC_RELAXED) && sbdf == A &&
        reg <= ctl && reg + size >= ctl + 2) {
        unsigned int sh = 8 * (ctl - reg);

        v = (v & ~((uint32_t)QSIZE_MASK << sh)) | lie_qsize << sh;
    }
    if (__atomic_load_n(&lie_id, __ATOMIC_RELAXED) && sbdf == A &&
        reg <= MSI && reg + size > MSI)
        v = (v & ~(0xffu << 8 * (MSI - reg))) | 0x11u << 8 * (MSI - reg);
    if (__atomic_load_n(&lie_msi, __ATOMIC_RELAXED) && sbdf == B &&
        reg <= MSI + 2 && reg + size >= MSI + 4)
        v |= MSI_64_MASK << 8 * (MSI + 2 - reg);
    return v;
}

static void liar_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                       unsigned int size, uint32_t val)
{
    lfv_sim_hw_ops()->write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops liar_ops = { liar_read, liar_write };

static int liar_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    (void)v, (void)e;
    __atomic_store_n(&lie, lie_armed, __ATOMIC_RELAXED);
    __atomic_store_n(&lie_msi, lie_msi_armed, __ATOMIC_RELAXED);
    __atomic_store_n(&lie_id, lie_id_armed, __ATOMIC_RELAXED);
    return 0;
}

static const struct lfv_vpci_hook liar_hook = {
    .name = "liar", .init = liar_init, .priority = -15,
};

/* Every device tells the truth again (the end of each test). */
static void truthful(void)
{
    lie = lie_armed = lie_msi = lie_msi_armed = lie_id = lie_id_armed = false;
}

/* Give A to d with the device lying from the MSI-X hook's init on. */
static void assign_lying(struct lfv_domain *d, unsigned int qsize)
{
    lie = false;
    lie_qsize = qsize;
    lie_armed = true;
    CHECK_EQ(lfv_pdev_assign(sys, A, d), 0);
    CHECK(lie); /* the hook ran: the header read the truth, MSI-X not */
}

/* The device now says 1 entry; the trapped table has 16. */
static void test_fewer(void)
{
    const uint64_t last = TBL + 16 * 15;

    assign_lying(g1, 0);
    CHECK_EQ(lfv_domain_msix_regions(g1), 2);
    /* the guest sees the table the emulation traps */
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2) & QSIZE_MASK, 15);
    /* entry 15 is an entry like the others */
    CHECK_EQ(mrd(g1, last + 12, 4), 1); /* masked at reset */
    mwr(g1, last + 0, 8, 0x00000001fee00010ull);
    mwr(g1, last + 8, 4, 0x4055);
    CHECK_EQ(mrd(g1, last + 0, 8), 0x00000001fee00010ull);
    ev_reset();
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    mwr(g1, last + 12, 4, 0); /* unmask: bound */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, true, 15, 0x1fee00010ull, 0x4055, false));
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 1);
    wr(g1, VS0, MSIX + 2, 2, 0); /* disable: every bound entry unbound */
    CHECK_EQ(nr_evs, 2);
    CHECK(ev_is(1, EV_UNBIND, true, 15, 0x1fee00010ull, 0x4055, false));
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
    /* bound again, then taken away: de-assignment unbinds it */
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 1);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
    truthful();
}

/* The device now says 2048 entries; the trapped table has 16. */
static void test_more(void)
{
    uint64_t v;

    assign_lying(g1, QSIZE_MASK);
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2) & QSIZE_MASK, 15);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), 0x800f);
    /* past the 16 entries: the rest of the page, not a table entry */
    ev_reset();
    CHECK_EQ(lfv_msix_mmio_write(g1, TBL + 16 * 16 + 12, 4, 0), 0);
    CHECK_EQ(nr_evs, 0);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 16 * 16 + 12, 4, &v), 0);
    CHECK_EQ(v, 0xffffffffu); /* the device's, not decoding */
    wr(g1, VS0, MSIX + 2, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
    truthful();
}

/* The hardware domain (x86: emulated like a guest's) likewise. */
static void test_hwdom(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, g2), 0);
    assign_lying(hwdom, 0);
    CHECK_EQ(rd(hwdom, A, MSIX + 2, 2) & QSIZE_MASK, 15);
    wr(hwdom, A, MSIX + 2, 2, 0x8000);
    ev_reset();
    mwr(hwdom, TBL + 16 * 15 + 12, 4, 0);
    CHECK(ev_is(0, EV_BIND, true, 15, 0, 0, false));
    wr(hwdom, A, MSIX + 2, 2, 0);
    CHECK(ev_is(1, EV_UNBIND, true, 15, 0, 0, false));
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
    truthful();
}

/*
 * B's MSI: 32-bit, not maskable, 1 vector (10 bytes, at 0x50; MSI-X at
 * 0x70).  It turns 64-bit and maskable once the header has laid out the
 * 10 bytes the owner sees: the emulation must keep that layout, not one
 * of 24 bytes whose mask and pending registers (0x60, 0x64) would lie
 * past the capability the header exposed (the pending one reading the
 * hardware there, which may be a hidden capability's), and the control
 * register must say what the emulation is.
 */
static void test_msi_layout(void)
{
    lie_msi = false;
    lie_msi_armed = true;
    CHECK_EQ(lfv_pdev_assign(sys, B, g1), 0);
    CHECK(lie_msi);
    CHECK_EQ(lfv_sim_cfg_read(br, B, MSI + 2, 2) & MSI_64_MASK, 0);
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2) & MSI_64_MASK, 0);
    wr(g1, VS0, MSI + 4, 4, 0xfee00000);
    wr(g1, VS0, MSI + 8, 2, 0x31); /* 32-bit: the data follows */
    CHECK_EQ(rd(g1, VS0, MSI + 8, 2), 0x31);
    /* past the capability's 10 bytes: nothing the guest sees */
    CHECK_EQ(rd(g1, VS0, MSI + 12, 2), 0xffff);
    CHECK_EQ(rd(g1, VS0, MSI + 16, 4), 0xffffffffu);
    CHECK_EQ(rd(g1, VS0, MSI + 20, 4), 0xffffffffu);
    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 0x1);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, false, 0, 0xfee00000ull, 0x31, false));
    wr(g1, VS0, MSI + 2, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, hwdom), 0);
    truthful();
}

/*
 * A's MSI capability (0x50) says it is an MSI-X one once the header has
 * walked the chain: the MSI and MSI-X emulations take the capabilities
 * the header found (MSI at 0x50, MSI-X at 0x70), so the guest's MSI-X
 * enable reaches the MSI-X control register and nothing else, and its MSI
 * is emulated.
 */
static void test_cap_id(void)
{
    const unsigned int cap = MSIX + 2, other = MSI + 2;

    lie_id = false;
    lie_id_armed = true;
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK(lie_id);
    truthful();
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2), 0x0184); /* emulated MSI control */
    wr(g1, VS0, MSI + 4, 4, 0xfee00000);
    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 0x1);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, false, 0, 0xfee00000ull, 0, false));
    wr(g1, VS0, MSI + 2, 2, 0);
    /* MSI-X enable and function mask: in the MSI-X control register */
    wr(g1, VS0, cap, 2, 0xc000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, cap, 2) & 0xc000, 0xc000);
    CHECK_EQ(lfv_sim_cfg_read(br, A, other, 2) & 0xc000, 0);
    CHECK_EQ(rd(g1, VS0, cap, 2), 0xc00f);
    wr(g1, VS0, cap, 2, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, cap, 2) & 0xc000, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);
}

int main(void)
{
    lfv_rcu_register_thread();
    extra_hook = &liar_hook;
    setup_hw_ops = &liar_ops;
    setup(LFV_ARCH_X86);
    test_fewer();
    test_more();
    test_hwdom();
    test_msi_layout();
    test_cap_id();
    teardown();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
