#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# prepare.sh XEN_SRC OUT PATCH...: Xen 4.17.5's vpci.c, msix.c and vpci.h
# with the lfvpci series (integration/xen/patches) applied, under OUT/ (same
# paths as in Xen's tree), and OUT/gen/{vpci.c,msix.c,vpci.h} prepared for
# user space as Xen's tools/tests/vpci does: every #include line removed and
# the emulation header (xen_msix_emul.h) included first.  Xen's files are
# read from XEN_SRC at build time, never copied into the repository.
set -eu

src=$1 out=$2
shift 2

rm -rf "$out.tmp"
mkdir -p "$out.tmp/xen/drivers/vpci" "$out.tmp/xen/include/xen" "$out.tmp/gen"
cp "$src/xen/drivers/vpci/vpci.c" "$src/xen/drivers/vpci/msix.c" \
   "$out.tmp/xen/drivers/vpci/"
cp "$src/xen/include/xen/vpci.h" "$out.tmp/xen/include/xen/"
# Outside any git repository, so that git apply works on plain files.
(cd "$out.tmp" && GIT_CEILING_DIRECTORIES=$(dirname "$PWD") \
    git apply --include='xen/drivers/vpci/vpci.c' \
              --include='xen/drivers/vpci/msix.c' \
              --include='xen/include/xen/vpci.h' "$@")
for f in vpci.c msix.c; do
    sed -e '/^#include/d' -e '1s/^/#include "xen_msix_emul.h"\n/' \
        "$out.tmp/xen/drivers/vpci/$f" > "$out.tmp/gen/$f"
done
sed -e '/^#include/d' "$out.tmp/xen/include/xen/vpci.h" > "$out.tmp/gen/vpci.h"
rm -rf "$out"
mv "$out.tmp" "$out"
