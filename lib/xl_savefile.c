/* xl's save-file header (xl_savefile.h).  The checks and their words are
 * xl's restore's: wrong magic, wrong byte order, unknown mandatory flags,
 * a truncated file; a v1 stream (no STREAMv2 flag) is refused here since
 * only the v2 stream is read. */
#include "xl_savefile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *msg, size_t msglen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
    return rc;
}

static uint8_t *put_block(uint8_t *p, uint32_t magic, const char *text)
{
    uint32_t h[2] = { magic, (uint32_t)strlen(text) + 1 };

    memcpy(p, h, 8);
    memcpy(p + 8, text, h[1]);
    return p + 8 + h[1];
}

void *xl_savefile_build(const char *config, const char *xk_config, const char *xk_watches,
                        const char *xk_devices, size_t *len)
{
    uint32_t clen = config ? (uint32_t)strlen(config) + 1 : 0;
    uint32_t opt = 4 + clen + (xk_config ? 9 + (uint32_t)strlen(xk_config) : 0) +
                   (xk_watches ? 9 + (uint32_t)strlen(xk_watches) : 0) +
                   (xk_devices ? 9 + (uint32_t)strlen(xk_devices) : 0);
    uint32_t hdr[4] = { XL_SAVE_BYTEORDER, XL_MANDATORY_STREAMV2 | (clen ? XL_MANDATORY_JSON : 0),
                        0, opt };
    uint8_t *b = malloc(XL_SAVE_HEADER_LEN + opt), *p;

    if (!b)
        return NULL;
    memcpy(b, XL_SAVE_MAGIC, XL_SAVE_MAGIC_LEN);
    memcpy(b + XL_SAVE_MAGIC_LEN, hdr, sizeof(hdr));
    p = b + XL_SAVE_HEADER_LEN;
    memcpy(p, &clen, 4);
    if (clen)
        memcpy(p + 4, config, clen);
    p += 4 + clen;
    if (xk_config)
        p = put_block(p, XL_SAVE_XK_MAGIC, xk_config);
    if (xk_watches)
        p = put_block(p, XL_SAVE_XK_WATCHES, xk_watches);
    if (xk_devices)
        put_block(p, XL_SAVE_XK_DEVICES, xk_devices);
    *len = XL_SAVE_HEADER_LEN + opt;
    return b;
}

/* The fixed header: 0 and the optional data length, or an error. */
static int check_header(const uint8_t *b, struct xl_savefile *out, uint32_t *optlen,
                        char *msg, size_t msglen)
{
    uint32_t hdr[4];

    if (memcmp(b, XL_SAVE_MAGIC, XL_SAVE_MAGIC_LEN))
        return fail(msg, msglen, -EPROTO,
                    "File has wrong magic number - corrupt or for a different tool?");
    memcpy(hdr, b + XL_SAVE_MAGIC_LEN, sizeof(hdr));
    if (hdr[0] != XL_SAVE_BYTEORDER)
        return fail(msg, msglen, -EPROTO, "File has wrong byte order");
    if (hdr[1] & ~XL_MANDATORY_ALL)
        return fail(msg, msglen, -EPROTO, "Savefile has mandatory flag(s) 0x%x which are "
                    "not supported; need newer xl", hdr[1] & ~XL_MANDATORY_ALL);
    if (!(hdr[1] & XL_MANDATORY_STREAMV2))
        return fail(msg, msglen, -EPROTO, "Savefile holds a legacy (v1) stream, which this "
                    "xl does not read");
    if (hdr[3] > XL_SAVE_MAX_OPTDATA)
        return fail(msg, msglen, -EINVAL, "Savefile optional data of %u bytes is too long",
                    hdr[3]);
    out->mandatory = hdr[1];
    out->optional = hdr[2];
    out->optional_len = hdr[3];
    *optlen = hdr[3];
    return 0;
}

/* The optional data: the config when there is one; what follows it is
 * skipped, as xl does with what it does not understand. */
static int take_optdata(const uint8_t *p, uint32_t n, struct xl_savefile *out, char *msg,
                        size_t msglen)
{
    uint32_t clen;

    if (n == 0)
        return 0;
    if (n < 4)
        return fail(msg, msglen, -EINVAL, "Savefile truncated.");
    memcpy(&clen, p, 4);
    if (clen > n - 4)
        return fail(msg, msglen, -EINVAL, "Savefile truncated.");
    if (clen) {
        if (memchr(p + 4, '\0', clen) != p + 4 + clen - 1)
            return fail(msg, msglen, -EINVAL, "Savefile config is not one NUL-terminated text");
        out->config = malloc(clen);
        if (!out->config)
            return fail(msg, msglen, -ENOMEM, "out of memory");
        memcpy(out->config, p + 4, clen);
        out->config_len = clen;
    }
    p += 4 + clen;
    n -= 4 + clen;
    /* xenkvm's blocks; anything else is someone else's: skipped, as xl
     * does with what it does not understand. */
    while (n >= 8) {
        uint32_t xk[2];
        char **dst;

        memcpy(xk, p, 8);
        dst = xk[0] == XL_SAVE_XK_MAGIC ? &out->xk_config :
              xk[0] == XL_SAVE_XK_WATCHES ? &out->xk_watches :
              xk[0] == XL_SAVE_XK_DEVICES ? &out->xk_devices : NULL;
        if (!dst || *dst)
            return 0;
        if (xk[1] == 0 || xk[1] > n - 8 || memchr(p + 8, '\0', xk[1]) != p + 8 + xk[1] - 1)
            return fail(msg, msglen, -EINVAL, "Savefile xenkvm block %#x is truncated or not "
                        "one NUL-terminated text", xk[0]);
        if (!(*dst = strdup((const char *)p + 8)))
            return fail(msg, msglen, -ENOMEM, "out of memory");
        p += 8 + xk[1];
        n -= 8 + xk[1];
    }
    return 0;
}

int xl_savefile_parse(const void *buf, size_t len, struct xl_savefile *out, size_t *used,
                      char *msg, size_t msglen)
{
    uint32_t optlen;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len < XL_SAVE_HEADER_LEN)
        return fail(msg, msglen, -EINVAL, "Savefile truncated.");
    if ((rc = check_header(buf, out, &optlen, msg, msglen)))
        return rc;
    if (len - XL_SAVE_HEADER_LEN < optlen)
        return fail(msg, msglen, -EINVAL, "Savefile truncated.");
    *used = XL_SAVE_HEADER_LEN + optlen;
    return take_optdata((const uint8_t *)buf + XL_SAVE_HEADER_LEN, optlen, out, msg, msglen);
}

static int read_full(int fd, void *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (uint8_t *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -EINVAL;
        got += (size_t)r;
    }
    return 0;
}

int xl_savefile_read(int fd, struct xl_savefile *out, char *msg, size_t msglen)
{
    uint8_t hdr[XL_SAVE_HEADER_LEN], *opt;
    uint32_t optlen;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = read_full(fd, hdr, sizeof(hdr))))
        return fail(msg, msglen, rc, rc == -EINVAL ? "Savefile truncated." :
                    "reading the savefile header: %s", strerror(-rc));
    if ((rc = check_header(hdr, out, &optlen, msg, msglen)))
        return rc;
    opt = malloc(optlen ? optlen : 1);
    if (!opt)
        return fail(msg, msglen, -ENOMEM, "out of memory");
    rc = read_full(fd, opt, optlen);
    if (rc)
        rc = fail(msg, msglen, rc, "Savefile truncated.");
    else
        rc = take_optdata(opt, optlen, out, msg, msglen);
    free(opt);
    return rc;
}

void xl_savefile_free(struct xl_savefile *sf)
{
    free(sf->config);
    free(sf->xk_config);
    free(sf->xk_watches);
    free(sf->xk_devices);
    sf->config = sf->xk_config = sf->xk_watches = sf->xk_devices = NULL;
}
