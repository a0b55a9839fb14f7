# Checksummed report lines for the boot check (check-console.py), shared
# by dom0's /init (init.sh) and the domU's (guest-init.sh).  Each input
# line becomes "PRE@@ TAG LINE CSUM": CSUM is the line's Adler-32
# ("TAG LINE"), so a line garbled on a serial console is detected.
# Variables: tag (required), pre (a prefix, e.g. a kernel log level).
BEGIN { for (i = 32; i < 127; i++) ord[sprintf("%c", i)] = i }
{
    s = tag " " $0
    a = 1; b = 0; n = length(s)
    for (i = 1; i <= n; i++) {
        a = (a + ord[substr(s, i, 1)]) % 65521
        b = (b + a) % 65521
    }
    printf "%s@@ %s %04x%04x\n", pre, s, b, a
}
