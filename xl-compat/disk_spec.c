/* Disk specifications, xl-disk-configuration(5).
 *
 * Xen 4.17 reads them with a flex scanner (tools/libs/util/libxlu_disk_l.l)
 * whose rules carry the meaning: keyword parameters `key=value`, flags,
 * deprecated prefixes such as `phy:` or `tap:aio:`, positional parameters
 * target,format,vdev,access, and `target=` taking the rest of the string.
 * This is our own scanner with flex's rule choice (the longest match,
 * counting trailing context; the earlier rule on a tie), so the same specs
 * mean the same and fail with the same messages.
 *
 * Differences from xl 4.17:
 *  - `trusted` and `untrusted` are flags, as the scanner source and the man
 *    page say; the scanner 4.17 actually ships was generated before they
 *    were added, so xl 4.17 takes them as positional parameters;
 *  - where xl's scanner would die ("flex scanner jammed": a bad character
 *    before a newline), this reports "bad disk syntax".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domcfg_int.h"

enum { FMT_UNKNOWN = -1 };
enum { BE_UNKNOWN, BE_PHY, BE_TAP, BE_QDISK, BE_STANDALONE };

struct dparse {
    const char *spec;
    dc_disk_report_fn *report;
    void *arg;
    int err;
    bool nomem;
    bool access_set, had_depr_prefix;
    int format;                 /* enum dc_disk_format or FMT_UNKNOWN */
    int backend;                /* BE_* */
    int spec_kind;              /* enum dc_disk_spec */
    struct dc_disk *d;
};

static void derr(struct dparse *p, const char *near, const char *msg)
{
    char *m = NULL;

    if (p->report &&
        asprintf(&m, "config parsing error in disk specification: %s%s%s%s in `%s'",
                 msg, near ? ": near `" : "", near ? near : "", near ? "'" : "",
                 p->spec) >= 0) {
        p->report(p->arg, m);
        free(m);
    }
    p->err = 1;
}

/* Set a string once (an empty one may be replaced). */
static void savestring(struct dparse *p, const char *what, char **slot, const char *val)
{
    char *n;

    if (*slot) {
        if (**slot) {
            char msg[64];

            snprintf(msg, sizeof(msg), "%s respecified", what);
            derr(p, val, msg);
            return;
        }
        free(*slot);
        *slot = NULL;
    }
    n = strdup(val);
    if (!n)
        p->nomem = true;
    *slot = n;
}

/* Set an enum once: a different value again is an error. */
static void dset(struct dparse *p, int *member, int unknown, int val, const char *what,
                 const char *str)
{
    if (*member != unknown && *member != val) {
        char msg[64];

        snprintf(msg, sizeof(msg), "%s respecified", what);
        derr(p, str, msg);
    } else
        *member = val;
}

static void setaccess(struct dparse *p, const char *s)
{
    if (!strcmp(s, "r") || !strcmp(s, "ro"))
        p->d->readwrite = false;
    else if (!strcmp(s, "rw") || !strcmp(s, "w") || !strcmp(s, ""))
        p->d->readwrite = true;
    else
        derr(p, s, "unknown value for access");
}

static void setformat(struct dparse *p, const char *s)
{
    static const struct { const char *name; int fmt; } f[] = {
        { "", DC_FMT_RAW }, { "raw", DC_FMT_RAW }, { "qcow", DC_FMT_QCOW },
        { "qcow2", DC_FMT_QCOW2 }, { "vhd", DC_FMT_VHD }, { "empty", DC_FMT_EMPTY },
        { "qed", DC_FMT_QED },
    };
    size_t i;

    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (!strcmp(s, f[i].name)) {
            dset(p, &p->format, FMT_UNKNOWN, f[i].fmt, "format", s);
            return;
        }
    derr(p, s, "unknown value for format");
}

static void setbackendtype(struct dparse *p, const char *s)
{
    static const char *const names[] = { NULL, "phy", "tap", "qdisk", "standalone" };
    int i;

    for (i = BE_PHY; i <= BE_STANDALONE; i++)
        if (!strcmp(s, names[i])) {
            dset(p, &p->backend, BE_UNKNOWN, i, "backend", s);
            return;
        }
    derr(p, s, "unknown value for backendtype");
}

static void setspecification(struct dparse *p, const char *s)
{
    if (!strcmp(s, "xen"))
        dset(p, &p->spec_kind, DC_SPEC_UNSET, DC_SPEC_XEN, "specification", s);
    else if (!strcmp(s, "virtio"))
        dset(p, &p->spec_kind, DC_SPEC_UNSET, DC_SPEC_VIRTIO, "specification", s);
    else
        derr(p, s, "unknown value for specification");
}

static void setcoloport(struct dparse *p, const char *s)
{
    int port = atoi(s);

    if (port)
        p->d->colo_port = port;
    else
        derr(p, s, "unknown value for colo_port");
}

/* A positional vdev of the deprecated form VDEV:DEVTYPE; false if it has
 * no colon (then nothing is done). */
static bool vdev_and_devtype(struct dparse *p, char *s)
{
    char *colon = strrchr(s, ':');

    if (!colon)
        return false;
    *colon++ = 0;
    savestring(p, "vdev", &p->d->vdev, s);
    if (!strcmp(colon, "cdrom"))
        p->d->cdrom = true;
    else if (!strcmp(colon, "disk"))
        p->d->cdrom = false;
    else
        derr(p, colon, "unknown deprecated type");
    return true;
}

/* ---- the scanner's rules ----------------------------------------------- */

enum rule {
    R_WS, R_FORMAT, R_CDROM, R_DEVTYPE_CDROM, R_DEVTYPE_DISK, R_DEVTYPE,
    R_ACCESS, R_BACKEND, R_BACKENDTYPE, R_SPECIFICATION, R_VDEV, R_SCRIPT,
    R_DIRECT_IO_SAFE, R_DISCARD, R_NO_DISCARD, R_COLO, R_NO_COLO,
    R_COLO_HOST, R_COLO_PORT, R_COLO_EXPORT, R_ACTIVE_DISK, R_HIDDEN_DISK,
    R_TRUSTED, R_UNTRUSTED, R_TARGET, R_UNKNOWN_PARAM,
    R_PFX_FORMAT, R_PFX_SCRIPT, R_PFX_TAPDISK, R_PFX_TAP, R_PFX_AIO, R_PFX_IOEMU,
    R_PFX_FILE, R_PFX_PHY, R_PFX_UNKNOWN, R_POSITIONAL, R_BAD, NRULES
};

/* `KEY=[^,]*,?` rules, and flag rules `WORD,?` */
static const struct { enum rule r; const char *kw; } kv_rules[] = {
    { R_FORMAT, "format=" }, { R_DEVTYPE, "devtype=" }, { R_ACCESS, "access=" },
    { R_BACKEND, "backend=" }, { R_BACKENDTYPE, "backendtype=" },
    { R_SPECIFICATION, "specification=" }, { R_VDEV, "vdev=" }, { R_SCRIPT, "script=" },
    { R_COLO_HOST, "colo-host=" }, { R_COLO_PORT, "colo-port=" },
    { R_COLO_EXPORT, "colo-export=" }, { R_ACTIVE_DISK, "active-disk=" },
    { R_HIDDEN_DISK, "hidden-disk=" },
}, flag_rules[] = {
    { R_CDROM, "cdrom" }, { R_DEVTYPE_CDROM, "devtype=cdrom" },
    { R_DEVTYPE_DISK, "devtype=disk" }, { R_DIRECT_IO_SAFE, "direct-io-safe" },
    { R_DISCARD, "discard" }, { R_NO_DISCARD, "no-discard" }, { R_COLO, "colo" },
    { R_NO_COLO, "no-colo" }, { R_TRUSTED, "trusted" }, { R_UNTRUSTED, "untrusted" },
}, prefix_rules[] = {
    { R_PFX_FORMAT, "raw:" }, { R_PFX_FORMAT, "qcow:" }, { R_PFX_FORMAT, "qcow2:" },
    { R_PFX_FORMAT, "vhd:" }, { R_PFX_SCRIPT, "iscsi:" }, { R_PFX_SCRIPT, "nbd:" },
    { R_PFX_SCRIPT, "enbd:" }, { R_PFX_SCRIPT, "drbd:" }, { R_PFX_TAPDISK, "tapdisk:" },
    { R_PFX_TAP, "tap:" }, { R_PFX_TAP, "tap2:" }, { R_PFX_AIO, "aio:" },
    { R_PFX_IOEMU, "ioemu:" }, { R_PFX_FILE, "file:" }, { R_PFX_PHY, "phy:" },
};

static bool lower(char c) { return c >= 'a' && c <= 'z'; }
static bool alnum(char c) { return lower(c) || (c >= '0' && c <= '9'); }

/* flex's `.*`: up to the newline */
static size_t line_len(const char *s)
{
    return strcspn(s, "\n");
}

/* One rule's match at S: the length flex compares (trailing context
 * included) and the length it consumes (yyleng); 0 if no match. */
static size_t match(enum rule r, const char *s, size_t *head)
{
    size_t n, i;

    *head = 0;
    switch (r) {
    case R_WS:
        n = strspn(s, " \t\n");
        if (!n)
            return 0;
        *head = n;
        return n + (s[n] ? line_len(s + n) : 0);
    case R_TARGET:
        if (strncmp(s, "target=", 7))
            return 0;
        return *head = 7 + line_len(s + 7);
    case R_UNKNOWN_PARAM:
        if (!lower(s[0]))
            return 0;
        n = 1 + strspn(s + 1, "-abcdefghijklmnopqrstuvwxyz0123456789");
        if (s[n] != '=' || !s[n + 1] || s[n + 1] == ',')
            return 0;
        n += 2;
        return *head = n + (s[n] == ',');
    case R_PFX_UNKNOWN:
        if (!lower(s[0]))
            return 0;
        n = 1 + strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (s[n] != ':')
            return 0;
        *head = ++n;
        if (s[n] && !alnum(s[n]))
            n += 1 + line_len(s + n + 1);
        return n;
    case R_POSITIONAL:
        n = strcspn(s, "=,");
        if (s[n] == ',')
            return *head = n + 1;
        return *head = n;
    case R_BAD:
        return *head = (s[0] && s[0] != '\n');
    default:
        break;
    }
    for (i = 0; i < sizeof(kv_rules) / sizeof(kv_rules[0]); i++)
        if (kv_rules[i].r == r) {
            size_t k = strlen(kv_rules[i].kw);

            if (strncmp(s, kv_rules[i].kw, k))
                return 0;
            n = k + strcspn(s + k, ",");
            return *head = n + (s[n] == ',');
        }
    for (i = 0; i < sizeof(flag_rules) / sizeof(flag_rules[0]); i++)
        if (flag_rules[i].r == r) {
            size_t k = strlen(flag_rules[i].kw);

            if (strncmp(s, flag_rules[i].kw, k))
                return 0;
            return *head = k + (s[k] == ',');
        }
    for (i = 0; i < sizeof(prefix_rules) / sizeof(prefix_rules[0]); i++)
        if (prefix_rules[i].r == r) {
            size_t k = strlen(prefix_rules[i].kw);

            if (!strncmp(s, prefix_rules[i].kw, k)) {
                *head = k;
                return k + line_len(s + k);
            }
        }
    return 0;
}

/* The text after '=' of a matched `key=value,` with the comma dropped. */
static const char *value_of(char *tok)
{
    return strchr(tok, '=') + 1;
}

static void strip(char *tok, char delim)
{
    size_t n = strlen(tok);

    if (n && tok[n - 1] == delim)
        tok[n - 1] = 0;
}

/* Act on one token; false to stop scanning (as the scanner's `return 0`). */
static bool act(struct dparse *p, enum rule r, char *tok)
{
    struct dc_disk *d = p->d;

    switch (r) {
    case R_WS:
        break;
    case R_FORMAT: strip(tok, ','); setformat(p, value_of(tok)); break;
    case R_CDROM: case R_DEVTYPE_CDROM: d->cdrom = true; break;
    case R_DEVTYPE_DISK: d->cdrom = false; break;
    case R_DEVTYPE: derr(p, tok, "unknown value for type"); break;
    case R_ACCESS: strip(tok, ','); setaccess(p, value_of(tok)); break;
    case R_BACKEND: strip(tok, ','); savestring(p, "backend", &d->backend, value_of(tok)); break;
    case R_BACKENDTYPE: strip(tok, ','); setbackendtype(p, value_of(tok)); break;
    case R_SPECIFICATION: strip(tok, ','); setspecification(p, value_of(tok)); break;
    case R_VDEV: strip(tok, ','); savestring(p, "vdev", &d->vdev, value_of(tok)); break;
    case R_SCRIPT: strip(tok, ','); savestring(p, "script", &d->script, value_of(tok)); break;
    case R_DIRECT_IO_SAFE: d->direct_io_safe = true; break;
    case R_DISCARD: d->discard = 1; break;
    case R_NO_DISCARD: d->discard = 0; break;
    case R_COLO: d->colo = 1; break;
    case R_NO_COLO: d->colo = 0; break;
    case R_COLO_HOST: strip(tok, ','); savestring(p, "colo-host", &d->colo_host, value_of(tok)); break;
    case R_COLO_PORT: strip(tok, ','); setcoloport(p, value_of(tok)); break;
    case R_COLO_EXPORT:
        strip(tok, ',');
        savestring(p, "colo-export", &d->colo_export, value_of(tok));
        break;
    case R_ACTIVE_DISK:
        strip(tok, ',');
        savestring(p, "active-disk", &d->active_disk, value_of(tok));
        break;
    case R_HIDDEN_DISK:
        strip(tok, ',');
        savestring(p, "hidden-disk", &d->hidden_disk, value_of(tok));
        break;
    case R_TRUSTED: d->trusted = 1; break;
    case R_UNTRUSTED: d->trusted = 0; break;
    case R_TARGET: strip(tok, ','); savestring(p, "target", &d->target, value_of(tok)); break;
    case R_UNKNOWN_PARAM: derr(p, tok, "unknown parameter"); break;
    case R_PFX_FORMAT:
        strip(tok, ':');
        p->had_depr_prefix = true;
        setformat(p, tok);
        break;
    case R_PFX_SCRIPT: {
        char *script;

        strip(tok, ':');
        p->had_depr_prefix = true;
        if (asprintf(&script, "block-%s", tok) < 0) {
            p->nomem = true;
            return false;
        }
        savestring(p, "script", &d->script, script);
        free(script);
        break;
    }
    case R_PFX_TAPDISK: case R_PFX_TAP: case R_PFX_AIO: case R_PFX_IOEMU:
    case R_PFX_FILE: case R_PFX_PHY:
        p->had_depr_prefix = true;
        break;
    case R_PFX_UNKNOWN:
        derr(p, tok, "unknown deprecated disk prefix");
        return false;
    case R_POSITIONAL:
        strip(tok, ',');
        if (p->err) {
            /* earlier errors may just lead to more */
        } else if (!d->target) {
            savestring(p, "target", &d->target, tok);
        } else if (!p->had_depr_prefix && p->format == FMT_UNKNOWN) {
            if (!*d->target && vdev_and_devtype(p, tok))
                p->format = DC_FMT_EMPTY;
            else
                setformat(p, tok);
        } else if (!d->vdev) {
            if (!vdev_and_devtype(p, tok))
                savestring(p, "vdev", &d->vdev, tok);
        } else if (!p->access_set) {
            p->access_set = true;
            setaccess(p, tok);
        } else {
            derr(p, tok, "too many positional parameters");
            return false;
        }
        break;
    default:
        break;
    }
    return !p->nomem;
}

static void scan(struct dparse *p)
{
    const char *s = p->spec;

    while (*s) {
        size_t best = 0, best_head = 0, total, head;
        enum rule r, best_rule = R_BAD;
        char *tok;
        bool go_on;

        for (r = R_WS; r < NRULES; r++) {
            total = match(r, s, &head);
            if (total > best) {
                best = total;
                best_head = head;
                best_rule = r;
            }
        }
        if (best_rule == R_BAD) {
            /* The scanner's error state takes the rest of the line; at the
             * end of the string it sees nothing (no error), before a
             * newline flex would stop the program. */
            size_t n = 1 + line_len(s + 1);

            if (!s[1])
                return;
            tok = strndup(s, n);
            if (!tok) {
                p->nomem = true;
                return;
            }
            derr(p, tok, "bad disk syntax");
            free(tok);
            return;
        }
        tok = strndup(s, best_head);
        if (!tok) {
            p->nomem = true;
            return;
        }
        go_on = act(p, best_rule, tok);
        free(tok);
        if (!go_on)
            return;
        s += best_head;
    }
}

void dc_disk_free(struct dc_disk *d)
{
    if (!d)
        return;
    free(d->target);
    free(d->vdev);
    free(d->backend);
    free(d->backendtype);
    free(d->script);
    free(d->colo_host);
    free(d->colo_export);
    free(d->active_disk);
    free(d->hidden_disk);
    memset(d, 0, sizeof(*d));
}

int dc_disk_parse_report(struct dc_disk *d, const char *spec,
                         dc_disk_report_fn *report, void *arg)
{
    static const char *const be_names[] = { NULL, "phy", "tap", "qdisk", "standalone" };
    struct dparse p = {
        .spec = spec, .report = report, .arg = arg, .format = FMT_UNKNOWN, .d = d,
    };

    memset(d, 0, sizeof(*d));
    d->readwrite = true;
    d->discard = -1;
    d->trusted = -1;
    d->colo = -1;
    scan(&p);
    if (p.nomem) {
        if (report)
            report(arg, "out of memory parsing a disk specification");
        goto fail;
    }
    if (p.err)
        goto fail;
    d->format = p.format == FMT_UNKNOWN ? DC_FMT_RAW : (enum dc_disk_format)p.format;
    d->specification = (enum dc_disk_spec)p.spec_kind;
    if (be_names[p.backend] && !(d->backendtype = strdup(be_names[p.backend]))) {
        if (report)
            report(arg, "out of memory parsing a disk specification");
        goto fail;
    }
    if (d->cdrom) {
        d->readwrite = false;
        if (!d->target || !*d->target)
            d->format = DC_FMT_EMPTY;
    }
    if (!d->vdev) {
        derr(&p, NULL, "no vdev specified");
        goto fail;
    }
    if (!d->target && !d->cdrom) {
        derr(&p, NULL, "no target specified (and device not removable)");
        goto fail;
    }
    return 0;
fail:
    dc_disk_free(d);
    return -1;
}

struct first_err {
    char *buf;
    size_t len;
    bool got;
};

static void keep_first(void *arg, const char *msg)
{
    struct first_err *f = arg;

    if (!f->got && f->len)
        snprintf(f->buf, f->len, "%s", msg);
    f->got = true;
}

int dc_disk_parse(struct dc_disk *d, const char *spec, char *err, size_t errlen)
{
    struct first_err f = { err, errlen, false };

    if (errlen)
        err[0] = 0;
    return dc_disk_parse_report(d, spec, keep_first, &f);
}
