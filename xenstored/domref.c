/* Which incarnation of a domid a permission entry means.  As Xen's
 * domain_adjust_node_perms: a domid gets a generation when a permission
 * first names it or its VMM attaches, and loses it when the domain dies
 * (its VMM goes away).  A node last written before the current
 * incarnation of a domid got its generation grants nothing to it: a new
 * domain that reuses a domid never inherits the old one's nodes. */
#include "xenstored.h"
#include "log.h"

struct domref {
    TAILQ_ENTRY(domref) link;
    unsigned int domid;
    uint64_t gen;
};
static TAILQ_HEAD(, domref) refs = TAILQ_HEAD_INITIALIZER(refs);

static struct domref *find(unsigned int domid)
{
    struct domref *r;

    TAILQ_FOREACH(r, &refs, link)
        if (r->domid == domid)
            return r;
    return NULL;
}

void domref_touch(unsigned int domid)
{
    struct domref *r;

    if (domid == DOMID_PRIV || find(domid))
        return;
    r = talloc_zero(NULL, struct domref);
    if (!r)
        die(1, "out of memory");
    r->domid = domid;
    /* Newer than every node written so far. */
    r->gen = store_next_generation();
    TAILQ_INSERT_TAIL(&refs, r, link);
    persist_domrefs();
}

void domref_drop(unsigned int domid)
{
    struct domref *r = find(domid);

    if (r) {
        TAILQ_REMOVE(&refs, r, link);
        talloc_free(r);
        persist_domrefs();
    }
}

void domref_foreach(void (*fn)(unsigned int domid, uint64_t gen, void *arg), void *arg)
{
    struct domref *r;

    TAILQ_FOREACH(r, &refs, link)
        fn(r->domid, r->gen, arg);
}

void node_adjust_perms(struct node *n)
{
    unsigned int i;
    struct domref *r;

    for (i = 0; i < n->nperms; i++) {
        if (n->perms[i].id == DOMID_PRIV)
            continue;
        r = find(n->perms[i].id);
        if (!r || r->gen <= n->generation)
            continue;
        /* An orphaned node goes to the host, a stale grant is void. */
        if (i == 0)
            n->perms[0].id = DOMID_PRIV;
        else
            n->perms[i].perms |= XS_PERM_IGNORE;
    }
}

void domref_dump(struct ss_wr *o)
{
    struct domref *r;

    TAILQ_FOREACH(r, &refs, link) {
        ss_put_u32(o, 1);
        ss_put_u32(o, r->domid);
        ss_put_u64(o, r->gen);
    }
    ss_put_u32(o, 0);
}

void domref_set(unsigned int domid, uint64_t gen)
{
    struct domref *r = find(domid);

    if (!r) {
        r = talloc_zero(NULL, struct domref);
        if (!r)
            return;
        r->domid = domid;
        TAILQ_INSERT_TAIL(&refs, r, link);
    }
    r->gen = gen;
}

void domref_restore(struct ss_rd *in)
{
    while (ss_get_u32(in) == 1 && !in->bad) {
        unsigned int domid = ss_get_u32(in);
        uint64_t gen = ss_get_u64(in);

        domref_set(domid, gen);
    }
}
