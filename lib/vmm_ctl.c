/* Client side of the VMM socket's control messages (vmm_ctl.h). */
#include "vmm_ctl.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd_pass.h"
#include "unix_sock.h"

int xk_link_sock_addr(const char *rundir, uint32_t domid, struct sockaddr_un *a)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if ((size_t)snprintf(a->sun_path, sizeof(a->sun_path), XK_LINK_SOCK_FMT,
                         rundir, domid) >= sizeof(a->sun_path))
        return -ENAMETOOLONG;
    return 0;
}

int xk_link_connect(const char *rundir, uint32_t domid)
{
    struct sockaddr_un a;
    int rc;

    if ((rc = xk_link_sock_addr(rundir, domid, &a)))
        return rc;
    return xk_unix_connect(a.sun_path, SOCK_SEQPACKET);
}

/* Send one request of TYPE from domain 0 and receive the reply into
 * REPLY (LEN bytes at most); the reply's length or -errno. */
static ssize_t request2(const char *rundir, unsigned domid, uint32_t type, uint32_t port,
                        uint32_t from_port, void *reply, size_t len)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = type, .from_dom = 0,
                             .port = port, .from_port = from_port };
    struct timeval tv = { VMM_CTL_TIMEOUT_MS / 1000, VMM_CTL_TIMEOUT_MS % 1000 * 1000 };
    ssize_t n;
    int s, rc;

    if (!rundir)
        return -EINVAL;
    if ((s = xk_link_connect(rundir, domid)) < 0)
        return s;
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        send(s, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
        rc = -errno;
        close(s);
        return rc;
    }
    do
        n = recv(s, reply, len, 0);
    while (n < 0 && errno == EINTR);
    rc = errno;
    close(s);
    if (n < 0)
        return rc == EAGAIN || rc == EWOULDBLOCK ? -ETIMEDOUT : -rc;
    return n;
}

static ssize_t request(const char *rundir, unsigned domid, uint32_t type, uint32_t port,
                       void *reply, size_t len)
{
    return request2(rundir, domid, type, port, 0, reply, len);
}

/* A PAUSE or UNPAUSE: the VMM's status. */
static int simple(const char *rundir, unsigned domid, uint32_t type, uint32_t port)
{
    struct xk_link_msg r;
    ssize_t n = request(rundir, domid, type, port, &r, sizeof(r));

    if (n < 0)
        return (int)n;
    if (n != (ssize_t)sizeof(r) || r.magic != XK_LINK_MAGIC || r.type != type ||
        r.status > 0)
        return -EPROTO;
    return r.status;
}

int vmm_ctl_pause(const char *rundir, unsigned domid)
{
    return simple(rundir, domid, XK_LINK_PAUSE, 0);
}

int vmm_ctl_unpause(const char *rundir, unsigned domid)
{
    return simple(rundir, domid, XK_LINK_UNPAUSE, 0);
}

int vmm_ctl_trigger(const char *rundir, unsigned domid, uint32_t trigger, uint32_t vcpu)
{
    struct xk_link_msg r;
    ssize_t n = request2(rundir, domid, XK_LINK_TRIGGER, trigger, vcpu, &r, sizeof(r));

    if (n < 0)
        return (int)n;
    if (n != (ssize_t)sizeof(r) || r.magic != XK_LINK_MAGIC || r.type != XK_LINK_TRIGGER ||
        r.status > 0)
        return -EPROTO;
    return r.status;
}

int vmm_ctl_pci(const char *rundir, unsigned domid, struct xk_link_pci *req,
                unsigned timeout_ms)
{
    struct timeval tv = { timeout_ms / 1000, timeout_ms % 1000 * 1000 };
    uint32_t type = req->type;
    ssize_t n;
    int s, rc;

    req->magic = XK_LINK_MAGIC;
    req->from_dom = 0;
    req->status = 0;
    req->spec[sizeof(req->spec) - 1] = 0;
    req->msg[0] = 0;
    if ((s = xk_link_connect(rundir, domid)) < 0)
        return s;
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        send(s, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
        rc = -errno;
        close(s);
        return rc;
    }
    do
        n = recv(s, req, sizeof(*req), 0);
    while (n < 0 && errno == EINTR);
    rc = errno;
    close(s);
    if (n < 0)
        return rc == EAGAIN || rc == EWOULDBLOCK ? -ETIMEDOUT : -rc;
    if (n != (ssize_t)sizeof(*req) || req->magic != XK_LINK_MAGIC || req->type != type ||
        req->status > 0)
        return -EPROTO;
    req->msg[sizeof(req->msg) - 1] = 0;
    return req->status;
}

int vmm_ctl_maxmem(const char *rundir, unsigned domid, uint32_t pages)
{
    return simple(rundir, domid, XK_LINK_MAXMEM, pages);
}

int vmm_ctl_resume(const char *rundir, unsigned domid)
{
    return simple(rundir, domid, XK_LINK_RESUME, 0);
}

int vmm_ctl_info_check(struct xk_link_info *out, ssize_t n)
{
    if (n < 0)
        return (int)n;
    /* A refusal is the header alone. */
    if (n < (ssize_t)offsetof(struct xk_link_info, version) ||
        out->magic != XK_LINK_MAGIC || out->type != XK_LINK_INFO || out->status > 0)
        return -EPROTO;
    if (out->status)
        return out->status;
    if (n != (ssize_t)sizeof(*out) || out->version != XK_LINK_INFO_VERSION ||
        out->nr_vcpus > XK_LINK_MAX_VCPUS)
        return -EPROTO;
    return 0;
}

int vmm_ctl_info(const char *rundir, unsigned domid, struct xk_link_info *out)
{
    memset(out, 0, sizeof(*out));
    return vmm_ctl_info_check(out, request(rundir, domid, XK_LINK_INFO, 0, out, sizeof(*out)));
}

/* Send TYPE with FD attached and wait, with no time limit (the VMM answers
 * when the work is done), for a reply of exactly LEN bytes that opens
 * with magic, type and status (struct xk_link_save, _live_update); its
 * MSGLEN-byte text MSG (a field of OUT) is terminated here.  With
 * PROGRESS, replies of status XK_SAVE_STATUS_PROGRESS before the last go
 * to it. */
static int request_with_fd(const char *rundir, unsigned domid, uint32_t type, uint32_t port,
                           int fd, void *out, size_t len, char *msg, size_t msglen,
                           void (*progress)(const void *r, void *arg), void *arg)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = type, .port = port };
    struct { uint32_t magic, type; int32_t status; } head;
    ssize_t n;
    int s, rc;

    memset(out, 0, len);
    if (!rundir)
        return -EINVAL;
    if ((s = xk_link_connect(rundir, domid)) < 0)
        return s;
    if ((rc = xk_send_fds(s, &m, sizeof(m), &fd, 1))) {
        close(s);
        return rc;
    }
    for (;;) {
        do
            n = recv(s, out, len, 0);
        while (n < 0 && errno == EINTR);
        memcpy(&head, out, sizeof(head));
        if (!progress || n != (ssize_t)len || head.magic != XK_LINK_MAGIC ||
            head.type != type || head.status != XK_SAVE_STATUS_PROGRESS)
            break;
        progress(out, arg);
    }
    rc = -errno;
    close(s);
    if (n < 0)
        return rc;
    if (n != (ssize_t)len || head.magic != XK_LINK_MAGIC || head.type != type || head.status > 0)
        return n == 0 ? -ECONNRESET : -EPROTO;
    msg[msglen - 1] = '\0';
    return head.status;
}

int vmm_ctl_save(const char *rundir, unsigned domid, int fd, uint32_t flags,
                 struct xk_link_save *out)
{
    return request_with_fd(rundir, domid, XK_LINK_SAVE, flags & ~XK_SAVE_PROGRESS, fd, out,
                           sizeof(*out), out->msg, sizeof(out->msg), NULL, NULL);
}

struct save_progress {
    void (*fn)(const struct xk_link_save *r, void *arg);
    void *arg;
};

static void save_progress(const void *r, void *arg)
{
    struct save_progress *p = arg;

    if (p->fn)
        p->fn(r, p->arg);
}

int vmm_ctl_save_progress(const char *rundir, unsigned domid, int fd, uint32_t flags,
                          struct xk_link_save *out,
                          void (*progress)(const struct xk_link_save *r, void *arg),
                          void *arg)
{
    struct save_progress p = { progress, arg };

    return request_with_fd(rundir, domid, XK_LINK_SAVE, flags, fd, out, sizeof(*out), out->msg,
                           sizeof(out->msg),
                           (flags & XK_SAVE_PROGRESS) ? save_progress : NULL, &p);
}

int vmm_ctl_dump_core(const char *rundir, unsigned domid, int fd, struct xk_link_save *out)
{
    return request_with_fd(rundir, domid, XK_LINK_DUMP_CORE, 0, fd, out, sizeof(*out),
                           out->msg, sizeof(out->msg), NULL, NULL);
}

/* The answer comes from the new VMM once the guest runs again, or from the
 * old one with the reason it refused. */
int vmm_ctl_live_update(const char *rundir, unsigned domid, int bin,
                        struct xk_link_live_update *out)
{
    return request_with_fd(rundir, domid, XK_LINK_LIVE_UPDATE, 0, bin, out, sizeof(*out),
                           out->msg, sizeof(out->msg), NULL, NULL);
}

int vmm_ctl_postcopy_status(const char *rundir, unsigned domid, struct xk_link_postcopy *r)
{
    ssize_t n = request(rundir, domid, XK_LINK_POSTCOPY, 0, r, sizeof(*r));

    if (n < 0)
        return (int)n;
    if (n != (ssize_t)sizeof(*r) || r->magic != XK_LINK_MAGIC || r->type != XK_LINK_POSTCOPY ||
        r->status > XK_PC_SOURCE_PAUSED)
        return -EPROTO;
    return r->status;
}

int vmm_ctl_postcopy_query(const char *rundir, unsigned domid)
{
    struct xk_link_postcopy r;

    return vmm_ctl_postcopy_status(rundir, domid, &r);
}

/* One POSTCOPY reply on S into OUT: its status, or -errno. */
static int postcopy_reply(int s, struct xk_link_postcopy *out)
{
    ssize_t n;

    do
        n = recv(s, out, sizeof(*out), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof(*out) || out->magic != XK_LINK_MAGIC ||
        out->type != XK_LINK_POSTCOPY || out->status > 0)
        return n == 0 ? -ECONNRESET : -EPROTO;
    out->msg[sizeof(out->msg) - 1] = '\0';
    return out->status;
}

int vmm_ctl_postcopy_start(const char *rundir, unsigned domid, int fwd, int ret, bool hold,
                           struct xk_link_postcopy *out)
{
    return vmm_ctl_postcopy_connect(rundir, domid, fwd, ret, hold ? XK_PC_HOLD : 0, out);
}

int vmm_ctl_postcopy_connect(const char *rundir, unsigned domid, int fwd, int ret,
                             uint32_t flags, struct xk_link_postcopy *out)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_POSTCOPY, .port = flags };
    int fds[2] = { fwd, ret }, s, rc;

    memset(out, 0, sizeof(*out));
    if (!rundir)
        return -EINVAL;
    if ((s = xk_link_connect(rundir, domid)) < 0)
        return s;
    if ((rc = xk_send_fds(s, &m, sizeof(m), fds, 2)) || (rc = postcopy_reply(s, out))) {
        close(s);
        return rc;
    }
    return s;
}

int vmm_ctl_postcopy_wait(int s, struct xk_link_postcopy *out)
{
    int rc = postcopy_reply(s, out);

    close(s);
    return rc;
}
