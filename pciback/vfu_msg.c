/* vfu_msg.c: vfio-user message framing (see vfu_msg.h). */
#include "vfu_msg.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int vfu_send(int sock, const void *msg, size_t len, const int *fds, int nfds)
{
    const uint8_t *p = msg;
    union {
        char buf[CMSG_SPACE(sizeof(int) * VFU_MAX_FDS)];
        struct cmsghdr align;
    } c;
    bool first = true;

    if (nfds < 0 || nfds > VFU_MAX_FDS)
        return -EINVAL;
    while (len) {
        struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (first && nfds) {
            struct cmsghdr *cm;

            memset(&c, 0, sizeof(c));
            mh.msg_control = c.buf;
            mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
            cm = CMSG_FIRSTHDR(&mh);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
            memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
        }
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        first = false;
        p += n;
        len -= n;
    }
    return 0;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

/* Read exactly LEN bytes, fds arriving with the first ones. */
static int read_full(int sock, uint8_t *p, size_t len, int *fds, int maxfds, int *nfds,
                     bool *fd_overflow)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 32)];
        struct cmsghdr align;
    } c;

    while (len) {
        struct iovec iov = { .iov_base = p, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? -EPIPE : -errno;
        }
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            int k;

            if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                continue;
            k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (int i = 0; i < k; i++) {
                int fd;

                memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                if (*nfds < maxfds)
                    fds[(*nfds)++] = fd;
                else {
                    close(fd);
                    *fd_overflow = true;
                }
            }
        }
        if (mh.msg_flags & MSG_CTRUNC)
            *fd_overflow = true;
        if (n == 0)
            return -EPIPE;
        p += n;
        len -= n;
    }
    return 0;
}

long vfu_recv(int sock, void *buf, size_t cap, int *fds, int maxfds, int *nfds)
{
    struct vfu_hdr h;
    bool overflow = false;
    int r;

    *nfds = 0;
    if (cap < sizeof(h))
        return -EINVAL;
    r = read_full(sock, buf, sizeof(h), fds, maxfds, nfds, &overflow);
    if (r < 0)
        goto fail;
    memcpy(&h, buf, sizeof(h));
    if (h.msg_size < sizeof(h) || h.msg_size > cap) {
        r = -EPROTO;
        goto fail;
    }
    r = read_full(sock, (uint8_t *)buf + sizeof(h), h.msg_size - sizeof(h), fds, maxfds,
                  nfds, &overflow);
    if (r < 0)
        goto fail;
    if (overflow) {
        r = -EPROTO;
        goto fail;
    }
    return h.msg_size;
fail:
    close_all(fds, *nfds);
    *nfds = 0;
    return r;
}

int vfu_json_u32(const char *json, const char *key, uint32_t *out)
{
    size_t kl = strlen(key);
    const char *p = json;
    unsigned long long v;
    char *end;

    for (;;) {
        p = strchr(p, '"');
        if (!p)
            return -ENOENT;
        if (!strncmp(p + 1, key, kl) && p[1 + kl] == '"')
            break;
        p++;
    }
    p += kl + 2;
    while (isspace((unsigned char)*p))
        p++;
    if (*p != ':')
        return -EINVAL;
    p++;
    while (isspace((unsigned char)*p))
        p++;
    if (!isdigit((unsigned char)*p))
        return -EINVAL;
    errno = 0;
    v = strtoull(p, &end, 10);
    if (errno || v > UINT32_MAX)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}
