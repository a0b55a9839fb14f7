/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci/simhw.h - a simulated PCI host bridge whose devices behave like
 * hardware, behind the engine's struct lfv_hw_ops.
 *
 * A bridge holds devices keyed by SBDF (any segment and bus).  Each device
 * has a configuration space and, per register bit, a write behaviour derived
 * from its layout (header type, BAR sizes, capability chain), as QEMU's
 * wmask/w1cmask:
 *   - IDs, class, revision, header type, capability pointers and capability
 *     bodies are read-only, except each capability's control fields;
 *   - BARs decode only the address bits above their size: writing all-ones
 *     reads back the size mask with the RO type bits (I/O bit 0; memory
 *     bits 2:1 type, bit 3 prefetchable); a 64-bit BAR's high dword decodes
 *     the upper address bits, so BARs above 4 GiB size across both halves;
 *   - the expansion ROM BAR decodes address bits above its size (>= 2 KiB)
 *     and the enable bit 0;
 *   - COMMAND: IO, MEMORY, MASTER, SPECIAL, INVALIDATE, VGA_PALETTE, PARITY,
 *     SERR and INTX_DISABLE are writable, other bits read-only;
 *   - STATUS (and a bridge's secondary status): bits 8 and 11-15 are RW1C,
 *     the rest read-only;
 *   - MSI: enable, multiple message enable, address, data and (when
 *     maskable) the mask bits; MSI-X: enable and function mask;
 *     power management PMCSR; PCI Express control registers; AER status
 *     (RW1C), mask and severity registers; type 1 bus numbers and windows.
 * Configuration space size: a device with a PCI Express capability (or a
 * 4096-byte image) has 4096 bytes, and bytes it was given no content for
 * read 0 (no extended capabilities: the header at 0x100 reads 0, which is
 * what Linux's pci_cfg_space_size() accepts as "extended space, empty").
 * A conventional device has 256 bytes; offsets 0x100 and up read all-ones
 * and drop writes, as a conventional function behind a PCIe bridge does.
 * An absent SBDF reads all-ones and drops writes (master abort).
 *
 * MSI-X table and PBA live in device memory reached through
 * lfv_sim_mmio_read/write(): an access hits the device whose memory BAR
 * contains the address while its COMMAND.MEMORY bit is set.  Table entries
 * are 16 bytes (address low with bits 1:0 read-only 0, address high, data,
 * vector control with only the mask bit writable; masked at reset); the PBA
 * is read-only.  Any other address inside a decoding BAR reads all-ones and
 * drops writes (there is no RAM behind BARs: they may be gigabytes).
 *
 * Concurrency: every function is for registered RCU threads
 * (<lfvpci/rcu.h>), outside any read-side section only where said.
 * Configuration and MMIO accesses take no bridge lock and may run on any
 * number of threads at once, concurrently with adds and removes of any
 * device (hot-plug): a device's lookup is an RCU-protected sorted array, a
 * removed device is freed after a grace period.  Config reads are lock-free
 * and never torn (one 32-bit load); writes to one device (config and MMIO)
 * are serialised by a per-device lock, which is held only for the
 * read-modify-write and never while waiting for anything else.  Adds and
 * removes are serialised by a bridge lock and never wait for a grace period.
 */
#ifndef LFVPCI_SIMHW_H
#define LFVPCI_SIMHW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lfvpci/domain.h>
#include <lfvpci/regs.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lfv_sim_bridge;

/* Loaders: place the device at the SBDF its source names. */
#define LFV_SIM_SBDF_AUTO ((lfv_sbdf_t)0xffffffffu)

/*
 * Create an empty bridge: 0, -EINVAL (NULL out) or -ENOMEM.
 * Destroy removes every device and frees the bridge; it waits for queued
 * frees (lfv_rcu_barrier), so call it outside read-side sections, once no
 * other thread uses the bridge.  NULL is ignored.
 */
int lfv_sim_bridge_create(struct lfv_sim_bridge **out);
void lfv_sim_bridge_destroy(struct lfv_sim_bridge *b);

/*
 * The host bridge's memory windows, for lfv_system_params.windows: copy up
 * to max of them to out, return how many the bridge has.  A new bridge
 * has two: 32-bit [0x40000000, 0xfebfffff] (below the x86 APIC range,
 * from 1 GiB: real machines put MMIO below 2 GiB) and 64-bit
 * [0x100000000, 0xffffffffffff] (4 GiB to 256 TiB).  Adding a type 1
 * device (a bridge; from any source) adds its memory and prefetchable
 * memory windows when enabled (base <= limit, base not 0: an unprogrammed
 * bridge's) and not already covered, as long as fewer
 * than LFV_MMIO_WINDOWS_MAX are set: the loaders derive the windows of
 * the bridges they load.  set: replace them (n <= LFV_MMIO_WINDOWS_MAX,
 * start <= end; else -EINVAL).  Any thread; set before creating the
 * system (which copies them).
 */
unsigned int lfv_sim_bridge_windows(struct lfv_sim_bridge *b,
                                    struct lfv_mmio_window *out,
                                    unsigned int max);
int lfv_sim_bridge_set_windows(struct lfv_sim_bridge *b,
                               const struct lfv_mmio_window *w,
                               unsigned int n);

/*
 * The hardware interface for lfv_vdev_params.hw_ops, with the bridge as
 * `hw`.  Any thread, any time; the table is static.
 */
const struct lfv_hw_ops *lfv_sim_hw_ops(void);

/*
 * Configuration access, the same as through lfv_sim_hw_ops(): size 1, 2 or
 * 4, reg naturally aligned and < 4096 (anything else reads all-ones and is
 * dropped).  Lock-free reads; concurrent with everything but destroy.
 */
uint32_t lfv_sim_cfg_read(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                          unsigned int reg, unsigned int size);
void lfv_sim_cfg_write(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                       unsigned int reg, unsigned int size, uint32_t val);

/*
 * SR-IOV.  lfv_sim_sriov_vfs_enabled(): the offset of the SR-IOV control
 * register of a physical function whose VFs are enabled (VF Enable set,
 * the capability found in the extended chain as the engine walks it), 0
 * when the device has none enabled or is not there.
 * lfv_sim_sriov_disable(): clear VF Enable, as the host does before it
 * gives the PF to a guest (lfv_pdev_assign() refuses it with -EBUSY until
 * then): 1 when it did, 0 when no VF was enabled, -ENOENT (no device),
 * -EIO (the bit does not clear).  Any thread; a concurrent write of the
 * same register by another thread may be lost.
 */
unsigned int lfv_sim_sriov_vfs_enabled(struct lfv_sim_bridge *b,
                                       lfv_sbdf_t sbdf);
int lfv_sim_sriov_disable(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf);

/*
 * Memory access at a host physical address: size 1, 2, 4 or 8, naturally
 * aligned (else -EINVAL, nothing done).  0 when a device's enabled memory
 * BAR decoded it; -ENODEV when none did (a read returns all-ones: master
 * abort).  An 8-byte access is two 4-byte ones, low first, not atomic.
 * Concurrent with everything but destroy.
 */
int lfv_sim_mmio_read(struct lfv_sim_bridge *b, uint64_t addr,
                      unsigned int size, uint64_t *val);
int lfv_sim_mmio_write(struct lfv_sim_bridge *b, uint64_t addr,
                       unsigned int size, uint64_t val);

/* ---- Devices from a C description ---- */

enum lfv_sim_bar_type {
    LFV_SIM_BAR_NONE = 0,
    LFV_SIM_BAR_IO,
    LFV_SIM_BAR_MEM32,
    LFV_SIM_BAR_MEM64, /* takes this BAR and the next (leave it NONE) */
};

struct lfv_sim_bar_desc {
    enum lfv_sim_bar_type type;
    bool prefetchable; /* memory only */
    uint64_t size;     /* power of two: I/O >= 4, memory >= 16 */
    uint64_t addr;     /* initial address, aligned to size */
};

struct lfv_sim_msi_desc {
    bool present;
    bool addr64;
    bool maskable;        /* per-vector mask and pending bits */
    unsigned int vectors; /* 1, 2, 4, 8, 16 or 32 */
};

struct lfv_sim_msix_desc {
    bool present;
    unsigned int table_size; /* 1 .. 2048 entries */
    unsigned int table_bir;  /* memory BAR holding the table */
    uint32_t table_offset;   /* 8-byte aligned, table inside the BAR */
    unsigned int pba_bir;
    uint32_t pba_offset;
};

/* PCI Express device/port type (PCIe capability register bits 7:4). */
enum lfv_sim_pcie_type {
    LFV_SIM_PCIE_ENDPOINT = 0,
    LFV_SIM_PCIE_LEGACY_ENDPOINT = 1,
    LFV_SIM_PCIE_ROOT_PORT = 4,
    LFV_SIM_PCIE_UPSTREAM = 5,
    LFV_SIM_PCIE_DOWNSTREAM = 6,
};

struct lfv_sim_device_desc {
    uint16_t vendor, device;
    uint16_t subsys_vendor, subsys_device; /* type 0 only */
    uint32_t class_code;  /* base << 16 | sub << 8 | prog-if */
    uint8_t revision;
    uint8_t header_type;  /* 0 (endpoint, 6 BARs) or 1 (bridge, 2 BARs) */
    bool multifunction;   /* header type bit 7 */
    uint8_t interrupt_pin; /* 0: none, 1..4: INTA..INTD */
    struct lfv_sim_bar_desc bar[6];
    uint64_t rom_size;    /* 0: none, else power of two >= 2 KiB */
    uint32_t rom_addr;    /* aligned to rom_size; ROM starts disabled */
    bool pm;              /* power management capability */
    bool pm_no_soft_reset; /* its PMCSR's No_Soft_Reset (D3hot -> D0 keeps
                              the function's state) */
    struct lfv_sim_msi_desc msi;
    struct lfv_sim_msix_desc msix;
    bool pcie;            /* PCI Express capability (4096-byte space) */
    enum lfv_sim_pcie_type pcie_type;
    bool aer;             /* AER extended capability at 0x100 (pcie only) */
};

/*
 * Add a device at sbdf.  Capabilities are laid out at fixed offsets: PM
 * 0x40, MSI 0x50, MSI-X 0x70, PCIe 0x80, AER 0x100, chained in that order.
 * COMMAND starts at 0 (decoding off).  0; -EINVAL for a NULL argument or an
 * inconsistent description (BAR size not a power of two or too small,
 * misaligned address, 64-bit BAR in the last slot or followed by a used
 * slot, MSI-X table/PBA outside a memory BAR, bad vector counts ...);
 * -EEXIST if sbdf is occupied; -ENOMEM.  On error the bridge is unchanged.
 * Concurrent with accesses and with other adds/removes.
 */
int lfv_sim_add(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                const struct lfv_sim_device_desc *desc);

/*
 * Remove the device at sbdf: 0 or -ENOENT (or -ENOMEM, device kept).
 * Accesses that already found it complete on valid memory; later ones see
 * an absent device.  Never waits.  Concurrent with everything but destroy.
 */
int lfv_sim_remove(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf);

/* Whether sbdf holds a device, and how many the bridge holds.  Any time. */
bool lfv_sim_present(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf);
unsigned int lfv_sim_nr_devices(struct lfv_sim_bridge *b);

/*
 * Size of a device's BAR (0..5) or ROM (bar = 6) as built, 0 when not
 * implemented or no such device.  For tests and tools; any time.
 */
uint64_t lfv_sim_bar_size(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                          unsigned int bar);

/* ---- Loader errors ---- */

/*
 * What a loader found wrong, for a person to read: every loader below that
 * takes a struct lfv_sim_error * fills it (when not NULL) on failure, and
 * leaves it with err == 0 on success.  `file` is the file at fault (the
 * lspci file, the sysfs directory's `config` or `resource`, or the name
 * given to the in-memory text loader), `line` the 1-based line (0: the
 * file as a whole), `reason` one line of plain words without the file and
 * line (e.g. "BAR 2: size 0xc00: size is not a power of two").  Paths longer
 * than the buffer are cut at the front, keeping the file name.
 */
#define LFV_SIM_ERR_FILE_MAX 1024
#define LFV_SIM_ERR_REASON_MAX 256

struct lfv_sim_error {
    int err;           /* the negative errno the loader returned, 0: none */
    unsigned int line; /* 1-based; 0: not about one line */
    char file[LFV_SIM_ERR_FILE_MAX];
    char reason[LFV_SIM_ERR_REASON_MAX];
};

/*
 * "file:line: reason" (or "file: reason", or "reason") into buf of n
 * bytes, always terminated; returns buf.  Any thread.
 */
const char *lfv_sim_error_str(const struct lfv_sim_error *e, char *buf,
                              size_t n);

/* ---- Devices from lspci output ---- */

/*
 * Size limits of the text loaders: a file of at most LFV_SIM_LSPCI_MAX_FILE
 * bytes (about 50 devices of `lspci -vv -xxxx`); lines of any length; no
 * NUL bytes (a binary file is refused).
 */
#define LFV_SIM_LSPCI_MAX_FILE (1u << 20)

/*
 * One `lspci -vv` block with a hex dump (-x: 64 bytes, -xxx: 256,
 * -xxxx: 4096) describes a device.  Lines starting with '#' and blank lines
 * between blocks are skipped; a block starts at its header line
 * ("01:00.0 ..." or "0000:01:00.0 ...") and ends with its dump (at a blank
 * line or at the next block's header line).  The dump is the configuration
 * space, byte for byte.  The "Region N:" and "Expansion ROM" lines before
 * the first capability give BAR sizes; their I/O-or-memory kind, 32/64-bit
 * and prefetchable must agree with the dump's BAR.  A region without
 * "[size=]" (as `lspci -F` prints) gets the smallest size that holds the
 * MSI-X table and PBA it contains, at least 4 KiB (memory, ROM) or 4 (I/O).
 * Refused (-EINVAL, with the line and reason): a block with no indented
 * lines at all, which is plain `lspci -x` output without BAR sizes ("no
 * Region lines: run lspci -vv"); a BAR register holding an address or type
 * bits with no Region line for it; a malformed, out-of-order or truncated
 * dump; a bad or contradicting Region line; the same Region twice; a
 * vendor ID of ffff (an SR-IOV virtual function, whose BARs are in its
 * physical function, or an absent function); an MSI-X table or PBA not
 * inside an implemented memory BAR, or the two overlapping ("MSI-X: ...",
 * at the header line).
 *
 * A text holding one or more blocks is read through a cursor.
 * lfv_sim_lspci_text_init(): in-memory text (kept by pointer; name is used
 * in messages and may be NULL).  lfv_sim_lspci_text_open(): read a file
 * first; it must be a regular file (a directory, FIFO, socket or device is
 * refused without reading: -EISDIR / -EINVAL), of at most
 * LFV_SIM_LSPCI_MAX_FILE bytes (-EFBIG), else the open error (-ENOENT,
 * -EACCES ...); _close() frees what _open() read (any cursor; NULL ok).
 * lfv_sim_lspci_peek(): the SBDF the next block's header names and that
 * header's line (each may be NULL), without consuming it: 0, -ENODATA (no
 * block left), -EINVAL (text before it that is not a header; *line: its
 * line).
 * lfv_sim_lspci_next(): add the next block's device at sbdf (or, with
 * LFV_SIM_SBDF_AUTO, at the header's address) and move past it; *placed
 * (if not NULL) receives the SBDF used.  0; -ENODATA when no block is left
 * (not an error: err->err stays 0); -EINVAL (malformed, see above);
 * -EEXIST (sbdf taken); -ENOMEM.  On error the bridge is unchanged and
 * the cursor does not move.
 * Concurrency: a cursor is one thread's; adds as lfv_sim_add().
 */
struct lfv_sim_lspci_text {
    const char *name;   /* for messages */
    const char *text;
    size_t len;
    size_t pos;         /* start of the rest */
    unsigned int line;  /* lines before pos */
    char *owned;        /* what _open() allocated */
};

void lfv_sim_lspci_text_init(struct lfv_sim_lspci_text *t, const char *name,
                             const char *text, size_t len);
int lfv_sim_lspci_text_open(struct lfv_sim_lspci_text *t, const char *path,
                            struct lfv_sim_error *err);
void lfv_sim_lspci_text_close(struct lfv_sim_lspci_text *t);
int lfv_sim_lspci_peek(const struct lfv_sim_lspci_text *t, lfv_sbdf_t *named,
                       unsigned int *line);
int lfv_sim_lspci_next(struct lfv_sim_bridge *b, struct lfv_sim_lspci_text *t,
                       lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                       struct lfv_sim_error *err);

/*
 * One device from a text (or file) holding exactly one block, as
 * lfv_sim_lspci_next() with the same errors, and -EINVAL for no block at
 * all, a second block ("more than one device in the text", its header's
 * line) or other text after the block; nothing is added then.  The _file
 * variants open the file as lfv_sim_lspci_text_open().  err may be NULL;
 * the calls without it give no message.  Concurrency as lfv_sim_add().
 */
int lfv_sim_add_lspci(struct lfv_sim_bridge *b, const char *text,
                      size_t len, lfv_sbdf_t sbdf, lfv_sbdf_t *placed);
int lfv_sim_add_lspci_file(struct lfv_sim_bridge *b, const char *path,
                           lfv_sbdf_t sbdf, lfv_sbdf_t *placed);
int lfv_sim_add_lspci_err(struct lfv_sim_bridge *b, const char *name,
                          const char *text, size_t len, lfv_sbdf_t sbdf,
                          lfv_sbdf_t *placed, struct lfv_sim_error *err);
int lfv_sim_add_lspci_file_err(struct lfv_sim_bridge *b, const char *path,
                               lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                               struct lfv_sim_error *err);

/* ---- Devices from sysfs ---- */

/*
 * Add the device of a /sys/bus/pci/devices/<sbdf>-style directory: `config`
 * (binary, 64 to 4096 bytes: 64 is what an unprivileged reader of a real
 * device gets; bytes past its end read 0 up to the device's configuration
 * space size; when the capability pointer leads past the bytes read, the
 * device has no capability list: STATUS.CAP_LIST and the pointer read 0)
 * and `resource` (lines "0xstart 0xend 0xflags": BARs 0-5,
 * then optionally the ROM; further lines, e.g. SR-IOV BARs and bridge
 * windows, are ignored).  A resource with start, end and flags all 0 is an
 * unimplemented BAR; otherwise its size is end - start + 1 and its flags
 * (IORESOURCE_IO/MEM/MEM_64/PREFETCH) must agree with the BAR in `config`.
 * Refused (-EINVAL, file, line and reason): end < start or a range
 * covering all 2^64 addresses; flags 0 on a non-empty range; flags without
 * IORESOURCE_IO or _MEM; a kind, 64-bit or prefetchable contradicting the
 * config; a size that is not a power of two, is too small (I/O 4, memory
 * 16, ROM 2 KiB) or more than the BAR can hold (32-bit memory, I/O and ROM
 * 2 GiB); an address not aligned to the size; a resource for a BAR the
 * header type does not have or for the high half of a 64-bit BAR; fewer
 * than 6 lines; config shorter than 64 or longer than 4096 bytes, or with
 * vendor ID ffff (an SR-IOV virtual function: see the lspci loader); an
 * MSI-X table or PBA outside its BAR (as the lspci loader; file config).  Both
 * files must be regular files (sysfs attributes are), else -EINVAL without
 * reading (no FIFO can block the loader); a missing file is -ENOENT, dir
 * not a directory -ENOTDIR.  The directory may be a real device's (it is
 * only read).  sbdf or LFV_SIM_SBDF_AUTO for the directory's name
 * ("0000:01:00.0"; -EINVAL if it is not one).  0; those errors; -EEXIST;
 * -ENOMEM.  Bridge unchanged on error.  Concurrency as lfv_sim_add().
 * err may be NULL (lfv_sim_add_sysfs has none).
 */
int lfv_sim_add_sysfs(struct lfv_sim_bridge *b, const char *dir,
                      lfv_sbdf_t sbdf, lfv_sbdf_t *placed);
int lfv_sim_add_sysfs_err(struct lfv_sim_bridge *b, const char *dir,
                          lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                          struct lfv_sim_error *err);

/* The SBDF a directory's name gives ("0000:01:00.0"): 0 or -EINVAL. */
int lfv_sim_sysfs_name(const char *dir, lfv_sbdf_t *sbdf);

/*
 * Write the device at sbdf as such a directory (created if missing):
 * `config` with its whole configuration space as it reads now (256 or 4096
 * bytes) and `resource` with 13 lines (17 for a type 1 header) in Linux's
 * format; BAR and ROM lines carry their current addresses, the others
 * (SR-IOV, bridge windows) are empty.  0, -ENOENT (no device) or a negative
 * errno from the file system.  Concurrent with everything but destroy;
 * writes racing with it may or may not be seen.
 */
int lfv_sim_save_sysfs(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                       const char *dir);

#ifdef __cplusplus
}
#endif

#endif /* LFVPCI_SIMHW_H */
