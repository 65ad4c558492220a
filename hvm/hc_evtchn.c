/* HYPERVISOR_event_channel_op (xen/common/event_channel.c do_event_channel_op):
 * argument copying and the checks that involve other domains; the port
 * logic is the evtchn library's. */
#include <errno.h>

#include "events.h"
#include "hcall.h"
#include "timer.h"
#include "link.h"

/* Xen's continuation of EVTCHNOP_reset; public headers show it to the
 * hypervisor only, but guests may issue it. */
#define XK_EVTCHNOP_reset_cont 14

/* Copy in ARG as struct ST, or return -EFAULT (copy_from_guest). */
#define GET(st, var) do { if (guest_get(c, c->a[1], &abi_##st, &(var))) return -EFAULT; } while (0)
#define PUT(st, var) (guest_put(c, c->a[1], &abi_##st, &(var)) ? -EFAULT : 0)

static long bind_interdomain(struct hcall *c)
{
    struct evtchn_bind_interdomain b;
    struct vm *vm = c->vm;
    int port;

    GET(evtchn_bind_interdomain, b);
    if (b.remote_dom == DOMID_SELF || b.remote_dom == vm->domid)
        port = evtchn_bind_loopback(&vm->evtchn, b.remote_port);
    else if (b.remote_dom >= DOMID_FIRST_RESERVED)
        return -ESRCH;
    else
        port = link_bind_remote(vm, b.remote_dom, b.remote_port);
    if (port < 0)
        return port;
    b.local_port = (uint32_t)port;
    return PUT(evtchn_bind_interdomain, b);
}

long hc_event_channel_op(struct hcall *c)
{
    struct evtchn_domain *d = &c->vm->evtchn;
    int rc;

    switch ((int)c->a[0]) {
    case EVTCHNOP_alloc_unbound: {
        struct evtchn_alloc_unbound a;
        GET(evtchn_alloc_unbound, a);
        if ((rc = hcall_domid_check(c, a.dom)))
            return rc;
        if ((rc = evtchn_alloc_unbound(d, a.remote_dom)) < 0)
            return rc;
        a.port = (uint32_t)rc;
        return PUT(evtchn_alloc_unbound, a);
    }
    case EVTCHNOP_bind_interdomain:
        return bind_interdomain(c);
    case EVTCHNOP_bind_virq: {
        struct evtchn_bind_virq b;
        GET(evtchn_bind_virq, b);
        if ((rc = evtchn_bind_virq(d, b.virq, b.vcpu)) < 0)
            return rc;
        b.port = (uint32_t)rc;
        return PUT(evtchn_bind_virq, b);
    }
    case EVTCHNOP_bind_ipi: {
        struct evtchn_bind_ipi b;
        GET(evtchn_bind_ipi, b);
        if ((rc = evtchn_bind_ipi(d, b.vcpu)) < 0)
            return rc;
        b.port = (uint32_t)rc;
        return PUT(evtchn_bind_ipi, b);
    }
    case EVTCHNOP_bind_pirq: {
        struct evtchn_bind_pirq b;
        GET(evtchn_bind_pirq, b);
        if ((rc = evtchn_bind_pirq(d, b.pirq)) < 0)
            return rc;
        b.port = (uint32_t)rc;
        return PUT(evtchn_bind_pirq, b);
    }
    case EVTCHNOP_close: {
        struct evtchn_close a;
        GET(evtchn_close, a);
        return evtchn_close(d, a.port);
    }
    case EVTCHNOP_send: {
        struct evtchn_send a;
        GET(evtchn_send, a);
        return evtchn_send(d, a.port);
    }
    case EVTCHNOP_status: {
        struct evtchn_status s;
        GET(evtchn_status, s);
        if ((rc = hcall_domid_check(c, s.dom)))
            return rc;
        if ((rc = evtchn_status(d, s.port, &s)))
            return rc;
        return PUT(evtchn_status, s);
    }
    case EVTCHNOP_bind_vcpu: {
        struct evtchn_bind_vcpu b;
        GET(evtchn_bind_vcpu, b);
        return evtchn_bind_vcpu(d, b.port, b.vcpu);
    }
    case EVTCHNOP_unmask: {
        struct evtchn_unmask u;
        GET(evtchn_unmask, u);
        return evtchn_unmask(d, u.port);
    }
    case EVTCHNOP_reset:
    case XK_EVTCHNOP_reset_cont: {
        struct evtchn_reset r;
        GET(evtchn_reset, r);
        if ((rc = hcall_domid_check(c, r.dom)))
            return rc;
        /* Our reset never stops half-way, so there is never one to
         * continue: Xen's answer with no reset in progress. */
        if ((int)c->a[0] == XK_EVTCHNOP_reset_cont)
            return -EBUSY;
        return evtchn_reset(d);
    }
    case EVTCHNOP_init_control: {
        struct evtchn_init_control i;
        GET(evtchn_init_control, i);
        i.link_bits = EVTCHN_FIFO_LINK_BITS;
        if ((rc = evtchn_fifo_init_control(d, i.vcpu, i.control_gfn, i.offset)))
            return rc;
        return PUT(evtchn_init_control, i);
    }
    case EVTCHNOP_expand_array: {
        struct evtchn_expand_array e;
        GET(evtchn_expand_array, e);
        return evtchn_fifo_expand_array(d, e.array_gfn);
    }
    case EVTCHNOP_set_priority: {
        struct evtchn_set_priority p;
        GET(evtchn_set_priority, p);
        return evtchn_set_priority(d, p.port, p.priority);
    }
    default:
        return -ENOSYS;
    }
}

/* HYPERVISOR_set_timer_op (do_set_timer_op): a 64-bit timeout, passed in
 * two halves by 32-bit guests. */
long hc_set_timer_op(struct hcall *c)
{
    uint64_t timeout = c->compat ? (c->a[0] | (c->a[1] << 32)) : c->a[0];
    uint64_t now = xen_clock_now(&c->vm->clock);
    int64_t offset = (int64_t)(timeout - now);

    if (timeout == 0)
        timer_singleshot(c->v, 0);
    else if ((int64_t)timeout < 0 || (offset > 0 && (uint32_t)(offset >> 50) != 0))
        timer_singleshot(c->v, now + 100000000ULL);     /* Linux workaround */
    else
        timer_singleshot(c->v, timeout);
    return 0;
}
