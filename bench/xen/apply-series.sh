#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# apply-series.sh XEN_SRC OUT PATCH...: the files of Xen 4.17.5 that the
# xen417_lfvpci benchmark module compiles, with the lfvpci series applied,
# under OUT/ (same paths as in Xen's tree), and OUT/gen/{vpci.c,vpci.h,
# list.h} prepared for user space as xen_emul.h's build does.  Only the
# patched vpci files and the imported engine are taken from the series.
set -eu

src=$1 out=$2
shift 2

rm -rf "$out.tmp"
mkdir -p "$out.tmp/xen/drivers/vpci" "$out.tmp/xen/include/xen" "$out.tmp/gen"
cp "$src/xen/drivers/vpci/vpci.c" "$out.tmp/xen/drivers/vpci/"
cp "$src/xen/include/xen/vpci.h" "$src/xen/include/xen/list.h" \
   "$out.tmp/xen/include/xen/"
# Outside any git repository, so that git apply works on plain files.
(cd "$out.tmp" && GIT_CEILING_DIRECTORIES=$(dirname "$PWD") \
    git apply --include='xen/drivers/vpci/vpci.c' \
              --include='xen/include/xen/vpci.h' \
              --include='xen/drivers/vpci/lfvpci/*' "$@")
sed -e '/#include <xen\//d' -e '1s/^/#include "xen_lfvpci_emul.h"\n/' \
    "$out.tmp/xen/drivers/vpci/vpci.c" > "$out.tmp/gen/vpci.c"
sed -e '/#include/d' "$out.tmp/xen/include/xen/vpci.h" > "$out.tmp/gen/vpci.h"
sed -e '/#include/d' "$out.tmp/xen/include/xen/list.h" > "$out.tmp/gen/list.h"
rm -rf "$out"
mv "$out.tmp" "$out"
