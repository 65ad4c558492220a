/* Client side of the VMM attach protocol (see xs_attach.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include "fd_pass.h"
#include "unix_sock.h"
#include "xs_attach.h"

static int fail(int e, char *err, size_t errlen, const char *what)
{
    if (err && errlen)
        snprintf(err, errlen, "xs_attach: %s: %s", what, strerror(e));
    return -e;
}

int xs_attach(const char *path, const struct xs_attach_req *req,
              int mem_fd, int event_fd, int notify_fd, char *err, size_t errlen)
{
    int fds[3] = { mem_fd, event_fd, notify_fd };
    struct timeval tmo = { .tv_sec = XS_ATTACH_TIMEOUT_S }, zero = { 0 };
    struct xs_attach_rsp rsp;
    ssize_t n;
    int fd, e;

    fd = xk_unix_connect(path, SOCK_SEQPACKET);
    if (fd < 0)
        return fail(-fd, err, errlen, path);
    /* A hung xenstored must not hang its caller for good. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
    e = xk_send_fds(fd, req, sizeof(*req), fds, 3);
    if (e) {
        close(fd);
        return fail(-e, err, errlen, "send");
    }
    do
        n = recv(fd, &rsp, sizeof(rsp), 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(rsp) || rsp.magic != XS_ATTACH_MAGIC) {
        e = n < 0 ? errno : EPROTO;
        close(fd);
        return fail(e, err, errlen, "reply");
    }
    if (rsp.status) {
        close(fd);
        return fail((int)rsp.status, err, errlen, "refused by xenstored");
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &zero, sizeof(zero));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof(zero));
    return fd;
}
