/* vfu_testdev: a small PCI device served over vfio-user, the test device
 * on hosts without VFIO.  BAR0 holds registers (testdev_regs.h), BAR2 is
 * 64 KiB of memory handed out as an mmap-able fd, config space has PM,
 * MSI-X, PCI Express and a vendor-specific capability, interrupts are INTx
 * (automasked, level: pending until cleared) and 4 MSI-X vectors, and a
 * DMA engine copies between DMA regions the client mapped (fds mapped
 * here).  One client; exits 0 when it hangs up.
 *   vfu_testdev [--msi] --fd N        serve the connected socket N
 *   vfu_testdev [--msi] SOCKET_PATH   listen there, serve the first client
 *   vfu_testdev --again [--msi] SOCKET_PATH   and then the next ones, each
 *                                   on a reset device (a rebooted domain)
 * --msi: an MSI capability (one 64-bit message) at TD_CAP_MSIX instead of
 * MSI-X: vector 0 is the MSI while its eventfd is bound (SET_IRQS).
 * --msi4: an MSI capability at TD_CAP_MSI4 instead of MSI-X, 64-bit, with
 * 4 messages (Multiple Message Capable 2) and per-vector masking: vector n
 * fires its eventfd n; while MSI is on (some SET_IRQS bound eventfds) a
 * vector without one sets its pending bit, delivered when it is bound.
 * --iobar: BAR4 is 32 bytes of I/O space (TD_IO_* registers).
 * The flags come first, in any order.
 * SIGUSR1 raises vector 0 (INTx when no vector is bound) as the BAR0
 * write TD_IRQ_RAISE does, then prints "vfu_testdev: raised N" (N: the
 * interrupt count) on stdout: tests raise an interrupt while no VMM
 * listens (a live update's exec). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "pciback/vfu_msg.h"
#include "testdev_regs.h"

#define MAX_DMA 64              /* mappings: ballooning splits them (docs/pciback.md) */
/* serve_one's handlers: replied already, or the socket failed. */
#define SENT 1
#define DEAD 1000

static struct {
    int sock;
    uint8_t cfg[256], cfg_wmask[256];
    uint8_t bar0[TD_BAR0_SIZE];
    int bar2_fd;
    uint8_t *bar2;
    struct { uint64_t iova, size; uint8_t *map; bool writable; } dma[MAX_DMA];
    int msix_fd[TD_MSIX_VECTORS];
    bool use_msi;               /* --msi */
    int msi_fd;
    bool use_msi4, msi4_on;     /* --msi4; MSI on (eventfds given) */
    int msi4_fd[TD_MSI_VECTORS];
    bool use_iobar;             /* --iobar */
    uint8_t bar4[TD_BAR4_SIZE];
    int intx_fd, intx_unmask_fd;
    bool intx_masked;
    uint8_t buf[VFU_MAX_MSG];
} d;

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void set_mask(unsigned off, unsigned len, uint8_t m)
{
    memset(d.cfg_wmask + off, m, len);
}

static void config_reset(void)
{
    memset(d.cfg, 0, sizeof(d.cfg));
    memset(d.cfg_wmask, 0, sizeof(d.cfg_wmask));
    wr16(d.cfg + 0x00, TD_VENDOR);
    wr16(d.cfg + 0x02, TD_DEVICE);
    wr16(d.cfg + 0x06, 0x0010);                 /* capability list */
    d.cfg[0x08] = 1;                            /* revision */
    d.cfg[0x0b] = 0xff;                         /* class: unassigned */
    wr32(d.cfg + 0x10, 0);                      /* BAR0: 32-bit memory */
    wr32(d.cfg + 0x18, 0x8);                    /* BAR2: prefetchable memory */
    wr16(d.cfg + 0x2c, TD_VENDOR);
    wr16(d.cfg + 0x2e, 0x0001);
    d.cfg[0x34] = TD_CAP_PM;
    d.cfg[0x3d] = 1;                            /* INTA */
    set_mask(0x04, 2, 0xff);                    /* command */
    set_mask(0x10, 4, 0xff);
    set_mask(0x18, 4, 0xff);
    set_mask(0x3c, 1, 0xff);                    /* interrupt line */
    /* PM: D0..D3hot, PMCSR power state writable. */
    d.cfg[TD_CAP_PM] = 0x01; d.cfg[TD_CAP_PM + 1] = TD_CAP_MSIX;
    wr16(d.cfg + TD_CAP_PM + 2, 0x0003);
    set_mask(TD_CAP_PM + 4, 1, 0x03);
    if (d.use_iobar) {
        wr32(d.cfg + 0x20, 0x1);                /* BAR4: I/O */
        set_mask(0x20, 4, 0xff);
    }
    if (d.use_msi4) {
        /* MSI: 4 messages, 64-bit, per-vector masking; enable, MME,
         * address, data and the 4 mask bits writable, pending read-only. */
        d.cfg[TD_CAP_PM + 1] = TD_CAP_MSI4;
        d.cfg[TD_CAP_MSI4] = 0x05; d.cfg[TD_CAP_MSI4 + 1] = TD_CAP_EXP;
        wr16(d.cfg + TD_CAP_MSI4 + 2, 0x0180 | (2 << 1));
        set_mask(TD_CAP_MSI4 + 2, 1, 0x71);
        set_mask(TD_CAP_MSI4 + 4, 8, 0xff);
        set_mask(TD_CAP_MSI4 + 12, 2, 0xff);
        set_mask(TD_CAP_MSI4 + 16, 1, 0x0f);
    } else if (d.use_msi) {
        /* MSI: one message, 64-bit address; enable, address, data writable. */
        d.cfg[TD_CAP_MSIX] = 0x05; d.cfg[TD_CAP_MSIX + 1] = TD_CAP_EXP;
        wr16(d.cfg + TD_CAP_MSIX + 2, 0x0080);
        set_mask(TD_CAP_MSIX + 2, 1, 0x01);
        set_mask(TD_CAP_MSIX + 4, 8, 0xff);
        set_mask(TD_CAP_MSIX + 12, 2, 0xff);
    } else {
        /* MSI-X: 4 vectors, table and PBA in BAR0. */
        d.cfg[TD_CAP_MSIX] = 0x11; d.cfg[TD_CAP_MSIX + 1] = TD_CAP_EXP;
        wr16(d.cfg + TD_CAP_MSIX + 2, TD_MSIX_VECTORS - 1);
        wr32(d.cfg + TD_CAP_MSIX + 4, TD_MSIX_TABLE | 0);
        wr32(d.cfg + TD_CAP_MSIX + 8, TD_MSIX_PBA | 0);
        set_mask(TD_CAP_MSIX + 3, 1, 0xc0);     /* enable, function mask */
    }
    /* PCI Express v2 endpoint, device control writable. */
    d.cfg[TD_CAP_EXP] = 0x10; d.cfg[TD_CAP_EXP + 1] = TD_CAP_VNDR;
    wr16(d.cfg + TD_CAP_EXP + 2, 0x0002);
    set_mask(TD_CAP_EXP + 8, 2, 0xff);
    /* Vendor specific, 8 bytes, last. */
    d.cfg[TD_CAP_VNDR] = 0x09; d.cfg[TD_CAP_VNDR + 1] = 0; d.cfg[TD_CAP_VNDR + 2] = 8;
    wr32(d.cfg + TD_CAP_VNDR + 4, 0x5ec12e7u);
    set_mask(TD_CAP_VNDR + 4, 4, 0xff);         /* a vendor register */
}

static void config_write(unsigned off, const uint8_t *p, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        d.cfg[off + i] = (d.cfg[off + i] & ~d.cfg_wmask[off + i]) | (p[i] & d.cfg_wmask[off + i]);
    /* BAR sizing: the size's low bits read back as zero, type bits stay. */
    wr32(d.cfg + 0x10, (rd32(d.cfg + 0x10) & ~(TD_BAR0_SIZE - 1u)));
    wr32(d.cfg + 0x18, (rd32(d.cfg + 0x18) & ~(TD_BAR2_SIZE - 1u)) | 0x8);
    if (d.use_iobar)
        wr32(d.cfg + 0x20, (rd32(d.cfg + 0x20) & ~(TD_BAR4_SIZE - 1u)) | 0x1);
}

static void signal_fd(int fd)
{
    uint64_t one = 1;

    if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
        perror("vfu_testdev: eventfd");
}

static void intx_assert(void)
{
    if (d.intx_fd < 0 || d.intx_masked)
        return;
    d.intx_masked = true;       /* automasked until the client unmasks */
    signal_fd(d.intx_fd);
    wr32(d.bar0 + TD_IRQ_COUNT, rd32(d.bar0 + TD_IRQ_COUNT) + 1);
}

static void raise_irq(unsigned vec)
{
    if (d.use_msi4 && d.msi4_on && vec < TD_MSI_VECTORS) {
        if (d.msi4_fd[vec] >= 0) {
            signal_fd(d.msi4_fd[vec]);
            wr32(d.bar0 + TD_IRQ_COUNT, rd32(d.bar0 + TD_IRQ_COUNT) + 1);
        } else {
            d.cfg[TD_CAP_MSI4 + 20] |= (uint8_t)(1u << vec);   /* pending */
        }
        return;
    }
    /* As with vfio-pci, binding the MSI eventfd (SET_IRQS) is what enables
     * it: the client emulates the capability's registers. */
    if (d.use_msi && vec == 0 && d.msi_fd >= 0) {
        signal_fd(d.msi_fd);
        wr32(d.bar0 + TD_IRQ_COUNT, rd32(d.bar0 + TD_IRQ_COUNT) + 1);
        return;
    }
    if (vec < TD_MSIX_VECTORS && d.msix_fd[vec] >= 0) {
        signal_fd(d.msix_fd[vec]);
        wr32(d.bar0 + TD_IRQ_COUNT, rd32(d.bar0 + TD_IRQ_COUNT) + 1);
        return;
    }
    wr32(d.bar0 + TD_INTX_STATUS, 1);
    intx_assert();
}

/* The I/O BAR's registers; reads come from d.bar4 as it is. */
static void bar4_write(unsigned off, const uint8_t *p, unsigned n)
{
    uint32_t v = 0;

    wr32(d.bar4 + TD_IO_COUNT, rd32(d.bar4 + TD_IO_COUNT) + 1);
    if (off >= TD_IO_SCRATCH && off + n <= TD_IO_SCRATCH + 4) {
        memcpy(d.bar4 + off, p, n);
    } else if (off == TD_IO_RAISE && n == 4) {
        memcpy(&v, p, 4);
        raise_irq(v);
    }
}

static void intx_unmask(void)
{
    d.intx_masked = false;
    if (rd32(d.bar0 + TD_INTX_STATUS) & 1)
        intx_assert();          /* still pending: a level interrupt fires again */
}

static uint8_t *dma_ptr(uint64_t iova, uint64_t len, bool write)
{
    for (unsigned i = 0; i < MAX_DMA; i++) {
        if (!d.dma[i].map || iova < d.dma[i].iova || len > d.dma[i].size ||
            iova - d.dma[i].iova > d.dma[i].size - len)
            continue;
        if (write && !d.dma[i].writable)
            return NULL;
        return d.dma[i].map + (iova - d.dma[i].iova);
    }
    return NULL;
}

static void dma_start(uint32_t cmd)
{
    uint64_t src = rd64(d.bar0 + TD_DMA_SRC), dst = rd64(d.bar0 + TD_DMA_DST);
    uint32_t len = rd32(d.bar0 + TD_DMA_LEN);
    uint8_t *s, *t;

    if (cmd & TD_CMD_STALL) {
        wr32(d.bar0 + TD_STATUS, TD_ST_BUSY);
        return;
    }
    s = dma_ptr(src, len, false);
    t = dma_ptr(dst, len, true);
    if (!s || !t || !len)
        wr32(d.bar0 + TD_STATUS, TD_ST_ERROR | TD_ST_DONE);
    else {
        memmove(t, s, len);
        wr32(d.bar0 + TD_STATUS, TD_ST_DONE);
    }
    if (cmd & TD_CMD_IRQ)
        raise_irq(0);
}

static void bar0_write(unsigned off, const uint8_t *p, unsigned n)
{
    uint32_t v = 0;

    if (off < 0x30 && (off % 4 || (n != 4 && !(n == 8 && off % 8 == 0))))
        return;                 /* registers take aligned dwords (or qwords) */
    if (off >= 0x30) {
        memcpy(d.bar0 + off, p, n);     /* MSI-X table, PBA, spare: plain memory */
        return;
    }
    memcpy(&v, p, 4);
    switch (off) {
    case TD_ID: case TD_IRQ_COUNT:
        return;
    case TD_DMA_CMD:
        if (v & TD_CMD_START && !(rd32(d.bar0 + TD_STATUS) & TD_ST_BUSY))
            dma_start(v);
        return;
    case TD_STATUS:
        if (!(rd32(d.bar0 + TD_STATUS) & TD_ST_BUSY))
            wr32(d.bar0 + TD_STATUS, rd32(d.bar0 + TD_STATUS) & ~(v & (TD_ST_DONE | TD_ST_ERROR)));
        return;
    case TD_IRQ_RAISE:
        raise_irq(v);
        return;
    case TD_INTX_STATUS:
        wr32(d.bar0 + TD_INTX_STATUS, rd32(d.bar0 + TD_INTX_STATUS) & ~(v & 1));
        return;
    default:
        memcpy(d.bar0 + off, p, n);
    }
}

static void msix_off(void)
{
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++) {
        if (d.msix_fd[i] >= 0)
            close(d.msix_fd[i]);
        d.msix_fd[i] = -1;
    }
}

static void msi4_off(void)
{
    for (unsigned i = 0; i < TD_MSI_VECTORS; i++) {
        if (d.msi4_fd[i] >= 0)
            close(d.msi4_fd[i]);
        d.msi4_fd[i] = -1;
    }
    d.msi4_on = false;
}

static void intx_off(void)
{
    if (d.intx_fd >= 0)
        close(d.intx_fd);
    d.intx_fd = -1;
}

/* A client gone: its DMA mappings and interrupt bindings with it. */
static void client_gone(void)
{
    for (unsigned i = 0; i < MAX_DMA; i++) {
        if (d.dma[i].map)
            munmap(d.dma[i].map, d.dma[i].size);
        d.dma[i].map = NULL;
    }
    msix_off();
    msi4_off();
    intx_off();
    if (d.msi_fd >= 0)
        close(d.msi_fd);
    if (d.intx_unmask_fd >= 0)
        close(d.intx_unmask_fd);
    d.msi_fd = d.intx_unmask_fd = -1;
    close(d.sock);
}

static void device_reset(void)
{
    config_reset();
    memset(d.bar0, 0, sizeof(d.bar0));
    wr32(d.bar0 + TD_ID, TD_ID_VALUE);
    memset(d.bar2, 0, TD_BAR2_SIZE);
    memset(d.bar4, 0, sizeof(d.bar4));
    wr32(d.bar4 + TD_IO_ID, TD_IO_ID_VALUE);
    d.intx_masked = false;
}

static int reply(const struct vfu_hdr *h, const void *payload, size_t len, const int *fds,
                 int nfds)
{
    struct vfu_hdr r = *h;
    uint8_t *m = malloc(sizeof(r) + len);
    int ret;

    r.flags = VFU_FLAG_REPLY;
    r.error = 0;
    r.msg_size = sizeof(r) + len;
    memcpy(m, &r, sizeof(r));
    if (len)
        memcpy(m + sizeof(r), payload, len);
    ret = vfu_send(d.sock, m, r.msg_size, fds, nfds);
    free(m);
    return ret;
}

static int reply_err(const struct vfu_hdr *h, int err)
{
    struct vfu_hdr r = *h;

    r.flags = VFU_FLAG_REPLY | VFU_FLAG_ERROR;
    r.error = err;
    r.msg_size = sizeof(r);
    return vfu_send(d.sock, &r, sizeof(r), NULL, 0);
}

static uint64_t region_size(uint32_t idx)
{
    switch (idx) {
    case VFIO_PCI_BAR0_REGION_INDEX: return TD_BAR0_SIZE;
    case VFIO_PCI_BAR2_REGION_INDEX: return TD_BAR2_SIZE;
    case VFIO_PCI_BAR4_REGION_INDEX: return d.use_iobar ? TD_BAR4_SIZE : 0;
    case VFIO_PCI_CONFIG_REGION_INDEX: return sizeof(d.cfg);
    default: return 0;
    }
}

static int do_region(const struct vfu_hdr *h, const uint8_t *p, size_t len, bool write)
{
    struct vfu_region_access a;
    uint8_t *out;
    uint64_t size;
    int r;

    if (len < sizeof(a))
        return reply_err(h, EINVAL);
    memcpy(&a, p, sizeof(a));
    size = region_size(a.region);
    if (!a.count || a.count > VFU_DEFAULT_MAX_XFER || a.offset >= size ||
        a.count > size - a.offset || (write && len != sizeof(a) + a.count) ||
        (!write && len != sizeof(a)))
        return reply_err(h, EINVAL);
    if (write) {
        const uint8_t *data = p + sizeof(a);

        if (a.region == VFIO_PCI_CONFIG_REGION_INDEX)
            config_write((unsigned)a.offset, data, a.count);
        else if (a.region == VFIO_PCI_BAR0_REGION_INDEX)
            bar0_write((unsigned)a.offset, data, a.count);
        else if (a.region == VFIO_PCI_BAR4_REGION_INDEX)
            bar4_write((unsigned)a.offset, data, a.count);
        else
            memcpy(d.bar2 + a.offset, data, a.count);
        return reply(h, &a, sizeof(a), NULL, 0);
    }
    out = malloc(sizeof(a) + a.count);
    memcpy(out, &a, sizeof(a));
    memcpy(out + sizeof(a), a.region == VFIO_PCI_CONFIG_REGION_INDEX ? d.cfg + a.offset
                            : a.region == VFIO_PCI_BAR0_REGION_INDEX ? d.bar0 + a.offset
                            : a.region == VFIO_PCI_BAR4_REGION_INDEX ? d.bar4 + a.offset
                            : d.bar2 + a.offset, a.count);
    r = reply(h, out, sizeof(a) + a.count, NULL, 0);
    free(out);
    return r;
}

static int do_set_irqs(const uint8_t *p, size_t len, int *fds, int nfds)
{
    struct vfio_irq_set s;
    uint32_t action, data;

    if (len < sizeof(s))
        return -EINVAL;
    memcpy(&s, p, sizeof(s));
    action = s.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
    data = s.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
    if (s.index == VFIO_PCI_MSIX_IRQ_INDEX && action == VFIO_IRQ_SET_ACTION_TRIGGER) {
        if (data == VFIO_IRQ_SET_DATA_NONE && s.count == 0) {
            msix_off();
            return 0;
        }
        if (data != VFIO_IRQ_SET_DATA_EVENTFD || s.start > TD_MSIX_VECTORS ||
            s.count > TD_MSIX_VECTORS - s.start || (nfds && (uint32_t)nfds != s.count))
            return -EINVAL;
        for (uint32_t i = 0; i < s.count; i++) {
            if (d.msix_fd[s.start + i] >= 0)
                close(d.msix_fd[s.start + i]);
            d.msix_fd[s.start + i] = nfds ? fds[i] : -1;
            if (nfds)
                fds[i] = -1;    /* kept */
        }
        return 0;
    }
    if (s.index == VFIO_PCI_MSI_IRQ_INDEX && action == VFIO_IRQ_SET_ACTION_TRIGGER &&
        d.use_msi4) {
        if (data == VFIO_IRQ_SET_DATA_NONE && s.count == 0) {
            msi4_off();
            d.cfg[TD_CAP_MSI4 + 20] = 0;
            return 0;
        }
        if (data != VFIO_IRQ_SET_DATA_EVENTFD || s.start > TD_MSI_VECTORS ||
            s.count > TD_MSI_VECTORS - s.start || (nfds && (uint32_t)nfds != s.count))
            return -EINVAL;
        d.msi4_on = true;
        for (uint32_t i = 0; i < s.count; i++) {
            unsigned v = s.start + i;

            if (d.msi4_fd[v] >= 0)
                close(d.msi4_fd[v]);
            d.msi4_fd[v] = nfds ? fds[i] : -1;
            if (nfds)
                fds[i] = -1;    /* kept */
            /* A pending message goes out once the vector has its eventfd. */
            if (d.msi4_fd[v] >= 0 && (d.cfg[TD_CAP_MSI4 + 20] & (1u << v))) {
                d.cfg[TD_CAP_MSI4 + 20] &= (uint8_t)~(1u << v);
                raise_irq(v);
            }
        }
        return 0;
    }
    if (s.index == VFIO_PCI_MSI_IRQ_INDEX && action == VFIO_IRQ_SET_ACTION_TRIGGER &&
        d.use_msi) {
        if (data == VFIO_IRQ_SET_DATA_NONE && s.count == 0) {
            if (d.msi_fd >= 0)
                close(d.msi_fd);
            d.msi_fd = -1;
            return 0;
        }
        if (data != VFIO_IRQ_SET_DATA_EVENTFD || s.start != 0 || s.count != 1 || nfds > 1)
            return -EINVAL;
        if (d.msi_fd >= 0)
            close(d.msi_fd);
        d.msi_fd = nfds ? fds[0] : -1;
        if (nfds)
            fds[0] = -1;        /* kept */
        return 0;
    }
    if (s.index != VFIO_PCI_INTX_IRQ_INDEX)
        return -EINVAL;
    if (data == VFIO_IRQ_SET_DATA_NONE && action == VFIO_IRQ_SET_ACTION_TRIGGER && !s.count) {
        intx_off();
        return 0;
    }
    if (s.start != 0 || s.count != 1 || nfds > 1)
        return -EINVAL;
    if (action == VFIO_IRQ_SET_ACTION_UNMASK && data == VFIO_IRQ_SET_DATA_NONE) {
        intx_unmask();
        return 0;
    }
    if (data != VFIO_IRQ_SET_DATA_EVENTFD)
        return -EINVAL;
    if (action == VFIO_IRQ_SET_ACTION_TRIGGER) {
        if (d.intx_fd >= 0)
            close(d.intx_fd);
        d.intx_fd = nfds ? fds[0] : -1;
    } else if (action == VFIO_IRQ_SET_ACTION_UNMASK) {
        if (d.intx_unmask_fd >= 0)
            close(d.intx_unmask_fd);
        d.intx_unmask_fd = nfds ? fds[0] : -1;
    } else {
        return -EINVAL;
    }
    if (nfds)
        fds[0] = -1;
    return 0;
}

static int do_dma_map(const uint8_t *p, size_t len, int *fds, int nfds)
{
    struct vfu_dma_map m;
    unsigned free_slot = MAX_DMA;
    void *map;

    if (len < sizeof(m) || nfds != 1)
        return -EINVAL;
    memcpy(&m, p, sizeof(m));
    if (!m.size || m.address + m.size < m.address)
        return -EINVAL;
    for (unsigned i = 0; i < MAX_DMA; i++) {
        if (!d.dma[i].map) {
            if (free_slot == MAX_DMA)
                free_slot = i;
        } else if (m.address < d.dma[i].iova + d.dma[i].size &&
                   d.dma[i].iova < m.address + m.size) {
            return -EEXIST;
        }
    }
    if (free_slot == MAX_DMA)
        return -ENOSPC;
    map = mmap(NULL, m.size, PROT_READ | ((m.flags & VFU_DMA_WRITABLE) ? PROT_WRITE : 0),
               MAP_SHARED, fds[0], (off_t)m.offset);
    if (map == MAP_FAILED)
        return -errno;
    d.dma[free_slot].iova = m.address;
    d.dma[free_slot].size = m.size;
    d.dma[free_slot].map = map;
    d.dma[free_slot].writable = m.flags & VFU_DMA_WRITABLE;
    return 0;
}

static int do_dma_unmap(const uint8_t *p, size_t len)
{
    struct vfu_dma_unmap u;

    if (len < sizeof(u))
        return -EINVAL;
    memcpy(&u, p, sizeof(u));
    for (unsigned i = 0; i < MAX_DMA; i++) {
        if (d.dma[i].map && d.dma[i].iova == u.address && d.dma[i].size == u.size) {
            munmap(d.dma[i].map, d.dma[i].size);
            d.dma[i].map = NULL;
            return 0;
        }
    }
    return -ENOENT;
}

/* One message: 0 to go on, -1 to stop. */
static int serve_one(void)
{
    int fds[VFU_MAX_FDS], nfds, r = 0;
    long n = vfu_recv(d.sock, d.buf, sizeof(d.buf), fds, VFU_MAX_FDS, &nfds);
    struct vfu_hdr h;
    const uint8_t *p = d.buf + sizeof(h);
    size_t len;

    if (n < 0)
        return -1;
    memcpy(&h, d.buf, sizeof(h));
    len = h.msg_size - sizeof(h);
    switch (h.command) {
    case VFU_VERSION: {
        static const char caps[] =
            "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}";
        uint8_t out[4 + sizeof(caps)];
        struct vfu_version v;

        if (len < sizeof(v)) {
            r = -EINVAL;
            break;
        }
        memcpy(&v, p, sizeof(v));
        if (v.major != VFU_VERSION_MAJOR) {
            r = -ENOTSUP;
            break;
        }
        v.minor = v.minor < VFU_VERSION_MINOR ? v.minor : VFU_VERSION_MINOR;
        memcpy(out, &v, 4);
        memcpy(out + 4, caps, sizeof(caps));
        r = reply(&h, out, sizeof(out), NULL, 0) < 0 ? DEAD : SENT;
        break;
    }
    case VFU_DEVICE_GET_INFO: {
        struct vfio_device_info i = { .argsz = 16,
                                      .flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
                                      .num_regions = VFIO_PCI_NUM_REGIONS,
                                      .num_irqs = VFIO_PCI_NUM_IRQS };
        r = reply(&h, &i, 16, NULL, 0) < 0 ? DEAD : SENT;
        break;
    }
    case VFU_DEVICE_GET_REGION_INFO: {
        struct vfio_region_info ri;

        if (len < sizeof(ri)) {
            r = -EINVAL;
            break;
        }
        memcpy(&ri, p, sizeof(ri));
        if (ri.index >= VFIO_PCI_NUM_REGIONS) {
            r = -EINVAL;
            break;
        }
        ri.argsz = sizeof(ri);
        ri.cap_offset = 0;
        ri.offset = 0;
        ri.size = region_size(ri.index);
        ri.flags = ri.size ? VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE : 0;
        if (ri.index == VFIO_PCI_BAR2_REGION_INDEX) {
            ri.flags |= VFIO_REGION_INFO_FLAG_MMAP;
            r = reply(&h, &ri, sizeof(ri), &d.bar2_fd, 1) < 0 ? DEAD : SENT;
        } else {
            r = reply(&h, &ri, sizeof(ri), NULL, 0) < 0 ? DEAD : SENT;
        }
        break;
    }
    case VFU_DEVICE_GET_IRQ_INFO: {
        struct vfio_irq_info ii;

        if (len < sizeof(ii)) {
            r = -EINVAL;
            break;
        }
        memcpy(&ii, p, sizeof(ii));
        ii.argsz = sizeof(ii);
        ii.flags = VFIO_IRQ_INFO_EVENTFD;
        ii.count = 0;
        if (ii.index == VFIO_PCI_INTX_IRQ_INDEX) {
            ii.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
            ii.count = 1;
        } else if (ii.index == VFIO_PCI_MSIX_IRQ_INDEX) {
            ii.count = d.use_msi || d.use_msi4 ? 0 : TD_MSIX_VECTORS;
        } else if (ii.index == VFIO_PCI_MSI_IRQ_INDEX) {
            ii.count = d.use_msi4 ? TD_MSI_VECTORS : d.use_msi ? 1 : 0;
        } else if (ii.index >= VFIO_PCI_NUM_IRQS) {
            r = -EINVAL;
            break;
        }
        r = reply(&h, &ii, sizeof(ii), NULL, 0) < 0 ? DEAD : SENT;
        break;
    }
    case VFU_REGION_READ:
    case VFU_REGION_WRITE:
        r = do_region(&h, p, len, h.command == VFU_REGION_WRITE) < 0 ? DEAD : SENT;
        break;
    case VFU_DMA_MAP:
        r = do_dma_map(p, len, fds, nfds);
        break;
    case VFU_DMA_UNMAP:
        if ((r = do_dma_unmap(p, len)) == 0)
            r = reply(&h, p, len, NULL, 0) < 0 ? DEAD : SENT;
        break;
    case VFU_DEVICE_SET_IRQS:
        r = do_set_irqs(p, len, fds, nfds);
        break;
    case VFU_DEVICE_RESET:
        device_reset();         /* interrupt bindings stay, as with vfio-pci */
        break;
    default:
        r = -ENOTSUP;
    }
    for (int i = 0; i < nfds; i++)
        if (fds[i] >= 0)        /* kept ones were set to -1; mappings hold their own */
            close(fds[i]);
    if (r == 0)
        r = reply(&h, NULL, 0, NULL, 0) < 0 ? DEAD : SENT;
    else if (r < 0)
        r = reply_err(&h, -r) < 0 ? DEAD : SENT;
    return r == DEAD ? -1 : 0;
}

int main(int argc, char **argv)
{
    int lfd = -1, sig_fd;
    bool again = false;

    d.msi_fd = -1;
    if (argc > 1 && !strcmp(argv[1], "--again")) {
        again = true;
        argc--;
        argv++;
    }
    for (; argc > 1; argc--, argv++) {
        if (!strcmp(argv[1], "--msi"))
            d.use_msi = true;
        else if (!strcmp(argv[1], "--msi4"))
            d.use_msi4 = true;
        else if (!strcmp(argv[1], "--iobar"))
            d.use_iobar = true;
        else
            break;
    }
    if (argc == 3 && !strcmp(argv[1], "--fd")) {
        d.sock = atoi(argv[2]);
    } else if (argc == 2) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(argv[1]) >= sizeof(sa.sun_path))
            return 2;
        strcpy(sa.sun_path, argv[1]);
        lfd = socket(AF_UNIX, SOCK_STREAM, 0);
        unlink(argv[1]);
        if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
            perror("vfu_testdev: listen");
            return 1;
        }
        d.sock = accept(lfd, NULL, NULL);
        if (d.sock < 0)
            return 1;
    } else {
        fprintf(stderr, "usage: vfu_testdev [--again] [--msi|--msi4] [--iobar] "
                "--fd N | SOCKET_PATH\n");
        return 2;
    }
    d.bar2_fd = memfd_create("vfu_testdev-bar2", MFD_CLOEXEC);
    if (d.bar2_fd < 0 || ftruncate(d.bar2_fd, TD_BAR2_SIZE) < 0)
        return 1;
    d.bar2 = mmap(NULL, TD_BAR2_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, d.bar2_fd, 0);
    if (d.bar2 == MAP_FAILED)
        return 1;
    d.intx_fd = d.intx_unmask_fd = -1;
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        d.msix_fd[i] = -1;
    for (unsigned i = 0; i < TD_MSI_VECTORS; i++)
        d.msi4_fd[i] = -1;
    device_reset();
    {
        sigset_t usr1;

        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        sig_fd = signalfd(-1, &usr1, SFD_CLOEXEC);
    }
    for (;;) {
        struct pollfd p[3] = { { d.sock, POLLIN, 0 }, { d.intx_unmask_fd, POLLIN, 0 },
                               { sig_fd, POLLIN, 0 } };

        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        if (p[2].revents & POLLIN) {
            struct signalfd_siginfo si;

            if (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
                raise_irq(0);
                printf("vfu_testdev: raised %u\n", rd32(d.bar0 + TD_IRQ_COUNT));
                fflush(stdout);
            }
        }
        if (p[1].revents & POLLIN) {
            uint64_t v;

            if (read(d.intx_unmask_fd, &v, sizeof(v)) == sizeof(v))
                intx_unmask();
        }
        if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && serve_one() < 0) {
            if (!again || lfd < 0)
                break;
            client_gone();
            device_reset();
            printf("vfu_testdev: client gone, waiting for the next\n");
            fflush(stdout);
            d.sock = accept(lfd, NULL, NULL);
            if (d.sock < 0)
                return 1;
        }
    }
    if (lfd >= 0)
        close(lfd);
    return 0;
}
