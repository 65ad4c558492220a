/* libFuzzer harness for blkback/'s request reader and checker, and the
 * ring's consumer side.  Input:
 *   byte 0: bit 0 the layout (x86_32 / native), bits 1-5 the disk's
 *           limits (read-only, flush, barrier, discard, 4 KiB sectors);
 *   bytes 1-4: the ring's starting index (the backend's rsp_prod_pvt and
 *           req_cons), bytes 5-8 the frontend's req_prod;
 *   then one ring page (requests in the slots), then the pages indirect
 *   grants resolve to (gref N is page N, an odd gref is a bad grant).
 * Properties beyond the sanitizers' (no crash, overflow, UB): no more
 * requests are taken than the ring holds; a request that passes the
 * check stays inside the disk, has sane segments, never writes a
 * read-only disk; the response op is the request's (indirect_op for
 * indirect).  Built by tests/fuzz/blkreq.sh; make check replays the seed
 * corpus (tests/fuzz/corpus/blkreq). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blkback/blkreq.h"
#include "blkback/blkring.h"
#include "log.h"

#define PAGE 4096u
#define DISK_SECTORS 1000000ull

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_blkreq: property violated: %s\n", why);
    abort();
}

struct pages {
    const uint8_t *data;
    size_t n;
};

static int read_grant(void *opaque, grant_ref_t gref, void *buf, unsigned len)
{
    const struct pages *p = opaque;

    if ((gref & 1) || gref / 2 >= p->n || len > PAGE)
        return -1;
    memcpy(buf, p->data + (size_t)(gref / 2) * PAGE, len);
    return 0;
}

static void check_one(const struct blk_req *r, int st, const struct blk_limits *lim,
                      const union blk_slot *slot, enum blk_layout layout)
{
    uint64_t id = 0, sum = 0;

    memcpy(&id, (const uint8_t *)slot + (layout == BLK_LAYOUT_NATIVE ? 8 : 4), 8);
    if (r->id != id)
        fail("id not the request's");
    if (r->operation != ((const uint8_t *)slot)[0])
        fail("operation not the request's");
    if (r->rsp_op != (r->operation == BLKIF_OP_INDIRECT ? ((const uint8_t *)slot)[1]
                                                        : r->operation))
        fail("response op");
    if (st != BLKIF_RSP_OKAY && st != BLKIF_RSP_ERROR && st != BLKIF_RSP_EOPNOTSUPP)
        fail("status");
    if (st != BLKIF_RSP_OKAY)
        return;
    if (lim->readonly && r->op != BLKIF_OP_READ)
        fail("a write on a read-only disk passed");
    if (r->op == BLKIF_OP_DISCARD) {
        if (!lim->discard || r->sector + r->nr_sectors < r->sector ||
            r->sector + r->nr_sectors > lim->sectors)
            fail("discard outside the disk passed");
        return;
    }
    if (r->nr_segments > (r->operation == BLKIF_OP_INDIRECT ? BLK_MAX_INDIRECT_SEGS
                                                           : BLKIF_MAX_SEGMENTS_PER_REQUEST))
        fail("too many segments passed");
    if ((r->op == BLKIF_OP_READ || r->op == BLKIF_OP_WRITE) && r->nr_segments == 0)
        fail("no segments passed");
    for (unsigned i = 0; i < r->nr_segments; i++) {
        if (r->seg[i].first > r->seg[i].last || r->seg[i].last >= 8)
            fail("bad segment passed");
        sum += r->seg[i].last - r->seg[i].first + 1u;
    }
    if (sum != r->nr_sectors)
        fail("sector count");
    if (sum && (r->sector + sum < r->sector || r->sector + sum > lim->sectors))
        fail("request outside the disk passed");
    if (sum && lim->sector_size == 4096 && ((r->sector | sum) & 7))
        fail("misaligned request passed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ring_page[PAGE] __attribute__((aligned(64)));
    struct blk_limits lim;
    struct blk_ring r;
    struct pages pages;
    union blk_slot slot;
    static struct blk_req req;
    uint32_t start, prod;
    unsigned taken = 0;
    int rc;

    if (size < 9)
        return 0;
    log_set_level(-1);
    memset(&r, 0, sizeof(r));
    r.layout = data[0] & 1 ? BLK_LAYOUT_NATIVE : BLK_LAYOUT_X86_32;
    r.name = "fuzz";
    lim = (struct blk_limits){
        .sectors = DISK_SECTORS, .sector_size = data[0] & 32 ? 4096 : 512,
        .readonly = data[0] & 2, .flush = data[0] & 4, .barrier = data[0] & 8,
        .discard = data[0] & 16,
    };
    memcpy(&start, data + 1, 4);
    memcpy(&prod, data + 5, 4);
    data += 9;
    size -= 9;
    memset(ring_page, 0, sizeof(ring_page));
    memcpy(ring_page, data, size < PAGE ? size : PAGE);
    pages.data = size > PAGE ? data + PAGE : NULL;
    pages.n = size > PAGE ? (size - PAGE) / PAGE : 0;
    if (r.layout == BLK_LAYOUT_NATIVE)
        BACK_RING_ATTACH(&r.br.native, (struct blkif_sring *)ring_page, start, PAGE);
    else
        BACK_RING_ATTACH(&r.br.x86_32, (struct blkif_x86_32_sring *)ring_page, start, PAGE);
    r.br.native.req_cons = start;
    r.prod = start;
    r.br.native.sring->req_prod = prod;
    while ((rc = blkring_take(&r, &slot)) == 1) {
        if (++taken > blkring_size(&r))
            fail("more requests taken than the ring holds");
        blkreq_decode(r.layout, &slot, &req);
        check_one(&req, blkreq_check(&req, &lim, read_grant, &pages), &lim, &slot, r.layout);
    }
    if (rc < 0 && !r.halted)
        fail("take failed without halting");
    if ((uint32_t)(prod - start) <= blkring_size(&r) && r.halted)
        fail("a sane producer index halted the ring");
    return 0;
}
