/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci: the command-line tool.  Devices described by lspci dumps or
 * sysfs-style directories (a real machine's /sys/bus/pci/devices/...,
 * read only) are loaded onto a simulated host bridge, handed to the
 * engine with the hooks a hypervisor registers (header, MSI, MSI-X), and
 * probed or dumped as the hardware domain or a guest sees them.  Usage and
 * exit codes: usage() below and tools/README.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/rcu.h>

#include "tools/host.h"
#include "tools/output.h"
#include "tools/view.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct opts {
    bool guest, json, as_fn0, vfs_off;
    int nr_sources;
    char **sources;
};

static const char usage_text[] =
    "usage: lfvpci [--help] [--version] COMMAND [OPTIONS] SOURCE...\n"
    "\n"
    "Load PCI devices onto a simulated host and look at them through the\n"
    "lfvpci engine, set up as a hypervisor sets it up (header, MSI and\n"
    "MSI-X emulation; the hardware domain owns every device, a guest gets\n"
    "the ones it is given).\n"
    "\n"
    "Commands:\n"
    "  probe    IDs, BARs (sized by the all-ones probe) and capabilities\n"
    "  dump     configuration space in lspci -xxxx format (lspci -F reads it)\n"
    "  info     version and RCU backend\n"
    "Run lfvpci COMMAND --help for its options.\n"
    "\n"
    "SOURCE: an `lspci -vv -xxxx` (or -xxx) text file holding one or more\n"
    "devices, or a sysfs-style device directory holding `config` and\n"
    "`resource`, such as /sys/bus/pci/devices/0000:00:03.0 (only read; as\n"
    "non-root Linux gives 64 bytes of config: no capabilities).\n"
    "\n"
    "Exit status: 0 success; 1 a source could not be loaded, a device\n"
    "could not be given to the guest (--guest), or the output could not\n"
    "be written; 2 usage error.\n";

static const char probe_help[] =
    "usage: lfvpci probe [--guest] [--as-function0] [--vfs-off] [--json]\n"
    "                    SOURCE...\n"
    "\n"
    "Probe every device of every SOURCE through the engine as an OS does:\n"
    "IDs, each BAR sized with decoding off, the ROM, the capability lists.\n"
    "Without --guest: the hardware domain's view; each device is then also\n"
    "given to a guest and the capabilities the guest sees are marked *.\n"
    "  --guest         the guest's view instead (every device assigned to\n"
    "                  one guest, at its virtual address)\n"
    "  --as-function0  place a function other than 0 at function 0 of its\n"
    "                  slot (a guest gets function 0 only)\n"
    "  --vfs-off       disable an SR-IOV physical function's VFs (in the\n"
    "                  simulated copy) before it goes to the guest: a PF\n"
    "                  whose VFs are enabled never does\n"
    "  --json          JSON output (schema: tools/README.md)\n"
    "Options may also follow the sources; after --, all are sources.\n";

static const char dump_help[] =
    "usage: lfvpci dump [--guest] [--as-function0] [--vfs-off] [--json]\n"
    "                   SOURCE...\n"
    "\n"
    "The configuration space of every device as the hardware domain (or,\n"
    "--guest, the guest) reads it through the engine, in `lspci -xxxx`\n"
    "format: `lfvpci dump --guest F > out; lspci -F out -vv` decodes it.\n"
    "256 bytes, 4096 when the view shows a PCI Express capability.\n"
    "  --guest         the guest's view\n"
    "  --as-function0  place a function other than 0 at function 0\n"
    "  --vfs-off       disable an SR-IOV PF's VFs first (as probe)\n"
    "  --json          the probe's JSON with the bytes (\"config\")\n"
    "Options may also follow the sources; after --, all are sources.\n";

static const char info_help[] =
    "usage: lfvpci info\n"
    "\n"
    "The tool's version and the RCU backend the engine was built with.\n";

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "lfvpci: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'lfvpci --help'.\n");
    return EXIT_USAGE;
}

/*
 * Command options, before or after the sources (up to "--"); the sources
 * are gathered at the front of argv.  *help set for --help.
 */
static int parse_opts(int argc, char **argv, const char *cmd, bool *help,
                      struct opts *o)
{
    bool opts = true;
    int i, n = 0;

    memset(o, 0, sizeof(*o));
    *help = false;
    for (i = 0; i < argc; i++) {
        if (!opts || argv[i][0] != '-' || !argv[i][1]) {
            argv[n++] = argv[i];
        } else if (!strcmp(argv[i], "--")) {
            opts = false;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            *help = true;
            return 0;
        } else if (!strcmp(argv[i], "--guest")) {
            o->guest = true;
        } else if (!strcmp(argv[i], "--json")) {
            o->json = true;
        } else if (!strcmp(argv[i], "--as-function0")) {
            o->as_fn0 = true;
        } else if (!strcmp(argv[i], "--vfs-off")) {
            o->vfs_off = true;
        } else {
            fprintf(stderr, "lfvpci %s: unknown option '%s'\n", cmd,
                    argv[i]);
            return usage_error("see 'lfvpci %s --help'", cmd);
        }
    }
    o->sources = argv;
    o->nr_sources = n;
    if (!o->nr_sources) {
        fprintf(stderr, "lfvpci %s: no SOURCE given\n", cmd);
        return usage_error("see 'lfvpci %s --help'", cmd);
    }
    return 0;
}

/* Load every source; every failure is reported.  0 or EXIT_FAIL. */
static int load_all(struct host *h, const struct opts *o)
{
    int rc = EXIT_OK;

    for (int i = 0; i < o->nr_sources; i++)
        if (host_load(h, o->sources[i], o->as_fn0))
            rc = EXIT_FAIL;
    return rc;
}

/* "lfvpci: SOURCE[:LINE]: SSSS:BB:DD.F " before a message about d. */
static void say_dev(const struct host_dev *d)
{
    if (d->line)
        fprintf(stderr, "lfvpci: %s:%u: ", d->source, d->line);
    else
        fprintf(stderr, "lfvpci: %s: ", d->source);
    fprintf(stderr, "%04x:%02x:%02x.%u ", LFV_SBDF_SEG(d->sbdf),
            LFV_SBDF_BUS(d->sbdf), LFV_SBDF_DEV(d->sbdf),
            LFV_SBDF_FN(d->sbdf));
}

/*
 * Every device to the guest; with --guest a refusal is an error.  VFs
 * disabled by --vfs-off are said on stderr.
 */
static int assign_all(struct host *h, bool must, bool vfs_off)
{
    int rc = EXIT_OK;

    for (unsigned int i = 0; i < h->nr; i++) {
        struct host_dev *d = &h->dev[i];
        bool ok = !host_assign_guest(h, d, vfs_off);

        if (d->vfs_disabled) {
            say_dev(d);
            fprintf(stderr, "has its VFs disabled (--vfs-off: VF Enable "
                    "cleared in the simulated copy)\n");
        }
        if (ok || !must)
            continue;
        say_dev(d);
        fprintf(stderr, "cannot go to a guest: %s\n", d->guest_err);
        rc = EXIT_FAIL;
    }
    return rc;
}

/* Mark the capabilities the guest's walk finds. */
static void mark_guest_caps(struct host *h, struct host_dev *d,
                            struct view *v)
{
    struct view g;

    if (!d->in_guest)
        return;
    view_probe(h->guest, d->vsbdf, &g);
    for (unsigned int i = 0; i < v->nr_caps; i++)
        for (unsigned int j = 0; j < g.nr_caps; j++)
            if (g.cap[j].offset == v->cap[i].offset &&
                g.cap[j].id == v->cap[i].id)
                v->cap[i].in_guest = true;
    for (unsigned int i = 0; i < v->nr_ext; i++)
        for (unsigned int j = 0; j < g.nr_ext; j++)
            if (g.ext[j].offset == v->ext[i].offset &&
                g.ext[j].id == v->ext[i].id)
                v->ext[i].in_guest = true;
}

static void read_config(struct lfv_domain *d, lfv_sbdf_t s, uint8_t *cfg,
                        unsigned int len)
{
    for (unsigned int off = 0; off < len; off += 4) {
        uint32_t v = lfv_conf_read(d, s, off, 4);

        for (unsigned int b = 0; b < 4; b++)
            cfg[off + b] = (uint8_t)(v >> (8 * b));
    }
}

static int run(const char *cmd, const struct opts *o)
{
    bool dump = !strcmp(cmd, "dump");
    struct out_device *out = NULL;
    static uint8_t cfg[4096];
    struct host h;
    int rc;

    if (host_create(&h))
        return EXIT_FAIL;
    rc = load_all(&h, o);
    if (rc == EXIT_OK && o->guest)
        rc = assign_all(&h, true, o->vfs_off);
    if (rc == EXIT_OK && h.nr)
        out = calloc(h.nr, sizeof(*out));
    if (rc == EXIT_OK && h.nr && !out)
        rc = EXIT_FAIL;
    /* Probe everything first: nothing is printed unless all of it works. */
    for (unsigned int i = 0; rc == EXIT_OK && i < h.nr; i++) {
        struct host_dev *d = &h.dev[i];

        out[i].dev = d;
        out[i].guest_view = o->guest;
        out[i].sbdf = o->guest ? d->vsbdf : d->sbdf;
        view_probe(o->guest ? h.guest : h.hwdom, out[i].sbdf, &out[i].view);
    }
    if (rc == EXIT_OK && !o->guest && !dump) {
        assign_all(&h, false, o->vfs_off);
        for (unsigned int i = 0; i < h.nr; i++)
            mark_guest_caps(&h, &h.dev[i], &out[i].view);
    }
    if (rc == EXIT_OK && o->json)
        out_json_begin(stdout, cmd, o->guest);
    for (unsigned int i = 0; rc == EXIT_OK && i < h.nr; i++) {
        struct lfv_domain *d = o->guest ? h.guest : h.hwdom;
        unsigned int len = out[i].view.cfg_size;

        if (dump)
            read_config(d, out[i].sbdf, cfg, len);
        if (o->json)
            out_json(stdout, &out[i], i == 0, dump ? cfg : NULL, len);
        else if (dump)
            out_dump(stdout, &out[i], i == 0, cfg, len);
        else
            out_text(stdout, &out[i]);
    }
    if (rc == EXIT_OK && o->json)
        out_json_end(stdout, h.nr);
    free(out);
    host_destroy(&h);
    return rc;
}

static int command(int argc, char **argv)
{
    const char *cmd = argv[0];
    struct opts o;
    bool help;
    int rc;

    if (!strcmp(cmd, "info")) {
        bool info_h = argc > 1 && (!strcmp(argv[1], "--help") ||
                                   !strcmp(argv[1], "-h"));

        if (argc > 2 || (argc > 1 && !info_h))
            return usage_error("info takes no argument ('%s')",
                               argv[argc - 1]);
        if (info_h) {
            fputs(info_help, stdout);
            return EXIT_OK;
        }
        printf("lfvpci %s, RCU backend %s\n", LFVPCI_VERSION,
               lfv_rcu_backend());
        return EXIT_OK;
    }
    if (strcmp(cmd, "probe") && strcmp(cmd, "dump"))
        return usage_error("unknown command '%s'", cmd);
    rc = parse_opts(argc - 1, argv + 1, cmd, &help, &o);
    if (rc)
        return rc;
    if (help) {
        fputs(!strcmp(cmd, "dump") ? dump_help : probe_help, stdout);
        return EXIT_OK;
    }
    return run(cmd, &o);
}

/* What was printed on stdout must have been written: else EXIT_FAIL. */
static int flushed(int rc)
{
    if (rc == EXIT_OK && (fflush(stdout) || ferror(stdout))) {
        perror("lfvpci: stdout");
        rc = EXIT_FAIL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return flushed(EXIT_OK);
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("lfvpci %s\n", LFVPCI_VERSION);
        return flushed(EXIT_OK);
    }
    if (argv[1][0] == '-')
        return usage_error("unknown option '%s'", argv[1]);
    lfv_rcu_register_thread();
    rc = command(argc - 1, argv + 1);
    lfv_rcu_unregister_thread();
    return flushed(rc);
}
