/* Save/restore of a grant table: the version, sizes and frame contents,
 * in the saved-state encoding (lib/savestate.h).
 * Pins are not saved: a table is saved with no grants held beyond the
 * reserved entries, as Xen's migration requires backends to disconnect.
 * Where the guest mapped the frames is physmap state, saved with it. */
#include "internal.h"

#include <errno.h>
#include <string.h>

#include "savestate.h"

#define SAVE_MAGIC 0x53474b58u      /* "XKGS" */
#define SAVE_FORMAT 1u
#define SAVE_HDR_LEN 24             /* six u32 */

size_t gnt_save_size(const struct gnt_view *v)
{
    return SAVE_HDR_LEN +
           (size_t)(gnt_nr_frames(v) + gnt_nr_status_frames(v)) * GNT_PAGE_SIZE;
}

static int save_to(struct gnt_view *v, struct ss_wr *w, bool pins_ok)
{
    struct gnt_hdr *h = gnt_hdr(v);
    uint32_t version, nr_frames, nr_status;

    gnt_wrlock(h);
    if (!pins_ok && gnt_any_pinned(v, GNTTAB_NR_RESERVED_ENTRIES)) {
        gnt_wrunlock(h);
        return -EBUSY;
    }
    version = h->version;
    nr_frames = h->nr_frames;
    nr_status = version == 2 ? GNT_STATUS_FRAMES(nr_frames) : 0;
    ss_put_u32(w, SAVE_MAGIC);
    ss_put_u32(w, SAVE_FORMAT);
    ss_put_u32(w, version);
    ss_put_u32(w, nr_frames);
    ss_put_u32(w, h->max_frames);
    ss_put_u32(w, nr_status);
    ss_put_bytes(w, gnt_shared_frame(v, 0), (size_t)nr_frames * GNT_PAGE_SIZE);
    ss_put_bytes(w, gnt_status_frame(v, 0), (size_t)nr_status * GNT_PAGE_SIZE);
    gnt_wrunlock(h);
    return 0;
}

int gnt_save_to(struct gnt_view *v, struct ss_wr *w)
{
    return save_to(v, w, false);
}

int gnt_save_to_kept(struct gnt_view *v, struct ss_wr *w)
{
    return save_to(v, w, true);
}

long gnt_save(struct gnt_view *v, void *buf, size_t size)
{
    struct ss_wr w = ss_wr_fixed(buf, size);
    int rc = gnt_save_to(v, &w);

    if (rc)
        return rc;
    return w.failed ? -ENOSPC : (long)w.len;
}

/* A saved table, read and checked before anything changes. */
struct saved {
    uint32_t version, nr_frames, max_frames, nr_status;
    const uint8_t *shared, *status;
};

static int parse(struct ss_rd *r, struct saved *s)
{
    uint32_t magic = ss_get_u32(r), format = ss_get_u32(r);

    s->version = ss_get_u32(r);
    s->nr_frames = ss_get_u32(r);
    s->max_frames = ss_get_u32(r);
    s->nr_status = ss_get_u32(r);
    if (!ss_check(r, magic == SAVE_MAGIC && format == SAVE_FORMAT &&
                     (s->version == 1 || s->version == 2) &&
                     s->nr_frames >= GNT_INITIAL_FRAMES &&
                     s->max_frames <= GNT_MAX_FRAMES_LIMIT &&
                     s->nr_frames <= s->max_frames &&
                     s->nr_status == (s->version == 2 ? GNT_STATUS_FRAMES(s->nr_frames) : 0)))
        return -EINVAL;
    s->shared = ss_get_bytes(r, (size_t)s->nr_frames * GNT_PAGE_SIZE);
    s->status = ss_get_bytes(r, (size_t)s->nr_status * GNT_PAGE_SIZE);
    return r->bad ? -EINVAL : 0;
}

static int apply(struct gnt_view *v, const struct saved *s)
{
    struct gnt_hdr *h = gnt_hdr(v);
    int rc = 0;

    gnt_wrlock(h);
    if (gnt_any_pinned(v, 0)) {
        rc = -EBUSY;
        goto out;
    }
    /* Everything past what the stream holds reads as zero, as grown
     * frames must. */
    memset(gnt_shared_frame(v, 0), 0, (size_t)GNT_MAX_FRAMES_LIMIT * GNT_PAGE_SIZE);
    memset(gnt_status_frame(v, 0), 0,
           (size_t)GNT_STATUS_FRAMES(GNT_MAX_FRAMES_LIMIT) * GNT_PAGE_SIZE);
    memcpy(gnt_shared_frame(v, 0), s->shared, (size_t)s->nr_frames * GNT_PAGE_SIZE);
    memcpy(gnt_status_frame(v, 0), s->status, (size_t)s->nr_status * GNT_PAGE_SIZE);
    h->max_frames = s->max_frames;
    h->nr_frames = s->nr_frames;
    __atomic_store_n(&h->version, s->version, __ATOMIC_RELEASE);
out:
    gnt_wrunlock(h);
    return rc;
}

int gnt_restore_from(struct gnt_view *v, struct ss_rd *r)
{
    struct saved s;
    int rc = parse(r, &s);

    return rc ? rc : apply(v, &s);
}

int gnt_restore_kept(struct gnt_view *v, struct ss_rd *r)
{
    struct gnt_hdr *h = gnt_hdr(v);
    struct saved s;
    int rc = parse(r, &s);

    if (rc)
        return rc;
    /* The table in the kept memory must be the one that was saved. */
    if (!ss_check(r, __atomic_load_n(&h->version, __ATOMIC_ACQUIRE) == s.version &&
                     h->nr_frames == s.nr_frames && h->max_frames == s.max_frames))
        return -EINVAL;
    return 0;
}

int gnt_restore(struct gnt_view *v, const void *buf, size_t size)
{
    struct ss_rd r = ss_rd_init(buf, size);
    struct saved s;
    int rc = parse(&r, &s);

    if (rc || !ss_done(&r))
        return -EINVAL;
    return apply(v, &s);
}
