/*
 * Events with vcpu_info moved out of shared info (as every Linux guest
 * does): xen/common/domain.c map_vcpu_info (copies the old contents, then
 * marks every selector bit and upcall_pending), event_2l.c writing the
 * selector and upcall flag of the registered vcpu_info.
 */
#include "ev.h"

static uint8_t vi_page[4096] __aligned(4096);

TEST(vcpuinfo_moved_events)
{
    struct vcpu_register_vcpu_info info = {
        .mfn = (uintptr_t)vi_page >> PAGE_SHIFT,
        .offset = 128,
    };
    struct vcpu_info *vi = (struct vcpu_info *)(vi_page + 128);
    struct vcpu_info *old;
    evtchn_port_t p = 0;

    cli();
    shinfo_map();
    old = &shared_info->vcpu_info[0];
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0,
                                         &info), 0));
    vcpu0_info = vi;
    vcpu0_info_moved = true;
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    EXPECT_EQ(vi->evtchn_pending_sel, (xen_ulong_t)~0ul);
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    old->evtchn_upcall_pending = 0;
    old->evtchn_pending_sel = 0;

    REQUIRE(EXPECT_EQ(ev_bind_ipi(0, &p), 0));
    ev2l_set_mask(p, false);
    ev2l_set_pending(p, false);
    EXPECT_EQ(ev_send(p), 0);
    /* The bitmaps stay in shared info; the flags move with vcpu_info. */
    EXPECT_TRUE(ev2l_pending(p));
    EXPECT_TRUE(vi->evtchn_pending_sel & ((xen_ulong_t)1 << (p / EV_2L_BITS)));
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    EXPECT_EQ(old->evtchn_upcall_pending, 0);
    EXPECT_EQ(old->evtchn_pending_sel, 0);
    ev_quiesce(p, 0);
    EXPECT_EQ(ev_close(p), 0);
}
