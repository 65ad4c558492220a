/*
 * Hypercall buffers reached through page tables where virtual differs from
 * physical.  The window [VMAP_BASE, +3 pages) maps page 0 and page 1 to
 * frames in reverse physical order, and leaves page 2 unmapped, so a
 * buffer across the 0/1 boundary is split over non-adjacent frames and one
 * across 1/2 runs into a hole.  The hypervisor must walk our tables like
 * Xen's copy_{to,from}_guest do (hvm_copy_*_guest_linear).
 */
#include "hc.h"

static uint8_t pool[4][4096] __aligned(4096) __attribute__((section(".bss.page")));
#define V0 (VMAP_BASE)
#define V1 (VMAP_BASE + PAGE_SIZE)
#define V2 (VMAP_BASE + 2 * PAGE_SIZE)

static void window_setup(void)
{
    memset(pool, 0, sizeof(pool));
    vmap_set(V0, (uintptr_t)pool[3]);
    vmap_set(V1, (uintptr_t)pool[1]);
    vmap_clear(V2);
}

static void check_extraversion(void)
{
    xen_extraversion_t want;
    char *buf = (char *)(V1 - 7);

    window_setup();
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, want), 0));
    memset(buf, 0x55, sizeof(xen_extraversion_t));
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, buf), 0));
    EXPECT_EQ(memcmp(buf, want, sizeof(want)), 0);
    /* And the bytes really landed in the two separate frames. */
    EXPECT_EQ(memcmp(pool[3] + PAGE_SIZE - 7, want, 7), 0);
    EXPECT_EQ(memcmp(pool[1], want + 7, sizeof(want) - 7), 0);
}

static void check_compile_info(void)
{
    static xen_compile_info_t want;
    xen_compile_info_t *ci = (xen_compile_info_t *)(V1 - 100);

    window_setup();
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_compile_info, &want), 0));
    REQUIRE(EXPECT_EQ(HYPERVISOR_xen_version(XENVER_compile_info, ci), 0));
    EXPECT_EQ(memcmp(ci, &want, sizeof(want)), 0);
}

static void check_input_buffer(void)
{
    static const char msg[] = "vmap: console text split over two frames\n";
    char *buf = (char *)(V1 - 10);
    xen_feature_info_t *fi = (xen_feature_info_t *)(V1 - 4);

    window_setup();
    memcpy(buf, msg, sizeof(msg));
    EXPECT_EQ(xen_console_write(buf, sizeof(msg) - 1), 0);
    /* An in/out struct straddling the boundary (submap_idx | submap). */
    fi->submap_idx = 0;
    fi->submap = 0;
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_get_features, fi), 0);
    EXPECT_TRUE(fi->submap & (1u << XENFEAT_hvm_callback_vector));
}

static void check_poll_ports(void)
{
    evtchn_port_t *ports = (evtchn_port_t *)(V1 - sizeof(evtchn_port_t));
    struct shared_info *s = shinfo_map();
    unsigned int port = poll_port();
    const unsigned int bits = sizeof(xen_ulong_t) * 8;
    struct sched_poll p = { .nr_ports = 2, .timeout = 0 };
    long rc;

    window_setup();
    ports[0] = port + 1;    /* last word of frame pool[3] */
    ports[1] = port;        /* first word of frame pool[1] */
    set_xen_guest_handle(p.ports, ports);
    /* Only the second port is pending: both words must be read. */
    s->evtchn_pending[port / bits] |= (xen_ulong_t)1 << (port % bits);
    rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
    s->evtchn_pending[port / bits] &= ~((xen_ulong_t)1 << (port % bits));
    EXPECT_EQ(rc, 0);
}

static void check_unmapped(void)
{
    window_setup();
    /* Entirely unmapped, and running off the end of a mapped page. */
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, (void *)(V2 + 64)),
              XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, (void *)(V2 - 4)),
              XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 16, (char *)(V2 - 8)),
              XERR(EFAULT));
}

static void check_no_ram(void)
{
    uint64_t end = memmap_ram_end();

    /* Mapped by our tables but no RAM (or anything) behind it. */
    if (end && end + (8ull << 20) < (1ull << 30)) {
        void *p = (void *)(uintptr_t)((1ull << 30) - PAGE_SIZE);
        EXPECT_EQ(memmap_type_of((uintptr_t)p), 0);
        EXPECT_EQ(HYPERVISOR_xen_version(XENVER_extraversion, p), XERR(EFAULT));
    }
}

#ifdef __x86_64__
#define VMAP_TEST(x) TEST(vmap_##x) { check_##x(); }
#else
/* 32-bit: the same checks under PAE and under 2-level paging.  A platform
 * that cannot page in 32-bit mode (KVM PVM raises #GP on CR0.PG) skips. */
static bool enter_mode(enum paging_mode m)
{
    enum paging_mode old = paging_mode();

    if (old == m)
        return true;
    if (paging_set_mode(m))
        return true;
    paging_set_mode(old);
    test_skip("32-bit %s paging unavailable (setting CR0.PG raised #GP)",
              m == PAGING_PAE ? "PAE" : "2-level");
    return false;
}

#define VMAP_TEST(x)                                                     \
    TEST(vmap_##x)                                                       \
    {                                                                    \
        if (enter_mode(PAGING_PAE))                                      \
            check_##x();                                                 \
    }                                                                    \
    TEST(vmap_2level_##x)                                                \
    {                                                                    \
        enum paging_mode old = paging_mode();                            \
        if (enter_mode(PAGING_2LEVEL)) {                                 \
            check_##x();                                                 \
            paging_set_mode(old);                                        \
        }                                                                \
    }
#endif

VMAP_TEST(extraversion)
VMAP_TEST(compile_info)
VMAP_TEST(input_buffer)
VMAP_TEST(poll_ports)
VMAP_TEST(unmapped)
VMAP_TEST(no_ram)
