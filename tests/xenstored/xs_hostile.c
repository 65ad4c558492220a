/* Hostile input on xenstored's socket: short headers, oversized lengths,
 * missing NULs, unknown types, random messages, floods, slow readers.  The
 * daemon answers with Xen's error or drops only that connection; it must
 * keep serving everyone else.  Needs a private daemon on $XENSTORED_PATH. */
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

int main(void)
{
    if (!alive()) {
        printf("FAIL: connect: no daemon at XENSTORED_PATH\n");
        return 1;
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
    return CHECK_DONE();
}
