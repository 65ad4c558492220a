/* devsrc.h: where a passed-through PCI function comes from.  One interface,
 * two sources: the kernel's VFIO (vfio_kernel.c) and a vfio-user device
 * server in another process (vfio_user.c).  Both speak in VFIO's terms
 * (<linux/vfio.h>): regions by index (BARs 0-5, ROM, config space),
 * interrupt types by index (INTx, MSI, MSI-X, ...), DMA by IOVA. */
#ifndef XK_PCIBACK_DEVSRC_H
#define XK_PCIBACK_DEVSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/vfio.h>

#include "savestate.h"

struct pt_devsrc;

/* Live update: a descriptor the source keeps across the exec. */
typedef void (*pt_keep_fd_fn)(void *arg, int fd);

/* Kinds in a handover record (pt_devsrc_adopt). */
#define PT_SRC_VFIO_USER   1
#define PT_SRC_VFIO_KERNEL 2

struct pt_dev_info {
    uint32_t flags;             /* VFIO_DEVICE_FLAGS_* */
    uint32_t num_regions, num_irqs;
};

struct pt_region_info {
    uint32_t flags;             /* VFIO_REGION_INFO_FLAG_* */
    uint64_t size;
};

struct pt_irq_info {
    uint32_t flags;             /* VFIO_IRQ_INFO_* */
    uint32_t count;
};

/* Every call returns 0 (or a count) or -errno; a source whose peer is gone
 * answers -EPIPE from then on and never blocks. */
struct pt_devsrc_ops {
    const char *kind;
    /* A mapping may be unmapped and parts of it mapped again while the
     * device runs (pt_dma.h: DMA following the balloon).  vfio-user: the
     * server handles DMA_UNMAP between its own accesses (libvfio-user
     * quiesces the device first).  Not the kernel's VFIO: type1 cannot
     * split a mapping, and a real device's DMA in flight would fault. */
    bool dma_remap;
    int (*get_info)(struct pt_devsrc *s, struct pt_dev_info *out);
    int (*region_info)(struct pt_devsrc *s, uint32_t index, struct pt_region_info *out);
    /* LEN bytes at OFF of region INDEX (config space included). */
    int (*region_read)(struct pt_devsrc *s, uint32_t index, uint64_t off, void *buf,
                       uint32_t len);
    int (*region_write)(struct pt_devsrc *s, uint32_t index, uint64_t off,
                        const void *buf, uint32_t len);
    /* Map the whole of an mmap-able region into this process (shared);
     * -ENOTSUP when it is not mmap-able. */
    int (*region_mmap)(struct pt_devsrc *s, uint32_t index, void **out);
    /* Let the device reach [iova, iova+size): the bytes are VADDR in this
     * process, FD at FD_OFF (the guest memfd). */
    int (*dma_map)(struct pt_devsrc *s, uint64_t iova, uint64_t size, int fd,
                   uint64_t fd_off, void *vaddr, bool writable);
    /* Exactly a range dma_map mapped (both sources refuse a part). */
    int (*dma_unmap)(struct pt_devsrc *s, uint64_t iova, uint64_t size);
    int (*irq_info)(struct pt_devsrc *s, uint32_t index, struct pt_irq_info *out);
    /* Signal FDS[i] when sub-interrupt START+i of type INDEX fires; an fd of
     * -1 unbinds that one; COUNT 0 disables the whole type. */
    int (*irq_set_eventfds)(struct pt_devsrc *s, uint32_t index, uint32_t start,
                            uint32_t count, const int *fds);
    /* Bind an eventfd that unmasks an automasked interrupt (INTx resample). */
    int (*irq_set_unmask_fd)(struct pt_devsrc *s, uint32_t index, uint32_t sub, int fd);
    /* Unmask now (DATA_NONE | ACTION_UNMASK). */
    int (*irq_unmask)(struct pt_devsrc *s, uint32_t index, uint32_t sub);
    int (*reset)(struct pt_devsrc *s);
    void (*close)(struct pt_devsrc *s);
    /* Live update (may be NULL: not handed over): write what a new VMM
     * needs to go on with the same device (its descriptors by number,
     * each also given to KEEP), the kind first.  Nothing is closed or
     * changed for the device; the source stays usable. */
    int (*handover)(struct pt_devsrc *s, struct ss_wr *w, pt_keep_fd_fn keep, void *arg);
};

struct pt_devsrc {
    const struct pt_devsrc_ops *ops;
};

/* vfio-user over a unix socket at PATH (vfio_user.c). */
int vfu_client_open(const char *path, struct pt_devsrc **out);
/* Over an already connected socket, which the source then owns. */
int vfu_client_from_fd(int sock, struct pt_devsrc **out);

/* The kernel's VFIO (vfio_kernel.c): the device named BDF
 * ("0000:03:00.0") in IOMMU group GROUP, through the legacy container. */
int vfio_kernel_open(const char *bdf, int group, struct pt_devsrc **out);

/* The new VMM's side of handover: the source a handover record
 * describes, over the descriptors kept across the exec (pt_dev_handover.c).
 * 0 or -errno (-EINVAL: a record that does not hold together). */
int pt_devsrc_adopt(struct ss_rd *r, struct pt_devsrc **out);
int vfu_client_adopt(struct ss_rd *r, struct pt_devsrc **out);
int vfio_kernel_adopt(struct ss_rd *r, struct pt_devsrc **out);

static inline void pt_devsrc_close(struct pt_devsrc *s)
{
    if (s)
        s->ops->close(s);
}

#endif
