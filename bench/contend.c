/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-bench-contend [SECONDS]: a guest's 2-byte COMMAND reads of its
 * device 0 on this thread, while another thread makes nothing, or writes
 * one register again and again: cache line size of device 1, then of
 * device 0 itself, then device 0's interrupt line, BAR 0 (memory decoding
 * off: nothing is mapped) and COMMAND.  Prints nanoseconds per read for
 * each case: what a writer on another CPU costs a reader of the same
 * device (the device's write lock, the header's state), against another
 * device.  Only a COMMAND write changes what the reads load.  On the
 * simulator (lfvpci_sim_memb), x86 rules, the header hook only.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

static struct lfv_domain *guest;
static lfv_sbdf_t vsbdf[2];
static int stop;

/* What the other thread writes, again and again. */
struct wcase {
    const char *what;
    int dev; /* -1: no writer */
    unsigned int reg, size;
    uint32_t val;
};

static const struct wcase cases[] = {
    { "no writer", -1, 0, 0, 0 },
    { "another device, cache line size", 1, 0x0c, 1, 0x10 },
    { "same device, cache line size", 0, 0x0c, 1, 0x10 },
    { "same device, interrupt line", 0, 0x3c, 1, 0x0b },
    { "same device, BAR 0", 0, 0x10, 4, 0xe0200000 },
    { "same device, COMMAND (INTx disable)", 0, 0x04, 2, 0x0400 },
};

static void *writer(void *arg)
{
    const struct wcase *c = arg;
    lfv_sbdf_t at = vsbdf[c->dev];

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
        lfv_conf_write(guest, at, c->reg, c->size, c->val);
    lfv_rcu_unregister_thread();
    return NULL;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ns per read of device 0 while c is written. */
static double run(const struct wcase *c, double seconds)
{
    pthread_t t;
    uint64_t n = 0, acc = 0;
    double a, b;

    __atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
    if (c->dev >= 0 && pthread_create(&t, NULL, writer, (void *)c))
        return -1;
    a = now();
    do {
        for (int i = 0; i < 100000; i++, n++)
            acc += lfv_conf_read(guest, vsbdf[0], 0x04, 2);
        b = now();
    } while (b - a < seconds);
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    if (c->dev >= 0) {
        pthread_join(t, NULL);
        if (lfv_conf_read(guest, vsbdf[c->dev], c->reg, c->size) != c->val) {
            fprintf(stderr, "lfvpci-bench-contend: %s: reads back %#x, "
                    "not %#x\n", c->what,
                    lfv_conf_read(guest, vsbdf[c->dev], c->reg, c->size),
                    c->val);
            exit(1);
        }
    }
    if (acc == 42) /* keep the reads */
        putchar(' ');
    return (b - a) / (double)n * 1e9;
}

int main(int argc, char **argv)
{
    struct lfv_mmio_window win[LFV_MMIO_WINDOWS_MAX];
    struct lfv_system_params p = {
        .hw_ops = lfv_sim_hw_ops(), .arch = LFV_ARCH_X86, .windows = win,
    };
    struct lfv_sim_bridge *br = NULL;
    struct lfv_system *sys = NULL;
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int rc;

    lfv_rcu_register_thread();
    rc = lfv_sim_bridge_create(&br);
    for (unsigned int d = 0; d < 2 && !rc; d++) {
        const struct lfv_sim_device_desc dev = {
            .vendor = 0x8086, .device = 0x1572, .class_code = 0x020000,
            .bar = { [0] = { LFV_SIM_BAR_MEM32, false, 0x4000,
                             0xe0100000ull + 0x100000ull * d } },
        };

        rc = lfv_sim_add(br, LFV_SBDF(0, 1 + d, 0, 0), &dev);
    }
    if (!rc) {
        p.hw = br;
        p.nr_windows = lfv_sim_bridge_windows(br, win, LFV_MMIO_WINDOWS_MAX);
        rc = lfv_system_create(&p, &sys);
    }
    if (!rc)
        rc = lfv_system_add_hook(sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_domain_create(sys, 1, false, &guest);
    for (unsigned int d = 0; d < 2 && !rc; d++) {
        rc = lfv_pdev_add(sys, LFV_SBDF(0, 1 + d, 0, 0));
        if (!rc)
            rc = lfv_pdev_assign(sys, LFV_SBDF(0, 1 + d, 0, 0), guest);
        if (!rc)
            rc = lfv_pdev_owner(sys, LFV_SBDF(0, 1 + d, 0, 0), NULL,
                                &vsbdf[d]);
    }
    if (rc) {
        fprintf(stderr, "lfvpci-bench-contend: setup failed: %d\n", rc);
        return 1;
    }
    printf("ns per COMMAND read of device 0 (%.1f s each)\n", seconds);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        printf("  %-38s %6.2f\n", cases[i].what, run(&cases[i], seconds));
    lfv_system_destroy(sys);
    lfv_sim_bridge_destroy(br);
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return 0;
}
