/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/domain.h - the system, its domains and physical devices, device
 * assignment, and the per-domain access entry points.
 *
 * A system (struct lfv_system) is one host: the PCI hardware behind it
 * (struct lfv_hw_ops), the physical devices registered by SBDF, one hardware
 * domain and any number of guests.  Every physical device has at most one
 * owner.  Assigning a device to a domain builds that owner's register set
 * (hardware domain: passthrough style; guest: emulated, through the init
 * hooks of <lfvpci/vpci.h>) as a new vPCI state and publishes it complete;
 * de-assigning unpublishes it and frees it after a grace period.  Moving a
 * device is de-assign then assign: an access sees the old owner's state or
 * the new one's, never a mix.
 *
 * Guests see a virtual bus: segment 0, bus 0, 32 slots, function 0 only; a
 * guest's device is at 0000:00:SS.0, SS the lowest free slot when assigned.
 *
 * Access entry points (lfv_conf_*, lfv_ecam_*, lfv_pio_*): for the hardware domain,
 * SBDFs are physical and bytes no handler covers reach the hardware; for a
 * guest, SBDFs are virtual and such bytes read all-ones with writes
 * dropped.  A guest never reaches a device it does not own: anything that
 * does not translate reads all-ones and drops writes.
 *
 * Concurrency.  Access entry points: any registered RCU thread, any number
 * at once, concurrently with everything else here (except destroying the
 * domain or system they use); reads take no lock.  Control functions
 * (create/destroy, add/remove, assign/de-assign) are serialised by the
 * system's control lock and never wait for a grace period, except
 * lfv_system_destroy(), which ends with lfv_rcu_barrier() (so: not inside
 * a read-side section, not from a handler).  Control functions may be
 * called from handlers (inside an access) except the destroy functions.  Every
 * function below that takes the control lock says so; none of them may be
 * called from a hook's init or domain_init (<lfvpci/vpci.h>), which run
 * with the control lock held (the lock does not nest: deadlock).
 */
#ifndef LFVPCI_DOMAIN_H
#define LFVPCI_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <lfvpci/regs.h>
#include <lfvpci/export.h>

#ifdef __cplusplus
extern "C" {
#endif

LFV_API_BEGIN

struct lfv_system;
struct lfv_domain;

#define LFV_VBUS_SLOTS 32
/* A domain's ECAM window: segment 0, 256 buses (Xen on Arm's guest size). */
#define LFV_ECAM_WINDOW_SIZE 0x10000000u
#define LFV_DOMID_INVALID 0xffffffffu

/*
 * Which Xen the emulation follows where x86 and Arm differ:
 *   x86: guest I/O BARs are emulated; the hardware domain's MSI and MSI-X
 *        are emulated as guests' are (Xen's vPCI on PVH dom0), bound
 *        through <lfvpci/msi.h>'s ops;
 *   Arm: guest I/O BARs read 0; the hardware domain's MSI and MSI-X pass
 *        through (no vPCI MSI on Arm: the GIC ITS translates).
 */
enum lfv_arch {
    LFV_ARCH_X86,
    LFV_ARCH_ARM,
};

/*
 * A host bridge memory window: host physical addresses [start, end] that
 * the bridge forwards to PCI.  A BAR is mapped into its owner's p2m only
 * if it lies entirely inside one window and overlaps no other known
 * device's BAR in host space (Xen's pci_check_bar()); see
 * <lfvpci/header.h>.
 */
struct lfv_mmio_window {
    uint64_t start, end; /* inclusive */
};

#define LFV_MMIO_WINDOWS_MAX 16

struct lfv_system_params {
    const struct lfv_hw_ops *hw_ops; /* the host's PCI config space */
    void *hw;
    enum lfv_arch arch;
    /*
     * The host bridge's memory windows (copied; at most
     * LFV_MMIO_WINDOWS_MAX, each start <= end).  None (nr_windows == 0):
     * the host does not know them and every host address counts as inside
     * (only the overlap and MSI-X rules apply); a host that knows its
     * windows must pass them (the simulated bridge's:
     * lfv_sim_bridge_windows()).
     */
    const struct lfv_mmio_window *windows;
    unsigned int nr_windows;
    /*
     * Devices are assigned to guests without an IOMMU (Xen's opt-in test
     * mode on hosts whose IOMMU cannot translate PCI masters): nothing
     * would stop a guest's device from DMA to any host memory, so a
     * guest's COMMAND.MASTER is emulated (the guest reads back what it
     * wrote) but never set in the hardware: its device cannot DMA or
     * signal MSIs.  The hardware domain's COMMAND is not affected.
     */
    bool no_iommu;
    /*
     * Guests get no INTx (Xen on Arm routes no legacy interrupt to a
     * guest): a guest's device could only assert a host interrupt line,
     * the hardware domain's, which its devices share.  A guest's
     * COMMAND.INTX_DISABLE is then emulated (the guest reads back what it
     * wrote, or 1 while MSI or MSI-X is enabled) and always set in the
     * hardware while the device is the guest's, from its assignment on.
     * The hardware domain's COMMAND is not affected.
     */
    bool no_guest_intx;
    /*
     * Guests may own bridges and host bridges, which lfv_pdev_assign()
     * otherwise refuses them (-EPERM).  For simulations and benchmarks
     * replaying such accesses only: a bridge's COMMAND and control
     * registers gate the devices behind it, which other domains may own
     * (a guest's state starts with decoding and bus mastering off in the
     * hardware), and a host bridge is the host's.
     */
    bool guest_bridges;
    /*
     * Whether the host bridge of the device at `sbdf` forwards host
     * addresses [start, end] (inclusive) to it (Xen's pci_check_bar():
     * the range lies inside one of its bridge's windows).  NULL: every
     * range is valid (the windows above, if any, still apply).  Asked
     * for every memory BAR (and enabled ROM) a map is about to map, for
     * any owner: a BAR it refuses is skipped as Xen 4.17's modify_bars()
     * skips it (decoding goes on, nothing of that BAR is mapped); the
     * host reports it (Xen prints 4.17's "not mapping BAR ... invalid
     * position" warning).  Also asked for every MSI-X access forwarded
     * to the device's memory (<lfvpci/msi.h>: the PBA, the rest of the
     * table and PBA pages), with the access's range: refused, it reaches
     * nothing.  Called from a config write handler or a control
     * function, with lfvpci's locks held, or from an MSI-X MMIO access
     * (inside a read-side section, no lock held, any number of threads
     * at once): it must not call into lfvpci, nor take a lock that is
     * held around lfvpci calls, and must not block.
     */
    bool (*bar_valid)(void *hw, lfv_sbdf_t sbdf, uint64_t start,
                      uint64_t end);
    /*
     * The hardware domain wrote a memory BAR (bar 0-5: for a 64-bit BAR
     * the half written) with a new address, or enabled its ROM BAR
     * (LFV_HEADER_ROM), while that BAR is mapped: the write was ignored
     * (Xen 4.17's "ignored BAR %zu write while mapped" and "ignored ROM
     * BAR write while mapped" warnings come from here).  NULL: not
     * reported.  From the device's config write handler (its write lock
     * held): same rules as bar_valid.
     */
    void (*bar_write_ignored)(void *hw, lfv_sbdf_t sbdf, unsigned int bar);
    /*
     * The hardware domain's memory BARs are mapped whole, the pages
     * holding MSI-X tables and PBAs included, as Xen 4.17 maps them on
     * Arm (no vPCI MSI-X there: the hardware domain programs its devices'
     * tables itself).  Default (false): no frame holding any device's
     * MSI-X table or PBA is mapped for any owner (they trap, as on x86).
     * Guests' maps are not affected: theirs never include such a frame.
     */
    bool hwdom_msix_mapped;
};

/*
 * Create a system with no domains or devices.  0, -EINVAL (NULL argument,
 * too many windows, a window with start > end) or -ENOMEM.
 */
int lfv_system_create(const struct lfv_system_params *params,
                      struct lfv_system **out);

/*
 * Destroy every domain and device, then the system.  No access may be
 * running or start on it.  Takes the control lock, then waits for
 * deferred frees (lfv_rcu_barrier).
 */
void lfv_system_destroy(struct lfv_system *sys);

/*
 * Create a domain.  At most one hardware domain (-EEXIST), domain ids
 * unique (-EEXIST).  0, -EINVAL, -EEXIST, -ENOMEM, or the p2m's error
 * (lfv_p2m_create(): -ENOENT where the host has no domain domid), or a
 * hook's domain_init error.  Takes the control lock.
 */
int lfv_domain_create(struct lfv_system *sys, unsigned int domid,
                      bool hardware_domain, struct lfv_domain **out);

/*
 * De-assign every device the domain owns (they become unowned) and free
 * the domain after a grace period (its hooks' domain_fini run then).  No
 * access by this domain may be running or start.  Takes the control lock;
 * never waits for a grace period (a host may call it where it cannot
 * wait: Xen under its domctl lock), so the domain's memory may outlive
 * the call: lfv_system_destroy(), or lfv_rcu_barrier(), waits for it.
 */
void lfv_domain_destroy(struct lfv_domain *d);

unsigned int lfv_domain_id(const struct lfv_domain *d);
bool lfv_domain_is_hardware(const struct lfv_domain *d);
struct lfv_system *lfv_domain_system(const struct lfv_domain *d);

/*
 * Register a physical device at `sbdf`.  It is assigned to the hardware
 * domain if there is one (as Xen does when a device is added), else left
 * unowned; a device found decoding memory has its BARs mapped into the
 * hardware domain's p2m, and a failure to map fails the add (as in Xen).
 * 0, -EEXIST, -ENOMEM, or an init hook's error (then the device is not
 * registered, and the registers its hooks wrote are back in hardware).
 * Takes the control lock.
 */
int lfv_pdev_add(struct lfv_system *sys, lfv_sbdf_t sbdf);

/*
 * Hot-unplug: de-assign and unregister the device.  Accesses already
 * running on it complete on valid memory; accesses that start afterwards
 * find no device.  Its memory and I/O decoding and bus mastering are
 * turned off in hardware first (as when it is left unowned: see
 * lfv_pdev_assign()).  0 or -ENOENT.  Takes the control lock.
 */
int lfv_pdev_remove(struct lfv_system *sys, lfv_sbdf_t sbdf);

/*
 * Assign the device to `d` (de-assigning it from its current owner first),
 * or make it unowned with d == NULL.  A device left unowned (d == NULL,
 * lfv_pdev_remove(), lfv_domain_destroy()) has memory and I/O decoding and
 * bus mastering turned off in hardware: the engine no longer knows its
 * BARs, so it must not answer where another domain's device may be
 * placed; its next owner turns decoding on again.  A device leaving a
 * guest (for any owner, or none) is quiesced before the next owner's
 * state is built on it: memory decoding and bus mastering off (DMA the
 * guest programmed must not reach the next owner's memory), INTx
 * disabled, every MSI and MSI-X capability disabled, in hardware, as
 * Xen's quarantine and reset or VFIO's release leave it; the hardware
 * domain turns back on what it uses.  Otherwise a device that moves
 * straight to a new owner keeps what the new owner's init decides (a
 * guest's starts with decoding off).  Memory decoding is never turned on
 * (COMMAND reads it back off, the write of the other bits is made) while
 * one of the device's BARs overlaps, in host space, a BAR that another
 * domain's device may be decoding.  Guests: function 0 only
 * (-EOPNOTSUPP), an endpoint (a type 0 header, not a host bridge, class
 * 0x0600; else -EPERM unless lfv_system_params.guest_bridges), not an
 * SR-IOV physical function whose VFs are enabled
 * (-EBUSY: its driver administers the VFs, devices of their own that
 * other domains may own; the host disables them first, VF Enable in the
 * SR-IOV capability's control register, found in the hardware's extended
 * chain as core/pci_caps.h walks it), a free virtual slot (-ENOSPC), and,
 * with the header hook,
 * an MSI-X table and PBA inside the device's memory BARs (-EINVAL, see
 * lfv_header_msix_location()).  -ENOENT: no such device.
 * On any error (an allocation failure included) the device keeps its
 * previous owner and state, and the hardware the register values it had:
 * what the quiesce and the new owner's init hooks wrote (sizing, COMMAND,
 * MSI/MSI-X control) is written back, and nothing of the new owner's p2m mappings
 * or MSI-X regions remains.  Takes the control lock.
 */
int lfv_pdev_assign(struct lfv_system *sys, lfv_sbdf_t sbdf,
                    struct lfv_domain *d);

/*
 * The owner's domain id (LFV_DOMID_INVALID when unowned) and, for a guest
 * owner, the virtual SBDF.  0 or -ENOENT.  Any registered thread.
 */
int lfv_pdev_owner(struct lfv_system *sys, lfv_sbdf_t sbdf,
                   unsigned int *domid, lfv_sbdf_t *vsbdf);

/* Number of registered devices and of devices a domain owns.  Take the
 * control lock. */
unsigned int lfv_system_nr_pdevs(struct lfv_system *sys);
unsigned int lfv_domain_nr_devices(struct lfv_domain *d);

/*
 * Config access by (S)BDF, as trapped from CF8/CFC or a hypercall: size 1,
 * 2 or 4, reg + size <= 4096 (anything else reads all-ones / drops).
 */
uint32_t lfv_conf_read(struct lfv_domain *d, lfv_sbdf_t sbdf,
                       unsigned int reg, unsigned int size);
void lfv_conf_write(struct lfv_domain *d, lfv_sbdf_t sbdf, unsigned int reg,
                    unsigned int size, uint32_t val);

/*
 * ECAM access by offset in the domain's window (bus << 20 | devfn << 12 |
 * reg, segment 0): len 1, 2, 4 or 8, aligned; -EINVAL for a bad length or
 * alignment or an offset outside the LFV_ECAM_WINDOW_SIZE window.
 */
int lfv_ecam_read(struct lfv_domain *d, uint64_t offset, unsigned int len,
                  uint64_t *val);
int lfv_ecam_write(struct lfv_domain *d, uint64_t offset, unsigned int len,
                   uint64_t val);

/*
 * x86 configuration mechanism #1 (port I/O), decoded as Xen decodes it for
 * HVM and PVH domains (arch/x86/hvm/io.c): port 0xcf8 is the domain's
 * address latch, 4-byte accesses only; ports 0xcfc-0xcff are the data
 * window into the register the latch names (enable bit 31, bus 23:16,
 * device and function 15:8, register 7:2) plus the port's offset within
 * the window.  Segment 0, registers 0-255: the latch's bits 27:24 (AMD's
 * extended register number) are ignored, as Xen 4.17's vPCI ignores them.
 *
 * lfv_pio_claims(): whether an access belongs to the mechanism.  Other
 * accesses to 0xcf8-0xcfb (the reset control register at 0xcf9, a 1- or
 * 2-byte access at 0xcf8) are not the engine's: the caller handles them.
 *
 * lfv_pio_read() and lfv_pio_write() of a claimed access return 0:
 *  - the latch reads back as last written (0 at first);
 *  - a data access whose register is not aligned to its size (0xcfd for 2
 *    bytes, 0xcfe for 4) reads all-ones and is dropped, as in Xen;
 *  - otherwise it is lfv_conf_read() or lfv_conf_write() of the SBDF and
 *    register decoded (for a guest: its virtual bus).
 * A data access while the latch's enable bit is clear is no configuration
 * access: -ENODEV, nothing done (*val all-ones); the caller applies what
 * it does for unclaimed ports (Xen: reads all-ones, writes dropped).
 * -EINVAL: NULL d or val, size not 1, 2 or 4, or an access the mechanism
 * does not claim.
 *
 * Concurrency: any registered RCU thread, as lfv_conf_read().  There is
 * one latch per domain, as a host bridge has one: a latch write racing
 * with a data access on another vCPU is seen before or after it, never
 * torn (guests serialise their own latch-and-data pairs with a lock).
 */
#define LFV_PIO_CF8 0xcf8u
#define LFV_PIO_CFC 0xcfcu

static inline bool lfv_pio_claims(unsigned int port, unsigned int size)
{
    return (port == LFV_PIO_CF8 && size == 4) ||
           (port & ~3u) == LFV_PIO_CFC;
}

int lfv_pio_read(struct lfv_domain *d, unsigned int port, unsigned int size,
                 uint32_t *val);
int lfv_pio_write(struct lfv_domain *d, unsigned int port, unsigned int size,
                  uint32_t val);

LFV_API_END

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_DOMAIN_H */
