/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal: the header emulation's per-assignment state, shared by
 * header.c (discovery, the hook, hardware domain handlers), header_guest.c
 * (the guest's view) and header_map.c (BAR mapping).
 *
 * Who writes what:
 *  - set at init, immutable afterwards: types, sizes, host addresses of a
 *    guest's BARs, MSI-X location, capability offsets;
 *  - config write handlers of the device (its write lock held): guest
 *    addresses, the hardware domain's host addresses, guest_cmd, intline,
 *    rom_enabled, intx_forced;
 *  - under the domain's map_lock (struct hdr_domain): mapped,
 *    bars[].enabled, bars[].mem, retired, the domain list, op (the
 *    deferred operation) and the domain's pending queue.  Writers of
 *    these also hold the device's write lock, except retire
 *    (header_map.c);
 * fields that lock-free readers or retire touch are accessed with atomics.
 */
#ifndef LFV_DISPATCH_HEADER_H
#define LFV_DISPATCH_HEADER_H

#include <stddef.h>

#include <lfvpci/caps.h>
#include <lfvpci/header.h>
#include <lfvpci/p2m.h>
#include <lfvpci/rangeset.h>
#include <lfvpci/rcu.h>

#include "../core/compiler.h"
#include "../core/pci_regs.h"
#include "vpci_state.h"

/* Header registers core/pci_regs.h (shared with Xen's series) lacks. */
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_BIST 0x0f

#define HDR_NR_BARS 7 /* 6 BARs and the ROM */
#define HDR_ROM LFV_HEADER_ROM

/* What a guest controls; the rest of COMMAND is RsvdP for guests. */
#define HDR_CMD_GUEST                                                        \
    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SPECIAL |         \
     PCI_COMMAND_INVALIDATE | PCI_COMMAND_VGA_PALETTE |                      \
     PCI_COMMAND_INTX_DISABLE)
#define HDR_CMD_GUEST_RSVDP (0xffffu & ~HDR_CMD_GUEST)

struct lfv_header;

struct hdr_bar {
    uint64_t addr;       /* host address (atomic) */
    uint64_t guest_addr; /* atomic */
    uint64_t size;
    enum lfv_header_bar_type type;
    bool prefetchable;
    bool enabled;        /* atomic; written under map_lock: mapped */
    bool refused;        /* atomic; under map_lock: enabled, but its host
                            range failed the checks: nothing mapped */
    bool decoding;       /* atomic; under sys->hdr_lock: the hardware may
                            decode it (set before decoding is turned on,
                            cleared once the hardware no longer decodes) */
    struct lfv_rangeset *mem; /* guest frames mapped, under map_lock */
    unsigned int reg;
    struct lfv_header *hdr;
};

struct hdr_msix_area {
    bool present;
    unsigned int bir;
    uint32_t offset, size;
};

/* A capability the owner's chain holds (header_caps.c). */
struct hdr_cap {
    unsigned int pos, next, len; /* len: bytes exposed, header included */
    unsigned int id;
    enum lfv_cap_mode mode;
};

/* A guest's emulated field of a capability (<lfvpci/caps.h>). */
struct hdr_field {
    uint32_t write_mask, hw_mask, hw_rw1c_mask;
    uint32_t shadow; /* atomic: the guest's write_mask bits */
    unsigned int size;
    unsigned int hw_off, hw_size; /* the hardware access: hw_mask's bytes */
};

typedef void hdr_done_t(struct lfv_header *h, uint32_t val, int rc);

/*
 * A deferred mapping operation of the device (header_map.c): set by a
 * config write handler (write lock and map_lock held), advanced and ended
 * by lfv_header_process_pending() (both locks held), cancelled by retire
 * (map_lock held).  `active` is atomic: write handlers read it under the
 * write lock only.  Frames [0, pos) of bars[bar].mem and every selected
 * set before bar are done.
 */
struct hdr_op {
    bool active;                  /* atomic */
    bool map, rom_only;
    bool sel[HDR_NR_BARS], refused[HDR_NR_BARS];
    unsigned int bar;
    uint64_t pos;
    hdr_done_t *done;             /* completes the write, under both locks */
    uint32_t val;                 /* the write's value, for done */
    uint64_t old_addr;            /* ROM: the address before the write */
    struct lfv_header *next;      /* hd->pending queue */
};

/* Bytes kept around what a COMMAND read loads (struct lfv_header). */
#define HDR_GAP 64

struct lfv_header {
    /*
     * Written once, before the device is published; with the block after
     * the COMMAND fields, it keeps them at least HDR_GAP bytes from any
     * field another write changes, whatever the allocation's alignment.
     */
    union {
        struct {
            struct lfv_vpci *v;
            struct lfv_domain *d;
            struct hdr_domain *hd;    /* the header hook's state of d */
            bool hwdom;
            unsigned int nr_bars;     /* 6, 2 (type 1) or 0 */
            /*
             * The chains the owner walks, in chain order (header_caps.c):
             * a guest's per its policy; the hardware domain's hold MSI
             * and MSI-X only (for their hooks: it walks the hardware's
             * chain).
             */
            struct hdr_cap *caps, *ecaps;
            unsigned int nr_caps, nr_ecaps;
            struct hdr_field *fields; /* a guest's emulated fields */
            unsigned int nr_fields;
            bool ext_cfg;             /* the device has extended config space */
        };
        char gap_before[HDR_GAP];
    };
    /*
     * What a COMMAND read loads, which only COMMAND writes, the map
     * operations they start, and MSI or MSI-X enables (INTx forcing)
     * change.  A guest's write of another register (cache line size,
     * interrupt line, a BAR) shared their cache line until these gaps: a
     * COMMAND read took 11-14 ns against 4.7 while another CPU wrote the
     * device's cache line size (lfvpci-bench-contend,
     * docs/bench/history.md, "What was left: the header's state").
     */
    uint16_t guest_cmd;           /* atomic: the guest's written bits */
    unsigned int intx_forced;     /* atomic: HDR_INTX_BY_* forcing it */
    bool mapped;                  /* atomic; under map_lock: MEMORY on */
    /* Written once, before the device is published. */
    union {
        struct {
            struct hdr_msix_area msix[2]; /* table, PBA */
            bool msix_bad;        /* MSI-X outside its BARs: not located */
            lfv_header_bar_moved_t *bar_notify;
            void *bar_notify_arg;
        };
        char gap_after[HDR_GAP];
    };
    /* Changed by writes of other registers and by the control path. */
    uint8_t intline;              /* atomic */
    uint8_t cacheline;            /* atomic: a guest's cache line size */
    bool rom_enabled;             /* hwdom: ROM enable bit as written */
    bool retired;                 /* under map_lock */
    bool listed;                  /* on the domain's list, under map_lock */
    struct hdr_bar bars[HDR_NR_BARS];
    struct lfv_header *next;      /* hd->list, under map_lock */
    struct lfv_header *sys_next;  /* sys->hdr_all, under sys->hdr_lock */
    struct hdr_op op;             /* a deferred (un)map, if active */
};
_Static_assert(offsetof(struct lfv_header, guest_cmd) >= HDR_GAP,
               "COMMAND's fields within a cache line of the struct's start");
_Static_assert(offsetof(struct lfv_header, intline) >=
                   offsetof(struct lfv_header, mapped) + 1 + HDR_GAP,
               "COMMAND's fields within a cache line of other writes'");

/* Whether a deferred operation is pending (write handlers, write lock). */
static inline bool hdr_op_pending(const struct lfv_header *h)
{
    return __atomic_load_n(&h->op.active, __ATOMIC_RELAXED);
}

/* After a BAR's guest address changed (write handlers). */
static inline void hdr_bar_moved(struct lfv_header *h, unsigned int bar)
{
    if (h->bar_notify)
        h->bar_notify(h->v, bar, h->bar_notify_arg);
}

static inline struct lfv_header *hdr_of(const struct lfv_vpci *v)
{
    return lfv_vpci_priv(v, &lfv_header_hook);
}

#define hdr_load(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define hdr_store(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

static inline bool hdr_bar_is_mem(const struct hdr_bar *b)
{
    return b->size && (b->type == LFV_HEADER_BAR_MEM32 ||
                       b->type == LFV_HEADER_BAR_MEM64_LO ||
                       b->type == LFV_HEADER_BAR_ROM);
}

/* header_map.c */
int hdr_map_init(struct lfv_header *h);
/*
 * Map (map = true) or unmap the device's memory BARs, or only its ROM,
 * from a config write handler of the device (its write lock held) or
 * init.  0: done, the caller completes the write (done(h, val, 0) is
 * what it would run); HDR_DEFERRED: the p2m change exceeds the domain's
 * synchronous limit (lfv_header_set_defer(); only if may_defer) and is
 * pending: the caller writes nothing, done(h, val, rc) runs when it ends
 * (lfv_header_process_pending()), or never if the state is retired
 * first.  Errors (nothing changed in the p2m; the caller leaves or turns
 * decoding off): -EINVAL (page offset mismatch), -EBUSY (a BAR overlaps
 * one that another domain's device may be decoding), -ENODEV (the state
 * was retired), -ENOMEM or the p2m's error.  After a successful unmap,
 * the caller (or done) calls hdr_decode_off() once the hardware stopped
 * decoding.
 */
#define HDR_DEFERRED 1
int hdr_modify(struct lfv_header *h, bool map, bool rom_only, bool may_defer,
               hdr_done_t *done, uint32_t val);
void hdr_map_retire(struct lfv_header *h);

/* header_host.c: the host-space rules of a map */
/*
 * After a write that left the device's memory decoding (or only its ROM,
 * rom_only) off in the hardware: its unmapped BARs stop counting as
 * decoding for other devices' maps.  Write handlers of the device.
 */
void hdr_decode_off(struct lfv_header *h, bool rom_only);
/*
 * On the selected BARs, whose range sets are built (map_lock held): -EBUSY
 * if decoding them would overlap a BAR another domain's device may be
 * decoding (nothing claimed); else they are claimed as decoding, the
 * refused ones (outside the windows, over another device's BAR) get
 * refused[i] and an empty set, and every frame backed by a host frame
 * holding any device's MSI-X table or PBA leaves the sets (0, -ENOMEM).
 */
int hdr_check_host(struct lfv_header *h, const bool sel[], bool refused[]);
/* Drop the claims of the selected BARs that are not mapped (hdr_lock). */
void hdr_unclaim(struct lfv_header *h, const bool sel[]);
/*
 * Whether an access of h's owner to host addresses [s, e] reaches only h's
 * device: inside the system's windows, where the host's bar_valid (if
 * any) says the device's bridge forwards them to it, as for the BAR
 * mappings, and no BAR of another device (of another domain, for the
 * hardware domain) there.  Lock-free: inside a read-side section (the
 * MSI-X MMIO forwarders).
 */
bool hdr_host_access_ok(const struct lfv_header *h, uint64_t s, uint64_t e);

/* header_guest.c */
int hdr_guest_init(struct lfv_header *h, struct lfv_regs_edit *e);
/* Write the guest's COMMAND bits (and INTx forcing) over the host's. */
void hdr_guest_cmd_sync(const struct lfv_header *h);
/* The hardware's COMMAND for host value hw and guest bits g (the system's
 * no_iommu and no_guest_intx applied). */
uint16_t hdr_guest_cmd_hw(const struct lfv_header *h, uint16_t hw,
                          uint16_t g);

/*
 * header_caps.c: walk the hardware's chains and keep what the owner sees
 * (h->caps, h->ecaps, the MSI-X location); 0 or -ENOMEM.  Then, for a
 * guest, add the chains' registers: 0, -EINVAL (a policy's field past its
 * capability), or the edit's error.  Both from the header's init.
 */
int hdr_caps_discover(struct lfv_header *h);
int hdr_caps_guest_init(struct lfv_header *h, struct lfv_regs_edit *e);

/* A register read from the hardware, read-only (data: its size). */
static inline uint32_t lfv_cf_check hdr_hw_read_ro(const void *ctx,
                                                   unsigned int reg, void *data)
{
    return lfv_vpci_hw_read(ctx, reg, (unsigned int)(uintptr_t)data);
}

/*
 * A BAR write's new address: the written half (low: address bits only,
 * already masked by the caller; high: the upper 32 bits) merged into addr,
 * then cut to the BAR's size, as the hardware decodes it.
 */
static inline uint64_t hdr_bar_merge(uint64_t addr, uint32_t val, bool hi,
                                     uint64_t size)
{
    addr = hi ? (addr & 0xffffffffu) | (uint64_t)val << 32
              : (addr & ~0xffffffffull) | val;
    return addr & ~(size - 1);
}

/*
 * The common start of a memory BAR write by either owner: a write to the
 * high half of a 64-bit BAR acts on its low half's state; the low half
 * keeps only address bits.  False when the BAR is mapped: its frames must
 * keep matching its address, so the write is ignored.
 */
static inline bool hdr_mem_bar_write_begin(struct hdr_bar **bar,
                                           uint32_t *val, bool *hi)
{
    *hi = (*bar)->type == LFV_HEADER_BAR_MEM64_HI;
    if (*hi)
        (*bar)--;
    else
        *val &= PCI_BASE_ADDRESS_MEM_MASK;
    return !hdr_load((*bar)->enabled) && !hdr_op_pending((*bar)->hdr);
}

/*
 * A COMMAND write while an operation is pending (write handlers, write
 * lock held): its MEMORY change is ignored.  True: the write is absorbed
 * by a pending COMMAND operation (its other bits land when that
 * completes, as the whole write does in Xen).  False (a ROM operation
 * is pending): the caller goes on with *val's MEMORY set as it stands.
 */
static inline bool hdr_op_cmd_write(struct lfv_header *h, uint32_t *val)
{
    if (!h->op.rom_only) {
        h->op.val = (*val & ~(uint32_t)PCI_COMMAND_MEMORY) |
                    (h->op.val & PCI_COMMAND_MEMORY);
        return true;
    }
    *val = (*val & ~(uint32_t)PCI_COMMAND_MEMORY) |
           (hdr_load(h->mapped) ? PCI_COMMAND_MEMORY : 0);
    return false;
}

/*
 * A COMMAND write of either view (write handlers, write lock held): val is
 * the value the view writes; a MEMORY change maps or unmaps the BARs
 * (possibly deferred), and done(h, val, rc) finishes the write, now or
 * when the deferred operation completes; but a map or unmap that fails
 * at once (hdr_modify()'s errors) ends with failed(h, val, rc) instead.
 */
static inline void hdr_cmd_write(struct lfv_header *h, uint32_t val,
                                 hdr_done_t *done, hdr_done_t *failed)
{
    int rc = 0;

    if (hdr_op_pending(h) && hdr_op_cmd_write(h, &val))
        return;
    if (!!(val & PCI_COMMAND_MEMORY) != hdr_load(h->mapped))
        rc = hdr_modify(h, val & PCI_COMMAND_MEMORY, false, true, done, val);
    if (rc < 0)
        failed(h, val, rc);
    else if (rc != HDR_DEFERRED)
        done(h, val, rc);
}

/*
 * The header hook's state of one domain: the lock that serialises BAR
 * mapping changes with the list of the domain's header states.  Lock
 * order: device write lock -> map_lock -> the p2m's batch lock.
 */
struct hdr_domain {
    lfv_lock_t map_lock;
    struct lfv_header *list; /* under map_lock */
    /* deferred operations, oldest first (under map_lock) */
    struct lfv_header *pending, **pending_tail;
    unsigned int nr_pending;  /* atomic; written under map_lock */
    uint64_t max_sync;        /* atomic: lfv_header_set_defer() */
};

/*
 * Who forces INTX_DISABLE on a guest's device (header_guest.c): the
 * public lfv_header_set_intx_forced(), the MSI and the MSI-X emulation,
 * each for its own reason; forced while any of them does.  From a write
 * handler of the device (its write lock held).  0 or -ENOENT (no header).
 */
#define HDR_INTX_BY_API 0x1u
#define HDR_INTX_BY_MSI 0x2u
#define HDR_INTX_BY_MSIX 0x4u
int hdr_force_intx(struct lfv_vpci *v, unsigned int by, bool forced);

/* lfv_header_process_pending() on d's header state hd (header_map.c). */
int hdr_process_pending(struct lfv_domain *d, struct hdr_domain *hd,
                        uint64_t budget, lfv_header_preempt_t *preempt,
                        void *arg);

int hdr_domain_init(struct lfv_domain *d, void **priv);
void hdr_domain_fini(struct lfv_domain *d, void *priv);

#endif /* LFV_DISPATCH_HEADER_H */
