/* Event channels that leave this VMM (lib/vmm_socket_proto.h): BIND
 * requests that other domains' VMMs and host backends send to the control
 * socket (control.c), the binder side for the guest's
 * EVTCHNOP_bind_interdomain, and in-process backends.
 *
 * A link is one channel: a SOCK_SEQPACKET connection that stands for it,
 * the eventfd we read when the far end raises our port (rx) and the one
 * we write when our guest sends (tx).  Links are freed only on the event
 * thread, after the port no longer points at them. */
#include "link.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evtchn/backend.h"
#include "control.h"
#include "evloop.h"
#include "fd_pass.h"
#include "vmm_socket_proto.h"
#include "log.h"

struct evtchn_link {
    struct vm *vm;
    uint32_t port;
    domid_t remote;
    int sock, rx, tx;
};

static void link_free(struct evtchn_link *l)
{
    evloop_del(l->vm->loop, l->rx);
    evloop_del(l->vm->loop, l->sock);
    close(l->rx);
    close(l->tx);
    close(l->sock);
    free(l);
}

static void on_link_rx(void *arg, int fd, uint32_t events)
{
    struct evtchn_link *l = arg;
    uint64_t n;

    (void)events;
    if (read(fd, &n, sizeof(n)) == sizeof(n))
        evtchn_link_raise(&l->vm->evtchn, l->port, l);
}

/* CLOSE, EOF or garbage on the channel's connection: the far end is gone. */
static void on_link_sock(void *arg, int fd, uint32_t events)
{
    struct evtchn_link *l = arg;
    struct xk_link_msg m;
    ssize_t n = recv(fd, &m, sizeof(m), MSG_DONTWAIT);

    (void)events;
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    log_debug("domain %u: port %u: channel to domain %u closed", l->vm->domid,
              l->port, l->remote);
    evtchn_link_gone(&l->vm->evtchn, l->port, l);
    link_free(l);
}

static struct evtchn_link *link_new(struct vm *vm, int sock, int rx, int tx,
                                    domid_t remote)
{
    struct evtchn_link *l = calloc(1, sizeof(*l));

    if (!l)
        return NULL;
    l->vm = vm;
    l->sock = sock;
    l->rx = rx;
    l->tx = tx;
    l->remote = remote;
    return l;
}

static int link_watch(struct evtchn_link *l)
{
    int rc = evloop_add(l->vm->loop, l->rx, on_link_rx, l);
    return rc ? rc : evloop_add(l->vm->loop, l->sock, on_link_sock, l);
}

/* Hooks, called with the evtchn lock held. */
void link_send(void *opaque, struct evtchn_link *l)
{
    uint64_t one = 1;
    (void)opaque;
    if (write(l->tx, &one, sizeof(one)) < 0)
        log_debug("port %u: notify failed", l->port);
}

void link_close(void *opaque, struct evtchn_link *l)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_CLOSE };
    (void)opaque;
    send(l->sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
    /* Our own shutdown wakes the event thread, which frees the link. */
    shutdown(l->sock, SHUT_RDWR);
}

/* --- the VMM that owns the unbound port ------------------------------- */

static int send_msg(int s, const struct xk_link_msg *m, const int *fds, int nfds)
{
    return xk_send_fds(s, m, sizeof(*m), fds, nfds);
}

/* Make a link for our PORT bound by FROM_DOM's FROM_PORT over SOCK; on
 * success PEER gets the far end's eventfds (its notify, its events). */
static int accept_bind(struct vm *vm, int sock, uint32_t port, domid_t from_dom,
                       uint32_t from_port, int peer[2])
{
    int rx = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int tx = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    struct evtchn_link *l;
    int rc;

    if (rx < 0 || tx < 0 || !(l = link_new(vm, sock, rx, tx, from_dom))) {
        rc = -ENOMEM;
        goto fail;
    }
    l->port = port;
    rc = evtchn_accept_link(&vm->evtchn, port, from_dom, from_port, l);
    if (rc) {
        free(l);
        goto fail;
    }
    peer[0] = rx;
    peer[1] = tx;
    if ((rc = link_watch(l))) {
        evtchn_close(&vm->evtchn, port);    /* frees via link_close */
        return rc;
    }
    return 0;
fail:
    if (rx >= 0)
        close(rx);
    if (tx >= 0)
        close(tx);
    return rc;
}

bool link_serve_bind(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    struct xk_link_msg r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_BOUND };
    int peer[2];

    if (m->from_dom >= DOMID_FIRST_RESERVED || m->from_dom == vm->domid) {
        r.status = -EINVAL;
    } else {
        r.status = accept_bind(vm, fd, m->port, (domid_t)m->from_dom,
                               m->from_port, peer);
    }
    if (r.status == 0) {
        if (send_msg(fd, &r, peer, 2))
            log_warn("domain %u: port %u: cannot answer a bind", vm->domid, m->port);
        return true;        /* fd now belongs to the link */
    }
    send_msg(fd, &r, NULL, 0);
    return false;
}

static int sock_path(struct vm *vm, domid_t domid, struct sockaddr_un *a)
{
    return xk_link_sock_addr(vm->rundir, domid, a);
}

static void free_taken(void *arg, struct evtchn_link *l)
{
    (void)arg;
    link_free(l);
}

void link_free_all(struct vm *vm)
{
    /* Without the event thread nothing else frees them; closing their
     * fds is the far ends' EOF. */
    evtchn_take_links(&vm->evtchn, free_taken, NULL);
}

bool link_domain_exists(struct vm *vm, domid_t domid)
{
    struct sockaddr_un a;
    struct stat st;

    if (domid == vm->domid || domid == 0)
        return true;
    return vm->rundir && sock_path(vm, domid, &a) == 0 &&
           stat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode);
}

bool link_domain_exists_from(struct vm *vm, domid_t first)
{
    struct dirent *de;
    bool found = false;
    DIR *d;

    if (first == 0 || first <= vm->domid)
        return true;                /* domain 0, or this one */
    if (!vm->rundir || !(d = opendir(vm->rundir)))
        return false;
    while (!found && (de = readdir(d))) {
        unsigned id;
        char tail;

        /* dom<N>.sock (XK_LINK_SOCK_FMT) */
        if (sscanf(de->d_name, "dom%u.soc%c", &id, &tail) == 2 && tail == 'k' &&
            id >= first && id < DOMID_FIRST_RESERVED)
            found = link_domain_exists(vm, (domid_t)id);
    }
    closedir(d);
    return found;
}

/* --- our guest binds to another domain's port ------------------------- */

int link_bind_remote(struct vm *vm, domid_t rdom, uint32_t rport)
{
    struct xk_evtchn e;
    struct evtchn_link *l;
    int lport, rc;

    if (!link_domain_exists(vm, rdom))
        return -ESRCH;
    lport = evtchn_reserve(&vm->evtchn);
    if (lport < 0)
        return lport;
    if (rdom == 0) {
        /* Domain 0's ports are host backends: they bind to the guest, never
         * the other way, so none is unbound for us. */
        rc = -EINVAL;
    } else {
        rc = xk_evtchn_bind_from(vm->rundir, rdom, rport, vm->domid, (uint32_t)lport, &e);
        /* Xen's answers pass through; a far end that misbehaved (timeout,
         * protocol) is a port that cannot be bound: -EINVAL. */
        if (rc && rc != -ESRCH && rc != -ENOSPC && rc != -ENOMEM)
            rc = -EINVAL;
    }
    if (rc) {
        evtchn_release(&vm->evtchn, (uint32_t)lport);
        return rc;
    }
    /* The far end's notify fd is our tx, its event fd our rx. */
    l = link_new(vm, e.sock, e.event_fd, e.notify_fd, rdom);
    if (!l) {
        xk_evtchn_unbind(&e);
        evtchn_release(&vm->evtchn, (uint32_t)lport);
        return -ENOMEM;
    }
    l->port = (uint32_t)lport;
    evtchn_commit_link(&vm->evtchn, (uint32_t)lport, rdom, rport, l);
    if (link_watch(l)) {
        evtchn_close(&vm->evtchn, (uint32_t)lport);
        return -ENOMEM;
    }
    return lport;
}

/* --- host backends inside this process -------------------------------- */

int link_bind_backend(struct vm *vm, uint32_t port, uint32_t backend_port,
                      int fds[3])
{
    int sp[2], peer[2], rc;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return -errno;
    rc = accept_bind(vm, sp[0], port, 0, backend_port, peer);
    if (rc) {
        close(sp[0]);
        close(sp[1]);
        return rc;
    }
    /* The backend gets its own copies: the link keeps ours. */
    fds[0] = dup(peer[0]);      /* notify: raise the guest's port */
    fds[1] = dup(peer[1]);      /* events: the guest sent */
    fds[2] = sp[1];
    return 0;
}

/* --- live update (live_update.c) -------------------------------------- */

int link_each(struct vm *vm,
              int (*fn)(void *arg, const struct link_fds *lf), void *arg)
{
    struct evtchn_domain *d = &vm->evtchn;
    int rc = 0;

    /* The domain is paused and the caller is the event thread: no link
     * comes or goes meanwhile. */
    for (uint32_t port = 1; !rc && port < d->valid; port++) {
        struct link_fds lf = { 0 };
        struct evtchn *c;
        bool have = false;

        pthread_mutex_lock(&d->lock);
        c = evtchn_port(d, port);
        if (c && c->state == ECS_INTERDOMAIN && c->link) {
            struct evtchn_link *l = c->link;
            lf = (struct link_fds){ .port = port, .remote = l->remote,
                                    .remote_port = c->remote_port,
                                    .sock = l->sock, .rx = l->rx, .tx = l->tx };
            have = true;
        }
        pthread_mutex_unlock(&d->lock);
        if (have)
            rc = fn(arg, &lf);
    }
    return rc;
}

int link_adopt(struct vm *vm, const struct link_fds *lf)
{
    struct evtchn_link *l = link_new(vm, lf->sock, lf->rx, lf->tx, lf->remote);
    int rc;

    if (!l)
        return -ENOMEM;
    l->port = lf->port;
    /* The restored port waits, unbound, for the same far end. */
    rc = evtchn_accept_link(&vm->evtchn, lf->port, lf->remote, lf->remote_port, l);
    if (rc) {
        free(l);
        return rc;
    }
    /* A signal that arrived while no process read the eventfd is still
     * counted in it: the loop sees it readable and raises the port. */
    if ((rc = link_watch(l))) {
        evtchn_close(&vm->evtchn, lf->port);
        return rc;
    }
    return 0;
}
