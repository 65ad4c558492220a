/* A vbd as Linux's xen-blkback serves it (drivers/block/xen-blkback/
 * xenbus.c), on the handshake of backend/xenbus_backend.h:
 *
 *   publish: read what the toolstack wrote (params, mode, device-type,
 *     removable, discard-enable), open the backing, write the features
 *     (feature-flush-cache, feature-barrier, feature-discard with
 *     discard-granularity/-alignment/-secure, feature-max-indirect-segments,
 *     max-ring-page-order, multi-queue-max-queues) and the disk (sectors,
 *     sector-size, physical-sector-size, info);
 *   connect: read the frontend's protocol, multi-queue-num-queues,
 *     ring-page-order, and per queue (queue-N/ with several) ring-ref or
 *     ring-refN and event-channel; map, bind, start each queue;
 *   disconnect: stop the queues (in-flight requests are answered first).
 *
 * A resize (blkvbd_resize: the backing grew or shrank) rewrites sectors
 * and state in one transaction, as Linux's xen_vbd_resize does, so the
 * frontend's state watch fires and it reads the new size. */
#ifndef XK_BLKVBD_H
#define XK_BLKVBD_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/xenbus_backend.h"
#include "blkdisk.h"
#include "blkqueue.h"

/* multi-queue-max-queues we offer. */
#define BLK_MAX_QUEUES 4

/* Write N path/value pairs in one transaction: 0 or -errno. */
typedef int (*blk_write_txn_fn)(void *store, const char *const *paths,
                                const char *const *values, unsigned n);

struct blk_vbd {
    struct xk_backend_ctx *ctx;
    uint32_t devid;
    char name[48];              /* "vbd 5/51712" for log lines */
    struct xb_backend xb;
    const struct xb_store_ops *st;
    void *store;
    blk_write_txn_fn write_txn;
    struct blk_disk disk;
    bool disk_open;             /* false also for a cdrom without media */
    char *params;               /* the params node the backing was opened from */
    struct blk_target tgt;
    unsigned info;              /* VDISK_* */
    unsigned nr_queues;
    struct blk_queue queues[BLK_MAX_QUEUES];
    /* Linux blkback's statistics, a slot per queue (vbd_stats.h), or NULL
     * (no run directory, or the file could not be made). */
    struct xk_vbd_stats_file *stats;
    /* Quiesced for a save (blkvbd_quiesce): the queues' channels, still
     * bound, waiting for blkvbd_resume. */
    bool quiesced;
    unsigned nr_kept;
    bool kept_bound[BLK_MAX_QUEUES];
    struct xk_evtchn kept[BLK_MAX_QUEUES];
};

/* Probe device DEVID of CTX's domain (its backend directory written by
 * the toolstack) on STORE.  0 or -errno (-ENOENT: no such device yet). */
int blkvbd_probe(struct blk_vbd *v, struct xk_backend_ctx *ctx, uint32_t devid,
                 const struct xb_store_ops *st, void *store, blk_write_txn_fn write_txn);
/* A watch fired: follow the frontend and the toolstack. */
void blkvbd_changed(struct blk_vbd *v);
/* Gone: after the frontend closed with online = 0, or the directory went. */
bool blkvbd_gone(const struct blk_vbd *v);
/* The backing may have changed size: 1 if the new size was published,
 * 0 if unchanged, -errno. */
int blkvbd_resize(struct blk_vbd *v);
/* The store reconnected (xenstored restarted): use STORE from now on and
 * watch again what the handshake watches. */
void blkvbd_set_store(struct blk_vbd *v, void *store);
/* Before a save: answer every request in flight and give back every
 * grant (rings included), keeping the channels and the xenstore state. */
void blkvbd_quiesce(struct blk_vbd *v);
/* The domain runs again: map the rings where they were and go on.
 * 0 or -errno (the device is then disconnected). */
int blkvbd_resume(struct blk_vbd *v);
/* Stop everything (the domain is going or the backend stops). */
void blkvbd_destroy(struct blk_vbd *v);

#endif
