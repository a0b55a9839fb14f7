/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI-X accesses forwarded to the device: the PBA, the passthrough table
 * (the hardware domain on Arm) and the rest of the pages holding a table
 * or PBA, at the host addresses of the device's BARs.  They reach the
 * device only where it alone answers (msix_hw_ok()) and only while the state
 * owns it (msix_forward_begin(); at retirement, msix.c's msix_retire() waits
 * in msix_forward_drain()).  Also the tests' hook between lookup and
 * forwarding.  msix_table.c's region accesses call it, and msix.c (the
 * control register's scrub, retirement); it calls neither.
 */
#include "../core/compiler.h"
#include "../core/platform.h"
#include "msix_internal.h"

#ifndef LFV_PLATFORM_USER
#define msix_test_forward_hook(d) ((void)(d))
#else
/* msi_internal.h (tests: <lfvpci/testing.h>): a test's hook between
 * lookup and forwarding. */
static lfv_test_msix_forward_t *forward_hook;
static void *forward_hook_arg;

void lfv_test_set_msix_forward_hook(lfv_test_msix_forward_t *fn, void *arg)
{
    __atomic_store_n(&forward_hook_arg, arg, __ATOMIC_RELAXED);
    __atomic_store_n(&forward_hook, fn, __ATOMIC_RELEASE);
}

static void msix_test_forward_hook(struct lfv_domain *d)
{
    lfv_test_msix_forward_t *fn = __atomic_load_n(&forward_hook,
                                                  __ATOMIC_ACQUIRE);

    if (fn)
        fn(d, __atomic_load_n(&forward_hook_arg, __ATOMIC_RELAXED));
}
#endif

uint64_t msix_region_host(const struct lfv_msix_region *r)
{
    const struct lfv_msix *m = r->m;
    struct lfv_header_bar_info b;

    if (lfv_header_bar(m->v, m->bir[r->which], &b))
        return 0;
    return b.host_addr + m->offset[r->which];
}

/*
 * The device's memory at host address addr, through the platform: only
 * where no other device (of another owner) decodes too, inside the
 * bridge's windows, and where the host's bar_valid (Xen's
 * pci_check_bar()) lets the device's BARs be mapped
 * (hdr_host_access_ok()): what answers anywhere else is not the device.
 */
bool msix_hw_ok(const struct lfv_msix *m, uint64_t addr, unsigned int size)
{
    const struct lfv_header *h = hdr_of(m->v);

    return h && hdr_host_access_ok(h, addr, addr + size - 1);
}

void msix_hw_read(const struct lfv_msix *m, uint64_t addr,
                  unsigned int size, uint64_t *val)
{
    const struct lfv_system *sys = m->d->sys;

    if (!msix_hw_ok(m, addr, size) || !sys->msi_ops ||
        !sys->msi_ops->mmio_read ||
        sys->msi_ops->mmio_read(sys->msi_ctx, addr, size, val))
        *val = mmio_ones(size);
}

void msix_hw_write(const struct lfv_msix *m, uint64_t addr,
                   unsigned int size, uint64_t val)
{
    const struct lfv_system *sys = m->d->sys;

    if (msix_hw_ok(m, addr, size) && sys->msi_ops && sys->msi_ops->mmio_write)
        sys->msi_ops->mmio_write(sys->msi_ctx, addr, size, val);
}

/*
 * Forwarded accesses (the PBA, the rest of the pages, the passthrough
 * table) reach the device only while this state owns it.  An access may
 * have found its region just before retirement unpublished it, so the
 * lookup alone proves nothing: the access announces itself in
 * `forwarding`, then checks `retired`; retirement sets `retired`, then
 * waits until no access is forwarding.  Either the access sees the state
 * retired and reaches nothing, or retirement waits for it (sequentially
 * consistent on both sides: Dekker's pattern).  Forwarders never wait for
 * each other: the table entry path, which never forwards, is untouched.
 * The device's published state must also be this one (not yet: the
 * state is being built for a new owner; no more: it was replaced, and
 * retirement follows).
 */
bool msix_forward_begin(struct lfv_msix *m)
{
    msix_test_forward_hook(m->d);
    __atomic_add_fetch(&m->forwarding, 1, __ATOMIC_SEQ_CST);
    /*
     * Nor before the state is the device's: its regions are trapped while
     * it is built, when the device is still the previous owner's.
     */
    if (!(__atomic_load_n(&m->state, __ATOMIC_SEQ_CST) & MSIX_ST_RETIRED) &&
        __atomic_load_n(&m->v->pdev->entry.dev, __ATOMIC_ACQUIRE) ==
            &m->v->vdev)
        return true;
    __atomic_sub_fetch(&m->forwarding, 1, __ATOMIC_RELEASE);
    return false;
}

void msix_forward_end(struct lfv_msix *m)
{
    __atomic_sub_fetch(&m->forwarding, 1, __ATOMIC_RELEASE);
}

/* After `retired` is set: no forwarded access runs from here on. */
void msix_forward_drain(struct lfv_msix *m)
{
    unsigned int spins = 0;

    while (__atomic_load_n(&m->forwarding, __ATOMIC_ACQUIRE))
        if (++spins % 128 == 0)
            sched_yield();
}

/*
 * Where the rest of the table and PBA pages is in host memory: a byte of
 * the BAR holding the table or the PBA is at the same offset of the host
 * BAR.  A guest reaches only its device's BARs (with a BAR smaller than a
 * page, the rest of the page is not its own); the hardware domain's pages
 * are identity, all of them (Xen forwards the whole page).  false: the
 * access reaches nothing.
 */
bool msix_adjacent_host(const struct lfv_msix *m, uint64_t gpa,
                        unsigned int size, uint64_t *host)
{
    bool found = false;

    for (unsigned int k = 0; !found && k < 2; k++) {
        struct lfv_header_bar_info b;

        if (lfv_header_bar(m->v, m->bir[k], &b) || b.size < size)
            continue;
        if (gpa >= b.guest_addr && gpa - b.guest_addr <= b.size - size) {
            *host = b.host_addr + (gpa - b.guest_addr);
            found = true;
        }
    }
    if (!found) {
        *host = gpa;
        found = m->hwdom;
    }
    /*
     * Never the table or the PBA themselves: a BAR moving while the access
     * runs may pair the map it found with the BAR's new place.
     */
    for (unsigned int k = 0; found && k < m->nr_regions; k++) {
        const struct lfv_msix_region *r = m->listed[k];
        uint64_t s = msix_region_host(r);

        if (*host < s + r->size && *host + size > s)
            found = false;
    }
    return found;
}
