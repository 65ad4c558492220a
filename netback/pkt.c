/* Frame headers (pkt.h). */
#include "pkt.h"

#include <errno.h>
#include <netinet/in.h>

#define ETH_P_IPV4  0x0800
#define ETH_P_IPV6  0x86dd
#define ETH_P_8021Q 0x8100

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int pkt_find_l4(const uint8_t *f, size_t len, struct pkt_l4 *l4)
{
    size_t off = PKT_ETH_HLEN, l4_off;
    uint16_t type;
    uint8_t proto;

    if (len < PKT_ETH_HLEN)
        return -EPROTO;
    type = be16(f + 12);
    if (type == ETH_P_8021Q) {
        if (len < PKT_ETH_HLEN + 4)
            return -EPROTO;
        type = be16(f + 16);
        off += 4;
    }
    l4->l3_off = (uint16_t)off;
    if (type == ETH_P_IPV4) {
        size_t ihl;

        if (len < off + 20 || (f[off] >> 4) != 4)
            return -EPROTO;
        ihl = (size_t)(f[off] & 0xf) * 4;
        /* A fragment carries no L4 header to offload (Linux: -EPROTO). */
        if (ihl < 20 || len < off + ihl || (be16(f + off + 6) & 0x3fff))
            return -EPROTO;
        proto = f[off + 9];
        l4_off = off + ihl;
        l4->ipv6 = false;
    } else if (type == ETH_P_IPV6) {
        if (len < off + 40 || (f[off] >> 4) != 6)
            return -EPROTO;
        proto = f[off + 6];
        l4_off = off + 40;
        /* Extension headers that come before TCP/UDP in practice. */
        while (proto == IPPROTO_HOPOPTS || proto == IPPROTO_ROUTING ||
               proto == IPPROTO_DSTOPTS) {
            if (len < l4_off + 8)
                return -EPROTO;
            proto = f[l4_off];
            l4_off += ((size_t)f[l4_off + 1] + 1) * 8;
        }
        l4->ipv6 = true;
    } else {
        return -EPROTO;
    }
    if (proto == IPPROTO_TCP) {
        size_t doff;

        if (len < l4_off + 20)
            return -EPROTO;
        doff = (size_t)(f[l4_off + 12] >> 4) * 4;
        if (doff < 20 || len < l4_off + doff)
            return -EPROTO;
        l4->csum_offset = 16;
        l4->hdr_len = (uint16_t)(l4_off + doff);
    } else if (proto == IPPROTO_UDP) {
        if (len < l4_off + 8)
            return -EPROTO;
        l4->csum_offset = 6;
        l4->hdr_len = (uint16_t)(l4_off + 8);
    } else {
        return -EPROTO;
    }
    if (l4_off > UINT16_MAX)
        return -EPROTO;
    l4->proto = proto;
    l4->csum_start = (uint16_t)l4_off;
    return 0;
}

uint32_t pkt_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
    uint64_t s = sum;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        s += (uint32_t)(buf[i] << 8 | buf[i + 1]);
    if (len & 1)
        s += (uint32_t)buf[len - 1] << 8;
    while (s >> 32)
        s = (s & 0xffffffff) + (s >> 32);
    return (uint32_t)s;
}

uint16_t pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

void pkt_set_pseudo_csum(uint8_t *f, size_t len, const struct pkt_l4 *l4)
{
    const uint8_t *ip = f + l4->l3_off;
    size_t l4_len = len - l4->csum_start;
    uint32_t sum;
    uint16_t s;

    if (l4->ipv6)
        sum = pkt_csum_add(0, ip + 8, 32);
    else
        sum = pkt_csum_add(0, ip + 12, 8);
    sum += l4->proto;
    sum += (uint32_t)(l4_len & 0xffff) + (uint32_t)(l4_len >> 16);
    s = pkt_csum_fold(sum);
    f[l4->csum_start + l4->csum_offset] = (uint8_t)(s >> 8);
    f[l4->csum_start + l4->csum_offset + 1] = (uint8_t)s;
}

void pkt_finish_csum(uint8_t *f, size_t len, unsigned csum_start, unsigned csum_offset)
{
    uint16_t s = (uint16_t)~pkt_csum_fold(pkt_csum_add(0, f + csum_start, len - csum_start));

    /* UDP sends 0 as 0xffff (0 means "no checksum"); TCP's ~0 is the same
     * value in ones' complement. */
    if (!s)
        s = 0xffff;
    f[csum_start + csum_offset] = (uint8_t)(s >> 8);
    f[csum_start + csum_offset + 1] = (uint8_t)s;
}
