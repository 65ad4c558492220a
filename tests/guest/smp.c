/*
 * smp64.elf: secondary vCPU bring-up with VCPUOP_initialise + VCPUOP_up.
 * Run with:  xenkvm --kernel smp64.elf --vcpus 2
 * Xen references: xen/common/domain.c common_vcpu_op (up/down/is_up),
 * xen/arch/x86/domain.c arch_initialise_vcpu, xen/arch/x86/hvm/domain.c
 * arch_set_info_hvm_guest.
 */
#include "lib.h"
#include "x86.h"
#include "test.h"
#include "trap.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "shinfo.h"
#include "ap.h"

static uint8_t ap_stack[8192] __aligned(16);
static volatile uint32_t ap_vcpu_id = ~0u;
static volatile uint32_t ap_alive;
static vcpu_hvm_context_t ctx;

void ap_main(void)
{
    /* Same IDT as vCPU 0 (the handlers crash the domain on a fault). */
    trap_load_idt();
    ap_vcpu_id = xen_cpuid_vcpu_id();
    for (;;) {
        ap_alive++;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
}

static void build_context(void)
{
    ap_context64(&ctx, ap_stack + sizeof(ap_stack));
}

static bool wait_for(volatile uint32_t *v, uint32_t not_value, uint64_t ms)
{
    uint64_t end = rdtsc() + ms * tsc_khz;

    while (*v == not_value && rdtsc() < end)
        cpu_relax();
    return *v != not_value;
}

TEST(smp_up_before_initialise)
{
    /* VCPUOP_up of a vCPU never initialised: -EINVAL. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), XERR(EINVAL));
}

TEST(smp_initialise_bad_mode)
{
    build_context();
    ctx.mode = 7;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), XERR(EINVAL));
    ctx.mode = VCPU_HVM_MODE_64B;
    ctx.pad = 1;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, (void *)0x80000000ul),
              XERR(EFAULT));
}

/* vCPU 1's runstate area, registered by vCPU 0 before vCPU 1 ever runs
 * (as Linux does from the boot CPU); Xen writes it at vCPU 1's context
 * switches, with vCPU 1's page tables. */
static struct vcpu_runstate_info ap_runstate;

TEST(smp_runstate_registered_for_other)
{
    struct vcpu_register_runstate_memory_area area;

    memset(&ap_runstate, 0xff, sizeof(ap_runstate));
    area.addr.v = &ap_runstate;
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 1, &area), 0);
}

TEST(smp_bring_up)
{
    build_context();
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0));
    /* Initialised but still down until VCPUOP_up. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0));
    REQUIRE(EXPECT_TRUE(wait_for(&ap_vcpu_id, ~0u, 1000)));
    EXPECT_EQ(ap_vcpu_id, 1);
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 1);
    /* It keeps running. */
    EXPECT_TRUE(wait_for(&ap_alive, ap_alive, 1000));
    /* Its runstate area now says so. */
    EXPECT_EQ(READ_ONCE(ap_runstate.state), RUNSTATE_running);
}

TEST(smp_initialise_again_eexist)
{
    build_context();
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), XERR(EEXIST));
}

TEST(smp_up_again)
{
    /* Already up: nothing to wake, still 0. */
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
}

TEST(smp_down)
{
    uint32_t n;

    REQUIRE(EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL), 0));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    /* Stopped: its counter no longer moves. */
    delay_us(2000);
    n = ap_alive;
    delay_us(5000);
    EXPECT_EQ(ap_alive, n);
    /* Parked: its runstate area shows it offline, with running time.  Its
     * thread writes that after leaving guest mode, which under load can
     * take longer than the counter's 7 ms (seen in make check at load 10):
     * up to a second. */
    for (unsigned i = 0; i < 1000 && READ_ONCE(ap_runstate.state) != RUNSTATE_offline; i++)
        delay_us(1000);
    EXPECT_EQ(READ_ONCE(ap_runstate.state), RUNSTATE_offline);
    EXPECT_NE(READ_ONCE(ap_runstate.time[RUNSTATE_running]), 0);
    /* ... and VCPUOP_get_runstate_info on it agrees. */
    {
        struct vcpu_runstate_info r;
        EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, 1, &r), 0);
        EXPECT_EQ(r.state, RUNSTATE_offline);
        EXPECT_TRUE(r.time[RUNSTATE_running] >= ap_runstate.time[RUNSTATE_running]);
    }
    /* Still initialised, so initialise is refused. */
    build_context();
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), XERR(EEXIST));
}

TEST(smp_vcpu_beyond_count)
{
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 2, NULL), XERR(ENOENT));
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 2, NULL), XERR(ENOENT));
    build_context();
    EXPECT_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 2, &ctx), XERR(ENOENT));
}

void guest_main(void)
{
    printf("smp64: vCPU %u starting vCPU 1 (needs --vcpus 2)\n", xen.vcpu_id);
    shinfo_map(); /* calibrates tsc_khz for the timeouts */
    run_tests();
}
