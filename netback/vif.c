/* A vif (vif.h): Linux xen-netback's xenbus.c (probe, connect, the
 * frontend's features) and interface.c (the queues on the host side),
 * with a tap device where Linux has its vif netdev.
 *
 * Everything runs on the process's event thread.  Per queue: the tx
 * event takes packets off the tx ring and writes them to the queue's tap
 * fd; the tap fd's frames go onto the rx ring while it has buffers, and
 * when it has none the frame waits and the tap is not read until the
 * frontend posts more (its rx event).  A fatal tx error (netif.c) stops
 * every queue of that vif only. */
#include "vif.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "backend/xenbus_backend.h"
#include "backend/xenbus_xs.h"
#include "evloop.h"
#include "log.h"
#include "netif.h"
#include "tap.h"

/* Frames moved per callback before others get a turn. */
#define TX_BUDGET 256
#define RX_BUDGET 256

struct vif_queue {
    struct vif *vif;
    unsigned idx;
    struct nb_queue q;
    int tap_fd;                 /* queue 0: the vif's tap_fd0 */
    struct xk_evtchn ev_tx, ev_rx;      /* ev_rx unused unless split */
    bool split, bound_tx, bound_rx;
    int timer_fd;
    bool tap_paused;
    /* A frame from the tap waiting for rx buffers. */
    bool rx_pending;
    size_t rx_len;
    struct virtio_net_hdr rx_vh;
    uint8_t *rx_buf;
    struct nb_tx_frame *txf;
};

struct vif {
    struct netback *nb;
    struct vif *next;
    unsigned devid;
    bool probed, remove;
    struct xb_backend xb;
    char dir[128];
    char ifname[IFNAMSIZ];
    char *script, *bridge, *ip;
    uint64_t rate_bytes, rate_usec;
    int tap_fd0;                /* keeps the tap between connections */
    bool online;                /* the hotplug ran */
    bool quiesced;              /* rings let go for a save (vif_quiesce_all) */
    unsigned nr_queues;
    struct vif_queue *queues;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- xenstore ---------------------------------------------------------- */

static char *xs_get(struct netback *nb, const char *dir, const char *leaf)
{
    char path[256];
    unsigned len;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, leaf) >= sizeof(path))
        return NULL;
    return xs_read(nb->xs, XBT_NULL, path, &len);
}

static int xs_put(struct netback *nb, const char *dir, const char *leaf, const char *v)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, leaf);
    return xs_write(nb->xs, XBT_NULL, path, v, (unsigned)strlen(v)) ? 0 : -EIO;
}

/* An unsigned node; DEF when absent, false when present but not a number. */
static bool xs_uint(struct netback *nb, const char *dir, const char *leaf, unsigned long def,
                    unsigned long *out)
{
    char *v = xs_get(nb, dir, leaf), *end;
    bool ok = true;

    *out = def;
    if (v) {
        errno = 0;
        *out = strtoul(v, &end, 0);
        ok = *v && !*end && !errno;
        free(v);
    }
    return ok;
}

/* ---- the data path ----------------------------------------------------- */

static void queues_stop(struct vif *v);

/* The frontend broke the protocol (already logged by netif.c). */
static void vif_fatal(struct vif *v)
{
    log_err("vif %s (domain %u device %u) disabled after a fatal error in the frontend's "
            "requests", v->ifname, v->nb->ctx.domid, v->devid);
    queues_stop(v);
}

static struct xk_evtchn *rx_chan(struct vif_queue *vq)
{
    return vq->split ? &vq->ev_rx : &vq->ev_tx;
}

static void tx_work(struct vif_queue *vq)
{
    int n;

    if (!vq->q.mapped)
        return;     /* stopped, or quiesced for a save */
    for (n = 0; n < TX_BUDGET; n++) {
        enum nb_tx_result r = nb_tx_next(&vq->q, vq->txf, now_ns());

        if (r == NB_TX_FRAME) {
            struct iovec iov[2] = {
                { &vq->txf->vh, sizeof(vq->txf->vh) },
                { vq->txf->data, vq->txf->len },
            };
            if (writev(vq->tap_fd, iov, 2) < 0)
                vq->q.st.tx_dropped++;
        } else if (r == NB_TX_DROPPED) {
            continue;
        } else if (r == NB_TX_THROTTLED) {
            struct itimerspec it = {
                .it_value = { (time_t)(vq->q.credit_due_ns / 1000000000u),
                              (long)(vq->q.credit_due_ns % 1000000000u) },
            };
            timerfd_settime(vq->timer_fd, TFD_TIMER_ABSTIME, &it, NULL);
            break;
        } else if (r == NB_TX_FATAL) {
            vif_fatal(vq->vif);
            return;
        } else {
            break;
        }
    }
    if (nb_tx_push(&vq->q))
        xk_evtchn_notify(&vq->ev_tx);
    if (n == TX_BUDGET) {
        /* More may wait: come back after the others had a turn. */
        uint64_t one = 1;
        if (write(vq->ev_tx.event_fd, &one, sizeof(one)) < 0)
            log_debug("%s: cannot requeue tx work:", vq->q.name);
    }
}

/* Frames from the tap onto the rx ring while it has buffers. */
static void rx_work(struct vif_queue *vq)
{
    bool pushed = false;
    int n;

    if (!vq->q.mapped)
        return;
    for (n = 0; n < RX_BUDGET; n++) {
        enum nb_rx_result r;

        if (!vq->rx_pending) {
            struct iovec iov[2] = {
                { &vq->rx_vh, sizeof(vq->rx_vh) },
                { vq->rx_buf, NB_MAX_FRAME },
            };
            ssize_t k = readv(vq->tap_fd, iov, 2);

            if (k < (ssize_t)sizeof(vq->rx_vh))
                break;
            vq->rx_len = (size_t)k - sizeof(vq->rx_vh);
            vq->rx_pending = true;
        }
        r = nb_rx_put(&vq->q, vq->rx_buf, vq->rx_len, &vq->rx_vh);
        if (r == NB_RX_NO_ROOM) {
            if (!vq->tap_paused) {
                vq->tap_paused = true;
                evloop_set_events(vq->vif->nb->ctx.loop, vq->tap_fd, 0);
            }
            break;
        }
        if (r == NB_RX_FATAL) {
            vif_fatal(vq->vif);
            return;
        }
        vq->rx_pending = false;
        pushed = true;
        if (vq->tap_paused) {
            vq->tap_paused = false;
            evloop_set_events(vq->vif->nb->ctx.loop, vq->tap_fd, EPOLLIN);
        }
    }
    if (pushed && nb_rx_push(&vq->q))
        xk_evtchn_notify(rx_chan(vq));
}

static void on_tap(void *arg, int fd, uint32_t events)
{
    (void)fd;
    (void)events;
    rx_work(arg);
}

static void on_tx_event(void *arg, int fd, uint32_t events)
{
    struct vif_queue *vq = arg;

    (void)fd;
    (void)events;
    xk_evtchn_consume(&vq->ev_tx);
    tx_work(vq);
    /* One channel for both directions: posted rx buffers, too. */
    if (!vq->split && vq->q.mapped && vq->rx_pending)
        rx_work(vq);
}

static void on_rx_event(void *arg, int fd, uint32_t events)
{
    struct vif_queue *vq = arg;

    (void)fd;
    (void)events;
    xk_evtchn_consume(&vq->ev_rx);
    if (vq->rx_pending)
        rx_work(vq);
}

static void on_timer(void *arg, int fd, uint32_t events)
{
    uint64_t n;

    (void)events;
    if (read(fd, &n, sizeof(n)) == sizeof(n))
        tx_work(arg);
}

/* The guest closed a port of ours: no more events come on it. */
static void on_chan_closed(void *arg, int fd, uint32_t events)
{
    struct vif_queue *vq = arg;
    char m[64];

    (void)events;
    if (recv(fd, m, sizeof(m), MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    log_debug("%s: the guest closed an event channel", vq->q.name);
    evloop_del(vq->vif->nb->ctx.loop, fd);
}

static void unbind(struct evloop *loop, struct xk_evtchn *e, bool *bound)
{
    if (!*bound)
        return;
    evloop_del(loop, e->event_fd);
    evloop_del(loop, e->sock);
    xk_evtchn_unbind(e);
    *bound = false;
}

/* Let go of everything the queues hold of the guest (idempotent). */
static void queues_stop(struct vif *v)
{
    struct evloop *loop = v->nb->ctx.loop;

    for (unsigned i = 0; i < v->nr_queues; i++) {
        struct vif_queue *vq = &v->queues[i];

        unbind(loop, &vq->ev_tx, &vq->bound_tx);
        unbind(loop, &vq->ev_rx, &vq->bound_rx);
        if (vq->timer_fd >= 0) {
            evloop_del(loop, vq->timer_fd);
            close(vq->timer_fd);
            vq->timer_fd = -1;
        }
        if (vq->tap_fd >= 0) {
            evloop_del(loop, vq->tap_fd);
            if (vq->tap_fd != v->tap_fd0)
                close(vq->tap_fd);
            vq->tap_fd = -1;
        }
        nb_queue_unmap(&vq->q);
        vq->rx_pending = false;
    }
    if (v->tap_fd0 >= 0)
        tap_set_carrier(v->tap_fd0, false);
}

static void queues_free(struct vif *v)
{
    queues_stop(v);
    for (unsigned i = 0; i < v->nr_queues; i++) {
        struct vif_queue *vq = &v->queues[i];

        if (vq->q.st.tx_frames || vq->q.st.rx_frames)
            log_info("%s: tx %llu frames %llu bytes (%llu dropped), rx %llu frames "
                     "%llu bytes (%llu dropped)", vq->q.name,
                     (unsigned long long)vq->q.st.tx_frames,
                     (unsigned long long)vq->q.st.tx_bytes,
                     (unsigned long long)vq->q.st.tx_dropped,
                     (unsigned long long)vq->q.st.rx_frames,
                     (unsigned long long)vq->q.st.rx_bytes,
                     (unsigned long long)vq->q.st.rx_dropped);
        free(vq->rx_buf);
        free(vq->txf);
    }
    free(v->queues);
    v->queues = NULL;
    v->nr_queues = 0;
}

/* ---- the handshake ---------------------------------------------------- */

static int vif_publish(void *dev, const char *dir)
{
    struct vif *v = dev;
    struct netback *nb = v->nb;
    char mq[16];
    static const char *const one[] = {
        "feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv6",
        "feature-ipv6-csum-offload", "feature-rx-copy", "feature-split-event-channels",
    };
    int rc = 0;

    for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++)
        rc |= xs_put(nb, dir, one[i], "1");
    rc |= xs_put(nb, dir, "feature-rx-flip", "0");
    snprintf(mq, sizeof(mq), "%u", nb->max_queues);
    rc |= xs_put(nb, dir, "multi-queue-max-queues", mq);
    return rc ? -EIO : 0;
}

static bool fe_flag(struct netback *nb, const char *fe_dir, const char *leaf)
{
    unsigned long v;

    return xs_uint(nb, fe_dir, leaf, 0, &v) && v;
}

static int bind_port(struct vif_queue *vq, const char *dir, const char *leaf,
                     struct xk_evtchn *e, bool *bound, evloop_fn fn)
{
    struct netback *nb = vq->vif->nb;
    unsigned long port;
    int rc;

    if (!xs_uint(nb, dir, leaf, 0, &port) || !port || port > UINT32_MAX) {
        log_err("%s: reading %s/%s", vq->q.name, dir, leaf);
        return -EINVAL;
    }
    rc = backend_bind(&nb->ctx, (uint32_t)port, (uint32_t)port, e);
    if (rc) {
        errno = -rc;
        log_err("%s: binding event channel %lu:", vq->q.name, port);
        return rc;
    }
    *bound = true;
    if (evloop_add(nb->ctx.loop, e->event_fd, fn, vq) ||
        evloop_add(nb->ctx.loop, e->sock, on_chan_closed, vq))
        return -EIO;
    return 0;
}

static int queue_connect(struct vif *v, struct vif_queue *vq, const char *dir,
                         const struct nb_fe_features *fe)
{
    struct netback *nb = v->nb;
    unsigned long tx_ref, rx_ref;
    char *split;
    int rc;

    vq->vif = v;
    vq->tap_fd = vq->timer_fd = -1;
    vq->q.grants = nb->ctx.grants;
    vq->q.be_domid = 0;
    vq->q.fe = *fe;
    vq->q.credit_bytes = v->rate_bytes;
    vq->q.credit_usec = v->rate_usec;
    snprintf(vq->q.name, sizeof(vq->q.name), "%s queue %u", v->ifname, vq->idx);
    if (!(vq->rx_buf = malloc(NB_MAX_FRAME)) || !(vq->txf = malloc(sizeof(*vq->txf))))
        return -ENOMEM;
    if (!xs_uint(nb, dir, "tx-ring-ref", ~0ul, &tx_ref) || tx_ref > UINT32_MAX ||
        !xs_uint(nb, dir, "rx-ring-ref", ~0ul, &rx_ref) || rx_ref > UINT32_MAX) {
        log_err("%s: reading %s/tx-ring-ref and rx-ring-ref", vq->q.name, dir);
        return -EINVAL;
    }
    rc = nb_queue_map(&vq->q, (grant_ref_t)tx_ref, (grant_ref_t)rx_ref);
    if (rc) {
        log_err("%s: mapping shared-frames %lu/%lu: %s", vq->q.name, tx_ref, rx_ref,
                gnt_strerror(rc));
        return -ENOMEM;
    }
    split = xs_get(nb, dir, "event-channel-tx");
    vq->split = split != NULL;
    free(split);
    if (vq->split) {
        if ((rc = bind_port(vq, dir, "event-channel-tx", &vq->ev_tx, &vq->bound_tx,
                            on_tx_event)) ||
            (rc = bind_port(vq, dir, "event-channel-rx", &vq->ev_rx, &vq->bound_rx,
                            on_rx_event)))
            return rc;
    } else if ((rc = bind_port(vq, dir, "event-channel", &vq->ev_tx, &vq->bound_tx,
                               on_tx_event))) {
        return rc;
    }
    vq->tap_fd = vq->idx ? tap_open_queue(v->ifname) : v->tap_fd0;
    if (vq->tap_fd < 0) {
        errno = -vq->tap_fd;
        log_err("%s: opening tap queue:", vq->q.name);
        return vq->tap_fd;
    }
    if ((rc = tap_set_offloads(vq->tap_fd, fe->csum, fe->gso4, fe->gso6 && fe->ipv6_csum))) {
        errno = -rc;
        log_warn("%s: TUNSETOFFLOAD:", vq->q.name);
    }
    vq->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (vq->timer_fd < 0 || evloop_add(nb->ctx.loop, vq->timer_fd, on_timer, vq) ||
        evloop_add(nb->ctx.loop, vq->tap_fd, on_tap, vq))
        return -EIO;
    return 0;
}

/* xen-netback's connect(): the frontend's features and its queues. */
static int vif_connect(void *dev, const char *fe_dir)
{
    struct vif *v = dev;
    struct netback *nb = v->nb;
    struct nb_fe_features fe;
    unsigned long nq, rxcopy;
    int rc = 0;

    if (!xs_uint(nb, fe_dir, "multi-queue-num-queues", 1, &nq) || !nq ||
        nq > nb->max_queues) {
        log_err("%s: guest requested %lu queues, exceeding the maximum of %u", v->ifname,
                nq, nb->max_queues);
        return -EINVAL;
    }
    if (!xs_uint(nb, fe_dir, "request-rx-copy", 0, &rxcopy) || rxcopy != 1) {
        log_err("%s: the frontend does not request rx-copy (flipping is not supported)",
                v->ifname);
        return -EOPNOTSUPP;
    }
    if (!fe_flag(nb, fe_dir, "feature-rx-notify")) {
        log_err("%s: feature-rx-notify is mandatory", v->ifname);
        return -EINVAL;
    }
    fe = (struct nb_fe_features){
        .sg = fe_flag(nb, fe_dir, "feature-sg"),
        .gso4 = fe_flag(nb, fe_dir, "feature-gso-tcpv4"),
        .gso6 = fe_flag(nb, fe_dir, "feature-gso-tcpv6"),
        .csum = !fe_flag(nb, fe_dir, "feature-no-csum-offload"),
        .ipv6_csum = fe_flag(nb, fe_dir, "feature-ipv6-csum-offload"),
    };
    queues_free(v);
    if (!(v->queues = calloc(nq, sizeof(*v->queues))))
        return -ENOMEM;
    v->nr_queues = (unsigned)nq;
    for (unsigned i = 0; i < nq; i++) {
        v->queues[i].idx = i;
        v->queues[i].tap_fd = v->queues[i].timer_fd = -1;
    }
    for (unsigned i = 0; i < nq && !rc; i++) {
        char dir[256];

        if (nq == 1)
            snprintf(dir, sizeof(dir), "%s", fe_dir);
        else
            snprintf(dir, sizeof(dir), "%s/queue-%u", fe_dir, i);
        rc = queue_connect(v, &v->queues[i], dir, &fe);
    }
    if (rc) {
        queues_free(v);
        return rc;
    }
    tap_set_carrier(v->tap_fd0, true);
    log_info("%s: connected: %lu queue(s)%s, sg %d, gso %d/%d, csum %d/%d%s", v->ifname, nq,
             v->queues[0].split ? " with split event channels" : "", fe.sg, fe.gso4,
             fe.gso6, fe.csum, fe.ipv6_csum, v->rate_bytes ? ", rate limited" : "");
    /* Anything already waiting on the rings or the tap. */
    for (unsigned i = 0; i < nq; i++) {
        tx_work(&v->queues[i]);
        if (!v->queues[0].q.mapped)
            break;
        rx_work(&v->queues[i]);
    }
    return 0;
}

static void vif_disconnect(void *dev)
{
    queues_free(dev);
}

static void vif_removed(void *dev)
{
    ((struct vif *)dev)->remove = true;
}

static const struct xb_device_ops vif_dev_ops = {
    .publish = vif_publish,
    .connect = vif_connect,
    .disconnect = vif_disconnect,
    .removed = vif_removed,
};

/* ---- a device's life --------------------------------------------------- */

/* libxl's rate node: "BYTES,USECS" per interval. */
static void read_rate(struct vif *v)
{
    char *r = xs_get(v->nb, v->dir, "rate");
    unsigned long long b, u;

    if (r && sscanf(r, "%llu,%llu", &b, &u) == 2 && b && u) {
        v->rate_bytes = b;
        v->rate_usec = u;
    } else if (r) {
        log_warn("%s: rate `%s' not understood, not limited", v->dir, r);
    }
    free(r);
}

static void vif_free(struct vif *v)
{
    queues_free(v);
    if (v->online) {
        struct tap_hotplug h = { v->ifname, v->script, v->bridge, v->ip, v->dir };
        tap_hotplug_offline(&h);
    }
    if (v->tap_fd0 >= 0)
        close(v->tap_fd0);
    if (v->probed && v->nb->xs) {
        xb_backend_release(&v->xb);
    } else if (v->probed) {
        free(v->xb.fe_dir);     /* no store to unwatch on */
        v->xb.fe_dir = NULL;
    }
    free(v->script);
    free(v->bridge);
    free(v->ip);
    free(v);
}

static void hotplug_error(struct vif *v, const char *why, int rc)
{
    char msg[200];

    snprintf(msg, sizeof(msg), "%s: %s", why, strerror(-rc));
    log_err("vif %s: %s", v->ifname, msg);
    xs_put(v->nb, v->dir, "hotplug-error", msg);
    xs_put(v->nb, v->dir, "hotplug-status", "error");
}

int vif_probe(struct netback *nb, unsigned devid)
{
    struct vif *v = calloc(1, sizeof(*v));
    char *fe, *name;
    const char *why;
    int rc;

    if (!v)
        return -ENOMEM;
    v->nb = nb;
    v->devid = devid;
    v->tap_fd0 = -1;
    snprintf(v->dir, sizeof(v->dir), "/local/domain/0/backend/vif/%u/%u", nb->ctx.domid,
             devid);
    if (!(fe = xs_get(nb, v->dir, "frontend"))) {
        free(v);
        return -ENOENT;         /* not written completely yet */
    }
    free(fe);
    v->next = nb->vifs;
    nb->vifs = v;
    v->script = xs_get(nb, v->dir, "script");
    v->bridge = xs_get(nb, v->dir, "bridge");
    v->ip = xs_get(nb, v->dir, "ip");
    read_rate(v);
    name = xs_get(nb, v->dir, "vifname");
    if (name && *name)
        snprintf(v->ifname, sizeof(v->ifname), "%s", name);
    else
        snprintf(v->ifname, sizeof(v->ifname), "vif%u.%u", nb->ctx.domid, devid);
    free(name);

    v->tap_fd0 = tap_open_queue(v->ifname);
    if (v->tap_fd0 < 0) {
        hotplug_error(v, "cannot create the tap device", v->tap_fd0);
        return v->tap_fd0;
    }
    tap_set_carrier(v->tap_fd0, false);
    if ((rc = tap_set_xen_mac(v->ifname))) {
        errno = -rc;
        log_warn("%s: cannot set the address fe:ff:ff:ff:ff:ff:", v->ifname);
    }
    {
        struct tap_hotplug h = { v->ifname, v->script, v->bridge, v->ip, v->dir };

        if ((rc = tap_hotplug_online(&h, &why))) {
            hotplug_error(v, why, rc);
            return rc;
        }
    }
    v->online = true;
    rc = xb_backend_probe(&v->xb, "vif", nb->ctx.domid, devid, &xb_xs_ops, nb->xs,
                          &vif_dev_ops, v);
    if (rc) {
        hotplug_error(v, "probe failed", rc);
        return rc;
    }
    v->probed = true;
    /* Last, as the hotplug script's own write comes after xen-netback's
     * probe: whoever waits for it finds the backend in InitWait. */
    xs_put(nb, v->dir, "hotplug-status", "connected");
    log_info("vif %s: domain %u device %u%s%s", v->ifname, nb->ctx.domid, devid,
             v->bridge ? ", bridge " : "", v->bridge ? v->bridge : "");
    return 0;
}

void vif_store_changed(struct netback *nb)
{
    for (struct vif *v = nb->vifs; v; v = v->next) {
        char path[256];

        if (!v->probed)
            continue;
        v->xb.store = nb->xs;
        snprintf(path, sizeof(path), "%s/state", v->xb.fe_dir);
        xb_xs_ops.watch(nb->xs, path);
        snprintf(path, sizeof(path), "%s/online", v->dir);
        xb_xs_ops.watch(nb->xs, path);
    }
}

bool vif_known(struct netback *nb, unsigned devid)
{
    for (struct vif *v = nb->vifs; v; v = v->next)
        if (v->devid == devid)
            return true;
    return false;
}

void vif_changed_all(struct netback *nb)
{
    struct vif **pp = &nb->vifs;

    for (struct vif *v = nb->vifs; v; v = v->next) {
        char *fe = xs_get(nb, v->dir, "frontend");

        /* The toolstack removed the directory: the device is gone. */
        if (!fe)
            v->remove = true;
        free(fe);
        if (!v->remove && v->probed)
            xb_backend_changed(&v->xb);
    }
    while (*pp) {
        struct vif *v = *pp;

        if (v->remove) {
            *pp = v->next;
            log_info("vif %s: removed", v->ifname);
            vif_free(v);
        } else {
            pp = &v->next;
        }
    }
}

void vif_free_all(struct netback *nb)
{
    while (nb->vifs) {
        struct vif *v = nb->vifs;

        nb->vifs = v->next;
        vif_free(v);
    }
}

/* ---- around a save ----------------------------------------------------- */

/* Nothing is in flight here (every frame is copied in the callback that
 * takes it): give back the ring grants and stop reading the tap; frames
 * the host sends meanwhile wait in the tap's queue.  The channels stay. */
void vif_quiesce_all(struct netback *nb)
{
    for (struct vif *v = nb->vifs; v; v = v->next) {
        bool any = false;

        for (unsigned i = 0; i < v->nr_queues; i++) {
            struct vif_queue *vq = &v->queues[i];

            if (!vq->q.mapped)
                continue;
            if (nb_tx_push(&vq->q))
                xk_evtchn_notify(&vq->ev_tx);
            if (nb_rx_push(&vq->q))
                xk_evtchn_notify(rx_chan(vq));
            nb_queue_unmap(&vq->q);
            if (vq->tap_fd >= 0)
                evloop_set_events(nb->ctx.loop, vq->tap_fd, 0);
            any = true;
        }
        if (any) {
            v->quiesced = true;
            log_info("vif %s: quiesced", v->ifname);
        }
    }
}

/* The domain runs again: the same rings (the frontend's nodes name them),
 * then whatever waits on them or on the tap, and one event each way in
 * case one was lost while no ring was mapped. */
void vif_resume_all(struct netback *nb)
{
    for (struct vif *v = nb->vifs; v; v = v->next) {
        if (!v->quiesced)
            continue;
        v->quiesced = false;
        for (unsigned i = 0; i < v->nr_queues; i++) {
            struct vif_queue *vq = &v->queues[i];
            unsigned long tx_ref, rx_ref;
            char dir[256];
            int rc;

            if (v->nr_queues == 1)
                snprintf(dir, sizeof(dir), "%s", v->xb.fe_dir);
            else
                snprintf(dir, sizeof(dir), "%s/queue-%u", v->xb.fe_dir, i);
            if (!xs_uint(nb, dir, "tx-ring-ref", ~0ul, &tx_ref) || tx_ref > UINT32_MAX ||
                !xs_uint(nb, dir, "rx-ring-ref", ~0ul, &rx_ref) || rx_ref > UINT32_MAX ||
                (rc = nb_queue_map(&vq->q, (grant_ref_t)tx_ref, (grant_ref_t)rx_ref))) {
                log_err("%s: cannot map the rings again after the quiesce", vq->q.name);
                continue;
            }
            vq->tap_paused = false;
            if (vq->tap_fd >= 0)
                evloop_set_events(nb->ctx.loop, vq->tap_fd, EPOLLIN);
            xk_evtchn_notify(&vq->ev_tx);
            if (vq->split)
                xk_evtchn_notify(&vq->ev_rx);
            tx_work(vq);
            rx_work(vq);
        }
        log_info("vif %s: resumed", v->ifname);
    }
}
