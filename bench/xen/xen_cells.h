/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The register handlers of every module built on Xen's vpci.c (4.17.5's,
 * 4.20.4's, the series'): a register reads and writes the 32-bit cell its
 * data points at (bench_hw.h).  Included after the module's environment
 * header (xen_emul.h, xen_lfvpci_emul.h, ...), which defines struct
 * pci_dev.
 */
#ifndef LFV_BENCH_XEN_CELLS_H
#define LFV_BENCH_XEN_CELLS_H

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

#endif /* LFV_BENCH_XEN_CELLS_H */
