/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every bad input to the device loaders gets the right errno, file, line
 * and reason (struct lfv_sim_error), and leaves the bridge unchanged; the
 * inputs that used to give wrong answers (a plain lspci -x dump sized from
 * address bits, a [size=] cut at column 511, a wrapping sysfs range, a
 * 64-bit resource on a 32-bit BAR, a FIFO that blocked the reader) are
 * among them.  Inputs are generated here, in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lfvpci/rcu.h>
#include <lfvpci/simhw.h>

#include "tests/check.h"

static struct lfv_sim_bridge *b;
static char tmp[] = "/tmp/lfv-loader-XXXXXX";

/* One device: BAR 0 32-bit memory (4K), BAR 1 I/O, BAR 2/3 64-bit. */
#define REGION0 "\tRegion 0: Memory at f0000000 (32-bit, non-prefetchable) " \
                "[size=4K]\n"
#define REGION1 "\tRegion 1: I/O ports at e000 [size=32]\n"
#define REGION2 "\tRegion 2: Memory at 4000000000 (64-bit, prefetchable) " \
                "[size=8G]\n"
#define DUMP_00 "00: 86 80 34 12 00 00 10 00 01 00 00 02 00 00 00 00\n"
#define DUMP_10 "10: 00 00 00 f0 01 e0 00 00 0c 00 00 00 40 00 00 00\n"
#define DUMP_20 "20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
#define DUMP_30 "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
#define REGIONS REGION0 REGION1 REGION2
#define DUMP DUMP_00 DUMP_10 DUMP_20 DUMP_30

static const char good[] = "# a comment\n"
    "00:1f.0 Non-VGA unclassified device [0000]: Test\n" REGIONS DUMP;

/* Load text as one device; check errno, line and that the reason holds
 * `why`; the bridge must be unchanged. */
static void expect_text(const char *text, int rc, unsigned int line,
                        const char *why, int src_line)
{
    struct lfv_sim_error e;
    unsigned int nr = lfv_sim_nr_devices(b);
    int got = lfv_sim_add_lspci_err(b, "t.txt", text, strlen(text),
                                    LFV_SBDF(0, 9, 0, 0), NULL, &e);

    if (got != rc || e.err != rc || e.line != line ||
        !strstr(e.reason, why) || strcmp(e.file, "t.txt")) {
        fprintf(stderr, "line %d: got %d (err %d) %s:%u: %s; want %d at "
                "line %u with \"%s\"\n", src_line, got, e.err, e.file,
                e.line, e.reason, rc, line, why);
        check_failed++;
    } else {
        check_passed++;
    }
    CHECK_EQ(lfv_sim_nr_devices(b), nr);
}
#define EXPECT(text, rc, line, why) expect_text(text, rc, line, why, __LINE__)

static void test_lspci_text(void)
{
    struct lfv_sim_error e;
    char *long_line;
    lfv_sbdf_t s = 0;
    size_t n;

    /* The good one loads, sized from its Region lines. */
    CHECK_EQ(lfv_sim_add_lspci_err(b, "t.txt", good, strlen(good),
                                   LFV_SIM_SBDF_AUTO, &s, &e), 0);
    CHECK_EQ(e.err, 0);
    CHECK_EQ(s, LFV_SBDF(0, 0, 0x1f, 0));
    CHECK_EQ(lfv_sim_bar_size(b, s, 0), 4096);
    CHECK_EQ(lfv_sim_bar_size(b, s, 1), 32);
    CHECK_EQ(lfv_sim_bar_size(b, s, 2), 8ull << 30);
    CHECK_EQ(lfv_sim_remove(b, s), 0);

    /* lspci -F prints the high half of the 64-bit BAR 2 (0x40) as a
     * Region of its own, unassigned and without a size: not a BAR. */
    {
        static const char f[] = "00:1f.0 A\n" REGIONS
            "\tRegion 3: Memory at <unassigned> (32-bit, non-prefetchable)\n"
            DUMP;

        CHECK_EQ(lfv_sim_add_lspci_err(b, "f.txt", f, strlen(f),
                                       LFV_SIM_SBDF_AUTO, &s, &e), 0);
        CHECK_EQ(lfv_sim_bar_size(b, s, 2), 8ull << 30);
        CHECK_EQ(lfv_sim_bar_size(b, s, 3), 0);
        CHECK_EQ(lfv_sim_remove(b, s), 0);
    }
    /* ... but one that claims a size is refused. */
    EXPECT("00:1f.0 Test\n" REGIONS "\tRegion 3: Memory at <unassigned> "
           "(32-bit, non-prefetchable) [size=4K]\n" DUMP, -EINVAL, 5,
           "Region 3: BAR 3 is the high half of the 64-bit BAR 2");

    /* Plain lspci -x: no sizes to be had. */
    EXPECT("00:1f.0 Test\n" DUMP, -EINVAL, 1,
           "no Region lines: run lspci -vv");
    /* -v text but a set BAR without its Region line. */
    EXPECT("00:1f.0 Test\n" REGION0 REGION2 DUMP, -EINVAL, 1,
           "BAR 1 register is 0000e001 but there is no Region 1 line");
    EXPECT("00:1f.0 Test\n" REGIONS, -EINVAL, 1, "no hex dump");
    EXPECT("00:1f.0 Test\n" REGIONS DUMP_00 DUMP_10, -EINVAL, 6,
           "hex dump of 32 bytes is truncated");
    EXPECT("00:1f.0 Test\n" REGIONS DUMP_00 "10: 00 zz\n", -EINVAL, 6,
           "malformed hex dump line");
    EXPECT("00:1f.0 Test\n" REGIONS DUMP_00 DUMP_20, -EINVAL, 6,
           "hex dump offset 20 out of sequence (expected 10)");
    EXPECT("00:1f.0 Test\n" REGION0 REGION0 REGION2 DUMP, -EINVAL, 3,
           "a second Region 0 line (the first at line 2)");
    EXPECT("00:1f.0 Test\n\tRegion 9: Memory at 0\n" DUMP, -EINVAL, 2,
           "Region 9: a device has BARs 0 to 5");
    EXPECT("00:1f.0 Test\n\tRegion 0: I/O ports at f000 [size=4K]\n"
           REGION1 REGION2 DUMP, -EINVAL, 2,
           "Region 0: says I/O but the dump's BAR is memory");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (64-bit, "
           "non-prefetchable) [size=4K]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "Region 0: its memory type (32/64-bit) contradicts");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
           "prefetchable) [size=4K]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "prefetchable flag contradicts");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
           "non-prefetchable) [size=3K]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "BAR 0: size 0xc00: size is not a power of two");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
           "non-prefetchable) [size=4Q]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "unknown unit");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
           "non-prefetchable) [size=4G]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "more than a 32-bit BAR can hold");
    /* 2^24 T would wrap to 1T if shifted blindly. */
    EXPECT("00:1f.0 Test\n" REGION0 REGION1 "\tRegion 2: Memory at "
           "4000000000 (64-bit, prefetchable) [size=16777217T]\n" DUMP,
           -EINVAL, 4, "above 2^63");
    EXPECT("00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
           "non-prefetchable) [size=512M]\n" REGION1 REGION2 DUMP, -EINVAL, 2,
           "not aligned to the size");
    EXPECT(REGIONS DUMP, -EINVAL, 1, "expected a device's header line");
    EXPECT("00:1f.0 Test\n" REGIONS
           "00: ff ff ff ff 00 00 10 00 01 00 00 02 00 00 00 00\n"
           DUMP_10 DUMP_20 DUMP_30, -EINVAL, 1,
           "vendor ID ffff: an SR-IOV virtual function");
    EXPECT("", -EINVAL, 0, "no device");
    EXPECT("# only a comment\n\n", -EINVAL, 0, "no device");
    /* More than one device through the one-device call. */
    EXPECT("00:1f.0 A\n" REGIONS DUMP "\n# next\n00:1e.0 B\n" REGIONS DUMP,
           -EINVAL, 11, "more than one device");
    EXPECT("00:1f.0 A\n" REGIONS DUMP "\nhello\n", -EINVAL, 10,
           "not another device");
    {
        static const char nul[] = "00:1f.0 Test\n" REGIONS "\0" DUMP;
        unsigned int nr = lfv_sim_nr_devices(b);

        CHECK_EQ(lfv_sim_add_lspci_err(b, "t.txt", nul, sizeof(nul) - 1,
                                       LFV_SBDF(0, 9, 0, 0), NULL, &e),
                 -EINVAL);
        CHECK_EQ(e.line, 5);
        CHECK(strstr(e.reason, "NUL byte") != NULL);
        CHECK_EQ(lfv_sim_nr_devices(b), nr);
    }
    /* Taken address. */
    CHECK_EQ(lfv_sim_add_lspci(b, good, strlen(good), LFV_SBDF(0, 9, 0, 0),
                               NULL), 0);
    EXPECT(good, -EEXIST, 2, "0000:09:00.0 is taken"); /* header line */
    CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 9, 0, 0)), 0);
    CHECK_EQ(lfv_sim_add_lspci(b, good, strlen(good), LFV_SIM_SBDF_AUTO,
                               &s), 0);
    CHECK_EQ(lfv_sim_add_lspci_err(b, "t.txt", good, strlen(good),
                                   LFV_SIM_SBDF_AUTO, NULL, &e), -EEXIST);
    CHECK(strstr(e.reason, "0000:00:1f.0 is taken by another device"));
    CHECK_EQ(lfv_sim_remove(b, s), 0);

    /*
     * A Region line longer than 512 characters: its [size=128K] is read,
     * not cut off (it used to become the 4 KiB default).
     */
    n = strlen(REGION0) + 1000;
    long_line = malloc(2 * n + sizeof(good));
    CHECK(long_line != NULL);
    if (!long_line)
        return;
    snprintf(long_line, 2 * n + sizeof(good),
             "00:1f.0 Test\n\tRegion 0: Memory at f0000000 (32-bit, "
             "non-prefetchable) %0900d[size=128K]\n" REGION1 REGION2 DUMP, 0);
    CHECK_EQ(lfv_sim_add_lspci_err(b, "t.txt", long_line, strlen(long_line),
                                   LFV_SIM_SBDF_AUTO, &s, &e), 0);
    CHECK_EQ(lfv_sim_bar_size(b, s, 0), 128 << 10);
    CHECK_EQ(lfv_sim_remove(b, s), 0);
    free(long_line);
}

/*
 * MSI-X placement: a table or PBA must lie inside an implemented memory
 * BAR (the device of `good` with an MSI-X capability at 0x40, one entry).
 */
static void test_lspci_msix(void)
{
    static const struct {
        const char *table, *pba, *why;
    } bad[] = {
        { "01 00 00 00", "00 08 00 00", "MSI-X: BIR names an I/O BAR" },
        { "00 00 00 00", "00 10 00 00",
          "MSI-X: it extends past the end of its BAR" },
        { "03 00 00 00", "00 08 00 00",
          "MSI-X: BIR names the upper half of a 64-bit BAR" },
        { "07 00 00 00", "00 08 00 00",
          "MSI-X: BIR 6 and 7 are reserved" },
        { "05 00 00 00", "00 08 00 00",
          "MSI-X: BIR names a BAR the device does not implement" },
        { "00 00 00 00", "08 00 00 00", "MSI-X: the table and the PBA "
          "overlap" },
    };
    char text[4096], row[128];
    lfv_sbdf_t s = 0;

    for (unsigned int k = 0; k <= sizeof(bad) / sizeof(bad[0]); k++) {
        const char *t = k < sizeof(bad) / sizeof(bad[0]) ? bad[k].table
                                                         : "02 00 00 00";
        const char *p = k < sizeof(bad) / sizeof(bad[0]) ? bad[k].pba
                                                         : "02 08 00 00";

        snprintf(text, sizeof(text), "00:1f.0 Test\n" REGIONS
                 "00: 86 80 34 12 00 00 10 00 01 00 00 02 00 00 00 00\n"
                 DUMP_10 DUMP_20
                 "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00\n"
                 "40: 11 00 00 00 %s %s 00 00 00 00\n", t, p);
        for (unsigned int off = 0x50; off < 0x100; off += 16) {
            snprintf(row, sizeof(row), "%02x: 00 00 00 00 00 00 00 00 00 00 "
                     "00 00 00 00 00 00\n", off);
            strcat(text, row);
        }
        if (k < sizeof(bad) / sizeof(bad[0])) {
            expect_text(text, -EINVAL, 1, bad[k].why, __LINE__);
        } else { /* table and PBA in the 64-bit BAR 2: good */
            CHECK_EQ(lfv_sim_add_lspci(b, text, strlen(text),
                                       LFV_SIM_SBDF_AUTO, &s), 0);
            CHECK_EQ(lfv_sim_remove(b, s), 0);
        }
    }
}

/* A text with several devices loads them all through the cursor. */
static void test_lspci_cursor(void)
{
    static const char two[] = "00:1f.0 A\n" REGIONS DUMP
                              "\n\n# second\n0001:02:00.1 B\n" REGIONS DUMP;
    struct lfv_sim_lspci_text t;
    struct lfv_sim_error e;
    lfv_sbdf_t named = 0, s = 0;
    unsigned int line = 0;

    lfv_sim_lspci_text_init(&t, "two.txt", two, strlen(two));
    CHECK_EQ(lfv_sim_lspci_peek(&t, &named, &line), 0);
    CHECK_EQ(named, LFV_SBDF(0, 0, 0x1f, 0));
    CHECK_EQ(line, 1);
    CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e), 0);
    CHECK_EQ(s, LFV_SBDF(0, 0, 0x1f, 0));
    CHECK_EQ(lfv_sim_lspci_peek(&t, &named, &line), 0);
    CHECK_EQ(named, LFV_SBDF(1, 2, 0, 1));
    CHECK_EQ(line, 12);
    CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SBDF(0, 5, 0, 0), &s, &e), 0);
    CHECK_EQ(s, LFV_SBDF(0, 5, 0, 0));
    CHECK_EQ(lfv_sim_bar_size(b, s, 2), 8ull << 30);
    CHECK_EQ(lfv_sim_lspci_peek(&t, &named, NULL), -ENODATA);
    CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e), -ENODATA);
    CHECK_EQ(e.err, 0);
    CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 0, 0x1f, 0)), 0);
    CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 5, 0, 0)), 0);

    /* Files concatenated: a comment line right after a device's dump
     * ends it, and the next device follows. */
    {
        static const char cat[] = "# first\n00:1f.0 A\n" REGIONS DUMP
                                   "# second\n00:1e.0 B\n" REGIONS DUMP;

        lfv_sim_lspci_text_init(&t, "cat.txt", cat, strlen(cat));
        CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e), 0);
        CHECK_EQ(lfv_sim_lspci_peek(&t, &named, &line), 0);
        CHECK_EQ(named, LFV_SBDF(0, 0, 0x1e, 0));
        CHECK_EQ(line, 11);
        CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e), 0);
        CHECK_EQ(s, LFV_SBDF(0, 0, 0x1e, 0));
        CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 0, 0x1f, 0)), 0);
        CHECK_EQ(lfv_sim_remove(b, s), 0);
    }

    /* lspci -vv -x: 64 bytes; a capability pointer into the bytes not
     * dumped gives no capability list (not one made of zeros). */
    {
        static const char x64[] = "00:1f.0 A\n" REGIONS
            "00: 86 80 34 12 00 00 10 00 01 00 00 02 00 00 00 00\n"
            DUMP_10 DUMP_20
            "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00\n";

        CHECK_EQ(lfv_sim_add_lspci_err(b, "x64.txt", x64, strlen(x64),
                                       LFV_SIM_SBDF_AUTO, &s, &e), 0);
        CHECK_EQ(lfv_sim_cfg_read(b, s, 0x06, 2) & 0x10, 0);
        CHECK_EQ(lfv_sim_cfg_read(b, s, 0x34, 1), 0);
        CHECK_EQ(lfv_sim_remove(b, s), 0);
    }

    /* An error in the second device names its line; the first stays. */
    {
        static const char bad2[] = "00:1f.0 A\n" REGIONS DUMP
                                   "00:1e.0 B\n" REGIONS DUMP_00 "zz\n";

        lfv_sim_lspci_text_init(&t, "bad2.txt", bad2, strlen(bad2));
        CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e), 0);
        CHECK_EQ(lfv_sim_lspci_next(b, &t, LFV_SIM_SBDF_AUTO, &s, &e),
                 -EINVAL);
        CHECK_EQ(e.line, 14);
        CHECK(!strcmp(e.file, "bad2.txt"));
        CHECK(strstr(e.reason, "neither a hex dump line") != NULL);
        CHECK_EQ(lfv_sim_remove(b, LFV_SBDF(0, 0, 0x1f, 0)), 0);
    }
}

static void put(const char *name, const void *data, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmp, name);
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void on_alarm(int sig)
{
    (void)sig;
    fprintf(stderr, "a loader blocked (FIFO?)\n");
    _exit(1);
}

static void test_lspci_files(void)
{
    char path[256], big[4096];
    struct lfv_sim_error e;
    char buf[2048];
    FILE *f;

    snprintf(path, sizeof(path), "%s/none.txt", tmp);
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, path, LFV_SIM_SBDF_AUTO, NULL,
                                        &e), -ENOENT);
    CHECK(!strcmp(e.file, path));
    CHECK(!strcmp(e.reason, "No such file or directory"));
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, tmp, LFV_SIM_SBDF_AUTO, NULL,
                                        &e), -EISDIR);
    CHECK(strstr(e.reason, "is a directory") != NULL);
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, "/dev/null", LFV_SIM_SBDF_AUTO,
                                        NULL, &e), -EINVAL);
    CHECK(strstr(e.reason, "is a character device") != NULL);
    snprintf(path, sizeof(path), "%s/fifo", tmp);
    CHECK_EQ(mkfifo(path, 0600), 0);
    alarm(20); /* a FIFO with no writer must not block the loader */
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, path, LFV_SIM_SBDF_AUTO, NULL,
                                        &e), -EINVAL);
    alarm(0);
    CHECK(strstr(e.reason, "is a FIFO") != NULL);
    unlink(path);
    /* Above the stated limit. */
    snprintf(path, sizeof(path), "%s/big.txt", tmp);
    f = fopen(path, "w");
    CHECK(f != NULL);
    memset(big, '#', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\n';
    for (unsigned int i = 0; f && i <= LFV_SIM_LSPCI_MAX_FILE / sizeof(big);
         i++)
        fwrite(big, 1, sizeof(big), f);
    if (f)
        fclose(f);
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, path, LFV_SIM_SBDF_AUTO, NULL,
                                        &e), -EFBIG);
    CHECK(strstr(e.reason, "longer than 1048576 bytes") != NULL);
    unlink(path);
    /* Errors in a file carry its name and the line. */
    put("bad.txt", "00:1f.0 Test\n" DUMP, strlen("00:1f.0 Test\n" DUMP));
    snprintf(path, sizeof(path), "%s/bad.txt", tmp);
    CHECK_EQ(lfv_sim_add_lspci_file_err(b, path, LFV_SIM_SBDF_AUTO, NULL,
                                        &e), -EINVAL);
    CHECK_EQ(e.line, 1);
    CHECK(!strcmp(e.file, path));
    snprintf(big, sizeof(big), "%s:1: no Region lines: run lspci -vv", path);
    CHECK(!strncmp(lfv_sim_error_str(&e, buf, sizeof(buf)), big,
                   strlen(big)));
    unlink(path);
}

/* ---- sysfs ---- */

static const char zero[] = "0x0000000000000000 0x0000000000000000 "
                           "0x0000000000000000\n";
/* BAR 0 32-bit memory at f0000000, BAR 1 I/O at e000, BAR 2 64-bit. */
static uint8_t cfg[256];

static void put_resource(const char *l0, const char *l1, const char *l2,
                         unsigned int lines)
{
    char res[2048] = "";
    const char *l[3] = { l0, l1, l2 };

    for (unsigned int i = 0; i < lines; i++)
        strcat(res, i < 3 && l[i] ? l[i] : zero);
    put("resource", res, strlen(res));
}

#define R0 "0x00000000f0000000 0x00000000f0000fff 0x0000000000040200\n"
#define R1 "0x000000000000e000 0x000000000000e01f 0x0000000000040101\n"
#define R2 "0x0000004000000000 0x00000041ffffffff 0x000000000014220c\n"

static void expect_sysfs(int rc, const char *file, unsigned int line,
                         const char *why, int src_line)
{
    struct lfv_sim_error e;
    char path[256];
    unsigned int nr = lfv_sim_nr_devices(b);
    int got = lfv_sim_add_sysfs_err(b, tmp, LFV_SBDF(0, 9, 0, 0), NULL, &e);

    snprintf(path, sizeof(path), "%s/%s", tmp, file);
    if (got != rc || e.err != rc || e.line != line ||
        !strstr(e.reason, why) || strcmp(e.file, file ? path : tmp)) {
        fprintf(stderr, "line %d: got %d %s:%u: %s; want %d %s:%u \"%s\"\n",
                src_line, got, e.file, e.line, e.reason, rc, path, line, why);
        check_failed++;
    } else {
        check_passed++;
    }
    CHECK_EQ(lfv_sim_nr_devices(b), nr);
}
#define EXPECT_SYSFS(rc, file, line, why)                                   \
    expect_sysfs(rc, file, line, why, __LINE__)

static void test_sysfs(void)
{
    struct lfv_sim_error e;
    char path[256];
    lfv_sbdf_t s = 0;

    memcpy(cfg, (const uint8_t[]){ 0x86, 0x80, 0x34, 0x12 }, 4);
    cfg[0x10 + 3] = 0xf0;                 /* BAR 0 */
    cfg[0x14] = 0x01, cfg[0x15] = 0xe0;   /* BAR 1 I/O */
    cfg[0x18] = 0x0c, cfg[0x1c] = 0x40;   /* BAR 2/3 64-bit pref */
    put("config", cfg, sizeof(cfg));
    put_resource(R0, R1, R2, 7);
    CHECK_EQ(lfv_sim_add_sysfs_err(b, tmp, LFV_SBDF(0, 9, 0, 0), &s, &e), 0);
    CHECK_EQ(lfv_sim_bar_size(b, s, 2), 8ull << 30);
    CHECK_EQ(lfv_sim_remove(b, s), 0);

    put_resource("0x0000000000000000 0xffffffffffffffff 0x0000000000040200\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "covers all 2^64 addresses");
    put_resource("0x00000000f0000fff 0x00000000f0000000 0x0000000000040200\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "below start");
    put_resource("0x00000000f0000000 0x00000000f0000fff 0x0000000000000000\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "flags 0 on the range");
    put_resource("0x00000000f0000000 0x00000000f0000fff 0x0000000000140200\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1,
                 "BAR 0: flags say 64-bit but the BAR in config is 32-bit");
    put_resource("0x00000000f0000000 0x00000000f0000fff 0x0000000000040101\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "flags say I/O but the BAR in "
                 "config is memory");
    put_resource(R0, "0x000000000000e000 0x000000000000e01f "
                 "0x0000000000040200\n", R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 2, "flags say memory but the BAR in "
                 "config is I/O");
    put_resource(R0, R1, "0x0000004000000000 0x00000041ffffffff "
                 "0x000000000004220c\n", 7);
    EXPECT_SYSFS(-EINVAL, "resource", 3, "flags say 32-bit but the BAR in "
                 "config is 64-bit");
    put_resource(R0, R1, "0x0000004000000000 0x00000041ffffffff "
                 "0x000000000014020c\n", 7);
    EXPECT_SYSFS(-EINVAL, "resource", 3, "prefetchable in flags");
    put_resource(R0, R1, "0x0000004000000000 0x00000041ffffffff "
                 "0x000000000014230c\n", 7);
    EXPECT_SYSFS(-EINVAL, "resource", 3, "both I/O and memory");
    put_resource("0x00000000f0000000 0x00000000f0002fff 0x0000000000040200\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "size is not a power of two");
    put_resource("0x00000000f0001000 0x00000000f0002fff 0x0000000000040200\n",
                 R1, R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 1, "start 0xf0001000 not aligned");
    put_resource("0x0000000000000000 0x00000000ffffffff 0x0000000000040200\n",
                 R1, R2, 7);
    cfg[0x13] = 0;
    put("config", cfg, sizeof(cfg));
    EXPECT_SYSFS(-EINVAL, "resource", 1, "more than a 32-bit BAR can hold");
    cfg[0x13] = 0xf0;
    put("config", cfg, sizeof(cfg));
    put_resource(R0, R1, R2, 7);
    {
        char res[2048];

        snprintf(res, sizeof(res), "%s%s%s%s%s%s%s", R0, R1, R2,
                 "0x0000000000001000 0x0000000000001fff 0x0000000000040200\n",
                 zero, zero, zero);
        put("resource", res, strlen(res));
    }
    EXPECT_SYSFS(-EINVAL, "resource", 4, "BAR 3 is the high half of the "
                 "64-bit BAR 2");
    put_resource(R0, R1, R2, 5);
    EXPECT_SYSFS(-EINVAL, "resource", 0, "5 lines: a device's resource file "
                 "has at least 6");
    put_resource(R0, "0x0 0x1f\n", R2, 7);
    EXPECT_SYSFS(-EINVAL, "resource", 2, "not \"0xstart 0xend 0xflags\"");
    put_resource(R0, R1, R2, 7);
    put("config", cfg, 32);
    EXPECT_SYSFS(-EINVAL, "config", 0, "32 bytes: a configuration space has "
                 "at least the 64-byte header");
    {
        static uint8_t huge[5000];

        memcpy(huge, cfg, sizeof(cfg));
        put("config", huge, sizeof(huge));
    }
    EXPECT_SYSFS(-EINVAL, "config", 0, "longer than 4096 bytes");
    snprintf(path, sizeof(path), "%s/config", tmp);
    unlink(path);
    CHECK_EQ(mkfifo(path, 0600), 0);
    alarm(20);
    EXPECT_SYSFS(-EINVAL, "config", 0, "is a FIFO, not a sysfs config file");
    alarm(0);
    unlink(path);
    EXPECT_SYSFS(-ENOENT, "config", 0, "missing: a sysfs-style device "
                 "directory holds config and resource");

    /* MSI-X table in the I/O BAR 1: named in config. */
    put_resource(R0, R1, R2, 7);
    cfg[0x06] = 0x10, cfg[0x34] = 0x40;
    cfg[0x40] = 0x11, cfg[0x44] = 0x01, cfg[0x49] = 0x08;
    put("config", cfg, sizeof(cfg));
    EXPECT_SYSFS(-EINVAL, "config", 0, "MSI-X: BIR names an I/O BAR");
    cfg[0x44] = 0x00; /* table at BAR 0 + 0, PBA at BAR 0 + 0x800: good */
    put("config", cfg, sizeof(cfg));
    CHECK_EQ(lfv_sim_add_sysfs_err(b, tmp, LFV_SBDF(0, 9, 0, 0), &s, &e), 0);
    CHECK_EQ(lfv_sim_remove(b, s), 0);
    cfg[0x06] = cfg[0x34] = cfg[0x40] = cfg[0x49] = 0;

    /* An SR-IOV VF's config: IDs read ffff, BARs 0. */
    cfg[0] = cfg[1] = 0xff;
    put("config", cfg, sizeof(cfg));
    EXPECT_SYSFS(-EINVAL, "config", 0, "vendor ID ffff: an SR-IOV virtual "
                 "function");
    cfg[0] = 0x86, cfg[1] = 0x80;
    put("config", cfg, sizeof(cfg));

    /* 64 bytes (an unprivileged reader's): no capability list. */
    cfg[0x06] = 0x10;
    cfg[0x34] = 0x40;
    cfg[0x40] = 0x05;
    put("config", cfg, 64);
    CHECK_EQ(lfv_sim_add_sysfs_err(b, tmp, LFV_SBDF(0, 9, 0, 0), &s, &e), 0);
    CHECK_EQ(lfv_sim_cfg_read(b, s, 0x06, 2) & 0x10, 0);
    CHECK_EQ(lfv_sim_cfg_read(b, s, 0x34, 1), 0);
    CHECK_EQ(lfv_sim_cfg_read(b, s, 0x10, 4), 0xf0000000u);
    CHECK_EQ(lfv_sim_remove(b, s), 0);
    /* Any length short of 256 bytes: the list at 0x40 was read, but not
     * all of 0x40-0xff: still none. */
    put("config", cfg, 100);
    CHECK_EQ(lfv_sim_add_sysfs_err(b, tmp, LFV_SBDF(0, 9, 0, 0), &s, &e), 0);
    CHECK_EQ(lfv_sim_cfg_read(b, s, 0x06, 2) & 0x10, 0);
    CHECK_EQ(lfv_sim_cfg_read(b, s, 0x34, 1), 0);
    CHECK_EQ(lfv_sim_remove(b, s), 0);
    put("config", cfg, sizeof(cfg));

    /* The directory itself. */
    CHECK_EQ(lfv_sim_add_sysfs_err(b, tmp, LFV_SIM_SBDF_AUTO, NULL, &e),
             -EINVAL);
    CHECK(strstr(e.reason, "not a PCI address") != NULL);
    snprintf(path, sizeof(path), "%s/config", tmp);
    CHECK_EQ(lfv_sim_add_sysfs_err(b, path, LFV_SBDF(0, 9, 0, 0), NULL, &e),
             -ENOTDIR);
    CHECK(strstr(e.reason, "not a directory") != NULL);
    snprintf(path, sizeof(path), "%s/nothere", tmp);
    CHECK_EQ(lfv_sim_add_sysfs_err(b, path, LFV_SBDF(0, 9, 0, 0), NULL, &e),
             -ENOENT);
    snprintf(path, sizeof(path), "%s/resource", tmp);
    unlink(path);
    snprintf(path, sizeof(path), "%s/config", tmp);
    unlink(path);
}

int main(void)
{
    signal(SIGALRM, on_alarm);
    lfv_rcu_register_thread();
    if (!mkdtemp(tmp)) {
        perror("mkdtemp");
        return 1;
    }
    CHECK_EQ(lfv_sim_bridge_create(&b), 0);
    test_lspci_text();
    test_lspci_msix();
    test_lspci_cursor();
    test_lspci_files();
    test_sysfs();
    CHECK_EQ(lfv_sim_nr_devices(b), 0);
    lfv_sim_bridge_destroy(b);
    rmdir(tmp);
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
