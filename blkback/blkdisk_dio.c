/* Direct I/O alignment from statx(STATX_DIOALIGN) (Linux 6.1+), in a file
 * of its own: the kernel's struct statx carries the fields, and it cannot
 * be included next to glibc's <sys/stat.h>. */
#include <fcntl.h>
#include <linux/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blkdisk.h"

int blkdisk_dio_align(int fd, unsigned *align)
{
    struct statx stx = { 0 };

    if (syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) ||
        !(stx.stx_mask & STATX_DIOALIGN))
        return -1;              /* not known */
    if (!stx.stx_dio_offset_align) {
        *align = 0;             /* the file system does no direct I/O */
        return 0;
    }
    *align = stx.stx_dio_mem_align > stx.stx_dio_offset_align ? stx.stx_dio_mem_align
                                                               : stx.stx_dio_offset_align;
    return 0;
}
