/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration space behind Xen's vpci.c in the benchmark modules,
 * shared by their two environments (xen_emul.h, xen_lfvpci_emul.h), which
 * include it last: pci_conf_read/write reach bench_hw.c's simulated device
 * whatever the SBDF but, with XEN_EMUL_GUESTS, a guest's device (an odd
 * segment, see xen_emul.h) has no hardware behind it: its gaps read as
 * all-ones and writes are dropped.  No device is read-only.  The modules
 * that compile msix.c replace some accessors (xen_msix_env.h).
 */
#ifndef LFV_BENCH_XEN_BENCH_CONF_H
#define LFV_BENCH_XEN_BENCH_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "bench_hw.h"

#ifdef XEN_EMUL_GUESTS /* a guest's segment: odd */
#define pci_conf_read8(sbdf, reg)                                           \
    (((sbdf).seg & 1) ? 0xff : (uint8_t)bench_hw_read((reg), 1))
#define pci_conf_read16(sbdf, reg)                                          \
    (((sbdf).seg & 1) ? 0xffff : (uint16_t)bench_hw_read((reg), 2))
#define pci_conf_read32(sbdf, reg)                                          \
    (((sbdf).seg & 1) ? 0xffffffffu : bench_hw_read((reg), 4))
#define pci_conf_write8(sbdf, reg, v)                                       \
    (((sbdf).seg & 1) ? (void)0 : bench_hw_write((reg), 1, (uint8_t)(v)))
#define pci_conf_write16(sbdf, reg, v)                                      \
    (((sbdf).seg & 1) ? (void)0 : bench_hw_write((reg), 2, (uint16_t)(v)))
#define pci_conf_write32(sbdf, reg, v)                                      \
    (((sbdf).seg & 1) ? (void)0 : bench_hw_write((reg), 4, (uint32_t)(v)))
#else
#define pci_conf_read8(sbdf, reg)  ((uint8_t)bench_hw_read((reg), 1))
#define pci_conf_read16(sbdf, reg) ((uint16_t)bench_hw_read((reg), 2))
#define pci_conf_read32(sbdf, reg) bench_hw_read((reg), 4)
#define pci_conf_write8(sbdf, reg, v)  bench_hw_write((reg), 1, (uint8_t)(v))
#define pci_conf_write16(sbdf, reg, v) bench_hw_write((reg), 2, (uint16_t)(v))
#define pci_conf_write32(sbdf, reg, v) bench_hw_write((reg), 4, (uint32_t)(v))
#endif

#define PCI_CFG_SPACE_EXP_SIZE 4096

/* No device of the benchmark is in a segment's read-only map. */
static inline const unsigned long *pci_get_ro_map(uint16_t seg)
{
    (void)seg;
    return NULL;
}

#endif /* LFV_BENCH_XEN_BENCH_CONF_H */
