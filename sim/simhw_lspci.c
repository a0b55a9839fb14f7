/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated devices from `lspci -vv -xxx[x]` text: the hex dump is the
 * configuration space; the Region / Expansion ROM lines give what the dump
 * cannot, the BAR sizes, and must agree with the dump on each BAR's kind.
 * Line formats are those of pciutils' lspci (show_bases, show_rom,
 * show_size, show_hex_dump).  Every refusal names the line and the reason
 * (struct lfv_sim_error); lines are read whole, whatever their length.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhw_impl.h"

/* A growing copy of the current line, NUL-terminated. */
struct linebuf {
    char *s;
    size_t cap;
};

struct lspci_parse {
    struct sim_image *img;
    const char *name;           /* for messages */
    struct lfv_sim_error *err;
    lfv_sbdf_t sbdf;
    bool have_header, in_caps, verbose;
    unsigned int line;          /* number of the current line */
    unsigned int header_line;
    char *sizing[SIM_NR_BARS + 1]; /* Region / ROM lines (copies) */
    unsigned int sizing_line[SIM_NR_BARS + 1];
    unsigned int dump_len;      /* bytes of hex dump so far */
};

static int refuse(struct lspci_parse *p, unsigned int line, const char *fmt,
                  ...) __attribute__((format(printf, 3, 4)));

static int refuse(struct lspci_parse *p, unsigned int line, const char *fmt,
                  ...)
{
    char reason[LFV_SIM_ERR_REASON_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    return sim_error(p->err, -EINVAL, p->name, line, "%s", reason);
}

/*
 * The line at *pos (without its newline, trailing CR and spaces) into lb;
 * *pos moves past it.  1, 0 at the end of the text, -EINVAL (a NUL byte:
 * not text), -ENOMEM.
 */
static int next_line(const char *text, size_t len, size_t *pos,
                     struct linebuf *lb)
{
    const char *start = text + *pos, *nl;
    size_t n;

    if (*pos >= len)
        return 0;
    nl = memchr(start, '\n', len - *pos);
    n = nl ? (size_t)(nl - start) : len - *pos;
    if (memchr(start, '\0', n))
        return -EINVAL;
    if (n + 1 > lb->cap) {
        char *s = lfv_malloc(n + 1);

        if (!s)
            return -ENOMEM;
        lfv_free(lb->s);
        lb->s = s;
        lb->cap = n + 1;
    }
    memcpy(lb->s, start, n);
    *pos += n + (nl ? 1 : 0);
    while (n && (lb->s[n - 1] == '\r' || lb->s[n - 1] == ' '))
        n--;
    lb->s[n] = '\0';
    return 1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool is_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

/* A header line "[dddd:]bb:dd.f ...": the SBDF, or false. */
static bool parse_header(const char *s, lfv_sbdf_t *sbdf)
{
    unsigned int n = sim_parse_sbdf(s, sbdf);

    return n && (s[n] == ' ' || s[n] == '\0');
}

/* "xx: b0 b1 ... b15" (offset of 2 or 3 hex digits): 1, 0 if not a dump
 * line at all, -EINVAL (reported) if one that is broken or out of
 * sequence. */
static int parse_dump_line(struct lspci_parse *p, const char *s)
{
    unsigned int off = 0, digits = 0;

    while (hex_digit(s[digits]) >= 0 && digits < 4)
        off = off * 16 + (unsigned int)hex_digit(s[digits++]);
    if (digits < 2 || digits > 3 || s[digits] != ':')
        return 0;
    if (off >= LFV_CFG_SPACE_SIZE)
        return refuse(p, p->line, "hex dump past 4096 bytes (offset %x)",
                      off);
    if (off != p->dump_len)
        return refuse(p, p->line, "hex dump offset %x out of sequence "
                      "(expected %x)", off, p->dump_len);
    s += digits + 1;
    for (unsigned int i = 0; i < 16; i++, s += 3) {
        int hi = s[0] == ' ' ? hex_digit(s[1]) : -1;
        int lo = hi < 0 ? -1 : hex_digit(s[2]);

        if (lo < 0)
            return refuse(p, p->line, "malformed hex dump line: byte %u of "
                          "16 is not \" xx\"", i);
        p->img->cfg[off + i] = (uint8_t)(hi << 4 | lo);
    }
    if (*s)
        return refuse(p, p->line, "malformed hex dump line: more than 16 "
                      "bytes");
    p->dump_len += 16;
    return 1;
}

/*
 * "[size=N]" with lspci's suffixes into *size; SIM_SIZE_UNKNOWN when the
 * line has none.  NULL, or why it is malformed.
 */
static const char *parse_size(const char *s, uint64_t *size)
{
    static const char units[] = "KMGT";
    const char *tag = strstr(s, "[size="), *u;
    unsigned int shift = 0;
    char *end;

    *size = SIM_SIZE_UNKNOWN;
    if (!tag)
        return NULL;
    tag += 6;
    if (!isdigit((unsigned char)*tag))
        return "[size=] without a number";
    errno = 0;
    *size = strtoull(tag, &end, 10);
    if (errno)
        return "[size=] out of range";
    if (*end && (u = strchr(units, *end))) {
        shift = 10 * (unsigned int)(u - units + 1);
        end++;
    }
    if (*end != ']')
        return "[size=] with an unknown unit (lspci uses K, M, G, T)";
    if (!*size)
        return "[size=0]";
    /* 2^63: the most a 64-bit BAR can decode. */
    if (*size > (1ull << 63) >> shift)
        return "[size=] above 2^63 bytes, more than any BAR holds";
    *size <<= shift;
    return NULL;
}

/* What a Region line claims about a BAR against the dump: NULL or why. */
static const char *region_kind_problem(const uint8_t *cfg, unsigned int bar,
                                       const char *s)
{
    uint32_t reg = sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * bar, 4);
    uint32_t type;

    if (strstr(s, "I/O ports at"))
        return reg & PCI_BASE_ADDRESS_SPACE_IO ? NULL : "says I/O but the dump's BAR is "
                                         "memory";
    if (!strstr(s, "Memory at"))
        return "neither \"I/O ports at\" nor \"Memory at\"";
    if (reg & PCI_BASE_ADDRESS_SPACE_IO)
        return "says memory but the dump's BAR is I/O";
    if (strstr(s, "(32-bit,"))
        type = 0;
    else if (strstr(s, "(low-1M,"))
        type = 2;
    else if (strstr(s, "(64-bit,"))
        type = PCI_BASE_ADDRESS_MEM_TYPE_64;
    else
        return "no (32-bit, / (64-bit, / (low-1M, memory type";
    if (strstr(s, "non-prefetchable)"))
        ;
    else if (strstr(s, "prefetchable)"))
        type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
    else
        return "no prefetchable) or non-prefetchable)";
    if ((reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) != (type & PCI_BASE_ADDRESS_MEM_TYPE_MASK))
        return "its memory type (32/64-bit) contradicts the dump's BAR";
    return (reg & PCI_BASE_ADDRESS_MEM_PREFETCH) == (type & PCI_BASE_ADDRESS_MEM_PREFETCH)
               ? NULL : "its prefetchable flag contradicts the dump's BAR";
}

/* Keep a sizing line for after the dump (index SIM_ROM: the ROM). */
static int keep_sizing_line(struct lspci_parse *p, unsigned int idx,
                            const char *s)
{
    size_t n = strlen(s) + 1;

    if (p->sizing[idx]) {
        if (idx == SIM_ROM)
            return refuse(p, p->line, "a second Expansion ROM line (the "
                          "first at line %u)", p->sizing_line[idx]);
        return refuse(p, p->line, "a second Region %u line (the first at "
                      "line %u)", idx, p->sizing_line[idx]);
    }
    p->sizing[idx] = lfv_malloc(n);
    if (!p->sizing[idx])
        return sim_error(p->err, -ENOMEM, p->name, p->line,
                         "out of memory");
    memcpy(p->sizing[idx], s, n);
    p->sizing_line[idx] = p->line;
    return 0;
}

static int parse_region(struct lspci_parse *p, const char *s)
{
    char *end;
    unsigned long bar;

    if (!isdigit((unsigned char)s[7]))
        return refuse(p, p->line, "Region line without a BAR number");
    bar = strtoul(s + 7, &end, 10);
    if (*end != ':')
        return refuse(p, p->line, "Region line without ':' after its "
                      "number");
    if (bar >= SIM_NR_BARS)
        return refuse(p, p->line, "Region %lu: a device has BARs 0 to 5",
                      bar);
    return keep_sizing_line(p, (unsigned int)bar, s);
}

/* An indented line: only BAR sizing lines before the capabilities. */
static int parse_text_line(struct lspci_parse *p, const char *s)
{
    p->verbose = true;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!strncmp(s, "Capabilities:", 13))
        p->in_caps = true; /* SR-IOV's VF Region lines are not ours */
    if (p->in_caps)
        return 0;
    if (!strncmp(s, "Region ", 7))
        return parse_region(p, s);
    if (!strncmp(s, "Expansion ROM at ", 17))
        return keep_sizing_line(p, SIM_ROM, s);
    return 0;
}

/* The kept sizing lines against the dump, into the image's sizes. */
static int apply_sizing_lines(struct lspci_parse *p)
{
    const uint8_t *cfg = p->img->cfg;
    unsigned int nr = sim_nr_bars(cfg);

    for (unsigned int i = 0; i <= SIM_ROM; i++) {
        const char *s = p->sizing[i], *why;
        unsigned int line = p->sizing_line[i];

        if (!s)
            continue;
        if (i < SIM_ROM && i >= nr)
            return refuse(p, line, "Region %u: header type %u has %u BARs",
                          i, sim_header_type(cfg), nr);
        if (i < SIM_ROM && i > 0 && p->sizing[i - 1] &&
            (sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * (i - 1), 4) &
             (PCI_BASE_ADDRESS_SPACE_IO | PCI_BASE_ADDRESS_MEM_TYPE_MASK)) == PCI_BASE_ADDRESS_MEM_TYPE_64) {
            /* lspci -F (pciutils 3.9) prints a nonzero high half as a
             * BAR of its own, unassigned and unsized: not a BAR. */
            if (strstr(s, "Memory at <unassigned> (32-bit,") &&
                !strstr(s, "[size="))
                continue;
            return refuse(p, line, "Region %u: BAR %u is the high half of "
                          "the 64-bit BAR %u", i, i, i - 1);
        }
        if (i < SIM_ROM && (why = region_kind_problem(cfg, i, s)))
            return refuse(p, line, "Region %u: %s", i, why);
        if (i == SIM_ROM && !sim_rom_reg(cfg))
            return refuse(p, line, "Expansion ROM: header type %u has none",
                          sim_header_type(cfg));
        if ((why = parse_size(s, &p->img->bar_size[i])))
            return refuse(p, line, "%s%u: %s", i == SIM_ROM ?
                          "Expansion ROM" : "Region ", i == SIM_ROM ? 0 : i,
                          why);
    }
    return 0;
}

/*
 * A BAR register lspci would have printed a Region line for (any bit set:
 * pciutils' show_bases skips only all-zero ones) must have one.
 */
static int check_unsized_bars(struct lspci_parse *p)
{
    const uint8_t *cfg = p->img->cfg;
    unsigned int nr = sim_nr_bars(cfg);

    for (unsigned int i = 0; i < nr; i++) {
        uint32_t reg = sim_get(cfg, PCI_BASE_ADDRESS_0 + 4 * i, 4);
        bool is64 = !(reg & PCI_BASE_ADDRESS_SPACE_IO) &&
                    (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;

        if (reg && !p->sizing[i])
            return refuse(p, p->header_line, "BAR %u register is %08x but "
                          "there is no Region %u line", i, reg, i);
        if (is64)
            i++; /* its high half */
    }
    return 0;
}

/* Feed one line; 1 when the block ended before it (do not consume it),
 * 2 when it ended with it. */
static int parse_line(struct lspci_parse *p, const char *line)
{
    int rc;

    if (!p->have_header) {
        if (line[0] == '#' || is_blank(line))
            return 0;
        if (!parse_header(line, &p->sbdf))
            return refuse(p, p->line, "expected a device's header line "
                          "(\"01:00.0 ...\" as lspci prints it)");
        p->have_header = true;
        p->header_line = p->line;
        return 0;
    }
    if (is_blank(line))
        return p->dump_len ? 2 : 0;
    if (line[0] == ' ' || line[0] == '\t') {
        if (p->dump_len)
            return refuse(p, p->line, "indented text inside the hex dump");
        return parse_text_line(p, line);
    }
    /* "00:1e.0 ..." is a header, "00: 86 80 ..." a dump line. */
    if (p->dump_len && parse_header(line, &(lfv_sbdf_t){ 0 }))
        return 1; /* the next device's header ends ours */
    if (p->dump_len && line[0] == '#')
        return 1; /* so does a comment line (files concatenated) */
    rc = parse_dump_line(p, line);
    if (rc)
        return rc < 0 ? rc : 0;
    if (p->dump_len)
        return refuse(p, p->line, "neither a hex dump line nor the next "
                      "device's header");
    return refuse(p, p->line, "neither an indented lspci -v line nor a hex "
                  "dump line");
}

/*
 * Parse the block at t's position into p->img; *end and *end_line: where
 * the rest starts.  0, -ENODATA (only comments and blank lines left),
 * -EINVAL or -ENOMEM (reported).
 */
static int parse_block(struct lspci_parse *p,
                       const struct lfv_sim_lspci_text *t, size_t *end,
                       unsigned int *end_line)
{
    struct linebuf lb = { 0 };
    size_t pos = t->pos, before = pos;
    int rc = 0;

    p->line = t->line;
    while (!rc) {
        before = pos;
        rc = next_line(t->text, t->len, &pos, &lb);
        if (rc <= 0)
            break;
        p->line++;
        rc = parse_line(p, lb.s);
    }
    lfv_free(lb.s);
    if (rc == -EINVAL && !(p->err && p->err->err))
        return refuse(p, p->line + 1, "a NUL byte: not a text file");
    if (rc == -ENOMEM && !(p->err && p->err->err))
        return sim_error(p->err, rc, p->name, p->line, "out of memory");
    if (rc < 0)
        return rc;
    if (rc == 1) { /* give the next header back */
        pos = before;
        p->line--;
    }
    *end = pos;
    *end_line = p->line;
    if (!p->have_header)
        return -ENODATA;
    if (!p->dump_len)
        return refuse(p, p->header_line, "no hex dump: run lspci -vv -xxxx "
                      "(or -xxx)");
    /* -x, -xxx and -xxxx dump 64, 256 and 4096 bytes: anything else is
     * a truncated dump. */
    if (p->dump_len != 64 && p->dump_len != SIM_CFG_CONV &&
        p->dump_len != LFV_CFG_SPACE_SIZE)
        return refuse(p, p->line, "hex dump of %u bytes is truncated (lspci "
                      "-x, -xxx and -xxxx print 64, 256 and 4096)",
                      p->dump_len);
    if (!p->verbose)
        return refuse(p, p->header_line, "no Region lines: run lspci -vv "
                      "(a plain lspci -x dump does not give BAR sizes)");
    p->img->cfg_len = p->dump_len;
    sim_image_drop_unread_caps(p->img); /* lspci -x: 64 bytes */
    if (sim_image_absent(p->img))
        return refuse(p, p->header_line, "%s", sim_image_absent(p->img));
    return apply_sizing_lines(p) ?: check_unsized_bars(p);
}

/* Parse the next block and check its image; see parse_block().  *hdr
 * (if not NULL): its header line. */
static int parse_next(const struct lfv_sim_lspci_text *t,
                      struct sim_image *img, lfv_sbdf_t *named, size_t *end,
                      unsigned int *end_line, unsigned int *hdr,
                      struct lfv_sim_error *err)
{
    struct lspci_parse p = { .img = img, .err = err, .name = t->name };
    int rc, which;

    rc = parse_block(&p, t, end, end_line);
    if (!rc) {
        struct lfv_sim_error why = { 0 };

        const char *msix = NULL;

        rc = sim_image_check(img, &why, &which);
        if (rc)
            sim_error(err, rc, t->name,
                      which >= 0 && p.sizing[which] ? p.sizing_line[which]
                                                    : p.header_line,
                      "%s", why.reason);
        /* MSI-X outside its BARs: refused (msix_place.h) */
        if (!rc && (rc = sim_image_msix_check(img, &msix)))
            sim_error(err, rc, t->name, p.header_line, "MSI-X: %s: a table "
                      "or PBA must lie inside an implemented memory BAR",
                      msix ? msix : "misplaced");
    }
    *named = p.sbdf;
    if (hdr)
        *hdr = p.header_line;
    for (unsigned int i = 0; i <= SIM_ROM; i++)
        lfv_free(p.sizing[i]);
    return rc;
}

void lfv_sim_lspci_text_init(struct lfv_sim_lspci_text *t, const char *name,
                             const char *text, size_t len)
{
    *t = (struct lfv_sim_lspci_text){ .name = name ? name : "",
                                      .text = text ? text : "",
                                      .len = text ? len : 0 };
}

int lfv_sim_lspci_peek(const struct lfv_sim_lspci_text *t, lfv_sbdf_t *named,
                       unsigned int *line)
{
    struct linebuf lb = { 0 };
    unsigned int n;
    size_t pos;
    int rc;

    if (!t)
        return -EINVAL;
    pos = t->pos;
    n = t->line;
    while ((rc = next_line(t->text, t->len, &pos, &lb)) > 0) {
        if (line)
            *line = ++n;
        if (lb.s[0] == '#' || is_blank(lb.s))
            continue;
        rc = parse_header(lb.s, named ? named : &(lfv_sbdf_t){ 0 }) ? 1
                                                                   : -EINVAL;
        break;
    }
    lfv_free(lb.s);
    return rc == 0 ? -ENODATA : rc < 0 ? rc : 0;
}

int lfv_sim_lspci_next(struct lfv_sim_bridge *b, struct lfv_sim_lspci_text *t,
                       lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                       struct lfv_sim_error *err)
{
    struct sim_image *img;
    lfv_sbdf_t named = 0;
    unsigned int end_line = 0, hdr = 0;
    size_t end = 0;
    int rc;

    sim_error_clear(err);
    if (!b || !t)
        return sim_error(err, -EINVAL, NULL, 0, "no bridge or no text");
    img = lfv_zalloc(sizeof(*img));
    if (!img)
        return sim_error(err, -ENOMEM, t->name, 0, "out of memory");
    rc = parse_next(t, img, &named, &end, &end_line, &hdr, err);
    if (!rc) {
        if (sbdf == LFV_SIM_SBDF_AUTO)
            sbdf = named;
        rc = sim_add_image(b, img, sbdf);
        if (rc == -EEXIST)
            sim_error(err, rc, t->name, hdr, "%04x:%02x:%02x.%u is taken "
                      "by another device", LFV_SBDF_SEG(sbdf),
                      LFV_SBDF_BUS(sbdf), LFV_SBDF_DEV(sbdf),
                      LFV_SBDF_FN(sbdf));
        else if (rc)
            sim_error(err, rc, t->name, hdr, "cannot add the device: %s",
                      strerror(-rc));
    }
    if (!rc) {
        t->pos = end;
        t->line = end_line;
        if (placed)
            *placed = sbdf;
    }
    lfv_free(img);
    return rc;
}

int lfv_sim_add_lspci_err(struct lfv_sim_bridge *b, const char *name,
                          const char *text, size_t len, lfv_sbdf_t sbdf,
                          lfv_sbdf_t *placed, struct lfv_sim_error *err)
{
    struct lfv_sim_lspci_text t, rest;
    struct sim_image *img;
    lfv_sbdf_t named = 0;
    int rc;

    sim_error_clear(err);
    if (!b || !text)
        return sim_error(err, -EINVAL, name, 0, "no bridge or no text");
    lfv_sim_lspci_text_init(&t, name, text, len);
    img = lfv_zalloc(sizeof(*img));
    if (!img)
        return sim_error(err, -ENOMEM, name, 0, "out of memory");
    /* The whole text first: nothing is added unless all of it is good. */
    rest = t;
    rc = parse_next(&t, img, &named, &rest.pos, &rest.line, NULL, err);
    if (rc == -ENODATA)
        rc = sim_error(err, -EINVAL, name, 0, "no device: no header line "
                       "(\"01:00.0 ...\")");
    if (!rc) {
        unsigned int line = 0;
        int more = lfv_sim_lspci_peek(&rest, NULL, &line);

        if (more != -ENODATA)
            rc = sim_error(err, -EINVAL, name, line, "%s",
                           more ? "text after the device's dump that is "
                                  "not another device"
                                : "more than one device in the text: "
                                  "load them one by one "
                                  "(lfv_sim_lspci_next)");
    }
    lfv_free(img);
    if (rc)
        return rc;
    return lfv_sim_lspci_next(b, &t, sbdf, placed, err);
}

int lfv_sim_add_lspci(struct lfv_sim_bridge *b, const char *text,
                      size_t len, lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    return lfv_sim_add_lspci_err(b, NULL, text, len, sbdf, placed, NULL);
}

#ifndef LFV_PLATFORM_HEADER
int lfv_sim_lspci_text_open(struct lfv_sim_lspci_text *t, const char *path,
                            struct lfv_sim_error *err)
{
    char *text;
    size_t len;
    int rc;

    sim_error_clear(err);
    if (!t || !path)
        return sim_error(err, -EINVAL, path, 0, "no cursor or no path");
    rc = sim_read_file(path, "an lspci text file", LFV_SIM_LSPCI_MAX_FILE,
                       &text, &len, err);
    if (rc)
        return rc;
    lfv_sim_lspci_text_init(t, path, text, len);
    t->owned = text;
    return 0;
}

void lfv_sim_lspci_text_close(struct lfv_sim_lspci_text *t)
{
    if (!t)
        return;
    lfv_free(t->owned);
    t->owned = NULL;
    t->text = "";
    t->len = 0;
}

int lfv_sim_add_lspci_file_err(struct lfv_sim_bridge *b, const char *path,
                               lfv_sbdf_t sbdf, lfv_sbdf_t *placed,
                               struct lfv_sim_error *err)
{
    struct lfv_sim_lspci_text t = { 0 }; /* set by _open() on success */
    int rc;

    if (!b)
        return sim_error(err, -EINVAL, path, 0, "no bridge");
    rc = lfv_sim_lspci_text_open(&t, path, err);
    if (rc)
        return rc;
    rc = lfv_sim_add_lspci_err(b, path, t.text, t.len, sbdf, placed, err);
    lfv_sim_lspci_text_close(&t);
    return rc;
}

int lfv_sim_add_lspci_file(struct lfv_sim_bridge *b, const char *path,
                           lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    return lfv_sim_add_lspci_file_err(b, path, sbdf, placed, NULL);
}
#endif
