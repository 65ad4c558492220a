/* netback's rings (netback/netif.c) against a host-side netfront
 * (nf_fixture.h): both directions, scatter-gather, GSO, checksum offload,
 * rate credit, and every bad tx input xen-netback rejects, with what it
 * does about it (error responses for a dropped packet, the vif disabled
 * for a fatal one, never another queue). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

#include "check.h"
#include "log.h"
#include "nf_fixture.h"
#include "netback/antispoof.h"
#include "netback/pkt.h"

static struct nf nf, nf2;
static struct nb_tx_frame frame;
static uint8_t buf[NB_MAX_FRAME];

static void setup(void)
{
    nf_fini(&nf);
    if (nf_init(&nf, "test vif queue 0")) {
        printf("fixture failed\n");
        exit(1);
    }
}

/* Every response the frontend has: statuses into ST, their number. */
static int tx_statuses(int16_t *st, int max)
{
    netif_tx_response_t *r;
    int n = 0;

    while ((r = nf_tx_rsp(&nf)) && n < max)
        st[n++] = r->status;
    return n;
}

static void test_tx_single(void)
{
    int16_t st[4];

    setup();
    nf_tcp_frame(buf, 60, 0);
    nf_send(&nf, buf, 60, 100, 0, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.len, 60);
    CHECK(!memcmp(frame.data, buf, 60));
    CHECK_EQ(frame.vh.flags, 0);
    CHECK_EQ(frame.vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
    CHECK(nb_tx_push(&nf.q));
    CHECK_EQ(tx_statuses(st, 4), 1);
    CHECK_EQ(st[0], NETIF_RSP_OKAY);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_EMPTY);
    /* The event is armed for the next request. */
    CHECK_EQ(nf.tx.sring->req_event, nf.tx.req_prod_pvt + 1);
}

static void test_tx_sg(void)
{
    int16_t st[8];
    unsigned slots;

    setup();
    nf_tcp_frame(buf, 9000, 0);
    slots = nf_send(&nf, buf, 9000, 2000, NETTXF_data_validated, 0, 0);
    CHECK_EQ(slots, 3);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.len, 9000);
    CHECK(!memcmp(frame.data, buf, 9000));
    CHECK_EQ(frame.vh.flags, VIRTIO_NET_HDR_F_DATA_VALID);
    nb_tx_push(&nf.q);
    CHECK_EQ(tx_statuses(st, 8), 3);
    CHECK(st[0] == NETIF_RSP_OKAY && st[1] == NETIF_RSP_OKAY && st[2] == NETIF_RSP_OKAY);
    CHECK_EQ(nf.q.st.tx_frames, 1);
    CHECK_EQ(nf.q.st.tx_bytes, 9000);
}

static void test_tx_gso_csum(void)
{
    int16_t st[32];

    setup();
    nf_tcp_frame(buf, 30000, 0);
    nf_send(&nf, buf, 30000, 0, NETTXF_csum_blank | NETTXF_data_validated, 1448,
            XEN_NETIF_GSO_TYPE_TCPV4);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.len, 30000);
    CHECK(!memcmp(frame.data, buf, 30000));
    CHECK_EQ(frame.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(frame.vh.csum_start, 34);
    CHECK_EQ(frame.vh.csum_offset, 16);
    CHECK_EQ(frame.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    CHECK_EQ(frame.vh.gso_size, 1448);
    CHECK_EQ(frame.vh.hdr_len, 54);
    nb_tx_push(&nf.q);
    /* 8 data slots and the extra's NULL right after the first. */
    CHECK_EQ(tx_statuses(st, 32), 9);
    CHECK_EQ(st[0], NETIF_RSP_OKAY);
    CHECK_EQ(st[1], NETIF_RSP_NULL);
    CHECK_EQ(st[8], NETIF_RSP_OKAY);
}

static void test_tx_gso_v6_pseudo_csum(void)
{
    struct pkt_l4 l4;
    uint8_t want[2];

    setup();
    nf_tcp_frame(buf, 5000, 1);
    /* No csum_blank: the pseudo-header sum is put in by netback. */
    nf_send(&nf, buf, 5000, 0, 0, 1428, XEN_NETIF_GSO_TYPE_TCPV6);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
    CHECK_EQ(frame.vh.csum_start, 54);
    CHECK_EQ(frame.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(pkt_find_l4(buf, 5000, &l4), 0);
    pkt_set_pseudo_csum(buf, 5000, &l4);
    memcpy(want, buf + 54 + 16, 2);
    CHECK(!memcmp(frame.data + 54 + 16, want, 2));
    CHECK(want[0] || want[1]);
}

/* csum_blank past an 802.1Q tag, and past an IPv6 hop-by-hop header,
 * to UDP: the offsets Linux's skb_checksum_setup finds. */
static void test_tx_csum_vlan_and_ipv6_ext(void)
{
    struct pkt_l4 l4;

    setup();
    /* 802.1Q: 4 bytes between the MACs and the IPv4 ethertype. */
    nf_tcp_frame(buf + 4, 200, 0);
    memmove(buf, buf + 4, 12);
    buf[12] = 0x81, buf[13] = 0x00, buf[14] = 0, buf[15] = 5;
    buf[16] = 0x08, buf[17] = 0x00;
    nf_send(&nf, buf, 204, 0, NETTXF_csum_blank, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(frame.vh.csum_start, 38);
    CHECK_EQ(frame.vh.csum_offset, 16);
    /* IPv6, a hop-by-hop header of 8 bytes, then UDP. */
    memset(buf, 0, 200);
    buf[12] = 0x86, buf[13] = 0xdd;
    buf[14] = 0x60;
    buf[14 + 6] = 0;                    /* next: hop-by-hop */
    buf[54] = 17;                       /* its next: UDP */
    buf[55] = 0;                        /* 8 bytes */
    CHECK_EQ(pkt_find_l4(buf, 200, &l4), 0);
    CHECK_EQ(l4.csum_start, 62);
    CHECK_EQ(l4.csum_offset, 6);
    CHECK_EQ(l4.proto, IPPROTO_UDP);
    nf_send(&nf, buf, 200, 0, NETTXF_csum_blank, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(frame.vh.csum_start, 62);
    CHECK_EQ(frame.vh.csum_offset, 6);
    /* An IPv4 fragment has no L4 header to offload: dropped. */
    nf_tcp_frame(buf, 200, 0);
    buf[14 + 6] = 0x20;                 /* more fragments */
    nf_send(&nf, buf, 200, 0, NETTXF_csum_blank, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_DROPPED);
    CHECK(!nf.q.fatal);
}

static void test_tx_csum_blank_not_ip(void)
{
    int16_t st[4];

    setup();
    memset(buf, 0, 100);
    buf[12] = 0x08, buf[13] = 0x06;     /* ARP cannot carry csum_blank */
    nf_send(&nf, buf, 100, 0, NETTXF_csum_blank, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_DROPPED);
    CHECK(!nf.q.fatal);
    nb_tx_push(&nf.q);
    /* Copied, so answered OKAY, then dropped as Linux's checksum_setup does. */
    CHECK_EQ(tx_statuses(st, 4), 1);
    CHECK_EQ(st[0], NETIF_RSP_OKAY);
    CHECK_EQ(nf.q.st.tx_dropped, 1);
}

/* A packet of N slots (the first carrying all of SIZE, each more 100). */
static void send_slots(unsigned n, uint16_t size)
{
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, n > 1 ? NETTXF_more_data : 0, 0, size);
    for (unsigned i = 1; i < n; i++)
        nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN + i % NF_BUFS), 0,
                  i + 1 < n ? NETTXF_more_data : 0, (uint16_t)i, 100);
    nf_tx_push(&nf);
}

static void test_tx_too_many_slots_dropped(void)
{
    int16_t st[32];
    int n;

    setup();
    /* The first and 19 more: over XEN_NETBK_LEGACY_SLOTS_MAX (18 more),
     * under the fatal 20 more. */
    send_slots(20, 3000);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_DROPPED);
    CHECK(!nf.q.fatal);
    nb_tx_push(&nf.q);
    n = tx_statuses(st, 32);
    CHECK_EQ(n, 20);
    for (int i = 0; i < n; i++)
        CHECK_EQ(st[i], NETIF_RSP_ERROR);
    /* The queue goes on. */
    nf_tcp_frame(buf, 80, 0);
    nf_send(&nf, buf, 80, 0, 0, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
}

static void test_tx_malicious_slots_fatal(void)
{
    setup();
    send_slots(22, 4000);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
    CHECK(nf.q.fatal);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_slot_bigger_than_packet_dropped(void)
{
    int16_t st[4];

    setup();
    send_slots(3, 150);         /* 100 + 100 > 150 */
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_DROPPED);
    CHECK(!nf.q.fatal);
    nb_tx_push(&nf.q);
    CHECK_EQ(tx_statuses(st, 4), 3);
    CHECK(st[0] == NETIF_RSP_ERROR && st[2] == NETIF_RSP_ERROR);
}

static void test_tx_short_frame_dropped(void)
{
    int16_t st[4];

    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, 0, 7, 10);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_DROPPED);
    nb_tx_push(&nf.q);
    CHECK_EQ(tx_statuses(st, 4), 1);
    CHECK_EQ(st[0], NETIF_RSP_ERROR);
    CHECK(!nf.q.fatal);
}

static void test_tx_first_crosses_page_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 4000, 0, 0, 200);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_frag_crosses_page_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, NETTXF_more_data, 0, 1000);
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN + 1), 4090, 0, 1, 100);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
    /* Nothing was answered: the vif is off. */
    CHECK(!nb_tx_push(&nf.q) || nf.tx.sring->rsp_prod == 0);
    CHECK_EQ(nf.tx.sring->rsp_prod, 0);
}

static void test_tx_chain_past_posted_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, NETTXF_more_data, 0, 1000);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_impossible_prod_fatal(void)
{
    setup();
    nf.tx.sring->req_prod = NB_TX_RING_SIZE + 5;
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_missing_extra_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, NETTXF_extra_info, 0, 100);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_bad_extra_type_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, NETTXF_extra_info, 0, 100);
    nf_tx_extra(&nf, XEN_NETIF_EXTRA_TYPE_MAX, 0, 0, 0);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_gso_zero_size_fatal(void)
{
    setup();
    nf_tx_req(&nf, NF_REF(NF_TX_BUF_GFN), 0, NETTXF_extra_info, 0, 100);
    nf_tx_extra(&nf, XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_gso_bad_type_fatal(void)
{
    setup();
    nf_tcp_frame(buf, 3000, 0);
    nf_send(&nf, buf, 3000, 0, NETTXF_csum_blank, 1448, 7);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
}

static void test_tx_bad_grant_fatal_other_queue_unaffected(void)
{
    setup();
    nf_fini(&nf2);
    CHECK_EQ(nf_init(&nf2, "other vif queue 0"), 0);
    nf_tcp_frame(buf, 200, 0);
    /* A reference past the table, then one not granted to domain 0. */
    nf_tx_req(&nf, 100000, 0, 0, 0, 200);
    nf_tx_push(&nf);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
    setup();
    nf_grant(&nf, NF_REF(NF_TX_BUF_GFN), NF_TX_BUF_GFN, 0);
    nf_send(&nf, buf, 200, 0, 0, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FATAL);
    CHECK(nf.q.fatal);
    nf_send(&nf2, buf, 200, 0, 0, 0, 0);
    CHECK_EQ(nb_tx_next(&nf2.q, &frame, 1000), NB_TX_FRAME);
    CHECK(!memcmp(frame.data, buf, 200));
}

static void test_tx_rate_credit(void)
{
    setup();
    nf_fini(&nf);
    nf_init(&nf, "rated");
    /* As vif.c sets them before mapping: the full credit to start with. */
    nf.q.credit_bytes = 1000;
    nf.q.credit_usec = 50000;
    nf.q.remaining_credit = 1000;
    nf_tcp_frame(buf, 600, 0);
    nf_send(&nf, buf, 600, 0, 0, 0, 0);
    nf_send(&nf, buf, 600, 0, 0, 0, 0);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000), NB_TX_FRAME);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 2000), NB_TX_THROTTLED);
    CHECK_EQ(nf.q.credit_due_ns, 1000 + 50000 * 1000);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000 + 50000 * 1000 - 1), NB_TX_THROTTLED);
    CHECK_EQ(nb_tx_next(&nf.q, &frame, 1000 + 50000 * 1000), NB_TX_FRAME);
    /* The new window's credit: 400 left + 1000, less the 600 sent. */
    CHECK_EQ(nf.q.remaining_credit, 800);
    CHECK_EQ(nf.q.st.tx_throttled, 2);
}

static void test_rx_single(void)
{
    netif_rx_response_t *r;

    setup();
    struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
    nf_rx_post(&nf, 4);
    nf_tcp_frame(buf, 100, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 100, &vh), NB_RX_DONE);
    CHECK(nb_rx_push(&nf.q));
    r = nf_rx_rsp(&nf);
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_EQ(r->status, 100);
    CHECK_EQ(r->flags, NETRXF_data_validated);
    CHECK_EQ(r->offset, 0);
    CHECK(!memcmp(nf_rx_page(&nf, r->id), buf, 100));
    CHECK(nf_rx_rsp(&nf) == NULL);
}

static void test_rx_sg(void)
{
    struct virtio_net_hdr vh = { 0 };
    uint8_t got[9000];
    size_t off = 0;
    netif_rx_response_t *r;
    int n = 0;

    setup();
    nf_rx_post(&nf, 8);
    nf_tcp_frame(buf, 9000, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 9000, &vh), NB_RX_DONE);
    nb_rx_push(&nf.q);
    while ((r = nf_rx_rsp(&nf))) {
        CHECK(r->status > 0 && off + (size_t)r->status <= sizeof(got));
        if (r->status <= 0 || off + (size_t)r->status > sizeof(got))
            break;
        memcpy(got + off, nf_rx_page(&nf, r->id), (size_t)r->status);
        off += (size_t)r->status;
        CHECK_EQ(!!(r->flags & NETRXF_more_data), off < 9000);
        n++;
    }
    CHECK_EQ(n, 3);
    CHECK_EQ(off, 9000);
    CHECK(!memcmp(got, buf, 9000));
}

static void test_rx_no_sg_dropped(void)
{
    struct virtio_net_hdr vh = { 0 };

    setup();
    nf.q.fe.sg = false;
    nf_rx_post(&nf, 8);
    nf_tcp_frame(buf, 9000, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 9000, &vh), NB_RX_DROPPED);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 1500, &vh), NB_RX_DONE);
}

static void test_rx_gso(void)
{
    struct virtio_net_hdr vh = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .gso_size = 1448, .hdr_len = 54, .csum_start = 34, .csum_offset = 16,
    };
    netif_rx_response_t *r;
    struct netif_extra_info *e;

    setup();
    nf_rx_post(&nf, 20);
    nf_tcp_frame(buf, 20000, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 20000, &vh), NB_RX_DONE);
    nb_rx_push(&nf.q);
    r = nf_rx_rsp(&nf);
    CHECK(r && r->flags == (NETRXF_csum_blank | NETRXF_data_validated |
                            NETRXF_extra_info | NETRXF_more_data));
    CHECK(r && r->status == 4096);
    e = (struct netif_extra_info *)nf_rx_rsp(&nf);
    CHECK(e && e->type == XEN_NETIF_EXTRA_TYPE_GSO);
    CHECK(e && e->u.gso.size == 1448 && e->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4);
    /* 5 data slots in all and the extra. */
    CHECK_EQ(nf.rx.sring->rsp_prod, 6);
    /* A frontend without GSO gets no GSO frame. */
    nf.q.fe.gso4 = false;
    CHECK_EQ(nb_rx_put(&nf.q, buf, 20000, &vh), NB_RX_DROPPED);
}

/* The checksum of a TCP/IPv4 or v6 frame verifies (0xffff folded). */
static int tcp_csum_ok(const uint8_t *f, size_t len)
{
    struct pkt_l4 l4;
    uint32_t sum;
    size_t l4len;

    if (pkt_find_l4(f, len, &l4))
        return 0;
    l4len = len - l4.csum_start;
    sum = l4.ipv6 ? pkt_csum_add(0, f + l4.l3_off + 8, 32) : pkt_csum_add(0, f + l4.l3_off + 12, 8);
    sum += 6 + (uint32_t)l4len;
    sum = pkt_csum_add(sum, f + l4.csum_start, l4len);
    return pkt_csum_fold(sum) == 0xffff;
}

static void test_rx_csum_finished_without_offload(void)
{
    struct virtio_net_hdr vh = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 54, .csum_offset = 16,
    };
    struct pkt_l4 l4;
    netif_rx_response_t *r;

    setup();
    nf.q.fe.ipv6_csum = false;          /* IPv4 offload only */
    nf_rx_post(&nf, 4);
    nf_tcp_frame(buf, 1000, 1);
    pkt_find_l4(buf, 1000, &l4);
    pkt_set_pseudo_csum(buf, 1000, &l4);
    CHECK(!tcp_csum_ok(buf, 1000));
    CHECK_EQ(nb_rx_put(&nf.q, buf, 1000, &vh), NB_RX_DONE);
    nb_rx_push(&nf.q);
    r = nf_rx_rsp(&nf);
    CHECK(r && r->flags == 0 && r->status == 1000);
    CHECK(r && tcp_csum_ok(nf_rx_page(&nf, r->id), 1000));
    CHECK_EQ(nf.q.st.rx_csum_done, 1);
    /* Bounds from the host are checked too. */
    vh.csum_start = 999;
    CHECK_EQ(nb_rx_put(&nf.q, buf, 1000, &vh), NB_RX_DROPPED);
}

static void test_rx_waits_for_buffers(void)
{
    struct virtio_net_hdr vh = { 0 };

    setup();
    nf_rx_post(&nf, 1);
    nf_tcp_frame(buf, 9000, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 9000, &vh), NB_RX_NO_ROOM);
    CHECK_EQ(nf.rx.sring->req_event, nf.rx.sring->req_prod + 1);
    CHECK_EQ(nf.rx.sring->rsp_prod, 0);
    nf_rx_post(&nf, 2);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 9000, &vh), NB_RX_DONE);
}

static void test_rx_bad_grant_is_an_error_slot(void)
{
    struct virtio_net_hdr vh = { 0 };
    netif_rx_response_t *r;

    setup();
    nf_rx_post(&nf, 2);
    /* The first buffer is read-only to us. */
    nf_grant(&nf, NF_REF(NF_RX_BUF_GFN), NF_RX_BUF_GFN, GTF_permit_access | GTF_readonly);
    nf_tcp_frame(buf, 100, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 100, &vh), NB_RX_DONE);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 100, &vh), NB_RX_DONE);
    nb_rx_push(&nf.q);
    r = nf_rx_rsp(&nf);
    CHECK(r && r->status == NETIF_RSP_ERROR);
    r = nf_rx_rsp(&nf);
    CHECK(r && r->status == 100);
    CHECK(!nf.q.fatal);
}

static void test_rx_impossible_prod_fatal(void)
{
    struct virtio_net_hdr vh = { 0 };

    setup();
    nf.rx.sring->req_prod = NB_RX_RING_SIZE + 1;
    nf_tcp_frame(buf, 100, 0);
    CHECK_EQ(nb_rx_put(&nf.q, buf, 100, &vh), NB_RX_FATAL);
}

static void test_both_directions_interleaved(void)
{
    struct virtio_net_hdr vh = { 0 };
    int ok = 1;

    setup();
    for (int i = 0; i < 1000 && ok; i++) {
        size_t len = 60 + (size_t)(i * 37) % 3000;

        nf_tcp_frame(buf, len, i & 1);
        buf[60 % len] = (uint8_t)i;
        nf_send(&nf, buf, len, (unsigned)(i * 13) % 2048, 0, 0, 0);
        ok &= nb_tx_next(&nf.q, &frame, 1000) == NB_TX_FRAME && frame.len == len &&
              !memcmp(frame.data, buf, len);
        nb_tx_push(&nf.q);
        while (nf_tx_rsp(&nf))
            ;
        nf_rx_post(&nf, 1);
        ok &= nb_rx_put(&nf.q, frame.data, frame.len, &vh) == NB_RX_DONE;
        nb_rx_push(&nf.q);
        netif_rx_response_t *r = nf_rx_rsp(&nf);
        ok &= r && r->status == (int16_t)len && !memcmp(nf_rx_page(&nf, r->id), buf, len);
        if (!ok)
            printf("round %d, len %zu\n", i, len);
    }
    CHECK(ok);
}

/* ip= anti-spoofing (netback/antispoof.h): the nftables script. */
static void test_antispoof_script(void)
{
    char out[2048], table[64];

    CHECK_EQ(antispoof_script("vif3.0", "10.7.0.9 10.8.0.0/16", out, sizeof(out)), 0);
    antispoof_table("vif3.0", table, sizeof(table));
    CHECK(!strcmp(table, "xenkvm_vif3_0"));
    CHECK(strstr(out, "table netdev xenkvm_vif3_0 {") != NULL);
    CHECK(strstr(out, "hook ingress device \"vif3.0\"") != NULL);
    CHECK(strstr(out, "ip saddr { 10.7.0.9, 10.8.0.0/16 } counter accept") != NULL);
    CHECK(strstr(out, "udp sport 68 udp dport 67 counter accept") != NULL);
    CHECK(strstr(out, "meta protocol ip counter drop") != NULL);
    /* Applying again replaces: the old table is deleted first. */
    CHECK(strstr(out, "delete table netdev xenkvm_vif3_0") < strstr(out, "{"));
    CHECK_EQ(antispoof_script("vif3.0", "1.2.3.4,5.6.7.8", out, sizeof(out)), 0);
    CHECK(strstr(out, "{ 1.2.3.4, 5.6.7.8 }") != NULL);
}

static void test_antispoof_refuses_bad_entries(void)
{
    char out[2048];
    static const char *const bad[] = {
        "", "   ", "10.0.0.300", "10.0.0.1/33", "10.0.0.1/", "fe80::1", "host.example",
        "10.0.0.1; flush ruleset", "10.0.0.1 }", "10.0.0.0/-1",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ(antispoof_script("vif3.0", bad[i], out, sizeof(out)), -EINVAL);
    CHECK_EQ(antispoof_script("vif\"x", "10.0.0.1", out, sizeof(out)), -EINVAL);
    CHECK_EQ(antispoof_script("averyveryverylongname", "10.0.0.1", out, sizeof(out)), -EINVAL);
    CHECK_EQ(antispoof_script("vif3.0", "10.0.0.1", out, 40), -ENAMETOOLONG);
}

int main(void)
{
    log_set_prog("test_netback");
    if (nf_init(&nf, "test vif queue 0") || nf_init(&nf2, "other vif queue 0")) {
        printf("FAIL: fixture\n");
        return 1;
    }
    RUN(test_tx_single);
    RUN(test_tx_sg);
    RUN(test_tx_gso_csum);
    RUN(test_tx_gso_v6_pseudo_csum);
    RUN(test_tx_csum_vlan_and_ipv6_ext);
    RUN(test_tx_csum_blank_not_ip);
    RUN(test_tx_too_many_slots_dropped);
    RUN(test_tx_malicious_slots_fatal);
    RUN(test_tx_slot_bigger_than_packet_dropped);
    RUN(test_tx_short_frame_dropped);
    RUN(test_tx_first_crosses_page_fatal);
    RUN(test_tx_frag_crosses_page_fatal);
    RUN(test_tx_chain_past_posted_fatal);
    RUN(test_tx_impossible_prod_fatal);
    RUN(test_tx_missing_extra_fatal);
    RUN(test_tx_bad_extra_type_fatal);
    RUN(test_tx_gso_zero_size_fatal);
    RUN(test_tx_gso_bad_type_fatal);
    RUN(test_tx_bad_grant_fatal_other_queue_unaffected);
    RUN(test_tx_rate_credit);
    RUN(test_rx_single);
    RUN(test_rx_sg);
    RUN(test_rx_no_sg_dropped);
    RUN(test_rx_gso);
    RUN(test_rx_csum_finished_without_offload);
    RUN(test_rx_waits_for_buffers);
    RUN(test_rx_bad_grant_is_an_error_slot);
    RUN(test_rx_impossible_prod_fatal);
    RUN(test_both_directions_interleaved);
    RUN(test_antispoof_script);
    RUN(test_antispoof_refuses_bad_entries);
    nf_fini(&nf);
    nf_fini(&nf2);
    return CHECK_DONE();
}
