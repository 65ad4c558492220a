/* A vbd's backing store (blkdisk.h). */
#include "blkdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <libnbd.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static int size_of(struct blk_disk *d, uint64_t *size)
{
    struct stat st;

    if (fstat(d->fd_buffered, &st))
        return -errno;
    if (!d->blockdev) {
        *size = (uint64_t)st.st_size;
        return 0;
    }
    return ioctl(d->fd_buffered, BLKGETSIZE64, size) ? -errno : 0;
}

int blkdisk_open(struct blk_disk *d, const char *path, bool readonly)
{
    int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    struct stat st;
    unsigned align = 0;
    bool known;
    int v, rc;

    memset(d, 0, sizeof(*d));
    d->fd = d->fd_buffered = -1;
    d->readonly = readonly;
    d->fd_buffered = open(path, flags);
    if (d->fd_buffered < 0)
        return -errno;
    if (fstat(d->fd_buffered, &st)) {
        rc = -errno;
        goto fail;
    }
    if (S_ISBLK(st.st_mode)) {
        d->blockdev = true;
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto fail;
    }
    d->sector_size = d->phys_sector_size = 512;
    if (d->blockdev) {
        if (!ioctl(d->fd_buffered, BLKSSZGET, &v) && v >= 512 && v <= 65536)
            d->sector_size = (unsigned)v;
        if (!ioctl(d->fd_buffered, BLKPBSZGET, &v) && (unsigned)v >= d->sector_size)
            d->phys_sector_size = (unsigned)v;
        /* BLKDISCARD is tried when asked; a device without it answers
         * EOPNOTSUPP, which goes back to the guest as such. */
        d->discard = !readonly;
        d->discard_granularity = d->phys_sector_size;
    } else {
        /* Files: holes are punched in file-system blocks. */
        d->discard = !readonly;
        d->discard_granularity = st.st_blksize >= 512 ? (unsigned)st.st_blksize : 4096;
    }
    /* What direct I/O needs here, as the kernel says (statx DIOALIGN);
     * a kernel that does not say: the logical block size for devices,
     * a page for files (requests finer than that go buffered). */
    d->dio_align = d->blockdev ? d->sector_size : 4096;
    known = blkdisk_dio_align(d->fd_buffered, &align) == 0;
    if (known && align)
        d->dio_align = align;
    if (known && !align)
        d->fd = -1;             /* no O_DIRECT on this file system */
    else
        d->fd = open(path, flags | O_DIRECT);
    d->direct = d->fd >= 0;
    if (!d->direct)
        d->fd = dup(d->fd_buffered);    /* tmpfs before 6.6, some FUSE */
    if (d->fd < 0) {
        rc = -errno;
        goto fail;
    }
    if ((rc = size_of(d, &d->size)))
        goto fail;
    return 0;
fail:
    blkdisk_close(d);
    return rc;
}

int blkdisk_open_image(struct blk_disk *d, const char *format, const char *path,
                       bool readonly, const char *dir, const char *name)
{
    struct nbd_handle *h;
    int64_t size;
    int rc;

    memset(d, 0, sizeof(*d));
    d->fd = d->fd_buffered = -1;
    d->readonly = readonly;
    d->nbd = true;
    if (access(path, readonly ? R_OK : R_OK | W_OK))
        return -errno;
    if ((rc = blknbd_export(&d->exp, format, path, readonly, dir, name)))
        return rc;
    if (!(h = blknbd_connect(&d->exp))) {
        blknbd_unexport(&d->exp);
        return -EIO;
    }
    size = nbd_get_size(h);
    d->can_flush = nbd_can_flush(h) == 1;
    d->discard = !readonly && nbd_can_trim(h) == 1;
    nbd_close(h);
    if (size < 0) {
        blknbd_unexport(&d->exp);
        return -EIO;
    }
    d->size = (uint64_t)size;
    d->sector_size = d->phys_sector_size = 512;
    d->dio_align = 512;
    d->discard_granularity = 512;
    return 0;
}

bool blkdisk_refresh_size(struct blk_disk *d)
{
    uint64_t size;

    /* An export's size is fixed for its life (a resize would go through
     * the daemon's block_resize). */
    if (d->nbd || size_of(d, &size) || size == d->size)
        return false;
    d->size = size;
    return true;
}

void blkdisk_close(struct blk_disk *d)
{
    if (d->fd >= 0)
        close(d->fd);
    if (d->fd_buffered >= 0)
        close(d->fd_buffered);
    d->fd = d->fd_buffered = -1;
    if (d->nbd)
        blknbd_unexport(&d->exp);
    d->nbd = false;
}

const char *blkdisk_params_path(const char *params, char *format, size_t size)
{
    const char *colon = strchr(params, ':');
    static const char *const raw[] = { "raw", "aio", "phy", "file" };
    size_t n;

    snprintf(format, size, "raw");
    if (!colon || params[0] == '/')
        return params;
    n = (size_t)(colon - params);
    for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
        if (strlen(raw[i]) == n && !strncmp(params, raw[i], n))
            return colon + 1;
    if (n < size)
        snprintf(format, size, "%.*s", (int)n, params);
    return colon + 1;
}
