#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# counters.sh XEN_TREE: the test build's trap counters, applied by
# xen-boot.sh to its own copies of Xen only (never part of the series).
#
# vpci_read() and vpci_write() are renamed and wrapped by functions that
# count their calls; hwdom_shutdown() prints the counts when dom0 powers
# off, as one line xen-boot.sh looks for:
#   (XEN) lfvpci-test: vpci_read=N vpci_write=M
set -eu

t=$1
v=$t/xen/drivers/vpci/vpci.c
s=$t/xen/common/shutdown.c

grep -q '^uint32_t vpci_read(pci_sbdf_t sbdf' "$v"
grep -q '^void vpci_write(pci_sbdf_t sbdf' "$v"
grep -q '^void hwdom_shutdown(u8 reason)$' "$s"

sed -i -e 's/^uint32_t vpci_read(pci_sbdf_t sbdf/static uint32_t counted_vpci_read(pci_sbdf_t sbdf/' \
       -e 's/^void vpci_write(pci_sbdf_t sbdf/static void counted_vpci_write(pci_sbdf_t sbdf/' "$v"
cat >> "$v" <<'EOC'

/* lfvpci test build only (integration/xen/boot/counters.sh). */
unsigned long lfvpci_test_reads, lfvpci_test_writes;

uint32_t vpci_read(pci_sbdf_t sbdf, unsigned int reg, unsigned int size)
{
    arch_fetch_and_add(&lfvpci_test_reads, 1);
    return counted_vpci_read(sbdf, reg, size);
}

void vpci_write(pci_sbdf_t sbdf, unsigned int reg, unsigned int size,
                uint32_t data)
{
    arch_fetch_and_add(&lfvpci_test_writes, 1);
    counted_vpci_write(sbdf, reg, size, data);
}
EOC

sed -i -e '/^void hwdom_shutdown(u8 reason)$/{
i\
/* lfvpci test build only (integration/xen/boot/counters.sh). */\
extern unsigned long lfvpci_test_reads, lfvpci_test_writes;\

}' -e '/^void hwdom_shutdown(u8 reason)$/,/^{$/{
/^{$/a\
    printk("lfvpci-test: vpci_read=%lu vpci_write=%lu\\n",\
           read_atomic(&lfvpci_test_reads),\
           read_atomic(&lfvpci_test_writes));\

}' "$s"
grep -q 'lfvpci-test: vpci_read' "$s"
