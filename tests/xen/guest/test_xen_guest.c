/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_xen_guest: the series' xen/drivers/vpci/guest.c (patches 14-16: a
 * guest's configuration space on lfvpci's virtual bus, assignment without
 * an IOMMU, deferred BAR mapping) compiled from Xen's patched tree against
 * xen_guest_emul.h, on lfvpci's model and RCU, the series' lfvpci-p2m.c
 * and tests/xen/stub's p2m with Arm's contract.
 *
 * What pci.c does around guest.c on XEN_DOMCTL_{,de}assign_device (the
 * ownership move, the hardware domain's own vPCI state) is not compiled
 * here: assign() and deassign() below call guest.c as pci.c does, under
 * the same pcidevs_lock.
 *
 * Functional: a guest without a device sees an empty bus and reaches no
 * hardware; with one, 00:00.0 shows its IDs and nothing else answers; BAR
 * sizing; a BAR placed by the guest is mapped gfn -> host mfn only after
 * vpci_process_pending() rounds (deferred, preempted), unmapped when
 * decoding goes off; MASTER never reaches the hardware (no IOMMU); a map
 * of frames not granted (iomem permission) fails and leaves decoding
 * off; de-assignment leaves the guest's p2m empty; destruction leaves no
 * device model.
 *
 * Races: vCPU threads of two guests probe, size, toggle decoding and run
 * vpci_process_pending() while a control thread assigns the device to one
 * guest, de-assigns it, assigns it to the other, and destroys and
 * recreates a guest's device model (its vCPUs paused first, as
 * domain_kill() does).  Every hardware access a guest's vCPU makes must
 * be to the device, while that guest may own it (from before its
 * assignment to a grace period after its de-assignment); after every
 * de-assignment the guest's p2m must be empty.
 *
 * Negative controls: XEN_GUEST_FALLBACK_HW (the guest path reaches the
 * host at the guest's SBDF) must fail the hardware-access checks;
 * XEN_GUEST_UNSAFE_FREE (lfv_rcu_call() frees at once, through the
 * linker's --wrap) must be reported by TSan or ASan.
 */
#include <pthread.h>
#include <sched.h>

#include <lfvpci/simhw.h>

#include "xen_guest_emul.h"
#include "tests/check.h"

#define CMD 0x04
#define BAR0 0x10
#define MEM 0x2
#define MASTER 0x4
#define BAR0_SIZE 0x20000u
#define BAR0_HOST 0xe0000000u
#define GUEST_BAR 0x23000000u /* GUEST_VPCI_MEM_ADDR */

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
static const struct pci_dev d1 = { { LFV_SBDF(0, 1, 0, 0) } };
static const lfv_sbdf_t D2 = LFV_SBDF(0, 2, 0, 0);
static const pci_sbdf_t VS0 = { LFV_SBDF(0, 0, 0, 0) };

/* --- the user-space Xen ------------------------------------------------ */

bool opt_vpci_assign_no_iommu = true, iommu_enabled;
int vpci_rcu_lock;
static struct lfv_sim_bridge *br;
static pthread_mutex_t pcidevs_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_t pcidevs_owner;
static bool pcidevs_held;

static void pcidevs_lock(void)
{
    pthread_mutex_lock(&pcidevs_mutex);
    pcidevs_owner = pthread_self();
    pcidevs_held = true;
}

static void pcidevs_unlock(void)
{
    pcidevs_held = false;
    pthread_mutex_unlock(&pcidevs_mutex);
}

bool pcidevs_locked(void)
{
    /* Only its holder asks (ASSERT), so reading the flag is safe. */
    return pcidevs_held && pthread_equal(pcidevs_owner, pthread_self());
}

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
 * The hardware.  A vCPU thread's domain is cur; the control thread has
 * none.  may[id]: domain id may reach D1's hardware (set before its
 * assignment, cleared a grace period after its de-assignment).
 */
static __thread struct domain *cur;
static int may[4];
static unsigned long nr_guest_hw, nr_bad_hw;

static void hw_check(uint32_t sbdf)
{
    if (!cur)
        return;
    INC(nr_guest_hw);
    if (sbdf != d1.sbdf.sbdf || !LOAD(may[cur->domain_id])) {
        if (INC(nr_bad_hw) < 5)
            fprintf(stderr, "d%u reached the hardware at %#x\n",
                    cur->domain_id, sbdf);
    }
}

static uint32_t hw_read(uint32_t sbdf, unsigned int reg, unsigned int size)
{
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

extern int (*const xen_guest_initcall)(void);

/* --- what pci.c does around guest.c ------------------------------------ */

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

static int assign(struct domain *d)
{
    int rc;

    STORE(may[d->domain_id], 1);
    pcidevs_lock();
    rc = vpci_guest_assign(d, &d1);
    pcidevs_unlock();
    if (rc) {
        grace_period();
        STORE(may[d->domain_id], 0);
    }
    return rc;
}

static void deassign(struct domain *d)
{
    pcidevs_lock();
    vpci_guest_deassign(&d1);
    pcidevs_unlock();
    grace_period();
    STORE(may[d->domain_id], 0);
}

/* As domain_kill(): its vCPUs paused, is_dying, devices released. */
static void destroy_model(struct domain *d)
{
    d->is_dying = true;
    pcidevs_lock();
    vpci_guest_domain_destroy(d);
    pcidevs_unlock();
}

/* --- a guest's vCPU ------------------------------------------------------ */

static uint32_t rd(const struct domain *d, pci_sbdf_t s, unsigned int reg,
                   unsigned int size)
{
    return vpci_guest_read(d, s, reg, size);
}

static void wr(const struct domain *d, pci_sbdf_t s, unsigned int reg,
               unsigned int size, uint32_t val)
{
    vpci_guest_write(d, s, reg, size, val);
}

static void settle(struct vcpu *v)
{
    while (vpci_guest_process_pending(v))
        ;
}

static unsigned long nr_frames(const struct domain *d)
{
    return __atomic_load_n(&d->nr_frames, __ATOMIC_RELAXED);
}

/* --- functional ---------------------------------------------------------- */

static void test_functional(struct domain *a)
{
    struct vcpu va = { a };
    unsigned long soft;
    unsigned long mfn;

    cur = a;
    /* no device model yet: an empty bus, no hardware access */
    CHECK_EQ(rd(a, VS0, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(a, d1.sbdf, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(a, VS0, 0, 1), 0xffu);
    wr(a, VS0, CMD, 2, MEM);
    CHECK(!vpci_guest_process_pending(&va));
    cur = NULL;
    CHECK(!a->vpci_dom);

    CHECK_EQ(assign(a), 0);
    CHECK(a->vpci_dom);
    cur = a;
    /* the device at 00:00.0; other slots, functions and buses: nothing */
    CHECK_EQ(rd(a, VS0, 0, 4), 0x10d38086u);
    CHECK_EQ(rd(a, (pci_sbdf_t){ LFV_SBDF(0, 0, 1, 0) }, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(a, (pci_sbdf_t){ LFV_SBDF(0, 0, 0, 1) }, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(a, (pci_sbdf_t){ LFV_SBDF(0, 1, 0, 0) }, 0, 4), 0xffffffffu);
    CHECK_EQ(rd(a, (pci_sbdf_t){ LFV_SBDF(0, 0, 2, 0) }, 0, 2), 0xffffu);
    wr(a, (pci_sbdf_t){ LFV_SBDF(0, 0, 2, 0) }, CMD, 2, MEM);
    CHECK_EQ(lfv_sim_cfg_read(br, D2, CMD, 2) & MEM, 0);

    /* sizing BAR 0, then placing it in the guest's window */
    wr(a, VS0, BAR0, 4, 0xffffffffu);
    CHECK_EQ(rd(a, VS0, BAR0, 4) & ~0xfu, ~(BAR0_SIZE - 1));
    wr(a, VS0, BAR0, 4, GUEST_BAR);
    CHECK_EQ(rd(a, VS0, BAR0, 4) & ~0xfu, GUEST_BAR);

    /* decoding on: deferred, done by vpci_process_pending() rounds */
    soft = LOAD(nr_softirq);
    wr(a, VS0, CMD, 2, MEM | MASTER);
    CHECK(LOAD(nr_softirq) > soft);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, d1.sbdf.sbdf, CMD, 2) & MEM, 0);
    settle(&va);
    CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
    CHECK(xen_stub_lookup(a, GUEST_BAR >> 12, &mfn));
    CHECK_EQ(mfn, BAR0_HOST >> 12);
    CHECK(xen_stub_lookup(a, (GUEST_BAR + BAR0_SIZE - 1) >> 12, &mfn));
    CHECK_EQ(mfn, (BAR0_HOST + BAR0_SIZE - 1) >> 12);
    /* the guest reads MASTER back; the hardware never has it */
    CHECK_EQ(rd(a, VS0, CMD, 2) & (MEM | MASTER), MEM | MASTER);
    CHECK_EQ(lfv_sim_cfg_read(br, d1.sbdf.sbdf, CMD, 2) & (MEM | MASTER),
             MEM);

    /* decoding off: unmapped */
    wr(a, VS0, CMD, 2, 0);
    settle(&va);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(rd(a, VS0, CMD, 2) & MEM, 0);

    /* frames not granted (iomem permission): the map fails, MEMORY off */
    a->iomem_all = false;
    a->iomem_s = BAR0_HOST >> 12;
    a->iomem_e = a->iomem_s + 3;
    wr(a, VS0, CMD, 2, MEM);
    settle(&va);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(rd(a, VS0, CMD, 2) & MEM, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, d1.sbdf.sbdf, CMD, 2) & MEM, 0);
    a->iomem_all = true;

    /* mapped again, then de-assigned: the guest's p2m is empty */
    wr(a, VS0, CMD, 2, MEM);
    settle(&va);
    CHECK_EQ(nr_frames(a), BAR0_SIZE >> 12);
    cur = NULL;
    deassign(a);
    CHECK_EQ(nr_frames(a), 0);
    CHECK_EQ(lfv_sim_cfg_read(br, d1.sbdf.sbdf, CMD, 2) & (MEM | MASTER), 0);
    cur = a;
    CHECK_EQ(rd(a, VS0, 0, 4), 0xffffffffu);
    cur = NULL;

    /* destroyed: no model; a dying domain gets none back */
    destroy_model(a);
    CHECK(!a->vpci_dom);
    pcidevs_lock();
    CHECK(!vpci_guest_domain(a));
    pcidevs_unlock();
    a->is_dying = false;

    CHECK_EQ(LOAD(nr_bad_hw), 0);
    CHECK(LOAD(nr_guest_hw) > 0);
}

/* --- races ---------------------------------------------------------------- */

#define NR_CYCLES 40
#define VCPUS_PER_GUEST 2

struct guest {
    struct domain *d;
    int paused;  /* the control thread asks its vCPUs to stop */
    int parked;  /* vCPUs stopped */
};

static struct guest guests[2];
static int stop;

static void *vcpu_thread(void *arg)
{
    struct guest *g = arg;
    struct vcpu v = { g->d };
    unsigned int i = 0;

    lfv_rcu_register_thread();
    cur = g->d;
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
            (void)rd(g->d, VS0, 0, 4);
            (void)rd(g->d, (pci_sbdf_t){ LFV_SBDF(0, 0, i % 32, 0) }, 0, 4);
            break;
        case 1:
            wr(g->d, VS0, BAR0, 4, 0xffffffffu);
            (void)rd(g->d, VS0, BAR0, 4);
            wr(g->d, VS0, BAR0, 4, GUEST_BAR + (i & 1) * BAR0_SIZE);
            break;
        case 2:
            wr(g->d, VS0, CMD, 2, MEM | MASTER);
            break;
        case 3:
        case 4:
            (void)vpci_guest_process_pending(&v);
            break;
        case 5:
            wr(g->d, VS0, CMD, 2, i & 8 ? 0 : MEM);
            (void)rd(g->d, VS0, CMD, 2);
            break;
        }
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

static void pause_guest(struct guest *g)
{
    STORE(g->paused, 1);
    while (LOAD(g->parked) < VCPUS_PER_GUEST)
        sched_yield();
}

static void unpause_guest(struct guest *g)
{
    STORE(g->paused, 0);
    while (LOAD(g->parked))
        sched_yield();
}

static void test_races(void)
{
    pthread_t t[2 * VCPUS_PER_GUEST];
    unsigned long bad_p2m = 0;

    for (unsigned int i = 0; i < 2 * VCPUS_PER_GUEST; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, vcpu_thread,
                                &guests[i / VCPUS_PER_GUEST]), 0);
    for (unsigned int c = 0; c < NR_CYCLES; c++) {
        struct guest *g = &guests[c & 1];

        CHECK_EQ(assign(g->d), 0);
        for (unsigned int k = 0; k < 20; k++)
            sched_yield();
        deassign(g->d);
        /* nothing of the device stays in the old owner's p2m */
        if (nr_frames(g->d))
            bad_p2m++;
        if (c % 10 == 9) {
            /* domain_kill(): paused, released, model destroyed */
            pause_guest(g);
            destroy_model(g->d);
            CHECK(!g->d->vpci_dom);
            g->d->is_dying = false; /* and a new one in its place */
            unpause_guest(g);
        }
    }
    STORE(stop, 1);
    for (unsigned int i = 0; i < 2 * VCPUS_PER_GUEST; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ(bad_p2m, 0);
    CHECK_EQ(LOAD(nr_bad_hw), 0);
    fprintf(stderr, "races: %u cycles, %lu guest hardware accesses, "
            "%lu softirqs, %lu preempt checks\n", NR_CYCLES,
            LOAD(nr_guest_hw), LOAD(nr_softirq), LOAD(nr_preempt_calls));
    for (unsigned int i = 0; i < 2; i++) {
        destroy_model(guests[i].d);
        guests[i].d->is_dying = false;
    }
}

int main(void)
{
    struct domain *a, *b;

    lfv_rcu_register_thread();
    CHECK_EQ(lfv_sim_bridge_create(&br), 0);
    CHECK_EQ(lfv_sim_add(br, d1.sbdf.sbdf, &dev_d1), 0);
    CHECK_EQ(lfv_sim_add(br, D2, &dev_d2), 0);
    CHECK_EQ(xen_guest_initcall(), 0);
    a = xen_stub_domain_create(1, false, true);
    b = xen_stub_domain_create(2, false, true);
    a->vpci = b->vpci = true;
    guests[0].d = a;
    guests[1].d = b;

    test_functional(a);
    /* (the fallback control is caught by the functional part alone) */
    if (!FALLBACK_HW)
        test_races();

    lfv_rcu_barrier();
    xen_stub_domain_destroy(a);
    xen_stub_domain_destroy(b);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
