/* The guest ring path without a VM: this program plays a domain's VMM
 * (memfd, eventfds, attach over the VMM socket) and the guest's xenbus
 * frontend (requests into the ring page, replies and events out of it),
 * while libxenstore on the main socket plays the toolstack.
 * Needs a private daemon: $XENSTORED_PATH and $XENSTORED_VMM_PATH. */
#include <pthread.h>

#include "guest_ring.h"

static void attach_introduces(void)
{
    struct xs_attach_req r = attach_req(DOMID);
    struct xs_permissions p = { DOMID, XS_PERM_NONE };

    CHECK(g_setup());
    /* The toolstack's part: the domain's home, owned by the domain. */
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/name", "guest5", 6));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5", &p, 1));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5/name", &p, 1));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/6/secret", "s", 1));
    CHECK(xs_watch(watcher, "@introduceDomain", "intro"));
    CHECK(xs_watch(watcher, "@releaseDomain", "rel"));
    CHECK(tool_event("@introduceDomain", "intro"));   /* initial events */
    CHECK(tool_event("@releaseDomain", "rel"));
    CHECK(!xs_is_domain_introduced(xs, DOMID));
    g.vmmfd = do_attach(&r);
    CHECK(g.vmmfd >= 0);
    CHECK(tool_event("@introduceDomain", "intro"));
    CHECK(xs_is_domain_introduced(xs, DOMID));
    CHECK(g.intf->server_features & XENSTORE_SERVER_FEATURE_RECONNECTION);
    CHECK(g.intf->server_features & XENSTORE_SERVER_FEATURE_ERROR);
}

static void attach_refusals(void)
{
    struct xs_attach_req r = attach_req(DOMID);
    char err[128];

    CHECK_EQ(do_attach(&r), -EEXIST);
    r = attach_req(0);
    CHECK_EQ(do_attach(&r), -EINVAL);
    r = attach_req(0x7ff0);
    CHECK_EQ(do_attach(&r), -EINVAL);
    r = attach_req(8);
    r.magic = 1;
    CHECK_EQ(do_attach(&r), -EPROTO);
    r = attach_req(8);
    r.ring_offset = RING_OFF + 12;
    CHECK_EQ(do_attach(&r), -EINVAL);
    r = attach_req(8);
    r.ring_offset = MEMSZ;
    CHECK_EQ(do_attach(&r), -EINVAL);
    r = attach_req(8);
    r.mem_size = 1 << 30;
    r.ring_offset = 1 << 20;   /* beyond the memfd's real size */
    CHECK_EQ(do_attach(&r), -ERANGE);
    r = attach_req(8);
    CHECK_EQ(xs_attach(vmm_path, &r, g.memfd, g.evfd, -1, err, sizeof(err)), -EBADF);
    CHECK(!xs_is_domain_introduced(xs, 8));
}

static void guest_read_write(void)
{
    struct xst_msg m;

    CHECK(g_ok(XS_WRITE, 0, S("data/x\0hello") - 1));
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ &&
          m.h.len == 5 && !memcmp(m.body, "hello", 5));
    CHECK(g_req(XS_READ, 0, S("/local/domain/5/name"), &m) && !strcmp(m.body, "guest5"));
    CHECK(g_req(XS_GET_PERMS, 0, S("data/x"), &m) && !strcmp(m.body, "n5"));
    CHECK(g_req(XS_DIRECTORY, 0, S("data"), &m) && !strcmp(m.body, "x"));
    CHECK(g_req(XS_GET_DOMAIN_PATH, 0, S("5"), &m) && !strcmp(m.body, "/local/domain/5"));
    unsigned int len;
    char *v = xs_read(xs, XBT_NULL, "/local/domain/5/data/x", &len);
    CHECK(v && len == 5);
    free(v);
}

static void guest_permission_denied(void)
{
    struct xs_permissions p[2] = { { 0, XS_PERM_NONE }, { DOMID, XS_PERM_READ } };
    struct xst_msg m;

    /* Another guest's nodes and the host's are invisible and read-only. */
    CHECK(g_err(XS_READ, 0, S("/local/domain/6/secret"), "EACCES"));
    CHECK(g_err(XS_READ, 0, S("/local/domain/6/nonexistent"), "EACCES"));
    CHECK(g_err(XS_WRITE, 0, S("/local/domain/6/secret\0x") - 1, "EACCES"));
    CHECK(g_err(XS_WRITE, 0, S("/local/domain/6/new\0x") - 1, "EACCES"));
    CHECK(g_err(XS_RM, 0, S("/local/domain/6/secret"), "EACCES"));
    CHECK(g_err(XS_DIRECTORY, 0, S("/local/domain/6"), "EACCES"));
    CHECK(g_err(XS_GET_PERMS, 0, S("/local/domain/6/secret"), "EACCES"));
    CHECK(g_err(XS_SET_PERMS, 0, S("/local/domain/6/secret\0b5"), "EACCES"));
    CHECK(g_err(XS_MKDIR, 0, S("/tool/x"), "EACCES"));
    CHECK(g_err(XS_WRITE, 0, S("/x\0y") - 1, "EACCES"));
    /* A grant to this domain lets it read, not write. */
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/6/secret", p, 2));
    CHECK(g_req(XS_READ, 0, S("/local/domain/6/secret"), &m) && !strcmp(m.body, "s"));
    CHECK(g_err(XS_WRITE, 0, S("/local/domain/6/secret\0x") - 1, "EACCES"));
    /* Giving a node away is for the host only. */
    CHECK(g_err(XS_SET_PERMS, 0, S("data/x\0n6"), "EPERM"));
    CHECK(g_ok(XS_SET_PERMS, 0, S("data/x\0n5\0r0\0b7")));
    /* Tool requests are for the host only. */
    CHECK(g_err(XS_INTRODUCE, 0, S("7\0" "1\0" "1"), "EACCES"));
    CHECK(g_err(XS_RELEASE, 0, S("6"), "EACCES"));
    CHECK(g_err(XS_CONTROL, 0, S("help"), "EACCES"));
    CHECK(g_err(XS_IS_DOMAIN_INTRODUCED, 0, S("0"), "EACCES"));
    CHECK(g_err(XS_SET_TARGET, 0, S("5\0" "6"), "EACCES"));
    /* The special watches are dom0's unless it grants them. */
    CHECK(g_err(XS_SET_PERMS, 0, S("@releaseDomain\0b5"), "EACCES"));
}

static void guest_watch(void)
{
    struct xst_msg e;

    CHECK(g_ok(XS_WATCH, 0, S("data\0gw")));
    CHECK(g_event(&e) && !strcmp(e.body, "data") && !strcmp(e.body + 5, "gw"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/y", "1", 1));
    CHECK(g_event(&e) && !strcmp(e.body, "data/y"));
    /* Absolute watch on a node it cannot read: the change stays hidden,
     * the next readable change arrives. */
    CHECK(g_ok(XS_WATCH, 0, S("/local/domain/6\0other")));
    CHECK(g_event(&e) && !strcmp(e.body, "/local/domain/6"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/6/hidden", "1", 1));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/z", "1", 1));
    CHECK(g_event(&e) && !strcmp(e.body, "data/z"));
    CHECK(g_ok(XS_UNWATCH, 0, S("/local/domain/6\0other")));
    CHECK(g_ok(XS_UNWATCH, 0, S("data\0gw")));
}

static void guest_transaction(void)
{
    struct xst_msg m;
    uint32_t tx;

    CHECK(g_req(XS_TRANSACTION_START, 0, S(""), &m) && m.h.type == XS_TRANSACTION_START);
    tx = strtoul(m.body, NULL, 10);
    CHECK(g_ok(XS_WRITE, tx, S("data/t\0one") - 1));
    CHECK(g_err(XS_READ, 0, S("data/t"), "ENOENT"));
    CHECK(g_ok(XS_TRANSACTION_END, tx, S("T")));
    CHECK(g_req(XS_READ, 0, S("data/t"), &m) && !strcmp(m.body, "one"));
    /* Conflict with the toolstack: EAGAIN at commit. */
    CHECK(g_req(XS_TRANSACTION_START, 0, S(""), &m));
    tx = strtoul(m.body, NULL, 10);
    CHECK(g_req(XS_READ, tx, S("data/t"), &m) && !strcmp(m.body, "one"));
    CHECK(g_ok(XS_WRITE, tx, S("data/t\0two") - 1));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/t", "tool", 4));
    CHECK(g_err(XS_TRANSACTION_END, tx, S("T"), "EAGAIN"));
    CHECK(g_req(XS_READ, 0, S("data/t"), &m) && !strcmp(m.body, "tool"));
}

/* CONTROL quota set NAME VAL (libxenstore appends the data after cmd). */
static bool quota_set(const char *name, int val)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "set%c%s%c%d", 0, name, 0, val) + 1;
    char *r = xs_control_command(xs, "quota", buf, n);
    bool ok = r && !strcmp(r, "OK");

    free(r);
    return ok;
}

static void guest_quotas(void)
{
    static char big[3000];
    char path[64], *r;
    int i, n, ok = 0;
    bool got = false;
    uint32_t tx[16];
    struct xst_msg m;

    /* Node size (2048 bytes by default). */
    memcpy(big, "data/big", 9);
    memset(big + 9, 'x', sizeof(big) - 9);
    CHECK(g_err(XS_WRITE, 0, big, sizeof(big), "ENOSPC"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/big", big + 9, sizeof(big) - 9));
    /* Nodes per domain. */
    CHECK(quota_set("nodes", 30));
    for (i = 0; i < 40 && !got; i++) {
        n = snprintf(path, sizeof(path), "data/q%d", i);
        CHECK(g_req(XS_MKDIR, 0, path, n + 1, &m));
        if (xst_is_error(&m, "ENOSPC"))
            got = true;
        else
            ok++;
    }
    CHECK(got && ok > 0 && ok < 30);
    /* The host and its writes carry on. */
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/hostnode", "1", 1));
    CHECK(quota_set("nodes", 1000));
    CHECK(g_ok(XS_MKDIR, 0, S("data/after")));
    /* Watches. */
    CHECK(quota_set("watches", 2));
    CHECK(g_ok(XS_WATCH, 0, S("data\0w1")));
    CHECK(g_ok(XS_WATCH, 0, S("data\0w2")));
    CHECK(g_ok(XS_WATCH, 0, S("data\0w3")));     /* Xen allows one more */
    CHECK(g_err(XS_WATCH, 0, S("data\0w4"), "E2BIG"));
    CHECK(g_ok(XS_RESET_WATCHES, 0, S("")));
    g.nevents = 0;
    CHECK(quota_set("watches", 128));
    /* Transactions. */
    CHECK(quota_set("transactions", 2));
    for (i = 0; i < 3; i++) {
        CHECK(g_req(XS_TRANSACTION_START, 0, S(""), &m) && m.h.type == XS_TRANSACTION_START);
        tx[i] = strtoul(m.body, NULL, 10);
    }
    CHECK(g_err(XS_TRANSACTION_START, 0, S(""), "ENOSPC"));
    for (i = 0; i < 3; i++)
        CHECK(g_ok(XS_TRANSACTION_END, tx[i], S("F")));
    CHECK(quota_set("transactions", 10));
    /* Permissions per node. */
    CHECK(g_err(XS_SET_PERMS, 0, S("data/x\0n5\0r1\0r2\0r3\0r4\0r6"), "ENOSPC"));
    CHECK(g_ok(XS_SET_PERMS, 0, S("data/x\0n5\0r1\0r2\0r3\0r4")));
    /* Path length below the domain's home. */
    CHECK(quota_set("path-max", 20));
    CHECK(g_err(XS_WRITE, 0, S("data/aaaaaaaaaaaaaaaaaaaaa\0") - 1, "EINVAL"));
    CHECK(g_ok(XS_WRITE, 0, S("data/aaaaaaaaaaaaaaa\0") - 1));
    CHECK(quota_set("path-max", 2048));
    /* Memory per domain: below what the domain holds already. */
    CHECK(quota_set("memory", 100));
    CHECK(g_err(XS_WRITE, 0, S("data/mem\0x") - 1, "ENOMEM"));
    CHECK(g_err(XS_WATCH, 0, S("data\0memtok"), "ENOMEM"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/mem", "host", 4));
    CHECK(quota_set("memory", 2621440));
    CHECK(g_ok(XS_WRITE, 0, S("data/mem\0x") - 1));
    /* quota <domid> reports usage. */
    r = xs_control_command(xs, "quota", (char *)"5", 2);
    CHECK(r && strstr(r, "nodes"));
    free(r);
}

/* Xen's node-size quota counts its 24-byte record header: a node of one
 * permission and no children holds at most 2048 - 24 - 8 - 1 bytes. */
static void guest_node_size_as_xen(void)
{
    static char body[2100];
    struct xs_permissions p = { DOMID, XS_PERM_NONE };
    unsigned int off = sizeof("data/ns/a");

    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/ns", "", 0));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5/data/ns", &p, 1));
    memcpy(body, "data/ns/a", off);
    memset(body + off, 'v', sizeof(body) - off);
    CHECK(g_ok(XS_WRITE, 0, body, off + 2015));
    memcpy(body, "data/ns/b", off);
    CHECK(g_err(XS_WRITE, 0, body, off + 2016, "ENOSPC"));
}

/* A valid request and an oversized header in one ring update: Xen answers
 * the request, then flags the ring. */
static void ring_reply_then_proto_error(void)
{
    struct { struct xsd_sockmsg h; char p[7]; struct xsd_sockmsg bad; } __attribute__((packed)) u = {
        { XS_READ, 4711, 0, 7 }, "data/x", { XS_READ, 4712, 0, XENSTORE_PAYLOAD_MAX + 1 },
    };
    struct xst_msg m;
    int i;

    CHECK(g_put(&u, sizeof(u)));
    CHECK(g_recv(&m) && m.h.type == XS_READ && m.h.req_id == 4711);
    for (i = 0; i < 50 && LOAD(g.intf->error) == XENSTORE_ERROR_NONE; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_PROTO);
    STORE(g.intf->connection, XENSTORE_RECONNECT);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->connection) != XENSTORE_CONNECTED; i++)
        g_wait();
    g.nevents = 0;
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ);
}

static void guest_outstanding_flood(void)
{
    /* 40 requests without reading replies: the reply ring fills, the
     * daemon stalls this guest only and loses nothing. */
    struct xsd_sockmsg h = { XS_READ, 0, 0, sizeof("data/x") };
    struct xst_msg m;
    int i, got = 0;

    for (i = 0; i < 40; i++) {
        h.req_id = 5000 + i;
        CHECK(g_put(&h, sizeof(h)) && g_put("data/x", sizeof("data/x")));
        if (check_case_failed)
            break;
    }
    CHECK(xs_write(xs, XBT_NULL, "/t/flood-host", "ok", 2));
    for (i = 0; i < 40; i++) {
        if (!g_recv(&m))
            break;
        if (m.h.type == XS_READ && m.h.req_id == (uint32_t)(5000 + i))
            got++;
    }
    CHECK_EQ(got, 40);
}

static void ring_hostile_payload_len(void)
{
    struct xsd_sockmsg h = { XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
    int i;

    CHECK(g_put(&h, sizeof(h)));
    for (i = 0; i < 50 && LOAD(g.intf->error) == XENSTORE_ERROR_NONE; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_PROTO);
    CHECK(xs_write(xs, XBT_NULL, "/t/after-proto", "ok", 2));   /* host fine */
}

/* As Linux's xb_write: the header with a notification, the payload
 * later without one (req_cons had not caught up with req_prod, so the
 * guest sees no need).  The daemon must still answer. */
static void ring_payload_without_notify(void)
{
    static const char path[] = "data/x";
    struct xsd_sockmsg h = { XS_READ, 77, 0, sizeof(path) };
    XENSTORE_RING_IDX prod;
    struct xst_msg m;
    unsigned int i;

    CHECK(g_put(&h, sizeof(h)));
    usleep(100 * 1000);     /* let the daemon take the header alone */
    prod = g.intf->req_prod;
    for (i = 0; i < sizeof(path); i++)
        g.intf->req[MASK_XENSTORE_IDX(prod + i)] = path[i];
    STORE(g.intf->req_prod, prod + sizeof(path));
    CHECK(g_recv(&m));
    CHECK_EQ(m.h.req_id, 77);
    CHECK_EQ(m.h.type, XS_READ);
}

static volatile bool writer_stop;

/* The toolstack writing a node the guest watches, as fast as it can. */
static void *tool_writer(void *arg)
{
    struct xs_handle *h = xs_open(0);
    unsigned long i = 0;
    char v[32];

    (void)arg;
    while (h && !writer_stop) {
        int n = snprintf(v, sizeof(v), "%lu", i++);
        xs_write(h, XBT_NULL, "/local/domain/5/data/busy", v, (unsigned int)n);
    }
    if (h)
        xs_close(h);
    return NULL;
}

/* Requests one after another with Linux's notifications while watch
 * events for the toolstack's writes keep coming: every request is
 * answered (a request written while the daemon still held req_cons back
 * for the last one, with no notification, must not be left unread). */
static void ring_linux_notify_under_events(void)
{
    static const char path[] = "data/x";
    struct xsd_sockmsg h = { XS_WATCH, 0, 0, sizeof("data/busy\0tok") };
    struct xst_msg m;
    unsigned int i, events = 0, answered = 0;
    pthread_t t;

    g.nevents = 0;
    CHECK(g_ok(XS_WRITE, 0, S("data/busy\0start") - 1));
    h.req_id = 1000;
    linux_notify = true;
    CHECK(g_put(&h, sizeof(h)) && g_put("data/busy\0tok", h.len));
    writer_stop = false;
    CHECK(pthread_create(&t, NULL, tool_writer, NULL) == 0);
    for (i = 0; i < 3000; i++) {
        struct xsd_sockmsg r = { XS_READ, 2000 + i, 0, sizeof(path) };

        if (!g_put(&r, sizeof(r)) || !g_put(path, sizeof(path)))
            break;
        for (;;) {
            if (!g_get(&m.h, sizeof(m.h)) || m.h.len > XENSTORE_PAYLOAD_MAX ||
                !g_get(m.body, m.h.len))
                goto out;
            if (m.h.type == XS_WATCH_EVENT) {
                events++;
                continue;
            }
            if (m.h.req_id == 1000)
                continue;           /* the watch's own reply */
            if (m.h.req_id != r.req_id)
                goto out;
            answered++;
            break;
        }
    }
out:
    writer_stop = true;
    pthread_join(t, NULL);
    CHECK_EQ(answered, 3000);
    CHECK(events > 0);
    printf("  %u requests answered, %u watch events between them\n", answered, events);
    /* Back to the harness's own way: the watch goes, events drain. */
    struct xsd_sockmsg u = { XS_UNWATCH, 3, 0, sizeof("data/busy\0tok") };
    CHECK(g_put(&u, sizeof(u)) && g_put("data/busy\0tok", u.len));
    for (;;) {
        if (!g_get(&m.h, sizeof(m.h)) || !g_get(m.body, m.h.len))
            break;
        if (m.h.type == XS_UNWATCH) {
            CHECK_EQ(m.h.req_id, 3);
            break;
        }
    }
    linux_notify = false;
    g.nevents = 0;
}

static void ring_reconnect(void)
{
    struct xst_msg m;
    int i;

    STORE(g.intf->connection, XENSTORE_RECONNECT);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->connection) != XENSTORE_CONNECTED; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->connection), XENSTORE_CONNECTED);
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_NONE);
    CHECK_EQ(g.intf->req_prod - g.intf->req_cons, 0);
    CHECK_EQ(g.intf->rsp_prod - g.intf->rsp_cons, 0);
    g.nevents = 0;
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ);
}

static void ring_hostile_indices(void)
{
    int i;

    /* A producer index far beyond the consumer: never read outside the
     * ring; the daemon flags the ring and ignores it. */
    STORE(g.intf->req_prod, g.intf->req_cons + 5000);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->error) == XENSTORE_ERROR_NONE; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_RINGIDX);
    CHECK(xs_write(xs, XBT_NULL, "/t/after-ringidx", "ok", 2));
    /* Wild response indices too, after a reset. */
    STORE(g.intf->connection, XENSTORE_RECONNECT);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->connection) != XENSTORE_CONNECTED; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_NONE);
    STORE(g.intf->rsp_cons, 0x80000000u);
    struct xsd_sockmsg h = { XS_READ, 1, 0, sizeof("data/x") };
    CHECK(g_put(&h, sizeof(h)) && g_put("data/x", sizeof("data/x")));
    for (i = 0; i < 50 && LOAD(g.intf->error) == XENSTORE_ERROR_NONE; i++)
        g_wait();
    CHECK_EQ(LOAD(g.intf->error), XENSTORE_ERROR_RINGIDX);
    CHECK(xs_is_domain_introduced(xs, DOMID));
    /* Recover for the following cases. */
    STORE(g.intf->connection, XENSTORE_RECONNECT);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->connection) != XENSTORE_CONNECTED; i++)
        g_wait();
    struct xst_msg m;
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ);
}

static void ring_bad_requests(void)
{
    struct xsd_sockmsg h = { XS_WRITE, 99, 0, sizeof("data/split\0v") - 1 };
    struct xst_msg m;

    CHECK(g_err(XS_TYPE_COUNT + 5, 0, S("data"), "ENOSYS"));
    CHECK(g_err(0xffffffffu, 0, S("data"), "ENOSYS"));
    CHECK(g_err(XS_READ, 0, "data/x", 6, "EINVAL"));          /* no NUL */
    CHECK(g_err(XS_READ, 0, S("data//x"), "EINVAL"));
    CHECK(g_err(XS_WRITE, 0, S("/local/domain/5/data/"), "EINVAL"));
    CHECK(g_err(XS_WATCH, 0, S("data"), "EINVAL"));
    CHECK(g_err(XS_TRANSACTION_END, 77, S("T"), "ENOENT"));
    /* A header delivered in two halves, with a notification each. */
    CHECK(g_put(&h, 7));
    CHECK(g_put((char *)&h + 7, sizeof(h) - 7));
    CHECK(g_put("data/split\0v", sizeof("data/split\0v") - 1));
    CHECK(g_recv(&m) && m.h.type == XS_WRITE && m.h.req_id == 99);
}

/* A second domain, device model for the first (SET_TARGET). */
static void set_target_device_model(void)
{
    static struct guest dm;
    struct xs_attach_req r = attach_req(7);
    struct xst_msg m;

    G = &dm;
    CHECK(g_setup());
    dm.vmmfd = do_attach(&r);
    CHECK(dm.vmmfd >= 0);
    CHECK(tool_event("@introduceDomain", "intro"));
    CHECK(g_err(XS_READ, 0, S("/local/domain/5/data/x"), "EACCES"));
    CHECK(xs_set_target(xs, 7, DOMID));
    CHECK(g_req(XS_READ, 0, S("/local/domain/5/data/x"), &m) && m.h.type == XS_READ);
    CHECK(g_ok(XS_WRITE, 0, S("/local/domain/5/data/bydm\0x") - 1));
    CHECK(!xs_set_target(xs, 7, 99));
    CHECK_EQ(errno, ENOENT);
    close(dm.vmmfd);
    CHECK(tool_event("@releaseDomain", "rel"));
    G = &g;
    /* The special watches' permissions can be granted to a guest. */
    struct xs_permissions sp[2] = { { 0, XS_PERM_NONE }, { DOMID, XS_PERM_READ } };
    CHECK(xs_set_permissions(xs, XBT_NULL, "@releaseDomain", sp, 2));
    CHECK(g_ok(XS_WATCH, 0, S("@releaseDomain\0gr")));
    struct xst_msg e;
    CHECK(g_event(&e) && !strcmp(e.body, "@releaseDomain"));
    CHECK(g_ok(XS_UNWATCH, 0, S("@releaseDomain\0gr")));
}

static void tool_release_and_introduce(void)
{
    struct xst_msg m;
    int i;

    int fd = xst_connect();
    struct xst_msg e;

    /* Domids are read with atoi, as Xen: "-1" names no domain, "x" is 0. */
    CHECK(xst_req(fd, XS_RELEASE, 0, S("-1"), &m) && xst_is_error(&m, "ENOENT"));
    CHECK(xst_req(fd, XS_RELEASE, 0, S("x"), &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_RESUME, 0, S("5abc"), &m) && m.h.type == XS_RESUME);
    /* The RELEASE reply comes before @releaseDomain on the same connection. */
    CHECK(xst_req(fd, XS_WATCH, 0, S("@releaseDomain\0r1"), &m) && m.h.type == XS_WATCH);
    CHECK(xst_recv(fd, &e, 5000) && e.h.type == XS_WATCH_EVENT);
    CHECK(xst_send(fd, XS_RELEASE, 31, 0, S("5")));
    CHECK(xst_recv(fd, &m, 5000) && m.h.type == XS_RELEASE && m.h.req_id == 31);
    CHECK(xst_recv(fd, &e, 5000) && e.h.type == XS_WATCH_EVENT &&
          !strcmp(e.body, "@releaseDomain"));
    CHECK(tool_event("@releaseDomain", "rel"));
    CHECK(!xs_is_domain_introduced(xs, DOMID));
    /* A released domain is unknown to RELEASE and RESUME (Xen: ENOENT). */
    CHECK(xst_req(fd, XS_RELEASE, 0, S("5"), &m) && xst_is_error(&m, "ENOENT"));
    CHECK(xst_req(fd, XS_RESUME, 0, S("5"), &m) && xst_is_error(&m, "ENOENT"));
    close(fd);
    /* The domain's nodes stay, as in Xen. */
    char *v = xs_read(xs, XBT_NULL, "/local/domain/5/name", NULL);
    CHECK(v != NULL);
    free(v);
    /* The VMM is still attached: the toolstack may introduce it again. */
    CHECK(xs_introduce_domain(xs, DOMID, 0x1234, 1));
    CHECK(tool_event("@introduceDomain", "intro"));
    CHECK(xs_is_domain_introduced(xs, DOMID));
    /* A reset ring talks again. */
    STORE(g.intf->connection, XENSTORE_RECONNECT);
    g_kick();
    for (i = 0; i < 50 && LOAD(g.intf->connection) != XENSTORE_CONNECTED; i++)
        g_wait();
    g.nevents = 0;
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ);
    /* Re-introducing an introduced domain succeeds, as Xen's does. */
    CHECK(xs_introduce_domain(xs, DOMID, 0x1234, 1));
    CHECK(xs_resume_domain(xs, DOMID));
}

static void vmm_death_releases(void)
{
    close(g.vmmfd);
    CHECK(tool_event("@releaseDomain", "rel"));
    CHECK(!xs_is_domain_introduced(xs, DOMID));
    CHECK(!xs_introduce_domain(xs, DOMID, 0x1234, 1));
    CHECK_EQ(errno, ENOENT);
    /* The same domid can be attached by a new VMM. */
    struct xs_attach_req r = attach_req(DOMID);
    memset(g.intf, 0, 4096);
    g.vmmfd = do_attach(&r);
    CHECK(g.vmmfd >= 0);
    CHECK(tool_event("@introduceDomain", "intro"));
    /* It is a new domain: the old one's nodes went to dom0 and its grants
     * are void (Xen's domain_adjust_node_perms). */
    struct xst_msg m;
    CHECK(g_err(XS_READ, 0, S("data/x"), "EACCES"));
    CHECK(g_err(XS_READ, 0, S("/local/domain/6/secret"), "EACCES"));
    unsigned int n;
    struct xs_permissions *p = xs_get_permissions(xs, XBT_NULL, "/local/domain/5/data/x", &n);
    CHECK(p && p[0].id == 0);
    free(p);
    /* The toolstack gives the new domain its home. */
    struct xs_permissions own = { DOMID, XS_PERM_NONE };
    CHECK(xs_rm(xs, XBT_NULL, "/local/domain/5"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/x", "new", 3));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5", &own, 1));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5/data", &own, 1));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5/data/x", &own, 1));
    CHECK(g_req(XS_READ, 0, S("data/x"), &m) && m.h.type == XS_READ && !strcmp(m.body, "new"));
    close(g.vmmfd);
    CHECK(tool_event("@releaseDomain", "rel"));
}

int main(void)
{
    vmm_path = getenv("XENSTORED_VMM_PATH");
    xs = xs_open(0);
    watcher = xs_open(0);
    if (!xs || !watcher || !vmm_path) {
        printf("FAIL: connect: need a daemon on XENSTORED_PATH and XENSTORED_VMM_PATH\n");
        return 1;
    }
    RUN(attach_introduces);
    if (check_failed_cases)
        return 1;
    RUN(attach_refusals);
    RUN(guest_read_write);
    RUN(guest_permission_denied);
    RUN(guest_watch);
    RUN(guest_transaction);
    RUN(guest_quotas);
    RUN(guest_node_size_as_xen);
    RUN(guest_outstanding_flood);
    RUN(ring_hostile_payload_len);
    RUN(ring_reconnect);
    RUN(ring_payload_without_notify);
    RUN(ring_linux_notify_under_events);
    RUN(ring_hostile_indices);
    RUN(ring_bad_requests);
    RUN(ring_reply_then_proto_error);
    RUN(set_target_device_model);
    RUN(tool_release_and_introduce);
    RUN(vmm_death_releases);
    return CHECK_DONE();
}
