/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal test assertions: every CHECK counts; a failed one prints where and
 * what, and the test's exit status is non-zero (CHECK_DONE()).
 */
#ifndef LFV_TESTS_CHECK_H
#define LFV_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long check_passed, check_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (cond) {                                                          \
            check_passed++;                                                  \
        } else {                                                             \
            check_failed++;                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                       \
    do {                                                                     \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                     \
        if (a_ == b_) {                                                      \
            check_passed++;                                                  \
        } else {                                                             \
            check_failed++;                                                  \
            fprintf(stderr,                                                  \
                    "%s:%d: CHECK_EQ failed: %s == %s (0x%" PRIx64          \
                    " != 0x%" PRIx64 ")\n",                                  \
                    __FILE__, __LINE__, #a, #b, a_, b_);                     \
        }                                                                    \
    } while (0)

/* Print the tally and return the exit status for main(). */
#define CHECK_DONE()                                                         \
    (printf("%lu passed, %lu failed\n", check_passed, check_failed),        \
     check_failed ? EXIT_FAILURE : (check_passed ? EXIT_SUCCESS : 2))

#endif /* LFV_TESTS_CHECK_H */
