/*
 * EVTCHNOP_reset: xen/common/event_channel.c evtchn_reset (and the
 * XSM_TARGET check in do_event_channel_op).  It closes every port of the
 * domain, the store and console ports included, so it runs last.
 */
#include "ev.h"

TEST(reset_errors)
{
    struct evtchn_reset r = { .dom = NO_SUCH_DOMID };

    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset_cont, &r),
              XERR(ESRCH));
    r.dom = 0;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), XERR(EPERM));
    /* reset_cont with no reset in progress (d->next_evtchn == 0): -EBUSY,
     * and nothing is closed. */
    r.dom = DOMID_SELF;
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset_cont, &r),
              XERR(EBUSY));
    EXPECT_NE(ev_state(1), EVTCHNSTAT_closed);
    EXPECT_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset, BAD_PTR),
              XERR(EFAULT));
}

TEST(reset_closes_everything)
{
    evtchn_port_t ipi = 0, t = 0, u = 0, a = 0, b = 0, p = 0;
    evtchn_port_t port;

    cli();
    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &ipi), 0));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &t), 0));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, 0, &u), 0));
    REQUIRE(EXPECT_EQ(ev_alloc_unbound(DOMID_SELF, DOMID_SELF, &a), 0));
    REQUIRE(EXPECT_EQ(ev_bind_interdomain(DOMID_SELF, a, &b), 0));
    EXPECT_EQ(ev_send(ipi), 0);
    EXPECT_EQ(ev_reset(DOMID_SELF), 0);
    for (port = 0; port < 64; port++)
        if (!EXPECT_EQ(ev_state(port), EVTCHNSTAT_closed))
            break;
    /* Pending bits of closed ports are cleared. */
    EXPECT_TRUE(!ev2l_pending(ipi));
    /* The VIRQ binding is gone too; port 1 is the first free one. */
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_TIMER, 0, &p), 0));
    EXPECT_EQ(p, 1);
    /* By number, and again with nothing much open. */
    EXPECT_EQ(ev_reset(xen.has_domid ? xen.domid : 1), 0);
    EXPECT_EQ(ev_state(1), EVTCHNSTAT_closed);
    EXPECT_EQ(ev_reset(DOMID_SELF), 0);
    ev_quiesce(ipi, 0);
}
