/* What a restarted xenstored needs besides the nodes, kept in the store's
 * file as it changes (docs/xenstored.md, "Restart"): each attached domain
 * with its watches, the domid incarnations of domref.c and the permissions
 * of @introduceDomain/@releaseDomain.  Socket clients are not kept: their
 * connections die with the process, as on Xen.
 *
 * At a restart the domains come back introduced but without a ring; each
 * VMM notices xenstored went away and attaches again (vmm.c), which gives
 * the domain its ring connection and its watches back, each fired once so
 * the guest rereads what it watches.  Domains whose VMM does not come back
 * within --reattach-timeout are released. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include "xenstored.h"
#include "bytes.h"
#include "log.h"

#define KEY_DOMREFS  "#domids"
#define KEY_SPECIAL  "#special"
#define KEY_DOMAIN   "#domain/"
#define REC_VERSION  1u

bool persist_off;
int reattach_timeout = 30;

static void put_str(struct xk_wr *w, const char *s)
{
    size_t n = strlen(s);

    xk_put(w, n, 4);
    for (size_t i = 0; i < n; i++)
        xk_put(w, (unsigned char)s[i], 1);
}

static char *get_str(const void *ctx, struct xk_rd *r)
{
    uint32_t n = xk_get(r, 4);
    char *s;

    if (r->bad || n > r->len - r->off) {
        r->bad = true;
        return NULL;
    }
    s = talloc_strndup(ctx, (const char *)r->p + r->off, n);
    r->off += n;
    return s;
}

/* Encode with fn twice: once to measure, once into the buffer; then store. */
static void save(const char *key, void (*fn)(struct xk_wr *, void *), void *arg)
{
    struct xk_wr w = { 0 };

    if (persist_off || !store_durable())
        return;
    fn(&w, arg);
    w.len = w.off;
    w.off = 0;
    w.p = talloc_size(NULL, w.len ? w.len : 1);
    if (!w.p) {
        log_err("persist: out of memory for %s", key);
        return;
    }
    fn(&w, arg);
    if (store_meta_put(key, w.p, w.len))
        log_err("persist: cannot write %s", key);
    talloc_free(w.p);
}

static void enc_domain(struct xk_wr *w, void *arg)
{
    struct domain *d = arg;
    struct watch *wt;
    unsigned int n = 0;

    xk_put(w, REC_VERSION, 4);
    xk_put(w, d->shutdown, 4);
    if (d->restored_watches) {
        /* Not attached again yet: its watches are still the saved ones. */
        for (size_t i = 0; i < d->restored_len; i++)
            xk_put(w, d->restored_watches[i], 1);
        return;
    }
    if (d->conn)
        TAILQ_FOREACH(wt, &d->conn->watches, link)
            n++;
    xk_put(w, n, 4);
    if (d->conn)
        TAILQ_FOREACH(wt, &d->conn->watches, link) {
            xk_put(w, wt->relative, 4);
            put_str(w, wt->node);
            put_str(w, wt->token);
        }
}

void persist_domain(struct domain *d)
{
    char key[32];

    if (d->domid == DOMID_PRIV)
        return;
    snprintf(key, sizeof(key), KEY_DOMAIN "%u", d->domid);
    save(key, enc_domain, d);
}

void persist_domain_gone(unsigned int domid)
{
    char key[32];

    if (persist_off)
        return;
    snprintf(key, sizeof(key), KEY_DOMAIN "%u", domid);
    if (store_meta_delete(key))
        log_err("persist: cannot delete %s", key);
}

static void enc_domref(unsigned int domid, uint64_t gen, void *arg)
{
    struct xk_wr *w = arg;

    xk_put(w, 1, 1);
    xk_put(w, domid, 4);
    xk_put(w, gen, 8);
}

static void enc_domrefs(struct xk_wr *w, void *arg)
{
    xk_put(w, REC_VERSION, 4);
    domref_foreach(enc_domref, w);
    xk_put(w, 0, 1);
}

void persist_domrefs(void)
{
    save(KEY_DOMREFS, enc_domrefs, NULL);
}

static void enc_perms(struct xk_wr *w, const char *name)
{
    const struct xs_permissions *p;
    unsigned int n;

    special_get_perms(name, &p, &n);
    xk_put(w, n, 4);
    for (unsigned int i = 0; i < n; i++) {
        xk_put(w, p[i].id, 4);
        xk_put(w, p[i].perms, 4);
    }
}

static void enc_special(struct xk_wr *w, void *arg)
{
    xk_put(w, REC_VERSION, 4);
    enc_perms(w, "@introduceDomain");
    enc_perms(w, "@releaseDomain");
}

void persist_special(void)
{
    save(KEY_SPECIAL, enc_special, NULL);
}

void persist_all(void)
{
    domains_foreach(persist_domain);
    persist_domrefs();
    persist_special();
}

/* ---- loading at a restart ---- */

static int load_perms(struct xk_rd *r, const char *name)
{
    uint32_t n = xk_get(r, 4);
    struct xs_permissions *p;
    int err;

    if (r->bad || n == 0 || n > (r->len - r->off) / 8)
        return EINVAL;
    p = talloc_array(NULL, struct xs_permissions, n);
    if (!p)
        return ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        p[i].id = xk_get(r, 4);
        p[i].perms = xk_get(r, 4);
    }
    err = special_set_perms(&(struct conn){ .id = DOMID_PRIV }, name, p, n);
    talloc_free(p);
    return err;
}

static int load_domain(unsigned int domid, struct xk_rd *r)
{
    struct domain *d;
    bool shutdown;
    unsigned char *w;

    if (xk_get(r, 4) != REC_VERSION || domid == DOMID_PRIV || domid >= 0x7ff0)
        return EINVAL;
    shutdown = xk_get(r, 4);
    if (r->bad || r->len - r->off < 4)
        return EINVAL;
    /* The watches stay encoded until the VMM brings the ring back. */
    w = talloc_memdup(NULL, r->p + r->off, r->len - r->off);
    d = w ? domain_restore(domid) : NULL;
    if (!d) {
        talloc_free(w);
        return ENOMEM;
    }
    d->shutdown = shutdown;
    d->restored_len = r->len - r->off;
    d->restored_watches = talloc_steal(d, w);
    return 0;
}

struct load {
    int err;
    bool missing_only;      /* after a live update: domains it did not carry */
};

static int load_one(TDB_CONTEXT *t, TDB_DATA k, TDB_DATA d, void *arg)
{
    struct load *ld = arg;
    void *ctx = talloc_new(NULL);
    char *key = talloc_strndup(ctx, (const char *)k.dptr, k.dsize);
    struct node *n = key && store_is_meta(k) ? node_decode(ctx, key, d) : NULL;
    struct xk_rd r;
    int e = 0;

    if (!n)
        goto out;
    r = (struct xk_rd){ .p = (const uint8_t *)n->data, .len = n->datalen };
    if (ld->missing_only && strncmp(key, KEY_DOMAIN, strlen(KEY_DOMAIN)))
        goto out;
    if (!strcmp(key, KEY_DOMREFS)) {
        if (xk_get(&r, 4) != REC_VERSION)
            e = EINVAL;
        while (!e && xk_get(&r, 1) == 1 && !r.bad) {
            unsigned int domid = xk_get(&r, 4);
            uint64_t gen = xk_get(&r, 8);
            domref_set(domid, gen);
            if (gen > store_generation())
                store_set_generation(gen);
        }
    } else if (!strcmp(key, KEY_SPECIAL)) {
        if (xk_get(&r, 4) != REC_VERSION)
            e = EINVAL;
        e = e ?: load_perms(&r, "@introduceDomain");
        e = e ?: load_perms(&r, "@releaseDomain");
    } else if (!strncmp(key, KEY_DOMAIN, strlen(KEY_DOMAIN))) {
        char *end;
        unsigned long domid = strtoul(key + strlen(KEY_DOMAIN), &end, 10);
        if (*end)
            e = EINVAL;
        else if (!ld->missing_only || !domain_find(domid))
            e = load_domain(domid, &r);
    }
    if (e || r.bad) {
        log_err("persist: record %s is unreadable: ignored", key);
        ld->err = EINVAL;
    }
out:
    talloc_free(ctx);
    return 0;
}

static void expire(evutil_socket_t fd, short what, void *arg)
{
    domains_expire_restored();
}

/* missing_only: after a live update, which carries attached domains only;
 * domains still waiting for their VMM come from the file. */
int persist_load(bool missing_only)
{
    struct timeval tv = { .tv_sec = reattach_timeout };
    struct load ld = { .missing_only = missing_only };
    struct event *ev;

    persist_off = true;
    store_traverse(load_one, &ld);
    persist_off = false;
    ev = evtimer_new(evbase, expire, NULL);
    if (!ev || evtimer_add(ev, &tv))
        return ENOMEM;
    return ld.err;
}

/* The domain's VMM attached again after a restart: its ring connection is
 * new, its watches come back from the record and fire once (an event may
 * have been lost with the old process; xenstore allows spurious ones). */
void persist_reattached(struct domain *d)
{
    struct xk_rd r = { .p = d->restored_watches, .len = d->restored_len };
    struct conn *c = d->conn;
    uint32_t n = xk_get(&r, 4);
    struct watch *w;

    persist_off = true;
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        bool rel = xk_get(&r, 4);
        char *node = get_str(c, &r), *token = get_str(c, &r);
        if (!node || !token || watch_add(c, node, token, rel))
            r.bad = true;
        talloc_free(node);
        talloc_free(token);
    }
    persist_off = false;
    if (r.bad)
        log_err("domain %u: saved watches unreadable, some are lost", d->domid);
    talloc_free(d->restored_watches);
    d->restored_watches = NULL;
    d->restored_len = 0;
    TAILQ_FOREACH(w, &c->watches, link) {
        const char *path = w->node;
        char home[32];
        int l = snprintf(home, sizeof(home), "/local/domain/%u/", c->id);
        if (w->relative && !strncmp(path, home, l))
            path += l;
        send_event(c, path, w->token);
    }
    /* Transaction ids of the old process mean nothing now (proto.c answers
     * them EAGAIN); new ones start somewhere else at random, so they do
     * not reuse one the guest still holds from an earlier daemon. */
    if (getrandom(&c->next_tx_id, sizeof(c->next_tx_id), 0) != sizeof(c->next_tx_id))
        c->next_tx_id = (uint32_t)time(NULL) << 8;
    d->reborn = true;
    persist_domain(d);
}
