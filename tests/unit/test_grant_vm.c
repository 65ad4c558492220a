/* The VMM side of grant tables without KVM: the region in the memfd,
 * grant frames in the physmap, the physmap translation backends in the
 * VMM use, and save/restore of a VM's table. */
#include <errno.h>
#include <stdlib.h>

#include <xen/memory.h>

#include "check.h"
#include "hvm/grant.h"
#include "util.h"

#define MIB 16

static int vm_new(struct vm *vm)
{
    int rc = vm_mem_init(vm, MIB, 1);

    return rc ? rc : vm_mem_map_only(vm);
}

static int map_frame(struct vm *vm, uint64_t idx, uint64_t gfn)
{
    uint64_t mpage;
    int rc = vm_gnttab_frame_page(vm, idx, &mpage);

    if (rc)
        return rc;
    pthread_rwlock_wrlock(&vm->pm.lock);
    physmap_clear(&vm->pm, gfn, 1);
    rc = vm_gnttab_map_frame_locked(vm, idx, mpage, gfn);
    pthread_rwlock_unlock(&vm->pm.lock);
    return rc;
}

static void region_and_frames(void)
{
    struct vm vm;
    struct gnt_view *v;
    grant_entry_v1_t *e;

    CHECK_EQ(vm_new(&vm), 0);
    v = &vm.gnttab->view;
    CHECK_EQ(gnt_max_frames(v), GNT_DEFAULT_MAX_FRAMES);
    CHECK_EQ(vm_gnttab_set_max(&vm, 8), 0);
    CHECK_EQ(vm_gnttab_set_max(&vm, GNT_MAX_FRAMES_LIMIT + 1), -EINVAL);
    /* Another process finds the region at this memfd offset. */
    struct gnt_view other;
    CHECK_EQ(gnt_view_init(&other, vm.mem + vm_gnttab_region_offset(&vm), 1,
                           NULL, NULL), 0);
    CHECK_EQ(gnt_max_frames(&other), 8);
    /* The region fits the memfd, after the fixed VMM pages. */
    CHECK((uint8_t *)gnt_status_frame(v, GNT_STATUS_FRAMES(GNT_MAX_FRAMES_LIMIT) - 1) +
          GNT_PAGE_SIZE <= vm.mem + vm.mem_size);
    CHECK_EQ(map_frame(&vm, 8, 0x800), -EINVAL);             /* past max */
    CHECK_EQ(map_frame(&vm, XENMAPIDX_grant_table_status, 0x801), -EINVAL);
    CHECK_EQ(map_frame(&vm, 3, 0x802), 0);                   /* grows */
    CHECK_EQ(gnt_nr_frames(v), 4);
    CHECK_EQ(vm_gnttab_frame_gfn(&vm, false, 3), 0x802);
    CHECK_EQ(vm_gnttab_frame_gfn(&vm, false, 0), XK_INVALID_GFN);
    /* The guest's frame 0x802 is the VMM's shared frame 3. */
    CHECK(vm_gpa_ptr(&vm, 0x802000, 8) == gnt_shared_frame(v, 3));
    /* Mapped again elsewhere, it leaves its old place. */
    CHECK_EQ(map_frame(&vm, 3, 0x803), 0);
    CHECK(vm_gpa_ptr(&vm, 0x802000, 8) == NULL);
    CHECK_EQ(vm_gnttab_frame_gfn(&vm, false, 3), 0x803);
    /* Backends' translation: RAM only. */
    CHECK(vm_gnttab_ram_ptr(&vm, 0x10) == vm.mem + 0x10 * GNT_PAGE_SIZE);
    CHECK(vm_gnttab_ram_ptr(&vm, 0x803) == NULL);            /* grant frame */
    CHECK(vm_gnttab_ram_ptr(&vm, 0x802) == NULL);            /* hole */
    CHECK(vm_gnttab_ram_ptr(&vm, XK_SPECIAL_END_PFN - 1) == NULL);
    CHECK(vm_gnttab_ram_ptr(&vm, (uint64_t)MIB << 8) == NULL);
    vm.ram_state[0x11] &= ~RAM_POPULATED;                    /* ballooned */
    CHECK(vm_gnttab_ram_ptr(&vm, 0x11) == NULL);
    vm.ram_state[0x11] |= RAM_POPULATED;
    /* A take through the VMM's view reaches the guest's page. */
    e = (grant_entry_v1_t *)gnt_shared_frame(v, 0) + 9;
    e->domid = 0;
    e->frame = 0x20;
    e->flags = GTF_permit_access;
    struct gnt_handle h;
    CHECK_EQ(gnt_take(v, 0, 9, GNT_WRITE, &h), GNTST_okay);
    CHECK(h.ptr == vm.mem + 0x20 * GNT_PAGE_SIZE);
    gnt_release(&h);
    e->frame = 0x803;                                        /* not RAM */
    CHECK_EQ(gnt_take(v, 0, 9, GNT_READ, &h), GNTST_bad_page);
    vm_destroy(&vm);
}

static void save_restore_vm(void)
{
    struct vm a, b;
    static uint8_t buf[1 << 20];
    long n;

    CHECK_EQ(vm_new(&a), 0);
    CHECK_EQ(vm_new(&b), 0);
    CHECK_EQ(gnt_set_version(&a.gnttab->view, 2), 0);
    CHECK_EQ(map_frame(&a, 1, 0x900), 0);
    CHECK_EQ(map_frame(&a, XENMAPIDX_grant_table_status, 0x901), 0);
    ((grant_entry_v2_t *)gnt_shared_frame(&a.gnttab->view, 0))[300].hdr.domid = 7;
    n = vm_gnttab_save(&a, buf, sizeof(buf));
    CHECK(n > 0);
    /* The physmap comes back first (migration's job), then the table. */
    for (unsigned r = 0; r < a.pm.n; r++)
        if (a.pm.r[r].kind == PM_GRANT)
            CHECK_EQ(physmap_set(&b.pm, a.pm.r[r].gfn, a.pm.r[r].nr,
                                 a.pm.r[r].mpage, PM_GRANT), 0);
    CHECK_EQ(vm_gnttab_restore(&b, buf, (size_t)n - 1), -EINVAL);
    CHECK_EQ(vm_gnttab_restore(&b, buf, (size_t)n), 0);
    CHECK_EQ(gnt_version(&b.gnttab->view), 2);
    CHECK_EQ(gnt_nr_frames(&b.gnttab->view), 2);
    CHECK_EQ(vm_gnttab_frame_gfn(&b, false, 1), 0x900);
    CHECK_EQ(vm_gnttab_frame_gfn(&b, true, 0), 0x901);
    CHECK_EQ(vm_gnttab_frame_gfn(&b, false, 0), XK_INVALID_GFN);
    CHECK_EQ(((grant_entry_v2_t *)gnt_shared_frame(&b.gnttab->view, 0))[300].hdr.domid, 7);
    vm_destroy(&a);
    vm_destroy(&b);
}

int main(void)
{
    RUN(region_and_frames);
    RUN(save_restore_vm);
    return CHECK_DONE();
}
