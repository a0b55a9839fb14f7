/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of lfvpci's range sets (lfvpci/rangeset.h) that its header
 * emulation uses, on Xen's rangeset: a BAR's frames still to map or unmap.
 *
 * lfvpci's sets are RCU-published B-trees whose readers take no lock; the
 * header emulation only reads and updates a BAR's set under its domain's
 * map lock, so Xen's rwlock-protected list serves it as well.  Xen's
 * rangeset works on unsigned long, which is 64 bits on both architectures
 * that build vPCI (x86_64, arm64).  4.17 has no rangeset_purge():
 * removing [0, ~0] is one.  lfvpci frees a set after a grace period
 * (lfv_rangeset_destroy() never waits): the same here, with call_rcu().
 */

#include <xen/lib.h>
#include <xen/rangeset.h>
#include <xen/rcupdate.h>
#include <xen/xmalloc.h>

#include <lfvpci/rangeset.h>

struct lfv_rangeset {
    struct rangeset *set;
    struct rcu_head rcu;
};

struct report_ctxt {
    lfv_rangeset_report_t *cb;
    void *ctxt;
};

struct lfv_rangeset *lfv_rangeset_new(const char *name)
{
    struct lfv_rangeset *r = xzalloc(struct lfv_rangeset);

    if ( !r )
        return NULL;
    /* No domain: the set is not listed under a domain's debug key. */
    r->set = rangeset_new(NULL, name ?: "(no name)", 0);
    if ( !r->set )
    {
        xfree(r);
        return NULL;
    }
    return r;
}

static void cf_check rangeset_free_rcu(struct rcu_head *head)
{
    struct lfv_rangeset *r = container_of(head, struct lfv_rangeset, rcu);

    rangeset_destroy(r->set);
    xfree(r);
}

void lfv_rangeset_destroy(struct lfv_rangeset *r)
{
    if ( r )
        call_rcu(&r->rcu, rangeset_free_rcu);
}

int lfv_rangeset_add_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    BUILD_BUG_ON(sizeof(unsigned long) < sizeof(uint64_t));
    if ( s > e )
        return -EINVAL;
    return rangeset_add_range(r->set, s, e);
}

int lfv_rangeset_remove_range(struct lfv_rangeset *r, uint64_t s, uint64_t e)
{
    if ( s > e )
        return -EINVAL;
    return rangeset_remove_range(r->set, s, e);
}

void lfv_rangeset_purge(struct lfv_rangeset *r)
{
    /*
     * Removing everything splits nothing, so it allocates nothing and
     * cannot fail.
     */
    if ( rangeset_remove_range(r->set, 0, ~0UL) )
        ASSERT_UNREACHABLE();
}

static int cf_check report_one(unsigned long s, unsigned long e, void *arg)
{
    struct report_ctxt *c = arg;

    return c->cb(s, e, c->ctxt);
}

int lfv_rangeset_report_ranges(const struct lfv_rangeset *r, uint64_t s,
                               uint64_t e, lfv_rangeset_report_t *cb,
                               void *ctxt)
{
    struct report_ctxt c = { .cb = cb, .ctxt = ctxt };

    if ( s > e )
        return -EINVAL;
    /* Xen's report clips each range to [s, e] and stops at a non-zero. */
    return rangeset_report_ranges(r->set, s, e, report_one, &c);
}

/*
 * Local variables:
 * mode: C
 * c-file-style: "BSD"
 * c-basic-offset: 4
 * tab-width: 4
 * indent-tabs-mode: nil
 * End:
 */
