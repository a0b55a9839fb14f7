/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MSI capability emulation (Xen's vpci/msi.c) for guests and, on x86, the
 * hardware domain: control, address, data, per-vector mask and pending,
 * and the binding calls that route the vectors.  Config writes of one
 * device are serialised by its write lock; the binding state additionally
 * sits under a small lock of its own so that retirement (control path,
 * which must not take the device's write lock: handlers may call control
 * functions while holding it) cannot race a handler into leaving a vector
 * bound.
 */
#include <errno.h>

#include "hook_util.h"
#include "msi_internal.h"

struct lfv_msi {
    struct lfv_vpci *v;
    unsigned int pos;
    bool addr64, maskable;
    unsigned int max_vectors;   /* 2^MMC */
    uint16_t ctrl_ro;           /* MMC, 64-bit and per-vector masking */
    /* guest-written registers: atomics (lock-free config reads) */
    uint16_t ctrl;              /* enable and MME bits only */
    uint32_t addr_lo, addr_hi, mask;
    uint16_t data;
    /* binding state, under lock */
    lfv_lock_t lock;
    unsigned int nr_bound;      /* vectors bound, 0 when disabled */
    uint64_t bound_addr;        /* address and data they were bound with */
    uint16_t bound_data;
    bool retired;
};

static struct lfv_msi *msi_of(const struct lfv_vpci *v)
{
    return lfv_vpci_priv(v, &lfv_msi_hook);
}

static bool msi_enabled(const struct lfv_vpci *v)
{
    const struct lfv_msi *m = msi_of(v);

    return m && (msi_load(m->ctrl) & PCI_MSI_FLAGS_ENABLE);
}

/*
 * INTx is forced off while MSI is enabled (the header ORs this with
 * MSI-X's reason).  From the control write handlers (device write lock).
 */
static void msi_intx_update(struct lfv_msi *m)
{
    hdr_force_intx(m->v, HDR_INTX_BY_MSI, msi_enabled(m->v));
}

static unsigned int mme_vectors(uint16_t ctrl)
{
    return 1u << ((ctrl & PCI_MSI_FLAGS_QSIZE) >> 4);
}

static struct lfv_msi_vector msi_vector(const struct lfv_msi *m,
                                        unsigned int i)
{
    return (struct lfv_msi_vector){
        .msix = false, .index = i,
        .address = msi_load(m->addr_lo) |
                   (uint64_t)msi_load(m->addr_hi) << 32,
        .data = msi_load(m->data) | i,
        .masked = (msi_load(m->mask) >> i) & 1,
    };
}

/*
 * Vector i as bound: the ops see unbind and mask with the address and data
 * it was bound with, not what the guest has written since (the registers
 * change before the rebind that follows).  m->lock held.
 */
static struct lfv_msi_vector bound_vector(const struct lfv_msi *m,
                                          unsigned int i)
{
    struct lfv_msi_vector vec = msi_vector(m, i);

    vec.address = m->bound_addr;
    vec.data = m->bound_data | i;
    return vec;
}

static void unbind_all(struct lfv_msi *m)
{
    for (unsigned int i = 0; i < m->nr_bound; i++) {
        struct lfv_msi_vector vec = bound_vector(m, i);

        msi_unbind(m->v, &vec);
    }
    m->nr_bound = 0;
}

/* Bind 2^MME vectors; all or none (a refusal unbinds those done). */
static int bind_all(struct lfv_msi *m, uint16_t ctrl)
{
    unsigned int n = mme_vectors(ctrl);

    m->bound_addr = msi_vector(m, 0).address;
    m->bound_data = msi_load(m->data);
    for (unsigned int i = 0; i < n; i++) {
        struct lfv_msi_vector vec = bound_vector(m, i);
        int rc = msi_bind(m->v, &vec);

        if (rc) {
            unbind_all(m);
            return rc;
        }
        m->nr_bound = i + 1;
    }
    return 0;
}

/*
 * Bring the bindings in line with ctrl (registers already stored): unbind
 * what was bound, bind again if enabled.  Returns ctrl, with enable cleared
 * when a bind was refused.  m->lock held.
 */
static uint16_t rebind(struct lfv_msi *m, uint16_t ctrl)
{
    if (m->retired)
        return ctrl & ~PCI_MSI_FLAGS_ENABLE;
    unbind_all(m);
    if ((ctrl & PCI_MSI_FLAGS_ENABLE) && bind_all(m, ctrl))
        ctrl &= ~PCI_MSI_FLAGS_ENABLE;
    return ctrl;
}

/* ---- handlers ---- */

/*
 * The capable bits are the emulation's (read once, at assignment), as in
 * Xen's control_read: they describe the registers the owner has.
 */
static uint32_t ctrl_read(const void *ctx, unsigned int reg, void *data)
{
    const struct lfv_msi *m = data;

    (void)ctx, (void)reg;
    return m->ctrl_ro | msi_load(m->ctrl);
}

/*
 * Enable and MME through to the hardware, the host's other bits kept.
 * Without a bind op nobody programs the message: the device would send
 * the one its previous owner left (on Arm the hardware domain programs its
 * own), so MSI stays off in hardware.
 */
static void ctrl_to_hw(const struct lfv_msi *m, uint16_t ctrl)
{
    const struct lfv_system *sys = m->v->domain->sys;
    unsigned int reg = m->pos + 2;
    uint16_t hw = lfv_vpci_hw_read(m->v, reg, 2);

    if (!sys->msi_ops || !sys->msi_ops->bind)
        ctrl &= ~PCI_MSI_FLAGS_ENABLE;
    lfv_vpci_hw_write(m->v, reg, 2,
                      (hw & ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE)) |
                      ctrl);
}

static void ctrl_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    struct lfv_msi *m = data;
    unsigned int mme = (val & PCI_MSI_FLAGS_QSIZE) >> 4;
    uint16_t old = msi_load(m->ctrl), ctrl;

    (void)ctx, (void)reg;
    /* MME above what the device can do is clamped, as Xen does */
    while ((1u << mme) > m->max_vectors)
        mme--;
    ctrl = (val & PCI_MSI_FLAGS_ENABLE) | mme << 4;
    if (ctrl == old)
        return;
    lfv_lock(&m->lock);
    if ((ctrl | old) & PCI_MSI_FLAGS_ENABLE)
        ctrl = rebind(m, ctrl);
    msi_store(m->ctrl, ctrl);
    lfv_unlock(&m->lock);
    ctrl_to_hw(m, ctrl);
    msi_intx_update(m);
}

static uint32_t addr_lo_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return msi_load(((struct lfv_msi *)data)->addr_lo);
}

static uint32_t addr_hi_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return msi_load(((struct lfv_msi *)data)->addr_hi);
}

static uint32_t mask_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return msi_load(((struct lfv_msi *)data)->mask);
}

/* Address or data changed: an enabled MSI is re-routed (Xen: update_msi). */
static void changed(struct lfv_msi *m)
{
    uint16_t ctrl = msi_load(m->ctrl);

    if (!(ctrl & PCI_MSI_FLAGS_ENABLE))
        return;
    lfv_lock(&m->lock);
    if (rebind(m, ctrl) != ctrl) {
        msi_store(m->ctrl, ctrl & ~PCI_MSI_FLAGS_ENABLE);
        lfv_unlock(&m->lock);
        ctrl_to_hw(m, ctrl & ~PCI_MSI_FLAGS_ENABLE);
        msi_intx_update(m);
        return;
    }
    lfv_unlock(&m->lock);
}

static void addr_lo_write(const void *ctx, unsigned int reg, uint32_t val,
                          void *data)
{
    struct lfv_msi *m = data;

    (void)ctx, (void)reg;
    msi_store(m->addr_lo, val & ~3u); /* dword aligned */
    changed(m);
}

static void addr_hi_write(const void *ctx, unsigned int reg, uint32_t val,
                          void *data)
{
    struct lfv_msi *m = data;

    (void)ctx, (void)reg;
    msi_store(m->addr_hi, val);
    changed(m);
}

static uint32_t data_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg;
    return msi_load(((struct lfv_msi *)data)->data);
}

static void data_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    struct lfv_msi *m = data;

    (void)ctx, (void)reg;
    msi_store(m->data, (uint16_t)val);
    changed(m);
}

static void mask_write(const void *ctx, unsigned int reg, uint32_t val,
                       void *data)
{
    struct lfv_msi *m = data;
    uint32_t valid = m->max_vectors == 32 ? ~0u : (1u << m->max_vectors) - 1;
    uint32_t old, diff;

    (void)ctx, (void)reg;
    lfv_lock(&m->lock);
    old = msi_load(m->mask);
    msi_store(m->mask, val & valid);
    diff = (old ^ val) & valid;
    for (unsigned int i = 0; !m->retired && i < m->nr_bound; i++)
        if (diff & (1u << i)) {
            struct lfv_msi_vector vec = bound_vector(m, i);

            msi_mask(m->v, &vec);
        }
    lfv_unlock(&m->lock);
}

/* Pending bits are the device's: read-only from hardware. */
static uint32_t pending_read(const void *ctx, unsigned int reg, void *data)
{
    (void)data;
    return lfv_vpci_hw_read(ctx, reg, 4);
}

static uint32_t zero_read(const void *ctx, unsigned int reg, void *data)
{
    (void)ctx, (void)reg, (void)data;
    return 0;
}

/* ---- the hook ---- */

/*
 * The hardware domain, like Xen's, reaches the reserved half of the data
 * dword and the pending bits in hardware (gaps); a guest reads them as 0
 * and from hardware, read-only.
 */
static int add_regs(struct lfv_msi *m, struct lfv_regs_edit *e,
                    unsigned int len)
{
    unsigned int pos = m->pos, data_off = pos + (m->addr64 ? 12 : 8);
    bool guest = !lfv_vpci_is_hardware_domain(m->v);
    int rc = lfv_regs_edit_remove_range(e, pos + 2, len - 2);

    if (!rc)
        rc = hook_add_reg(e, ctrl_read, ctrl_write, pos + 2, 2, m);
    if (!rc)
        rc = hook_add_reg(e, addr_lo_read, addr_lo_write, pos + 4, 4, m);
    if (!rc && m->addr64)
        rc = hook_add_reg(e, addr_hi_read, addr_hi_write, pos + 8, 4, m);
    if (!rc)
        rc = hook_add_reg(e, data_read, data_write, data_off, 2, m);
    if (!rc && m->maskable && guest)
        rc = hook_add_reg(e, zero_read, NULL, data_off + 2, 2, NULL);
    if (!rc && m->maskable)
        rc = hook_add_reg(e, mask_read, mask_write, data_off + 4, 4, m);
    if (!rc && m->maskable && guest)
        rc = hook_add_reg(e, pending_read, NULL, data_off + 8, 4, NULL);
    return rc;
}

static void msi_retire(struct lfv_vpci *v, void *priv)
{
    struct lfv_msi *m = priv;

    (void)v;
    if (!m)
        return;
    lfv_lock(&m->lock);
    m->retired = true;
    unbind_all(m);
    lfv_unlock(&m->lock);
}

static int msi_init(struct lfv_vpci *v, struct lfv_regs_edit *e)
{
    const struct hdr_cap *c;
    struct lfv_msi *m;
    uint16_t hw;

    if (!hdr_of(v))
        return -ENOENT; /* registered without (or before) the header */
    if (lfv_vpci_is_hardware_domain(v) && lfv_vpci_arch(v) == LFV_ARCH_ARM)
        return 0; /* Xen on Arm has no vPCI MSI: passthrough (gaps) */
    c = msi_find_cap(v, PCI_CAP_ID_MSI);
    if (!c)
        return 0;
    m = lfv_zalloc(sizeof(*m));
    if (!m)
        return -ENOMEM;
    lfv_lock_init(&m->lock);
    lfv_vpci_set_priv(v, &lfv_msi_hook, m);
    lfv_vpci_set_retire(v, &lfv_msi_hook, msi_retire);
    m->v = v;
    m->pos = c->pos;
    hw = lfv_vpci_hw_read(v, c->pos + 2, 2);
    /*
     * The layout is the one the header exposed (c->len: 10, 14, 20 or 24
     * bytes, from its own read of these bits), not a second read of the
     * hardware, which may answer differently (a faulty or reprogrammed
     * device): registers past the capability would reach what the
     * owner's chain hides.
     */
    m->maskable = c->len >= 20;
    m->addr64 = c->len - (m->maskable ? 10 : 0) > 10;
    m->max_vectors = 1u << ((hw & PCI_MSI_FLAGS_QMASK) >> 1);
    if (m->max_vectors > 32)
        m->max_vectors = 32; /* 6 and 7 are reserved encodings */
    m->ctrl_ro = (uint16_t)((__builtin_ctz(m->max_vectors) << 1) |
                            (m->addr64 ? PCI_MSI_FLAGS_64BIT : 0) |
                            (m->maskable ? PCI_MSI_FLAGS_MASKBIT : 0));
    /* The owner starts with MSI off, whatever was left before. */
    ctrl_to_hw(m, 0);
    return add_regs(m, e, c->len);
}

static void msi_fini(struct lfv_vpci *v, void *priv)
{
    struct lfv_msi *m = priv;

    (void)v;
    if (!m)
        return;
    lfv_lock_destroy(&m->lock);
    lfv_free(m);
}

const struct lfv_vpci_hook lfv_msi_hook = {
    .name = "msi",
    .init = msi_init,
    .fini = msi_fini,
    .priority = LFV_PRIO_MSI,
};

int lfv_system_set_msi_ops(struct lfv_system *sys,
                           const struct lfv_msi_ops *ops, void *ctx)
{
    int rc = 0;

    if (!sys)
        return -EINVAL;
    lfv_lock(&sys->lock);
    if (sys->pdevs.count) {
        rc = -EBUSY;
    } else {
        sys->msi_ops = ops;
        sys->msi_ctx = ctx;
    }
    lfv_unlock(&sys->lock);
    return rc;
}
