/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lfv-domu: create, boot and destroy one Arm64 Linux domU from dom0, over
 * /dev/xen/privcmd only (no toolstack: Debian's libxl refuses what the
 * series needs, GUEST-PLAN.md 1.4 option (c)).  Run by boot/init.sh in
 * xen-boot's dom0.
 *
 *   lfv-domu [OPTION...] IMAGE INITRD MEM_MB TIMEOUT_S BOOTARGS
 *   lfv-domu --dtb OUT MEM_MB BOOTARGS [vpci]   (the device tree only)
 *
 * --vpci: the domain is created with XEN_DOMCTL_CDF_vpci (the series'
 * patch 13) and its device tree has the host bridge libxl would write
 * (pcie@GUEST_VPCI_ECAM_BASE): the guest's ECAM accesses trap into vPCI.
 * --assign SSSS:BB:DD.F: before the guest runs, the PCI function goes to
 * it: XEN_DOMCTL_iomem_permission for the host frames of each memory BAR
 * (dom0's sysfs resource: dom0 on Arm is mapped 1:1, its addresses are
 * the host's), then XEN_DOMCTL_assign_device (XEN_DOMCTL_DEV_PCI, the
 * machine SBDF), as libxl does for a pci= entry; the device goes back to
 * the hardware domain when the domain is destroyed.
 * --try-assign SSSS:BB:DD.F: XEN_DOMCTL_assign_device of a function
 * another domain holds must fail with EBUSY (no permission is granted);
 * the guest then runs without it.  Anything else is a failure.
 * --test-refused SSSS:BB:DD.F: XEN_DOMCTL_test_assign_device of a
 * function that is no endpoint (a bridge) must fail with EPERM, as its
 * assignment would without an IOMMU (after the assignment, if any).
 * --unplug (with --assign): after the hook (if any), while the guest runs,
 * the device is taken from it (XEN_DOMCTL_deassign_device: a hot unplug;
 * the guest's bus loses it, its BARs leave its p2m, the hardware domain
 * gets it back); the guest must still run after.
 * --hook CMD: run CMD (sh -c) once the guest is unpaused, while it runs
 * (dom0's checks of an assigned device, a second guest); its exit status
 * is reported, not judged.  --hook-after TEXT: not before the guest
 * printed a line with TEXT on Xen's console (XEN_SYSCTL_readconsole: the
 * guest's report is done); if it shuts down or TIMEOUT_S passes first,
 * that is a failure.
 *
 * Steps, each a public domctl/memory op of Xen 4.17 (the sources cited
 * are Xen's): createdomain (hvm|hap, 1 vCPU, native GIC, grant v1),
 * max_vcpus, set_address_size 64, set_paging_mempool_size (libxl's
 * size for the RAM and the assigned BARs), max_mem, populate_physmap of
 * MEM_MB at GUEST_RAM0_BASE; the assignment (above); IMAGE (an arm64 Image),
 * INITRD and a device tree written here (memory, one cpu, psci, GICv3,
 * timer, chosen) copied in through foreign mappings (MMAPBATCH_V2), the
 * caches flushed (cacheflush), vCPU 0 started at the Image's entry with
 * x0 = the DTB (setvcpucontext, as libxenguest's xg_dom_arm.c), unpause;
 * then getdomaininfo every 100 ms until the guest shuts down or TIMEOUT_S
 * passes; destroydomain (retried while Xen asks to).
 *
 * stdout: "domu: STEP ..." lines, the last "domu: result ok domid=N
 * shutdown=CODE seconds=S" or "domu: result fail STEP: REASON" (a failed
 * hypercall: its name and errno, e.g. "assign_device 0000:01:00.0:
 * EOPNOTSUPP (Operation not supported)").  Exit
 * status 0 only for a guest that powered off (shutdown code 0) and was
 * destroyed.  The guest reports on Xen's console itself (its Linux writes
 * through earlycon=xenboot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <public/xen.h>
#include <public/domctl.h>
#include <public/memory.h>
#include <public/sched.h>

#include <public/sysctl.h>

#include "domu.h"
#include "domu_console.h"
#include "domu_fdt.h"
#include "domu_pci.h"

/* Linux's privcmd interface (tools/include/xen-sys/Linux/privcmd.h). */
struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};

struct privcmd_mmapbatch_v2 {
    unsigned int num;
    domid_t dom;
    uint64_t addr;
    const xen_pfn_t *arr;
    int *err;
};

#define IOCTL_PRIVCMD_HYPERCALL \
    _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define IOCTL_PRIVCMD_MMAPBATCH_V2 \
    _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define MB (1ul << 20)
#define RAM_BASE GUEST_RAM0_BASE
#define MAP_CHUNK 512 /* pages mapped into dom0 at once (2 MiB) */

static int privcmd = -1;
static domid_t domid;
static bool created;
static const char *step = "start";

void domu_die(const char *where, const char *fmt, ...)
{
    va_list ap;

    printf("domu: result fail %s: ", where);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    exit(1);
}

#define die(...) domu_die(step, __VA_ARGS__)

const char *domu_errname(int err)
{
    static const struct {
        int err;
        const char *name;
    } names[] = {
        { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
        { EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
        { E2BIG, "E2BIG" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
        { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
        { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
        { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
        { ERESTART, "ERESTART" }, { EOPNOTSUPP, "EOPNOTSUPP" },
        { EILSEQ, "EILSEQ" }, { ETIMEDOUT, "ETIMEDOUT" },
    };
    static char buf[96];
    const char *name = "E?";

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].err == err)
            name = names[i].name;
    snprintf(buf, sizeof(buf), "%s (%d, %s)", name, err, strerror(err));
    return buf;
}

static long hypercall(unsigned int op, uint64_t arg0, uint64_t arg1)
{
    struct privcmd_hypercall h = { .op = op, .arg = { arg0, arg1 } };

    return ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

int domu_domctl(struct xen_domctl *d, uint32_t cmd)
{
    d->cmd = cmd;
    d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d->domain = domid;
    return hypercall(__HYPERVISOR_domctl, (uintptr_t)d, 0) < 0 ? -errno : 0;
}

int domu_sysctl(struct xen_sysctl *s)
{
    return hypercall(__HYPERVISOR_sysctl, (uintptr_t)s, 0) < 0 ? -errno : 0;
}

static void domctl_or_die(struct xen_domctl *d, uint32_t cmd,
                          const char *what)
{
    int rc;

    step = what;
    rc = domu_domctl(d, cmd);
    if (rc)
        die("%s", domu_errname(-rc));
}

/* The guest's tree: Xen's guest memory map (public/arch-arm.h). */
static struct domu_fdt_params guest_tree(uint64_t mem, uint64_t initrd,
                                         uint64_t initrd_size,
                                         const char *bootargs,
                                         uint32_t clock_frequency, int vpci)
{
    return (struct domu_fdt_params){
        .mem_base = RAM_BASE, .mem_size = mem,
        .gicd_base = GUEST_GICV3_GICD_BASE,
        .gicd_size = GUEST_GICV3_GICD_SIZE,
        .gicr_base = GUEST_GICV3_GICR0_BASE,
        .gicr_size = GUEST_GICV3_GICR0_SIZE,
        .timer_ppi = { GUEST_TIMER_PHYS_S_PPI, GUEST_TIMER_PHYS_NS_PPI,
                       GUEST_TIMER_VIRT_PPI },
        .psci_cpu_off = PSCI_cpu_off, .psci_cpu_on = PSCI_cpu_on,
        .initrd = initrd, .initrd_size = initrd_size,
        .bootargs = bootargs, .clock_frequency = clock_frequency,
        .vpci = vpci,
        .ecam_base = GUEST_VPCI_ECAM_BASE, .ecam_size = GUEST_VPCI_ECAM_SIZE,
        .win_type = { GUEST_VPCI_ADDR_TYPE_MEM,
                      GUEST_VPCI_ADDR_TYPE_PREFETCH_MEM },
        .win_addr = { GUEST_VPCI_MEM_ADDR, GUEST_VPCI_PREFETCH_MEM_ADDR },
        .win_size = { GUEST_VPCI_MEM_SIZE, GUEST_VPCI_PREFETCH_MEM_SIZE },
    };
}

/* ---- guest memory ---- */

static void *read_file(const char *path, size_t *size)
{
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY);

    if (fd < 0 || fstat(fd, &st))
        die("%s: %s", path, strerror(errno));
    p = malloc(st.st_size ? st.st_size : 1);
    if (!p)
        die("%s: out of memory", path);
    for (size_t got = 0; got < (size_t)st.st_size;) {
        ssize_t n = read(fd, (char *)p + got, st.st_size - got);

        if (n <= 0)
            die("%s: read: %s", path, n ? strerror(errno) : "short");
        got += n;
    }
    close(fd);
    *size = st.st_size;
    return p;
}

static void populate(uint64_t mem)
{
    static xen_pfn_t pfns[4096];
    uint64_t n = mem >> PAGE_SHIFT;

    step = "populate_physmap";
    for (uint64_t done = 0; done < n;) {
        uint64_t k = n - done < 4096 ? n - done : 4096;
        struct xen_memory_reservation r = {
            .nr_extents = k, .extent_order = 0, .domid = domid,
        };
        long rc;

        for (uint64_t i = 0; i < k; i++)
            pfns[i] = (RAM_BASE >> PAGE_SHIFT) + done + i;
        set_xen_guest_handle(r.extent_start, pfns);
        rc = hypercall(__HYPERVISOR_memory_op, XENMEM_populate_physmap,
                       (uintptr_t)&r);
        if (rc != (long)k)
            die("%ld of %lu frames at pfn %#lx (%s)", rc, (unsigned long)k,
                (unsigned long)pfns[0], rc < 0 ? strerror(errno) : "short");
        done += k;
    }
}

/* Copy [src, src + len) to guest physical address gpa, 2 MiB at a time. */
static void copy_in(uint64_t gpa, const void *src, size_t len)
{
    static xen_pfn_t pfns[MAP_CHUNK];
    static int errs[MAP_CHUNK];
    uint64_t first = gpa >> PAGE_SHIFT, last = (gpa + len - 1) >> PAGE_SHIFT;

    step = "map guest memory (MMAPBATCH_V2)";
    for (uint64_t pfn = first; pfn <= last; pfn += MAP_CHUNK) {
        unsigned int k = last - pfn + 1 < MAP_CHUNK ? last - pfn + 1
                                                    : MAP_CHUNK;
        struct privcmd_mmapbatch_v2 b = {
            .num = k, .dom = domid, .arr = pfns, .err = errs,
        };
        uint8_t *va = mmap(NULL, k * PAGE_SIZE, PROT_READ | PROT_WRITE,
                           MAP_SHARED, privcmd, 0);
        uint64_t s, e;

        if (va == MAP_FAILED)
            die("mmap of %u pages: %s", k, strerror(errno));
        for (unsigned int i = 0; i < k; i++)
            pfns[i] = pfn + i;
        b.addr = (uintptr_t)va;
        if (ioctl(privcmd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b))
            die("pfn %#lx +%u: %s", (unsigned long)pfn, k, strerror(errno));
        for (unsigned int i = 0; i < k; i++)
            if (errs[i])
                die("pfn %#lx: error %d", (unsigned long)(pfn + i), errs[i]);
        s = pfn << PAGE_SHIFT;
        e = s + k * PAGE_SIZE;
        if (s < gpa)
            s = gpa;
        if (e > gpa + len)
            e = gpa + len;
        memcpy(va + (s - (pfn << PAGE_SHIFT)), (const uint8_t *)src +
               (s - gpa), e - s);
        munmap(va, k * PAGE_SIZE);
    }
}

static void cacheflush(uint64_t mem)
{
    struct xen_domctl d;
    uint64_t n = mem >> PAGE_SHIFT;

    for (uint64_t done = 0; done < n; done += 1024) {
        memset(&d, 0, sizeof(d));
        d.u.cacheflush.start_pfn = (RAM_BASE >> PAGE_SHIFT) + done;
        d.u.cacheflush.nr_pfns = n - done < 1024 ? n - done : 1024;
        domctl_or_die(&d, XEN_DOMCTL_cacheflush, "cacheflush");
    }
}

static double now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* getdomaininfo's flags of our domain. */
static uint32_t dominfo_flags(void)
{
    struct xen_domctl d;
    int rc;

    memset(&d, 0, sizeof(d));
    rc = domu_domctl(&d, XEN_DOMCTL_getdomaininfo);
    if (rc)
        die("getdomaininfo: %s", domu_errname(-rc));
    return d.u.getdomaininfo.flags;
}

static bool guest_gone(void)
{
    return dominfo_flags() & XEN_DOMINF_shutdown;
}

/*
 * Run CMD while the guest runs (after it printed TEXT, if any); say
 * whether it still ran at the end.
 */
static void run_hook(const char *cmd, const char *text, double timeout)
{
    int st;

    step = "hook";
    if (text) {
        if (!domu_console_wait(domid, text, timeout, guest_gone))
            die("d%u %s before it printed '%s'", domid,
                guest_gone() ? "shut down" : "timed out", text);
        printf("domu: d%u printed '%s'\n", domid, text);
    }
    printf("domu: d%u %s when the hook starts\n", domid,
           dominfo_flags() & XEN_DOMINF_shutdown ? "shut down" : "running");
    fflush(stdout);
    st = system(cmd);
    printf("domu: hook exited with status %d; d%u %s\n",
           st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128,
           domid, dominfo_flags() & XEN_DOMINF_shutdown ? "shut down"
                                                       : "still running");
}

static void destroy(void)
{
    struct xen_domctl d;
    int rc;

    step = "destroydomain";
    for (int i = 0; i < 100000; i++) {
        memset(&d, 0, sizeof(d));
        rc = domu_domctl(&d, XEN_DOMCTL_destroydomain);
        if (rc != -EAGAIN && rc != -EINTR && rc != -ERESTART)
            break;
        usleep(1000);
    }
    if (rc)
        die("%s", domu_errname(-rc));
    created = false;
}

static void destroy_at_exit(void)
{
    if (created) {
        struct xen_domctl d = { 0 };

        for (int i = 0; i < 100000; i++) {
            int rc = domu_domctl(&d, XEN_DOMCTL_destroydomain);

            if (rc != -EAGAIN && rc != -EINTR && rc != -ERESTART)
                break;
            usleep(1000);
        }
        printf("domu: d%u destroyed after the failure\n", domid);
    }
}

int main(int argc, char **argv)
{
    struct xen_domctl d;
    size_t img_size, rd_size, dtb_size;
    uint8_t *img, *rd;
    static uint8_t dtb[2 * 4096];
    uint64_t mem, text_offset, image_size, kernel, initrd, dtb_addr;
    unsigned long timeout;
    uint32_t clock_frequency;
    double t0;
    int vpci = 0, a = 1;
    const char *assign = NULL, *try_assign = NULL, *hook = NULL;
    const char *hook_after = NULL, *test_refused = NULL;
    bool unplug = false;
    struct domu_pci_dev pdev;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if ((argc == 5 || argc == 6) && !strcmp(argv[1], "--dtb")) {
        /* the device tree alone, for a look with dtc: --dtb OUT MEM BOOTARGS */
        FILE *o = fopen(argv[2], "wb");

        struct domu_fdt_params p = guest_tree(strtoull(argv[3], NULL, 0) * MB,
                                              RAM_BASE + 64 * MB, 4096,
                                              argv[4], 0,
                                              argc == 6 &&
                                                  !strcmp(argv[5], "vpci"));

        dtb_size = domu_fdt(dtb, sizeof(dtb), &p);
        if (!dtb_size)
            die("device tree: too large");
        if (!o || fwrite(dtb, 1, dtb_size, o) != dtb_size || fclose(o))
            die("%s: %s", argv[2], strerror(errno));
        return 0;
    }
    for (; a < argc && !strncmp(argv[a], "--", 2); a++) {
        if (!strcmp(argv[a], "--vpci"))
            vpci = 1;
        else if (!strcmp(argv[a], "--assign") && a + 1 < argc)
            assign = argv[++a];
        else if (!strcmp(argv[a], "--try-assign") && a + 1 < argc)
            try_assign = argv[++a];
        else if (!strcmp(argv[a], "--hook") && a + 1 < argc)
            hook = argv[++a];
        else if (!strcmp(argv[a], "--hook-after") && a + 1 < argc)
            hook_after = argv[++a];
        else if (!strcmp(argv[a], "--test-refused") && a + 1 < argc)
            test_refused = argv[++a];
        else if (!strcmp(argv[a], "--unplug"))
            unplug = true;
        else
            break;
    }
    if (argc - a != 5 || (assign && try_assign) || (hook_after && !hook) ||
        (unplug && !assign)) {
        fprintf(stderr,
                "usage: %s [--vpci] [--assign SBDF [--unplug] | --try-assign "
                "SBDF]\n"
                "          [--test-refused SBDF] [--hook CMD "
                "[--hook-after TEXT]]\n"
                "          IMAGE INITRD MEM_MB TIMEOUT_S BOOTARGS\n"
                "       %s --dtb OUT MEM_MB BOOTARGS [vpci]\n", argv[0],
                argv[0]);
        return 2;
    }
    argv += a - 1;
    mem = strtoull(argv[3], NULL, 0) * MB;
    timeout = strtoul(argv[4], NULL, 0);
    if (mem < 64 * MB || mem > 1024 * MB || !timeout)
        die("MEM_MB must be 64..1024 and TIMEOUT_S positive");
    if ((assign || try_assign || test_refused) && !vpci)
        die("--assign, --try-assign and --test-refused need --vpci");
    if (assign || try_assign)
        domu_pci_lookup(assign ? assign : try_assign, &pdev);

    step = "read the Image and the initrd";
    img = read_file(argv[1], &img_size);
    rd = read_file(argv[2], &rd_size);
    /* arm64 Image header: text_offset at 8, image_size at 16, magic at 56 */
    if (img_size < 64 || memcmp(img + 56, "ARM\x64", 4))
        die("%s: no arm64 Image header", argv[1]);
    if (!rd_size)
        die("%s: empty", argv[2]);
    memcpy(&text_offset, img + 8, 8);
    memcpy(&image_size, img + 16, 8);
    if (!image_size)
        image_size = img_size;
    kernel = RAM_BASE + text_offset;
    /* initrd after the kernel's whole image (bss too), 2 MiB aligned */
    initrd = (kernel + image_size + 4 * MB) & ~(2 * MB - 1);
    dtb_addr = (initrd + rd_size + 4 * MB) & ~(2 * MB - 1);
    if (dtb_addr + sizeof(dtb) > RAM_BASE + mem)
        die("%lu MiB is too little for the Image, initrd and DTB",
            (unsigned long)(mem / MB));

    step = "open /dev/xen/privcmd";
    if (mlockall(MCL_CURRENT | MCL_FUTURE))
        die("mlockall: %s", strerror(errno));
    privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (privcmd < 0)
        die("%s", strerror(errno));
    atexit(destroy_at_exit);

    memset(&d, 0, sizeof(d));
    d.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap |
                             (vpci ? XEN_DOMCTL_CDF_vpci : 0);
    d.u.createdomain.max_vcpus = 1;
    d.u.createdomain.max_evtchn_port = 1023;
    d.u.createdomain.max_grant_frames = -1;
    d.u.createdomain.max_maptrack_frames = -1;
    d.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(1);
    d.u.createdomain.arch.gic_version = XEN_DOMCTL_CONFIG_GIC_NATIVE;
    d.u.createdomain.arch.tee_type = XEN_DOMCTL_CONFIG_TEE_NONE;
    domid = 0; /* Xen picks the id */
    domctl_or_die(&d, XEN_DOMCTL_createdomain, "createdomain");
    domid = d.domain;
    created = true;
    clock_frequency = d.u.createdomain.arch.clock_frequency;
    if (d.u.createdomain.arch.gic_version != XEN_DOMCTL_CONFIG_GIC_V3)
        die("GIC %u: the device tree written here is for GICv3",
            d.u.createdomain.arch.gic_version);
    printf("domu: created d%u (GICv3%s)\n", domid, vpci ? ", vPCI" : "");

    memset(&d, 0, sizeof(d));
    d.u.max_vcpus.max = 1;
    domctl_or_die(&d, XEN_DOMCTL_max_vcpus, "max_vcpus");
    memset(&d, 0, sizeof(d));
    d.u.address_size.size = 64;
    domctl_or_die(&d, XEN_DOMCTL_set_address_size, "set_address_size");
    {
        /*
         * The p2m's pages: libxl's libxl_get_required_shadow_memory()
         * (4 KiB * (256 per vCPU + 2 per MiB)), over the RAM and the
         * assigned BARs (mapped into the same p2m), in whole MiB.
         */
        uint64_t mapped = mem + (assign ? domu_pci_bar_bytes(&pdev) : 0);
        uint64_t pool = 4096 * (256 * 1 + 2 * ((mapped + MB - 1) / MB));

        pool = (pool + MB - 1) & ~(MB - 1);
        memset(&d, 0, sizeof(d));
        d.u.paging_mempool.size = pool;
        domctl_or_die(&d, XEN_DOMCTL_set_paging_mempool_size,
                      "set_paging_mempool_size");
        printf("domu: d%u p2m pool %lu MiB\n", domid,
               (unsigned long)(pool / MB));
    }
    memset(&d, 0, sizeof(d));
    d.u.max_mem.max_memkb = mem / 1024 + 1024;
    domctl_or_die(&d, XEN_DOMCTL_max_mem, "max_mem");
    populate(mem);
    printf("domu: d%u has %lu MiB at %#lx\n", domid,
           (unsigned long)(mem / MB), (unsigned long)RAM_BASE);
    if (assign)
        domu_pci_assign(&pdev, domid);
    else if (try_assign)
        domu_pci_try_assign(&pdev, domid);
    if (test_refused)
        domu_pci_test_refused(test_refused, domid);

    {
        struct domu_fdt_params p = guest_tree(mem, initrd, rd_size, argv[5],
                                              clock_frequency, vpci);

        step = "device tree";
        dtb_size = domu_fdt(dtb, sizeof(dtb), &p);
        if (!dtb_size)
            die("too large");
    }
    copy_in(kernel, img, img_size);
    copy_in(initrd, rd, rd_size);
    copy_in(dtb_addr, dtb, dtb_size);
    free(img);
    free(rd);
    cacheflush(mem);
    printf("domu: loaded Image at %#lx (%zu bytes), initrd at %#lx "
           "(%zu bytes), DTB at %#lx (%zu bytes)\n", (unsigned long)kernel,
           img_size, (unsigned long)initrd, rd_size,
           (unsigned long)dtb_addr, dtb_size);

    {
        static vcpu_guest_context_t ctx;

        memset(&ctx, 0, sizeof(ctx));
        ctx.user_regs.pc64 = kernel;
        ctx.user_regs.x0 = dtb_addr;
        ctx.user_regs.cpsr = PSR_GUEST64_INIT;
        ctx.sctlr = SCTLR_GUEST_INIT;
        ctx.flags = VGCF_online;
        memset(&d, 0, sizeof(d));
        d.u.vcpucontext.vcpu = 0;
        set_xen_guest_handle(d.u.vcpucontext.ctxt, &ctx);
        domctl_or_die(&d, XEN_DOMCTL_setvcpucontext, "setvcpucontext");
    }

    if (hook_after)
        domu_console_start();
    memset(&d, 0, sizeof(d));
    domctl_or_die(&d, XEN_DOMCTL_unpausedomain, "unpausedomain");
    t0 = now();
    printf("domu: d%u running\n", domid);
    if (hook)
        run_hook(hook, hook_after, timeout);
    if (unplug) {
        step = "unplug";
        if (guest_gone())
            die("d%u shut down before its device was taken", domid);
        domu_pci_deassign(&pdev, domid);
        printf("domu: deassign_device %s from d%u: ok, d%u %s\n", pdev.name,
               domid, domid, guest_gone() ? "shut down" : "running");
    }

    step = "wait for the guest to shut down";
    for (;;) {
        int rc;

        memset(&d, 0, sizeof(d));
        rc = domu_domctl(&d, XEN_DOMCTL_getdomaininfo);
        if (rc)
            die("getdomaininfo: %s", domu_errname(-rc));
        if (d.u.getdomaininfo.flags & XEN_DOMINF_shutdown)
            break;
        if (now() - t0 > timeout)
            die("no shutdown within %lu s", timeout);
        usleep(100000);
    }
    {
        unsigned int code = (d.u.getdomaininfo.flags >>
                             XEN_DOMINF_shutdownshift) &
                            XEN_DOMINF_shutdownmask;
        double dt = now() - t0;

        printf("domu: d%u shut down (code %u) after %.0f s\n", domid, code,
               dt);
        destroy();
        if (code != SHUTDOWN_poweroff)
            die("shutdown code %u, not poweroff", code);
        printf("domu: result ok domid=%u shutdown=%u seconds=%.0f\n", domid,
               code, dt);
    }
    return 0;
}
