/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfvpci-stress: hunt removal races.
 *
 * Reader threads (vCPUs) do config and ECAM accesses of every size on random
 * devices of random domains; writer threads hot-unplug and re-plug devices,
 * move them between domains, and add and remove registers, while handlers
 * themselves edit their own register sets from inside accesses.  Every
 * value a handler returns names the domain and device it belongs to, and
 * every handler checks that its private data is alive, so the run detects:
 *   torn   a value that is neither a register's nor a gap's;
 *   stale  a handler running on data already retired (use after free);
 *   leak   a guest seeing a device of another domain;
 *   alloc  handler data still allocated after teardown.
 * Run it under ThreadSanitizer or ASan for the memory-level view (make check
 * does, for every RCU backend).  Exits 1 on any failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include <lfvpci/domain.h>
#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>
#include <lfvpci/vpci.h>

#define MAX_DEVICES 64
#define MAX_GUESTS 16
#define LIVE 0x4c495645u
#define DEAD 0xdeadbeefu

/* Registers every owner gets, and the ones that come and go. */
#define REG_ID 0x40     /* names (domain, device) */
#define REG_TOGGLE 0x44 /* write 1/0: the handler adds/removes REG_DYN */
#define REG_DYN 0x48    /* present or not: names (domain, device) too */
#define REG_VOL 0x80    /* 0x80..0xbc: added and removed by writers */
#define NR_VOL 16

struct options {
    unsigned int readers, writers, devices, guests, seconds;
    uint64_t seed;
    unsigned int mix_unplug, mix_move, mix_regs; /* writer operation weights */
    const char *lspci_dir; /* devices from real dumps on the simulated bridge */
};

static struct options opt = {
    .readers = 3, .writers = 2, .devices = 16, .guests = 3, .seconds = 2,
    .seed = 1, .mix_unplug = 1, .mix_move = 4, .mix_regs = 4,
};

static struct lfv_system *sys;
static struct lfv_domain *doms[MAX_GUESTS + 1]; /* [0] is the hardware domain */
static int stop;

static struct {
    unsigned long reads, writes, unplugs, moves, edits, handler_edits;
    unsigned long torn, stale, leak;
} stats;
static long live_data; /* handler data allocated and not yet freed */

#define COUNT(field) __atomic_fetch_add(&stats.field, 1, __ATOMIC_RELAXED)

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

static lfv_sbdf_t dev_sbdf(unsigned int i)
{
    return LFV_SBDF(i / 128, 1 + (i % 128) / 32, i % 32, 0);
}

/*
 * ---- hardware ----
 * Either the simulated bridge with real devices loaded from lspci dumps
 * (--lspci), physically unplugged and re-plugged with the engine's device,
 * or a pattern that names each function and dword.
 */
static struct lfv_sim_bridge *bridge;
static char *dump_text[MAX_DEVICES];
static size_t dump_len[MAX_DEVICES];
static pthread_mutex_t plug_lock[MAX_DEVICES];
/* Odd while a device is being unplugged and re-plugged (a seqcount): a
 * reader comparing with the hardware re-reads it only if this is stable. */
static unsigned int plug_gen[MAX_DEVICES];

static int dev_index(lfv_sbdf_t sbdf)
{
    unsigned int seg = LFV_SBDF_SEG(sbdf), bus = LFV_SBDF_BUS(sbdf);
    unsigned int i = seg * 128 + (bus - 1) * 32 + LFV_SBDF_DEV(sbdf);

    if (bus < 1 || bus > 4 || LFV_SBDF_FN(sbdf) || i >= MAX_DEVICES)
        return -1;
    return (int)i;
}

static unsigned int plug_begin(lfv_sbdf_t sbdf)
{
    int i = dev_index(sbdf);

    return i < 0 ? 0 : __atomic_load_n(&plug_gen[i], __ATOMIC_ACQUIRE);
}

/* Was the hardware the same, and present, all along since plug_begin? */
static bool plug_stable(lfv_sbdf_t sbdf, unsigned int g)
{
    int i = dev_index(sbdf);

    return i < 0 || (!(g & 1) &&
                     __atomic_load_n(&plug_gen[i], __ATOMIC_ACQUIRE) == g);
}

static uint32_t pattern_value(lfv_sbdf_t sbdf, unsigned int dword)
{
    return 0x48000000u | ((sbdf & 0xffff) << 8) | (dword & 0xff);
}

/* What the hardware holds now at a dword of a function. */
static uint32_t hw_value(lfv_sbdf_t sbdf, unsigned int dword)
{
    if (bridge)
        return lfv_sim_cfg_read(bridge, sbdf, 4 * dword, 4);
    return pattern_value(sbdf, dword);
}

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    (void)hw;
    return (pattern_value(sbdf, reg >> 2) >> (8 * (reg & 3))) &
           (size == 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    (void)hw, (void)sbdf, (void)reg, (void)size, (void)val;
}

static const struct lfv_hw_ops hw_ops = { hw_read, hw_write };

/* ---- the owner's registers ---- */

struct owner_data {
    uint32_t magic;
    unsigned int domid, dev;
};

static uint32_t id_value(unsigned int domid, unsigned int dev)
{
    return 0xa5000000u | ((domid & 0xff) << 16) | ((dev & 0xff) << 8) | 0x3c;
}

static uint32_t vol_value(unsigned int reg)
{
    return 0x5a000000u | reg;
}

static uint32_t id_read(const void *ctx, unsigned int reg, void *data)
{
    const struct owner_data *o = data;

    (void)ctx, (void)reg;
    if (__atomic_load_n(&o->magic, __ATOMIC_RELAXED) != LIVE) {
        COUNT(stale);
        return 0;
    }
    return id_value(o->domid, o->dev);
}

static int toggle_dyn(struct lfv_vpci *v, struct owner_data *o, bool on)
{
    struct lfv_regs_edit *e;
    int rc = lfv_vpci_edit_begin(v, &e);

    if (rc)
        return rc;
    if (on)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = id_read, .data = o, .offset = REG_DYN, .size = 4 });
    else
        rc = lfv_regs_edit_remove(e, REG_DYN, 4);
    if (rc) {
        lfv_regs_edit_abort(e);
        return rc;
    }
    return lfv_regs_edit_commit(e);
}

/* Editing its own register set from inside an access. */
static void toggle_write(const void *ctx, unsigned int reg, uint32_t val,
                         void *data)
{
    struct owner_data *o = data;
    int rc;

    (void)reg;
    if (__atomic_load_n(&o->magic, __ATOMIC_RELAXED) != LIVE) {
        COUNT(stale);
        return;
    }
    rc = toggle_dyn((struct lfv_vpci *)ctx, o, val & 1);
    if (rc == 0)
        COUNT(handler_edits);
    else if (rc != -EEXIST && rc != -ENOENT)
        COUNT(torn);
}

static const struct lfv_vpci_hook stress_hook;

static int stress_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    struct owner_data *o = malloc(sizeof(*o));
    lfv_sbdf_t sbdf = lfv_vpci_sbdf(v);
    int rc;

    if (!o)
        return -ENOMEM;
    o->magic = LIVE;
    o->domid = lfv_domain_id(lfv_vpci_domain(v));
    o->dev = 0;
    for (unsigned int i = 0; i < opt.devices; i++)
        if (dev_sbdf(i) == sbdf)
            o->dev = i;
    __atomic_fetch_add(&live_data, 1, __ATOMIC_RELAXED);
    lfv_vpci_set_priv(v, &stress_hook, o);
    rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
        .read = id_read, .data = o, .offset = REG_ID, .size = 4 });
    if (!rc)
        rc = lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .write = toggle_write, .data = o, .offset = REG_TOGGLE,
            .size = 4 });
    return rc;
}

static void stress_fini(struct lfv_vpci *v, void *priv)
{
    struct owner_data *o = priv;

    (void)v;
    if (!o)
        return;
    __atomic_store_n(&o->magic, DEAD, __ATOMIC_RELAXED);
    free(o);
    __atomic_fetch_sub(&live_data, 1, __ATOMIC_RELAXED);
}

static const struct lfv_vpci_hook stress_hook = {
    .name = "stress", .init = stress_init, .fini = stress_fini,
};

/* ---- readers ---- */

/*
 * What a 4-byte read of an owner's register may return when domain d
 * reaches (virtual or physical) sbdf: that owner's value, a gap, or (for
 * the hardware domain) the hardware.  Anything naming another domain is a
 * leak; anything else is torn.
 */
static void check_id(unsigned int domid, bool hwdom, lfv_sbdf_t sbdf,
                     unsigned int reg, uint32_t v, unsigned int g)
{
    if (v == 0xffffffffu && (!hwdom || bridge)) /* gap, or unplugged */
        return;
    if (hwdom && (v == hw_value(sbdf, reg >> 2) || !plug_stable(sbdf, g)))
        return;
    if ((v & 0xff0000ffu) == 0xa500003cu) {
        if (((v >> 16) & 0xff) != (domid & 0xff))
            COUNT(leak);
        return;
    }
    COUNT(torn);
}

static void reader_step(uint64_t *rng)
{
    unsigned int di = xorshift(rng) % (opt.guests + 1);
    struct lfv_domain *d = doms[di];
    bool hwdom = di == 0;
    unsigned int domid = lfv_domain_id(d), r = xorshift(rng) % 16;
    lfv_sbdf_t sbdf;
    uint32_t v;
    uint64_t q;
    unsigned int g;

    if (hwdom)
        sbdf = dev_sbdf(xorshift(rng) % (opt.devices + 2)); /* some absent */
    else
        sbdf = LFV_SBDF(0, 0, xorshift(rng) % LFV_VBUS_SLOTS, 0);
    g = plug_begin(sbdf);

    switch (r) {
    case 0 ... 5:
        v = lfv_conf_read(d, sbdf, REG_ID, 4);
        check_id(domid, hwdom, sbdf, REG_ID, v, g);
        break;
    case 6 ... 7: { /* partial reads: a register's bytes, or a gap's */
        uint32_t lo = lfv_conf_read(d, sbdf, REG_ID, 2);
        uint32_t b2 = lfv_conf_read(d, sbdf, REG_ID + 2, 1);

        if (hwdom) {
            uint32_t hw = hw_value(sbdf, REG_ID >> 2);

            if (!plug_stable(sbdf, g))
                break;
            if ((lo & 0xff) != 0x3c && lo != (hw & 0xffff))
                COUNT(torn);
            if (b2 != 0 && b2 != ((hw >> 16) & 0xff))
                COUNT(torn);
            break;
        }
        if ((lo & 0xff) != 0x3c && lo != 0xffff)
            COUNT(torn);
        if (b2 != 0xff && b2 != (domid & 0xff)) {
            if (b2 <= MAX_GUESTS) /* another domain's id */
                COUNT(leak);
            else
                COUNT(torn);
        }
        break;
    }
    case 8 ... 9: /* ECAM, 8 bytes: REG_ID then REG_TOGGLE (write-only) */
        if (lfv_ecam_read(d, ((uint64_t)(sbdf & 0xffff) << 12) | REG_ID, 8,
                          &q)) {
            COUNT(torn);
            break;
        }
        check_id(domid, hwdom, sbdf, REG_ID, (uint32_t)q, g);
        break;
    case 10 ... 11:
        v = lfv_conf_read(d, sbdf, REG_DYN, 4);
        check_id(domid, hwdom, sbdf, REG_DYN, v, g);
        break;
    case 12: { /* volatile registers: their value, a gap or hardware */
        unsigned int reg = REG_VOL + 4 * (xorshift(rng) % NR_VOL);

        v = lfv_conf_read(d, sbdf, reg, 4);
        if (v != vol_value(reg) && v != 0xffffffffu &&
            !(hwdom && (v == hw_value(sbdf, reg >> 2) ||
                        !plug_stable(sbdf, g))))
            COUNT(torn);
        break;
    }
    case 13: /* a handler that edits its own device's registers */
        lfv_conf_write(d, sbdf, REG_TOGGLE, 4, xorshift(rng) & 1);
        COUNT(writes);
        break;
    default: { /* anything, any size: exercises spans and gaps */
        static const unsigned int sizes[] = { 1, 2, 4 };
        unsigned int size = sizes[xorshift(rng) % 3];
        unsigned int reg = (xorshift(rng) % 256) & ~(size - 1);

        /* writes that reach hardware keep off the dwords checked above */
        if (xorshift(rng) % 4 == 0 && (reg < REG_ID || reg >= 0xc0)) {
            lfv_conf_write(d, sbdf, reg, size, 0);
            COUNT(writes);
        } else {
            (void)lfv_ecam_read(d, ((uint64_t)(sbdf & 0xffff) << 12) | reg,
                                size, &q);
        }
        break;
    }
    }
    COUNT(reads);
}

static void *reader(void *arg)
{
    uint64_t rng = opt.seed * 0x9e3779b97f4a7c15ull + (uintptr_t)arg * 7 + 1;
    unsigned int n = 0;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        reader_step(&rng);
        if (++n % 64 == 0)
            lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* ---- writers ---- */

struct vol_arg {
    unsigned int reg;
    bool add;
};

static uint32_t vol_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)data;
    return vol_value(reg);
}

static int vol_update(struct lfv_vpci *v, struct lfv_regs_edit *e, void *arg)
{
    const struct vol_arg *a = arg;

    (void)v;
    if (a->add)
        return lfv_regs_edit_add(e, &(struct lfv_reg_desc){
            .read = vol_read, .offset = a->reg, .size = 4 });
    return lfv_regs_edit_remove(e, a->reg, 4);
}

static void writer_step(uint64_t *rng)
{
    unsigned int total = opt.mix_unplug + opt.mix_move + opt.mix_regs;
    unsigned int pick = xorshift(rng) % (total ? total : 1);
    unsigned int dev = xorshift(rng) % opt.devices;
    lfv_sbdf_t sbdf = dev_sbdf(dev);
    int rc;

    if (pick < opt.mix_unplug) {
        pthread_mutex_lock(&plug_lock[dev]);
        __atomic_fetch_add(&plug_gen[dev], 1, __ATOMIC_ACQ_REL);
        rc = lfv_pdev_remove(sys, sbdf);
        if (rc == 0)
            COUNT(unplugs);
        if (bridge) { /* the hardware goes too, and comes back */
            if (lfv_sim_remove(bridge, sbdf) ||
                lfv_sim_add_lspci(bridge, dump_text[dev], dump_len[dev], sbdf,
                                  NULL))
                COUNT(torn);
        }
        rc = lfv_pdev_add(sys, sbdf);
        if (rc && rc != -EEXIST)
            COUNT(torn);
        __atomic_fetch_add(&plug_gen[dev], 1, __ATOMIC_ACQ_REL);
        pthread_mutex_unlock(&plug_lock[dev]);
    } else if (pick < opt.mix_unplug + opt.mix_move) {
        unsigned int to = xorshift(rng) % (opt.guests + 2);

        rc = lfv_pdev_assign(sys, sbdf, to > opt.guests ? NULL : doms[to]);
        if (rc == 0)
            COUNT(moves);
        else if (rc != -ENOENT && rc != -ENOSPC)
            COUNT(torn);
    } else {
        struct vol_arg a = { REG_VOL + 4 * (xorshift(rng) % NR_VOL),
                             xorshift(rng) & 1 };

        rc = lfv_pdev_update(sys, sbdf, vol_update, &a);
        if (rc == 0)
            COUNT(edits);
        else if (rc != -ENOENT && rc != -EEXIST)
            COUNT(torn);
    }
}

static void *writer(void *arg)
{
    uint64_t rng = opt.seed * 0xd1b54a32d192ed03ull + (uintptr_t)arg * 13 + 5;

    lfv_rcu_register_thread();
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        writer_step(&rng);
        lfv_rcu_quiescent_state();
    }
    lfv_rcu_unregister_thread();
    return NULL;
}

/* ---- command line ---- */

static void usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "usage: %s [options]\n"
            "  -r, --readers N     reader (vCPU) threads [%u]\n"
            "  -w, --writers N     writer threads [%u]\n"
            "  -d, --devices N     physical devices, max %d [%u]\n"
            "  -g, --guests N      guest domains, max %d [%u]\n"
            "  -t, --duration S    seconds to run [%u]\n"
            "  -s, --seed N        random seed [%" PRIu64 "]\n"
            "  -m, --mix U,M,R     writer weights: unplug/replug, move,\n"
            "                      register add/remove [%u,%u,%u]\n"
            "      --rcu NAME      RCU backend: memb, qsbr or ckepoch\n"
            "                      (runs lfvpci-stress-NAME) [%s]\n"
            "      --lspci DIR     devices from the lspci dumps in DIR on the\n"
            "                      simulated bridge (else a pattern device)\n",
            argv0, opt.readers, opt.writers, MAX_DEVICES, opt.devices,
            MAX_GUESTS, opt.guests, opt.seconds, opt.seed, opt.mix_unplug,
            opt.mix_move, opt.mix_regs, lfv_rcu_backend());
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
        case 'm':
            if (sscanf(optarg, "%u,%u,%u", &opt.mix_unplug, &opt.mix_move,
                       &opt.mix_regs) != 3) {
                fprintf(stderr, "lfvpci-stress: --mix takes U,M,R\n");
                return -1;
            }
            break;
        case 'R': backend = optarg; break;
        case 'L': opt.lspci_dir = optarg; break;
        case 'h': usage(stdout, argv[0]); exit(0);
        default: usage(stderr, argv[0]); return -1;
        }
    }
    if (optind != argc || !opt.devices || opt.devices > MAX_DEVICES ||
        opt.guests > MAX_GUESTS || !opt.readers) {
        usage(stderr, argv[0]);
        return -1;
    }
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

static int read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "r");
    long n;

    if (!f)
        return -errno;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    *text = malloc(n + 1);
    if (!*text || fread(*text, 1, n, f) != (size_t)n) {
        fclose(f);
        return -EIO;
    }
    (*text)[n] = 0;
    *len = n;
    fclose(f);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load up to opt.devices dumps (sorted by name) at dev_sbdf(i). */
static int load_lspci(void)
{
    DIR *dir = opendir(opt.lspci_dir);
    char *names[MAX_DEVICES];
    unsigned int n = 0;
    struct dirent *e;
    int rc = 0;

    if (!dir)
        return -errno;
    while ((e = readdir(dir)) && n < MAX_DEVICES)
        if (strstr(e->d_name, ".txt"))
            names[n++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, n, sizeof(names[0]), name_cmp);
    if (n < opt.devices)
        opt.devices = n;
    rc = n ? lfv_sim_bridge_create(&bridge) : -ENOENT;
    for (unsigned int i = 0; i < n; i++) {
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", opt.lspci_dir, names[i]);
        if (!rc && i < opt.devices)
            rc = read_file(path, &dump_text[i], &dump_len[i]);
        if (!rc && i < opt.devices)
            rc = lfv_sim_add_lspci(bridge, dump_text[i], dump_len[i],
                                   dev_sbdf(i), NULL);
        free(names[i]);
    }
    return rc;
}

static int setup(void)
{
    struct lfv_system_params p = { .hw_ops = &hw_ops };
    int rc = 0;

    for (unsigned int i = 0; i < MAX_DEVICES; i++)
        pthread_mutex_init(&plug_lock[i], NULL);
    if (opt.lspci_dir) {
        rc = load_lspci();
        if (rc)
            return rc;
        p.hw_ops = lfv_sim_hw_ops();
        p.hw = bridge;
    }
    rc = lfv_system_create(&p, &sys);

    if (!rc)
        rc = lfv_system_add_hook(sys, &stress_hook);
    for (unsigned int i = 0; !rc && i <= opt.guests; i++)
        rc = lfv_domain_create(sys, i, i == 0, &doms[i]);
    for (unsigned int i = 0; !rc && i < opt.devices; i++)
        rc = lfv_pdev_add(sys, dev_sbdf(i));
    return rc;
}

int main(int argc, char **argv)
{
    pthread_t threads[256];
    unsigned int nr = 0;
    struct timespec t0, t1;
    double secs;
    unsigned long failures;
    int rc;

    if (parse(argc, argv))
        return 2;
    lfv_rcu_register_thread();
    rc = setup();
    if (rc) {
        fprintf(stderr, "lfvpci-stress: setup failed: %s\n", strerror(-rc));
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uintptr_t i = 0; i < opt.readers && nr < 256; i++)
        pthread_create(&threads[nr++], NULL, reader, (void *)i);
    for (uintptr_t i = 0; i < opt.writers && nr < 256; i++)
        pthread_create(&threads[nr++], NULL, writer, (void *)i);
    lfv_rcu_thread_offline();
    sleep(opt.seconds);
    lfv_rcu_thread_online();
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (unsigned int i = 0; i < nr; i++)
        pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

    lfv_system_destroy(sys); /* ends with an RCU barrier */
    lfv_sim_bridge_destroy(bridge);
    for (unsigned int i = 0; i < MAX_DEVICES; i++)
        free(dump_text[i]);
    lfv_rcu_unregister_thread();

    failures = stats.torn + stats.stale + stats.leak +
               (__atomic_load_n(&live_data, __ATOMIC_RELAXED) != 0);
    printf("lfvpci-stress: backend %s, %u readers, %u writers, %u devices "
           "(%s), %u guests, %.1f s, seed %" PRIu64 "\n",
           lfv_rcu_backend(), opt.readers, opt.writers, opt.devices,
           bridge ? "lspci dumps on the simulated bridge" : "pattern",
           opt.guests, secs, opt.seed);
    printf("  accesses      %12lu  (%.0f/s)\n", stats.reads,
           stats.reads / secs);
    printf("  config writes %12lu\n", stats.writes);
    printf("  removals      %12lu  (hot-unplug and re-plug)\n", stats.unplugs);
    printf("  moves         %12lu  (de-assign, assign)\n", stats.moves);
    printf("  reg edits     %12lu  by writers, %lu by handlers\n", stats.edits,
           stats.handler_edits);
    printf("  failures      torn %lu, stale %lu, cross-domain %lu, "
           "leaked data %ld\n",
           stats.torn, stats.stale, stats.leak,
           __atomic_load_n(&live_data, __ATOMIC_RELAXED));
    printf("%s\n", failures ? "FAILED" : "OK");
    return failures ? 1 : 0;
}
