/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The user-space Xen in which the series' xen/drivers/vpci/header.c (Xen
 * 4.17.5's, with the series applied by scripts/xen-apply-series.sh, its
 * #include lines replaced by this header) is compiled for
 * test_xen_hwdom_diff: the hardware domain's header as 4.17 emulates it
 * on Arm (no CONFIG_HAS_PCI_MSI: no MSI-X holes).  What header.c calls,
 * with 4.17's contracts: its registers in a small table
 * (vpci_add_register()), Xen's rangeset (sorted ranges), the identity
 * p2m as a set of frames (map_mmio_regions(): whole range or an error),
 * pci_conf_* on a simulated bus, one vCPU of the hardware domain
 * (current), the deferral (raise_softirq() recorded, the test calls
 * vpci_process_pending() as Arm's check_for_vcpu_work() does), printk
 * and gprintk counted by message (the warnings are compared).
 */
#ifndef XEN_HWDOM_EMUL_H
#define XEN_HWDOM_EMUL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xen/pci_regs.h"

#define cf_check
#define __init
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PFN_DOWN(x) ((unsigned long)((x) >> 12))
#define ERESTART 85
#define XENLOG_WARNING "<W>"
#define XENLOG_G_WARNING "<G><W>"
#define ASSERT(c) ((c) ? (void)0 : xen_hwdom_assert_failed(#c, __LINE__))
#define ASSERT_UNREACHABLE() xen_hwdom_assert_failed("unreachable", __LINE__)
void xen_hwdom_assert_failed(const char *what, int line)
    __attribute__((__noreturn__));

void xen_hwdom_printk(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2)));
#define printk(...) xen_hwdom_printk(__VA_ARGS__)
#define gprintk(lvl, ...) xen_hwdom_printk(lvl __VA_ARGS__)

typedef union {
    uint32_t sbdf;
} pci_sbdf_t;

typedef struct { unsigned long g; } gfn_t;
typedef struct { unsigned long m; } mfn_t;
static inline gfn_t _gfn(unsigned long g) { return (gfn_t){ g }; }
static inline mfn_t _mfn(unsigned long m) { return (mfn_t){ m }; }

#define PCI_HEADER_NORMAL_NR_BARS 6
#define PCI_HEADER_BRIDGE_NR_BARS 2
#define PCI_BAR_VF   (1u << 0)
#define PCI_BAR_LAST (1u << 1)
#define PCI_BAR_ROM  (1u << 2)

struct pci_dev;
typedef uint32_t vpci_read_t(const struct pci_dev *pdev, unsigned int reg,
                             void *data);
typedef void vpci_write_t(const struct pci_dev *pdev, unsigned int reg,
                          uint32_t val, void *data);
typedef int vpci_register_init_t(struct pci_dev *dev);

struct xen_hwdom_reg {
    unsigned int offset, size;
    vpci_read_t *read;
    vpci_write_t *write;
    void *data;
};

#define XEN_HWDOM_MAX_REGS 16

/* 4.17's struct vpci, the part header.c uses. */
struct vpci {
    int lock;
    struct vpci_header {
        struct vpci_bar {
            uint64_t addr;
            uint64_t size;
            enum {
                VPCI_BAR_EMPTY,
                VPCI_BAR_IO,
                VPCI_BAR_MEM32,
                VPCI_BAR_MEM64_LO,
                VPCI_BAR_MEM64_HI,
                VPCI_BAR_ROM,
            } type;
            bool prefetchable : 1;
            bool enabled      : 1;
        } bars[PCI_HEADER_NORMAL_NR_BARS + 1];
        bool rom_enabled      : 1;
        bool bars_mapped      : 1;
    } header;
    struct vpci_msix { int tables[2]; } *msix; /* no vPCI MSI-X on Arm */
    struct xen_hwdom_reg regs[XEN_HWDOM_MAX_REGS];
    unsigned int nr_regs;
};
#define vmsix_table_addr(vpci, i) ((void)(vpci), (void)(i), 0ul)
#define vmsix_table_size(vpci, i) ((void)(vpci), (void)(i), 0ul)

struct domain;
struct pci_dev {
    pci_sbdf_t sbdf;
    struct domain *domain;
    struct vpci *vpci;
    bool ignore_bars;
};

#define XEN_HWDOM_MAX_PDEVS 8
struct domain {
    unsigned int domain_id;
    struct pci_dev *pdevs[XEN_HWDOM_MAX_PDEVS + 1]; /* NULL-terminated */
};
#define is_hardware_domain(d) ((void)(d), true)
#define for_each_pdev(d, p)                                                  \
    for (unsigned int i_ = 0; ((p) = (d)->pdevs[i_]) != NULL; i_++)

struct rangeset;
struct vpci_vcpu {
    struct rangeset *mem;
    struct pci_dev *pdev;
    uint16_t cmd;
    bool rom_only : 1;
};
struct vcpu {
    struct domain *domain;
    struct vpci_vcpu vpci;
};
extern struct vcpu xen_hwdom_vcpu;
#define current (&xen_hwdom_vcpu)

enum { SYS_STATE_active = 1 };
extern int system_state;

#define spin_lock(l) ((void)(l))
#define spin_unlock(l) ((void)(l))

#define SCHEDULE_SOFTIRQ 0u
void raise_softirq(unsigned int nr);
void process_pending_softirqs(void);
bool general_preempt_check(void);

/* Xen's rangeset: the calls header.c makes. */
struct rangeset *rangeset_new(struct domain *d, const char *name,
                              unsigned int flags);
void rangeset_destroy(struct rangeset *r);
int rangeset_add_range(struct rangeset *r, unsigned long s, unsigned long e);
int rangeset_remove_range(struct rangeset *r, unsigned long s,
                          unsigned long e);
bool rangeset_overlaps_range(struct rangeset *r, unsigned long s,
                             unsigned long e);
int rangeset_consume_ranges(struct rangeset *r,
                            int (*cb)(unsigned long s, unsigned long e,
                                      void *ctxt, unsigned long *c),
                            void *ctxt);

int map_mmio_regions(struct domain *d, gfn_t gfn, unsigned long nr,
                     mfn_t mfn);
int unmap_mmio_regions(struct domain *d, gfn_t gfn, unsigned long nr,
                       mfn_t mfn);
bool pci_check_bar(const struct pci_dev *pdev, mfn_t start, mfn_t end);

uint8_t pci_conf_read8(pci_sbdf_t sbdf, unsigned int reg);
uint16_t pci_conf_read16(pci_sbdf_t sbdf, unsigned int reg);
uint32_t pci_conf_read32(pci_sbdf_t sbdf, unsigned int reg);
void pci_conf_write16(pci_sbdf_t sbdf, unsigned int reg, uint16_t val);
void pci_conf_write32(pci_sbdf_t sbdf, unsigned int reg, uint32_t val);
unsigned int pci_size_mem_bar(pci_sbdf_t sbdf, unsigned int pos,
                              uint64_t *paddr, uint64_t *psize,
                              unsigned int flags);

int vpci_add_register(struct vpci *vpci, vpci_read_t *read_handler,
                      vpci_write_t *write_handler, unsigned int offset,
                      unsigned int size, void *data);
vpci_read_t vpci_hw_read16, vpci_hw_read32;
void vpci_remove_device(struct pci_dev *pdev);
bool vpci_process_pending(struct vcpu *v);
bool vpci_guest_process_pending(struct vcpu *v);

/* header.c's init_bars(), found by the test. */
#define VPCI_PRIORITY_MIDDLE "5"
#define REGISTER_VPCI_INIT(x, p)                                             \
    vpci_register_init_t *const xen_hwdom_init_bars = (x)

#endif /* XEN_HWDOM_EMUL_H */
