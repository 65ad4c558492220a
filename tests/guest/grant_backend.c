/*
 * grant_backend{32,64}.elf (run with --test-grant-backend): the guest
 * grants a page to domain 0, has the VMM's test backend thread (acting as
 * domain 0) take and copy it
 * through gnttab/ in a loop, and ends access the way Linux does (v1: the
 * cmpxchg loop of gnttab_end_foreign_access_ref_v1; v2: clear the flags,
 * barrier, look at the status).  Once an end succeeds the guest marks the
 * page freed; the backend counts every time it sees that mark while it
 * holds the grant, which the GTF_ protocol must make impossible.
 * tests/guests.list also boots it with --max-grant-frames 8.
 */
#include "lib.h"
#include "x86.h"
#include "test.h"
#include "hypercall.h"
#include "xen_guest.h"

#define PORT 0x5e0          /* hvm/grant_testdev.h */
#define PORT_VIOL 0x5e4
#define CMD_START 0x10000000u
#define CMD_STOP 0x20000000u
#define FREED 0xdeadbeefu
#define REF 9
#define ROUNDS 40
#define WAIT_POLLS 200000

static uint8_t pages[3][4096] __aligned(4096) __attribute__((section(".bss.page")));
#define PG_SHARED 0
#define PG_STATUS 1
#define PG_DATA 2

static long map_frame(xen_ulong_t idx, void *where)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table, .idx = idx,
        .gpfn = (uintptr_t)where >> PAGE_SHIFT };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static void set_marker(uint32_t v)
{
    __atomic_store_n((uint32_t *)pages[PG_DATA], v, __ATOMIC_SEQ_CST);
}

static void grant(unsigned version, bool ro)
{
    uint16_t flags = GTF_permit_access | (ro ? GTF_readonly : 0);
    uint32_t pfn = (uintptr_t)pages[PG_DATA] >> PAGE_SHIFT;

    if (version == 1) {
        grant_entry_v1_t *e = (grant_entry_v1_t *)pages[PG_SHARED] + REF;
        e->domid = 0;
        e->frame = pfn;
        __atomic_store_n(&e->flags, flags, __ATOMIC_SEQ_CST);
    } else {
        grant_entry_v2_t *e = (grant_entry_v2_t *)pages[PG_SHARED] + REF;
        e->hdr.domid = 0;
        e->full_page.frame = pfn;
        __atomic_store_n(&e->hdr.flags, flags, __ATOMIC_SEQ_CST);
    }
}

/* 1 when access ended, 0 while the backend holds the grant. */
static int end_access(unsigned version)
{
    if (version == 1) {
        grant_entry_v1_t *e = (grant_entry_v1_t *)pages[PG_SHARED] + REF;
        uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_SEQ_CST);

        do {
            if (f & (GTF_reading | GTF_writing))
                return 0;
        } while (!__atomic_compare_exchange_n(&e->flags, &f, 0, false,
                                              __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
        return 1;
    }
    grant_entry_v2_t *e = (grant_entry_v2_t *)pages[PG_SHARED] + REF;
    grant_status_t *st = (grant_status_t *)pages[PG_STATUS] + REF;

    __atomic_store_n(&e->hdr.flags, 0, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(st, __ATOMIC_SEQ_CST) & (GTF_reading | GTF_writing));
}

/* Wait until the backend took the grant at least once more. */
static bool wait_take(uint32_t since)
{
    for (unsigned i = 0; i < WAIT_POLLS; i++)
        if (inl(PORT) != since)
            return true;
    return false;
}

static void race(unsigned version)
{
    unsigned busy = 0, waited = 0;

    REQUIRE(EXPECT_NE(inl(PORT), 0xffffffffu));    /* the device is there */
    set_marker(FREED);
    outl(PORT, CMD_START | REF);
    for (unsigned r = 0; r < ROUNDS; r++) {
        set_marker(0x600d0000u | r);
        grant(version, r % 4 == 3);
        waited += wait_take(inl(PORT));
        while (!end_access(version))
            busy++;
        set_marker(FREED);
        /* Let the backend try a revoked grant for a while too. */
        for (unsigned i = 0; i < 20; i++)
            (void)inl(PORT);
    }
    outl(PORT, CMD_STOP);
    printf("grant_backend: v%u: %u takes, %u ends found busy\n", version,
           inl(PORT), busy);
    EXPECT_EQ(inl(PORT_VIOL), 0);
    /* Every round overlapped with the backend taking the grant. */
    EXPECT_EQ(waited, ROUNDS);
}

TEST(grant_max_frames_option)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_setup_table st;

    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0));
    EXPECT_EQ(q.max_nr_frames, 8);
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.nr_frames = 9;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    EXPECT_EQ(st.status, GNTST_general_error);
    EXPECT_EQ(map_frame(8, pages[PG_STATUS]), XERR(EINVAL));
}

TEST(grant_backend_race_v1)
{
    REQUIRE(EXPECT_EQ(map_frame(0, pages[PG_SHARED]), 0));
    race(1);
}

TEST(grant_backend_race_v2)
{
    gnttab_set_version_t sv = { .version = 2 };

    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0));
    REQUIRE(EXPECT_EQ(map_frame(XENMAPIDX_grant_table_status, pages[PG_STATUS]), 0));
    race(2);
}

void guest_main(void)
{
    run_tests();
}
