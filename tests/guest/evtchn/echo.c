/*
 * evtchn_echo64.elf: an event channel to a host (dom0) backend.  The
 * guest offers port 3 to dom0 (alloc_unbound, remote_dom 0), prints
 * "ECHO-PORT 3", waits for the backend to bind it (status interdomain,
 * dom 0; 10 s at most), then sends ECHOES events one at a time, each
 * time waiting (1 s at most) for the echo to arrive by upcall (callback
 * vector), and checks the counts.  The host echo backend is xenkvm's.
 */
#include "ev.h"

#define ECHOES 100

static evtchn_port_t port;

TEST(echo_offer)
{
    uint64_t end;
    struct evtchn_status st;

    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &port), 0));
    EXPECT_EQ(port, 3);
    printf("ECHO-PORT %u\n", port);
    end = xen_system_time() + 10000 * MS;
    while (xen_system_time() < end) {
        if (ev_status(DOMID_SELF, port, &st) == 0 &&
            st.status == EVTCHNSTAT_interdomain)
            break;
        ev2l_set_mask(port, true);
        ev_poll(&port, 1, xen_system_time() + 20 * MS);
    }
    REQUIRE(EXPECT_EQ(st.status, EVTCHNSTAT_interdomain));
    EXPECT_EQ(st.u.interdomain.dom, 0);
}

TEST(echo_round_trips)
{
    unsigned int i;
    uint64_t t0;

    cli();
    REQUIRE(EXPECT_EQ(ev_state(port), EVTCHNSTAT_interdomain));
    ev2l_set_mask(port, false);
    ev_quiesce(port, 0);
    ev_counts_clear();
    t0 = xen_system_time();
    for (i = 0; i < ECHOES; i++) {
        EXPECT_EQ(ev_send(port), 0);
        sti();
        spin_until_change(&evtchn_count[port], i, 1000);
        cli();
        if (!EXPECT_EQ(evtchn_count[port], i + 1))
            break;
    }
    EXPECT_EQ(evtchn_count[port], ECHOES);
    EXPECT_GE(ev_irq_count[EV_VIA_VECTOR][0], ECHOES);
    /* No extra echoes. */
    sti();
    spin_ms(50);
    cli();
    EXPECT_EQ(evtchn_count[port], ECHOES);
    printf("echo: %u round trips in %llu ms\n", ECHOES,
           (unsigned long long)ms_since(t0));
}

TEST(echo_close)
{
    EXPECT_EQ(ev_close(port), 0);
    EXPECT_EQ(ev_state(port), EVTCHNSTAT_closed);
}

void guest_main(void)
{
    shinfo_map();
    printf("evtchn_echo64: domid %u\n", xen.domid);
    run_tests();
}
