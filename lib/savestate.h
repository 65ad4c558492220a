/* The one encoding of saved state (save/restore, migration, live update),
 * and the registry of savable parts that walks it (docs/saved-state.md).
 *
 * Fields are little-endian and fixed-width; variable data carries its
 * length in front.  A writer grows its own buffer or fills a fixed one
 * (counting what would not fit, so a NULL fixed buffer measures); a reader
 * never reads past its end: a short or damaged input marks it bad and
 * every later read returns zeroes, so callers check once, at the end.
 *
 * A saved image is a sequence of records shaped like the optional records
 * of Xen's libxc migration stream: { u32 type (bit 31 set), u32 body
 * length, body, zero padding to 8 bytes }.  A part's body is { u32
 * version, u32 reserved (0), payload }. */
#ifndef XK_SAVESTATE_H
#define XK_SAVESTATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- fields ---- */

struct ss_wr {
    uint8_t *p;
    size_t len;         /* bytes written (or that would have been) */
    size_t cap;
    bool fixed;         /* p is the caller's: never grown */
    bool failed;        /* out of memory, or a fixed buffer too small */
};

struct ss_rd {
    const uint8_t *p;
    size_t len, off;
    bool bad;           /* read past the end, or marked by a check */
};

/* A writer into the caller's LEN bytes at P (P NULL: measure only). */
static inline struct ss_wr ss_wr_fixed(void *p, size_t len)
{
    struct ss_wr w = { .p = p, .cap = len, .fixed = true };
    return w;
}

static inline struct ss_rd ss_rd_init(const void *p, size_t len)
{
    struct ss_rd r = { .p = p, .len = len };
    return r;
}

/* A writer that grows (malloc) starts zeroed: struct ss_wr w = { 0 }.
 * ss_wr_free releases its buffer; ss_wr_take hands it over (NULL when
 * the writer failed, which frees it). */
void ss_wr_free(struct ss_wr *w);
uint8_t *ss_wr_take(struct ss_wr *w, size_t *len);

void ss_put_bytes(struct ss_wr *w, const void *p, size_t n);
void ss_put_uint(struct ss_wr *w, uint64_t v, unsigned bytes);
static inline void ss_put_u8(struct ss_wr *w, uint8_t v) { ss_put_uint(w, v, 1); }
static inline void ss_put_u16(struct ss_wr *w, uint16_t v) { ss_put_uint(w, v, 2); }
static inline void ss_put_u32(struct ss_wr *w, uint32_t v) { ss_put_uint(w, v, 4); }
static inline void ss_put_u64(struct ss_wr *w, uint64_t v) { ss_put_uint(w, v, 8); }
/* u32 length, then the bytes. */
void ss_put_blob(struct ss_wr *w, const void *p, uint32_t n);
/* A string as a blob without its NUL; NULL as length 0xffffffff. */
void ss_put_str(struct ss_wr *w, const char *s);
/* Overwrite the u32 at OFF (already written). */
void ss_patch_u32(struct ss_wr *w, size_t off, uint32_t v);

/* Each returns 0 (or NULL) and marks R bad when fewer bytes are left. */
const void *ss_get_bytes(struct ss_rd *r, size_t n);
uint64_t ss_get_uint(struct ss_rd *r, unsigned bytes);
static inline uint8_t ss_get_u8(struct ss_rd *r) { return (uint8_t)ss_get_uint(r, 1); }
static inline uint16_t ss_get_u16(struct ss_rd *r) { return (uint16_t)ss_get_uint(r, 2); }
static inline uint32_t ss_get_u32(struct ss_rd *r) { return (uint32_t)ss_get_uint(r, 4); }
static inline uint64_t ss_get_u64(struct ss_rd *r) { return ss_get_uint(r, 8); }
/* The blob's bytes (its length in *N), or NULL (and *N 0) when short. */
const void *ss_get_blob(struct ss_rd *r, uint32_t *n);
/* A string written by ss_put_str: its bytes (not NUL-terminated) and
 * length, or NULL for a NULL string (*NUL set) or a short input. */
const char *ss_get_strn(struct ss_rd *r, uint32_t *n, bool *null);
/* Copy N bytes into DST, or zero DST and mark R bad. */
void ss_get_into(struct ss_rd *r, void *dst, size_t n);

/* Mark R bad when COND is false (a value out of range); returns COND. */
static inline bool ss_check(struct ss_rd *r, bool cond)
{
    if (!cond)
        r->bad = true;
    return cond;
}
static inline size_t ss_left(const struct ss_rd *r) { return r->bad ? 0 : r->len - r->off; }
/* Read everything, nothing more, nothing wrong. */
static inline bool ss_done(const struct ss_rd *r) { return !r->bad && r->off == r->len; }

/* ---- records ---- */

/* Record types: bit 31 (optional in Xen's stream, skipped by Xen's own
 * restore), then "XK", then the part id. */
#define SS_TYPE_BASE   0x80584b00u
#define SS_TYPE(id)    (SS_TYPE_BASE | (uint8_t)(id))
#define SS_ID_HEADER   0x00         /* { u32 magic, u32 format } */
#define SS_ID_END      0xff         /* empty */
#define SS_MAGIC       0x53534b58u  /* "XKSS" */
#define SS_FORMAT      1u
/* A record body is at most this long (the grant table's is the largest). */
#define SS_MAX_BODY    (64u << 20)

/* Start a record of TYPE; returns what ss_end_record needs. */
size_t ss_begin_record(struct ss_wr *w, uint32_t type);
/* Fill in the body length and pad to 8 bytes. */
void ss_end_record(struct ss_wr *w, size_t start);
/* Read the next record's header and body (padding checked to be zero):
 * 0, or -EINVAL on a short or malformed record. */
int ss_next_record(struct ss_rd *r, uint32_t *type, struct ss_rd *body);

/* ---- the registry ---- */

/* A savable part of some object (a domain, a daemon).  save appends the
 * part's payload; restore reads a payload of a VERSION it accepts (the
 * registry only passes 1..version) and returns 0 or -errno; it must
 * check every value it reads, and may leave MSG (SS_MSG_LEN) a reason.
 * Parts restore into a freshly created object, in table order. */
#define SS_MSG_LEN 160
struct ss_part {
    const char *name;
    uint8_t id;             /* 1..254, unique in its table */
    uint32_t version;       /* what save writes */
    int (*save)(void *obj, struct ss_wr *w);
    int (*restore)(void *obj, struct ss_rd *r, uint32_t version, char *msg);
};

/* Write the header, every part in order, the end record.  0 or -errno
 * (the failing part named in MSG). */
int ss_save_parts(const struct ss_part *const *parts, unsigned n, void *obj,
                  struct ss_wr *w, char *msg);
/* Read an image written by ss_save_parts with the same table: every part
 * must be there, in order, each read completely.  0, or -EINVAL
 * (truncated, malformed, a value out of range), -EPROTO (a part's version
 * this build does not read, or a part missing or unknown), or a part's
 * own error; MSG says which part and what. */
int ss_restore_parts(const struct ss_part *const *parts, unsigned n, void *obj,
                     const void *buf, size_t len, char *msg);

#endif
