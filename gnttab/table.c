/* The table as the VMM drives it: set-up, size, growth, version switch
 * and swap (xen/common/grant_table.c: grant_table_init, gnttab_grow_table,
 * gnttab_set_version, swap_grant_ref). */
#include "internal.h"

#include <errno.h>
#include <string.h>

int gnt_table_init(void *region, unsigned max_frames)
{
    struct gnt_hdr *h = region;

    if (max_frames < GNT_INITIAL_FRAMES || max_frames > GNT_MAX_FRAMES_LIMIT)
        return -EINVAL;
    h->max_frames = max_frames;
    h->version = 1;             /* Xen 4.17 starts every domain at v1 */
    h->nr_frames = GNT_INITIAL_FRAMES;
    h->lock = 0;
    __atomic_store_n(&h->magic, GNT_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

int gnt_view_init(struct gnt_view *v, void *region, domid_t domid,
                  gnt_gfn_ptr_fn fn, void *opaque)
{
    const struct gnt_hdr *h = region;

    if (!region || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != GNT_MAGIC)
        return -EINVAL;
    v->region = region;
    v->domid = domid;
    v->gfn_ptr = fn;
    v->opaque = opaque;
    return 0;
}

int gnt_table_set_max(struct gnt_view *v, unsigned max_frames)
{
    struct gnt_hdr *h = gnt_hdr(v);

    if (max_frames < GNT_INITIAL_FRAMES || max_frames > GNT_MAX_FRAMES_LIMIT ||
        max_frames < gnt_load(&h->nr_frames))
        return -EINVAL;
    h->max_frames = max_frames;
    return 0;
}

unsigned gnt_version(const struct gnt_view *v)
{
    return gnt_load(&gnt_hdr(v)->version);
}

unsigned gnt_nr_frames(const struct gnt_view *v)
{
    return gnt_load(&gnt_hdr(v)->nr_frames);
}

unsigned gnt_max_frames(const struct gnt_view *v)
{
    return gnt_load(&gnt_hdr(v)->max_frames);
}

unsigned gnt_nr_status_frames(const struct gnt_view *v)
{
    return gnt_version(v) == 2 ? GNT_STATUS_FRAMES(gnt_nr_frames(v)) : 0;
}

unsigned gnt_nr_entries(const struct gnt_view *v)
{
    return gnt_entries(gnt_version(v), gnt_nr_frames(v));
}

unsigned gnt_shared_page(unsigned i)
{
    return GNT_PG_SHARED + i;
}

unsigned gnt_status_page(const struct gnt_view *v, unsigned i)
{
    (void)v;
    return GNT_PG_STATUS + i;
}

void *gnt_shared_frame(struct gnt_view *v, unsigned i)
{
    return v->region + (size_t)gnt_shared_page(i) * GNT_PAGE_SIZE;
}

void *gnt_status_frame(struct gnt_view *v, unsigned i)
{
    return v->region + (size_t)gnt_status_page(v, i) * GNT_PAGE_SIZE;
}

int gnt_grow(struct gnt_view *v, unsigned nr)
{
    struct gnt_hdr *h = gnt_hdr(v);
    int rc = 0;

    gnt_wrlock(h);
    if (nr > h->max_frames)
        rc = -EINVAL;
    else if (nr > h->nr_frames)
        /* The pages are already there (zero, or cleared when the table
         * last changed version): growing only makes them count. */
        __atomic_store_n(&h->nr_frames, nr, __ATOMIC_RELEASE);
    gnt_wrunlock(h);
    return rc;
}

bool gnt_any_pinned(struct gnt_view *v, grant_ref_t first)
{
    unsigned n = gnt_entries(1, gnt_nr_frames(v));   /* the most of any version */

    for (grant_ref_t i = first; i < n; i++)
        if (gnt_load(&gnt_act(v, i)->pin))
            return true;
    return false;
}

int gnt_set_version(struct gnt_view *v, unsigned version)
{
    struct gnt_hdr *h = gnt_hdr(v);
    grant_entry_v1_t keep[GNTTAB_NR_RESERVED_ENTRIES];
    unsigned old, nr;
    int rc = 0;

    if (version != 1 && version != 2)
        return -EINVAL;
    gnt_wrlock(h);
    old = h->version;
    nr = h->nr_frames;
    if (old == version)
        goto out;
    /* Entries in use block the switch, except the reserved ones
     * (xenstored and xenconsoled keep those mapped). */
    if (gnt_any_pinned(v, GNTTAB_NR_RESERVED_ENTRIES)) {
        rc = -EBUSY;
        goto out;
    }
    memset(keep, 0, sizeof(keep));
    for (unsigned i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (old == 1) {
            keep[i] = ((grant_entry_v1_t *)gnt_shared_frame(v, 0))[i];
            continue;
        }
        grant_entry_v2_t *e = gnt_v2(v, i);

        switch (e->hdr.flags & GTF_type_mask) {
        case GTF_permit_access:
            if (e->full_page.frame >> 32) {
                rc = -ERANGE;       /* v1 has 32-bit frames */
                goto out;
            }
            keep[i].flags = e->hdr.flags | *gnt_status(v, i);
            keep[i].domid = e->hdr.domid;
            keep[i].frame = (uint32_t)e->full_page.frame;
            break;
        case GTF_transitive:
            rc = -ERANGE;
            goto out;
        default:
            break;                  /* anything else is dropped, as on Xen */
        }
    }
    /* No crud from the old version: shared and status frames cleared. */
    memset(gnt_shared_frame(v, 0), 0, (size_t)nr * GNT_PAGE_SIZE);
    memset(gnt_status_frame(v, 0), 0,
           (size_t)GNT_STATUS_FRAMES(nr) * GNT_PAGE_SIZE);
    for (unsigned i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        if (version == 1) {
            ((grant_entry_v1_t *)gnt_shared_frame(v, 0))[i] = keep[i];
            continue;
        }
        grant_entry_v2_t *e = gnt_v2(v, i);

        *gnt_status(v, i) = keep[i].flags & (GTF_reading | GTF_writing);
        e->hdr.flags = keep[i].flags & ~(GTF_reading | GTF_writing);
        e->hdr.domid = keep[i].domid;
        e->full_page.frame = keep[i].frame;
    }
    __atomic_store_n(&h->version, version, __ATOMIC_RELEASE);
out:
    gnt_wrunlock(h);
    return rc;
}

int gnt_swap(struct gnt_view *v, grant_ref_t a, grant_ref_t b)
{
    struct gnt_hdr *h = gnt_hdr(v);
    int rc = GNTST_okay;

    gnt_wrlock(h);
    unsigned n = gnt_entries(h->version, h->nr_frames);

    if (a >= n || b >= n)
        rc = GNTST_bad_gntref;
    else if (a != b && (gnt_load(&gnt_act(v, a)->pin) || gnt_load(&gnt_act(v, b)->pin)))
        rc = GNTST_eagain;
    else if (a != b && h->version == 1) {
        grant_entry_v1_t *e = gnt_shared_frame(v, 0), t = e[a];

        e[a] = e[b];
        e[b] = t;
    } else if (a != b) {
        grant_entry_v2_t t = *gnt_v2(v, a);
        grant_status_t s = *gnt_status(v, a);

        *gnt_v2(v, a) = *gnt_v2(v, b);
        *gnt_status(v, a) = *gnt_status(v, b);
        *gnt_v2(v, b) = t;
        *gnt_status(v, b) = s;
    }
    gnt_wrunlock(h);
    return rc;
}
