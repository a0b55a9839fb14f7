#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-xen.sh [--release 4.17|4.20] [DESTDIR]: fetch a Debian source package
# of Xen and extract it (Debian's patches applied) into DESTDIR (default:
# build/xen under the repository root), as DESTDIR/xen-<version>.  The
# benchmark baselines compile xen/drivers/vpci/vpci.c (and msix.c) from
# that tree; Xen's source never enters the repo.
#
#   4.17 (default)  Xen 4.17.5 from bookworm (this system's release): the
#                   xen417 baselines, the series' base (integration/xen)
#   4.20            Xen 4.20.4 from trixie: the xen420 baselines
#
# Debian's patches are applied (plain dpkg-source -x): none of them touches
# xen/drivers/vpci/ or xen/include/xen/{vpci,list}.h, so the files the
# baselines compile are upstream's as shipped in the package's orig tarball
# (the stable-4.17 branch at 4.17.5+N, Debian's security update; the
# stable-4.20 branch at 4.20.4+N, trixie's point release).
#
# Idempotent: an already extracted tree is reported without touching the
# network.  The last line of stdout is always the tree's root on success.
#
# Needs root (apt-get).  Nothing is written under /etc/apt: the deb-src list
# (the system's deb822 stanzas, with deb-src types and the wanted release's
# suites) lives in DESTDIR's private cache directory, as do the index lists
# and the downloads, so that the system's own apt state is left exactly as
# it was and apt never sees another release's binaries.  apt-get source
# checks the files against the signed Sources index (Signed-By: the system's
# archive keyring, which holds the next release's key too), dpkg-source -x
# against the .dsc's checksums.
set -eu

SYSTEM_SOURCES=/etc/apt/sources.list.d/debian.sources

release=4.17
if [ "${1:-}" = "--release" ]; then
    [ $# -ge 2 ] || { echo "fetch-xen.sh: --release needs 4.17 or 4.20" >&2; exit 2; }
    release=$2
    shift 2
fi
# XEN_SUITE: the Debian release whose Sources index is read ("" = this
# system's own suites); CACHE_NAME: the private apt directory under DESTDIR.
case $release in
4.17) XEN_VERSION=4.17.5; XEN_SUITE=""; CACHE_NAME=cache ;;
4.20) XEN_VERSION=4.20.4; XEN_SUITE=trixie; CACHE_NAME="cache-trixie" ;;
*) echo "fetch-xen.sh: unknown release '$release' (4.17 or 4.20)" >&2; exit 2 ;;
esac

repo_root=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-"$repo_root/build/xen"}
case $dest in /*) ;; *) dest="$PWD/$dest" ;; esac
tree="$dest/xen-$XEN_VERSION"

if [ -f "$tree/xen/drivers/vpci/vpci.c" ]; then
    echo "$tree"
    exit 0
fi

step="start"
tmp_list=""
stage=""

# The EXIT trap names the failed step.
fail() {
    exit 1
}

cleanup() {
    [ -n "$tmp_list" ] && rm -f "$tmp_list"
    [ -n "$stage" ] && rm -rf "$stage"
    return 0
}
on_exit() {
    st=$?
    cleanup
    [ "$st" -eq 0 ] || echo "fetch-xen.sh: failed at step: $step" >&2
    exit "$st"
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

step="check privileges"
[ "$(id -u)" -eq 0 ] || { echo "fetch-xen.sh: must run as root (apt-get)" >&2; exit 1; }

step="install dpkg-dev"
if ! command -v dpkg-source >/dev/null 2>&1; then
    # Retry after refreshing the indexes if they are missing or stale.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev >&2 ||
        { apt-get -q update >&2 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev >&2; } ||
        fail
fi

step="prepare directories"
mkdir -p "$dest/$CACHE_NAME" || fail
cache=$(cd "$dest/$CACHE_NAME" && pwd)
mkdir -p "$cache/lists/partial" "$cache/apt-cache/archives/partial" \
         "$cache/src" || fail

# Download the source package into the cache, unless a previous run did.
download_source() {
    # The deb-src list mirrors the system's deb822 stanzas (URIs, Suites,
    # Components, Signed-By), so no host name is introduced here; for
    # another release, the system's codename in Suites becomes that
    # release's (bookworm-security -> trixie-security, ...).
    step="write private deb-src list"
    [ -f "$SYSTEM_SOURCES" ] || {
        echo "fetch-xen.sh: $SYSTEM_SOURCES not found" >&2; fail; }
    tmp_list="$cache/lfvpci-xen-src.sources"
    if [ -n "$XEN_SUITE" ]; then
        # shellcheck disable=SC1091
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        [ -n "$codename" ] || {
            echo "fetch-xen.sh: no VERSION_CODENAME in /etc/os-release" >&2; fail; }
        sed -e 's/^Types:.*/Types: deb-src/' \
            -e "/^Suites:/s/\b$codename\b/$XEN_SUITE/g" \
            "$SYSTEM_SOURCES" > "$tmp_list" || fail
        grep -q "^Suites:.*\b$XEN_SUITE\b" "$tmp_list" || {
            echo "fetch-xen.sh: no $codename suite in $SYSTEM_SOURCES to turn into $XEN_SUITE" >&2
            fail; }
    else
        sed -e 's/^Types:.*/Types: deb-src/' "$SYSTEM_SOURCES" > "$tmp_list" || fail
    fi

    # Private lists and caches: updating against a single source list would
    # otherwise prune the system's binary indexes.
    apt_opts="-o Dir::Etc::sourcelist=$tmp_list -o Dir::Etc::sourceparts=-
     -o Dir::State::Lists=$cache/lists -o Dir::Cache=$cache/apt-cache
     -o APT::Sandbox::User=root"

    step="apt-get update (deb-src)"
    # shellcheck disable=SC2086
    apt-get -q $apt_opts update >&2 || fail

    # apt-get source takes no version pattern: pick the exact Debian version
    # (e.g. 4.17.5+72-g01140da4e8-1) whose upstream part is 4.17.5.
    step="find source version xen $XEN_VERSION"
    # shellcheck disable=SC2086
    deb_version=$(apt-cache $apt_opts showsrc xen | sed -n 's/^Version: //p' |
        grep -E "^(1:)?$(echo "$XEN_VERSION" | sed 's/\./\\./g')([+~-]|\$)" |
        sort -V | tail -n 1) || fail
    [ -n "$deb_version" ] || {
        echo "fetch-xen.sh: no xen source version $XEN_VERSION* in ${XEN_SUITE:-this release}" >&2
        fail; }

    # Into a scratch directory first: the cache only ever holds complete
    # downloads.
    step="apt-get source xen=$deb_version"
    stage=$(mktemp -d "$cache/.download.XXXXXX") || fail
    # shellcheck disable=SC2086
    (cd "$stage" && apt-get -q $apt_opts source --download-only \
        "xen=$deb_version") >&2 || fail
    rm -f "$tmp_list"
    tmp_list=""
    for f in "$stage"/xen_*; do
        if [ -f "$f" ]; then mv "$f" "$cache/src/" || fail; fi
    done
    rm -rf "$stage"
    stage=""
}

if ! ls "$cache/src/xen_$XEN_VERSION"*.dsc >/dev/null 2>&1; then
    download_source
fi

step="find downloaded source"
dsc=$(find "$cache/src" -maxdepth 1 -name "xen_$XEN_VERSION*.dsc" | sort | tail -n 1)
[ -n "$dsc" ] || { echo "fetch-xen.sh: no xen_$XEN_VERSION*.dsc downloaded" >&2; fail; }

step="dpkg-source -x"
stage=$(mktemp -d "$dest/.extract.XXXXXX") || fail
dpkg-source -x "$dsc" "$stage/xen" >&2 || fail

step="check version"
[ -f "$stage/xen/xen/drivers/vpci/vpci.c" ] || {
    echo "fetch-xen.sh: extracted tree has no xen/drivers/vpci/vpci.c" >&2; fail; }
got=$(make -s -C "$stage/xen/xen" xenversion 2>/dev/null || true)
if [ "$got" != "$XEN_VERSION" ]; then
    # Fall back to the Makefile's numbers if make cannot run the target.
    mk="$stage/xen/xen/Makefile"
    major=$(sed -n 's/^export XEN_VERSION *= *//p' "$mk")
    minor=$(sed -n 's/^export XEN_SUBVERSION *= *//p' "$mk")
    extra=$(sed -n 's/^export XEN_EXTRAVERSION ?= *\([^$]*\).*/\1/p' "$mk")
    got="$major.$minor$extra"
fi
[ "$got" = "$XEN_VERSION" ] || {
    echo "fetch-xen.sh: extracted Xen version is '$got', expected $XEN_VERSION" >&2; fail; }

step="install tree"
mv "$stage/xen" "$tree" || fail
rm -rf "$stage"
stage=""

step="done"
echo "$tree"
