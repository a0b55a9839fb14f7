/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the lspci loader (lfv_sim_add_lspci) on arbitrary text.
 * Whatever it accepts must be a device that keeps the loader's promises
 * (fuzz_device_check.h), survives a sysfs round trip, and can be added to
 * the engine, assigned to a guest and read through it whole.  Whatever it
 * refuses must leave the bridge unchanged (no device, nothing leaked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lfvpci/domain.h>
#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/simhw.h>

#include "fuzz/fuzz_device_check.h"
#include "fuzz/fuzz_util.h"

#define AT LFV_SBDF(0, 1, 0, 0)
#define BACK LFV_SBDF(0, 2, 0, 0)

static struct lfv_sim_bridge *br;
static struct lfv_system *sys;
static struct lfv_domain *hwdom, *guest;
static char dir[64];

static void cleanup(void)
{
    fuzz_rm_sysfs_dir(dir);
}

static void setup(void)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops(),
                                   .arch = LFV_ARCH_X86 };

    fuzz_rcu_thread();
    if (lfv_sim_bridge_create(&br))
        abort();
    p.hw = br;
    if (lfv_system_create(&p, &sys) ||
        lfv_system_add_hook(sys, &lfv_header_hook) ||
        lfv_system_add_hook(sys, &lfv_msi_hook) ||
        lfv_system_add_hook(sys, &lfv_msix_hook) ||
        lfv_domain_create(sys, 0, true, &hwdom) ||
        lfv_domain_create(sys, 1, false, &guest))
        abort();
    snprintf(dir, sizeof(dir), "/tmp/lfv-fuzz-lspci.%d", (int)getpid());
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lfv_sbdf_t placed = 0;
    int rc;

    if (!br)
        setup();
    rc = lfv_sim_add_lspci(br, (const char *)data, size, AT, &placed);
    if (rc) {
        FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM, "add_lspci: %d", rc);
        FUZZ_CHECK(!lfv_sim_nr_devices(br), "refused, yet a device is there");
        return 0;
    }
    FUZZ_CHECK(placed == AT && lfv_sim_present(br, AT),
               "loaded at %#x, asked %#x", placed, AT);
    fdev_check(br, AT);
    fdev_check_roundtrip(br, AT, BACK, dir);

    /* the engine takes it, a guest reads it whole */
    rc = lfv_pdev_add(sys, AT);
    if (!rc) {
        lfv_sbdf_t v;
        unsigned int domid;

        rc = lfv_pdev_assign(sys, AT, guest);
        /* a guest owns endpoints only: a type 0 header, no host bridge */
        FUZZ_CHECK(rc || ((lfv_sim_cfg_read(br, AT, 0x0e, 1) & 0x7f) == 0 &&
                          lfv_sim_cfg_read(br, AT, 0x0a, 2) != 0x0600),
                   "a guest owns a bridge");
        if (!rc) {
            FUZZ_CHECK(!lfv_pdev_owner(sys, AT, &domid, &v) && domid == 1,
                       "assigned, not owned");
            for (unsigned int reg = 0; reg < 4096; reg += 4)
                (void)lfv_conf_read(guest, v, reg, 4);
            lfv_conf_write(guest, v, 0x04, 2, 0x2);
            lfv_conf_write(guest, v, 0x04, 2, 0);
        }
        FUZZ_CHECK(!lfv_pdev_remove(sys, AT), "pdev_remove");
    }
    FUZZ_CHECK(!lfv_sim_remove(br, AT), "sim_remove");
    FUZZ_CHECK(!lfv_sim_nr_devices(br), "devices left");
    return 0;
}
