/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress, MSI and MSI-X (--lspci): table traffic from the vCPU
 * threads against the writers' BAR moves, MEMORY toggles, unplugs and
 * moves, and the binding interface checked against the tables.
 *
 * Traffic (one reader step in opt.msix/16):
 *   storm    every reader on the same device and the same four entries
 *            (the device changes every ~50 ms): enable MSI-X when off,
 *            sometimes the function mask or a disable, mask/unmask of
 *            entries, address and data writes, 4- and 8-byte reads;
 *   own      a device of its owner, entries only this reader writes
 *            (entry 4 + t + k * readers), so that an 8-byte read of the
 *            address can be checked for consistency (the hardware
 *            domain's: a guest's overlapping BARs make the device that
 *            answers at an address uncertain);
 *   foreign  gpas of a device the domain does not own (its host table,
 *            the guest windows where other domains put it, the rest of
 *            its BAR): reads all-ones, writes (poison values) must reach
 *            nothing, anywhere;
 *   refuse   sizes other than 1, 2, 4 and 8, misaligned addresses, 1- and
 *            2-byte table accesses: -EINVAL, the read's buffer untouched,
 *            nothing written;
 *   rest     the rest of the table's page, any aligned size: the device's
 *            (forwarded; a guest's at the same offset of its host BAR);
 *   msi      MSI address, data, mask and enable of a guest's device.
 * With --arch x86 (the default) the hardware domain's MSI and MSI-X are
 * emulated as a guest's and bound through the ops, and take part in all
 * of it; with --arch arm they pass through to the device.
 * Every value written names (domain, device, entry) and carries a check
 * (encode()): a table read returns all-ones, the reset value, or a
 * well-formed value of the reading domain, else
 *   torn    a malformed value, or (hardware domain, whose tables never
 *           move) a value of another entry or device;
 *   leak    another domain's value, or a poison value.
 * The binding ops record, per (domain, device, entry), what is bound:
 *   leak    a call for a (domain, device) the tool does not let own the
 *           device at the time (own_allowed), or for the hardware domain
 *           on Arm; a bound address of another domain;
 *   binding a bind of a bound entry, unbind or mask of an unbound one or
 *           with other values than bound, two calls at once on one entry,
 *           any call made by an address or data write (those take effect
 *           at the next unmask: <lfvpci/msi.h>); at quiescence, an
 *           enabled unmasked entry not bound, a masked or disabled one
 *           delivering, after a mask/unmask of every entry a binding that
 *           is not exactly the table's, a binding of a non-owner, and
 *           after de-assignment any binding left;
 *   isolation  a guest's value reaching a table, or memory other than a
 *           BAR of a device it may own (written through, or found in a
 *           hardware table at the end); on x86 any write reaching a
 *           device's table, or a hardware table entry not in its reset
 *           state at the end (the ops here program nothing, and the
 *           engine must never forward a table write: only the hardware
 *           domain's PBA writes and the rest of table pages reach the
 *           device); the rest of a table page not reached by its owner;
 *           a table reachable at quiescence by a domain that
 *           does not own it, an owned one not reachable, a region count
 *           that does not match the devices owned;
 *   refusal a bad size or alignment accepted.
 * After the threads stop, every MSI-X and MSI device is assigned afresh
 * (on x86 every third to the hardware domain, the others to guests),
 * enabled, programmed with encoded values and unmasked, and every binding
 * compared with its table exactly; then de-assigned, leaving no binding
 * and no region (msix_settle: it must compare something).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "stress_msix.h"

static const char *const kind_name[NR_KINDS] = {
    "torn", "cross-domain", "binding", "isolation", "refusal",
};

/* Is the hardware domain's MSI/MSI-X emulated (else it passes through)? */
bool hwdom_emulated(struct stress_msix *mx)
{
    return mx->run->opt.arch == LFV_ARCH_X86;
}

void fail(struct stress_msix *mx, enum kind k, const char *fmt, ...)
{
    va_list ap;

    /* the first few of each kind say enough */
    if (__atomic_fetch_add(&mx->fails[k], 1, __ATOMIC_RELAXED) >= 4)
        return;
    va_start(ap, fmt);
    fprintf(stderr, "lfvpci-stress: msix %s: ", kind_name[k]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- values ---- */

/*
 * A table dword (field 0 address low, 1 address high, 2 data; for MSI,
 * entry 0x7ff): 6 check bits, domain, device, entry, nonce, and bits 1:0
 * clear (the address's are read-only 0).
 */
static uint32_t check6(unsigned int field, uint32_t body)
{
    uint32_t h = (body ^ (field + 1) * 0x7feb352du) * 0x846ca68bu;

    return (h ^ h >> 15) >> 26;
}

uint32_t encode(unsigned int field, unsigned int domid,
                       unsigned int dev, unsigned int entry,
                       unsigned int nonce)
{
    uint32_t body = (domid & 0x1f) << 21 | (dev & 0x3f) << 15 |
                    (entry & 0x7ff) << 4 | (nonce & 3) << 2;

    return check6(field, body) << 26 | body;
}

bool decode(unsigned int field, uint32_t v, struct val *out)
{
    uint32_t body = v & 0x03ffffffu;

    if ((v & 3) || check6(field, body) != v >> 26)
        return false;
    *out = (struct val){ body >> 21 & 0x1f, body >> 15 & 0x3f,
                         body >> 4 & 0x7ff, body >> 2 & 3 };
    return true;
}

/* Is a value domid may legitimately hold: reset, or its own? */
static enum kind value_check(unsigned int field, uint32_t v,
                             unsigned int domid, struct val *out)
{
    if (v == 0 || v == ONES32)
        return NR_KINDS;
    if (!decode(field, v, out))
        return K_TORN;
    if (out->domid != domid)
        return K_LEAK;
    return NR_KINDS;
}

/* ---- the binding ops: a record per (domain, device, entry) ---- */

static __thread bool tl_addr_data; /* in an address/data-only write */

/*
 * What reached the platform's MMIO hooks during this thread's current
 * lfv_msix_mmio_* call (tbl_read/tbl_write): the accessing domain (-1: not
 * in such a call), how many forwards, and the last one.  The hooks check,
 * as each forward happens, that it reaches only memory of a device that
 * domain may own; page_rest() checks where exactly it went.
 */
static __thread struct {
    int domid;
    unsigned int n, size;
    uint64_t addr;
} tl_fwd = { .domid = -1 };

static struct brec *rec_for(struct stress_msix *mx, const struct lfv_vpci *v,
                            const struct lfv_msi_vector *vec,
                            const char *op, unsigned int *domid, int *devp)
{
    struct lfv_domain *d = lfv_vpci_domain(v);
    int dev = dev_index(lfv_vpci_sbdf(v));

    *domid = lfv_domain_id(d);
    *devp = dev;
    if (dev < 0 || (unsigned int)dev >= mx->run->opt.devices ||
        *domid > mx->run->opt.guests) {
        fail(mx, K_TORN, "%s for an unknown device %#x", op, lfv_vpci_sbdf(v));
        return NULL;
    }
    if (lfv_domain_is_hardware(d) && !hwdom_emulated(mx)) {
        fail(mx, K_LEAK, "%s for the hardware domain, device %d (Arm: its MSI "
             "is its own)", op, dev);
        return NULL;
    }
    if (!own_allowed(mx->run, dev, *domid))
        fail(mx, K_LEAK, "%s for domain %u, device %d: not its owner", op,
             *domid, dev);
    if (__atomic_load_n(&tl_addr_data, __ATOMIC_RELAXED))
        fail(mx, K_BIND, "%s called by an address/data write (domain %u, "
             "device %d, entry %u): not deferred to the next unmask", op,
             *domid, dev, vec->index);
    if (vec->msix ? vec->index >= mx->run->layout[dev].msix_nr
                  : vec->index >= MSI_VECTORS) {
        fail(mx, K_TORN, "%s of %s vector %u, device %d", op,
             vec->msix ? "MSI-X" : "MSI", vec->index, dev);
        return NULL;
    }
    return vec->msix ? &mx->recs[*domid][dev][vec->index]
                     : &mx->msi_recs[*domid][dev][vec->index];
}

static pthread_mutex_t *rec_enter(struct stress_msix *mx, struct brec *r,
                                  const char *op, unsigned int domid, int dev,
                                  unsigned int index)
{
    pthread_mutex_t *l = &mx->rec_lock[((uintptr_t)r / sizeof(*r)) % 64];

    if (__atomic_exchange_n(&r->busy, 1, __ATOMIC_ACQ_REL))
        fail(mx, K_BIND, "%s of domain %u, device %d, vector %u while another "
             "call on it runs", op, domid, dev, index);
    pthread_mutex_lock(l);
    return l;
}

static void rec_leave(struct brec *r, pthread_mutex_t *l)
{
    pthread_mutex_unlock(l);
    __atomic_store_n(&r->busy, 0, __ATOMIC_RELEASE);
}

static int op_bind(void *ctx, const struct lfv_vpci *v,
                   const struct lfv_msi_vector *vec)
{
    struct stress_msix *mx = ctx;
    unsigned int domid;
    int dev;
    struct brec *r = rec_for(mx, v, vec, "bind", &domid, &dev);
    struct val x;
    enum kind k;
    pthread_mutex_t *l;

    COUNT(binds);
    if (!r)
        return -EINVAL;
    l = rec_enter(mx, r, "bind", domid, dev, vec->index);

    if (r->bound)
        fail(mx, K_BIND, "bind of bound vector %u, domain %u, device %d",
             vec->index, domid, dev);
    k = value_check(0, (uint32_t)vec->address, domid, &x);
    if (k == NR_KINDS)
        k = value_check(1, (uint32_t)(vec->address >> 32), domid, &x);
    if (k == NR_KINDS && vec->msix)
        k = value_check(2, vec->data, domid, &x);
    /*
     * MSI registers are config space, where readers' random partial
     * writes of 0 clip values: only a whole value of another domain counts
     */
    if (k == K_TORN && !vec->msix)
        k = NR_KINDS;
    if (k != NR_KINDS)
        fail(mx, k, "bind of domain %u, device %d, vector %u with address %#"
             PRIx64 " data %#x", domid, dev, vec->index, vec->address,
             vec->data);
    r->bound = true;
    r->masked = vec->masked;
    r->address = vec->address;
    r->data = vec->data;
    rec_leave(r, l);
    return 0;
}

static void op_unbind(void *ctx, const struct lfv_vpci *v,
                      const struct lfv_msi_vector *vec)
{
    struct stress_msix *mx = ctx;
    unsigned int domid;
    int dev;
    struct brec *r = rec_for(mx, v, vec, "unbind", &domid, &dev);
    pthread_mutex_t *l;

    COUNT(unbinds);
    if (!r)
        return;
    l = rec_enter(mx, r, "unbind", domid, dev, vec->index);

    if (!r->bound)
        fail(mx, K_BIND, "unbind of unbound vector %u, domain %u, device %d",
             vec->index, domid, dev);
    else if (r->address != vec->address || r->data != vec->data)
        fail(mx, K_BIND, "unbind of vector %u, domain %u, device %d with "
             "%#" PRIx64 "/%#x, bound with %#" PRIx64 "/%#x", vec->index,
             domid, dev, vec->address, vec->data, r->address, r->data);
    r->bound = false;
    rec_leave(r, l);
}

static void op_mask(void *ctx, const struct lfv_vpci *v,
                    const struct lfv_msi_vector *vec)
{
    struct stress_msix *mx = ctx;
    unsigned int domid;
    int dev;
    struct brec *r = rec_for(mx, v, vec, "mask", &domid, &dev);
    pthread_mutex_t *l;

    COUNT(masks);
    if (!r)
        return;
    l = rec_enter(mx, r, "mask", domid, dev, vec->index);

    if (!r->bound)
        fail(mx, K_BIND, "mask of unbound vector %u, domain %u, device %d",
             vec->index, domid, dev);
    else if (r->address != vec->address || r->data != vec->data)
        fail(mx, K_BIND, "mask of vector %u, domain %u, device %d with "
             "%#" PRIx64 "/%#x, bound with %#" PRIx64 "/%#x", vec->index,
             domid, dev, vec->address, vec->data, r->address, r->data);
    r->masked = vec->masked;
    rec_leave(r, l);
}

static int bar_at(struct stress_msix *mx, uint64_t addr, unsigned int size);

/* A forward of the access running on this thread: record and check it. */
static void forwarded(struct stress_msix *mx, uint64_t addr, unsigned int size,
                      bool write)
{
    int owner = bar_at(mx, addr, 1);

    if (tl_fwd.domid < 0)
        return;
    tl_fwd.n++;
    tl_fwd.addr = addr;
    tl_fwd.size = size;
    COUNT(forwards);
    if (owner >= 0 && !own_allowed(mx->run, (unsigned int)owner,
                                   (unsigned int)tl_fwd.domid))
        fail(mx, K_ISO, "a %s of domain %d reached the hardware at %#" PRIx64
             "+%u, device %d's memory, which it does not own",
             write ? "write" : "read", tl_fwd.domid, addr, size, owner);
}

static int op_mmio_read(void *ctx, uint64_t addr, unsigned int size,
                        uint64_t *val)
{
    struct stress_msix *mx = ctx;

    forwarded(mx, addr, size, false);
    return lfv_sim_mmio_read(mx->run->bridge, addr, size, val);
}

/* The MSI-X device whose host table holds [addr, addr + size), or -1. */
static int table_at(struct stress_msix *mx, uint64_t addr, unsigned int size)
{
    for (unsigned int i = 0; i < mx->nr_msix_devs; i++) {
        unsigned int k = mx->msix_devs[i];
        uint64_t t =
            mx->run->layout[k].bar[mx->run->layout[k].msix_bir[0]].addr +
            mx->run->layout[k].msix_off[0];

        if (addr + size > t && addr < t + mx->run->layout[k].msix_size[0])
            return (int)k;
    }
    return -1;
}

/* The device one of whose memory BARs holds [addr, addr + size), or -1. */
static int bar_at(struct stress_msix *mx, uint64_t addr, unsigned int size)
{
    for (unsigned int k = 0; k < mx->run->opt.devices; k++)
        for (unsigned int b = 0; b < 6; b++) {
            const struct bar_oracle *o = &mx->run->layout[k].bar[b];

            if (o->mem && o->size && addr >= o->addr &&
                addr - o->addr <= o->size - size)
                return (int)k;
        }
    return -1;
}

/*
 * What reaches device memory: on x86 never a table write (the emulation's),
 * on Arm the hardware domain's; the rest of the table and PBA pages for
 * their owner.  A value a guest wrote (it names its domain) may reach only
 * a BAR of a device that guest may own at the time, never a table.
 */
static int op_mmio_write(void *ctx, uint64_t addr, unsigned int size,
                         uint64_t val)
{
    struct stress_msix *mx = ctx;
    int k = hwdom_emulated(mx) ? table_at(mx, addr, size) : -1;

    COUNT(hw_writes);
    forwarded(mx, addr, size, true);
    if (k >= 0)
        fail(mx, K_ISO, "a write reached device %d's table at %#" PRIx64
             " (%#" PRIx64 "): the engine forwarded it", k, addr, val);
    for (unsigned int h = 0; size >= 4 && h < size / 4; h++) {
        uint32_t v = (uint32_t)(val >> 32 * h);
        struct val x;

        for (unsigned int f = 0; f < 3; f++) {
            int owner = bar_at(mx, addr + 4 * h, 4);

            if (!decode(f, v, &x) || x.domid == 0)
                continue;
            if (table_at(mx, addr + 4 * h, 4) >= 0 || owner < 0 ||
                !own_allowed(mx->run, (unsigned int)owner, x.domid))
                fail(mx, K_ISO, "a write of domain %u reached the hardware at "
                     "%#" PRIx64 " (%#x), device %d's memory", x.domid,
                     addr + 4 * h, v, owner);
        }
    }
    return lfv_sim_mmio_write(mx->run->bridge, addr, size, val);
}

static const struct lfv_msi_ops msi_ops = {
    .bind = op_bind, .unbind = op_unbind, .mask = op_mask,
    .mmio_read = op_mmio_read, .mmio_write = op_mmio_write,
};

int msix_setup(struct stress *run)
{
    struct stress_msix *mx = calloc(1, sizeof(*mx));
    int rc;

    if (!mx)
        return -ENOMEM;
    mx->run = run;
    run->msix = mx;
    rc = lfv_system_set_msi_ops(run->sys, &msi_ops, mx);

    if (!rc)
        rc = lfv_system_add_hook(mx->run->sys, &lfv_msi_hook);
    if (!rc)
        rc = lfv_system_add_hook(mx->run->sys, &lfv_msix_hook);
    for (unsigned int i = 0; i < 64; i++)
        pthread_mutex_init(&mx->rec_lock[i], NULL);
    for (unsigned int k = 0; !rc && k < mx->run->opt.devices; k++) {
        if (mx->run->layout[k].msi_pos)
            mx->msi_devs[mx->nr_msi_devs++] = k;
        if (!mx->run->layout[k].msix_pos)
            continue;
        mx->msix_devs[mx->nr_msix_devs++] = k;
        for (unsigned int d = 0; !rc && d <= mx->run->opt.guests; d++) {
            mx->recs[d][k] =
                calloc(mx->run->layout[k].msix_nr, sizeof(struct brec));
            if (!mx->recs[d][k])
                rc = -ENOMEM;
        }
    }
    return rc;
}

/* ---- targets ---- */

/* The address a domain's BAR decodes, as its config space says. */
static uint64_t bar_addr(struct stress_msix *mx, const struct target *t,
                         unsigned int bar)
{
    const struct bar_oracle *b = &mx->run->layout[t->dev].bar[bar];
    uint64_t a;

    if (t->hwdom)
        return b->addr; /* the host's, where firmware put it */
    a = lfv_conf_read(t->d, t->sbdf, b->reg, 4) & ~0xfull;
    if (b->is64)
        a |= (uint64_t)lfv_conf_read(t->d, t->sbdf, b->reg + 4, 4) << 32;
    return a;
}

/* dev through its owner now; false when unowned. */
bool target_owner(struct stress_msix *mx, unsigned int dev, struct target *t)
{
    unsigned int domid;
    lfv_sbdf_t vsbdf;

    t->gen = own_gen_read(mx->run, dev);
    if (lfv_pdev_owner(mx->run->sys, dev_sbdf(dev), &domid, &vsbdf) ||
        domid > mx->run->opt.guests)
        return false;
    t->dev = dev;
    t->domid = domid;
    t->d = mx->run->doms[domid];
    t->hwdom = lfv_domain_is_hardware(t->d);
    t->sbdf = vsbdf;
    t->table = bar_addr(mx, t, mx->run->layout[dev].msix_bir[0]) +
               mx->run->layout[dev].msix_off[0];
    t->pba = mx->run->layout[dev].msix[1]
                 ? bar_addr(mx, t, mx->run->layout[dev].msix_bir[1]) +
                       mx->run->layout[dev].msix_off[1]
                 : 0;
    return true;
}

bool stable(struct stress_msix *mx, const struct target *t)
{
    return !(t->gen & 1) && own_gen_read(mx->run, t->dev) == t->gen;
}

uint16_t ctl_read(struct stress_msix *mx, const struct target *t)
{
    return lfv_conf_read(t->d, t->sbdf, mx->run->layout[t->dev].msix_pos + 2,
                         2);
}

void ctl_write(struct stress_msix *mx, const struct target *t, uint16_t v)
{
    lfv_conf_write(t->d, t->sbdf, mx->run->layout[t->dev].msix_pos + 2, 2, v);
}

/* Enable MSI-X when off; now and then the function mask, or disable. */
static void control_traffic(struct stress_msix *mx, const struct target *t,
                            uint64_t *rng)
{
    uint16_t c = ctl_read(mx, t);
    unsigned int r = xorshift(rng) % 64;

    if (c == 0xffff)
        return; /* gone, or not MSI-X any more: someone else's slot */
    if (!(c & MSIX_ENABLE))
        ctl_write(mx, t, MSIX_ENABLE);
    else if (r < 2)
        ctl_write(mx, t, c ^ MSIX_MASKALL);
    else if (r == 2)
        ctl_write(mx, t, 0);
}

/* ---- table accesses ---- */

/* An MMIO access as t's domain, its forwards recorded (tl_fwd). */
static int mmio_as(const struct target *t, uint64_t gpa, unsigned int size,
                   bool write, uint64_t *v)
{
    int rc;

    tl_fwd.domid = (int)t->domid;
    tl_fwd.n = 0;
    rc = write ? lfv_msix_mmio_write(t->d, gpa, size, *v)
               : lfv_msix_mmio_read(t->d, gpa, size, v);
    tl_fwd.domid = -1;
    return rc;
}

static int tbl_read(struct stress_msix *mx, const struct target *t,
                    uint64_t gpa, unsigned int size, uint64_t *v)
{
    int rc = mmio_as(t, gpa, size, false, v);

    COUNT(table_reads);
    if (rc == -ENOENT) {
        COUNT(enoent);
        if (*v != (size == 8 ? ~0ull : (1ull << 8 * size) - 1))
            fail(mx, K_TORN, "domain %u: unclaimed read at %#" PRIx64
                 " returned %#" PRIx64, t->domid, gpa, *v);
    } else if (rc) {
        fail(mx, K_REFUSE, "domain %u: %u-byte read at %#" PRIx64 ": %d",
             t->domid, size, gpa, rc);
    }
    return rc;
}

static int tbl_write(struct stress_msix *mx, const struct target *t,
                     uint64_t gpa, unsigned int size, uint64_t v,
                     bool addr_data)
{
    int rc;

    __atomic_store_n(&tl_addr_data, addr_data, __ATOMIC_RELAXED);
    rc = mmio_as(t, gpa, size, true, &v);
    __atomic_store_n(&tl_addr_data, false, __ATOMIC_RELAXED);
    COUNT(table_writes);
    if (rc == -ENOENT)
        COUNT(enoent);
    else if (rc)
        fail(mx, K_REFUSE, "domain %u: %u-byte write at %#" PRIx64 ": %d",
             t->domid, size, gpa, rc);
    return rc;
}

/*
 * Check what a read of entry `entry`'s dwords [f, f + size / 4) of t's
 * table returned.  own: t's domain owned the device throughout and the
 * hardware domain's tables never move, so its values must be exactly this
 * device's and entry's.
 */
void check_read(struct stress_msix *mx, const struct target *t,
                unsigned int entry, unsigned int f, unsigned int size,
                uint64_t v)
{
    for (unsigned int h = 0; h < size / 4; h++) {
        uint32_t dw = (uint32_t)(v >> 32 * h);
        unsigned int field = f + h;
        struct val x;
        enum kind k;

        if (field == 3) {
            if (dw > 1 && dw != ONES32)
                fail(mx, K_TORN, "domain %u device %u entry %u: control %#x",
                     t->domid, t->dev, entry, dw);
            continue;
        }
        k = value_check(field, dw, t->domid, &x);
        if (k != NR_KINDS) {
            fail(mx, k, "domain %u device %u entry %u field %u read %#x",
                 t->domid, t->dev, entry, field, dw);
        } else if (dw != 0 && dw != ONES32 &&
                   (x.dev != t->dev || x.entry != entry)) {
            /* a guest's write raced with a BAR move and hit elsewhere */
            if (t->hwdom && stable(mx, t))
                fail(mx, K_TORN, "hardware domain device %u entry %u field %u:"
                     " value of device %u entry %u", t->dev, entry, field,
                     x.dev, x.entry);
            else
                COUNT(strays);
        }
    }
}

/*
 * A snapshot of the address (8-byte read) of an entry only reader t
 * writes, always low dword first, each pair with the same nonce, the next
 * pair with the next one (mod 3): a consistent snapshot has the high
 * dword's nonce equal to the low one's or one behind.
 */
/*
 * Entries whose address halves may disagree for good: a 4-byte write of
 * the low half took effect, then the device moved before the high one (or
 * the other way round), so the halves' nonces no longer say which is
 * newer.  Set by the entry's writer before such a pair of writes, cleared
 * after one made while the device stayed put.  check_pair skips them.
 */

static bool is_unsure(struct stress_msix *mx, unsigned int dev, unsigned int e)
{
    return __atomic_load_n(&mx->unsure[dev][e % MAX_ENTRIES],
                           __ATOMIC_ACQUIRE);
}

static void set_unsure(struct stress_msix *mx, unsigned int dev,
                       unsigned int e, bool on)
{
    __atomic_store_n(&mx->unsure[dev][e % MAX_ENTRIES], on, __ATOMIC_RELEASE);
}

static void check_pair(struct stress_msix *mx, const struct target *t,
                       unsigned int entry, uint64_t v)
{
    struct val lo, hi;

    if (!decode(0, (uint32_t)v, &lo) || !decode(1, (uint32_t)(v >> 32), &hi) ||
        lo.domid != hi.domid || lo.dev != hi.dev || lo.entry != hi.entry ||
        lo.dev != t->dev || lo.entry != entry || lo.nonce > 2 ||
        hi.nonce > 2)
        return;
    if (hi.nonce != lo.nonce && hi.nonce != (lo.nonce + 2) % 3)
        fail(mx, K_TORN, "domain %u device %u entry %u: address read %#" PRIx64
             ", not one snapshot", t->domid, t->dev, entry, v);
}

uint64_t entry_gpa(const struct target *t, unsigned int e)
{
    return t->table + 16ull * e;
}

/*
 * One random access to entry e; nonce for what it writes.  On Arm the
 * hardware domain's tables are the device's, whose 8-byte accesses are two
 * 4-byte ones: no snapshot to check there.
 */
static void entry_op(struct stress_msix *mx, const struct target *t,
                     unsigned int e, uint64_t *rng, unsigned int nonce)
{
    unsigned int r = xorshift(rng) % 10, dom = t->domid;
    uint64_t gpa = entry_gpa(t, e), v = 0;

    switch (r) {
    case 0 ... 2: /* mask / unmask */
        tbl_write(mx, t, gpa + 12, 4, xorshift(rng) & 1, false);
        break;
    case 3: /* data and control at once */
        tbl_write(mx, t, gpa + 8, 8,
                  encode(2, dom, t->dev, e, nonce) |
                      (uint64_t)(xorshift(rng) & 1) << 32,
                  false);
        break;
    case 4: /* address, one 8-byte write: low dword first */
        tbl_write(mx, t, gpa, 8,
                  encode(0, dom, t->dev, e, nonce) |
                      (uint64_t)encode(1, dom, t->dev, e, nonce) << 32,
                  true);
        if (stable(mx, t)) /* both halves written, in one entry */
            set_unsure(mx, t->dev, e, false);
        break;
    case 5: /* address, two 4-byte writes; then data */
        set_unsure(mx, t->dev, e, true);
        tbl_write(mx, t, gpa, 4, encode(0, dom, t->dev, e, nonce), true);
        tbl_write(mx, t, gpa + 4, 4, encode(1, dom, t->dev, e, nonce), true);
        tbl_write(mx, t, gpa + 8, 4, encode(2, dom, t->dev, e, nonce), true);
        if (stable(mx, t))
            set_unsure(mx, t->dev, e, false);
        break;
    case 6 ... 7: { /* 4-byte read of any field */
        unsigned int f = xorshift(rng) % 4;

        if (!tbl_read(mx, t, gpa + 4 * f, 4, &v))
            check_read(mx, t, e, f, 4, v);
        break;
    }
    default: /* 8-byte reads: address, data + control */
        if (!tbl_read(mx, t, gpa, 8, &v)) {
            check_read(mx, t, e, 0, 8, v);
        }
        if (!tbl_read(mx, t, gpa + 8, 8, &v))
            check_read(mx, t, e, 2, 8, v);
        break;
    }
}

/* A value no field decodes (encode()): it names no domain. */
static uint64_t plain_value(uint64_t *rng)
{
    for (;;) {
        uint32_t v = (uint32_t)xorshift(rng);
        struct val x;
        bool named = false;

        for (unsigned int f = 0; f < 3; f++)
            named |= decode(f, v, &x);
        if (!named)
            return v | (uint64_t)v << 32;
    }
}

/*
 * The rest of the table's page, any aligned size: the 8 bytes after the
 * table (when the PBA does not follow it at once).  Exact where the tool
 * can know the answer: t's owner kept the device, unmoved, throughout
 * (stable) and no guest BAR of any device was moved into another device's
 * window or could be there (window_quiet: the tool's own overlaps on
 * purpose are the only way another region can cover this page).  Then the
 * access is forwarded once, with its size, to the same offset of the
 * device's host BAR (the hardware domain: the same address), or reaches
 * nothing (untrapped, or trapped and dropped: counted as rest_nothing;
 * the engine drops such accesses in cases the tool cannot see).
 * Otherwise the access may be untrapped (-ENOENT) or answered by another
 * of the domain's devices (whose table or PBA refuses 1- and 2-byte
 * accesses: -EINVAL), and the hooks still check every forward
 * (forwarded()): only memory of a device the domain may own.
 */
static void page_rest(struct stress_msix *mx, const struct target *t,
                      uint64_t *rng)
{
    const struct dev_layout *l = &mx->run->layout[t->dev];
    unsigned int size = 1u << (xorshift(rng) % 4), bir = l->msix_bir[0];
    uint64_t at = t->table + l->msix_size[0], v, host;
    bool pba = l->msix[1] && l->msix_bir[1] == l->msix_bir[0] &&
               l->msix_off[1] - (l->msix_off[0] + l->msix_size[0]) < 8;
    unsigned int wg = window_gen(mx->run);
    bool quiet = window_quiet(mx->run, t->dev), write = xorshift(rng) & 1;
    int rc;

    if (!(at & (LFV_PAGE_SIZE - 1)) || (at & 7) || pba)
        return;
    at += 8 - size;
    /* where it must land: the same offset of the host BAR */
    host = l->bar[bir].addr + (at - (t->table - l->msix_off[0]));
    v = write ? plain_value(rng) : 0x5a5a;
    rc = mmio_as(t, at, size, write, &v);
    COUNT(rest);
    if (write)
        COUNT(table_writes);
    else
        COUNT(table_reads);
    if (rc == -ENOENT)
        COUNT(enoent);
    if (!write && rc == -ENOENT &&
        v != (size == 8 ? ~0ull : (1ull << 8 * size) - 1))
        fail(mx, K_TORN, "domain %u: unclaimed read at %#" PRIx64
             " returned %#" PRIx64, t->domid, at, v);
    if (!write && rc == -EINVAL && v != 0x5a5a)
        fail(mx, K_REFUSE, "domain %u: a refused %u-byte read at %#" PRIx64
             " wrote %#" PRIx64, t->domid, size, at, v);
    if (stable(mx, t) && quiet && window_quiet(mx->run, t->dev) &&
        window_gen(mx->run) == wg) {
        COUNT(rest_exact);
        /*
         * Reaching nothing is allowed (<lfvpci/msi.h>: not while the state
         * is not the device's published one, nor where another device's
         * BAR or no window is), and counted; reaching anything but the
         * device's own byte, or twice, is not.
         */
        if (rc == -ENOENT || (!rc && !tl_fwd.n))
            COUNT(rest_nothing);
        else if (rc)
            fail(mx, K_ISO, "domain %u: the rest of device %u's table page at "
                 "%#" PRIx64 ": %d", t->domid, t->dev, at, rc);
        else if (tl_fwd.n != 1 || tl_fwd.addr != host || tl_fwd.size != size)
            fail(mx, K_ISO, "domain %u: %u-byte %s of the rest of device %u's "
                 "table page at %#" PRIx64 " reached the hardware %u times, "
                 "last at %#" PRIx64 "+%u; expected once at %#" PRIx64,
                 t->domid, size, write ? "write" : "read", t->dev, at,
                 tl_fwd.n, tl_fwd.addr, tl_fwd.size, host);
    } else if (rc && rc != -ENOENT && (rc != -EINVAL || size >= 4)) {
        /* another device's table or PBA there refuses 1 and 2 bytes */
        fail(mx, K_REFUSE, "domain %u: %u-byte access at %#" PRIx64 ": %d",
             t->domid, size, at, rc);
    }
    if (size < 4 && t->hwdom) { /* (a guest's table may be overlapped) */
        v = 0x5a5a;
        rc = lfv_msix_mmio_read(t->d, t->table, size, &v);
        if (stable(mx, t) && (rc != -EINVAL || v != 0x5a5a))
            fail(mx, K_REFUSE, "domain %u: %u-byte read of device %u's table "
                 "at %#" PRIx64 ": %d, %#" PRIx64, t->domid, size, t->dev,
                 t->table, rc, v);
    }
}

/*
 * The PBA: the device's, pending bits only (none here), or all-ones.  The
 * hardware domain's writes reach the device (read-only there), a guest's
 * are dropped.
 */
static void pba_read(struct stress_msix *mx, const struct target *t,
                     uint64_t *rng)
{
    uint64_t v;
    unsigned int size = xorshift(rng) & 1 ? 8 : 4;

    if (!t->pba)
        return;
    if (xorshift(rng) % 4 == 0) /* a guest's must reach nothing */
        tbl_write(mx, t, t->pba, 4,
                  t->hwdom ? 0 : encode(0, t->domid, t->dev, 0, 0), false);
    if (tbl_read(mx, t, t->pba, size, &v) || v == 0 ||
        v == (size == 8 ? ~0ull : ONES32) || !stable(mx, t))
        return; /* (moved meanwhile: it may be another device's table) */
    /*
     * A guest's BARs may overlap: the region trapped first wins, so its
     * PBA may read another of its devices' table.  Nothing else.
     */
    for (unsigned int h = 0; h < size / 4; h++) {
        uint32_t dw = (uint32_t)(v >> 32 * h);
        bool own = dw <= 1;
        struct val x;

        for (unsigned int f = 0; !own && f < 3; f++)
            own = value_check(f, dw, t->domid, &x) == NR_KINDS;
        if (!own || t->hwdom)
            fail(mx, K_TORN, "domain %u device %u: PBA read %#" PRIx64,
                 t->domid, t->dev, v);
        else
            COUNT(strays);
    }
}

/* ---- steps ---- */

static void storm_step(struct stress_msix *mx, uint64_t *rng)
{
    unsigned int dev = mx->msix_devs[__atomic_load_n(&mx->storm_tick,
                                                 __ATOMIC_RELAXED) / 25 %
                                 mx->nr_msix_devs];
    unsigned int n = mx->run->layout[dev].msix_nr < STORM_ENTRIES
                         ? mx->run->layout[dev].msix_nr : STORM_ENTRIES;
    struct target t;

    if (!target_owner(mx, dev, &t))
        return;
    control_traffic(mx, &t, rng);
    for (unsigned int i = 0; i < 8; i++)
        entry_op(mx, &t, xorshift(rng) % n, rng, xorshift(rng) % 3);
    pba_read(mx, &t, rng);
    page_rest(mx, &t, rng);
}

/*
 * Entries 4 and up: entry 4 + t + k * readers is written by reader t only,
 * and read by everyone, the address in bursts of 8-byte reads, checked
 * for consistency (check_pair).
 */
static void own_step(struct stress_msix *mx, uint64_t *rng, unsigned int th)
{
    unsigned int dev = mx->msix_devs[xorshift(rng) % mx->nr_msix_devs];
    unsigned int nr = mx->run->layout[dev].msix_nr;
    struct target t;
    uint64_t v;

    if (nr <= STORM_ENTRIES || !target_owner(mx, dev, &t))
        return;
    control_traffic(mx, &t, rng);
    for (unsigned int i = 0; i < 6; i++) {
        unsigned int e = STORM_ENTRIES + xorshift(rng) % (nr - STORM_ENTRIES);
        unsigned int nonce = 0;
        struct val x;

        if ((e - STORM_ENTRIES) % mx->run->opt.readers != th) {
            for (unsigned int k = 0;
                 (!t.hwdom || hwdom_emulated(mx)) && k < 16; k++) {
                bool sure = !is_unsure(mx, dev, e);

                if (!tbl_read(mx, &t, entry_gpa(&t, e), 8, &v)) {
                    check_read(mx, &t, e, 0, 8, v);
                    /*
                     * Only the hardware domain's tables are surely this
                     * device's: a guest's BARs may overlap another of its
                     * devices', whose table then answers at this address
                     * and may hold this device's values written through a
                     * stale address (test_msi checks guests' snapshots).
                     */
                    if (t.hwdom && sure && !is_unsure(mx, dev, e))
                        check_pair(mx, &t, e, v);
                }
            }
            continue;
        }
        /* the next nonce after the one this reader wrote last */
        if (!tbl_read(mx, &t, entry_gpa(&t, e), 4, &v) &&
            decode(0, (uint32_t)v, &x) && x.dev == dev && x.entry == e &&
            x.nonce < 3)
            nonce = (x.nonce + 1) % 3;
        entry_op(mx, &t, e, rng, nonce);
    }
}

/*
 * A device the domain does not own, at the places its table may be: the
 * host address (nobody's guest address: guest windows are elsewhere), the
 * guest windows (other domains put it there; this domain's own devices
 * may borrow them), and elsewhere in the BAR.  Reads all-ones or the
 * domain's own values; poison writes must stay invisible.
 */
static void foreign_step(struct stress_msix *mx, uint64_t *rng)
{
    unsigned int dev = mx->msix_devs[xorshift(rng) % mx->nr_msix_devs];
    unsigned int di = xorshift(rng) % (mx->run->opt.guests + 1);
    unsigned int bir = mx->run->layout[dev].msix_bir[0], e, g;
    struct target t = { .dev = dev, .domid = lfv_domain_id(mx->run->doms[di]),
                        .d = mx->run->doms[di], .hwdom = di == 0 };
    uint64_t at[7], base, v;
    bool host;
    int rc;

    g = own_gen_read(mx->run, dev);
    if ((g & 1) || own_allowed(mx->run, dev, t.domid))
        return;
    t.gen = g;
    e = xorshift(rng) % mx->run->layout[dev].msix_nr;
    switch (xorshift(rng) % 4) {
    case 0 ... 1:
        base = mx->run->layout[dev].bar[bir].addr;
        host = true;
        break;
    default:
        if (guest_layout(mx->run, dev, dev, xorshift(rng) % GUEST_SLOTS, at))
            return;
        base = at[bir];
        host = false;
        break;
    }
    t.table = base + mx->run->layout[dev].msix_off[0];
    COUNT(foreign);
    if (xorshift(rng) % 4 == 0) { /* the BAR outside the table and PBA */
        uint64_t off =
            (xorshift(rng) % mx->run->layout[dev].bar[bir].size) & ~7ull;
        bool in_table = off - mx->run->layout[dev].msix_off[0] <
                        mx->run->layout[dev].msix_size[0];
        bool in_pba = mx->run->layout[dev].msix[1] &&
                      mx->run->layout[dev].msix_bir[1] == bir &&
                      off - mx->run->layout[dev].msix_off[1] <
                          mx->run->layout[dev].msix_size[1];

        if (in_table || in_pba)
            return;
        rc = tbl_read(mx, &t, base + off, 8, &v);
        /* unless the device was assigned to the domain meanwhile */
        if (!rc && host && stable(mx, &t) &&
            !own_allowed(mx->run, dev, t.domid))
            fail(mx, K_LEAK, "domain %u reads device %u's BAR at %#" PRIx64
                 " (not a table)", t.domid, dev, base + off);
        return;
    }
    /*
     * Writes: the domain's own values (they may land in a device of its
     * own that borrowed the window, or in this one if it is assigned to
     * the domain meanwhile: guest addresses start at the host's).
     */
    if (xorshift(rng) & 1) {
        unsigned int f = xorshift(rng) % 3;

        rc = tbl_write(mx, &t, entry_gpa(&t, e) + 4 * f, 4,
                       encode(f, t.domid, dev, e, xorshift(rng) % 3), true);
        if (!rc && host && stable(mx, &t) &&
            !own_allowed(mx->run, dev, t.domid))
            fail(mx, K_LEAK, "domain %u writes device %u's table at its host "
                 "address %#" PRIx64 " without owning it", t.domid, dev,
                 entry_gpa(&t, e));
        rc = tbl_write(mx, &t, entry_gpa(&t, e) + 12, 4, 0, false);
        if (!rc && host && stable(mx, &t) &&
            !own_allowed(mx->run, dev, t.domid))
            fail(mx, K_LEAK, "domain %u unmasks device %u's entry %u at its "
                 "host address without owning it", t.domid, dev, e);
    }
    rc = tbl_read(mx, &t, entry_gpa(&t, e), 8, &v);
    if (!rc)
        check_read(mx, &t, e, 0, 8, v);
    /* its host address is nobody else's: found there, it leaked */
    if (!rc && host && stable(mx, &t) && !own_allowed(mx->run, dev, t.domid))
        fail(mx, K_LEAK, "domain %u reaches device %u's table at its host "
             "address %#" PRIx64 " without owning it", t.domid, dev,
             entry_gpa(&t, e));
}

/* Sizes and alignments the entry point must refuse, reads and writes. */
static void refuse_step(struct stress_msix *mx, uint64_t *rng)
{
    static const unsigned int sizes[] = { 0, 3, 5, 6, 7, 9, 12, 16 };
    unsigned int dev = mx->msix_devs[xorshift(rng) % mx->nr_msix_devs];
    unsigned int di = xorshift(rng) % (mx->run->opt.guests + 1);
    struct lfv_domain *d = mx->run->doms[di];
    uint64_t base =
        mx->run->layout[dev].bar[mx->run->layout[dev].msix_bir[0]].addr +
        mx->run->layout[dev].msix_off[0] + 16 * (xorshift(rng) % 4);
    uint64_t gpa, v = 0x5a5a5a5a5a5a5a5aull;
    unsigned int size;
    int rc;

    if (xorshift(rng) & 1) {
        size = sizes[xorshift(rng) % 8];
        gpa = base + 4 * (xorshift(rng) % 4);
    } else {
        size = xorshift(rng) & 1 ? 8 : 4;
        gpa = base + 1 + xorshift(rng) % (size - 1);
        if (size == 8 && xorshift(rng) & 1)
            gpa = base + 4; /* dword aligned, not qword */
    }
    COUNT(refused);
    rc = lfv_msix_mmio_read(d, gpa, size, &v);
    if (rc != -EINVAL || v != 0x5a5a5a5a5a5a5a5aull)
        fail(mx, K_REFUSE, "domain %u: %u-byte read at %#" PRIx64 ": %d, %#"
             PRIx64, lfv_domain_id(d), size, gpa, rc, v);
    rc = lfv_msix_mmio_write(d, gpa, size,
                             encode(0, lfv_domain_id(d), dev, 0, 0) |
                                 (uint64_t)encode(1, lfv_domain_id(d), dev,
                                                  0, 0) << 32);
    if (rc != -EINVAL)
        fail(mx, K_REFUSE, "domain %u: %u-byte write at %#" PRIx64 ": %d",
             lfv_domain_id(d), size, gpa, rc);
}

/* MSI of a device (a guest's; on x86 the hardware domain's too). */
static void msi_step(struct stress_msix *mx, uint64_t *rng)
{
    unsigned int dev, pos, data_off, r;
    struct target t;

    if (!mx->nr_msi_devs)
        return;
    dev = mx->msi_devs[xorshift(rng) % mx->nr_msi_devs];
    t.gen = own_gen_read(mx->run, dev);
    {
        unsigned int domid;
        lfv_sbdf_t vsbdf;

        if (lfv_pdev_owner(mx->run->sys, dev_sbdf(dev), &domid, &vsbdf) ||
            (domid == 0 && !hwdom_emulated(mx)) || domid > mx->run->opt.guests)
            return; /* passthrough for the hardware domain on Arm */
        t.d = mx->run->doms[domid];
        t.domid = domid;
        t.sbdf = vsbdf;
    }
    pos = mx->run->layout[dev].msi_pos;
    data_off = pos + (mx->run->layout[dev].msi_64 ? 12 : 8);
    r = xorshift(rng) % 8;
    COUNT(msi_writes);
    switch (r) {
    case 0 ... 1:
        lfv_conf_write(t.d, t.sbdf, pos + 4, 4,
                       encode(0, t.domid, dev, 0x7ff, xorshift(rng) % 3));
        break;
    case 2:
        if (mx->run->layout[dev].msi_64)
            lfv_conf_write(t.d, t.sbdf, pos + 8, 4,
                           encode(1, t.domid, dev, 0x7ff, xorshift(rng) % 3));
        break;
    case 3:
        lfv_conf_write(t.d, t.sbdf, data_off, 2, xorshift(rng) & 0xffe0);
        break;
    case 4:
        if (mx->run->layout[dev].msi_maskable)
            lfv_conf_write(t.d, t.sbdf, data_off + 4, 4, xorshift(rng));
        break;
    default: /* enable with 1..4 vectors (clamped), or disable */
        lfv_conf_write(t.d, t.sbdf, pos + 2, 2,
                       r == 7 ? 0 : MSI_ENABLE | (xorshift(rng) % 3) << 4);
        break;
    }
}

void msix_reader_step(struct stress_msix *mx, uint64_t *rng, unsigned int th)
{
    unsigned int r = xorshift(rng) % 16;

    if (!mx->nr_msix_devs)
        return;
    COUNT(steps);
    if (r < 6)
        storm_step(mx, rng);
    else if (r < 10)
        own_step(mx, rng, th);
    else if (r < 13)
        foreign_step(mx, rng);
    else if (r < 14)
        refuse_step(mx, rng);
    else
        msi_step(mx, rng);
}

void msix_tick(struct stress_msix *mx)
{
    __atomic_fetch_add(&mx->storm_tick, 1, __ATOMIC_RELAXED);
}

