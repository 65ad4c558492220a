/*
 * pvcons_wild64.elf: a guest that corrupts its console ring's indices, to
 * show that the backend (the VMM) stays inside the page, leaves a corrupt
 * ring alone as xenconsoled does, says so once, loses no input, and
 * carries on once the guest repairs them.  With a host client on the
 * console socket (tests/cli/console.sh):
 *  1. writes "wild: start";
 *  2. puts in_cons 4096 behind in_prod (more apart than the 1 KiB ring)
 *     and writes "wild: input broken"; the host sends "after"; for 1 s
 *     the guest notifies now and then: in_prod and `in` must not change;
 *  3. puts out_prod 64 KiB ahead of out_cons, then one behind it, and
 *     notifies: out_cons must not move; repairs out_prod;
 *  4. repairs in_cons and notifies: the input sent while the ring was
 *     broken arrives; writes "wild: got <line>" and "wild: done".
 * The rest of the page (past the structure) must stay untouched.  Cases
 * report on port 0xe9; poweroff if all passed, else crash.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "shinfo.h"
#include "test.h"
#include "pvcons.h"

#define MS 1000000ull
#define CANARY 0xa5

static uint8_t in_copy[sizeof(((struct xencons_interface *)0)->in)];

static bool canary_intact(void)
{
    const uint8_t *p = (const uint8_t *)pvcons;

    for (unsigned int i = sizeof(*pvcons); i < PAGE_SIZE; i++)
        if (p[i] != CANARY)
            return false;
    return true;
}

/* Notify a few times over MS_TOTAL milliseconds. */
static void nudge(unsigned int ms_total)
{
    uint64_t end = xen_system_time() + ms_total * MS;

    while (xen_system_time() < end) {
        pvcons_notify();
        pvcons_clear();
        pvcons_wait(100 * MS);
    }
}

TEST(wild_ring_found)
{
    REQUIRE(EXPECT_TRUE(pvcons_init()));
    memset((uint8_t *)pvcons + sizeof(*pvcons), CANARY, PAGE_SIZE - sizeof(*pvcons));
    EXPECT_TRUE(pvcons_printf("wild: start\n") > 0);
}

TEST(wild_input_indices_ignored)
{
    XENCONS_RING_IDX prod = pvcons->in_prod, cons = pvcons->in_cons;

    REQUIRE(EXPECT_EQ(prod, cons));
    pvcons->in_cons = prod - 4096;
    memcpy(in_copy, pvcons->in, sizeof(in_copy));
    EXPECT_TRUE(pvcons_printf("wild: input broken\n") > 0);
    nudge(1000);        /* the host sends its line meanwhile */
    EXPECT_EQ(pvcons->in_prod, prod);
    EXPECT_EQ(memcmp(in_copy, pvcons->in, sizeof(in_copy)), 0);
    EXPECT_TRUE(canary_intact());
}

TEST(wild_output_indices_ignored)
{
    XENCONS_RING_IDX cons = pvcons->out_cons, prod = pvcons->out_prod;

    REQUIRE(EXPECT_EQ(prod, cons));
    pvcons->out_prod = cons + 0x10000;
    nudge(300);
    EXPECT_EQ(pvcons->out_cons, cons);
    pvcons->out_prod = cons - 1;
    nudge(300);
    EXPECT_EQ(pvcons->out_cons, cons);
    pvcons->out_prod = cons;
    EXPECT_TRUE(canary_intact());
    EXPECT_TRUE(pvcons_printf("wild: output repaired\n") > 0);
}

TEST(wild_input_kept_until_repaired)
{
    char line[64];

    pvcons->in_cons = pvcons->in_prod;
    pvcons_notify();
    REQUIRE(EXPECT_TRUE(pvcons_read_line(line, sizeof(line), 10000 * MS)));
    EXPECT_EQ(strcmp(line, "after"), 0);
    EXPECT_TRUE(pvcons_printf("wild: got %s\n", line) > 0);
    EXPECT_TRUE(canary_intact());
    EXPECT_TRUE(pvcons_printf("wild: done\n") > 0);
}

void guest_main(void)
{
    shinfo_map();
    printf("pvcons_wild64: domid %u\n", xen.domid);
    run_tests();
}
