#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-xen-boot.sh [CACHE]: download what `make xen-boot` boots as dom0,
# from Debian bookworm's arm64 archive, into CACHE (default:
# build/xen-boot/cache under the repository root), and extract it:
#   CACHE/Image     dom0's kernel: /boot/vmlinuz-* of the newest
#                   linux-image-6.1.0-<N>-arm64-unsigned (an uncompressed
#                   arm64 Image, which Xen loads as is);
#   CACHE/busybox   busybox-static's static arm64 binary;
#   CACHE/xen-privcmd.ko  the same kernel package's privcmd module
#                   (/dev/xen/privcmd, for the guest launcher of
#                   XEN_BOOT_GUEST=1).
# The .debs stay in CACHE/debs; a second run touches no network.
#
# Needs root.  The arm64 architecture is added to dpkg (the only change
# to the system's package state: nothing is installed); the index update
# and the downloads use private list and cache directories under CACHE,
# so the system's own indexes are left as they were.  The last line of
# stdout is CACHE on success.
set -eu

repo_root=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-"$repo_root/build/xen-boot/cache"}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
step=start
stage=""

on_exit() {
    st=$?
    [ -n "$stage" ] && rm -rf "$stage"
    [ "$st" -eq 0 ] || echo "fetch-xen-boot.sh: failed at step: $step" >&2
    exit "$st"
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

if [ -f "$cache/Image" ] && [ -x "$cache/busybox" ] &&
   [ -f "$cache/xen-privcmd.ko" ]; then
    echo "$cache"
    exit 0
fi

step="check privileges"
[ "$(id -u)" -eq 0 ] || {
    echo "fetch-xen-boot.sh: must run as root (apt-get)" >&2; exit 1; }

step="dpkg --add-architecture arm64"
dpkg --print-foreign-architectures | grep -qx arm64 ||
    dpkg --add-architecture arm64

mkdir -p "$cache/lists/partial" "$cache/apt-cache/archives/partial" \
         "$cache/debs"
apt_opts="-o Dir::State::Lists=$cache/lists -o Dir::Cache=$cache/apt-cache
 -o APT::Sandbox::User=root"

download() {
    # download PATTERN: the newest arm64 package whose name matches.
    pkg=$(apt-cache $apt_opts pkgnames 2>/dev/null | grep -E "^$1\$" |
          sort -V | tail -n 1)
    [ -n "$pkg" ] || {
        echo "fetch-xen-boot.sh: no arm64 package matches '$1'" >&2
        exit 1; }
    step="apt-get download $pkg:arm64"
    (cd "$stage" && apt-get -q $apt_opts download "$pkg:arm64" >&2)
}

if ! ls "$cache"/debs/linux-image-*.deb >/dev/null 2>&1 ||
   ! ls "$cache"/debs/busybox-static_*.deb >/dev/null 2>&1; then
    step="apt-get update (private lists, arm64)"
    # shellcheck disable=SC2086
    apt-get -q $apt_opts update >&2
    stage=$(mktemp -d "$cache/.download.XXXXXX")
    step="find the kernel package"
    download 'linux-image-6\.1\.0-[0-9]+-arm64-unsigned'
    download 'busybox-static'
    mv "$stage"/*.deb "$cache/debs/"
    rm -rf "$stage"
    stage=""
fi

step="extract the kernel"
stage=$(mktemp -d "$cache/.extract.XXXXXX")
deb=$(ls "$cache"/debs/linux-image-*.deb | sort -V | tail -n 1)
dpkg-deb -x "$deb" "$stage/k"
img=$(ls "$stage"/k/boot/vmlinuz-* | head -n 1)
[ -f "$img" ] || { echo "fetch-xen-boot.sh: no vmlinuz in $deb" >&2; exit 1; }
cp "$img" "$cache/Image.tmp"
echo "$(basename "$deb")" > "$cache/Image.deb"
ko=$(find "$stage/k/lib/modules" -name xen-privcmd.ko | head -n 1)
[ -f "$ko" ] || {
    echo "fetch-xen-boot.sh: no xen-privcmd.ko in $deb" >&2; exit 1; }
cp "$ko" "$cache/xen-privcmd.ko"
step="extract busybox"
deb=$(ls "$cache"/debs/busybox-static_*.deb | sort -V | tail -n 1)
dpkg-deb -x "$deb" "$stage/b"
cp "$stage/b/bin/busybox" "$cache/busybox.tmp"
chmod 755 "$cache/busybox.tmp"
mv "$cache/busybox.tmp" "$cache/busybox"
mv "$cache/Image.tmp" "$cache/Image"
rm -rf "$stage"
stage=""
step=done
echo "$cache"
