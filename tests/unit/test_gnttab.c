/* gnttab/: the GTF_ protocol, versions, swap, copies, save/restore, on a
 * table in plain memory.  Expected values are Xen 4.17's grant_table.c. */
#include <errno.h>

#include "check.h"
#include "gnt_fixture.h"

static struct gnt_fixture F;
#define V (&F.view)
#define PAGE(n) (F.ram.base + (size_t)(n) * GNT_PAGE_SIZE)

static void setup(void)
{
    fix_fini(&F);
    CHECK_EQ(fix_init(&F, GNT_DEFAULT_MAX_FRAMES), 0);
}

static uint16_t flags_v1(grant_ref_t ref)
{
    return ((grant_entry_v1_t *)gnt_shared_frame(V, 0))[ref].flags;
}

static void table_defaults(void)
{
    setup();
    CHECK_EQ(gnt_version(V), 1);
    CHECK_EQ(gnt_nr_frames(V), 1);
    CHECK_EQ(gnt_max_frames(V), 64);
    CHECK_EQ(gnt_nr_entries(V), 512);
    CHECK_EQ(gnt_nr_status_frames(V), 0);
    CHECK_EQ(gnt_table_init(F.region, 0), -EINVAL);
    CHECK_EQ(gnt_table_init(F.region, GNT_MAX_FRAMES_LIMIT + 1), -EINVAL);
    struct gnt_view w;
    static uint8_t zero[GNT_PAGE_SIZE];
    CHECK_EQ(gnt_view_init(&w, zero, 1, NULL, NULL), -EINVAL);
}

static void take_v1_read_write(void)
{
    struct gnt_handle h, h2;

    setup();
    fix_grant_v1(&F, 10, 0, 3, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 10, GNT_READ, &h), GNTST_okay);
    CHECK(h.ptr == PAGE(3));
    CHECK_EQ(h.len, 4096);
    CHECK_EQ(h.gfn, 3);
    CHECK_EQ(flags_v1(10), GTF_permit_access | GTF_reading);
    /* A guest rewriting a busy entry's frame does not move later takes. */
    ((grant_entry_v1_t *)gnt_shared_frame(V, 0))[10].frame = 4;
    CHECK_EQ(gnt_take(V, 0, 10, GNT_WRITE, &h2), GNTST_okay);
    CHECK(h2.ptr == PAGE(3));
    CHECK_EQ(flags_v1(10), GTF_permit_access | GTF_reading | GTF_writing);
    h2.ptr[5] = 0x42;
    CHECK_EQ(PAGE(3)[5], 0x42);
    gnt_release(&h2);
    CHECK_EQ(flags_v1(10), GTF_permit_access | GTF_reading);
    gnt_release(&h);
    CHECK_EQ(flags_v1(10), GTF_permit_access);
}

static void take_bad_inputs(void)
{
    struct gnt_handle h;

    setup();
    CHECK_EQ(gnt_take(V, 0, 512, GNT_READ, &h), GNTST_bad_gntref);
    CHECK_EQ(gnt_take(V, 0, ~0u, GNT_READ, &h), GNTST_bad_gntref);
    fix_grant_v1(&F, 11, 0, 3, GTF_permit_access | GTF_readonly);
    CHECK_EQ(gnt_take(V, 0, 11, GNT_WRITE, &h), GNTST_general_error);
    CHECK_EQ(flags_v1(11), GTF_permit_access | GTF_readonly);
    fix_grant_v1(&F, 12, 5, 3, GTF_permit_access);      /* granted to d5 */
    CHECK_EQ(gnt_take(V, 0, 12, GNT_READ, &h), GNTST_general_error);
    fix_grant_v1(&F, 13, 0, 3, GTF_accept_transfer);
    CHECK_EQ(gnt_take(V, 0, 13, GNT_READ, &h), GNTST_general_error);
    fix_grant_v1(&F, 18, 0, 3, GTF_permit_access | GTF_sub_page);
    CHECK_EQ(gnt_take(V, 0, 18, GNT_READ | GNT_MAP, &h), GNTST_general_error);
    CHECK_EQ(gnt_take(V, 0, 18, GNT_READ, &h), GNTST_okay);  /* copies ignore it */
    gnt_release(&h);
    fix_grant_v1(&F, 14, 0, 3, GTF_invalid);
    CHECK_EQ(gnt_take(V, 0, 14, GNT_READ, &h), GNTST_general_error);
    /* A frame that is not guest RAM: refused, and the entry left clean. */
    fix_grant_v1(&F, 15, 0, FIX_RAM_PAGES, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 15, GNT_WRITE, &h), GNTST_bad_page);
    CHECK_EQ(flags_v1(15), GTF_permit_access);
    fix_grant_v1(&F, 16, 0, 0xfffff, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 16, GNT_READ, &h), GNTST_bad_page);
    CHECK_EQ(flags_v1(16), GTF_permit_access);
    /* A second holder from another domain is refused while pinned. */
    fix_grant_v1(&F, 17, 0, 3, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 17, GNT_READ, &h), GNTST_okay);
    struct gnt_handle h2;
    CHECK_EQ(gnt_take(V, 7, 17, GNT_READ, &h2), GNTST_general_error);
    gnt_release(&h);
}

static void revoke_while_held_v1(void)
{
    struct gnt_handle h;
    struct gnt_entry_state st;

    setup();
    fix_grant_v1(&F, 20, 0, 4, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 20, GNT_WRITE, &h), GNTST_okay);
    /* The guest cannot end access while the backend holds the grant:
     * Linux's gnttab_end_foreign_access_ref fails (-EBUSY upstream). */
    CHECK_EQ(fix_end_v1(&F, 20), 0);
    CHECK_EQ(gnt_entry_state(V, 20, &st), GNTST_okay);
    CHECK_EQ(st.flags, GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(st.writers, 1);
    CHECK_EQ(st.readers, 0);
    gnt_release(&h);
    CHECK_EQ(fix_end_v1(&F, 20), 1);
    CHECK_EQ(gnt_take(V, 0, 20, GNT_READ, &h), GNTST_general_error);
    CHECK_EQ(gnt_entry_state(V, 9999, &st), GNTST_bad_gntref);
}

static void v2_sub_page(void)
{
    struct gnt_handle h;
    uint8_t buf[64];

    setup();
    CHECK_EQ(gnt_set_version(V, 2), 0);
    CHECK_EQ(gnt_version(V), 2);
    CHECK_EQ(gnt_nr_entries(V), 256);
    CHECK_EQ(gnt_nr_status_frames(V), 1);
    fix_grant_v2(&F, 30, 0, 5, GTF_permit_access | GTF_sub_page, 100, 50);
    memset(PAGE(5), 0xab, GNT_PAGE_SIZE);
    CHECK_EQ(gnt_take(V, 0, 30, GNT_READ, &h), GNTST_okay);
    CHECK(h.ptr == PAGE(5) + 100);
    CHECK_EQ(h.offset, 100);
    CHECK_EQ(h.len, 50);
    CHECK_EQ(*fix_status(&F, 30), GTF_reading);
    CHECK_EQ(fix_v2(&F, 30)->hdr.flags, GTF_permit_access | GTF_sub_page);
    gnt_release(&h);
    CHECK_EQ(*fix_status(&F, 30), 0);
    CHECK_EQ(gnt_copy_from(V, 0, 30, 100, buf, 50), GNTST_okay);
    CHECK_EQ(buf[49], 0xab);
    CHECK_EQ(gnt_copy_from(V, 0, 30, 99, buf, 2), GNTST_general_error);
    CHECK_EQ(gnt_copy_from(V, 0, 30, 140, buf, 11), GNTST_general_error);
    CHECK_EQ(gnt_copy_to(V, 0, 30, 120, buf, 30), GNTST_okay);
    CHECK_EQ(*fix_status(&F, 30), 0);
    /* A mapping may not take a sub-page grant, in either version. */
    CHECK_EQ(gnt_take(V, 0, 30, GNT_READ | GNT_MAP, &h), GNTST_general_error);
    CHECK_EQ(*fix_status(&F, 30), 0);
    fix_grant_v2(&F, 33, 0, 5, GTF_permit_access, 0, 0);
    CHECK_EQ(gnt_take(V, 0, 33, GNT_WRITE | GNT_MAP, &h), GNTST_okay);
    CHECK_EQ(h.len, 4096);
    gnt_release(&h);
    /* A sub-page range past the page is a bad entry. */
    fix_grant_v2(&F, 31, 0, 5, GTF_permit_access | GTF_sub_page, 4000, 200);
    CHECK_EQ(gnt_take(V, 0, 31, GNT_READ, &h), GNTST_general_error);
    CHECK_EQ(*fix_status(&F, 31), 0);
    /* Transitive grants: refused (no third domain's table here). */
    fix_v2(&F, 32)->transitive.trans_domid = 3;
    fix_grant_v2(&F, 32, 0, 0, GTF_transitive, 0, 0);
    CHECK_EQ(gnt_take(V, 0, 32, GNT_READ, &h), GNTST_general_error);
    CHECK_EQ(gnt_take(V, 0, 256, GNT_READ, &h), GNTST_bad_gntref);
}

static void revoke_while_held_v2(void)
{
    struct gnt_handle h;
    struct gnt_entry_state st;

    setup();
    CHECK_EQ(gnt_set_version(V, 2), 0);
    fix_grant_v2(&F, 40, 0, 6, GTF_permit_access, 0, 0);
    CHECK_EQ(gnt_take(V, 0, 40, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(fix_end_v2(&F, 40), 0);        /* busy: status still reading */
    CHECK_EQ(gnt_entry_state(V, 40, &st), GNTST_okay);
    CHECK_EQ(st.flags, GTF_reading);        /* flags gone, status kept */
    CHECK_EQ(st.readers, 1);
    gnt_release(&h);
    CHECK_EQ(*fix_status(&F, 40), 0);
    CHECK_EQ(fix_end_v2(&F, 40), 1);
    CHECK_EQ(gnt_take(V, 0, 40, GNT_READ, &h), GNTST_general_error);
    CHECK_EQ(*fix_status(&F, 40), 0);
    /* Read-only v2 grant written. */
    fix_grant_v2(&F, 41, 0, 6, GTF_permit_access | GTF_readonly, 0, 0);
    CHECK_EQ(gnt_take(V, 0, 41, GNT_WRITE, &h), GNTST_general_error);
    CHECK_EQ(*fix_status(&F, 41), 0);
}

static void version_switch(void)
{
    struct gnt_handle h;

    setup();
    CHECK_EQ(gnt_set_version(V, 0), -EINVAL);
    CHECK_EQ(gnt_set_version(V, 3), -EINVAL);
    CHECK_EQ(gnt_set_version(V, 1), 0);
    /* Reserved entries survive both ways; the rest is cleared. */
    fix_grant_v1(&F, 1, 0, 7, GTF_permit_access);
    fix_grant_v1(&F, 9, 0, 7, GTF_permit_access);
    CHECK_EQ(gnt_take(V, 0, 9, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(gnt_set_version(V, 2), -EBUSY);
    CHECK_EQ(gnt_version(V), 1);
    gnt_release(&h);
    /* A pinned reserved entry does not block the switch. */
    CHECK_EQ(gnt_take(V, 0, 1, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(gnt_set_version(V, 2), 0);
    gnt_release(&h);
    CHECK_EQ(fix_v2(&F, 1)->hdr.flags, GTF_permit_access);
    CHECK_EQ(fix_v2(&F, 1)->full_page.frame, 7);
    CHECK_EQ(fix_v2(&F, 9)->hdr.flags, 0);
    CHECK_EQ(gnt_set_version(V, 1), 0);
    CHECK_EQ(flags_v1(1), GTF_permit_access);
    CHECK_EQ(((grant_entry_v1_t *)gnt_shared_frame(V, 0))[1].frame, 7);
    /* A reserved v2 entry v1 cannot represent. */
    CHECK_EQ(gnt_set_version(V, 2), 0);
    fix_grant_v2(&F, 2, 0, 1ULL << 32, GTF_permit_access, 0, 0);
    CHECK_EQ(gnt_set_version(V, 1), -ERANGE);
    CHECK_EQ(gnt_version(V), 2);
}

static void grow_and_swap(void)
{
    setup();
    CHECK_EQ(gnt_grow(V, 65), -EINVAL);
    CHECK_EQ(gnt_grow(V, 4), 0);
    CHECK_EQ(gnt_nr_frames(V), 4);
    CHECK_EQ(gnt_grow(V, 2), 0);            /* never shrinks */
    CHECK_EQ(gnt_nr_entries(V), 2048);
    CHECK_EQ(gnt_table_set_max(V, 3), -EINVAL);
    fix_grant_v1(&F, 100, 0, 1, GTF_permit_access);
    fix_grant_v1(&F, 2000, 0, 2, GTF_permit_access | GTF_readonly);
    CHECK_EQ(gnt_swap(V, 100, 2048), GNTST_bad_gntref);
    CHECK_EQ(gnt_swap(V, 100, 2000), GNTST_okay);
    CHECK_EQ(flags_v1(100), GTF_permit_access | GTF_readonly);
    CHECK_EQ(flags_v1(2000), GTF_permit_access);
    struct gnt_handle h;
    CHECK_EQ(gnt_take(V, 0, 100, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(gnt_swap(V, 100, 2000), GNTST_eagain);
    CHECK_EQ(gnt_swap(V, 100, 100), GNTST_okay);
    gnt_release(&h);
}

static void copy_helpers(void)
{
    uint8_t out[4096], in[4096];

    setup();
    for (unsigned i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)i;
    fix_grant_v1(&F, 50, 0, 8, GTF_permit_access);
    CHECK_EQ(gnt_copy_to(V, 0, 50, 0, out, 4096), GNTST_okay);
    CHECK_EQ(gnt_copy_from(V, 0, 50, 0, in, 4096), GNTST_okay);
    CHECK(!memcmp(in, out, 4096));
    CHECK_EQ(gnt_copy_from(V, 0, 50, 4000, in, 97), GNTST_bad_copy_arg);
    CHECK_EQ(gnt_copy_from(V, 0, 50, 5000, in, 0), GNTST_bad_copy_arg);
    CHECK_EQ(flags_v1(50), GTF_permit_access);
    fix_grant_v1(&F, 51, 0, 8, GTF_permit_access | GTF_readonly);
    CHECK_EQ(gnt_copy_to(V, 0, 51, 0, out, 1), GNTST_general_error);
    CHECK_EQ(gnt_copy_from(V, 0, 51, 0, in, 1), GNTST_okay);
}

static void save_restore(void)
{
    struct gnt_fixture g;
    struct gnt_handle h;
    static uint8_t buf[3 * GNT_PAGE_SIZE + 64];
    long n;

    setup();
    CHECK_EQ(gnt_set_version(V, 2), 0);
    CHECK_EQ(gnt_grow(V, 2), 0);
    fix_grant_v2(&F, 300, 0, 9, GTF_permit_access | GTF_sub_page, 8, 16);
    CHECK_EQ(gnt_take(V, 0, 300, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(gnt_save(V, buf, sizeof(buf)), -EBUSY);
    gnt_release(&h);
    CHECK_EQ(gnt_save_size(V), sizeof(buf) - 64 + 24);
    n = gnt_save(V, buf, sizeof(buf));
    CHECK_EQ(n, (long)gnt_save_size(V));
    CHECK_EQ(gnt_save(V, buf, 100), -ENOSPC);
    CHECK_EQ(fix_init(&g, 8), 0);
    CHECK_EQ(gnt_restore(&g.view, buf, (size_t)n - 1), -EINVAL);
    buf[8] = 3;                             /* version 3 */
    CHECK_EQ(gnt_restore(&g.view, buf, (size_t)n), -EINVAL);
    buf[8] = 2;
    CHECK_EQ(gnt_version(&g.view), 1);
    CHECK_EQ(gnt_restore(&g.view, buf, (size_t)n), 0);
    CHECK_EQ(gnt_version(&g.view), 2);
    CHECK_EQ(gnt_nr_frames(&g.view), 2);
    CHECK_EQ(gnt_max_frames(&g.view), 64);
    CHECK_EQ(fix_v2(&g, 300)->sub_page.length, 16);
    fix_fini(&g);
}

static void strings(void)
{
    CHECK(!strcmp(gnt_strerror(GNTST_okay), "okay"));
    CHECK(!strcmp(gnt_strerror(GNTST_bad_gntref), "invalid grant reference"));
    CHECK(!strcmp(gnt_strerror(-100), "unknown grant status"));
    CHECK(!strcmp(gnt_strerror(1), "unknown grant status"));
}

int main(void)
{
    fix_init(&F, GNT_DEFAULT_MAX_FRAMES);
    RUN(table_defaults);
    RUN(take_v1_read_write);
    RUN(take_bad_inputs);
    RUN(revoke_while_held_v1);
    RUN(v2_sub_page);
    RUN(revoke_while_held_v2);
    RUN(version_switch);
    RUN(grow_and_swap);
    RUN(copy_helpers);
    RUN(save_restore);
    RUN(strings);
    fix_fini(&F);
    return CHECK_DONE();
}
