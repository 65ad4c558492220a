/* Grant tables (Xen's grant_table.c semantics) for xenkvm: the table's
 * state, kept entirely in VMM-owned pages of the guest-memory memfd so a
 * backend in any process that maps the memfd sees the same table, and the
 * backend API that takes and releases grants by the GTF_ flag protocol.
 *
 * Errors are GNTST_* values (<xen/grant_table.h>), 0 being GNTST_okay,
 * except where a function says -errno. */
#ifndef XK_GNTTAB_H
#define XK_GNTTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/grant_table.h>

/* Xen 4.17's defaults: gnttab_max_frames=64 (libxl max_grant_frames). */
#define GNT_DEFAULT_MAX_FRAMES  64
/* The most frames the memfd region has room for (per domain). */
#define GNT_MAX_FRAMES_LIMIT    256
#define GNT_PAGE_SIZE           4096u

/* v1: 512 entries a frame; v2: 256, with 2048 status words a frame. */
#define GNT_V1_PER_FRAME  (GNT_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define GNT_V2_PER_FRAME  (GNT_PAGE_SIZE / sizeof(grant_entry_v2_t))
#define GNT_STATUS_PER_FRAME (GNT_PAGE_SIZE / sizeof(grant_status_t))
/* Status frames needed for N shared frames (Xen's grant_to_status_frames). */
#define GNT_STATUS_FRAMES(n) \
    (((n) * GNT_V2_PER_FRAME + GNT_STATUS_PER_FRAME - 1) / GNT_STATUS_PER_FRAME)

/* Pages of the memfd region for a domain: header, shared frames, status
 * frames, active entries (pin counts, shared by every process). */
#define GNT_ACTIVE_SIZE 32
#define GNT_REGION_PAGES(maxf) \
    (1 + (maxf) + GNT_STATUS_FRAMES(maxf) + \
     ((maxf) * GNT_V1_PER_FRAME * GNT_ACTIVE_SIZE + GNT_PAGE_SIZE - 1) / GNT_PAGE_SIZE)

/* How a process reaches the granting domain's RAM.  GFN_PTR returns the
 * host address of guest frame GFN when it is guest RAM the backend may
 * touch, else NULL (bounds-checked against guest RAM; never a grant frame,
 * the shared info page or a hole). */
typedef void *(*gnt_gfn_ptr_fn)(void *opaque, uint64_t gfn);

/* A domain's grant table as one process sees it. */
struct gnt_view {
    uint8_t *region;            /* host address of the region's first page */
    domid_t domid;              /* the granting domain (for messages) */
    gnt_gfn_ptr_fn gfn_ptr;
    void *opaque;
};

/* Attach a view to a region already set up by the VMM (gnt_table_init);
 * -EINVAL if REGION holds no grant table. */
int gnt_view_init(struct gnt_view *v, void *region, domid_t domid,
                  gnt_gfn_ptr_fn fn, void *opaque);

/* For a backend in another process: guest RAM as the domain builder laid
 * it out (memfd pages [0, lowmem) at gfn 0, the rest from 4 GiB).  Frames
 * the guest moved or ballooned are not tracked: the VMM's own view uses
 * its physmap instead. */
struct gnt_flat_ram {
    uint8_t *base;              /* memfd mapping */
    uint64_t lowmem_pages, ram_pages;
};
void *gnt_flat_ram_ptr(void *opaque, uint64_t gfn);

/* ---- Backend API ---- */

#define GNT_READ   0u
#define GNT_WRITE  1u
#define GNT_MAP    2u   /* for a whole-page mapping: sub-page grants refused */

/* A taken grant: PTR points at the granted bytes (a whole page, or a v2
 * sub-page grant's [offset, offset+len) of it). */
struct gnt_handle {
    struct gnt_view *view;
    grant_ref_t ref;
    bool write;
    uint8_t *ptr;
    uint16_t offset, len;
    uint64_t gfn;               /* the granted guest frame */
};

/* Take GREF of the view's domain, granted to domain LDOMID, for reading
 * or writing (GNT_READ/GNT_WRITE, | GNT_MAP to refuse sub-page grants as
 * Xen's map_grant_ref does).  The shared entry is checked and
 * marked (GTF_reading, GTF_writing) atomically, as Xen does, so a guest
 * that revokes concurrently either sees the grant busy or the take fails.
 * Returns GNTST_okay with H filled, or GNTST_bad_gntref (ref past the
 * table), GNTST_general_error (not granted to LDOMID, read-only for a
 * write, entry unstable, transitive), GNTST_bad_page (frame not guest
 * RAM). */
int gnt_take(struct gnt_view *v, domid_t ldomid, grant_ref_t gref,
             unsigned flags, struct gnt_handle *h);
/* Give a taken grant back: the flags clear once nobody holds it. */
void gnt_release(struct gnt_handle *h);

/* Copy LEN bytes at byte OFFSET of the page GREF grants, from or to BUF:
 * take, bounds-check against the granted range, copy, release.
 * GNTST_bad_copy_arg for a range past the page, GNTST_general_error for
 * one outside a sub-page grant. */
int gnt_copy_from(struct gnt_view *v, domid_t ldomid, grant_ref_t gref,
                  unsigned offset, void *buf, size_t len);
int gnt_copy_to(struct gnt_view *v, domid_t ldomid, grant_ref_t gref,
                unsigned offset, const void *buf, size_t len);

/* "okay", "bad grant reference", ... (Xen's GNTTABOP_error_msgs). */
const char *gnt_strerror(int gntst);

/* What a backend can report about an entry without taking it: the
 * current version, the entry's flags and the frame, and how many holders
 * pin it.  GNTST_bad_gntref for a ref past the table. */
struct gnt_entry_state {
    unsigned version;
    uint16_t flags;             /* v1: shared flags; v2: hdr flags | status */
    domid_t domid;
    uint64_t frame;
    uint32_t readers, writers;  /* pins held through this table */
};
int gnt_entry_state(struct gnt_view *v, grant_ref_t gref,
                    struct gnt_entry_state *st);

/* ---- The table, as the VMM drives it ---- */

/* Set up the region (zeroed memfd pages) for a domain: version 1,
 * INITIAL frames (Xen: 1), at most MAX_FRAMES.  -EINVAL for a max outside
 * [1, GNT_MAX_FRAMES_LIMIT]. */
int gnt_table_init(void *region, unsigned max_frames);
/* Change the maximum (--max-grant-frames) before the guest runs. */
int gnt_table_set_max(struct gnt_view *v, unsigned max_frames);

unsigned gnt_version(const struct gnt_view *v);
unsigned gnt_nr_frames(const struct gnt_view *v);
unsigned gnt_max_frames(const struct gnt_view *v);
unsigned gnt_nr_status_frames(const struct gnt_view *v);
unsigned gnt_nr_entries(const struct gnt_view *v);

/* Host address of shared frame I / status frame I (within the maximum). */
void *gnt_shared_frame(struct gnt_view *v, unsigned i);
void *gnt_status_frame(struct gnt_view *v, unsigned i);
/* Region page numbers of those frames (for the memfd offset). */
unsigned gnt_shared_page(unsigned i);
unsigned gnt_status_page(const struct gnt_view *v, unsigned i);

/* Grow to at least NR frames (Xen's gnttab_grow_table): 0, or -EINVAL
 * past the maximum. */
int gnt_grow(struct gnt_view *v, unsigned nr);
/* GNTTABOP_set_version: 0, -EINVAL (not 1 or 2), -EBUSY (entries past
 * the reserved 8 still pinned), -ERANGE (a reserved v2 entry v1 cannot
 * hold).  Frames are cleared, the reserved entries kept. */
int gnt_set_version(struct gnt_view *v, unsigned version);
/* GNTTABOP_swap_grant_ref for one pair: a GNTST_* value. */
int gnt_swap(struct gnt_view *v, grant_ref_t a, grant_ref_t b);
/* Pins held on any entry at or past FIRST. */
bool gnt_any_pinned(struct gnt_view *v, grant_ref_t first);

/* Save/restore: the table's state and frame contents as bytes.
 * gnt_save_size() bytes are enough for gnt_save, which returns the length
 * written or -EBUSY while grants beyond the reserved ones are held (a
 * backend must let go first, as with Xen's migration).  gnt_restore
 * checks the whole buffer first and changes nothing on -EINVAL. */
size_t gnt_save_size(const struct gnt_view *v);
long gnt_save(struct gnt_view *v, void *buf, size_t size);
int gnt_restore(struct gnt_view *v, const void *buf, size_t size);
/* The same in a saved-state stream (the grant table part): the table
 * appended to W; read from R, which is marked bad on -EINVAL. */
struct ss_wr;
struct ss_rd;
int gnt_save_to(struct gnt_view *v, struct ss_wr *w);
/* The same for a live update, where the table itself stays in the memfd
 * that the next VMM maps: grants held by backends are allowed (they stay
 * held), and the copy of the frames is not what the next VMM uses. */
int gnt_save_to_kept(struct gnt_view *v, struct ss_wr *w);
int gnt_restore_from(struct gnt_view *v, struct ss_rd *r);
/* Live update: R read and checked against the table V already shows
 * (kept in the memfd, grants held included); nothing is written. */
int gnt_restore_kept(struct gnt_view *v, struct ss_rd *r);

#endif
