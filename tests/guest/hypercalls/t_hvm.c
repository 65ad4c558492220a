/* hvm_op: xen/arch/x86/hvm/hvm.c do_hvm_op, hvmop_{get,set}_param. */
#include "hc.h"

static long param_op(unsigned int op, domid_t domid, uint32_t index,
                     uint64_t *value)
{
    struct xen_hvm_param p = { .domid = domid, .index = index,
                               .value = value ? *value : 0 };
    long rc = HYPERVISOR_hvm_op(op, &p);

    if (value && rc == 0)
        *value = p.value;
    return rc;
}

static void check_special_page(unsigned int pfn_param, unsigned int ev_param)
{
    uint64_t pfn = 0, ev = 0;

    EXPECT_EQ(hvm_get_param(pfn_param, &pfn), 0);
    EXPECT_EQ(hvm_get_param(ev_param, &ev), 0);
    EXPECT_NE(pfn, 0);
    EXPECT_NE(ev, 0);
    /* The toolstack puts these pages in a range the memmap reserves. */
    EXPECT_EQ(memmap_type_of(pfn << PAGE_SHIFT), XEN_HVM_MEMMAP_TYPE_RESERVED);
}

TEST(hvm_param_store)
{
    uint64_t pfn = 1;

    /* This guest runs without xenstored: nothing serves a ring, so the
     * VMM says there is none (0), and Linux's xenbus does not wait on it.
     * tests/cli/xenstore_guest.sh checks the page with xenstored. */
    EXPECT_EQ(hvm_get_param(HVM_PARAM_STORE_PFN, &pfn), 0);
    EXPECT_EQ(pfn, 0);
}

TEST(hvm_param_console)
{
    check_special_page(HVM_PARAM_CONSOLE_PFN, HVM_PARAM_CONSOLE_EVTCHN);
}

TEST(hvm_param_callback_irq_roundtrip)
{
    uint64_t want = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) |
                    UPCALL_VECTOR, got = 0;

    /* upcall_init() installs the handler first, then sets the param. */
    EXPECT_EQ(upcall_init(), 0);
    EXPECT_EQ(hvm_get_param(HVM_PARAM_CALLBACK_IRQ, &got), 0);
    EXPECT_EQ(got, want);
}

TEST(hvm_param_out_of_range)
{
    uint64_t v = 0;

    EXPECT_EQ(param_op(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &v),
              XERR(EINVAL));
    EXPECT_EQ(param_op(HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, &v),
              XERR(EINVAL));
    EXPECT_EQ(param_op(HVMOP_get_param, DOMID_SELF, 0xffffffffu, &v),
              XERR(EINVAL));
}

TEST(hvm_param_guest_access)
{
    uint64_t v = 0;

    /* hvm_allow_get_param: IDENT_PT and IOREQ_PFN are not guest-readable;
     * hvm_allow_set_param: STORE_PFN is not guest-writable. */
    EXPECT_EQ(param_op(HVMOP_get_param, DOMID_SELF, HVM_PARAM_IDENT_PT, &v),
              XERR(EPERM));
    EXPECT_EQ(param_op(HVMOP_get_param, DOMID_SELF, HVM_PARAM_IOREQ_PFN, &v),
              XERR(EPERM));
    v = 0x1234;
    EXPECT_EQ(param_op(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v),
              XERR(EPERM));
}

TEST(hvm_param_bad_domid)
{
    uint64_t v = 0;

    EXPECT_EQ(param_op(HVMOP_get_param, NO_SUCH_DOMID, HVM_PARAM_STORE_PFN, &v),
              XERR(ESRCH));
    if (xen.has_domid)
        EXPECT_EQ(param_op(HVMOP_get_param, xen.domid, HVM_PARAM_STORE_PFN, &v),
                  0);
}

TEST(hvm_param_efault)
{
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_get_param, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_set_param, BAD_PTR), XERR(EFAULT));
}

TEST(hvm_get_time)
{
    xen_hvm_get_time_t t1 = { 0 }, t2 = { 0 };

    REQUIRE(EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_get_time, &t1), 0));
    delay_us(2000);
    REQUIRE(EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_get_time, &t2), 0));
    EXPECT_NE(t1.now, 0);
    EXPECT_GE(t2.now, t1.now + 1000000);  /* at least 1 ms later */
    EXPECT_LE(t2.now, t1.now + 1000000000ull);
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_get_time, BAD_PTR), XERR(EFAULT));
}

TEST(hvm_pagetable_dying)
{
    struct xen_hvm_pagetable_dying a = { .domid = DOMID_SELF,
                                         .gpa = read_cr3() };
    long rc = HYPERVISOR_hvm_op(HVMOP_pagetable_dying, &a);

    /* 0 under shadow paging, -EINVAL under HAP. */
    if (rc != 0)
        EXPECT_EQ(rc, XERR(EINVAL));
    a.domid = NO_SUCH_DOMID;
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_pagetable_dying, &a), XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_pagetable_dying, BAD_PTR), XERR(EFAULT));
}

TEST(hvm_flush_tlbs)
{
    char dummy[8];

    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_flush_tlbs, NULL), 0);
    EXPECT_EQ(HYPERVISOR_hvm_op(HVMOP_flush_tlbs, dummy), XERR(EINVAL));
}

TEST(hvm_unknown_op)
{
    EXPECT_EQ(HYPERVISOR_hvm_op(0x7ff, NULL), XERR(ENOSYS));
}
