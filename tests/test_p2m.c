/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated p2m: batches published whole, map/unmap with splitting,
 * the identity rule, failure injection, and versions.
 */
#include <errno.h>

#include <lfvpci/p2m.h>
#include <lfvpci/rcu.h>
#include <lfvpci/testing.h>

#include "tests/check.h"

static bool at(struct lfv_p2m *p, uint64_t gfn, uint64_t mfn)
{
    uint64_t m = ~0ull;

    return lfv_p2m_translate(p, gfn, &m) && m == mfn;
}

static uint64_t version(struct lfv_p2m *p)
{
    uint64_t v;

    lfv_rcu_read_lock();
    v = lfv_p2m_view_version(lfv_p2m_view(p));
    lfv_rcu_read_unlock();
    return v;
}

static void test_batches(void)
{
    struct lfv_p2m *p;

    CHECK_EQ(lfv_p2m_create(1, false, &p), 0);
    CHECK_EQ(version(p), 0);
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x100, 16, 0xe000), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x200, 1, 0xf000), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x10f, 2, 0x1), -EEXIST);
    CHECK_EQ(lfv_p2m_map(p, 0x300, 0, 0x1), -EINVAL);
    CHECK_EQ(lfv_p2m_map(p, UINT64_MAX, 2, 0x1), -EINVAL);
    /* nothing visible before the commit */
    CHECK(!lfv_p2m_translate(p, 0x100, NULL));
    CHECK_EQ(lfv_p2m_commit(p), 0);
    CHECK_EQ(version(p), 1);
    CHECK(at(p, 0x100, 0xe000) && at(p, 0x10f, 0xe00f) && at(p, 0x200, 0xf000));
    CHECK(!lfv_p2m_translate(p, 0x110, NULL));
    CHECK_EQ(lfv_p2m_nr_frames(p), 17);
    CHECK_EQ(lfv_p2m_nr_entries(p), 2);

    /* unmap the middle: the entry splits, mfns stay right */
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_unmap(p, 0x104, 4, 0xe004), 0);
    CHECK_EQ(lfv_p2m_unmap(p, 0x500, 4, 0x1), 0); /* nothing there: fine */
    CHECK_EQ(lfv_p2m_commit(p), 0);
    CHECK(at(p, 0x103, 0xe003) && at(p, 0x108, 0xe008));
    CHECK(!lfv_p2m_translate(p, 0x104, NULL) &&
          !lfv_p2m_translate(p, 0x107, NULL));
    CHECK_EQ(lfv_p2m_nr_frames(p), 13);
    CHECK_EQ(lfv_p2m_nr_entries(p), 3);
    /* a range mapped elsewhere than the caller says: nothing unmapped */
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_unmap(p, 0x108, 2, 0xe009), -EINVAL);
    CHECK_EQ(lfv_p2m_unmap(p, 0x100, 0x101, 0xe000), -EINVAL); /* 0x200 */
    CHECK_EQ(lfv_p2m_unmap(p, 0x100, 2, UINT64_MAX), -EINVAL);
    CHECK_EQ(lfv_p2m_commit(p), 0);
    CHECK_EQ(lfv_p2m_nr_frames(p), 13);
    CHECK(at(p, 0x108, 0xe008) && at(p, 0x200, 0xf000));
    /* one unmap over several entries that agree with it */
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_unmap(p, 0x100, 0x10, 0xe000), 0);
    CHECK_EQ(lfv_p2m_unmap(p, 0x200, 1, 0xf000), 0);
    CHECK_EQ(lfv_p2m_commit(p), 0);
    CHECK_EQ(lfv_p2m_nr_frames(p), 0);
    CHECK_EQ(lfv_p2m_nr_entries(p), 0);

    /* abort: readers never saw it */
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x100, 1, 0x1), 0);
    lfv_p2m_abort(p);
    CHECK(!lfv_p2m_translate(p, 0x100, NULL));
    CHECK_EQ(version(p), 4);

    /* injected failure: the (n + 1)-th map, once */
    lfv_p2m_fail_map_after(p, 1, -EIO);
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x100, 1, 0x1), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x101, 1, 0x2), -EIO);
    CHECK_EQ(lfv_p2m_map(p, 0x101, 1, 0x2), 0);
    lfv_p2m_abort(p);

    /* allocation failures: begin fails cleanly or works */
    for (long n = 0; n < 8; n++) {
        int rc;

        lfv_test_fail_alloc_after(n);
        rc = lfv_p2m_begin(p);
        lfv_test_fail_alloc_after(-1);
        CHECK(rc == 0 || rc == -ENOMEM);
        if (!rc)
            lfv_p2m_abort(p);
    }
    lfv_p2m_destroy(p);
}

static void test_identity(void)
{
    struct lfv_p2m *p;

    CHECK_EQ(lfv_p2m_create(0, true, &p), 0);
    CHECK_EQ(lfv_p2m_begin(p), 0);
    CHECK_EQ(lfv_p2m_map(p, 0x100, 4, 0x101), -EINVAL);
    CHECK_EQ(lfv_p2m_map(p, 0x100, 4, 0x100), 0);
    CHECK_EQ(lfv_p2m_commit(p), 0);
    CHECK(at(p, 0x103, 0x103));
    lfv_p2m_destroy(p);
}

int main(void)
{
    lfv_rcu_register_thread();
    test_batches();
    test_identity();
    lfv_rcu_barrier();
    lfv_rcu_unregister_thread();
    return CHECK_DONE();
}
