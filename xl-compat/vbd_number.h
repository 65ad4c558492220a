/* Virtual-device numbers of disks, as xen-vbd-interface(7) defines them
 * and libxl computes them (the frontend's `virtual-device`, the devid in
 * every vbd path):
 *   xvd<L>[<P>], d<N>[p<P>]   disk < 16, partition < 16: (202 << 8) | disk << 4 | P
 *                             else (disk < 2^20, partition < 256):
 *                             (1 << 28) | disk << 8 | P
 *   hd<L>[<P>]                disk < 4, partition < 64:
 *                             (hda/hdb 3, hdc/hdd 22) << 8 | (disk & 1) << 6 | P
 *   sd<L>[<P>]                disk < 16, partition < 16: (8 << 8) | disk << 4 | P
 *   a number                  taken as it is (decimal, 0x hex or 0 octal)
 * <L> is a, b, ... z, aa, ab, ... (a = disk 0, aa = disk 26); a partition
 * number has no leading zero. */
#ifndef XL_VBD_NUMBER_H
#define XL_VBD_NUMBER_H

#include <stdbool.h>
#include <stddef.h>

/* The number of VDEV, or -1 if it names no disk.  DISK and PARTITION (may
 * be NULL) get the parts; a plain number has none (-1 each). */
int xl_vbd_number(const char *vdev, int *disk, int *partition);

/* The canonical name of number DEVID ("xvda", "xvdaa3", "hdc", "sdb1"),
 * into BUF of SIZE bytes; false for a number that is none of the forms. */
bool xl_vbd_name(int devid, char *buf, size_t size);

#endif
