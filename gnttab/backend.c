/* Backend helpers on top of take/release: copies, a guest-RAM translator
 * for another process, and error strings. */
#include "internal.h"

#include <string.h>

static int copy_common(struct gnt_view *v, domid_t ldom, grant_ref_t gref,
                       unsigned offset, void *buf, size_t len, bool to_guest)
{
    struct gnt_handle h;
    int rc;

    if (offset > GNT_PAGE_SIZE || len > GNT_PAGE_SIZE - offset)
        return GNTST_bad_copy_arg;
    rc = gnt_take(v, ldom, gref, to_guest ? GNT_WRITE : GNT_READ, &h);
    if (rc)
        return rc;
    /* A sub-page grant covers [h.offset, h.offset + h.len) only. */
    if (offset < h.offset || offset + len > (size_t)h.offset + h.len) {
        rc = GNTST_general_error;
    } else {
        uint8_t *p = h.ptr - h.offset + offset;

        if (to_guest)
            memcpy(p, buf, len);
        else
            memcpy(buf, p, len);
    }
    gnt_release(&h);
    return rc;
}

int gnt_copy_from(struct gnt_view *v, domid_t ldom, grant_ref_t gref,
                  unsigned offset, void *buf, size_t len)
{
    return copy_common(v, ldom, gref, offset, buf, len, false);
}

int gnt_copy_to(struct gnt_view *v, domid_t ldom, grant_ref_t gref,
                unsigned offset, const void *buf, size_t len)
{
    return copy_common(v, ldom, gref, offset, (void *)buf, len, true);
}

void *gnt_flat_ram_ptr(void *opaque, uint64_t gfn)
{
    const struct gnt_flat_ram *r = opaque;
    const uint64_t gfn_4g = 0x100000000ULL / GNT_PAGE_SIZE;

    if (gfn < r->lowmem_pages)
        return r->base + gfn * GNT_PAGE_SIZE;
    if (gfn >= gfn_4g && gfn - gfn_4g < r->ram_pages - r->lowmem_pages)
        return r->base + (r->lowmem_pages + gfn - gfn_4g) * GNT_PAGE_SIZE;
    return NULL;
}

const char *gnt_strerror(int gntst)
{
    /* Xen's GNTTABOP_error_msgs, indexed by -GNTST_*. */
    static const char *const msg[] = GNTTABOP_error_msgs;

    if (gntst > 0 || -gntst >= (int)(sizeof(msg) / sizeof(msg[0])))
        return "unknown grant status";
    return msg[-gntst];
}
