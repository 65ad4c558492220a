/* GNTTABOP_copy (xen/common/grant_table.c gnttab_copy_one and helpers):
 * batched, a status per operation.  Each side is a grant reference of a
 * domain's table or, for DOMID_SELF only, one of the guest's own frames. */
#include <errno.h>
#include <string.h>

#include "grant.h"
#include "hc_grant.h"

enum { GC_STATUS = 8 };

/* One side of a copy, claimed (gnttab_copy_claim_buf). */
struct copy_buf {
    struct gnt_handle h;        /* h.view set while a grant is held */
    uint8_t *page;
    unsigned off, len;          /* the part the grant covers */
};

static void release_buf(struct copy_buf *b)
{
    gnt_release(&b->h);
}

static int claim_buf(struct hcall *c, const struct gnttab_copy_ptr *p,
                     bool is_gref, bool write, struct copy_buf *b)
{
    struct vm *vm = c->vm;
    int rc;

    memset(b, 0, sizeof(*b));
    if (!is_gref) {
        /* get_paged_frame: the guest's own RAM. */
        b->page = vm_gnttab_ram_ptr(vm, p->u.gmfn);
        b->len = GNT_PAGE_SIZE;
        return b->page ? GNTST_okay : GNTST_bad_page;
    }
    /* Domain 0 (the host) keeps no grant table guests can use. */
    if (p->domid == 0)
        return GNTST_general_error;
    rc = gnt_take(&vm->gnttab->view, vm->domid, p->u.ref,
                  write ? GNT_WRITE : GNT_READ, &b->h);
    if (rc)
        return rc;
    b->page = b->h.ptr - b->h.offset;
    b->off = b->h.offset;
    b->len = b->h.len;
    return GNTST_okay;
}

/* gnttab_copy_lock_domain: frames only for DOMID_SELF, then the lookup. */
static int16_t check_domain(struct hcall *c, domid_t dom, bool is_gref)
{
    if (dom != DOMID_SELF && !is_gref)
        return GNTST_permission_denied;
    if (dom == 0)
        return GNTST_okay;      /* exists; its grefs fail in claim_buf */
    return hcall_domid_check(c, dom) ? GNTST_bad_domain : GNTST_okay;
}

static int16_t copy_one(struct hcall *c, const struct gnttab_copy *op)
{
    bool sg = op->flags & GNTCOPY_source_gref, dg = op->flags & GNTCOPY_dest_gref;
    struct copy_buf src, dst;
    int16_t rc;

    if ((rc = check_domain(c, op->source.domid, sg)) ||
        (rc = check_domain(c, op->dest.domid, dg)))
        return rc;
    if ((rc = (int16_t)claim_buf(c, &op->source, sg, false, &src)))
        return rc;
    if ((rc = (int16_t)claim_buf(c, &op->dest, dg, true, &dst))) {
        release_buf(&src);
        return rc;
    }
    /* gnttab_copy_buf's checks, in its order. */
    if ((unsigned)op->source.offset + op->len > GNT_PAGE_SIZE ||
        (unsigned)op->dest.offset + op->len > GNT_PAGE_SIZE)
        rc = GNTST_bad_copy_arg;
    else if (op->source.offset < src.off ||
             (unsigned)op->source.offset + op->len > src.off + src.len ||
             op->dest.offset < dst.off ||
             (unsigned)op->dest.offset + op->len > dst.off + dst.len)
        rc = GNTST_general_error;
    else
        memmove(dst.page + op->dest.offset, src.page + op->source.offset, op->len);
    release_buf(&dst);
    release_buf(&src);
    return rc;
}

long grant_copy(struct hcall *c, uint64_t uop, unsigned count)
{
    size_t sz = abi_size(&abi_gnttab_copy, c->compat);

    for (unsigned i = 0; i < count; i++) {
        struct gnttab_copy op;
        uint64_t at = uop + (uint64_t)i * sz;

        if (guest_get(c, at, &abi_gnttab_copy, &op))
            return -EFAULT;
        if (grant_put_status(c, at, &abi_gnttab_copy, GC_STATUS, copy_one(c, &op)))
            return -EFAULT;
    }
    return 0;
}
