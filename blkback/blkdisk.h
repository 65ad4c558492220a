/* A vbd's backing store: a raw image file or a block device, opened
 * O_DIRECT where the backing allows (guest pages go straight to and from
 * the disk, no host page cache) plus a buffered descriptor for the I/O
 * O_DIRECT cannot take (memory not aligned to the logical block size). */
#ifndef XK_BLKDISK_H
#define XK_BLKDISK_H

#include <stdbool.h>
#include <stdint.h>

#include "blknbd.h"

struct blk_disk {
    int fd;                     /* O_DIRECT when `direct` */
    int fd_buffered;            /* the same file without O_DIRECT */
    bool direct;
    bool blockdev;
    bool readonly;
    uint64_t size;              /* bytes */
    unsigned sector_size;       /* logical block size */
    unsigned phys_sector_size;
    unsigned dio_align;         /* memory and length alignment O_DIRECT needs */
    bool discard;               /* punching holes / BLKDISCARD works */
    unsigned discard_granularity;
    /* An image format: exported by qemu-storage-daemon, read over NBD
     * (fd and fd_buffered are -1 then). */
    bool nbd;
    bool can_flush;
    struct blk_nbd_export exp;
};

/* Open PATH (a file or block device) read-only or read-write.  0 or
 * -errno. */
int blkdisk_open(struct blk_disk *d, const char *path, bool readonly);
/* Read the size again (the backing may have grown): true if it changed. */
bool blkdisk_refresh_size(struct blk_disk *d);
void blkdisk_close(struct blk_disk *d);

/* The alignment direct I/O on FD needs (memory and offsets), from statx:
 * 0 and *ALIGN (0: no direct I/O there), or -1 when the kernel does not
 * say. */
int blkdisk_dio_align(int fd, unsigned *align);

/* Open image PATH of FORMAT (blknbd_driver) through an NBD export whose
 * socket is named NAME in DIR.  0 or -errno. */
int blkdisk_open_image(struct blk_disk *d, const char *format, const char *path,
                       bool readonly, const char *dir, const char *name);

/* The path in libxl's `params` node: "raw:/path", "aio:/path",
 * "qcow2:/path" ... or a plain path.  Returns the path inside PARAMS and
 * the format in FORMAT ("raw" for a path, raw:, aio:, phy:, file:). */
const char *blkdisk_params_path(const char *params, char *format, size_t size);

#endif
