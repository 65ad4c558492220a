/* Helpers for the xenstored tests: raw protocol messages over a socket or
 * any byte stream, the daemon's socket path from XENSTORED_PATH. */
#ifndef XST_H
#define XST_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <xen/io/xs_wire.h>
#include "../unit/check.h"

struct xst_msg {
    struct xsd_sockmsg h;
    char body[XENSTORE_PAYLOAD_MAX + 1];
};

static inline int xst_connect(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    const char *p = getenv("XENSTORED_PATH");
    int fd;

    if (!p || strlen(p) >= sizeof(sa.sun_path))
        return -1;
    strcpy(sa.sun_path, p);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool xst_write_all(int fd, const void *b, size_t n)
{
    while (n) {
        ssize_t r = write(fd, b, n);
        if (r <= 0)
            return false;
        b = (const char *)b + r;
        n -= r;
    }
    return true;
}

/* Read exactly n bytes, waiting at most ms per chunk; false on EOF/timeout. */
static inline bool xst_read_all(int fd, void *b, size_t n, int ms)
{
    while (n) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, ms) <= 0)
            return false;
        ssize_t r = read(fd, b, n);
        if (r <= 0)
            return false;
        b = (char *)b + r;
        n -= r;
    }
    return true;
}

static inline bool xst_send(int fd, uint32_t type, uint32_t req, uint32_t tx,
                            const void *body, uint32_t len)
{
    struct xsd_sockmsg h = { type, req, tx, len };

    return xst_write_all(fd, &h, sizeof(h)) && (!len || xst_write_all(fd, body, len));
}

static inline bool xst_recv(int fd, struct xst_msg *m, int ms)
{
    if (!xst_read_all(fd, &m->h, sizeof(m->h), ms) || m->h.len > XENSTORE_PAYLOAD_MAX)
        return false;
    if (!xst_read_all(fd, m->body, m->h.len, ms))
        return false;
    m->body[m->h.len] = 0;
    return true;
}

/* Next message that is not a watch event. */
static inline bool xst_reply(int fd, struct xst_msg *m)
{
    do {
        if (!xst_recv(fd, m, 5000))
            return false;
    } while (m->h.type == XS_WATCH_EVENT);
    return true;
}

/* Request with a body given as NUL-separated strings ("a\0b\0", len). */
static inline bool xst_req(int fd, uint32_t type, uint32_t tx, const void *body,
                           uint32_t len, struct xst_msg *m)
{
    static uint32_t req_id = 100;

    req_id++;
    return xst_send(fd, type, req_id, tx, body, len) && xst_reply(fd, m) &&
           m->h.req_id == req_id;
}

static inline bool xst_is_error(const struct xst_msg *m, const char *err)
{
    return m->h.type == XS_ERROR && !strcmp(m->body, err);
}

#define S(lit) lit, sizeof(lit)     /* a string literal with its NUL */

#endif
