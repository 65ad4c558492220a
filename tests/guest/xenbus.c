/*
 * xenbus64.elf: the xenbus client library (lib/xenbus.c) against the
 * host's xenstored through the VMM attach protocol.  Needs a VMM that
 * attaches the ring to xenstored and a toolstack that created
 * /local/domain/<domid> owned by the domain, with name = "xenbus-test";
 * see docs/xenstored.md ("The guest xenbus test").
 */
#include "lib.h"
#include "hypercall.h"
#include "test.h"
#include "shinfo.h"
#include "xen_guest.h"
#include "xenbus.h"

static char buf[XENSTORE_PAYLOAD_MAX + 1];
static struct xenbus_event ev;

/* Without an attached ring the other cases cannot run. */
#define NEED_RING() do {                                                 \
        if (!xenbus_connected()) {                                       \
            test_skip("no xenstored ring attached");                     \
            return;                                                      \
        }                                                                \
    } while (0)

/* The next watch event, waiting up to 5 s. */
static bool next_event(void)
{
    return xenbus_next_event(&ev, 5000000000ull) == 0;
}

TEST(xenbus_ring_found)
{
    uint64_t pfn = 0, evtchn = 0;

    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_PFN, &pfn), 0));
    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_EVTCHN, &evtchn), 0));
    REQUIRE(EXPECT_NE(pfn, 0));
    REQUIRE(EXPECT_NE(evtchn, 0));
    /* xenstored offers its features before anything moves on the ring. */
    EXPECT_TRUE(xenbus_init());
    EXPECT_EQ(xenbus_port(), evtchn);
}

TEST(xenbus_relative_paths)
{
    char abs[64];

    NEED_RING();
    /* The home is /local/domain/<domid>; a relative path means the same
     * node as its absolute form. */
    REQUIRE(EXPECT_EQ(xenbus_abs_path("name", abs, sizeof(abs)), 0));
    snprintf(buf, sizeof(buf), "/local/domain/%u/name", xen.domid);
    EXPECT_TRUE(!strcmp(abs, buf));
    EXPECT_EQ(xenbus_read(XBT_NIL, "name", buf, sizeof(buf)), 11);
    EXPECT_TRUE(!strcmp(buf, "xenbus-test"));
    EXPECT_EQ(xenbus_read(XBT_NIL, abs, buf, sizeof(buf)), 11);
    EXPECT_TRUE(!strcmp(buf, "xenbus-test"));
    EXPECT_EQ(xenbus_abs_path("/tool", abs, sizeof(abs)), 0);
    EXPECT_TRUE(!strcmp(abs, "/tool"));
    EXPECT_EQ(xenbus_abs_path("data/a-path-much-longer-than-the-buffer", abs, 24),
              -XEN_E2BIG);
}

TEST(xenbus_write_read)
{
    uint64_t v = 0;

    NEED_RING();
    EXPECT_EQ(xenbus_write(XBT_NIL, "data/guest", "hello"), 0);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/guest", buf, sizeof(buf)), 5);
    EXPECT_TRUE(!strcmp(buf, "hello"));
    /* A reply longer than the caller's buffer: cut, and said so. */
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/guest", buf, 3), -XEN_E2BIG);
    EXPECT_TRUE(!strcmp(buf, "he"));
    EXPECT_EQ(xenbus_request(XS_GET_PERMS, XBT_NIL, "data/guest", 11, buf,
                             sizeof(buf), NULL), 0);
    EXPECT_EQ(buf[0], 'n');
    EXPECT_EQ(xenbus_mkdir(XBT_NIL, "data/d"), 0);
    EXPECT_EQ(xenbus_printf(XBT_NIL, "data/n", "%u", 123456789u), 0);
    EXPECT_EQ(xenbus_read_u64(XBT_NIL, "data/n", &v), 0);
    EXPECT_EQ(v, 123456789);
    EXPECT_EQ(xenbus_read_u64(XBT_NIL, "data/guest", &v), -XEN_EINVAL);
    /* data holds guest, d, n. */
    EXPECT_EQ(xenbus_directory(XBT_NIL, "data", buf, sizeof(buf)), 3);
    EXPECT_EQ(xenbus_rm(XBT_NIL, "data/d"), 0);
    EXPECT_EQ(xenbus_rm(XBT_NIL, "data/n"), 0);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/d", buf, sizeof(buf)), -XEN_ENOENT);
    EXPECT_TRUE(!strcmp(xenbus_strerror(-XEN_ENOENT), "ENOENT"));
}

TEST(xenbus_watch)
{
    NEED_RING();
    EXPECT_EQ(xenbus_watch("data/w", "tok"), 0);
    /* A new watch fires once at once. */
    EXPECT_TRUE(next_event() && !strcmp(ev.path, "data/w") &&
                !strcmp(ev.token, "tok"));
    EXPECT_EQ(xenbus_write(XBT_NIL, "data/w/x", "1"), 0);
    EXPECT_TRUE(next_event() && !strcmp(ev.path, "data/w/x") &&
                !strcmp(ev.token, "tok"));
    EXPECT_EQ(xenbus_unwatch("data/w", "tok"), 0);
    EXPECT_EQ(xenbus_next_event(&ev, 0), -XEN_ETIMEDOUT);
}

/* The two events one write fires for the watches "rel" (data/q) and
 * "abs" (its absolute path), in either order: how many matched. */
static int event_pair(const char *abs, const char *leaf)
{
    char want[80];
    int i, n = 0;

    for (i = 0; i < 2 && next_event(); i++) {
        if (!strcmp(ev.token, "rel"))
            snprintf(want, sizeof(want), "data/q/%s", leaf);
        else
            snprintf(want, sizeof(want), "%s/%s", abs, leaf);
        n += !strcmp(ev.path, want);
    }
    return n;
}

TEST(xenbus_watch_events_queue)
{
    char abs[64];

    NEED_RING();
    /* Events that arrive while requests run wait in the queue, in order;
     * an absolute watch reports absolute paths. */
    REQUIRE(EXPECT_EQ(xenbus_abs_path("data/q", abs, sizeof(abs)), 0));
    EXPECT_EQ(xenbus_watch("data/q", "rel"), 0);
    EXPECT_EQ(xenbus_watch(abs, "abs"), 0);
    EXPECT_EQ(xenbus_write(XBT_NIL, "data/q/1", "a"), 0);
    EXPECT_EQ(xenbus_write(XBT_NIL, "data/q/2", "b"), 0);
    EXPECT_TRUE(next_event() && !strcmp(ev.token, "rel") && !strcmp(ev.path, "data/q"));
    EXPECT_TRUE(next_event() && !strcmp(ev.token, "abs") && !strcmp(ev.path, abs));
    EXPECT_EQ(event_pair(abs, "1"), 2);
    EXPECT_EQ(event_pair(abs, "2"), 2);
    EXPECT_EQ(xenbus_unwatch("data/q", "rel"), 0);
    EXPECT_EQ(xenbus_unwatch(abs, "abs"), 0);
    EXPECT_EQ(xenbus_next_event(&ev, 0), -XEN_ETIMEDOUT);
    EXPECT_EQ(xenbus_events_dropped(), 0);
}

TEST(xenbus_wait_blocks)
{
    struct vcpu_runstate_info a, b;
    uint64_t t0, t1;

    NEED_RING();
    /* Waiting for an event sleeps in SCHEDOP_poll: the vCPU is blocked,
     * not running, for most of the wait. */
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &a), 0));
    t0 = xen_system_time();
    EXPECT_EQ(xenbus_next_event(&ev, 300000000ull), -XEN_ETIMEDOUT);
    t1 = xen_system_time();
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &b), 0));
    EXPECT_GE(t1 - t0, 300000000ll);
    EXPECT_GE(b.time[RUNSTATE_blocked] - a.time[RUNSTATE_blocked], 200000000ll);
}

TEST(xenbus_transaction)
{
    uint32_t tx = 0, tx2 = 0;

    NEED_RING();
    REQUIRE(EXPECT_EQ(xenbus_transaction_start(&tx), 0));
    REQUIRE(EXPECT_NE(tx, 0));
    EXPECT_EQ(xenbus_write(tx, "data/tx", "in"), 0);
    /* Its own uncommitted node is readable inside the transaction. */
    EXPECT_EQ(xenbus_read(tx, "data/tx", buf, sizeof(buf)), 2);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/tx", buf, sizeof(buf)), -XEN_ENOENT);
    EXPECT_EQ(xenbus_transaction_end(tx, false), 0);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/tx", buf, sizeof(buf)), 2);
    EXPECT_EQ(xenbus_transaction_start(&tx), 0);
    EXPECT_EQ(xenbus_write(tx, "data/tx2", "x"), 0);
    EXPECT_EQ(xenbus_transaction_end(tx, true), 0);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/tx2", buf, sizeof(buf)), -XEN_ENOENT);
    EXPECT_EQ(xenbus_transaction_end(tx, false), -XEN_ENOENT);
    /* Two transactions on one node: the second to commit must redo. */
    EXPECT_EQ(xenbus_transaction_start(&tx), 0);
    EXPECT_EQ(xenbus_transaction_start(&tx2), 0);
    EXPECT_EQ(xenbus_read(tx, "data/tx", buf, sizeof(buf)), 2);
    EXPECT_EQ(xenbus_read(tx2, "data/tx", buf, sizeof(buf)), 2);
    EXPECT_EQ(xenbus_write(tx, "data/tx", "one"), 0);
    EXPECT_EQ(xenbus_write(tx2, "data/tx", "two"), 0);
    EXPECT_EQ(xenbus_transaction_end(tx, false), 0);
    EXPECT_EQ(xenbus_transaction_end(tx2, false), -XEN_EAGAIN);
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/tx", buf, sizeof(buf)), 3);
    EXPECT_TRUE(!strcmp(buf, "one"));
}

TEST(xenbus_permission_denied)
{
    NEED_RING();
    /* /tool is the host's (n0) from xenstored's start. */
    EXPECT_EQ(xenbus_read(XBT_NIL, "/tool", buf, sizeof(buf)), -XEN_EACCES);
    EXPECT_EQ(xenbus_write(XBT_NIL, "/tool/x", "y"), -XEN_EACCES);
    EXPECT_EQ(xenbus_directory(XBT_NIL, "/", buf, sizeof(buf)), -XEN_EACCES);
    EXPECT_EQ(xenbus_request(XS_INTRODUCE, XBT_NIL, "9\0" "1\0" "1", 6, NULL,
                             0, NULL), -XEN_EACCES);
    EXPECT_EQ(xenbus_request(XS_CONTROL, XBT_NIL, "help", 5, NULL, 0, NULL),
              -XEN_EACCES);
    EXPECT_EQ(xenbus_request(XS_SET_PERMS, XBT_NIL, "data/guest\0n0", 14, NULL,
                             0, NULL), -XEN_EPERM);
    EXPECT_EQ(xenbus_read(XBT_NIL, "a//b", buf, sizeof(buf)), -XEN_EINVAL);
}

TEST(xenbus_quota_errors)
{
    static char big[2991];
    uint32_t tx[12];
    int i, ok = 0, last = 0;

    NEED_RING();
    /* Node size: 2048 bytes by default. */
    memset(big, 'x', sizeof(big));
    EXPECT_EQ(xenbus_write_bytes(XBT_NIL, "data/big", big, sizeof(big)),
              -XEN_ENOSPC);
    /* Never sent: a payload over XENSTORE_PAYLOAD_MAX would cost the ring. */
    EXPECT_EQ(xenbus_request(XS_WRITE, XBT_NIL, buf, XENSTORE_PAYLOAD_MAX + 1,
                             NULL, 0, NULL), -XEN_E2BIG);
    /* Transactions: Xen's default of 10 lets 11 open, then ENOSPC. */
    for (i = 0; i < 12; i++) {
        tx[i] = 0;
        last = xenbus_transaction_start(&tx[i]);
        if (last == 0)
            ok++;
    }
    EXPECT_EQ(ok, 11);
    EXPECT_EQ(last, -XEN_ENOSPC);
    for (i = 0; i < 12; i++)
        if (tx[i])
            xenbus_transaction_end(tx[i], true);
    /* Still serving after the errors. */
    EXPECT_EQ(xenbus_read(XBT_NIL, "data/guest", buf, sizeof(buf)), 5);
}

void guest_main(void)
{
    printf("xenbus: domid %u\n", xen.domid);
    run_tests();
}
