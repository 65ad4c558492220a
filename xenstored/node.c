/* Paths and the node operations shared by the request handlers: lookup
 * with Xen's permission rules, creation with inherited permissions,
 * recursive removal. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "xenstored.h"

bool path_valid(const char *path)
{
    size_t len = strlen(path);
    unsigned int domid;
    int off = 0;

    if (path[0] != '/')
        return false;
    if (len > 1 && path[len - 1] == '/')
        return false;
    if (strstr(path, "//"))
        return false;
    /* The length limit applies to the part below a domain's home. */
    if (sscanf(path, "/local/domain/%5u/%n", &domid, &off) != 1)
        off = 0;
    if (len > (size_t)off + (size_t)quota.path_max)
        return false;
    return strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        "0123456789-/_@") == len;
}

char *path_canonical(const void *ctx, struct conn *c, const char *path)
{
    if (!path)
        return NULL;
    if (path[0] == '/' || path[0] == '@')
        return talloc_strdup(ctx, path);
    return talloc_asprintf(ctx, "/local/domain/%u/%s", c->id, path);
}

char *path_parent(const void *ctx, const char *path)
{
    const char *slash = strrchr(path + 1, '/');

    if (!slash)
        return talloc_strdup(ctx, "/");
    return talloc_strndup(ctx, path, slash - path);
}

/* Is child equal to parent or below it? */
bool path_is_child(const char *child, const char *parent)
{
    size_t len = strlen(parent);

    if (len == 1 && parent[0] == '/')
        return child[0] == '/';
    return strncmp(child, parent, len) == 0 && (child[len] == '/' || child[len] == 0);
}

/* What may c do with the nearest existing ancestor of name? */
static unsigned int parent_perm(const void *ctx, struct conn *c, const char *name)
{
    char *p = talloc_strdup(ctx, name);
    struct node *n;

    while (p && strcmp(p, "/")) {
        p = path_parent(ctx, p);
        if (!p)
            break;
        n = store_read(ctx, c, p);
        if (n)
            return perm_for_conn(c, n->perms, n->nperms);
        if (errno != ENOENT)
            break;
    }
    return XS_PERM_NONE;
}

struct node *node_get(const void *ctx, struct conn *c, const char *name,
                      unsigned int perm)
{
    struct node *n;
    int err;

    if (!name || !path_valid(name)) {
        errno = EINVAL;
        return NULL;
    }
    n = store_read(ctx, c, name);
    if (n && (perm_for_conn(c, n->perms, n->nperms) & perm) != perm) {
        n = NULL;
        errno = EACCES;
    }
    if (!n && errno != ENOMEM && errno != ENOSPC) {
        /* Tell nothing about nodes the caller could not see anyway. */
        err = errno;
        errno = (parent_perm(ctx, c, name) & perm) ? err : EACCES;
    }
    return n;
}

static int add_child(const void *ctx, struct node *parent, const char *name)
{
    const char *base = strrchr(name, '/') + 1;
    size_t bl = strlen(base) + 1;
    char *ch = talloc_size(ctx, parent->childlen + bl + 1);

    if (!ch)
        return ENOMEM;
    memcpy(ch, parent->children, parent->childlen);
    memcpy(ch + parent->childlen, base, bl);
    parent->children = ch;
    parent->childlen += bl;
    return 0;
}

struct node *node_create(const void *ctx, struct conn *c, const char *name,
                         const void *data, unsigned int len)
{
    const char **names = NULL;
    struct node *parent = NULL, *n = NULL, **made;
    unsigned int levels = 0, i, done = 0;
    const char *pname = name;
    int err;

    /* Walk up to the first existing node. */
    while (!parent) {
        names = talloc_realloc(ctx, names, const char *, levels + 1);
        if (!names)
            goto nomem;
        names[levels++] = pname;
        pname = path_parent(ctx, pname);
        if (!pname)
            goto nomem;
        parent = store_read(ctx, c, pname);
        if (!parent && (errno != ENOENT || !strcmp(pname, "/")))
            return NULL;
    }
    if (!conn_priv(c) &&
        acct_get(c->id)->nodes + (c->trans ? c->trans->created : 0) + (int)levels
            > quota.nodes) {
        errno = ENOSPC;
        return NULL;
    }
    made = talloc_array(ctx, struct node *, levels);
    if (!made)
        goto nomem;
    /* Build the chain top-down: each new node inherits its parent's
     * permissions; an unprivileged domain owns what it creates. */
    if (add_child(ctx, parent, names[levels - 1]))
        goto nomem;
    struct node *top = parent, *up = parent;
    for (i = levels; i-- > 0; ) {
        n = talloc_zero(ctx, struct node);
        if (!n)
            goto nomem;
        n->name = (char *)names[i];
        n->nperms = up->nperms;
        n->perms = talloc_memdup(n, up->perms, up->nperms * sizeof(*up->perms));
        if (!n->perms)
            goto nomem;
        if (!conn_priv(c))
            n->perms[0].id = c->id;
        n->children = "";
        if (i > 0 && add_child(ctx, n, names[i - 1]))
            goto nomem;
        made[i] = n;
        up = n;
    }
    n->data = (char *)data;
    n->datalen = len;
    /* Write bottom-up so the tree never points at missing nodes. */
    for (i = 0; i < levels; i++, done++) {
        err = store_write(c, made[i], false);
        if (err)
            goto undo;
    }
    err = store_write(c, top, false);
    if (err)
        goto undo;
    if (c->trans)
        c->trans->created += levels;
    return made[0];

undo:
    for (i = 0; i < done; i++)
        store_delete(c, made[i]->name);
    if (c->trans)
        c->trans->failed = true;
    errno = err;
    return NULL;
nomem:
    errno = ENOMEM;
    return NULL;
}

/* Remove n and everything below; watches on removed children fire exactly,
 * the root fires for itself and its ancestors' watches. */
static int rm_tree(const void *ctx, struct conn *c, struct node *n, bool root)
{
    const char *ch;
    int err;

    for (ch = n->children; ch < n->children + n->childlen; ch += strlen(ch) + 1) {
        char *cn = strcmp(n->name, "/") ? talloc_asprintf(ctx, "%s/%s", n->name, ch)
                                        : talloc_asprintf(ctx, "/%s", ch);
        struct node *child;

        if (!cn)
            return ENOMEM;
        child = store_read(ctx, c, cn);
        if (!child) {
            if (errno == ENOENT)
                continue;
            return errno;
        }
        err = rm_tree(ctx, c, child, false);
        talloc_free(child);
        if (err)
            return err;
    }
    fire_watches(c, ctx, n->name, !root, n->perms, n->nperms);
    return store_delete(c, n->name);
}

int node_rm(const void *ctx, struct conn *c, const char *name)
{
    struct node *n, *parent;
    const char *base = strrchr(name, '/') + 1;
    char *pn = path_parent(ctx, name), *ch;
    int err;

    if (!pn)
        return ENOMEM;
    parent = store_read(ctx, c, pn);
    if (!parent)
        return errno == ENOENT ? EINVAL : errno;
    n = store_read(ctx, c, name);
    if (!n)
        return errno;
    err = rm_tree(ctx, c, n, true);
    if (err)
        goto fail;
    for (ch = parent->children; ch < parent->children + parent->childlen;
         ch += strlen(ch) + 1) {
        if (!strcmp(ch, base)) {
            size_t l = strlen(ch) + 1;
            memmove(ch, ch + l, parent->children + parent->childlen - ch - l);
            parent->childlen -= l;
            break;
        }
    }
    err = store_write(c, parent, true);
    if (!err)
        return 0;
fail:
    if (c->trans)
        c->trans->failed = true;
    return err;
}
