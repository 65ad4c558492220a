/* Client side of the VMM attach protocol (see xs_attach.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
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
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fds[3] = { mem_fd, event_fd, notify_fd };
    union {
        char buf[CMSG_SPACE(sizeof(fds))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = (void *)req, .iov_len = sizeof(*req) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
    struct xs_attach_rsp rsp;
    struct cmsghdr *cm;
    struct timeval tmo = { .tv_sec = XS_ATTACH_TIMEOUT_S };
    ssize_t n;
    int fd, e;
    struct timeval zero = { 0 };

    if (strlen(path) >= sizeof(sa.sun_path))
        return fail(ENAMETOOLONG, err, errlen, path);
    strcpy(sa.sun_path, path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(errno, err, errlen, "socket");
    /* A hung xenstored must not hang its caller for good. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo, sizeof(tmo));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        e = errno;
        close(fd);
        return fail(e, err, errlen, path);
    }
    memset(u.buf, 0, sizeof(u.buf));
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(cm), fds, sizeof(fds));
    do
        n = sendmsg(fd, &mh, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(*req)) {
        e = n < 0 ? errno : EIO;
        close(fd);
        return fail(e, err, errlen, "send");
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
