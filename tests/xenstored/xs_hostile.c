/* Hostile input on xenstored's socket: short headers, oversized lengths,
 * missing NULs, unknown types, random messages, floods, slow readers.  The
 * daemon answers with Xen's error or drops only that connection; it must
 * keep serving everyone else.  Needs a private daemon on $XENSTORED_PATH. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include "xst.h"

static struct xst_msg m;

/* The daemon still answers a fresh client. */
static bool alive(void)
{
    int fd = xst_connect();
    bool ok = fd >= 0 && xst_req(fd, XS_READ, 0, S("/"), &m) && m.h.type == XS_READ;

    if (fd >= 0)
        close(fd);
    return ok;
}

/* The daemon closed this connection (EOF, not a timeout). */
static bool dropped(int fd)
{
    char c;
    struct pollfd p = { .fd = fd, .events = POLLIN };

    return poll(&p, 1, 5000) == 1 && read(fd, &c, 1) == 0;
}

static void short_header_then_close(void)
{
    int fd = xst_connect();

    CHECK(fd >= 0 && write(fd, "\1\0\0\0\2\0\0", 7) == 7);
    close(fd);
    CHECK(alive());
}

static void length_beyond_payload_max(void)
{
    uint32_t lens[] = { XENSTORE_PAYLOAD_MAX + 1, 0x10000, 0xffffffffu };
    unsigned int i;

    for (i = 0; i < 3; i++) {
        int fd = xst_connect();
        struct xsd_sockmsg h = { XS_WRITE, 1, 0, lens[i] };
        CHECK(fd >= 0 && xst_write_all(fd, &h, sizeof(h)));
        CHECK(dropped(fd));
        close(fd);
    }
    CHECK(alive());
}

static void missing_nuls_and_bad_args(void)
{
    int fd = xst_connect();

    CHECK(xst_req(fd, XS_WRITE, 0, "/h/nonul", 8, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_MKDIR, 0, "/h/x", 4, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_WATCH, 0, "/h\0tok", 6, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_SET_PERMS, 0, "/h\0r0", 5, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_DIRECTORY_PART, 0, "/h\0" "0", 4, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_TRANSACTION_END, 0, "T", 1, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_INTRODUCE, 0, "1\0" "2\0" "3", 5, &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_READ, 0, S("relative/../x"), &m) && xst_is_error(&m, "EINVAL"));
    CHECK(xst_req(fd, XS_READ, 0, S("/h/\xff"), &m) && xst_is_error(&m, "EINVAL"));
    close(fd);
}

static void unknown_types_keep_connection(void)
{
    uint32_t types[] = { XS_TYPE_COUNT, XS_TYPE_COUNT + 1, 1000, XS_INVALID, 0xffffffffu };
    unsigned int i;
    int fd = xst_connect();

    for (i = 0; i < 5; i++)
        CHECK(xst_req(fd, types[i], 0, S("/"), &m) && xst_is_error(&m, "ENOSYS"));
    CHECK(xst_req(fd, XS_READ, 0, S("/"), &m) && m.h.type == XS_READ);
    close(fd);
}

static void byte_by_byte(void)
{
    struct { struct xsd_sockmsg h; char b[16]; } msg = { { XS_WRITE, 77, 0, 9 }, "/h/bb\0xyz" };
    unsigned int i;
    int fd = xst_connect();

    for (i = 0; i < sizeof(msg.h) + 9; i++)
        CHECK(write(fd, (char *)&msg + i, 1) == 1);
    CHECK(xst_reply(fd, &m) && m.h.type == XS_WRITE && m.h.req_id == 77);
    close(fd);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)rng;
}

static void random_messages(void)
{
    static const char *words[] = { "/h", "/h/a", "/h/a/b", "h", "@releaseDomain", "",
                                   "T", "F", "0", "5", "r0", "n3", "b5", "/h//", "/" };
    char body[512];
    int fd = xst_connect(), i, replies = 0;

    for (i = 0; i < 3000; i++) {
        uint32_t type = 1 + rnd() % (XS_TYPE_COUNT + 2), len = 0, n = rnd() % 4, k;
        uint32_t tx = rnd() % 8 == 0 ? rnd() % 4 : 0;
        if (type == XS_RELEASE || type == XS_INTRODUCE)
            type = XS_READ;
        for (k = 0; k < n; k++) {
            const char *w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
            size_t l = strlen(w) + (rnd() % 5 ? 1 : 0);   /* sometimes no NUL */
            if (len + l > sizeof(body))
                break;
            memcpy(body + len, w, l);
            len += l;
        }
        if (rnd() % 10 == 0) {                            /* raw noise */
            len = rnd() % sizeof(body);
            for (k = 0; k < len; k++)
                body[k] = rnd();
        }
        if (!xst_send(fd, type, i, tx, body, len) || !xst_reply(fd, &m))
            break;
        if (m.h.req_id == (uint32_t)i)
            replies++;
    }
    CHECK_EQ(replies, 3000);
    close(fd);
    CHECK(alive());
}

static void pipelined_flood(void)
{
    int fd = xst_connect(), i, got = 0;
    static char buf[2000 * (sizeof(struct xsd_sockmsg) + 3)];
    char *p = buf;

    for (i = 0; i < 2000; i++) {
        struct xsd_sockmsg h = { XS_READ, i, 0, 3 };
        memcpy(p, &h, sizeof(h));
        memcpy(p + sizeof(h), "/h", 3);
        p += sizeof(h) + 3;
    }
    CHECK(xst_write_all(fd, buf, p - buf));
    for (i = 0; i < 2000; i++)
        if (xst_reply(fd, &m) && m.h.req_id == (uint32_t)i)
            got++;
    CHECK_EQ(got, 2000);
    close(fd);
}

static void slow_watcher_does_not_block_others(void)
{
    int slow = xst_connect(), fd = xst_connect(), i, ok = 0;
    char body[64];

    CHECK(xst_req(slow, XS_WATCH, 0, S("/h/slow\0t"), &m));
    /* The slow client never reads its events again. */
    for (i = 0; i < 3000; i++) {
        int n = snprintf(body, sizeof(body), "/h/slow/n%d%cvalue", i % 50, 0);
        if (xst_req(fd, XS_WRITE, 0, body, n + 6, &m) && m.h.type == XS_WRITE)
            ok++;
    }
    CHECK_EQ(ok, 3000);
    close(slow);
    close(fd);
    CHECK(alive());
}

static void many_connections(void)
{
    int fds[200], i, ok = 0;

    for (i = 0; i < 200; i++)
        fds[i] = xst_connect();
    for (i = 0; i < 200; i++)
        if (fds[i] >= 0 && xst_req(fds[i], XS_READ, 0, S("/"), &m) && m.h.type == XS_READ)
            ok++;
    for (i = 0; i < 200; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    CHECK_EQ(ok, 200);
    CHECK(alive());
}

static void garbage_stream(void)
{
    char junk[4096];
    unsigned int i;
    int fd = xst_connect();

    for (i = 0; i < sizeof(junk); i++)
        junk[i] = rnd();
    /* Whatever it parses, it answers or drops us; it must not die. */
    if (xst_write_all(fd, junk, sizeof(junk)))
        (void)xst_recv(fd, &m, 300);
    close(fd);
    CHECK(alive());
}

/* Xen serves one message per connection per pass.  A client streams
 * 100000 writes of a counter (another thread takes its replies); a probe
 * reads the counter once the stream is well under way.  Served in turn, it
 * sees a value from the middle of the stream; a daemon that reads one
 * connection while its socket has data answers it only after the last. */
enum { FLOOD_N = 100000 };
static int flood_fd;
static volatile int flood_written, flood_replies;

/* Each request removes an absent child of a directory of 3000: cheap to
 * send, dearer to serve (the directory is read twice), so the stream
 * keeps the daemon's socket full. */
static void *flood_writer(void *arg)
{
    struct { struct xsd_sockmsg h; char p[16]; } __attribute__((packed)) buf[256];
    int i = 0;

    while (i < FLOOD_N) {
        int k;
        for (k = 0; k < 256 && i < FLOOD_N; k++, i++) {
            buf[k].h = (struct xsd_sockmsg){ XS_RM, i, 0, 16 };
            memcpy(buf[k].p, "/h/bigdir/absnt", 16);
        }
        if (!xst_write_all(flood_fd, buf, k * sizeof(buf[0])))
            break;
        flood_written = i;
    }
    /* Its last request marks the end of the stream. */
    xst_send(flood_fd, XS_WRITE, FLOOD_N, 0, "/h/flood-done\0y", 15);
    return NULL;
}

static void *flood_reader(void *arg)
{
    static struct xst_msg r;

    while (flood_replies <= FLOOD_N && xst_recv(flood_fd, &r, 10000))
        if (r.h.type == (flood_replies < FLOOD_N ? XS_RM : XS_WRITE) &&
            r.h.req_id == (uint32_t)flood_replies)
            flood_replies++;
    return NULL;
}

static void flood_does_not_starve_probe(void)
{
    static struct { struct xsd_sockmsg h; char p[23]; } __attribute__((packed)) mk[3000];
    int pr = xst_connect(), i, made = 0;
    pthread_t w, r;

    flood_fd = xst_connect();
    CHECK(flood_fd >= 0 && pr >= 0);
    for (i = 0; i < 3000; i++) {
        mk[i].h = (struct xsd_sockmsg){ XS_MKDIR, i, 0, 23 };
        snprintf(mk[i].p, sizeof(mk[i].p), "/h/bigdir/child-%06d", i);
    }
    CHECK(xst_write_all(pr, mk, sizeof(mk)));
    for (i = 0; i < 3000; i++)
        if (xst_reply(pr, &m) && m.h.type == XS_MKDIR)
            made++;
    CHECK_EQ(made, 3000);
    pthread_create(&r, NULL, flood_reader, NULL);
    pthread_create(&w, NULL, flood_writer, NULL);
    while (flood_written < FLOOD_N / 10)
        sched_yield();
    /* Served in turn, the probe finds no end mark yet. */
    CHECK(xst_req(pr, XS_READ, 0, S("/h/flood-done"), &m));
    printf("# the probe's read of the end mark, %d requests into the stream of %d: %s\n",
           flood_written, FLOOD_N, m.h.type == XS_ERROR ? m.body : "found");
    CHECK(xst_is_error(&m, "ENOENT"));
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    CHECK_EQ(flood_replies, FLOOD_N + 1);     /* nothing of the stream lost */
    close(flood_fd);
    close(pr);
}

/* A client that sends and never reads: the daemon stops reading it once
 * its unread replies pile up, so the client's writes stop being taken
 * (not gigabytes of replies queued), and others are still served. */
static void unread_replies_stop_input(void)
{
    static char val[4000 + sizeof("/h/bigval")];
    struct { struct xsd_sockmsg h; char p[10]; } __attribute__((packed)) rq[64];
    int fd = xst_connect(), fl = xst_connect(), i;
    size_t sent = 0;

    memcpy(val, "/h/bigval", sizeof("/h/bigval"));
    memset(val + sizeof("/h/bigval"), 'v', 4000);
    CHECK(xst_req(fd, XS_WRITE, 0, val, sizeof(val), &m) && m.h.type == XS_WRITE);
    for (i = 0; i < 64; i++) {
        rq[i].h = (struct xsd_sockmsg){ XS_READ, i, 0, 10 };
        memcpy(rq[i].p, "/h/bigval", 10);
    }
    fcntl(fl, F_SETFL, fcntl(fl, F_GETFL) | O_NONBLOCK);
    /* Write until the socket stays full for a second (or 1 MiB went in:
     * that would be 160 MiB of replies held for this client). */
    while (sent < (1u << 20)) {
        struct pollfd p = { .fd = fl, .events = POLLOUT };
        ssize_t n;
        if (poll(&p, 1, 1000) <= 0)
            break;
        n = write(fl, rq, sizeof(rq));
        if (n > 0)
            sent += n;
        else if (n < 0 && errno != EAGAIN)
            break;
    }
    printf("# the daemon took %zu bytes of requests before it stopped reading\n", sent);
    CHECK(sent < (1u << 20));
    CHECK(xst_req(fd, XS_READ, 0, S("/h/bigval"), &m) && m.h.type == XS_READ);
    close(fl);
    close(fd);
    CHECK(alive());
}

/* talloc's own total from "memreport FILE" (the first line of its report). */
static long talloc_total(void)
{
    char tmpl[] = "/tmp/xs-mem.XXXXXX", text[4096] = "", *t;
    int fd = xst_connect(), tf = mkstemp(tmpl);
    long total = -1;

    if (fd >= 0 && tf >= 0) {
        char body[64];
        int n = snprintf(body, sizeof(body), "memreport%c%s", 0, tmpl) + 1;
        if (xst_req(fd, XS_CONTROL, 0, body, n, &m) && !strcmp(m.body, "OK")) {
            /* A few accounting lines, then "full talloc report on
             * 'null_context' (total N bytes in M blocks)". */
            if (read(tf, text, sizeof(text) - 1) > 0 && (t = strstr(text, "(total ")))
                total = strtol(t + 7, NULL, 10);
        }
    }
    if (fd >= 0)
        close(fd);
    if (tf >= 0) {
        close(tf);
        unlink(tmpl);
    }
    return total;
}

/* An idle connection holds no read buffer: 64 connections that each made
 * a request cost the daemon far less than the 8 KiB buffer each once kept. */
static void idle_connections_are_small(void)
{
    int fds[64], i, ok = 0;
    long before = talloc_total(), after;

    for (i = 0; i < 64; i++) {
        fds[i] = xst_connect();
        if (fds[i] >= 0 && xst_req(fds[i], XS_READ, 0, S("/"), &m) && m.h.type == XS_READ)
            ok++;
    }
    after = talloc_total();
    printf("# talloc total %ld -> %ld bytes: %ld per idle connection\n", before, after,
           (after - before) / 64);
    CHECK_EQ(ok, 64);
    CHECK(before > 0 && after > 0 && (after - before) / 64 < 2048);
    for (i = 0; i < 64; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Run against a daemon started with few descriptors (ulimit -n 64) and no
 * trace file: accept() fails with EMFILE; the connections beyond wait in
 * the backlog and are served, in order, once served ones close. */
static void emfile_pause_and_resume(void)
{
    enum { N = 80 };
    int fds[N], i, served = 0, later = 0;
    bool got[N] = { false };

    for (i = 0; i < N; i++) {
        fds[i] = xst_connect();
        CHECK(fds[i] >= 0 && xst_send(fds[i], XS_READ, i, 0, S("/")));
    }
    /* Replies until none came for two seconds: those accepted. */
    for (;;) {
        struct pollfd p[N];
        int n = 0;
        for (i = 0; i < N; i++)
            p[i] = (struct pollfd){ .fd = got[i] ? -1 : fds[i], .events = POLLIN };
        if (poll(p, N, 2000) <= 0)
            break;
        for (i = 0; i < N; i++)
            if (p[i].revents && xst_recv(fds[i], &m, 1000) && m.h.req_id == (uint32_t)i) {
                got[i] = true;
                n++;
            }
        served += n;
    }
    printf("# %d of %d connections served before the daemon ran out of descriptors\n",
           served, N);
    CHECK(served > 0 && served < N);
    /* No trace file: memreport has nowhere to go.  Xen's EBADF is not in
     * the protocol's error list, so its reply is EINVAL. */
    for (i = 0; i < N && !got[i]; i++)
        ;
    bool mr = i < N && xst_req(fds[i], XS_CONTROL, 0, S("memreport"), &m);
    CHECK(mr && xst_is_error(&m, "EINVAL"));
    for (i = 0; i < N; i++)
        if (got[i])
            close(fds[i]);
    for (i = 0; i < N; i++)
        if (!got[i] && xst_recv(fds[i], &m, 5000) && m.h.req_id == (uint32_t)i)
            later++;
    CHECK_EQ(later, N - served);
    for (i = 0; i < N; i++)
        if (!got[i])
            close(fds[i]);
    CHECK(alive());
}

int main(int argc, char **argv)
{
    if (!alive()) {
        printf("FAIL: connect: no daemon at XENSTORED_PATH\n");
        return 1;
    }
    if (argc > 1 && !strcmp(argv[1], "emfile")) {
        RUN(emfile_pause_and_resume);
        return CHECK_DONE();
    }
    RUN(short_header_then_close);
    RUN(length_beyond_payload_max);
    RUN(missing_nuls_and_bad_args);
    RUN(unknown_types_keep_connection);
    RUN(byte_by_byte);
    RUN(random_messages);
    RUN(pipelined_flood);
    RUN(slow_watcher_does_not_block_others);
    RUN(many_connections);
    RUN(garbage_stream);
    RUN(flood_does_not_starve_probe);
    RUN(unread_replies_stop_input);
    RUN(idle_connections_are_small);
    return CHECK_DONE();
}
