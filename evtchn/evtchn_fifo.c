/* The FIFO ABI: an event word per port in guest pages, per-vCPU queues
 * of 16 priorities whose heads live in the guest's control block (Xen
 * 4.17's xen/common/event_fifo.c).  Everything here runs under the
 * domain's lock, which stands in for Xen's per-queue locks. */
#include "evtchn.h"

#include <errno.h>
#include <string.h>

#define WORDS_PER_PAGE 1024u    /* 4096 / sizeof(event_word_t) */
#define B(bit) (1u << (bit))

static uint32_t *word_from_port(struct evtchn_domain *d, uint32_t port)
{
    if (port >= d->fifo_nr_ports)
        return NULL;
    return d->fifo_array[port / WORDS_PER_PAGE] + port % WORDS_PER_PAGE;
}

static bool test_and_set(uint32_t *w, unsigned bit)
{
    return __atomic_fetch_or(w, B(bit), __ATOMIC_SEQ_CST) & B(bit);
}

static bool test(uint32_t *w, unsigned bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & B(bit);
}

static void clear(uint32_t *w, unsigned bit)
{
    __atomic_fetch_and(w, ~B(bit), __ATOMIC_SEQ_CST);
}

/* Link the word of the old tail to PORT: 1 linked, 0 the tail was
 * consumed meanwhile (not LINKED any more), as evtchn_fifo_set_link. */
static int set_link(uint32_t *word, uint32_t port)
{
    uint32_t w = __atomic_load_n(word, __ATOMIC_SEQ_CST), nw;

    if (!(w & B(EVTCHN_FIFO_LINKED)))
        return 0;
    nw = (w & ~(B(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
    if (__atomic_compare_exchange_n(word, &w, nw, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return 1;
    /* The guest is changing the word: say we are busy and retry a little. */
    __atomic_fetch_or(word, B(EVTCHN_FIFO_BUSY), __ATOMIC_SEQ_CST);
    w = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    for (int try = 0; try < 4; try++) {
        if (!(w & B(EVTCHN_FIFO_LINKED))) {
            clear(word, EVTCHN_FIFO_BUSY);
            return 0;
        }
        nw = (w & ~(B(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
        if (__atomic_compare_exchange_n(word, &w, nw, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST))
            return 1;
    }
    clear(word, EVTCHN_FIFO_BUSY);
    return 1;
}

static struct evtchn_fifo_control_block *control_block(struct evtchn_domain *d,
                                                      uint32_t vcpu)
{
    return (struct evtchn_fifo_control_block *)d->vcpus[vcpu].fifo.control_block;
}

void evtchn_fifo_set_pending(struct evtchn_domain *d, uint32_t port, struct evtchn *c)
{
    uint32_t v = c->notify_vcpu, *word = word_from_port(d, port);
    struct evtchn_fifo_control_block *cb = control_block(d, v);
    uint32_t *old_tail;
    bool linked = true, was_pending = true;

    if (!word) {
        c->fifo_pending = true;     /* re-raised when its page arrives */
        return;
    }
    old_tail = &d->vcpus[c->last_vcpu].fifo.tail[c->last_priority];
    if (!cb)
        goto done;                  /* no control block: the event is lost */
    was_pending = test_and_set(word, EVTCHN_FIFO_PENDING);
    if (!test(word, EVTCHN_FIFO_MASKED) && !test_and_set(word, EVTCHN_FIFO_LINKED)) {
        uint32_t *tail = &d->vcpus[v].fifo.tail[c->priority];

        if (*old_tail == port)
            *old_tail = 0;
        c->last_vcpu = v;
        c->last_priority = c->priority;
        linked = false;
        if (*tail) {
            uint32_t *tail_word = word_from_port(d, *tail);
            linked = tail_word && set_link(tail_word, port);
        }
        if (!linked)
            __atomic_store_n(&cb->head[c->priority], port, __ATOMIC_SEQ_CST);
        *tail = port;
    }
    if (!linked && !(__atomic_fetch_or(&cb->ready, B(c->priority), __ATOMIC_SEQ_CST) &
                     B(c->priority)))
        evtchn_mark_pending(d, v);
done:
    if (!was_pending)
        d->hooks.poll_wake(d->hooks.opaque, port);
}

void evtchn_fifo_clear_pending(struct evtchn_domain *d, uint32_t port)
{
    uint32_t *word = word_from_port(d, port);

    if (word)
        clear(word, EVTCHN_FIFO_PENDING);
}

void evtchn_fifo_unmask(struct evtchn_domain *d, uint32_t port, struct evtchn *c)
{
    uint32_t *word = word_from_port(d, port);

    if (!word)
        return;
    clear(word, EVTCHN_FIFO_MASKED);
    if (test(word, EVTCHN_FIFO_PENDING))
        evtchn_fifo_set_pending(d, port, c);
}

bool evtchn_fifo_is_pending(struct evtchn_domain *d, uint32_t port)
{
    uint32_t *word = word_from_port(d, port);
    return word && test(word, EVTCHN_FIFO_PENDING);
}

bool evtchn_fifo_is_busy(struct evtchn_domain *d, uint32_t port)
{
    uint32_t *word = word_from_port(d, port);
    return word && test(word, EVTCHN_FIFO_LINKED);
}

void evtchn_fifo_destroy(struct evtchn_domain *d)
{
    for (unsigned v = 0; v < d->nr_vcpus; v++)
        memset(&d->vcpus[v].fifo, 0, sizeof(d->vcpus[v].fifo));
    memset(d->fifo_array, 0, sizeof(d->fifo_array));
    memset(d->fifo_array_gfn, 0, sizeof(d->fifo_array_gfn));
    d->fifo_nr_ports = 0;
    d->fifo = false;
}

static int map_control_block(struct evtchn_domain *d, uint32_t vcpu,
                             uint64_t gfn, uint32_t offset)
{
    struct evtchn_fifo_vcpu *f = &d->vcpus[vcpu].fifo;
    uint8_t *page;

    if (f->control_block)
        return -EINVAL;
    page = d->hooks.gfn_ptr(d->hooks.opaque, gfn);
    if (!page)
        return -EINVAL;
    f->control_block = page + offset;
    f->cb_gfn = gfn;
    f->cb_offset = offset;
    return 0;
}

/* The ports that existed under 2-level keep a pending event (setup_ports). */
static void setup_ports(struct evtchn_domain *d, uint32_t prev_ports)
{
    uint8_t *pending = d->shared_info + d->si_pending_off;

    for (uint32_t port = 1; port < prev_ports && port < d->valid; port++) {
        struct evtchn *c = evtchn_port(d, port);
        if ((pending[port / 8] >> (port % 8)) & 1)
            c->fifo_pending = true;
        c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    }
}

int evtchn_fifo_init_control(struct evtchn_domain *d, uint32_t vcpu,
                             uint64_t gfn, uint32_t offset)
{
    int rc;

    if (vcpu >= d->nr_vcpus)
        return -ENOENT;
    if (offset > 4096 - sizeof(struct evtchn_fifo_control_block))
        return -EINVAL;
    if (offset & 7)
        return -EINVAL;
    pthread_mutex_lock(&d->lock);
    if (!d->fifo) {
        uint32_t prev = evtchn_max_ports(d);
        rc = map_control_block(d, vcpu, gfn, offset);
        if (rc == 0) {
            d->fifo = true;
            setup_ports(d, prev);
        } else {
            evtchn_fifo_destroy(d);
        }
    } else {
        rc = map_control_block(d, vcpu, gfn, offset);
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static int add_array_page(struct evtchn_domain *d, uint64_t gfn)
{
    uint32_t slot = d->fifo_nr_ports / WORDS_PER_PAGE;
    uint32_t port = d->fifo_nr_ports;
    uint32_t *page;

    if (slot >= EVTCHN_FIFO_ARRAY_PAGES)
        return -ENOSPC;
    page = d->hooks.gfn_ptr(d->hooks.opaque, gfn);
    if (!page)
        return -EINVAL;
    d->fifo_array[slot] = page;
    d->fifo_array_gfn[slot] = gfn;
    d->fifo_nr_ports += WORDS_PER_PAGE;
    /* Events raised while this page was missing. */
    for (; port < d->fifo_nr_ports && port < d->valid; port++) {
        struct evtchn *c = evtchn_port(d, port);
        if (c->fifo_pending) {
            c->fifo_pending = false;
            evtchn_fifo_set_pending(d, port, c);
        }
    }
    return 0;
}

int evtchn_fifo_expand_array(struct evtchn_domain *d, uint64_t gfn)
{
    int rc = -EOPNOTSUPP;

    pthread_mutex_lock(&d->lock);
    if (d->fifo)
        rc = add_array_page(d, gfn);
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* After restore: find the guest pages again from their frame numbers. */
int evtchn_fifo_map(struct evtchn_domain *d)
{
    uint32_t n = d->fifo_nr_ports / WORDS_PER_PAGE;

    for (unsigned v = 0; v < d->nr_vcpus; v++) {
        struct evtchn_fifo_vcpu *f = &d->vcpus[v].fifo;
        if (!f->cb_gfn && !f->cb_offset)
            continue;
        uint8_t *page = d->hooks.gfn_ptr(d->hooks.opaque, f->cb_gfn);
        if (!page)
            return -EINVAL;
        f->control_block = page + f->cb_offset;
    }
    for (uint32_t i = 0; i < n; i++) {
        d->fifo_array[i] = d->hooks.gfn_ptr(d->hooks.opaque, d->fifo_array_gfn[i]);
        if (!d->fifo_array[i])
            return -EINVAL;
    }
    return 0;
}
