/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/header.h - emulation of the PCI header: BARs, the command register
 * and, for guests, what else of the header they may see; BAR mapping into
 * the owner's p2m (<lfvpci/p2m.h>).
 *
 * Register lfv_header_hook on the system (lfv_system_add_hook) before
 * adding devices.  A device whose MSI-X table or PBA lies outside an
 * implemented memory BAR (see lfv_header_msix_location()) cannot be
 * assigned to a guest: lfv_pdev_assign() fails with -EINVAL.  At every assignment its init discovers the BARs through
 * the hardware (type, prefetchable, size by the sizing probe with decoding
 * off, host address) and the MSI-X table and PBA location, then builds the
 * owner's registers:
 *  - hardware domain: BARs and ROM read from hardware, writes refused while
 *    the BAR is mapped; COMMAND passes through, MEMORY maps / unmaps the
 *    BARs identity (gfn == mfn); ROM enable maps the ROM while MEMORY is on
 *    (a ROM write whose mapping fails is dropped whole: the state keeps
 *    the ROM's old address and enable, as the unwritten hardware does;
 *    a COMMAND write whose map or unmap fails at once is not written at
 *    all, as Xen 4.17's cmd_write(), except when refused by the decoding
 *    rule below (-EBUSY): then its other bits are written with MEMORY
 *    off; a BAR or ROM write ignored while mapped is
 *    reported to lfv_system_params.bar_write_ignored, where 4.17 warns);
 *  - guest: emulated BARs (Xen's semantics: guest address starts at the
 *    host address, writes merge into the low/high half and clear the bits
 *    below the size, writes while mapped ignored; empty BARs, the ROM and,
 *    on LFV_ARCH_ARM, I/O BARs read 0); COMMAND as the guest's own value
 *    (MEMORY, MASTER, SPECIAL, INVALIDATE, VGA_PALETTE, INTX_DISABLE
 *    writable; the other bits RsvdP: read 0, the host's value kept), with
 *    those six bits cleared in hardware at assignment; identity registers
 *    (IDs, revision, class, subsystem IDs, header type without the
 *    multi-function bit, interrupt pin) read-only from hardware; interrupt
 *    line emulated (starts at 0); cache line size the guest's own (starts
 *    at the host's, never written to hardware); latency timer read-only;
 *    BIST reads 0; STATUS from hardware with its RW1C bits; the standard
 *    and extended capability chains of the device's policy
 *    (<lfvpci/caps.h>: by default PM, MSI, MSI-X, PCI Express and
 *    vendor-specific capabilities, extended DSN and vendor-specific ones,
 *    emulated next pointers, STATUS.CAP_LIST hidden when none is exposed);
 *    everything else all-ones.
 *    The bodies of the exposed MSI and MSI-X capabilities read the
 *    hardware, read-only, until the MSI and MSI-X hooks replace them
 *    (lfv_regs_edit_remove_range() on the same edit).
 *    I/O BARs are emulated registers only: I/O port access is the host's
 *    business (Xen's ioports permissions), not the p2m's.
 *
 * Mapping (on MEMORY 0 -> 1): each memory BAR's range set gets the BAR's
 * guest frames, minus frames of later BARs of the same device, minus the
 * MSI-X table and PBA frames, minus frames of other devices' mapped BARs in
 * the same domain; each range maps gfn -> host frame + (gfn - guest start
 * frame), all BARs in one p2m batch, so a p2m reader sees all or none of
 * them.  A guest address whose page offset differs from the host's refuses
 * the whole operation (-EINVAL); a failure of any map drops the batch:
 * decoding stays off and nothing is left mapped.  MEMORY 1 -> 0 unmaps
 * exactly what was mapped.
 *
 * Host space (Xen's pci_check_bar(), and more), for every owner: a BAR
 * whose host range the host refuses (lfv_system_params.bar_valid), does
 * not lie inside one of the system's memory windows
 * (lfv_system_params.windows), or overlaps a memory BAR (or a mapped ROM)
 * of another device the engine knows (registered and owned), maps
 * nothing: decoding turns on, the BAR reads as written, and
 * lfv_header_bar() reports it not mapped.  And no frame whose host frame
 * holds any known device's MSI-X table or PBA is ever mapped, whatever
 * the placement (a BAR sharing a page with another device's table, or
 * overlapping it): those frames stay out of the BAR's range set; except
 * for the hardware domain with lfv_system_params.hwdom_msix_mapped,
 * whose BARs map whole.  Decoding (-EBUSY): a device's memory decoding
 * never turns on while one of its BARs shares a host frame with a BAR
 * that a device of another domain may be decoding, nor while one of its
 * MSI-X tables or PBAs would lie in a host frame that a decoding BAR of
 * another device of its own domain covers (that device's mapping may
 * hold the frame; not with hwdom_msix_mapped): a guest reads MEMORY back
 * off.  De-assignment unmaps everything before the assign call returns.
 *
 * Concurrency: handlers run with the device's write lock held; mapping
 * takes the domain's mapping lock after it (never the reverse), so devices
 * of one domain mapping at once serialise on that lock and never deadlock,
 * and each sees the others' BARs as they stand.  Config reads and p2m
 * readers take no lock.
 */
#ifndef LFVPCI_HEADER_H
#define LFVPCI_HEADER_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/vpci.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

extern const struct lfv_vpci_hook lfv_header_hook;

/*
 * Force INTX_DISABLE on (forced) or stop forcing it, for a guest's device:
 * the guest reads the bit as 1 and the hardware has it set while forced;
 * afterwards both follow the guest's own written value again.  For MSI and
 * MSI-X emulation: call it from a write handler of the same device (the
 * device's write lock serialises it with COMMAND writes).  No effect for
 * the hardware domain.  0, or -ENOENT when the state has no header.
 */
int lfv_header_set_intx_forced(struct lfv_vpci *v, bool forced);

enum lfv_header_bar_type {
    LFV_HEADER_BAR_EMPTY,
    LFV_HEADER_BAR_IO,
    LFV_HEADER_BAR_MEM32,
    LFV_HEADER_BAR_MEM64_LO,
    LFV_HEADER_BAR_MEM64_HI,
    LFV_HEADER_BAR_ROM,
};

#define LFV_HEADER_ROM 6 /* index of the expansion ROM in lfv_header_bar() */

struct lfv_header_bar_info {
    enum lfv_header_bar_type type;
    bool prefetchable;
    bool mapped;         /* decoding on and the host-space checks passed:
                            its frames (less MSI-X ones) in the p2m */
    uint64_t size;       /* 0 for empty and MEM64_HI */
    uint64_t host_addr;
    uint64_t guest_addr; /* == host_addr for the hardware domain */
};

/*
 * A snapshot of BAR `bar` (0..5, LFV_HEADER_ROM) as the state sees it.
 * 0, -EINVAL (bad index), -ENOENT (no header).  Any registered thread;
 * fields are read one by one (a concurrent write may show half of it).
 */
int lfv_header_bar(const struct lfv_vpci *v, unsigned int bar,
                   struct lfv_header_bar_info *out);

/*
 * Where the MSI-X table (which = 0) or PBA (which = 1) lives: BAR index,
 * offset in it, size in bytes.  0, -ENOENT (no MSI-X, no header), or
 * -EINVAL: the device has MSI-X but its table or PBA does not lie inside
 * an implemented memory BAR (BIR 6/7, an I/O BAR, the upper half of a
 * 64-bit BAR, an unimplemented BAR, past the BAR's end), or they
 * overlap; then neither is located and nothing of them may be trusted
 * (core/msix_place.h).  Any registered thread (set at init, immutable).
 */
int lfv_header_msix_location(const struct lfv_vpci *v, unsigned int which,
                             unsigned int *bir, uint32_t *offset,
                             uint32_t *size);

/*
 * Have fn(v, bar, arg) called after the guest address of a memory BAR
 * changes (a guest's BAR write, or the hardware domain's), from that
 * config write handler: the device's write lock is held, inside a
 * read-side section.  One notifier per state; for the MSI-X emulation,
 * whose trapped table follows its BAR.  From a later hook's init only
 * (before publication).  0, or -ENOENT (no header).
 */
typedef void lfv_header_bar_moved_t(struct lfv_vpci *v, unsigned int bar,
                                    void *arg);
int lfv_header_set_bar_notify(struct lfv_vpci *v, lfv_header_bar_moved_t *fn,
                              void *arg);

/*
 * Deferred, preemptible BAR mapping (Xen's defer_map() and
 * vpci_process_pending()).  By default every p2m change a COMMAND or ROM
 * write needs is made inside that write (synchronous).  With
 * lfv_header_set_defer(d, n), a write of one of d's devices whose change
 * covers more than n frames (n = 0: any frame) makes no p2m change and
 * writes nothing: it records a pending operation on the device and
 * returns.  The embedder then calls lfv_header_process_pending() until
 * it returns 0 (Xen: from vpci_process_pending(), before the vCPU
 * re-enters the guest, raising SCHEDULE_SOFTIRQ after any trapped write
 * that left lfv_header_map_pending() true).  Meanwhile:
 *  - the p2m changes in batches of at most the budget's frames (each a
 *    p2m batch of its own: a reader may see the BARs partly mapped, as
 *    Xen's guests do); a chunk the budget cuts ends on a 2 MiB boundary
 *    when it can;
 *  - what the write changes appears when the operation completes, as in
 *    Xen 4.17: the hardware COMMAND (or ROM register) is written then,
 *    with the value written, and a guest reads its new COMMAND then; until
 *    then reads return the previous values (the hardware domain reads the
 *    hardware), and lfv_header_bar() reports the BARs as not mapped (a
 *    map) or mapped (an unmap), except that a pending ROM map already
 *    reports the ROM's new address (where it is being mapped);
 *  - writes to the device's BARs and ROM are ignored (as while mapped);
 *    a COMMAND write's MEMORY change is ignored and its other bits land
 *    when the operation completes (Xen 4.17 leaves this undefined: it
 *    may start a second operation);
 *  - the frames being mapped count as the device's for other devices of
 *    the domain (their maps leave them out), and the host-space claims of
 *    <lfvpci/header.h>'s rules are taken when the write is made.
 * A map that fails midway unmaps what it had mapped and completes with
 * decoding off (the guest reads MEMORY off, the hardware is written with
 * it off), as a synchronous failure does; Xen 4.17 turns decoding off too
 * but leaves the mappings (its FIXME).  An unmap that fails midway leaves
 * the BARs mapped as far as the state knows and decoding on (a later
 * unmap retries all of it).  If the p2m refuses to take back a failed
 * map's frames (three tries), the domain's p2m is revoked
 * (lfv_p2m_revoke(): Xen crashes the guest).
 * Operations belong to the device (one at most per device, queued per
 * domain), not to the vCPU that wrote: any caller of
 * lfv_header_process_pending() for the domain advances them, and nothing
 * is kept per caller (a vCPU that goes away leaves nothing behind; Xen
 * 4.17 keeps v->vpci.mem per vCPU).
 * De-assignment, hot-unplug and lfv_domain_destroy() cancel the device's
 * pending operation under the domain's mapping lock, unmap what it had
 * mapped, and never complete its write (nothing is written to hardware
 * that now belongs to another owner); they never wait for a grace
 * period.  The hardware domain's initial mapping at lfv_pdev_add() (a
 * device found decoding) stays synchronous, as Xen's apply_map() at boot.
 */

/* lfv_header_set_defer(): never defer (the default). */
#define LFV_HEADER_SYNC_ALL UINT64_MAX

/*
 * Make d's COMMAND/ROM writes whose p2m change covers more than
 * max_sync_frames frames deferred (LFV_HEADER_SYNC_ALL: none, the
 * default; 0: every write that changes the p2m).  Applies to writes made
 * after the call.  0, -EINVAL (d NULL), -ENOENT (no header hook).  Any
 * registered thread, at any time.
 */
int lfv_header_set_defer(struct lfv_domain *d, uint64_t max_sync_frames);

/*
 * Whether any of d's devices has a pending operation.  Any registered
 * thread, no lock; a snapshot (false if d has no header hook).
 */
bool lfv_header_map_pending(const struct lfv_domain *d);

/*
 * Return true to stop after the current p2m call (Xen:
 * general_preempt_check()).  Called between p2m calls of an open batch,
 * inside a read-side section: it must not block nor take locks.
 */
typedef bool lfv_header_preempt_t(void *arg);

/*
 * Work on d's pending operations, oldest first, changing at most `budget`
 * frames of the p2m (0: no limit) and stopping early when preempt(arg)
 * (may be NULL) returns true after a p2m call; operations that finish
 * complete their writes (above).  1: work is left, call again (Xen's
 * vpci_process_pending() returns true); 0: nothing is pending; -EINVAL
 * (d NULL), -ENOENT (no header hook).  Always makes progress when it
 * returns 1 with budget >= 1.  Failures of the p2m are not returned: they
 * end the operation as described above.
 * Concurrency: a registered RCU thread, inside or outside a read-side
 * section, but not from a config access handler (it takes the device's
 * write lock: a handler of the same device would deadlock) nor under the
 * control lock.  Any number of threads may call it for the same domain
 * at once (Xen: every vCPU of the domain), concurrently with accesses,
 * assignment, de-assignment and removal of d's devices; like an access,
 * never concurrently with lfv_domain_destroy(d) or lfv_system_destroy().
 * It never waits for a grace period.
 */
int lfv_header_process_pending(struct lfv_domain *d, uint64_t budget,
                               lfv_header_preempt_t *preempt, void *arg);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_HEADER_H */
