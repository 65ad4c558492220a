/* Save/restore of a grant table: the version, sizes and frame contents.
 * Pins are not saved: a table is saved with no grants held beyond the
 * reserved entries, as Xen's migration requires backends to disconnect.
 * Where the guest mapped the frames is physmap state, saved with it. */
#include "internal.h"

#include <errno.h>
#include <string.h>

#define SAVE_MAGIC 0x53474b58u      /* "XKGS" */
#define SAVE_FORMAT 1u

struct save_hdr {
    uint32_t magic, format, version, nr_frames, max_frames, nr_status;
};

size_t gnt_save_size(const struct gnt_view *v)
{
    return sizeof(struct save_hdr) +
           (size_t)(gnt_nr_frames(v) + gnt_nr_status_frames(v)) * GNT_PAGE_SIZE;
}

long gnt_save(struct gnt_view *v, void *buf, size_t size)
{
    struct gnt_hdr *h = gnt_hdr(v);
    struct save_hdr s;
    uint8_t *p = buf;
    long len;

    gnt_wrlock(h);
    if (gnt_any_pinned(v, GNTTAB_NR_RESERVED_ENTRIES)) {
        gnt_wrunlock(h);
        return -EBUSY;
    }
    s.magic = SAVE_MAGIC;
    s.format = SAVE_FORMAT;
    s.version = h->version;
    s.nr_frames = h->nr_frames;
    s.max_frames = h->max_frames;
    s.nr_status = s.version == 2 ? GNT_STATUS_FRAMES(s.nr_frames) : 0;
    len = (long)(sizeof(s) + (size_t)(s.nr_frames + s.nr_status) * GNT_PAGE_SIZE);
    if ((size_t)len > size) {
        gnt_wrunlock(h);
        return -ENOSPC;
    }
    memcpy(p, &s, sizeof(s));
    p += sizeof(s);
    memcpy(p, gnt_shared_frame(v, 0), (size_t)s.nr_frames * GNT_PAGE_SIZE);
    p += (size_t)s.nr_frames * GNT_PAGE_SIZE;
    memcpy(p, gnt_status_frame(v, 0), (size_t)s.nr_status * GNT_PAGE_SIZE);
    gnt_wrunlock(h);
    return len;
}

int gnt_restore(struct gnt_view *v, const void *buf, size_t size)
{
    struct gnt_hdr *h = gnt_hdr(v);
    const uint8_t *p = buf;
    struct save_hdr s;
    int rc = 0;

    if (size < sizeof(s))
        return -EINVAL;
    memcpy(&s, p, sizeof(s));
    if (s.magic != SAVE_MAGIC || s.format != SAVE_FORMAT ||
        (s.version != 1 && s.version != 2) ||
        s.nr_frames < GNT_INITIAL_FRAMES || s.max_frames > GNT_MAX_FRAMES_LIMIT ||
        s.nr_frames > s.max_frames ||
        s.nr_status != (s.version == 2 ? GNT_STATUS_FRAMES(s.nr_frames) : 0) ||
        size != sizeof(s) + (size_t)(s.nr_frames + s.nr_status) * GNT_PAGE_SIZE)
        return -EINVAL;
    p += sizeof(s);
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
    memcpy(gnt_shared_frame(v, 0), p, (size_t)s.nr_frames * GNT_PAGE_SIZE);
    p += (size_t)s.nr_frames * GNT_PAGE_SIZE;
    memcpy(gnt_status_frame(v, 0), p, (size_t)s.nr_status * GNT_PAGE_SIZE);
    h->max_frames = s.max_frames;
    h->nr_frames = s.nr_frames;
    __atomic_store_n(&h->version, s.version, __ATOMIC_RELEASE);
out:
    gnt_wrunlock(h);
    return rc;
}
