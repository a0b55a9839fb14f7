/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the sysfs loader (lfv_sim_add_sysfs).  The input is a
 * directory's two files: two bytes give the length of `config` (taken
 * modulo 4160, so that lengths just past 4096 occur), that many bytes are
 * `config`, the rest is `resource`.  What the loader accepts must keep its
 * promises (fuzz_device_check.h) and survive a save and reload; what it
 * refuses must leave the bridge unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lfvpci/simhw.h>

#include "fuzz/fuzz_device_check.h"
#include "fuzz/fuzz_util.h"

#define AT LFV_SBDF(0, 1, 0, 0)
#define BACK LFV_SBDF(0, 2, 0, 0)

static struct lfv_sim_bridge *br;
static char dir[64], back[80];

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[128];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) || close(fd))
        abort();
}

static void cleanup(void)
{
    fuzz_rm_sysfs_dir(dir);
    fuzz_rm_sysfs_dir(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t clen;
    int rc;

    if (!br) {
        fuzz_rcu_thread();
        if (lfv_sim_bridge_create(&br))
            abort();
        snprintf(dir, sizeof(dir), "/tmp/lfv-fuzz-sysfs.%d", (int)getpid());
        snprintf(back, sizeof(back), "%s.back", dir);
        if (mkdir(dir, 0700) && errno != EEXIST)
            abort();
        atexit(cleanup);
    }
    if (size < 2)
        return 0;
    clen = (data[0] | (size_t)data[1] << 8) % 4160;
    data += 2, size -= 2;
    if (clen > size)
        clen = size;
    put("config", data, clen);
    put("resource", data + clen, size - clen);

    rc = lfv_sim_add_sysfs(br, dir, AT, NULL);
    if (rc) {
        FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM || rc == -ENOENT,
                   "add_sysfs: %d", rc);
        FUZZ_CHECK(!lfv_sim_nr_devices(br), "refused, yet a device is there");
        return 0;
    }
    FUZZ_CHECK(lfv_sim_present(br, AT), "loaded, not present");
    fdev_check(br, AT);
    fdev_check_roundtrip(br, AT, BACK, back);
    FUZZ_CHECK(!lfv_sim_remove(br, AT), "sim_remove");
    FUZZ_CHECK(!lfv_sim_nr_devices(br), "devices left");
    return 0;
}
