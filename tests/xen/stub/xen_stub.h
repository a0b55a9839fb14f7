/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Just enough of Xen 4.17's hypervisor headers, in user space, to compile
 * integration/xen/src/lfvpci-p2m.c unmodified and test it: a simulated
 * p2m per stub domain with Xen's map_mmio_regions()/unmap_mmio_regions()
 * contract (tests/xen/stub.c).  XEN_STUB_ARM selects Arm's behaviour of
 * those calls, otherwise x86's (CONFIG_X86).
 *
 * x86: each call maps at most XEN_STUB_CHUNK frames and returns how many
 * it did when that is not all; an error after some progress returns the
 * progress, the next call returns the error having changed nothing.
 * Arm: one call does the whole range; an error leaves the frames before
 * the failing one changed.
 *
 * Entries are MMIO (what map_mmio_regions() makes) or the guest's RAM
 * (xen_stub_populate(): populate_physmap), and p2m_lookup() and
 * get_gfn_query_unlocked() report which (p2m_mmio_direct_dev on Arm,
 * p2m_mmio_direct on x86; p2m_ram_rw).  Unmapping, as in 4.17.5:
 * Arm's p2m_remove_mapping() refuses the whole range with -EILSEQ,
 * changing nothing, if any entry in it is RAM; x86's
 * clear_mmio_p2m_entry() refuses a RAM entry with -EINVAL (the frames
 * before it done).  Both, stricter than Xen: an MMIO entry mapping
 * another machine frame than asked is refused with -EILSEQ (Xen removes
 * it, x86 with a warning a test could not see), so that an unmap given
 * the wrong mfn shows.  An empty entry is left as it is.
 */
#ifndef XEN_STUB_H
#define XEN_STUB_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lfvpci/rcu.h>

#ifndef XEN_STUB_ARM
#define CONFIG_X86 1
#endif

#define XEN_STUB_CHUNK 7

#ifndef ERESTART
#define ERESTART 85
#endif

#define cf_check
/* Always checked, NDEBUG or not: the stub is a test. */
#define XEN_STUB_CHECK(p)                                                    \
    do {                                                                     \
        if (!(p)) {                                                          \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #p);          \
            abort();                                                         \
        }                                                                    \
    } while (0)
#define ASSERT(p) XEN_STUB_CHECK(p)
#define XENLOG_G_ERR "<G><0>"
#define XENLOG_G_WARNING "<G><1>"
#define XENLOG_G_INFO "<G><2>"
#define XENLOG_G_DEBUG "<G><3>"
/* To stderr, but for XENLOG_G_DEBUG (per-mapping lines), judged on the
 * formatted text as Xen does. */
void xen_stub_printk(const char *fmt, ...)
    __attribute__((__format__(__printf__, 1, 2)));
#define printk(...) xen_stub_printk(__VA_ARGS__)
/* The calling thread's last printk() text, level prefix included. */
const char *xen_stub_last_log(void);
#ifndef container_of
#define container_of(ptr, type, member)                                      \
    ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED 0x7ff0U

typedef struct { unsigned long g; } gfn_t;
typedef struct { unsigned long m; } mfn_t;
static inline gfn_t _gfn(unsigned long g) { return (gfn_t){ g }; }
static inline mfn_t _mfn(unsigned long m) { return (mfn_t){ m }; }
static inline unsigned long gfn_x(gfn_t g) { return g.g; }
static inline unsigned long mfn_x(mfn_t m) { return m.m; }
static inline bool mfn_eq(mfn_t a, mfn_t b) { return a.m == b.m; }
#define INVALID_MFN _mfn(~0UL)

#ifdef XEN_STUB_ARM
typedef enum {
    p2m_invalid, p2m_ram_rw, p2m_mmio_direct_dev, p2m_mmio_direct_nc,
    p2m_mmio_direct_c,
} p2m_type_t;
#else
typedef enum { p2m_invalid, p2m_ram_rw, p2m_mmio_direct } p2m_type_t;
#endif

/* Xen's doubly linked list head (tests/xen/guest uses its operations). */
struct list_head {
    struct list_head *next, *prev;
};

struct xen_stub_frame {
    unsigned long gfn, mfn; /* gfn == ~0UL: free slot */
    bool ram;               /* the guest's RAM (xen_stub_populate()) */
};

struct domain {
    domid_t domain_id;
    bool translate, hardware, crashed;
    bool is_dying;        /* Arm: every p2m change fails (-ENOMEM) */
    int refcnt;
    /*
     * Xen's d->pause_count (atomic), as domain_pause() and
     * domain_unpause() keep it where a test provides them; crash_paused:
     * it was not 0 when the domain first crashed (domain_crash() stops
     * vCPUs without waiting for them: only a pause taken before it
     * guarantees that none runs).
     */
    int pause_count;
    bool crash_paused;
    struct xen_stub_frame *frames; /* open addressing, XEN_STUB_FRAMES */
    unsigned long nr_frames;
    long fail_after;      /* frames to change before an error, or -1 */
    int fail_err;
    int fail_all;         /* not 0: every map and unmap fails with it */
    unsigned long calls;  /* map/unmap calls made */
    /*
     * Called at the start of every unmap_mmio_regions() (what another
     * vCPU of the guest does between lfvpci's lookup and its unmap).
     */
    void (*unmap_hook)(struct domain *d, unsigned long gfn,
                       unsigned long nr);
    /* iomem_access_permitted(): every frame, or [iomem_s, iomem_e] only */
    bool iomem_all;
    unsigned long iomem_s, iomem_e;
    /* vPCI (tests/xen/guest): has_vpci(), the guest's lfvpci domain */
    bool vpci;
    struct lfv_domain *vpci_dom;
    struct list_head pdev_list; /* its PCI devices (pci.c), empty at first */
};

#define XEN_STUB_FRAMES (1UL << 16)

/* The stub's domains and p2m (tests/xen/stub.c). */
struct domain *xen_stub_domain_create(domid_t id, bool hardware,
                                      bool translate);
void xen_stub_domain_destroy(struct domain *d);
bool xen_stub_lookup(const struct domain *d, unsigned long gfn,
                     unsigned long *mfn);
/* The entry's type: p2m_invalid (none), p2m_ram_rw or MMIO. */
p2m_type_t xen_stub_type(const struct domain *d, unsigned long gfn);
/*
 * The guest's populate_physmap of one frame at gfn, the page mfn.  Arm
 * (guest_physmap_add_page()) replaces whatever gfn maps, MMIO included;
 * x86 (p2m_add_page()) refuses to replace a direct MMIO entry: the guest
 * is crashed and -EPERM returned.
 */
int xen_stub_populate(struct domain *d, unsigned long gfn, unsigned long mfn);
/* relinquish_p2m_mapping() of a dying domain: its p2m emptied. */
void xen_stub_p2m_relinquish(struct domain *d);
/* The (n + 1)-th frame changed from now fails with err, once. */
void xen_stub_fail_after(struct domain *d, long n, int err);
/* xmalloc: the (n + 1)-th allocation from now fails; n < 0: none. */
void xen_stub_fail_alloc_after(long n);

struct domain *get_domain_by_id(domid_t id);
bool get_domain(struct domain *d);
void put_domain(struct domain *d);
#define is_hardware_domain(d) ((d)->hardware)
#define paging_mode_translate(d) ((d)->translate)
void xen_stub_domain_crash(struct domain *d);
#define domain_crash(d) xen_stub_domain_crash(d)

int map_mmio_regions(struct domain *d, gfn_t start_gfn, unsigned long nr,
                     mfn_t mfn);
int unmap_mmio_regions(struct domain *d, gfn_t start_gfn, unsigned long nr,
                       mfn_t mfn);
mfn_t get_gfn_query_unlocked(struct domain *d, unsigned long gfn,
                             p2m_type_t *t);
mfn_t p2m_lookup(struct domain *d, gfn_t gfn, p2m_type_t *t);

typedef struct { pthread_mutex_t m; } spinlock_t;
#define spin_lock_init(l) pthread_mutex_init(&(l)->m, NULL)
#define spin_lock(l) pthread_mutex_lock(&(l)->m)
#define spin_unlock(l) pthread_mutex_unlock(&(l)->m)

void *xen_stub_alloc(size_t size, bool zero);
#define xzalloc(type) ((type *)xen_stub_alloc(sizeof(type), true))
#define xmalloc_array(type, n) ((type *)xen_stub_alloc(sizeof(type) * (n), false))
#define xfree(p) free(p)

/* Xen's call_rcu() on the engine's RCU: the head carries the callback. */
struct rcu_head {
    struct lfv_rcu_head lfv;
    void (*fn)(struct rcu_head *head);
};
void call_rcu(struct rcu_head *head, void (*fn)(struct rcu_head *head));

#endif /* XEN_STUB_H */
