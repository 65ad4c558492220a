/* The host-side peer of tests/cli/netback.sh: on interface IFNAME (the
 * bridge the guest's vifs joined) it takes the frames the netfront test
 * guest (tests/guest/netfront.c) sends and answers each:
 *   - ethertype 0x88b5 "XKNF": the same frame back to its sender, payload
 *     inverted;
 *   - TCP/IPv4 to port 9: a GSO frame (as the kernel hands it over, with
 *     its virtio_net_hdr) is checked (payload pattern, gso and checksum
 *     fields) and sent back to its sender as GSO with the same header.
 * One line per frame on stdout ("PEER: ..."), "PEER-BAD: ..." for a frame
 * that is not what the guest sent.  Runs until SECONDS have passed. */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const uint8_t me[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static uint8_t buf[sizeof(struct virtio_net_hdr) + 70000];

static void reply(int s, int ifindex, size_t len)
{
    struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
    uint8_t *f = buf + sizeof(*vh);
    struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };

    memcpy(f, f + 6, 6);
    memcpy(f + 6, me, 6);
    memcpy(a.sll_addr, f, 6);
    if (sendto(s, buf, sizeof(*vh) + len, 0, (struct sockaddr *)&a, sizeof(a)) < 0)
        printf("PEER-BAD: send %zu: %m\n", len);
}

int main(int argc, char **argv)
{
    struct packet_mreq mr = { .mr_type = PACKET_MR_PROMISC };
    struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
    int s, one = 1, ifindex;
    time_t end;

    if (argc != 3) {
        fprintf(stderr, "usage: nb_peer IFNAME SECONDS\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    ifindex = (int)if_nametoindex(argv[1]);
    end = time(NULL) + atoi(argv[2]);
    s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    if (s < 0 || !ifindex) {
        perror("nb_peer: socket");
        return 1;
    }
    a.sll_ifindex = ifindex;
    mr.mr_ifindex = ifindex;
    if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) ||
        bind(s, (struct sockaddr *)&a, sizeof(a)) ||
        setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
        perror("nb_peer: setup");
        return 1;
    }
    printf("PEER: listening on %s\n", argv[1]);
    while (time(NULL) < end) {
        struct pollfd p = { s, POLLIN, 0 };
        struct sockaddr_ll from;
        socklen_t fl = sizeof(from);
        struct virtio_net_hdr *vh = (struct virtio_net_hdr *)buf;
        uint8_t *f = buf + sizeof(*vh);
        ssize_t n;
        size_t len;

        if (poll(&p, 1, 500) <= 0)
            continue;
        n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n < (ssize_t)(sizeof(*vh) + 14) || from.sll_pkttype == PACKET_OUTGOING)
            continue;
        len = (size_t)n - sizeof(*vh);
        if (memcmp(f, me, 6) || f[6] != 0x00 || f[7] != 0x16 || f[8] != 0x3e)
            continue;                   /* not the test guest's */
        if (f[12] == 0x88 && f[13] == 0xb5 && len >= 21 && !memcmp(f + 14, "XKNF", 4)) {
            unsigned seq = (unsigned)(f[19] << 8 | f[20]);
            int bad = 0;

            for (size_t i = 21; i < len; i++)
                bad |= f[i] != (uint8_t)(i * 7 + seq);
            printf("%s: vif %u seq %u len %zu\n", bad ? "PEER-BAD" : "PEER: echo", f[18], seq,
                   len);
            for (size_t i = 14; i < len; i++)
                f[i] = (uint8_t)~f[i];
            memset(vh, 0, sizeof(*vh));
            reply(s, ifindex, len);
        } else if (f[12] == 0x08 && f[13] == 0 && len > 54 && f[23] == 6 && f[37] == 9) {
            int bad = 0;

            for (size_t i = 54; i < len; i++)
                bad |= f[i] != (uint8_t)(i * 13);
            bad |= vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV4 || vh->gso_size != 1448 ||
                   !(vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || vh->csum_start != 34 ||
                   vh->csum_offset != 16;
            printf("%s: gso len %zu type %u size %u flags %u csum %u+%u\n",
                   bad ? "PEER-BAD" : "PEER: tcp", len, vh->gso_type, vh->gso_size, vh->flags,
                   vh->csum_start, vh->csum_offset);
            reply(s, ifindex, len);
        }
    }
    return 0;
}
