/* One queue of a vbd: its ring, its event channel and its own submission
 * context (an io_uring and the thread that drives it).  The thread waits
 * in one place, io_uring_submit_and_wait: guest events (the event
 * channel's eventfd, polled by the ring), I/O completions and the stop
 * request all arrive as completions there.
 *
 * Each request is copied off the ring, checked (blkreq.h), its segments'
 * grants taken, and run as one readv/writev (with fsyncs linked before
 * and after for flush and barrier, a hole punch for discard) straight
 * between the disk and the granted guest pages; the grants are given
 * back when it completes and the response echoes the id and operation.
 * Responses are pushed once per batch of completions; the guest is
 * notified only when it asked (rsp_event). */
#ifndef XK_BLKQUEUE_H
#define XK_BLKQUEUE_H

#include <liburing.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "blkdisk.h"
#include "blkreq.h"
#include "blkring.h"
#include "evtchn/backend.h"
#include "vbd_stats.h"

struct xk_backend_ctx;
struct blk_io;
struct nbd_handle;

/* What every queue of a vbd shares (read-only while queues run, but
 * lim.sectors, which a resize changes: read atomically). */
struct blk_target {
    struct xk_backend_ctx *ctx;
    struct blk_disk *disk;
    struct blk_limits lim;
};

struct blk_queue_stats {
    uint64_t requests, errors, guest_events, notifies;
};

struct blk_queue {
    struct blk_target *tgt;
    char name[64];
    struct blk_ring ring;
    struct xk_evtchn ev;
    bool bound;
    int stop_fd;
    struct io_uring uring;
    bool uring_ok;
    pthread_t thread;
    bool running;
    /* Requests: at most one per ring entry in flight. */
    struct blk_io **free_io;
    unsigned nr_free, nr_alloc;
    unsigned inflight;
    struct blk_io *deferred;    /* a barrier waiting for the queue to drain */
    bool stopping;
    /* An image over NBD: this queue's connection, and what its socket is
     * polled for on the io_uring (generation: a stale poll's completion). */
    struct nbd_handle *nbd;
    unsigned nbd_events, nbd_gen;
    struct blk_io *nbd_later;   /* stages to issue outside libnbd's callbacks */
    struct blk_queue_stats stats;
    /* Linux blkback's per-ring statistics (vbd_stats.h): this queue's
     * slot of the vbd's shared counters, else own_ctr. */
    struct xk_vbd_counters *ctr, own_ctr;
};

/* Set up queue Q on an already mapped ring (RING, moved into Q) and an
 * already bound event channel EV (moved too); start its thread.  CTR
 * (NULL: none kept outside the queue) gets the queue's request counts.  0 or
 * -errno; on failure nothing of RING or EV is kept (the caller releases
 * them). */
int blkqueue_start(struct blk_queue *q, struct blk_target *tgt, const char *name,
                   struct blk_ring *ring, const struct xk_evtchn *ev,
                   struct xk_vbd_counters *ctr);
/* Stop taking requests, let those in flight complete and answer them,
 * join the thread, unbind the channel, unmap the ring. */
void blkqueue_stop(struct blk_queue *q);
/* The same, but the channel stays bound and is handed to KEPT (a queue
 * quiesced for a save: started again later on the same channel). */
void blkqueue_stop_keep(struct blk_queue *q, struct xk_evtchn *kept);

#endif
