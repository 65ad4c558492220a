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

/* RM runs in slices (sliced.c): the subtree is walked breadth first,
 * each node deleted as it is reached (its children's names are known by
 * then); the parent's child list changes after the walk, and the watch
 * events fire last, deepest first and the removed node itself last, with
 * the old permissions of each node and its parent deciding who hears.
 * Outside a transaction the job is atomic for other clients (their reads
 * of the subtree and parent wait); inside one, nobody else sees it. */
struct rm_gone {
    char *name;
    struct node *node;          /* holds p */
    struct xs_permissions *p, *pp;  /* the node's and its parent's */
    unsigned int np, npp;
};

struct rm_job {
    char *root, *parent, *base;
    struct transaction *t;      /* the owner's, or NULL */
    struct rm_gone *gone;       /* found nodes, in walk order */
    size_t ngone, cap, walked, fired;
    unsigned int child_off;     /* in the children of gone[walked] */
    bool parent_done;
};

static int rm_found(struct rm_job *r, char *name, struct xs_permissions *pp,
                    unsigned int npp)
{
    if (r->ngone == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct rm_gone *g = talloc_realloc(r, r->gone, struct rm_gone, cap);

        if (!g)
            return ENOMEM;
        r->gone = g;
        r->cap = cap;
    }
    r->gone[r->ngone++] = (struct rm_gone){ .name = name, .pp = pp, .npp = npp };
    return 0;
}

/* The connection whose view the job works in (its transaction), or NULL:
 * the committed store. */
static struct conn *rm_view(struct sliced_job *j, struct rm_job *r)
{
    if (!r->t)
        return NULL;
    j->c->trans = r->t;
    return j->c;
}

/* One unit of the walk: read the next node, or note one of its children
 * (a node may have 100000), or, its children noted, delete it. */
static int rm_walk_one(struct rm_job *r, struct conn *v)
{
    struct rm_gone *g = &r->gone[r->walked];
    struct node *n = g->node;
    const char *ch;
    char *cn;

    if (!n) {
        n = store_read(r, v, g->name);
        if (!n) {
            r->walked++;
            return errno == ENOENT ? 0 : errno;
        }
        g->node = n;
        g->p = n->perms;
        g->np = n->nperms;
        r->child_off = 0;
        return 0;
    }
    if (r->child_off < n->childlen) {
        ch = n->children + r->child_off;
        r->child_off += strlen(ch) + 1;
        cn = strcmp(g->name, "/") ? talloc_asprintf(r, "%s/%s", g->name, ch)
                                  : talloc_asprintf(r, "/%s", ch);
        return cn ? rm_found(r, cn, n->perms, n->nperms) : ENOMEM;
    }
    /* Only its permissions outlive the node's other parts. */
    talloc_free(n->data);
    talloc_free(n->children);
    n->children = NULL;
    n->childlen = 0;
    r->walked++;
    return store_delete(v, g->name);
}

static int rm_unlink_parent(struct rm_job *r, struct conn *v)
{
    struct node *parent = store_read(r, v, r->parent);
    char *ch;
    int err;

    if (!parent)
        return errno == ENOENT ? 0 : errno;
    for (ch = parent->children; ch < parent->children + parent->childlen;
         ch += strlen(ch) + 1) {
        if (!strcmp(ch, r->base)) {
            size_t l = strlen(ch) + 1;
            memmove(ch, ch + l, parent->children + parent->childlen - ch - l);
            parent->childlen -= l;
            break;
        }
    }
    err = store_write(v, parent, true);
    talloc_free(parent);
    return err;
}

static void rm_fire_one(struct rm_job *r, struct conn *v)
{
    struct rm_gone *g = &r->gone[r->ngone - ++r->fired];
    bool root = r->fired == r->ngone;
    void *ctx = talloc_new(NULL);

    if (g->p)
        fire_watches_gone(v, ctx, g->name, !root, g->p, g->np,
                          root ? NULL : g->pp, g->npp);
    talloc_free(ctx);
    /* Freed as it goes (its children, whose events used its permissions,
     * fired before it): one free of 100000 nodes at the end held every
     * client for tens of ms. */
    if (!root) {
        talloc_free(g->node);
        talloc_free(g->name);
    }
}

static int rm_step(struct sliced_job *j, unsigned int units)
{
    struct rm_job *r = j->priv;
    struct conn *v = rm_view(j, r);
    int err = 0;

    while (units-- > 0 && !err) {
        if (r->walked < r->ngone) {
            err = rm_walk_one(r, v);
        } else if (!r->parent_done) {
            err = rm_unlink_parent(r, v);
            r->parent_done = true;
        } else if (r->fired < r->ngone) {
            rm_fire_one(r, v);
        } else {
            break;
        }
    }
    if (v)
        v->trans = NULL;
    if (err) {
        if (r->t)
            r->t->failed = true;
        return -err;
    }
    return r->fired < r->ngone ? 1 : 0;
}

static bool rm_busy(struct sliced_job *j, const char *path)
{
    struct rm_job *r = j->priv;

    /* Inside a transaction the change is the owner's alone. */
    return !r->t && (path_is_child(path, r->root) || !strcmp(path, r->parent));
}

static const struct sliced_ops rm_ops = { .step = rm_step, .busy = rm_busy };

int node_rm(const void *ctx, struct conn *c, const char *name)
{
    struct sliced_job *j;
    struct rm_job *r;
    struct node *parent;
    struct transaction *t = c->trans;
    char *pn = path_parent(ctx, name);
    int err;

    if (!pn)
        return ENOMEM;
    parent = store_read(ctx, c, pn);
    if (!parent)
        return errno == ENOENT ? EINVAL : errno;
    j = talloc_zero(NULL, struct sliced_job);
    r = j ? talloc_zero(j, struct rm_job) : NULL;
    if (!r || !(r->root = talloc_strdup(r, name)) || !(r->parent = talloc_strdup(r, pn)) ||
        rm_found(r, r->root, NULL, 0)) {
        talloc_free(j);
        return ENOMEM;
    }
    r->base = strrchr(r->root, '/') + 1;
    r->t = t;
    j->ops = &rm_ops;
    j->priv = r;
    j->in_trans = t != NULL;
    err = sliced_start(j, c, XS_RM);
    c->trans = t;       /* the handler goes on in its view */
    return err;
}
