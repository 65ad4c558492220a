/* A vbd's xenstore side and its queues (blkvbd.h). */
#include "blkvbd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/context.h"
#include "log.h"
#include "util.h"

static char *rd(struct blk_vbd *v, const char *dir, const char *leaf)
{
    char path[256];

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= sizeof(path))
        return NULL;
    return v->st->read(v->store, path);
}

static int wr(struct blk_vbd *v, const char *dir, const char *leaf, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int wr(struct blk_vbd *v, const char *dir, const char *leaf, const char *fmt, ...)
{
    char path[256], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= sizeof(path))
        return -ENAMETOOLONG;
    return v->st->write(v->store, path, val);
}

/* A node holding an unsigned number; DEF when it is absent. -EINVAL for
 * junk. */
static int rd_uint(struct blk_vbd *v, const char *dir, const char *leaf, uint64_t def,
                   uint64_t *out)
{
    char *s = rd(v, dir, leaf);
    bool ok;

    if (!s) {
        *out = def;
        return 0;
    }
    ok = parse_u64(s, out);
    free(s);
    return ok ? 0 : -EINVAL;
}

/* --- publish ------------------------------------------------------------ */

/* Whether a cdrom's PARAMS name no media: "" (libxl's after cd-eject), a
 * format and no path ("aio:"), or the empty format. */
static bool no_media(const char *params)
{
    char format[16];
    const char *path;

    if (!params || !*params)
        return true;
    path = blkdisk_params_path(params, format, sizeof(format));
    return !*path || !strcmp(format, "empty");
}

static int open_backing(struct blk_vbd *v, const char *dir)
{
    char *params = rd(v, dir, "params"), *mode = rd(v, dir, "mode");
    char *devtype = rd(v, dir, "device-type"), *removable = rd(v, dir, "removable");
    char *discard = rd(v, dir, "discard-enable");
    const char *path = NULL;
    char format[16], name[48];
    bool cdrom = devtype && !strcmp(devtype, "cdrom");
    bool readonly = cdrom || (mode && mode[0] == 'r');
    int rc;

    v->info = (readonly ? VDISK_READONLY : 0) | (cdrom ? VDISK_CDROM : 0) |
              (removable && !strcmp(removable, "1") ? VDISK_REMOVABLE : 0);
    free(v->params);
    v->params = strdup(params ? params : "");
    if (cdrom && no_media(params)) {
        /* An empty drive (xl cd-eject, or a cdrom given no target): no
         * sectors, so every read is past the end and answered with an
         * error, as QEMU's xen disk answers one without media. */
        v->disk.sector_size = v->disk.phys_sector_size = 1u << BLK_SECTOR_SHIFT;
        v->tgt.ctx = v->ctx;
        v->tgt.disk = &v->disk;
        v->tgt.lim = (struct blk_limits){ .sectors = 0, .sector_size = v->disk.sector_size,
                                          .readonly = true };
        rc = 0;
    } else if (!params || !*params) {
        log_err("%s: no params (backing path) in %s", v->name, dir);
        rc = -ENOENT;
    } else if ((path = blkdisk_params_path(params, format, sizeof(format))) &&
               strcmp(format, "raw") && !blknbd_driver(format)) {
        log_err("%s: %s: format %s not served by this backend", v->name, params, format);
        rc = -EOPNOTSUPP;
    } else if (strcmp(format, "raw") &&
               (snprintf(name, sizeof(name), "dom%u.vbd%u", v->ctx->domid, v->devid),
                (rc = blkdisk_open_image(&v->disk, format, path, readonly, v->ctx->rundir,
                                         name)))) {
        errno = -rc;
        log_err("%s: cannot export %s image %s:", v->name, format, path);
    } else if (!strcmp(format, "raw") && (rc = blkdisk_open(&v->disk, path, readonly))) {
        errno = -rc;
        log_err("%s: cannot open %s:", v->name, path);
    } else {
        v->disk_open = true;
        v->tgt.ctx = v->ctx;
        v->tgt.disk = &v->disk;
        v->tgt.lim = (struct blk_limits){
            .sectors = v->disk.size >> BLK_SECTOR_SHIFT,
            .sector_size = v->disk.sector_size,
            .readonly = readonly,
            .flush = !readonly && (!v->disk.nbd || v->disk.can_flush),
            .barrier = !readonly && (!v->disk.nbd || v->disk.can_flush),
            /* libxl writes discard-enable=0 for discard=no/"no-discard". */
            .discard = v->disk.discard && !(discard && !strcmp(discard, "0")),
        };
    }
    free(params);
    free(mode);
    free(devtype);
    free(removable);
    free(discard);
    return rc;
}

static int write_disk_nodes(struct blk_vbd *v, const char *dir)
{
    int rc;

    if ((rc = wr(v, dir, "sectors", "%" PRIu64, v->tgt.lim.sectors)) ||
        (rc = wr(v, dir, "info", "%u", v->info)) ||
        (rc = wr(v, dir, "sector-size", "%u", v->disk.sector_size)) ||
        (rc = wr(v, dir, "physical-sector-size", "%u", v->disk.phys_sector_size)))
        return rc;
    return 0;
}

static int vbd_publish(void *dev, const char *dir)
{
    struct blk_vbd *v = dev;
    const struct blk_limits *l = &v->tgt.lim;
    int rc;

    if ((rc = open_backing(v, dir))) {
        wr(v, dir, "error", "%d opening the backing", -rc);
        wr(v, dir, "state", "%d", XenbusStateClosing);
        return rc;
    }
    if ((rc = wr(v, dir, "feature-flush-cache", "%d", l->flush)) ||
        (rc = wr(v, dir, "feature-barrier", "%d", l->barrier)) ||
        (rc = wr(v, dir, "feature-discard", "%d", l->discard)) ||
        (l->discard &&
         ((rc = wr(v, dir, "discard-granularity", "%u", v->disk.discard_granularity)) ||
          (rc = wr(v, dir, "discard-alignment", "0")) ||
          (rc = wr(v, dir, "discard-secure", "0")))) ||
        (rc = wr(v, dir, "feature-max-indirect-segments", "%u", BLK_MAX_INDIRECT_SEGS)) ||
        (rc = wr(v, dir, "max-ring-page-order", "%u", BLK_MAX_RING_ORDER)) ||
        (rc = wr(v, dir, "multi-queue-max-queues", "%u", BLK_MAX_QUEUES)) ||
        (rc = write_disk_nodes(v, dir)))
        return rc;
    log_info("%s: %s, %" PRIu64 " sectors%s%s", v->name,
             !v->disk_open ? "empty drive" :
             v->disk.nbd ? "image over NBD" : v->disk.blockdev ? "block device" : "file",
             l->sectors,
             l->readonly ? ", read-only" : "", v->disk.direct ? ", O_DIRECT" : "");
    return 0;
}

/* --- connect ------------------------------------------------------------ */

static int read_layout(struct blk_vbd *v, const char *fe_dir, enum blk_layout *layout)
{
    char *p = rd(v, fe_dir, "protocol");
    int rc = 0;

    /* No node: the ABI's default, the 32-bit layout (as Linux assumes). */
    if (!p || !strcmp(p, XEN_IO_PROTO_ABI_X86_32))
        *layout = BLK_LAYOUT_X86_32;
    else if (!strcmp(p, XEN_IO_PROTO_ABI_X86_64))
        *layout = BLK_LAYOUT_NATIVE;
    else {
        log_warn("%s: unknown frontend protocol %s", v->name, p);
        rc = -ENOSYS;
    }
    free(p);
    return rc;
}

/* Map queue I's ring and bind its channel from DIR, then start it. */
static int connect_queue(struct blk_vbd *v, unsigned i, const char *dir, unsigned order,
                         enum blk_layout layout)
{
    grant_ref_t refs[BLK_MAX_RING_PAGES];
    unsigned nr = 1u << order, k;
    struct blk_ring ring;
    struct xk_evtchn ev;
    uint64_t val, port;
    char leaf[32], qname[64];
    int rc;

    for (k = 0; k < nr; k++) {
        if (order == 0)
            snprintf(leaf, sizeof(leaf), "ring-ref");
        else
            snprintf(leaf, sizeof(leaf), "ring-ref%u", k);
        if ((rc = rd_uint(v, dir, leaf, UINT64_MAX, &val)) || val > UINT32_MAX) {
            log_warn("%s: %s/%s missing or bad", v->name, dir, leaf);
            return -EINVAL;
        }
        refs[k] = (grant_ref_t)val;
    }
    if ((rc = rd_uint(v, dir, "event-channel", UINT64_MAX, &port)) || port > UINT32_MAX) {
        log_warn("%s: %s/event-channel missing or bad", v->name, dir);
        return -EINVAL;
    }
    snprintf(qname, sizeof(qname), "%s queue %u", v->name, i);
    if ((rc = blkring_map(&ring, v->ctx, refs, nr, layout, qname)))
        return rc;
    /* Domain 0's end takes the guest's port number (unique per guest);
     * a queue quiesced for a save kept its channel bound. */
    if (i < v->nr_kept && v->kept_bound[i] && v->kept[i].port == port) {
        ev = v->kept[i];
        v->kept_bound[i] = false;
    } else if ((rc = backend_bind(v->ctx, (uint32_t)port, (uint32_t)port, &ev))) {
        errno = -rc;
        log_warn("%s: cannot bind event channel %" PRIu64 ":", qname, port);
        blkring_unmap(&ring);
        return rc;
    }
    if ((rc = blkqueue_start(&v->queues[i], &v->tgt, qname, &ring, &ev,
                             v->stats ? &v->stats->q[i] : NULL))) {
        xk_evtchn_unbind(&ev);
        blkring_unmap(&ring);
        return rc;
    }
    return 0;
}

static int vbd_connect(void *dev, const char *fe_dir);

/* Channels kept for a resume that did not take them. */
static void release_kept(struct blk_vbd *v)
{
    for (unsigned i = 0; i < v->nr_kept; i++)
        if (v->kept_bound[i])
            xk_evtchn_unbind(&v->kept[i]);
    memset(v->kept_bound, 0, sizeof(v->kept_bound));
    v->nr_kept = 0;
    v->quiesced = false;
}

static void vbd_disconnect(void *dev)
{
    struct blk_vbd *v = dev;

    for (unsigned i = 0; i < v->nr_queues; i++)
        blkqueue_stop(&v->queues[i]);
    v->nr_queues = 0;
    release_kept(v);
}

void blkvbd_quiesce(struct blk_vbd *v)
{
    if (v->quiesced || !v->nr_queues)
        return;
    for (unsigned i = 0; i < v->nr_queues; i++) {
        blkqueue_stop_keep(&v->queues[i], &v->kept[i]);
        v->kept_bound[i] = true;
    }
    v->nr_kept = v->nr_queues;
    v->nr_queues = 0;
    v->quiesced = true;
    log_info("%s: quiesced", v->name);
}

int blkvbd_resume(struct blk_vbd *v)
{
    int rc;

    if (!v->quiesced)
        return 0;
    rc = v->xb.fe_dir ? vbd_connect(v, v->xb.fe_dir) : -ENOENT;
    release_kept(v);
    if (rc)
        log_err("%s: cannot resume after the quiesce: %s", v->name, strerror(-rc));
    else
        log_info("%s: resumed", v->name);
    return rc;
}

static int vbd_connect(void *dev, const char *fe_dir)
{
    struct blk_vbd *v = dev;
    enum blk_layout layout;
    uint64_t nq, order;
    char qdir[256];
    int rc;

    if ((rc = read_layout(v, fe_dir, &layout)))
        return rc;
    if ((rc = rd_uint(v, fe_dir, "multi-queue-num-queues", 1, &nq)) || nq == 0 ||
        nq > BLK_MAX_QUEUES) {
        log_warn("%s: frontend asks for %" PRIu64 " queues (at most %u)", v->name, nq,
                 BLK_MAX_QUEUES);
        return -ENOSYS;
    }
    if ((rc = rd_uint(v, fe_dir, "ring-page-order", 0, &order)) ||
        order > BLK_MAX_RING_ORDER) {
        log_warn("%s: frontend ring-page-order %" PRIu64 " (at most %u)", v->name, order,
                 BLK_MAX_RING_ORDER);
        return -EINVAL;
    }
    if (v->stats && !v->quiesced)
        xk_vbd_stats_zero(v->stats);    /* Linux's rings, and their counters, are new */
    for (v->nr_queues = 0; v->nr_queues < nq; v->nr_queues++) {
        if (nq == 1)
            snprintf(qdir, sizeof(qdir), "%s", fe_dir);
        else
            snprintf(qdir, sizeof(qdir), "%s/queue-%u", fe_dir, v->nr_queues);
        if ((rc = connect_queue(v, v->nr_queues, qdir, (unsigned)order, layout))) {
            vbd_disconnect(v);
            return rc;
        }
    }
    /* The size may have changed since InitWait (a drive without media has
     * none). */
    if (v->disk_open)
        blkdisk_refresh_size(&v->disk);
    else
        v->disk.size = 0;
    __atomic_store_n(&v->tgt.lim.sectors, v->disk.size >> BLK_SECTOR_SHIFT, __ATOMIC_RELAXED);
    if ((rc = write_disk_nodes(v, v->xb.dir))) {
        vbd_disconnect(v);
        return rc;
    }
    log_info("%s: connected: %u queue%s, ring order %u, %s layout", v->name,
             v->nr_queues, v->nr_queues == 1 ? "" : "s", (unsigned)order,
             layout == BLK_LAYOUT_NATIVE ? "x86_64" : "x86_32");
    return 0;
}

static void vbd_removed(void *dev)
{
    struct blk_vbd *v = dev;

    log_info("%s: removed", v->name);
}

static const struct xb_device_ops vbd_ops = {
    .publish = vbd_publish,
    .connect = vbd_connect,
    .disconnect = vbd_disconnect,
    .removed = vbd_removed,
};

/* --- the device's life -------------------------------------------------- */

int blkvbd_probe(struct blk_vbd *v, struct xk_backend_ctx *ctx, uint32_t devid,
                 const struct xb_store_ops *st, void *store, blk_write_txn_fn write_txn)
{
    int rc;

    memset(v, 0, sizeof(*v));
    v->ctx = ctx;
    v->devid = devid;
    v->st = st;
    v->store = store;
    v->write_txn = write_txn;
    v->disk.fd = v->disk.fd_buffered = -1;
    snprintf(v->name, sizeof(v->name), "vbd %u/%u", ctx->domid, devid);
    rc = xb_backend_probe(&v->xb, "vbd", ctx->domid, devid, st, store, &vbd_ops, v);
    if (rc && v->disk_open) {
        blkdisk_close(&v->disk);
        v->disk_open = false;
    }
    if (rc) {
        free(v->params);
        v->params = NULL;
    }
    if (!rc && ctx->rundir && !(v->stats = xk_vbd_stats_create(ctx->rundir, ctx->domid, devid)))
        log_warn("%s: no request counters (xl top shows none):", v->name);
    return rc;
}

/* The toolstack changed a cdrom's params (xl cd-insert / cd-eject write
 * "" and then the new media, as libxl_cdrom_insert does): the queues are
 * drained and stopped (requests in flight answered from the old media),
 * the new backing opened (none: an empty drive), the queues started again
 * on the same rings and channels, and the new size published with a state
 * rewrite in one transaction, as a resize is (Linux blkfront re-reads
 * sectors then and sets the disk's capacity: the media change it sees). */
static void media_check(struct blk_vbd *v)
{
    char *params = rd(v, v->xb.dir, "params"), sp[160], stp[160], sectors[24], state[4];
    const char *paths[2] = { sp, stp }, *vals[2] = { sectors, state };
    bool running;
    int rc;

    if (!params || !v->params || !strcmp(params, v->params)) {
        free(params);
        return;
    }
    log_info("%s: media change: \"%s\" -> \"%s\"", v->name, v->params, params);
    free(params);
    running = v->nr_queues > 0;
    if (running)
        blkvbd_quiesce(v);
    if (v->disk_open)
        blkdisk_close(&v->disk);
    v->disk_open = false;
    if ((rc = open_backing(v, v->xb.dir))) {
        /* the media cannot be read: the drive is empty meanwhile */
        v->tgt.lim.sectors = 0;
        v->tgt.lim.readonly = true;
        v->tgt.lim.flush = v->tgt.lim.barrier = v->tgt.lim.discard = false;
    }
    if (running)
        blkvbd_resume(v);
    snprintf(sp, sizeof(sp), "%s/sectors", v->xb.dir);
    snprintf(stp, sizeof(stp), "%s/state", v->xb.dir);
    snprintf(sectors, sizeof(sectors), "%" PRIu64, v->tgt.lim.sectors);
    snprintf(state, sizeof(state), "%d", (int)v->xb.state);
    if ((rc = v->write_txn(v->store, paths, vals, 2)))
        log_warn("%s: cannot publish the new media's size (%s)", v->name, strerror(-rc));
    log_info("%s: %s, %" PRIu64 " sectors", v->name, v->disk_open ? "media inserted" : "no media",
             v->tgt.lim.sectors);
}

void blkvbd_changed(struct blk_vbd *v)
{
    xb_backend_changed(&v->xb);
    if ((v->info & VDISK_CDROM) && !v->xb.gone)
        media_check(v);
}

bool blkvbd_gone(const struct blk_vbd *v)
{
    return v->xb.gone;
}

int blkvbd_resize(struct blk_vbd *v)
{
    char sp[160], stp[160], sectors[24], state[4];
    const char *paths[2] = { sp, stp }, *vals[2] = { sectors, state };
    uint64_t n;
    int rc;

    if (!v->disk_open || !blkdisk_refresh_size(&v->disk))
        return 0;
    n = v->disk.size >> BLK_SECTOR_SHIFT;
    __atomic_store_n(&v->tgt.lim.sectors, n, __ATOMIC_RELAXED);
    log_info("%s: resized to %" PRIu64 " sectors", v->name, n);
    snprintf(sp, sizeof(sp), "%s/sectors", v->xb.dir);
    snprintf(stp, sizeof(stp), "%s/state", v->xb.dir);
    snprintf(sectors, sizeof(sectors), "%" PRIu64, n);
    snprintf(state, sizeof(state), "%d", (int)v->xb.state);
    /* The state rewrite (same value) fires the frontend's watch. */
    rc = v->write_txn(v->store, paths, vals, 2);
    return rc ? rc : 1;
}

void blkvbd_set_store(struct blk_vbd *v, void *store)
{
    char path[256];

    v->store = v->xb.store = store;
    if (v->xb.gone || !v->xb.fe_dir)
        return;
    snprintf(path, sizeof(path), "%s/state", v->xb.fe_dir);
    v->st->watch(store, path);
    snprintf(path, sizeof(path), "%s/online", v->xb.dir);
    v->st->watch(store, path);
}

void blkvbd_destroy(struct blk_vbd *v)
{
    vbd_disconnect(v);
    xb_backend_release(&v->xb);
    if (v->disk_open)
        blkdisk_close(&v->disk);
    v->disk_open = false;
    if (v->stats)
        xk_vbd_stats_close(v->stats, v->ctx->rundir, v->ctx->domid, v->devid);
    v->stats = NULL;
    free(v->params);
    v->params = NULL;
}
