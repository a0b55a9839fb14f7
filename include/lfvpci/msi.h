/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/msi.h - MSI and MSI-X emulation (Xen's vpci msi.c / msix.c) and
 * the binding interface that tells the hypervisor which vectors to route.
 *
 * Hooks.  Register lfv_msi_hook and/or lfv_msix_hook on the system with
 * lfv_header_hook (lfv_system_add_hook, in any order: their priority,
 * LFV_PRIO_MSI, runs them after the header's discovery and BAR state; they
 * fail assignment with -ENOENT without the header hook).
 *  - guests: the MSI capability body (control, address low/high, data,
 *    mask, pending) and the MSI-X control register are emulated, replacing
 *    the header's read-only hardware view on the same edit.  Enabling either
 *    forces INTX_DISABLE (lfv_header_set_intx_forced); disabling both stops
 *    forcing it.  The enable bits (and MSI's multiple message enable, MSI-X's
 *    function mask) are written through to the hardware; addresses, data and
 *    masks are the hypervisor's business, through the binding ops.  Without
 *    a bind op nobody programs MSI's message, and MSI's enable never
 *    reaches the hardware (the device would send what its previous owner
 *    left there).
 *    MSI's capable bits (multiple message capable, 64-bit, per-vector
 *    masking) and its register layout are those the header read at
 *    assignment, as in Xen's control_read.
 *    MSI-X table BIR/offset and PBA BIR/offset read from hardware (RO);
 *    the control register's Table Size is the emulation's, read once at
 *    assignment (the read that sized the trapped table), as Xen's
 *    control_read: a device answering differently later changes nothing.
 *    Assignment turns MSI and MSI-X off in hardware (the emulation starts
 *    disabled, every MSI-X entry masked).  The device's own MSI-X table
 *    still holds what its previous owner left (on Arm the hardware domain
 *    programs its own table), and the binding ops program only the
 *    entries the new owner unmasks, so the owner's first enable masks
 *    every entry of the device's table, as a reset would (Xen relies on
 *    the toolstack's reset; Linux masks them all at enable): with MSI-X
 *    enabled and the function masked in hardware, through the
 *    mmio_read/mmio_write ops, each entry's vector control read, its mask
 *    bit set if clear and read back.  Until that has succeeded (the
 *    device not decoding memory, its table where an access would not
 *    reach it alone, no mmio ops, a mask that does not stick), an enable
 *    reaches the hardware with the function masked, whatever the owner
 *    wrote (it reads its own function mask); the next control write tries
 *    again.
 *  - the hardware domain, LFV_ARCH_X86 (Xen 4.17's vPCI on PVH dom0: Xen
 *    owns the interrupt vectors and remapping, so dom0 cannot program the
 *    real address/data): the same emulation as guests, the binding ops
 *    called for it (v's domain is the hardware domain) with the values it
 *    wrote, and those values never reach the device's table (the binding
 *    ops program the hardware).  Differences, as in Xen: no INTx forcing;
 *    MSI's reserved upper half of the data dword and its pending bits are
 *    not registers (they reach the hardware, as the rest of its
 *    configuration space does); its MSI-X regions are at host addresses
 *    (identity) and follow its BAR moves (refused while decoding);
 *    its PBA writes reach the device; and all of the rest of the pages
 *    holding its table and PBA reaches the device at the same address
 *    (see MSI-X MMIO below).
 *  - the hardware domain, LFV_ARCH_ARM (Xen 4.17 on Arm has no vPCI MSI:
 *    the GIC ITS translates the device's writes): its MSI and MSI-X config
 *    registers pass through (the header does not cover the capabilities
 *    for it) and its table and PBA, trapped because the header punches
 *    their pages out of its identity p2m as Xen does, are forwarded to
 *    the device's memory at the host address, as are the rest of their
 *    pages; no emulation, no binding calls: it programs its own table.
 *  - a device whose MSI-X table or PBA does not lie inside an implemented
 *    memory BAR (lfv_header_msix_location() says -EINVAL): never given to
 *    a guest (its assignment fails with -EINVAL); the hardware domain, on
 *    either architecture, keeps the device with MSI-X held off: its
 *    control register reads enable and function mask 0 and writes leave
 *    them 0 in hardware, and nothing of the device is trapped.
 *
 * Binding semantics (what the ops see):
 *  - MSI: enable 0->1 binds vectors 0 .. 2^MME - 1 (data | vector number,
 *    masked = the vector's mask bit); a failed bind unbinds the others and
 *    leaves MSI disabled (the domain reads enable 0).  Enable 1->0 unbinds
 *    them.  Address, data or MME changes while enabled rebind (unbind all,
 *    bind all).  A mask bit change of a bound vector calls mask.
 *  - MSI-X: while enabled, an entry is bound at its first unmask, with the
 *    address and data it holds then, masked = the function mask.  Address
 *    or data written afterwards take effect (unbind, bind) at the entry's
 *    next masked -> unmasked transition, as the PCI rules require (writing
 *    them while unmasked is undefined for a device; here it is deferred).
 *    Entry mask changes of a bound entry call mask with the effective state
 *    (entry mask OR function mask); function mask changes call mask for
 *    every bound entry; enable 0->1 binds every unmasked entry, 1->0
 *    unbinds every bound one.  De-assignment unbinds everything bound.
 *
 * MSI-X MMIO (lfv_msix_mmio_read/write): each MSI-X device of a domain
 * traps two regions, the table and the PBA, at the guest address of the
 * BAR holding them (host address for the hardware domain).  Since the
 * header leaves the pages holding them out of every p2m, the rest of those
 * pages is trapped too (not counted as regions; a piece of it overlapping
 * another device's region is left untrapped) and forwarded to the device,
 * as Xen's msix.c does since 4.18 for devices with registers next to the
 * table: for a guest, at the same offset of the host BAR, and only bytes
 * of the BAR holding the table or PBA (with a BAR smaller than a page the
 * rest of the page is not its own: reads all-ones, writes dropped); for
 * the hardware domain, its whole pages at the same address.  A domain's
 * regions are kept in a map published under RCU (the sorted intervals and
 * an index of the pages they touch); accesses find the device and entry
 * there without a lock, in constant time whatever the number of regions.
 * A domain moving the BAR (with decoding off: the header refuses moves
 * while it is on) moves its regions: the whole map is rebuilt and
 * published at once, so a reader sees the region at the old place or at
 * the new one, never neither or both.  A region that would overlap another
 * device's region (e.g. two BARs being sized at once) is left untrapped
 * until its BAR moves again.  De-assignment removes the device's regions.
 *
 * Region bound (the seed series' patch 13: a domain's MMIO handlers are a
 * bounded resource): a domain traps at most lfv_domain_msix_region_limit()
 * regions (LFV_MSIX_REGIONS_DEFAULT unless set); assigning an MSI-X device
 * that would exceed it fails with -ENOSPC.
 *
 * Concurrency.  Config handlers run under the device's write lock (see
 * <lfvpci/access.h>).  MMIO accesses take no domain or device lock: reads
 * are lock-free (address and data through a per-entry sequence count),
 * writes to one table entry are serialised by that entry's own lock, so
 * vCPUs working on different entries never wait for each other.  The ops
 * may therefore run concurrently for different entries of one device; for
 * one entry (or one MSI device) they are serialised.  Ops must not block
 * for long, must not access this device's configuration space, and run
 * inside an RCU read-side section.  All functions are for registered RCU
 * threads.
 */
#ifndef LFVPCI_MSI_H
#define LFVPCI_MSI_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/vpci.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

extern const struct lfv_vpci_hook lfv_msi_hook;
extern const struct lfv_vpci_hook lfv_msix_hook;

/* One vector as the guest programmed it. */
struct lfv_msi_vector {
    bool msix;          /* MSI-X table entry, else MSI vector */
    unsigned int index; /* MSI-X entry, or MSI vector number (0..31) */
    uint64_t address;
    uint32_t data;      /* MSI: already ORed with the vector number */
    bool masked;        /* effective mask state */
};

/*
 * Called on the thread of the configuration or MMIO write that caused
 * them, with lfvpci's locks held (for MSI-X, the entry's spinlock): they
 * must not block, nor call back into lfvpci's control path.
 */
struct lfv_msi_ops {
    /* Route the vector; non-zero: refused (see the binding semantics). */
    int (*bind)(void *ctx, const struct lfv_vpci *v,
                const struct lfv_msi_vector *vec);
    /* Stop routing a bound vector (vec: as it was bound). */
    void (*unbind)(void *ctx, const struct lfv_vpci *v,
                   const struct lfv_msi_vector *vec);
    /* A bound vector's mask state changed to vec->masked. */
    void (*mask)(void *ctx, const struct lfv_vpci *v,
                 const struct lfv_msi_vector *vec);
    /*
     * Device memory at a host physical address (size 1, 2, 4 or 8,
     * naturally aligned; 4 or 8 in a table or PBA).  Reads: the PBA, the
     * rest of the table and PBA pages, and on Arm the hardware domain's
     * table.  Writes: the rest of those pages; the hardware domain's PBA
     * writes, and on Arm its table.  NULL: reads all-ones, writes
     * dropped.  0 or a negative errno (then all-ones).  Called only
     * while the accessing domain's state owns the device: once
     * lfv_pdev_assign()/lfv_pdev_remove() took the device from a domain
     * and returned, no access of that domain reaches these ops for it
     * (the retirement waits for forwarded accesses already running).  So
     * these two ops must not call lfvpci's control functions (assignment,
     * removal, domain destruction: they hold the control lock while they
     * wait) and must return in bounded time.
     */
    int (*mmio_read)(void *ctx, uint64_t host_addr, unsigned int size,
                     uint64_t *val);
    int (*mmio_write)(void *ctx, uint64_t host_addr, unsigned int size,
                      uint64_t val);
};

/*
 * Set the binding ops (kept by pointer: static storage) and their context.
 * Before any device is added (takes the control lock): 0, -EINVAL,
 * -EBUSY.  Without ops, binding
 * always succeeds and does nothing.
 */
int lfv_system_set_msi_ops(struct lfv_system *sys,
                           const struct lfv_msi_ops *ops, void *ctx);

/*
 * MSI-X table / PBA access by guest physical address: naturally aligned,
 * size 4 or 8 in a table or PBA, 1, 2, 4 or 8 in the rest of their pages,
 * else -EINVAL (nothing done; Xen also splits unaligned accesses to the
 * rest of the pages, lfvpci refuses them).  -ENOENT: nothing of the
 * domain's trapped at gpa (a read returns all-ones); the caller forwards
 * or refuses such accesses as it does other unclaimed MMIO.  0 otherwise.
 * Table reads: the entry as the domain wrote it (address bits 1:0 and
 * vector control bits other than the mask bit read 0); an 8-byte read of
 * the address or of data + control is one consistent snapshot.  An 8-byte
 * write is two 4-byte writes, low first.  PBA: read from the device,
 * writes ignored (the hardware domain's reach the device).  The hardware
 * domain's table on Arm, and the rest of the table and PBA pages: the
 * device's (lfv_msi_ops.mmio_read/mmio_write), and only while the domain
 * owns the device: an access that found the region just before the device
 * was de-assigned reaches nothing (reads all-ones, returns 0); nor does
 * one whose host address lies outside the system's memory windows, or in
 * a BAR of another device (of another domain, for the hardware domain):
 * with overlapping BARs it would land on that device, or where the host's
 * lfv_system_params.bar_valid says the device's bridge does not forward
 * it to the device.  Any number
 * of threads, concurrently with everything except destroying the domain.
 * Reads take no lock but may spin: a table read waits while a write to
 * the same entry is between its stores (a few stores; longer only if
 * that writer is preempted).  Writes take the entry's spinlock.
 */
int lfv_msix_mmio_read(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                       uint64_t *val);
int lfv_msix_mmio_write(struct lfv_domain *d, uint64_t gpa, unsigned int size,
                        uint64_t val);

#define LFV_MSIX_REGIONS_DEFAULT 32 /* per domain */
#define LFV_MSIX_REGIONS_MAX 256

/*
 * The domain's MSI-X MMIO regions: how many are trapped-or-reserved now,
 * and the bound.  set_limit: 1 .. LFV_MSIX_REGIONS_MAX and not below the
 * current count, else -EINVAL; applies to later assignments.  Any
 * registered thread.
 */
unsigned int lfv_domain_msix_regions(struct lfv_domain *d);
unsigned int lfv_domain_msix_region_limit(struct lfv_domain *d);
int lfv_domain_set_msix_region_limit(struct lfv_domain *d,
                                     unsigned int limit);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_MSI_H */
