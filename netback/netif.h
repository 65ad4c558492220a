/* One netif queue (a tx and an rx ring, <xen/io/netif.h>) served as
 * Linux's xen-netback serves it, on grant copies only: frames the guest
 * sends are copied out of its memory before anything about them is
 * believed, frames for the guest are copied into the buffers it posted.
 * No fds and no event loop here: the caller moves frames to and from the
 * host (netback/vif.c: a tap device) and notifies the guest when asked,
 * so the unit tests drive it with a frontend of their own.
 *
 * The frame format on the host side is the tap's with IFF_VNET_HDR: a
 * struct virtio_net_hdr (checksum offload, GSO) before the frame. */
#ifndef XK_NETBACK_NETIF_H
#define XK_NETBACK_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

#include "gnttab/gnttab.h"

#define NB_RING_PAGE 4096u
/* The largest frame either way (a 64 KiB GSO frame and its headers). */
#define NB_MAX_FRAME 65536u
/* Linux's xen-netback: a packet of more slots is dropped
 * (XEN_NETBK_LEGACY_SLOTS_MAX), one of FATAL_SLOTS or more is malicious. */
#define NB_MAX_SLOTS        XEN_NETIF_NR_SLOTS_MIN
#define NB_FATAL_SLOTS      20
#define NB_TX_RING_SIZE     __CONST_RING_SIZE(netif_tx, NB_RING_PAGE)
#define NB_RX_RING_SIZE     __CONST_RING_SIZE(netif_rx, NB_RING_PAGE)

/* What the frontend said it can take (its xenstore features). */
struct nb_fe_features {
    bool sg;                    /* feature-sg: frames over several rx slots */
    bool gso4, gso6;            /* feature-gso-tcpv4/-tcpv6: GSO rx frames */
    bool csum;                  /* not feature-no-csum-offload: IPv4 csum_blank */
    bool ipv6_csum;             /* feature-ipv6-csum-offload */
};

struct nb_stats {
    uint64_t tx_frames, tx_bytes, tx_dropped, tx_throttled;
    uint64_t rx_frames, rx_bytes, rx_dropped, rx_csum_done;
};

struct nb_queue {
    struct gnt_view *grants;
    domid_t be_domid;           /* domain 0: whom the grants are for */
    char name[40];              /* for messages: "vif1.0 queue 0" */
    struct gnt_handle tx_h, rx_h;
    bool mapped;
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    struct nb_fe_features fe;
    /* The fatal error (xen-netback's xenvif_fatal_tx_err): nothing more
     * is taken from or given to this queue's rings. */
    bool fatal;
    /* rate=: CREDIT_BYTES per CREDIT_USEC, 0 = unlimited. */
    uint64_t credit_bytes, credit_usec, remaining_credit, credit_due_ns;
    struct nb_stats st;
};

/* Take the two ring pages the frontend granted (TX_REF, RX_REF) for
 * writing.  0 or a GNTST_* value.  Q's grants, be_domid, name and fe must
 * be set. */
int nb_queue_map(struct nb_queue *q, grant_ref_t tx_ref, grant_ref_t rx_ref);
void nb_queue_unmap(struct nb_queue *q);

/* ---- guest -> host ---- */

struct nb_tx_frame {
    struct virtio_net_hdr vh;
    size_t len;
    uint8_t data[NB_MAX_FRAME];
};

enum nb_tx_result {
    NB_TX_EMPTY,                /* no request waiting (the event is armed) */
    NB_TX_FRAME,                /* F holds a frame for the host */
    NB_TX_DROPPED,              /* a bad packet answered with errors */
    NB_TX_THROTTLED,            /* out of rate credit until credit_due_ns */
    NB_TX_FATAL,                /* the frontend is broken: stop the vif */
};

/* Take the next packet off the tx ring at time NOW_NS (for rate=). */
enum nb_tx_result nb_tx_next(struct nb_queue *q, struct nb_tx_frame *f, uint64_t now_ns);
/* Publish the responses written so far: true if the guest wants an event. */
bool nb_tx_push(struct nb_queue *q);

/* ---- host -> guest ---- */

enum nb_rx_result {
    NB_RX_DONE,                 /* the frame is on the ring */
    NB_RX_NO_ROOM,              /* not enough buffers posted (the event is armed) */
    NB_RX_DROPPED,              /* the frontend cannot take this frame */
    NB_RX_FATAL,
};

/* Put FRAME (LEN bytes, its virtio header VH) into the frontend's posted
 * buffers.  FRAME may be changed (a checksum finished in software). */
enum nb_rx_result nb_rx_put(struct nb_queue *q, uint8_t *frame, size_t len,
                            const struct virtio_net_hdr *vh);
bool nb_rx_push(struct nb_queue *q);

#endif
