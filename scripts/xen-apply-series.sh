#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# xen-apply-series.sh XEN_SRC OUT EMUL STRIP FILE... -- PATCH...
#
# Xen 4.17.5's FILEs (paths in Xen's tree, e.g. xen/drivers/vpci/vpci.c),
# taken from the extracted tree XEN_SRC, with the lfvpci series' hunks for
# them applied (and the engine patch 0003 imports, under
# xen/drivers/vpci/lfvpci/), under OUT/ at the same paths; then prepared
# for user space under OUT/gen/, as Xen's tools/tests/vpci does: in each .c
# file the lines matching the sed regex STRIP (e.g. '^#include') removed
# and EMUL, a user-space Xen, included first; in each .h file every
# #include line removed.  Used by bench/xen (the xen417_lfvpci baseline)
# and tests/xen/{msix,guest}.  Xen's files are read at build time, never copied
# into the repository.
set -eu

src=$1 out=$2 emul=$3 strip=$4
shift 4
files=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    files="$files $1"
    shift
done
[ $# -gt 0 ] || { echo "xen-apply-series.sh: no '--' before the patches" >&2; exit 2; }
shift

# git apply runs in a temporary directory: patch paths made absolute first.
# The series' cover letter (0000-*) holds no diff and is skipped.
for p in "$@"; do
    case $p in
    */0000-*|0000-*) ;;
    /*) set -- "$@" "$p" ;;
    *)  set -- "$@" "$PWD/$p" ;;
    esac
    shift
done
tmp=$out.tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp/gen"
set -- "$@" --include='xen/drivers/vpci/lfvpci/*'
for f in $files; do
    mkdir -p "$tmp/$(dirname "$f")"
    # A file the series creates (xen/drivers/vpci/guest.c) is not in Xen.
    [ ! -f "$src/$f" ] || cp "$src/$f" "$tmp/$f"
    set -- "$@" --include="$f"
done
# Outside any git repository, so that git apply works on plain files.
(cd "$tmp" && GIT_CEILING_DIRECTORIES=$(dirname "$PWD") git apply "$@")
for f in $files; do
    case $f in
    *.c) sed -e "\\|$strip|d" -e "1s|^|#include \"$emul\"\\n|" \
             "$tmp/$f" > "$tmp/gen/$(basename "$f")" ;;
    *)   sed -e '/#include/d' "$tmp/$f" > "$tmp/gen/$(basename "$f")" ;;
    esac
done
rm -rf "$out"
mv "$tmp" "$out"
