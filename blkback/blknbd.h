/* Image formats (qcow2, vhd, qed, vmdk, vdi, qcow) through a real
 * component from Debian: one qemu-storage-daemon per disk exports the
 * image as NBD on a unix socket, and each queue reads and writes it with
 * libnbd's asynchronous API (its socket polled on the queue's io_uring).
 * The daemon is ours: started when the device is published, stopped
 * (SIGTERM, waited for) when it goes. */
#ifndef XK_BLKNBD_H
#define XK_BLKNBD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nbd_handle;

struct blk_nbd_export {
    pid_t pid;                  /* qemu-storage-daemon, or 0 */
    char sock[108];             /* its NBD socket */
};

/* qemu's block driver for FORMAT ("qcow2", "vhd", ...), or NULL. */
const char *blknbd_driver(const char *format);
/* Export image PATH of FORMAT on a socket named after NAME in DIR (the
 * run directory, else /tmp).  0 or -errno (-ENOENT: no
 * qemu-storage-daemon; -ETIMEDOUT: no socket came). */
int blknbd_export(struct blk_nbd_export *e, const char *format, const char *path,
                  bool readonly, const char *dir, const char *name);
void blknbd_unexport(struct blk_nbd_export *e);
/* A connection to the export: the handle, or NULL (logged). */
struct nbd_handle *blknbd_connect(const struct blk_nbd_export *e);

#endif
