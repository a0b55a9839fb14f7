#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# /init of the dom0 that integration/xen/xen-boot.sh boots (busybox, run
# from the initramfs).  It reports dom0's view of PCI on the console, in
# lines the host checks and compares between hypervisors:
#   @@ TAG TEXT CSUM
# TAG says what the line is (view-*: compared between boots; meta-*:
# checked, not compared), CSUM is Adler-32 of "TAG TEXT" (high half
# first), so a line garbled by Xen's output landing in it is detected.
# Phases:
#   A  dump every device (IDs, class, resources, whole config space and
#      its md5);
#   bars  enable every endpoint and bridge (COMMAND memory and I/O: vPCI
#      maps its BARs), read registers through the BARs (e1000e STATUS,
#      virtio's common configuration, the root ports' one-page MSI-X
#      table), disable again;
#   B  remove every device (COMMAND cleared first), rescan, dump again;
#   stress  config readers on every vCPU while the endpoints are removed
#      and rescanned one at a time, STRESS_CYCLES times, then dump
#      again (C);
#   guest  (lfv.guest=1 only, after dump C) load xen-privcmd.ko and run
#      /bin/lfv-domu (boot/domu.c): a Linux domU with vPCI ("dev") is
#      given the e1000e (8086:10d3) and boots from /guest; once it has
#      reported (it then holds the device enabled),
#      dom0 probes the device (Xen's rule: dom0 reads the hardware of a
#      device it does not own) and a second domU with vPCI ("empty") is
#      created, must be refused the same device (EBUSY), must be told
#      the bridge above it cannot be assigned (test_assign_device: EPERM,
#      as its assignment would be refused) and boots with an empty bus;
#      then dom0 takes the device from the first guest while it runs
#      (XEN_DOMCTL_deassign_device: a hot unplug), whose bus then reads
#      all-ones there (meta-guest-gone); both guests report on Xen's
#      console themselves (meta-guest-pci, meta-guest-up, see
#      boot/guest-init.sh) and power off; after the first one is
#      destroyed, dom0 uses the device again
#      (IDs, enable, STATUS through BAR 0, disable).  The launchers' lines
#      are reported as meta-guest and meta-guest2, dom0's probes of the
#      device before, during and after as meta-guest-dom0;
# then the end marker and poweroff.  Any failed step prints
# "@@ meta-fail ..." and still powers off.

PATH=/bin
export PATH
STRESS_CYCLES=120
# lfv.readers=N on the kernel command line: N readers in the stress
# phase (default 4).
READERS=4
# lfv.guest=1: the guest phase; GUEST_MB of RAM for the guest given the
# device, GUEST2_MB for the second one, GUEST_TIMEOUT seconds each;
# GUEST_DEV the IDs of the device assigned, GUEST_REG the register the
# guest and dom0 read (e1000e STATUS: BAR 0, offset 8); GUEST_HOLD the
# longest the first guest waits for its device to be taken (a hot unplug
# once dom0's checks and the second guest are done; it then powers off)
GUEST=0
GUEST_MB=256
GUEST2_MB=128
GUEST_TIMEOUT=600
GUEST_HOLD=400
GUEST_DEV=0x8086:0x10d3
GUEST_REG="0 0x8"
GUEST_ARGS="earlycon=xenboot keep_bootcon quiet rdinit=/init panic=-1"
PCI=/sys/bus/pci/devices

# emit TAG: stdin's lines as "@@ TAG LINE CSUM" (/lib/emit.awk).
emit() {
    awk -v tag="$1" -v pre= -f /lib/emit.awk
}

say() { echo "$*" | emit meta-info; }
fail() { echo "$*" | emit meta-fail; FAILED=1; }
FAILED=0

devices() { ls "$PCI"; }

# dump NAME: every device's IDs, resources and config space, under TAG
# view-NAME, closed by a line with the number of lines.
dump() {
    for d in $(devices); do
        p=$PCI/$d
        echo "dev $d $(cat $p/vendor $p/device $p/class $p/subsystem_vendor \
            $p/subsystem_device $p/revision | tr '\n' ' ')"
        awk -v d="$d" '$1 != "0x0000000000000000" || $2 != $1 \
            { print "res " d " " NR - 1 " " $0 }' "$p/resource"
        od -An -v -tx1 "$p/config" | tr -d ' \n' |
            awk -v d="$d" '{
                for (o = 0; o < length($0); o += 128)
                    printf "cfg %s %03x %s\n", d, o / 2, substr($0, o + 1, 128)
            }'
        echo "md5 $d $(md5sum < $p/config | cut -d' ' -f1) \
$(wc -c < $p/config)"
    done > /tmp/dump.$1
    echo "count $(wc -l < /tmp/dump.$1)" >> /tmp/dump.$1
    emit "view-$1" < /tmp/dump.$1
}

# cfgbytes DEV: config space as one hex string.
cfgbytes() { od -An -v -tx1 "$PCI/$1/config" | tr -d ' \n'; }

hexaddr() { printf '0x%x' "$1"; }

# rd DEV BAR OFFSET WIDTH NAME: read a register through a BAR.
rd() {
    base=$(sed -n "$(($2 + 1))p" "$PCI/$1/resource" | cut -d' ' -f1)
    [ -n "$base" ] && [ "$((base))" -ne 0 ] || {
        fail "bars $1: BAR $2 unassigned"; return; }
    v=$(devmem "$(hexaddr $((base + $3)))" "$4") || {
        fail "bars $1: devmem BAR $2 + $3 failed"; return; }
    echo "reg $1 $5 $v"
}

# virtio_common DEV: BAR and offset of the virtio common configuration
# (vendor capability, cfg_type 1), as "BAR OFFSET".
virtio_common() {
    cfgbytes "$1" | awk '
    function h(c) { return index("0123456789abcdef", c) - 1 }
    function b(o) {
        return h(substr($0, o * 2 + 1, 1)) * 16 + h(substr($0, o * 2 + 2, 1))
    }
    {
        p = b(52)
        while (p != 0 && n++ < 48) {
            if (b(p) == 9 && b(p + 3) == 1) {
                print b(p + 4), b(p + 8) + b(p + 9) * 256 + \
                      b(p + 10) * 65536 + b(p + 11) * 16777216
                exit
            }
            p = b(p + 1)
        }
    }'
}

# regs: enable every device but the host bridge, read registers through
# its BARs, disable it again.
regs() {
    for d in $(devices); do
        case $(cat "$PCI/$d/class") in 0x0600*) continue ;; esac
        echo 1 > "$PCI/$d/enable" || fail "bars $d: enable failed"
        echo "cmd $d enabled $(cfgbytes "$d" | cut -c9-12)"
        id=$(cat "$PCI/$d/vendor"):$(cat "$PCI/$d/device")
        case $id in
        0x8086:0x10d3)
            rd "$d" 0 0 32 CTRL
            rd "$d" 0 8 32 STATUS
            ;;
        0x1b36:0x000c)
            # QEMU's root port: BAR 0 (one page) holds its MSI-X table.
            rd "$d" 0 0 32 msix0_addr_lo
            rd "$d" 0 12 32 msix0_ctrl
            ;;
        0x1af4:*)
            set -- $(virtio_common "$d")
            if [ $# -ne 2 ]; then
                fail "bars $d: no virtio common configuration"
            else
                rd "$d" "$1" "$(($2 + 0x4))" 32 device_feature
                rd "$d" "$1" "$(($2 + 0x12))" 16 num_queues
                rd "$d" "$1" "$(($2 + 0x14))" 8 device_status
            fi
            ;;
        esac
        echo 0 > "$PCI/$d/enable" || fail "bars $d: disable failed"
        echo "cmd $d disabled $(cfgbytes "$d" | cut -c9-12)"
    done > /tmp/regs
    echo "count $(wc -l < /tmp/regs)" >> /tmp/regs
    emit view-bars < /tmp/regs
}

# quiesce DEV: clear the COMMAND register of DEV and of every device
# behind it (decoding and bus mastering off), as a hot-unplugged slot
# comes back.  Removal alone leaves decoding on, and vPCI then maps the
# BARs when the device is added again; if the rescan moves them, vPCI
# ignores the new addresses ("ignored BAR write while mapped": 4.17
# forbids the hardware domain to move a mapped BAR) and Linux faults on
# its first access.  The same happens with or without the series.
quiesce() {
    local c
    for c in "$PCI/$1"/????:??:??.?; do
        [ -e "$c/config" ] && quiesce "${c##*/}"
    done
    printf '\000\000' |
        dd of="$PCI/$1/config" bs=2 seek=2 count=1 conv=notrunc 2>/dev/null ||
        fail "quiesce $1: COMMAND write failed"
}

# remove DEV: quiesce DEV and remove it (with what is behind it).
remove() {
    [ -e "$PCI/$1" ] || return 0
    quiesce "$1"
    echo 1 > "$PCI/$1/remove"
}

# remove_all: remove every device (children first), then rescan.
remove_all() {
    for d in $(devices | sort -r); do
        remove "$d"
    done
    n=$(devices | wc -l)
    [ "$n" -eq 0 ] || fail "remove: $n devices left"
    echo 1 > /sys/bus/pci/rescan
}

reader() {
    while [ ! -e /tmp/stop ]; do
        cat $PCI/*/config > /dev/null 2>&1
        for f in $PCI/*/config; do
            dd if="$f" bs=4 count=64 skip=1 2>/dev/null > /dev/null
        done
    done
}

# present: the functions, each with its config space readable.
present() {
    for d in $(devices); do
        [ -r "$PCI/$d/config" ] && echo "$d"
    done
}

# stress: READERS config readers while devices are removed and rescanned
# one at a time, STRESS_CYCLES times.  Bridges stay: Linux renumbers the
# buses behind a root port it rescans when the other port's bus moved
# (it does so natively too), and the dumps would no longer compare.
stress() {
    all=$(for d in $(devices); do
        case $(cat "$PCI/$d/class") in 0x0604*) ;; *) echo "$d" ;; esac
    done)
    set -- $all
    ncpu=$(nproc)
    i=0
    while [ $i -lt $READERS ]; do
        taskset -c $((i % ncpu)) sh /init reader &
        i=$((i + 1))
    done
    c=0
    while [ $c -lt $STRESS_CYCLES ]; do
        for d in $all; do
            [ $c -lt $STRESS_CYCLES ] || break
            remove "$d"
            echo 1 > /sys/bus/pci/rescan
            c=$((c + 1))
        done
    done
    touch /tmp/stop
    wait
    say "stress: $c remove/rescan cycles, $READERS readers on $ncpu vCPUs"
}

# probe WHEN DEV [OPTION...]: lfv-pciprobe's lines of DEV (dom0's view),
# each prefixed with "WHEN DEV", appended to /tmp/guest-dom0.
probe() {
    local when=$1 dev=$2
    shift 2
    lfv-pciprobe "$@" "$PCI/$dev" > /tmp/probe 2>&1 ||
        fail "guest: lfv-pciprobe $* $dev ($when) failed"
    while read -r l; do
        echo "$when $dev $l"
    done < /tmp/probe >> /tmp/guest-dom0
}

# upstream_enable DEV: the bridge above DEV (if any) enabled, so that it
# forwards the device's memory space, as xen-pciback's pci_enable_device()
# of a device leaves its bridges when it seizes it: the guest enables the
# device itself, never the host's bridges.  (Dom0 quiesced every bridge
# in the remove/rescan phases.)
upstream_enable() {
    local up
    up=$(cd -P "$PCI/$1/.." && pwd)
    up=${up##*/}
    case $up in
    ????:??:??.?)
        echo 1 > "$PCI/$up/enable" ||
            { fail "guest: enabling bridge $up failed"; return; }
        echo "prepare $1 bridge $up cmd $(cfgbytes "$up" | cut -c11-12)$(cfgbytes "$up" | cut -c9-10)" >> /tmp/guest-dom0
        ;;
    esac
}

# guest: a domU given the device GUEST_DEV, dom0's checks and a second
# domU while it runs (guest_hook), dom0 using the device after.
guest() {
    local dev="" d rc=0
    insmod /lib/xen-privcmd.ko || { fail "guest: insmod xen-privcmd.ko"; return; }
    [ -c /dev/xen/privcmd ] || { fail "guest: no /dev/xen/privcmd"; return; }
    for d in $(devices); do
        [ "$(cat "$PCI/$d/vendor"):$(cat "$PCI/$d/device")" = "$GUEST_DEV" ] &&
            { dev=$d; break; }
    done
    [ -n "$dev" ] || { fail "guest: no $GUEST_DEV device in dom0"; return; }
    : > /tmp/guest-dom0
    upstream_enable "$dev"
    probe before "$dev"
    lfv-domu --vpci --assign "$dev" --unplug \
        --hook "sh /init guest-hook $dev" \
        --hook-after "@@ meta-guest-up dev " \
        /guest/Image /guest/initrd.gz "$GUEST_MB" "$GUEST_TIMEOUT" \
        "$GUEST_ARGS lfv.role=dev lfv.reg=${GUEST_REG% *}:${GUEST_REG#* } lfv.hold=$GUEST_HOLD lfv.gone=0000:00:00.0" \
        > /tmp/guest 2>&1 || rc=$?
    emit meta-guest < /tmp/guest
    [ "$rc" -eq 0 ] || fail "guest: lfv-domu (dev) exited with status $rc"
    if [ -f /tmp/guest2.rc ]; then
        emit meta-guest2 < /tmp/guest2
        [ "$(cat /tmp/guest2.rc)" = 0 ] ||
            fail "guest: lfv-domu (empty) exited with status $(cat /tmp/guest2.rc)"
    else
        fail "guest: the second guest did not run (no hook)"
    fi
    # shellcheck disable=SC2086
    probe after "$dev" -r $GUEST_REG
    emit meta-guest-dom0 < /tmp/guest-dom0
}

# guest_hook DEV: lfv-domu's hook, run while the guest given DEV runs.
guest_hook() {
    local rc=0 up
    # lfv-domu's stdout is a file: dom0's failures go to the console.
    exec > /dev/console 2>&1
    probe during "$1"
    # The bridge above DEV: no endpoint, so not assignable (EPERM).
    up=$(cd -P "$PCI/$1/.." && pwd)
    up=${up##*/}
    case $up in
    ????:??:??.?) ;;
    *) fail "guest: no bridge above $1"; up="" ;;
    esac
    lfv-domu --vpci --try-assign "$1" ${up:+--test-refused "$up"} \
        /guest/Image /guest/initrd.gz \
        "$GUEST2_MB" "$GUEST_TIMEOUT" "$GUEST_ARGS lfv.role=empty" \
        > /tmp/guest2 2>&1 || rc=$?
    echo "$rc" > /tmp/guest2.rc
}

# The readers: /init run again, pinned to a vCPU.
if [ "${1:-}" = reader ]; then
    reader
    exit 0
fi
# The guest phase's hook: /init run again by lfv-domu.
if [ "${1:-}" = guest-hook ]; then
    guest_hook "$2"
    exit 0
fi

mkdir -p /dev /proc /sys /tmp
mount -t devtmpfs dev /dev 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
exec </dev/console >/dev/console 2>&1
# Kernel messages would land in the middle of our lines.
dmesg -n 1
for a in $(cat /proc/cmdline); do
    case $a in
    lfv.readers=*) READERS=${a#lfv.readers=} ;;
    lfv.guest=*) GUEST=${a#lfv.guest=} ;;
    esac
done

t0=$(cut -d. -f1 /proc/uptime)
all0=$(present)
say "dom0 up, $(echo $all0 | wc -w) PCI functions, $(nproc) vCPUs"
dump A
regs
remove_all
[ "$(present)" = "$all0" ] || fail "rescan: functions $(present | tr '\n' ' ')"
dump B
stress
[ "$(present)" = "$all0" ] || fail "stress: functions $(present | tr '\n' ' ')"
dump C
[ "$GUEST" = 1 ] && guest
dmesg | grep -E 'WARNING:|BUG:|Oops|Unable to handle|Kernel panic' |
    emit meta-kwarn
say "phases done in $(($(cut -d. -f1 /proc/uptime) - t0)) s"
echo "failed=$FAILED" | emit meta-end
poweroff -f
