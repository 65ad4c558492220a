/* Channels that leave a domain's VMM: the control-socket protocol.
 *
 * Each VMM started with a run directory listens on <rundir>/dom<N>.sock
 * (SOCK_SEQPACKET).  Whoever binds to one of the domain's unbound ports
 * (another domain's VMM for a guest's EVTCHNOP_bind_interdomain, or a
 * host backend acting as domain 0) connects and sends BIND; the VMM
 * checks the port as Xen's bind_interdomain does and answers BOUND with
 * two eventfds: the first the binder writes to raise the port, the second
 * the VMM writes when the guest sends on it.  The connection then stands
 * for the channel: CLOSE or EOF from either side closes it, and the other
 * side's port becomes unbound (waiting for the same domain again), as
 * Xen leaves the surviving end.
 *
 * VIRQ (from domain 0 only) raises a global virtual interrupt, for
 * example VIRQ_DEBUG. */
#ifndef XK_LINK_PROTO_H
#define XK_LINK_PROTO_H

#include <stdint.h>

#define XK_LINK_MAGIC   0x4b4e4c58u     /* "XLNK" */
#define XK_LINK_SOCK_FMT "%s/dom%u.sock"

enum xk_link_type {
    XK_LINK_BIND = 1,       /* binder -> VMM */
    XK_LINK_BOUND = 2,      /* VMM -> binder, fds attached when status 0 */
    XK_LINK_CLOSE = 3,      /* either way */
    XK_LINK_VIRQ = 4,       /* dom0 -> VMM: raise global VIRQ `port` */
};

struct xk_link_msg {
    uint32_t magic;
    uint32_t type;
    uint32_t from_dom;      /* BIND: the binder's domain */
    uint32_t from_port;     /* BIND: the binder's port number */
    uint32_t port;          /* BIND: the VMM domain's port; VIRQ: the VIRQ */
    int32_t status;         /* BOUND, VIRQ reply: 0 or -errno */
};

#endif
