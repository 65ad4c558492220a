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
#include "savestate.h"
#include "log.h"

#define KEY_DOMREFS  "#domids"
#define KEY_SPECIAL  "#special"
#define KEY_DOMAIN   "#domain/"
#define REC_VERSION  1u

bool persist_off;
int reattach_timeout = 30;

static char *get_str(const void *ctx, struct ss_rd *r)
{
    bool null;
    uint32_t n;
    const char *p = ss_get_strn(r, &n, &null);

    return p ? talloc_strndup(ctx, p, n) : NULL;
}

/* Encode with fn (the state's own encoding, lib/savestate.h), then store. */
static void save(const char *key, void (*fn)(struct ss_wr *, void *), void *arg)
{
    struct ss_wr w = { 0 };

    if (persist_off || !store_durable())
        return;
    fn(&w, arg);
    if (w.failed)
        log_err("persist: out of memory for %s", key);
    else if (store_meta_put(key, w.p, w.len))
        log_err("persist: cannot write %s", key);
    ss_wr_free(&w);
}

static void enc_domain(struct ss_wr *w, void *arg)
{
    struct domain *d = arg;
    struct watch *wt;
    unsigned int n = 0;

    ss_put_u32(w, REC_VERSION);
    ss_put_u32(w, d->shutdown);
    if (d->restored_watches) {
        /* Not attached again yet: its watches are still the saved ones. */
        ss_put_bytes(w, d->restored_watches, d->restored_len);
        return;
    }
    if (d->conn)
        TAILQ_FOREACH(wt, &d->conn->watches, link)
            n++;
    ss_put_u32(w, n);
    if (d->conn)
        TAILQ_FOREACH(wt, &d->conn->watches, link) {
            ss_put_u32(w, wt->relative);
            ss_put_str(w, wt->node);
            ss_put_str(w, wt->token);
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
    struct ss_wr *w = arg;

    ss_put_u8(w, 1);
    ss_put_u32(w, domid);
    ss_put_u64(w, gen);
}

static void enc_domrefs(struct ss_wr *w, void *arg)
{
    ss_put_u32(w, REC_VERSION);
    domref_foreach(enc_domref, w);
    ss_put_u8(w, 0);
}

void persist_domrefs(void)
{
    save(KEY_DOMREFS, enc_domrefs, NULL);
}

static void enc_perms(struct ss_wr *w, const char *name)
{
    const struct xs_permissions *p;
    unsigned int n;

    special_get_perms(name, &p, &n);
    ss_put_u32(w, n);
    for (unsigned int i = 0; i < n; i++) {
        ss_put_u32(w, p[i].id);
        ss_put_u32(w, p[i].perms);
    }
}

static void enc_special(struct ss_wr *w, void *arg)
{
    ss_put_u32(w, REC_VERSION);
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

static int load_perms(struct ss_rd *r, const char *name)
{
    uint32_t n = ss_get_u32(r);
    struct xs_permissions *p;
    int err;

    if (r->bad || n == 0 || n > ss_left(r) / 8)
        return EINVAL;
    p = talloc_array(NULL, struct xs_permissions, n);
    if (!p)
        return ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        p[i].id = ss_get_u32(r);
        p[i].perms = ss_get_u32(r);
    }
    err = special_set_perms(&(struct conn){ .id = DOMID_PRIV }, name, p, n);
    talloc_free(p);
    return err;
}

static int load_domain(unsigned int domid, struct ss_rd *r)
{
    struct domain *d;
    bool shutdown;
    unsigned char *w;

    size_t len;

    if (ss_get_u32(r) != REC_VERSION || domid == DOMID_PRIV || domid >= 0x7ff0)
        return EINVAL;
    shutdown = ss_get_u32(r);
    len = ss_left(r);
    if (len < 4)
        return EINVAL;
    /* The watches stay encoded until the VMM brings the ring back. */
    w = talloc_memdup(NULL, ss_get_bytes(r, len), len);
    d = w ? domain_restore(domid) : NULL;
    if (!d) {
        talloc_free(w);
        return ENOMEM;
    }
    d->shutdown = shutdown;
    d->restored_len = len;
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
    struct ss_rd r;
    int e = 0;

    if (!n)
        goto out;
    r = ss_rd_init(n->data, n->datalen);
    if (ld->missing_only && strncmp(key, KEY_DOMAIN, strlen(KEY_DOMAIN)))
        goto out;
    if (!strcmp(key, KEY_DOMREFS)) {
        if (ss_get_u32(&r) != REC_VERSION)
            e = EINVAL;
        while (!e && ss_get_u8(&r) == 1 && !r.bad) {
            unsigned int domid = ss_get_u32(&r);
            uint64_t gen = ss_get_u64(&r);
            domref_set(domid, gen);
            if (gen > store_generation())
                store_set_generation(gen);
        }
    } else if (!strcmp(key, KEY_SPECIAL)) {
        if (ss_get_u32(&r) != REC_VERSION)
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
    struct ss_rd r = ss_rd_init(d->restored_watches, d->restored_len);
    struct conn *c = d->conn;
    uint32_t n = ss_get_u32(&r);
    struct watch *w;

    persist_off = true;
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        bool rel = ss_get_u32(&r);
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
