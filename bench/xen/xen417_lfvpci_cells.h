/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The register handlers of the xen417_lfvpci modules: a register reads and
 * writes the 32-bit cell its data points at (bench_hw.h), as the xen417
 * modules' (xen417_dev.h).  Included after xen_lfvpci_emul.h.
 */
#ifndef LFV_BENCH_XEN417_LFVPCI_CELLS_H
#define LFV_BENCH_XEN417_LFVPCI_CELLS_H

static uint32_t cell_read(const struct pci_dev *pdev, unsigned int reg,
                          void *data)
{
    (void)pdev, (void)reg;
    return bench_cell_get(data);
}

static void cell_write(const struct pci_dev *pdev, unsigned int reg,
                       uint32_t val, void *data)
{
    (void)pdev, (void)reg;
    bench_cell_set(data, val);
}

#endif /* LFV_BENCH_XEN417_LFVPCI_CELLS_H */
