/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lfvpci command's output formats.  The JSON one is a stable interface,
 * documented in tools/README.md (its schema) and checked by
 * tools/tests/check_json.py.  Single-threaded (the tool's).
 */
#ifndef LFV_TOOLS_OUTPUT_H
#define LFV_TOOLS_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/host.h"
#include "tools/view.h"

#define LFVPCI_VERSION "0.2.0"

/* One device as a domain sees it. */
struct out_device {
    const struct host_dev *dev;
    bool guest_view;   /* the guest's view, else the hardware domain's */
    lfv_sbdf_t sbdf;   /* the address that domain uses */
    struct view view;
};

void out_text(FILE *f, const struct out_device *o);

/* JSON: begin, one out_json per device (first: the first), end. */
void out_json_begin(FILE *f, const char *command, bool guest_view);
void out_json(FILE *f, const struct out_device *o, bool first,
              const uint8_t *cfg, unsigned int cfg_len);
void out_json_end(FILE *f, unsigned int n);

/* lspci -xxxx format (lspci -F reads it), blank line between devices. */
void out_dump(FILE *f, const struct out_device *o, bool first,
              const uint8_t *cfg, unsigned int cfg_len);

#endif /* LFV_TOOLS_OUTPUT_H */
