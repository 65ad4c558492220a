/* pt_dma.c: a function's DMA mappings as ranges that follow the balloon
 * (pt_dma.h). */
#include "pt_dma.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PAGE_MASK 4095ull

void pt_dma_init(struct pt_dma *m, struct pt_devsrc *src, int fd, uint8_t *mem)
{
    memset(m, 0, sizeof(*m));
    m->src = src;
    m->fd = fd;
    m->mem = mem;
}

static int src_map(struct pt_dma *m, const struct pt_dma_range *x)
{
    return m->src->ops->dma_map(m->src, x->iova, x->size, m->fd, x->fd_off,
                                m->mem ? m->mem + x->fd_off : NULL, true);
}

static int src_unmap(struct pt_dma *m, const struct pt_dma_range *x)
{
    return m->src->ops->dma_unmap(m->src, x->iova, x->size);
}

/* Room for N more ranges, so that nothing mapped is ever left unrecorded. */
static int reserve(struct pt_dma *m, unsigned more)
{
    unsigned cap = m->cap ? m->cap : 8;
    struct pt_dma_range *r;

    if (m->n + more <= m->cap)
        return 0;
    while (cap < m->n + more)
        cap *= 2;
    if (!(r = realloc(m->r, cap * sizeof(*r))))
        return -ENOMEM;
    m->r = r;
    m->cap = cap;
    return 0;
}

static void insert(struct pt_dma *m, const struct pt_dma_range *x)
{
    unsigned i = 0;

    while (i < m->n && m->r[i].iova < x->iova)
        i++;
    memmove(m->r + i + 1, m->r + i, (m->n - i) * sizeof(*x));
    m->r[i] = *x;
    m->n++;
}

static void drop(struct pt_dma *m, unsigned i)
{
    memmove(m->r + i, m->r + i + 1, (m->n - i - 1) * sizeof(m->r[0]));
    m->n--;
}

static bool bad_range(uint64_t start, uint64_t size)
{
    return !size || (start | size) & PAGE_MASK || start + size < start;
}

/* The index of a range ending where X starts (LEFT) or starting where it
 * ends, contiguous in both spaces; -1 for none. */
static int neighbour(const struct pt_dma *m, const struct pt_dma_range *x, bool left)
{
    for (unsigned i = 0; i < m->n; i++) {
        const struct pt_dma_range *y = &m->r[i];

        if (left ? y->iova + y->size == x->iova && y->fd_off + y->size == x->fd_off
                 : x->iova + x->size == y->iova && x->fd_off + x->size == y->fd_off)
            return (int)i;
    }
    return -1;
}

int pt_dma_add(struct pt_dma *m, uint64_t iova, uint64_t size, uint64_t fd_off)
{
    struct pt_dma_range x = { iova, size, fd_off }, join;
    int li, ri, r;

    if (bad_range(iova, size) || bad_range(fd_off, size))
        return -EINVAL;
    for (unsigned i = 0; i < m->n; i++) {
        const struct pt_dma_range *y = &m->r[i];

        if (iova >= y->iova + y->size || y->iova >= iova + size)
            continue;
        if (iova >= y->iova && iova + size <= y->iova + y->size &&
            fd_off - y->fd_off == iova - y->iova)
            return 0;
        return -EEXIST;
    }
    if ((r = reserve(m, 1)) < 0)
        return r;
    li = m->src->ops->dma_remap ? neighbour(m, &x, true) : -1;
    ri = m->src->ops->dma_remap ? neighbour(m, &x, false) : -1;
    /* Joining keeps a balloon's churn from multiplying the mappings: the
     * neighbours are unmapped and one mapping covers all three. */
    join = x;
    if (li >= 0 && src_unmap(m, &m->r[li]) == 0) {
        join.iova = m->r[li].iova;
        join.fd_off = m->r[li].fd_off;
        join.size += m->r[li].size;
    } else {
        li = -1;
    }
    if (ri >= 0 && src_unmap(m, &m->r[ri]) == 0)
        join.size += m->r[ri].size;
    else
        ri = -1;
    if (li < 0 && ri < 0) {
        if ((r = src_map(m, &x)) == 0)
            insert(m, &x);
        return r;
    }
    if ((r = src_map(m, &join)) == 0) {
        if (ri > li) {
            drop(m, (unsigned)ri);
            if (li >= 0)
                drop(m, (unsigned)li);
        } else {
            drop(m, (unsigned)li);
            if (ri >= 0)
                drop(m, (unsigned)ri);
        }
        insert(m, &join);
        return 0;
    }
    /* The joined mapping failed: the neighbours as they were, then X. */
    log_warn("DMA map of %#llx+%#llx: %s; mapping the pieces", (unsigned long long)join.iova,
             (unsigned long long)join.size, strerror(-r));
    for (int k = 1; k >= 0; k--) {
        int i = k ? (li > ri ? li : ri) : (li > ri ? ri : li);

        if (i >= 0 && src_map(m, &m->r[i]) < 0) {
            log_warn("DMA range %#llx lost", (unsigned long long)m->r[i].iova);
            drop(m, (unsigned)i);
        }
    }
    if ((r = src_map(m, &x)) == 0)
        insert(m, &x);
    return r;
}

/* The part of range Y in memfd bytes [off, off+size): *A..*B, or false. */
static bool fd_overlap(const struct pt_dma_range *y, uint64_t off, uint64_t size,
                       uint64_t *a, uint64_t *b)
{
    *a = off > y->fd_off ? off : y->fd_off;
    *b = off + size < y->fd_off + y->size ? off + size : y->fd_off + y->size;
    return *a < *b;
}

/* Map both pieces (those not empty) and record them; on failure none is
 * left mapped. */
static int map_pieces(struct pt_dma *m, const struct pt_dma_range piece[2])
{
    int r = 0;

    for (unsigned k = 0; k < 2 && !r; k++) {
        if (!piece[k].size)
            continue;
        if ((r = src_map(m, &piece[k])) == 0)
            insert(m, &piece[k]);
        else if (k == 1 && piece[0].size) {
            for (unsigned i = 0; i < m->n; i++)
                if (m->r[i].iova == piece[0].iova) {
                    src_unmap(m, &m->r[i]);
                    drop(m, i);
                    break;
                }
        }
    }
    return r;
}

bool pt_dma_can_remove(const struct pt_dma *m, uint64_t fd_off, uint64_t size)
{
    uint64_t a, b;

    if (m->src->ops->dma_remap)
        return true;
    for (unsigned i = 0; i < m->n; i++)
        if (fd_overlap(&m->r[i], fd_off, size, &a, &b) &&
            (a > m->r[i].fd_off || b < m->r[i].fd_off + m->r[i].size))
            return false;
    return true;
}

int pt_dma_remove(struct pt_dma *m, uint64_t fd_off, uint64_t size)
{
    uint64_t a, b;
    int rc = 0, r;

    if (bad_range(fd_off, size))
        return -EINVAL;
    if (!pt_dma_can_remove(m, fd_off, size))
        return -EBUSY;
    for (unsigned i = 0; i < m->n;) {
        struct pt_dma_range y = m->r[i], piece[2];

        if (!fd_overlap(&y, fd_off, size, &a, &b)) {
            i++;
            continue;
        }
        if ((r = reserve(m, 2)) < 0 || (r = src_unmap(m, &y)) < 0) {
            /* Still mapped: the caller must not free the memory. */
            log_warn("DMA unmap of %#llx+%#llx: %s", (unsigned long long)y.iova,
                     (unsigned long long)y.size, strerror(-r));
            rc = r;
            i++;
            continue;
        }
        drop(m, i);
        piece[0] = (struct pt_dma_range){ y.iova, a - y.fd_off, y.fd_off };
        piece[1] = (struct pt_dma_range){ y.iova + (b - y.fd_off), y.fd_off + y.size - b, b };
        if ((r = map_pieces(m, piece)) == 0)
            continue;   /* the pieces lie outside [a, b): go on from I */
        /* The source has no room for the pieces (a server's region limit):
         * the range as it was, and the page stays (the caller refuses). */
        log_warn("DMA map of the rest of %#llx+%#llx: %s; the page stays mapped",
                 (unsigned long long)y.iova, (unsigned long long)y.size, strerror(-r));
        rc = r;
        if (src_map(m, &y) == 0) {
            insert(m, &y);
            i++;
        } else {
            log_warn("DMA range %#llx+%#llx lost", (unsigned long long)y.iova,
                     (unsigned long long)y.size);
        }
    }
    return rc;
}

void pt_dma_clear(struct pt_dma *m, bool unmap)
{
    for (unsigned i = 0; unmap && i < m->n; i++)
        src_unmap(m, &m->r[i]);
    free(m->r);
    m->r = NULL;
    m->n = m->cap = 0;
}

void pt_dma_save(const struct pt_dma *m, struct ss_wr *w)
{
    ss_put_u32(w, m->n);
    for (unsigned i = 0; i < m->n; i++) {
        ss_put_u64(w, m->r[i].iova);
        ss_put_u64(w, m->r[i].size);
        ss_put_u64(w, m->r[i].fd_off);
    }
}

/* Record a range the source already maps (a live update's). */
static int adopt(struct pt_dma *m, uint64_t iova, uint64_t size, uint64_t fd_off)
{
    struct pt_dma_range x = { iova, size, fd_off };

    if (bad_range(iova, size) || bad_range(fd_off, size))
        return -EINVAL;
    for (unsigned i = 0; i < m->n; i++)
        if (iova < m->r[i].iova + m->r[i].size && m->r[i].iova < iova + size)
            return -EINVAL;
    if (reserve(m, 1) < 0)
        return -ENOMEM;
    insert(m, &x);
    return 0;
}

int pt_dma_restore(struct pt_dma *m, struct ss_rd *r)
{
    uint32_t n = ss_get_u32(r);

    if (!ss_check(r, n <= ss_left(r) / 24))
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t iova = ss_get_u64(r), size = ss_get_u64(r), off = ss_get_u64(r);

        if (r->bad || adopt(m, iova, size, off) < 0) {
            r->bad = true;
            return -EINVAL;
        }
    }
    return 0;
}

int pt_dma_restore_v1(struct pt_dma *m, uint64_t low, uint64_t high)
{
    int r = 0;

    if (low)
        r = adopt(m, 0, low, 0);
    if (!r && high)
        r = adopt(m, 1ull << 32, high, low);
    return r;
}
