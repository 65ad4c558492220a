/*
 * netfront64.elf: a netif frontend as Linux's xen-netfront drives one
 * (drivers/net/xen-netfront.c), against xenkvm-netback and a peer on the
 * host side of the vif's tap (tests/netback/nb_peer.c, on the bridge the
 * vif joined).  Run by tests/cli/netback.sh through `xl create` with two
 * vif= lines; everything here is what the frontend sees:
 *
 * - both vifs connect: rings and buffers granted, request-rx-copy,
 *   feature-rx-notify, feature-sg, feature-gso-tcpv4; vif 0 with one
 *   queue and one event channel, vif 1 with two queues
 *   (multi-queue-num-queues, queue-N/) and split event channels;
 * - vif 0 exchanges frames with the peer: one slot, scatter-gather over
 *   2 and 3 slots (the peer echoes each with its payload inverted), and a
 *   20000-byte TCP/IPv4 GSO frame with csum_blank, which comes back GSO
 *   (an extra-info slot) with csum_blank on the rx side;
 * - vif 1 exchanges frames on both its queues;
 * - vif 0 then sends a request whose data crosses its page: netback
 *   disables vif 0 (no response comes) and vif 1 still exchanges frames;
 * - vif 0 is reset (Closing, Closed, Initialising) and reconnects with new
 *   rings: frames flow again;
 * - the guest says "netfront: waiting for detach" and closes vif 1 when the
 *   toolstack takes it away (network-detach: backend Closing), then powers
 *   off.
 *
 * With `saverestore' on the command line it runs only the connect case
 * and then exchanges frames on vif 0 until data/finish says "done"
 * (tests/cli/xl_save_vif.sh): "netfront-sr: ready", then "N rounds, M
 * echoed, PASS" (or FAIL lines).  With `spoof' it sends IPv4 frames on
 * vif 0 from 10.7.0.9 and from 10.7.0.66 for the host's ip= filter.
 *
 * The peer's MAC is 02:00:00:00:00:01; the frames of this test use
 * ethertype 0x88b5 (local experimental) and carry "XKNF", vif, seq.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "test.h"
#include "shinfo.h"
#include "evtchn.h"
#include "xen_guest.h"
#include "xenbus.h"

#include <xen/grant_table.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#define NVIF 2
#define NQ 3                /* vif 0: one queue; vif 1: two */
#define TXBUFS 6
#define RXBUFS 16
#define ETYPE 0x88b5
#define SEC 1000000000ull

static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };

struct queue {
    unsigned idx;               /* into the page arrays */
    evtchn_port_t ptx, prx;     /* the same port unless split */
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    grant_ref_t tx_ref, rx_ref, txbuf_ref, rxbuf_ref;
};

struct vif {
    char fe[64], be[96];
    uint8_t mac[6];
    unsigned nq;
    bool split, connected;
    struct queue *q[2];
    uint16_t seq;
};

static struct queue queues[NQ];
static struct vif vifs[NVIF];
static uint8_t gnt_frame[4096] __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t rings[NQ][2][4096] __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t txbuf[NQ][TXBUFS][4096] __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t rxbuf[NQ][RXBUFS][4096] __aligned(4096) __attribute__((section(".bss.page")));
static uint8_t frame[24000], got[24000];
static char buf[256];

/* ---- grants (v1, frame 0 only: refs 8..511) ---- */

static grant_ref_t next_ref = 8;

static grant_ref_t grant(const void *page, bool ro)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_frame + next_ref;

    e->domid = 0;
    e->frame = (uint32_t)((uintptr_t)page >> PAGE_SHIFT);
    __atomic_store_n(&e->flags, GTF_permit_access | (ro ? GTF_readonly : 0), __ATOMIC_RELEASE);
    return next_ref++;
}

/* ---- xenstore ---- */

static int read_state(const char *dir)
{
    uint64_t v;
    char p[128];

    snprintf(p, sizeof(p), "%s/state", dir);
    return xenbus_read_u64(XBT_NIL, p, &v) ? -1 : (int)v;
}

/* Poll DIR's state until it is WANT (XenbusState*), at most SECS. */
static bool wait_state(const char *dir, int want, unsigned secs)
{
    uint64_t end = xen_system_time() + secs * SEC;

    while (xen_system_time() < end) {
        if (read_state(dir) == want)
            return true;
        delay_us(20000);
    }
    return false;
}

static int write_at(const char *dir, const char *leaf, unsigned val)
{
    char p[128], s[32];

    snprintf(p, sizeof(p), "%s/%s", dir, leaf);
    snprintf(s, sizeof(s), "%u", val);
    return xenbus_write(XBT_NIL, p, s);
}

static int fe_write(struct vif *v, const char *leaf, unsigned val)
{
    return write_at(v->fe, leaf, val);
}

static bool parse_mac(const char *s, uint8_t m[6])
{
    for (int i = 0; i < 6; i++) {
        unsigned b = 0;
        for (int k = 0; k < 2; k++, s++) {
            char c = *s;
            b = b * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
        }
        m[i] = (uint8_t)b;
        if (i < 5 && *s++ != ':')
            return false;
    }
    return true;
}

/* ---- the rings ---- */

static void post_rx(struct queue *q, unsigned n)
{
    int notify;

    while (n--) {
        RING_IDX i = q->rx.req_prod_pvt++;
        netif_rx_request_t *r = RING_GET_REQUEST(&q->rx, i);

        r->id = (uint16_t)(i % RXBUFS);
        r->gref = q->rxbuf_ref + r->id;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
    if (notify)
        ev_send(q->prx);
}

/* Fresh rings for Q, every buffer posted (connect and reconnect). */
static void queue_rings(struct queue *q)
{
    SHARED_RING_INIT((netif_tx_sring_t *)rings[q->idx][0]);
    SHARED_RING_INIT((netif_rx_sring_t *)rings[q->idx][1]);
    FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)rings[q->idx][0], 4096);
    FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)rings[q->idx][1], 4096);
}

static void put_req(struct queue *q, unsigned slot, uint16_t off, uint16_t flags, uint16_t size)
{
    netif_tx_request_t *r = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++);

    r->gref = q->txbuf_ref + slot;
    r->offset = off;
    r->flags = flags;
    r->id = (uint16_t)slot;
    r->size = size;
}

/* Send LEN bytes of FRAME on Q from offset OFF of the first page, one
 * slot a page; with a GSO extra when GSO_SIZE. */
static void send(struct queue *q, size_t len, unsigned off, uint16_t flags, uint16_t gso_size)
{
    size_t done = 0;
    unsigned slot = 0;
    int notify;

    while (done < len) {
        size_t room = 4096 - (slot ? 0 : off), n = len - done < room ? len - done : room;
        uint16_t f = done + n < len ? NETTXF_more_data : 0;

        memcpy(txbuf[q->idx][slot] + (slot ? 0 : off), frame + done, n);
        if (!slot) {
            put_req(q, 0, (uint16_t)off, f | flags | (gso_size ? NETTXF_extra_info : 0),
                    (uint16_t)len);
            if (gso_size) {
                struct netif_extra_info *e = (struct netif_extra_info *)
                    RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt++);
                memset(e, 0, sizeof(*e));
                e->type = XEN_NETIF_EXTRA_TYPE_GSO;
                e->u.gso.size = gso_size;
                e->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
            }
        } else {
            put_req(q, slot, 0, f, (uint16_t)n);
        }
        done += n;
        slot++;
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
    if (notify)
        ev_send(q->ptx);
}

static void wait_port(evtchn_port_t p)
{
    ev_wait_pending(p, 200000000ull);
    ev_clear_pending(p);
}

/* Wait for the tx responses of what was sent: how many came (OKAY or
 * NULL), -1 on an error status, 0 if none within SECS. */
static int tx_done(struct queue *q, unsigned secs)
{
    uint64_t end = xen_system_time() + secs * SEC;
    int n = 0;

    while (q->tx.rsp_cons != q->tx.req_prod_pvt && xen_system_time() < end) {
        while (q->tx.rsp_cons != q->tx.sring->rsp_prod) {
            xen_rmb();
            netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_cons++);
            if (r->status != NETIF_RSP_OKAY && r->status != NETIF_RSP_NULL)
                return -1;
            n++;
        }
        if (q->tx.rsp_cons == q->tx.req_prod_pvt)
            break;
        q->tx.sring->rsp_event = q->tx.rsp_cons + 1;
        xen_mb();
        if (q->tx.rsp_cons == q->tx.sring->rsp_prod)
            wait_port(q->ptx);
    }
    return n;
}

struct rx_meta {
    size_t len;
    uint16_t flags;         /* the first slot's */
    bool gso;
    uint16_t gso_size;
    uint8_t gso_type;
    int slots;
    unsigned queue;         /* which of the vif's queues it came on */
};

static bool rx_has(struct queue *q)
{
    return q->rx.rsp_cons != q->rx.sring->rsp_prod;
}

/* The next frame on any of V's queues, gathered into GOT, within SECS. */
static bool receive(struct vif *v, struct rx_meta *m, unsigned secs)
{
    uint64_t end = xen_system_time() + secs * SEC;
    struct queue *q = NULL;
    bool more = true, first = true;

    memset(m, 0, sizeof(*m));
    while (!q) {
        evtchn_port_t ports[2];

        for (unsigned i = 0; i < v->nq && !q; i++) {
            v->q[i]->rx.sring->rsp_event = v->q[i]->rx.rsp_cons + 1;
            xen_mb();
            if (rx_has(v->q[i])) {
                q = v->q[i];
                m->queue = i;
            }
        }
        if (q)
            break;
        if (xen_system_time() >= end)
            return false;
        for (unsigned i = 0; i < v->nq; i++)
            ports[i] = v->q[i]->prx;
        ev_poll(ports, v->nq, xen_system_time() + 200000000ull);
        for (unsigned i = 0; i < v->nq; i++)
            ev_clear_pending(ports[i]);
    }
    while (more) {
        netif_rx_response_t *r;

        while (!rx_has(q))
            if (xen_system_time() >= end)
                return false;
        xen_rmb();
        r = RING_GET_RESPONSE(&q->rx, q->rx.rsp_cons++);
        if (r->status < 0 || m->len + (size_t)r->status > sizeof(got))
            return false;
        memcpy(got + m->len, rxbuf[q->idx][r->id % RXBUFS] + r->offset, (size_t)r->status);
        m->len += (size_t)r->status;
        m->slots++;
        more = r->flags & NETRXF_more_data;
        if (first) {
            m->flags = r->flags;
            first = false;
            if (r->flags & NETRXF_extra_info) {
                struct netif_extra_info *e;

                while (!rx_has(q))
                    if (xen_system_time() >= end)
                        return false;
                xen_rmb();
                e = (struct netif_extra_info *)RING_GET_RESPONSE(&q->rx, q->rx.rsp_cons++);
                m->gso = e->type == XEN_NETIF_EXTRA_TYPE_GSO;
                m->gso_size = e->u.gso.size;
                m->gso_type = e->u.gso.type;
                m->slots++;
            }
        }
    }
    /* The buffers go back to the backend. */
    post_rx(q, (unsigned)m->slots);
    return true;
}

/* ---- frames ---- */

static void eth(struct vif *v, uint16_t type)
{
    memcpy(frame, peer_mac, 6);
    memcpy(frame + 6, v->mac, 6);
    frame[12] = (uint8_t)(type >> 8);
    frame[13] = (uint8_t)type;
}

static void test_frame(struct vif *v, size_t len)
{
    eth(v, ETYPE);
    memcpy(frame + 14, "XKNF", 4);
    frame[18] = (uint8_t)(v - vifs);
    frame[19] = (uint8_t)(v->seq >> 8);
    frame[20] = (uint8_t)v->seq;
    for (size_t i = 21; i < len; i++)
        frame[i] = (uint8_t)(i * 7 + v->seq);
    v->seq++;
}

/* The peer's echo of FRAME (LEN bytes): to us, from the peer, payload
 * inverted. */
static bool echo_ok(struct vif *v, size_t len, const struct rx_meta *m)
{
    if (m->len != len || memcmp(got, v->mac, 6) || memcmp(got + 6, peer_mac, 6) ||
        memcmp(got + 12, frame + 12, 2))
        return false;
    for (size_t i = 14; i < len; i++)
        if ((uint8_t)(got[i] ^ frame[i]) != 0xff)
            return false;
    return true;
}

/* A frame of LEN sent on queue QI of V (from offset OFF), its echo
 * received on any queue: true if it came back intact. */
static bool exchange(struct vif *v, unsigned qi, size_t len, unsigned off, struct rx_meta *out)
{
    struct rx_meta m;

    test_frame(v, len);
    send(v->q[qi], len, off, NETTXF_data_validated, 0);
    if (tx_done(v->q[qi], 10) <= 0)
        return false;
    /* Anything else on the bridge (the host's multicast) is not ours. */
    for (int tries = 0; tries < 64; tries++) {
        if (!receive(v, &m, 10))
            return false;
        if (got[12] == (ETYPE >> 8) && got[13] == (ETYPE & 0xff) && got[14] == (uint8_t)~'X') {
            if (out)
                *out = m;
            return echo_ok(v, len, &m);
        }
    }
    return false;
}

/* ---- cases ---- */

/* Publish V's queues and features and go Connected, as netfront's
 * talk_to_netback does. */
static bool talk_to_netback(struct vif *v)
{
    bool ok = true;

    if (v->nq > 1)
        ok &= !fe_write(v, "multi-queue-num-queues", v->nq);
    for (unsigned i = 0; i < v->nq; i++) {
        struct queue *q = v->q[i];
        char dir[80];

        if (v->nq > 1)
            snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe, i);
        else
            snprintf(dir, sizeof(dir), "%s", v->fe);
        queue_rings(q);
        post_rx(q, RXBUFS);
        ok &= !write_at(dir, "tx-ring-ref", q->tx_ref);
        ok &= !write_at(dir, "rx-ring-ref", q->rx_ref);
        if (v->split) {
            ok &= !write_at(dir, "event-channel-tx", q->ptx);
            ok &= !write_at(dir, "event-channel-rx", q->prx);
        } else {
            ok &= !write_at(dir, "event-channel", q->ptx);
        }
    }
    ok &= !fe_write(v, "request-rx-copy", 1);
    ok &= !fe_write(v, "feature-rx-notify", 1);
    ok &= !fe_write(v, "feature-sg", 1);
    ok &= !fe_write(v, "feature-gso-tcpv4", 1);
    ok &= !fe_write(v, "state", XenbusStateConnected);
    return ok;
}

static bool alloc_port(evtchn_port_t *p)
{
    if (ev_alloc_unbound(DOMID_SELF, 0, p))
        return false;
    ev_mask(*p);
    return true;
}

TEST(netfront_connects)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                    .idx = 0, .gpfn = (uintptr_t)gnt_frame >> PAGE_SHIFT };
    unsigned nq = 0;

    shinfo_map();
    REQUIRE(EXPECT_TRUE(xenbus_init()));
    REQUIRE(EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0));
    for (int i = 0; i < NVIF; i++) {
        struct vif *v = &vifs[i];
        uint64_t maxq = 0;
        char p[128];

        snprintf(v->fe, sizeof(v->fe), "device/vif/%d", i);
        snprintf(p, sizeof(p), "%s/backend", v->fe);
        REQUIRE(EXPECT_TRUE(xenbus_read(XBT_NIL, p, v->be, sizeof(v->be)) > 0));
        snprintf(p, sizeof(p), "%s/mac", v->fe);
        REQUIRE(EXPECT_TRUE(xenbus_read(XBT_NIL, p, buf, sizeof(buf)) == 17));
        REQUIRE(EXPECT_TRUE(parse_mac(buf, v->mac)));
        /* The backend published its features and waits for us. */
        REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateInitWait, 20)));
        snprintf(p, sizeof(p), "%s/feature-rx-copy", v->be);
        EXPECT_EQ(xenbus_read(XBT_NIL, p, buf, sizeof(buf)), 1);
        snprintf(p, sizeof(p), "%s/feature-gso-tcpv4", v->be);
        EXPECT_EQ(xenbus_read(XBT_NIL, p, buf, sizeof(buf)), 1);
        snprintf(p, sizeof(p), "%s/feature-split-event-channels", v->be);
        EXPECT_EQ(xenbus_read(XBT_NIL, p, buf, sizeof(buf)), 1);
        snprintf(p, sizeof(p), "%s/multi-queue-max-queues", v->be);
        EXPECT_EQ(xenbus_read_u64(XBT_NIL, p, &maxq), 0);
        /* vif 0: one queue, one event channel; vif 1: two queues (when
         * offered) with split channels. */
        v->nq = i == 1 && maxq >= 2 ? 2 : 1;
        v->split = i == 1;
        for (unsigned k = 0; k < v->nq; k++) {
            struct queue *q = v->q[k] = &queues[nq];

            q->idx = nq++;
            q->tx_ref = grant(rings[q->idx][0], false);
            q->rx_ref = grant(rings[q->idx][1], false);
            q->txbuf_ref = grant(txbuf[q->idx][0], true);
            for (int b = 1; b < TXBUFS; b++)
                grant(txbuf[q->idx][b], true);
            q->rxbuf_ref = grant(rxbuf[q->idx][0], false);
            for (int b = 1; b < RXBUFS; b++)
                grant(rxbuf[q->idx][b], false);
            REQUIRE(EXPECT_TRUE(alloc_port(&q->ptx)));
            q->prx = q->ptx;
            if (v->split)
                REQUIRE(EXPECT_TRUE(alloc_port(&q->prx)));
        }
        EXPECT_TRUE(talk_to_netback(v));
    }
    for (int i = 0; i < NVIF; i++) {
        vifs[i].connected = EXPECT_TRUE(wait_state(vifs[i].be, XenbusStateConnected, 20));
        printf("netfront: vif %d connected: mac %02x:%02x:%02x:%02x:%02x:%02x, %u queue(s)%s\n",
               i, vifs[i].mac[0], vifs[i].mac[1], vifs[i].mac[2], vifs[i].mac[3],
               vifs[i].mac[4], vifs[i].mac[5], vifs[i].nq,
               vifs[i].split ? ", split event channels" : "");
    }
}

TEST(netfront_one_slot)
{
    REQUIRE(vifs[0].connected);
    EXPECT_TRUE(exchange(&vifs[0], 0, 60, 0, NULL));
    EXPECT_TRUE(exchange(&vifs[0], 0, 1514, 2000, NULL));
}

TEST(netfront_scatter_gather)
{
    struct rx_meta m;

    REQUIRE(vifs[0].connected);
    /* 2 and 3 tx slots; the echo comes back over as many rx buffers. */
    EXPECT_TRUE(exchange(&vifs[0], 0, 3000, 3000, NULL));
    EXPECT_TRUE(exchange(&vifs[0], 0, 9000, 1000, &m));
    EXPECT_EQ(m.slots, 3);
}

TEST(netfront_multi_queue_split_channels)
{
    struct vif *v = &vifs[1];

    REQUIRE(v->connected);
    if (v->nq < 2) {
        test_skip("the backend offers one queue (one host CPU)");
        return;
    }
    /* Frames sent on either queue come back (on whichever queue the
     * host's tap chose). */
    EXPECT_TRUE(exchange(v, 0, 60, 0, NULL));
    EXPECT_TRUE(exchange(v, 1, 60, 0, NULL));
    EXPECT_TRUE(exchange(v, 1, 5000, 100, NULL));
}

/* A TCP/IPv4 frame 10.0.0.2:1234 -> 10.0.0.1:9 of LEN bytes whose TCP
 * checksum field holds the pseudo-header sum (what csum_blank means). */
static void tcp_frame(struct vif *v, size_t len)
{
    uint32_t sum = 0;
    size_t l4 = len - 34;

    eth(v, 0x0800);
    memset(frame + 14, 0, 40);
    frame[14] = 0x45;
    frame[16] = (uint8_t)((len - 14) >> 8), frame[17] = (uint8_t)(len - 14);
    frame[22] = 64, frame[23] = 6;
    memcpy(frame + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
    frame[34] = 0x04, frame[35] = 0xd2, frame[37] = 9;
    frame[46] = 0x50, frame[47] = 0x18;
    frame[48] = 0xff;
    for (size_t i = 54; i < len; i++)
        frame[i] = (uint8_t)(i * 13);
    for (int i = 26; i < 34; i += 2)
        sum += (uint32_t)(frame[i] << 8 | frame[i + 1]);
    sum += 6 + (uint32_t)l4;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    frame[50] = (uint8_t)(sum >> 8), frame[51] = (uint8_t)sum;
    /* The IPv4 header checksum. */
    sum = 0;
    for (int i = 14; i < 34; i += 2)
        sum += (uint32_t)(frame[i] << 8 | frame[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    frame[24] = (uint8_t)(~sum >> 8), frame[25] = (uint8_t)~sum;
}

TEST(netfront_gso_both_ways)
{
    struct vif *v = &vifs[0];
    struct rx_meta m;
    bool seen = false;

    REQUIRE(v->connected);
    tcp_frame(v, 20000);
    send(v->q[0], 20000, 0, NETTXF_csum_blank | NETTXF_data_validated, 1448);
    /* 5 data slots and the extra. */
    REQUIRE(EXPECT_EQ(tx_done(v->q[0], 10), 6));
    for (int tries = 0; tries < 64 && !seen; tries++) {
        REQUIRE(EXPECT_TRUE(receive(v, &m, 10)));
        seen = got[12] == 0x08 && got[13] == 0 && m.len == 20000;
    }
    REQUIRE(EXPECT_TRUE(seen));
    /* The peer sent it back as one GSO frame, checksum partial. */
    EXPECT_TRUE(m.gso);
    EXPECT_EQ(m.gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
    EXPECT_EQ(m.gso_size, 1448);
    EXPECT_TRUE(m.flags & NETRXF_csum_blank);
    EXPECT_TRUE(!memcmp(got, v->mac, 6) && !memcmp(got + 14, frame + 14, 20000 - 14));
}

TEST(netfront_bad_request_disables_only_that_vif)
{
    struct queue *q = vifs[0].q[0];
    int notify;

    REQUIRE(vifs[0].connected && vifs[1].connected);
    /* Data that would cross the end of its page: xen-netback's "Cross
     * page boundary" fatal error. */
    put_req(q, 0, 4000, 0, 200);
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
    ev_send(q->ptx);
    (void)notify;
    EXPECT_EQ(tx_done(q, 2), 0);
    /* A good frame after it is not served either: the vif is off. */
    test_frame(&vifs[0], 60);
    send(q, 60, 0, 0, 0);
    EXPECT_EQ(tx_done(q, 2), 0);
    /* The other vif goes on. */
    EXPECT_TRUE(exchange(&vifs[1], 0, 60, 0, NULL));
    EXPECT_TRUE(exchange(&vifs[1], 0, 5000, 100, NULL));
}

TEST(netfront_reconnects_after_reset)
{
    struct vif *v = &vifs[0];

    REQUIRE(v->connected);
    /* A frontend reset (a rebooted or kexec'd guest): Closing, Closed,
     * then Initialising again; the backend follows to InitWait and
     * serves the new rings, the disabled vif included. */
    EXPECT_EQ(fe_write(v, "state", XenbusStateClosing), 0);
    REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateClosing, 20)));
    EXPECT_EQ(fe_write(v, "state", XenbusStateClosed), 0);
    REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateClosed, 20)));
    EXPECT_EQ(fe_write(v, "state", XenbusStateInitialising), 0);
    REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateInitWait, 20)));
    REQUIRE(EXPECT_TRUE(talk_to_netback(v)));
    REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateConnected, 20)));
    /* The tap's carrier came back with the connection; the host's bridge
     * makes its port forward again when Linux's link watch runs, up to a
     * second later, and drops a frame sent before that, as on a Xen dom0.
     * One more try, as a network stack would retransmit. */
    bool first = exchange(v, 0, 60, 0, NULL) || exchange(v, 0, 60, 0, NULL);
    EXPECT_TRUE(first);
    EXPECT_TRUE(exchange(v, 0, 3000, 2000, NULL));
}

TEST(netfront_closes_on_detach)
{
    struct vif *v = &vifs[1];

    REQUIRE(v->connected);
    printf("netfront: waiting for detach\n");
    /* network-detach: the backend goes Closing; netfront closes. */
    REQUIRE(EXPECT_TRUE(wait_state(v->be, XenbusStateClosing, 60)));
    EXPECT_EQ(fe_write(v, "state", XenbusStateClosing), 0);
    EXPECT_EQ(fe_write(v, "state", XenbusStateClosed), 0);
    EXPECT_TRUE(wait_state(v->be, XenbusStateClosed, 20) || read_state(v->be) < 0);
    printf("netfront: vif 1 closed\n");
}

/* ---- saverestore: frames across xl save / restore / migrate ------------ */

#define SR_POLL_EVERY 4
#define SR_TRIES 3

/* data/finish says "done" (its watch fired). */
static bool sr_finish(void)
{
    struct xenbus_event ev;
    bool done = false;

    while (xenbus_next_event(&ev, 0) == 0)
        if (!strcmp(ev.token, "fin") &&
            xenbus_read(XBT_NIL, "data/finish", buf, sizeof(buf)) > 0 && !strcmp(buf, "done"))
            done = true;
    return done;
}

/* Connect as the cases do, then exchange frames with the peer on vif 0
 * (a frame out, its echo back, round after round, the vif neither
 * reconnected nor reset) until data/finish says "done". */
static void saverestore_main(void)
{
    struct vif *v = &vifs[0];
    unsigned round, failures = 0, ok = 0;

    test_netfront_connects();
    if (!v->connected) {
        printf("netfront-sr: vif 0 did not connect: FAIL\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    xenbus_watch("data/finish", "fin");
    for (round = 0;; round++) {
        bool good = false;

        /* A frame the bridge dropped (a port that just came up) is sent
         * again, as a stack would retransmit. */
        for (int t = 0; t < SR_TRIES && !good; t++)
            good = exchange(v, 0, 60 + round % 1400, 0, NULL);
        if (good)
            ok++;
        else if (failures++ < 8)
            printf("netfront-sr: FAIL: round %u: no echo\n", round);
        if (round == 4)
            printf("netfront-sr: ready%s\n", failures ? " (with failures)" : "");
        if (round % 8 == 7)
            printf("netfront-sr: round %u, %u echoed\n", round, ok);
        if (round % SR_POLL_EVERY == 0 && sr_finish())
            break;
    }
    printf("netfront-sr: %u rounds, %u echoed, %s\n", round, ok, failures ? "FAIL" : "PASS");
    guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- spoof: IPv4 frames from an allowed and a forged source ------------ */

#define SPOOF_FRAMES 4

/* An IPv4/UDP frame from SRC (host order) to 10.7.0.1, port 9, into
 * FRAME; its length. */
static size_t ipv4_frame(struct vif *v, uint32_t src)
{
    static const uint8_t hdr[20] = { 0x45, 0, 0, 48, 0, 0, 0x40, 0, 64, 17 };
    uint32_t dst = 0x0a070001;

    eth(v, 0x0800);
    memcpy(frame + 14, hdr, sizeof(hdr));
    for (int i = 0; i < 4; i++) {
        frame[26 + i] = (uint8_t)(src >> (24 - 8 * i));
        frame[30 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    /* UDP 40000 -> 9, length 28, no checksum, 20 bytes of payload. */
    frame[34] = 40000 >> 8, frame[35] = 40000 & 0xff;
    frame[36] = 0, frame[37] = 9;
    frame[38] = 0, frame[39] = 28;
    frame[40] = frame[41] = 0;
    memset(frame + 42, 0x5a, 20);
    return 62;
}

/* ip= anti-spoofing (tests/cli/xl_save_vif.sh): SPOOF_FRAMES frames from
 * 10.7.0.9 (the vif's ip=) and as many from 10.7.0.66; the host counts
 * what its filter let through and dropped.  Then wait for data/finish. */
static void spoof_main(void)
{
    struct vif *v = &vifs[0];
    uint32_t srcs[2] = { 0x0a070009, 0x0a070042 };
    unsigned sent = 0;

    test_netfront_connects();
    if (!v->connected) {
        printf("netfront-spoof: vif 0 did not connect: FAIL\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    xenbus_watch("data/finish", "fin");
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < SPOOF_FRAMES; i++) {
            size_t len = ipv4_frame(v, srcs[k]);
            send(v->q[0], len, 0, 0, 0);
            sent += tx_done(v->q[0], 10) > 0;
        }
    printf("netfront-spoof: sent %u frames\n", sent);
    while (!sr_finish())
        delay_us(100000);
    guest_shutdown(SHUTDOWN_poweroff);
}

void guest_main(void)
{
    printf("netfront: domid %u\n", xen.domid);
    if (cmdline_has("saverestore"))
        saverestore_main();
    if (cmdline_has("spoof"))
        spoof_main();
    run_tests();
}
