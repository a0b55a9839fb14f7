/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the shared real devices' dumps are: $LFV_SHARED_DIR/data/lspci,
 * else <repo>/../shared/data/lspci, found from this header's own path
 * (the repository the test was built from).
 */
#ifndef LFV_TESTS_SHARED_DATA_H
#define LFV_TESTS_SHARED_DATA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The dump `name` of the shared directory ("": the directory itself). */
static inline void shared_lspci(char *buf, size_t n, const char *name)
{
    const char *env = getenv("LFV_SHARED_DIR");
    const char *tail = strstr(__FILE__, "/tests/shared_data.h");

    if (env)
        snprintf(buf, n, "%s/data/lspci%s%s", env, *name ? "/" : "", name);
    else
        snprintf(buf, n, "%.*s/../shared/data/lspci%s%s",
                 tail ? (int)(tail - __FILE__) : 1, tail ? __FILE__ : ".",
                 *name ? "/" : "", name);
}

#endif /* LFV_TESTS_SHARED_DATA_H */
