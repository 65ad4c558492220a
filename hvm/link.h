/* link.c: event channels to other processes (other domains' VMMs, host
 * backends), each a socket and an eventfd pair (lib/vmm_socket_proto.h). */
#ifndef XK_LINK_H
#define XK_LINK_H

#include <stdbool.h>

#include "vm.h"
#include "vmm_socket_proto.h"

/* Serve a BIND request M that arrived on control connection FD: check it
 * as Xen's bind_interdomain does and answer.  True when FD now stands for
 * the channel (the caller must not close it). */
bool link_serve_bind(struct vm *vm, int fd, const struct xk_link_msg *m);
/* After the event thread stopped: free the channels still bound. */
void link_free_all(struct vm *vm);
/* Does domain DOMID exist (its VMM listens in our run directory)? */
bool link_domain_exists(struct vm *vm, domid_t domid);
/* Does any domain with an id of FIRST or more exist (Xen's for_each_domain
 * search of XEN_DOMCTL_getdomaininfo)? */
bool link_domain_exists_from(struct vm *vm, domid_t first);
/* EVTCHNOP_bind_interdomain to another domain: the local port or -errno. */
int link_bind_remote(struct vm *vm, domid_t rdom, uint32_t rport);
/* Bind a host backend inside this process to the guest's unbound PORT
 * (domain 0's side gets BACKEND_PORT): fills FDS with the backend's
 * notify and event eventfds and its channel socket.  0 or -errno. */
int link_bind_backend(struct vm *vm, uint32_t port, uint32_t backend_port,
                      int fds[3]);
/* Live update: one channel's port and descriptors. */
struct link_fds {
    uint32_t port, remote_port;
    domid_t remote;
    int sock, rx, tx;
};
/* Call FN for every port bound to another process (the domain paused,
 * on the event thread); stops at FN's first non-zero result. */
int link_each(struct vm *vm,
              int (*fn)(void *arg, const struct link_fds *lf), void *arg);
/* In the new VMM: bind the restored, unbound LF->port to the channel whose
 * descriptors were kept across exec.  0 or -errno. */
int link_adopt(struct vm *vm, const struct link_fds *lf);
/* The evtchn library's hooks for a port bound to another process. */
void link_send(void *opaque, struct evtchn_link *l);
void link_close(void *opaque, struct evtchn_link *l);

#endif
