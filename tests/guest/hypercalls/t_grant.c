/*
 * grant_table_op: xen/common/grant_table.c (do_grant_table_op and the
 * gnttab_* it calls), xen/arch/x86/hvm/hypercall.c hvm_grant_table_op,
 * gnttab_map_frame for XENMAPSPACE_grant_table.  The guest grants pages
 * to itself, so GNTTABOP_copy and map_grant_ref exercise the VMM's real
 * take/release path (gnttab/) from inside the guest.
 */
#include "hc.h"

static uint8_t pages[8][4096] __aligned(4096) __attribute__((section(".bss.page")));
#define PG_SHARED   0   /* shared frame 0 mapped here */
#define PG_STATUS   1   /* status frame 0 (v2) */
#define PG_SRC      2
#define PG_DST      3
#define PG_MAP      4   /* map_grant_ref target: a hole after unmap */
#define PG_SHARED1  5   /* shared frame 1 */
#define PG_STATUS1  6   /* status frame 1 (v2) */

static grant_entry_v1_t *gt1 = (void *)pages[PG_SHARED];
static grant_entry_v2_t *gt2 = (void *)pages[PG_SHARED];
static grant_status_t *gst = (void *)pages[PG_STATUS];

static xen_pfn_t pfn_of(const void *p)
{
    return (uintptr_t)p >> PAGE_SHIFT;
}

static domid_t self(void)
{
    return (domid_t)xen.domid;
}

static long map_frame(xen_ulong_t idx, void *where)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table, .idx = idx, .gpfn = pfn_of(where) };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static int16_t copy1(uint16_t flags, uint32_t src, domid_t sdom, uint16_t soff,
                     uint32_t dst, domid_t ddom, uint16_t doff, uint16_t len)
{
    struct gnttab_copy op;

    memset(&op, 0, sizeof(op));
    op.flags = flags;
    if (flags & GNTCOPY_source_gref) op.source.u.ref = src; else op.source.u.gmfn = src;
    if (flags & GNTCOPY_dest_gref) op.dest.u.ref = dst; else op.dest.u.gmfn = dst;
    op.source.domid = sdom;
    op.source.offset = soff;
    op.dest.domid = ddom;
    op.dest.offset = doff;
    op.len = len;
    op.status = 99;
    if (HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1))
        return 99;
    return op.status;
}

static void grant_v1(grant_ref_t ref, void *page, uint16_t flags)
{
    gt1[ref].domid = self();
    gt1[ref].frame = (uint32_t)pfn_of(page);
    __atomic_store_n(&gt1[ref].flags, GTF_permit_access | flags, __ATOMIC_RELEASE);
}

TEST(grant_query_and_version)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_get_version v = { .dom = DOMID_SELF };

    REQUIRE(EXPECT_TRUE(xen.has_domid));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_okay);
    EXPECT_EQ(q.nr_frames, 1);
    EXPECT_EQ(q.max_nr_frames, 64);
    q.dom = NO_SUCH_DOMID;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_bad_domain);
    q.dom = 0;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
    EXPECT_EQ(q.status, GNTST_permission_denied);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 2), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, BAD_PTR, 1), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &v, 1), 0);
    EXPECT_EQ(v.version, 1);
    v.dom = NO_SUCH_DOMID;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &v, 1), XERR(ESRCH));
    v.dom = 0;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &v, 1), XERR(EPERM));
}

TEST(grant_hvm_refuses)
{
    struct gnttab_get_status_frames g;

    memset(&g, 0, sizeof(g));
    /* HVM guests map status frames instead; transfer needs PV. */
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &g, 1), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_transfer, &g, 1), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_cache_flush, &g, 1), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size | (1u << 12), &g, 1),
              XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, &g, 0x80000000u), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_grant_table_op(99, &g, 1), XERR(ENOSYS));
}

TEST(grant_map_frames)
{
    struct gnttab_setup_table st;
    xen_pfn_t list[3] = { 1, 1, 1 };

    /* Past the maximum, and a status frame of a v1 table. */
    EXPECT_EQ(map_frame(64, pages[PG_SHARED]), XERR(EINVAL));
    EXPECT_EQ(map_frame(XENMAPIDX_grant_table_status, pages[PG_STATUS]), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(map_frame(0, pages[PG_SHARED]), 0));
    /* Frame 1 is grown into being by mapping it. */
    REQUIRE(EXPECT_EQ(map_frame(1, pages[PG_SHARED1]), 0));
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.nr_frames = 3;
    set_xen_guest_handle(st.frame_list, list);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    EXPECT_EQ(st.status, GNTST_okay);
    EXPECT_EQ(list[0], pfn_of(pages[PG_SHARED]));
    EXPECT_EQ(list[1], pfn_of(pages[PG_SHARED1]));
    EXPECT_EQ(list[2], (xen_pfn_t)~0ul);       /* never mapped */
    st.nr_frames = 65;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    EXPECT_EQ(st.status, GNTST_general_error);
    st.nr_frames = 1;
    set_xen_guest_handle(st.frame_list, BAD_PTR);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    EXPECT_EQ(st.status, GNTST_bad_virt_addr);
    st.dom = NO_SUCH_DOMID;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    EXPECT_EQ(st.status, GNTST_bad_domain);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 2), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, BAD_PTR, 1), XERR(EFAULT));
    /* The frame is the VMM's: what the guest writes there stays. */
    gt1[9].frame = 0x1234;
    EXPECT_EQ(READ_ONCE(gt1[9].frame), 0x1234);
    gt1[9].frame = 0;
}

TEST(grant_copy_v1)
{
    struct gnttab_copy ops[3];

    memset(pages[PG_SRC], 0x3c, 4096);
    memset(pages[PG_DST], 0, 4096);
    grant_v1(10, pages[PG_SRC], GTF_readonly);
    /* gref -> own frame. */
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 10, DOMID_SELF, 16, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 32, 64), GNTST_okay);
    EXPECT_EQ(pages[PG_DST][32], 0x3c);
    EXPECT_EQ(pages[PG_DST][95], 0x3c);
    EXPECT_EQ(pages[PG_DST][96], 0);
    EXPECT_EQ(gt1[10].flags, GTF_permit_access | GTF_readonly);   /* released */
    /* A read-only grant is not written. */
    EXPECT_EQ(copy1(GNTCOPY_dest_gref, pfn_of(pages[PG_DST]), DOMID_SELF, 0, 10,
                    self(), 0, 8), GNTST_general_error);
    EXPECT_EQ(gt1[10].flags, GTF_permit_access | GTF_readonly);
    /* Bad refs, frames, ranges and domains. */
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 512 * 3, self(), 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_bad_gntref);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 11, self(), 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_general_error);   /* not granted */
    EXPECT_EQ(copy1(0, 0xfeff0, DOMID_SELF, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_bad_page);        /* not RAM */
    /* Granted frames that are not guest RAM: a hole, the grant frame. */
    grant_v1(15, (void *)(0xfeff0ul << PAGE_SHIFT), 0);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 15, DOMID_SELF, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_bad_page);
    EXPECT_EQ(gt1[15].flags, GTF_permit_access);    /* left as it was */
    grant_v1(15, pages[PG_SHARED], 0);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 15, DOMID_SELF, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_bad_page);
    gt1[15].flags = 0;
    /* Granted to another domain: not ours to copy. */
    grant_v1(16, pages[PG_SRC], 0);
    gt1[16].domid = 0;
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 16, DOMID_SELF, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_general_error);
    gt1[16].flags = 0;
    /* Domain 0's grefs: the host keeps no table for guests. */
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 10, 0, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_general_error);
    EXPECT_EQ(copy1(0, pfn_of(pages[PG_SRC]), self(), 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_permission_denied);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 10, NO_SUCH_DOMID, 0, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 8), GNTST_bad_domain);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 10, self(), 4000, pfn_of(pages[PG_DST]),
                    DOMID_SELF, 0, 97), GNTST_bad_copy_arg);
    /* A batch: each op has its own status. */
    grant_v1(12, pages[PG_DST], 0);
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 3; i++) {
        ops[i].flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
        ops[i].source.u.ref = 10;
        ops[i].source.domid = DOMID_SELF;
        ops[i].dest.u.ref = 12;
        ops[i].dest.domid = DOMID_SELF;
        ops[i].dest.offset = 1000 + i;
        ops[i].len = 1;
        ops[i].status = 99;
    }
    ops[1].dest.u.ref = 10;                         /* read-only */
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, 3), 0);
    EXPECT_EQ(ops[0].status, GNTST_okay);
    EXPECT_EQ(ops[1].status, GNTST_general_error);
    EXPECT_EQ(ops[2].status, GNTST_okay);
    EXPECT_EQ(pages[PG_DST][1000], 0x3c);
    EXPECT_EQ(pages[PG_DST][1001], 0);
    EXPECT_EQ(pages[PG_DST][1002], 0x3c);
    EXPECT_EQ(gt1[12].flags, GTF_permit_access);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, BAD_PTR, 1), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, 0), 0);
}

TEST(grant_swap)
{
    struct gnttab_swap_grant_ref s = { .ref_a = 10, .ref_b = 12, .status = 99 };

    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_swap_grant_ref, &s, 1), 0);
    EXPECT_EQ(s.status, GNTST_okay);
    EXPECT_EQ(gt1[10].flags, GTF_permit_access);
    EXPECT_EQ(gt1[12].flags, GTF_permit_access | GTF_readonly);
    s.ref_b = 1536;                 /* setup_table grew it to 3 frames */
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_swap_grant_ref, &s, 1), 0);
    EXPECT_EQ(s.status, GNTST_bad_gntref);
}

TEST(grant_map_ref)
{
    struct gnttab_map_grant_ref m;
    struct gnttab_unmap_grant_ref u;
    volatile uint8_t *alias = pages[PG_MAP];

    memset(pages[PG_SRC], 0x77, 4096);
    grant_v1(14, pages[PG_SRC], 0);
    memset(&m, 0, sizeof(m));
    m.host_addr = (uintptr_t)pages[PG_MAP];
    m.flags = GNTMAP_host_map;
    m.ref = 14;
    m.dom = self();
    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0));
    REQUIRE(EXPECT_EQ(m.status, GNTST_okay));
    EXPECT_EQ(m.dev_bus_addr, (uintptr_t)pages[PG_SRC]);
    /* The granted page shows at host_addr, writable. */
    EXPECT_EQ(alias[5], 0x77);
    alias[6] = 0x11;
    EXPECT_EQ(READ_ONCE(pages[PG_SRC][6]), 0x11);   /* the same page */
    /* Mapped: the entry is busy, as end_foreign_access would find it. */
    EXPECT_EQ(gt1[14].flags, GTF_permit_access | GTF_reading | GTF_writing);
    /* Bad handles, and an unmap at the wrong address. */
    memset(&u, 0, sizeof(u));
    u.handle = 5000;
    u.host_addr = m.host_addr;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    EXPECT_EQ(u.status, GNTST_bad_handle);
    u.handle = m.handle;
    u.host_addr = (uintptr_t)pages[PG_DST];
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    EXPECT_EQ(u.status, GNTST_general_error);
    u.host_addr = m.host_addr;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    EXPECT_EQ(u.status, GNTST_okay);
    EXPECT_EQ(gt1[14].flags, GTF_permit_access);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    EXPECT_EQ(u.status, GNTST_bad_handle);          /* already gone */
}

TEST(grant_map_errors)
{
    struct gnttab_map_grant_ref m;

    memset(&m, 0, sizeof(m));
    m.host_addr = (uintptr_t)pages[PG_DST];
    m.ref = 14;
    m.dom = self();
    m.flags = 0;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_bad_gntref);
    m.flags = GNTMAP_host_map | GNTMAP_device_map;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_general_error);
    m.flags = GNTMAP_host_map;
    m.dom = DOMID_SELF;                 /* map_grant_ref wants a real id */
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_bad_domain);
    m.dom = self();
    m.ref = 1536;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_bad_gntref);
    m.ref = 12;                         /* read-only grant, mapped writable */
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_general_error);
    EXPECT_EQ(gt1[12].flags, GTF_permit_access | GTF_readonly);
    /* Over the shared grant frame itself: an overlay keeps its place. */
    m.ref = 14;
    m.host_addr = (uintptr_t)pages[PG_SHARED];
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    EXPECT_EQ(m.status, GNTST_general_error);
    EXPECT_EQ(gt1[14].flags, GTF_permit_access);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, BAD_PTR, 1), XERR(EFAULT));
}

TEST(grant_v2_sub_page)
{
    gnttab_set_version_t sv = { .version = 2 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };

    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0));
    EXPECT_EQ(sv.version, 2);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
    EXPECT_EQ(gv.version, 2);
    sv.version = 3;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), XERR(EINVAL));
    EXPECT_EQ(sv.version, 2);                       /* reports the current one */
    /* The switch cleared the entries. */
    EXPECT_EQ(gt2[10].hdr.flags, 0);
    REQUIRE(EXPECT_EQ(map_frame(XENMAPIDX_grant_table_status, pages[PG_STATUS]), 0));
    /* Status frame 1 exists once the table has 16 frames: mapping it
     * grows the table (gnttab_get_status_frame_mfn). */
    EXPECT_EQ(map_frame(XENMAPIDX_grant_table_status | 1, pages[PG_STATUS1]), 0);
    {
        struct gnttab_query_size q = { .dom = DOMID_SELF };
        EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
        EXPECT_EQ(q.nr_frames, 16);
    }
    /* Status frame 8 would need 72 shared frames: past the maximum. */
    EXPECT_EQ(map_frame(XENMAPIDX_grant_table_status | 8, pages[PG_DST]), XERR(EINVAL));
    memset(pages[PG_SRC], 0x21, 4096);
    gt2[20].hdr.domid = self();
    gt2[20].sub_page.frame = pfn_of(pages[PG_SRC]);
    gt2[20].sub_page.page_off = 100;
    gt2[20].sub_page.length = 50;
    __atomic_store_n(&gt2[20].hdr.flags, GTF_permit_access | GTF_sub_page, __ATOMIC_RELEASE);
    {
        static uint8_t dst[4096] __aligned(4096);
        dst[0] = 0;
        EXPECT_EQ(copy1(GNTCOPY_source_gref, 20, DOMID_SELF, 100, pfn_of(dst),
                        DOMID_SELF, 0, 50), GNTST_okay);
        EXPECT_EQ(dst[0], 0x21);
        EXPECT_EQ(dst[49], 0x21);
        /* Outside the granted bytes. */
        EXPECT_EQ(copy1(GNTCOPY_source_gref, 20, DOMID_SELF, 99, pfn_of(dst),
                        DOMID_SELF, 0, 2), GNTST_general_error);
        EXPECT_EQ(copy1(GNTCOPY_source_gref, 20, DOMID_SELF, 140, pfn_of(dst),
                        DOMID_SELF, 0, 11), GNTST_general_error);
    }
    EXPECT_EQ(gst[20], 0);
    /* A sub-page grant cannot be mapped. */
    {
        struct gnttab_map_grant_ref m;

        memset(&m, 0, sizeof(m));
        m.host_addr = (uintptr_t)pages[PG_MAP];
        m.flags = GNTMAP_host_map | GNTMAP_readonly;
        m.ref = 20;
        m.dom = self();
        EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
        EXPECT_EQ(m.status, GNTST_general_error);
        EXPECT_EQ(gst[20], 0);
    }
    /* Transitive grants are refused. */
    gt2[21].transitive.trans_domid = 0;
    gt2[21].transitive.gref = 3;
    gt2[21].hdr.domid = self();
    __atomic_store_n(&gt2[21].hdr.flags, GTF_transitive, __ATOMIC_RELEASE);
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 21, DOMID_SELF, 0, pfn_of(pages[PG_SRC]),
                    DOMID_SELF, 0, 8), GNTST_general_error);
    /* Refs past 16 v2 frames (4096 entries). */
    EXPECT_EQ(copy1(GNTCOPY_source_gref, 4096, DOMID_SELF, 0, pfn_of(pages[PG_SRC]),
                    DOMID_SELF, 0, 8), GNTST_bad_gntref);
}

TEST(grant_v2_busy_switch)
{
    gnttab_set_version_t sv = { .version = 1 };
    struct gnttab_map_grant_ref m;
    struct gnttab_unmap_grant_ref u;

    struct gnttab_get_version gv = { .dom = DOMID_SELF };

    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0));
    REQUIRE(EXPECT_EQ(gv.version, 2));
    gt2[22].hdr.domid = self();
    gt2[22].full_page.frame = pfn_of(pages[PG_SRC]);
    __atomic_store_n(&gt2[22].hdr.flags, GTF_permit_access | GTF_readonly, __ATOMIC_RELEASE);
    memset(&m, 0, sizeof(m));
    m.host_addr = (uintptr_t)pages[PG_MAP];
    m.flags = GNTMAP_host_map | GNTMAP_readonly;
    m.ref = 22;
    m.dom = self();
    REQUIRE(EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0));
    REQUIRE(EXPECT_EQ(m.status, GNTST_okay));
    EXPECT_EQ(gst[22], GTF_reading);
    /* Ending access now (v2: clear flags, then look at the status) finds
     * the grant busy; switching versions is refused. */
    gt2[22].hdr.flags = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    EXPECT_EQ(READ_ONCE(gst[22]) & (GTF_reading | GTF_writing), GTF_reading);
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), XERR(EBUSY));
    EXPECT_EQ(sv.version, 2);
    memset(&u, 0, sizeof(u));
    u.handle = m.handle;
    u.host_addr = m.host_addr;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    EXPECT_EQ(u.status, GNTST_okay);
    EXPECT_EQ(READ_ONCE(gst[22]), 0);
    sv.version = 1;
    EXPECT_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    EXPECT_EQ(sv.version, 1);
    /* Back to v1: entries cleared; the status frames left the physmap
     * (PG_STATUS is a hole now and is not touched again). */
    EXPECT_EQ(READ_ONCE(gt1[14].flags), 0);
}
