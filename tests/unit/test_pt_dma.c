/* A function's DMA mappings following the balloon (pciback/pt_dma.c),
 * against a model of a source with vfio-user's contract (QEMU's
 * docs/interop/vfio-user.rst, as libvfio-user and tests/pciback/vfu_testdev
 * serve it): DMA_MAP of a range overlapping another is refused, DMA_UNMAP
 * takes exactly a mapped range.  The model's view says which IOVA pages
 * the device reaches and which memfd page each one is. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "pciback/pt_dma.h"

#define PG 4096ull
#define NPAGES 64
#define MAXMAP 32

static struct {
    struct pt_devsrc base;
    struct { uint64_t iova, size, off; } map[MAXMAP];
    unsigned n, maps, unmaps;
    int fail_map, fail_unmap;       /* the next call answers this */
} S;

static int s_map(struct pt_devsrc *s, uint64_t iova, uint64_t size, int fd, uint64_t off,
                 void *vaddr, bool writable)
{
    (void)s; (void)vaddr;
    if (fd != 7 || !writable)
        return -EINVAL;
    if (S.fail_map) {
        int e = S.fail_map;

        S.fail_map = 0;
        return e;
    }
    for (unsigned i = 0; i < S.n; i++)
        if (iova < S.map[i].iova + S.map[i].size && S.map[i].iova < iova + size)
            return -EEXIST;
    if (S.n == MAXMAP)
        return -ENOSPC;
    S.map[S.n].iova = iova;
    S.map[S.n].size = size;
    S.map[S.n++].off = off;
    S.maps++;
    return 0;
}

static int s_unmap(struct pt_devsrc *s, uint64_t iova, uint64_t size)
{
    (void)s;
    if (S.fail_unmap) {
        int e = S.fail_unmap;

        S.fail_unmap = 0;
        return e;
    }
    for (unsigned i = 0; i < S.n; i++)
        if (S.map[i].iova == iova && S.map[i].size == size) {
            S.map[i] = S.map[--S.n];
            S.unmaps++;
            return 0;
        }
    return -ENOENT;
}

static const struct pt_devsrc_ops remap_ops = {
    .kind = "model", .dma_remap = true, .dma_map = s_map, .dma_unmap = s_unmap,
};

/* The memfd page the device reaches at IOVA page P, or -1. */
static long view(uint64_t p)
{
    for (unsigned i = 0; i < S.n; i++)
        if (p * PG >= S.map[i].iova && p * PG < S.map[i].iova + S.map[i].size)
            return (long)((S.map[i].off + p * PG - S.map[i].iova) / PG);
    return -1;
}

static void setup(struct pt_dma *d)
{
    memset(&S, 0, sizeof(S));
    S.base.ops = &remap_ops;
    pt_dma_init(d, &S.base, 7, NULL);
}

/* The list and the source agree, sorted, nothing overlapping. */
static bool consistent(const struct pt_dma *d)
{
    if (d->n != S.n)
        return false;
    for (unsigned i = 0; i < d->n; i++) {
        bool found = false;

        if (i && d->r[i - 1].iova + d->r[i - 1].size > d->r[i].iova)
            return false;
        for (unsigned j = 0; j < S.n; j++)
            found |= S.map[j].iova == d->r[i].iova && S.map[j].size == d->r[i].size &&
                     S.map[j].off == d->r[i].fd_off;
        if (!found)
            return false;
    }
    return true;
}

/* A page out of the middle, the edges, then back: the device never
 * reaches a page given back, always reaches the others, and the pieces
 * join again into one mapping. */
static void pages_leave_and_come_back(void)
{
    struct pt_dma d;

    setup(&d);
    /* IOVA 16.. is memfd 0.. (a frame and its page differ). */
    CHECK_EQ(pt_dma_add(&d, 16 * PG, 32 * PG, 0), 0);
    CHECK_EQ(pt_dma_remove(&d, 5 * PG, PG), 0);
    CHECK_EQ(view(21), -1);
    CHECK_EQ(view(20), 4);
    CHECK_EQ(view(22), 6);
    CHECK_EQ(d.n, 2);
    CHECK_EQ(pt_dma_remove(&d, 0, PG), 0);          /* first page */
    CHECK_EQ(pt_dma_remove(&d, 31 * PG, PG), 0);    /* last page */
    CHECK(view(16) == -1 && view(47) == -1 && view(17) == 1 && view(46) == 30);
    CHECK_EQ(d.n, 2);
    CHECK(consistent(&d));
    /* Removing what is not mapped changes nothing. */
    S.maps = S.unmaps = 0;
    CHECK_EQ(pt_dma_remove(&d, 5 * PG, PG), 0);
    CHECK_EQ(pt_dma_remove(&d, 40 * PG, PG), 0);
    CHECK(S.maps == 0 && S.unmaps == 0);
    /* Back: each joins its neighbours. */
    CHECK_EQ(pt_dma_add(&d, 21 * PG, PG, 5 * PG), 0);
    CHECK_EQ(d.n, 1);
    CHECK_EQ(pt_dma_add(&d, 16 * PG, PG, 0), 0);
    CHECK_EQ(pt_dma_add(&d, 47 * PG, PG, 31 * PG), 0);
    CHECK(d.n == 1 && d.r[0].iova == 16 * PG && d.r[0].size == 32 * PG && d.r[0].fd_off == 0);
    for (uint64_t p = 16; p < 48; p++)
        CHECK_EQ(view(p), (long)p - 16);
    CHECK(consistent(&d));
    pt_dma_clear(&d, true);
    CHECK_EQ(S.n, 0);
}

/* A run of pages across two mappings, and a page back at another frame
 * (populated into a hole): not joined, since the memfd is not contiguous. */
static void ranges_across_mappings(void)
{
    struct pt_dma d;

    setup(&d);
    CHECK_EQ(pt_dma_add(&d, 0, 8 * PG, 0), 0);
    CHECK_EQ(pt_dma_add(&d, 8 * PG, 8 * PG, 32 * PG), 0);     /* not contiguous in the memfd */
    CHECK_EQ(d.n, 2);
    CHECK_EQ(pt_dma_remove(&d, 6 * PG, 2 * PG), 0);
    CHECK_EQ(pt_dma_remove(&d, 32 * PG, 2 * PG), 0);
    CHECK(view(5) == 5 && view(6) == -1 && view(7) == -1 && view(8) == -1 && view(9) == -1 &&
          view(10) == 34);
    CHECK_EQ(pt_dma_add(&d, 6 * PG, PG, 50 * PG), 0);
    CHECK_EQ(view(6), 50);
    CHECK_EQ(d.n, 3);
    CHECK(consistent(&d));
    pt_dma_clear(&d, true);
}

/* Bad or overlapping requests; the source failing. */
static void refusals_and_failures(void)
{
    struct pt_dma d;

    setup(&d);
    CHECK_EQ(pt_dma_add(&d, 0, 8 * PG, 0), 0);
    CHECK_EQ(pt_dma_add(&d, 2 * PG, PG, 2 * PG), 0);      /* already so: nothing to do */
    CHECK_EQ(pt_dma_add(&d, 2 * PG, PG, 9 * PG), -EEXIST);
    CHECK_EQ(pt_dma_add(&d, 7 * PG, 2 * PG, 7 * PG), -EEXIST);
    CHECK_EQ(pt_dma_add(&d, 100, PG, 0), -EINVAL);
    CHECK_EQ(pt_dma_add(&d, 9 * PG, 0, 0), -EINVAL);
    CHECK_EQ(pt_dma_add(&d, ~0ull - PG + 1, 2 * PG, 0), -EINVAL);
    CHECK_EQ(pt_dma_remove(&d, 3, PG), -EINVAL);
    CHECK_EQ(d.n, 1);
    /* An unmap that fails leaves the page reachable: the caller must keep
     * the memory (the balloon is refused). */
    S.fail_unmap = -EIO;
    CHECK_EQ(pt_dma_remove(&d, 3 * PG, PG), -EIO);
    CHECK_EQ(view(3), 3);
    CHECK(consistent(&d));
    /* No room for the pieces (a server's region limit): the range as it
     * was, the page still reachable, the error for the caller. */
    S.fail_map = -ENOSPC;
    CHECK_EQ(pt_dma_remove(&d, 3 * PG, PG), -ENOSPC);
    CHECK(view(2) == 2 && view(3) == 3 && view(4) == 4);
    CHECK_EQ(d.n, 1);
    CHECK(consistent(&d));
    /* The same when the second piece fails: the first is taken back. */
    for (unsigned i = 1; i < MAXMAP; i++) {     /* the source full */
        S.map[i].iova = (1ull << 40) + i * PG;
        S.map[i].size = PG;
    }
    S.n = MAXMAP;
    CHECK_EQ(pt_dma_remove(&d, 3 * PG, PG), -ENOSPC);
    CHECK(view(2) == 2 && view(3) == 3 && view(4) == 4);
    for (unsigned i = 0; i < S.n;)
        if (S.map[i].iova >= 1ull << 40)
            S.map[i] = S.map[--S.n];
        else
            i++;
    CHECK(consistent(&d));
    CHECK_EQ(pt_dma_remove(&d, 3 * PG, PG), 0);
    CHECK(view(2) == 2 && view(3) == -1 && view(4) == 4);
    /* A join the source refuses: neighbours back as they were, then the
     * page on its own. */
    S.fail_map = -ENOSPC;
    CHECK_EQ(pt_dma_add(&d, 3 * PG, PG, 3 * PG), 0);
    CHECK(view(2) == 2 && view(3) == 3 && view(4) == 4 && view(7) == 7);
    CHECK_EQ(d.n, 3);
    CHECK(consistent(&d));
    pt_dma_clear(&d, true);
}

/* Live update: the list crosses the exec without touching the source;
 * records that do not hold together are refused; an old VMM's two
 * ranges. */
static void save_restore(void)
{
    struct pt_dma d, e;
    struct ss_wr w = { 0 };
    struct ss_rd r;
    uint8_t bad[4 + 48];
    uint64_t v[6] = { 0, 2 * PG, 0, PG, 2 * PG, 5 * PG };   /* overlapping */

    setup(&d);
    CHECK_EQ(pt_dma_add(&d, 0, 8 * PG, 0), 0);
    CHECK_EQ(pt_dma_remove(&d, 4 * PG, PG), 0);
    pt_dma_save(&d, &w);
    S.maps = S.unmaps = 0;
    pt_dma_init(&e, &S.base, 7, NULL);
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(pt_dma_restore(&e, &r), 0);
    CHECK(ss_done(&r));
    CHECK(e.n == 2 && e.r[0].size == 4 * PG && e.r[1].iova == 5 * PG);
    CHECK(S.maps == 0 && S.unmaps == 0);
    /* The adopted list goes on following the balloon. */
    CHECK_EQ(pt_dma_add(&e, 4 * PG, PG, 4 * PG), 0);
    CHECK_EQ(e.n, 1);
    pt_dma_clear(&e, true);
    pt_dma_clear(&d, false);
    ss_wr_free(&w);
    uint32_t n = 2;
    memcpy(bad, &n, 4);
    memcpy(bad + 4, v, sizeof(v));
    pt_dma_init(&e, &S.base, 7, NULL);
    r = ss_rd_init(bad, sizeof(bad));
    CHECK_EQ(pt_dma_restore(&e, &r), -EINVAL);
    pt_dma_clear(&e, false);
    n = 1000;
    memcpy(bad, &n, 4);
    r = ss_rd_init(bad, sizeof(bad));
    CHECK_EQ(pt_dma_restore(&e, &r), -EINVAL);
    CHECK_EQ(pt_dma_restore_v1(&e, 16 * PG, 4 * PG), 0);
    CHECK(e.n == 2 && e.r[1].iova == 1ull << 32 && e.r[1].fd_off == 16 * PG);
    pt_dma_clear(&e, false);
}

int main(void)
{
    RUN(pages_leave_and_come_back);
    RUN(ranges_across_mappings);
    RUN(refusals_and_failures);
    RUN(save_restore);
    return CHECK_DONE();
}
