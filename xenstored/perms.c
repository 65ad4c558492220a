/* Xen's permission model: the first entry names the owner and the access
 * of everyone not listed; later entries grant a domain its own access. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"
#include <xen/xen.h>      /* DOMID_FIRST_RESERVED */

unsigned int perm_for_conn(const struct conn *c, const struct xs_permissions *p,
                           unsigned int n)
{
    const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
    unsigned int tid = c->target ? c->target->id : ~0u;
    unsigned int i;

    /* Owners, the target's device model and the host get it all. */
    if (conn_priv(c) || p[0].id == c->id || p[0].id == tid)
        return all;
    for (i = 1; i < n; i++)
        if (!(p[i].perms & XS_PERM_IGNORE) && (p[i].id == c->id || p[i].id == tid))
            return p[i].perms & all;
    return p[0].perms & all;
}

/* "r5", "w0", "b3", "n1": one letter then a domid, read as Xen reads it
 * (strtol with base 0, so "n010" is domain 8 and "r0x5" domain 5, leading
 * blanks and a sign allowed, the value cut to 32 bits). */
static int perm_parse_one(const char *s, struct xs_permissions *p)
{
    char *end;

    switch (s[0]) {
    case 'r': p->perms = XS_PERM_READ; break;
    case 'w': p->perms = XS_PERM_WRITE; break;
    case 'b': p->perms = XS_PERM_READ | XS_PERM_WRITE; break;
    case 'n': p->perms = XS_PERM_NONE; break;
    default: return EINVAL;
    }
    p->id = (unsigned int)strtol(s + 1, &end, 0);
    if (*end || !s[1])
        return EINVAL;
    return 0;
}

/* A domain that can never exist (Xen's get_domain_info fails for it):
 * a grant to it is ignored, a node cannot be given to it. */
bool domid_impossible(unsigned int domid)
{
    return domid >= DOMID_FIRST_RESERVED;
}

int perms_parse(const void *ctx, const char *strs, unsigned int len,
                struct xs_permissions **out, unsigned int *num)
{
    unsigned int n = proto_count_strings(strs, len), i;
    struct xs_permissions *p;
    const char *s = strs;
    int err;

    if (n == 0)
        return EINVAL;
    p = talloc_array(ctx, struct xs_permissions, n);
    if (!p)
        return ENOMEM;
    for (i = 0; i < n; i++, s += strlen(s) + 1) {
        err = perm_parse_one(s, &p[i]);
        if (err) {
            talloc_free(p);
            return err;
        }
    }
    *out = p;
    *num = n;
    return 0;
}

char *perms_format(const void *ctx, const struct xs_permissions *p,
                   unsigned int n, unsigned int *len)
{
    char *buf = talloc_strdup(ctx, ""), one[16];
    unsigned int i, l = 0, k;

    for (i = 0; buf && i < n; i++) {
        char c;
        switch (p[i].perms & (XS_PERM_READ | XS_PERM_WRITE)) {
        case XS_PERM_READ: c = 'r'; break;
        case XS_PERM_WRITE: c = 'w'; break;
        case XS_PERM_READ | XS_PERM_WRITE: c = 'b'; break;
        default: c = 'n'; break;
        }
        k = snprintf(one, sizeof(one), "%c%u", c, p[i].id) + 1;
        buf = talloc_realloc(ctx, buf, char, l + k);
        if (buf)
            memcpy(buf + l, one, k);
        l += k;
    }
    *len = l;
    return buf;
}
