/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the fuzz targets share: the input read as a stream of little-endian
 * integers (zeros once it runs out), a failed invariant as an abort that
 * libFuzzer reports as a crash, and the once-per-process RCU registration.
 */
#ifndef LFV_FUZZ_UTIL_H
#define LFV_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/rcu.h>

struct fuzz_in {
    const uint8_t *p;
    size_t n;
};

static inline bool fuzz_left(const struct fuzz_in *in)
{
    return in->n > 0;
}

static inline uint64_t fuzz_bytes(struct fuzz_in *in, unsigned int nbytes)
{
    uint64_t v = 0;

    for (unsigned int i = 0; i < nbytes && in->n; i++, in->n--)
        v |= (uint64_t)*in->p++ << 8 * i;
    return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
    return (uint8_t)fuzz_bytes(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
    return (uint16_t)fuzz_bytes(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
    return (uint32_t)fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
    return fuzz_bytes(in, 8);
}

/* A broken invariant: print it and abort (libFuzzer saves the input). */
#define FUZZ_FAIL(...)                                                      \
    do {                                                                    \
        fprintf(stderr, "fuzz invariant: " __VA_ARGS__);                    \
        fputc('\n', stderr);                                                \
        abort();                                                            \
    } while (0)

#define FUZZ_CHECK(cond, ...)                                               \
    do {                                                                    \
        if (!(cond))                                                        \
            FUZZ_FAIL(__VA_ARGS__);                                         \
    } while (0)

/*
 * An invariant of category `cat`, which LFV_FUZZ_SKIP (comma-separated
 * categories) can disable so that a long run digs past a known open defect.
 */
static inline bool fuzz_skipped(const char *cat)
{
    const char *s = getenv("LFV_FUZZ_SKIP");
    size_t n = strlen(cat);

    for (; s && *s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
        if (!strncmp(s, cat, n) && (s[n] == ',' || !s[n]))
            return true;
    return false;
}

#define INV(cat, cond, ...)                                                 \
    do {                                                                    \
        if (!(cond) && !fuzz_skipped(cat)) {                                \
            fprintf(stderr, "fuzz invariant [%s]: ", cat);                  \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
            abort();                                                        \
        }                                                                   \
    } while (0)

/*
 * Remove a sysfs-style directory the target wrote (config, resource and
 * nothing else).  For atexit handlers.
 */
static inline void fuzz_rm_sysfs_dir(const char *dir)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/config", dir);
    remove(path);
    snprintf(path, sizeof(path), "%s/resource", dir);
    remove(path);
    remove(dir);
}

/* libFuzzer runs every input on one thread: register it once. */
static inline void fuzz_rcu_thread(void)
{
    static bool registered;

    if (!registered) {
        lfv_rcu_register_thread();
        registered = true;
    }
}

#endif /* LFV_FUZZ_UTIL_H */
