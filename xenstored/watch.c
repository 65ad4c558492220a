/* Watches: WATCH/UNWATCH/RESET_WATCHES and firing events to every
 * connection whose watch covers a changed node and may read it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "xenstored.h"

static bool is_special(const char *name)
{
    return !strcmp(name, "@introduceDomain") || !strcmp(name, "@releaseDomain");
}

/* May c learn that name changed?  Readable node (or its old permissions
 * for a removal), or a readable parent, as Xen decides. */
static bool watch_permitted(struct conn *c, const void *ctx, const char *name,
                            const struct xs_permissions *p, unsigned int np,
                            const struct xs_permissions *pp, unsigned int npp)
{
    struct node *n;
    char *pn;
    bool ok;

    if (conn_priv(c))
        return true;
    if (p && (perm_for_conn(c, p, np) & XS_PERM_READ))
        return true;
    n = store_read(ctx, NULL, name);
    if (n) {
        ok = perm_for_conn(c, n->perms, n->nperms) & XS_PERM_READ;
        talloc_free(n);
        if (ok)
            return true;
    }
    /* A removed subtree's parent is gone too: its old permissions. */
    if (pp)
        return perm_for_conn(c, pp, npp) & XS_PERM_READ;
    pn = path_parent(ctx, name);
    n = pn ? store_read(ctx, NULL, pn) : NULL;
    if (!n)
        return false;
    ok = perm_for_conn(c, n->perms, n->nperms) & XS_PERM_READ;
    talloc_free(n);
    return ok;
}

/* Relative watches see paths relative to the domain's home. */
static const char *watch_path(struct conn *c, struct watch *w, const char *name)
{
    char home[32];
    int l;

    if (w->relative) {
        l = snprintf(home, sizeof(home), "/local/domain/%u", c->id);
        if (!strncmp(name, home, l) && name[l] == '/')
            return name + l + 1;
    }
    return name;
}

void fire_watches(struct conn *c, const void *ctx, const char *name,
                  bool exact, const struct xs_permissions *oldp, unsigned int oldn)
{
    fire_watches_gone(c, ctx, name, exact, oldp, oldn, NULL, 0);
}

void fire_watches_gone(struct conn *c, const void *ctx, const char *name, bool exact,
                       const struct xs_permissions *oldp, unsigned int oldn,
                       const struct xs_permissions *pp, unsigned int npp)
{
    struct conn *i;
    struct watch *w;

    if (c && c->trans) {
        trans_queue_event(c->trans, name, exact);
        return;
    }
    TAILQ_FOREACH(i, &connections, link) {
        if (i->bad || TAILQ_EMPTY(&i->watches))
            continue;
        if (is_special(name) ? !special_perm_ok(name, i)
                             : !watch_permitted(i, ctx, name, oldp, oldn, pp, npp))
            continue;
        TAILQ_FOREACH(w, &i->watches, link) {
            if (exact ? !strcmp(name, w->node) : path_is_child(name, w->node))
                send_event(i, watch_path(i, w, name), w->token);
        }
    }
}

void fire_special(const char *name)
{
    void *ctx = talloc_new(NULL);

    fire_watches(NULL, ctx, name, true, NULL, 0);
    talloc_free(ctx);
    /* Fired from the VMM socket too, where no client callback follows. */
    conns_kick_all(NULL);
}

/* A domain's watches outlive a xenstored restart; a socket client's die
 * with its connection. */
static void persist_watches_of(struct conn *c)
{
    if (c->kind == CONN_RING && c->domain && c->domain->conn == c)
        persist_domain(c->domain);
}

int watch_add(struct conn *c, const char *node, const char *token, bool relative)
{
    struct watch *w = talloc_zero(c, struct watch);

    if (!w || !(w->node = talloc_strdup(w, node)) || !(w->token = talloc_strdup(w, token))) {
        talloc_free(w);
        return ENOMEM;
    }
    w->relative = relative;
    TAILQ_INSERT_TAIL(&c->watches, w, link);
    c->nwatches++;
    acct_get(c->id)->watches++;
    /* Watches count against the domain's memory, as in Xen. */
    acct_get(c->id)->memory += strlen(node) + strlen(token);
    persist_watches_of(c);
    return 0;
}

static void watch_del(struct conn *c, struct watch *w)
{
    TAILQ_REMOVE(&c->watches, w, link);
    c->nwatches--;
    acct_get(c->id)->watches--;
    acct_get(c->id)->memory -= strlen(w->node) + strlen(w->token);
    talloc_free(w);
    persist_watches_of(c);
}

void watch_free_all(struct conn *c)
{
    while (!TAILQ_EMPTY(&c->watches))
        watch_del(c, TAILQ_FIRST(&c->watches));
}

/* path, token */
int do_watch(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct watch *w;
    char *node, *token;
    bool relative;
    int err;

    if (proto_count_strings(in, len) != 2)
        return EINVAL;
    token = in + strlen(in) + 1;
    relative = in[0] != '/' && in[0] != '@';
    node = path_canonical(ctx, c, in);
    if (!node)
        return ENOMEM;
    if (node[0] == '@' ? strlen(node) > XENSTORE_REL_PATH_MAX : !path_valid(node))
        return EINVAL;
    TAILQ_FOREACH(w, &c->watches, link)
        if (!strcmp(w->node, node) && !strcmp(w->token, token))
            return EEXIST;
    if (!conn_priv(c) && acct_get(c->id)->watches > quota.watches)
        return E2BIG;
    if (!conn_priv(c) && quota.memory &&
        acct_get(c->id)->memory + (long)(strlen(node) + strlen(token)) > quota.memory)
        return ENOMEM;
    err = watch_add(c, node, token, relative);
    if (err)
        return err;
    send_ack(c, XS_WATCH);
    /* A new watch fires once at once, so clients can read initial state. */
    w = TAILQ_LAST(&c->watches, watch_list_head);
    send_event(c, watch_path(c, w, node), token);
    return 0;
}

int do_unwatch(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct watch *w;
    char *node, *token;

    if (proto_count_strings(in, len) != 2)
        return EINVAL;
    token = in + strlen(in) + 1;
    node = path_canonical(ctx, c, in);
    if (!node)
        return ENOMEM;
    TAILQ_FOREACH(w, &c->watches, link) {
        if (!strcmp(w->node, node) && !strcmp(w->token, token)) {
            watch_del(c, w);
            send_ack(c, XS_UNWATCH);
            return 0;
        }
    }
    return ENOENT;
}

int do_reset_watches(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    watch_free_all(c);
    trans_free_all(c);
    send_ack(c, XS_RESET_WATCHES);
    return 0;
}
