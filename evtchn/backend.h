/* The host backend's end of an event channel to a guest: a pair of
 * eventfds (see lib/vmm_socket_proto.h).  Backends never make hypercalls: they bind
 * to the guest's unbound port through its VMM, then notify and consume
 * events on plain file descriptors their own loop can watch. */
#ifndef XK_EVTCHN_BACKEND_H
#define XK_EVTCHN_BACKEND_H

#include <stdint.h>

struct xk_evtchn {
    int sock;           /* the channel: EOF when the guest side closes */
    int notify_fd;      /* write: raise the guest's port */
    int event_fd;       /* readable: the guest sent (non-blocking) */
    uint32_t domid, port;
};

/* Bind domain 0's port MY_PORT (a number the backend chooses; the guest
 * sees it in EVTCHNOP_status) to the guest's PORT, through the VMM of
 * DOMID under RUNDIR.  0, or -ESRCH (no such domain), -EINVAL (PORT is
 * not unbound for domain 0, as Xen answers), -errno. */
int xk_evtchn_bind(const char *rundir, uint32_t domid, uint32_t port,
                   uint32_t my_port, struct xk_evtchn *e);
/* The same from any domain FROM_DOM (used by VMMs for guest-to-guest
 * channels). */
int xk_evtchn_bind_from(const char *rundir, uint32_t domid, uint32_t port,
                        uint32_t from_dom, uint32_t from_port,
                        struct xk_evtchn *e);
/* Raise the guest's port. 0 or -errno. */
int xk_evtchn_notify(const struct xk_evtchn *e);
/* Events the guest sent since the last call (0: none). */
uint64_t xk_evtchn_consume(const struct xk_evtchn *e);
/* Close our end: the guest's port becomes unbound again. */
void xk_evtchn_unbind(struct xk_evtchn *e);
/* Raise global VIRQ of domain DOMID (domain 0's privilege). */
int xk_evtchn_send_virq(const char *rundir, uint32_t domid, uint32_t virq);

#endif
