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

static struct tnode *tnode_find(struct transaction *t, const char *name)
{
    struct tnode *tn;

    if (!t->nbuckets)
        return NULL;
    for (tn = t->buckets[name_hash(name) & (t->nbuckets - 1)]; tn; tn = tn->hnext)
        if (!strcmp(tn->name, name))
            return tn;
    return NULL;
}

/* Add tn to the transaction, doubling the table as it fills. */
static int tnode_insert(struct transaction *t, struct tnode *tn)
{
    struct tnode **b, *i, *next;
    unsigned int n, k;

    if (t->nnodes >= t->nbuckets) {
        n = t->nbuckets ? t->nbuckets * 2 : 64;
        b = talloc_zero_array(t, struct tnode *, n);
        if (!b)
            return ENOMEM;
        for (k = 0; k < t->nbuckets; k++)
            for (i = t->buckets[k]; i; i = next) {
                next = i->hnext;
                i->hnext = b[name_hash(i->name) & (n - 1)];
                b[name_hash(i->name) & (n - 1)] = i;
            }
        talloc_free(t->buckets);
        t->buckets = b;
        t->nbuckets = n;
    }
    k = name_hash(tn->name) & (t->nbuckets - 1);
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

static int trans_commit(const void *ctx, struct transaction *t)
{
    struct tnode *tn;
    unsigned int i;
    int err;

    if (t->failed)
        return ENOMEM;
    TAILQ_FOREACH(tn, &t->nodes, link) {
        TDB_DATA cur = store_fetch_committed(ctx, tn->name);
        bool exists = cur.dptr != NULL;

        if (exists != tn->existed || (exists && rec_gen(cur) != tn->base_gen))
            return EAGAIN;
    }
    if (!conn_priv(t->conn) && t->created > 0 &&
        acct_get(t->conn->id)->nodes + t->created > quota.nodes)
        return ENOSPC;
    TAILQ_FOREACH(tn, &t->nodes, link) {
        if (!tn->modified)
            continue;
        err = store_commit_record(tn->name, tn->rec.dptr ? &tn->rec : NULL);
        if (err)
            return err;
    }
    for (i = 0; i < t->nevents; i++)
        fire_watches(NULL, ctx, t->events[i], t->events_exact[i], NULL, 0);
    return 0;
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
    if (!strcmp(arg, "T"))
        err = trans_commit(ctx, t);
    trans_free(t);
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
