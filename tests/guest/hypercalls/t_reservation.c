/* The reservation a guest sees at boot, before any test maps a frame over
 * RAM (so it runs first): xen/common/memory.c XENMEM_current_reservation
 * is d->tot_pages, which counts the special pages the domain builder
 * populates (tools/libs/guest/xg_dom_x86.c alloc_magic_pages_hvm), and
 * XENMEM_maximum_reservation is d->max_pages, which libxl sets to the
 * target plus LIBXL_MAXMEM_CONSTANT (libxl_dom.c libxl__build_pre). */
#include "hc.h"

#define NR_SPECIAL_PAGES  8         /* X86_HVM_NR_SPECIAL_PAGES */
#define MAXMEM_EXTRA_PAGES 256      /* LIBXL_MAXMEM_CONSTANT: 1 MiB */

static long query(unsigned int op)
{
    struct xen_memory_domain d = { .domid = DOMID_SELF };
    return HYPERVISOR_memory_op(op, &d);
}

TEST(reservation_counts_special_pages)
{
    long ram = (long)(memmap_ram_bytes() >> PAGE_SHIFT);

    /* A guest that subtracts its reserved map from this keeps its RAM. */
    EXPECT_EQ(query(XENMEM_current_reservation), ram + NR_SPECIAL_PAGES);
}

TEST(reservation_maximum_is_libxl_maxmem)
{
    long ram = (long)(memmap_ram_bytes() >> PAGE_SHIFT);

    EXPECT_EQ(query(XENMEM_maximum_reservation), ram + MAXMEM_EXTRA_PAGES);
}
