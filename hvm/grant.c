/* The VM side of grant tables: the region in the memfd, the physmap
 * translation backends in this process use, and grant frames as physmap
 * overlays (xen/common/grant_table.c gnttab_map_frame). */
#include "grant.h"

#include <errno.h>
#include <stdlib.h>

#include <xen/memory.h>

#include "grant_testdev.h"
#include "util.h"
#include "vcpu.h"

_Static_assert(XK_GNT_REGION_PAGES == GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT),
               "vm.h's XK_GNT_REGION_PAGES is out of date");

static void *ram_ptr(void *opaque, uint64_t gfn)
{
    return vm_ram_page(opaque, gfn);
}

void *vm_gnttab_ram_ptr(struct vm *vm, uint64_t gfn)
{
    return vm_ram_page(vm, gfn);
}

uint64_t vm_gnttab_region_offset(const struct vm *vm)
{
    return (vm->xenpage0 + XENPAGE_GRANT) << XK_PAGE_SHIFT;
}

int vm_gnttab_init(struct vm *vm)
{
    struct vm_gnttab *g = calloc(1, sizeof(*g));
    void *region = vm_xenpage(vm, XENPAGE_GRANT);
    int rc;

    if (!g)
        return -ENOMEM;
    for (unsigned i = 0; i < ARRAY_SIZE(g->shared_gfn); i++)
        g->shared_gfn[i] = XK_INVALID_GFN;
    for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++)
        g->status_gfn[i] = XK_INVALID_GFN;
    rc = gnt_table_init(region, GNT_DEFAULT_MAX_FRAMES);
    if (!rc)
        rc = gnt_view_init(&g->view, region, vm->domid, ram_ptr, vm);
    if (rc) {
        free(g);
        return rc;
    }
    vm->gnttab = g;
    return 0;
}

void vm_gnttab_destroy(struct vm *vm)
{
    grant_testdev_destroy(vm);
    free(vm->gnttab);
    vm->gnttab = NULL;
}

int vm_gnttab_set_max(struct vm *vm, unsigned max_frames)
{
    return gnt_table_set_max(&vm->gnttab->view, max_frames);
}

int vm_gnttab_frame_page(struct vm *vm, uint64_t idx, uint64_t *mpage)
{
    struct gnt_view *v = &vm->gnttab->view;

    if (gnt_version(v) == 2 && (idx & XENMAPIDX_grant_table_status)) {
        uint64_t i = idx & ~(uint64_t)XENMAPIDX_grant_table_status;

        /* Enough shared frames for status frame i (status_to_grant_frames). */
        if (i >= GNT_STATUS_FRAMES(GNT_MAX_FRAMES_LIMIT))
            return -EINVAL;
        if (i >= gnt_nr_status_frames(v))
            gnt_grow(v, (unsigned)((i + 1) * GNT_STATUS_PER_FRAME / GNT_V2_PER_FRAME));
        if (i >= gnt_nr_status_frames(v))
            return -EINVAL;
        *mpage = vm->xenpage0 + XENPAGE_GRANT + gnt_status_page(v, (unsigned)i);
        return 0;
    }
    /* A v1 table's "status" index is just a huge shared index. */
    if (idx >= gnt_max_frames(v))
        return -EINVAL;
    if (idx >= gnt_nr_frames(v) && gnt_grow(v, (unsigned)idx + 1))
        return -EINVAL;
    *mpage = vm->xenpage0 + XENPAGE_GRANT + gnt_shared_page((unsigned)idx);
    return 0;
}

static uint64_t *gfn_slot(struct vm *vm, uint64_t idx)
{
    if (idx & XENMAPIDX_grant_table_status)
        return &vm->gnttab->status_gfn[idx & ~(uint64_t)XENMAPIDX_grant_table_status];
    return &vm->gnttab->shared_gfn[idx];
}

int vm_gnttab_map_frame_locked(struct vm *vm, uint64_t idx, uint64_t mpage,
                               uint64_t gfn)
{
    uint64_t *slot = gfn_slot(vm, idx);
    int rc;

    if (*slot != XK_INVALID_GFN)
        physmap_clear(&vm->pm, *slot, 1);
    rc = physmap_set(&vm->pm, gfn, 1, mpage, PM_GRANT);
    *slot = rc ? XK_INVALID_GFN : gfn;
    return rc;
}

void vm_gnttab_frame_unmapped(struct vm *vm, uint64_t mpage)
{
    struct vm_gnttab *g = vm->gnttab;
    uint64_t page = mpage - vm->xenpage0 - XENPAGE_GRANT;

    for (unsigned i = 0; i < ARRAY_SIZE(g->shared_gfn); i++)
        if (page == gnt_shared_page(i))
            g->shared_gfn[i] = XK_INVALID_GFN;
    for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++)
        if (page == gnt_status_page(&g->view, i))
            g->status_gfn[i] = XK_INVALID_GFN;
}

uint64_t vm_gnttab_frame_gfn(struct vm *vm, bool status, unsigned i)
{
    uint64_t gfn;

    pthread_rwlock_rdlock(&vm->pm.lock);
    gfn = status ? vm->gnttab->status_gfn[i] : vm->gnttab->shared_gfn[i];
    pthread_rwlock_unlock(&vm->pm.lock);
    return gfn;
}

void vm_gnttab_drop_status_frames(struct vm *vm, struct vcpu *self)
{
    struct vm_gnttab *g = vm->gnttab;
    bool any = false;

    pthread_rwlock_rdlock(&vm->pm.lock);
    for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++)
        any |= g->status_gfn[i] != XK_INVALID_GFN;
    pthread_rwlock_unlock(&vm->pm.lock);
    if (!any)
        return;
    vm_pause_others(vm, self);
    pthread_rwlock_wrlock(&vm->pm.lock);
    for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++) {
        if (g->status_gfn[i] != XK_INVALID_GFN)
            physmap_clear(&vm->pm, g->status_gfn[i], 1);
        g->status_gfn[i] = XK_INVALID_GFN;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    vm_unpause(vm);
}

long vm_gnttab_save(struct vm *vm, void *buf, size_t size)
{
    return gnt_save(&vm->gnttab->view, buf, size);
}

int vm_gnttab_restore(struct vm *vm, const void *buf, size_t size)
{
    int rc = gnt_restore(&vm->gnttab->view, buf, size);

    if (!rc)
        vm_gnttab_find_frames(vm);
    return rc;
}

void vm_gnttab_find_frames(struct vm *vm)
{
    struct vm_gnttab *g = vm->gnttab;
    uint64_t first = vm->xenpage0 + XENPAGE_GRANT;

    pthread_rwlock_wrlock(&vm->pm.lock);
    for (unsigned i = 0; i < ARRAY_SIZE(g->shared_gfn); i++)
        g->shared_gfn[i] = XK_INVALID_GFN;
    for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++)
        g->status_gfn[i] = XK_INVALID_GFN;
    for (unsigned r = 0; r < vm->pm.n; r++) {
        const struct pm_range *pr = &vm->pm.r[r];

        if (pr->kind != PM_GRANT)
            continue;
        for (uint64_t k = 0; k < pr->nr; k++) {
            uint64_t page = pr->mpage + k - first;

            if (pr->mpage + k < first)
                continue;       /* a grant mapping of RAM, not a frame */
            for (unsigned i = 0; i < ARRAY_SIZE(g->shared_gfn); i++)
                if (page == gnt_shared_page(i))
                    g->shared_gfn[i] = pr->gfn + k;
            for (unsigned i = 0; i < ARRAY_SIZE(g->status_gfn); i++)
                if (page == gnt_status_page(&g->view, i))
                    g->status_gfn[i] = pr->gfn + k;
        }
    }
    pthread_rwlock_unlock(&vm->pm.lock);
}
