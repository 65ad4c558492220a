/* A host-side netfront for netback's unit tests, fuzzer and benchmark:
 * guest RAM and a grant table in plain host memory (no KVM, no VMM), the
 * tx and rx rings set up and granted as Linux's xen-netfront does
 * (drivers/net/xen-netfront.c), and a netback queue (netback/netif.h)
 * mapped on them.  Page GFN is granted read-write to domain 0 as
 * reference NF_REF(GFN). */
#ifndef XK_NF_FIXTURE_H
#define XK_NF_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gnttab/gnttab.h"
#include "netback/netif.h"

#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif

#define NF_RAM_PAGES    96
#define NF_TX_RING_GFN  0
#define NF_RX_RING_GFN  1
#define NF_TX_BUF_GFN   2       /* 40 pages the tests send from */
#define NF_RX_BUF_GFN   48      /* 40 pages posted as rx buffers */
#define NF_BUFS         40
#define NF_REF(gfn)     (8u + (gfn))
#define NF_DOMID        1

struct nf {
    uint8_t *region;
    size_t region_size;
    struct gnt_flat_ram ram;
    struct gnt_view view;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    struct nb_queue q;
};

static inline uint8_t *nf_page(struct nf *n, unsigned gfn)
{
    return n->ram.base + (size_t)gfn * GNT_PAGE_SIZE;
}

static inline void nf_grant(struct nf *n, grant_ref_t ref, uint32_t gfn, uint16_t flags)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_shared_frame(&n->view, 0) + ref;

    e->domid = 0;
    e->frame = gfn;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

/* 0, or -1 if the fixture could not be built. */
static inline int nf_init(struct nf *n, const char *name)
{
    memset(n, 0, sizeof(*n));
    n->region_size = (size_t)GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT) * GNT_PAGE_SIZE;
    n->region = mmap(NULL, n->region_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    n->ram.base = mmap(NULL, NF_RAM_PAGES * GNT_PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (n->region == MAP_FAILED || n->ram.base == MAP_FAILED)
        return -1;
    n->ram.lowmem_pages = n->ram.ram_pages = NF_RAM_PAGES;
    if (gnt_table_init(n->region, 4) ||
        gnt_view_init(&n->view, n->region, NF_DOMID, gnt_flat_ram_ptr, &n->ram))
        return -1;
    for (unsigned g = 0; g < NF_RAM_PAGES; g++)
        nf_grant(n, NF_REF(g), g, GTF_permit_access);
    SHARED_RING_INIT((netif_tx_sring_t *)nf_page(n, NF_TX_RING_GFN));
    SHARED_RING_INIT((netif_rx_sring_t *)nf_page(n, NF_RX_RING_GFN));
    FRONT_RING_INIT(&n->tx, (netif_tx_sring_t *)nf_page(n, NF_TX_RING_GFN), GNT_PAGE_SIZE);
    FRONT_RING_INIT(&n->rx, (netif_rx_sring_t *)nf_page(n, NF_RX_RING_GFN), GNT_PAGE_SIZE);
    n->q.grants = &n->view;
    n->q.be_domid = 0;
    snprintf(n->q.name, sizeof(n->q.name), "%s", name);
    n->q.fe = (struct nb_fe_features){ .sg = true, .gso4 = true, .gso6 = true,
                                       .csum = true, .ipv6_csum = true };
    return nb_queue_map(&n->q, NF_REF(NF_TX_RING_GFN), NF_REF(NF_RX_RING_GFN)) ? -1 : 0;
}

static inline void nf_fini(struct nf *n)
{
    nb_queue_unmap(&n->q);
    munmap(n->region, n->region_size);
    munmap(n->ram.base, NF_RAM_PAGES * GNT_PAGE_SIZE);
}

/* ---- tx: the frontend sends ---- */

static inline void nf_tx_req(struct nf *n, grant_ref_t gref, uint16_t offset, uint16_t flags,
                             uint16_t id, uint16_t size)
{
    netif_tx_request_t *r = RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt++);

    r->gref = gref;
    r->offset = offset;
    r->flags = flags;
    r->id = id;
    r->size = size;
}

static inline void nf_tx_extra(struct nf *n, uint8_t type, uint8_t flags, uint16_t gso_size,
                               uint8_t gso_type)
{
    struct netif_extra_info *e =
        (struct netif_extra_info *)RING_GET_REQUEST(&n->tx, n->tx.req_prod_pvt++);

    memset(e, 0, sizeof(*e));
    e->type = type;
    e->flags = flags;
    e->u.gso.size = gso_size;
    e->u.gso.type = gso_type;
}

static inline void nf_tx_push(struct nf *n)
{
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->tx, notify);
    (void)notify;
}

/* Send FRAME (LEN bytes) as netfront does: copied into tx pages from
 * NF_TX_BUF_GFN on, one slot a page (the first at OFFSET), FLAGS on the
 * first request, a GSO extra when GSO_SIZE.  Returns the slots used. */
static inline unsigned nf_send(struct nf *n, const uint8_t *frame, size_t len, unsigned offset,
                               uint16_t flags, uint16_t gso_size, uint8_t gso_type)
{
    unsigned slot = 0;
    size_t off = 0;

    while (off < len) {
        size_t room = GNT_PAGE_SIZE - (slot ? 0 : offset);
        size_t chunk = len - off < room ? len - off : room;
        unsigned gfn = NF_TX_BUF_GFN + slot % NF_BUFS;
        uint16_t f = off + chunk < len ? NETTXF_more_data : 0;

        memcpy(nf_page(n, gfn) + (slot ? 0 : offset), frame + off, chunk);
        if (!slot) {
            f |= flags | (gso_size ? NETTXF_extra_info : 0);
            nf_tx_req(n, NF_REF(gfn), (uint16_t)offset, f, (uint16_t)slot, (uint16_t)len);
            if (gso_size)
                nf_tx_extra(n, XEN_NETIF_EXTRA_TYPE_GSO, 0, gso_size, gso_type);
        } else {
            nf_tx_req(n, NF_REF(gfn), 0, f, (uint16_t)slot, (uint16_t)chunk);
        }
        off += chunk;
        slot++;
    }
    nf_tx_push(n);
    return slot;
}

/* The next tx response, or NULL. */
static inline netif_tx_response_t *nf_tx_rsp(struct nf *n)
{
    if (n->tx.rsp_cons == n->tx.sring->rsp_prod)
        return NULL;
    xen_rmb();
    return RING_GET_RESPONSE(&n->tx, n->tx.rsp_cons++);
}

/* ---- rx: the frontend receives ---- */

/* Post COUNT buffers (ids and pages follow the ring index). */
static inline void nf_rx_post(struct nf *n, unsigned count)
{
    int notify;

    while (count--) {
        RING_IDX i = n->rx.req_prod_pvt++;
        netif_rx_request_t *r = RING_GET_REQUEST(&n->rx, i);

        r->id = (uint16_t)(i % NB_RX_RING_SIZE);
        r->gref = NF_REF(NF_RX_BUF_GFN + r->id % NF_BUFS);
    }
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&n->rx, notify);
    (void)notify;
}

static inline netif_rx_response_t *nf_rx_rsp(struct nf *n)
{
    if (n->rx.rsp_cons == n->rx.sring->rsp_prod)
        return NULL;
    xen_rmb();
    return RING_GET_RESPONSE(&n->rx, n->rx.rsp_cons++);
}

/* The page a response's id names (as nf_rx_post posted it). */
static inline uint8_t *nf_rx_page(struct nf *n, uint16_t id)
{
    return nf_page(n, NF_RX_BUF_GFN + id % NF_BUFS);
}

/* ---- frames ---- */

/* An Ethernet + IPv4 (or IPv6) + TCP frame of LEN bytes (at least 54 / 74),
 * payload bytes i*7. */
static inline size_t nf_tcp_frame(uint8_t *f, size_t len, int ipv6)
{
    size_t ip = 14, tcp = ipv6 ? 54 : 34;

    memset(f, 0, tcp + 20);
    memcpy(f, "\x00\x16\x3e\x00\x00\x02\x00\x16\x3e\x00\x00\x01", 12);
    if (ipv6) {
        f[12] = 0x86, f[13] = 0xdd;
        f[ip] = 0x60;
        f[ip + 4] = (uint8_t)((len - tcp) >> 8), f[ip + 5] = (uint8_t)(len - tcp);
        f[ip + 6] = 6, f[ip + 7] = 64;
        f[ip + 8 + 15] = 1;         /* fd00::1 -> fd00::2 */
        f[ip + 8] = 0xfd;
        f[ip + 24] = 0xfd;
        f[ip + 24 + 15] = 2;
    } else {
        f[12] = 0x08, f[13] = 0x00;
        f[ip] = 0x45;
        f[ip + 2] = (uint8_t)((len - ip) >> 8), f[ip + 3] = (uint8_t)(len - ip);
        f[ip + 8] = 64, f[ip + 9] = 6;
        memcpy(f + ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
        /* A valid header checksum: the host's bridge netfilter drops
         * frames without one. */
        {
            uint32_t sum = 0;

            for (size_t i = ip; i < ip + 20; i += 2)
                sum += (uint32_t)(f[i] << 8 | f[i + 1]);
            while (sum >> 16)
                sum = (sum & 0xffff) + (sum >> 16);
            f[ip + 10] = (uint8_t)(~sum >> 8);
            f[ip + 11] = (uint8_t)~sum;
        }
    }
    f[tcp] = 0x30, f[tcp + 1] = 0x39;   /* 12345 -> 80 */
    f[tcp + 3] = 80;
    f[tcp + 12] = 0x50;
    f[tcp + 13] = 0x18;
    for (size_t i = tcp + 20; i < len; i++)
        f[i] = (uint8_t)(i * 7);
    return len;
}

#endif
