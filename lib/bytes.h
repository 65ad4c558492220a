/* Little-endian fixed-width fields in a byte buffer, for the state streams
 * of save/restore and migration.  The writer counts what it would write
 * past the end (so a NULL buffer measures), the reader marks a short
 * stream bad instead of reading past it. */
#ifndef XK_BYTES_H
#define XK_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xk_wr { uint8_t *p; size_t len, off; };
struct xk_rd { const uint8_t *p; size_t len, off; bool bad; };

static inline void xk_put(struct xk_wr *w, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++, w->off++)
        if (w->p && w->off < w->len)
            w->p[w->off] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t xk_get(struct xk_rd *r, unsigned bytes)
{
    uint64_t v = 0;

    if (r->bad || bytes > r->len - r->off) {
        r->bad = true;
        return 0;
    }
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[r->off + i] << (8 * i);
    r->off += bytes;
    return v;
}

#endif
