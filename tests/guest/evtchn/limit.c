/*
 * evtchn_limit{32,64}.elf: the per-domain port limit and each ABI's own.
 * xen/common/event_channel.c get_free_port / evtchn_allocate_port
 * ("port > d->max_evtchn_port || port >= max_evtchns(d)" -> -ENOSPC),
 * xen/common/event_channel.h max_evtchns() (2-level: bits-per-word
 * squared, 4096 for 64-bit and 1024 for 32-bit shared info; FIFO: 2^17).
 * Run with "--max-evtchn-port N --cmdline max=N" (no option: max=1023).
 */
#include "ev.h"

static unsigned long limit = 1023;

static unsigned long parse_max(void)
{
    const char *s = strstr(start_cmdline(), "max=");
    unsigned long v = 0;

    if (!s)
        return 1023;
    for (s += 4; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned long)(*s - '0');
    return v;
}

/* Allocates unbound ports until an error; returns the last port got. */
static evtchn_port_t fill(long *err, unsigned int *n)
{
    evtchn_port_t p = 0, last = 0;
    unsigned int i;
    long rc = 0;

    *n = 0;
    for (i = 0; i < 200000; i++) {
        rc = ev_alloc_unbound(DOMID_SELF, 0, &p);
        if (rc)
            break;
        last = p;
        (*n)++;
    }
    *err = rc;
    return last;
}

static void drain(evtchn_port_t last)
{
    evtchn_port_t p;

    for (p = 3; p <= last; p++)
        ev_close(p);
}

TEST(lim_2l_fill)
{
    unsigned long want = limit < EVTCHN_2L_NR_CHANNELS - 1 ?
                         limit : EVTCHN_2L_NR_CHANNELS - 1;
    evtchn_port_t last, p = 0;
    unsigned int n;
    long err;

    last = fill(&err, &n);
    EXPECT_EQ(err, XERR(ENOSPC));
    EXPECT_EQ(last, want);
    EXPECT_EQ(n, want - 2); /* 1 and 2 are the store and console ports */
    /* Every allocating op fails the same way when full. */
    EXPECT_EQ(ev_bind_ipi(0, &p), XERR(ENOSPC));
    EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &p), XERR(ENOSPC));
    EXPECT_EQ(ev_bind_pirq(5, 0, &p), XERR(ENOSPC));
    /* A hole is filled first. */
    EXPECT_EQ(ev_close(want / 2), 0);
    EXPECT_EQ(ev_bind_ipi(0, &p), 0);
    EXPECT_EQ(p, want / 2);
    /* The last port works; one past the bucket holding it does not. */
    EXPECT_EQ(ev_state(last), EVTCHNSTAT_unbound);
    EXPECT_EQ(ev_close(((last / 64) + 1) * 64), XERR(EINVAL));
    EXPECT_EQ(ev_send(((last / 64) + 1) * 64), XERR(EINVAL));
    drain(last);
}

TEST(lim_bucket_tail_is_closed)
{
    evtchn_port_t last;
    unsigned int n;
    long err;

    /* Xen allocates struct evtchn in buckets of 64: ports above the limit
     * but inside the last bucket are valid, free ports ("closed"), not
     * -EINVAL.  Only meaningful when the limit is not a bucket's end. */
    if ((limit + 1) % 64 == 0 || limit >= EVTCHN_2L_NR_CHANNELS - 1) {
        test_skip("limit %lu ends a bucket or the ABI", limit);
        return;
    }
    last = fill(&err, &n);
    REQUIRE(EXPECT_EQ(last, limit));
    EXPECT_EQ(ev_state(limit + 1), EVTCHNSTAT_closed);
    EXPECT_EQ(ev_close(limit + 1), XERR(EINVAL));
    drain(last);
}

TEST(lim_fifo_raises_abi_limit)
{
    unsigned long want = limit < EVTCHN_FIFO_NR_CHANNELS - 1 ?
                         limit : EVTCHN_FIFO_NR_CHANNELS - 1;
    evtchn_port_t last;
    unsigned int n;
    long err;

    /* Under FIFO only the domain limit applies (ports need no event
     * array page to be allocated). */
    REQUIRE(EXPECT_EQ(fifo_init_vcpu(0), 0));
    last = fill(&err, &n);
    EXPECT_EQ(err, XERR(ENOSPC));
    EXPECT_EQ(last, want);
    drain(last);
}

TEST(lim_fifo_port_beyond_array)
{
    evtchn_port_t p = 0, last = 0;
    event_word_t *w;
    unsigned int i;

    /* Ports past the event array pages added so far can be bound; their
     * events are kept (evtchn->pending) and raised when expand_array adds
     * the page (add_page_to_event_array). */
    if (limit < 1100) {
        test_skip("needs --max-evtchn-port 1100 or more");
        return;
    }
    REQUIRE(EXPECT_TRUE(fifo_active()));
    for (i = 0; i < 1100 && last < 1024; i++)
        if (!EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &last), 0))
            break;
    REQUIRE(EXPECT_EQ(last, 1024));
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    REQUIRE(EXPECT_EQ(p, 1025));
    REQUIRE(EXPECT_TRUE(fifo_word(p) == NULL));
    EXPECT_EQ(ev_send(p), 0);
    EXPECT_EQ(fifo_control(0)->ready, 0);
    REQUIRE(EXPECT_EQ(fifo_expand(), 0));
    w = fifo_word(p);
    REQUIRE(EXPECT_TRUE(w != NULL));
    /* Raised into a MASKED word: pending, not linked. */
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_PENDING));
    EXPECT_TRUE(!(*w & (1u << EVTCHN_FIFO_LINKED)));
    fifo_unmask(p);
    EXPECT_TRUE(*w & (1u << EVTCHN_FIFO_LINKED));
    ev_counts_clear();
    ev_upcall(0);
    EXPECT_EQ(evtchn_count[p], 1);
    drain(p);
}

void guest_main(void)
{
    shinfo_map();
    limit = parse_max();
    printf("evtchn_limit%d: max port %lu, 2-level ABI %u ports\n",
           (int)sizeof(long) * 8, limit,
           (unsigned int)EVTCHN_2L_NR_CHANNELS);
    run_tests();
}
