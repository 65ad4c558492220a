/* A grant table and a small guest RAM in plain host memory, for the
 * gnttab/ unit tests, fuzzer and benchmark (no KVM, no VMM). */
#ifndef XK_GNT_FIXTURE_H
#define XK_GNT_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gnttab/gnttab.h"

#define FIX_RAM_PAGES 16
#define FIX_DOMID 1

struct gnt_fixture {
    uint8_t *region;
    size_t region_size;
    struct gnt_flat_ram ram;
    struct gnt_view view;
};

static inline int fix_init(struct gnt_fixture *f, unsigned max_frames)
{
    f->region_size = (size_t)GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT) * GNT_PAGE_SIZE;
    f->region = mmap(NULL, f->region_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    f->ram.base = mmap(NULL, FIX_RAM_PAGES * GNT_PAGE_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (f->region == MAP_FAILED || f->ram.base == MAP_FAILED)
        return -1;
    f->ram.lowmem_pages = f->ram.ram_pages = FIX_RAM_PAGES;
    if (gnt_table_init(f->region, max_frames))
        return -1;
    return gnt_view_init(&f->view, f->region, FIX_DOMID, gnt_flat_ram_ptr, &f->ram);
}

static inline void fix_fini(struct gnt_fixture *f)
{
    munmap(f->region, f->region_size);
    munmap(f->ram.base, FIX_RAM_PAGES * GNT_PAGE_SIZE);
}

/* The guest's side, as Linux's drivers/xen/grant-table.c does it. */
static inline void fix_grant_v1(struct gnt_fixture *f, grant_ref_t ref,
                                domid_t to, uint32_t frame, uint16_t flags)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_shared_frame(&f->view, 0) + ref;

    e->domid = to;
    e->frame = frame;
    __atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
}

/* gnttab_end_foreign_access_ref_v1: 1 when access ended, 0 while busy. */
static inline int fix_end_v1(struct gnt_fixture *f, grant_ref_t ref)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_shared_frame(&f->view, 0) + ref;
    uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

    do {
        if (flags & (GTF_reading | GTF_writing))
            return 0;
    } while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false,
                                          __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE));
    return 1;
}

static inline grant_entry_v2_t *fix_v2(struct gnt_fixture *f, grant_ref_t ref)
{
    return (grant_entry_v2_t *)gnt_shared_frame(&f->view, 0) + ref;
}

static inline grant_status_t *fix_status(struct gnt_fixture *f, grant_ref_t ref)
{
    return (grant_status_t *)gnt_status_frame(&f->view, 0) + ref;
}

static inline void fix_grant_v2(struct gnt_fixture *f, grant_ref_t ref, domid_t to,
                                uint64_t frame, uint16_t flags, uint16_t off,
                                uint16_t len)
{
    grant_entry_v2_t *e = fix_v2(f, ref);

    e->hdr.domid = to;
    if (flags & GTF_sub_page) {
        e->sub_page.frame = frame;
        e->sub_page.page_off = off;
        e->sub_page.length = len;
    } else {
        e->full_page.frame = frame;
    }
    __atomic_store_n(&e->hdr.flags, flags, __ATOMIC_RELEASE);
}

/* gnttab_end_foreign_access_ref_v2: clear, barrier, look at the status. */
static inline int fix_end_v2(struct gnt_fixture *f, grant_ref_t ref)
{
    __atomic_store_n(&fix_v2(f, ref)->hdr.flags, 0, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(fix_status(f, ref), __ATOMIC_SEQ_CST) &
             (GTF_reading | GTF_writing));
}

#endif
