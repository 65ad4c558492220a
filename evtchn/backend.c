/* Client side of the link protocol (lib/vmm_socket_proto.h), for host backends and
 * for VMMs binding to another domain. */
#include "backend.h"
#include "fd_pass.h"
#include "vmm_socket_proto.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 5000

static int connect_vmm(const char *rundir, uint32_t domid)
{
    int s;

    if (!rundir)
        return -ESRCH;
    s = xk_link_connect(rundir, domid);
    /* No VMM listening: the domain does not exist. */
    return s == -ENOENT || s == -ECONNREFUSED ? -ESRCH : s;
}

/* Wait for one reply, with fds if any. */
static int recv_reply(int s, struct xk_link_msg *m, int fds[2])
{
    struct pollfd p = { .fd = s, .events = POLLIN };
    ssize_t n;
    int nfds;

    fds[0] = fds[1] = -1;
    if (poll(&p, 1, REPLY_TIMEOUT_MS) <= 0)
        return -ETIMEDOUT;
    n = xk_recv_fds(s, m, sizeof(*m), fds, 2, &nfds, 0);
    /* A reply carries both eventfds or none. */
    if (n != (ssize_t)sizeof(*m) || m->magic != XK_LINK_MAGIC || nfds == 1) {
        while (nfds > 0)
            close(fds[--nfds]);
        fds[0] = fds[1] = -1;
        return -EPROTO;
    }
    return 0;
}

int xk_evtchn_bind_from(const char *rundir, uint32_t domid, uint32_t port,
                        uint32_t from_dom, uint32_t from_port,
                        struct xk_evtchn *e)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_BIND,
                             .from_dom = from_dom, .from_port = from_port,
                             .port = port };
    int s, rc, fds[2];

    e->sock = e->notify_fd = e->event_fd = -1;
    if ((s = connect_vmm(rundir, domid)) < 0)
        return s;
    if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
        rc = -errno;
        close(s);
        return rc;
    }
    rc = recv_reply(s, &m, fds);
    if (rc == 0 && m.type != XK_LINK_BOUND)
        rc = -EPROTO;
    if (rc == 0 && m.status)
        rc = m.status < 0 ? m.status : -EPROTO;
    if (rc == 0 && (fds[0] < 0 || fds[1] < 0))
        rc = -EPROTO;
    if (rc) {
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        close(s);
        return rc;
    }
    e->sock = s;
    e->notify_fd = fds[0];
    e->event_fd = fds[1];
    e->domid = domid;
    e->port = port;
    return 0;
}

int xk_evtchn_bind(const char *rundir, uint32_t domid, uint32_t port,
                   uint32_t my_port, struct xk_evtchn *e)
{
    return xk_evtchn_bind_from(rundir, domid, port, 0, my_port, e);
}

int xk_evtchn_notify(const struct xk_evtchn *e)
{
    uint64_t one = 1;

    return write(e->notify_fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

uint64_t xk_evtchn_consume(const struct xk_evtchn *e)
{
    uint64_t n;

    return read(e->event_fd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

void xk_evtchn_unbind(struct xk_evtchn *e)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_CLOSE };

    if (e->sock >= 0) {
        send(e->sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
        close(e->sock);
    }
    if (e->notify_fd >= 0)
        close(e->notify_fd);
    if (e->event_fd >= 0)
        close(e->event_fd);
    e->sock = e->notify_fd = e->event_fd = -1;
}

int xk_evtchn_send_virq(const char *rundir, uint32_t domid, uint32_t virq)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_VIRQ,
                             .from_dom = 0, .port = virq };
    int s, rc, fds[2];

    if ((s = connect_vmm(rundir, domid)) < 0)
        return s;
    if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
        rc = -errno;
    else if ((rc = recv_reply(s, &m, fds)) == 0)
        rc = m.status;
    close(s);
    return rc;
}
