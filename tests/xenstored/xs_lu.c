/* Live update under load: a toolstack transaction, a guest transaction, a
 * half-sent request, an unread reply, watches of the host and of a guest,
 * and a client writing in a loop, all from before the update, still work
 * after it (twice: through xenstore-control when $XENSTORE_CONTROL names
 * it, and through CONTROL requests).  Needs a private daemon on
 * $XENSTORED_PATH / $XENSTORED_VMM_PATH and the binary in $XENSTORED_BIN. */
#include <signal.h>
#include <sys/wait.h>
#include "guest_ring.h"

static const char *xsd_bin;
static struct xs_handle *txh;
static xs_transaction_t t1;
static uint32_t gtx;
static int half, lazy;
static pid_t loader;
static struct xst_msg m;

static const char half_msg[] = "/lh/half\0whole";

static void before_update(void)
{
    struct xs_attach_req r = attach_req(DOMID);
    struct xs_permissions p = { DOMID, XS_PERM_NONE };
    struct xsd_sockmsg h = { XS_WRITE, 4242, 0, sizeof(half_msg) - 1 };
    struct xst_msg e;
    unsigned int n;
    char **ev;

    CHECK(g_setup());
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data", "", 0));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5", &p, 1));
    CHECK(xs_set_permissions(xs, XBT_NULL, "/local/domain/5/data", &p, 1));
    g.vmmfd = do_attach(&r);
    CHECK(g.vmmfd >= 0);
    CHECK(xs_write(xs, XBT_NULL, "/lu/base", "b", 1));
    /* Watches: the host's and the guest's. */
    CHECK(xs_watch(watcher, "/lu/w", "tw"));
    ev = xs_read_watch(watcher, &n);
    free(ev);
    CHECK(xs_watch(watcher, "@releaseDomain", "rel"));
    ev = xs_read_watch(watcher, &n);
    free(ev);
    CHECK(g_ok(XS_WATCH, 0, S("data/gw\0g")));
    CHECK(g_event(&e) && !strcmp(e.body, "data/gw"));
    /* Transactions left open. */
    t1 = xs_transaction_start(txh);
    CHECK(t1 != XBT_NULL);
    CHECK(xs_write(txh, t1, "/lu/tx", "in-tx", 5));
    CHECK(g_req(XS_TRANSACTION_START, 0, S(""), &m) && m.h.type == XS_TRANSACTION_START);
    gtx = strtoul(m.body, NULL, 10);
    CHECK(g_ok(XS_WRITE, gtx, S("data/gtx\0guest-tx") - 1));
    /* Half a request on the wire, a reply nobody read yet. */
    half = xst_connect();
    CHECK(xst_write_all(half, &h, sizeof(h)) && xst_write_all(half, half_msg, 5));
    lazy = xst_connect();
    CHECK(xst_send(lazy, XS_READ, 777, 0, S("/lu/base")));
    /* A client that keeps writing and reading through the update. */
    loader = fork();
    if (loader == 0) {
        struct xs_handle *l = xs_open(0);
        char path[64], val[16], *v;
        int i, bad = 0;
        for (i = 0; l && i < 600; i++) {
            snprintf(path, sizeof(path), "/load/%d", i % 20);
            snprintf(val, sizeof(val), "%d", i);
            if (!xs_write(l, XBT_NULL, path, val, strlen(val)))
                bad++;
            v = xs_read(l, XBT_NULL, path, &n);
            if (!v || strcmp(v, val))
                bad++;
            free(v);
        }
        _exit(l && !bad ? 0 : 1);
    }
    CHECK(loader > 0);
}

static bool update_with_tool(void)
{
    const char *xc = getenv("XENSTORE_CONTROL");
    int st;
    pid_t p;

    if (!xc || !*xc)
        return false;
    p = fork();
    if (p == 0) {
        execl(xc, xc, "live-update", xsd_bin, (char *)NULL);
        _exit(127);
    }
    return p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static bool update_with_requests(void)
{
    char buf[4200];
    int n = snprintf(buf, sizeof(buf), "-f%c%s", 0, xsd_bin) + 1;
    char *r = xs_control_command(xs, "live-update", buf, n);
    bool ok = r && !strcmp(r, "OK");

    free(r);
    r = xs_control_command(xs, "live-update", "-s\0-t\0" "10", 9);
    ok = ok && r && !strcmp(r, "OK");
    free(r);
    return ok;
}

static void first_update(void)
{
    if (getenv("XENSTORE_CONTROL") && *getenv("XENSTORE_CONTROL"))
        CHECK(update_with_tool());
    else
        CHECK(update_with_requests());
}

static void after_update(void)
{
    struct xst_msg e;
    unsigned int n;
    char *v;
    int st;

    /* The half request completes; the unread reply is there. */
    CHECK(xst_write_all(half, half_msg + 5, sizeof(half_msg) - 1 - 5));
    CHECK(xst_reply(half, &m) && m.h.type == XS_WRITE && m.h.req_id == 4242);
    CHECK(xst_reply(lazy, &m) && m.h.type == XS_READ && m.h.req_id == 777 && !strcmp(m.body, "b"));
    /* Transactions commit, isolated until then. */
    v = xs_read(xs, XBT_NULL, "/lu/tx", &n);
    CHECK(v == NULL);
    free(v);
    CHECK(xs_transaction_end(txh, t1, false));
    v = xs_read(xs, XBT_NULL, "/lu/tx", &n);
    CHECK(v && !strcmp(v, "in-tx"));
    free(v);
    CHECK(g_ok(XS_TRANSACTION_END, gtx, S("T")));
    CHECK(g_req(XS_READ, 0, S("data/gtx"), &m) && !strcmp(m.body, "guest-tx"));
    /* Watches from before fire. */
    CHECK(xs_write(xs, XBT_NULL, "/lu/w/x", "1", 1));
    CHECK(tool_event("/lu/w/x", "tw"));
    CHECK(xs_write(xs, XBT_NULL, "/local/domain/5/data/gw/y", "1", 1));
    CHECK(g_event(&e) && !strcmp(e.body, "data/gw/y"));
    CHECK(xs_is_domain_introduced(xs, DOMID));
    CHECK(waitpid(loader, &st, 0) == loader && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void second_update(void)
{
    CHECK(update_with_requests());
    CHECK(g_req(XS_READ, 0, S("data/gtx"), &m) && !strcmp(m.body, "guest-tx"));
    CHECK(xst_req(half, XS_READ, 0, S("/lh/half"), &m) && !strcmp(m.body, "whole"));
    CHECK(xs_write(xs, XBT_NULL, "/lu/w/z", "1", 1));
    CHECK(tool_event("/lu/w/z", "tw"));
}

static void vmm_fd_survived(void)
{
    /* The VMM's attach connection moved too: closing it releases. */
    close(g.vmmfd);
    CHECK(tool_event("@releaseDomain", "rel"));
    CHECK(!xs_is_domain_introduced(xs, DOMID));
}

static void refusals(void)
{
    char *r = xs_control_command(xs, "live-update", "-s", 3);

    CHECK(r && strcmp(r, "OK"));            /* no session */
    free(r);
    r = xs_control_command(xs, "live-update", "-f\0/nonexistent/xenstored", 26);
    CHECK(r && !strcmp(r, "File not accessible."));
    free(r);
    r = xs_control_command(xs, "live-update", "-a", 3);
    CHECK(r && !strcmp(r, "No live-update session active."));
    free(r);
}

/* CONTROL live-update ARGS (LEN bytes) on H answered exactly WANT. */
static bool lu_says(struct xs_handle *h, const char *args, unsigned int len, const char *want)
{
    char buf[4200], *r = NULL;
    bool ok;

    if (len <= sizeof(buf)) {
        memcpy(buf, args, len);
        r = xs_control_command(h, "live-update", buf, len);
    }
    ok = r && !strcmp(r, want);

    if (!ok)
        printf("# live-update %s: \"%s\", want \"%s\"\n", args, r ? r : "(error)", want);
    free(r);
    return ok;
}

/* The session belongs to the connection that began it (Xen allocates it
 * under the connection): it ends when that connection closes, a fresh
 * connection finds none, and while one is open other connections are
 * told so and cannot end it with -s. */
static void session_per_connection(void)
{
    char f[4200];
    int n = snprintf(f, sizeof(f), "-f%c%s", 0, xsd_bin) + 1;
    struct xs_handle *a = xs_open(0), *b, *c;

    CHECK(a && lu_says(a, f, n, "OK"));
    CHECK(a && lu_says(a, "-c\0--no-such-option", 20, "OK"));
    if (a)
        xs_close(a);
    /* The daemon sees a's hangup no later than it accepts b, so b's
     * requests come after the session is gone. */
    b = xs_open(0);
    CHECK(b && lu_says(b, "-c\0x", 5, "Not in live-update session."));
    CHECK(b && lu_says(b, f, n, "OK"));
    CHECK(b && lu_says(b, "-a", 3, "OK"));
    CHECK(b && lu_says(b, "-a", 3, "No live-update session active."));
    CHECK(b && lu_says(b, "-s", 3, "Not in live-update session."));
    /* b begins one (once: -f again is refused, as in Xen); c is a second
     * connection while it is open. */
    CHECK(b && lu_says(b, f, n, "OK"));
    CHECK(b && lu_says(b, f, n, "live-update session already active."));
    c = xs_open(0);
    CHECK(c && lu_says(c, f, n, "live-update session already active."));
    CHECK(c && lu_says(c, "-c\0x", 5, "Not in live-update session."));
    CHECK(c && lu_says(c, "-s", 3, "Not in live-update session."));
    CHECK(b && lu_says(b, "-c\0x", 5, "OK"));          /* still b's */
    CHECK(c && lu_says(c, "-a", 3, "OK"));              /* anyone may abort */
    CHECK(b && lu_says(b, "-c\0x", 5, "Not in live-update session."));
    CHECK(c && lu_says(c, f, n, "OK"));
    CHECK(c && lu_says(c, "-a", 3, "OK"));
    if (b)
        xs_close(b);
    if (c)
        xs_close(c);
}

int main(void)
{
    vmm_path = getenv("XENSTORED_VMM_PATH");
    xsd_bin = getenv("XENSTORED_BIN");
    xs = xs_open(0);
    watcher = xs_open(0);
    txh = xs_open(0);
    if (!xs || !watcher || !txh || !vmm_path || !xsd_bin) {
        printf("FAIL: connect: need XENSTORED_PATH, XENSTORED_VMM_PATH, XENSTORED_BIN\n");
        return 1;
    }
    RUN(before_update);
    if (check_failed_cases) {
        if (loader > 0)
            kill(loader, SIGKILL);
        return 1;
    }
    RUN(first_update);
    RUN(after_update);
    RUN(second_update);
    RUN(vmm_fd_survived);
    RUN(refusals);
    RUN(session_per_connection);
    return CHECK_DONE();
}
