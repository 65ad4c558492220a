/* The VM's grant table: gnttab/'s region in the VMM-owned memfd pages,
 * the VMM's view of it, and where the guest mapped each frame. */
#ifndef XK_GRANT_H
#define XK_GRANT_H

#include "gnttab/gnttab.h"
#include "vm.h"

/* Grant mappings (GNTTABOP_map_grant_ref) a guest may hold at once. */
#define XK_MAPTRACK 1024

struct vm_maptrack {
    bool used;
    uint64_t gfn, mpage;        /* where it is mapped, and the RAM page */
    struct gnt_handle h;        /* the pin */
};

struct vm_gnttab {
    struct gnt_view view;       /* translation through the physmap */
    /* Guest frame of each shared / status frame, XK_INVALID_GFN when not
     * mapped.  Guarded by the physmap's write lock. */
    uint64_t shared_gfn[GNT_MAX_FRAMES_LIMIT];
    uint64_t status_gfn[GNT_STATUS_FRAMES(GNT_MAX_FRAMES_LIMIT)];
    struct vm_maptrack maptrack[XK_MAPTRACK];   /* physmap write lock */
    struct grant_testdev *testdev;  /* --test-grant-backend, else NULL */
};

/* Host address of guest RAM frame GFN (populated RAM only), else NULL:
 * the translation the VMM's backends use. */
void *vm_gnttab_ram_ptr(struct vm *vm, uint64_t gfn);

/* Byte offset of the grant region in the guest-memory memfd: what a
 * backend in another process passes to gnt_view_init after mapping it. */
uint64_t vm_gnttab_region_offset(const struct vm *vm);

/* Set up the region with Xen's default maximum: 0 or -errno. */
int vm_gnttab_init(struct vm *vm);
void vm_gnttab_destroy(struct vm *vm);
/* --max-grant-frames, before the guest runs. */
int vm_gnttab_set_max(struct vm *vm, unsigned max_frames);

/* XENMAPSPACE_grant_table, before the map is locked: grow the table as
 * Xen's gnttab_map_frame does and return the memfd page of frame IDX
 * (XENMAPIDX_grant_table_status selects a v2 status frame).  -EINVAL for
 * a frame past the maximum or a status frame of a v1 table. */
int vm_gnttab_frame_page(struct vm *vm, uint64_t idx, uint64_t *mpage);
/* Map that frame (memfd page MPAGE) at GFN (physmap write lock held,
 * vCPUs paused; GFN is already a hole): the frame leaves its old place,
 * as on Xen.  Never takes the table's lock (it nests outside the map's). */
int vm_gnttab_map_frame_locked(struct vm *vm, uint64_t idx, uint64_t mpage,
                               uint64_t gfn);
/* The physmap dropped the grant frame backed by memfd page MPAGE. */
void vm_gnttab_frame_unmapped(struct vm *vm, uint64_t mpage);
/* The guest frame where shared (STATUS false) or status frame I is
 * mapped, or XK_INVALID_GFN. */
uint64_t vm_gnttab_frame_gfn(struct vm *vm, bool status, unsigned i);
/* After a switch to v1: the status frames leave the guest's physmap
 * (Xen's gnttab_unpopulate_status_frames).  Pauses the other vCPUs. */
void vm_gnttab_drop_status_frames(struct vm *vm, struct vcpu *self);

/* Save/restore (gnttab/'s format).  Where the frames are mapped is
 * physmap state: restore the physmap first; vm_gnttab_restore then finds
 * the grant frames in it.  Returns as gnt_save / gnt_restore. */
long vm_gnttab_save(struct vm *vm, void *buf, size_t size);
int vm_gnttab_restore(struct vm *vm, const void *buf, size_t size);
/* After the table's frames came back: find where the restored physmap
 * puts each of them (save_gnttab.c, vm_gnttab_restore). */
void vm_gnttab_find_frames(struct vm *vm);

#endif
