/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI configuration space: register offsets and bits, with Linux's names
 * (include/uapi/linux/pci_regs.h), for every layer above the platform: the
 * model's header and MSI emulation, the simulator.  Internal (not a
 * public header: a host has its own, with the same names).
 */
#ifndef LFV_CORE_PCI_REGS_H
#define LFV_CORE_PCI_REGS_H

#define PCI_CFG_SPACE_SIZE 0x100 /* the PCI-compatible space */

/* Type 0 header. */
#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_SPECIAL 0x8
#define PCI_COMMAND_INVALIDATE 0x10
#define PCI_COMMAND_VGA_PALETTE 0x20
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_STATUS_PARITY 0x100
#define PCI_STATUS_SIG_TARGET_ABORT 0x800
#define PCI_STATUS_REC_TARGET_ABORT 0x1000
#define PCI_STATUS_REC_MASTER_ABORT 0x2000
#define PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY 0x8000
/* lfvpci's: the status bits that are RW1C */
#define PCI_STATUS_RW1C                                                     \
    (PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |                      \
     PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |            \
     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_DEVICE 0x0a /* class and sub-class */
#define PCI_CLASS_BRIDGE_HOST 0x0600
#define PCI_HEADER_TYPE 0x0e
#define PCI_HEADER_TYPE_NORMAL 0
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_BASE_ADDRESS_SPACE_IO 0x1
#define PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x6
#define PCI_BASE_ADDRESS_MEM_TYPE_64 0x4
#define PCI_BASE_ADDRESS_MEM_PREFETCH 0x8
#define PCI_BASE_ADDRESS_MEM_MASK (~0xfu)
#define PCI_BASE_ADDRESS_IO_MASK (~0x3u)
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_ROM_ADDRESS 0x30  /* type 0 */
#define PCI_ROM_ADDRESS1 0x38 /* type 1 (bridges) */
#define PCI_ROM_ADDRESS_ENABLE 0x1
#define PCI_ROM_ADDRESS_MASK (~0x7ffu)
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/* Capabilities. */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_EXT_CAP_ID_ERR 0x0001 /* AER */
#define PCI_EXT_CAP_ID_SRIOV 0x0010

/* SR-IOV: the control register and its VF Enable bit. */
#define PCI_SRIOV_CTRL 0x08
#define PCI_SRIOV_CTRL_VFE 0x01

/* MSI: the message control word's bits. */
#define PCI_MSI_FLAGS_ENABLE 0x1
#define PCI_MSI_FLAGS_QMASK 0xe  /* multiple message capable */
#define PCI_MSI_FLAGS_QSIZE 0x70 /* multiple message enable */
#define PCI_MSI_FLAGS_64BIT 0x80
#define PCI_MSI_FLAGS_MASKBIT 0x100

/* MSI-X: the message control word's bits. */
#define PCI_MSIX_FLAGS_QSIZE 0x7ff
#define PCI_MSIX_FLAGS_MASKALL 0x4000
#define PCI_MSIX_FLAGS_ENABLE 0x8000

#endif /* LFV_CORE_PCI_REGS_H */
