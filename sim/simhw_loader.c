/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the device loaders share: their error reports (struct
 * lfv_sim_error) and reading a file that must be a regular file, without
 * ever blocking on a FIFO or opening a device node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "simhw_impl.h"

/* Keep the end of a path that does not fit: the file name matters most. */
static void copy_tail(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);

    if (len < n) {
        memcpy(dst, src, len + 1);
        return;
    }
    snprintf(dst, n, "...%s", src + len - (n - 4));
}

int sim_error(struct lfv_sim_error *err, int rc, const char *file,
              unsigned int line, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return rc;
    err->err = rc;
    err->line = line;
    copy_tail(err->file, sizeof(err->file), file ? file : "");
    va_start(ap, fmt);
    vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
    va_end(ap);
    return rc;
}

void sim_error_clear(struct lfv_sim_error *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

const char *lfv_sim_error_str(const struct lfv_sim_error *e, char *buf,
                              size_t n)
{
    if (!buf || !n)
        return buf;
    if (!e)
        snprintf(buf, n, "no error");
    else if (e->file[0] && e->line)
        snprintf(buf, n, "%s:%u: %s", e->file, e->line, e->reason);
    else if (e->file[0])
        snprintf(buf, n, "%s: %s", e->file, e->reason);
    else
        snprintf(buf, n, "%s", e->reason);
    return buf;
}

const char *sim_image_absent(const struct sim_image *img)
{
    if (sim_get(img->cfg, 0, 2) != 0xffff)
        return NULL;
    return "vendor ID ffff: an SR-IOV virtual function (its IDs and BARs "
           "are in its physical function's SR-IOV capability) or an absent "
           "function; not supported";
}

void sim_image_drop_unread_caps(struct sim_image *img)
{
    if (img->cfg_len >= SIM_CFG_CONV ||
        !(img->cfg[0x06] & PCI_STATUS_CAP_LIST) ||
        (img->cfg[PCI_CAPABILITY_LIST] & ~3u) < 0x40)
        return;
    img->cfg[0x06] &= (uint8_t)~PCI_STATUS_CAP_LIST;
    img->cfg[PCI_CAPABILITY_LIST] = 0;
}

#ifndef LFV_PLATFORM_HEADER
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "not a regular file";
}

static int refuse_kind(struct lfv_sim_error *err, const char *path,
                       mode_t m, const char *what)
{
    return sim_error(err, S_ISDIR(m) ? -EISDIR : -EINVAL, path, 0,
                     "is %s, not %s", file_kind(m), what);
}

int sim_read_file(const char *path, const char *what, size_t max,
                  char **out, size_t *len, struct lfv_sim_error *err)
{
    struct stat st;
    size_t n = 0;
    char *buf;
    int fd, rc = 0;

    /* Look before opening: opening a device node can have effects. */
    if (stat(path, &st))
        return sim_error(err, -errno, path, 0, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return refuse_kind(err, path, st.st_mode, what);
    /* O_NONBLOCK: if it became a FIFO meanwhile, open does not wait. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return sim_error(err, -errno, path, 0, "%s", strerror(errno));
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        rc = refuse_kind(err, path, st.st_mode, what);
        close(fd);
        return rc;
    }
    buf = lfv_malloc(max + 1);
    if (!buf) {
        close(fd);
        return sim_error(err, -ENOMEM, path, 0, "out of memory");
    }
    while (n <= max) {
        ssize_t r = read(fd, buf + n, max + 1 - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sim_error(err, -errno, path, 0, "read: %s",
                           strerror(errno));
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (!rc && n > max)
        rc = sim_error(err, -EFBIG, path, 0,
                       "longer than %zu bytes, the limit for %s", max, what);
    if (rc) {
        lfv_free(buf);
        return rc;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
#endif
