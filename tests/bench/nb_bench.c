/* make bench: netback's data path against the host's own tap loop, in the
 * same run, in a network namespace of its own (unshare; root).  Two taps
 * on a bridge: frames written to tap A come out of tap B.
 *   tap loop (reference): write(tap A) ... read(tap B);
 *   netback: a host-side netfront (tests/unit/nf_fixture.h) posts tx
 *     requests for frames already in its granted pages, netback takes them
 *     (grant copy out, checks) and writes them to tap A; what tap B gives
 *     goes through netback onto the rx ring (grant copy into the posted
 *     buffers) and the frontend takes the responses and reposts.
 * Frames: 64 bytes (packets per second), 1514 bytes (throughput), a
 * 64 KiB TCP GSO frame (throughput; the bridge passes it whole), and one
 * 64-byte frame at a time (round-trip latency).  CPU per frame is this
 * process's user+system time (the bridge runs in it: tap writes deliver
 * in the writer's context).  Best of 5 interleaved rounds. */
#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "nf_fixture.h"
#include "netback/pkt.h"
#include "netback/tap.h"

#define ROUNDS 5
#define ROUND_NS 400000000.0    /* each measurement runs about this long */

static int tap_a, tap_b;
static struct nf N;
static uint8_t frame[NB_MAX_FRAME], rbuf[NB_MAX_FRAME];
static struct nb_tx_frame txf;

static double now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static double cpu_ns(void)
{
    struct rusage r;

    getrusage(RUSAGE_SELF, &r);
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e9 +
           (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e3;
}

static int if_ioctl(unsigned long req, const char *name, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0), rc;

    snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
    rc = ioctl(s, req, ifr);
    close(s);
    return rc;
}

static void make_frame(size_t len);

static int up(const char *name)
{
    struct ifreq ifr = { 0 };

    if (if_ioctl(SIOCGIFFLAGS, name, &ifr))
        return -1;
    ifr.ifr_flags |= IFF_UP;
    return if_ioctl(SIOCSIFFLAGS, name, &ifr);
}

static int setup(void)
{
    struct ifreq ifr = { 0 };
    int s;
    FILE *f;

    if (unshare(CLONE_NEWNET))
        return -errno;
    if ((f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w"))) {
        fputs("1", f);
        fclose(f);
    }
    s = socket(AF_INET, SOCK_DGRAM, 0);
    if (ioctl(s, SIOCBRADDBR, "nbbr") < 0)
        return -errno;
    close(s);
    tap_a = tap_open_queue("nbtapA");
    tap_b = tap_open_queue("nbtapB");
    if (tap_a < 0 || tap_b < 0)
        return tap_a < 0 ? tap_a : tap_b;
    /* tap B hands GSO frames over whole, as netback's taps do for a
     * frontend with GSO. */
    tap_set_offloads(tap_b, true, true, true);
    if (up("nbbr"))
        return -errno;
    for (const char *n = "nbtapA"; n; n = strcmp(n, "nbtapA") ? NULL : "nbtapB") {
        ifr.ifr_ifindex = (int)if_nametoindex(n);
        if (if_ioctl(SIOCBRADDIF, "nbbr", &ifr) || up(n))
            return -errno;
    }
    return 0;
}

/* Until the bridge forwards (its ports may start in learning): frames
 * written until one comes out, at most 20 s.  0 or -ETIMEDOUT. */
static int warm_up(void)
{
    struct virtio_net_hdr vh = { 0 }, rvh;
    struct iovec iov[2] = { { &vh, sizeof(vh) }, { frame, 60 } };
    double t0 = now_ns();

    make_frame(60);
    while (now_ns() - t0 < 20e9) {
        struct iovec r[2] = { { &rvh, sizeof(rvh) }, { rbuf, NB_MAX_FRAME } };
        ssize_t k;

        if (writev(tap_a, iov, 2) < 0)
            return -errno;
        usleep(10000);
        while ((k = readv(tap_b, r, 2)) > 0)
            if (k == (ssize_t)(sizeof(rvh) + 60) && !memcmp(rbuf, frame, 6)) {
                printf("# netback bench: the bridge forwards after %.1f s\n",
                       (now_ns() - t0) / 1e9);
                while (readv(tap_b, r, 2) > 0)
                    ;
                return 0;
            }
    }
    return -ETIMEDOUT;
}

static void make_frame(size_t len)
{
    struct pkt_l4 l4;

    nf_tcp_frame(frame, len < 54 ? 54 : len, 0);
    if (!pkt_find_l4(frame, len < 54 ? 54 : len, &l4))
        pkt_set_pseudo_csum(frame, len < 54 ? 54 : len, &l4);
}

static struct virtio_net_hdr hdr_for(size_t len)
{
    struct virtio_net_hdr vh = { 0 };

    if (len > 9000) {
        vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh.csum_start = 34;
        vh.csum_offset = 16;
        vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        vh.gso_size = 1448;
        vh.hdr_len = 54;
    }
    return vh;
}

/* One frame from tap B (waiting for it); its length. */
static ssize_t tap_read(struct virtio_net_hdr *vh, uint8_t *buf)
{
    struct iovec iov[2] = { { vh, sizeof(*vh) }, { buf, NB_MAX_FRAME } };

    for (;;) {
        ssize_t k = readv(tap_b, iov, 2);
        struct pollfd p = { tap_b, POLLIN, 0 };

        /* The bridge's own IGMP and the like are not the benchmark's. */
        if (k >= (ssize_t)sizeof(*vh) + 14 && !memcmp(buf, frame, 6))
            return k - (ssize_t)sizeof(*vh);
        if (k >= 0)
            continue;
        if (k < 0 && errno != EAGAIN)
            return -1;
        if (poll(&p, 1, 1000) <= 0)
            return -1;
    }
}

/* The tap loop: BATCH frames of LEN written, then read back. */
static long tap_round(size_t len, int batch, double *cpu)
{
    struct virtio_net_hdr vh = hdr_for(len), rvh;
    struct iovec iov[2] = { { &vh, sizeof(vh) }, { frame, len } };
    double t0 = now_ns(), c0 = cpu_ns();
    long n = 0;

    while (now_ns() - t0 < ROUND_NS) {
        for (int i = 0; i < batch; i++)
            if (writev(tap_a, iov, 2) < 0)
                return -1;
        for (int i = 0; i < batch; i++)
            if (tap_read(&rvh, rbuf) != (ssize_t)len)
                return -1;
        n += batch;
    }
    *cpu = cpu_ns() - c0;
    return n;
}

/* The frame, once, in the frontend's tx pages: SLOTS requests' worth. */
static unsigned fe_prepare(size_t len)
{
    unsigned slots = 0;

    for (size_t off = 0; off < len; off += GNT_PAGE_SIZE, slots++)
        memcpy(nf_page(&N, NF_TX_BUF_GFN + slots), frame + off,
               len - off < GNT_PAGE_SIZE ? len - off : GNT_PAGE_SIZE);
    return slots;
}

static void fe_send(size_t len, unsigned slots)
{
    bool gso = len > 9000;

    for (unsigned s = 0; s < slots; s++) {
        uint16_t f = s + 1 < slots ? NETTXF_more_data : 0;
        size_t chunk = s + 1 < slots ? GNT_PAGE_SIZE : len - s * GNT_PAGE_SIZE;

        if (!s) {
            nf_tx_req(&N, NF_REF(NF_TX_BUF_GFN), 0,
                      f | (gso ? NETTXF_extra_info | NETTXF_csum_blank : 0), 0, (uint16_t)len);
            if (gso)
                nf_tx_extra(&N, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
        } else {
            nf_tx_req(&N, NF_REF(NF_TX_BUF_GFN + s), 0, f, (uint16_t)s, (uint16_t)chunk);
        }
    }
}

/* Through netback: BATCH frames of LEN from the frontend's tx ring to its
 * rx ring by way of the two taps. */
static long nb_round(size_t len, int batch, double *cpu)
{
    unsigned slots = fe_prepare(len);
    double t0 = now_ns(), c0 = cpu_ns();
    long n = 0;

    while (now_ns() - t0 < ROUND_NS) {
        for (int i = 0; i < batch; i++)
            fe_send(len, slots);
        nf_tx_push(&N);
        for (int i = 0; i < batch; i++) {
            struct iovec iov[2] = { { &txf.vh, sizeof(txf.vh) }, { txf.data, 0 } };

            if (nb_tx_next(&N.q, &txf, 0) != NB_TX_FRAME)
                return -1;
            iov[1].iov_len = txf.len;
            if (writev(tap_a, iov, 2) < 0)
                return -1;
        }
        nb_tx_push(&N.q);
        while (nf_tx_rsp(&N))
            ;
        for (int i = 0; i < batch; i++) {
            struct virtio_net_hdr rvh;
            ssize_t k = tap_read(&rvh, rbuf);
            netif_rx_response_t *r;
            int got = 0;

            if (k != (ssize_t)len)
                return -1;
            if (nb_rx_put(&N.q, rbuf, (size_t)k, &rvh) != NB_RX_DONE)
                return -1;
            nb_rx_push(&N.q);
            while ((r = nf_rx_rsp(&N)))
                got++;
            nf_rx_post(&N, (unsigned)got);
        }
        n += batch;
    }
    *cpu = cpu_ns() - c0;
    return n;
}

static void measure(const char *what, size_t len, int batch)
{
    double best_tap = 0, best_nb = 0, cpu_tap = 0, cpu_nb = 0;

    make_frame(len);
    for (int r = 0; r < ROUNDS; r++) {
        double c = 0, t0 = now_ns();
        long k = tap_round(len, batch, &c);
        double rate = k > 0 ? k / ((now_ns() - t0) / 1e9) : 0;

        if (rate > best_tap) {
            best_tap = rate;
            cpu_tap = c / (double)k;
        }
        t0 = now_ns();
        k = nb_round(len, batch, &c);
        rate = k > 0 ? k / ((now_ns() - t0) / 1e9) : 0;
        if (rate > best_nb) {
            best_nb = rate;
            cpu_nb = c / (double)k;
        }
    }
    if (!best_tap || !best_nb) {
        printf("BENCH netback %s: a round failed (tap %.0f/s, netback %.0f/s)\n", what,
               best_tap, best_nb);
        return;
    }
    if (batch == 1)
        printf("BENCH netback %s: round trip tap loop %.1f us, netback %.1f us, ratio %.2f\n",
               what, 1e6 / best_tap, 1e6 / best_nb, best_tap / best_nb);
    else
        printf("BENCH netback %s: tap loop %.0f frames/s (%.1f MB/s), netback %.0f frames/s "
               "(%.1f MB/s), ratio %.2f; CPU per frame %.2f / %.2f us\n",
               what, best_tap, best_tap * len / 1e6, best_nb, best_nb * len / 1e6,
               best_nb / best_tap, cpu_tap / 1e3, cpu_nb / 1e3);
}

int main(void)
{
    int rc = setup();

    if (!rc)
        rc = warm_up();

    if (rc) {
        printf("# netback bench: no network namespace, bridge or taps here (%s); skipped\n",
               strerror(-rc));
        return 0;
    }
    if (nf_init(&N, "bench")) {
        printf("# netback bench: fixture failed\n");
        return 1;
    }
    nf_rx_post(&N, NF_BUFS);
    measure("64-byte frames", 60, 32);
    measure("1514-byte frames", 1514, 16);
    measure("64 KiB TCP GSO frames", 65000, 2);
    measure("64-byte frame, one at a time", 60, 1);
    nf_fini(&N);
    return 0;
}
