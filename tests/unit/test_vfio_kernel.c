/* The kernel VFIO device source (pciback/vfio_kernel.c) against a model of
 * the VFIO ioctl contract (Linux's drivers/vfio: container, group, device
 * fd, type-1 IOMMU): this host has no VFIO, so the model is what it is
 * tested against.  The model checks argsz, ordering (a container needs a
 * group before SET_IOMMU), viability, names, alignment, and records what
 * reaches "the kernel".  MSI follows vfio-pci's vfio_pci_set_msi_trigger:
 * the count comes from the capability's Multiple Message Capable, the
 * first SET_IRQS enables that many vectors (and writes Multiple Message
 * Enable), later ones may only change eventfds within them. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "check.h"
#include "pciback/pt_dev.h"
#include "pciback/pt_dma.h"
#include "pciback/vfio_kernel.h"

enum { FD_CONTAINER = 100, FD_GROUP, FD_DEVICE };
#define REGION_OFF(i) ((uint64_t)(i) << 40)   /* as vfio-pci places regions */

struct model {
    bool viable, api_wrong;
    int open_fds;                   /* opened and not yet closed */
    bool group_attached, iommu_set;
    uint8_t config[256];
    struct { uint64_t vaddr, iova, size; uint32_t flags; } map[4];
    unsigned nmap;
    struct vfio_irq_set last_set;
    int32_t last_fds[8];
    int resets;
    off_t last_off;
    unsigned msi_cap, msi_nvec;     /* MSI: where; vectors enabled (0: off) */
    int32_t msi_fds[32];
    uint8_t bar4[32];               /* an I/O BAR's registers */
};

#define M_BAR4_SIZE 32

static int m_open(void *ctx, const char *path, int flags)
{
    struct model *m = ctx;

    (void)flags;
    if (!strcmp(path, "/dev/vfio/vfio")) {
        m->open_fds++;
        return FD_CONTAINER;
    }
    if (!strcmp(path, "/dev/vfio/7")) {
        m->open_fds++;
        return FD_GROUP;
    }
    errno = ENOENT;
    return -1;
}

static int fail(int e)
{
    errno = e;
    return -1;
}

static int m_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
    struct model *m = ctx;

    switch (req) {
    case VFIO_GET_API_VERSION:
        return fd == FD_CONTAINER ? (m->api_wrong ? 99 : VFIO_API_VERSION) : fail(ENOTTY);
    case VFIO_CHECK_EXTENSION:
        return fd == FD_CONTAINER && (uintptr_t)arg == VFIO_TYPE1v2_IOMMU;
    case VFIO_GROUP_GET_STATUS: {
        struct vfio_group_status *gs = arg;

        if (fd != FD_GROUP || gs->argsz < sizeof(*gs))
            return fail(EINVAL);
        gs->flags = (m->viable ? VFIO_GROUP_FLAGS_VIABLE : 0) |
                    (m->group_attached ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        return 0;
    }
    case VFIO_GROUP_SET_CONTAINER:
        if (fd != FD_GROUP || *(int *)arg != FD_CONTAINER || !m->viable || m->group_attached)
            return fail(EINVAL);
        m->group_attached = true;
        return 0;
    case VFIO_GROUP_UNSET_CONTAINER:
        if (fd != FD_GROUP || !m->group_attached)
            return fail(EINVAL);
        m->group_attached = false;
        m->iommu_set = false;
        return 0;
    case VFIO_SET_IOMMU:
        if (fd != FD_CONTAINER || !m->group_attached || (uintptr_t)arg != VFIO_TYPE1v2_IOMMU)
            return fail(EINVAL);
        m->iommu_set = true;
        return 0;
    case VFIO_GROUP_GET_DEVICE_FD:
        if (fd != FD_GROUP || !m->iommu_set)
            return fail(EINVAL);
        if (strcmp(arg, "0000:03:00.0"))
            return fail(ENODEV);
        m->open_fds++;
        return FD_DEVICE;
    case VFIO_DEVICE_GET_INFO: {
        struct vfio_device_info *di = arg;

        if (fd != FD_DEVICE || di->argsz < sizeof(*di))
            return fail(EINVAL);
        di->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
        di->num_regions = VFIO_PCI_NUM_REGIONS;
        di->num_irqs = VFIO_PCI_NUM_IRQS;
        return 0;
    }
    case VFIO_DEVICE_GET_REGION_INFO: {
        struct vfio_region_info *ri = arg;

        if (fd != FD_DEVICE || ri->argsz < sizeof(*ri) || ri->index >= VFIO_PCI_NUM_REGIONS)
            return fail(EINVAL);
        ri->offset = REGION_OFF(ri->index);
        ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
        ri->size = ri->index == VFIO_PCI_CONFIG_REGION_INDEX ? 256
                 : ri->index == VFIO_PCI_BAR0_REGION_INDEX ? 4096
                 : ri->index == VFIO_PCI_BAR4_REGION_INDEX && (m->config[0x20] & 1) ? M_BAR4_SIZE
                 : 0;
        if (ri->index == VFIO_PCI_BAR0_REGION_INDEX)
            ri->flags |= VFIO_REGION_INFO_FLAG_MMAP;
        if (!ri->size)
            ri->flags = 0;
        return 0;
    }
    case VFIO_DEVICE_GET_IRQ_INFO: {
        struct vfio_irq_info *ii = arg;

        if (fd != FD_DEVICE || ii->argsz < sizeof(*ii) || ii->index >= VFIO_PCI_NUM_IRQS)
            return fail(EINVAL);
        ii->flags = VFIO_IRQ_INFO_EVENTFD;
        ii->count = ii->index == VFIO_PCI_MSIX_IRQ_INDEX ? 8 : ii->index == 0;
        if (ii->index == VFIO_PCI_MSI_IRQ_INDEX)
            ii->count = m->msi_cap ? 1u << ((m->config[m->msi_cap + 2] >> 1) & 7) : 0;
        return 0;
    }
    case VFIO_DEVICE_SET_IRQS: {
        struct vfio_irq_set *s = arg;
        size_t need = sizeof(*s);

        if (fd != FD_DEVICE || s->argsz < sizeof(*s))
            return fail(EINVAL);
        if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
            need += s->count * sizeof(int32_t);
        if (s->argsz < need || s->count > 8)
            return fail(EINVAL);
        if (s->index == VFIO_PCI_MSI_IRQ_INDEX && (s->flags & VFIO_IRQ_SET_ACTION_TRIGGER)) {
            unsigned max = m->msi_cap ? 1u << ((m->config[m->msi_cap + 2] >> 1) & 7) : 0;

            if ((s->flags & VFIO_IRQ_SET_DATA_NONE) && !s->count) {
                m->msi_nvec = 0;
                m->config[m->msi_cap + 2] &= (uint8_t)~0x70;
            } else if (!(s->flags & VFIO_IRQ_SET_DATA_EVENTFD) || !s->count ||
                       s->start + s->count > (m->msi_nvec ? m->msi_nvec : max)) {
                return fail(EINVAL);
            } else {
                if (!m->msi_nvec) {     /* vfio_msi_enable: MME for the count */
                    unsigned q = 0;

                    m->msi_nvec = s->start + s->count;
                    while ((1u << q) < m->msi_nvec)
                        q++;
                    m->config[m->msi_cap + 2] =
                        (uint8_t)((m->config[m->msi_cap + 2] & ~0x70) | q << 4);
                }
                memcpy(m->msi_fds + s->start, s->data, s->count * sizeof(int32_t));
            }
        }
        m->last_set = *s;
        if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
            memcpy(m->last_fds, s->data, s->count * sizeof(int32_t));
        return 0;
    }
    case VFIO_DEVICE_RESET:
        if (fd != FD_DEVICE)
            return fail(EINVAL);
        m->resets++;
        return 0;
    case VFIO_IOMMU_MAP_DMA: {
        struct vfio_iommu_type1_dma_map *d = arg;

        if (fd != FD_CONTAINER || !m->iommu_set || d->argsz < sizeof(*d))
            return fail(EINVAL);
        if ((d->iova | d->size | d->vaddr) & 4095)
            return fail(EINVAL);
        for (unsigned i = 0; i < m->nmap; i++)
            if (d->iova < m->map[i].iova + m->map[i].size && m->map[i].iova < d->iova + d->size)
                return fail(EEXIST);
        if (m->nmap == 4)
            return fail(ENOSPC);
        m->map[m->nmap].vaddr = d->vaddr;
        m->map[m->nmap].iova = d->iova;
        m->map[m->nmap].size = d->size;
        m->map[m->nmap++].flags = d->flags;
        return 0;
    }
    case VFIO_IOMMU_UNMAP_DMA: {
        struct vfio_iommu_type1_dma_unmap *u = arg;
        uint64_t done = 0;

        if (fd != FD_CONTAINER || u->argsz < sizeof(*u))
            return fail(EINVAL);
        /* Type1 v2 refuses a request that bisects a mapping. */
        for (unsigned i = 0; i < m->nmap; i++)
            if (m->map[i].iova < u->iova + u->size && u->iova < m->map[i].iova + m->map[i].size &&
                (m->map[i].iova < u->iova ||
                 m->map[i].iova + m->map[i].size > u->iova + u->size))
                return fail(EINVAL);
        for (unsigned i = 0; i < m->nmap; i++) {
            if (m->map[i].iova >= u->iova && m->map[i].iova + m->map[i].size <= u->iova + u->size) {
                done += m->map[i].size;
                m->map[i--] = m->map[--m->nmap];
            }
        }
        u->size = done;     /* the kernel reports what it unmapped */
        return 0;
    }
    }
    return fail(ENOTTY);
}

static ssize_t m_pread(void *ctx, int fd, void *buf, size_t len, off_t off)
{
    struct model *m = ctx;

    m->last_off = off;
    if (fd != FD_DEVICE)
        return fail(EBADF);
    if ((uint64_t)off >= REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) &&
        (uint64_t)off + len <= REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) + 256) {
        memcpy(buf, m->config + (off - REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX)), len);
        return (ssize_t)len;
    }
    if ((uint64_t)off >= REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX) &&
        (uint64_t)off + len <= REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX) + M_BAR4_SIZE) {
        memcpy(buf, m->bar4 + (off - REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX)), len);
        return (ssize_t)len;
    }
    memset(buf, 0xab, len);
    return (ssize_t)len;
}

static ssize_t m_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
    struct model *m = ctx;

    m->last_off = off;
    if (fd != FD_DEVICE)
        return fail(EBADF);
    if ((uint64_t)off >= REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) &&
        (uint64_t)off + len <= REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) + 256)
        memcpy(m->config + (off - REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX)), buf, len);
    if ((uint64_t)off >= REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX) &&
        (uint64_t)off + len <= REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX) + M_BAR4_SIZE)
        memcpy(m->bar4 + (off - REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX)), buf, len);
    return (ssize_t)len;
}

static void *m_mmap(void *ctx, size_t len, int fd, off_t off)
{
    struct model *m = ctx;

    m->last_off = off;
    if (fd != FD_DEVICE) {
        errno = EBADF;
        return MAP_FAILED;
    }
    return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static int m_close(void *ctx, int fd)
{
    struct model *m = ctx;

    (void)fd;
    m->open_fds--;
    return 0;
}

static struct model M;
static const struct vfio_sys model_sys = { m_open, m_ioctl, m_pread, m_pwrite, m_mmap,
                                           m_close, &M };

static struct pt_devsrc *open_model(void)
{
    struct pt_devsrc *s = NULL;

    memset(&M, 0, sizeof(M));
    M.viable = true;
    M.config[0] = 0x86;
    M.config[1] = 0x80;
    CHECK_EQ(vfio_kernel_open_sys(&model_sys, "0000:03:00.0", 7, &s), 0);
    CHECK_EQ(M.open_fds, 3);
    CHECK(M.group_attached && M.iommu_set);
    return s;
}

static void open_refusals(void)
{
    struct pt_devsrc *s;

    memset(&M, 0, sizeof(M));
    M.viable = false;       /* a group member still bound to a host driver */
    CHECK_EQ(vfio_kernel_open_sys(&model_sys, "0000:03:00.0", 7, &s), -EBUSY);
    CHECK_EQ(M.open_fds, 0);
    memset(&M, 0, sizeof(M));
    M.viable = true;
    M.api_wrong = true;
    CHECK_EQ(vfio_kernel_open_sys(&model_sys, "0000:03:00.0", 7, &s), -EPROTONOSUPPORT);
    CHECK_EQ(M.open_fds, 0);
    memset(&M, 0, sizeof(M));
    M.viable = true;
    CHECK_EQ(vfio_kernel_open_sys(&model_sys, "0000:03:00.1", 7, &s), -ENODEV);
    CHECK_EQ(M.open_fds, 0);
    CHECK(!M.group_attached);
    CHECK_EQ(vfio_kernel_open_sys(&model_sys, "0000:03:00.0", 8, &s), -ENOENT);
    CHECK_EQ(M.open_fds, 0);
}

static void regions(void)
{
    struct pt_devsrc *s = open_model();
    struct pt_dev_info di;
    struct pt_region_info ri;
    uint16_t vendor = 0;
    uint8_t b[8];
    void *map;

    if (!s)
        return;
    CHECK_EQ(s->ops->get_info(s, &di), 0);
    CHECK_EQ(di.num_regions, VFIO_PCI_NUM_REGIONS);
    CHECK_EQ(s->ops->region_info(s, VFIO_PCI_CONFIG_REGION_INDEX, &ri), 0);
    CHECK_EQ(ri.size, 256);
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vendor, 2), 2);
    CHECK_EQ(vendor, 0x8086);
    CHECK_EQ(M.last_off, (off_t)REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX));
    CHECK_EQ(s->ops->region_write(s, VFIO_PCI_CONFIG_REGION_INDEX, 4, "\x06\x00", 2), 2);
    CHECK_EQ(M.config[4], 6);
    CHECK_EQ(M.last_off, (off_t)REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) + 4);
    /* Past the end of a region, or a region that is absent: refused here. */
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 252, b, 8), -EINVAL);
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR1_REGION_INDEX, 0, b, 4), -EINVAL);
    CHECK_EQ(s->ops->region_read(s, 42, 0, b, 4), -EINVAL);
    CHECK_EQ(s->ops->region_mmap(s, VFIO_PCI_BAR0_REGION_INDEX, &map), 0);
    CHECK_EQ(M.last_off, (off_t)REGION_OFF(VFIO_PCI_BAR0_REGION_INDEX));
    CHECK_EQ(s->ops->region_mmap(s, VFIO_PCI_CONFIG_REGION_INDEX, &map), -ENOTSUP);
    pt_devsrc_close(s);
    CHECK_EQ(M.open_fds, 0);
    CHECK(!M.group_attached);
}

static void dma_irqs_reset(void)
{
    struct pt_devsrc *s = open_model();
    int fds[9] = { 10, -1, 12, 13, 14, 15, 16, 17, 18 };
    int32_t got[3];

    if (!s)
        return;
    CHECK_EQ(s->ops->dma_map(s, 0x100000, 0x200000, 5, 0, (void *)0x7f0000000000, true), 0);
    CHECK_EQ(M.map[0].vaddr, 0x7f0000000000);
    CHECK_EQ(M.map[0].flags, VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
    CHECK_EQ(s->ops->dma_map(s, 0x101000, 0x1000, 5, 0, (void *)0x7f0000001000, false), -EEXIST);
    CHECK_EQ(s->ops->dma_map(s, 0x400800, 0x1000, 5, 0, (void *)0x7f0000001000, false), -EINVAL);
    CHECK_EQ(s->ops->dma_unmap(s, 0x100000, 0x200000), 0);
    CHECK_EQ(M.nmap, 0);
    CHECK_EQ(s->ops->dma_unmap(s, 0x100000, 0x200000), -ENOENT);
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_MSIX_IRQ_INDEX, 2, 3, fds), 0);
    CHECK_EQ(M.last_set.flags, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER);
    CHECK_EQ(M.last_set.start, 2);
    CHECK_EQ(M.last_set.count, 3);
    CHECK_EQ(M.last_set.argsz, sizeof(struct vfio_irq_set) + 12);
    memcpy(got, M.last_fds, sizeof(got));
    CHECK(got[0] == 10 && got[1] == -1 && got[2] == 12);
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL), 0);
    CHECK_EQ(M.last_set.flags, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER);
    CHECK_EQ(M.last_set.count, 0);
    CHECK_EQ(s->ops->irq_set_unmask_fd(s, VFIO_PCI_INTX_IRQ_INDEX, 0, 9), 0);
    CHECK_EQ(M.last_set.flags, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK);
    CHECK_EQ(M.last_fds[0], 9);
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_MSIX_IRQ_INDEX, 0, 9, fds), -EINVAL);
    CHECK_EQ(s->ops->reset(s), 0);
    CHECK_EQ(M.resets, 1);
    pt_devsrc_close(s);
}

/* The VMM's side for a pt_dev over the model: eventfds are numbers here. */
static uint32_t route_data[8];
static int h_map_bar(void *o, unsigned bar, uint64_t gpa, uint64_t size, void *hva)
{
    (void)o; (void)bar; (void)gpa; (void)size; (void)hva;
    return 0;
}
static int h_fd(void *o, unsigned vec) { (void)o; return 20 + (int)vec; }
static int h_route(void *o, unsigned vec, uint64_t addr, uint32_t data)
{
    (void)o; (void)addr;
    if (vec < 8)
        route_data[vec] = data;
    return 0;
}
static void h_intx(void *o, int *t, int *r) { (void)o; *t = *r = -1; }
static const struct pt_host_ops hops = { h_map_bar, h_fd, h_route, h_intx, NULL };

/* A function with a 4-message MSI (per-vector masks) and an I/O BAR over
 * the kernel source: the guest's MME becomes one SET_IRQS of 4 eventfds
 * (vfio-pci then writes MME itself), a mask is an eventfd of -1 within
 * them, a new count goes through MSI off first (vfio-pci refuses a
 * larger block while enabled), a count above the device's is refused;
 * port accesses reach the BAR4 region at their offset. */
static void msi_multi_io_bar(void)
{
    struct pt_devsrc *s = open_model();
    struct pt_irq_info ii;
    struct pt_dev d;
    int fds[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    uint32_t v = 0x5a5a1234;
    unsigned c = 0x50;

    if (!s)
        return;
    M.config[0x06] = 0x10;
    M.config[0x34] = (uint8_t)c;
    M.config[c] = 0x05;
    M.config[c + 2] = 0x84 | (2 << 1);      /* 64-bit, MMC 4 */
    M.config[c + 3] = 0x01;                 /* per-vector masking */
    M.config[0x20] = 0x01;                  /* BAR4: I/O */
    M.msi_cap = c;
    CHECK_EQ(s->ops->irq_info(s, VFIO_PCI_MSI_IRQ_INDEX, &ii), 0);
    CHECK_EQ(ii.count, 4);
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_MSI_IRQ_INDEX, 0, 8, fds), -EINVAL);
    CHECK_EQ(M.msi_nvec, 0);
    if (pt_dev_init(&d, s, NULL, &hops, NULL, 0xe0000000ull) < 0) {
        CHECK(!"pt_dev_init");
        return;
    }
    CHECK_EQ(d.msi_mmc, 2);
    pt_dev_cfg_write(&d, c + 4, 4, 0xfee00000);
    pt_dev_cfg_write(&d, c + 12, 2, 0x50);
    pt_dev_cfg_write(&d, c + 2, 2, 0x21);   /* MME 4, enable */
    CHECK_EQ(M.msi_nvec, 4);
    CHECK_EQ((M.config[c + 2] >> 4) & 7, 2);
    CHECK(M.msi_fds[0] == 20 && M.msi_fds[1] == 21 && M.msi_fds[2] == 22 && M.msi_fds[3] == 23);
    CHECK_EQ(route_data[3], 0x53);
    pt_dev_cfg_write(&d, c + 16, 4, 0x2);   /* vector 1 masked */
    CHECK_EQ(M.msi_nvec, 4);
    CHECK(M.msi_fds[0] == 20 && M.msi_fds[1] == -1 && M.msi_fds[2] == 22);
    pt_dev_cfg_write(&d, c + 16, 4, 0);
    CHECK_EQ(M.msi_fds[1], 21);
    pt_dev_cfg_write(&d, c + 2, 2, 0x11);   /* MME 2 while on: off, then 2 */
    CHECK_EQ(M.msi_nvec, 2);
    CHECK_EQ(route_data[1], 0x51);
    pt_dev_cfg_write(&d, c + 2, 2, 0);
    CHECK_EQ(M.msi_nvec, 0);
    /* The I/O BAR: placed, decoded with I/O enable, forwarded by offset. */
    pt_dev_place_io(&d, 0xd000, 0x100);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), 0xd001);
    pt_dev_cfg_write(&d, 0x04, 2, 0x1);
    CHECK(pt_dev_pio(&d, 0xd004, 4, true, (uint8_t *)&v));
    CHECK_EQ(M.last_off, (off_t)REGION_OFF(VFIO_PCI_BAR4_REGION_INDEX) + 4);
    CHECK_EQ(M.bar4[4], 0x34);
    v = 0;
    CHECK(pt_dev_pio(&d, 0xd006, 2, false, (uint8_t *)&v));
    CHECK_EQ(v, 0x5a5a);
    pt_dev_destroy(&d);
    CHECK_EQ(M.open_fds, 0);
}

static void keep_fd(void *arg, int fd)
{
    int *kept = arg;

    kept[kept[0]++ + 1] = fd;
}

/* Live update: the container, group and device fds are named and kept,
 * nothing reaches "the kernel"; the new VMM's source over the same fds
 * works, the IOMMU mapping made before is still there and unmapped by
 * IOVA; a record whose device fd is not a VFIO device is refused. */
static void handover(void)
{
    struct pt_devsrc *s = open_model(), *a = NULL;
    struct ss_wr w = { 0 };
    struct ss_rd r;
    struct pt_dev_info di;
    uint16_t vendor = 0;
    int kept[8] = { 0 };
    uint8_t bad[13];

    if (!s)
        return;
    CHECK_EQ(s->ops->dma_map(s, 0x100000, 0x200000, 5, 0, (void *)0x7f0000000000, true), 0);
    CHECK(s->ops->handover != NULL);
    CHECK_EQ(s->ops->handover(s, &w, keep_fd, kept), 0);
    CHECK_EQ(kept[0], 3);
    CHECK(kept[1] == FD_CONTAINER && kept[2] == FD_GROUP && kept[3] == FD_DEVICE);
    CHECK_EQ(M.open_fds, 3);
    CHECK(M.group_attached && M.nmap == 1);
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(ss_get_u8(&r), PT_SRC_VFIO_KERNEL);
    CHECK_EQ(vfio_kernel_adopt_sys(&model_sys, &r, &a), 0);
    CHECK(ss_done(&r));
    if (a) {
        CHECK_EQ(a->ops->get_info(a, &di), 0);
        CHECK_EQ(a->ops->region_read(a, VFIO_PCI_CONFIG_REGION_INDEX, 0, &vendor, 2), 2);
        CHECK_EQ(vendor, 0x8086);
        CHECK_EQ(a->ops->dma_unmap(a, 0x100000, 0x200000), 0);
        CHECK_EQ(M.nmap, 0);
        pt_devsrc_close(a);
        CHECK_EQ(M.open_fds, 0);
        CHECK(!M.group_attached);
    }
    /* A device fd that is not a VFIO device, a negative one. */
    memcpy(bad, w.p, sizeof(bad));
    bad[9] = 77;
    r = ss_rd_init(bad + 1, sizeof(bad) - 1);
    CHECK_EQ(vfio_kernel_adopt_sys(&model_sys, &r, &a), -EINVAL);
    memset(bad + 9, 0xff, 4);
    r = ss_rd_init(bad + 1, sizeof(bad) - 1);
    CHECK_EQ(vfio_kernel_adopt_sys(&model_sys, &r, &a), -EINVAL);
    r = ss_rd_init(w.p + 1, 5);
    CHECK_EQ(vfio_kernel_adopt_sys(&model_sys, &r, &a), -EINVAL);
    ss_wr_free(&w);
    /* The old VMM's copy: gone with its process in a real update. */
    M.open_fds = 3;
    pt_devsrc_close(s);
}

/* Ballooning with the kernel's VFIO (pciback/pt_dma.h): type1 cannot
 * split a mapping and a real device's DMA in flight would fault, so a page
 * inside a larger mapping cannot leave: refused with nothing reaching the
 * kernel; a page mapped on its own (populated again) can, by its exact
 * range; pages mapped back are never joined into one mapping. */
static void balloon_refused_by_type1(void)
{
    struct pt_devsrc *s = open_model();
    struct pt_dma d;

    if (!s)
        return;
    CHECK(!s->ops->dma_remap);
    pt_dma_init(&d, s, 5, (uint8_t *)0x7f0000000000);
    CHECK_EQ(pt_dma_add(&d, 0, 16 * 4096, 0), 0);
    CHECK_EQ(M.nmap, 1);
    CHECK(!pt_dma_can_remove(&d, 5 * 4096, 4096));
    CHECK_EQ(pt_dma_remove(&d, 5 * 4096, 4096), -EBUSY);
    CHECK(M.nmap == 1 && M.map[0].iova == 0 && M.map[0].size == 16 * 4096);
    /* What the kernel would say to the split itself. */
    CHECK_EQ(s->ops->dma_unmap(s, 5 * 4096, 4096), -EINVAL);
    CHECK_EQ(M.nmap, 1);
    /* A page on its own: mapped, then taken out by its exact range. */
    CHECK_EQ(pt_dma_add(&d, 16 * 4096, 4096, 16 * 4096), 0);
    CHECK_EQ(M.nmap, 2);
    CHECK_EQ(d.n, 2);                       /* not joined to its neighbour */
    CHECK_EQ(M.map[1].vaddr, 0x7f0000000000 + 16 * 4096);
    CHECK(pt_dma_can_remove(&d, 16 * 4096, 4096));
    CHECK_EQ(pt_dma_remove(&d, 16 * 4096, 4096), 0);
    CHECK_EQ(M.nmap, 1);
    CHECK_EQ(d.n, 1);
    /* Whole mappings go on clear. */
    pt_dma_clear(&d, true);
    CHECK_EQ(M.nmap, 0);
    pt_devsrc_close(s);
}

int main(void)
{
    RUN(open_refusals);
    RUN(regions);
    RUN(dma_irqs_reset);
    RUN(msi_multi_io_bar);
    RUN(handover);
    RUN(balloon_refused_by_type1);
    return CHECK_DONE();
}
