/* pt_dev.c: a passed-through PCI function's config space, BARs and
 * interrupts (see pt_dev.h). */
#include "pt_dev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PCI_COMMAND         0x04
#define PCI_STATUS          0x06
#define PCI_BAR0            0x10
#define PCI_ROM             0x30
#define PCI_CAP_PTR         0x34
#define PCI_INT_LINE        0x3c
#define CMD_IO              0x1
#define CMD_MEM             0x2
#define CMD_WRITABLE        0x0547  /* I/O, memory, master, parity, SERR, INTx off */
#define STATUS_CAP_LIST     0x10
#define STATUS_W1C          0xf900  /* error bits the guest may clear */

#define CAP_PM   0x01
#define CAP_MSI  0x05
#define CAP_EXP  0x10
#define CAP_MSIX 0x11

#define MSIX_ENABLE  0x8000
#define MSI_ENABLE   0x0001
#define MSI_64BIT    0x0080
#define MSIX_MASKALL 0x4000
#define MSI_MMC      0x000e  /* Multiple Message Capable: log2 */
#define MSI_MME      0x0070  /* Multiple Message Enable: log2 */
#define MSI_PVM      0x0100  /* per-vector masking */

/* LEN bytes from V, little endian; past 4 bytes the top byte repeats (long
 * read-only runs take one mask). */
static void set_bytes(uint8_t *a, unsigned off, unsigned len, uint32_t v)
{
    for (unsigned i = 0; i < len && off + i < 256; i++)
        a[off + i] = (uint8_t)(v >> (8 * (i < 4 ? i : 3)));
}

static uint32_t get_bytes(const uint8_t *a, unsigned off, unsigned len)
{
    uint32_t v = 0;

    for (unsigned i = 0; i < len && off + i < 256; i++)
        v |= (uint32_t)a[off + i] << (8 * i);
    return v;
}

/* One register group entry: LEN bytes at OFF, with the bits the VMM emulates
 * and the bits the guest cannot write. */
static void reg(struct pt_dev *d, unsigned off, unsigned len, uint32_t emu, uint32_t ro)
{
    set_bytes(d->emu_mask, off, len, emu);
    set_bytes(d->ro_mask, off, len, ro);
    for (unsigned i = 0; i < len && off + i < 256; i++)
        d->known[off + i] = 1;
}

static int src_cfg_read(struct pt_dev *d, unsigned off, unsigned len, uint32_t *v)
{
    int r;

    *v = 0;
    if (d->dead)
        return -EPIPE;
    r = d->src->ops->region_read(d->src, VFIO_PCI_CONFIG_REGION_INDEX, off, v, len);
    if (r == -EPIPE || r == -EPROTO)
        d->dead = true;
    return r < 0 ? r : 0;
}

static void src_cfg_write(struct pt_dev *d, unsigned off, unsigned len, uint32_t v)
{
    int r;

    if (d->dead)
        return;
    r = d->src->ops->region_write(d->src, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, len);
    if (r == -EPIPE || r == -EPROTO)
        d->dead = true;
}

/* The header group (qemu-xen's xen_pt_emu_reg_header0, in short). */
static void header_groups(struct pt_dev *d)
{
    reg(d, 0x00, 4, 0, 0xffffffff);                     /* vendor, device */
    reg(d, PCI_COMMAND, 2, 0, (uint16_t)~CMD_WRITABLE);
    reg(d, PCI_STATUS, 2, STATUS_CAP_LIST, (uint16_t)~STATUS_W1C);
    reg(d, 0x08, 4, 0, 0xffffffff);                     /* revision, class */
    reg(d, 0x0c, 1, 0xff, 0);                           /* cache line size */
    reg(d, 0x0d, 1, 0xff, 0);                           /* latency timer */
    reg(d, 0x0e, 1, 0, 0xff);                           /* header type */
    reg(d, 0x0f, 1, 0xff, 0xff);                        /* BIST: none */
    for (unsigned i = 0; i < 6; i++)                    /* BARs: ours */
        reg(d, PCI_BAR0 + 4 * i, 4, 0xffffffff, 0);
    reg(d, 0x28, 4, 0xffffffff, 0xffffffff);            /* CardBus CIS */
    reg(d, 0x2c, 4, 0, 0xffffffff);                     /* subsystem */
    reg(d, PCI_ROM, 4, 0xffffffff, 0xffffffff);         /* no ROM */
    reg(d, PCI_CAP_PTR, 4, 0xffffffff, 0xffffffff);
    reg(d, 0x38, 4, 0xffffffff, 0xffffffff);
    reg(d, PCI_INT_LINE, 1, 0xff, 0);
    reg(d, 0x3d, 3, 0, 0xffffff);                       /* pin, min_gnt, max_lat */
}

static unsigned cap_len(struct pt_dev *d, uint8_t id, unsigned at)
{
    uint32_t v;

    switch (id) {
    case CAP_PM: return 8;
    case CAP_MSIX: return 12;
    case CAP_EXP: return 0x3c;
    case CAP_MSI:
        src_cfg_read(d, at + 2, 2, &v);
        return 10 + ((v & 0x80) ? 4 : 0) + ((v & 0x100) ? 10 : 0);
    default: return 0;
    }
}

static void cap_groups(struct pt_dev *d, uint8_t id, unsigned at)
{
    uint32_t v;

    reg(d, at, 1, 0, 0xff);                     /* id */
    reg(d, at + 1, 1, 0xff, 0xff);              /* next: our list */
    switch (id) {
    case CAP_PM:
        d->pm_cap = (uint8_t)at;
        reg(d, at + 2, 2, 0, 0xffff);           /* PMC */
        /* PMCSR: power state through only with power_mgmt (xl's
         * power_mgmt=1); otherwise the guest sees D0 for ever. */
        if (d->opt.power_mgmt)
            reg(d, at + 4, 2, 0, (uint16_t)~0x3);
        else
            reg(d, at + 4, 2, 0x3, 0xffff);
        reg(d, at + 6, 2, 0, 0xffff);
        break;
    case CAP_MSIX:
        d->msix_cap = (uint8_t)at;
        src_cfg_read(d, at + 2, 2, &v);
        d->msix_n = (v & 0x7ff) + 1;
        reg(d, at + 2, 2, MSIX_ENABLE | MSIX_MASKALL, 0x3fff);
        src_cfg_read(d, at + 4, 4, &v);
        d->msix_bar = v & 7;
        d->msix_off = v & ~7u;
        src_cfg_read(d, at + 8, 4, &v);
        d->msix_pba_bar = v & 7;
        d->msix_pba_off = v & ~7u;
        reg(d, at + 4, 8, 0, 0xffffffff);
        set_bytes(d->ro_mask, at + 4, 4, 0xffffffff);
        break;
    case CAP_MSI: {
        /* Emulated registers (QEMU's msi.c, Xen's xen_pt_msi): the guest's
         * address and data become KVM MSI routes (msi_sync).  The device's
         * 64-bit flag, Multiple Message Capable and per-vector masking are
         * shown; Multiple Message Enable, the mask bits of the vectors it
         * has and the address and data are the guest's; pending bits are
         * the device's, read-only. */
        unsigned mask_at, end = at + cap_len(d, id, at);

        d->msi_cap = (uint8_t)at;
        src_cfg_read(d, at + 2, 2, &v);
        d->msi_mmc = (v & MSI_MMC) >> 1;
        if (d->msi_mmc > 5)
            d->msi_mmc = 5;     /* reserved encodings: 32 at most */
        d->msi_pvm = v & MSI_PVM;
        set_bytes(d->emu, at + 2, 2, (v & (MSI_64BIT | MSI_PVM)) | (d->msi_mmc << 1));
        reg(d, at + 2, 2, 0xffff, (uint16_t)~(MSI_ENABLE | MSI_MME));
        mask_at = at + ((v & MSI_64BIT) ? 16 : 12);
        for (unsigned i = at + 4; i < end; i++)
            reg(d, i, 1, 0xff, 0);
        if (d->msi_pvm) {
            reg(d, mask_at, 4, 0xffffffff, ~(uint32_t)(((uint64_t)1 << (1u << d->msi_mmc)) - 1));
            reg(d, mask_at + 4, 4, 0, 0xffffffff);
        }
        break;
    }
    case CAP_EXP:
        d->exp_cap = (uint8_t)at;
        reg(d, at + 2, 6, 0, 0xffffffff);       /* flags, device caps */
        reg(d, at + 8, 2, 0, 0);                /* device control */
        reg(d, at + 10, 2, 0, 0xfff0);          /* device status: W1C errors */
        reg(d, at + 12, 0x3c - 12, 0, 0xffffffff);  /* link and the rest: read-only */
        break;
    }
}

/* Walk the device's capability list; keep PM, MSI, MSI-X, PCIe, linked in
 * the same order, and hide the others (zeroed, read-only). */
static void build_caps(struct pt_dev *d)
{
    uint32_t status = 0, ptr = 0, hdr;
    uint8_t *prev_next = &d->emu[PCI_CAP_PTR];
    unsigned guard = 0;

    src_cfg_read(d, PCI_STATUS, 2, &status);
    if (status & STATUS_CAP_LIST)
        src_cfg_read(d, PCI_CAP_PTR, 1, &ptr);
    ptr &= 0xfc;
    while (ptr >= 0x40 && guard++ < 48) {
        uint8_t id;
        unsigned len;

        if (src_cfg_read(d, ptr, 2, &hdr) < 0)
            break;
        id = hdr & 0xff;
        len = cap_len(d, id, ptr);
        if (len && ptr + len <= 256) {
            cap_groups(d, id, ptr);
            *prev_next = (uint8_t)ptr;
            prev_next = &d->emu[ptr + 1];
            d->emu[PCI_STATUS] |= STATUS_CAP_LIST;
        } else {
            /* Hidden: its header reads as zero (emulated). */
            reg(d, ptr, 2, 0xffff, 0xffff);
        }
        ptr = (hdr >> 8) & 0xfc;
    }
    *prev_next = 0;
}

static void bar_probe(struct pt_dev *d, uint64_t bar_base)
{
    uint64_t next = bar_base;

    for (unsigned i = 0; i < 6; i++) {
        struct pt_region_info ri = { 0 };
        struct pt_bar *b = &d->bar[i];
        uint32_t v = 0;

        if (b->is_upper)
            continue;
        if (d->src->ops->region_info(d->src, VFIO_PCI_BAR0_REGION_INDEX + i, &ri) < 0 ||
            !ri.size)
            continue;
        src_cfg_read(d, PCI_BAR0 + 4 * i, 4, &v);
        b->type = v & ((v & 1) ? 0x3 : 0xf);
        /* Memory BARs take 16 bytes at least, I/O BARs 4 (the PCI spec). */
        b->size = ri.size < ((b->type & 1) ? 4u : 16u) ? ((b->type & 1) ? 4u : 16u) : ri.size;
        if ((b->type & 0x7) == 0x4 && i < 5)
            d->bar[i + 1].is_upper = true;
        if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP && !(b->type & 1) && ri.size >= 4096 &&
            d->src->ops->region_mmap(d->src, VFIO_PCI_BAR0_REGION_INDEX + i, &b->hva) < 0)
            b->hva = NULL;
        if (bar_base && !(b->type & 1)) {
            next = (next + b->size - 1) & ~(b->size - 1);
            b->gpa = next;
            next += b->size;
        }
    }
}

static bool bar_holds_msix(const struct pt_dev *d, unsigned i)
{
    return d->msix_cap && (d->msix_bar == i || d->msix_pba_bar == i);
}

/* Map or unmap the mmap-able BARs after a change of address or of the
 * command register.  A BAR holding the MSI-X table stays trapped. */
static void bars_update(struct pt_dev *d)
{
    for (unsigned i = 0; i < 6; i++) {
        struct pt_bar *b = &d->bar[i];
        bool want = b->hva && (d->cmd & CMD_MEM) && b->gpa && !bar_holds_msix(d, i) &&
                    !d->dead;

        if (b->mapped && (!want || b->gpa != b->mapped_gpa)) {
            d->host->map_bar(d->opaque, i, b->mapped_gpa, b->size, NULL);
            b->mapped = false;
        }
        if (want && !b->mapped && d->host->map_bar(d->opaque, i, b->gpa, b->size, b->hva) == 0) {
            b->mapped = true;
            b->mapped_gpa = b->gpa;
        }
    }
}

static uint32_t bar_read(struct pt_dev *d, unsigned i)
{
    struct pt_bar *b = &d->bar[i];

    if (b->is_upper)
        return (uint32_t)(d->bar[i - 1].gpa >> 32);
    if (!b->size)
        return 0;
    return (uint32_t)b->gpa | b->type;
}

static void bar_write(struct pt_dev *d, unsigned i, uint32_t v)
{
    struct pt_bar *b = &d->bar[i];

    if (b->is_upper) {
        struct pt_bar *lo = &d->bar[i - 1];
        uint64_t mask = ~(lo->size - 1);

        lo->gpa = (((uint64_t)v << 32) | (lo->gpa & 0xffffffffu)) & mask;
        return;
    }
    if (!b->size)
        return;
    /* Sizing writes all ones and reads back ~(size - 1) | type.  An I/O
     * BAR keeps all 32 bits (Xen's XEN_PT_BAR_IO_EMU_MASK); it decodes
     * only below 64 KiB (pt_dev_pio). */
    if (b->type & 1)
        b->gpa = (v & ~0x3u) & ~(b->size - 1);
    else
        b->gpa = ((b->gpa & ~0xffffffffull) | (v & ~0xfu)) & ~(b->size - 1);
}

static void intx_sync(struct pt_dev *d);

/* MSI-X: bind the device's vectors to the VMM's eventfds, or unbind. */
static void msix_sync(struct pt_dev *d)
{
    bool on = d->msix_enabled && !d->msix_masked_all;
    int *fds;

    if (d->dead)
        return;
    if (!d->msix_cap) {
        intx_sync(d);
        return;
    }
    fds = calloc(d->msix_n, sizeof(int));
    if (!fds)
        return;
    for (unsigned v = 0; v < d->msix_n; v++) {
        bool want = on && !(d->msix[v].ctrl & 1);

        fds[v] = want ? d->host->msix_fd(d->opaque, v) : -1;
        if (want)
            d->host->msix_route(d->opaque, v,
                                (uint64_t)d->msix[v].addr_hi << 32 | d->msix[v].addr_lo,
                                d->msix[v].data);
        d->msix_bound[v] = fds[v] >= 0;
    }
    if (on) {
        if (d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSIX_IRQ_INDEX, 0, d->msix_n, fds)
            == -EPIPE)
            d->dead = true;
    } else {
        d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
    }
    free(fds);
    intx_sync(d);
}

/* MSI: 2^MME vectors, each routed to the guest's address and the data
 * with its low log2(n) bits replaced by the vector's number (QEMU's
 * msi_get_message), each bound to its own eventfd unless its mask bit is
 * set; or all unbound when MSI is off. */
static void msi_sync(struct pt_dev *d)
{
    unsigned at = d->msi_cap, n;
    uint32_t ctl = get_bytes(d->emu, at + 2, 2), data, mask = 0, bound = 0;
    bool is64 = ctl & MSI_64BIT, on = ctl & MSI_ENABLE;
    uint64_t addr = get_bytes(d->emu, at + 4, 4);
    int fds[PT_MSI_MAX];

    if (d->dead)
        return;
    /* An MME above MMC is taken as MMC (QEMU's msi_write_config). */
    if (((ctl & MSI_MME) >> 4) > d->msi_mmc) {
        ctl = (ctl & ~MSI_MME) | (d->msi_mmc << 4);
        set_bytes(d->emu, at + 2, 2, ctl);
    }
    n = 1u << ((ctl & MSI_MME) >> 4);
    if (is64)
        addr |= (uint64_t)get_bytes(d->emu, at + 8, 4) << 32;
    data = get_bytes(d->emu, at + (is64 ? 12 : 8), 2);
    if (d->msi_pvm)
        mask = get_bytes(d->emu, at + (is64 ? 16 : 12), 4);
    /* The vector count changes only with MSI off on the device (vfio
     * enables MSI with the count of its first SET_IRQS). */
    if (d->msi_bound && (!on || d->msi_bound != n)) {
        d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
        d->msi_bound = 0;
        d->msi_bound_mask = 0;
    }
    if (on) {
        for (unsigned i = 0; i < n; i++) {
            uint32_t vd = (data & ~(n - 1)) | i;

            fds[i] = (mask >> i) & 1 ? -1 : d->host->msix_fd(d->opaque, i);
            if (fds[i] < 0)
                continue;
            bound |= 1u << i;
            if (d->host->msi_route)
                d->host->msi_route(d->opaque, i, addr, vd);
            else
                d->host->msix_route(d->opaque, i, addr, vd);
        }
        if (!d->msi_bound || bound != d->msi_bound_mask) {
            if (d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSI_IRQ_INDEX, 0, n, fds) ==
                -EPIPE) {
                d->dead = true;
            } else {
                d->msi_bound = n;
                d->msi_bound_mask = bound;
            }
        }
    }
    d->msi_enabled = on;
    intx_sync(d);
}

/* INTx is the device's interrupt while neither MSI-X nor MSI is on. */
static void intx_sync(struct pt_dev *d)
{
    bool want = !d->msix_enabled && !d->msi_enabled;

    if (d->dead)
        return;
    if (want && !d->intx_bound) {
        int trig = -1, res = -1;

        d->host->intx_fds(d->opaque, &trig, &res);
        if (trig >= 0 &&
            d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &trig) == 0) {
            d->intx_bound = true;
            if (res >= 0)
                d->src->ops->irq_set_unmask_fd(d->src, VFIO_PCI_INTX_IRQ_INDEX, 0, res);
        }
    } else if (!want && d->intx_bound) {
        d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL);
        d->intx_bound = false;
    }
}

/* The function's emulation over SRC from the device's config space: the
 * register groups, the capabilities kept, the BARs (placed from BAR_BASE,
 * 0: unassigned).  Nothing is changed on the device. */
static int build(struct pt_dev *d, struct pt_devsrc *src, const struct pt_options *opt,
                 const struct pt_host_ops *host, void *opaque, uint64_t bar_base)
{
    struct pt_dev_info di;
    int r;

    memset(d, 0, sizeof(*d));
    d->src = src;
    d->host = host;
    d->opaque = opaque;
    if (opt)
        d->opt = *opt;
    pthread_mutex_init(&d->lock, NULL);
    r = src->ops->get_info(src, &di);
    if (r < 0)
        goto fail;
    if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) || di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
        r = -ENODEV;
        goto fail;
    }
    header_groups(d);
    build_caps(d);
    if (d->dead) {
        r = -EPIPE;
        goto fail;
    }
    if (d->msix_cap) {
        d->msix = calloc(d->msix_n, sizeof(*d->msix));
        d->msix_bound = calloc(d->msix_n, sizeof(bool));
        if (!d->msix || !d->msix_bound) {
            r = -ENOMEM;
            goto fail;
        }
        for (unsigned v = 0; v < d->msix_n; v++)
            d->msix[v].ctrl = 1;        /* masked at reset */
    }
    bar_probe(d, bar_base);
    return 0;
fail:
    free(d->msix);
    free(d->msix_bound);
    pthread_mutex_destroy(&d->lock);
    pt_devsrc_close(src);
    d->src = NULL;
    return r;
}

int pt_dev_init(struct pt_dev *d, struct pt_devsrc *src, const struct pt_options *opt,
                const struct pt_host_ops *host, void *opaque, uint64_t bar_base)
{
    int r = build(d, src, opt, host, opaque, bar_base);

    if (r < 0)
        return r;
    /* The device starts quiet: decoding off, no interrupts bound. */
    src->ops->irq_set_eventfds(src, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
    msix_sync(d);
    return 0;
}

/* --- live update ------------------------------------------------------ */

void pt_dev_save(struct pt_dev *d, struct ss_wr *w)
{
    pthread_mutex_lock(&d->lock);
    ss_put_u8(w, d->opt.permissive);
    ss_put_u8(w, d->opt.power_mgmt);
    ss_put_u8(w, d->dead);
    ss_put_bytes(w, d->emu, sizeof(d->emu));
    ss_put_u16(w, d->cmd);
    for (unsigned i = 0; i < 6; i++)
        ss_put_u64(w, d->bar[i].gpa);
    ss_put_u32(w, d->msix_cap ? d->msix_n : 0);
    for (unsigned v = 0; d->msix_cap && v < d->msix_n; v++) {
        ss_put_u32(w, d->msix[v].addr_lo);
        ss_put_u32(w, d->msix[v].addr_hi);
        ss_put_u32(w, d->msix[v].data);
        ss_put_u32(w, d->msix[v].ctrl);
        ss_put_u8(w, d->msix_bound[v]);
    }
    ss_put_u8(w, d->msix_enabled);
    ss_put_u8(w, d->msix_masked_all);
    ss_put_u8(w, d->msi_enabled);
    ss_put_u8(w, (uint8_t)d->msi_bound);     /* vectors bound (was 0/1: one) */
    ss_put_u8(w, d->intx_bound);
    pthread_mutex_unlock(&d->lock);
}

int pt_dev_adopt(struct pt_dev *d, struct pt_devsrc *src, const struct pt_host_ops *host,
                 void *opaque, struct ss_rd *r)
{
    struct pt_options opt;
    uint8_t emu[256];
    uint32_t n;
    int rc;

    opt.permissive = ss_get_u8(r) != 0;
    opt.power_mgmt = ss_get_u8(r) != 0;
    if (r->bad) {
        pt_devsrc_close(src);
        return -EINVAL;
    }
    if ((rc = build(d, src, &opt, host, opaque, 0)) < 0)
        return rc;
    /* The device's bindings are as the old VMM left them (the eventfds
     * crossed the exec): only the emulated state comes back, nothing is
     * written to the device. */
    d->dead = ss_get_u8(r) != 0;
    ss_get_into(r, emu, sizeof(emu));
    d->cmd = ss_get_u16(r);
    for (unsigned i = 0; i < 6; i++) {
        uint64_t gpa = ss_get_u64(r);

        if (d->bar[i].size && !d->bar[i].is_upper)
            d->bar[i].gpa = gpa & ~(d->bar[i].size - 1);
    }
    n = ss_get_u32(r);
    if (!ss_check(r, n == (d->msix_cap ? d->msix_n : 0)))
        goto bad;
    for (unsigned v = 0; v < n; v++) {
        d->msix[v].addr_lo = ss_get_u32(r);
        d->msix[v].addr_hi = ss_get_u32(r);
        d->msix[v].data = ss_get_u32(r);
        d->msix[v].ctrl = ss_get_u32(r) & 1;
        d->msix_bound[v] = ss_get_u8(r) != 0;
    }
    d->msix_enabled = ss_get_u8(r) != 0;
    d->msix_masked_all = ss_get_u8(r) != 0;
    d->msi_enabled = ss_get_u8(r) != 0;
    d->msi_bound = ss_get_u8(r);
    d->intx_bound = ss_get_u8(r) != 0;
    if (r->bad)
        goto bad;
    /* Only the bits the VMM emulates come from the record. */
    for (unsigned i = 0; i < 256; i++)
        d->emu[i] = (uint8_t)((d->emu[i] & ~d->emu_mask[i]) | (emu[i] & d->emu_mask[i]));
    if (!ss_check(r, d->msi_bound <= PT_MSI_MAX && !(d->msi_bound & (d->msi_bound - 1)) &&
                     (!d->msi_bound || d->msi_cap)))
        goto bad;
    /* The vectors bound are those the mask bits left unmasked. */
    if (d->msi_bound) {
        uint32_t ctl = get_bytes(d->emu, d->msi_cap + 2, 2);
        uint32_t mask = d->msi_pvm ? get_bytes(d->emu, d->msi_cap + ((ctl & MSI_64BIT) ? 16 : 12), 4)
                                   : 0;

        d->msi_bound_mask = (uint32_t)(((uint64_t)1 << d->msi_bound) - 1) & ~mask;
    }
    bars_update(d);
    return 0;
bad:
    pt_dev_destroy(d);
    return -EINVAL;
}

void pt_dev_destroy(struct pt_dev *d)
{
    if (!d->src)
        return;
    d->cmd = 0;
    bars_update(d);
    if (!d->dead) {
        d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL);
        if (d->msi_bound)
            d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL);
        d->src->ops->irq_set_eventfds(d->src, VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL);
    }
    pt_devsrc_close(d->src);
    d->src = NULL;
    free(d->msix);
    free(d->msix_bound);
    pthread_mutex_destroy(&d->lock);
}

static uint32_t cfg_read_locked(struct pt_dev *d, unsigned off, unsigned len)
{
    uint32_t dev = 0, emu_mask, v;

    if (off >= 256)
        return 0;       /* extended config space: nothing shown */
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        unsigned i = (off - PCI_BAR0) / 4, sh = (off % 4) * 8;
        uint64_t full = bar_read(d, i);

        return (uint32_t)(full >> sh) & (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1);
    }
    emu_mask = get_bytes(d->emu_mask, off, len);
    if (emu_mask != (len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1) &&
        src_cfg_read(d, off, len, &dev) < 0)
        return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;     /* gone: all ones */
    v = (dev & ~emu_mask) | (get_bytes(d->emu, off, len) & emu_mask);
    return v;
}

uint32_t pt_dev_cfg_read(struct pt_dev *d, unsigned off, unsigned len)
{
    uint32_t v;

    if ((len != 1 && len != 2 && len != 4) || off % len || off >= 4096)
        return 0xffffffffu;
    pthread_mutex_lock(&d->lock);
    v = cfg_read_locked(d, off, len);
    pthread_mutex_unlock(&d->lock);
    return v;
}

static void cfg_write_locked(struct pt_dev *d, unsigned off, unsigned len, uint32_t val)
{
    uint32_t full = len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    uint32_t emu_mask, ro, pass, known = 0, dev;

    if (off >= 256)
        return;
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 24) {
        if (len == 4)
            bar_write(d, (off - PCI_BAR0) / 4, val);
        bars_update(d);
        return;
    }
    emu_mask = get_bytes(d->emu_mask, off, len);
    ro = get_bytes(d->ro_mask, off, len);
    for (unsigned i = 0; i < len; i++)
        known |= d->known[off + i] ? 0xffu << (8 * i) : 0;
    /* Unknown bytes of a kept capability: writable only when permissive. */
    if (!d->opt.permissive)
        ro |= ~known & full;
    else
        ro &= known;
    /* Emulated bits the guest may write. */
    set_bytes(d->emu, off, len,
              (get_bytes(d->emu, off, len) & ~(emu_mask & ~ro)) | (val & emu_mask & ~ro));
    /* Passed-through bits the guest may write go to the device, the others
     * keep the device's value. */
    pass = ~emu_mask & ~ro & full;
    if (pass) {
        if (src_cfg_read(d, off, len, &dev) == 0) {
            /* Write-1-to-clear status bits: write only what the guest set. */
            if (off <= PCI_STATUS && off + len > PCI_STATUS)
                dev &= ~((uint32_t)STATUS_W1C << (8 * (PCI_STATUS - off)));
            src_cfg_write(d, off, len, (dev & ~pass) | (val & pass));
        }
    }
    if (off <= PCI_COMMAND && off + len > PCI_COMMAND) {
        uint32_t c = cfg_read_locked(d, PCI_COMMAND, 2);

        d->cmd = (uint16_t)c;
        bars_update(d);
    }
    if (d->msix_cap && off <= d->msix_cap + 3u && off + len > d->msix_cap + 2u) {
        uint16_t ctl = (uint16_t)get_bytes(d->emu, d->msix_cap + 2, 2);
        bool en = ctl & MSIX_ENABLE, all = ctl & MSIX_MASKALL;

        if (en != d->msix_enabled || all != d->msix_masked_all) {
            d->msix_enabled = en;
            d->msix_masked_all = all;
            msix_sync(d);
        }
    }
    if (d->msi_cap && off < d->msi_cap + 24u && off + len > d->msi_cap + 2u)
        msi_sync(d);
}

void pt_dev_cfg_write(struct pt_dev *d, unsigned off, unsigned len, uint32_t val)
{
    if ((len != 1 && len != 2 && len != 4) || off % len || off >= 4096)
        return;
    pthread_mutex_lock(&d->lock);
    cfg_write_locked(d, off, len, val);
    pthread_mutex_unlock(&d->lock);
}

void pt_dev_place_io(struct pt_dev *d, uint32_t io_base, uint32_t io_len)
{
    uint32_t next = io_base;

    pthread_mutex_lock(&d->lock);
    for (unsigned i = 0; i < 6; i++) {
        struct pt_bar *b = &d->bar[i];
        uint32_t at;

        if (!b->size || b->is_upper || !(b->type & 1))
            continue;
        at = (next + (uint32_t)b->size - 1) & ~((uint32_t)b->size - 1);
        if (at < next || at - io_base + b->size > io_len)
            break;
        b->gpa = at;
        next = at + (uint32_t)b->size;
    }
    pthread_mutex_unlock(&d->lock);
}

/* A BAR access forwarded to the device source (d->lock held).  A device
 * that does not answer reads all ones, as a PCIe completion timeout or
 * surprise removal does; one that is gone stays gone. */
static void bar_access(struct pt_dev *d, unsigned i, uint64_t off, unsigned len, bool write,
                       uint8_t *data)
{
    int r;

    if (d->dead)
        r = -EPIPE;
    else if (write)
        r = d->src->ops->region_write(d->src, VFIO_PCI_BAR0_REGION_INDEX + i, off, data, len);
    else
        r = d->src->ops->region_read(d->src, VFIO_PCI_BAR0_REGION_INDEX + i, off, data, len);
    if (r == -EPIPE || r == -EPROTO) {
        if (!d->dead)
            log_warn("passthrough device gone (BAR%u access): %s", i, strerror(-r));
        d->dead = true;
    }
    if (r < 0 && !write)
        memset(data, 0xff, len);
}

bool pt_dev_pio(struct pt_dev *d, uint16_t port, unsigned len, bool write, uint8_t *data)
{
    bool hit = false;

    pthread_mutex_lock(&d->lock);
    for (unsigned i = 0; i < 6 && !hit; i++) {
        struct pt_bar *b = &d->bar[i];
        uint64_t off;

        if (!b->size || !(b->type & 1) || !(d->cmd & CMD_IO) || !b->gpa ||
            b->gpa + b->size > 0x10000 || port < b->gpa || port - b->gpa >= b->size)
            continue;
        hit = true;
        off = port - b->gpa;
        if ((len != 1 && len != 2 && len != 4) || off + len > b->size) {
            if (!write)
                memset(data, 0xff, len);
            break;
        }
        bar_access(d, i, off, len, write, data);
    }
    pthread_mutex_unlock(&d->lock);
    return hit;
}

/* The MSI-X table: 16 bytes per vector, emulated here. */
static void msix_table(struct pt_dev *d, uint32_t off, unsigned len, bool write, uint8_t *data)
{
    unsigned v = off / 16, w = (off % 16) / 4;
    uint32_t *e;

    if (v >= d->msix_n || (len != 4 && len != 8) || off % 4) {
        if (!write)
            memset(data, 0xff, len);
        return;
    }
    for (unsigned k = 0; k < len / 4 && w + k < 4; k++) {
        e = &d->msix[v].addr_lo + w + k;
        if (!write) {
            memcpy(data + 4 * k, e, 4);
            continue;
        }
        if (w + k == 3) {
            uint32_t ctrl;

            memcpy(&ctrl, data + 4 * k, 4);
            if ((ctrl & 1) != (*e & 1)) {
                *e = ctrl & 1;
                msix_sync(d);
            }
        } else {
            memcpy(e, data + 4 * k, 4);
            /* A live vector's new address or data: route it again. */
            if (d->msix_enabled && !(d->msix[v].ctrl & 1) && d->msix_bound[v])
                d->host->msix_route(d->opaque, v,
                                    (uint64_t)d->msix[v].addr_hi << 32 | d->msix[v].addr_lo,
                                    d->msix[v].data);
        }
    }
}

bool pt_dev_mmio(struct pt_dev *d, uint64_t gpa, unsigned len, bool write, uint8_t *data)
{
    bool hit = false;

    pthread_mutex_lock(&d->lock);
    for (unsigned i = 0; i < 6 && !hit; i++) {
        struct pt_bar *b = &d->bar[i];
        uint64_t off;

        if (!b->size || b->is_upper || (b->type & 1) || !(d->cmd & CMD_MEM) || !b->gpa ||
            gpa < b->gpa || gpa - b->gpa >= b->size)
            continue;
        hit = true;
        off = gpa - b->gpa;
        if (len > 8 || off + len > b->size) {
            if (!write)
                memset(data, 0xff, len);
            break;
        }
        if (d->msix_cap && i == d->msix_bar && off >= d->msix_off &&
            off < d->msix_off + 16ull * d->msix_n) {
            msix_table(d, (uint32_t)(off - d->msix_off), len, write, data);
            break;
        }
        bar_access(d, i, off, len, write, data);
    }
    pthread_mutex_unlock(&d->lock);
    return hit;
}
