/* One blkif ring (blkring.h). */
#include "blkring.h"

#include <errno.h>
#include <sys/mman.h>

#include "backend/context.h"
#include "log.h"

static int map_pages(struct blk_ring *r, struct xk_backend_ctx *ctx)
{
    size_t len = (size_t)r->nr_pages * BLK_PAGE_SIZE;
    uint8_t *va;
    unsigned i;

    if (r->nr_pages == 1) {
        r->base = r->pages[0].ptr;
        return 0;
    }
    /* Granted pages need not be adjacent in guest memory: map each one's
     * memfd page in turn into one reserved range. */
    if (ctx->mem_fd < 0)
        return -EINVAL;
    va = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (va == MAP_FAILED)
        return -errno;
    for (i = 0; i < r->nr_pages; i++) {
        uint64_t off = (uint64_t)(r->pages[i].ptr - ctx->mem);

        if (r->pages[i].ptr < ctx->mem || off >= ctx->mem_pages * BLK_PAGE_SIZE ||
            mmap(va + (size_t)i * BLK_PAGE_SIZE, BLK_PAGE_SIZE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED, ctx->mem_fd, (off_t)off) == MAP_FAILED) {
            munmap(va, len);
            return -EFAULT;
        }
    }
    r->base = va;
    r->remapped = true;
    return 0;
}

int blkring_map(struct blk_ring *r, struct xk_backend_ctx *ctx, const grant_ref_t *refs,
                unsigned nr_pages, enum blk_layout layout, const char *name)
{
    size_t len = (size_t)nr_pages * BLK_PAGE_SIZE;
    RING_IDX rsp;
    unsigned i;
    int rc;

    memset(r, 0, sizeof(*r));
    r->name = name;
    r->layout = layout;
    if (nr_pages == 0 || nr_pages > BLK_MAX_RING_PAGES || (nr_pages & (nr_pages - 1)))
        return -EINVAL;
    for (i = 0; i < nr_pages; i++) {
        rc = gnt_take(ctx->grants, 0, refs[i], GNT_WRITE | GNT_MAP, &r->pages[i]);
        if (rc) {
            log_warn("%s: ring page %u: grant %u: %s", name, i, refs[i], gnt_strerror(rc));
            r->nr_pages = i;
            blkring_unmap(r);
            return -EFAULT;
        }
    }
    r->nr_pages = nr_pages;
    if ((rc = map_pages(r, ctx))) {
        blkring_unmap(r);
        return rc;
    }
    /* The frontend initialised the shared ring; we only attach, where its
     * responses end (as Linux's xen_blkif_map does): 0 on a new ring, the
     * last answered request on one served before (a backend quiesced for
     * a save, or started for a restored domain).  A producer index more
     * than a ring ahead of it halts the ring in blkring_take. */
    rsp = __atomic_load_n(&((struct blkif_sring *)r->base)->rsp_prod, __ATOMIC_ACQUIRE);
    if (layout == BLK_LAYOUT_NATIVE)
        BACK_RING_ATTACH(&r->br.native, (struct blkif_sring *)r->base, rsp, len);
    else
        BACK_RING_ATTACH(&r->br.x86_32, (struct blkif_x86_32_sring *)r->base, rsp, len);
    r->prod = r->br.native.req_cons;
    return 0;
}

void blkring_unmap(struct blk_ring *r)
{
    unsigned i;

    if (r->remapped)
        munmap(r->base, (size_t)r->nr_pages * BLK_PAGE_SIZE);
    for (i = 0; i < r->nr_pages; i++)
        gnt_release(&r->pages[i]);
    r->nr_pages = 0;
    r->base = NULL;
    r->remapped = false;
}

/* Read the frontend's producer index; false (ring halted) when it is
 * more than a ring ahead of our responses. */
static bool read_prod(struct blk_ring *r)
{
    struct blkif_back_ring *br = &r->br.native;
    RING_IDX prod = __atomic_load_n(&br->sring->req_prod, __ATOMIC_RELAXED);

    xen_rmb();                  /* the requests before the index */
    if (RING_REQUEST_PROD_OVERFLOW(br, prod)) {
        log_warn("%s: frontend provided bogus ring requests (req_prod %u, "
                 "rsp_prod %u: %u apart, ring size %u): halting this ring",
                 r->name, prod, br->rsp_prod_pvt, prod - br->rsp_prod_pvt,
                 RING_SIZE(br));
        r->halted = true;
        return false;
    }
    r->prod = prod;
    return true;
}

int blkring_take(struct blk_ring *r, union blk_slot *slot)
{
    struct blkif_back_ring *br = &r->br.native;
    int more;

    if (r->halted)
        return -1;
    if (br->req_cons == r->prod) {
        if (!read_prod(r))
            return -1;
        if (br->req_cons == r->prod) {
            /* Idle: ask for an event on the next request, then look once
             * more (a request may have come in between). */
            RING_FINAL_CHECK_FOR_REQUESTS(br, more);
            if (!more)
                return 0;
            if (!read_prod(r))
                return -1;
        }
    }
    /* No more requests in flight than the ring has room for responses. */
    if (RING_REQUEST_CONS_OVERFLOW(br, br->req_cons))
        return 0;
    if (r->layout == BLK_LAYOUT_NATIVE)
        RING_COPY_REQUEST(&r->br.native, br->req_cons, &slot->native);
    else
        RING_COPY_REQUEST(&r->br.x86_32, br->req_cons, &slot->x86_32);
    br->req_cons++;
    return 1;
}

void blkring_respond(struct blk_ring *r, uint64_t id, uint8_t operation, int16_t status)
{
    RING_IDX i = r->br.native.rsp_prod_pvt;

    if (r->layout == BLK_LAYOUT_NATIVE) {
        struct blkif_response *p = RING_GET_RESPONSE(&r->br.native, i);
        p->id = id;
        p->operation = operation;
        p->status = status;
    } else {
        struct blkif_x86_32_response *p = RING_GET_RESPONSE(&r->br.x86_32, i);
        p->id = id;
        p->operation = operation;
        p->status = status;
    }
    r->br.native.rsp_prod_pvt = i + 1;
}

bool blkring_push(struct blk_ring *r)
{
    int notify;

    if (r->br.native.rsp_prod_pvt == r->br.native.sring->rsp_prod)
        return false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->br.native, notify);
    return notify;
}
