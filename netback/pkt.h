/* What netback needs to know about a frame's headers: where the L4
 * checksum lives (for checksum offload in both directions), the pseudo
 * header sum a partial checksum starts from, and finishing a partial
 * checksum in software for a frontend that cannot take it.  Ethernet with
 * at most one 802.1Q tag, IPv4, IPv6 (hop-by-hop, routing and destination
 * options headers skipped), TCP and UDP, as Linux's skb_checksum_setup
 * handles them. */
#ifndef XK_NETBACK_PKT_H
#define XK_NETBACK_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_HLEN 14

struct pkt_l4 {
    bool ipv6;
    uint8_t proto;              /* IPPROTO_TCP or IPPROTO_UDP */
    uint16_t l3_off;            /* the IP header */
    uint16_t csum_start;        /* the L4 header */
    uint16_t csum_offset;       /* the checksum field, from csum_start */
    uint16_t hdr_len;           /* through the L4 header (TCP's data offset) */
};

/* Find the L4 header of FRAME (LEN bytes): 0, or -EPROTO for anything
 * that is not TCP/UDP over IPv4/IPv6 or is cut short. */
int pkt_find_l4(const uint8_t *frame, size_t len, struct pkt_l4 *l4);

/* Write the pseudo-header sum (folded, not inverted) into the checksum
 * field, as a frame with a partial checksum carries it. */
void pkt_set_pseudo_csum(uint8_t *frame, size_t len, const struct pkt_l4 *l4);

/* Finish a partial checksum: the ones' complement sum from CSUM_START to
 * the end, written inverted at CSUM_START + CSUM_OFFSET (which the caller
 * has checked lie inside LEN). */
void pkt_finish_csum(uint8_t *frame, size_t len, unsigned csum_start, unsigned csum_offset);

/* The ones' complement sum of BUF, added to SUM (not folded). */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t pkt_csum_fold(uint32_t sum);

#endif
