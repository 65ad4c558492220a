/* pvclock: system time from vcpu_time_info, checked against HVMOP_get_time. */
#include "hc.h"

TEST(pvclock_advances)
{
    uint64_t t1, t2;

    shinfo_map();
    t1 = xen_system_time();
    delay_us(3000);
    t2 = xen_system_time();
    EXPECT_NE(t1, 0);
    EXPECT_GE(t2, t1 + 2000000);
    EXPECT_LE(t2, t1 + 1000000000ull);
}

TEST(pvclock_matches_get_time)
{
    xen_hvm_get_time_t gt;
    uint64_t a, b;

    a = xen_system_time();
    REQUIRE(EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_get_time, &gt), 0));
    b = xen_system_time();
    /* get_time lies between the two reads, give or take 3 ms. */
    EXPECT_GE(gt.now + 3000000, a);
    EXPECT_LE(gt.now, b + 3000000);
}

TEST(pvclock_tsc_frequency)
{
    uint64_t khz = pvclock_tsc_khz(&shinfo_map()->vcpu_info[0].time);

    /* Between 100 MHz and 10 GHz. */
    EXPECT_GE(khz, 100000);
    EXPECT_LE(khz, 10000000);
}
