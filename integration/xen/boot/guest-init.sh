#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the domU that boot/domu.c (lfv-domu) starts from xen-boot's
# dom0.  The guest has no console of its own: its kernel writes through
# earlycon=xenboot (Xen's console_io, which Xen prints as "(dN) ...").
# So the result goes to the kernel log at alert level (printed despite
# "quiet"), as "@@ TAG TEXT CSUM" lines in boot/init.sh's format
# (Adler-32 of "TAG TEXT"), each text starting with the guest's role
# (lfv.role=ROLE on its command line, set by dom0: "dev" for the guest
# given a device, "empty" for the one without): meta-guest-pci, what
# lfv-pciprobe (boot/pci-probe.c) finds of each PCI function (IDs,
# COMMAND, BAR registers, kernel resources, capability chains; with
# lfv.reg=BAR:OFFSET also the BAR sizes by the all-ones probe and the
# 32-bit register at OFFSET of BAR, read through a mapping of sysfs
# resourceBAR with the device enabled and bus mastering set, which it
# stays), then meta-guest-up (kernel, vCPUs, memory, PCI buses and
# functions: dom0's launcher waits for this line to look at the device
# meanwhile); then, after lfv.hold=SECONDS (default 0), the guest powers
# off (PSCI SYSTEM_OFF).  With lfv.gone=SBDF it holds only until SBDF's
# configuration space reads all-ones (dom0 took the device back while the
# guest runs) and reports meta-guest-gone ("ROLE SBDF ids XXXXXXXX after
# N s") first.

PATH=/bin
export PATH

# emit TAG: stdin's lines as "@@ TAG LINE CSUM" into the kernel log
# (/lib/emit.awk; "<1>": printed on the console whatever its loglevel).
emit() {
    awk -v tag="$1" -v pre="<1>" -f /lib/emit.awk |
        while read -r l; do echo "$l" > /dev/kmsg; done
}

mkdir -p /dev /proc /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys

role=unnamed
reg=
hold=0
gone=
for a in $(cat /proc/cmdline); do
    case $a in
    lfv.role=*) role=${a#lfv.role=} ;;
    lfv.reg=*) reg=${a#lfv.reg=} ;;
    lfv.hold=*) hold=${a#lfv.hold=} ;;
    lfv.gone=*) gone=${a#lfv.gone=} ;;
    esac
done
probe=
[ -n "$reg" ] && probe="-s -r ${reg%%:*} ${reg#*:} -m -k"

# PCI: the buses the guest's host bridge (if any) gave it, and every
# function it found there, as lfv-pciprobe sees it.
buses=$(ls /sys/class/pci_bus 2>/dev/null | wc -l)
fns=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)
mem=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
for d in /sys/bus/pci/devices/*; do
    [ -e "$d/config" ] || continue
    # shellcheck disable=SC2086
    lfv-pciprobe $probe "$d" 2>&1 | while read -r l; do
        echo "$role ${d##*/} $l"
    done
done | emit meta-guest-pci
echo "$role linux $(uname -r) up, $(nproc) vCPU, $mem kB, pci buses=$buses" \
     "functions=$fns" | emit meta-guest-up
if [ -n "$gone" ]; then
    # Until dom0 takes the function back (a hot unplug: its configuration
    # space then reads all-ones), at most hold seconds: its IDs read from
    # the bus (sysfs config, not the kernel's cached vendor) once a second.
    t=0
    while :; do
        id=$(od -An -tx4 -N4 "/sys/bus/pci/devices/$gone/config" 2>&1 |
             awk '{ print $1 }')
        [ "$id" = ffffffff ] || [ "$t" -ge "$hold" ] && break
        sleep 1
        t=$((t + 1))
    done
    echo "$role $gone ids $id after $t s" | emit meta-guest-gone
else
    sleep "$hold"
fi
poweroff -f
