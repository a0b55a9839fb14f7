/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_xen_guest: the series' Xen code for guests (patches 14-16: a
 * guest's configuration space on lfvpci's virtual bus, assignment without
 * an IOMMU, deferred BAR mapping) compiled from Xen's patched tree:
 * xen/drivers/vpci/guest.c and xen/arch/arm/vpci.c whole; from
 * xen/drivers/passthrough/pci.c and iommu.c the domctls and what the
 * series adds or changes (iommu_do_domctl()'s gate, device_assigned(),
 * assign_device(), deassign_device() and their no-IOMMU halves,
 * pci_release_devices(), pci_remove_device(), free_pdev()); from
 * xen/drivers/vpci/vpci.c the access and ECAM paths and the hardware
 * domain's state (vpci_add_handlers(), vpci_remove_device()); from
 * xen/drivers/pci/pci.c the extended capability walk.  On
 * lfvpci's model and RCU, the series' lfvpci-p2m.c and tests/xen/stub's
 * p2m with Arm's contract.  Not compiled: pci_add_device() (the test adds
 * devices as it does, xen_guest_platform.c), the IOMMU drivers (none:
 * their paths abort), 4.17's header.c (the hardware domain's state has no
 * register hooks), MSI/MSI-X.
 *
 * Every configuration access of a vCPU is an MMIO access dispatched to
 * the handler Arm's domain_vpci_init() registered: a guest's at
 * GUEST_VPCI_ECAM_BASE, the hardware domain's at its host bridge's ECAM
 * window.  Assignment and de-assignment are XEN_DOMCTL_{,de}assign_device
 * through iommu_do_domctl(); destruction is pci_release_devices() on a
 * dying, paused domain; removal is pci_remove_device().
 *
 * Functional: the domctl gates (option off, no vPCI, test_assign, a
 * second owner, self-assignment); a guest without a device sees an empty
 * bus and reaches no hardware; with one, 00:00.0 shows its IDs and
 * nothing else answers; ECAM: 8-byte accesses split in two dwords, a
 * misaligned access refused; BAR sizing; a BAR placed by the guest is
 * mapped gfn -> host mfn only after vpci_process_pending() rounds
 * (deferred, preempted), unmapped when decoding goes off; MASTER never
 * reaches the hardware (no IOMMU); a map of frames not granted (iomem
 * permission) fails and leaves decoding off; ownership moves (pdev's
 * domain and lists, the hardware domain's vPCI state retired and
 * rebuilt); de-assignment, destruction and removal leave the guest's p2m
 * empty and decoding and bus mastering off.  Test-assignment refuses what
 * assignment refuses (bridges, host bridges, ARI extended functions,
 * broken devices; with -EBUSY an SR-IOV physical function whose VFs are
 * enabled, which stays the hardware domain's, mapped and untouched, and
 * goes once the host clears VF Enable).  A guest with RAM populated over
 * a frame of its mapped BAR (Arm's unmap_mmio_regions() refuses such a
 * range) that loses the device (de-assigned or removed) keeps its RAM and
 * runs on, none of
 * the device's frames mapped; if the device's frames cannot be removed
 * at all, it is crashed with its vCPUs already paused synchronously
 * (domain_pause(), never under pcidevs_lock), and stays off once the
 * device is the hardware domain's.  The hardware domain whose unmap
 * fails at assignment (-ENOMEM) keeps its 1:1 mappings and runs on; the
 * device is the guest's (the series' documented choice).
 *
 * Races: vCPU threads of two guests probe, size, toggle decoding and run
 * vpci_process_pending(), and a hardware-domain vCPU reads the device,
 * while a control thread assigns the device to one guest, then
 * de-assigns it, or destroys the guest, or removes and re-adds the
 * device.  Every hardware access a guest's vCPU makes must be to the
 * device, while that guest may own it (from before its assignment to a
 * grace period after its de-assignment); after every control step no
 * guest's p2m has an entry outside the BARs of a device it owns.
 *
 * Negative controls: XEN_GUEST_FALLBACK_HW (the guest path reaches the
 * host at the guest's SBDF) must fail the hardware-access checks;
 * XEN_GUEST_RETIRE_SKIPS_UNMAP (the unmaps of retirement, made under
 * the control steps, claim success and change nothing: through the
 * linker's --wrap of lfv_p2m_unmap) must fail the p2m check;
 * XEN_GUEST_UNSAFE_FREE (lfv_rcu_call() frees at once, through --wrap)
 * must be reported by TSan or ASan.
 */
#include <pthread.h>
#include <sched.h>

#include <lfvpci/p2m.h>
#include <lfvpci/simhw.h>

#include "xen_guest_platform.h"
#include "tests/check.h"
#include "tests/sim_cfg.h"

#define CMD 0x04
#define BAR0 0x10
#define MEM 0x2
#define MASTER 0x4
#define BAR0_SIZE 0x20000u
#define BAR0_HOST 0xe0000000u
#define GUEST_BAR 0x23000000u /* GUEST_VPCI_MEM_ADDR */
#define IDS 0x10d38086u

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define INC(x) __atomic_fetch_add(&(x), 1, __ATOMIC_RELAXED)

/* e1000e-like D1 (assigned), and D2, never assigned to anyone. */
static const struct lfv_sim_device_desc dev_d1 = {
    .vendor = 0x8086, .device = 0x10d3, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, BAR0_SIZE, BAR0_HOST } },
};
static const struct lfv_sim_device_desc dev_d2 = {
    .vendor = 0x1af4, .device = 0x1042, .class_code = 0x010000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x4000, 0xe0100000 } },
};
static const lfv_sbdf_t D1 = LFV_SBDF(0, 1, 0, 0);
static const lfv_sbdf_t D2 = LFV_SBDF(0, 2, 0, 0);
static const lfv_sbdf_t VS0 = LFV_SBDF(0, 0, 0, 0);
static struct pci_dev *pdev1; /* D1's struct pci_dev (re-added: a new one) */

/*
 * PF, an 82576-like SR-IOV physical function (test_sriov_gate()): BAR 0
 * one page at PF_BAR_HOST; the SR-IOV capability at PF_SRIOV, behind a
 * DSN at 0x100, its control (VF Enable, VF MSE) at PF_SRIOV_CTRL.
 */
#define PF_IDS 0x10c98086u
#define PF_BAR_HOST 0xe1000000u
#define PF_SRIOV 0x140
#define PF_SRIOV_CTRL (PF_SRIOV + 0x08)
#define VFE 0x1
#define VF_MSE 0x8
static const lfv_sbdf_t PF = LFV_SBDF(0, 3, 0, 0);

/* --- the user-space Xen ------------------------------------------------ */

bool opt_vpci_assign_no_iommu = true, iommu_enabled;
int vpci_rcu_lock;
static struct lfv_sim_bridge *br;
static unsigned long nr_softirq, nr_preempt_calls;

void raise_softirq(unsigned int nr)
{
    if (nr == SCHEDULE_SOFTIRQ)
        INC(nr_softirq);
}

bool general_preempt_check(void)
{
    return INC(nr_preempt_calls) % 3 == 2;
}

/*
 * The hardware.  may[id]: guest id may reach D1's hardware (set before
 * its assignment, cleared a grace period after its de-assignment).  The
 * hardware domain reaches any device; a thread without a vCPU is not
 * checked (the test's own reads).
 */
static int may[4];
static unsigned long nr_guest_hw, nr_bad_hw;

static void hw_check(uint32_t sbdf)
{
    const struct vcpu *v = current;

    if (!v || is_hardware_domain(v->domain))
        return;
    INC(nr_guest_hw);
    if (sbdf != D1 || !LOAD(may[v->domain->domain_id])) {
        if (INC(nr_bad_hw) < 5)
            fprintf(stderr, "d%u reached the hardware at %#x\n",
                    v->domain->domain_id, sbdf);
    }
}

static void grace_hw_stop(void);

static uint32_t hw_read(uint32_t sbdf, unsigned int reg, unsigned int size)
{
    grace_hw_stop();
    hw_check(sbdf);
    return lfv_sim_cfg_read(br, sbdf, reg, size);
}

static void hw_write(uint32_t sbdf, unsigned int reg, unsigned int size,
                     uint32_t val)
{
    hw_check(sbdf);
    lfv_sim_cfg_write(br, sbdf, reg, size, val);
}

uint8_t pci_conf_read8(pci_sbdf_t s, unsigned int reg)
{
    return hw_read(s.sbdf, reg, 1);
}

uint16_t pci_conf_read16(pci_sbdf_t s, unsigned int reg)
{
    return hw_read(s.sbdf, reg, 2);
}

uint32_t pci_conf_read32(pci_sbdf_t s, unsigned int reg)
{
    return hw_read(s.sbdf, reg, 4);
}

void pci_conf_write8(pci_sbdf_t s, unsigned int reg, uint8_t val)
{
    hw_write(s.sbdf, reg, 1, val);
}

void pci_conf_write16(pci_sbdf_t s, unsigned int reg, uint16_t val)
{
    hw_write(s.sbdf, reg, 2, val);
}

void pci_conf_write32(pci_sbdf_t s, unsigned int reg, uint32_t val)
{
    hw_write(s.sbdf, reg, 4, val);
}

static uint32_t hw_cmd(void)
{
    return lfv_sim_cfg_read(br, D1, CMD, 2);
}

#ifdef XEN_GUEST_FALLBACK_HW
uint32_t xen_guest_hw_read(uint32_t sbdf, unsigned int reg, unsigned int size)
{
    return hw_read(sbdf, reg, size);
}

void xen_guest_hw_write(uint32_t sbdf, unsigned int reg, unsigned int size,
                        uint32_t val)
{
    hw_write(sbdf, reg, size, val);
}
#define FALLBACK_HW 1
#else
#define FALLBACK_HW 0
#endif

#ifdef XEN_GUEST_UNSAFE_FREE
/* The negative control: no grace period (linked with --wrap). */
void __wrap_lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn);
void __wrap_lfv_rcu_call(struct lfv_rcu_head *head, lfv_rcu_callback_t *fn)
{
    fn(head);
}
#endif

/* Set on the control thread while it de-assigns, destroys or removes. */
static __thread bool in_retire;

#ifdef XEN_GUEST_RETIRE_SKIPS_UNMAP
/*
 * The negative control: retirement's unmaps (the only p2m changes the
 * control steps make; the guests' own are their vCPUs') claim success
 * and leave the p2m as it was.  Linked with --wrap=lfv_p2m_unmap.
 */
int __real_lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr,
                         uint64_t mfn);
int __wrap_lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr,
                         uint64_t mfn);
int __wrap_lfv_p2m_unmap(struct lfv_p2m *p, uint64_t gfn, uint64_t nr,
                         uint64_t mfn)
{
    if (in_retire)
        return 0;
    return __real_lfv_p2m_unmap(p, gfn, nr, mfn);
}
#define RETIRE_SKIPS_UNMAP 1
#else
#define RETIRE_SKIPS_UNMAP 0
#endif

extern int (*const xen_guest_initcall)(void);

/* --- the toolstack and domain_kill() ------------------------------------- */

static struct vcpu v0 = { NULL }; /* the control thread's: the hwdom's */

struct grace {
    struct lfv_rcu_head head;
    int done;
};

static void grace_done(struct lfv_rcu_head *head)
{
    STORE(((struct grace *)head)->done, 1);
}

/* Wait for a grace period (the control thread is in no read section). */
static void grace_period(void)
{
    struct grace g = { .done = 0 };

    lfv_rcu_call(&g.head, grace_done);
    while (!LOAD(g.done))
        sched_yield();
}

static unsigned long nr_frames(const struct domain *d)
{
    return __atomic_load_n(&d->nr_frames, __ATOMIC_RELAXED);
}

static int domctl(struct domain *d, uint32_t cmd, uint32_t sbdf)
{
    struct xen_domctl dc = { .cmd = cmd };

    dc.u.assign_device.dev = XEN_DOMCTL_DEV_PCI;
    dc.u.assign_device.u.pci.machine_sbdf = sbdf;
    return iommu_do_domctl(&dc, d, &dc);
}

static int assign(struct domain *d)
{
    int rc;

    STORE(may[d->domain_id], 1);
    rc = domctl(d, XEN_DOMCTL_assign_device, D1);
    if (rc) {
        grace_period();
        STORE(may[d->domain_id], 0);
    }
    return rc;
}

static int deassign(struct domain *d)
{
    int rc;

    in_retire = true;
    rc = domctl(d, XEN_DOMCTL_deassign_device, D1);
    in_retire = false;
    grace_period();
    STORE(may[d->domain_id], 0);
    return rc;
}

/*
 * domain_kill(): is_dying, its vCPUs paused (the caller's), its devices
 * released.  Arm refuses every p2m change of a dying domain, unmaps too:
 * retirement gives up on them (lfv_p2m_revoke(), nothing to do for a
 * dying domain) and what the guest had mapped goes with its p2m
 * (relinquish_p2m_mapping(), the next step of domain_relinquish_resources()),
 * here before the caller puts a new domain with the same id in its place.
 * The number of p2m entries the release left.
 */
static unsigned long destroy(struct domain *d)
{
    unsigned long left;

    d->is_dying = true;
    CHECK_EQ(pci_release_devices(d), 0);
    grace_period();
    STORE(may[d->domain_id], 0);
    left = nr_frames(d);
    xen_stub_p2m_relinquish(d);
    return left;
}

/* PHYSDEVOP_pci_device_remove, then the device is added back. */
static int remove_readd(struct domain *owner)
{
    int rc;

    in_retire = true;
    rc = pci_remove_device(0, LFV_SBDF_BUS(D1), PCI_DEVFN(D1));
    in_retire = false;
    if (owner) {
        grace_period();
        STORE(may[owner->domain_id], 0);
    }
    pdev1 = xen_guest_add_device(D1);
    return rc;
}

/*
 * With patch 18 (VPCI_HWDOM_MODEL) the hardware domain's devices are in
 * the model: its lfv_domain exists once a device of it was added.
 */
static bool hwdom_in_model(void)
{
    return hardware_domain->vpci_dom != NULL;
}

/*
 * Where the device is and whether the hardware domain has vPCI state for
 * it: vpci.c's (pdev->vpci) or, with patch 18, the model's (the device
 * assigned to the hardware domain's lfv_domain).
 */
static struct domain *owner_of(struct pci_dev *pdev, bool *hwdom_state)
{
    struct lfv_domain *hl;
    unsigned int domid;
    struct domain *d;

    pcidevs_lock();
    d = pdev->domain;
    CHECK(pci_get_pdev(d, pdev->sbdf) == pdev);
    hl = hardware_domain->vpci_dom;
    *hwdom_state = pdev->vpci != NULL ||
                   (hl && !lfv_pdev_owner(lfv_domain_system(hl),
                                          pdev->sbdf.sbdf, &domid, NULL) &&
                    domid == hardware_domain->domain_id);
    pcidevs_unlock();
    return d;
}

/*
 * No p2m entry of d outside the BARs of a device it owns, the guest's own
 * RAM aside (xen_stub_populate()): none at all if it owns nothing, else
 * only frames of D1's BAR 0, wherever the guest put it (at first where
 * the host has it: the model starts a guest's BARs at the host's
 * addresses).  The caller keeps d's vCPUs out of the p2m meanwhile.  The
 * number of stray entries.
 */
static unsigned long p2m_stray(const struct domain *d, bool owns)
{
    unsigned long bad = 0;

    for (unsigned long i = 0; i < XEN_STUB_FRAMES; i++) {
        const struct xen_stub_frame *f = &d->frames[i];
        unsigned long off = f->mfn - (BAR0_HOST >> 12);
        bool ok;

        if (f->gfn == ~0UL || f->ram)
            continue; /* (the guest's own RAM is no device's) */
        ok = owns && off < (BAR0_SIZE >> 12);
        if (!ok && bad++ < 3)
            fprintf(stderr, "d%u: p2m entry gfn %#lx -> mfn %#lx outside "
                    "its owned BARs\n", d->domain_id, f->gfn, f->mfn);
    }
    return bad;
}

/* --- a vCPU's configuration accesses, through ECAM ------------------------ */

static paddr_t ecam(const struct vcpu *v, lfv_sbdf_t sbdf, unsigned int reg)
{
    paddr_t base = is_hardware_domain(v->domain) ? XEN_GUEST_HOST_ECAM
                                                 : GUEST_VPCI_ECAM_BASE;

    return base + ((paddr_t)(sbdf & 0xffff) << 12) + reg;
}

static uint64_t rd(struct vcpu *v, lfv_sbdf_t sbdf, unsigned int reg,
                   unsigned int size)
{
    uint64_t val = 0;

    if (xen_guest_mmio(v, ecam(v, sbdf, reg), size, false, &val) != 1)
        return 0xdead; /* a data abort: checked where it matters */
    return val;
}

static void wr(struct vcpu *v, lfv_sbdf_t sbdf, unsigned int reg,
               unsigned int size, uint64_t val)
{
    (void)xen_guest_mmio(v, ecam(v, sbdf, reg), size, true, &val);
}

static void settle(struct vcpu *v)
{
    while (vpci_guest_process_pending(v))
        ;
}

/*
 * D1 given to a (from the hardware domain's vCPU), then placed at
 * GUEST_BAR and decoded by the guest's vCPU va: BAR 0 mapped whole.
 * Returns with current = va.
 */
static void assign_mapped(struct domain *a, struct vcpu *va)
{
    current = &v0;
    CHECK_EQ(assign(a), 0);
    current = va;
    wr(va, VS0, BAR0, 4, GUEST_BAR);
    wr(va, VS0, CMD, 2, MEM);
    settle(va);
    CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
}

/* --- functional ---------------------------------------------------------- */

/*
 * An SR-IOV physical function whose VFs are enabled (PF): its driver
 * administers the VFs, devices of their own that other domains may own,
 * so lfvpci's lfv_pdev_assign() refuses it (-EBUSY), and
 * pci_no_iommu_assignable() too (Xen's pci_find_ext_capability() and VF
 * Enable), so that XEN_DOMCTL_test_assign_device answers what
 * XEN_DOMCTL_assign_device will.  The refusal loses nothing: the PF stays
 * the hardware domain's, with its vPCI state, its BAR mapped 1:1 (patch
 * 18) and the hardware as it was.  Once the host clears VF Enable (VF MSE
 * alone is no VF), both let it go.  The PF is added for this and removed
 * after it (pci_remove_device()).
 */
static void test_sriov_gate(struct domain *a)
{
    static uint8_t cfg[4096];
    const unsigned long f = PF_BAR_HOST >> 12;
    struct vcpu va = { a };
    struct pci_dev *pf;
    unsigned long mfn;
    bool hwstate;

    memset(cfg, 0, sizeof(cfg));
    sim_cfg_put(cfg, 0x00, 4, PF_IDS);
    sim_cfg_put(cfg, 0x08, 4, 0x02000001);
    sim_cfg_put(cfg, 0x10, 4, PF_BAR_HOST);
    sim_cfg_put(cfg, 0x100, 4, PF_SRIOV << 20 | 0x00010003); /* DSN */
    sim_cfg_put(cfg, PF_SRIOV, 4, 0x00010010);               /* SR-IOV */
    sim_cfg_put(cfg, PF_SRIOV_CTRL, 2, VFE | VF_MSE);
    sim_cfg_put(cfg, PF_SRIOV + 0x0c, 2, 7); /* InitialVFs */
    sim_cfg_put(cfg, PF_SRIOV + 0x10, 2, 7); /* NumVFs */
    CHECK_EQ(sim_cfg_add(br, PF, cfg, "\tRegion 0: Memory at e1000000 "
                         "(32-bit, non-prefetchable) [size=4K]\n"), 0);
    pf = xen_guest_add_device(PF);
    CHECK_EQ(lfv_sim_sriov_vfs_enabled(br, PF), PF_SRIOV_CTRL);

    current = &v0;
    /* the hardware domain decodes it (patch 18: BAR 0 mapped 1:1) */
    wr(&v0, PF, CMD, 2, MEM);
    settle(&v0);
    CHECK_EQ(lfv_sim_cfg_read(br, PF, CMD, 2) & MEM, MEM);

    /* refused by both, with the reason logged; nothing moves */
    for (unsigned int i = 0; i < 3; i++) {
        CHECK_EQ(domctl(i == 0 ? NULL : a,
                        i == 2 ? XEN_DOMCTL_assign_device
                               : XEN_DOMCTL_test_assign_device, PF),
                 -EBUSY);
        CHECK(strstr(xen_guest_last_printk(), "has its VFs enabled") != NULL);
    }
    CHECK(owner_of(pf, &hwstate) == hardware_domain && hwstate);
    CHECK(a->pdev_list.next == &a->pdev_list);
    CHECK_EQ(nr_frames(a), 0);
    if (hwdom_in_model())
        CHECK(xen_stub_lookup(hardware_domain, f, &mfn) && mfn == f);
    CHECK_EQ(rd(&v0, PF, 0, 4), PF_IDS);
    CHECK_EQ(lfv_sim_cfg_read(br, PF, CMD, 2) & MEM, MEM);
    CHECK_EQ(lfv_sim_cfg_read(br, PF, PF_SRIOV_CTRL, 2), VFE | VF_MSE);
    current = &va;
    CHECK_EQ(rd(&va, VS0, 0, 4), 0xffffffffu);
    current = &v0;

    /* the host disables the VFs (VF MSE stays): free, and assigned */
    CHECK_EQ(lfv_sim_sriov_disable(br, PF), 1);
    CHECK_EQ(lfv_sim_cfg_read(br, PF, PF_SRIOV_CTRL, 2), VF_MSE);
    CHECK_EQ(domctl(NULL, XEN_DOMCTL_test_assign_device, PF), 0);
    CHECK_EQ(domctl(a, XEN_DOMCTL_test_assign_device, PF), 0);
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, PF), 0);
    CHECK(owner_of(pf, &hwstate) == a && !hwstate);
    /* (what a sees at 00:00.0, read here: a's vCPUs may reach D1 only) */
    CHECK_EQ(lfv_conf_read(a->vpci_dom, VS0, 0, 4), PF_IDS);
    if (hwdom_in_model())
        CHECK(!xen_stub_lookup(hardware_domain, f, &mfn));
    CHECK_EQ(domctl(a, XEN_DOMCTL_deassign_device, PF), 0);
    grace_period();
    CHECK(owner_of(pf, &hwstate) == hardware_domain && hwstate);
    CHECK(a->pdev_list.next == &a->pdev_list);
    CHECK_EQ(nr_frames(a), 0);

    /* gone again: the hardware domain maps nothing of it */
    wr(&v0, PF, CMD, 2, 0);
    settle(&v0);
    CHECK_EQ(pci_remove_device(0, LFV_SBDF_BUS(PF), PCI_DEVFN(PF)), 0);
    grace_period();
    CHECK_EQ(lfv_sim_remove(br, PF), 0);
    CHECK(!xen_stub_lookup(hardware_domain, f, &mfn));
}

static void test_domctl_gates(struct domain *a, struct domain *b)
{
    struct domain *novpci = xen_stub_domain_create(3, false, true);

    /* without the option, or to a domain without vPCI: no IOMMU, refused */
    opt_vpci_assign_no_iommu = false;
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EOPNOTSUPP);
    opt_vpci_assign_no_iommu = true;
    CHECK_EQ(domctl(novpci, XEN_DOMCTL_assign_device, D1), -EOPNOTSUPP);
    CHECK_EQ(domctl(novpci, XEN_DOMCTL_deassign_device, D1), -EOPNOTSUPP);
    xen_stub_domain_destroy(novpci);
    /* test_assign_device (no target domain): free now */
    CHECK_EQ(domctl(NULL, XEN_DOMCTL_test_assign_device, D1), 0);
    /* no such device; a dying target; not the guest's to de-assign */
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, LFV_SBDF(0, 5, 0, 0)),
             -ENODEV);
    a->is_dying = true;
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EINVAL);
    a->is_dying = false;
    CHECK_EQ(domctl(a, XEN_DOMCTL_deassign_device, D1), -ENODEV);
    /*
     * Endpoints only: a bridge would let the guest gate the devices
     * behind it, a host bridge is the host's; ARI extended functions
     * (not VFs) are refused as upstream refuses them.  Nothing moves.
     */
    pdev1->type = DEV_TYPE_PCIe_BRIDGE;
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EPERM);
    pdev1->type = DEV_TYPE_PCI_HOST_BRIDGE;
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EPERM);
    pdev1->type = DEV_TYPE_PCIe_ENDPOINT;
    pdev1->info.is_extfn = true;
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EPERM);
    pdev1->info.is_extfn = false;
    /* test_assign_device answers as assign_device would: the same refusals */
    for (unsigned int i = 0; i < 5; i++) {
        pdev1->type = i == 0 ? DEV_TYPE_PCIe_BRIDGE
                    : i == 1 ? DEV_TYPE_LEGACY_PCI_BRIDGE
                    : i == 2 ? DEV_TYPE_PCI_HOST_BRIDGE
                             : DEV_TYPE_PCIe_ENDPOINT;
        pdev1->info.is_extfn = i == 3;
        pdev1->broken = i == 4;
        CHECK_EQ(domctl(NULL, XEN_DOMCTL_test_assign_device, D1),
                 i == 4 ? -EBADF : -EPERM);
        CHECK_EQ(domctl(a, XEN_DOMCTL_test_assign_device, D1),
                 i == 4 ? -EBADF : -EPERM);
        CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1),
                 i == 4 ? -EBADF : -EPERM);
    }
    pdev1->type = DEV_TYPE_PCIe_ENDPOINT;
    pdev1->info.is_extfn = false;
    pdev1->broken = false;
    /* an ARI virtual function is an endpoint: free */
    pdev1->info.is_extfn = pdev1->info.is_virtfn = true;
    CHECK_EQ(domctl(NULL, XEN_DOMCTL_test_assign_device, D1), 0);
    pdev1->info.is_extfn = pdev1->info.is_virtfn = false;
    CHECK(pdev1->domain == hardware_domain);
    /* an SR-IOV PF whose VFs are enabled: both refuse it (-EBUSY) */
    test_sriov_gate(a);

    CHECK_EQ(assign(a), 0);
    /* taken: test_assign and a second owner refused, as a's own again */
    CHECK_EQ(domctl(NULL, XEN_DOMCTL_test_assign_device, D1), -EINVAL);
    CHECK_EQ(domctl(b, XEN_DOMCTL_assign_device, D1), -EBUSY);
    CHECK_EQ(domctl(a, XEN_DOMCTL_assign_device, D1), -EBUSY);
    CHECK_EQ(deassign(b), -ENODEV);
    CHECK_EQ(deassign(a), 0);
    CHECK_EQ(deassign(a), -ENODEV);
}

static void test_functional(struct domain *a, struct domain *b)
{
    struct vcpu va = { a };
    bool hwstate;
    unsigned long soft, mfn;

    current = &v0;
    /* the hardware domain: its state, its ECAM window, the hardware */
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    CHECK_EQ(rd(&v0, D1, 0, 4), IDS);

    current = &va;
    /* no device model yet: an empty bus, no hardware access */
    CHECK_EQ(rd(&va, VS0, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(&va, D1, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(&va, VS0, 0, 1), 0xffu);
    wr(&va, VS0, CMD, 2, MEM);
    CHECK(!vpci_guest_process_pending(&va));
    CHECK(!a->vpci_dom);

    current = &v0;
    test_domctl_gates(a, b);
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    CHECK_EQ(assign(a), 0);
    CHECK(a->vpci_dom);
    /* a's now: on its list, the hardware domain's vPCI state retired */
    CHECK(owner_of(pdev1, &hwstate) == a && !hwstate);
    /* the hardware domain reaches the device directly (4.17's rule) */
    CHECK_EQ(rd(&v0, D1, 0, 4), IDS);
    current = &va;
    /* the device at 00:00.0; other slots, functions and buses: nothing */
    CHECK_EQ(rd(&va, VS0, 0, 4), IDS);
    CHECK_EQ(rd(&va, LFV_SBDF(0, 0, 1, 0), 0, 4), 0xffffffffu);
    CHECK_EQ(rd(&va, LFV_SBDF(0, 0, 0, 1), 0, 4), 0xffffffffu);
    CHECK_EQ(rd(&va, LFV_SBDF(0, 1, 0, 0), 0, 4), 0xffffffffu);
    CHECK_EQ(rd(&va, LFV_SBDF(0, 0, 2, 0), 0, 2), 0xffffu);
    wr(&va, LFV_SBDF(0, 0, 2, 0), CMD, 2, MEM);
    CHECK_EQ(lfv_sim_cfg_read(br, D2, CMD, 2) & MEM, 0);
    /* ECAM: 8 bytes are two dwords, low first; misaligned: a data abort */
    CHECK_EQ(rd(&va, VS0, 0, 8) & 0xffffffffu, IDS);
    CHECK_EQ(rd(&va, VS0, 0, 8) >> 32, rd(&va, VS0, CMD, 4));
    CHECK_EQ(xen_guest_mmio(&va, ecam(&va, VS0, 2), 4, false, &(uint64_t){0}),
             0);
    CHECK_EQ(xen_guest_mmio(&va, ecam(&va, VS0, 4), 8, true, &(uint64_t){0}),
             0);
    CHECK_EQ(xen_guest_mmio(&va, GUEST_VPCI_ECAM_BASE - 4, 4, false,
                            &(uint64_t){0}), -ENOENT);

    /* sizing BAR 0 (8-byte write: BAR 0 and BAR 1), then placing it */
    wr(&va, VS0, BAR0, 8, 0xffffffffffffffffull);
    CHECK_EQ(rd(&va, VS0, BAR0, 4) & ~0xfu, ~(BAR0_SIZE - 1));
    CHECK_EQ(rd(&va, VS0, BAR0 + 4, 4), 0);
    wr(&va, VS0, BAR0, 4, GUEST_BAR);
    CHECK_EQ(rd(&va, VS0, BAR0, 4) & ~0xfu, GUEST_BAR);

    /* decoding on: deferred, done by vpci_process_pending() rounds */
    soft = LOAD(nr_softirq);
    wr(&va, VS0, CMD, 2, MEM | MASTER);
    CHECK(LOAD(nr_softirq) > soft);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(hw_cmd() & MEM, 0);
    settle(&va);
    CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
    CHECK(xen_stub_lookup(a, GUEST_BAR >> 12, &mfn));
    CHECK_EQ(mfn, BAR0_HOST >> 12);
    CHECK(xen_stub_lookup(a, (GUEST_BAR + BAR0_SIZE - 1) >> 12, &mfn));
    CHECK_EQ(mfn, (BAR0_HOST + BAR0_SIZE - 1) >> 12);
    CHECK_EQ(p2m_stray(a, true), 0);
    /* the guest reads MASTER back; the hardware never has it */
    CHECK_EQ(rd(&va, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(hw_cmd() & (MEM | MASTER), MEM);

    /* decoding off: unmapped */
    wr(&va, VS0, CMD, 2, 0);
    settle(&va);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(rd(&va, VS0, CMD, 2) & MEM, 0);

    /* frames not granted (iomem permission): the map fails, MEMORY off */
    a->iomem_all = false;
    a->iomem_s = BAR0_HOST >> 12;
    a->iomem_e = a->iomem_s + 3;
    wr(&va, VS0, CMD, 2, MEM);
    settle(&va);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(rd(&va, VS0, CMD, 2) & MEM, 0);
    CHECK_EQ(hw_cmd() & MEM, 0);
    a->iomem_all = true;

    /* mapped again, then de-assigned: the p2m empty, decoding off */
    wr(&va, VS0, CMD, 2, MEM);
    settle(&va);
    CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
    current = &v0;
    CHECK_EQ(deassign(a), 0);
    CHECK_EQ(p2m_stray(a, false), 0);
    /* (patch 18: back to the hardware domain decoding as the guest left it) */
    CHECK_EQ(hw_cmd() & (hwdom_in_model() ? MASTER : MEM | MASTER), 0);
    /* back to the hardware domain, with its vPCI state again */
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    CHECK_EQ(rd(&v0, D1, 0, 4), IDS);
    current = &va;
    CHECK_EQ(rd(&va, VS0, 0, 4), 0xffffffffu);

    /* destroyed while it holds the device mapped: the same, and no model */
    assign_mapped(a, &va);
    current = &v0;
    /* Arm: the dying guest's p2m refuses the unmap; it goes with the p2m */
    CHECK_EQ(destroy(a), BAR0_SIZE >> 12);
    CHECK(!a->vpci_dom);
    CHECK_EQ(p2m_stray(a, false), 0);
    CHECK_EQ(hw_cmd() & (hwdom_in_model() ? MASTER : MEM | MASTER), 0);
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    /* a dying domain gets no model back, nor the device */
    pcidevs_lock();
    CHECK(!vpci_guest_domain(a));
    pcidevs_unlock();
    CHECK_EQ(assign(a), -EINVAL);
    a->is_dying = false;

    /* removed while a guest holds it mapped: gone from its bus and p2m */
    assign_mapped(a, &va);
    current = &v0;
    CHECK_EQ(remove_readd(a), 0);
    CHECK_EQ(p2m_stray(a, false), 0);
    CHECK_EQ(hw_cmd() & (MEM | MASTER), 0);
    CHECK(a->pdev_list.next == &a->pdev_list);
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    current = &va;
    CHECK_EQ(rd(&va, VS0, 0, 4), 0xffffffffu);
    current = &v0;
    CHECK_EQ(destroy(a), 0);
    a->is_dying = false;
    current = NULL;

    CHECK_EQ(LOAD(nr_bad_hw), 0);
    CHECK(LOAD(nr_guest_hw) > 0);
}

/*
 * The guest puts RAM over a frame of its mapped BAR, then loses the
 * device: de-assigned (the domctl) or removed (pci_remove_device()).
 * populate_physmap replaces the MMIO entry on Arm, so unmap_mmio_regions()
 * of the BAR refuses the whole range (-EILSEQ); lfvpci-p2m.c then unmaps
 * the device's frames one run at a time and leaves the guest's RAM: the
 * guest is not crashed, and none of the device's frames stays in its p2m.
 *
 * stuck: besides, no frame of the BAR can be removed (p2m_set_entry()
 * failing, -ENOMEM at every try): the unmap fails and lfvpci-p2m.c
 * crashes the guest, with the device's frames still mapped.
 * domain_crash() stops vCPUs without waiting for them: the crash must
 * find the guest already paused synchronously, so that none of its vCPUs
 * runs on the stale mappings while the device goes to the hardware
 * domain, and the crash's pause must keep it off once the caller's pause
 * is dropped.
 */
#define GUEST_RAM_MFN 0x80000ul

static void test_lost_device_unmap_fails(struct domain *a, bool remove,
                                         bool stuck)
{
    const unsigned long ram_gfn = (GUEST_BAR >> 12) + 1;
    struct vcpu va = { a };
    unsigned long mfn;
    bool hwstate;

    assign_mapped(a, &va);
    /* the guest's RAM over the second frame of its BAR */
    CHECK_EQ(xen_stub_populate(a, ram_gfn, GUEST_RAM_MFN), 0);
    current = &v0;
    if (stuck)
        a->fail_all = -ENOMEM;
    if (remove)
        CHECK_EQ(remove_readd(a), 0);
    else
        CHECK_EQ(deassign(a), 0);
    a->fail_all = 0;
    if (stuck) {
        /* crashed, paused before it was, and kept off (the shutdown pause) */
        CHECK(a->crashed);
        CHECK(a->crash_paused);
        /* the stale entries stay: the guest never runs again */
        CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
    } else {
        /* not crashed: the device's frames gone, the guest's RAM kept */
        CHECK(!a->crashed);
        CHECK_EQ(p2m_stray(a, false), 0);
        CHECK_EQ(nr_frames(a), 1);
        CHECK(xen_stub_lookup(a, ram_gfn, &mfn) && mfn == GUEST_RAM_MFN);
        CHECK_EQ(xen_stub_type(a, ram_gfn), p2m_ram_rw);
    }
    /* the caller's pause dropped */
    CHECK_EQ(LOAD(a->pause_count), 0);
    /* the device went on, nothing of it left for the guest */
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    CHECK_EQ(hw_cmd() & MASTER, 0);
    current = &va;
    CHECK_EQ(rd(&va, VS0, 0, 4), 0xffffffffu);
    /* destroyed; a new domain in its place */
    current = &v0;
    CHECK_EQ(destroy(a), (stuck ? BAR0_SIZE >> 12 : 1));
    a->is_dying = false;
    a->crashed = a->crash_paused = false;
    current = NULL;
}

/*
 * The hardware domain's unmap fails when the device goes to a guest
 * (-ENOMEM, every try): the series leaves it its 1:1 mappings of the
 * device (the trusted hardware domain has iomem permission for those
 * frames and reaches the device's configuration space anyway), logs it,
 * keeps it running, and the assignment goes on.
 */
static void test_hwdom_unmap_fails(struct domain *a)
{
    const unsigned long nr = BAR0_SIZE >> 12, f = BAR0_HOST >> 12;
    unsigned long mfn;
    bool hwstate;

    current = &v0;
    if (!hwdom_in_model()) /* (4.17's header.c: never unmapped) */
        return;
    /* dom0 decodes the device: BAR 0 mapped 1:1 */
    wr(&v0, D1, CMD, 2, MEM);
    settle(&v0);
    CHECK(xen_stub_lookup(hardware_domain, f + nr - 1, &mfn) &&
          mfn == f + nr - 1);
    hardware_domain->fail_all = -ENOMEM;
    CHECK_EQ(assign(a), 0);
    hardware_domain->fail_all = 0;
    CHECK(strstr(xen_stub_last_log(), "lfvpci: BAR mappings cannot be "
                 "removed") != NULL);
    CHECK(!hardware_domain->crashed);
    CHECK(xen_stub_lookup(hardware_domain, f, &mfn) && mfn == f);
    CHECK(owner_of(pdev1, &hwstate) == a && !hwstate);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(hw_cmd() & MEM, 0);
    CHECK_EQ(deassign(a), 0);
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    /* what the failed unmap left, gone (the model forgot it) */
    CHECK_EQ(unmap_mmio_regions(hardware_domain, _gfn(f), nr, _mfn(f)), 0);
    CHECK_EQ(nr_frames(hardware_domain), 0);
    current = NULL;
}

/* --- the hardware domain's grace period ---------------------------------- */

/*
 * A read of the hardware domain's that is inside its handler, waiting for
 * the hardware, when the device goes to a guest: the assignment retires
 * the hardware domain's state in the model and must neither wait for the
 * reader (Xen has no synchronize_rcu(), and nothing pauses the hardware
 * domain) nor free what the reader holds before it leaves.  The guest
 * losing a device is paused around it (deassign), so this is the race
 * with a free that assignment still has; it is made to happen every time
 * here, where test_races() leaves it to chance: the unsafe-free control
 * (frees without a grace period) is reported here, by ASan and TSan.
 */
static struct vcpu grace_v;     /* the reader's vCPU (hardware domain) */
static int grace_step;          /* 1 in the hardware, 2 assigned, 3 done */

/* hw_read()'s stop: the reader waits in the hardware for the assignment. */
static void grace_hw_stop(void)
{
    if (current != &grace_v || LOAD(grace_step))
        return;
    STORE(grace_step, 1);
    while (LOAD(grace_step) != 2)
        sched_yield();
}

static void *grace_reader_thread(void *arg)
{
    uint32_t *val = arg;

    lfv_rcu_register_thread();
    current = &grace_v;
    /* BAR 0, through the model's handler for the hardware domain */
    *val = lfv_conf_read(hardware_domain->vpci_dom, D1, BAR0, 4);
    current = NULL;
    STORE(grace_step, 3);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void test_hwdom_grace(struct domain *a)
{
    uint32_t val = 0;
    pthread_t t;
    bool hwstate;

    current = &v0;
    grace_v.domain = hardware_domain;
    CHECK(hwdom_in_model());
    CHECK(owner_of(pdev1, &hwstate) == hardware_domain && hwstate);
    CHECK_EQ(pthread_create(&t, NULL, grace_reader_thread, &val), 0);
    while (LOAD(grace_step) != 1)
        sched_yield();
    /* the reader is in its handler: assignment goes on without it */
    CHECK_EQ(assign(a), 0);
    STORE(grace_step, 2);
    while (LOAD(grace_step) != 3)
        sched_yield();
    pthread_join(t, NULL);
    /* it finished on the retired state: the hardware it read is dropped */
    CHECK_EQ(val, 0xffffffffu);
    CHECK_EQ(deassign(a), 0);
    STORE(grace_step, 0);
    current = NULL;
}

/* --- races ---------------------------------------------------------------- */

#define NR_CYCLES 40
#define VCPUS_PER_GUEST 2

struct guest {
    struct domain *d;
    int paused;  /* the control thread asks its vCPUs to stop (nests) */
    int parked;  /* vCPUs stopped */
};

static struct guest guests[2];
static int stop;
static int vcpus_live; /* the guests' vCPU threads run (test_races()) */

static void *vcpu_thread(void *arg)
{
    struct guest *g = arg;
    struct vcpu v = { g->d };
    unsigned int i = 0;

    lfv_rcu_register_thread();
    current = &v;
    while (!LOAD(stop)) {
        if (LOAD(g->paused)) {
            /* vcpu_sleep_sync(): out of every access while paused */
            __atomic_fetch_add(&g->parked, 1, __ATOMIC_RELEASE);
            while (LOAD(g->paused) && !LOAD(stop))
                sched_yield();
            __atomic_fetch_sub(&g->parked, 1, __ATOMIC_RELEASE);
            continue;
        }
        switch (i++ % 6) {
        case 0:
            (void)rd(&v, VS0, 0, 8);
            (void)rd(&v, LFV_SBDF(0, 0, i % 32, 0), 0, 4);
            break;
        case 1:
            wr(&v, VS0, BAR0, 4, 0xffffffffu);
            (void)rd(&v, VS0, BAR0, 4);
            wr(&v, VS0, BAR0, 4, GUEST_BAR + (i & 1) * BAR0_SIZE);
            break;
        case 2:
            wr(&v, VS0, CMD, 2, MEM | MASTER);
            break;
        case 3:
        case 4:
            (void)vpci_guest_process_pending(&v);
            break;
        case 5:
            wr(&v, VS0, CMD, 2, i & 8 ? 0 : MEM);
            (void)rd(&v, VS0, CMD, 2);
            break;
        }
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* The hardware domain's vCPU: it always reads the device's IDs. */
static unsigned long nr_hwdom_reads, nr_hwdom_bad;

static void *hwdom_thread(void *arg)
{
    struct vcpu v = { hardware_domain };

    (void)arg;
    lfv_rcu_register_thread();
    current = &v;
    while (!LOAD(stop)) {
        if (rd(&v, D1, 0, 4) != IDS)
            INC(nr_hwdom_bad);
        INC(nr_hwdom_reads);
        sched_yield();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static void pause_guest(struct guest *g)
{
    INC(g->paused);
    while (LOAD(g->parked) < VCPUS_PER_GUEST)
        sched_yield();
}

static void unpause_guest(struct guest *g)
{
    if (__atomic_sub_fetch(&g->paused, 1, __ATOMIC_RELEASE))
        return;
    while (LOAD(g->parked))
        sched_yield();
}

static struct guest *guest_of(const struct domain *d)
{
    for (unsigned int i = 0; i < 2; i++)
        if (guests[i].d == d)
            return &guests[i];
    return NULL;
}

/*
 * Xen's domain_pause(): when it returns no vCPU of d runs (its threads,
 * while test_races() runs them, are parked).  It waits for them, so it
 * must not be called under a lock they may wait for: pcidevs_lock is
 * checked (vPCI's own locks would deadlock the test).
 */
void domain_pause(struct domain *d)
{
    struct guest *g = guest_of(d);

    XEN_STUB_CHECK(!current || current->domain != d);
    XEN_STUB_CHECK(!pcidevs_locked());
    __atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST);
    if (g && LOAD(vcpus_live))
        pause_guest(g);
}

void domain_unpause(struct domain *d)
{
    struct guest *g = guest_of(d);

    XEN_STUB_CHECK(__atomic_fetch_sub(&d->pause_count, 1,
                                      __ATOMIC_SEQ_CST) > 0);
    if (g && LOAD(vcpus_live))
        unpause_guest(g);
}

/* Both guests' p2m checked with their vCPUs paused: the strays. */
static unsigned long check_p2m(const struct domain *owner)
{
    unsigned long bad = 0;

    for (unsigned int i = 0; i < 2; i++) {
        pause_guest(&guests[i]);
        bad += p2m_stray(guests[i].d, guests[i].d == owner);
        unpause_guest(&guests[i]);
    }
    return bad;
}

static void test_races(void)
{
    pthread_t t[2 * VCPUS_PER_GUEST + 1];
    unsigned long bad_p2m = 0, bad_owner = 0;
    unsigned int n = 2 * VCPUS_PER_GUEST, steps = 0;
    bool hwstate;

    STORE(vcpus_live, 1);
    for (unsigned int i = 0; i < n; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, vcpu_thread,
                                &guests[i / VCPUS_PER_GUEST]), 0);
    CHECK_EQ(pthread_create(&t[n], NULL, hwdom_thread, NULL), 0);
    current = &v0;
    for (unsigned int c = 0; c < NR_CYCLES; c++) {
        struct guest *g = &guests[c & 1];

        CHECK_EQ(assign(g->d), 0);
        for (unsigned int k = 0; k < 20; k++)
            sched_yield();
        bad_p2m += check_p2m(g->d);
        if (c % 10 == 9) {
            /* domain_kill(): paused, released; a new domain in its place */
            pause_guest(g);
            (void)destroy(g->d);
            CHECK(!g->d->vpci_dom);
            g->d->is_dying = false;
            unpause_guest(g);
        } else if (c % 10 == 4) {
            CHECK_EQ(remove_readd(g->d), 0);
        } else {
            CHECK_EQ(deassign(g->d), 0);
        }
        steps += 2;
        /* nothing of the device stays in any guest's p2m */
        bad_p2m += check_p2m(NULL);
        if (owner_of(pdev1, &hwstate) != hardware_domain || !hwstate)
            bad_owner++;
    }
    STORE(stop, 1);
    for (unsigned int i = 0; i <= n; i++)
        pthread_join(t[i], NULL);
    STORE(vcpus_live, 0);
    CHECK_EQ(bad_p2m, 0);
    CHECK_EQ(bad_owner, 0);
    CHECK_EQ(LOAD(nr_bad_hw), 0);
    CHECK_EQ(LOAD(nr_hwdom_bad), 0);
    CHECK(LOAD(nr_hwdom_reads) > 0);
    fprintf(stderr, "races: %u cycles (%u control steps checked), %lu guest "
            "hardware accesses, %lu hardware-domain reads, %lu softirqs, "
            "%lu preempt checks\n", NR_CYCLES, steps, LOAD(nr_guest_hw),
            LOAD(nr_hwdom_reads), LOAD(nr_softirq), LOAD(nr_preempt_calls));
    current = NULL;
}

int main(void)
{
    struct domain *a, *b;

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    CHECK_EQ(lfv_sim_add(br, D1, &dev_d1), 0);
    CHECK_EQ(lfv_sim_add(br, D2, &dev_d2), 0);
    CHECK_EQ(xen_guest_initcall(), 0);
    hardware_domain = xen_stub_domain_create(0, true, true);
    dom_io = xen_stub_domain_create(DOMID_FIRST_RESERVED + 1, false, false);
    a = xen_stub_domain_create(1, false, true);
    b = xen_stub_domain_create(2, false, true);
    hardware_domain->vpci = a->vpci = b->vpci = true;
    v0.domain = hardware_domain;
    /* arch_domain_create(): the ECAM handlers */
    CHECK_EQ(domain_vpci_init(hardware_domain), 0);
    CHECK_EQ(domain_vpci_init(a), 0);
    CHECK_EQ(domain_vpci_init(b), 0);
    CHECK_EQ(domain_vpci_get_num_mmio_handlers(a), 1);
    pdev1 = xen_guest_add_device(D1);
    (void)xen_guest_add_device(D2);
    guests[0].d = a;
    guests[1].d = b;

    test_functional(a, b);
    for (unsigned int i = 0; i < 4; i++)
        test_lost_device_unmap_fails(a, i & 1, i & 2);
    test_hwdom_unmap_fails(a);
    test_hwdom_grace(a);
    /* (the controls are caught by the functional part alone) */
    if (!FALLBACK_HW && !RETIRE_SKIPS_UNMAP)
        test_races();

    lfv_rcu_barrier();
    xen_stub_domain_destroy(a);
    xen_stub_domain_destroy(b);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
