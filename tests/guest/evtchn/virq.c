/*
 * evtchn_virq64.elf: VIRQs raised by the host (dom0): VIRQ_DEBUG, a
 * per-vCPU VIRQ (Xen sends it with send_guest_vcpu_virq, e.g. from the
 * 'q' debug key), and VIRQ_CONSOLE, a global one (send_guest_global_virq
 * to the domain set as its handler).  The guest binds both on vCPU 0,
 * prints "VIRQ-READY", and waits up to 10 s for each port to turn pending;
 * the host then runs "evtchn_tool virq RUNDIR DOMID 1" and "... 2".
 * xen/common/event_channel.c evtchn_bind_virq, send_guest_vcpu_virq,
 * send_guest_global_virq.
 */
#include "ev.h"

static evtchn_port_t dbg, con;

TEST(virq_bind)
{
    struct evtchn_status st;

    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_DEBUG, 0, &dbg), 0));
    REQUIRE(EXPECT_EQ(ev_bind_virq(VIRQ_CONSOLE, 0, &con), 0));
    EXPECT_EQ(ev_status(DOMID_SELF, dbg, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_virq);
    EXPECT_EQ(st.u.virq, VIRQ_DEBUG);
    ev2l_set_mask(dbg, true);
    ev2l_set_mask(con, true);
    ev_quiesce(dbg, 0);
    ev_quiesce(con, 0);
    printf("VIRQ-READY debug=%u console=%u\n", dbg, con);
}

TEST(virq_debug_arrives)
{
    REQUIRE(EXPECT_NE(dbg, 0));
    EXPECT_TRUE(ev_wait_pending(dbg, 40000 * MS));
}

TEST(virq_console_arrives)
{
    REQUIRE(EXPECT_NE(con, 0));
    EXPECT_TRUE(ev_wait_pending(con, 40000 * MS));
    /* Each VIRQ reached its own port only. */
    ev2l_set_pending(con, false);
    EXPECT_TRUE(ev2l_pending(dbg));
    EXPECT_EQ(ev_close(dbg), 0);
    EXPECT_EQ(ev_close(con), 0);
}

void guest_main(void)
{
    shinfo_map();
    printf("evtchn_virq64: domid %u\n", xen.domid);
    run_tests();
}
