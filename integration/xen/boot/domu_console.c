/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv-domu's reading of Xen's console ring (domu_console.h), as `xl
 * dmesg` does (XEN_SYSCTL_readconsole, incremental from the last index).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domu.h"
#include "domu_console.h"

#include <public/sysctl.h>

static uint32_t ring_index;
static char line[1024];
static size_t line_len;

/* One read of the ring from ring_index into buf: the bytes read. */
static size_t ring_read(char *buf, size_t max, bool incremental)
{
    struct xen_sysctl s;
    int rc;

    memset(&s, 0, sizeof(s));
    s.cmd = XEN_SYSCTL_readconsole;
    s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    s.u.readconsole.incremental = incremental;
    s.u.readconsole.index = ring_index;
    s.u.readconsole.count = max;
    set_xen_guest_handle(s.u.readconsole.buffer, buf);
    rc = domu_sysctl(&s);
    if (rc)
        domu_die("readconsole", "%s", domu_errname(-rc));
    ring_index = s.u.readconsole.index;
    return s.u.readconsole.count;
}

void domu_console_start(void)
{
    static char buf[16384];

    ring_read(buf, sizeof(buf), false);
    while (ring_read(buf, sizeof(buf), true) == sizeof(buf))
        ;
    line_len = 0;
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

bool domu_console_wait(unsigned int domid, const char *text,
                       double timeout_s, bool (*gone)(void))
{
    static char buf[4096];
    char prefix[16];
    double t0 = now();

    snprintf(prefix, sizeof(prefix), "(d%u) ", domid);
    for (;;) {
        size_t n = ring_read(buf, sizeof(buf), true);

        for (size_t i = 0; i < n; i++) {
            if (buf[i] != '\n') {
                if (line_len < sizeof(line) - 1)
                    line[line_len++] = buf[i];
                continue;
            }
            line[line_len] = '\0';
            line_len = 0;
            if (!strncmp(line, prefix, strlen(prefix)) && strstr(line, text))
                return true;
        }
        if (n == sizeof(buf))
            continue;
        if (gone() || now() - t0 > timeout_s)
            return false;
        usleep(100000);
    }
}
