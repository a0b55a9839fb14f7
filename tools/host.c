/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lfvpci command's simulated host (see host.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lfvpci/header.h>
#include <lfvpci/msi.h>
#include <lfvpci/rcu.h>
#include <lfvpci/vpci.h>

#include "tools/host.h"

static void sbdf_str(lfv_sbdf_t s, char *buf, size_t n)
{
    snprintf(buf, n, "%04x:%02x:%02x.%u", LFV_SBDF_SEG(s), LFV_SBDF_BUS(s),
             LFV_SBDF_DEV(s), LFV_SBDF_FN(s));
}

int host_create(struct host *h)
{
    struct lfv_system_params p = { .hw_ops = lfv_sim_hw_ops(),
                                   .arch = LFV_ARCH_X86 };
    int rc;

    memset(h, 0, sizeof(*h));
    rc = lfv_sim_bridge_create(&h->bridge);
    p.hw = h->bridge;
    if (!rc)
        rc = lfv_system_create(&p, &h->sys);
    /* What a hypervisor registers: the header, then MSI and MSI-X. */
    if (!rc)
        rc = lfv_system_add_hook(h->sys, &lfv_header_hook);
    if (!rc)
        rc = lfv_system_add_hook(h->sys, &lfv_msi_hook);
    if (!rc)
        rc = lfv_system_add_hook(h->sys, &lfv_msix_hook);
    if (!rc)
        rc = lfv_domain_create(h->sys, 0, true, &h->hwdom);
    if (!rc)
        rc = lfv_domain_create(h->sys, 1, false, &h->guest);
    /* Every shared dump at once: 2 regions per MSI-X device. */
    if (!rc)
        rc = lfv_domain_set_msix_region_limit(h->hwdom,
                                              LFV_MSIX_REGIONS_MAX);
    if (!rc)
        rc = lfv_domain_set_msix_region_limit(h->guest,
                                              LFV_MSIX_REGIONS_MAX);
    if (rc)
        fprintf(stderr, "lfvpci: cannot set up the simulated host: %s\n",
                strerror(-rc));
    return rc;
}

void host_destroy(struct host *h)
{
    lfv_system_destroy(h->sys);
    lfv_sim_bridge_destroy(h->bridge);
    for (unsigned int i = 0; i < h->nr; i++)
        free(h->dev[i].source);
    free(h->dev);
    memset(h, 0, sizeof(*h));
}

/* Where a device named `named` goes; see host_load(). */
static lfv_sbdf_t place(struct host *h, lfv_sbdf_t named, bool as_fn0,
                        const char *source)
{
    lfv_sbdf_t s = named;
    char a[32], b[32];

    if (as_fn0)
        s = LFV_SBDF(LFV_SBDF_SEG(s), LFV_SBDF_BUS(s), LFV_SBDF_DEV(s), 0);
    if (!lfv_sim_present(h->bridge, s))
        return s;
    for (unsigned int bus = 0; bus < 256; bus++) {
        lfv_sbdf_t alt = LFV_SBDF(1, bus, 0, 0);

        if (!lfv_sim_present(h->bridge, alt)) {
            sbdf_str(s, a, sizeof(a));
            sbdf_str(alt, b, sizeof(b));
            fprintf(stderr, "lfvpci: %s: %s is taken by another device: "
                    "placed at %s\n", source, a, b);
            return alt;
        }
    }
    return s; /* full: the add reports -EEXIST */
}

/*
 * A directory's address: its name's, or (".", a symbolic link) the name of
 * the directory it is; else the first free bus of segment 1, said.
 */
static lfv_sbdf_t place_dir(struct host *h, const char *dir, bool as_fn0,
                            lfv_sbdf_t *named)
{
    char *real = NULL, b[32];
    int rc = lfv_sim_sysfs_name(dir, named);

    if (rc && (real = realpath(dir, NULL)))
        rc = lfv_sim_sysfs_name(real, named);
    free(real);
    if (!rc)
        return place(h, *named, as_fn0, dir);
    *named = LFV_SBDF(1, 0, 0, 0);
    for (unsigned int bus = 0; bus < 256; bus++) {
        lfv_sbdf_t alt = LFV_SBDF(1, bus, 0, 0);

        if (!lfv_sim_present(h->bridge, alt)) {
            sbdf_str(alt, b, sizeof(b));
            fprintf(stderr, "lfvpci: %s: its name is not a PCI address "
                    "(\"0000:01:00.0\"): placed at %s\n", dir, b);
            return alt;
        }
    }
    return *named; /* full: the add reports -EEXIST */
}

static struct host_dev *new_dev(struct host *h, const char *source)
{
    struct host_dev *d;

    if (h->nr == h->cap) {
        unsigned int cap = h->cap ? 2 * h->cap : 16;
        struct host_dev *n = realloc(h->dev, cap * sizeof(*n));

        if (!n)
            return NULL;
        h->dev = n;
        h->cap = cap;
    }
    d = &h->dev[h->nr];
    memset(d, 0, sizeof(*d));
    d->source = strdup(source);
    return d->source ? d : NULL;
}

static int report(const struct lfv_sim_error *e)
{
    char buf[LFV_SIM_ERR_FILE_MAX + LFV_SIM_ERR_REASON_MAX + 16];

    fprintf(stderr, "lfvpci: %s\n", lfv_sim_error_str(e, buf, sizeof(buf)));
    return e->err ? e->err : -EINVAL;
}

/*
 * Register a loaded device with the engine (the hardware domain owns it).
 * Devices loaded from different machines' files may decode at the same
 * host addresses; the engine refuses to let a device decode where its
 * MSI-X table would lie under another device's decoding BAR (-EBUSY), so
 * such a copy has its memory decoding turned off first, and says so.
 */
static int add_pdev(struct host *h, struct host_dev *d)
{
    char a[32];
    int rc = lfv_pdev_add(h->sys, d->sbdf);
    uint32_t cmd = rc == -EBUSY ? lfv_sim_cfg_read(h->bridge, d->sbdf, 0x04, 2)
                                : 0;

    sbdf_str(d->sbdf, a, sizeof(a));
    if (cmd & 0x2) { /* COMMAND.MEMORY */
        lfv_sim_cfg_write(h->bridge, d->sbdf, 0x04, 2, cmd & ~0x2u);
        rc = lfv_pdev_add(h->sys, d->sbdf);
        if (!rc)
            fprintf(stderr, "lfvpci: %s: %s: its memory BARs decode where "
                    "another loaded device's do (files from different "
                    "machines?): memory decoding turned off in the "
                    "simulated copy\n", d->source, a);
    }
    if (rc) {
        fprintf(stderr, "lfvpci: %s: %s: the engine refuses the device: "
                "%s\n", d->source, a, strerror(-rc));
        lfv_sim_remove(h->bridge, d->sbdf);
        return rc;
    }
    h->nr++;
    return 0;
}

/* How many bytes of `config` the directory gives (sysfs: 64 unless root). */
static unsigned int config_len(const char *dir)
{
    char path[4096], buf[4097];
    ssize_t r;
    size_t n = 0;
    int fd;

    snprintf(path, sizeof(path), "%s/config", dir);
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) > 0)
        n += (size_t)r;
    close(fd);
    return (unsigned int)n;
}

static int load_sysfs(struct host *h, const char *dir, bool as_fn0)
{
    struct lfv_sim_error e;
    struct host_dev *d = new_dev(h, dir);
    lfv_sbdf_t named;
    int rc;

    if (!d)
        return -ENOMEM;
    d->sysfs = true;
    d->sbdf = place_dir(h, dir, as_fn0, &named);
    d->named = named;
    rc = lfv_sim_add_sysfs_err(h->bridge, dir, d->sbdf, NULL, &e);
    if (rc) {
        free(d->source);
        return report(&e);
    }
    d->cfg_len = config_len(dir);
    if (d->cfg_len < 256)
        fprintf(stderr, "lfvpci: %s/config: note: only %u bytes readable "
                "(Linux gives the rest to root only): the device is "
                "loaded without capabilities, the rest of its "
                "configuration space reads 0\n", dir, d->cfg_len);
    rc = add_pdev(h, d);
    if (rc)
        free(d->source);
    return rc;
}

/* "[size=" within the n bytes at s. */
static bool has_size(const char *s, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++)
        if (!strncmp(s + i, "[size=", 6))
            return true;
    return false;
}

/*
 * The Region and Expansion ROM lines without "[size=]" (lspci -F prints
 * none) of the block at text[pos..end), whose first line is `line`: the
 * loader gave those BARs a size the text does not state; say which.  And
 * a dump of 64 bytes: loaded without capabilities (as a short sysfs
 * config), say so.
 */
static void note_unsized(struct host *h, const struct host_dev *d,
                         const char *text, size_t pos, size_t end,
                         unsigned int line)
{
    unsigned int dump_lines = 0;
    bool caps = false;

    for (; pos < end; line++) {
        const char *s = text + pos, *nl = memchr(s, '\n', end - pos);
        size_t n = nl ? (size_t)(nl - s) : end - pos;
        unsigned int bar = 7;
        int skip = 0;

        pos += n + 1;
        if (n > 3 && s[2] == ':' && s[3] == ' ')
            dump_lines++; /* "30: 00 ..." (a header has "xx:xx.x") */
        if (*s != ' ' && *s != '\t')
            continue;
        while (skip < (int)n && (s[skip] == ' ' || s[skip] == '\t'))
            skip++;
        s += skip;
        n -= (size_t)skip;
        if (n >= 13 && !strncmp(s, "Capabilities:", 13))
            caps = true; /* SR-IOV's VF Region lines are not the BARs */
        if (caps || has_size(s, n))
            continue;
        if (n > 8 && !strncmp(s, "Region ", 7) && s[7] >= '0' &&
            s[7] <= '5' && s[8] == ':')
            bar = (unsigned int)(s[7] - '0');
        else if (n >= 17 && !strncmp(s, "Expansion ROM at ", 17))
            bar = 6;
        if (bar < 6 && lfv_sim_bar_size(h->bridge, d->sbdf, bar))
            fprintf(stderr, "lfvpci: %s:%u: note: no [size=]: BAR %u "
                    "assumed 0x%" PRIx64 " bytes (the least holding its "
                    "MSI-X structures, at least 4 KiB; I/O: 4 bytes), not "
                    "its real size\n", d->source, line, bar,
                    lfv_sim_bar_size(h->bridge, d->sbdf, bar));
        else if (bar == 6 && lfv_sim_bar_size(h->bridge, d->sbdf, bar))
            fprintf(stderr, "lfvpci: %s:%u: note: no [size=]: expansion "
                    "ROM assumed 0x%" PRIx64 " bytes, not its real size\n",
                    d->source, line,
                    lfv_sim_bar_size(h->bridge, d->sbdf, bar));
    }
    if (dump_lines == 4)
        fprintf(stderr, "lfvpci: %s:%u: note: a 64-byte dump (lspci -x, or "
                "lspci -xxx by a user other than root): the device is "
                "loaded without capabilities, the rest of its configuration "
                "space reads 0\n", d->source, d->line);
}

static int load_lspci(struct host *h, const char *path, bool as_fn0)
{
    struct lfv_sim_lspci_text t;
    struct lfv_sim_error e;
    unsigned int count = 0;
    int rc = lfv_sim_lspci_text_open(&t, path, &e);

    if (rc)
        return report(&e);
    for (;;) {
        struct host_dev *d;
        lfv_sbdf_t named;
        size_t start;
        unsigned int line = 0, start_line;

        rc = lfv_sim_lspci_peek(&t, &named, &line);
        if (rc == -ENODATA) {
            rc = 0;
            break;
        }
        d = new_dev(h, path);
        if (!d) {
            rc = -ENOMEM;
            break;
        }
        /* A bad header line is reported by the load, with its line. */
        d->named = rc ? 0 : named;
        d->sbdf = rc ? LFV_SIM_SBDF_AUTO : place(h, named, as_fn0, path);
        d->line = line;
        start = t.pos;
        start_line = t.line + 1;
        rc = lfv_sim_lspci_next(h->bridge, &t, d->sbdf, NULL, &e);
        if (rc) {
            free(d->source);
            rc = report(&e);
            break;
        }
        rc = add_pdev(h, d);
        if (rc) {
            free(d->source);
            break;
        }
        note_unsized(h, d, t.text, start, t.pos, start_line);
        count++;
    }
    if (!rc && !count) {
        fprintf(stderr, "lfvpci: %s: no device in it (an lspci -vv -xxxx "
                "text has a header line such as \"01:00.0 ...\" and a hex "
                "dump)\n", path);
        rc = -EINVAL;
    }
    lfv_sim_lspci_text_close(&t);
    return rc;
}

int host_load(struct host *h, const char *source, bool as_fn0)
{
    struct stat st;

    if (stat(source, &st)) {
        fprintf(stderr, "lfvpci: %s: %s\n", source, strerror(errno));
        return -errno;
    }
    if (S_ISDIR(st.st_mode))
        return load_sysfs(h, source, as_fn0);
    return load_lspci(h, source, as_fn0);
}

/* What the host does before it gives the PF away (sriov_numvfs = 0). */
static void vfs_off(struct host *h, struct host_dev *d)
{
    d->vfs_disabled = lfv_sim_sriov_disable(h->bridge, d->sbdf) == 1;
}

int host_assign_guest(struct host *h, struct host_dev *d, bool vfs_disable)
{
    int rc;

    if (LFV_SBDF_FN(d->sbdf)) {
        snprintf(d->guest_err, sizeof(d->guest_err),
                 "function %u: guests get function 0 only (as with Xen's "
                 "vPCI virtual bus, only function 0 of a device can be "
                 "passed through); use --as-function0 to place it at "
                 "function 0",
                 LFV_SBDF_FN(d->sbdf));
        return -EOPNOTSUPP;
    }
    if (vfs_disable)
        vfs_off(h, d);
    rc = lfv_pdev_assign(h->sys, d->sbdf, h->guest);
    if (rc == -ENOSPC)
        snprintf(d->guest_err, sizeof(d->guest_err), "the guest has no "
                 "free slot or MSI-X region left (%d slots)",
                 LFV_VBUS_SLOTS);
    else if (rc == -EPERM)
        snprintf(d->guest_err, sizeof(d->guest_err), "not an endpoint: %s",
                 (lfv_sim_cfg_read(h->bridge, d->sbdf, 0x0e, 1) & 0x7f)
                     ? "a bridge's COMMAND and control registers gate the "
                       "devices behind it, which other domains may own"
                     : "a host bridge is the host's");
    else if (rc == -EBUSY && lfv_sim_sriov_vfs_enabled(h->bridge, d->sbdf))
        snprintf(d->guest_err, sizeof(d->guest_err), "an SR-IOV physical "
                 "function with its VFs enabled (VF Enable in SR-IOV "
                 "control at 0x%x): its driver would administer VFs that "
                 "other domains may own; the host disables them first "
                 "(sriov_numvfs = 0); use --vfs-off to do so here",
                 lfv_sim_sriov_vfs_enabled(h->bridge, d->sbdf));
    else if (rc)
        snprintf(d->guest_err, sizeof(d->guest_err), "the engine refuses "
                 "to assign it: %s", strerror(-rc));
    if (!rc)
        rc = lfv_pdev_owner(h->sys, d->sbdf, NULL, &d->vsbdf);
    d->in_guest = !rc;
    return rc;
}
