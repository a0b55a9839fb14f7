/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI and MSI-X emulation for guests on the simulated platform: every MSI
 * register and binding call, the MSI-X control register, every table entry
 * field, masks, the PBA, refused MMIO accesses, BAR moves, de-assignment,
 * the per-domain region bound; then vCPU threads masking their own entries
 * while another moves the BAR and de-assigns the device, and a reader
 * taking 8-byte snapshots of an address another vCPU keeps rewriting.
 * test_msi_hwdom.c has the hardware domain.
 */
#include "tests/msi_platform.h"

/* ---- MSI ---- */

static void test_msi_registers(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    CHECK_EQ(rd(g1, VS0, 0x34, 1), MSI);
    CHECK_EQ(rd(g1, VS0, MSI, 2), 0x05 | MSIX << 8);
    /* 64-bit, per-vector masking, 4 vectors capable, off */
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2), 0x0184);
    wr(g1, VS0, MSI + 4, 4, 0xfee00003);
    CHECK_EQ(rd(g1, VS0, MSI + 4, 4), 0xfee00000);
    wr(g1, VS0, MSI + 8, 4, 0x1);
    CHECK_EQ(rd(g1, VS0, MSI + 8, 4), 1);
    wr(g1, VS0, MSI + 12, 4, 0xabcd4040); /* data, and reserved RsvdP */
    CHECK_EQ(rd(g1, VS0, MSI + 12, 2), 0x4040);
    CHECK_EQ(rd(g1, VS0, MSI + 14, 2), 0);
    wr(g1, VS0, MSI + 16, 4, 0xffffffff);
    CHECK_EQ(rd(g1, VS0, MSI + 16, 4), 0xf); /* 4 vectors */
    CHECK_EQ(rd(g1, VS0, MSI + 20, 4),
             lfv_sim_cfg_read(br, A, MSI + 20, 4)); /* pending: hardware */
    wr(g1, VS0, MSI + 20, 4, 0xffffffff);
    CHECK_EQ(rd(g1, VS0, MSI + 20, 4), lfv_sim_cfg_read(br, A, MSI + 20, 4));
    /* nothing bound while disabled */
    CHECK_EQ(nr_evs, 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, 0);
}

static void test_msi_binding(void)
{
    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 0x21); /* enable, 4 vectors */
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2), 0x01a5);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 0x71, 0x21);
    CHECK_EQ(nr_evs, 4);
    for (unsigned int i = 0; i < 4; i++)
        CHECK(ev_is(i, EV_BIND, false, i, 0x1fee00000ull, 0x4040 | i, true));
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, INTX_DIS);
    CHECK_EQ(lfv_sim_cfg_read(br, A, CMD, 2) & INTX_DIS, INTX_DIS);

    ev_reset();
    wr(g1, VS0, MSI + 16, 4, 0xe); /* unmask vector 0 */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_MASK, false, 0, 0x1fee00000ull, 0x4040, false));

    ev_reset();
    wr(g1, VS0, MSI + 4, 4, 0xfee01000); /* re-routed while enabled */
    CHECK_EQ(nr_evs, 8);
    /* unbind names the vector as it was bound, not the new address */
    CHECK(ev_is(0, EV_UNBIND, false, 0, 0x1fee00000ull, 0x4040, false));
    CHECK(ev_is(3, EV_UNBIND, false, 3, 0x1fee00000ull, 0x4043, true));
    CHECK(ev_is(4, EV_BIND, false, 0, 0x1fee01000ull, 0x4040, false));
    CHECK(ev_is(7, EV_BIND, false, 3, 0x1fee01000ull, 0x4043, true));

    /* likewise the data, and the high address dword */
    ev_reset();
    wr(g1, VS0, MSI + 12, 2, 0x4060);
    CHECK_EQ(nr_evs, 8);
    CHECK(ev_is(0, EV_UNBIND, false, 0, 0x1fee01000ull, 0x4040, false));
    CHECK(ev_is(4, EV_BIND, false, 0, 0x1fee01000ull, 0x4060, false));
    ev_reset();
    wr(g1, VS0, MSI + 8, 4, 0x2);
    CHECK_EQ(nr_evs, 8);
    CHECK(ev_is(1, EV_UNBIND, false, 1, 0x1fee01000ull, 0x4061, true));
    CHECK(ev_is(5, EV_BIND, false, 1, 0x2fee01000ull, 0x4061, true));
    /* a mask change names the vector as bound */
    ev_reset();
    wr(g1, VS0, MSI + 16, 4, 0xc);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_MASK, false, 1, 0x2fee01000ull, 0x4061, false));
    wr(g1, VS0, MSI + 16, 4, 0xe);
    wr(g1, VS0, MSI + 8, 4, 0x1);
    wr(g1, VS0, MSI + 12, 2, 0x4040);

    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 0x71); /* MME 7 clamped to 4 vectors: same */
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2), 0x01a5);
    CHECK_EQ(nr_evs, 0);
    wr(g1, VS0, MSI + 2, 2, 0x11); /* down to 2 vectors: rebind */
    CHECK_EQ(nr_evs, 6);

    ev_reset();
    wr(g1, VS0, MSI + 2, 2, 0); /* disable */
    CHECK_EQ(nr_evs, 2);
    CHECK(ev_is(1, EV_UNBIND, false, 1, 0x1fee01000ull, 0x4041, true));
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, 0);
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSI + 2, 2) & 1, 0);

    /* a refused bind leaves MSI disabled */
    ev_reset();
    fail_bind = 1;
    wr(g1, VS0, MSI + 2, 2, 0x1);
    fail_bind = 0;
    CHECK_EQ(rd(g1, VS0, MSI + 2, 2) & 1, 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, 0);
    CHECK_EQ(nr_evs, 0);

    /* B: 32-bit, not maskable: data right after the address */
    CHECK_EQ(lfv_pdev_assign(sys, B, g1), 0);
    CHECK_EQ(rd(g1, VS1, MSI + 2, 2), 0);
    wr(g1, VS1, MSI + 4, 4, 0xfee00000);
    wr(g1, VS1, MSI + 8, 2, 0x31);
    CHECK_EQ(rd(g1, VS1, MSI + 8, 2), 0x31);
    ev_reset();
    wr(g1, VS1, MSI + 2, 2, 0x1);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, false, 0, 0xfee00000ull, 0x31, false));
    /* de-assignment unbinds */
    CHECK_EQ(lfv_pdev_assign(sys, B, NULL), 0);
    CHECK(ev_is(1, EV_UNBIND, false, 0, 0xfee00000ull, 0x31, false));
}

/* ---- MSI-X ---- */

static void test_msix_registers(void)
{
    CHECK_EQ(rd(g1, VS0, MSIX, 2), 0x8011); /* then PCI Express (0x80) */
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), 15);
    CHECK_EQ(rd(g1, VS0, MSIX + 4, 4), 5);
    CHECK_EQ(rd(g1, VS0, MSIX + 8, 4), 0x2005);
    wr(g1, VS0, MSIX + 4, 4, 0x12345678); /* read-only */
    CHECK_EQ(rd(g1, VS0, MSIX + 4, 4), 5);
    CHECK_EQ(lfv_domain_msix_regions(g1), 2);

    /* every field of an entry: reset state, then as written */
    CHECK_EQ(mrd(g1, TBL + 0, 4), 0);
    CHECK_EQ(mrd(g1, TBL + 12, 4), 1); /* masked at reset */
    mwr(g1, TBL + 0, 4, 0xfee00007);
    CHECK_EQ(mrd(g1, TBL + 0, 4), 0xfee00004);
    mwr(g1, TBL + 4, 4, 0x2);
    mwr(g1, TBL + 8, 4, 0x4021);
    mwr(g1, TBL + 12, 4, 0xfffffffe); /* unmask; reserved bits read 0 */
    CHECK_EQ(mrd(g1, TBL + 12, 4), 0);
    mwr(g1, TBL + 12, 4, 0xffffffff);
    CHECK_EQ(mrd(g1, TBL + 12, 4), 1);
    CHECK_EQ(mrd(g1, TBL + 0, 8), 0x2fee00004ull);
    CHECK_EQ(mrd(g1, TBL + 8, 8), 0x100004021ull);
    mwr(g1, TBL + 16 * 15 + 0, 8, 0x00000003fee00010ull);
    CHECK_EQ(mrd(g1, TBL + 16 * 15 + 4, 4), 3);
    CHECK_EQ(mrd(g1, TBL + 16 * 15 + 0, 4), 0xfee00010);

    /* refused accesses */
    uint64_t v;
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL, 2, &v), -EINVAL);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL, 1, &v), -EINVAL);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 2, 4, &v), -EINVAL);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 4, 8, &v), -EINVAL);
    CHECK_EQ(lfv_msix_mmio_write(g1, TBL + 6, 2, 0), -EINVAL);
    v = 5;
    CHECK_EQ(lfv_msix_mmio_read(g1, PBA, 2, &v), -EINVAL);
    CHECK_EQ(v, 5); /* refused: untouched */
    /* past the table and the PBA: the rest of their pages, the device's */
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 16 * 16, 4, &v), 0);
    CHECK_EQ(v, 0xffffffffu); /* not decoding */
    CHECK_EQ(lfv_msix_mmio_read(g1, PBA + 8, 4, &v), 0);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 16 * 16 + 1, 2, &v), -EINVAL);
    /* other pages: not trapped */
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 0x1000, 4, &v), -ENOENT);
    CHECK_EQ(v, 0xffffffffu);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL - 4, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_read(g2, TBL, 4, &v), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_write(g2, TBL + 12, 4, 0), -ENOENT);
    CHECK_EQ(lfv_msix_mmio_read(hwdom, TBL, 4, &v), -ENOENT); /* g1's now */

    /* PBA: from the device (all-ones while it does not decode) */
    CHECK_EQ(mrd(g1, PBA, 8), ~0ull);
    wr(g1, VS0, CMD, 2, MEM);
    CHECK_EQ(mrd(g1, PBA, 8), 0);
    CHECK_EQ(mrd(g1, PBA + 4, 4), 0);
    ev_reset();
    mwr(g1, PBA, 4, 0xffffffff); /* read-only: dropped, never forwarded */
    mwr(g1, TBL + 8, 4, 0x4021); /* the table is emulated */
    CHECK_EQ(nr_mmio_evs, 0);
    CHECK_EQ(mrd(g1, PBA, 4), 0);
    CHECK(mmio_is(0, false, PBA, 4, 0));
    /* the rest of the table's page: the device's, any aligned size */
    mwr(g1, TBL + 0x100, 4, 0x11);
    CHECK(mmio_is(1, true, TBL + 0x100, 4, 0x11));
    mwr(g1, TBL + 0x106, 2, 0x2233);
    CHECK(mmio_is(2, true, TBL + 0x106, 2, 0x2233));
    CHECK_EQ(mrd(g1, TBL + 0x103, 1), 0xff); /* no RAM behind the BAR */
    CHECK(mmio_is(3, false, TBL + 0x103, 1, 0));
    CHECK_EQ(mrd(g1, PBA + 0xff8, 8), ~0ull);
    CHECK(mmio_is(4, false, PBA + 0xff8, 8, 0));
    CHECK_EQ(nr_mmio_evs, 5);
    CHECK_EQ(lfv_msix_mmio_write(g2, TBL + 0x100, 4, 0), -ENOENT);
    CHECK_EQ(nr_mmio_evs, 5);
    wr(g1, VS0, CMD, 2, 0);
}

static void test_msix_binding(void)
{
    const uint64_t a0 = 0x2fee00004ull;

    ev_reset();
    wr(g1, VS0, MSIX + 2, 2, 0x8000); /* enable: entries all masked */
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), 0x800f);
    /* decoding off: the table unreachable, the function held masked
     * (test_msix_stale.c) */
    CHECK_EQ(lfv_sim_cfg_read(br, A, MSIX + 2, 2) & 0xc000, 0xc000);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, INTX_DIS);
    CHECK_EQ(nr_evs, 0);

    mwr(g1, TBL + 12, 4, 0); /* first unmask binds */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, true, 0, a0, 0x4021, false));
    mwr(g1, TBL + 12, 4, 1);
    CHECK(ev_is(1, EV_MASK, true, 0, a0, 0x4021, true));
    mwr(g1, TBL + 12, 4, 1); /* no change, no call */
    CHECK_EQ(nr_evs, 2);

    /* data written while masked: takes effect at the unmask */
    mwr(g1, TBL + 8, 4, 0x4022);
    CHECK_EQ(nr_evs, 2);
    mwr(g1, TBL + 12, 4, 0);
    CHECK_EQ(nr_evs, 4);
    CHECK(ev_is(2, EV_UNBIND, true, 0, a0, 0x4021, true));
    CHECK(ev_is(3, EV_BIND, true, 0, a0, 0x4022, false));

    /* written while unmasked: deferred until masked and unmasked again */
    mwr(g1, TBL + 8, 4, 0x4023);
    CHECK_EQ(nr_evs, 4);
    CHECK_EQ(mrd(g1, TBL + 8, 4), 0x4023);
    mwr(g1, TBL + 12, 4, 1);
    CHECK(ev_is(4, EV_MASK, true, 0, a0, 0x4022, true));
    mwr(g1, TBL + 12, 4, 0);
    CHECK(ev_is(6, EV_BIND, true, 0, a0, 0x4023, false));
    CHECK_EQ(nr_evs, 7);

    /* the function mask masks every bound entry */
    ev_reset();
    wr(g1, VS0, MSIX + 2, 2, 0xc000);
    CHECK_EQ(rd(g1, VS0, MSIX + 2, 2), 0xc00f);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_MASK, true, 0, a0, 0x4023, true));
    mwr(g1, TBL + 16 + 12, 4, 0); /* entry 1: bound masked */
    CHECK(ev_is(1, EV_BIND, true, 1, 0, 0, true));
    /* under the function mask, a bound entry's own mask bit changes
     * nothing the ops see: it stays masked */
    mwr(g1, TBL + 12, 4, 1);
    mwr(g1, TBL + 12, 4, 0);
    CHECK_EQ(nr_evs, 2);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(nr_evs, 4);
    CHECK(ev_is(2, EV_MASK, true, 0, a0, 0x4023, false));
    CHECK(ev_is(3, EV_MASK, true, 1, 0, 0, false));

    /* disable unbinds, enable binds the unmasked ones again */
    ev_reset();
    wr(g1, VS0, MSIX + 2, 2, 0);
    CHECK_EQ(nr_evs, 2);
    CHECK(evs[0].type == EV_UNBIND && evs[1].type == EV_UNBIND);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, 0);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(nr_evs, 4);
    CHECK(ev_is(2, EV_BIND, true, 0, a0, 0x4023, false));
    /* MSI enabled too: disabling MSI-X alone keeps INTx forced */
    wr(g1, VS0, MSI + 2, 2, 0x1);
    wr(g1, VS0, MSIX + 2, 2, 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, INTX_DIS);
    wr(g1, VS0, MSI + 2, 2, 0);
    CHECK_EQ(rd(g1, VS0, CMD, 2) & INTX_DIS, 0);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);

    /* a failed bind leaves the entry unbound: its mask calls nothing, its
     * next unmask binds */
    ev_reset();
    fail_bind = 1;
    mwr(g1, TBL + 32 + 12, 4, 0);
    fail_bind = 0;
    mwr(g1, TBL + 32 + 12, 4, 1);
    CHECK_EQ(nr_evs, 0);
    mwr(g1, TBL + 32 + 12, 4, 0);
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, true, 2, 0, 0, false));
    mwr(g1, TBL + 32 + 12, 4, 1); /* as it was */
}

static void test_msix_move_deassign(void)
{
    const uint64_t nt = 0xd0000000ull;
    long before;

    /* a move with decoding off: the region follows the guest address */
    wr(g1, VS0, BAR5, 4, (uint32_t)nt);
    CHECK_EQ(rd(g1, VS0, BAR5, 4), nt);
    uint64_t v;
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL, 4, &v), -ENOENT);
    CHECK_EQ(mrd(g1, nt + 8, 4), 0x4023);
    CHECK_EQ(mrd(g1, nt + 12, 4), 0);
    CHECK_EQ(lfv_domain_msix_regions(g1), 2);
    /* the sizing probe moves it too, and the restore back */
    wr(g1, VS0, BAR5, 4, 0xffffffff);
    CHECK_EQ(rd(g1, VS0, BAR5, 4), 0xffffc000u);
    CHECK_EQ(mrd(g1, 0xffffc000ull + 8, 4), 0x4023);
    wr(g1, VS0, BAR5, 4, (uint32_t)TBL);
    CHECK_EQ(mrd(g1, TBL + 8, 4), 0x4023);
    /* a move while decoding is on is refused by the header: no move */
    wr(g1, VS0, CMD, 2, MEM);
    wr(g1, VS0, BAR5, 4, (uint32_t)nt);
    CHECK_EQ(mrd(g1, TBL + 8, 4), 0x4023);
    wr(g1, VS0, CMD, 2, 0);

    /* de-assignment removes the regions and unbinds */
    before = __atomic_load_n(&live_bindings, __ATOMIC_RELAXED);
    CHECK(before > 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 8, 4, &v), -ENOENT);
    CHECK_EQ(lfv_domain_msix_regions(g1), 0);
}

static void test_region_bound(void)
{
    CHECK_EQ(lfv_domain_msix_region_limit(g2), LFV_MSIX_REGIONS_DEFAULT);
    CHECK_EQ(lfv_domain_set_msix_region_limit(g2, 0), -EINVAL);
    CHECK_EQ(lfv_domain_set_msix_region_limit(g2, LFV_MSIX_REGIONS_MAX + 1),
             -EINVAL);
    CHECK_EQ(lfv_domain_set_msix_region_limit(g2, 3), 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, g2), 0);
    CHECK_EQ(lfv_domain_msix_regions(g2), 2);
    CHECK_EQ(lfv_pdev_assign(sys, B, g2), -ENOSPC);
    CHECK_EQ(lfv_domain_msix_regions(g2), 2);
    CHECK_EQ(lfv_domain_nr_devices(g2), 1);
    CHECK_EQ(lfv_domain_set_msix_region_limit(g2, 1), -EINVAL);
    CHECK_EQ(lfv_domain_set_msix_region_limit(g2, 4), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, g2), 0);
    CHECK_EQ(lfv_domain_msix_regions(g2), 4);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(lfv_pdev_assign(sys, B, NULL), 0);
    CHECK_EQ(lfv_domain_msix_regions(g2), 0);
}

/* ---- concurrency ---- */

#define WORKERS 3
#define ROUNDS 4000
#define MOVES_MAX 400000

static uint64_t cur_base; /* atomic: where BAR 5 is */
static bool stop;
static unsigned int workers_done; /* atomic */
static unsigned long bad_reads, good_reads; /* atomics: CHECK is not */

static void *worker(void *arg)
{
    unsigned int t = (unsigned int)(uintptr_t)arg;
    unsigned long ok = 0;

    lfv_rcu_register_thread();
    /* ROUNDS x 4 operations, and at least 64 that reached the table (the
     * BAR keeps moving under the worker), or until the mover gives up.  No
     * bound of its own: on a loaded machine the mover can be descheduled
     * while the device is unassigned for longer than any fixed number of
     * this thread's failing writes (the old bound made good_reads > 0 fail
     * when every worker used it up in one such window). */
    for (unsigned int r = 0; (r < ROUNDS * 4 || ok < 64) &&
                             !__atomic_load_n(&stop, __ATOMIC_RELAXED); r++) {
        uint64_t base = __atomic_load_n(&cur_base, __ATOMIC_ACQUIRE), v;
        unsigned int e = t * 4 + r % 4;
        uint32_t m = r / 4 % 2;

        if (lfv_msix_mmio_write(g1, base + 16 * e + 12, 4, m))
            continue;
        if (!lfv_msix_mmio_read(g1, base + 16 * e + 12, 4, &v)) {
            ok++;
            /* only this thread writes its entries: what it wrote, unless
             * the device changed hands (fresh state reads masked) */
            if (v != m && v != 1)
                __atomic_add_fetch(&bad_reads, 1, __ATOMIC_RELAXED);
        }
    }
    __atomic_add_fetch(&good_reads, ok, __ATOMIC_RELAXED);
    __atomic_add_fetch(&workers_done, 1, __ATOMIC_RELEASE);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void give_to_g1(void)
{
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
}

static void test_concurrency(void)
{
    pthread_t th[WORKERS];

    __atomic_store_n(&logging, false, __ATOMIC_RELAXED);
    give_to_g1();
    __atomic_store_n(&cur_base, TBL, __ATOMIC_RELEASE);
    for (unsigned int i = 0; i < WORKERS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
    /* Keep moving the BAR (at least 300 times) until every worker is done,
     * so that the workers always run against a moving table; after MOVES_MAX
     * moves, stop them (then good_reads > 0 says whether any access ever
     * reached the table). */
    for (unsigned int r = 0;
         r < 300 || (__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) < WORKERS &&
                     r < MOVES_MAX);
         r++) {
        uint64_t nb = r % 2 ? TBL : 0xd0000000ull;

        if (r % 25 == 24) {
            CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
            give_to_g1();
        }
        wr(g1, VS0, BAR5, 4, (uint32_t)nb);
        __atomic_store_n(&cur_base, nb, __ATOMIC_RELEASE);
        if (r % 10 == 0)
            wr(g1, VS0, MSIX + 2, 2, r % 20 ? 0xc000 : 0x8000);
    }
    __atomic_store_n(&stop, true, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < WORKERS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(bad_reads, 0);
    CHECK(good_reads > 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
    CHECK_EQ(__atomic_load_n(&live_bindings, __ATOMIC_RELAXED), 0);
}

/*
 * The per-entry sequence count: a vCPU keeps writing entry 5's address as
 * one 8-byte write (low dword k << 2, high dword k: two 4-byte writes, low
 * first) while another takes 8-byte snapshots of it.  A snapshot holds
 * (k, k), or (k, k - 1) between the two halves; any other pair mixes two
 * writes.  Rounds of a fixed number of operations: passing never depends
 * on timing, only catching a broken snapshot does.  The reader reads until
 * the round's writer is done; at least SEQ_MIN_ROUNDS rounds, and more (at
 * most SEQ_ROUNDS) until enough snapshots fell between two halves to show
 * that the threads really ran at once.
 */
#define SEQ_WRITES 200000u
#define SEQ_MIN_READS 100000u
#define SEQ_MIN_ROUNDS 5u
#define SEQ_ROUNDS 20u
#define SEQ_OVERLAP 20000u

static unsigned int seq_writer_done;  /* atomic */
static unsigned long seq_write_errors; /* atomic: CHECK is not */

static void *seq_writer(void *arg)
{
    uint32_t base = (uint32_t)(uintptr_t)arg;

    lfv_rcu_register_thread();
    for (uint32_t k = base + 1; k <= base + SEQ_WRITES; k++)
        if (lfv_msix_mmio_write(g1, TBL + 16 * 5, 8,
                                (uint64_t)k << 32 | k << 2))
            __atomic_add_fetch(&seq_write_errors, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&seq_writer_done, 1, __ATOMIC_RELEASE);
    lfv_rcu_unregister_thread();
    return NULL;
}

static void test_snapshot(void)
{
    unsigned long torn = 0, reads = 0, mixed = 0;
    unsigned int round;

    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    mwr(g1, TBL + 16 * 5, 8, 0);
    for (round = 0; round < SEQ_MIN_ROUNDS ||
                    (round < SEQ_ROUNDS && mixed < SEQ_OVERLAP);
         round++) {
        unsigned long n = 0;
        pthread_t th;

        __atomic_store_n(&seq_writer_done, 0, __ATOMIC_RELAXED);
        pthread_create(&th, NULL, seq_writer,
                       (void *)(uintptr_t)(round * SEQ_WRITES));
        while (n < SEQ_MIN_READS ||
               !__atomic_load_n(&seq_writer_done, __ATOMIC_ACQUIRE)) {
            uint64_t v = 0;
            uint32_t lo, hi;

            if (lfv_msix_mmio_read(g1, TBL + 16 * 5, 8, &v))
                torn++;
            lo = (uint32_t)v >> 2, hi = (uint32_t)(v >> 32);
            if (hi != lo && hi + 1 != lo)
                torn++;
            mixed += hi + 1 == lo;
            n++;
        }
        pthread_join(th, NULL);
        reads += n;
    }
    CHECK_EQ(seq_write_errors, 0);
    CHECK_EQ(torn, 0);
    CHECK_EQ(mrd(g1, TBL + 16 * 5, 8),
             (uint64_t)(round * SEQ_WRITES) << 32 | (round * SEQ_WRITES) << 2);
    printf("test_msi: %u rounds, %lu snapshots, %lu between the halves of "
           "a write, %lu torn\n", round, reads, mixed, torn);
    CHECK_EQ(lfv_pdev_assign(sys, A, NULL), 0);
}

/*
 * The rest of the pages for a guest whose BAR is elsewhere than the host's:
 * forwarded at the same offset of the host BAR, and only inside it (a BAR
 * smaller than a page shares its page with what is not the guest's).
 */
static const struct lfv_sim_device_desc dev_c = {
    .vendor = 0x1af4, .device = 0x1041, .class_code = 0x020000,
    .bar = { { LFV_SIM_BAR_MEM32, false, 0x800, 0xe0400000 } },
    .msix = { true, 4, 0, 0, 0, 0x400 },
};

static void test_page_rest(void)
{
    const lfv_sbdf_t C = LFV_SBDF(0, 3, 0, 0);
    const uint64_t ga = 0xd0000000ull, gc = 0xd0400000ull;
    uint64_t v;

    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, BAR5, 4, (uint32_t)ga);
    wr(g1, VS0, CMD, 2, MEM);
    ev_reset();
    mwr(g1, ga + 0x200, 8, 0x1122334455667788ull);
    CHECK(mmio_is(0, true, TBL + 0x200, 8, 0x1122334455667788ull));
    CHECK_EQ(mrd(g1, ga + 0x2ffe, 2), 0xffff);
    CHECK(mmio_is(1, false, PBA + 0xffe, 2, 0));
    CHECK_EQ(mrd(g1, ga + 24, 4), 0); /* the table: emulated */
    CHECK_EQ(nr_mmio_evs, 2);
    CHECK_EQ(lfv_msix_mmio_read(g1, TBL + 0x200, 4, &v), -ENOENT);
    wr(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, A, hwdom), 0);

    CHECK_EQ(lfv_sim_add(br, C, &dev_c), 0);
    CHECK_EQ(lfv_pdev_add(sys, C), 0);
    CHECK_EQ(lfv_pdev_assign(sys, C, g1), 0);
    wr(g1, VS0, BAR0, 4, (uint32_t)gc);
    wr(g1, VS0, CMD, 2, MEM);
    ev_reset();
    mwr(g1, gc + 0x408, 4, 0x77); /* past the PBA, inside the BAR */
    CHECK(mmio_is(0, true, 0xe0400408, 4, 0x77));
    CHECK_EQ(mrd(g1, gc + 0x7fc, 4), 0xffffffff);
    CHECK(mmio_is(1, false, 0xe04007fc, 4, 0));
    /* the page's bytes past the 2 KiB BAR are not the guest's */
    mwr(g1, gc + 0x800, 4, 0x88);
    mwr(g1, gc + 0xff8, 8, 0x99);
    CHECK_EQ(mrd(g1, gc + 0x800, 4), 0xffffffff);
    CHECK_EQ(mrd(g1, gc + 0xfff, 1), 0xff);
    CHECK_EQ(nr_mmio_evs, 2);
    /* the hardware domain's page is all its own (identity) */
    wr(g1, VS0, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_assign(sys, C, hwdom), 0);
    wr(hwdom, C, CMD, 2, MEM);
    ev_reset();
    mwr(hwdom, 0xe0400800, 4, 0x88);
    CHECK(mmio_is(0, true, 0xe0400800, 4, 0x88));
    wr(hwdom, C, CMD, 2, 0);
    CHECK_EQ(lfv_pdev_remove(sys, C), 0);
    CHECK_EQ(lfv_sim_remove(br, C), 0);
}

/*
 * A system whose ops have no mask op: entries still mask and unmask (the
 * table reads back what was written), binding still happens, and no
 * mask call is made (MSI-X keeps the op it read at the device's creation).
 */
static void test_no_mask_op(void)
{
    static const struct lfv_msi_ops nomask = {
        .bind = op_bind, .unbind = op_unbind,
        .mmio_read = op_mmio_read, .mmio_write = op_mmio_write,
    };

    setup_ops = &nomask;
    __atomic_store_n(&logging, true, __ATOMIC_RELAXED);
    setup(LFV_ARCH_X86);
    CHECK_EQ(lfv_pdev_assign(sys, A, g1), 0);
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    ev_reset();
    mwr(g1, TBL + 12, 4, 0); /* first unmask binds */
    CHECK_EQ(nr_evs, 1);
    CHECK(ev_is(0, EV_BIND, true, 0, 0, 0, false));
    for (unsigned int k = 0; k < 4; k++) {
        mwr(g1, TBL + 12, 4, ~k & 1);
        CHECK_EQ(mrd(g1, TBL + 12, 4), ~k & 1);
    }
    wr(g1, VS0, MSIX + 2, 2, 0xc000); /* the function mask: no call */
    wr(g1, VS0, MSIX + 2, 2, 0x8000);
    CHECK_EQ(nr_evs, 1);
    wr(g1, VS0, MSIX + 2, 2, 0); /* disable unbinds */
    CHECK_EQ(nr_evs, 2);
    CHECK(evs[1].type == EV_UNBIND);
    teardown();
    setup_ops = &ops;
}

int main(void)
{
    lfv_rcu_register_thread();
    setup(LFV_ARCH_X86);
    test_msi_registers();
    test_msi_binding();
    test_msix_registers();
    test_msix_binding();
    test_msix_move_deassign();
    test_region_bound();
    test_page_rest();
    test_concurrency();
    test_snapshot();
    teardown();
    test_no_mask_op();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
