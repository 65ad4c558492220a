/*
 * blkfront{64,32}.elf: a block frontend driving the host's block backend
 * (xenkvm-blkback) the way Linux's xen-blkfront does, through the real
 * `xl create` with disk= lines (tests/cli/blkfront_xl.sh):
 *   the vbds under device/vbd, the XenbusState handshake (InitWait,
 *   Initialised, Connected; Closing, Closed and back to Initialising to
 *   reconnect), ring-ref / ring-page-order with ring-ref%u /
 *   multi-queue-num-queues with queue-N/, event-channel, protocol;
 *   every request type (read, write, flush, barrier, discard and secure
 *   discard, indirect), multi-page rings, several queues, this build's
 *   layout (x86_64 or x86_32; the 32-bit build also connects without a
 *   protocol node, whose default is x86_32), data written and read back;
 *   the bad requests Linux's blkback answers with BLKIF_RSP_ERROR or
 *   BLKIF_RSP_EOPNOTSUPP, bad grants, an unknown protocol, and last a
 *   producer index run past the ring, after which the other disk must
 *   still work.
 * Expected disks: the first (xvda) writable, at least 8 MiB; a second,
 * read-only one (xvdb) for the read-only and halted-ring cases.  With
 * `hotplug` on the command line the guest then waits for a disk that
 * block-attach adds, uses it, closes it when block-detach asks, and ends
 * once data/release is written.
 * The guest writes a signature at SIG_SECTOR of the first disk (its
 * domid and a pattern) that the script checks from the host.
 * Without a backend (no InitWait in time) every case that needs one
 * skips, saying so.
 * With `saverestore' on the command line it runs none of the cases but
 * keeps writing and reading back its first disk (tests/cli/
 * xl_save_devices.sh) until data/finish says "done": "blkfront-sr: ready"
 * once every slot was written, then "seeds S0 S1 ..." (what each slot of
 * the disk must hold, for the host to check the image) and "N rounds,
 * PASS" (or FAIL lines); every round also writes a page the guest filled
 * once at the start and never touches again (after a postcopy migration
 * the backend touches it first: tests/cli/xl_postcopy_devices.sh);
 * with `suspend' too it suspends cooperatively when asked, as Linux does.
 */
#include "lib.h"
#include "x86.h"
#include "test.h"
#include "hypercall.h"
#include "shinfo.h"
#include "evtchn.h"
#include "xen_guest.h"
#include "xenbus.h"

/* ring.h's barriers: x86 keeps stores and loads in order except a
 * store before a load, which needs the full fence. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ volatile("" ::: "memory")
#define xen_wmb() __asm__ volatile("" ::: "memory")
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

#define SECOND_NS 1000000000ull
#define STATE_TIMEOUT (30 * SECOND_NS)
#define RSP_TIMEOUT (30 * SECOND_NS)
#define HOTPLUG_TIMEOUT (120 * SECOND_NS)

#define MAX_VBDS 3
#define MAX_QUEUES 4
#define MAX_ORDER 4
#define RING_PAGES (1u << MAX_ORDER)
#define DATA_PAGES 48
#define IND_PAGES 8
#define SEGS_PER_IND_PAGE (PAGE_SIZE / sizeof(struct blkif_request_segment))

/* Grant references: 0-7 are the toolstack's; then rings, data, indirect
 * pages, and entries the bad-grant cases set up. */
#define REF_RING(slot, q, i) (8 + (slot) * MAX_QUEUES * RING_PAGES + (q) * RING_PAGES + (i))
#define REF_DATA(i) (256 + (i))
#define REF_IND(i) (320 + (i))
#define REF_NOPERM 400      /* frame of the canary, flags 0 */
#define REF_RO 401          /* canary granted read-only */
#define REF_OTHERDOM 402    /* canary granted to domain 5 */
#define REF_HUGE 100000     /* past the table */

#define SIG_SECTOR 8000
#define SIG_MAGIC "xenkvm-blkfront-signature"

static grant_entry_v1_t gnttab[PAGE_SIZE / sizeof(grant_entry_v1_t)]
    __aligned(PAGE_SIZE) __attribute__((section(".bss.page")));
static uint8_t ring_mem[MAX_VBDS][MAX_QUEUES][RING_PAGES][PAGE_SIZE]
    __aligned(PAGE_SIZE) __attribute__((section(".bss.page")));
static uint8_t data[DATA_PAGES][PAGE_SIZE]
    __aligned(PAGE_SIZE) __attribute__((section(".bss.page")));
static uint8_t ind[IND_PAGES][PAGE_SIZE]
    __aligned(PAGE_SIZE) __attribute__((section(".bss.page")));
static uint8_t canary[PAGE_SIZE]
    __aligned(PAGE_SIZE) __attribute__((section(".bss.page")));

struct queue {
    blkif_front_ring_t ring;
    blkif_sring_t *sring;
    evtchn_port_t port;
};

struct vbd {
    unsigned slot, devid;
    char fe[64], be[96];
    bool ro;                    /* the backend's mode is "r" */
    bool connected, broken;
    unsigned nq, order;
    struct queue q[MAX_QUEUES];
    uint64_t sectors;
    unsigned info, sector_size;
    unsigned max_indirect, max_order, max_queues;
    bool flush, barrier, discard, discard_secure;
};

static struct vbd vbds[MAX_VBDS];
static unsigned nr_vbds;
static bool backend_up, gnt_up;
static const char *no_backend_why = "setup did not run";
static uint64_t next_id = 0x1000;
static char buf[512];

/* ---- small helpers ------------------------------------------------------ */

static uint32_t pfn_of(const void *p)
{
    return (uint32_t)((uintptr_t)p >> PAGE_SHIFT);
}

static void grant(grant_ref_t ref, const void *page, bool ro)
{
    gnttab[ref].domid = 0;
    gnttab[ref].frame = pfn_of(page);
    __atomic_store_n(&gnttab[ref].flags, GTF_permit_access | (ro ? GTF_readonly : 0),
                     __ATOMIC_SEQ_CST);
}

static void ungrant(grant_ref_t ref)
{
    __atomic_store_n(&gnttab[ref].flags, 0, __ATOMIC_SEQ_CST);
}

static bool map_grant_table(void)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table, .idx = 0, .gpfn = pfn_of(gnttab) };

    if (gnt_up)
        return true;
    if (HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x))
        return false;
    for (unsigned i = 0; i < DATA_PAGES; i++)
        grant(REF_DATA(i), data[i], false);
    for (unsigned i = 0; i < IND_PAGES; i++)
        grant(REF_IND(i), ind[i], false);
    gnt_up = true;
    return true;
}

/* The byte at OFF of disk sector SECTOR as the guest writes it. */
static uint8_t pattern(uint64_t sector, unsigned off, unsigned seed)
{
    return (uint8_t)((uint32_t)sector * 131u + off * 7u + seed * 29u + (off >> 8));
}

static void fill(uint8_t *p, uint64_t sector, unsigned seed)
{
    for (unsigned i = 0; i < 512; i++)
        p[i] = pattern(sector, i, seed);
}

static bool matches(const uint8_t *p, uint64_t sector, unsigned seed)
{
    for (unsigned i = 0; i < 512; i++)
        if (p[i] != pattern(sector, i, seed))
            return false;
    return true;
}

/* ---- xenstore ----------------------------------------------------------- */

static int rd(const char *dir, const char *key, char *out, size_t n)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xenbus_read(XBT_NIL, path, out, n);
}

static uint64_t rd_u64(const char *dir, const char *key, uint64_t dflt)
{
    char path[160];
    uint64_t v;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xenbus_read_u64(XBT_NIL, path, &v) == 0 ? v : dflt;
}

static int wr(uint32_t tx, const char *dir, const char *key, const char *fmt, ...)
    __printf(4, 5);
static int wr(uint32_t tx, const char *dir, const char *key, const char *fmt, ...)
{
    char path[160], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xenbus_write(tx, path, val);
}

static int be_state(const struct vbd *v)
{
    return (int)rd_u64(v->be, "state", 0);
}

/* Wait until the backend's state is one in WANT (a bit mask of states);
 * the state seen last. */
static int wait_be(const struct vbd *v, unsigned want, uint64_t timeout)
{
    uint64_t deadline = xen_system_time() + timeout;
    struct xenbus_event ev;
    int st;

    for (;;) {
        st = be_state(v);
        if (want & (1u << st))
            return st;
        if (xen_system_time() >= deadline)
            return st;
        xenbus_next_event(&ev, 200000000ull);
    }
}

static int set_fe_state(const struct vbd *v, unsigned st)
{
    return wr(XBT_NIL, v->fe, "state", "%u", st);
}

/* ---- rings -------------------------------------------------------------- */

union req {
    struct blkif_request rw;
    struct blkif_request_discard discard;
    struct blkif_request_indirect ind;
};

/* Queue R on queue QI (not yet visible to the backend). */
static void put(struct vbd *v, unsigned qi, const union req *r)
{
    struct queue *q = &v->q[qi];

    memcpy(RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt), r, sizeof(*r));
    q->ring.req_prod_pvt++;
}

static void push(struct vbd *v, unsigned qi)
{
    struct queue *q = &v->q[qi];
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
    if (notify)
        ev_send(q->port);
}

static bool get_rsp(struct vbd *v, unsigned qi, struct blkif_response *out, uint64_t timeout)
{
    struct queue *q = &v->q[qi];
    uint64_t deadline = xen_system_time() + timeout, now;
    int more;

    for (;;) {
        if (RING_HAS_UNCONSUMED_RESPONSES(&q->ring)) {
            xen_rmb();
            memcpy(out, RING_GET_RESPONSE(&q->ring, q->ring.rsp_cons), sizeof(*out));
            q->ring.rsp_cons++;
            return true;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
        if (more)
            continue;
        now = xen_system_time();
        if (now >= deadline)
            return false;
        ev_wait_pending(q->port, deadline - now);
        ev_clear_pending(q->port);
    }
}

static void set_id(union req *r, uint64_t id)
{
    if (r->rw.operation == BLKIF_OP_INDIRECT)
        r->ind.id = id;
    else if (r->rw.operation == BLKIF_OP_DISCARD)
        r->discard.id = id;
    else
        r->rw.id = id;
}

/* The operation a response must carry: the request's (indirect_op for an
 * indirect request, as Linux's blkfront checks since 2021). */
static uint8_t rsp_op(const union req *r)
{
    return r->rw.operation == BLKIF_OP_INDIRECT ? r->ind.indirect_op : r->rw.operation;
}

/* One request, its response's status (or 99 without a response); the id
 * and operation of the response are checked. */
static int roundtrip(struct vbd *v, unsigned qi, union req *r)
{
    struct blkif_response rsp;
    uint64_t id = ++next_id;

    set_id(r, id);
    put(v, qi, r);
    push(v, qi);
    if (!get_rsp(v, qi, &rsp, RSP_TIMEOUT)) {
        test_fail(__FILE__, __LINE__, "no response to operation %u on %s queue %u",
                  r->rw.operation, v->fe, qi);
        return 99;
    }
    EXPECT_EQ(rsp.id, id);
    EXPECT_EQ(rsp.operation, rsp_op(r));
    return rsp.status;
}

/* A read or write of N segments, segment i on data page PAGE0 + i,
 * sectors FIRST..LAST of it (full pages when LAST is 7). */
static int rw(struct vbd *v, unsigned qi, uint8_t op, uint64_t sector, unsigned page0,
              unsigned n, unsigned first, unsigned last)
{
    union req r;

    memset(&r, 0, sizeof(r));
    r.rw.operation = op;
    r.rw.nr_segments = (uint8_t)n;
    r.rw.handle = (blkif_vdev_t)v->devid;
    r.rw.sector_number = sector;
    for (unsigned i = 0; i < n && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        r.rw.seg[i].gref = REF_DATA(page0 + i);
        r.rw.seg[i].first_sect = (uint8_t)first;
        r.rw.seg[i].last_sect = (uint8_t)last;
    }
    return roundtrip(v, qi, &r);
}

/* Fill data pages PAGE0.. for N whole-page segments starting at SECTOR. */
static void fill_pages(unsigned page0, unsigned n, uint64_t sector, unsigned seed)
{
    for (unsigned i = 0; i < n * 8; i++)
        fill(data[page0 + i / 8] + (i % 8) * 512, sector + i, seed);
}

/* Whether all sectors of the N pages hold the pattern (says which not). */
static bool pages_match(unsigned page0, unsigned n, uint64_t sector, unsigned seed)
{
    for (unsigned i = 0; i < n * 8; i++)
        if (!matches(data[page0 + i / 8] + (i % 8) * 512, sector + i, seed)) {
            printf("blkfront: sector %llu differs (page %u offset %u)\n",
                   (unsigned long long)(sector + i), page0 + i / 8, (i % 8) * 512);
            return false;
        }
    return true;
}

static void clear_pages(unsigned page0, unsigned n)
{
    memset(data[page0], 0xee, (size_t)n * PAGE_SIZE);
}

/* ---- the handshake ------------------------------------------------------ */

static void read_features(struct vbd *v)
{
    v->flush = rd_u64(v->be, "feature-flush-cache", 0) == 1;
    v->barrier = rd_u64(v->be, "feature-barrier", 0) == 1;
    v->discard = rd_u64(v->be, "feature-discard", 0) == 1;
    v->discard_secure = rd_u64(v->be, "discard-secure", 0) == 1;
    v->max_indirect = (unsigned)rd_u64(v->be, "feature-max-indirect-segments", 0);
    v->max_order = (unsigned)rd_u64(v->be, "max-ring-page-order", 0);
    v->max_queues = (unsigned)rd_u64(v->be, "multi-queue-max-queues", 1);
}

/* Remove what an earlier connection wrote. */
static void forget_rings(const struct vbd *v)
{
    char path[160];

    static const char *const keys[] = {
        "ring-ref", "event-channel", "ring-page-order", "multi-queue-num-queues",
        "protocol", "queue-0", "queue-1", "queue-2", "queue-3",
    };
    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", v->fe, keys[i]);
        xenbus_rm(XBT_NIL, path);
    }
    for (unsigned i = 0; i < RING_PAGES; i++) {
        snprintf(path, sizeof(path), "%s/ring-ref%u", v->fe, i);
        xenbus_rm(XBT_NIL, path);
    }
}

/* Connect V with NQ queues of 2^ORDER pages, PROTOCOL (NULL: no node).
 * EXPECT_UP false: the backend is expected to refuse (Closing). */
static bool vbd_connect(struct vbd *v, unsigned nq, unsigned order, const char *protocol,
                        bool expect_up)
{
    unsigned pages = 1u << order;
    uint32_t tx;
    int rc, st;

    forget_rings(v);
    for (unsigned qi = 0; qi < nq; qi++) {
        struct queue *q = &v->q[qi];

        memset(ring_mem[v->slot][qi], 0, (size_t)pages * PAGE_SIZE);
        q->sring = (blkif_sring_t *)ring_mem[v->slot][qi];
        SHARED_RING_INIT(q->sring);
        FRONT_RING_INIT(&q->ring, q->sring, PAGE_SIZE << order);
        for (unsigned i = 0; i < pages; i++)
            grant(REF_RING(v->slot, qi, i), ring_mem[v->slot][qi][i], false);
        if (ev_alloc_unbound(DOMID_SELF, 0, &q->port)) {
            test_fail(__FILE__, __LINE__, "EVTCHNOP_alloc_unbound failed");
            return false;
        }
        ev_mask(q->port);
    }
    v->nq = nq;
    v->order = order;
    do {
        char dir[96];

        if (!EXPECT_EQ(xenbus_transaction_start(&tx), 0))
            return false;
        if (nq > 1)
            wr(tx, v->fe, "multi-queue-num-queues", "%u", nq);
        if (order)
            wr(tx, v->fe, "ring-page-order", "%u", order);
        for (unsigned qi = 0; qi < nq; qi++) {
            if (nq > 1)
                snprintf(dir, sizeof(dir), "%s/queue-%u", v->fe, qi);
            else
                snprintf(dir, sizeof(dir), "%s", v->fe);
            if (!order)
                wr(tx, dir, "ring-ref", "%u", REF_RING(v->slot, qi, 0));
            for (unsigned i = 0; order && i < pages; i++) {
                char key[16];

                snprintf(key, sizeof(key), "ring-ref%u", i);
                wr(tx, dir, key, "%u", REF_RING(v->slot, qi, i));
            }
            wr(tx, dir, "event-channel", "%u", v->q[qi].port);
        }
        if (protocol)
            wr(tx, v->fe, "protocol", "%s", protocol);
        wr(tx, v->fe, "feature-persistent", "0");
        wr(tx, v->fe, "state", "%u", XenbusStateInitialised);
        rc = xenbus_transaction_end(tx, false);
    } while (rc == -XEN_EAGAIN);
    if (!EXPECT_EQ(rc, 0))
        return false;
    st = wait_be(v, 1u << XenbusStateConnected | 1u << XenbusStateClosing |
                 1u << XenbusStateClosed, STATE_TIMEOUT);
    if (!expect_up) {
        EXPECT_NE(st, XenbusStateConnected);
        return st != XenbusStateConnected;
    }
    if (st != XenbusStateConnected) {
        buf[0] = 0;
        rd(v->be, "error", buf, sizeof(buf));
        test_fail(__FILE__, __LINE__, "%s: backend state %d, not Connected (error: %s)",
                  v->fe, st, buf);
        return false;
    }
    v->sectors = rd_u64(v->be, "sectors", 0);
    v->info = (unsigned)rd_u64(v->be, "info", 0);
    v->sector_size = (unsigned)rd_u64(v->be, "sector-size", 0);
    read_features(v);
    set_fe_state(v, XenbusStateConnected);
    v->connected = true;
    return true;
}

/* Close V as blkfront does (Closing, Closed) and reset it to
 * Initialising, the way a rebooted guest starts over: the backend must
 * come back to InitWait. */
static bool vbd_reset(struct vbd *v)
{
    int st;

    set_fe_state(v, XenbusStateClosing);
    st = wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed, STATE_TIMEOUT);
    if (!EXPECT_TRUE(st == XenbusStateClosing || st == XenbusStateClosed))
        return false;
    set_fe_state(v, XenbusStateClosed);
    if (!EXPECT_EQ(wait_be(v, 1u << XenbusStateClosed, STATE_TIMEOUT), XenbusStateClosed))
        return false;
    for (unsigned qi = 0; qi < v->nq; qi++) {
        ev_close(v->q[qi].port);
        for (unsigned i = 0; i < (1u << v->order); i++)
            ungrant(REF_RING(v->slot, qi, i));
    }
    v->connected = false;
    set_fe_state(v, XenbusStateInitialising);
    return EXPECT_EQ(wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT),
                     XenbusStateInitWait);
}

/* Find device/vbd/<id> I: its directories and the backend's mode. */
static bool vbd_find(struct vbd *v, unsigned slot, const char *id)
{
    char mode[8], path[128];
    uint64_t vd;

    memset(v, 0, sizeof(*v));
    v->slot = slot;
    snprintf(v->fe, sizeof(v->fe), "device/vbd/%s", id);
    if (rd(v->fe, "backend", v->be, sizeof(v->be)) <= 0)
        return false;
    EXPECT_EQ(rd_u64(v->fe, "backend-id", 99), 0);
    vd = rd_u64(v->fe, "virtual-device", 0);
    v->devid = (unsigned)vd;
    if (rd(v->be, "mode", mode, sizeof(mode)) > 0)
        v->ro = mode[0] == 'r';
    /* Every change of the backend's state wakes wait_be. */
    snprintf(path, sizeof(path), "%s/state", v->be);
    xenbus_watch(path, "be-state");
    return true;
}

#define NEED_BACKEND() do {                                              \
        if (!backend_up) {                                               \
            test_skip("%s", no_backend_why);                             \
            return;                                                      \
        }                                                                \
    } while (0)

#define NEED_RO_DISK() do {                                              \
        if (nr_vbds < 2 || !vbds[1].ro) {                                \
            test_skip("no second, read-only disk in the config");        \
            return;                                                      \
        }                                                                \
    } while (0)

static struct vbd *disk0(void)
{
    return &vbds[0];
}

/* ---- the cases ---------------------------------------------------------- */

TEST(blk_vbds_found)
{
    static char names[512];
    char path[160], devtype[16];
    const char *n;
    int count;

    REQUIRE(EXPECT_TRUE(xenbus_init()));
    REQUIRE(EXPECT_TRUE(map_grant_table()));
    count = xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names));
    REQUIRE(EXPECT_TRUE(count >= 1));
    n = names;
    for (int i = 0; i < count && nr_vbds < MAX_VBDS - 1; i++, n += strlen(n) + 1) {
        struct vbd *v = &vbds[nr_vbds];

        if (!EXPECT_TRUE(vbd_find(v, nr_vbds, n)))
            continue;
        /* The nodes libxl writes, as the guest sees them. */
        /* virtual-device is the directory's own number. */
        snprintf(path, sizeof(path), "%u", v->devid);
        EXPECT_TRUE(!strcmp(path, n));
        snprintf(path, sizeof(path), "/local/domain/0/backend/vbd/%u/%s", xen.domid, n);
        EXPECT_TRUE(!strcmp(v->be, path));
        EXPECT_TRUE(rd(v->fe, "device-type", devtype, sizeof(devtype)) > 0 &&
                    !strcmp(devtype, "disk"));
        EXPECT_EQ(rd_u64(v->be, "frontend-id", 99), xen.domid);
        nr_vbds++;
    }
    /* xvda first (the ids are listed in the order xenstored keeps). */
    for (unsigned i = 1; i < nr_vbds; i++)
        if (vbds[i].devid < vbds[0].devid) {
            struct vbd t = vbds[0];
            vbds[0] = vbds[i];
            vbds[i] = t;
            vbds[0].slot = 0;
            vbds[i].slot = i;
        }
    printf("blkfront: %u disks, first %s (%s)\n", nr_vbds, vbds[0].fe,
           vbds[0].ro ? "read-only" : "writable");
}

TEST(blk_backend_initwait)
{
    for (unsigned i = 0; i < nr_vbds; i++) {
        int st = wait_be(&vbds[i], 1u << XenbusStateInitWait, STATE_TIMEOUT);

        if (st != XenbusStateInitWait) {
            no_backend_why = "no block backend: the backend never reached InitWait "
                             "(xenkvm-blkback not serving this domain)";
            test_skip("%s: backend state %d", no_backend_why, st);
            return;
        }
    }
    backend_up = nr_vbds > 0;
}

TEST(blk_features)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    read_features(v);
    EXPECT_TRUE(v->flush);
    EXPECT_TRUE(v->discard);
    EXPECT_TRUE(v->max_indirect >= 256);
    EXPECT_TRUE(v->max_order >= MAX_ORDER);
    EXPECT_TRUE(v->max_queues >= 2);
    printf("blkfront: flush %d barrier %d discard %d secure %d indirect %u order %u "
           "queues %u\n", v->flush, v->barrier, v->discard, v->discard_secure,
           v->max_indirect, v->max_order, v->max_queues);
}

TEST(blk_connect)
{
    NEED_BACKEND();
    for (unsigned i = 0; i < nr_vbds; i++) {
        struct vbd *v = &vbds[i];

        if (!vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true)) {
            backend_up = false;
            no_backend_why = "the first connection failed";
            return;
        }
        EXPECT_EQ(v->sector_size, 512);
        EXPECT_TRUE(v->sectors >= (i == 0 ? 16384 : 8));
        EXPECT_EQ(!!(v->info & VDISK_READONLY), v->ro);
        EXPECT_EQ(v->info & VDISK_CDROM, 0);
    }
    EXPECT_TRUE(!disk0()->ro);
}

TEST(blk_write_read)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    /* 11 whole pages: the most a direct request carries. */
    fill_pages(0, BLKIF_MAX_SEGMENTS_PER_REQUEST, 64, 1);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 64, 0, BLKIF_MAX_SEGMENTS_PER_REQUEST, 0, 7),
              BLKIF_RSP_OKAY);
    clear_pages(16, BLKIF_MAX_SEGMENTS_PER_REQUEST);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 64, 16, BLKIF_MAX_SEGMENTS_PER_REQUEST, 0, 7),
              BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(16, BLKIF_MAX_SEGMENTS_PER_REQUEST, 64, 1));
    /* Part pages: sectors 3..5 of each of 3 pages go to consecutive disk
     * sectors; the rest of the pages stays as it was. */
    clear_pages(40, 3);
    for (unsigned s = 0; s < 9; s++)
        fill(data[40 + s / 3] + (3 + s % 3) * 512, 200 + s, 2);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 200, 40, 3, 3, 5), BLKIF_RSP_OKAY);
    clear_pages(44, 1);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 200, 44, 1, 0, 7), BLKIF_RSP_OKAY);
    for (unsigned s = 0; s < 8; s++)
        EXPECT_TRUE(matches(data[44] + s * 512, 200 + s, 2));
    /* The last sector of the disk is there. */
    fill(data[45], v->sectors - 1, 3);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, v->sectors - 1, 45, 1, 0, 0), BLKIF_RSP_OKAY);
    memset(data[46], 0, 512);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, v->sectors - 1, 46, 1, 0, 0), BLKIF_RSP_OKAY);
    EXPECT_TRUE(matches(data[46], v->sectors - 1, 3));
}

TEST(blk_flush)
{
    struct vbd *v = disk0();
    union req r;

    NEED_BACKEND();
    memset(&r, 0, sizeof(r));
    r.rw.operation = BLKIF_OP_FLUSH_DISKCACHE;
    EXPECT_EQ(roundtrip(v, 0, &r), v->flush ? BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP);
}

TEST(blk_barrier)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    /* A barrier is a write that drains what came before and is flushed;
     * without feature-barrier blkback answers EOPNOTSUPP. */
    fill_pages(0, 2, 300, 4);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE_BARRIER, 300, 0, 2, 0, 7),
              v->barrier ? BLKIF_RSP_OKAY : BLKIF_RSP_EOPNOTSUPP);
    if (v->barrier) {
        clear_pages(2, 2);
        EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 300, 2, 2, 0, 7), BLKIF_RSP_OKAY);
        EXPECT_TRUE(pages_match(2, 2, 300, 4));
    }
}

static int discard(struct vbd *v, uint64_t sector, uint64_t n, bool secure)
{
    union req r;

    memset(&r, 0, sizeof(r));
    r.discard.operation = BLKIF_OP_DISCARD;
    r.discard.flag = secure ? BLKIF_DISCARD_SECURE : 0;
    r.discard.handle = (blkif_vdev_t)v->devid;
    r.discard.sector_number = sector;
    r.discard.nr_sectors = n;
    return roundtrip(v, 0, &r);
}

TEST(blk_discard)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    if (!v->discard) {
        EXPECT_EQ(discard(v, 512, 8, false), BLKIF_RSP_EOPNOTSUPP);
        return;
    }
    /* Discard the middle of written data: what is around stays. */
    fill_pages(0, 4, 512, 5);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 512, 0, 4, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_EQ(discard(v, 520, 8, false), BLKIF_RSP_OKAY);
    /* The secure flag: a secure erase with discard-secure, else ignored. */
    EXPECT_EQ(discard(v, 528, 8, true), BLKIF_RSP_OKAY);
    clear_pages(8, 4);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 512, 8, 4, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(8, 1, 512, 5));
    EXPECT_TRUE(pages_match(11, 1, 536, 5));
    /* Past the end of the disk. */
    EXPECT_EQ(discard(v, v->sectors - 4, 8, false), BLKIF_RSP_ERROR);
}

/* An indirect request of N segments (whole pages from PAGE0, wrapping
 * within the data pages) with indirect op IOP. */
static int indirect(struct vbd *v, unsigned qi, uint8_t iop, uint64_t sector,
                    unsigned page0, unsigned n)
{
    union req r;
    struct blkif_request_segment *seg = (struct blkif_request_segment *)ind[0];

    memset(&r, 0, sizeof(r));
    r.ind.operation = BLKIF_OP_INDIRECT;
    r.ind.indirect_op = iop;
    r.ind.nr_segments = (uint16_t)n;
    r.ind.sector_number = sector;
    r.ind.handle = (blkif_vdev_t)v->devid;
    for (unsigned i = 0; i < n && i < IND_PAGES * SEGS_PER_IND_PAGE; i++) {
        seg[i].gref = REF_DATA((page0 + i) % DATA_PAGES);
        seg[i].first_sect = 0;
        seg[i].last_sect = 7;
    }
    for (unsigned i = 0; i < IND_PAGES; i++)
        r.ind.indirect_grefs[i] = REF_IND(i);
    return roundtrip(v, qi, &r);
}

TEST(blk_indirect)
{
    struct vbd *v = disk0();
    const unsigned n = 40;

    NEED_BACKEND();
    fill_pages(0, n, 1024, 6);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_WRITE, 1024, 0, n), BLKIF_RSP_OKAY);
    clear_pages(0, n);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_READ, 1024, 0, n), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(0, n, 1024, 6));
    /* More segments than the backend offers. */
    if (v->max_indirect && v->max_indirect < IND_PAGES * SEGS_PER_IND_PAGE)
        EXPECT_EQ(indirect(v, 0, BLKIF_OP_READ, 1024, 0, v->max_indirect + 1),
                  BLKIF_RSP_ERROR);
    /* Not read or write: an error, answered with the indirect op. */
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_FLUSH_DISKCACHE, 1024, 0, 1), BLKIF_RSP_ERROR);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_DISCARD, 1024, 0, 1), BLKIF_RSP_ERROR);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_INDIRECT, 1024, 0, 1), BLKIF_RSP_ERROR);
    /* No segments at all. */
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_READ, 1024, 0, 0), BLKIF_RSP_ERROR);
}

TEST(blk_readonly_disk)
{
    struct vbd *v = &vbds[1];

    NEED_BACKEND();
    NEED_RO_DISK();
    clear_pages(0, 1);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 7), BLKIF_RSP_OKAY);
    memcpy(data[1], data[0], PAGE_SIZE);
    fill_pages(2, 1, 0, 7);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 0, 2, 1, 0, 7), BLKIF_RSP_ERROR);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_WRITE, 0, 2, 1), BLKIF_RSP_ERROR);
    EXPECT_NE(rw(v, 0, BLKIF_OP_WRITE_BARRIER, 0, 2, 1, 0, 7), BLKIF_RSP_OKAY);
    if (v->discard)
        EXPECT_EQ(discard(v, 0, 8, false), BLKIF_RSP_ERROR);
    /* Nothing was written. */
    clear_pages(0, 1);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_EQ(memcmp(data[0], data[1], PAGE_SIZE), 0);
}

TEST(blk_bad_segments)
{
    struct vbd *v = disk0();
    union req r;

    NEED_BACKEND();
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 0, 0, 7), BLKIF_RSP_ERROR);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 0, 0, 0, 0, 7), BLKIF_RSP_ERROR);
    /* One more than a direct request holds. */
    memset(&r, 0, sizeof(r));
    r.rw.operation = BLKIF_OP_READ;
    r.rw.nr_segments = BLKIF_MAX_SEGMENTS_PER_REQUEST + 1;
    for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        r.rw.seg[i].gref = REF_DATA(i);
        r.rw.seg[i].last_sect = 7;
    }
    EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_ERROR);
    r.rw.nr_segments = 255;
    EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_ERROR);
}

TEST(blk_bad_sectors)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 5, 4), BLKIF_RSP_ERROR);   /* first > last */
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 8), BLKIF_RSP_ERROR);   /* last >= 8 */
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 0, 0, 1, 8, 8), BLKIF_RSP_ERROR);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 255), BLKIF_RSP_ERROR);
    /* Sectors past the end: starting there, or running over it. */
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, v->sectors, 0, 1, 0, 0), BLKIF_RSP_ERROR);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, v->sectors - 4, 0, 1, 0, 7), BLKIF_RSP_ERROR);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, v->sectors - 1, 0, 2, 0, 0), BLKIF_RSP_ERROR);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, ~0ull - 3, 0, 1, 0, 7), BLKIF_RSP_ERROR);
    /* And the disk still answers. */
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 7), BLKIF_RSP_OKAY);
}

TEST(blk_unknown_op)
{
    struct vbd *v = disk0();
    static const uint8_t ops[] = { BLKIF_OP_RESERVED_1, 7, 0x42, 0xff };
    union req r;

    NEED_BACKEND();
    for (unsigned i = 0; i < sizeof(ops); i++) {
        memset(&r, 0, sizeof(r));
        r.rw.operation = ops[i];
        r.rw.nr_segments = 1;
        r.rw.seg[0].gref = REF_DATA(0);
        r.rw.seg[0].last_sect = 7;
        EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_EOPNOTSUPP);
    }
}

TEST(blk_bad_grant)
{
    struct vbd *v = disk0();
    static const struct { grant_ref_t ref; uint8_t op; } cases[] = {
        { REF_NOPERM, BLKIF_OP_READ }, { REF_NOPERM, BLKIF_OP_WRITE },
        { REF_RO, BLKIF_OP_READ }, { REF_OTHERDOM, BLKIF_OP_READ },
        { REF_OTHERDOM, BLKIF_OP_WRITE }, { REF_HUGE, BLKIF_OP_READ },
    };
    union req r;

    NEED_BACKEND();
    /* The canary's frame behind entries that do not let domain 0 write:
     * a read into them is an error and the canary is untouched. */
    memset(canary, 0x5a, sizeof(canary));
    gnttab[REF_NOPERM].domid = 0;
    gnttab[REF_NOPERM].frame = pfn_of(canary);
    gnttab[REF_NOPERM].flags = 0;
    grant(REF_RO, canary, true);
    grant(REF_OTHERDOM, canary, false);
    gnttab[REF_OTHERDOM].domid = 5;
    fill_pages(0, 1, 2048, 8);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 2048, 0, 1, 0, 7), BLKIF_RSP_OKAY);
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&r, 0, sizeof(r));
        r.rw.operation = cases[i].op;
        r.rw.nr_segments = 1;
        r.rw.sector_number = 2048;
        r.rw.seg[0].gref = cases[i].ref;
        r.rw.seg[0].last_sect = 7;
        if (!EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_ERROR))
            printf("blkfront: grant case %u (ref %u op %u) was not refused\n", i,
                   cases[i].ref, cases[i].op);
    }
    for (unsigned i = 0; i < sizeof(canary); i++)
        if (canary[i] != 0x5a) {
            test_fail(__FILE__, __LINE__, "canary byte %u changed", i);
            break;
        }
    /* A write from a page domain 0 may not read left the disk alone. */
    clear_pages(1, 1);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 2048, 1, 1, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(1, 1, 2048, 8));
    /* An indirect page that is not granted. */
    memset(&r, 0, sizeof(r));
    r.ind.operation = BLKIF_OP_INDIRECT;
    r.ind.indirect_op = BLKIF_OP_READ;
    r.ind.nr_segments = 2;
    r.ind.sector_number = 2048;
    r.ind.indirect_grefs[0] = REF_NOPERM;
    EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_ERROR);
    ungrant(REF_RO);
    ungrant(REF_OTHERDOM);
}

TEST(blk_multipage_ring)
{
    struct vbd *v = disk0();
    unsigned order, n, got = 0;
    struct blkif_response rsp;
    bool seen[256] = { false };
    uint64_t base = 4096;

    NEED_BACKEND();
    order = v->max_order < MAX_ORDER ? v->max_order : MAX_ORDER;
    if (!order) {
        test_skip("the backend offers no multi-page ring");
        return;
    }
    REQUIRE(vbd_reset(v));
    REQUIRE(vbd_connect(v, 1, order, XEN_IO_PROTO_ABI_NATIVE, true));
    EXPECT_EQ(RING_SIZE(&v->q[0].ring), __CONST_RING_SIZE(blkif, PAGE_SIZE << order));
    /* More requests in flight than one page holds, one sector each. */
    n = RING_SIZE(&v->q[0].ring) < 96 ? RING_SIZE(&v->q[0].ring) : 96;
    fill_pages(0, (n + 7) / 8, base, 9);
    for (unsigned i = 0; i < n; i++) {
        union req r;

        memset(&r, 0, sizeof(r));
        r.rw.operation = BLKIF_OP_WRITE;
        r.rw.nr_segments = 1;
        r.rw.sector_number = base + i;
        r.rw.id = i;
        r.rw.seg[0].gref = REF_DATA(i / 8);
        r.rw.seg[0].first_sect = r.rw.seg[0].last_sect = (uint8_t)(i % 8);
        put(v, 0, &r);
    }
    push(v, 0);
    while (got < n && get_rsp(v, 0, &rsp, RSP_TIMEOUT)) {
        if (rsp.id < n && !seen[rsp.id] && rsp.status == BLKIF_RSP_OKAY &&
            rsp.operation == BLKIF_OP_WRITE)
            seen[rsp.id] = true;
        else
            test_fail(__FILE__, __LINE__, "response id %llu op %u status %d",
                      (unsigned long long)rsp.id, rsp.operation, rsp.status);
        got++;
    }
    EXPECT_EQ(got, n);
    clear_pages(16, (n + 7) / 8);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_READ, base, 16, (n + 7) / 8), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(16, n / 8, base, 9));
}

TEST(blk_multiqueue)
{
    struct vbd *v = disk0();
    unsigned nq;

    NEED_BACKEND();
    nq = v->max_queues < MAX_QUEUES ? v->max_queues : MAX_QUEUES;
    if (nq < 2) {
        test_fail(__FILE__, __LINE__, "multi-queue-max-queues is %u", v->max_queues);
        return;
    }
    REQUIRE(vbd_reset(v));
    REQUIRE(vbd_connect(v, nq, 1, XEN_IO_PROTO_ABI_NATIVE, true));
    for (unsigned q = 0; q < nq; q++) {
        fill_pages(q * 2, 2, 5000 + q * 16, 10 + q);
        EXPECT_EQ(rw(v, q, BLKIF_OP_WRITE, 5000 + q * 16, q * 2, 2, 0, 7), BLKIF_RSP_OKAY);
    }
    /* Each queue reads what another wrote. */
    for (unsigned q = 0; q < nq; q++) {
        unsigned from = (q + 1) % nq;

        clear_pages(20 + q * 2, 2);
        EXPECT_EQ(rw(v, q, BLKIF_OP_READ, 5000 + from * 16, 20 + q * 2, 2, 0, 7),
                  BLKIF_RSP_OKAY);
        EXPECT_TRUE(pages_match(20 + q * 2, 2, 5000 + from * 16, 10 + from));
    }
}

TEST(blk_default_layout)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    if (sizeof(long) == 8) {
        /* No protocol node means x86_32: a 64-bit frontend without it is
         * not a correct one; blkfront32.elf runs this case. */
        test_skip("64-bit build: the x86_32 default is checked by blkfront32.elf");
        return;
    }
    REQUIRE(vbd_reset(v));
    REQUIRE(vbd_connect(v, 1, 0, NULL, true));
    fill_pages(0, 3, 6000, 12);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 6000, 0, 3, 0, 7), BLKIF_RSP_OKAY);
    clear_pages(4, 3);
    EXPECT_EQ(indirect(v, 0, BLKIF_OP_READ, 6000, 4, 3), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(4, 3, 6000, 12));
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 9), BLKIF_RSP_ERROR);
}

TEST(blk_bad_protocol)
{
    struct vbd *v = disk0();

    NEED_BACKEND();
    REQUIRE(vbd_reset(v));
    /* An ABI the backend does not know: it does not connect. */
    EXPECT_TRUE(vbd_connect(v, 1, 0, "vax-abi", false));
    buf[0] = 0;
    rd(v->be, "error", buf, sizeof(buf));
    printf("blkfront: backend's error: %s\n", buf);
    v->connected = true;        /* the rings are set up: reset frees them */
    REQUIRE(vbd_reset(v));
    REQUIRE(vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true));
}

TEST(blk_signature)
{
    struct vbd *v = disk0();
    uint8_t *p = data[0];

    NEED_BACKEND();
    /* What the host checks in the image afterwards. */
    memset(p, 0, PAGE_SIZE);
    snprintf((char *)p, 512, "%s domid=%u bits=%u", SIG_MAGIC, xen.domid,
             (unsigned)sizeof(long) * 8);
    fill(p + 512, SIG_SECTOR + 1, 13);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, SIG_SECTOR, 0, 1, 0, 1), BLKIF_RSP_OKAY);
    if (v->flush) {
        union req r;

        memset(&r, 0, sizeof(r));
        r.rw.operation = BLKIF_OP_FLUSH_DISKCACHE;
        EXPECT_EQ(roundtrip(v, 0, &r), BLKIF_RSP_OKAY);
    }
}

TEST(blk_halt_ring)
{
    struct vbd *v = disk0(), *other = &vbds[1];
    struct queue *q = &v->q[0];
    RING_IDX before;

    NEED_BACKEND();
    NEED_RO_DISK();
    /* The producer index runs past the ring: the backend stops that ring
     * (and logs it); the domain's other disk carries on. */
    before = q->sring->rsp_prod;
    q->sring->req_prod = q->ring.req_prod_pvt + RING_SIZE(&q->ring) + 3;
    xen_mb();
    ev_send(q->port);
    v->broken = true;
    clear_pages(0, 1);
    EXPECT_EQ(rw(other, 0, BLKIF_OP_READ, 0, 0, 1, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_EQ(rw(other, 0, BLKIF_OP_READ, 8, 1, 1, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_EQ(q->sring->rsp_prod, before);
    printf("blkfront: ring halted, other disk served\n");
}

/* ---- hotplug: a disk block-attach adds and block-detach takes ----------- */

static bool known(const char *id)
{
    for (unsigned i = 0; i < nr_vbds; i++) {
        char want[64];

        snprintf(want, sizeof(want), "device/vbd/%s", id);
        if (!strcmp(vbds[i].fe, want))
            return true;
    }
    return false;
}

TEST(blk_hotplug)
{
    static char names[512];
    struct xenbus_event ev;
    uint64_t deadline;
    struct vbd *v = &vbds[MAX_VBDS - 1];
    bool found = false;
    int st;

    if (!cmdline_has("hotplug")) {
        test_skip("no `hotplug' on the command line");
        return;
    }
    NEED_BACKEND();
    REQUIRE(EXPECT_EQ(xenbus_watch("device/vbd", "hotplug"), 0));
    printf("blkfront: ready for block-attach\n");
    deadline = xen_system_time() + HOTPLUG_TIMEOUT;
    while (!found && xen_system_time() < deadline) {
        const char *n = names;
        int count = xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names));

        for (int i = 0; i < count && !found; i++, n += strlen(n) + 1)
            if (!known(n)) {
                found = vbd_find(v, MAX_VBDS - 1, n);
                /* The backend directory may come a moment later: the
                 * frontend's `backend` node is written with it, in one
                 * transaction. */
            }
        if (!found)
            xenbus_next_event(&ev, SECOND_NS);
    }
    REQUIRE(EXPECT_TRUE(found));
    REQUIRE(EXPECT_EQ(wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT),
                      XenbusStateInitWait));
    REQUIRE(vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true));
    fill_pages(0, 2, 16, 14);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_WRITE, 16, 0, 2, 0, 7), BLKIF_RSP_OKAY);
    clear_pages(4, 2);
    EXPECT_EQ(rw(v, 0, BLKIF_OP_READ, 16, 4, 2, 0, 7), BLKIF_RSP_OKAY);
    EXPECT_TRUE(pages_match(4, 2, 16, 14));
    printf("blkfront: hotplug disk %u connected, %llu sectors\n", v->devid,
           (unsigned long long)v->sectors);
    /* block-detach: online 0 and the backend closing; blkfront closes. */
    st = wait_be(v, 1u << XenbusStateClosing | 1u << XenbusStateClosed, HOTPLUG_TIMEOUT);
    REQUIRE(EXPECT_TRUE(st == XenbusStateClosing || st == XenbusStateClosed));
    set_fe_state(v, XenbusStateClosing);
    set_fe_state(v, XenbusStateClosed);
    ev_close(v->q[0].port);
    ungrant(REF_RING(v->slot, 0, 0));
    /* Then the toolstack removes the device. */
    deadline = xen_system_time() + STATE_TIMEOUT;
    while (xen_system_time() < deadline && rd(v->fe, "backend", buf, sizeof(buf)) > 0)
        xenbus_next_event(&ev, SECOND_NS);
    EXPECT_TRUE(rd(v->fe, "backend", buf, sizeof(buf)) < 0);
    printf("blkfront: hotplug disk detached\n");
    /* Stay until the script has looked (it writes data/release). */
    xenbus_watch("data/release", "release");
    deadline = xen_system_time() + HOTPLUG_TIMEOUT;
    while (xen_system_time() < deadline && rd("data", "release", buf, sizeof(buf)) < 0)
        xenbus_next_event(&ev, SECOND_NS);
}

/* ---- saverestore: disk I/O across xl save / restore / migrate ---------- */

/* Slots of one page each, from SR_SECTOR on; slot i holds the pattern of
 * seed sr_seed[i] (0: not written yet). */
#define SR_SLOTS 32
#define SR_SECTOR 2048
#define SR_POLL_EVERY 16

/* A page filled once at the start and written to SR_STATIC_SECTOR every
 * round without the guest touching it again: after a postcopy migration
 * the backend is the first to touch it (it must have it fetched, or the
 * disk gets zeroes; tests/cli/xl_postcopy_devices.sh). */
#define SR_STATIC_PAGE 12
#define SR_STATIC_SECTOR (SR_SECTOR + SR_SLOTS * 8)
#define SR_STATIC_SEED 251

static unsigned sr_seed[SR_SLOTS];
static unsigned sr_failures;
static char sr_devname[16];

static void sr_fail(const char *what, unsigned long long a)
{
    if (sr_failures++ < 8)
        printf("blkfront-sr: FAIL: %s (%llu)\n", what, a);
}

/* Write slot ROUND % SR_SLOTS with a new seed; read back the slot before
 * it and the one after it (written in earlier rounds, perhaps before the
 * save) and check them. */
static void sr_round(struct vbd *v, unsigned round)
{
    unsigned slot = round % SR_SLOTS, seed = round % 250 + 1;
    unsigned check[2] = { (slot + SR_SLOTS - 1) % SR_SLOTS, (slot + 1) % SR_SLOTS };
    int rc;

    fill_pages(0, 1, SR_SECTOR + slot * 8, seed);
    if ((rc = rw(v, 0, BLKIF_OP_WRITE, SR_SECTOR + slot * 8, 0, 1, 0, 7)) != BLKIF_RSP_OKAY)
        sr_fail("write", (unsigned long long)rc);
    sr_seed[slot] = seed;
    if ((rc = rw(v, 0, BLKIF_OP_WRITE, SR_STATIC_SECTOR, SR_STATIC_PAGE, 1, 0, 7)) !=
        BLKIF_RSP_OKAY)
        sr_fail("write of the untouched page", (unsigned long long)rc);
    for (unsigned i = 0; i < 2; i++) {
        unsigned c = check[i];

        if (!sr_seed[c])
            continue;
        clear_pages(4, 1);
        if ((rc = rw(v, 0, BLKIF_OP_READ, SR_SECTOR + c * 8, 4, 1, 0, 7)) != BLKIF_RSP_OKAY)
            sr_fail("read", (unsigned long long)rc);
        else if (!pages_match(4, 1, SR_SECTOR + c * 8, sr_seed[c]))
            sr_fail("data read back differs, slot", c);
    }
}

static void sr_watch_all(struct vbd *v)
{
    char path[160];

    snprintf(path, sizeof(path), "%s/state", v->be);
    xenbus_watch(path, "be-state");
    xenbus_watch("data/finish", "fin");
    xenbus_watch("control/shutdown", "ctl");
}

/* A cooperative suspend (Linux's manage.c and xenbus_dev_suspend/resume):
 * acknowledge, suspend; in a new domain (0) the frontend connects again
 * from Initialising, with new rings and a new channel, as blkfront_resume
 * does; cancelled (1) it goes on as it was. */
static void sr_suspend(struct vbd *v)
{
    long rc;

    printf("blkfront-sr: suspending\n");
    rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ SHUTDOWN_suspend });
    printf("blkfront-sr: suspend returned %ld\n", rc);
    if (rc != 0)
        return;
    /* A new domain, as on Xen: its channels are gone (the old port is not
     * closed: that number may be another's now), the shared info page and
     * the grant table frames are mapped again and every grant made again
     * (Linux's xen_hvm_post_suspend and gnttab_resume), and the backend is
     * another's (xenbus_dev_resume reads the other end again). */
    if (shinfo_map_at(shared_info))
        sr_fail("shared info not mapped again after the restore", 0);
    gnt_up = false;
    if (!map_grant_table())
        sr_fail("grant table not mapped again after the restore", 0);
    if (!vbd_find(v, 0, sr_devname))
        sr_fail("device gone after the restore", 0);
    sr_watch_all(v);
    if (wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT) != XenbusStateInitWait)
        sr_fail("backend not in InitWait after the restore", (unsigned long long)be_state(v));
    else if (!vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true))
        sr_fail("reconnect after the restore", 0);
    else
        printf("blkfront-sr: reconnected\n");
}

/* What the host asked: 1 finish, 2 suspend, 0 nothing. */
static int sr_poll_host(bool coop)
{
    struct xenbus_event ev;
    int want = 0;

    while (xenbus_next_event(&ev, 0) == 0) {
        char val[32];

        if (!strcmp(ev.token, "fin") && xenbus_read(XBT_NIL, "data/finish", val, sizeof(val)) > 0 &&
            !strcmp(val, "done"))
            want = 1;
        if (coop && !strcmp(ev.token, "ctl") &&
            xenbus_read(XBT_NIL, "control/shutdown", val, sizeof(val)) > 0 &&
            !strcmp(val, "suspend") && !want) {
            xenbus_write(XBT_NIL, "control/shutdown", "");
            want = 2;
        }
    }
    return want;
}

static void saverestore_main(void)
{
    static char names[512];
    bool coop = cmdline_has("suspend");
    struct vbd *v = &vbds[0];
    unsigned round;

    if (!xenbus_init() || !map_grant_table() ||
        xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names)) < 1 ||
        !vbd_find(v, 0, names) ||
        wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT) != XenbusStateInitWait ||
        !vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true)) {
        printf("blkfront-sr: no disk to work on: FAIL\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    snprintf(sr_devname, sizeof(sr_devname), "%s", names);
    nr_vbds = 1;
    sr_watch_all(v);
    if (coop)
        xenbus_write(XBT_NIL, "control/feature-suspend", "1");
    fill_pages(SR_STATIC_PAGE, 1, SR_STATIC_SECTOR, SR_STATIC_SEED);
    for (round = 0;; round++) {
        int want = 0;

        sr_round(v, round);
        if (round == SR_SLOTS)
            printf("blkfront-sr: ready%s\n", sr_failures ? " (with failures)" : "");
        if (round % 64 == 63)
            printf("blkfront-sr: round %u\n", round);
        if (round % SR_POLL_EVERY == 0)
            want = sr_poll_host(coop);
        if (want == 1)
            break;
        if (want == 2)
            sr_suspend(v);
    }
    /* Every slot read back once more. */
    for (unsigned c = 0; c < SR_SLOTS; c++) {
        clear_pages(4, 1);
        if (rw(v, 0, BLKIF_OP_READ, SR_SECTOR + c * 8, 4, 1, 0, 7) != BLKIF_RSP_OKAY ||
            !pages_match(4, 1, SR_SECTOR + c * 8, sr_seed[c]))
            sr_fail("final read back, slot", c);
    }
    clear_pages(4, 1);
    if (rw(v, 0, BLKIF_OP_READ, SR_STATIC_SECTOR, 4, 1, 0, 7) != BLKIF_RSP_OKAY ||
        !pages_match(4, 1, SR_STATIC_SECTOR, SR_STATIC_SEED))
        sr_fail("final read back of the untouched page's sector", SR_STATIC_SECTOR);
    /* What the disk must hold, for the host to check the image. */
    printf("blkfront-sr: seeds");
    for (unsigned c = 0; c < SR_SLOTS; c++)
        printf(" %u", sr_seed[c]);
    printf("\n");
    printf("blkfront-sr: %u rounds, %s\n", round, sr_failures ? "FAIL" : "PASS");
    guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- stats: known I/O for the backend's request counters ------------ */

/* Requests whose counts xl top's VBD_* columns must show (Linux blkback's
 * statistics: a request is counted by its operation before it is checked,
 * its sectors once it runs): 5 reads (one of them refused: first_sect >
 * last_sect) of 40 sectors, 3 writes of 48 sectors, a flush, a discard.
 * Then it stays until data/finish is "done". */
static void stats_main(void)
{
    static char names[512];
    struct vbd *v = &vbds[0];
    unsigned bad = 0;
    union req r;
    char val[32];

    if (!xenbus_init() || !map_grant_table() ||
        xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names)) < 1 ||
        !vbd_find(v, 0, names) ||
        wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT) != XenbusStateInitWait ||
        !vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true)) {
        printf("blkfront-stats: no disk to work on: FAIL\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    nr_vbds = 1;
    fill_pages(0, 4, 64, 3);
    bad += rw(v, 0, BLKIF_OP_WRITE, 64, 0, 1, 0, 7) != BLKIF_RSP_OKAY;
    bad += rw(v, 0, BLKIF_OP_WRITE, 72, 1, 1, 0, 7) != BLKIF_RSP_OKAY;
    bad += rw(v, 0, BLKIF_OP_WRITE, 128, 0, 4, 0, 7) != BLKIF_RSP_OKAY;
    for (unsigned i = 0; i < 3; i++)
        bad += rw(v, 0, BLKIF_OP_READ, 64 + i * 8, 4, 1, 0, 7) != BLKIF_RSP_OKAY;
    bad += rw(v, 0, BLKIF_OP_READ, 128, 4, 2, 0, 7) != BLKIF_RSP_OKAY;
    bad += rw(v, 0, BLKIF_OP_READ, 64, 4, 1, 5, 2) != BLKIF_RSP_ERROR;
    memset(&r, 0, sizeof(r));
    r.rw.operation = BLKIF_OP_FLUSH_DISKCACHE;
    r.rw.handle = (blkif_vdev_t)v->devid;
    bad += v->flush && roundtrip(v, 0, &r) != BLKIF_RSP_OKAY;
    bad += v->discard && discard(v, 512, 8, false) != BLKIF_RSP_OKAY;
    printf("blkfront-stats: done: rd_req 5 rd_sect 40 wr_req 3 wr_sect 48 f_req %u ds_req %u, %s\n",
           v->flush ? 1 : 0, v->discard ? 1 : 0, bad ? "FAIL" : "PASS");
    xenbus_watch("data/finish", "fin");
    for (;;) {
        struct xenbus_event ev;

        xenbus_next_event(&ev, SECOND_NS);
        if (xenbus_read(XBT_NIL, "data/finish", val, sizeof(val)) > 0 && !strcmp(val, "done"))
            break;
    }
    guest_shutdown(SHUTDOWN_poweroff);
}

/* ---- cdrom: media changes the backend publishes ------------------------ */

/* Connect the first disk (a cdrom drive), then follow its `sectors' as the
 * backend publishes media changes (xl cd-insert / cd-eject): each size it
 * sees is printed with the first 16 bytes of sector 0 in hex (a read that
 * must succeed with media, and be refused without), until data/finish is
 * "done". */
static void cdrom_main(void)
{
    static char names[512];
    struct vbd *v = &vbds[0];
    uint64_t seen = ~0ull;
    char val[32];

    if (!xenbus_init() || !map_grant_table() ||
        xenbus_directory(XBT_NIL, "device/vbd", names, sizeof(names)) < 1 ||
        !vbd_find(v, 0, names) ||
        wait_be(v, 1u << XenbusStateInitWait, STATE_TIMEOUT) != XenbusStateInitWait ||
        !vbd_connect(v, 1, 0, XEN_IO_PROTO_ABI_NATIVE, true)) {
        printf("blkfront-cd: no drive to work on: FAIL\n");
        guest_shutdown(SHUTDOWN_crash);
    }
    nr_vbds = 1;
    printf("blkfront-cd: info 0x%x (cdrom %u, read-only %u)\n", v->info,
           !!(v->info & VDISK_CDROM), !!(v->info & VDISK_READONLY));
    xenbus_watch("data/finish", "fin");
    for (;;) {
        struct xenbus_event ev;
        uint64_t n = rd_u64(v->be, "sectors", 0);

        if (n != seen) {
            int rc;

            seen = n;
            clear_pages(0, 1);
            rc = rw(v, 0, BLKIF_OP_READ, 0, 0, 1, 0, 7);
            printf("blkfront-cd: sectors %llu read %s", (unsigned long long)n,
                   rc == BLKIF_RSP_OKAY ? "ok" : "error");
            if (rc == BLKIF_RSP_OKAY) {
                printf(" head ");
                for (unsigned i = 0; i < 16; i++)
                    printf("%02x", (unsigned)(unsigned char)data[0][i]);
            }
            printf("\n");
        }
        if (xenbus_read(XBT_NIL, "data/finish", val, sizeof(val)) > 0 && !strcmp(val, "done"))
            break;
        xenbus_next_event(&ev, SECOND_NS / 4);
    }
    guest_shutdown(SHUTDOWN_poweroff);
}

void guest_main(void)
{
    printf("blkfront: domid %u, %u-bit, protocol %s\n", xen.domid,
           (unsigned)sizeof(long) * 8, XEN_IO_PROTO_ABI_NATIVE);
    if (cmdline_has("saverestore"))
        saverestore_main();
    if (cmdline_has("stats"))
        stats_main();
    if (cmdline_has("cdrom"))
        cdrom_main();
    run_tests();
}
