/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress's command line: the options, the RCU backend (a sibling
 * binary per backend), and the scenario to run (scenario.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lfvpci/rcu.h>

#include "stress.h"

static struct options opt = {
    .readers = 3, .writers = 2, .devices = 16, .guests = 3, .seconds = 2,
    .seed = 1, .mix_unplug = 1, .mix_move = 4, .mix_regs = 4,
    .mix_toggle = -1, .mix_bar = -1, .msix = -1, .race_delay_us = 50,
};

/* ---- command line ---- */

static void usage(FILE *f, const char *argv0)
{
    fprintf(
        f,
        "usage: %s [options]\n"
        "  -r, --readers N     reader (vCPU) threads [%u]\n"
        "  -w, --writers N     writer threads [%u]\n"
        "  -d, --devices N     physical devices, max %d [%u]\n"
        "  -g, --guests N      guest domains, max %d [%u]\n"
        "  -t, --duration S    seconds to run [%u]\n"
        "  -s, --seed N        random seed [%" PRIu64 "]\n"
        "  -m, --mix U,M,R[,T,B]  writer weights: unplug/replug, move,\n"
        "                      register add/remove, MEMORY toggle, BAR\n"
        "                      move [%u,%u,%u,T,B]; T,B default to 4,2\n"
        "                      with --lspci, 0,0 without\n"
        "      --rcu NAME      RCU backend: memb, qsbr or ckepoch\n"
        "                      (runs lfvpci-stress-NAME) [%s]\n"
        "      --lspci DIR     devices from the lspci dumps in DIR on the\n"
        "                      simulated bridge (else a pattern device)\n"
        "      --msix N        with --lspci: N/16 of reader steps are\n"
        "                      MSI/MSI-X traffic (table MMIO, control,\n"
        "                      MSI registers) [4]; 0: none\n"
        "      --arch ARCH     x86 (the hardware domain's MSI/MSI-X\n"
        "                      emulated) or arm (passed through) [x86]\n"
        "      --scenario NAME mixed (all of the above) or msix-race\n"
        "                      (MSI-X page remainders against moves, at a\n"
        "                      slow platform; stops at the first\n"
        "                      failure; uses -r -w -g -t -s) [mixed]\n"
        "      --race-delay US msix-race: the platform's MMIO latency\n"
        "                      in microseconds [50]\n"
        "      --defer N       with --lspci: every COMMAND write's p2m\n"
        "                      change is deferred (lfv_header_set_defer 0)\n"
        "                      and the writer processes it in chunks of N\n"
        "                      frames before it goes on [0: synchronous]\n",
        argv0, opt.readers, opt.writers, MAX_DEVICES, opt.devices, MAX_GUESTS,
        opt.guests, opt.seconds, opt.seed, opt.mix_unplug, opt.mix_move,
        opt.mix_regs, lfv_rcu_backend());
}

/* Re-run as the binary built on the requested backend. */
static void switch_backend(const char *name, char **argv)
{
    char self[4096], path[4200];
    ssize_t n;
    char *slash;

    if (!strcmp(name, lfv_rcu_backend()))
        return;
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        perror("lfvpci-stress: /proc/self/exe");
        exit(2);
    }
    self[n] = 0;
    slash = strrchr(self, '/');
    *slash = 0;
    snprintf(path, sizeof(path), "%s/lfvpci-stress-%s", self, name);
    setenv("LFV_STRESS_BACKEND_SWITCHED", "1", 1);
    execv(path, argv);
    fprintf(stderr, "lfvpci-stress: cannot run %s: %s\n", path,
            strerror(errno));
    exit(2);
}

static const char *scenario; /* NULL: mixed */

static int parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "readers", required_argument, NULL, 'r' },
        { "writers", required_argument, NULL, 'w' },
        { "devices", required_argument, NULL, 'd' },
        { "guests", required_argument, NULL, 'g' },
        { "duration", required_argument, NULL, 't' },
        { "seed", required_argument, NULL, 's' },
        { "mix", required_argument, NULL, 'm' },
        { "rcu", required_argument, NULL, 'R' },
        { "lspci", required_argument, NULL, 'L' },
        { "msix", required_argument, NULL, 'X' },
        { "arch", required_argument, NULL, 'A' },
        { "scenario", required_argument, NULL, 'S' },
        { "race-delay", required_argument, NULL, 'D' },
        { "defer", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    const char *backend = NULL;
    int c;

    while ((c = getopt_long(argc, argv, "r:w:d:g:t:s:m:h", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'r': opt.readers = strtoul(optarg, NULL, 0); break;
        case 'w': opt.writers = strtoul(optarg, NULL, 0); break;
        case 'd': opt.devices = strtoul(optarg, NULL, 0); break;
        case 'g': opt.guests = strtoul(optarg, NULL, 0); break;
        case 't': opt.seconds = strtoul(optarg, NULL, 0); break;
        case 's': opt.seed = strtoull(optarg, NULL, 0); break;
        case 'm': {
            int n = sscanf(optarg, "%u,%u,%u,%d,%d", &opt.mix_unplug,
                           &opt.mix_move, &opt.mix_regs, &opt.mix_toggle,
                           &opt.mix_bar);

            if ((n != 3 && n != 5) ||
                (n == 5 && (opt.mix_toggle < 0 || opt.mix_bar < 0))) {
                fprintf(stderr, "lfvpci-stress: --mix takes U,M,R[,T,B]\n");
                return -1;
            }
            break;
        }
        case 'R': backend = optarg; break;
        case 'L': opt.lspci_dir = optarg; break;
        case 'X': opt.msix = (int)strtoul(optarg, NULL, 0); break;
        case 'A':
            if (strcmp(optarg, "x86") && strcmp(optarg, "arm")) {
                fprintf(stderr, "lfvpci-stress: --arch takes x86 or arm\n");
                return -1;
            }
            opt.arch = strcmp(optarg, "arm") ? LFV_ARCH_X86 : LFV_ARCH_ARM;
            break;
        case 'S':
            if (strcmp(optarg, "mixed") && strcmp(optarg, "msix-race")) {
                fprintf(stderr, "lfvpci-stress: --scenario takes mixed or "
                        "msix-race\n");
                return -1;
            }
            scenario = strcmp(optarg, "mixed") ? optarg : NULL;
            break;
        case 'D': opt.race_delay_us = strtoul(optarg, NULL, 0); break;
        case 'F': opt.defer = strtoul(optarg, NULL, 0); break;
        case 'h': usage(stdout, argv[0]); exit(0);
        default: usage(stderr, argv[0]); return -1;
        }
    }
    if (optind != argc || !opt.devices || opt.devices > MAX_DEVICES ||
        opt.guests > MAX_GUESTS || !opt.readers) {
        usage(stderr, argv[0]);
        return -1;
    }
    /* no header emulation on pattern devices: nothing to toggle or move */
    if (opt.mix_toggle < 0)
        opt.mix_toggle = opt.lspci_dir ? 4 : 0;
    if (opt.mix_bar < 0)
        opt.mix_bar = opt.lspci_dir ? 2 : 0;
    if (opt.msix < 0)
        opt.msix = opt.lspci_dir ? 4 : 0;
    if (opt.msix > 16)
        opt.msix = 16;
    if (backend) {
        if (strcmp(backend, "memb") && strcmp(backend, "qsbr") &&
            strcmp(backend, "ckepoch")) {
            fprintf(stderr, "lfvpci-stress: unknown RCU backend '%s'\n",
                    backend);
            return -1;
        }
        if (!getenv("LFV_STRESS_BACKEND_SWITCHED"))
            switch_backend(backend, argv);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (parse(argc, argv))
        return 2;
    return scenario ? scenario_msix_race(&opt) : scenario_mixed(&opt);
}
