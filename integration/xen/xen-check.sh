#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# xen-check.sh: check the Xen 4.17.5 series (integration/xen/patches) against
# Debian bookworm's Xen source package.  `make xen-check` runs it.
#   1. the generated import patch is up to date with the engine's sources;
#   2. the tools are there (installs the `xen` group of install-deps.sh);
#   3. Xen's source is fetched once and cached under build/xen
#      (scripts/fetch-xen.sh: temporary deb-src, apt-get source);
#   4. the series is applied to a fresh copy of the tree in a staging
#      directory, checked patch by patch, and the result renamed to
#      build/xen-check/xen-4.17.5 only when every patch applied;
#   5. the hypervisor is built for x86_64 (defconfig) and arm64 (defconfig
#      plus EXPERT and PCI_PASSTHROUGH: PCI and vPCI compiled in), with
#      Xen's own -Werror, each in its own copy of the patched tree;
#   6. tools/tests/vpci is built against the patched tree and run.
# Any failure stops with a message naming the step.
#
# The patched tree is reused while the series is unchanged (its hash is
# recorded), so a second run only rebuilds what changed; XEN_CHECK_FRESH=1
# forces a fresh copy.  XEN_CHECK_JOBS sets make -j (default: nproc).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/build/xen-check"
jobs=${XEN_CHECK_JOBS:-$(nproc)}
step=start
stage=""

on_exit() {
    st=$?
    [ -n "$stage" ] && rm -rf "$stage"
    [ "$st" -eq 0 ] || echo "xen-check: FAILED at step: $step" >&2
    exit "$st"
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

say() { echo "xen-check: $*"; }

step="import patch up to date (integration/xen/mkpatches.sh --check)"
"$here/mkpatches.sh" --check

step="install tools (scripts/install-deps.sh xen)"
"$repo/scripts/install-deps.sh" xen
for t in git make gcc aarch64-linux-gnu-gcc bison flex python3; do
    command -v "$t" >/dev/null 2>&1 || {
        echo "xen-check: $t not found" >&2; exit 1; }
done

step="fetch Xen source (scripts/fetch-xen.sh)"
src=$("$repo/scripts/fetch-xen.sh" "$repo/build/xen" | tail -n 1)
[ -f "$src/xen/Makefile" ] || { echo "xen-check: no Xen tree at '$src'" >&2; exit 1; }

step="apply the series"
# The cover letter (0000-*) holds no diff.
set -- $(ls "$here"/patches/*.patch | grep -v '/0000-')
[ $# -gt 0 ] && [ -f "$1" ] || {
    echo "xen-check: no patches in $here/patches" >&2; exit 1; }
series_hash=$(cat "$@" | sha256sum | cut -d' ' -f1)
mkdir -p "$out"
tree="$out/xen-4.17.5"
if [ "${XEN_CHECK_FRESH:-0}" = 1 ] || [ ! -f "$tree/.lfvpci-series" ] ||
   [ "$(cat "$tree/.lfvpci-series")" != "$series_hash" ]; then
    stage=$(mktemp -d "$out/.stage.XXXXXX")
    cp -a "$src" "$stage/xen-4.17.5"
    for p in "$@"; do
        step="apply $(basename "$p")"
        # Outside any git repository: git apply works on plain files.
        (cd "$stage/xen-4.17.5" &&
         GIT_CEILING_DIRECTORIES="$stage" git apply --check "$p" &&
         GIT_CEILING_DIRECTORIES="$stage" git apply "$p") || {
            echo "xen-check: $(basename "$p") does not apply to Xen 4.17.5" >&2
            exit 1; }
    done
    step="install the patched tree"
    echo "$series_hash" > "$stage/xen-4.17.5/.lfvpci-series"
    rm -rf "$out/x86_64" "$out/arm64" "$tree"
    mv "$stage/xen-4.17.5" "$tree"
    rm -rf "$stage"
    stage=""
    say "series applied ($# patches) to $tree"
else
    say "series unchanged, reusing $tree"
fi

# build ARCH: the hypervisor in its own copy of the patched tree.
build() {
    arch=$1
    step="build the hypervisor for $arch"
    if [ ! -d "$out/$arch" ]; then
        cp -a "$tree" "$out/$arch.tmp"
        mv "$out/$arch.tmp" "$out/$arch"
    fi
    case $arch in
    x86_64) mk="make -C $out/$arch/xen XEN_TARGET_ARCH=x86_64" ;;
    arm64) mk="make -C $out/$arch/xen XEN_TARGET_ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-" ;;
    esac
    if [ ! -f "$out/$arch/xen/.config" ]; then
        $mk defconfig >/dev/null
        if [ "$arch" = arm64 ]; then
            printf 'CONFIG_EXPERT=y\nCONFIG_PCI_PASSTHROUGH=y\n' >> "$out/$arch/xen/.config"
            $mk olddefconfig >/dev/null
        fi
    fi
    grep -q '^CONFIG_HAS_VPCI=y' "$out/$arch/xen/.config" || {
        echo "xen-check: $arch config has no CONFIG_HAS_VPCI" >&2; exit 1; }
    t0=$(date +%s)
    $mk -j"$jobs" > "$out/$arch.log" 2>&1 || {
        grep -E -B2 -A8 'error|Error' "$out/$arch.log" | head -n 60 >&2
        echo "xen-check: see $out/$arch.log" >&2
        exit 1; }
    [ -f "$out/$arch/xen/xen" ] || { echo "xen-check: no $arch xen image" >&2; exit 1; }
    say "$arch hypervisor built ($(( $(date +%s) - t0 )) s): $out/$arch/xen/xen"
}

build x86_64
build arm64

step="tools/tests/vpci"
# Xen's tools/Rules.mk insists on ./configure except for clean goals: the
# test needs none of it (HOSTCC only), so run it together with `clean`.
make -C "$tree/tools/tests/vpci" clean run > "$out/test_vpci.log" 2>&1 || {
    tail -n 30 "$out/test_vpci.log" >&2; exit 1; }
say "tools/tests/vpci passed"

step=done
say "OK"
