/* One blkif ring as its backend sees it: the frontend's granted pages
 * (one, or 2^order of them made contiguous in our address space), the
 * back ring indices, and the two things the backend does with it: take
 * the next request (a private copy, then checked elsewhere) and put
 * responses, with Xen's event suppression on both sides
 * (RING_FINAL_CHECK_FOR_REQUESTS, RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
 *
 * A producer index that runs more than a ring's worth ahead of our
 * responses is a broken or hostile frontend: the ring halts, with one
 * log line, as Linux's blkback halts it; nothing else is affected. */
#ifndef XK_BLKRING_H
#define XK_BLKRING_H

#include <stdbool.h>
#include <stdint.h>

#include "blkif_abi.h"
#include "gnttab/gnttab.h"

/* max-ring-page-order we offer (Linux's default is 4 too). */
#define BLK_MAX_RING_ORDER 4
#define BLK_MAX_RING_PAGES (1u << BLK_MAX_RING_ORDER)

struct xk_backend_ctx;

struct blk_ring {
    enum blk_layout layout;
    union {
        struct blkif_back_ring native;      /* indices: same in both */
        struct blkif_x86_32_back_ring x86_32;
    } br;
    RING_IDX prod;              /* the frontend's req_prod, last read */
    unsigned nr_pages;
    struct gnt_handle pages[BLK_MAX_RING_PAGES];
    void *base;
    bool remapped;              /* BASE is our own mmap of the pages */
    bool halted;
    const char *name;           /* for log lines */
};

/* Take the NR_PAGES grants REFS of the frontend (domain CTX->domid) as
 * the ring in LAYOUT.  0, or -EINVAL (bad page count), -EFAULT (a grant
 * could not be taken), -errno. */
int blkring_map(struct blk_ring *r, struct xk_backend_ctx *ctx, const grant_ref_t *refs,
                unsigned nr_pages, enum blk_layout layout, const char *name);
/* Give the pages back. */
void blkring_unmap(struct blk_ring *r);

/* Entries in the ring. */
static inline unsigned blkring_size(const struct blk_ring *r)
{
    return r->br.native.nr_ents;
}

/* The next request, copied into SLOT: 1; 0 when there is none (and the
 * frontend has been asked to notify on the next one), or none may be
 * taken before responses make room; -1 when the ring is halted. */
int blkring_take(struct blk_ring *r, union blk_slot *slot);

/* Queue a response (pushed by blkring_push). */
void blkring_respond(struct blk_ring *r, uint64_t id, uint8_t operation, int16_t status);
/* Publish queued responses; true when the frontend wants an event. */
bool blkring_push(struct blk_ring *r);

#endif
