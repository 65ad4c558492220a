/* The port table and the guest's event channel commands, after Xen 4.17's
 * xen/common/event_channel.c: same states, same checks, same order of
 * checks (so the same error wins), same side effects. */
#include "evtchn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Xen's virq_is_global for x86. */
bool evtchn_virq_is_global(uint32_t virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    case VIRQ_ARCH_0 ... VIRQ_ARCH_7:
        return true;            /* arch_virq_is_global is true on x86 */
    default:
        return true;
    }
}

uint32_t evtchn_max_ports(const struct evtchn_domain *d)
{
    if (d->fifo)
        return EVTCHN_FIFO_NR_CHANNELS;
    return d->compat ? 32 * 32 : 64 * 64;
}

static bool port_is_valid(const struct evtchn_domain *d, uint32_t port)
{
    return port < d->valid;
}

/* evtchn_usable: a port that is in use (not free, reserved or binding). */
static bool usable(const struct evtchn *c)
{
    return c->state > ECS_RESERVED && c->state != ECS_BINDING;
}

struct evtchn *evtchn_port(struct evtchn_domain *d, uint32_t port)
{
    return &d->buckets[port / EVTCHN_BUCKET][port % EVTCHN_BUCKET];
}

static uint32_t nr_buckets(const struct evtchn_domain *d)
{
    /* Enough for every port the domain may ever have, in either ABI. */
    uint32_t ports = d->max_port + 1;
    return (ports + EVTCHN_BUCKET - 1) / EVTCHN_BUCKET;
}

int evtchn_domain_init(struct evtchn_domain *d, domid_t domid,
                       unsigned nr_vcpus, uint32_t max_port,
                       void *shared_info, const struct evtchn_hooks *hooks)
{
    memset(d, 0, sizeof(*d));
    if (max_port >= EVTCHN_FIFO_NR_CHANNELS)
        max_port = EVTCHN_FIFO_NR_CHANNELS - 1;
    d->domid = domid;
    d->nr_vcpus = nr_vcpus;
    d->max_port = max_port;
    d->shared_info = shared_info;
    d->hooks = *hooks;
    d->buckets = calloc(nr_buckets(d), sizeof(*d->buckets));
    d->vcpus = calloc(nr_vcpus, sizeof(*d->vcpus));
    d->buckets[0] = d->buckets ? calloc(EVTCHN_BUCKET, sizeof(struct evtchn)) : NULL;
    if (!d->buckets || !d->vcpus || !d->buckets[0]) {
        evtchn_domain_destroy(d);
        return -ENOMEM;
    }
    d->valid = EVTCHN_BUCKET;
    /* Port 0 is never used (evtchn_init). */
    d->buckets[0][0].state = ECS_RESERVED;
    evtchn_pirq_init(d);
    pthread_mutex_init(&d->lock, NULL);
    return 0;
}

void evtchn_domain_destroy(struct evtchn_domain *d)
{
    if (d->buckets) {
        for (uint32_t b = 0; b < nr_buckets(d); b++)
            free(d->buckets[b]);
        free(d->buckets);
    }
    free(d->vcpus);
    d->buckets = NULL;
    d->vcpus = NULL;
}

void evtchn_set_layout(struct evtchn_domain *d, const struct evtchn_layout *l)
{
    pthread_mutex_lock(&d->lock);
    d->compat = l->compat;
    d->si_pending_off = l->si_pending_off;
    d->si_mask_off = l->si_mask_off;
    d->vi_pending_off = l->vi_pending_off;
    d->vi_sel_off = l->vi_sel_off;
    pthread_mutex_unlock(&d->lock);
}

/* --- the per-ABI operations (Xen's evtchn_port_ops) ----------------- */

static void set_pending(struct evtchn_domain *d, uint32_t port)
{
    struct evtchn *c = evtchn_port(d, port);

    if (d->fifo)
        evtchn_fifo_set_pending(d, port, c);
    else
        evtchn_2l_set_pending(d, port, c);
}

void evtchn_set_pending_locked(struct evtchn_domain *d, uint32_t port)
{
    set_pending(d, port);
}

static void clear_pending(struct evtchn_domain *d, uint32_t port)
{
    if (d->fifo)
        evtchn_fifo_clear_pending(d, port);
    else
        evtchn_2l_clear_pending(d, port);
}

static bool is_busy(struct evtchn_domain *d, uint32_t port)
{
    return d->fifo && evtchn_fifo_is_busy(d, port);
}

/* evtchn_port_init: FIFO ports start at the default priority. */
static void port_init(struct evtchn *c)
{
    c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

/* Xen's vcpu_mark_events_pending. */
void evtchn_mark_pending(struct evtchn_domain *d, uint32_t vcpu)
{
    uint8_t *vi = d->hooks.vcpu_info(d->hooks.opaque, vcpu);

    if (!vi)
        return;
    if (__atomic_exchange_n(vi + d->vi_pending_off, 1, __ATOMIC_SEQ_CST))
        return;
    d->hooks.upcall(d->hooks.opaque, vcpu);
}

/* --- allocation ------------------------------------------------------- */

/* evtchn_allocate_port: claim PORT, adding buckets up to it. */
static int allocate_port(struct evtchn_domain *d, uint32_t port)
{
    if (port > d->max_port || port >= evtchn_max_ports(d))
        return -ENOSPC;
    if (port_is_valid(d, port)) {
        if (evtchn_port(d, port)->state != ECS_FREE || is_busy(d, port))
            return -EBUSY;
    } else {
        while (port >= d->valid) {
            struct evtchn *b = calloc(EVTCHN_BUCKET, sizeof(*b));
            if (!b)
                return -ENOMEM;
            d->buckets[d->valid / EVTCHN_BUCKET] = b;
            d->valid += EVTCHN_BUCKET;
        }
    }
    d->active++;
    return 0;
}

static int get_free_port(struct evtchn_domain *d)
{
    for (uint32_t port = 0; port <= d->max_port; port++) {
        int rc = allocate_port(d, port);
        if (rc == 0)
            return (int)port;
        if (rc != -EBUSY)
            return rc;
    }
    return -ENOSPC;
}

/* evtchn_free: back to free, pending cleared, bound to vCPU 0. */
static void free_port(struct evtchn_domain *d, uint32_t port)
{
    struct evtchn *c = evtchn_port(d, port);

    clear_pending(d, port);
    d->active--;
    c->state = ECS_FREE;
    c->notify_vcpu = 0;
    c->link = NULL;
}

int evtchn_alloc_unbound(struct evtchn_domain *d, domid_t remote_dom)
{
    int port;

    pthread_mutex_lock(&d->lock);
    port = get_free_port(d);
    if (port >= 0) {
        struct evtchn *c = evtchn_port(d, port);
        c->state = ECS_UNBOUND;
        c->remote_dom = remote_dom == DOMID_SELF ? d->domid : remote_dom;
        port_init(c);
    }
    pthread_mutex_unlock(&d->lock);
    return port;
}

/* evtchn_bind_interdomain with both ends in this domain. */
int evtchn_bind_loopback(struct evtchn_domain *d, uint32_t rport)
{
    struct evtchn *l, *r;
    int lport;

    pthread_mutex_lock(&d->lock);
    lport = get_free_port(d);
    if (lport < 0)
        goto out;
    if (!port_is_valid(d, rport) ||
        (r = evtchn_port(d, rport))->state != ECS_UNBOUND ||
        r->remote_dom != d->domid) {
        /* check_free_port: the local port goes back. */
        d->active--;
        lport = -EINVAL;
        goto out;
    }
    l = evtchn_port(d, lport);
    l->state = ECS_INTERDOMAIN;
    l->remote_dom = d->domid;
    l->remote_port = rport;
    port_init(l);
    r->state = ECS_INTERDOMAIN;
    r->remote_dom = d->domid;
    r->remote_port = lport;
    /* Notifications sent to the unbound port were lost: raise one. */
    set_pending(d, lport);
out:
    pthread_mutex_unlock(&d->lock);
    return lport;
}

int evtchn_reserve(struct evtchn_domain *d)
{
    int port;

    pthread_mutex_lock(&d->lock);
    port = get_free_port(d);
    if (port >= 0)
        evtchn_port(d, port)->state = ECS_BINDING;
    pthread_mutex_unlock(&d->lock);
    return port;
}

void evtchn_commit_link(struct evtchn_domain *d, uint32_t port,
                        domid_t remote_dom, uint32_t remote_port,
                        struct evtchn_link *link)
{
    struct evtchn *c;

    pthread_mutex_lock(&d->lock);
    c = evtchn_port(d, port);
    c->state = ECS_INTERDOMAIN;
    c->remote_dom = remote_dom;
    c->remote_port = remote_port;
    c->link = link;
    port_init(c);
    set_pending(d, port);
    pthread_mutex_unlock(&d->lock);
}

void evtchn_release(struct evtchn_domain *d, uint32_t port)
{
    pthread_mutex_lock(&d->lock);
    if (port_is_valid(d, port) && evtchn_port(d, port)->state == ECS_BINDING) {
        evtchn_port(d, port)->state = ECS_FREE;
        d->active--;
    }
    pthread_mutex_unlock(&d->lock);
}

int evtchn_accept_link(struct evtchn_domain *d, uint32_t port, domid_t from_dom,
                       uint32_t from_port, struct evtchn_link *link)
{
    struct evtchn *c;
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port) ||
        (c = evtchn_port(d, port))->state != ECS_UNBOUND ||
        c->remote_dom != from_dom) {
        rc = -EINVAL;
    } else {
        c->state = ECS_INTERDOMAIN;
        c->remote_port = from_port;
        c->link = link;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void evtchn_link_raise(struct evtchn_domain *d, uint32_t port,
                       struct evtchn_link *link)
{
    struct evtchn *c;

    pthread_mutex_lock(&d->lock);
    if (port_is_valid(d, port) && (c = evtchn_port(d, port))->link == link &&
        c->state == ECS_INTERDOMAIN)
        set_pending(d, port);
    pthread_mutex_unlock(&d->lock);
}

void evtchn_link_gone(struct evtchn_domain *d, uint32_t port,
                      struct evtchn_link *link)
{
    struct evtchn *c;

    pthread_mutex_lock(&d->lock);
    if (port_is_valid(d, port) && (c = evtchn_port(d, port))->link == link &&
        c->state == ECS_INTERDOMAIN) {
        c->state = ECS_UNBOUND;
        c->link = NULL;
    }
    pthread_mutex_unlock(&d->lock);
}

void evtchn_take_links(struct evtchn_domain *d,
                       void (*fn)(void *arg, struct evtchn_link *link), void *arg)
{
    for (uint32_t port = 1; port < d->valid; port++) {
        struct evtchn *c = evtchn_port(d, port);
        struct evtchn_link *l = NULL;

        pthread_mutex_lock(&d->lock);
        if (c->state == ECS_INTERDOMAIN && c->link) {
            l = c->link;
            c->link = NULL;
            c->state = ECS_UNBOUND;
        }
        pthread_mutex_unlock(&d->lock);
        if (l)
            fn(arg, l);
    }
}

int evtchn_bind_virq(struct evtchn_domain *d, uint32_t virq, uint32_t vcpu)
{
    struct evtchn *c;
    int port;

    if (virq >= NR_VIRQS)
        return -EINVAL;
    if (evtchn_virq_is_global(virq) && vcpu != 0)
        return -EINVAL;
    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    if (d->vcpus[vcpu].virq_to_port[virq]) {
        port = -EEXIST;
    } else if ((port = get_free_port(d)) >= 0) {
        c = evtchn_port(d, port);
        c->state = ECS_VIRQ;
        c->notify_vcpu = vcpu;
        c->virq_or_pirq = virq;
        port_init(c);
        d->vcpus[vcpu].virq_to_port[virq] = port;
    }
    pthread_mutex_unlock(&d->lock);
    return port;
}

int evtchn_bind_ipi(struct evtchn_domain *d, uint32_t vcpu)
{
    struct evtchn *c;
    int port;

    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    if ((port = get_free_port(d)) >= 0) {
        c = evtchn_port(d, port);
        c->state = ECS_IPI;
        c->notify_vcpu = vcpu;
        port_init(c);
    }
    pthread_mutex_unlock(&d->lock);
    return port;
}

/* An HVM domain binds PIRQs without a physical interrupt behind them
 * (evtchn_bind_pirq: pirq_guest_bind is for PV only). */
int evtchn_bind_pirq(struct evtchn_domain *d, uint32_t pirq)
{
    struct evtchn *c;
    int port;

    if (pirq >= EVTCHN_NR_PIRQS)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    if (d->pirq_to_port[pirq]) {
        port = -EEXIST;
    } else if ((port = get_free_port(d)) >= 0) {
        c = evtchn_port(d, port);
        c->state = ECS_PIRQ;
        c->virq_or_pirq = pirq;
        port_init(c);
        d->pirq_to_port[pirq] = port;
        evtchn_pirq_bound_locked(d, pirq);
    }
    pthread_mutex_unlock(&d->lock);
    return port;
}

/* --- close, send, status ---------------------------------------------- */

static int close_locked(struct evtchn_domain *d, uint32_t port)
{
    struct evtchn *c, *r;

    if (!port_is_valid(d, port))
        return -EINVAL;
    c = evtchn_port(d, port);
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
    case ECS_BINDING:
        return -EINVAL;
    case ECS_UNBOUND:
    case ECS_IPI:
        break;
    case ECS_PIRQ:
        d->pirq_to_port[c->virq_or_pirq] = 0;
        evtchn_pirq_closed_locked(d, c->virq_or_pirq);
        break;
    case ECS_VIRQ: {
        uint32_t v = evtchn_virq_is_global(c->virq_or_pirq) ? 0 : c->notify_vcpu;
        d->vcpus[v].virq_to_port[c->virq_or_pirq] = 0;
        break;
    }
    case ECS_INTERDOMAIN:
        if (c->link) {
            d->hooks.link_close(d->hooks.opaque, c->link);
        } else if (c->remote_dom == d->domid && port_is_valid(d, c->remote_port)) {
            /* Loopback: the other end waits for us again. */
            r = evtchn_port(d, c->remote_port);
            if (r->state == ECS_INTERDOMAIN && r->remote_port == port) {
                r->state = ECS_UNBOUND;
                r->remote_dom = d->domid;
            }
        }
        break;
    }
    free_port(d, port);
    return 0;
}

int evtchn_close(struct evtchn_domain *d, uint32_t port)
{
    int rc;

    pthread_mutex_lock(&d->lock);
    rc = close_locked(d, port);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int evtchn_send(struct evtchn_domain *d, uint32_t port)
{
    struct evtchn *c;
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port)) {
        rc = -EINVAL;
        goto out;
    }
    c = evtchn_port(d, port);
    switch (c->state) {
    case ECS_INTERDOMAIN:
        if (c->link) {
            d->hooks.link_send(d->hooks.opaque, c->link);
        } else {
            set_pending(d, c->remote_port);     /* loopback */
        }
        break;
    case ECS_IPI:
        set_pending(d, port);
        break;
    case ECS_UNBOUND:
        break;                  /* silently dropped */
    default:
        rc = -EINVAL;
    }
out:
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int evtchn_status(struct evtchn_domain *d, uint32_t port,
                  struct evtchn_status *st)
{
    struct evtchn *c;

    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port)) {
        pthread_mutex_unlock(&d->lock);
        return -EINVAL;
    }
    c = evtchn_port(d, port);
    memset(&st->u, 0, sizeof(st->u));
    switch (c->state) {
    case ECS_FREE:
    case ECS_RESERVED:
    case ECS_BINDING:
        st->status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        st->status = EVTCHNSTAT_unbound;
        st->u.unbound.dom = c->remote_dom;
        break;
    case ECS_INTERDOMAIN:
        st->status = EVTCHNSTAT_interdomain;
        st->u.interdomain.dom = c->remote_dom;
        st->u.interdomain.port = c->remote_port;
        break;
    case ECS_PIRQ:
        st->status = EVTCHNSTAT_pirq;
        st->u.pirq = c->virq_or_pirq;
        break;
    case ECS_VIRQ:
        st->status = EVTCHNSTAT_virq;
        st->u.virq = c->virq_or_pirq;
        break;
    case ECS_IPI:
        st->status = EVTCHNSTAT_ipi;
        break;
    }
    st->vcpu = c->notify_vcpu;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int evtchn_bind_vcpu(struct evtchn_domain *d, uint32_t port, uint32_t vcpu)
{
    struct evtchn *c;
    int rc = 0;

    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port)) {
        rc = -EINVAL;
        goto out;
    }
    c = evtchn_port(d, port);
    switch (c->state) {
    case ECS_VIRQ:
        if (evtchn_virq_is_global(c->virq_or_pirq))
            c->notify_vcpu = vcpu;
        else
            rc = -EINVAL;
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_PIRQ:
        c->notify_vcpu = vcpu;
        break;
    default:
        rc = -EINVAL;
    }
out:
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int evtchn_unmask(struct evtchn_domain *d, uint32_t port)
{
    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port)) {
        pthread_mutex_unlock(&d->lock);
        return -EINVAL;
    }
    if (!usable(evtchn_port(d, port)))
        ;                       /* valid but unused: nothing to unmask */
    else if (d->fifo)
        evtchn_fifo_unmask(d, port, evtchn_port(d, port));
    else
        evtchn_2l_unmask(d, port, evtchn_port(d, port));
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* EVTCHNOP_reset on itself: close every port, then back to 2-level. */
int evtchn_reset(struct evtchn_domain *d)
{
    pthread_mutex_lock(&d->lock);
    for (uint32_t p = 1; p < d->valid && d->active > 0; p++)
        close_locked(d, p);
    if (d->fifo)
        evtchn_fifo_destroy(d);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

int evtchn_set_priority(struct evtchn_domain *d, uint32_t port,
                        uint32_t priority)
{
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!port_is_valid(d, port))
        rc = -EINVAL;
    else if (!d->fifo)
        rc = -ENOSYS;           /* the 2-level ops have no set_priority */
    else if (!usable(evtchn_port(d, port)))
        rc = -EACCES;
    else if (priority > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -EINVAL;
    else
        evtchn_port(d, port)->priority = (uint8_t)priority;
    pthread_mutex_unlock(&d->lock);
    return rc;
}

int evtchn_poll_port(struct evtchn_domain *d, uint32_t port)
{
    int rc = -EINVAL;

    pthread_mutex_lock(&d->lock);
    if (port_is_valid(d, port) && usable(evtchn_port(d, port)))
        rc = d->fifo ? evtchn_fifo_is_pending(d, port)
                     : evtchn_2l_is_pending(d, port);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

void evtchn_send_virq(struct evtchn_domain *d, uint32_t vcpu, uint32_t virq)
{
    uint32_t port, v;

    if (virq >= NR_VIRQS || vcpu >= d->nr_vcpus)
        return;
    v = evtchn_virq_is_global(virq) ? 0 : vcpu;
    pthread_mutex_lock(&d->lock);
    port = d->vcpus[v].virq_to_port[virq];
    if (port)
        set_pending(d, port);
    pthread_mutex_unlock(&d->lock);
}
