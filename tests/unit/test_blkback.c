/* blkback/ driven by the host-side frontend (tests/blkfront/hostfront.h):
 * a queue on its own (every request type, indirect, multi-page rings,
 * both layouts, every bad-input path, event suppression), then whole
 * vbds through the handshake on a table store (features, multi-queue,
 * reconnect, resize, unplug).  The backing is a file in /tmp. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "blkback/blkqueue.h"
#include "blkback/blkvbd.h"
#include "check.h"
#include "tests/blkfront/hostfront.h"

#define DISK_SECTORS 16384u     /* 8 MiB */

/* RUN for a case that takes an argument. */
#define RUN_DEV(fn, arg) do {                                              \
        check_case_name = #fn;                                             \
        check_case_failed = 0;                                             \
        fn(arg);                                                           \
        if (check_case_failed)                                             \
            check_failed_cases++;                                          \
        else {                                                             \
            check_passed_cases++;                                          \
            printf("PASS: %s\n", #fn);                                     \
        }                                                                  \
        fflush(stdout);                                                    \
    } while (0)
#define WAIT_MS 20000

static struct hf_guest g;
static char path[64];

static uint8_t pattern(uint64_t sector, unsigned byte)
{
    return (uint8_t)(sector * 7 + byte / 64 + 1);
}

static void fill_file(void)
{
    static uint8_t buf[512];
    int fd = open(path, O_WRONLY | O_TRUNC);

    for (uint64_t s = 0; s < DISK_SECTORS; s++) {
        for (unsigned b = 0; b < 512; b++)
            buf[b] = pattern(s, b);
        if (pwrite(fd, buf, 512, (off_t)(s * 512)) != 512)
            abort();
    }
    close(fd);
}

/* Sector S of the backing is still the pattern. */
static bool sector_is_pattern(const uint8_t *p, uint64_t s)
{
    for (unsigned b = 0; b < 512; b++)
        if (p[b] != pattern(s, b))
            return false;
    return true;
}

static void file_read(uint64_t sector, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);

    if (pread(fd, buf, len, (off_t)(sector * 512)) != (ssize_t)len)
        abort();
    close(fd);
}

/* --- a queue on its own ------------------------------------------------- */

struct qfix {
    struct blk_disk disk;
    struct blk_target tgt;
    struct hf_ring fr;
    struct blk_queue q;
    struct xk_vbd_counters ctr;     /* Linux blkback's statistics */
    bool started;
};

static int qfix_start(struct qfix *f, enum blk_layout layout, unsigned order, bool scatter,
                      bool readonly)
{
    struct blk_ring ring;
    struct xk_evtchn ev;
    int rc;

    memset(f, 0, sizeof(*f));
    if ((rc = blkdisk_open(&f->disk, path, readonly)))
        return rc;
    f->tgt = (struct blk_target){
        .ctx = &g.ctx, .disk = &f->disk,
        .lim = { .sectors = f->disk.size / 512, .sector_size = 512, .readonly = readonly,
                 .flush = !readonly, .barrier = !readonly, .discard = !readonly },
    };
    if ((rc = hf_ring_init(&f->fr, &g, layout, order, scatter)) ||
        (rc = blkring_map(&ring, &g.ctx, f->fr.ref, f->fr.nr_pages, layout, "test ring")))
        return rc;
    if ((rc = backend_bind(&g.ctx, f->fr.port, f->fr.port, &ev)) ||
        (rc = blkqueue_start(&f->q, &f->tgt, "test queue", &ring, &ev, &f->ctr)))
        return rc;
    f->started = true;
    return 0;
}

static void qfix_stop(struct qfix *f)
{
    if (f->started)
        blkqueue_stop(&f->q);
    f->started = false;
    blkdisk_close(&f->disk);
    hf_ring_fini(&f->fr);
}

/* Send one request and wait for its response. */
static struct hf_rsp one(struct qfix *f, const union blk_slot *slot)
{
    struct hf_rsp rsp = { .id = ~0ull, .operation = 0xff, .status = 99 };

    hf_put(&f->fr, slot);
    hf_push(&f->fr);
    if (!hf_wait_response(&f->fr, &rsp, WAIT_MS))
        printf("# no response within %d ms\n", WAIT_MS);
    return rsp;
}

#define EXPECT_RSP(rsp, want_id, want_op, want_status) do {                 \
        CHECK_EQ((rsp).id, (want_id));                                      \
        CHECK_EQ((rsp).operation, (want_op));                               \
        CHECK_EQ((rsp).status, (want_status));                              \
    } while (0)

static void rw_roundtrip(enum blk_layout layout)
{
    struct qfix f;
    union blk_slot s;
    struct hf_seg seg[2];
    uint64_t a, b, c;
    uint8_t buf[12 * 512];
    struct hf_rsp rsp;

    fill_file();
    CHECK_EQ(qfix_start(&f, layout, 0, false, false), 0);
    a = hf_alloc_pages(&g, 1);
    b = hf_alloc_pages(&g, 1);
    memset(hf_page(&g, a), 0x5a, 4096);
    memset(hf_page(&g, b), 0xc3, 4096);
    /* page a whole (8 sectors), then sectors 2..5 of page b */
    seg[0] = (struct hf_seg){ hf_grant(&g, a, true), 0, 7 };
    seg[1] = (struct hf_seg){ hf_grant(&g, b, true), 2, 5 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE, 0x1122334455667788ull, 16, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 0x1122334455667788ull, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    file_read(16, buf, sizeof(buf));
    CHECK(buf[0] == 0x5a && buf[4095] == 0x5a && buf[4096] == 0xc3 && buf[12 * 512 - 1] == 0xc3);
    file_read(28, buf, 512);
    CHECK(sector_is_pattern(buf, 28));          /* nothing past the request */
    /* read it back into other sectors of a fresh page */
    c = hf_alloc_pages(&g, 1);
    seg[0] = (struct hf_seg){ hf_grant(&g, c, false), 1, 4 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 7, 22, 1, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(((uint8_t *)hf_page(&g, c))[0] == 0);
    CHECK(((uint8_t *)hf_page(&g, c))[512] == 0x5a);            /* sector 22 */
    CHECK(((uint8_t *)hf_page(&g, c))[512 + 4 * 512 - 1] == 0xc3);  /* sector 25 */
    CHECK(((uint8_t *)hf_page(&g, c))[5 * 512] == 0);
    /* the data grants are given back once answered */
    CHECK(hf_ungrant(&g, seg[0].gref));
    /* the ring's are held while the queue runs */
    CHECK(!hf_ungrant(&g, f.fr.ref[0]));
    qfix_stop(&f);
    CHECK(hf_ungrant(&g, f.fr.ref[0]));
}

static void test_rw_native(void) { rw_roundtrip(BLK_LAYOUT_NATIVE); }
static void test_rw_x86_32(void) { rw_roundtrip(BLK_LAYOUT_X86_32); }

/* An order-4 ring over scattered pages, filled at once. */
static void multipage(enum blk_layout layout)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    unsigned n, i, got = 0, ok = 0;
    uint64_t base;
    static bool seen[1024];

    fill_file();
    CHECK_EQ(qfix_start(&f, layout, 4, true, false), 0);
    n = hf_ring_size(&f.fr);
    CHECK_EQ(n, 512);
    base = hf_alloc_pages(&g, n / 8);
    memset(seen, 0, sizeof(seen));
    for (i = 0; i < n; i++) {
        /* sector i of the disk into sector i%8 of page base + i/8 */
        struct hf_seg seg = { hf_grant(&g, base + i / 8, false), (uint8_t)(i % 8),
                              (uint8_t)(i % 8) };
        hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 1000 + i, i, 1, &seg);
        hf_put(&f.fr, &s);
    }
    CHECK_EQ(hf_ring_free(&f.fr), 0);
    hf_push(&f.fr);
    while (got < n && hf_wait_response(&f.fr, &rsp, WAIT_MS)) {
        got++;
        if (rsp.id >= 1000 && rsp.id < 1000 + n && !seen[rsp.id - 1000] &&
            rsp.status == BLKIF_RSP_OKAY && rsp.operation == BLKIF_OP_READ) {
            seen[rsp.id - 1000] = true;
            ok++;
        }
    }
    CHECK_EQ(got, n);
    CHECK_EQ(ok, n);
    for (i = 0; i < n; i++)
        if (!sector_is_pattern((uint8_t *)hf_page(&g, base) + i * 512, i))
            break;
    CHECK_EQ(i, n);
    /* the ring wraps: another full round */
    for (i = 0; i < n; i++) {
        struct hf_seg seg = { hf_grant(&g, base, false), 0, 0 };
        hf_make_rw(&f.fr, &s, BLKIF_OP_READ, i, 0, 1, &seg);
        hf_put(&f.fr, &s);
    }
    hf_push(&f.fr);
    for (got = 0; got < n && hf_wait_response(&f.fr, &rsp, WAIT_MS); got++)
        ;
    CHECK_EQ(got, n);
    qfix_stop(&f);
}

static void test_multipage_native(void) { multipage(BLK_LAYOUT_NATIVE); }
static void test_multipage_x86_32(void) { multipage(BLK_LAYOUT_X86_32); }

/* 256 segments through one indirect write, then read back. */
static void indirect(enum blk_layout layout)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    grant_ref_t ind[1];
    uint64_t data, rdata, ipage;
    unsigned i, bad = 0;

    fill_file();
    CHECK_EQ(qfix_start(&f, layout, 0, false, false), 0);
    data = hf_alloc_pages(&g, 256);
    rdata = hf_alloc_pages(&g, 256);
    ipage = hf_alloc_pages(&g, 1);
    for (i = 0; i < 256; i++) {
        struct hf_seg seg = { hf_grant(&g, data + i, true), 0, 7 };
        memset(hf_page(&g, data + i), (int)(i + 1), 4096);
        hf_write_indirect(&g, ipage, i, &seg);
    }
    ind[0] = hf_grant(&g, ipage, true);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_WRITE, 42, 2048, 256, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 42, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);    /* indirect_op echoed */
    for (i = 0; i < 256; i++) {
        struct hf_seg seg = { hf_grant(&g, rdata + i, false), 0, 7 };
        hf_write_indirect(&g, ipage, i, &seg);
    }
    ind[0] = hf_grant(&g, ipage, true);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 43, 2048, 256, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 43, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    for (i = 0; i < 256; i++) {
        uint8_t *p = hf_page(&g, rdata + i);
        if (p[0] != (uint8_t)(i + 1) || p[4095] != (uint8_t)(i + 1))
            bad++;
    }
    CHECK_EQ(bad, 0);
    /* Counted by indirect_op, as Linux blkback counts them: 256 segments
     * of 8 sectors each way. */
    CHECK_EQ(f.ctr.wr_req, 1);
    CHECK_EQ(f.ctr.rd_req, 1);
    CHECK_EQ(f.ctr.wr_sect, 2048);
    CHECK_EQ(f.ctr.rd_sect, 2048);
    CHECK_EQ(f.ctr.f_req + f.ctr.ds_req + f.ctr.oo_req, 0);
    qfix_stop(&f);
}

static void test_indirect_native(void) { indirect(BLK_LAYOUT_NATIVE); }
static void test_indirect_x86_32(void) { indirect(BLK_LAYOUT_X86_32); }

static void test_flush_and_barrier(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    uint8_t buf[512];
    uint64_t p;

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    hf_make_rw(&f.fr, &s, BLKIF_OP_FLUSH_DISKCACHE, 1, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE_BARRIER, 2, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY);
    /* a barrier carrying data, behind writes still in flight */
    p = hf_alloc_pages(&g, 2);
    memset(hf_page(&g, p), 0x11, 4096);
    memset(hf_page(&g, p + 1), 0x22, 4096);
    for (unsigned i = 0; i < 4; i++) {
        seg = (struct hf_seg){ hf_grant(&g, p, true), 0, 7 };
        hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE, 10 + i, 100 + 8 * i, 1, &seg);
        hf_put(&f.fr, &s);
    }
    seg = (struct hf_seg){ hf_grant(&g, p + 1, true), 0, 0 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE_BARRIER, 20, 99, 1, &seg);
    hf_put(&f.fr, &s);
    hf_push(&f.fr);
    for (unsigned i = 0; i < 5; i++) {
        CHECK(hf_wait_response(&f.fr, &rsp, WAIT_MS));
        CHECK_EQ(rsp.status, BLKIF_RSP_OKAY);
        /* the barrier completes after everything before it */
        if (i < 4)
            CHECK(rsp.id != 20);
        else
            EXPECT_RSP(rsp, 20, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY);
    }
    file_read(99, buf, 512);
    CHECK(buf[0] == 0x22 && buf[511] == 0x22);
    file_read(131, buf, 512);
    CHECK(buf[0] == 0x11);
    /* a flush with data writes it */
    seg = (struct hf_seg){ hf_grant(&g, p + 1, true), 0, 0 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_FLUSH_DISKCACHE, 21, 300, 1, &seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 21, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    file_read(300, buf, 512);
    CHECK(buf[0] == 0x22);
    /* without the features: EOPNOTSUPP, as with feature-barrier=0 */
    f.tgt.lim.barrier = false;
    f.tgt.lim.flush = false;
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE_BARRIER, 22, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 22, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_EOPNOTSUPP);
    hf_make_rw(&f.fr, &s, BLKIF_OP_FLUSH_DISKCACHE, 23, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 23, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_EOPNOTSUPP);
    qfix_stop(&f);
}

static void discard(enum blk_layout layout)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    uint8_t buf[4096], zero[4096] = { 0 };

    fill_file();
    CHECK_EQ(qfix_start(&f, layout, 0, false, false), 0);
    hf_make_discard(&f.fr, &s, 5, 64, 16, 0);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 5, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    file_read(64, buf, 4096);
    CHECK(!memcmp(buf, zero, 4096));
    file_read(72, buf, 4096);
    CHECK(!memcmp(buf, zero, 4096));
    file_read(80, buf, 512);
    CHECK(sector_is_pattern(buf, 80));
    /* discard-secure=0: the flag is ignored */
    hf_make_discard(&f.fr, &s, 6, 200, 8, BLKIF_DISCARD_SECURE);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 6, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    /* past the end, and wrapping around */
    hf_make_discard(&f.fr, &s, 7, DISK_SECTORS - 4, 8, 0);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 7, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    hf_make_discard(&f.fr, &s, 8, 16, UINT64_MAX - 8, 0);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 8, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    /* not offered (discard-enable=0) */
    f.tgt.lim.discard = false;
    hf_make_discard(&f.fr, &s, 9, 0, 8, 0);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 9, BLKIF_OP_DISCARD, BLKIF_RSP_EOPNOTSUPP);
    qfix_stop(&f);
}

static void test_discard_native(void) { discard(BLK_LAYOUT_NATIVE); }
static void test_discard_x86_32(void) { discard(BLK_LAYOUT_X86_32); }

/* Requests Linux's blkback answers BLKIF_RSP_ERROR: nothing is done. */
static void test_bad_segments(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg[12];
    uint64_t p;
    uint8_t buf[512];

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    p = hf_alloc_pages(&g, 1);
    memset(hf_page(&g, p), 0xee, 4096);
    for (unsigned i = 0; i < 12; i++)
        seg[i] = (struct hf_seg){ hf_grant(&g, p, true), 0, 0 };
#define BAD(op_, sector_, n_, why) do {                                     \
        hf_make_rw(&f.fr, &s, op_, __LINE__, sector_, n_, seg);             \
        rsp = one(&f, &s);                                                  \
        if (rsp.status != BLKIF_RSP_ERROR)                                  \
            printf("# %s: status %d\n", why, rsp.status);                   \
        EXPECT_RSP(rsp, __LINE__, op_, BLKIF_RSP_ERROR);                    \
    } while (0)
    BAD(BLKIF_OP_READ, 0, 0, "no segments");
    BAD(BLKIF_OP_WRITE, 0, 12, "12 segments");
    seg[0].first = 5, seg[0].last = 4;
    BAD(BLKIF_OP_WRITE, 0, 1, "first > last");
    seg[0].first = 0, seg[0].last = 8;
    BAD(BLKIF_OP_WRITE, 0, 1, "last_sect 8");
    seg[0].first = 7, seg[0].last = 7;
    BAD(BLKIF_OP_WRITE, DISK_SECTORS, 1, "past the end");
    seg[0].first = 0, seg[0].last = 7;
    BAD(BLKIF_OP_WRITE, DISK_SECTORS - 4, 1, "across the end");
    BAD(BLKIF_OP_WRITE, UINT64_MAX - 3, 1, "wrapping");
    BAD(BLKIF_OP_FLUSH_DISKCACHE, 0, 12, "flush with 12 segments");
    /* none of them wrote anything */
    file_read(0, buf, 512);
    CHECK(sector_is_pattern(buf, 0));
    file_read(DISK_SECTORS - 1, buf, 512);
    CHECK(sector_is_pattern(buf, DISK_SECTORS - 1));
    /* misaligned on a 4096-byte-sector disk */
    f.tgt.lim.sector_size = 4096;
    seg[0] = (struct hf_seg){ seg[0].gref, 0, 7 };
    BAD(BLKIF_OP_READ, 1, 1, "misaligned start");
    seg[0].last = 3;
    BAD(BLKIF_OP_READ, 0, 1, "misaligned length");
    seg[0].last = 7;
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 77, 8, 1, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 77, BLKIF_OP_READ, BLKIF_RSP_ERROR);    /* read-only grant */
    qfix_stop(&f);
}

static void test_unknown_ops(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;

    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_X86_32, 0, false, false), 0);
    hf_make_rw(&f.fr, &s, BLKIF_OP_RESERVED_1, 0xabcdef, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 0xabcdef, BLKIF_OP_RESERVED_1, BLKIF_RSP_EOPNOTSUPP);
    hf_make_rw(&f.fr, &s, 200, 0xfedcba, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 0xfedcba, 200, BLKIF_RSP_EOPNOTSUPP);
    qfix_stop(&f);
}

static void test_readonly_disk(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    uint64_t p;
    uint8_t buf[512];

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, true), 0);
    p = hf_alloc_pages(&g, 1);
    seg = (struct hf_seg){ hf_grant(&g, p, false), 0, 0 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE, 1, 3, 1, &seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR);
    f.tgt.lim.discard = true;           /* even if it were offered */
    hf_make_discard(&f.fr, &s, 2, 0, 8, 0);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR);
    f.tgt.lim.flush = true;
    hf_make_rw(&f.fr, &s, BLKIF_OP_FLUSH_DISKCACHE, 3, 0, 0, NULL);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 3, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 4, 3, 1, &seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 4, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(sector_is_pattern(hf_page(&g, p), 3));
    file_read(3, buf, 512);
    CHECK(sector_is_pattern(buf, 3));
    qfix_stop(&f);
}

static void test_bad_indirect(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    grant_ref_t ind[2];
    uint64_t ip, dp;

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    ip = hf_alloc_pages(&g, 1);
    dp = hf_alloc_pages(&g, 1);
    seg = (struct hf_seg){ hf_grant(&g, dp, false), 0, 7 };
    for (unsigned i = 0; i < 257; i++)
        hf_write_indirect(&g, ip, i % 512, &seg);
    ind[0] = hf_grant(&g, ip, true);
    /* the response carries indirect_op, whatever it is */
    hf_make_indirect(&f.fr, &s, BLKIF_OP_FLUSH_DISKCACHE, 1, 0, 1, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_INDIRECT, 2, 0, 1, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_INDIRECT, BLKIF_RSP_ERROR);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 3, 0, 0, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 3, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 4, 0, 257, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 4, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* an indirect page that is not granted */
    ind[1] = 30000;
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 5, 0, 1, 1, &ind[1]);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 5, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* a bad descriptor inside the page */
    seg.last = 9;
    hf_write_indirect(&g, ip, 0, &seg);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 6, 0, 1, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 6, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* and a good one still works */
    seg.last = 7;
    hf_write_indirect(&g, ip, 0, &seg);
    hf_make_indirect(&f.fr, &s, BLKIF_OP_READ, 7, 40, 1, 1, ind);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(sector_is_pattern(hf_page(&g, dp), 40));
    qfix_stop(&f);
}

/* A bad grant is an error, and nothing outside a grant is touched. */
static void test_bad_grants(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg[2];
    uint64_t good, victim;
    grant_ref_t other;
    unsigned i;

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    good = hf_alloc_pages(&g, 1);
    victim = hf_alloc_pages(&g, 1);
    memset(hf_page(&g, good), 0xaa, 4096);
    memset(hf_page(&g, victim), 0xbb, 4096);
    /* a read into a page granted read-only */
    seg[0] = (struct hf_seg){ hf_grant(&g, good, false), 0, 7 };
    seg[1] = (struct hf_seg){ hf_grant(&g, victim, true), 0, 7 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 1, 0, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* a ref never granted, one past the table, one granted to domain 7 */
    seg[1].gref = 20000;
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 2, 0, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    seg[1].gref = 0xfffffff0u;
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 3, 0, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 3, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    other = hf_grant(&g, victim, false);
    ((grant_entry_v1_t *)gnt_shared_frame(&g.view, other / GNT_V1_PER_FRAME))
        [other % GNT_V1_PER_FRAME].domid = 7;
    seg[1].gref = other;
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 4, 0, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 4, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* a frame that is not guest RAM */
    seg[1].gref = hf_grant(&g, g.ram_pages + 3, false);
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 5, 0, 2, seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 5, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    /* neither page was written: the good segment neither */
    for (i = 0; i < 4096; i++)
        if (((uint8_t *)hf_page(&g, good))[i] != 0xaa ||
            ((uint8_t *)hf_page(&g, victim))[i] != 0xbb)
            break;
    CHECK_EQ(i, 4096);
    /* and no grant is left held */
    CHECK(hf_ungrant(&g, seg[0].gref));
    qfix_stop(&f);
}

/* I/O finer than what O_DIRECT takes here goes through the buffered
 * descriptor and still lands right (a 4096-byte direct-I/O backing). */
static void test_unaligned_goes_buffered(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    uint64_t p;
    uint8_t buf[512];

    fill_file();
    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    f.disk.dio_align = 4096;
    p = hf_alloc_pages(&g, 1);
    seg = (struct hf_seg){ hf_grant(&g, p, false), 1, 3 };
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 1, 3, 1, &seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(sector_is_pattern((uint8_t *)hf_page(&g, p) + 512, 3));
    CHECK(sector_is_pattern((uint8_t *)hf_page(&g, p) + 3 * 512, 5));
    memset(hf_page(&g, p), 0x3c, 4096);
    hf_make_rw(&f.fr, &s, BLKIF_OP_WRITE, 2, 7, 1, &seg);
    rsp = one(&f, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    file_read(9, buf, 512);
    CHECK(buf[0] == 0x3c && buf[511] == 0x3c);
    file_read(10, buf, 512);
    CHECK(sector_is_pattern(buf, 10));
    qfix_stop(&f);
}

/* A producer index past the ring halts that ring only. */
static void test_prod_overflow_halts_ring(void)
{
    struct qfix a, b;
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    uint64_t p;
    int i;

    fill_file();
    CHECK_EQ(qfix_start(&a, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    CHECK_EQ(qfix_start(&b, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    p = hf_alloc_pages(&g, 1);
    seg = (struct hf_seg){ hf_grant(&g, p, false), 0, 0 };
    hf_make_rw(&a.fr, &s, BLKIF_OP_READ, 1, 0, 1, &seg);
    hf_put(&a.fr, &s);
    a.fr.fr.native.req_prod_pvt += hf_ring_size(&a.fr) + 5;
    hf_push(&a.fr);
    hf_kick(&g, a.fr.port);
    for (i = 0; i < WAIT_MS / 10 && !__atomic_load_n(&a.q.ring.halted, __ATOMIC_ACQUIRE); i++)
        usleep(10000);
    CHECK(__atomic_load_n(&a.q.ring.halted, __ATOMIC_ACQUIRE));
    CHECK(!hf_take_response(&a.fr, &rsp));
    /* the other ring is served */
    hf_make_rw(&b.fr, &s, BLKIF_OP_READ, 2, 9, 1, &seg);
    rsp = one(&b, &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(sector_is_pattern(hf_page(&g, p), 9));
    qfix_stop(&a);
    qfix_stop(&b);
}

/* rsp_event / req_event: no event the other side did not ask for. */
static void test_event_suppression(void)
{
    struct qfix f;
    union blk_slot s;
    struct hf_seg seg;
    struct blkif_sring *sr;
    uint64_t p, before;
    RING_IDX prod;
    int i;

    CHECK_EQ(qfix_start(&f, BLK_LAYOUT_NATIVE, 0, false, false), 0);
    sr = f.fr.fr.native.sring;
    p = hf_alloc_pages(&g, 1);
    seg = (struct hf_seg){ hf_grant(&g, p, false), 0, 0 };
    /* the frontend is polling: it wants no event */
    sr->rsp_event = f.fr.fr.native.rsp_cons + 1000;
    before = __atomic_load_n(&f.q.stats.notifies, __ATOMIC_RELAXED);
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 1, 0, 1, &seg);
    hf_put(&f.fr, &s);
    hf_push(&f.fr);
    for (i = 0; i < WAIT_MS / 10 && __atomic_load_n(&sr->rsp_prod, __ATOMIC_ACQUIRE) ==
                                    f.fr.fr.native.rsp_cons; i++)
        usleep(10000);
    CHECK(sr->rsp_prod != f.fr.fr.native.rsp_cons);
    CHECK(!hf_wait_irq(&g, f.fr.port, 0));
    CHECK_EQ(__atomic_load_n(&f.q.stats.notifies, __ATOMIC_RELAXED), before);
    f.fr.fr.native.rsp_cons = sr->rsp_prod;
    /* the backend, idle, asks for an event on the next request */
    prod = sr->req_prod;
    for (i = 0; i < WAIT_MS / 10 && __atomic_load_n(&sr->req_event, __ATOMIC_ACQUIRE) !=
                                    prod + 1; i++)
        usleep(10000);
    CHECK_EQ(sr->req_event, prod + 1);
    /* now the frontend waits for an event: it comes */
    sr->rsp_event = f.fr.fr.native.rsp_cons + 1;
    hf_make_rw(&f.fr, &s, BLKIF_OP_READ, 2, 0, 1, &seg);
    hf_put(&f.fr, &s);
    hf_push(&f.fr);
    CHECK(hf_wait_irq(&g, f.fr.port, WAIT_MS));
    qfix_stop(&f);
}

/* --- whole vbds on the handshake --------------------------------------- */

#define BE "/local/domain/0/backend/vbd/3/51712"
#define FE "/local/domain/3/device/vbd/51712"

static struct hf_store *st;

static void toolstack_nodes(const char *params, const char *mode, const char *devtype)
{
    hf_store_put(st, BE "/frontend", FE);
    hf_store_put(st, BE "/frontend-id", "3");
    hf_store_put(st, BE "/online", "1");
    hf_store_put(st, BE "/state", "1");
    hf_store_put(st, BE "/params", params);
    hf_store_put(st, BE "/mode", mode);
    hf_store_put(st, BE "/type", "phy");
    hf_store_put(st, BE "/device-type", devtype);
    hf_store_put(st, BE "/removable", "0");
    hf_store_put(st, FE "/backend", BE);
    hf_store_put(st, FE "/state", "1");
}

static bool node_is(const char *p, const char *want)
{
    const char *v = hf_store_get(st, p);

    if (!v || strcmp(v, want)) {
        printf("# %s = %s, expected %s\n", p, v ? v : "(none)", want);
        return false;
    }
    return true;
}

static void fe_state(struct blk_vbd *v, const char *state)
{
    hf_store_put(st, FE "/state", state);
    blkvbd_changed(v);
}

/* The frontend publishes NQ queues of 2^ORDER pages. */
static void fe_rings(struct hf_ring *r, unsigned nq, unsigned order, const char *protocol,
                     enum blk_layout layout)
{
    char p[160], v[32];

    if (protocol)
        hf_store_put(st, FE "/protocol", protocol);
    if (nq > 1) {
        snprintf(v, sizeof(v), "%u", nq);
        hf_store_put(st, FE "/multi-queue-num-queues", v);
    }
    if (order) {
        snprintf(v, sizeof(v), "%u", order);
        hf_store_put(st, FE "/ring-page-order", v);
    }
    for (unsigned q = 0; q < nq; q++) {
        char dir[96];

        hf_ring_init(&r[q], &g, layout, order, true);
        if (nq > 1)
            snprintf(dir, sizeof(dir), FE "/queue-%u", q);
        else
            snprintf(dir, sizeof(dir), FE);
        for (unsigned i = 0; i < (1u << order); i++) {
            if (order)
                snprintf(p, sizeof(p), "%s/ring-ref%u", dir, i);
            else
                snprintf(p, sizeof(p), "%s/ring-ref", dir);
            snprintf(v, sizeof(v), "%u", r[q].ref[i]);
            hf_store_put(st, p, v);
        }
        snprintf(p, sizeof(p), "%s/event-channel", dir);
        snprintf(v, sizeof(v), "%u", r[q].port);
        hf_store_put(st, p, v);
    }
}

/* Read sector SECTOR through ring R: true when it came back right. */
static bool ring_reads(struct hf_ring *r, uint64_t sector)
{
    uint64_t p = hf_alloc_pages(&g, 1);
    struct hf_seg seg = { hf_grant(&g, p, false), 0, 0 };
    union blk_slot s;
    struct hf_rsp rsp;

    hf_make_rw(r, &s, BLKIF_OP_READ, sector + 1, sector, 1, &seg);
    hf_put(r, &s);
    hf_push(r);
    return hf_wait_response(r, &rsp, WAIT_MS) && rsp.status == BLKIF_RSP_OKAY &&
           rsp.id == sector + 1 && sector_is_pattern(hf_page(&g, p), sector);
}

static struct xk_backend_ctx *vctx(void)
{
    g.ctx.domid = 3;
    return &g.ctx;
}

static void test_vbd_publish(void)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    char want[32];

    st = hf_store_new();
    fill_file();
    toolstack_nodes(path, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    CHECK(node_is(BE "/state", "2"));
    CHECK(node_is(BE "/feature-flush-cache", "1"));
    CHECK(node_is(BE "/feature-barrier", "1"));
    CHECK(node_is(BE "/feature-discard", "1"));
    CHECK(hf_store_get(st, BE "/discard-granularity") != NULL);
    CHECK(node_is(BE "/discard-alignment", "0"));
    CHECK(node_is(BE "/discard-secure", "0"));
    CHECK(atoi(hf_store_get(st, BE "/feature-max-indirect-segments")) >= 256);
    CHECK(atoi(hf_store_get(st, BE "/max-ring-page-order")) >= 4);
    snprintf(want, sizeof(want), "%u", BLK_MAX_QUEUES);
    CHECK(node_is(BE "/multi-queue-max-queues", want));
    snprintf(want, sizeof(want), "%u", DISK_SECTORS);
    CHECK(node_is(BE "/sectors", want));
    CHECK(node_is(BE "/sector-size", "512"));
    CHECK(node_is(BE "/physical-sector-size", "512"));
    CHECK(node_is(BE "/info", "0"));
    blkvbd_destroy(v);
    hf_store_free(st);
    /* a cdrom: read-only, flags in info, no discard */
    st = hf_store_new();
    toolstack_nodes(path, "r", "cdrom");
    hf_store_put(st, BE "/removable", "1");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    snprintf(want, sizeof(want), "%u", VDISK_READONLY | VDISK_CDROM | VDISK_REMOVABLE);
    CHECK(node_is(BE "/info", want));
    CHECK(node_is(BE "/feature-discard", "0"));
    blkvbd_destroy(v);
    hf_store_free(st);
    /* discard-enable=0 from the toolstack */
    st = hf_store_new();
    toolstack_nodes(path, "w", "disk");
    hf_store_put(st, BE "/discard-enable", "0");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    CHECK(node_is(BE "/feature-discard", "0"));
    blkvbd_destroy(v);
    hf_store_free(st);
    free(v);
}

static void test_vbd_bad_params(void)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));

    st = hf_store_new();
    toolstack_nodes("qcow2:/nonexistent.qcow2", "w", "disk");
    CHECK(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn) < 0);
    CHECK(node_is(BE "/state", "5"));
    CHECK(hf_store_get(st, BE "/error") != NULL);
    hf_store_free(st);
    st = hf_store_new();
    toolstack_nodes("/nonexistent/disk.img", "w", "disk");
    CHECK(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn) < 0);
    CHECK(node_is(BE "/state", "5"));
    hf_store_free(st);
    /* no backend directory yet: try again later */
    st = hf_store_new();
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), -ENOENT);
    hf_store_free(st);
    free(v);
}

static void test_vbd_multiqueue_reconnect(void)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    struct hf_ring r[4];

    st = hf_store_new();
    fill_file();
    toolstack_nodes(path, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    fe_rings(r, 3, 2, XEN_IO_PROTO_ABI_X86_64, BLK_LAYOUT_NATIVE);
    fe_state(v, "3");
    CHECK(node_is(BE "/state", "4"));
    CHECK_EQ(v->nr_queues, 3);
    for (unsigned q = 0; q < 3; q++)
        CHECK(ring_reads(&r[q], 100 + q));
    fe_state(v, "4");
    CHECK(node_is(BE "/state", "4"));
    /* the guest reboots: Closing, Closed, Initialising, then x86_32 */
    fe_state(v, "5");
    CHECK(node_is(BE "/state", "5"));
    CHECK_EQ(v->nr_queues, 0);
    CHECK(hf_ungrant(&g, r[0].ref[0]));        /* ring pages given back */
    fe_state(v, "6");
    CHECK(node_is(BE "/state", "6"));
    fe_state(v, "1");
    CHECK(node_is(BE "/state", "2"));
    for (unsigned q = 0; q < 3; q++)
        hf_ring_fini(&r[q]);
    hf_store_put(st, FE "/multi-queue-num-queues", "1");
    hf_store_put(st, FE "/ring-page-order", "0");
    hf_store_rm(st, FE "/protocol");        /* absent: x86_32 */
    fe_rings(r, 1, 0, NULL, BLK_LAYOUT_X86_32);
    fe_state(v, "3");
    CHECK(node_is(BE "/state", "4"));
    CHECK_EQ(v->nr_queues, 1);
    CHECK(ring_reads(&r[0], 555));
    blkvbd_destroy(v);
    hf_ring_fini(&r[0]);
    hf_store_free(st);
    free(v);
}

static void test_vbd_resize_and_unplug(void)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    struct hf_ring r[1];
    unsigned txns;
    char want[32];

    st = hf_store_new();
    fill_file();
    toolstack_nodes(path, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    fe_rings(r, 1, 0, XEN_IO_PROTO_ABI_X86_64, BLK_LAYOUT_NATIVE);
    fe_state(v, "3");
    CHECK(node_is(BE "/state", "4"));
    CHECK_EQ(blkvbd_resize(v), 0);              /* unchanged */
    CHECK(!ring_reads(&r[0], DISK_SECTORS));    /* past the end */
    CHECK(truncate(path, (off_t)(DISK_SECTORS + 2048) * 512) == 0);
    txns = hf_store_txns(st);
    hf_store_put(st, BE "/state", "x");         /* to see the rewrite */
    CHECK_EQ(blkvbd_resize(v), 1);
    CHECK_EQ(hf_store_txns(st), txns + 1);
    snprintf(want, sizeof(want), "%u", DISK_SECTORS + 2048);
    CHECK(node_is(BE "/sectors", want));
    CHECK(node_is(BE "/state", "4"));
    /* the new sectors are served (a hole reads as zeroes) */
    {
        uint64_t p = hf_alloc_pages(&g, 1);
        struct hf_seg seg = { hf_grant(&g, p, false), 0, 7 };
        union blk_slot s;
        struct hf_rsp rsp;

        memset(hf_page(&g, p), 0x77, 4096);
        hf_make_rw(&r[0], &s, BLKIF_OP_READ, 9, DISK_SECTORS + 8, 1, &seg);
        hf_put(&r[0], &s);
        hf_push(&r[0]);
        CHECK(hf_wait_response(&r[0], &rsp, WAIT_MS));
        CHECK_EQ(rsp.status, BLKIF_RSP_OKAY);
        CHECK(((uint8_t *)hf_page(&g, p))[100] == 0);
    }
    CHECK(truncate(path, (off_t)DISK_SECTORS * 512) == 0);
    CHECK_EQ(blkvbd_resize(v), 1);
    /* xl block-detach: online = 0 (and state 5, as libxl writes it) */
    hf_store_put(st, BE "/online", "0");
    blkvbd_changed(v);
    CHECK(node_is(BE "/state", "5"));
    CHECK_EQ(v->nr_queues, 0);
    CHECK(!blkvbd_gone(v));
    fe_state(v, "6");
    CHECK(node_is(BE "/state", "6"));
    CHECK(blkvbd_gone(v));
    blkvbd_destroy(v);
    hf_ring_fini(&r[0]);
    hf_store_free(st);
    free(v);
}

/* What a frontend may get wrong at connect: Closing with an error. */
static void bad_connect(const char *node, const char *value, const char *why)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    struct hf_ring r[2];

    st = hf_store_new();
    toolstack_nodes(path, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    fe_rings(r, 1, 0, XEN_IO_PROTO_ABI_X86_64, BLK_LAYOUT_NATIVE);
    hf_store_put(st, node, value);
    fe_state(v, "3");
    if (!node_is(BE "/state", "5"))
        printf("# %s\n", why);
    CHECK(node_is(BE "/state", "5"));
    CHECK(hf_store_get(st, BE "/error") != NULL);
    CHECK_EQ(v->nr_queues, 0);
    CHECK(hf_ungrant(&g, r[0].ref[0]));        /* nothing held */
    blkvbd_destroy(v);
    hf_ring_fini(&r[0]);
    hf_store_free(st);
    free(v);
}

static void test_vbd_bad_frontend(void)
{
    bad_connect(FE "/protocol", "arm-abi", "unknown protocol");
    bad_connect(FE "/multi-queue-num-queues", "9", "too many queues");
    bad_connect(FE "/multi-queue-num-queues", "0", "no queues");
    bad_connect(FE "/ring-page-order", "5", "ring order too big");
    bad_connect(FE "/ring-page-order", "1", "ring-ref0/1 missing");
    bad_connect(FE "/ring-ref", "junk", "bad ring-ref");
    bad_connect(FE "/ring-ref", "25000", "ring-ref not granted");
    bad_connect(FE "/event-channel", "63", "port not allocated");
}

/* Send one request on R and wait for its response. */
static struct hf_rsp ring_one(struct hf_ring *r, const union blk_slot *slot)
{
    struct hf_rsp rsp = { .id = ~0ull, .operation = 0xff, .status = 99 };

    hf_put(r, slot);
    hf_push(r);
    if (!hf_wait_response(r, &rsp, WAIT_MS))
        printf("# no response within %d ms\n", WAIT_MS);
    return rsp;
}

static bool have(const char *prog)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
    return system(cmd) == 0;
}

/* A qcow2 image: exported by qemu-storage-daemon, served over NBD. */
static void test_vbd_qcow2(void)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    char img[96], cmd[256], params[128], dir[64];
    struct hf_ring r[2];
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg[4];
    grant_ref_t ind;
    uint64_t w, rd, ip;
    uint8_t magic[4] = { 0 };
    unsigned i, bad = 0;
    pid_t qsd;
    int fd;

    snprintf(dir, sizeof(dir), "/tmp/xk-blkqcow-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(img, sizeof(img), "%s/disk.qcow2", dir);
    snprintf(cmd, sizeof(cmd), "qemu-img create -q -f qcow2 %s 16M", img);
    CHECK_EQ(system(cmd), 0);
    snprintf(params, sizeof(params), "qcow2:%s", img);
    g.ctx.rundir = dir;
    st = hf_store_new();
    toolstack_nodes(params, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    CHECK(node_is(BE "/state", "2"));
    CHECK(node_is(BE "/sectors", "32768"));
    CHECK(node_is(BE "/feature-flush-cache", "1"));
    CHECK(node_is(BE "/feature-discard", "1"));
    qsd = v->disk.exp.pid;
    CHECK(qsd > 0);
    fe_rings(r, 2, 1, XEN_IO_PROTO_ABI_X86_64, BLK_LAYOUT_NATIVE);
    fe_state(v, "3");
    CHECK(node_is(BE "/state", "4"));
    CHECK_EQ(v->nr_queues, 2);
    /* write on queue 0, read back on queue 1 */
    w = hf_alloc_pages(&g, 4);
    rd = hf_alloc_pages(&g, 4);
    for (i = 0; i < 4; i++) {
        memset(hf_page(&g, w + i), 0x40 + (int)i, 4096);
        seg[i] = (struct hf_seg){ hf_grant(&g, w + i, true), 0, 7 };
    }
    hf_make_rw(&r[0], &s, BLKIF_OP_WRITE, 1, 800, 4, seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    for (i = 0; i < 4; i++)
        seg[i] = (struct hf_seg){ hf_grant(&g, rd + i, false), 0, 7 };
    hf_make_rw(&r[1], &s, BLKIF_OP_READ, 2, 800, 4, seg);
    rsp = ring_one(&r[1], &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(!memcmp(hf_page(&g, w), hf_page(&g, rd), 4 * 4096));
    /* indirect: the 4 pages through an indirect page, elsewhere */
    ip = hf_alloc_pages(&g, 1);
    for (i = 0; i < 4; i++) {
        struct hf_seg sg = { hf_grant(&g, w + i, true), 0, 7 };
        hf_write_indirect(&g, ip, i, &sg);
    }
    ind = hf_grant(&g, ip, true);
    hf_make_indirect(&r[0], &s, BLKIF_OP_WRITE, 3, 4096, 4, 1, &ind);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 3, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    /* flush, a barrier carrying data, discard */
    hf_make_rw(&r[0], &s, BLKIF_OP_FLUSH_DISKCACHE, 4, 0, 0, NULL);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 4, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    seg[0] = (struct hf_seg){ hf_grant(&g, w + 3, true), 0, 7 };
    hf_make_rw(&r[0], &s, BLKIF_OP_WRITE_BARRIER, 5, 16, 1, seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 5, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY);
    /* a whole qcow2 cluster (64 KiB) around it: qcow2 frees only those */
    hf_make_discard(&r[1], &s, 6, 768, 128, 0);
    rsp = ring_one(&r[1], &s);
    EXPECT_RSP(rsp, 6, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    /* read back: 800.. discarded (zeroes), 4096.. the indirect write */
    for (i = 0; i < 4; i++)
        seg[i] = (struct hf_seg){ hf_grant(&g, rd + i, false), 0, 7 };
    hf_make_rw(&r[1], &s, BLKIF_OP_READ, 7, 800, 2, seg);
    rsp = ring_one(&r[1], &s);
    EXPECT_RSP(rsp, 7, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(((uint8_t *)hf_page(&g, rd))[0] == 0 && ((uint8_t *)hf_page(&g, rd + 1))[9] == 0);
    hf_make_rw(&r[1], &s, BLKIF_OP_READ, 8, 4096, 4, seg);
    rsp = ring_one(&r[1], &s);
    EXPECT_RSP(rsp, 8, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    for (i = 0; i < 4; i++)
        bad += ((uint8_t *)hf_page(&g, rd + i))[4095] != 0x40 + i;
    CHECK_EQ(bad, 0);
    hf_make_rw(&r[1], &s, BLKIF_OP_READ, 9, 16, 1, seg);
    rsp = ring_one(&r[1], &s);
    CHECK(((uint8_t *)hf_page(&g, rd))[9] == 0x43);
    /* past the end: refused before NBD */
    hf_make_rw(&r[1], &s, BLKIF_OP_READ, 10, 32768, 1, seg);
    rsp = ring_one(&r[1], &s);
    EXPECT_RSP(rsp, 10, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    fe_state(v, "5");
    CHECK(node_is(BE "/state", "5"));
    blkvbd_destroy(v);
    CHECK(kill(qsd, 0) != 0);           /* the daemon is gone */
    /* still a qcow2 image, and a consistent one */
    fd = open(img, O_RDONLY);
    CHECK(fd >= 0 && read(fd, magic, 4) == 4);
    close(fd);
    CHECK(!memcmp(magic, "QFI\xfb", 4));
    snprintf(cmd, sizeof(cmd), "qemu-img check -q %s", img);
    CHECK_EQ(system(cmd), 0);
    for (i = 0; i < 2; i++)
        hf_ring_fini(&r[i]);
    hf_store_free(st);
    free(v);
    g.ctx.rundir = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
}

/* A block device with 4096-byte logical sectors (a loop device): its
 * sizes as published, O_DIRECT I/O, misalignment refused, BLKDISCARD. */
static void test_vbd_blockdev(const char *dev)
{
    struct blk_vbd *v = calloc(1, sizeof(*v));
    struct hf_ring r[1];
    union blk_slot s;
    struct hf_rsp rsp;
    struct hf_seg seg;
    uint64_t p;

    st = hf_store_new();
    toolstack_nodes(dev, "w", "disk");
    CHECK_EQ(blkvbd_probe(v, vctx(), 51712, &hf_store_ops, st, hf_store_txn), 0);
    CHECK(node_is(BE "/state", "2"));
    CHECK(node_is(BE "/sector-size", "4096"));
    CHECK(node_is(BE "/physical-sector-size", "4096"));
    CHECK(node_is(BE "/sectors", "16384"));
    CHECK(v->disk.blockdev && v->disk.direct);
    fe_rings(r, 1, 0, XEN_IO_PROTO_ABI_X86_64, BLK_LAYOUT_NATIVE);
    fe_state(v, "3");
    CHECK(node_is(BE "/state", "4"));
    p = hf_alloc_pages(&g, 1);
    memset(hf_page(&g, p), 0x6d, 4096);
    seg = (struct hf_seg){ hf_grant(&g, p, false), 0, 7 };
    hf_make_rw(&r[0], &s, BLKIF_OP_WRITE, 1, 64, 1, &seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 1, BLKIF_OP_WRITE, BLKIF_RSP_OKAY);
    memset(hf_page(&g, p), 0, 4096);
    hf_make_rw(&r[0], &s, BLKIF_OP_READ, 2, 64, 1, &seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 2, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(((uint8_t *)hf_page(&g, p))[4095] == 0x6d);
    hf_make_rw(&r[0], &s, BLKIF_OP_READ, 3, 65, 1, &seg);     /* not on a 4 KiB sector */
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 3, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    seg.last = 3;                                             /* half a sector */
    hf_make_rw(&r[0], &s, BLKIF_OP_READ, 4, 64, 1, &seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 4, BLKIF_OP_READ, BLKIF_RSP_ERROR);
    hf_make_discard(&r[0], &s, 5, 64, 8, 0);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 5, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY);
    seg.last = 7;
    hf_make_rw(&r[0], &s, BLKIF_OP_READ, 6, 64, 1, &seg);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 6, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    CHECK(((uint8_t *)hf_page(&g, p))[100] == 0);           /* discarded: zeroes */
    hf_make_rw(&r[0], &s, BLKIF_OP_FLUSH_DISKCACHE, 7, 0, 0, NULL);
    rsp = ring_one(&r[0], &s);
    EXPECT_RSP(rsp, 7, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY);
    blkvbd_destroy(v);
    hf_ring_fini(&r[0]);
    hf_store_free(st);
    free(v);
}

/* A loop device over a new 8 MiB file with 4096-byte sectors, or NULL. */
static char *loop_setup(const char *file)
{
    static char dev[64];
    char cmd[160];
    FILE *f;

    if (geteuid() != 0 || access("/dev/loop-control", W_OK) || !have("losetup"))
        return NULL;
    snprintf(cmd, sizeof(cmd), "truncate -s 8M %s && losetup -f --show --sector-size 4096 %s "
             "2>/dev/null", file, file);
    if (!(f = popen(cmd, "r")))
        return NULL;
    if (!fgets(dev, sizeof(dev), f))
        dev[0] = 0;
    pclose(f);
    dev[strcspn(dev, "\n")] = 0;
    return strncmp(dev, "/dev/loop", 9) ? NULL : dev;
}

int main(void)
{
    int fd;

    snprintf(path, sizeof(path), "/tmp/xk-blkback-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, (off_t)DISK_SECTORS * 512) || hf_guest_init(&g, 3, 16384)) {
        printf("FAIL: setup: cannot create the backing or the guest\n");
        return 1;
    }
    close(fd);
    RUN(test_rw_native);
    RUN(test_rw_x86_32);
    RUN(test_multipage_native);
    RUN(test_multipage_x86_32);
    RUN(test_indirect_native);
    RUN(test_indirect_x86_32);
    RUN(test_flush_and_barrier);
    RUN(test_discard_native);
    RUN(test_discard_x86_32);
    RUN(test_bad_segments);
    RUN(test_unknown_ops);
    RUN(test_readonly_disk);
    RUN(test_bad_indirect);
    RUN(test_bad_grants);
    RUN(test_unaligned_goes_buffered);
    RUN(test_prod_overflow_halts_ring);
    RUN(test_event_suppression);
    RUN(test_vbd_publish);
    RUN(test_vbd_bad_params);
    RUN(test_vbd_multiqueue_reconnect);
    RUN(test_vbd_resize_and_unplug);
    RUN(test_vbd_bad_frontend);
    if (have("qemu-img") && have("qemu-storage-daemon"))
        RUN(test_vbd_qcow2);
    else
        printf("SKIP: test_vbd_qcow2: qemu-img or qemu-storage-daemon missing "
               "(Debian: qemu-utils, qemu-system-common)\n");
    {
        char file[] = "/tmp/xk-blkloop-XXXXXX", cmd[96];
        int lfd = mkstemp(file);
        char *dev = lfd >= 0 ? loop_setup(file) : NULL;

        if (dev) {
            RUN_DEV(test_vbd_blockdev, dev);
            snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
            if (system(cmd))
                printf("# %s failed\n", cmd);
        } else {
            printf("SKIP: test_vbd_blockdev: no loop device here (root and "
                   "/dev/loop-control needed)\n");
        }
        if (lfd >= 0) {
            close(lfd);
            unlink(file);
        }
    }
    hf_guest_fini(&g);
    unlink(path);
    return CHECK_DONE();
}
