/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated devices from `lspci -vv -xxx[x]` text: the hex dump is the
 * configuration space; the Region / Expansion ROM lines give what the dump
 * cannot, the BAR sizes, and must agree with the dump on each BAR's kind.
 * Line formats are those of pciutils' lspci (show_bases, show_rom,
 * show_size, show_hex_dump).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simhw_impl.h"

#define LINE_MAX_LEN 512

struct lspci_parse {
    struct sim_image *img;
    lfv_sbdf_t sbdf;
    bool have_header, in_caps;
    char sizing[SIM_NR_BARS + 1][LINE_MAX_LEN]; /* Region / ROM lines */
    unsigned int dump_len; /* bytes of hex dump so far */
};

/* One line at *pos of text into buf (truncated); false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos, char *buf)
{
    size_t n = 0;

    if (*pos >= len)
        return false;
    while (*pos < len && text[*pos] != '\n') {
        if (n < LINE_MAX_LEN - 1)
            buf[n++] = text[*pos];
        (*pos)++;
    }
    (*pos)++;
    while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    return true;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "xx: b0 b1 ... b15" (offset of 2 or 3 hex digits): 1, 0 if not a dump
 * line at all, -EINVAL if one that is broken or out of sequence. */
static int parse_dump_line(struct lspci_parse *p, const char *s)
{
    unsigned int off = 0, digits = 0;

    while (hex_digit(s[digits]) >= 0 && digits < 4)
        off = off * 16 + (unsigned int)hex_digit(s[digits++]);
    if (digits < 2 || s[digits] != ':')
        return 0;
    if (off != p->dump_len || off >= LFV_CFG_SPACE_SIZE)
        return -EINVAL;
    s += digits + 1;
    for (unsigned int i = 0; i < 16; i++, s += 3) {
        int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);

        if (s[0] != ' ' || lo < 0)
            return -EINVAL;
        p->img->cfg[off + i] = (uint8_t)(hi << 4 | lo);
    }
    if (*s)
        return -EINVAL;
    p->dump_len += 16;
    return 1;
}

/* "[size=N]" with lspci's suffixes; SIM_SIZE_UNKNOWN when absent. */
static int parse_size(const char *s, uint64_t *size)
{
    static const char units[] = "KMGT";
    const char *tag = strstr(s, "[size=");
    char *end;

    *size = SIM_SIZE_UNKNOWN;
    if (!tag)
        return 0;
    tag += 6;
    if (!isdigit((unsigned char)*tag))
        return -EINVAL;
    *size = strtoull(tag, &end, 10);
    if (*end && strchr(units, *end))
        *size <<= 10 * (strchr(units, *end) - units + 1), end++;
    return *end == ']' && *size && *size < (1ull << 50) ? 0 : -EINVAL;
}

/* What a Region line claims about a BAR, checked against the dump. */
static int check_region_kind(const uint8_t *cfg, unsigned int bar,
                             const char *s)
{
    uint32_t reg = sim_get(cfg, PCI_BAR0 + 4 * bar, 4);
    uint32_t type;

    if (strstr(s, "I/O ports at"))
        return reg & PCI_BAR_IO ? 0 : -EINVAL;
    if (!strstr(s, "Memory at") || (reg & PCI_BAR_IO))
        return -EINVAL;
    if (strstr(s, "(32-bit,"))
        type = 0;
    else if (strstr(s, "(low-1M,"))
        type = 2;
    else if (strstr(s, "(64-bit,"))
        type = PCI_BAR_MEM_TYPE_64;
    else
        return -EINVAL;
    if (strstr(s, "non-prefetchable)"))
        ;
    else if (strstr(s, "prefetchable)"))
        type |= PCI_BAR_MEM_PREFETCH;
    else
        return -EINVAL;
    return (reg & (PCI_BAR_MEM_TYPE_MASK | PCI_BAR_MEM_PREFETCH)) == type
               ? 0 : -EINVAL;
}

/* Keep a sizing line for after the dump (index SIM_ROM: the ROM). */
static int keep_sizing_line(struct lspci_parse *p, unsigned int idx,
                            const char *s)
{
    if (p->sizing[idx][0])
        return -EINVAL; /* the same BAR twice */
    snprintf(p->sizing[idx], sizeof(p->sizing[idx]), "%s", s);
    return 0;
}

static int parse_region(struct lspci_parse *p, const char *s)
{
    char *end;
    unsigned long bar = strtoul(s + 7, &end, 10);

    if (!isdigit((unsigned char)s[7]) || *end != ':' || bar >= SIM_NR_BARS)
        return -EINVAL;
    return keep_sizing_line(p, (unsigned int)bar, s);
}

/* An indented line: only BAR sizing lines before the capabilities. */
static int parse_text_line(struct lspci_parse *p, const char *s)
{
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

    for (unsigned int i = 0; i <= SIM_ROM; i++) {
        const char *s = p->sizing[i];

        if (!s[0])
            continue;
        if (i < SIM_ROM && (i >= sim_nr_bars(cfg) ||
                            check_region_kind(cfg, i, s)))
            return -EINVAL;
        if (i == SIM_ROM && !sim_rom_reg(cfg))
            return -EINVAL;
        if (parse_size(s, &p->img->bar_size[i]))
            return -EINVAL;
    }
    return 0;
}

static bool is_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

/* Feed one line; 1 when the block has ended. */
static int parse_line(struct lspci_parse *p, const char *line)
{
    int rc;

    if (!p->have_header) {
        if (line[0] == '#' || is_blank(line))
            return 0;
        if (!sim_parse_sbdf(line, &p->sbdf))
            return -EINVAL;
        p->have_header = true;
        return 0;
    }
    if (is_blank(line))
        return p->dump_len ? 1 : 0;
    if (line[0] == ' ' || line[0] == '\t')
        return p->dump_len ? -EINVAL : parse_text_line(p, line);
    rc = parse_dump_line(p, line);
    if (rc == 0) /* another device's header ends ours; else garbage */
        return p->dump_len ? 1 : -EINVAL;
    return rc < 0 ? rc : 0;
}

static int parse_block(struct lspci_parse *p, const char *text, size_t len)
{
    char line[LINE_MAX_LEN];
    size_t pos = 0;
    int rc = 0;

    while (!rc && next_line(text, len, &pos, line))
        rc = parse_line(p, line);
    if (rc < 0)
        return rc;
    if (!p->have_header)
        return -EINVAL;
    /* -x, -xxx and -xxxx dump 64, 256 and 4096 bytes: anything else is
     * a truncated dump. */
    if (p->dump_len != 64 && p->dump_len != SIM_CFG_CONV &&
        p->dump_len != LFV_CFG_SPACE_SIZE)
        return -EINVAL;
    p->img->cfg_len = p->dump_len;
    return apply_sizing_lines(p);
}

int lfv_sim_add_lspci(struct lfv_sim_bridge *b, const char *text,
                      size_t len, lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    struct lspci_parse p = { 0 };
    int rc;

    if (!b || !text)
        return -EINVAL;
    p.img = lfv_zalloc(sizeof(*p.img));
    if (!p.img)
        return -ENOMEM;
    rc = parse_block(&p, text, len);
    if (!rc) /* MSI-X outside its BARs: refused (msix_place.h) */
        rc = sim_image_msix_check(p.img, NULL);
    if (!rc) {
        if (sbdf != LFV_SIM_SBDF_AUTO)
            p.sbdf = sbdf;
        rc = sim_add_image(b, p.img, p.sbdf);
    }
    if (!rc && placed)
        *placed = p.sbdf;
    lfv_free(p.img);
    return rc;
}

#ifndef LFV_PLATFORM_HEADER
/* Whole file into a fresh buffer: 0 or a negative errno. */
static int read_text_file(const char *path, char **text, size_t *len)
{
    enum { MAX_TEXT = 1 << 20 }; /* lspci blocks are ~20 KiB */
    FILE *f = fopen(path, "rb");
    int rc = 0;

    if (!f)
        return -errno;
    *text = lfv_malloc(MAX_TEXT);
    if (!*text) {
        fclose(f);
        return -ENOMEM;
    }
    *len = fread(*text, 1, MAX_TEXT, f);
    if (ferror(f) || *len == MAX_TEXT)
        rc = ferror(f) ? -EIO : -EFBIG;
    fclose(f);
    if (rc)
        lfv_free(*text);
    return rc;
}

int lfv_sim_add_lspci_file(struct lfv_sim_bridge *b, const char *path,
                           lfv_sbdf_t sbdf, lfv_sbdf_t *placed)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (!b || !path)
        return -EINVAL;
    rc = read_text_file(path, &text, &len);
    if (rc)
        return rc;
    rc = lfv_sim_add_lspci(b, text, len, sbdf, placed);
    lfv_free(text);
    return rc;
}
#endif
