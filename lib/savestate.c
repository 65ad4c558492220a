/* The saved-state encoding and the walk over a table of parts
 * (savestate.h, docs/saved-state.md). */
#include "savestate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

/* Room for N more bytes at w->len; false (and the writer failed) when
 * there is none. */
static bool room(struct ss_wr *w, size_t n)
{
    size_t cap;
    uint8_t *p;

    if (w->failed)
        return false;
    if (n > SIZE_MAX - w->len) {
        w->failed = true;
        return false;
    }
    if (w->len + n <= w->cap)
        return true;
    if (w->fixed) {
        /* Keep counting, so len measures; a NULL buffer only measures. */
        if (w->p)
            w->failed = true;
        return false;
    }
    cap = w->cap ? w->cap : 4096;
    while (cap < w->len + n)
        cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
    p = realloc(w->p, cap);
    if (!p) {
        w->failed = true;
        return false;
    }
    w->p = p;
    w->cap = cap;
    return true;
}

void ss_wr_free(struct ss_wr *w)
{
    if (!w->fixed)
        free(w->p);
    w->p = NULL;
    w->len = w->cap = 0;
}

uint8_t *ss_wr_take(struct ss_wr *w, size_t *len)
{
    uint8_t *p = w->p;

    if (w->failed || w->fixed) {
        ss_wr_free(w);
        return NULL;
    }
    *len = w->len;
    w->p = NULL;
    w->len = w->cap = 0;
    return p;
}

void ss_put_bytes(struct ss_wr *w, const void *p, size_t n)
{
    if (room(w, n) && n)
        memcpy(w->p + w->len, p, n);
    w->len += n;
}

void ss_put_uint(struct ss_wr *w, uint64_t v, unsigned bytes)
{
    uint8_t b[8];

    for (unsigned i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    ss_put_bytes(w, b, bytes);
}

void ss_put_blob(struct ss_wr *w, const void *p, uint32_t n)
{
    ss_put_u32(w, n);
    ss_put_bytes(w, p, n);
}

void ss_put_str(struct ss_wr *w, const char *s)
{
    size_t n;

    if (!s) {
        ss_put_u32(w, 0xffffffffu);
        return;
    }
    n = strlen(s);
    if (n >= 0xffffffffu) {
        w->failed = true;
        return;
    }
    ss_put_blob(w, s, (uint32_t)n);
}

void ss_patch_u32(struct ss_wr *w, size_t off, uint32_t v)
{
    if (w->failed || !w->p || off > w->len || w->len - off < 4)
        return;
    for (unsigned i = 0; i < 4; i++)
        w->p[off + i] = (uint8_t)(v >> (8 * i));
}

/* ---- reader ---- */

const void *ss_get_bytes(struct ss_rd *r, size_t n)
{
    const void *p;

    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

uint64_t ss_get_uint(struct ss_rd *r, unsigned bytes)
{
    const uint8_t *b = ss_get_bytes(r, bytes);
    uint64_t v = 0;

    for (unsigned i = 0; b && i < bytes; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

const void *ss_get_blob(struct ss_rd *r, uint32_t *n)
{
    uint32_t len = ss_get_u32(r);
    const void *p = ss_get_bytes(r, len);

    *n = p ? len : 0;
    return p;
}

const char *ss_get_strn(struct ss_rd *r, uint32_t *n, bool *null)
{
    uint32_t len = ss_get_u32(r);
    const char *p;

    *n = 0;
    *null = !r->bad && len == 0xffffffffu;
    if (*null || r->bad)
        return NULL;
    p = ss_get_bytes(r, len);
    if (p)
        *n = len;
    return p;
}

void ss_get_into(struct ss_rd *r, void *dst, size_t n)
{
    const void *p = ss_get_bytes(r, n);

    if (p)
        memcpy(dst, p, n);
    else
        memset(dst, 0, n);
}

/* ---- records ---- */

size_t ss_begin_record(struct ss_wr *w, uint32_t type)
{
    size_t start = w->len;

    ss_put_u32(w, type);
    ss_put_u32(w, 0);           /* the length, filled in at the end */
    return start;
}

void ss_end_record(struct ss_wr *w, size_t start)
{
    static const uint8_t zero[8];
    size_t body = w->len - start - 8;

    if (body > SS_MAX_BODY)
        w->failed = true;
    ss_patch_u32(w, start + 4, (uint32_t)body);
    ss_put_bytes(w, zero, (8 - body % 8) % 8);
}

int ss_next_record(struct ss_rd *r, uint32_t *type, struct ss_rd *body)
{
    uint32_t len;
    const uint8_t *p, *pad;
    size_t npad;

    *type = ss_get_u32(r);
    len = ss_get_u32(r);
    if (r->bad || len > SS_MAX_BODY)
        return -EINVAL;
    npad = (8 - len % 8) % 8;
    p = ss_get_bytes(r, len);
    pad = ss_get_bytes(r, npad);
    if (!p || !pad)
        return -EINVAL;
    for (size_t i = 0; i < npad; i++)
        if (pad[i])
            return -EINVAL;
    *body = ss_rd_init(p, len);
    return 0;
}

/* ---- the registry ---- */

int ss_save_parts(const struct ss_part *const *parts, unsigned n, void *obj,
                  struct ss_wr *w, char *msg)
{
    size_t rec;
    int rc;

    msg[0] = 0;
    rec = ss_begin_record(w, SS_TYPE(SS_ID_HEADER));
    ss_put_u32(w, SS_MAGIC);
    ss_put_u32(w, SS_FORMAT);
    ss_end_record(w, rec);
    for (unsigned i = 0; i < n; i++) {
        rec = ss_begin_record(w, SS_TYPE(parts[i]->id));
        ss_put_u32(w, parts[i]->version);
        ss_put_u32(w, 0);
        rc = parts[i]->save(obj, w);
        ss_end_record(w, rec);
        if (!rc && w->failed)
            rc = w->fixed ? -ENOSPC : -ENOMEM;
        if (rc) {
            snprintf(msg, SS_MSG_LEN, "saving %s: %s", parts[i]->name, strerror(-rc));
            return rc;
        }
    }
    rec = ss_begin_record(w, SS_TYPE(SS_ID_END));
    ss_end_record(w, rec);
    if (w->failed) {
        snprintf(msg, SS_MSG_LEN, "saving: %s", w->fixed ? "buffer too small" : "out of memory");
        return w->fixed ? -ENOSPC : -ENOMEM;
    }
    return 0;
}

static int fail(char *msg, int rc, const char *fmt, const char *name, unsigned long a,
                unsigned long b)
{
    snprintf(msg, SS_MSG_LEN, fmt, name, a, b);
    return rc;
}

/* The framing of the whole image, before any part changes anything: a
 * header, one record per part in table order with a version this build
 * reads, the end record, nothing after.  Fills BODIES. */
static int check_frame(const struct ss_part *const *parts, unsigned n, struct ss_rd *r,
                       struct ss_rd *bodies, uint32_t *versions, char *msg)
{
    struct ss_rd body;
    uint32_t type, version;

    if (ss_next_record(r, &type, &body) || type != SS_TYPE(SS_ID_HEADER))
        return fail(msg, -EINVAL, "%s: no saved-state header", "image", 0, 0);
    if (ss_get_u32(&body) != SS_MAGIC)
        return fail(msg, -EINVAL, "%s: not saved state (bad magic)", "image", 0, 0);
    version = ss_get_u32(&body);
    if (!ss_done(&body))
        return fail(msg, -EINVAL, "%s: malformed header", "image", 0, 0);
    if (version != SS_FORMAT)
        return fail(msg, -EPROTO, "%s: format %lu, this build reads %lu", "image",
                    version, SS_FORMAT);
    for (unsigned i = 0; i < n; i++) {
        const struct ss_part *p = parts[i];

        if (ss_next_record(r, &type, &body))
            return fail(msg, -EINVAL, "%s: truncated before or in this part", p->name, 0, 0);
        if (type != SS_TYPE(p->id))
            return fail(msg, -EPROTO, "%s: record type %#lx where this part (%#lx) belongs",
                        p->name, type, SS_TYPE(p->id));
        version = ss_get_u32(&body);
        if (ss_get_u32(&body) != 0 || body.bad)
            return fail(msg, -EINVAL, "%s: malformed part header", p->name, 0, 0);
        if (version == 0 || version > p->version)
            return fail(msg, -EPROTO, "%s: version %lu, this build reads 1 to %lu", p->name,
                        version, p->version);
        bodies[i] = body;
        versions[i] = version;
    }
    if (ss_next_record(r, &type, &body))
        return fail(msg, -EINVAL, "%s: truncated: no end record", "image", 0, 0);
    if (type != SS_TYPE(SS_ID_END) || body.len)
        return fail(msg, -EPROTO, "%s: record type %#lx after the last part (a part this "
                    "build does not know?)", "image", type, 0);
    if (!ss_done(r))
        return fail(msg, -EINVAL, "%s: bytes after the end record", "image", 0, 0);
    return 0;
}

int ss_restore_parts(const struct ss_part *const *parts, unsigned n, void *obj,
                     const void *buf, size_t len, char *msg)
{
    struct ss_rd r = ss_rd_init(buf, len), *bodies;
    uint32_t *versions;
    int rc;

    msg[0] = 0;
    bodies = calloc(n ? n : 1, sizeof(*bodies));
    versions = calloc(n ? n : 1, sizeof(*versions));
    if (!bodies || !versions) {
        rc = fail(msg, -ENOMEM, "%s: out of memory", "image", 0, 0);
        goto out;
    }
    if ((rc = check_frame(parts, n, &r, bodies, versions, msg)))
        goto out;
    for (unsigned i = 0; i < n; i++) {
        const struct ss_part *p = parts[i];
        struct ss_rd *body = &bodies[i];

        rc = p->restore(obj, body, versions[i], msg);
        if (!rc && !ss_done(body))
            rc = -EINVAL;
        if (rc) {
            char why[SS_MSG_LEN];
            size_t room = SS_MSG_LEN - 3 - strnlen(p->name, SS_MSG_LEN - 3);
            snprintf(why, sizeof(why), "%s", msg[0] ? msg : body->bad ?
                     "truncated or a value out of range" : rc == -EINVAL ?
                     "bytes left over" : strerror(-rc));
            snprintf(msg, SS_MSG_LEN, "%s: %.*s", p->name, (int)room, why);
            goto out;
        }
    }
out:
    free(bodies);
    free(versions);
    return rc;
}
