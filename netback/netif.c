/* A netif queue's rings (netif.h), after Linux's
 * drivers/net/xen-netback/netback.c (tx) and rx.c (rx, copy mode).
 * Every request is copied off the shared ring before it is looked at
 * (RING_COPY_REQUEST), every byte of a frame out of the guest's pages
 * before the frame is parsed. */
#include "netif.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pkt.h"

/* <xen/io/ring.h> leaves the barriers to its user. */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

/* Linux lets a burst up to 128 KiB through however small the credit, so
 * a 64 KiB GSO frame always passes eventually. */
#define NB_MAX_BURST 131072u

int nb_queue_map(struct nb_queue *q, grant_ref_t tx_ref, grant_ref_t rx_ref)
{
    int rc;

    q->fatal = false;
    rc = gnt_take(q->grants, q->be_domid, tx_ref, GNT_WRITE | GNT_MAP, &q->tx_h);
    if (rc)
        return rc;
    rc = gnt_take(q->grants, q->be_domid, rx_ref, GNT_WRITE | GNT_MAP, &q->rx_h);
    if (rc) {
        gnt_release(&q->tx_h);
        return rc;
    }
    /* Attached where the responses end (0 on new rings): rings served
     * before a quiesce for a save, or by the restored domain's last
     * backend, go on from there; every taken request was answered. */
    BACK_RING_ATTACH(&q->tx, (netif_tx_sring_t *)q->tx_h.ptr,
                     __atomic_load_n(&((netif_tx_sring_t *)q->tx_h.ptr)->rsp_prod,
                                     __ATOMIC_ACQUIRE), NB_RING_PAGE);
    BACK_RING_ATTACH(&q->rx, (netif_rx_sring_t *)q->rx_h.ptr,
                     __atomic_load_n(&((netif_rx_sring_t *)q->rx_h.ptr)->rsp_prod,
                                     __ATOMIC_ACQUIRE), NB_RING_PAGE);
    q->remaining_credit = q->credit_bytes;
    q->credit_due_ns = 0;
    q->mapped = true;
    return 0;
}

void nb_queue_unmap(struct nb_queue *q)
{
    if (!q->mapped)
        return;
    gnt_release(&q->tx_h);
    gnt_release(&q->rx_h);
    q->mapped = false;
}

/* xenvif_fatal_tx_err: say why, then nothing more is served. */
static void __attribute__((format(printf, 2, 3))) fatal(struct nb_queue *q, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("%s: %s; fatal error, disabling the vif", q->name, why);
    q->fatal = true;
}

/* ---- guest -> host ---------------------------------------------------- */

static void tx_response(struct nb_queue *q, uint16_t id, int16_t status, unsigned extras)
{
    netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

    r->id = id;
    r->status = status;
    q->tx.rsp_prod_pvt++;
    /* The extra-info slots after it get NULL responses. */
    while (extras--)
        RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt++)->status = NETIF_RSP_NULL;
}

/* xenvif_tx_err: error responses for the packet's requests up to END. */
static void tx_error(struct nb_queue *q, const netif_tx_request_t *first, unsigned extras,
                     RING_IDX end)
{
    netif_tx_request_t r = *first;
    RING_IDX cons = q->tx.req_cons;

    for (;;) {
        tx_response(q, r.id, NETIF_RSP_ERROR, extras);
        if (cons == end)
            break;
        RING_COPY_REQUEST(&q->tx, cons++, &r);
        extras = 0;
    }
    q->tx.req_cons = cons;
    q->st.tx_dropped++;
}

/* tx_credit_exceeded: a new window's credit once the last one is over. */
static bool credit_exceeded(struct nb_queue *q, unsigned size, uint64_t now_ns)
{
    if (now_ns >= q->credit_due_ns) {
        uint64_t burst = q->credit_bytes > NB_MAX_BURST ? q->credit_bytes : NB_MAX_BURST;
        uint64_t c = q->remaining_credit + q->credit_bytes;

        q->remaining_credit = c < burst ? c : burst;
        q->credit_due_ns = now_ns + q->credit_usec * 1000;
    }
    if (size <= q->remaining_credit)
        return false;
    q->st.tx_throttled++;
    return true;
}

/* The virtio header for a frame the guest sent with FLAGS and GSO
 * (NULL: none), as checksum_setup and xenvif_set_skb_gso make the skb.
 * False: the host cannot take it (dropped, as Linux drops it). */
static bool tx_offloads(struct nb_tx_frame *f, uint16_t flags,
                        const struct netif_extra_info *gso)
{
    struct pkt_l4 l4;

    memset(&f->vh, 0, sizeof(f->vh));
    if (!(flags & NETTXF_csum_blank) && !gso) {
        if (flags & NETTXF_data_validated)
            f->vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
        return true;
    }
    if (pkt_find_l4(f->data, f->len, &l4))
        return false;
    /* A GSO frame without csum_blank (Windows' frontends send them) gets
     * its pseudo-header sum here, as Linux recalculates it. */
    if (!(flags & NETTXF_csum_blank))
        pkt_set_pseudo_csum(f->data, f->len, &l4);
    f->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    f->vh.csum_start = l4.csum_start;
    f->vh.csum_offset = l4.csum_offset;
    if (gso) {
        bool v6 = gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6;

        if (l4.proto != IPPROTO_TCP || l4.ipv6 != v6)
            return false;
        f->vh.gso_type = v6 ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
        f->vh.gso_size = gso->u.gso.size;
        f->vh.hdr_len = l4.hdr_len;
    }
    return true;
}

enum nb_tx_result nb_tx_next(struct nb_queue *q, struct nb_tx_frame *f, uint64_t now_ns)
{
    struct netif_extra_info extras[XEN_NETIF_EXTRA_TYPE_MAX - 1], extra;
    netif_tx_request_t first, frags[NB_MAX_SLOTS], scratch, *txp;
    RING_IDX prod, cons;
    int work, slots = 0, drop = 0, more;
    unsigned extra_count = 0, first_len, total;
    const struct netif_extra_info *gso = NULL;
    size_t off;
    int rc;

    if (q->fatal || !q->mapped)
        return NB_TX_FATAL;
    prod = __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_RELAXED);
    xen_rmb();
    cons = q->tx.req_cons;
    if (prod - cons > NB_TX_RING_SIZE) {
        fatal(q, "impossible number of requests: req_prod %u, req_cons %u, size %u",
              prod, cons, (unsigned)NB_TX_RING_SIZE);
        return NB_TX_FATAL;
    }
    if (prod == cons) {
        RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
        if (!more)
            return NB_TX_EMPTY;
        prod = __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_RELAXED);
        xen_rmb();
        if (prod - cons > NB_TX_RING_SIZE) {
            fatal(q, "impossible number of requests: req_prod %u, req_cons %u, size %u",
                  prod, cons, (unsigned)NB_TX_RING_SIZE);
            return NB_TX_FATAL;
        }
    }
    work = (int)(prod - cons);
    RING_COPY_REQUEST(&q->tx, cons, &first);
    /* The first credit window starts with the first packet (Linux starts
     * it at connect; nothing was sent before either way). */
    if (q->credit_bytes && !q->credit_due_ns)
        q->credit_due_ns = now_ns + q->credit_usec * 1000;
    if (q->credit_bytes && first.size > q->remaining_credit &&
        credit_exceeded(q, first.size, now_ns))
        return NB_TX_THROTTLED;
    if (q->credit_bytes)
        q->remaining_credit -= first.size;
    q->tx.req_cons = ++cons;
    work--;

    memset(extras, 0, sizeof(extras));
    if (first.flags & NETTXF_extra_info) {
        do {
            if (work-- <= 0) {
                fatal(q, "missing extra info");
                return NB_TX_FATAL;
            }
            RING_COPY_REQUEST(&q->tx, cons, &extra);
            q->tx.req_cons = ++cons;
            extra_count++;
            if (!extra.type || extra.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
                fatal(q, "invalid extra type: %d", extra.type);
                return NB_TX_FATAL;
            }
            extras[extra.type - 1] = extra;
        } while (extra.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    }

    /* xenvif_count_requests: the packet's further slots. */
    first_len = first.size;
    more = first.flags & NETTXF_more_data;
    while (more) {
        if (slots >= work) {
            fatal(q, "asked for %d slots but exceeds this limit", slots);
            return NB_TX_FATAL;
        }
        if (slots >= NB_FATAL_SLOTS) {
            fatal(q, "malicious frontend using %d slots, threshold %u", slots,
                  NB_FATAL_SLOTS);
            return NB_TX_FATAL;
        }
        if (!drop && slots >= NB_MAX_SLOTS) {
            log_warn("%s: too many slots (%d) exceeding limit (%d), dropping packet",
                     q->name, slots, NB_MAX_SLOTS);
            drop = -E2BIG;
        }
        txp = drop ? &scratch : &frags[slots];
        RING_COPY_REQUEST(&q->tx, cons + (RING_IDX)slots, txp);
        if (!drop && txp->size > first_len) {
            log_warn("%s: invalid tx request, slot size %u > remaining size %u",
                     q->name, txp->size, first_len);
            drop = -EIO;
        }
        first_len -= txp->size;
        slots++;
        if (txp->offset + txp->size > NB_RING_PAGE) {
            fatal(q, "cross page boundary, txp->offset: %u, size: %u", txp->offset,
                  txp->size);
            return NB_TX_FATAL;
        }
        more = txp->flags & NETTXF_more_data;
    }
    if (drop) {
        tx_error(q, &first, extra_count, cons + (RING_IDX)slots);
        return NB_TX_DROPPED;
    }
    total = first.size;
    if (first_len < PKT_ETH_HLEN) {
        log_debug("%s: bad packet size: %u", q->name, first_len);
        tx_error(q, &first, extra_count, cons + (RING_IDX)slots);
        return NB_TX_DROPPED;
    }
    if (first.offset + first_len > NB_RING_PAGE) {
        fatal(q, "cross page boundary, txreq.offset: %u, size: %u", first.offset, first_len);
        return NB_TX_FATAL;
    }
    if (extras[XEN_NETIF_EXTRA_TYPE_GSO - 1].type) {
        gso = &extras[XEN_NETIF_EXTRA_TYPE_GSO - 1];
        if (!gso->u.gso.size) {
            fatal(q, "GSO size must not be zero");
            return NB_TX_FATAL;
        }
        if (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
            gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) {
            fatal(q, "bad GSO type %d", gso->u.gso.type);
            return NB_TX_FATAL;
        }
    }

    /* Copy the frame out of the guest's pages; then it is ours. */
    rc = gnt_copy_from(q->grants, q->be_domid, first.gref, first.offset, f->data, first_len);
    off = first_len;
    for (int i = 0; !rc && i < slots; i++) {
        rc = gnt_copy_from(q->grants, q->be_domid, frags[i].gref, frags[i].offset,
                           f->data + off, frags[i].size);
        off += frags[i].size;
        if (rc)
            first.gref = frags[i].gref;
    }
    if (rc) {
        fatal(q, "grant copy of ref %u failed: %s", first.gref, gnt_strerror(rc));
        return NB_TX_FATAL;
    }
    f->len = total;
    q->tx.req_cons = cons + (RING_IDX)slots;
    tx_response(q, first.id, NETIF_RSP_OKAY, extra_count);
    for (int i = 0; i < slots; i++)
        tx_response(q, frags[i].id, NETIF_RSP_OKAY, 0);

    if (!tx_offloads(f, first.flags, gso)) {
        log_debug("%s: cannot set up checksum offload, dropping the frame", q->name);
        q->st.tx_dropped++;
        return NB_TX_DROPPED;
    }
    q->st.tx_frames++;
    q->st.tx_bytes += total;
    return NB_TX_FRAME;
}

bool nb_tx_push(struct nb_queue *q)
{
    int notify;

    if (!q->mapped)
        return false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
    return notify;
}

/* ---- host -> guest ---------------------------------------------------- */

/* The NETRXF_ checksum flags for a frame the host handed over with VH,
 * finishing a partial checksum the frontend cannot take.  -1: drop it. */
static int rx_csum(struct nb_queue *q, uint8_t *frame, size_t len,
                   const struct virtio_net_hdr *vh, bool gso)
{
    struct pkt_l4 l4;
    bool v6 = false;

    if (!(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
        return vh->flags & VIRTIO_NET_HDR_F_DATA_VALID ? NETRXF_data_validated : 0;
    if ((size_t)vh->csum_start + vh->csum_offset + 2 > len)
        return -1;
    if (!pkt_find_l4(frame, len, &l4))
        v6 = l4.ipv6;
    if (v6 ? q->fe.ipv6_csum : q->fe.csum)
        return NETRXF_csum_blank | NETRXF_data_validated;
    if (gso)
        return -1;
    pkt_finish_csum(frame, len, vh->csum_start, vh->csum_offset);
    q->st.rx_csum_done++;
    return 0;
}

enum nb_rx_result nb_rx_put(struct nb_queue *q, uint8_t *frame, size_t len,
                            const struct virtio_net_hdr *vh)
{
    uint8_t gso_type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
    unsigned xgso = XEN_NETIF_GSO_TYPE_NONE, needed, slot;
    RING_IDX prod;
    size_t off;
    int csum;

    if (q->fatal || !q->mapped)
        return NB_RX_FATAL;
    if (gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && q->fe.gso4)
        xgso = XEN_NETIF_GSO_TYPE_TCPV4;
    else if (gso_type == VIRTIO_NET_HDR_GSO_TCPV6 && q->fe.gso6)
        xgso = XEN_NETIF_GSO_TYPE_TCPV6;
    else if (gso_type != VIRTIO_NET_HDR_GSO_NONE)
        goto drop;
    if (xgso && !vh->gso_size)
        goto drop;
    needed = (unsigned)((len + NB_RING_PAGE - 1) / NB_RING_PAGE);
    if (!len || len > NB_MAX_FRAME || (needed > 1 && !q->fe.sg))
        goto drop;
    needed += xgso ? 1 : 0;

    for (;;) {
        prod = __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_RELAXED);
        xen_rmb();
        if (prod - q->rx.req_cons > NB_RX_RING_SIZE) {
            fatal(q, "impossible number of rx requests: req_prod %u, req_cons %u, size %u",
                  prod, q->rx.req_cons, (unsigned)NB_RX_RING_SIZE);
            return NB_RX_FATAL;
        }
        if (prod - q->rx.req_cons >= needed)
            break;
        /* Ask for an event when the frontend posts more, then look once
         * more (xenvif_rx_ring_slots_available). */
        if (q->rx.sring->req_event == prod + 1)
            return NB_RX_NO_ROOM;
        q->rx.sring->req_event = prod + 1;
        xen_mb();
    }
    /* The checksum is settled only now: a frame that waited for room is
     * finished once. */
    csum = rx_csum(q, frame, len, vh, xgso != XEN_NETIF_GSO_TYPE_NONE);
    if (csum < 0)
        goto drop;

    off = 0;
    for (slot = 0; off < len; slot++) {
        netif_rx_request_t req;
        netif_rx_response_t *rsp;
        size_t chunk = len - off < NB_RING_PAGE ? len - off : NB_RING_PAGE;
        int rc;
        uint16_t flags = 0;

        RING_COPY_REQUEST(&q->rx, q->rx.req_cons++, &req);
        rc = gnt_copy_to(q->grants, q->be_domid, req.gref, 0, frame + off, chunk);
        rsp = RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt++);
        if (off + chunk < len)
            flags |= NETRXF_more_data;
        if (!slot)
            flags |= (uint16_t)csum | (xgso ? NETRXF_extra_info : 0);
        rsp->id = req.id;
        rsp->offset = 0;
        rsp->flags = flags;
        /* A buffer the frontend did not grant writable: that slot is an
         * error, as xenvif_rx_copy_flush reports a failed copy. */
        rsp->status = rc ? NETIF_RSP_ERROR : (int16_t)chunk;
        if (rc)
            log_debug("%s: rx grant copy to ref %u failed: %s", q->name, req.gref,
                      gnt_strerror(rc));
        off += chunk;
        if (!slot && xgso) {
            struct netif_extra_info *e;

            RING_COPY_REQUEST(&q->rx, q->rx.req_cons++, &req);
            e = (struct netif_extra_info *)RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt++);
            memset(e, 0, sizeof(*e));
            e->type = XEN_NETIF_EXTRA_TYPE_GSO;
            e->u.gso.size = vh->gso_size;
            e->u.gso.type = (uint8_t)xgso;
        }
    }
    q->st.rx_frames++;
    q->st.rx_bytes += len;
    return NB_RX_DONE;
drop:
    q->st.rx_dropped++;
    return NB_RX_DROPPED;
}

bool nb_rx_push(struct nb_queue *q)
{
    int notify;

    if (!q->mapped)
        return false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
    return notify;
}
