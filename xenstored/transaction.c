/* Transactions as Xen's: every node a transaction reads or writes is
 * remembered with the generation it had; commit fails with EAGAIN when any
 * of them changed meanwhile, otherwise applies the writes and fires the
 * watches it queued. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "xenstored.h"

struct tnode {
    TAILQ_ENTRY(tnode) link;
    struct tnode *hnext;    /* in its hash bucket */
    uint32_t hash;          /* name_hash(name) */
    char *name;
    bool existed;           /* in the committed store at first access */
    uint64_t base_gen;      /* its generation then */
    bool modified;
    TDB_DATA rec;           /* new contents; dptr NULL: deleted */
};

static uint64_t rec_gen(TDB_DATA d)
{
    uint64_t g = 0;

    if (d.dsize >= 8)
        memcpy(&g, d.dptr, 8);
    return g;
}

/* Nodes are found by a hash of their path: a transaction may touch every
 * node of a large subtree (an RM), and a list scan per access made that
 * quadratic. */
static unsigned int name_hash(const char *name)
{
    uint32_t h = 2166136261u;   /* FNV-1a */

    while (*name)
        h = (h ^ (unsigned char)*name++) * 16777619u;
    return h;
}

static struct tnode *bucket_find(struct tnode *tn, const char *name)
{
    for (; tn; tn = tn->hnext)
        if (!strcmp(tn->name, name))
            return tn;
    return NULL;
}

static struct tnode *tnode_find(struct transaction *t, const char *name)
{
    uint32_t h;
    struct tnode *tn;

    if (!t->nbuckets)
        return NULL;
    h = name_hash(name);
    tn = bucket_find(t->buckets[h & (t->nbuckets - 1)], name);
    if (!tn && t->old_buckets)
        tn = bucket_find(t->old_buckets[h & (t->old_nbuckets - 1)], name);
    return tn;
}

/* The table doubles as it fills, and the nodes move to the new one a few
 * buckets per insert: moving 65536 at once held every client for 10+ ms. */
#define MOVE_PER_INSERT 16u

static void move_some(struct transaction *t)
{
    unsigned int k;
    struct tnode *i, *next;

    for (k = 0; k < MOVE_PER_INSERT && t->moved < t->old_nbuckets; k++, t->moved++)
        for (i = t->old_buckets[t->moved]; i; i = next) {
            next = i->hnext;
            i->hnext = t->buckets[i->hash & (t->nbuckets - 1)];
            t->buckets[i->hash & (t->nbuckets - 1)] = i;
        }
    if (t->moved == t->old_nbuckets) {
        talloc_free(t->old_buckets);
        t->old_buckets = NULL;
        t->old_nbuckets = 0;
    }
}

/* Add tn to the transaction. */
static int tnode_insert(struct transaction *t, struct tnode *tn)
{
    struct tnode **b;
    unsigned int n, k;

    if (t->old_buckets)
        move_some(t);
    if (t->nnodes >= t->nbuckets && !t->old_buckets) {
        n = t->nbuckets ? t->nbuckets * 2 : 64;
        b = talloc_zero_array(t, struct tnode *, n);
        if (!b)
            return ENOMEM;
        t->old_buckets = t->buckets;
        t->old_nbuckets = t->nbuckets;
        t->moved = 0;
        t->buckets = b;
        t->nbuckets = n;
        if (!t->old_nbuckets)
            t->old_buckets = NULL;
    }
    tn->hash = name_hash(tn->name);
    k = tn->hash & (t->nbuckets - 1);
    tn->hnext = t->buckets[k];
    t->buckets[k] = tn;
    TAILQ_INSERT_TAIL(&t->nodes, tn, link);
    t->nnodes++;
    return 0;
}

/* First access: remember what the committed store had. */
static struct tnode *tnode_get(struct transaction *t, const char *name, int *err)
{
    struct tnode *tn = tnode_find(t, name);
    TDB_DATA d;

    if (tn)
        return tn;
    if (!conn_priv(t->conn) && (int)t->nnodes >= quota.trans_nodes) {
        *err = ENOSPC;
        return NULL;
    }
    tn = talloc_zero(t, struct tnode);
    if (!tn || !(tn->name = talloc_strdup(tn, name))) {
        *err = ENOMEM;
        return NULL;
    }
    d = store_fetch_committed(tn, name);
    tn->existed = d.dptr != NULL;
    tn->base_gen = rec_gen(d);
    tn->rec = d;
    *err = tnode_insert(t, tn);
    if (*err) {
        talloc_free(tn);
        return NULL;
    }
    return tn;
}

int trans_read(const void *ctx, struct transaction *t, const char *name, TDB_DATA *out)
{
    int err = 0;
    struct tnode *tn = tnode_get(t, name, &err);

    if (!tn)
        return err;
    out->dsize = tn->rec.dsize;
    out->dptr = tn->rec.dptr ? talloc_memdup(ctx, tn->rec.dptr, tn->rec.dsize) : NULL;
    if (tn->rec.dptr && !out->dptr)
        return ENOMEM;
    if (tn->modified && out->dptr && out->dsize >= 8) {
        /* Written in this transaction: it is as new as anything now (it
         * gets its real generation at commit).  Its old generation would
         * make grants to a domain named in this same transaction look
         * stale (domref.c), and children created under it would inherit
         * them voided. */
        uint64_t g = store_generation();
        memcpy(out->dptr, &g, 8);
    }
    return 0;
}

int trans_write(struct transaction *t, const char *name, TDB_DATA *rec)
{
    int err = 0;
    struct tnode *tn = tnode_get(t, name, &err);

    if (!tn)
        return err;
    talloc_free(tn->rec.dptr);
    tn->rec.dptr = NULL;
    tn->rec.dsize = 0;
    if (rec) {
        tn->rec.dptr = talloc_memdup(tn, rec->dptr, rec->dsize);
        if (!tn->rec.dptr)
            return ENOMEM;
        tn->rec.dsize = rec->dsize;
    }
    tn->modified = true;
    return 0;
}

void trans_queue_event(struct transaction *t, const char *name, bool exact)
{
    unsigned int cap = t->events_cap;

    if (t->nevents == cap) {
        /* Grown by doubling: an RM of a big subtree queues one per node. */
        cap = cap ? cap * 2 : 16;
        char **ev = talloc_realloc(t, t->events, char *, cap);
        bool *ex = talloc_realloc(t, t->events_exact, bool, cap);

        if (ev)
            t->events = ev;
        if (ex)
            t->events_exact = ex;
        if (!ev || !ex) {
            t->failed = true;
            return;
        }
        t->events_cap = cap;
    }
    if (!(t->events[t->nevents] = talloc_strdup(t, name))) {
        t->failed = true;
        return;
    }
    t->events_exact[t->nevents++] = exact;
}

struct transaction *trans_lookup(struct conn *c, uint32_t id, int *err)
{
    struct transaction *t;

    if (id == 0)
        return NULL;
    TAILQ_FOREACH(t, &c->transactions, link)
        if (t->id == id)
            return t;
    *err = ENOENT;
    return NULL;
}

static void trans_free(struct transaction *t)
{
    TAILQ_REMOVE(&t->conn->transactions, t, link);
    t->conn->ntrans--;
    talloc_free(t);
}

void trans_free_all(struct conn *c)
{
    while (!TAILQ_EMPTY(&c->transactions))
        trans_free(TAILQ_FIRST(&c->transactions));
    c->trans = NULL;
}

int do_transaction_start(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    struct transaction *t;
    char id[16];

    if (c->trans)
        return EBUSY;
    /* Xen lets one more through than the quota says; so do we. */
    if (!conn_priv(c) && (int)c->ntrans > quota.transactions)
        return ENOSPC;
    t = talloc_zero(c, struct transaction);
    if (!t)
        return ENOMEM;
    TAILQ_INIT(&t->nodes);
    t->conn = c;
    /* Ids are unique per connection and never 0 (0 means no transaction). */
    do {
        if (++c->next_tx_id == 0)
            c->next_tx_id = 1;
        int e;
        if (!trans_lookup(c, c->next_tx_id, &e))
            break;
    } while (1);
    t->id = c->next_tx_id;
    TAILQ_INSERT_TAIL(&c->transactions, t, link);
    c->ntrans++;
    snprintf(id, sizeof(id), "%u", t->id);
    send_reply(c, XS_TRANSACTION_START, id, strlen(id) + 1);
    return 0;
}

/* The commit runs in slices (sliced.c): check every node's generation,
 * apply the writes, fire the queued events.  While it runs, other clients
 * may only read nodes the transaction did not touch, so the check stays
 * true until the last write and nobody sees half of it. */
struct commit_job {
    struct transaction *t;      /* taken from its connection */
    bool priv;
    unsigned int domid;
    enum { CHECK, APPLY, FIRE, FREE } phase;
    struct tnode *at;           /* next node of CHECK and APPLY */
    unsigned int fired;
};

static int commit_step(struct sliced_job *j, unsigned int units)
{
    struct commit_job *cj = j->priv;
    struct transaction *t = cj->t;
    void *ctx = talloc_new(NULL);
    int err = 0;

    if (!ctx)
        return -ENOMEM;
    while (units-- > 0 && !err) {
        struct tnode *tn = cj->at;

        if (cj->phase == CHECK && tn) {
            TDB_DATA cur = store_fetch_committed(ctx, tn->name);
            bool exists = cur.dptr != NULL;

            if (exists != tn->existed || (exists && rec_gen(cur) != tn->base_gen))
                err = EAGAIN;
            talloc_free(cur.dptr);
            cj->at = TAILQ_NEXT(tn, link);
        } else if (cj->phase == CHECK) {
            if (!cj->priv && t->created > 0 &&
                acct_get(cj->domid)->nodes + t->created > quota.nodes)
                err = ENOSPC;
            cj->phase = APPLY;
            cj->at = TAILQ_FIRST(&t->nodes);
        } else if (cj->phase == APPLY && tn) {
            if (tn->modified)
                err = store_commit_record(tn->name, tn->rec.dptr ? &tn->rec : NULL);
            cj->at = TAILQ_NEXT(tn, link);
        } else if (cj->phase == APPLY) {
            cj->phase = FIRE;
        } else if (cj->phase == FIRE && cj->fired < t->nevents) {
            fire_watches(NULL, ctx, t->events[cj->fired], t->events_exact[cj->fired],
                         NULL, 0);
            talloc_free(t->events[cj->fired++]);
        } else if (cj->phase == FIRE) {
            cj->phase = FREE;
        } else if ((tn = TAILQ_FIRST(&t->nodes))) {
            /* Node by node: one free of a 100000-node transaction held
             * everyone for tens of ms.  The hash goes first (it would
             * point at freed nodes). */
            talloc_free(t->buckets);
            talloc_free(t->old_buckets);
            t->buckets = t->old_buckets = NULL;
            t->nbuckets = t->old_nbuckets = 0;
            TAILQ_REMOVE(&t->nodes, tn, link);
            talloc_free(tn);
        } else {
            break;
        }
    }
    talloc_free(ctx);
    if (err)
        return -err;
    return cj->phase != FREE || !TAILQ_EMPTY(&t->nodes) ? 1 : 0;
}

static bool commit_busy(struct sliced_job *j, const char *path)
{
    struct commit_job *cj = j->priv;

    /* Once its nodes are being freed, the store holds all of it. */
    return cj->phase != FREE && tnode_find(cj->t, path) != NULL;
}

static const struct sliced_ops commit_ops = { .step = commit_step, .busy = commit_busy };

/* Commit (or with abort, just free) t, which has left its connection's
 * list: 0, an errno, or EINPROGRESS (the reply comes from the job). */
static int trans_end(struct conn *c, struct transaction *t, bool abort)
{
    struct sliced_job *j = talloc_zero(NULL, struct sliced_job);
    struct commit_job *cj = j ? talloc_zero(j, struct commit_job) : NULL;

    if (!cj) {
        talloc_free(j);
        talloc_free(t);
        return ENOMEM;
    }
    talloc_steal(cj, t);
    if (t->failed && !abort) {
        talloc_free(j);
        return ENOMEM;
    }
    if (abort)
        cj->phase = FREE;
    cj->t = t;
    cj->priv = conn_priv(c);
    cj->domid = c->id;
    cj->at = TAILQ_FIRST(&t->nodes);
    j->ops = &commit_ops;
    j->priv = cj;
    return sliced_start(j, c, XS_TRANSACTION_END);
}

int do_transaction_end(const void *ctx, struct conn *c, char *in, unsigned int len)
{
    const char *arg = proto_onearg(in, len);
    struct transaction *t = c->trans;
    int err = 0;

    if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
        return EINVAL;
    if (!t)
        return ENOENT;
    c->trans = NULL;
    TAILQ_REMOVE(&c->transactions, t, link);
    c->ntrans--;
    err = trans_end(c, t, strcmp(arg, "T") != 0);
    if (err == EINPROGRESS)
        return 0;
    if (err)
        return err;
    send_ack(c, XS_TRANSACTION_END);
    return 0;
}

/* Live update: open transactions go to the new binary as they are. */
void trans_dump(struct ss_wr *o, struct conn *c)
{
    struct transaction *t;
    struct tnode *tn;
    unsigned int i;

    TAILQ_FOREACH(t, &c->transactions, link) {
        ss_put_u32(o, 1);
        ss_put_u32(o, t->id);
        ss_put_u32(o, t->created);
        ss_put_u32(o, t->failed);
        TAILQ_FOREACH(tn, &t->nodes, link) {
            ss_put_u32(o, 1);
            ss_put_str(o, tn->name);
            ss_put_u32(o, tn->existed);
            ss_put_u64(o, tn->base_gen);
            ss_put_u32(o, tn->modified);
            ss_put_u32(o, tn->rec.dptr != NULL);
            ss_put_blob(o, tn->rec.dptr, tn->rec.dsize);
        }
        ss_put_u32(o, 0);
        ss_put_u32(o, t->nevents);
        for (i = 0; i < t->nevents; i++) {
            ss_put_str(o, t->events[i]);
            ss_put_u32(o, t->events_exact[i]);
        }
    }
    ss_put_u32(o, 0);
}

int trans_restore(struct ss_rd *in, struct conn *c)
{
    while (ss_get_u32(in) == 1 && !in->bad) {
        struct transaction *t = talloc_zero(c, struct transaction);
        unsigned int i, n;

        if (!t)
            return ENOMEM;
        TAILQ_INIT(&t->nodes);
        t->conn = c;
        t->id = ss_get_u32(in);
        t->created = ss_get_u32(in);
        t->failed = ss_get_u32(in);
        while (ss_get_u32(in) == 1 && !in->bad) {
            struct tnode *tn = talloc_zero(t, struct tnode);
            uint32_t len;
            const void *rec;
            bool has;

            if (!tn)
                return ENOMEM;
            tn->name = lu_get_str(tn, in);
            tn->existed = ss_get_u32(in);
            tn->base_gen = ss_get_u64(in);
            tn->modified = ss_get_u32(in);
            has = ss_get_u32(in);
            rec = ss_get_blob(in, &len);
            if (has && rec) {
                tn->rec.dptr = talloc_memdup(tn, rec, len);
                tn->rec.dsize = len;
            }
            if (!tn->name)
                return EINVAL;
            if (tnode_insert(t, tn))
                return ENOMEM;
        }
        n = ss_get_u32(in);
        for (i = 0; i < n && !in->bad; i++) {
            char *name = lu_get_str(t, in);
            bool exact = ss_get_u32(in);
            if (name)
                trans_queue_event(t, name, exact);
        }
        TAILQ_INSERT_TAIL(&c->transactions, t, link);
        c->ntrans++;
    }
    return in->bad ? EINVAL : 0;
}
