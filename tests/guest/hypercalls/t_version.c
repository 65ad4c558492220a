/* XENVER_*: xen/common/kernel.c do_xen_version, XSM dummy policy. */
#include "hc.h"

static bool terminated(const char *s, size_t n)
{
    return strnlen(s, n) < n;
}

TEST(xen_version)
{
    long v = HYPERVISOR_xen_version(XENVER_version, NULL);

    EXPECT_NE(v >> 16, 0);
    /* The same number CPUID leaf base+1 reports. */
    EXPECT_EQ(v, xen.version);
}

TEST(xen_version_extraversion)
{
    xen_extraversion_t ev;

    memset(ev, 0xff, sizeof(ev));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, ev), 0);
    EXPECT_TRUE(terminated(ev, sizeof(ev)));
}

TEST(xen_version_compile_info)
{
    static xen_compile_info_t ci;

    memset(&ci, 0xff, sizeof(ci));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0);
    EXPECT_TRUE(terminated(ci.compiler, sizeof(ci.compiler)));
    EXPECT_TRUE(terminated(ci.compile_by, sizeof(ci.compile_by)));
    EXPECT_TRUE(terminated(ci.compile_domain, sizeof(ci.compile_domain)));
    EXPECT_TRUE(terminated(ci.compile_date, sizeof(ci.compile_date)));
}

TEST(xen_version_capabilities)
{
    static xen_capabilities_info_t caps;

    memset(caps, 0xff, sizeof(caps));
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_capabilities, caps), 0));
    REQUIRE(EXPECT_TRUE(terminated(caps, sizeof(caps))));
    /* arch_get_xen_caps() lists every HVM flavour when HVM is enabled. */
    EXPECT_TRUE(strstr(caps, "hvm-3.0-x86_64") != NULL);
    EXPECT_TRUE(strstr(caps, "hvm-3.0-x86_32") != NULL);
}

TEST(xen_version_changeset)
{
    xen_changeset_info_t cs;

    memset(cs, 0xff, sizeof(cs));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_changeset, cs), 0);
    EXPECT_TRUE(terminated(cs, sizeof(cs)));
}

TEST(xen_version_platform_parameters)
{
    xen_platform_parameters_t pp;

    memset(&pp, 0xa5, sizeof(pp));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_platform_parameters, &pp), 0);
#ifdef __x86_64__
    /* HYPERVISOR_VIRT_START = PML4_ADDR(256). */
    EXPECT_EQ(pp.virt_start, 0xffff800000000000ull);
#else
    /* compat: HYPERVISOR_COMPAT_VIRT_START(d): ~0u for HVM domains when
     * Xen has CONFIG_PV32 (xen/arch/x86/domain.c arch_domain_create), the
     * constant 0 without it (asm/config.h). */
    if (pp.virt_start != 0)
        EXPECT_EQ(pp.virt_start, 0xffffffffu);
#endif
}

TEST(xen_version_get_features)
{
    xen_feature_info_t fi = { .submap_idx = 0 };
    uint32_t m;

    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, &fi), 0));
    m = fi.submap;
    EXPECT_TRUE(m & (1u << XENFEAT_hvm_callback_vector));
    EXPECT_TRUE(m & (1u << XENFEAT_hvm_safe_pvclock));
    EXPECT_TRUE(m & (1u << XENFEAT_auto_translated_physmap));
    EXPECT_TRUE(!(m & (1u << XENFEAT_dom0)));
}

TEST(xen_version_get_features_bad_submap)
{
    /* Xen 4.17 rejects submap_idx >= XENFEAT_NR_SUBMAPS with -EINVAL. */
    xen_feature_info_t fi = { .submap_idx = XENFEAT_NR_SUBMAPS };

    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, &fi), XERR(EINVAL));
}

TEST(xen_version_pagesize)
{
    char dummy[8];

    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096);
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_pagesize, dummy), XERR(EINVAL));
}

TEST(xen_version_guest_handle)
{
    xen_domain_handle_t h;

    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_guest_handle, h), 0);
}

TEST(xen_version_commandline)
{
    static xen_commandline_t cl;

    memset(cl, 0xff, sizeof(cl));
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_commandline, cl), 0));
    REQUIRE(EXPECT_TRUE(terminated(cl, sizeof(cl))));
    /* Not a privileged domain: XSM denies it and Xen copies xen_deny(). */
    if (xen.domid != 0)
        EXPECT_STREQ(cl, "<denied>");
}

TEST(xen_version_build_id)
{
    static uint8_t buf[sizeof(xen_build_id_t) + 64];
    xen_build_id_t *b = (xen_build_id_t *)buf;

    /* Denied to unprivileged domains before any copy. */
    b->len = 64;
    if (xen.domid != 0) {
        EXPECT_EQ(HYPERVISOR_xen_version(XENVER_build_id, b), XERR(EPERM));
        EXPECT_EQ(HYPERVISOR_xen_version(XENVER_build_id, NULL), XERR(EPERM));
    }
}

TEST(xen_version_unknown)
{
    EXPECT_EQ(HYPERVISOR_xen_version(0x7fff, NULL), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_xen_version(11, NULL), XERR(ENOSYS));
}

TEST(xen_version_efault)
{
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_compile_info, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_capabilities, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_changeset, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_platform_parameters, BAD_PTR),
              XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_guest_handle, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_commandline, BAD_PTR), XERR(EFAULT));
}
