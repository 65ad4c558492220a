/* The node request handlers: READ, WRITE, MKDIR, RM, DIRECTORY,
 * DIRECTORY_PART, GET_PERMS, SET_PERMS.  Each returns 0 after queuing
 * its reply, or the errno the dispatcher turns into Xen's error string. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xenstored.h"

static struct node *get_canon(const void *ctx, struct conn *c, const char *arg,
                              char **name, unsigned int perm)
{
    char *n = path_canonical(ctx, c, arg);

    if (name)
        *name = n;
    if (arg && !n) {
        errno = ENOMEM;
        return NULL;
    }
    return node_get(ctx, c, n, perm);
}

int do_read(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct node *n = get_canon(ctx, c, proto_onearg(in, len), NULL, XS_PERM_READ);

    if (!n)
        return errno;
    send_reply(c, XS_READ, n->data, n->datalen);
    return 0;
}

/* path NUL data (data may hold anything, NULs included) */
int do_write(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    unsigned int off, dlen;
    struct node *n;
    char *name;

    if (proto_count_strings(in, len) < 1)
        return EINVAL;
    off = strlen(in) + 1;
    dlen = len - off;
    n = get_canon(ctx, c, in, &name, XS_PERM_WRITE);
    if (!n) {
        if (errno != ENOENT)
            return errno;
        n = node_create(ctx, c, name, in + off, dlen);
        if (!n)
            return errno;
    } else {
        n->data = in + off;
        n->datalen = dlen;
        int err = store_write(c, n, false);
        if (err)
            return err;
    }
    fire_watches(c, ctx, name, false, NULL, 0);
    send_ack(c, XS_WRITE);
    return 0;
}

int do_mkdir(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    char *name;
    struct node *n = get_canon(ctx, c, proto_onearg(in, len), &name, XS_PERM_WRITE);

    if (!n) {
        if (errno != ENOENT)
            return errno;
        if (!name)
            return ENOMEM;
        n = node_create(ctx, c, name, NULL, 0);
        if (!n)
            return errno;
        fire_watches(c, ctx, name, false, NULL, 0);
    }
    send_ack(c, XS_MKDIR);
    return 0;
}

int do_rm(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    char *name, *pn;
    struct node *n = get_canon(ctx, c, proto_onearg(in, len), &name, XS_PERM_WRITE);
    int err;

    if (!n) {
        /* Removing what is not there is fine if its parent is. */
        if (errno != ENOENT)
            return errno;
        pn = path_parent(ctx, name);
        if (!pn)
            return ENOMEM;
        if (store_read(ctx, c, pn)) {
            send_ack(c, XS_RM);
            return 0;
        }
        return errno == ENOENT ? ENOENT : errno;
    }
    if (!strcmp(name, "/"))
        return EINVAL;
    err = node_rm(ctx, c, name);
    if (err == EINPROGRESS)
        return 0;       /* it replies when done (sliced.c) */
    if (err)
        return err;
    send_ack(c, XS_RM);
    return 0;
}

int do_directory(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct node *n = get_canon(ctx, c, proto_onearg(in, len), NULL, XS_PERM_READ);

    if (!n)
        return errno;
    send_reply(c, XS_DIRECTORY, n->children, n->childlen);
    return 0;
}

/* path NUL offset NUL -> generation NUL children... (a final empty string
 * marks the end of the list) */
int do_directory_part(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    unsigned int off, l = 0, maxlen, genlen;
    struct node *n;
    char gen[24], *child, *out;

    if (proto_count_strings(in, len) != 2)
        return EINVAL;
    n = get_canon(ctx, c, in, NULL, XS_PERM_READ);
    if (!n)
        return errno;
    off = strtoul(in + strlen(in) + 1, NULL, 10);
    genlen = snprintf(gen, sizeof(gen), "%" PRIu64, n->generation) + 1;
    if (off >= n->childlen) {
        gen[genlen] = 0;
        send_reply(c, XS_DIRECTORY_PART, gen, genlen + 1);
        return 0;
    }
    maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
    child = n->children + off;
    while (off + l < n->childlen && l + strlen(child) + 1 <= maxlen) {
        l += strlen(child) + 1;
        child += strlen(child) + 1;
    }
    out = talloc_size(ctx, genlen + l + 1);
    if (!out)
        return ENOMEM;
    memcpy(out, gen, genlen);
    memcpy(out + genlen, n->children + off, l);
    if (off + l == n->childlen)
        out[genlen + l++] = 0;
    send_reply(c, XS_DIRECTORY_PART, out, genlen + l);
    return 0;
}

int do_get_perms(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct node *n = get_canon(ctx, c, proto_onearg(in, len), NULL, XS_PERM_READ);
    unsigned int l;
    char *s;

    if (!n)
        return errno;
    s = perms_format(ctx, n->perms, n->nperms, &l);
    if (!s)
        return ENOMEM;
    send_reply(c, XS_GET_PERMS, s, l);
    return 0;
}

/* path NUL perm NUL perm NUL ... */
int do_set_perms(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    unsigned int n = proto_count_strings(in, len), np, off, oldn;
    struct xs_permissions *p, *oldp;
    struct node *node;
    char *name;
    int err;

    if (n < 2)
        return EINVAL;
    if (!conn_priv(c) && (int)(n - 1) > quota.perms)
        return ENOSPC;
    off = strlen(in) + 1;
    /* Ignore bytes after the last NUL, as Xen does. */
    while (len > off && in[len - 1] != 0)
        len--;
    err = perms_parse(ctx, in + off, len - off, &p, &np);
    if (err)
        return err;
    /* Name the domids, so the grants count for their current domains; as
     * Xen's domain_alloc_permrefs, a grant to a domain that does not exist
     * (xenstored does not know it and the hypervisor, here its lock, says
     * none) is kept but ignored, and no node can belong to one. */
    for (unsigned int i = 0; i < np; i++) {
        if (domid_impossible(p[i].id) || !domain_exists(p[i].id))
            p[i].perms |= XS_PERM_IGNORE;
        else
            domref_touch(p[i].id);
    }
    if (p[0].perms & XS_PERM_IGNORE)
        return ENOENT;
    if (in[0] == '@') {
        err = special_set_perms(c, in, p, np);
        if (err)
            return err;
        send_ack(c, XS_SET_PERMS);
        return 0;
    }
    node = get_canon(ctx, c, in, &name, XS_PERM_WRITE | XS_PERM_OWNER);
    if (!node)
        return errno;
    /* Only the host may give a node away. */
    if (!conn_priv(c) && p[0].id != node->perms[0].id)
        return EPERM;
    oldp = node->perms;
    oldn = node->nperms;
    node->perms = p;
    node->nperms = np;
    err = store_write(c, node, false);
    if (err)
        return err;
    fire_watches(c, ctx, name, false, oldp, oldn);
    send_ack(c, XS_SET_PERMS);
    return 0;
}
