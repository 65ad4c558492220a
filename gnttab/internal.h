/* The region's layout and the locks every process shares.  The region is
 * zeroed memfd pages: all-zero state means "no table". */
#ifndef XK_GNTTAB_INTERNAL_H
#define XK_GNTTAB_INTERNAL_H

#include "gnttab.h"

#define GNT_MAGIC 0x54474b58u           /* "XKGT" */
#define GNT_INITIAL_FRAMES 1            /* Xen's INITIAL_NR_GRANT_FRAMES */

/* Page 0 of the region.  Fields are read and written with __atomic
 * builtins: other processes see them. */
struct gnt_hdr {
    uint32_t magic;
    uint32_t max_frames;
    uint32_t version;
    uint32_t nr_frames;
    uint32_t lock;      /* readers in the low bits, GNT_WRITER when held */
};
#define GNT_WRITER 0x80000000u

/* Xen's active_grant_entry: pins by every holder, and what the first pin
 * found in the entry (later pins share it, as on Xen). */
struct gnt_active {
    uint32_t lock;
    uint32_t pin;       /* readers in bits 0-15, writers in 16-31 */
    domid_t domid;      /* the domain holding the pins */
    uint16_t off, len;
    uint16_t pad;
    uint64_t gfn;
    uint64_t pad2;
};
_Static_assert(sizeof(struct gnt_active) == GNT_ACTIVE_SIZE, "active size");

#define PIN_R 1u
#define PIN_W 0x10000u
#define PIN_R_MASK 0xffffu
#define PIN_W_MASK 0xffff0000u

/* Fixed page numbers within the region (independent of the maximum, so a
 * view needs no more than the region's address). */
#define GNT_PG_SHARED   1
#define GNT_PG_STATUS   (GNT_PG_SHARED + GNT_MAX_FRAMES_LIMIT)
#define GNT_PG_ACTIVE   (GNT_PG_STATUS + GNT_STATUS_FRAMES(GNT_MAX_FRAMES_LIMIT))

static inline struct gnt_hdr *gnt_hdr(const struct gnt_view *v)
{
    return (struct gnt_hdr *)v->region;
}

static inline struct gnt_active *gnt_act(const struct gnt_view *v, grant_ref_t ref)
{
    return (struct gnt_active *)(v->region + GNT_PG_ACTIVE * GNT_PAGE_SIZE) + ref;
}

/* The flags/domid word every version starts its entry with. */
static inline uint32_t *gnt_hdr32(const struct gnt_view *v, unsigned version,
                                  grant_ref_t ref)
{
    size_t esz = version == 2 ? sizeof(grant_entry_v2_t) : sizeof(grant_entry_v1_t);
    return (uint32_t *)(v->region + GNT_PG_SHARED * GNT_PAGE_SIZE + ref * esz);
}

static inline grant_entry_v2_t *gnt_v2(const struct gnt_view *v, grant_ref_t ref)
{
    return (grant_entry_v2_t *)(v->region + GNT_PG_SHARED * GNT_PAGE_SIZE) + ref;
}

static inline grant_status_t *gnt_status(const struct gnt_view *v, grant_ref_t ref)
{
    return (grant_status_t *)(v->region + GNT_PG_STATUS * GNT_PAGE_SIZE) + ref;
}

static inline uint32_t gnt_load(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Table lock: takers read, version switches, growth and swaps write.
 * Spins (with sched_yield): held only for a few loads and stores. */
void gnt_rdlock(struct gnt_hdr *h);
void gnt_rdunlock(struct gnt_hdr *h);
void gnt_wrlock(struct gnt_hdr *h);
void gnt_wrunlock(struct gnt_hdr *h);
void gnt_act_lock(struct gnt_active *a);
void gnt_act_unlock(struct gnt_active *a);

/* Entries in NR frames of VERSION. */
static inline unsigned gnt_entries(unsigned version, unsigned nr)
{
    return nr * (unsigned)(version == 2 ? GNT_V2_PER_FRAME : GNT_V1_PER_FRAME);
}

#endif
