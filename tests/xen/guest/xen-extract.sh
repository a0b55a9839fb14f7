#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# xen-extract.sh OUT EMUL ROOT FILE:NAME[,NAME...]...
#
# Writes OUT: '#include "EMUL"', then each named definition of the Xen
# files (paths under ROOT, the patched tree xen-apply-series.sh leaves),
# copied verbatim, in the order given, each after a #line naming where it
# comes from.  For files that cannot be compiled whole in user space
# (xen/drivers/passthrough/pci.c needs half of Xen): the test compiles the
# functions the series adds or changes, its emulation provides the rest.
#
# A definition starts on a line at column 0 that names NAME as a word
# followed by '(' (a function) or by ' =' (an initialised object) and is
# not a prototype (a ';' before any '{'); it ends with the line that
# closes its outermost brace.  The first such definition is taken.  A
# name that is not found fails the build (the series or Xen moved it).
set -eu

out=$1 emul=$2 root=$3
shift 3
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
printf '#include "%s"\n' "$emul" > "$tmp"
for spec in "$@"; do
    file=${spec%%:*}
    for name in $(echo "${spec#*:}" | tr ',' ' '); do
        awk -v name="$name" -v file="$file" '
        function is_start(l) {
            if (l !~ /^[A-Za-z_]/)
                return 0
            return l ~ ("(^|[^A-Za-z0-9_])" name "[(]") ||
                   l ~ ("(^|[^A-Za-z0-9_])" name " =")
        }
        found == 2 { exit }
        found == 0 && is_start($0) {
            found = 1; start = NR; depth = 0; opened = 0; n = 0
        }
        found == 1 {
            buf[n++] = $0
            line = $0
            gsub(/"([^"\\]|\\.)*"/, "", line)
            gsub(/'"'"'([^'"'"'\\]|\\.)*'"'"'/, "", line)
            o = gsub(/{/, "{", line); c = gsub(/}/, "}", line)
            if (!opened && !o && line ~ /;[ \t]*$/) {
                found = 0      # a prototype: look further
                next
            }
            if (o)
                opened = 1
            depth += o - c
            if (opened && depth == 0) {
                printf "#line %d \"%s\"\n", start, file
                for (i = 0; i < n; i++)
                    print buf[i]
                found = 2
            }
        }
        END {
            if (found != 2) {
                printf "xen-extract.sh: %s: no definition of %s\n", \
                       file, name > "/dev/stderr"
                exit 1
            }
        }' "$root/$file" >> "$tmp"
    done
done
mv "$tmp" "$out"
