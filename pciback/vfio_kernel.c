/* vfio_kernel.c: a device source that is a host PCI function bound to
 * vfio-pci, through the legacy container/group interface (Linux's
 * Documentation/driver-api/vfio.rst): a container with the type-1 IOMMU,
 * the function's group added to it, the device fd from the group.  Regions
 * are read and written at their offsets in the device fd, mmap-able ones
 * mapped from it; DMA maps the guest memory's address in this process
 * (VFIO_IOMMU_MAP_DMA takes a vaddr, the memfd mapping); interrupts are
 * VFIO_DEVICE_SET_IRQS with eventfds.  Not run against a real VFIO here:
 * unit/test_vfio_kernel checks it against a model of the ioctl contract. */
#include "vfio_kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

struct vfio_kdev {
    struct pt_devsrc base;
    const struct vfio_sys *sys;
    int container, group, device;
    struct { uint64_t offset, size; uint32_t flags; void *map; } region[VFIO_PCI_NUM_REGIONS];
    bool region_known[VFIO_PCI_NUM_REGIONS];
};

#define to_kdev(s) ((struct vfio_kdev *)(s))

static int xioctl(struct vfio_kdev *k, int fd, unsigned long req, void *arg)
{
    int r = k->sys->ioctl(k->sys->ctx, fd, req, arg);

    return r < 0 ? -errno : r;
}

static int kv_get_info(struct pt_devsrc *s, struct pt_dev_info *out)
{
    struct vfio_kdev *k = to_kdev(s);
    struct vfio_device_info di = { .argsz = sizeof(di) };
    int r = xioctl(k, k->device, VFIO_DEVICE_GET_INFO, &di);

    if (r < 0)
        return r;
    out->flags = di.flags;
    out->num_regions = di.num_regions;
    out->num_irqs = di.num_irqs;
    return 0;
}

static int region_lookup(struct vfio_kdev *k, uint32_t index)
{
    struct vfio_region_info ri = { .argsz = sizeof(ri), .index = index };
    int r;

    if (index >= VFIO_PCI_NUM_REGIONS)
        return -EINVAL;
    if (k->region_known[index])
        return 0;
    r = xioctl(k, k->device, VFIO_DEVICE_GET_REGION_INFO, &ri);
    if (r < 0)
        return r;
    k->region[index].offset = ri.offset;
    k->region[index].size = ri.size;
    k->region[index].flags = ri.flags;
    k->region_known[index] = true;
    return 0;
}

static int kv_region_info(struct pt_devsrc *s, uint32_t index, struct pt_region_info *out)
{
    struct vfio_kdev *k = to_kdev(s);
    int r = region_lookup(k, index);

    if (r < 0)
        return r;
    out->flags = k->region[index].flags;
    out->size = k->region[index].size;
    return 0;
}

static int bounds(struct vfio_kdev *k, uint32_t index, uint64_t off, uint32_t len)
{
    int r = region_lookup(k, index);

    if (r < 0)
        return r;
    if (off > k->region[index].size || len > k->region[index].size - off)
        return -EINVAL;
    return 0;
}

static int kv_region_read(struct pt_devsrc *s, uint32_t index, uint64_t off, void *buf,
                          uint32_t len)
{
    struct vfio_kdev *k = to_kdev(s);
    int r = bounds(k, index, off, len);
    ssize_t n;

    if (r < 0)
        return r;
    if (!(k->region[index].flags & VFIO_REGION_INFO_FLAG_READ))
        return -EACCES;
    n = k->sys->pread(k->sys->ctx, k->device, buf, len, (off_t)(k->region[index].offset + off));
    return n < 0 ? -errno : n == (ssize_t)len ? (int)n : -EIO;
}

static int kv_region_write(struct pt_devsrc *s, uint32_t index, uint64_t off,
                           const void *buf, uint32_t len)
{
    struct vfio_kdev *k = to_kdev(s);
    int r = bounds(k, index, off, len);
    ssize_t n;

    if (r < 0)
        return r;
    if (!(k->region[index].flags & VFIO_REGION_INFO_FLAG_WRITE))
        return -EACCES;
    n = k->sys->pwrite(k->sys->ctx, k->device, buf, len, (off_t)(k->region[index].offset + off));
    return n < 0 ? -errno : n == (ssize_t)len ? (int)n : -EIO;
}

static int kv_region_mmap(struct pt_devsrc *s, uint32_t index, void **out)
{
    struct vfio_kdev *k = to_kdev(s);
    int r = region_lookup(k, index);
    void *m;

    if (r < 0)
        return r;
    if (!(k->region[index].flags & VFIO_REGION_INFO_FLAG_MMAP) || !k->region[index].size)
        return -ENOTSUP;
    if (!k->region[index].map) {
        m = k->sys->mmap(k->sys->ctx, k->region[index].size, k->device,
                         (off_t)k->region[index].offset);
        if (m == MAP_FAILED)
            return -errno;
        k->region[index].map = m;
    }
    *out = k->region[index].map;
    return 0;
}

static int kv_dma_map(struct pt_devsrc *s, uint64_t iova, uint64_t size, int fd,
                      uint64_t fd_off, void *vaddr, bool writable)
{
    struct vfio_kdev *k = to_kdev(s);
    struct vfio_iommu_type1_dma_map m = {
        .argsz = sizeof(m), .vaddr = (uintptr_t)vaddr, .iova = iova, .size = size,
        .flags = VFIO_DMA_MAP_FLAG_READ | (writable ? VFIO_DMA_MAP_FLAG_WRITE : 0),
    };

    (void)fd; (void)fd_off;     /* type 1 pins the pages behind vaddr */
    if (!vaddr || !size || iova + size < iova)
        return -EINVAL;
    int r = xioctl(k, k->container, VFIO_IOMMU_MAP_DMA, &m);

    return r < 0 ? r : 0;
}

static int kv_dma_unmap(struct pt_devsrc *s, uint64_t iova, uint64_t size)
{
    struct vfio_kdev *k = to_kdev(s);
    struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u), .iova = iova, .size = size };
    int r = xioctl(k, k->container, VFIO_IOMMU_UNMAP_DMA, &u);

    if (r < 0)
        return r;
    return u.size == size ? 0 : -ENOENT;    /* the kernel says what it unmapped */
}

static int kv_irq_info(struct pt_devsrc *s, uint32_t index, struct pt_irq_info *out)
{
    struct vfio_kdev *k = to_kdev(s);
    struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };
    int r = xioctl(k, k->device, VFIO_DEVICE_GET_IRQ_INFO, &ii);

    if (r < 0)
        return r;
    out->flags = ii.flags;
    out->count = ii.count;
    return 0;
}

static int set_irqs(struct vfio_kdev *k, uint32_t flags, uint32_t index, uint32_t start,
                    uint32_t count, const int *fds)
{
    size_t data = (flags & VFIO_IRQ_SET_DATA_EVENTFD) ? count * sizeof(int32_t) : 0;
    struct vfio_irq_set *set = calloc(1, sizeof(*set) + data);
    int r;

    if (!set)
        return -ENOMEM;
    set->argsz = sizeof(*set) + data;
    set->flags = flags;
    set->index = index;
    set->start = start;
    set->count = count;
    for (uint32_t i = 0; data && i < count; i++) {
        int32_t fd = fds[i] < 0 ? -1 : fds[i];      /* -1: unbind that one */

        memcpy(set->data + i * sizeof(fd), &fd, sizeof(fd));
    }
    r = xioctl(k, k->device, VFIO_DEVICE_SET_IRQS, set);
    free(set);
    return r < 0 ? r : 0;
}

static int kv_irq_set_eventfds(struct pt_devsrc *s, uint32_t index, uint32_t start,
                               uint32_t count, const int *fds)
{
    if (!count)
        return set_irqs(to_kdev(s), VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
                        index, 0, 0, NULL);
    return set_irqs(to_kdev(s), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
                    index, start, count, fds);
}

static int kv_irq_set_unmask_fd(struct pt_devsrc *s, uint32_t index, uint32_t sub, int fd)
{
    return set_irqs(to_kdev(s), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, index,
                    sub, 1, &fd);
}

static int kv_irq_unmask(struct pt_devsrc *s, uint32_t index, uint32_t sub)
{
    return set_irqs(to_kdev(s), VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index,
                    sub, 1, NULL);
}

static int kv_reset(struct pt_devsrc *s)
{
    struct vfio_kdev *k = to_kdev(s);

    int r = xioctl(k, k->device, VFIO_DEVICE_RESET, NULL);

    return r < 0 ? r : 0;
}

static void kv_close(struct pt_devsrc *s)
{
    struct vfio_kdev *k = to_kdev(s);

    for (unsigned i = 0; i < VFIO_PCI_NUM_REGIONS; i++)
        if (k->region[i].map)
            munmap(k->region[i].map, k->region[i].size);
    if (k->device >= 0)
        k->sys->close(k->sys->ctx, k->device);
    if (k->group >= 0) {
        xioctl(k, k->group, VFIO_GROUP_UNSET_CONTAINER, NULL);
        k->sys->close(k->sys->ctx, k->group);
    }
    if (k->container >= 0)
        k->sys->close(k->sys->ctx, k->container);
    free(k);
}

/* Live update: the container, group and device fds cross the exec as
 * they are.  The container's IOMMU mappings stay: they pin the guest
 * memfd's pages, which the kept memfd keeps (the old VMM's addresses in
 * them are not used again: unmapping goes by IOVA). */
static int kv_handover(struct pt_devsrc *s, struct ss_wr *w, pt_keep_fd_fn keep, void *arg)
{
    struct vfio_kdev *k = to_kdev(s);

    ss_put_u8(w, PT_SRC_VFIO_KERNEL);
    ss_put_u32(w, (uint32_t)k->container);
    ss_put_u32(w, (uint32_t)k->group);
    ss_put_u32(w, (uint32_t)k->device);
    keep(arg, k->container);
    keep(arg, k->group);
    keep(arg, k->device);
    return 0;
}

static const struct pt_devsrc_ops kv_ops = {
    .kind = "vfio",
    .get_info = kv_get_info,
    .region_info = kv_region_info,
    .region_read = kv_region_read,
    .region_write = kv_region_write,
    .region_mmap = kv_region_mmap,
    .dma_map = kv_dma_map,
    .dma_unmap = kv_dma_unmap,
    .irq_info = kv_irq_info,
    .irq_set_eventfds = kv_irq_set_eventfds,
    .irq_set_unmask_fd = kv_irq_set_unmask_fd,
    .irq_unmask = kv_irq_unmask,
    .reset = kv_reset,
    .close = kv_close,
    .handover = kv_handover,
};

int vfio_kernel_adopt_sys(const struct vfio_sys *sys, struct ss_rd *r, struct pt_devsrc **out)
{
    struct vfio_kdev *k;
    struct vfio_device_info di = { .argsz = sizeof(di) };
    int c = (int)ss_get_u32(r), g = (int)ss_get_u32(r), d = (int)ss_get_u32(r);

    if (r->bad || c < 0 || g < 0 || d < 0)
        return -EINVAL;
    if (!(k = calloc(1, sizeof(*k))))
        return -ENOMEM;
    k->base.ops = &kv_ops;
    k->sys = sys;
    k->container = c;
    k->group = g;
    k->device = d;
    /* The device fd must still be a VFIO device: its info answers. */
    if (xioctl(k, k->device, VFIO_DEVICE_GET_INFO, &di) < 0) {
        free(k);
        return -EINVAL;
    }
    fcntl(c, F_SETFD, FD_CLOEXEC);
    fcntl(g, F_SETFD, FD_CLOEXEC);
    fcntl(d, F_SETFD, FD_CLOEXEC);
    *out = &k->base;
    return 0;
}

int vfio_kernel_open_sys(const struct vfio_sys *sys, const char *bdf, int group,
                         struct pt_devsrc **out)
{
    struct vfio_kdev *k = calloc(1, sizeof(*k));
    struct vfio_group_status gs = { .argsz = sizeof(gs) };
    char path[64];
    int r;

    if (!k)
        return -ENOMEM;
    k->base.ops = &kv_ops;
    k->sys = sys;
    k->group = k->device = -1;
    k->container = sys->open(sys->ctx, "/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (k->container < 0) {
        r = -errno;
        goto fail;
    }
    if ((r = xioctl(k, k->container, VFIO_GET_API_VERSION, NULL)) < 0)
        goto fail;
    if (r != VFIO_API_VERSION) {
        r = -EPROTONOSUPPORT;
        goto fail;
    }
    if ((r = xioctl(k, k->container, VFIO_CHECK_EXTENSION,
                    (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU)) <= 0) {
        r = r < 0 ? r : -ENOTSUP;
        goto fail;
    }
    snprintf(path, sizeof(path), "/dev/vfio/%d", group);
    k->group = sys->open(sys->ctx, path, O_RDWR | O_CLOEXEC);
    if (k->group < 0) {
        r = -errno;
        goto fail;
    }
    if ((r = xioctl(k, k->group, VFIO_GROUP_GET_STATUS, &gs)) < 0)
        goto fail;
    if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        r = -EBUSY;     /* another device of the group is bound to a host driver */
        goto fail;
    }
    if ((r = xioctl(k, k->group, VFIO_GROUP_SET_CONTAINER, &k->container)) < 0)
        goto fail;
    if ((r = xioctl(k, k->container, VFIO_SET_IOMMU,
                    (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU)) < 0)
        goto fail;
    if ((r = xioctl(k, k->group, VFIO_GROUP_GET_DEVICE_FD, (void *)bdf)) < 0)
        goto fail;
    k->device = r;
    *out = &k->base;
    return 0;
fail:
    kv_close(&k->base);
    return r;
}

static int real_open(void *ctx, const char *path, int flags)
{
    (void)ctx;
    return open(path, flags);
}

static int real_ioctl(void *ctx, int fd, unsigned long req, void *arg)
{
    (void)ctx;
    return ioctl(fd, req, arg);
}

static ssize_t real_pread(void *ctx, int fd, void *buf, size_t len, off_t off)
{
    (void)ctx;
    return pread(fd, buf, len, off);
}

static ssize_t real_pwrite(void *ctx, int fd, const void *buf, size_t len, off_t off)
{
    (void)ctx;
    return pwrite(fd, buf, len, off);
}

static void *real_mmap(void *ctx, size_t len, int fd, off_t off)
{
    (void)ctx;
    return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
}

static int real_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd);
}

const struct vfio_sys vfio_sys_real = {
    real_open, real_ioctl, real_pread, real_pwrite, real_mmap, real_close, NULL,
};

int vfio_kernel_open(const char *bdf, int group, struct pt_devsrc **out)
{
    return vfio_kernel_open_sys(&vfio_sys_real, bdf, group, out);
}

int vfio_kernel_adopt(struct ss_rd *r, struct pt_devsrc **out)
{
    return vfio_kernel_adopt_sys(&vfio_sys_real, r, out);
}
