/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Simulated host bridge: devices by SBDF and their configuration accesses.
 *
 * The device set is an immutable array sorted by SBDF, published under RCU:
 * a lookup is a binary search with no lock; an add or remove copies the
 * array under the bridge lock, publishes the copy and frees the old array
 * (and a removed device) after a grace period.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "../core/rcu_fast.h"
#include "simhw_impl.h"

struct sim_devset {
    struct lfv_rcu_head rcu;
    unsigned int nr;
    struct sim_dev *dev[];
};

struct lfv_sim_bridge {
    struct sim_devset *devs; /* RCU-published; NULL when empty */
    lfv_lock_t lock;         /* serialises adds and removes; windows */
    struct lfv_mmio_window windows[LFV_MMIO_WINDOWS_MAX];
    unsigned int nr_windows;
};

static const struct lfv_mmio_window default_windows[] = {
    { 0x40000000ull, 0xfebfffffull },
    { 0x100000000ull, 0xffffffffffffull },
};

unsigned int lfv_sim_bridge_windows(struct lfv_sim_bridge *b,
                                    struct lfv_mmio_window *out,
                                    unsigned int max)
{
    unsigned int n;

    lfv_lock(&b->lock);
    n = b->nr_windows;
    for (unsigned int i = 0; out && i < n && i < max; i++)
        out[i] = b->windows[i];
    lfv_unlock(&b->lock);
    return n;
}

int lfv_sim_bridge_set_windows(struct lfv_sim_bridge *b,
                               const struct lfv_mmio_window *w,
                               unsigned int n)
{
    if (!b || n > LFV_MMIO_WINDOWS_MAX || (n && !w))
        return -EINVAL;
    for (unsigned int i = 0; i < n; i++)
        if (w[i].start > w[i].end)
            return -EINVAL;
    lfv_lock(&b->lock);
    for (unsigned int i = 0; i < n; i++)
        b->windows[i] = w[i];
    b->nr_windows = n;
    lfv_unlock(&b->lock);
    return 0;
}

/*
 * Add [s, e] unless covered or full (bridge lock held).  A window at 0 is
 * an unprogrammed bridge's (base and limit registers 0), not a window.
 */
static void window_add(struct lfv_sim_bridge *b, uint64_t s, uint64_t e)
{
    if (!s)
        return;
    for (unsigned int i = 0; i < b->nr_windows; i++)
        if (s >= b->windows[i].start && e <= b->windows[i].end)
            return;
    if (b->nr_windows < LFV_MMIO_WINDOWS_MAX)
        b->windows[b->nr_windows++] = (struct lfv_mmio_window){ s, e };
}

/* A type 1 device's memory windows (PCI-to-PCI bridge spec 3.2.5.8-10). */
static void windows_of_bridge(struct lfv_sim_bridge *b,
                              const struct sim_image *img)
{
    uint64_t s, e;

    if (sim_header_type(img->cfg) != 1)
        return;
    s = (uint64_t)(sim_get(img->cfg, 0x20, 2) & 0xfff0) << 16;
    e = (uint64_t)(sim_get(img->cfg, 0x22, 2) & 0xfff0) << 16 | 0xfffff;
    lfv_lock(&b->lock);
    if (s <= e)
        window_add(b, s, e);
    s = (uint64_t)(sim_get(img->cfg, 0x24, 2) & 0xfff0) << 16;
    e = (uint64_t)(sim_get(img->cfg, 0x26, 2) & 0xfff0) << 16 | 0xfffff;
    if ((sim_get(img->cfg, 0x24, 2) & 0xf) == 1) { /* 64-bit */
        s |= (uint64_t)sim_get(img->cfg, 0x28, 4) << 32;
        e |= (uint64_t)sim_get(img->cfg, 0x2c, 4) << 32;
    }
    if (s <= e)
        window_add(b, s, e);
    lfv_unlock(&b->lock);
}

int lfv_sim_bridge_create(struct lfv_sim_bridge **out)
{
    struct lfv_sim_bridge *b;

    if (!out)
        return -EINVAL;
    b = lfv_zalloc(sizeof(*b));
    if (!b)
        return -ENOMEM;
    lfv_lock_init(&b->lock);
    for (unsigned int i = 0; i < LFV_ARRAY_SIZE(default_windows); i++)
        b->windows[i] = default_windows[i];
    b->nr_windows = LFV_ARRAY_SIZE(default_windows);
    *out = b;
    return 0;
}

static void devset_free_rcu(struct lfv_rcu_head *head)
{
    lfv_free((struct sim_devset *)head);
}

static void dev_free_rcu(struct lfv_rcu_head *head)
{
    sim_dev_free((struct sim_dev *)head);
}

void lfv_sim_bridge_destroy(struct lfv_sim_bridge *b)
{
    struct sim_devset *set;

    if (!b)
        return;
    set = b->devs;
    if (set) {
        for (unsigned int i = 0; i < set->nr; i++)
            lfv_rcu_call(&set->dev[i]->rcu, dev_free_rcu);
        lfv_rcu_call(&set->rcu, devset_free_rcu);
    }
    /* Readers that raced with the caller's last use finish first. */
    lfv_rcu_barrier();
    lfv_lock_destroy(&b->lock);
    lfv_free(b);
}

/* Index of sbdf in set, or of where it would go (binary search). */
static unsigned int devset_slot(const struct sim_devset *set,
                                lfv_sbdf_t sbdf)
{
    unsigned int lo = 0, hi = set ? set->nr : 0;

    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;

        if (set->dev[mid]->sbdf < sbdf)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct sim_dev *sim_bridge_find(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf)
{
    struct sim_devset *set = lfv_rcu_dereference(b->devs);
    unsigned int i = devset_slot(set, sbdf);

    return set && i < set->nr && set->dev[i]->sbdf == sbdf ? set->dev[i]
                                                           : NULL;
}

struct sim_dev *const *sim_bridge_devices(struct lfv_sim_bridge *b,
                                          unsigned int *nr)
{
    struct sim_devset *set = lfv_rcu_dereference(b->devs);

    *nr = set ? set->nr : 0;
    return set ? set->dev : NULL;
}

/* A copy of old with `add` inserted at slot, or without slot if add NULL. */
static struct sim_devset *devset_copy(const struct sim_devset *old,
                                      unsigned int slot, struct sim_dev *add)
{
    unsigned int nr = old ? old->nr : 0;
    unsigned int new_nr = add ? nr + 1 : nr - 1;
    struct sim_devset *set;

    set = lfv_malloc(sizeof(*set) + new_nr * sizeof(set->dev[0]));
    if (!set)
        return NULL;
    set->nr = new_nr;
    if (slot)
        memcpy(set->dev, old->dev, slot * sizeof(set->dev[0]));
    if (add) {
        set->dev[slot] = add;
        if (nr > slot)
            memcpy(set->dev + slot + 1, old->dev + slot,
                   (nr - slot) * sizeof(set->dev[0]));
    } else {
        memcpy(set->dev + slot, old->dev + slot + 1,
               (nr - slot - 1) * sizeof(set->dev[0]));
    }
    return set;
}

/* Replace the published set (bridge lock held); the old one goes later. */
static void devset_publish(struct lfv_sim_bridge *b, struct sim_devset *old,
                           struct sim_devset *set)
{
    if (set && !set->nr) {
        lfv_free(set);
        set = NULL;
    }
    lfv_rcu_assign_pointer(b->devs, set);
    if (old)
        lfv_rcu_call(&old->rcu, devset_free_rcu);
}

int sim_bridge_insert(struct lfv_sim_bridge *b, struct sim_dev *dev)
{
    struct sim_devset *old, *set;
    unsigned int slot;
    int rc = 0;

    lfv_lock(&b->lock);
    old = b->devs;
    slot = devset_slot(old, dev->sbdf);
    if (old && slot < old->nr && old->dev[slot]->sbdf == dev->sbdf) {
        rc = -EEXIST;
    } else {
        set = devset_copy(old, slot, dev);
        if (set)
            devset_publish(b, old, set);
        else
            rc = -ENOMEM;
    }
    lfv_unlock(&b->lock);
    return rc;
}

int sim_add_image(struct lfv_sim_bridge *b, const struct sim_image *img,
                  lfv_sbdf_t sbdf)
{
    struct sim_dev *dev;
    int rc;

    /* Cheap early answer; sim_bridge_insert() decides under the lock. */
    if (lfv_sim_present(b, sbdf))
        return -EEXIST;
    rc = sim_dev_create(img, sbdf, &dev);
    if (rc)
        return rc;
    rc = sim_bridge_insert(b, dev);
    if (rc)
        sim_dev_free(dev);
    else
        windows_of_bridge(b, img); /* the loaders derive the windows */
    return rc;
}

int lfv_sim_remove(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf)
{
    struct sim_devset *old, *set = NULL;
    struct sim_dev *dev;
    unsigned int slot;
    int rc = 0;

    if (!b)
        return -EINVAL;
    lfv_lock(&b->lock);
    old = b->devs;
    slot = devset_slot(old, sbdf);
    if (!old || slot >= old->nr || old->dev[slot]->sbdf != sbdf) {
        rc = -ENOENT;
    } else if (old->nr > 1 && !(set = devset_copy(old, slot, NULL))) {
        rc = -ENOMEM;
    } else {
        dev = old->dev[slot];
        devset_publish(b, old, set);
        lfv_rcu_call(&dev->rcu, dev_free_rcu);
    }
    lfv_unlock(&b->lock);
    return rc;
}

bool lfv_sim_present(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf)
{
    bool present;

    lfv_rcu_fast_lock();
    present = sim_bridge_find(b, sbdf) != NULL;
    lfv_rcu_fast_unlock();
    return present;
}

unsigned int lfv_sim_nr_devices(struct lfv_sim_bridge *b)
{
    unsigned int nr;

    lfv_rcu_fast_lock();
    sim_bridge_devices(b, &nr);
    lfv_rcu_fast_unlock();
    return nr;
}

uint64_t lfv_sim_bar_size(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                          unsigned int bar)
{
    struct sim_dev *dev;
    uint64_t size = 0;

    if (bar > SIM_ROM)
        return 0;
    lfv_rcu_fast_lock();
    dev = sim_bridge_find(b, sbdf);
    if (dev)
        size = dev->bar_size[bar];
    lfv_rcu_fast_unlock();
    return size;
}

/* ---- configuration accesses ---- */

static bool cfg_access_ok(unsigned int reg, unsigned int size)
{
    return (size == 1 || size == 2 || size == 4) && !(reg & (size - 1)) &&
           reg < LFV_CFG_SPACE_SIZE;
}

static uint32_t size_mask(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

uint32_t sim_merge_write(uint32_t old, uint32_t val, uint32_t be,
                         uint32_t wmask, uint32_t w1cmask)
{
    uint32_t w = wmask & be, c = w1cmask & be;

    return ((old & ~w) | (val & w)) & ~(val & c);
}

uint32_t lfv_sim_cfg_read(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                          unsigned int reg, unsigned int size)
{
    struct sim_dev *dev;
    uint32_t val = 0xffffffffu;

    if (!cfg_access_ok(reg, size))
        return val;
    lfv_rcu_fast_lock();
    dev = sim_bridge_find(b, sbdf);
    /* One 32-bit load: an aligned access never spans two dwords. */
    if (dev && reg < dev->cfg_size)
        val = sim_dev_load(dev, reg & ~3u) >> (8 * (reg & 3));
    lfv_rcu_fast_unlock();
    return val & size_mask(size);
}

void lfv_sim_cfg_write(struct lfv_sim_bridge *b, lfv_sbdf_t sbdf,
                       unsigned int reg, unsigned int size, uint32_t val)
{
    unsigned int shift = 8 * (reg & 3), i = reg / 4;
    struct sim_dev *dev;

    if (!cfg_access_ok(reg, size))
        return;
    lfv_rcu_fast_lock();
    dev = sim_bridge_find(b, sbdf);
    if (dev && reg < dev->cfg_size) {
        uint32_t be = size_mask(size) << shift;

        /* The device lock makes the read-modify-write atomic. */
        lfv_lock(&dev->lock);
        __atomic_store_n(&dev->cfg[i],
                         sim_merge_write(dev->cfg[i], val << shift, be,
                                         dev->wmask[i], dev->w1cmask[i]),
                         __ATOMIC_RELAXED);
        lfv_unlock(&dev->lock);
    }
    lfv_rcu_fast_unlock();
}

static uint32_t hw_read(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                        unsigned int size)
{
    return lfv_sim_cfg_read(hw, sbdf, reg, size);
}

static void hw_write(void *hw, lfv_sbdf_t sbdf, unsigned int reg,
                     unsigned int size, uint32_t val)
{
    lfv_sim_cfg_write(hw, sbdf, reg, size, val);
}

static const struct lfv_hw_ops sim_hw_ops = {
    .read = hw_read,
    .write = hw_write,
};

const struct lfv_hw_ops *lfv_sim_hw_ops(void)
{
    return &sim_hw_ops;
}

/* n hex digits at s into *v; false if any is not a hex digit. */
static bool parse_hex(const char *s, unsigned int n, unsigned int *v)
{
    *v = 0;
    for (unsigned int i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return false;
        *v = *v * 16 + (unsigned int)(isdigit((unsigned char)s[i])
                                          ? s[i] - '0'
                                          : tolower((unsigned char)s[i]) -
                                                'a' + 10);
    }
    return true;
}

/* "bb:dd.f", the form lspci prints without -D. */
static bool parse_bdf(const char *s, unsigned int *bus, unsigned int *dev,
                      unsigned int *fn)
{
    return parse_hex(s, 2, bus) && s[2] == ':' && parse_hex(s + 3, 2, dev) &&
           s[5] == '.' && s[6] >= '0' && s[6] <= '7' &&
           (*fn = (unsigned int)(s[6] - '0'), *dev <= 0x1f);
}

unsigned int sim_parse_sbdf(const char *s, lfv_sbdf_t *sbdf)
{
    unsigned int seg = 0, bus, dev, fn, used = 7;

    if (parse_hex(s, 4, &seg) && s[4] == ':')
        used += 5;
    else
        seg = 0;
    if (!parse_bdf(s + used - 7, &bus, &dev, &fn))
        return 0;
    *sbdf = LFV_SBDF(seg, bus, dev, fn);
    return used;
}
