/* Reading and checking one blkif request (blkreq.h). */
#include "blkreq.h"

#include <string.h>

void blkreq_decode(enum blk_layout layout, const union blk_slot *slot, struct blk_req *r)
{
    unsigned i, n;

    memset(r, 0, offsetof(struct blk_req, seg));
    if (layout == BLK_LAYOUT_NATIVE) {
        const struct blkif_request *q = &slot->native;

        r->operation = q->operation;
        r->id = q->id;          /* at the same place in every request kind */
        switch (q->operation) {
        case BLKIF_OP_DISCARD: {
            const struct blkif_request_discard *d = (const void *)q;
            r->discard_flag = d->flag;
            r->sector = d->sector_number;
            r->nr_sectors = d->nr_sectors;
            break;
        }
        case BLKIF_OP_INDIRECT: {
            const struct blkif_request_indirect *in = (const void *)q;
            r->rsp_op = in->indirect_op;
            r->nr_segments = in->nr_segments;
            r->sector = in->sector_number;
            memcpy(r->indirect_grefs, in->indirect_grefs, sizeof(r->indirect_grefs));
            break;
        }
        default:
            r->nr_segments = q->nr_segments;
            r->sector = q->sector_number;
            n = r->nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ? r->nr_segments
                                                                : BLKIF_MAX_SEGMENTS_PER_REQUEST;
            for (i = 0; i < n; i++)
                r->seg[i] = (struct blk_seg){ q->seg[i].gref, q->seg[i].first_sect,
                                              q->seg[i].last_sect };
        }
    } else {
        const struct blkif_x86_32_request *q = &slot->x86_32;

        r->operation = q->operation;
        r->id = q->u.rw.id;
        switch (q->operation) {
        case BLKIF_OP_DISCARD:
            r->discard_flag = q->u.discard.flag;
            r->sector = q->u.discard.sector_number;
            r->nr_sectors = q->u.discard.nr_sectors;
            break;
        case BLKIF_OP_INDIRECT:
            r->rsp_op = q->u.indirect.indirect_op;
            r->nr_segments = q->u.indirect.nr_segments;
            r->sector = q->u.indirect.sector_number;
            memcpy(r->indirect_grefs, q->u.indirect.indirect_grefs,
                   sizeof(r->indirect_grefs));
            break;
        default:
            r->nr_segments = q->u.rw.nr_segments;
            r->sector = q->u.rw.sector_number;
            n = r->nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ? r->nr_segments
                                                                : BLKIF_MAX_SEGMENTS_PER_REQUEST;
            for (i = 0; i < n; i++)
                r->seg[i] = (struct blk_seg){ q->u.rw.seg[i].gref, q->u.rw.seg[i].first_sect,
                                              q->u.rw.seg[i].last_sect };
        }
    }
    if (r->operation != BLKIF_OP_INDIRECT)
        r->rsp_op = r->operation;
}

/* The indirect pages' descriptors, copied out of their grants. */
static int read_indirect(struct blk_req *r, blk_read_grant_fn read_grant, void *opaque)
{
    struct blkif_request_segment page[BLK_SEGS_PER_INDIRECT_PAGE];
    unsigned p, i, done = 0;

    r->nr_indirect_pages = (r->nr_segments + BLK_SEGS_PER_INDIRECT_PAGE - 1) /
                           BLK_SEGS_PER_INDIRECT_PAGE;
    for (p = 0; p < r->nr_indirect_pages; p++) {
        unsigned n = r->nr_segments - done;

        if (n > BLK_SEGS_PER_INDIRECT_PAGE)
            n = BLK_SEGS_PER_INDIRECT_PAGE;
        if (read_grant(opaque, r->indirect_grefs[p], page,
                       n * (unsigned)sizeof(page[0])))
            return BLKIF_RSP_ERROR;
        for (i = 0; i < n; i++, done++)
            r->seg[done] = (struct blk_seg){ page[i].gref, page[i].first_sect,
                                             page[i].last_sect };
    }
    return BLKIF_RSP_OKAY;
}

/* The data segments of a read, write, flush or barrier. */
static int check_segments(struct blk_req *r, const struct blk_limits *lim)
{
    uint64_t mask = (lim->sector_size >> BLK_SECTOR_SHIFT) - 1, end;
    unsigned i;

    r->nr_sectors = 0;
    for (i = 0; i < r->nr_segments; i++) {
        const struct blk_seg *s = &r->seg[i];

        if (s->first > s->last || s->last >= BLK_SECTORS_PER_PAGE)
            return BLKIF_RSP_ERROR;
        /* Linux: "Misaligned I/O request" against the logical block size. */
        if ((r->sector | (uint64_t)(s->last - s->first + 1)) & mask)
            return BLKIF_RSP_ERROR;
        r->nr_sectors += s->last - s->first + 1u;
    }
    if (r->op != BLKIF_OP_READ && lim->readonly)
        return BLKIF_RSP_ERROR;
    end = r->sector + r->nr_sectors;
    if (r->nr_sectors && (end < r->sector || end > lim->sectors))
        return BLKIF_RSP_ERROR;
    return BLKIF_RSP_OKAY;
}

int blkreq_check(struct blk_req *r, const struct blk_limits *lim,
                 blk_read_grant_fn read_grant, void *opaque)
{
    uint64_t end;
    int rc;

    r->op = r->operation;
    switch (r->operation) {
    case BLKIF_OP_READ:
    case BLKIF_OP_WRITE:
        if (r->nr_segments == 0 || r->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            return BLKIF_RSP_ERROR;
        return check_segments(r, lim);
    case BLKIF_OP_FLUSH_DISKCACHE:
    case BLKIF_OP_WRITE_BARRIER:
        if (r->operation == BLKIF_OP_FLUSH_DISKCACHE ? !lim->flush : !lim->barrier)
            return BLKIF_RSP_EOPNOTSUPP;
        /* A flush or barrier may carry data to write after the flush. */
        if (r->nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST)
            return BLKIF_RSP_ERROR;
        return check_segments(r, lim);
    case BLKIF_OP_DISCARD:
        if (!lim->discard)
            return BLKIF_RSP_EOPNOTSUPP;
        end = r->sector + r->nr_sectors;
        if (lim->readonly || end < r->sector || end > lim->sectors)
            return BLKIF_RSP_ERROR;
        return BLKIF_RSP_OKAY;
    case BLKIF_OP_INDIRECT:
        if (r->rsp_op != BLKIF_OP_READ && r->rsp_op != BLKIF_OP_WRITE)
            return BLKIF_RSP_ERROR;
        if (r->nr_segments == 0 || r->nr_segments > BLK_MAX_INDIRECT_SEGS)
            return BLKIF_RSP_ERROR;
        r->op = r->rsp_op;
        if ((rc = read_indirect(r, read_grant, opaque)))
            return rc;
        return check_segments(r, lim);
    default:
        /* BLKIF_OP_RESERVED_1 and anything newer than this backend. */
        return BLKIF_RSP_EOPNOTSUPP;
    }
}
