/* Reading and checking one blkif request, as Linux's xen-blkback does
 * (drivers/block/xen-blkback/blkback.c: __do_block_io_op,
 * dispatch_rw_block_io, dispatch_discard_io): the request is already a
 * private copy of the ring slot (union blk_slot); indirect segment pages
 * are copied out of their grants before any descriptor is looked at.
 *
 * blkreq_decode turns either layout into one form; blkreq_check says
 * what the response will be when the request cannot run: BLKIF_RSP_ERROR
 * (bad segment counts or sector ranges, past the end, a write to a
 * read-only disk, misalignment, a bad indirect op or page) or
 * BLKIF_RSP_EOPNOTSUPP (an unknown operation, or a feature the disk does
 * not offer).  Pure functions: the fuzz harness drives them directly. */
#ifndef XK_BLKREQ_H
#define XK_BLKREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "blkif_abi.h"

/* feature-max-indirect-segments: what one indirect request may carry. */
#define BLK_MAX_INDIRECT_SEGS 256
#define BLK_MAX_INDIRECT_PAGES \
    ((BLK_MAX_INDIRECT_SEGS + BLK_SEGS_PER_INDIRECT_PAGE - 1) / BLK_SEGS_PER_INDIRECT_PAGE)
_Static_assert(BLK_MAX_INDIRECT_PAGES <= BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST,
               "indirect pages per request");

/* What the disk offers, as published in xenstore. */
struct blk_limits {
    uint64_t sectors;           /* size in 512-byte sectors */
    unsigned sector_size;       /* logical sector size, bytes (512, 4096) */
    bool readonly;
    bool flush, barrier, discard;
};

struct blk_seg {
    grant_ref_t gref;
    uint8_t first, last;        /* sectors within the page, inclusive */
};

struct blk_req {
    uint8_t operation;          /* as on the ring */
    uint8_t rsp_op;             /* what the response carries: operation, or
                                   indirect_op for BLKIF_OP_INDIRECT */
    uint8_t op;                 /* what to do: READ, WRITE, FLUSH_DISKCACHE,
                                   WRITE_BARRIER, DISCARD (after checking) */
    uint8_t discard_flag;
    uint64_t id;
    uint64_t sector;            /* first sector (512-byte units) */
    uint64_t nr_sectors;        /* discard: as given; rw: sum of segments */
    unsigned nr_segments;       /* as given (indirect: up to 65535) */
    unsigned nr_indirect_pages;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    struct blk_seg seg[BLK_MAX_INDIRECT_SEGS];
};

/* Copy LEN bytes of the page GREF grants (the frontend's indirect segment
 * page) into BUF; 0, or non-zero for a bad grant. */
typedef int (*blk_read_grant_fn)(void *opaque, grant_ref_t gref, void *buf, unsigned len);

/* The slot in LAYOUT, into R (id, operation, rsp_op always filled, so a
 * response can be made whatever check says). */
void blkreq_decode(enum blk_layout layout, const union blk_slot *slot, struct blk_req *r);

/* BLKIF_RSP_OKAY when R can run on a disk with limits LIM (then R->op,
 * R->seg and R->nr_sectors describe it), else the error response.
 * Indirect descriptors are read through READ_GRANT. */
int blkreq_check(struct blk_req *r, const struct blk_limits *lim,
                 blk_read_grant_fn read_grant, void *opaque);

/* Bytes of segment S. */
static inline unsigned blk_seg_bytes(const struct blk_seg *s)
{
    return (unsigned)(s->last - s->first + 1) << BLK_SECTOR_SHIFT;
}

#endif
