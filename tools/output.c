/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lfvpci command's output: probe results as text or JSON, and
 * configuration space dumps in lspci's -xxxx format (see output.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <lfvpci/rcu.h>

#include "tools/output.h"

static void put_sbdf(FILE *f, lfv_sbdf_t s)
{
    fprintf(f, "%04x:%02x:%02x.%u", LFV_SBDF_SEG(s), LFV_SBDF_BUS(s),
            LFV_SBDF_DEV(s), LFV_SBDF_FN(s));
}

/* 65536 -> "64K", 4100 -> "4100" (lspci's style, exact). */
static void put_size(FILE *f, uint64_t size)
{
    static const char units[] = "KMGTPE";
    unsigned int u = 0;

    while (u < 6 && size >= 1024 && !(size & 1023)) {
        size >>= 10;
        u++;
    }
    fprintf(f, "%" PRIu64, size);
    if (u)
        fputc(units[u - 1], f);
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629), 0 if none. */
static unsigned int utf8_len(const unsigned char *s)
{
    unsigned int n = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
                     : s[0] >= 0xe0 && s[0] <= 0xef ? 3
                     : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    unsigned char lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;

    if (n && (s[1] < lo || s[1] > hi))
        return 0;
    for (unsigned int i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* A JSON string: UTF-8, a byte that is not (a file name's) as U+FFFD. */
static void put_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        unsigned int n = c < 0x80 ? 1 : utf8_len((const unsigned char *)s);

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else if (!n)
            fputs("\\ufffd", f);
        else
            fwrite(s, 1, n, f);
        s += n ? n : 1;
    }
    fputc('"', f);
}

static void put_json_sbdf(FILE *f, lfv_sbdf_t s)
{
    fputc('"', f);
    put_sbdf(f, s);
    fputc('"', f);
}

static void put_text_caps(FILE *f, const char *title, const struct view_cap *c,
                          unsigned int n, bool ext, bool mark)
{
    if (!n)
        return;
    fprintf(f, "  %s:", title);
    for (unsigned int i = 0; i < n; i++)
        fprintf(f, "%s [%0*x] %s%s", i ? "," : "", ext ? 3 : 2, c[i].offset,
                ext ? ext_cap_name(c[i].id) : cap_name(c[i].id),
                mark && c[i].in_guest ? "*" : "");
    fputc('\n', f);
}

void out_text(FILE *f, const struct out_device *o)
{
    const struct view *v = &o->view;

    put_sbdf(f, o->sbdf);
    fprintf(f, " %04x:%04x class %06x rev %02x header type %u", v->vendor,
            v->device, v->class_code, v->revision, v->header_type);
    if (o->guest_view) {
        fprintf(f, " (guest view of ");
        put_sbdf(f, o->dev->sbdf);
        fprintf(f, ", ");
    } else {
        fprintf(f, " (");
    }
    if (o->dev->line)
        fprintf(f, "%s line %u)\n", o->dev->source, o->dev->line);
    else
        fprintf(f, "%s)\n", o->dev->source);
    for (unsigned int i = 0; i < 6; i++) {
        if (v->bar[i].kind == BAR_NONE)
            continue;
        fprintf(f, "  BAR%u: %s", i,
                v->bar[i].kind == BAR_IO ? "I/O" : v->bar[i].kind ==
                BAR_MEM64 ? "memory 64-bit" : "memory 32-bit");
        if (v->bar[i].kind != BAR_IO)
            fprintf(f, v->bar[i].prefetchable ? " prefetchable"
                                              : " non-prefetchable");
        fprintf(f, " size ");
        put_size(f, v->bar[i].size);
        fputc('\n', f);
    }
    if (v->rom_size) {
        fprintf(f, "  ROM: size ");
        put_size(f, v->rom_size);
        fputc('\n', f);
    }
    put_text_caps(f, "capabilities", v->cap, v->nr_caps, false,
                  !o->guest_view && o->dev->in_guest);
    put_text_caps(f, "extended capabilities", v->ext, v->nr_ext, true,
                  !o->guest_view && o->dev->in_guest);
    if (o->guest_view)
        return;
    if (o->dev->in_guest) {
        unsigned int seen = 0;

        for (unsigned int i = 0; i < v->nr_caps; i++)
            seen += v->cap[i].in_guest;
        for (unsigned int i = 0; i < v->nr_ext; i++)
            seen += v->ext[i].in_guest;
        fprintf(f, "  guest: as ");
        put_sbdf(f, o->dev->vsbdf);
        fprintf(f, seen ? ", sees the capabilities marked *\n"
                   : v->nr_caps + v->nr_ext ? ", sees none of them\n"
                   : ", sees no capabilities\n");
    } else {
        fprintf(f, "  guest: cannot have it: %s\n", o->dev->guest_err);
    }
}

static void put_json_caps(FILE *f, const char *key, const struct view_cap *c,
                          unsigned int n, bool ext, bool guest_key)
{
    fprintf(f, ",\n      \"%s\": [", key);
    for (unsigned int i = 0; i < n; i++) {
        fprintf(f, "%s\n        {\"offset\": %u, \"id\": %u, \"name\": ",
                i ? "," : "", c[i].offset, c[i].id);
        put_json_str(f, ext ? ext_cap_name(c[i].id) : cap_name(c[i].id));
        if (!ext) {
            fprintf(f, ", \"bytes\": \"");
            for (unsigned int b = 0; b < c[i].len; b++)
                fprintf(f, "%02x", c[i].bytes[b]);
            fputc('"', f);
        }
        if (guest_key)
            fprintf(f, ", \"guest\": %s", c[i].in_guest ? "true" : "false");
        fputc('}', f);
    }
    fprintf(f, "%s]", n ? "\n      " : "");
}

void out_json_begin(FILE *f, const char *command, bool guest_view)
{
    fprintf(f, "{\n  \"lfvpci\": \"%s\",\n  \"command\": \"%s\",\n"
            "  \"view\": \"%s\",\n  \"devices\": [",
            LFVPCI_VERSION, command, guest_view ? "guest" : "hardware-domain");
}

void out_json_end(FILE *f, unsigned int n)
{
    fprintf(f, "%s]\n}\n", n ? "\n  " : "");
}

void out_json(FILE *f, const struct out_device *o, bool first,
              const uint8_t *cfg, unsigned int cfg_len)
{
    const struct view *v = &o->view;
    bool gk = !o->guest_view && o->dev->in_guest;

    fprintf(f, "%s\n    {\n      \"source\": ", first ? "" : ",");
    put_json_str(f, o->dev->source);
    fprintf(f, ",\n      \"line\": %u,\n      \"sbdf\": ", o->dev->line);
    put_json_sbdf(f, o->sbdf);
    fprintf(f, ",\n      \"host_sbdf\": ");
    put_json_sbdf(f, o->dev->sbdf);
    fprintf(f, ",\n      \"vendor\": \"%04x\",\n      \"device\": \"%04x\","
            "\n      \"class\": \"%06x\",\n      \"revision\": \"%02x\",\n"
            "      \"header_type\": %u,\n      \"bars\": [",
            v->vendor, v->device, v->class_code, v->revision, v->header_type);
    for (unsigned int i = 0, n = 0; i < 6; i++) {
        if (v->bar[i].kind == BAR_NONE)
            continue;
        fprintf(f, "%s\n        {\"index\": %u, \"kind\": \"%s\", "
                "\"prefetchable\": %s, \"size\": %" PRIu64 "}",
                n++ ? "," : "", i, bar_kind_name(v->bar[i].kind),
                v->bar[i].prefetchable ? "true" : "false", v->bar[i].size);
    }
    {
        bool any = false;

        for (unsigned int i = 0; i < 6; i++)
            any |= v->bar[i].kind != BAR_NONE;
        fprintf(f, "%s],\n      \"rom_size\": %" PRIu64, any ? "\n      "
                                                          : "", v->rom_size);
    }
    put_json_caps(f, "capabilities", v->cap, v->nr_caps, false, gk);
    put_json_caps(f, "extended_capabilities", v->ext, v->nr_ext, true, gk);
    if (!o->guest_view && (o->dev->in_guest || o->dev->guest_err[0])) {
        fprintf(f, ",\n      \"guest\": ");
        if (o->dev->in_guest) {
            fprintf(f, "{\"sbdf\": ");
            put_json_sbdf(f, o->dev->vsbdf);
            fputc('}', f);
        } else {
            fprintf(f, "{\"error\": ");
            put_json_str(f, o->dev->guest_err);
            fputc('}', f);
        }
    }
    if (cfg) {
        fprintf(f, ",\n      \"config\": \"");
        for (unsigned int i = 0; i < cfg_len; i++)
            fprintf(f, "%02x", cfg[i]);
        fputc('"', f);
    }
    fprintf(f, "\n    }");
}

void out_dump(FILE *f, const struct out_device *o, bool first,
              const uint8_t *cfg, unsigned int cfg_len)
{
    if (!first)
        fputc('\n', f);
    put_sbdf(f, o->sbdf);
    if (o->guest_view) {
        fprintf(f, " Guest view of ");
        put_sbdf(f, o->dev->sbdf);
    } else {
        fprintf(f, " Hardware domain view");
    }
    fprintf(f, " through lfvpci %s (%s), from %s\n", LFVPCI_VERSION,
            lfv_rcu_backend(), o->dev->source);
    for (unsigned int off = 0; off < cfg_len; off += 16) {
        fprintf(f, "%02x:", off);
        for (unsigned int b = 0; b < 16; b++)
            fprintf(f, " %02x", cfg[off + b]);
        fputc('\n', f);
    }
}
