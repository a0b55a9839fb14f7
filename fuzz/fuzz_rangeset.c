/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: range sets (<lfvpci/rangeset.h>) against a bitmap model.
 * Two sets, A and B, over a window of 1024 values placed at 0, just below
 * 2^32 or at the very top of the 64-bit space (chosen by the first byte),
 * so that edges and overflow are exercised.  Every operation's result and
 * error, and after it every set's whole contents (reported ranges, count,
 * emptiness, lookups), must match the model.  Allocation failures are
 * injected on demand: an update failing with -ENOMEM must leave its set
 * unchanged.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <lfvpci/rangeset.h>
#include <lfvpci/testing.h>

#include "fuzz/fuzz_util.h"

#define N 1024

struct model {
    uint8_t bit[N];
    size_t limit;
};

static uint64_t base;

static size_t model_count(const struct model *m)
{
    size_t c = 0;

    for (unsigned int i = 0; i < N; i++)
        c += m->bit[i] && (i == 0 || !m->bit[i - 1]);
    return c;
}

static void model_set(struct model *m, unsigned int s, unsigned int e,
                      uint8_t v)
{
    for (unsigned int i = s; i <= e; i++)
        m->bit[i] = v;
}

struct report_ctx {
    const struct model *m;
    unsigned int s, e; /* the window reported */
    unsigned int next; /* first value not yet checked */
    int stop_after;    /* return 1 after this many calls (-1: never) */
    int calls;
};

/* Each reported range must be a maximal run of the model, clipped. */
static int report_cb(uint64_t s, uint64_t e, void *ctxt)
{
    struct report_ctx *c = ctxt;
    unsigned int rs, re;

    FUZZ_CHECK(s >= base && e >= s && e - base < N, "report [%#" PRIx64
               ", %#" PRIx64 "] outside the window", s, e);
    rs = (unsigned int)(s - base), re = (unsigned int)(e - base);
    FUZZ_CHECK(rs >= c->next && rs >= c->s && re <= c->e,
               "report [%u, %u] out of order or outside [%u, %u]", rs, re,
               c->s, c->e);
    for (unsigned int i = c->next; i < rs; i++)
        FUZZ_CHECK(!c->m->bit[i] || i < c->s, "value %u in the set, "
                   "not reported", i);
    for (unsigned int i = rs; i <= re; i++)
        FUZZ_CHECK(c->m->bit[i], "reported %u, not in the set", i);
    FUZZ_CHECK(rs == c->s || !c->m->bit[rs - 1], "report starts inside a "
               "range at %u", rs);
    FUZZ_CHECK(re == c->e || !c->m->bit[re + 1], "report ends inside a "
               "range at %u", re);
    c->next = re + 1;
    c->calls++;
    return c->stop_after > 0 && c->calls >= c->stop_after ? 1 : 0;
}

static void check_set(struct lfv_rangeset *r, const struct model *m,
                      const char *name)
{
    struct report_ctx c = { m, 0, N - 1, 0, -1, 0 };
    int rc = lfv_rangeset_report_ranges(r, base, base + N - 1, report_cb, &c);
    size_t count = model_count(m);

    FUZZ_CHECK(rc == 0, "%s: report: %d", name, rc);
    for (unsigned int i = c.next; i < N; i++)
        FUZZ_CHECK(!m->bit[i], "%s: value %u not reported", name, i);
    FUZZ_CHECK(lfv_rangeset_count(r) == count, "%s: count %zu, model %zu",
               name, lfv_rangeset_count(r), count);
    FUZZ_CHECK(lfv_rangeset_is_empty(r) == !count, "%s: is_empty", name);
    /* nothing outside the window */
    if (base)
        FUZZ_CHECK(!lfv_rangeset_overlaps_range(r, 0, base - 1),
                   "%s: values below the window", name);
    if (base + N - 1 != UINT64_MAX)
        FUZZ_CHECK(!lfv_rangeset_overlaps_range(r, base + N, UINT64_MAX),
                   "%s: values above the window", name);
}

/* An update's expected error (before it is made), from the model. */
static int expect(const struct model *before, const struct model *after)
{
    size_t nb = model_count(before), na = model_count(after);

    return na > before->limit && na > nb ? -ENOSPC : 0;
}

struct consume_ctx {
    struct model *m;
    unsigned int budget; /* values to consume per call */
    int calls, fail_at;
};

static int consume_cb(uint64_t s, uint64_t e, void *ctxt, uint64_t *consumed)
{
    struct consume_ctx *c = ctxt;
    unsigned int rs = (unsigned int)(s - base), re = (unsigned int)(e - base);
    unsigned int take;

    FUZZ_CHECK(s >= base && e >= s && e - base < N, "consume outside window");
    for (unsigned int i = rs; i <= re; i++)
        FUZZ_CHECK(c->m->bit[i], "consume handed %u, not in the set", i);
    FUZZ_CHECK(rs == 0 || !c->m->bit[rs - 1], "consume: not the lowest");
    for (unsigned int i = 0; i < rs; i++)
        FUZZ_CHECK(!c->m->bit[i], "consume: %u below the range handed", i);
    take = c->budget < re - rs + 1 ? c->budget : re - rs + 1;
    *consumed = take;
    model_set(c->m, rs, rs + take - 1, 0);
    if (++c->calls == c->fail_at)
        return -LFV_ERESTART;
    return 0;
}

static void range_of(struct fuzz_in *in, unsigned int *s, unsigned int *e)
{
    *s = fuzz_u16(in) % N;
    *e = *s + fuzz_u8(in) % 64;
    if (fuzz_u8(in) % 8 == 0)
        *e = fuzz_u16(in) % N; /* anything, even s > e */
    if (*e >= N)
        *e = N - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t bases[] = { 0, 0xfffffc00ull, 0x100000000ull - 512,
                                      UINT64_MAX - N + 1 };
    struct fuzz_in in = { data, size };
    struct lfv_rangeset *set[2];
    struct model *m = calloc(2, sizeof(*m)), old;
    bool inject = false;

    fuzz_rcu_thread();
    base = bases[fuzz_u8(&in) % 4];
    set[0] = lfv_rangeset_new("A");
    set[1] = lfv_rangeset_new("B");
    if (!set[0] || !set[1] || !m)
        abort();
    m[0].limit = m[1].limit = LFV_RANGESET_NO_LIMIT;
    while (fuzz_left(&in)) {
        uint8_t op = fuzz_u8(&in);
        unsigned int w = op >> 7, s, e;
        struct lfv_rangeset *r = set[w];
        struct model *mm = &m[w], want;
        uint64_t xs, xe;
        int rc, exp;

        if (inject)
            lfv_test_fail_alloc_after(fuzz_u8(&in) % 8);
        old = *mm;
        switch (op % 13) {
        case 0: /* add */
        case 1:
            range_of(&in, &s, &e);
            want = *mm;
            if (s <= e)
                model_set(&want, s, e, 1);
            exp = s > e ? -EINVAL : expect(mm, &want);
            rc = lfv_rangeset_add_range(r, base + s, base + e);
            goto update;
        case 2: /* remove */
        case 3:
            range_of(&in, &s, &e);
            want = *mm;
            if (s <= e)
                model_set(&want, s, e, 0);
            exp = s > e ? -EINVAL : expect(mm, &want);
            rc = lfv_rangeset_remove_range(r, base + s, base + e);
        update:
            FUZZ_CHECK(rc == exp || (inject && rc == -ENOMEM),
                       "update [%u, %u]: %d, expected %d", s, e, rc, exp);
            if (!rc)
                *mm = want;
            break;
        case 4: { /* contains / overlaps */
            bool all = true, any = false;

            range_of(&in, &s, &e);
            for (unsigned int i = s; i <= e; i++)
                all &= mm->bit[i], any |= mm->bit[i];
            FUZZ_CHECK(lfv_rangeset_contains_range(r, base + s, base + e) ==
                       (s <= e && all), "contains [%u, %u]", s, e);
            FUZZ_CHECK(lfv_rangeset_overlaps_range(r, base + s, base + e) ==
                       (s <= e && any), "overlaps [%u, %u]", s, e);
            break;
        }
        case 5: { /* lookup */
            unsigned int a = fuzz_u16(&in) % N, ls = a, le = a;
            bool found = lfv_rangeset_lookup(r, base + a, &xs, &xe);

            FUZZ_CHECK(found == mm->bit[a], "lookup %u: %d", a, found);
            if (!found)
                break;
            while (ls && mm->bit[ls - 1])
                ls--;
            while (le + 1 < N && mm->bit[le + 1])
                le++;
            FUZZ_CHECK(xs == base + ls && xe == base + le,
                       "lookup %u: [%#" PRIx64 ", %#" PRIx64 "], model "
                       "[%u, %u]", a, xs, xe, ls, le);
            break;
        }
        case 6: { /* report a window, maybe stopping early */
            struct report_ctx c;

            range_of(&in, &s, &e);
            c = (struct report_ctx){ mm, s, e, s, fuzz_u8(&in) % 4 - 1, 0 };
            rc = lfv_rangeset_report_ranges(r, base + s, base + e, report_cb,
                                            &c);
            if (s > e) {
                FUZZ_CHECK(rc == -EINVAL, "report s > e: %d", rc);
                break;
            }
            FUZZ_CHECK(rc == (c.stop_after > 0 && c.calls >= c.stop_after),
                       "report returned %d after %d calls", rc, c.calls);
            if (!rc)
                for (unsigned int i = c.next; i <= e; i++)
                    FUZZ_CHECK(!mm->bit[i], "report [%u, %u]: %u missing", s,
                               e, i);
            break;
        }
        case 7: { /* consume */
            struct consume_ctx c = { 0 };

            want = *mm;
            c = (struct consume_ctx){ &want, 1 + fuzz_u8(&in) % 128, 0,
                                      fuzz_u8(&in) % 6 };
            rc = lfv_rangeset_consume_ranges(r, consume_cb, &c);
            if (rc == -ENOMEM && inject && !c.calls)
                break;
            FUZZ_CHECK(rc == (c.fail_at && c.calls == c.fail_at
                              ? -LFV_ERESTART : 0),
                       "consume: %d after %d calls", rc, c.calls);
            *mm = want;
            break;
        }
        case 8: /* purge */
            lfv_rangeset_purge(r);
            memset(mm->bit, 0, sizeof(mm->bit));
            break;
        case 9: /* merge / subtract the other set (or itself) */
        case 10: {
            const struct model *o = fuzz_u8(&in) & 1 ? mm : &m[!w];
            struct lfv_rangeset *or = o == mm ? r : set[!w];
            bool sub = op % 13 == 10;

            want = *mm;
            for (unsigned int i = 0; i < N; i++)
                if (o->bit[i])
                    want.bit[i] = !sub;
            exp = expect(mm, &want);
            rc = sub ? lfv_rangeset_subtract(r, or) : lfv_rangeset_merge(r, or);
            FUZZ_CHECK(rc == exp || (inject && rc == -ENOMEM),
                       "%s: %d, expected %d", sub ? "subtract" : "merge", rc,
                       exp);
            if (!rc)
                *mm = want;
            break;
        }
        case 11: /* limit */
            mm->limit = fuzz_u8(&in) % 16;
            if (mm->limit == 15)
                mm->limit = LFV_RANGESET_NO_LIMIT;
            lfv_rangeset_limit(r, mm->limit);
            old.limit = mm->limit;
            break;
        case 12: { /* format: length as snprintf's */
            char buf[64];
            int len = lfv_rangeset_format(r, buf, sizeof(buf));

            FUZZ_CHECK(len >= 0 && strlen(buf) == (size_t)(len < 64 ? len : 63),
                       "format: %d, wrote %zu", len, strlen(buf));
            inject = !inject; /* also toggles failure injection */
            break;
        }
        }
        lfv_test_fail_alloc_after(-1);
        if (memcmp(mm, &old, sizeof(old)) == 0 || true)
            check_set(r, mm, w ? "B" : "A");
        check_set(set[!w], &m[!w], w ? "A" : "B");
    }
    lfv_rangeset_destroy(set[0]);
    lfv_rangeset_destroy(set[1]);
    free(m);
    return 0;
}
