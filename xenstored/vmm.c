/* The privileged VMM socket: each domain's VMM attaches its xenstore ring
 * (memfd + offset) and store event channel (two eventfds) here, and keeps
 * the connection open while the domain lives (docs/xenstored-vmm-attach.md). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "xenstored.h"
#include "fd_pass.h"
#include "log.h"
#include "unix_sock.h"

#define DOMID_FIRST_RESERVED_ 0x7FF0u
#define XS_RING_PAGE 4096u

static struct attach *attach_by_domid(unsigned int domid)
{
    struct domain *d = domain_find(domid);

    return d ? d->attach : NULL;
}

void vmm_attach_free(struct attach *a)
{
    if (a->ev_vmm)
        event_free(a->ev_vmm);
    if (a->map)
        munmap(a->map, XS_RING_PAGE);
    if (a->vmm_fd >= 0)
        close(a->vmm_fd);
    if (a->mem_fd >= 0)
        close(a->mem_fd);
    if (a->event_fd >= 0)
        close(a->event_fd);
    if (a->notify_fd >= 0)
        close(a->notify_fd);
    talloc_free(a);
}

static void vmm_event(evutil_socket_t fd, short what, void *arg)
{
    struct attach *a = arg;
    char buf[64];
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

    /* Nothing more is expected from the VMM; EOF or error means it died. */
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
        return;
    domain_attach_lost(a);
}

static void reply(int fd, uint32_t status)
{
    struct xs_attach_rsp rsp = { .magic = XS_ATTACH_MAGIC, .status = status };

    if (send(fd, &rsp, sizeof(rsp), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(rsp))
        log_debug("vmm: reply not sent: %s", strerror(errno));
}

/* Validate one attach request; 0 or the errno to refuse it with. */
static int check_req(const struct xs_attach_req *r, int memfd)
{
    struct stat st;

    if (r->magic != XS_ATTACH_MAGIC || r->version != XS_ATTACH_VERSION || r->flags)
        return EPROTO;
    if (r->domid == 0 || r->domid >= DOMID_FIRST_RESERVED_)
        return EINVAL;
    if (attach_by_domid(r->domid))
        return EEXIST;
    if (r->ring_offset % XS_RING_PAGE || r->ring_offset > r->mem_size ||
        r->mem_size - r->ring_offset < XS_RING_PAGE)
        return EINVAL;
    if (fstat(memfd, &st) < 0)
        return errno;
    if ((uint64_t)st.st_size < r->ring_offset + XS_RING_PAGE)
        return ERANGE;
    return 0;
}

static void vmm_request(evutil_socket_t fd, short what, void *arg)
{
    struct event **evp = arg;
    struct xs_attach_req req = { 0 };
    int fds[3] = { -1, -1, -1 }, nfds = 0, err, i;
    struct attach *a = NULL;
    ssize_t n;

    event_free(*evp);
    talloc_free(evp);
    n = xk_recv_fds(fd, &req, sizeof(req), fds, 3, &nfds, MSG_DONTWAIT);
    if (n != (ssize_t)sizeof(req))
        err = EPROTO;
    else if (nfds != 3)
        err = EBADF;
    else
        err = check_req(&req, fds[0]);
    if (!err) {
        a = talloc_zero(NULL, struct attach);
        if (!a)
            err = ENOMEM;
    }
    if (!err) {
        a->domid = req.domid;
        a->vmm_fd = fd;
        a->mem_fd = fds[0];
        a->event_fd = fds[1];
        a->notify_fd = fds[2];
        a->ring_offset = req.ring_offset;
        a->port = req.store_port;
        a->target = req.target;
        fcntl(a->event_fd, F_SETFL, fcntl(a->event_fd, F_GETFL) | O_NONBLOCK);
        a->map = mmap(NULL, XS_RING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                      a->mem_fd, (off_t)a->ring_offset);
        if (a->map == MAP_FAILED) {
            a->map = NULL;
            err = errno;
        }
    }
    if (!err) {
        a->ev_vmm = event_new(evbase, fd, EV_READ | EV_PERSIST, vmm_event, a);
        if (!a->ev_vmm || event_add(a->ev_vmm, NULL))
            err = ENOMEM;
    }
    if (!err)
        err = domain_introduce(a->domid, a);
    if (err) {
        log_warn("vmm: attach of domain %u refused: %s", req.domid, strerror(err));
        reply(fd, err);
        if (a) {
            a->vmm_fd = -1;     /* closed below */
            vmm_attach_free(a);
        } else {
            for (i = 0; i < nfds; i++)
                close(fds[i]);
        }
        close(fd);
        return;
    }
    log_info("vmm: domain %u attached (ring at %#llx)", a->domid,
             (unsigned long long)a->ring_offset);
    reply(fd, 0);
}

static bool peer_is_root(int fd)
{
    struct ucred cr;
    socklen_t l = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0)
        return false;
    return cr.uid == 0 || cr.uid == geteuid();
}

static void vmm_accept(evutil_socket_t lfd, short what, void *arg)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    struct event **evp;

    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            listener_out_of_fds(errno);
        return;
    }
    if (!peer_is_root(fd)) {
        reply(fd, EPERM);
        close(fd);
        return;
    }
    evp = talloc(NULL, struct event *);
    if (!evp) {
        close(fd);
        return;
    }
    *evp = event_new(evbase, fd, EV_READ, vmm_request, evp);
    if (!*evp || event_add(*evp, NULL)) {
        close(fd);
        talloc_free(evp);
    }
}

int vmm_listen(const char *path)
{
    int fd = xk_unix_listen(path, SOCK_SEQPACKET, 16);

    if (fd >= 0)
        vmm_listen_start(fd);
    return fd;
}

void vmm_listen_start(int fd)
{
    struct event *ev = event_new(evbase, fd, EV_READ | EV_PERSIST, vmm_accept, NULL);

    if (!ev || event_add(ev, NULL))
        die(1, "libevent: cannot watch the VMM socket");
}

/* Live update: map the ring again and watch the VMM's connection. */
struct attach *vmm_attach_restore(struct attach *a)
{
    a->map = mmap(NULL, XS_RING_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                  a->mem_fd, (off_t)a->ring_offset);
    if (a->map == MAP_FAILED) {
        a->map = NULL;
        return NULL;
    }
    a->ev_vmm = event_new(evbase, a->vmm_fd, EV_READ | EV_PERSIST, vmm_event, a);
    if (!a->ev_vmm || event_add(a->ev_vmm, NULL))
        return NULL;
    return a;
}
