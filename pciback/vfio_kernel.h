/* vfio_kernel.h: the kernel VFIO device source's system calls, replaceable
 * so the ioctl contract can be tested on a host without VFIO (this one has
 * none: no /dev/vfio, CONFIG_VFIO off). */
#ifndef XK_PCIBACK_VFIO_KERNEL_H
#define XK_PCIBACK_VFIO_KERNEL_H

#include <sys/types.h>

#include "devsrc.h"

struct vfio_sys {
    int (*open)(void *ctx, const char *path, int flags);
    int (*ioctl)(void *ctx, int fd, unsigned long req, void *arg);
    ssize_t (*pread)(void *ctx, int fd, void *buf, size_t len, off_t off);
    ssize_t (*pwrite)(void *ctx, int fd, const void *buf, size_t len, off_t off);
    void *(*mmap)(void *ctx, size_t len, int fd, off_t off);   /* MAP_FAILED */
    int (*close)(void *ctx, int fd);
    void *ctx;
};

/* The real calls. */
extern const struct vfio_sys vfio_sys_real;

/* vfio_kernel_open through SYS. */
int vfio_kernel_open_sys(const struct vfio_sys *sys, const char *bdf, int group,
                         struct pt_devsrc **out);

/* vfio_kernel_adopt through SYS: the fds a handover record names (the
 * kind byte already read). */
int vfio_kernel_adopt_sys(const struct vfio_sys *sys, struct ss_rd *r, struct pt_devsrc **out);

#endif
