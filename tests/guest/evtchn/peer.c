/*
 * evtchn_peer64.elf: an interdomain channel between two guests, each in
 * its own xenkvm (same --rundir, domids 1 and 2).  Role from the command
 * line: "peer=2 role=alloc" offers port 3 to the peer with alloc_unbound,
 * "peer=1 role=bind" binds it with bind_interdomain (retrying for 10 s),
 * then they ping-pong PINGS events, the binder closes, and the allocator
 * sees its port fall back to unbound towards the peer.
 * xen/common/event_channel.c evtchn_alloc_unbound, evtchn_bind_interdomain,
 * evtchn_close (the remote end becomes ECS_UNBOUND with remote_domid =
 * the closer), evtchn_send, evtchn_status (XSM_TARGET).
 */
#include "ev.h"

#define PINGS 50
#define PORT 3 /* first free port on both sides */

static domid_t peer = 0xffff;
static bool binder;
static evtchn_port_t port;

static unsigned long arg(const char *key)
{
    const char *s = strstr(start_cmdline(), key);
    unsigned long v = 0;

    if (!s)
        return ~0ul;
    for (s += strlen(key); *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (unsigned long)(*s - '0');
    return v;
}

/* Waits for an event on port (masked, polled) and clears it. */
static bool wait_event(unsigned int ms)
{
    bool ok = ev_wait_pending(port, ms * MS);

    ev2l_set_pending(port, false);
    return ok;
}

/* Polls the status of our port until it is `want` (10 s at most). */
static bool wait_state(uint32_t want)
{
    uint64_t end = xen_system_time() + 10000 * MS;
    struct evtchn_status st;

    while (xen_system_time() < end) {
        if (ev_status(DOMID_SELF, port, &st) == 0 && st.status == want)
            return true;
        ev_poll(&port, 1, xen_system_time() + 20 * MS);
    }
    return false;
}

TEST(peer_connect)
{
    struct evtchn_status st;
    uint64_t end;
    long rc = -1;

    cli();
    REQUIRE(EXPECT_NE(peer, 0xffff));
    if (!binder) {
        REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, peer, &port), 0));
        EXPECT_EQ(port, PORT);
        ev2l_set_mask(port, true);
        printf("PEER-PORT %u\n", port);
        REQUIRE(EXPECT_TRUE(wait_state(EVTCHNSTAT_interdomain)));
    } else {
        /* The allocator may not be there yet: retry for 10 s. */
        end = xen_system_time() + 10000 * MS;
        while (xen_system_time() < end) {
            rc = ev_bind_interdomain(peer, PORT, &port);
            if (rc == 0)
                break;
            ev_poll(NULL, 0, xen_system_time() + 50 * MS);
        }
        REQUIRE(EXPECT_EQ(rc, 0));
        EXPECT_EQ(port, PORT);
        ev2l_set_mask(port, true);
        /* bind_interdomain leaves the new local port pending. */
        EXPECT_TRUE(ev2l_pending(port));
        ev2l_set_pending(port, false);
    }
    REQUIRE(EXPECT_EQ(ev_status(DOMID_SELF, port, &st), 0));
    EXPECT_EQ(st.status, EVTCHNSTAT_interdomain);
    EXPECT_EQ(st.u.interdomain.dom, peer);
    EXPECT_EQ(st.u.interdomain.port, PORT);
    EXPECT_EQ(st.vcpu, 0);
}

TEST(peer_ping_pong)
{
    evtchn_port_t spare = 0;
    unsigned int i;

    cli();
    REQUIRE(EXPECT_EQ(ev_state(port), EVTCHNSTAT_interdomain));
    if (binder)
        /* Port 4, offered to nobody the allocator may bind (see below). */
        EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, NO_SUCH_DOMID, &spare), 0);
    for (i = 0; i < PINGS; i++) {
        if (binder) {
            EXPECT_EQ(ev_send(port), 0);
            if (!EXPECT_TRUE(wait_event(2000)))
                break;
        } else {
            if (!EXPECT_TRUE(wait_event(2000)))
                break;
            EXPECT_EQ(ev_send(port), 0);
        }
    }
    EXPECT_EQ(i, PINGS);
}

TEST(peer_permission_checks)
{
    struct evtchn_status st;
    evtchn_port_t l = 0;

    /* Another domain's ports: status, alloc_unbound and reset in it need
     * privilege (XSM_TARGET): -EPERM. */
    EXPECT_EQ(ev_status(peer, PORT, &st), XERR(EPERM));
    EXPECT_EQ(ev_alloc_unbound(peer, DOMID_SELF, &l), XERR(EPERM));
    EXPECT_EQ(ev_reset(peer), XERR(EPERM));
    /* Binding a peer port that is interdomain already, free, or unbound
     * towards someone else: -EINVAL. */
    EXPECT_EQ(ev_bind_interdomain(peer, PORT, &l), XERR(EINVAL));
    EXPECT_EQ(ev_bind_interdomain(peer, FREE_PORT, &l), XERR(EINVAL));
    if (!binder)
        EXPECT_EQ(ev_bind_interdomain(peer, PORT + 1, &l), XERR(EINVAL));
    /* No port leaked by the failures. */
    EXPECT_EQ(ev_state(PORT + 1), binder ? EVTCHNSTAT_unbound
                                         : EVTCHNSTAT_closed);
}

TEST(peer_close)
{
    struct evtchn_status st;

    cli();
    REQUIRE(EXPECT_EQ(ev_state(port), EVTCHNSTAT_interdomain));
    if (binder) {
        /* Let the allocator finish its checks (one more round trip). */
        EXPECT_EQ(ev_send(port), 0);
        EXPECT_TRUE(wait_event(5000));
        EXPECT_EQ(ev_close(port), 0);
        EXPECT_EQ(ev_state(port), EVTCHNSTAT_closed);
        return;
    }
    EXPECT_TRUE(wait_event(5000));
    EXPECT_EQ(ev_send(port), 0);
    /* The peer closes: our end is unbound towards it again. */
    REQUIRE(EXPECT_TRUE(wait_state(EVTCHNSTAT_unbound)));
    EXPECT_EQ(ev_status(DOMID_SELF, port, &st), 0);
    EXPECT_EQ(st.u.unbound.dom, peer);
    /* Sending into an unbound port is dropped, rc 0. */
    EXPECT_EQ(ev_send(port), 0);
    EXPECT_EQ(ev_close(port), 0);
}

void guest_main(void)
{
    unsigned long p = arg("peer=");

    shinfo_map();
    binder = strstr(start_cmdline(), "role=bind") != NULL;
    if (p < DOMID_FIRST_RESERVED)
        peer = (domid_t)p;
    printf("evtchn_peer64: domid %u, peer %u, role %s\n", xen.domid, peer,
           binder ? "bind" : "alloc");
    run_tests();
}
