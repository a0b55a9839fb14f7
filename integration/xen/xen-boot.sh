#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# xen-boot.sh: boot the patched Xen 4.17.5 for arm64 under QEMU (TCG) with
# a Linux dom0 that enumerates PCI through vPCI, and compare dom0's view
# with the series against a baseline and native.  `make xen-boot` runs it.
#   1. tools (install-deps.sh xen xen-boot), Xen's source
#      (scripts/fetch-xen.sh), dom0's kernel and busybox from Debian's
#      arm64 archive (scripts/fetch-xen-boot.sh), cached under build/;
#   2. two arm64 hypervisors (CONFIG_DEBUG=y, PCI_PASSTHROUGH), each from
#      a fresh copy of the source with the test build's trap counters
#      (boot/counters.sh): "baseline", the series' Arm enablement only
#      (ARM_PATCHES below), and "series", every patch;
#   3. dom0's initramfs: busybox and boot/init.sh as /init (and the
#      guest phase's launcher, kernel and initramfs: XEN_BOOT_GUEST);
#   4. three boots on the same QEMU virt machine and devices: series and
#      baseline with pci-passthrough=on (dom0's ECAM accesses trap into
#      vPCI), and "native", the baseline with pci-passthrough=off (ECAM
#      mapped straight into dom0);
#   5. boot/check-console.py checks each console log (end marker reached,
#      every line intact, no Xen warning, assertion or crash, the trap
#      counters) and compares the three views, dump by dump.
# Any failure stops with a message naming the step and the console's
# tail.  Outputs under build/xen-boot/: NAME.console.log, NAME.view.
#
# XEN_BOOT_GUEST=1 (the default; 0 leaves it out): the series boot also
# runs a guest phase after dom0's dumps (boot/init.sh, "guest"):
# boot/domu.c (lfv-domu, cross-built here against the series' public
# headers) creates a Linux domU with vPCI (XEN_DOMCTL_CDF_vpci) over
# /dev/xen/privcmd (xen-privcmd.ko from the same kernel package) and
# assigns it QEMU's e1000e (iomem_permission, assign_device; Xen's
# command line gets GUEST_XEN_ARGS, the series' opt-in assignment without
# an IOMMU); while it runs, dom0 probes the device and a second domU is
# refused it (EBUSY) and sees an empty bus; after the first is destroyed
# dom0 uses the device again.  The guests report on Xen's console
# themselves (boot/guest-init.sh, boot/pci-probe.c); check-console.py
# --guest series runs boot/check_guest.py, which compares the guest's
# view with `lfvpci dump --guest` of dom0's dump of the device (the lfvpci
# command is built here for it, in build/xen-boot/host).
# XEN_BOOT_TIMEOUT: seconds per boot (default 900: boots take 1 to 3
# minutes on a loaded 2-core machine); XEN_BOOT_JOBS: make -j (default 2);
# XEN_BOOT_RUNS: the boots to run (debugging; only a run of all three,
# the default "series baseline native", is checked).
# A hypervisor is rebuilt only when its patches, the counters or the
# configuration changed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/build/xen-boot"
jobs=${XEN_BOOT_JOBS:-2}
timeout=${XEN_BOOT_TIMEOUT:-900}
boots=${XEN_BOOT_RUNS:-series baseline native}
guest=${XEN_BOOT_GUEST:-1}
case $guest in 0|1) ;; *)
    echo "xen-boot: XEN_BOOT_GUEST must be 0 or 1, not '$guest'" >&2; exit 2 ;;
esac
# Xen's command line in the series boot only, with the guest phase: the
# series' opt-in assignment without an IOMMU (none on QEMU's virt).
GUEST_XEN_ARGS="vpci-assign-no-iommu"
# The patches that make vPCI work on Arm: applied to the baseline too, so
# that the comparison isolates lfvpci.
ARM_PATCHES="0001-xen-arm-add-an-EXPERT-option-to-build-PCI-passthroug.patch
0002-xen-arm-enable-vPCI-for-the-hardware-domain.patch"
step=start
stage=""
log=""

on_exit() {
    st=$?
    [ -n "$stage" ] && rm -rf "$stage"
    if [ "$st" -ne 0 ]; then
        echo "xen-boot: FAILED at step: $step" >&2
        if [ -n "$log" ] && [ -f "$log" ]; then
            echo "xen-boot: last lines of $log:" >&2
            tail -n 40 "$log" | tr -d '\r' >&2
        fi
    fi
    exit "$st"
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

say() { echo "xen-boot: $*"; }
t_start=$(date +%s)

step="install tools (scripts/install-deps.sh xen xen-boot)"
"$repo/scripts/install-deps.sh" xen xen-boot
for t in git make aarch64-linux-gnu-gcc bison flex python3 cpio gzip \
         qemu-system-aarch64 timeout; do
    command -v "$t" >/dev/null 2>&1 || {
        echo "xen-boot: $t not found" >&2; exit 1; }
done

step="fetch Xen source (scripts/fetch-xen.sh)"
src=$("$repo/scripts/fetch-xen.sh" "$repo/build/xen" | tail -n 1)
[ -f "$src/xen/Makefile" ] || {
    echo "xen-boot: no Xen tree at '$src'" >&2; exit 1; }

step="fetch dom0's kernel and busybox (scripts/fetch-xen-boot.sh)"
mkdir -p "$out"
cache=$("$repo/scripts/fetch-xen-boot.sh" "$out/cache" | tail -n 1)
[ -f "$cache/Image" ] && [ -x "$cache/busybox" ] &&
    [ -f "$cache/xen-privcmd.ko" ] || {
    echo "xen-boot: no kernel, busybox or xen-privcmd.ko in '$cache'" >&2
    exit 1; }

# The hypervisors' configuration, added to arm64's defconfig.
config_fragment() {
    cat <<'EOF'
CONFIG_EXPERT=y
CONFIG_PCI_PASSTHROUGH=y
CONFIG_DEBUG=y
CONFIG_EARLY_PRINTK=y
CONFIG_EARLY_UART_CHOICE_PL011=y
CONFIG_EARLY_UART_BASE_ADDRESS=0x09000000
EOF
}

# build NAME PATCH...: an arm64 hypervisor from a fresh copy of the
# source with PATCHes and the counters, in $out/NAME/xen-4.17.5.
build() {
    name=$1
    shift
    step="build the $name hypervisor: apply the patches"
    key=$( (cat "$@" "$here/boot/counters.sh"; config_fragment) |
           sha256sum | cut -d' ' -f1)
    tree="$out/$name/xen-4.17.5"
    if [ -f "$tree/xen/xen" ] && [ -f "$tree/.lfvpci-boot" ] &&
       [ "$(cat "$tree/.lfvpci-boot")" = "$key" ]; then
        say "$name hypervisor unchanged: $tree/xen/xen"
        return
    fi
    rm -rf "$out/$name"
    mkdir -p "$out/$name"
    stage="$out/$name/.stage"
    cp -a "$src" "$stage"
    for p in "$@"; do
        (cd "$stage" && GIT_CEILING_DIRECTORIES="$out/$name" git apply "$p") || {
            echo "xen-boot: $(basename "$p") does not apply" >&2; exit 1; }
    done
    step="build the $name hypervisor: add the trap counters"
    "$here/boot/counters.sh" "$stage"
    step="build the $name hypervisor: configure"
    mk="make -C $stage/xen XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-"
    $mk defconfig > "$out/$name.config.log" 2>&1
    config_fragment >> "$stage/xen/.config"
    $mk olddefconfig >> "$out/$name.config.log" 2>&1
    for o in CONFIG_HAS_VPCI CONFIG_DEBUG CONFIG_EARLY_UART_PL011; do
        grep -q "^$o=y" "$stage/xen/.config" || {
            echo "xen-boot: $name config has no $o=y" >&2; exit 1; }
    done
    step="build the $name hypervisor: make (log: $out/$name.build.log)"
    t0=$(date +%s)
    $mk -j"$jobs" > "$out/$name.build.log" 2>&1 || {
        grep -E -B2 -A8 'error|Error' "$out/$name.build.log" | head -n 60 >&2
        exit 1; }
    echo "$key" > "$stage/.lfvpci-boot"
    mv "$stage" "$tree"
    stage=""
    say "$name hypervisor built ($(( $(date +%s) - t0 )) s): $tree/xen/xen"
}

step="list the patches"
# The cover letter (0000) is no patch.
all=$(ls "$here"/patches/*.patch | grep -v '/0000-')
arm=""
for p in $ARM_PATCHES; do
    [ -f "$here/patches/$p" ] || {
        echo "xen-boot: patches/$p missing (ARM_PATCHES)" >&2; exit 1; }
    arm="$arm $here/patches/$p"
done
# shellcheck disable=SC2086
build baseline $arm
# shellcheck disable=SC2086
build series $all

# cpio_gz DIR OUT: DIR as a gzipped newc archive, files owned by root.
cpio_gz() {
    (cd "$1" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$2"
}

if [ "$guest" = 1 ]; then
    step="build the guest launcher (boot/domu.c) and lfv-pciprobe"
    aarch64-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static \
        -D__XEN_TOOLS__ -I"$out/series/xen-4.17.5/xen/include" \
        -o "$out/lfv-domu" \
        "$here/boot/domu.c" "$here/boot/domu_fdt.c" "$here/boot/domu_pci.c" \
        "$here/boot/domu_console.c"
    aarch64-linux-gnu-gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static \
        -o "$out/lfv-pciprobe" "$here/boot/pci-probe.c"
    step="build the lfvpci command for the guest check (lfvpci dump --guest)"
    cmake -S "$repo" -B "$out/host" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLFV_BENCH=OFF -DLFV_XEN_BASELINE=OFF > "$out/host.log" 2>&1 &&
    cmake --build "$out/host" -j "$jobs" --target lfvpci-tool \
        >> "$out/host.log" 2>&1 || {
        tail -n 30 "$out/host.log" >&2; exit 1; }
    step="build the guest's initramfs"
    grd="$out/guest-initramfs"
    rm -rf "$grd"
    mkdir -p "$grd/bin" "$grd/dev" "$grd/proc" "$grd/sys"
    cp "$cache/busybox" "$grd/bin/busybox"
    cp "$out/lfv-pciprobe" "$grd/bin/lfv-pciprobe"
    for a in sh mount mkdir ls wc awk uname nproc poweroff cat sleep od; do
        ln -s busybox "$grd/bin/$a"
    done
    cp "$here/boot/guest-init.sh" "$grd/init"
    chmod 755 "$grd/init"
    mkdir -p "$grd/lib"
    cp "$here/boot/emit.awk" "$grd/lib/emit.awk"
    cpio_gz "$grd" "$out/guest-initramfs.cpio.gz"
fi

step="build dom0's initramfs"
rd="$out/initramfs"
rm -rf "$rd" "$out/initramfs.cpio.gz"
mkdir -p "$rd/bin" "$rd/dev" "$rd/proc" "$rd/sys" "$rd/tmp"
cp "$cache/busybox" "$rd/bin/busybox"
# The applets /init uses, as links (busybox cannot run here to list them).
for a in sh mount mkdir cat ls awk od tr cut sed wc md5sum sort devmem \
         dmesg grep taskset nproc dd touch sleep poweroff insmod; do
    ln -s busybox "$rd/bin/$a"
done
cp "$here/boot/init.sh" "$rd/init"
chmod 755 "$rd/init"
mkdir -p "$rd/lib"
cp "$here/boot/emit.awk" "$rd/lib/emit.awk"
if [ "$guest" = 1 ]; then
    mkdir -p "$rd/guest" "$rd/lib"
    cp "$out/lfv-domu" "$rd/bin/lfv-domu"
    cp "$out/lfv-pciprobe" "$rd/bin/lfv-pciprobe"
    cp "$cache/xen-privcmd.ko" "$rd/lib/xen-privcmd.ko"
    cp "$cache/Image" "$rd/guest/Image"
    cp "$out/guest-initramfs.cpio.gz" "$rd/guest/initrd.gz"
fi
cpio_gz "$rd" "$out/initramfs.cpio.gz"

step="make the virtio-blk disk"
[ -f "$out/disk.img" ] || dd if=/dev/zero of="$out/disk.img" bs=1M count=4 2>/dev/null

# boot NAME XEN PASSTHROUGH READERS [GUEST]: boot XEN (GUEST=1: with
# GUEST_XEN_ARGS) with
# pci-passthrough=PASSTHROUGH and READERS config readers in dom0's stress
# phase (and, GUEST=1, dom0's guest phase), console to
# $out/NAME.console.log; waits for QEMU to exit (dom0's
# poweroff halts Xen, -no-reboot ends QEMU; a dom0 panic reboots it) or
# the timeout.  dom0 runs with pcie_ports=compat: no port services
# (pciehp would remove and add devices behind the root ports on its own
# schedule, in the middle of the dumps).
boot() {
    name=$1 xen=$2 pt=$3 readers=$4 g=${5:-0}
    xargs=""
    [ "$g" = 1 ] && [ -n "$GUEST_XEN_ARGS" ] && xargs=" $GUEST_XEN_ARGS"
    step="boot $name (pci-passthrough=$pt, timeout ${timeout} s)"
    log="$out/$name.console.log"
    rm -f "$log"
    t0=$(date +%s)
    rc=0
    timeout -k 10 "$timeout" qemu-system-aarch64 \
        -machine virt,virtualization=on,gic-version=3 -cpu cortex-a57 \
        -smp 2 -m 2048 -nodefaults -display none -no-reboot \
        -serial "file:$log" -monitor none \
        -kernel "$xen" \
        -append "dom0_mem=512M console=dtuart dtuart=/pl011@9000000 loglvl=all guest_loglvl=all pci-passthrough=$pt$xargs" \
        -device "guest-loader,addr=0x49000000,kernel=$cache/Image,bootargs=console=hvc0 earlycon=xenboot rdinit=/init panic=-1 oops=panic pcie_ports=compat lfv.readers=$readers lfv.guest=$g" \
        -device "guest-loader,addr=0x4e000000,initrd=$out/initramfs.cpio.gz" \
        -device virtio-net-pci,addr=1.0,netdev=n0 -netdev hubport,id=n0,hubid=0 \
        -device virtio-rng-pci,addr=2.0 \
        -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=3.0 \
        -device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=4.0 \
        -device e1000e,bus=rp1,netdev=n1 -netdev hubport,id=n1,hubid=0 \
        -drive "if=none,id=d0,file=$out/disk.img,format=raw" \
        -device virtio-blk-pci,bus=rp2,drive=d0 \
        < /dev/null > "$out/$name.qemu.log" 2>&1 || rc=$?
    dt=$(( $(date +%s) - t0 ))
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "xen-boot: $name: no poweroff within $timeout s" >&2
        exit 1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "xen-boot: $name: QEMU exited with status $rc:" >&2
        tail -n 5 "$out/$name.qemu.log" >&2
        exit 1
    fi
    grep -q '@@ meta-end ' "$log" || {
        echo "xen-boot: $name: dom0 did not reach its end marker" \
             "(QEMU ended after $dt s)" >&2
        exit 1; }
    say "$name booted and powered off in $dt s"
}

for b in $boots; do
    case $b in
    series) boot series "$out/series/xen-4.17.5/xen/xen" on 4 "$guest" ;;
    # Stock 4.17 frees a removed device under readers still using it
    # (pci_remove_device() against vpci_read(): Xen's debug allocator
    # asserts, see baseline-readers); the series exists to fix that, so
    # the baseline's stress runs without readers.
    baseline) boot baseline "$out/baseline/xen-4.17.5/xen/xen" on 0 ;;
    native) boot native "$out/baseline/xen-4.17.5/xen/xen" off 4 ;;
    # Not run by default: the baseline under the series' stress.
    baseline-readers)
        boot baseline-readers "$out/baseline/xen-4.17.5/xen/xen" on 4 ;;
    *) echo "xen-boot: unknown boot '$b' in XEN_BOOT_RUNS" >&2; exit 2 ;;
    esac
done
step="XEN_BOOT_RUNS=$boots: not checked (only a full run is)"
[ "$boots" = "series baseline native" ] || exit 1

step="check the console logs and compare the views"
log=""
if [ "$guest" = 1 ]; then
    python3 "$here/boot/check-console.py" --guest series \
        --lfvpci "$out/host/bin/lfvpci" "$out" series baseline native
else
    python3 "$here/boot/check-console.py" "$out" series baseline native
fi

step=done
say "OK ($(( $(date +%s) - t_start )) s)"
