/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's own types, re-declared with Xen's layout for every user-space
 * environment that compiles Xen's files here: pci_sbdf_t
 * (xen/include/xen/pci.h, little-endian), the address at the head of
 * struct pci_dev (XEN_PCI_DEV_ADDRESS), x86's part of struct domain that
 * msix.c reads (XEN_X86_DOMAIN_ARCH), struct vcpu (the one field the
 * compiled files read).  Included by bench/xen/xen_emul.h,
 * bench/xen/xen_lfvpci_emul.h, tests/xen/guest/xen_guest_emul.h and
 * tests/xen/msix/xen_msix_emul.h, each of which declares its own struct
 * domain and struct pci_dev (their fields differ).
 */
#ifndef LFV_XEN_ENV_MIRROR_H
#define LFV_XEN_ENV_MIRROR_H

#include <stdint.h>

typedef union {
    uint32_t sbdf;
    struct {
        union {
            uint16_t bdf;
            struct {
                union {
                    struct {
                        uint8_t fn  : 3,
                                dev : 5;
                    };
                    uint8_t devfn, extfunc;
                };
                uint8_t bus;
            };
        };
        uint16_t seg;
    };
} pci_sbdf_t;

/*
 * struct pci_dev's address: devfn, bus and seg laid over the SBDF, as in
 * Xen (where the union is const).  A member of each struct pci_dev.
 */
#define XEN_PCI_DEV_ADDRESS                                                 \
    union {                                                                 \
        struct {                                                            \
            uint8_t devfn;                                                  \
            uint8_t bus;                                                    \
            uint16_t seg;                                                   \
        };                                                                  \
        pci_sbdf_t sbdf;                                                    \
    }

/*
 * x86's d->arch, the part msix.c uses: the domain's list of vPCI MSI-X
 * tables.  A member of struct domain where msix.c is compiled (after
 * struct list_head).
 */
#define XEN_X86_DOMAIN_ARCH                                                 \
    struct {                                                                \
        struct {                                                            \
            struct list_head msix_tables;                                   \
        } hvm;                                                              \
    } arch

struct domain;

struct vcpu {
    struct domain *domain;
};

#endif /* LFV_XEN_ENV_MIRROR_H */
