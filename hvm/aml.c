/* The AML encoder (aml.h). */
#include "aml.h"

#include <string.h>

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
    a->buf = buf;
    a->cap = cap;
    a->len = 0;
    a->overflow = false;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
    if (a->overflow || n > a->cap - a->len) {
        a->overflow = true;
        return;
    }
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

void aml_name(struct aml *a, const char *name)
{
    unsigned nsegs = 1;

    if (*name == '\\') {
        aml_byte(a, AML_ROOT_CHAR);
        name++;
    }
    for (const char *p = name; *p; p++)
        nsegs += *p == '.';
    if (nsegs == 2) {
        aml_byte(a, AML_DUAL_NAME);
    } else if (nsegs > 2) {
        aml_byte(a, AML_MULTI_NAME);
        aml_byte(a, (uint8_t)nsegs);
    }
    for (unsigned i = 0; i < nsegs; i++) {
        /* A NameSeg is 4 characters, padded with '_'. */
        char seg[4] = { '_', '_', '_', '_' };
        size_t n = strcspn(name, ".");

        memcpy(seg, name, n < 4 ? n : 4);
        aml_bytes(a, seg, 4);
        name += n + (name[n] == '.');
    }
}

void aml_eisaid(struct aml *a, const char *id)
{
    uint32_t v = 0;

    /* Three letters of 5 bits (A = 1) and four hex digits, big-endian. */
    if (strlen(id) != 7) {
        a->overflow = true;
        return;
    }
    for (unsigned i = 0; i < 3; i++)
        v = (v << 5) | ((uint32_t)(id[i] - '@') & 0x1f);
    for (unsigned i = 3; i < 7; i++) {
        char c = id[i];
        v = (v << 4) | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    /* The 16-bit words are stored big-endian: swap the bytes. */
    aml_byte(a, 0x0c);                      /* DWordPrefix */
    aml_byte(a, (uint8_t)(v >> 24));
    aml_byte(a, (uint8_t)(v >> 16));
    aml_byte(a, (uint8_t)(v >> 8));
    aml_byte(a, (uint8_t)v);
}

size_t aml_block(struct aml *a, bool ext, uint8_t op)
{
    if (ext)
        aml_byte(a, AML_EXT_PREFIX);
    aml_byte(a, op);
    return aml_pkg_begin(a);
}

void aml_integer(struct aml *a, uint64_t v)
{
    uint8_t b[9];
    size_t n;

    if (v <= 1) {
        aml_byte(a, (uint8_t)v);            /* ZeroOp, OneOp */
        return;
    }
    if (v <= 0xff) {
        b[0] = 0x0a;
        n = 1;
    } else if (v <= 0xffff) {
        b[0] = 0x0b;
        n = 2;
    } else if (v <= 0xffffffffu) {
        b[0] = 0x0c;
        n = 4;
    } else {
        b[0] = 0x0e;
        n = 8;
    }
    for (size_t i = 0; i < n; i++)
        b[1 + i] = (uint8_t)(v >> (8 * i));
    aml_bytes(a, b, n + 1);
}

size_t aml_pkg_begin(struct aml *a)
{
    return a->len;
}

void aml_pkg_end(struct aml *a, size_t body)
{
    size_t blen = a->len - body, total;
    uint8_t enc[4];
    unsigned n;

    if (a->overflow)
        return;
    /* One byte holds up to 63; otherwise 2-4 bytes, the low nibble in
     * the lead byte and then whole bytes (the length counts itself). */
    if (blen + 1 <= 0x3f) {
        n = 1;
        total = blen + 1;
        enc[0] = (uint8_t)total;
    } else {
        for (n = 2; n <= 4; n++)
            if (blen + n < (1UL << (4 + 8 * (n - 1))))
                break;
        if (n > 4) {
            a->overflow = true;
            return;
        }
        total = blen + n;
        enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
        for (unsigned i = 1; i < n; i++)
            enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    }
    if (n > a->cap - a->len) {
        a->overflow = true;
        return;
    }
    memmove(a->buf + body + n, a->buf + body, blen);
    memcpy(a->buf + body, enc, n);
    a->len += n;
}

uint32_t aml_pkg_decode(const uint8_t *p, size_t avail, unsigned *nbytes)
{
    unsigned n;
    uint32_t len;

    if (!avail)
        return 0;
    n = (p[0] >> 6) + 1;
    if (n > avail)
        return 0;
    if (n == 1) {
        len = p[0] & 0x3f;
    } else {
        if (p[0] & 0x30)        /* bits 4-5 must be 0 in the long form */
            return 0;
        len = p[0] & 0xf;
        for (unsigned i = 1; i < n; i++)
            len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
    }
    *nbytes = n;
    return len;
}
