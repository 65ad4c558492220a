/* SCM_RIGHTS in one place (fd_pass.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_pass.h"

typedef union {
    char buf[CMSG_SPACE(XK_FD_PASS_MAX * sizeof(int))];
    struct cmsghdr align;
} cmsg_buf;

int xk_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
    cmsg_buf u;
    struct iovec iov = { (void *)buf, len };
    struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1 };
    ssize_t n;

    if (nfds < 0 || nfds > XK_FD_PASS_MAX)
        return -EINVAL;
    if (nfds) {
        struct cmsghdr *c;

        memset(&u, 0, sizeof(u));
        h.msg_control = u.buf;
        h.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        c = CMSG_FIRSTHDR(&h);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    do
        n = sendmsg(sock, &h, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

ssize_t xk_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds,
                    int flags)
{
    cmsg_buf u;
    struct iovec iov = { buf, len };
    struct msghdr h = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf };
    struct cmsghdr *c;
    ssize_t n;
    int k = 0;

    *nfds = 0;
    if (maxfds < 0 || maxfds > XK_FD_PASS_MAX)
        return -EINVAL;
    /* Room for exactly MAXFDS: more is MSG_CTRUNC (the kernel drops them). */
    h.msg_controllen = maxfds ? CMSG_SPACE(maxfds * sizeof(int)) : 0;
    if (!maxfds)
        h.msg_control = NULL;
    do
        n = recvmsg(sock, &h, flags | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
        int m;

        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        m = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < m; i++) {
            int f;

            memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (k < maxfds)
                fds[k++] = f;
            else
                close(f);
        }
    }
    if (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        while (k > 0)
            close(fds[--k]);
        return -EPROTO;
    }
    *nfds = k;
    return n;
}
