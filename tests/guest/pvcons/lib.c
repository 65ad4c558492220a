/*
 * pvcons_lib64.elf: the PV console library (lib/pvcons.c) on the domain's
 * console ring.  With a backend (the VMM's), everything written must be
 * taken.  Without a consumer (no backend, or after the guest closed its
 * console port so the backend hears nothing) a full ring must not hang
 * the guest: one bounded wait, then drops.
 */
#include "lib.h"
#include "hypercall.h"
#include "test.h"
#include "shinfo.h"
#include "xen_guest.h"
#include "evtchn.h"
#include "pvcons.h"
#include <xen/io/console.h>

static char text[8192];

/* Readable filler: numbered lines. */
static void fill(size_t len)
{
    size_t n = 0;
    unsigned int i = 0;

    while (n < len) {
        char line[48];
        int l = snprintf(line, sizeof(line), "pvcons: filler line %04u\n", i++);
        size_t k = (size_t)l < len - n ? (size_t)l : len - n;

        memcpy(text + n, line, k);
        n += k;
    }
}

TEST(pvcons_ring_found)
{
    uint64_t pfn = 0, evtchn = 0;

    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn), 0));
    REQUIRE(EXPECT_EQ(hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &evtchn), 0));
    REQUIRE(EXPECT_NE(pfn, 0));
    REQUIRE(EXPECT_NE(evtchn, 0));
    EXPECT_TRUE(pvcons_init());
    EXPECT_EQ(pvcons_port, evtchn);
}

TEST(pvcons_input_empty)
{
    char c;

    REQUIRE(EXPECT_TRUE(pvcons_present()));
    EXPECT_EQ(pvcons_read(&c, 1), 0);
}

TEST(pvcons_backend_takes_all)
{
    REQUIRE(EXPECT_TRUE(pvcons_present()));
    if (!pvcons_connected()) {
        test_skip("no console backend bound the console port");
        return;
    }
    /* Four rings' worth: the writer waits for the backend each time. */
    fill(sizeof(text));
    EXPECT_EQ(pvcons_write(text, sizeof(text)), sizeof(text));
    EXPECT_EQ(pvcons_printf_crlf("pvcons: %u bytes written\n", (unsigned)sizeof(text)), 28);
    EXPECT_TRUE(pvcons_flush(5000000000ull));
    EXPECT_EQ(pvcons_dropped(), 0);
}

TEST(pvcons_no_consumer_bounded)
{
    uint64_t t0, t1;
    int n;

    REQUIRE(EXPECT_TRUE(pvcons_present()));
    /* A backend that hears nothing takes nothing: closing our end leaves
     * the ring to fill as if no backend were there. */
    if (pvcons_connected())
        REQUIRE(EXPECT_EQ(ev_close(pvcons_port), 0));
    REQUIRE(EXPECT_TRUE(!pvcons_connected()));
    REQUIRE(EXPECT_EQ(pvcons->out_prod - pvcons->out_cons, 0));
    fill(3000);
    /* The ring takes 2048 bytes; the rest waits PVCONS_STALL_NS for a
     * consumer that never comes, then is dropped. */
    t0 = xen_system_time();
    n = pvcons_write(text, 3000);
    t1 = xen_system_time();
    EXPECT_EQ(n, sizeof(pvcons->out));
    EXPECT_GE(t1 - t0, (long long)PVCONS_STALL_NS);
    EXPECT_LE(t1 - t0, (long long)(3 * PVCONS_STALL_NS));
    EXPECT_EQ(pvcons_dropped(), 3000 - n);
    /* Known stalled now: later output is dropped at once. */
    t0 = xen_system_time();
    EXPECT_EQ(pvcons_puts_crlf("more\n"), 0);
    t1 = xen_system_time();
    EXPECT_LE(t1 - t0, 100000000ll);
    EXPECT_TRUE(!pvcons_flush(50000000ull));
}

void guest_main(void)
{
    shinfo_map();
    run_tests();
}
