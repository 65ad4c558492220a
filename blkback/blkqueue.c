/* One queue of a vbd (blkqueue.h). */
#include "blkqueue.h"

#include <errno.h>
#include <fcntl.h>
#include <libnbd.h>
#include <linux/fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backend/context.h"
#include "log.h"

/* user_data of the completions that are not I/O. */
#define TAG_EVENT 1u
#define TAG_STOP  2u
#define TAG_NBD   3u            /* | generation << 8 */
#define TAG_IGNORE 4u
/* Low bit of an I/O's user_data: the sqe that moves the data (its result
 * must be the request's length); clear: a flush or punch of the chain. */
#define TAG_DATA  1u

enum nbd_stage { NBD_DATA, NBD_FLUSH_FIRST };

struct blk_io {
    struct blk_queue *q;
    unsigned pending;           /* sqes (NBD: commands) not completed yet */
    enum nbd_stage stage;
    bool issuing;
    struct blk_io *later;
    int16_t status;
    uint64_t bytes;
    unsigned nr_handles;
    struct blk_req req;
    struct gnt_handle h[BLK_MAX_INDIRECT_SEGS];
    struct iovec iov[BLK_MAX_INDIRECT_SEGS];
};

/* --- requests in flight ------------------------------------------------ */

static struct blk_io *io_get(struct blk_queue *q)
{
    struct blk_io *io;

    if (q->nr_free)
        return q->free_io[--q->nr_free];
    io = malloc(sizeof(*io));
    if (io) {
        io->q = q;
        q->nr_alloc++;
    }
    return io;
}

static void io_put(struct blk_queue *q, struct blk_io *io)
{
    q->free_io[q->nr_free++] = io;
}

static void respond(struct blk_queue *q, const struct blk_req *r, int16_t status)
{
    q->stats.requests++;
    if (status != BLKIF_RSP_OKAY)
        q->stats.errors++;
    blkring_respond(&q->ring, r->id, r->rsp_op, status);
}

static void io_release_grants(struct blk_io *io)
{
    for (unsigned i = 0; i < io->nr_handles; i++)
        gnt_release(&io->h[i]);
    io->nr_handles = 0;
}

static void io_finish(struct blk_queue *q, struct blk_io *io)
{
    io_release_grants(io);
    respond(q, &io->req, io->status);
    q->inflight--;
    io_put(q, io);
}

/* --- starting a request ------------------------------------------------- */

static int read_grant(void *opaque, grant_ref_t gref, void *buf, unsigned len)
{
    struct blk_queue *q = opaque;

    return gnt_copy_from(q->tgt->ctx->grants, 0, gref, 0, buf, len);
}

/* Take every segment's grant (writable for a read into the guest) and
 * point an iovec at the sectors it names.  False on a bad grant. */
static bool io_map_segments(struct blk_queue *q, struct blk_io *io, bool *aligned)
{
    struct blk_req *r = &io->req;
    unsigned flags = (r->op == BLKIF_OP_READ ? GNT_WRITE : GNT_READ) | GNT_MAP;
    unsigned align = q->tgt->disk->dio_align, i;

    *aligned = ((r->sector << BLK_SECTOR_SHIFT) % align) == 0;
    io->bytes = 0;
    for (i = 0; i < r->nr_segments; i++) {
        const struct blk_seg *s = &r->seg[i];
        struct gnt_handle *h = &io->h[i];

        if (gnt_take(q->tgt->ctx->grants, 0, s->gref, flags, h) != GNTST_okay)
            return false;
        io->nr_handles = i + 1;
        io->iov[i].iov_base = h->ptr + ((size_t)s->first << BLK_SECTOR_SHIFT);
        io->iov[i].iov_len = blk_seg_bytes(s);
        io->bytes += io->iov[i].iov_len;
        if ((uintptr_t)io->iov[i].iov_base % align || io->iov[i].iov_len % align)
            *aligned = false;
    }
    return true;
}

static struct io_uring_sqe *get_sqe(struct blk_queue *q)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&q->uring);

    if (!sqe) {
        io_uring_submit(&q->uring);
        sqe = io_uring_get_sqe(&q->uring);
    }
    return sqe;
}

static void queue_fsync(struct blk_queue *q, struct blk_io *io, bool link)
{
    struct io_uring_sqe *sqe = get_sqe(q);

    io_uring_prep_fsync(sqe, q->tgt->disk->fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data(sqe, io);
    if (link)
        sqe->flags |= IOSQE_IO_LINK;
    io->pending++;
}

static void queue_data(struct blk_queue *q, struct blk_io *io, int fd, bool link)
{
    struct io_uring_sqe *sqe = get_sqe(q);
    off_t off = (off_t)(io->req.sector << BLK_SECTOR_SHIFT);

    if (io->req.op == BLKIF_OP_READ)
        io_uring_prep_readv(sqe, fd, io->iov, io->req.nr_segments, off);
    else
        io_uring_prep_writev(sqe, fd, io->iov, io->req.nr_segments, off);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)io | TAG_DATA);
    if (link)
        sqe->flags |= IOSQE_IO_LINK;
    io->pending++;
}

/* Discard on a block device: BLKDISCARD (synchronous; io_uring has no
 * discard before 6.12's uring_cmd).  A BLKIF_RSP_* value. */
static int16_t discard_blockdev(struct blk_queue *q, const struct blk_req *r)
{
    uint64_t range[2] = { r->sector << BLK_SECTOR_SHIFT, r->nr_sectors << BLK_SECTOR_SHIFT };

    if (!ioctl(q->tgt->disk->fd_buffered, BLKDISCARD, range))
        return BLKIF_RSP_OKAY;
    return errno == EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

/* --- images over NBD ---------------------------------------------------- */

static void nbdq_advance(struct blk_queue *q, struct blk_io *io);

static int nbdq_done(void *user_data, int *error)
{
    struct blk_io *io = user_data;

    if (*error && io->status == BLKIF_RSP_OKAY)
        io->status = *error == EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
    /* libnbd's lock is held here: no nbd_* call, so the next stage is
     * issued from the queue's loop (nbdq_run_later). */
    if (--io->pending == 0 && !io->issuing) {
        io->later = io->q->nbd_later;
        io->q->nbd_later = io;
    }
    return 1;
}

/* Count a command before issuing it: its completion may run inside the
 * call.  False if it could not be issued. */
static bool nbdq_issued(struct blk_io *io, int64_t cookie)
{
    if (cookie >= 0)
        return true;
    io->pending--;
    if (io->status == BLKIF_RSP_OKAY)
        io->status = BLKIF_RSP_ERROR;
    return false;
}

static void nbdq_issue_data(struct blk_queue *q, struct blk_io *io, uint32_t flags)
{
    uint64_t off = io->req.sector << BLK_SECTOR_SHIFT;
    nbd_completion_callback cb = { .callback = nbdq_done, .user_data = io };

    for (unsigned i = 0; i < io->req.nr_segments; i++) {
        io->pending++;
        if (io->req.op == BLKIF_OP_READ)
            nbdq_issued(io, nbd_aio_pread(q->nbd, io->iov[i].iov_base, io->iov[i].iov_len,
                                         off, cb, 0));
        else
            nbdq_issued(io, nbd_aio_pwrite(q->nbd, io->iov[i].iov_base, io->iov[i].iov_len,
                                          off, cb, flags));
        off += io->iov[i].iov_len;
    }
}

/* The commands of a stage completed: the next stage, or the answer. */
static void nbdq_advance(struct blk_queue *q, struct blk_io *io)
{
    if (io->stage == NBD_FLUSH_FIRST && io->status == BLKIF_RSP_OKAY && io->req.nr_segments) {
        /* The flush is done: now the data, forced to the disk for a
         * barrier (NBD's FUA). */
        io->stage = NBD_DATA;
        io->issuing = true;
        nbdq_issue_data(q, io, io->req.op == BLKIF_OP_WRITE_BARRIER ? LIBNBD_CMD_FLAG_FUA : 0);
        io->issuing = false;
        if (io->pending)
            return;
    }
    io_finish(q, io);
}

static void nbdq_start(struct blk_queue *q, struct blk_io *io)
{
    nbd_completion_callback cb = { .callback = nbdq_done, .user_data = io };
    struct blk_req *r = &io->req;

    io->issuing = true;
    io->stage = NBD_DATA;
    switch (r->op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        nbdq_issue_data(q, io, 0);
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
    case BLKIF_OP_WRITE_BARRIER:
        io->stage = NBD_FLUSH_FIRST;
        io->pending++;
        nbdq_issued(io, nbd_aio_flush(q->nbd, cb, 0));
        break;
    case BLKIF_OP_DISCARD: {
        /* NBD lengths are 32-bit: trim in pieces of at most 1 GiB. */
        uint64_t off = r->sector << BLK_SECTOR_SHIFT, left = r->nr_sectors << BLK_SECTOR_SHIFT;

        while (left) {
            uint64_t n = left < (1ull << 30) ? left : (1ull << 30);
            io->pending++;
            if (!nbdq_issued(io, nbd_aio_trim(q->nbd, n, off, cb, 0)))
                break;
            off += n;
            left -= n;
        }
        break;
    }
    }
    io->issuing = false;
    if (!io->pending)
        nbdq_advance(q, io);
}

static void nbdq_run_later(struct blk_queue *q)
{
    while (q->nbd_later) {
        struct blk_io *io = q->nbd_later;

        q->nbd_later = io->later;
        nbdq_advance(q, io);
    }
}

/* Poll the NBD socket for what libnbd waits for. */
static void nbdq_poll(struct blk_queue *q)
{
    unsigned dir, want = 0;
    struct io_uring_sqe *sqe;

    if (!q->nbd)
        return;
    dir = nbd_aio_get_direction(q->nbd);
    if (dir & LIBNBD_AIO_DIRECTION_READ)
        want |= POLLIN;
    if (dir & LIBNBD_AIO_DIRECTION_WRITE)
        want |= POLLOUT;
    if (want == q->nbd_events)
        return;
    if (q->nbd_events) {
        sqe = get_sqe(q);
        io_uring_prep_poll_remove(sqe, TAG_NBD | (uint64_t)q->nbd_gen << 8);
        io_uring_sqe_set_data64(sqe, TAG_IGNORE);
    }
    q->nbd_gen++;
    q->nbd_events = want;
    if (want) {
        sqe = get_sqe(q);
        io_uring_prep_poll_add(sqe, nbd_aio_get_fd(q->nbd), want);
        io_uring_sqe_set_data64(sqe, TAG_NBD | (uint64_t)q->nbd_gen << 8);
    }
}

static void nbdq_ready(struct blk_queue *q, uint64_t ud, int res)
{
    if ((uint32_t)(ud >> 8) != q->nbd_gen)
        return;                 /* a poll we replaced */
    q->nbd_events = 0;
    if (res < 0)
        return;
    if (res & (POLLIN | POLLHUP | POLLERR))
        nbd_aio_notify_read(q->nbd);
    if (res & POLLOUT)
        nbd_aio_notify_write(q->nbd);
}

/* IO passed its checks: run it.  It is answered now or on completion. */
static void io_start(struct blk_queue *q, struct blk_io *io)
{
    struct blk_req *r = &io->req;
    struct blk_disk *d = q->tgt->disk;
    bool aligned = true, data = r->nr_segments > 0;
    int fd;

    io->pending = 0;
    io->status = BLKIF_RSP_OKAY;
    io->nr_handles = 0;
    q->inflight++;
    if (q->nbd) {
        if (r->nr_segments && !io_map_segments(q, io, &aligned)) {
            io->status = BLKIF_RSP_ERROR;
            io_finish(q, io);
            return;
        }
        nbdq_start(q, io);
        return;
    }
    if (r->op == BLKIF_OP_DISCARD) {
        if (!r->nr_sectors) {
            io_finish(q, io);
        } else if (d->blockdev) {
            io->status = discard_blockdev(q, r);
            io_finish(q, io);
        } else {
            struct io_uring_sqe *sqe = get_sqe(q);
            io_uring_prep_fallocate(sqe, d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                    (off_t)(r->sector << BLK_SECTOR_SHIFT),
                                    (off_t)(r->nr_sectors << BLK_SECTOR_SHIFT));
            io_uring_sqe_set_data(sqe, io);
            io->pending = 1;
        }
        return;
    }
    if (data && !io_map_segments(q, io, &aligned)) {
        io->status = BLKIF_RSP_ERROR;   /* a bad grant: nothing was touched */
        io_finish(q, io);
        return;
    }
    fd = aligned && d->direct ? d->fd : d->fd_buffered;
    /* A chain is submitted whole: links do not cross submissions. */
    if (io_uring_sq_space_left(&q->uring) < 3)
        io_uring_submit(&q->uring);
    switch (r->op) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        queue_data(q, io, fd, false);
        break;
    case BLKIF_OP_FLUSH_DISKCACHE:
        /* Flush what was written before, then write this request's data. */
        queue_fsync(q, io, data);
        if (data)
            queue_data(q, io, fd, false);
        break;
    case BLKIF_OP_WRITE_BARRIER:
        /* The queue has drained: flush, write, flush the write. */
        queue_fsync(q, io, data);
        if (data) {
            queue_data(q, io, fd, true);
            queue_fsync(q, io, false);
        }
        break;
    }
}

/* Linux blkback's statistics: a request counts by its operation (an
 * indirect one by indirect_op) before it is checked, as dispatch_rw_block_io
 * and dispatch_discard_io count it; its sectors once it is accepted (a
 * flush or barrier is a write there). */
static void count_request(struct blk_queue *q, const struct blk_req *r)
{
    switch (r->rsp_op) {
    case BLKIF_OP_READ: xk_ctr_add(&q->ctr->rd_req, 1); break;
    case BLKIF_OP_WRITE: xk_ctr_add(&q->ctr->wr_req, 1); break;
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE: xk_ctr_add(&q->ctr->f_req, 1); break;
    case BLKIF_OP_DISCARD: xk_ctr_add(&q->ctr->ds_req, 1); break;
    }
}

static void count_sectors(struct blk_queue *q, const struct blk_req *r)
{
    if (r->op == BLKIF_OP_READ)
        xk_ctr_add(&q->ctr->rd_sect, r->nr_sectors);
    else if (r->op != BLKIF_OP_DISCARD)
        xk_ctr_add(&q->ctr->wr_sect, r->nr_sectors);
}

/* The next requests off the ring, as far as there is room in flight. */
static void take_requests(struct blk_queue *q)
{
    union blk_slot slot;
    struct blk_limits lim;
    struct blk_io *io;
    int16_t st;
    int rc;

    while (!q->deferred) {
        rc = blkring_take(&q->ring, &slot);
        if (rc <= 0)
            break;
        io = io_get(q);
        if (!io) {
            /* No memory: answer this one as failed, keep the ring going. */
            struct blk_req tmp;
            xk_ctr_add(&q->ctr->oo_req, 1);
            blkreq_decode(q->ring.layout, &slot, &tmp);
            respond(q, &tmp, BLKIF_RSP_ERROR);
            continue;
        }
        blkreq_decode(q->ring.layout, &slot, &io->req);
        count_request(q, &io->req);
        lim = q->tgt->lim;
        lim.sectors = __atomic_load_n(&q->tgt->lim.sectors, __ATOMIC_RELAXED);
        st = (int16_t)blkreq_check(&io->req, &lim, read_grant, q);
        if (st == BLKIF_RSP_OKAY)
            count_sectors(q, &io->req);
        if (st != BLKIF_RSP_OKAY) {
            respond(q, &io->req, st);
            io_put(q, io);
            continue;
        }
        if (io->req.op == BLKIF_OP_WRITE_BARRIER && q->inflight) {
            q->deferred = io;   /* drain first */
            break;
        }
        io_start(q, io);
    }
}

/* --- completions -------------------------------------------------------- */

static void arm_poll(struct blk_queue *q, int fd, uint64_t tag)
{
    struct io_uring_sqe *sqe = get_sqe(q);

    io_uring_prep_poll_multishot(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, tag);
}

static void on_cqe(struct blk_queue *q, const struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe), n;
    struct blk_io *io;

    if (ud == TAG_IGNORE)
        return;
    if ((ud & 0xff) == TAG_NBD) {
        nbdq_ready(q, ud, cqe->res);
        return;
    }
    if (ud == TAG_EVENT || ud == TAG_STOP) {
        int fd = ud == TAG_EVENT ? q->ev.event_fd : q->stop_fd;

        if (read(fd, &n, sizeof(n)) == sizeof(n) && ud == TAG_EVENT)
            q->stats.guest_events++;
        if (ud == TAG_STOP)
            q->stopping = true;
        else if (!(cqe->flags & IORING_CQE_F_MORE))
            arm_poll(q, fd, ud);    /* multishot ended: poll again */
        return;
    }
    io = (struct blk_io *)(uintptr_t)(ud & ~(uint64_t)TAG_DATA);
    if (cqe->res < 0 || ((ud & TAG_DATA) && (uint64_t)cqe->res != io->bytes)) {
        if (io->status == BLKIF_RSP_OKAY) {
            if (cqe->res != -ECANCELED)
                log_debug("%s: request %llu: I/O failed (%d)", q->name,
                          (unsigned long long)io->req.id, cqe->res);
            io->status = cqe->res == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
        }
    }
    if (--io->pending == 0)
        io_finish(q, io);
}

static void push_responses(struct blk_queue *q)
{
    if (blkring_push(&q->ring)) {
        q->stats.notifies++;
        xk_evtchn_notify(&q->ev);
    }
}

static void *queue_thread(void *arg)
{
    struct blk_queue *q = arg;
    struct io_uring_cqe *cqe;
    unsigned head, seen;
    int rc;

    arm_poll(q, q->ev.event_fd, TAG_EVENT);
    arm_poll(q, q->stop_fd, TAG_STOP);
    /* A ring served before (quiesced for a save, or a restored domain's):
     * an event for its last responses may have been lost while no backend
     * was attached; one more is harmless. */
    if (q->ring.br.native.rsp_prod_pvt) {
        q->stats.notifies++;
        xk_evtchn_notify(&q->ev);
    }
    for (;;) {
        if (q->deferred && !q->inflight) {
            struct blk_io *io = q->deferred;
            q->deferred = NULL;
            io_start(q, io);
        }
        if (!q->stopping)
            take_requests(q);
        push_responses(q);
        if (q->stopping && !q->inflight && !q->deferred)
            break;
        nbdq_poll(q);
        rc = io_uring_submit_and_wait(&q->uring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            errno = -rc;
            log_err("%s: io_uring:", q->name);
            break;
        }
        seen = 0;
        io_uring_for_each_cqe(&q->uring, head, cqe) {
            on_cqe(q, cqe);
            seen++;
        }
        io_uring_cq_advance(&q->uring, seen);
        nbdq_run_later(q);
    }
    push_responses(q);
    return NULL;
}

/* --- set-up ------------------------------------------------------------- */

int blkqueue_start(struct blk_queue *q, struct blk_target *tgt, const char *name,
                   struct blk_ring *ring, const struct xk_evtchn *ev,
                   struct xk_vbd_counters *ctr)
{
    unsigned entries = 64;
    int rc;

    memset(q, 0, sizeof(*q));
    q->tgt = tgt;
    q->ctr = ctr ? ctr : &q->own_ctr;
    snprintf(q->name, sizeof(q->name), "%s", name);
    q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    q->free_io = calloc(blkring_size(ring), sizeof(*q->free_io));
    if (q->stop_fd < 0 || !q->free_io) {
        rc = q->stop_fd < 0 ? -errno : -ENOMEM;
        goto fail;
    }
    /* Room for a full ring of requests, three sqes each at most. */
    while (entries < 2 * blkring_size(ring) && entries < 4096)
        entries *= 2;
    rc = io_uring_queue_init(entries, &q->uring, 0);
    if (rc)
        goto fail;
    q->uring_ok = true;
    if (tgt->disk->nbd && !(q->nbd = blknbd_connect(&tgt->disk->exp))) {
        rc = -EIO;
        goto fail;
    }
    q->ring = *ring;
    q->ring.name = q->name;
    q->ev = *ev;
    q->bound = true;
    rc = pthread_create(&q->thread, NULL, queue_thread, q);
    if (rc) {
        rc = -rc;
        q->bound = false;
        goto fail;
    }
    q->running = true;
    return 0;
fail:
    if (q->nbd)
        nbd_close(q->nbd);
    q->nbd = NULL;
    if (q->uring_ok)
        io_uring_queue_exit(&q->uring);
    q->uring_ok = false;
    if (q->stop_fd >= 0)
        close(q->stop_fd);
    free(q->free_io);
    q->free_io = NULL;
    return rc;
}

void blkqueue_stop(struct blk_queue *q)
{
    blkqueue_stop_keep(q, NULL);
}

void blkqueue_stop_keep(struct blk_queue *q, struct xk_evtchn *kept)
{
    uint64_t one = 1;

    if (!q->running)
        return;
    if (write(q->stop_fd, &one, sizeof(one)) != sizeof(one))
        log_err("%s: cannot stop the queue:", q->name);
    pthread_join(q->thread, NULL);
    q->running = false;
    if (q->nbd)
        nbd_close(q->nbd);
    q->nbd = NULL;
    io_uring_queue_exit(&q->uring);
    q->uring_ok = false;
    close(q->stop_fd);
    for (unsigned i = 0; i < q->nr_free; i++)
        free(q->free_io[i]);
    free(q->free_io);
    q->free_io = NULL;
    if (q->bound && kept)
        *kept = q->ev;
    else if (q->bound)
        xk_evtchn_unbind(&q->ev);
    q->bound = false;
    blkring_unmap(&q->ring);
}
