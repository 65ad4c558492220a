/* The event channel state of a domain in the saved-state encoding
 * (lib/savestate.h), for save/restore and migration: fields behind a
 * magic and a version; the reader checks every count against its own
 * limits before trusting it, since a stream may come from anywhere. */
#include "evtchn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "savestate.h"

#define STATE_MAGIC   0x4345584bu    /* "KXEC" */
#define STATE_VERSION 2u     /* 2: the PIRQ table (hvm_pirq) at the end */

static void write_state(struct evtchn_domain *d, struct ss_wr *w)
{
    ss_put_uint(w, STATE_MAGIC, 4);
    ss_put_uint(w, STATE_VERSION, 4);
    ss_put_uint(w, d->nr_vcpus, 4);
    ss_put_uint(w, d->max_port, 4);
    ss_put_uint(w, d->valid, 4);
    ss_put_uint(w, d->fifo, 1);
    ss_put_uint(w, d->compat, 1);
    for (unsigned v = 0; v < d->nr_vcpus; v++) {
        const struct evtchn_vcpu *ev = &d->vcpus[v];
        for (unsigned i = 0; i < NR_VIRQS; i++)
            ss_put_uint(w, ev->virq_to_port[i], 4);
        ss_put_uint(w, ev->fifo.control_block ? 1 : 0, 1);
        ss_put_uint(w, ev->fifo.cb_gfn, 8);
        ss_put_uint(w, ev->fifo.cb_offset, 4);
        for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
            ss_put_uint(w, ev->fifo.tail[q], 4);
    }
    for (unsigned i = 0; i < EVTCHN_NR_PIRQS; i++)
        ss_put_uint(w, d->pirq_to_port[i], 4);
    ss_put_uint(w, d->fifo_nr_ports, 4);
    for (uint32_t i = 0; i < d->fifo_nr_ports / 1024; i++)
        ss_put_uint(w, d->fifo_array_gfn[i], 8);
    for (uint32_t port = 0; port < d->valid; port++) {
        const struct evtchn *c = evtchn_port(d, port);
        ss_put_uint(w, c->state == ECS_BINDING ? ECS_FREE : c->state, 1);
        ss_put_uint(w, c->priority, 1);
        ss_put_uint(w, c->last_priority, 1);
        ss_put_uint(w, c->fifo_pending, 1);
        ss_put_uint(w, c->notify_vcpu, 4);
        ss_put_uint(w, c->last_vcpu, 4);
        ss_put_uint(w, c->remote_dom, 2);
        ss_put_uint(w, c->remote_port, 4);
        ss_put_uint(w, c->virq_or_pirq, 4);
        ss_put_uint(w, c->link != NULL, 1);
    }
    for (unsigned i = 0; i < EVTCHN_NR_PIRQS; i++) {
        ss_put_uint(w, (uint16_t)d->pirqs[i].emuirq, 2);
        ss_put_uint(w, d->pirqs[i].irq, 1);
        ss_put_uint(w, d->pirqs[i].pending | d->pirqs[i].unmasked << 1, 1);
    }
}

size_t evtchn_save_size(const struct evtchn_domain *d)
{
    struct ss_wr w = ss_wr_fixed(NULL, 0);

    pthread_mutex_lock((pthread_mutex_t *)&d->lock);
    write_state((struct evtchn_domain *)d, &w);
    pthread_mutex_unlock((pthread_mutex_t *)&d->lock);
    return w.len;
}

int evtchn_save(struct evtchn_domain *d, void *buf, size_t len)
{
    struct ss_wr w = ss_wr_fixed(buf, len);

    pthread_mutex_lock(&d->lock);
    write_state(d, &w);
    pthread_mutex_unlock(&d->lock);
    if (w.failed)
        return -ENOSPC;
    return (int)w.len;
}

void evtchn_save_to(struct evtchn_domain *d, struct ss_wr *w)
{
    pthread_mutex_lock(&d->lock);
    write_state(d, w);
    pthread_mutex_unlock(&d->lock);
}

/* Read into D (already initialised with the same vCPU count and limit);
 * on any inconsistency nothing of D changes.  WHOLE: R must end here. */
static int restore(struct evtchn_domain *d, struct ss_rd *r, bool whole)
{
    struct evtchn_domain n;
    uint32_t valid;
    uint32_t version;
    int rc = -EINVAL;

    if (ss_get_uint(r, 4) != STATE_MAGIC)
        return -EINVAL;
    version = (uint32_t)ss_get_uint(r, 4);
    if (version < 1 || version > STATE_VERSION)
        return -EINVAL;
    if (ss_get_uint(r, 4) != d->nr_vcpus || ss_get_uint(r, 4) != d->max_port)
        return -EINVAL;
    valid = (uint32_t)ss_get_uint(r, 4);
    if (r->bad || valid == 0 || valid % EVTCHN_BUCKET ||
        valid > (d->max_port / EVTCHN_BUCKET + 1) * EVTCHN_BUCKET)
        return -EINVAL;

    /* Build the new state aside, then swap it in. */
    memset(&n, 0, sizeof(n));
    n.nr_vcpus = d->nr_vcpus;
    n.max_port = d->max_port;
    n.fifo = ss_get_uint(r, 1) != 0;
    n.compat = ss_get_uint(r, 1) != 0;
    n.vcpus = calloc(n.nr_vcpus, sizeof(*n.vcpus));
    n.buckets = calloc((d->max_port + EVTCHN_BUCKET) / EVTCHN_BUCKET, sizeof(*n.buckets));
    if (!n.vcpus || !n.buckets) {
        rc = -ENOMEM;
        goto fail;
    }
    for (uint32_t b = 0; b < valid / EVTCHN_BUCKET; b++)
        if (!(n.buckets[b] = calloc(EVTCHN_BUCKET, sizeof(struct evtchn)))) {
            rc = -ENOMEM;
            goto fail;
        }
    n.valid = valid;
    for (unsigned v = 0; v < n.nr_vcpus; v++) {
        struct evtchn_vcpu *ev = &n.vcpus[v];
        bool has_cb;
        for (unsigned i = 0; i < NR_VIRQS; i++)
            if ((ev->virq_to_port[i] = (uint32_t)ss_get_uint(r, 4)) >= valid)
                goto fail;
        has_cb = ss_get_uint(r, 1) != 0;
        ev->fifo.cb_gfn = ss_get_uint(r, 8);
        ev->fifo.cb_offset = (uint32_t)ss_get_uint(r, 4);
        if (ev->fifo.cb_offset > 4096 - sizeof(struct evtchn_fifo_control_block) ||
            (ev->fifo.cb_offset & 7))
            goto fail;
        if (!has_cb)
            ev->fifo.cb_gfn = ev->fifo.cb_offset = 0;
        for (unsigned q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
            if ((ev->fifo.tail[q] = (uint32_t)ss_get_uint(r, 4)) >= valid)
                goto fail;
    }
    for (unsigned i = 0; i < EVTCHN_NR_PIRQS; i++)
        if ((n.pirq_to_port[i] = (uint32_t)ss_get_uint(r, 4)) >= valid)
            goto fail;
    n.fifo_nr_ports = (uint32_t)ss_get_uint(r, 4);
    if (n.fifo_nr_ports % 1024 || n.fifo_nr_ports > EVTCHN_FIFO_NR_CHANNELS ||
        (!n.fifo && n.fifo_nr_ports))
        goto fail;
    for (uint32_t i = 0; i < n.fifo_nr_ports / 1024; i++)
        n.fifo_array_gfn[i] = ss_get_uint(r, 8);
    for (uint32_t port = 0; port < valid; port++) {
        struct evtchn *c = &n.buckets[port / EVTCHN_BUCKET][port % EVTCHN_BUCKET];
        bool link;
        c->state = (uint8_t)ss_get_uint(r, 1);
        c->priority = (uint8_t)ss_get_uint(r, 1);
        c->last_priority = (uint8_t)ss_get_uint(r, 1);
        c->fifo_pending = ss_get_uint(r, 1) != 0;
        c->notify_vcpu = (uint32_t)ss_get_uint(r, 4);
        c->last_vcpu = (uint32_t)ss_get_uint(r, 4);
        c->remote_dom = (domid_t)ss_get_uint(r, 2);
        c->remote_port = (uint32_t)ss_get_uint(r, 4);
        c->virq_or_pirq = (uint32_t)ss_get_uint(r, 4);
        link = ss_get_uint(r, 1) != 0;
        if (c->state > ECS_IPI || c->priority > EVTCHN_FIFO_PRIORITY_MIN ||
            c->last_priority > EVTCHN_FIFO_PRIORITY_MIN ||
            c->notify_vcpu >= n.nr_vcpus || c->last_vcpu >= n.nr_vcpus)
            goto fail;
        if (c->state == ECS_INTERDOMAIN && link)
            c->state = ECS_UNBOUND;      /* waits for the far end again */
        if (c->state != ECS_FREE && c->state != ECS_RESERVED)
            n.active++;
    }
    evtchn_pirq_init(&n);
    for (unsigned i = 0; version >= 2 && i < EVTCHN_NR_PIRQS; i++) {
        struct evtchn_pirq *p = &n.pirqs[i];
        unsigned flags;
        p->emuirq = (int16_t)(uint16_t)ss_get_uint(r, 2);
        p->irq = (uint8_t)ss_get_uint(r, 1);
        flags = (unsigned)ss_get_uint(r, 1);
        p->pending = flags & 1;
        p->unmasked = flags & 2;
        if (p->emuirq < PIRQ_EMU_PT || p->emuirq >= EVTCHN_NR_HVM_GSIS ||
            p->irq > PIRQ_IRQ_MSI || flags > 3)
            goto fail;
    }
    if (r->bad || (whole && !ss_done(r)))
        goto fail;

    pthread_mutex_lock(&d->lock);
    {
        /* Swap the tables; the old ones are freed below. */
        struct evtchn **ob = d->buckets;
        struct evtchn_vcpu *ov = d->vcpus;
        d->buckets = n.buckets;
        d->vcpus = n.vcpus;
        n.buckets = ob;
        n.vcpus = ov;
    }
    d->valid = n.valid;
    d->active = n.active;
    d->fifo = n.fifo;
    d->fifo_nr_ports = n.fifo_nr_ports;
    memcpy(d->fifo_array_gfn, n.fifo_array_gfn, sizeof(d->fifo_array_gfn));
    memset(d->fifo_array, 0, sizeof(d->fifo_array));
    memcpy(d->pirq_to_port, n.pirq_to_port, sizeof(d->pirq_to_port));
    memcpy(d->pirqs, n.pirqs, sizeof(d->pirqs));
    /* Guest pages that cannot be found again leave the domain on 2-level,
     * as after EVTCHNOP_reset. */
    rc = d->fifo ? evtchn_fifo_map(d) : 0;
    if (rc)
        evtchn_fifo_destroy(d);
    pthread_mutex_unlock(&d->lock);
    if (rc)
        goto fail;
    rc = 0;
fail:
    if (n.buckets)
        for (uint32_t b = 0; b < (d->max_port + EVTCHN_BUCKET) / EVTCHN_BUCKET; b++)
            free(n.buckets[b]);
    free(n.buckets);
    free(n.vcpus);
    return rc;
}

int evtchn_restore(struct evtchn_domain *d, const void *buf, size_t len)
{
    struct ss_rd r = ss_rd_init(buf, len);

    return restore(d, &r, true);
}

int evtchn_restore_from(struct evtchn_domain *d, struct ss_rd *r)
{
    int rc = restore(d, r, false);

    if (rc == -EINVAL)
        r->bad = true;
    return rc;
}
