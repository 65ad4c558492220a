/*
 * vcpu_op: xen/arch/x86/domain.c do_vcpu_op and xen/common/domain.c
 * common_vcpu_op / map_vcpu_info.
 */
#include "hc.h"
#include <xen/hvm/hvm_vcpu.h>

/* Xen keeps writing into registered areas: they must outlive the test. */
static struct vcpu_runstate_info runstate;
static struct vcpu_time_info time_copy;
static uint8_t vcpu_info_page[4096] __aligned(4096);

TEST(vcpu_is_up_self)
{
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1);
}

TEST(vcpu_beyond_count)
{
    /* domain_vcpu() finds no such vCPU, for every sub-op. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 4000, NULL), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 4000, NULL), XERR(ENOENT));
}

TEST(vcpu_initialise_running_eexist)
{
    static vcpu_hvm_context_t ctx;

    memset(&ctx, 0, sizeof(ctx));
#ifdef __x86_64__
    ctx.mode = VCPU_HVM_MODE_64B;
#else
    ctx.mode = VCPU_HVM_MODE_32B;
#endif
    /* vCPU 0 is initialised: arch_initialise_vcpu says -EEXIST. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 0, &ctx), XERR(EEXIST));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 0, BAD_PTR), XERR(EFAULT));
}

TEST(vcpu_unknown_op)
{
    EXPECT_EQ(HYPERVISOR_vcpu_op(0x7f, 0, NULL), XERR(ENOSYS));
}

TEST(vcpu_runstate_area)
{
    struct vcpu_register_runstate_memory_area area;
    struct vcpu_runstate_info now;
    uint64_t t;

    memset(&runstate, 0xff, sizeof(runstate));
    memset(&area, 0, sizeof(area));
    set_xen_guest_handle(area.addr.h, &runstate);
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area,
                                         0, &area), 0));
    t = xen_system_time();
    /* The caller is running, and has run for a while. */
    EXPECT_EQ(runstate.state, RUNSTATE_running);
    EXPECT_NE(runstate.time[RUNSTATE_running], 0);
    EXPECT_LE(runstate.state_entry_time & ~XEN_RUNSTATE_UPDATE, t);
    EXPECT_LE(runstate.time[RUNSTATE_running], t);

    memset(&now, 0xff, sizeof(now));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, &now), 0);
    EXPECT_EQ(now.state, RUNSTATE_running);
    EXPECT_GE(now.time[RUNSTATE_running], runstate.time[RUNSTATE_running]);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 0, BAD_PTR),
              XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0,
                                 BAD_PTR), XERR(EFAULT));
}

TEST(vcpu_time_memory_area)
{
    struct vcpu_register_time_memory_area area;
    uint64_t a, b;

    memset(&time_copy, 0, sizeof(time_copy));
    memset(&area, 0, sizeof(area));
    set_xen_guest_handle(area.addr.h, &time_copy);
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area,
                                         0, &area), 0));
    /* force_update_vcpu_system_time() fills it at once. */
    EXPECT_EQ(time_copy.version & 1, 0);
    EXPECT_NE(time_copy.tsc_to_system_mul, 0);
    /* The same clock: bracketed by two readings of the shared info's
     * (within 1 ms of rounding), however long the host kept us away. */
    b = xen_system_time();
    a = pvclock_read(&time_copy);
    EXPECT_GE(a + 1000000, b);
    EXPECT_LE(a, xen_system_time() + 1000000);
}

TEST(vcpu_register_vcpu_info)
{
    struct vcpu_register_vcpu_info info = {
        .mfn = (uintptr_t)vcpu_info_page >> PAGE_SHIFT,
        .offset = 64,
    };
    struct vcpu_info *vi = (struct vcpu_info *)(vcpu_info_page + 64);

    shinfo_map();
    memset(vcpu_info_page, 0, sizeof(vcpu_info_page));
    /* Offset checks come first (map_vcpu_info: -ENXIO). */
    info.offset = PAGE_SIZE - sizeof(struct vcpu_info) + 8;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info), XERR(ENXIO));
    info.offset = 65;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info), XERR(ENXIO));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, BAD_PTR),
              XERR(EFAULT));

    info.offset = 64;
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info), 0));
    vcpu0_info = vi;
    vcpu0_info_moved = true;
    /* The old contents are copied, every selector marked pending, and the
     * time fields refreshed. */
    EXPECT_EQ(vi->evtchn_pending_sel, (xen_ulong_t)~0ul);
    EXPECT_EQ(vi->evtchn_upcall_pending, 1);
    EXPECT_EQ(vi->time.version & 1, 0);
    EXPECT_NE(vi->time.tsc_to_system_mul, 0);
    EXPECT_NE(vi->time.system_time, 0);
    vi->evtchn_upcall_pending = 0;
    vi->evtchn_pending_sel = 0;
    /* Only once per vCPU. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &info), XERR(EINVAL));
}
