/* The event channel library against Xen 4.17's semantics, without KVM:
 * a fake domain whose shared info, vcpu_info and guest frames are plain
 * host pages, with hooks that count upcalls and wake-ups. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "evtchn/evtchn.h"

#include <xen/physdev.h>

#define NR_VCPUS 2
#define NR_FRAMES 8

static uint8_t shinfo[4096] __attribute__((aligned(4096)));
static uint8_t frames[NR_FRAMES][4096] __attribute__((aligned(4096)));
static unsigned upcalls[NR_VCPUS], wakes, link_sends, link_closes;
static struct evtchn_domain D;

static void *vi_hook(void *o, unsigned v)
{
    (void)o;
    return v < NR_VCPUS ? shinfo + v * sizeof(struct vcpu_info) : NULL;
}
static void *gfn_hook(void *o, uint64_t gfn)
{
    (void)o;
    return gfn >= 0x100 && gfn < 0x100 + NR_FRAMES ? frames[gfn - 0x100] : NULL;
}
static void upcall_hook(void *o, unsigned v) { (void)o; upcalls[v]++; }
static void wake_hook(void *o, uint32_t p) { (void)o; (void)p; wakes++; }
static void send_hook(void *o, struct evtchn_link *l) { (void)o; (void)l; link_sends++; }
static void close_hook(void *o, struct evtchn_link *l) { (void)o; (void)l; link_closes++; }

static const struct evtchn_hooks hooks = {
    .vcpu_info = vi_hook, .gfn_ptr = gfn_hook, .upcall = upcall_hook,
    .poll_wake = wake_hook, .link_send = send_hook, .link_close = close_hook,
};

static struct shared_info *si(void) { return (struct shared_info *)shinfo; }

static void setup(uint32_t max_port)
{
    struct evtchn_layout l = {
        .compat = false,
        .si_pending_off = offsetof(struct shared_info, evtchn_pending),
        .si_mask_off = offsetof(struct shared_info, evtchn_mask),
        .vi_pending_off = offsetof(struct vcpu_info, evtchn_upcall_pending),
        .vi_sel_off = offsetof(struct vcpu_info, evtchn_pending_sel),
    };
    evtchn_domain_destroy(&D);
    memset(shinfo, 0, sizeof(shinfo));
    memset(frames, 0, sizeof(frames));
    memset(upcalls, 0, sizeof(upcalls));
    wakes = link_sends = link_closes = 0;
    if (evtchn_domain_init(&D, 5, NR_VCPUS, max_port, shinfo, &hooks))
        abort();
    evtchn_set_layout(&D, &l);
}

static int pending(uint32_t p) { return (si()->evtchn_pending[p / 64] >> (p % 64)) & 1; }

static void alloc_status_close(void)
{
    struct evtchn_status st;
    setup(1023);
    CHECK_EQ(evtchn_alloc_unbound(&D, DOMID_SELF), 1);
    CHECK_EQ(evtchn_alloc_unbound(&D, 0), 2);
    CHECK_EQ(evtchn_status(&D, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 5);          /* DOMID_SELF resolved */
    CHECK_EQ(evtchn_status(&D, 0, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed); /* port 0 is reserved */
    CHECK_EQ(evtchn_status(&D, 63, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed); /* in the first bucket */
    CHECK_EQ(evtchn_status(&D, 64, &st), -EINVAL);
    CHECK_EQ(evtchn_close(&D, 0), -EINVAL);
    CHECK_EQ(evtchn_close(&D, 3), -EINVAL);
    CHECK_EQ(evtchn_close(&D, 64), -EINVAL);
    CHECK_EQ(evtchn_close(&D, 1), 0);
    CHECK_EQ(evtchn_close(&D, 1), -EINVAL);
    CHECK_EQ(evtchn_alloc_unbound(&D, 0), 1);   /* lowest free port again */
}

static void limits(void)
{
    setup(70);
    for (int i = 1; i <= 70; i++)
        CHECK_EQ(evtchn_alloc_unbound(&D, 0), i);
    CHECK_EQ(evtchn_alloc_unbound(&D, 0), -ENOSPC);
    CHECK_EQ(evtchn_bind_ipi(&D, 0), -ENOSPC);
    CHECK_EQ(evtchn_send(&D, 128), -EINVAL);    /* beyond the buckets */
    CHECK_EQ(evtchn_send(&D, 100), -EINVAL);    /* valid slot, free port */
    CHECK_EQ(evtchn_unmask(&D, 100), 0);        /* valid slot: Xen says 0 */
    CHECK_EQ(evtchn_unmask(&D, 128), -EINVAL);
    /* The 2-level ABI caps the configured limit. */
    setup(100000);
    CHECK_EQ(evtchn_max_ports(&D), 4096);
}

static void ipi_and_2l_delivery(void)
{
    int p;
    setup(1023);
    p = evtchn_bind_ipi(&D, 1);
    CHECK_EQ(p, 1);
    CHECK_EQ(evtchn_bind_ipi(&D, 2), -ENOENT);
    CHECK_EQ(evtchn_send(&D, p), 0);
    CHECK(pending(p));
    CHECK_EQ(si()->vcpu_info[1].evtchn_pending_sel, 1);
    CHECK_EQ(si()->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK_EQ(upcalls[1], 1);
    CHECK_EQ(upcalls[0], 0);
    CHECK_EQ(wakes, 1);
    /* Already pending: nothing more. */
    CHECK_EQ(evtchn_send(&D, p), 0);
    CHECK_EQ(upcalls[1], 1);
    /* Masked: pending but no selector, no upcall; unmask raises it. */
    si()->evtchn_pending[0] = 0;
    si()->vcpu_info[1].evtchn_pending_sel = 0;
    si()->vcpu_info[1].evtchn_upcall_pending = 0;
    si()->evtchn_mask[0] = 1ull << p;
    CHECK_EQ(evtchn_send(&D, p), 0);
    CHECK(pending(p));
    CHECK_EQ(si()->vcpu_info[1].evtchn_pending_sel, 0);
    CHECK_EQ(upcalls[1], 1);
    CHECK_EQ(evtchn_unmask(&D, p), 0);
    CHECK_EQ(si()->evtchn_mask[0], 0);
    CHECK_EQ(si()->vcpu_info[1].evtchn_pending_sel, 1);
    CHECK_EQ(upcalls[1], 2);
    /* Close clears the pending bit. */
    CHECK_EQ(evtchn_close(&D, p), 0);
    CHECK(!pending(p));
}

static void virq_rules(void)
{
    struct evtchn_status st;
    setup(1023);
    CHECK_EQ(evtchn_bind_virq(&D, NR_VIRQS, 0), -EINVAL);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_CONSOLE, 1), -EINVAL);  /* global */
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 2), -ENOENT);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 1), 1);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 1), -EEXIST);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 0), 2);
    CHECK_EQ(evtchn_bind_vcpu(&D, 1, 0), -EINVAL);  /* per-vCPU VIRQ */
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_CONSOLE, 0), 3);
    CHECK_EQ(evtchn_bind_vcpu(&D, 3, 1), 0);        /* global may move */
    CHECK_EQ(evtchn_bind_vcpu(&D, 3, 2), -ENOENT);
    CHECK_EQ(evtchn_status(&D, 3, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_virq);
    CHECK_EQ(st.u.virq, VIRQ_CONSOLE);
    CHECK_EQ(st.vcpu, 1);
    CHECK_EQ(evtchn_send(&D, 1), -EINVAL);          /* cannot send a VIRQ */
    evtchn_send_virq(&D, 1, VIRQ_TIMER);
    CHECK(pending(1));
    CHECK(!pending(2));
    evtchn_send_virq(&D, 0, VIRQ_CONSOLE);
    CHECK(pending(3));
    CHECK_EQ(upcalls[1], 1);                         /* one upcall for both */
    CHECK_EQ(evtchn_close(&D, 1), 0);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 1), 1);  /* free again */
}

static void pirq_and_loopback(void)
{
    struct evtchn_status st;
    int a, b;
    setup(1023);
    CHECK_EQ(evtchn_bind_pirq(&D, EVTCHN_NR_PIRQS), -EINVAL);
    CHECK_EQ(evtchn_bind_pirq(&D, 5), 1);
    CHECK_EQ(evtchn_bind_pirq(&D, 5), -EEXIST);
    CHECK_EQ(evtchn_status(&D, 1, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_pirq);
    CHECK_EQ(st.u.pirq, 5);
    a = evtchn_alloc_unbound(&D, DOMID_SELF);
    CHECK_EQ(a, 2);
    CHECK_EQ(evtchn_bind_loopback(&D, 1), -EINVAL);    /* not unbound */
    CHECK_EQ(evtchn_bind_loopback(&D, 900), -EINVAL);  /* not valid */
    b = evtchn_bind_loopback(&D, a);
    CHECK_EQ(b, 3);
    CHECK(pending(b));          /* lost notifications re-raised */
    si()->evtchn_pending[0] = 0;
    CHECK_EQ(evtchn_send(&D, b), 0);
    CHECK(pending(a));
    CHECK_EQ(evtchn_status(&D, a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, 5);
    CHECK_EQ(st.u.interdomain.port, b);
    CHECK_EQ(evtchn_close(&D, b), 0);
    CHECK_EQ(evtchn_status(&D, a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(evtchn_send(&D, a), 0);           /* unbound: dropped */
    /* A port waiting for another domain refuses us. */
    a = evtchn_alloc_unbound(&D, 7);
    CHECK_EQ(evtchn_bind_loopback(&D, a), -EINVAL);
}

static void links(void)
{
    struct evtchn_link *l = (struct evtchn_link *)&D;   /* any token */
    struct evtchn_status st;
    int p, q;
    setup(1023);
    p = evtchn_alloc_unbound(&D, 0);
    CHECK_EQ(evtchn_accept_link(&D, p, 3, 9, l), -EINVAL);  /* not for dom 3 */
    CHECK_EQ(evtchn_accept_link(&D, p, 0, 9, l), 0);
    CHECK_EQ(evtchn_accept_link(&D, p, 0, 9, l), -EINVAL);  /* bound now */
    CHECK_EQ(evtchn_send(&D, p), 0);
    CHECK_EQ(link_sends, 1);
    evtchn_link_raise(&D, p, l);
    CHECK(pending(p));
    evtchn_link_gone(&D, p, l);
    CHECK_EQ(evtchn_status(&D, p, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 0);
    q = evtchn_reserve(&D);
    CHECK_EQ(evtchn_status(&D, q, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(evtchn_close(&D, q), -EINVAL);
    evtchn_commit_link(&D, q, 2, 44, l);
    CHECK_EQ(evtchn_status(&D, q, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.port, 44);
    CHECK_EQ(evtchn_close(&D, q), 0);
    CHECK_EQ(link_closes, 1);
    q = evtchn_reserve(&D);
    evtchn_release(&D, q);
    CHECK_EQ(evtchn_alloc_unbound(&D, 0), q);
}

/* FIFO helpers: a frontend's view. */
static uint32_t *fifo_word(uint32_t port) { return (uint32_t *)frames[1] + port; }
static struct evtchn_fifo_control_block *cb(unsigned v)
{
    return (struct evtchn_fifo_control_block *)(frames[0] + v * 512);
}

static void fifo(void)
{
    int a, b, c;
    setup(1023);
    CHECK_EQ(evtchn_fifo_expand_array(&D, 0x101), -EOPNOTSUPP);
    CHECK_EQ(evtchn_set_priority(&D, 1, 3), -ENOSYS);
    a = evtchn_bind_ipi(&D, 0);
    CHECK_EQ(evtchn_send(&D, a), 0);            /* pending under 2-level */
    CHECK_EQ(evtchn_fifo_init_control(&D, 2, 0x100, 0), -ENOENT);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 4090), -EINVAL);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 4), -EINVAL);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x999, 0), -EINVAL);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 0), 0);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 0), -EINVAL);  /* once */
    CHECK_EQ(evtchn_fifo_init_control(&D, 1, 0x100, 512), 0);
    CHECK_EQ(evtchn_max_ports(&D), EVTCHN_FIFO_NR_CHANNELS);
    upcalls[0] = 0;
    si()->vcpu_info[0].evtchn_upcall_pending = 0;   /* the guest took it */
    CHECK_EQ(evtchn_fifo_expand_array(&D, 0x999), -EINVAL);
    CHECK_EQ(evtchn_fifo_expand_array(&D, 0x101), 0);
    /* The event pending before the switch is queued on the new page. */
    CHECK(*fifo_word(a) & (1u << EVTCHN_FIFO_PENDING));
    CHECK(*fifo_word(a) & (1u << EVTCHN_FIFO_LINKED));
    CHECK_EQ(cb(0)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    CHECK_EQ(cb(0)->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK_EQ(upcalls[0], 1);
    /* Two more on the same queue: linked behind the tail, no new upcall. */
    b = evtchn_bind_ipi(&D, 0);
    c = evtchn_bind_ipi(&D, 0);
    CHECK_EQ(evtchn_send(&D, b), 0);
    CHECK_EQ(evtchn_send(&D, c), 0);
    CHECK_EQ(*fifo_word(a) & EVTCHN_FIFO_LINK_MASK, b);
    CHECK_EQ(*fifo_word(b) & EVTCHN_FIFO_LINK_MASK, c);
    CHECK_EQ(upcalls[0], 1);
    /* A higher priority goes to its own queue and sets its ready bit. */
    CHECK_EQ(evtchn_set_priority(&D, a, EVTCHN_FIFO_PRIORITY_MIN + 1), -EINVAL);
    int h = evtchn_bind_ipi(&D, 0);
    CHECK_EQ(evtchn_set_priority(&D, h, 2), 0);
    CHECK_EQ(evtchn_send(&D, h), 0);
    CHECK_EQ(cb(0)->head[2], h);
    CHECK(cb(0)->ready & (1u << 2));
    /* Masked: pending, not linked; unmask links it. */
    int m = evtchn_bind_ipi(&D, 1);
    *fifo_word(m) |= 1u << EVTCHN_FIFO_MASKED;
    CHECK_EQ(evtchn_send(&D, m), 0);
    CHECK(!(*fifo_word(m) & (1u << EVTCHN_FIFO_LINKED)));
    CHECK_EQ(evtchn_unmask(&D, m), 0);
    CHECK(*fifo_word(m) & (1u << EVTCHN_FIFO_LINKED));
    CHECK_EQ(cb(1)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], m);
    CHECK_EQ(upcalls[1], 1);
    /* A linked (busy) port is not reused after close. */
    CHECK_EQ(evtchn_close(&D, c), 0);
    CHECK(evtchn_bind_ipi(&D, 0) != c);
    /* Reset closes everything and returns to 2-level. */
    CHECK_EQ(evtchn_reset(&D), 0);
    CHECK_EQ(evtchn_max_ports(&D), 4096);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 0), 0);
}

static void save_restore(void)
{
    struct evtchn_status st;
    static uint8_t buf[65536], mut[65536];
    int len, a, b;
    setup(1023);
    a = evtchn_alloc_unbound(&D, 3);
    b = evtchn_bind_virq(&D, VIRQ_TIMER, 1);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 64), 0);
    CHECK_EQ(evtchn_fifo_init_control(&D, 1, 0x100, 512), 0);
    CHECK_EQ(evtchn_fifo_expand_array(&D, 0x101), 0);
    CHECK_EQ(evtchn_set_priority(&D, b, 4), 0);
    len = evtchn_save(&D, buf, sizeof(buf));
    CHECK(len > 0);
    CHECK_EQ((size_t)len, evtchn_save_size(&D));
    CHECK_EQ(evtchn_save(&D, buf, 10), -ENOSPC);
    setup(1023);
    CHECK_EQ(evtchn_restore(&D, buf, len), 0);
    CHECK_EQ(evtchn_status(&D, a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 3);
    CHECK_EQ(evtchn_bind_virq(&D, VIRQ_TIMER, 1), -EEXIST);
    evtchn_send_virq(&D, 1, VIRQ_TIMER);
    CHECK_EQ(*fifo_word(b) & (1u << EVTCHN_FIFO_PENDING), 1u << EVTCHN_FIFO_PENDING);
    CHECK_EQ(evtchn_fifo_init_control(&D, 0, 0x100, 64), -EINVAL);
    /* A different limit, truncations and random corruption are refused
     * or accepted whole, never crash. */
    setup(511);
    CHECK_EQ(evtchn_restore(&D, buf, len), -EINVAL);
    setup(1023);
    for (int cut = 0; cut < len; cut += 7)
        CHECK_EQ(evtchn_restore(&D, buf, cut), -EINVAL);
    srand(42);
    for (int i = 0; i < 3000; i++) {
        memcpy(mut, buf, len);
        for (int k = 0; k < 1 + rand() % 4; k++)
            mut[rand() % len] = (uint8_t)rand();
        int rc = evtchn_restore(&D, mut, len);
        CHECK(rc == 0 || rc == -EINVAL);
        evtchn_send(&D, rand() % 70);
        evtchn_send_virq(&D, rand() % 2, VIRQ_TIMER);
    }
}

/* The PIRQ table (evtchn/pirq.c) as Xen 4.19's physdev.c and irq.c. */
static void pirq_table(void)
{
    uint8_t buf[65536];
    int p, q, port, len;
    setup(1023);
    /* get_free_pirq: GSI pirqs 16.. first, then the top down. */
    CHECK_EQ(evtchn_pirq_get_free(&D, MAP_PIRQ_TYPE_GSI), 16);
    CHECK_EQ(evtchn_pirq_get_free(&D, MAP_PIRQ_TYPE_MSI), EVTCHN_NR_PIRQS - 1);
    CHECK_EQ(evtchn_pirq_query(&D, 16), -EINVAL);           /* allocated only */
    /* map GSI: range, a free pirq picked, conflicts left alone with 0. */
    p = -1;
    CHECK_EQ(evtchn_pirq_map_gsi(&D, 48, &p), -EINVAL);
    CHECK_EQ(evtchn_pirq_map_gsi(&D, 20, &p), 0);
    CHECK_EQ(p, 17);
    CHECK_EQ(evtchn_pirq_of_gsi(&D, 20), 17);
    q = 30;
    CHECK_EQ(evtchn_pirq_map_gsi(&D, 20, &q), 0);
    CHECK_EQ(evtchn_pirq_of_gsi(&D, 20), 17);
    CHECK_EQ(evtchn_pirq_query(&D, 30), -EINVAL);
    q = EVTCHN_NR_PIRQS;
    CHECK_EQ(evtchn_pirq_map_gsi(&D, 21, &q), -EINVAL);
    CHECK_EQ(evtchn_pirq_query(&D, 17), 0);
    CHECK_EQ(evtchn_pirq_eoi(&D, 17), 20);                  /* notify GSI 20 again */
    CHECK_EQ(evtchn_pirq_eoi(&D, 33), -EINVAL);
    CHECK_EQ(evtchn_pirq_eoi(&D, EVTCHN_NR_PIRQS), -EINVAL);
    /* A GSI pirq: delivered when bound, dropped when not. */
    evtchn_send_pirq(&D, 17);
    port = evtchn_bind_pirq(&D, 17);
    CHECK_EQ(port, 1);
    CHECK(!pending(port));
    evtchn_send_pirq(&D, 17);
    CHECK(pending(port));
    /* A device MSI: waits for the bind, then fires; a GSI's pirq refuses. */
    CHECK_EQ(evtchn_pirq_msi_claim(&D, 17), -EINVAL);
    CHECK_EQ(evtchn_pirq_msi_claim(&D, 0), -EINVAL);
    CHECK_EQ(evtchn_pirq_msi_claim(&D, 40), 0);
    CHECK_EQ(evtchn_pirq_query(&D, 40), 0);
    evtchn_send_pirq(&D, 40);
    CHECK_EQ(evtchn_pirq_get_free(&D, MAP_PIRQ_TYPE_MSI), EVTCHN_NR_PIRQS - 2);
    /* Saved and restored with the ports. */
    len = evtchn_save(&D, buf, sizeof(buf));
    CHECK(len > 0);
    setup(1023);
    CHECK_EQ(evtchn_restore(&D, buf, len), 0);
    CHECK_EQ(evtchn_pirq_of_gsi(&D, 20), 17);
    CHECK_EQ(evtchn_pirq_query(&D, 40), 0);
    port = evtchn_bind_pirq(&D, 40);
    CHECK(port > 1);
    CHECK(pending(port));                                   /* the one that waited */
    CHECK_EQ(evtchn_close(&D, port), 0);
    /* Unmasked by the bind: with the port closed it is lost now. */
    evtchn_send_pirq(&D, 40);
    port = evtchn_bind_pirq(&D, 40);
    CHECK(port > 1);
    CHECK(!pending(port));
    evtchn_send_pirq(&D, 40);
    CHECK(pending(port));
    CHECK_EQ(evtchn_close(&D, port), 0);
    evtchn_pirq_msi_release(&D, 40);
    CHECK_EQ(evtchn_pirq_query(&D, 40), -EINVAL);
    /* unmap: anything answers 0; the GSI is free again. */
    CHECK_EQ(evtchn_pirq_unmap(&D, 17), 0);
    CHECK_EQ(evtchn_pirq_unmap(&D, -1), 0);
    CHECK_EQ(evtchn_pirq_unmap(&D, 9999), 0);
    CHECK_EQ(evtchn_pirq_of_gsi(&D, 20), -1);
    /* A hostile table in a stream is refused whole. */
    len = evtchn_save(&D, buf, sizeof(buf));
    buf[len - 4] = 0x7f;        /* the last pirq's GSI out of range */
    CHECK_EQ(evtchn_restore(&D, buf, len), -EINVAL);
}

int main(void)
{
    RUN(alloc_status_close);
    RUN(limits);
    RUN(ipi_and_2l_delivery);
    RUN(virq_rules);
    RUN(pirq_and_loopback);
    RUN(pirq_table);
    RUN(links);
    RUN(fifo);
    RUN(save_restore);
    evtchn_domain_destroy(&D);
    return CHECK_DONE();
}
