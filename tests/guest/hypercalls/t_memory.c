/*
 * memory_op: xen/common/memory.c do_memory_op, xen/arch/x86/mm.c
 * arch_memory_op, xen/arch/x86/mm/p2m.c xenmem_add_to_physmap_one,
 * xen/arch/x86/hvm/hypercall.c hvm_memory_op.
 */
#include "hc.h"

/* Frames these tests hand to the hypervisor; nothing else touches them. */
static uint8_t frames[8][4096] __aligned(4096) __attribute__((section(".bss.page")));
#define FRAME_SI_A   0
#define FRAME_SI_B   1
#define FRAME_SI_C   2
#define FRAME_SI_D   3
#define FRAME_BAL_0  4
#define FRAME_BAL_1  5

/* XENMEM_memory_map returns BIOS E820 records; the public headers name
 * the format (memory.h) but define no type for it. */
struct bios_e820_entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

static xen_pfn_t pfn_of(const void *p)
{
    return (uintptr_t)p >> PAGE_SHIFT;
}

static long add_to_physmap(domid_t domid, unsigned int space,
                           xen_ulong_t idx, xen_pfn_t gpfn)
{
    struct xen_add_to_physmap xatp = { .domid = domid, .space = space,
                                       .idx = idx, .gpfn = gpfn };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
}

static long reservation_op(unsigned int op, domid_t domid)
{
    struct xen_memory_domain d = { .domid = domid };
    return HYPERVISOR_memory_op(op, &d);
}

static long reservation(unsigned int op, xen_pfn_t *list, unsigned int n)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = 0,
                                        .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, list);
    return HYPERVISOR_memory_op(op, &r);
}

static bool looks_like_shared_info(const struct shared_info *s)
{
    const volatile struct vcpu_time_info *t = &s->vcpu_info[0].time;
    unsigned int i;

    /* version is odd only mid-update; give an update time to finish. */
    for (i = 0; i < 1000 && (t->version & 1); i++)
        cpu_relax();
    return !(t->version & 1) && t->tsc_to_system_mul != 0 &&
           s->wc_sec > 1700000000u;
}

TEST(memory_add_shared_info)
{
    struct shared_info *s = (void *)frames[FRAME_SI_A];

    REQUIRE(EXPECT_EQ(shinfo_map_at(s), 0));
    EXPECT_TRUE(looks_like_shared_info(s));
    EXPECT_NE(s->vcpu_info[0].time.system_time, 0);
}

TEST(memory_move_shared_info)
{
    struct shared_info *a = (void *)frames[FRAME_SI_A];
    struct shared_info *b = (void *)frames[FRAME_SI_B];
    const xen_ulong_t marker = (xen_ulong_t)0x5a5a5a5a5a5a5a5aull;
    const unsigned int w = ARRAY_SIZE(a->evtchn_mask) - 1;

    REQUIRE(EXPECT_TRUE(shared_info == a));
    /* Mark the page through its current mapping, then move it. */
    a->evtchn_mask[w] = marker;
    REQUIRE(EXPECT_EQ(shinfo_map_at(b), 0));
    EXPECT_TRUE(looks_like_shared_info(b));
    EXPECT_EQ(b->evtchn_mask[w], marker);
    /* The old gfn was unmapped (p2m_remove_page): it is a hole now and
     * no longer shows the page (Xen reads ~0 from holes). */
    EXPECT_NE(READ_ONCE(a->evtchn_mask[w]), marker);
    b->evtchn_mask[w] = 0;
}

TEST(memory_add_to_physmap_batch)
{
    struct xen_add_to_physmap_batch b;
    xen_ulong_t idxs[2] = { 0, 1 };
    xen_pfn_t gpfns[2] = { pfn_of(frames[FRAME_SI_C]), pfn_of(frames[FRAME_SI_D]) };
    int errs[2] = { 99, 99 };

    memset(&b, 0, sizeof(b));
    b.domid = DOMID_SELF;
    b.space = XENMAPSPACE_shared_info;
    b.size = 2;
    set_xen_guest_handle(b.idxs, idxs);
    set_xen_guest_handle(b.gpfns, gpfns);
    set_xen_guest_handle(b.errs, errs);
    REQUIRE(EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), 0));
    /* Per-entry results: shared info has only idx 0. */
    EXPECT_EQ(errs[0], 0);
    EXPECT_EQ(errs[1], XERR(EINVAL));
    if (errs[0] == 0) {
        shared_info = (void *)frames[FRAME_SI_C];
        if (!vcpu0_info_moved)
            vcpu0_info = &shared_info->vcpu_info[0];
        EXPECT_TRUE(looks_like_shared_info(shared_info));
    }
    /* gmfn_range is not allowed in a batch. */
    b.space = XENMAPSPACE_gmfn_range;
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b),
              XERR(EOPNOTSUPP));
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, BAD_PTR),
              XERR(EFAULT));
    /* Put shared info back where the rest of the guest expects it. */
    EXPECT_EQ(shinfo_map_at(shinfo_default_frame()), 0);
}

TEST(memory_add_to_physmap_errors)
{
    xen_pfn_t gpfn = pfn_of(frames[FRAME_SI_D]);

    /* Unknown space and a bad shared-info index leave mfn invalid. */
    EXPECT_EQ(add_to_physmap(DOMID_SELF, 0x7f, 0, gpfn), XERR(EINVAL));
    EXPECT_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, gpfn),
              XERR(EINVAL));
    /* Foreign mappings need the batch form. */
    EXPECT_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0, gpfn),
              XERR(ENOSYS));
    EXPECT_EQ(add_to_physmap(NO_SUCH_DOMID, XENMAPSPACE_shared_info, 0, gpfn),
              XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, BAD_PTR), XERR(EFAULT));
}

TEST(memory_memory_map)
{
    static struct bios_e820_entry e[32];
    struct xen_memory_map map = { .nr_entries = ARRAY_SIZE(e) };
    uint64_t ram = 0;
    unsigned int i;

    set_xen_guest_handle(map.buffer, e);
    REQUIRE(EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &map), 0));
    REQUIRE(EXPECT_GE(map.nr_entries, 1));
    EXPECT_LE(map.nr_entries, ARRAY_SIZE(e));
    for (i = 0; i < map.nr_entries && i < ARRAY_SIZE(e); i++)
        if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
            ram += e[i].size;
    /* The same RAM as the PVH start info memmap. */
    EXPECT_EQ(ram, memmap_ram_bytes());

    /* A short buffer gets min(buffer, map) entries. */
    map.nr_entries = 1;
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &map), 0);
    EXPECT_EQ(map.nr_entries, 1);

    map.nr_entries = ARRAY_SIZE(e);
    set_xen_guest_handle(map.buffer, (struct bios_e820_entry *)BAD_PTR);
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &map), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, BAD_PTR), XERR(EFAULT));
}

TEST(memory_machine_memory_map)
{
    struct xen_memory_map map = { .nr_entries = 0 };

    /* hvm_memory_op() refuses it outright. */
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map), XERR(ENOSYS));
}

TEST(memory_reservation_queries)
{
    long cur = reservation_op(XENMEM_current_reservation, DOMID_SELF);
    long max = reservation_op(XENMEM_maximum_reservation, DOMID_SELF);
    uint64_t ram_pages = memmap_ram_bytes() >> PAGE_SHIFT;

    EXPECT_GE(cur, 1);
    EXPECT_GE(max, cur);
    /* Roughly the RAM we were given. */
    EXPECT_GE((uint64_t)cur * 2, ram_pages);
    EXPECT_LE((uint64_t)cur, ram_pages * 2);
    EXPECT_GE(HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL), 1);
    if (xen.has_domid)
        EXPECT_EQ(reservation_op(XENMEM_current_reservation, xen.domid), cur);
    EXPECT_EQ(reservation_op(XENMEM_current_reservation, NO_SUCH_DOMID),
              XERR(ESRCH));
    EXPECT_EQ(reservation_op(XENMEM_maximum_reservation, NO_SUCH_DOMID),
              XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, BAD_PTR),
              XERR(EFAULT));
}

TEST(memory_balloon)
{
    xen_pfn_t list[2] = { pfn_of(frames[FRAME_BAL_0]), pfn_of(frames[FRAME_BAL_1]) };
    long cur = reservation_op(XENMEM_current_reservation, DOMID_SELF);
    long max = reservation_op(XENMEM_maximum_reservation, DOMID_SELF);
    volatile uint32_t *p0 = (volatile uint32_t *)frames[FRAME_BAL_0];
    volatile uint32_t *p1 = (volatile uint32_t *)frames[FRAME_BAL_1];

    /* Balloon two frames out. */
    REQUIRE(EXPECT_EQ(reservation(XENMEM_decrease_reservation, list, 2), 2));
    EXPECT_EQ(reservation_op(XENMEM_current_reservation, DOMID_SELF), cur - 2);
    /* Already gone: guest_remove_page() fails and 0 extents are done. */
    EXPECT_EQ(reservation(XENMEM_decrease_reservation, list, 1), 0);

    /* And back in. */
    REQUIRE(EXPECT_EQ(reservation(XENMEM_populate_physmap, list, 2), 2));
    EXPECT_EQ(reservation_op(XENMEM_current_reservation, DOMID_SELF), cur);
    p0[0] = 0x12345678;
    p1[1023] = 0x9abcdef0;
    EXPECT_EQ(p0[0], 0x12345678);
    EXPECT_EQ(p1[1023], 0x9abcdef0);

    /* Translated guests get no frame numbers back from increase; the
     * pages only count towards the reservation, up to max_pages. */
    if (max > cur) {
        EXPECT_EQ(reservation(XENMEM_increase_reservation, NULL, 1), 1);
        EXPECT_EQ(reservation_op(XENMEM_current_reservation, DOMID_SELF), cur + 1);
    } else {
        EXPECT_EQ(reservation(XENMEM_increase_reservation, NULL, 1), 0);
    }
}

TEST(memory_reservation_errors)
{
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = NO_SUCH_DOMID };
    xen_pfn_t pfn = pfn_of(frames[FRAME_BAL_0]);

    /* These ops report failures as "0 extents done". */
    set_xen_guest_handle(r.extent_start, &pfn);
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, BAD_PTR), 0);
    r.domid = DOMID_SELF;
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)BAD_PTR);
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0);
    EXPECT_EQ(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0);
}

TEST(memory_unknown_op)
{
    EXPECT_EQ(HYPERVISOR_memory_op(63, NULL), XERR(ENOSYS));
}
