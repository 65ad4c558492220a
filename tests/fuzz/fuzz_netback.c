/* libFuzzer harness for netback's ring code (netback/netif.c): the input
 * is what a frontend controls, the tx ring's request slots (grant refs,
 * offsets, flags, ids, sizes, extra-info slots), its req_prod, the bytes
 * of its buffers (the frames' headers), and an rx ring of posted buffers
 * with a host frame and virtio header for it.  Properties checked on
 * every input:
 *  - req_cons never passes req_prod; after a frame or a dropped packet
 *    every request taken has its response (rsp_prod_pvt == req_cons);
 *  - a frame is at least an Ethernet header and at most NB_MAX_FRAME, its
 *    checksum offsets inside it, GSO only with a partial checksum;
 *  - no grant is left held (GTF_reading/GTF_writing) afterwards;
 *  - on the rx side every buffer taken gets its response.
 * Built with clang -fsanitize=fuzzer,address,undefined
 * (tests/fuzz/netback.sh) and, replayed on pseudo-random inputs, by make
 * check (unit/test_netback_fuzz). */
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "nf_fixture.h"

static struct nf N;
static struct nb_tx_frame F;
static bool ready;
static uint8_t rxframe[NB_MAX_FRAME];

static int err_fd = 2;

static void fail(const char *why)
{
    dprintf(err_fd, "fuzz_netback: property violated: %s\n", why);
    abort();
}

static void no_grant_held(void)
{
    for (unsigned g = 0; g < NF_RAM_PAGES; g++) {
        struct gnt_entry_state st;

        if (g == NF_TX_RING_GFN || g == NF_RX_RING_GFN)
            continue;
        if (!gnt_entry_state(&N.view, NF_REF(g), &st) &&
            (st.flags & (GTF_reading | GTF_writing)))
            fail("a grant is still held");
    }
}

/* Take N bytes of input (zeroes past its end). */
static const uint8_t *take(const uint8_t **d, size_t *left, size_t n, uint8_t *tmp)
{
    size_t k = *left < n ? *left : n;

    memset(tmp, 0, n);
    memcpy(tmp, *d, k);
    *d += k;
    *left -= k;
    return tmp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hdr[4], slot[12], tmp[256];
    unsigned nreq, mode;
    RING_IDX prod;

    if (!ready) {
#ifdef NB_FUZZ_REPLAY
        /* netback's own messages (every fatal error) would drown the
         * test's log: they go nowhere, the harness's to the real stderr.
         * (libFuzzer does the same with -close_fd_mask=2.) */
        int null = open("/dev/null", O_WRONLY);

        err_fd = dup(2);
        if (null >= 0)
            dup2(null, 2);
#endif
        ready = true;
    } else {
        nf_fini(&N);
    }
    if (nf_init(&N, "fuzz"))
        abort();
    take(&data, &size, 4, hdr);
    mode = hdr[0];
    nreq = hdr[1];
    N.q.fe = (struct nb_fe_features){ .sg = mode & 1, .gso4 = mode & 2, .gso6 = mode & 4,
                                      .csum = mode & 8, .ipv6_csum = mode & 16 };
    if (mode & 32) {
        N.q.credit_bytes = 1u + hdr[2] * 64u;
        N.q.credit_usec = 1000;
    }
    /* A guest read-only or revoked grant now and then. */
    if (mode & 64)
        nf_grant(&N, NF_REF(NF_TX_BUF_GFN + hdr[3] % NF_BUFS), NF_TX_BUF_GFN, hdr[2] & 3);
    for (unsigned i = 0; i < nreq && i < NB_TX_RING_SIZE; i++) {
        netif_tx_request_t *r = RING_GET_REQUEST(&N.tx, i);

        take(&data, &size, sizeof(slot), slot);
        memcpy(r, slot, sizeof(*r));
        /* Mostly references of the test's buffer pages. */
        if (!(r->gref & 0x80000000u))
            r->gref = NF_REF(NF_TX_BUF_GFN + r->gref % NF_BUFS);
    }
    prod = nreq;
    if (mode & 128)
        prod += (RING_IDX)(hdr[2] << 8 | hdr[3]);
    /* The buffers' contents: frame headers. */
    take(&data, &size, 200, tmp);
    for (unsigned b = 0; b < NF_BUFS; b++)
        memcpy(nf_page(&N, NF_TX_BUF_GFN + b) + (b * 97) % 3800, tmp, 200);
    memcpy(nf_page(&N, NF_TX_BUF_GFN), tmp, 200);
    N.tx.sring->req_prod = prod;

    for (int round = 0; round < 300; round++) {
        enum nb_tx_result r = nb_tx_next(&N.q, &F, (uint64_t)round * 1000000u);

        if (N.q.tx.req_cons - 0 > prod && prod <= NB_TX_RING_SIZE)
            fail("req_cons passed req_prod");
        if ((r == NB_TX_FRAME || r == NB_TX_DROPPED) &&
            N.q.tx.rsp_prod_pvt != N.q.tx.req_cons)
            fail("a request taken without its response");
        if (r == NB_TX_FRAME) {
            if (F.len < 14 || F.len > NB_MAX_FRAME)
                fail("frame length");
            if ((F.vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
                (size_t)F.vh.csum_start + F.vh.csum_offset + 2 > F.len)
                fail("checksum offsets outside the frame");
            if (F.vh.gso_type && !(F.vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
                fail("GSO without a partial checksum");
        }
        if (r == NB_TX_EMPTY || r == NB_TX_FATAL || r == NB_TX_THROTTLED)
            break;
    }
    nb_tx_push(&N.q);
    no_grant_held();

    /* rx: posted buffers (ids, refs) and a host frame with its header. */
    {
        struct virtio_net_hdr vh;
        unsigned nrx = 0;
        size_t len;

        take(&data, &size, 4, hdr);
        nrx = hdr[0] % 24;
        len = ((size_t)hdr[1] << 8 | hdr[2]) % NB_MAX_FRAME + 1;
        for (unsigned i = 0; i < nrx; i++) {
            netif_rx_request_t *r = RING_GET_REQUEST(&N.rx, i);

            take(&data, &size, 2, tmp);
            r->id = (uint16_t)i;
            r->gref = tmp[0] & 0x80 ? 100000u + tmp[1]
                                    : NF_REF(NF_RX_BUF_GFN + tmp[1] % NF_BUFS);
        }
        N.rx.sring->req_prod = nrx + (hdr[3] & 0x80 ? hdr[3] * 3u : 0);
        memcpy(&vh, take(&data, &size, sizeof(vh), tmp), sizeof(vh));
        memset(rxframe, 0, len < 256 ? len : 256);
        memcpy(rxframe, take(&data, &size, 200, tmp), len < 200 ? len : 200);
        nb_rx_put(&N.q, rxframe, len, &vh);
        if (!N.q.fatal && N.q.rx.rsp_prod_pvt != N.q.rx.req_cons)
            fail("an rx buffer taken without its response");
        nb_rx_push(&N.q);
        no_grant_held();
    }
    return 0;
}
