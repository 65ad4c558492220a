/* The committed store: one tdb record per node, keyed by its path.
 * Transactions see the store through their own overlay (transaction.c).
 *
 * With --db-file the store is durable (docs/xenstored.md, "Restart"):
 * every change happens inside a tdb transaction that commits before the
 * request's reply is queued, so a xenstored killed at any instant leaves a
 * file holding each request entirely or not at all.  tdb's recovery area
 * undoes a half-done commit when the file is opened again.  TDB_NOSYNC:
 * the kernel's page cache outlives the process, so surviving process
 * death needs no fsync (a host crash loses the domains anyway). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include "xenstored.h"
#include "log.h"

static TDB_CONTEXT *db;
static uint64_t generation;
static bool durable;        /* a file: changes go through tdb transactions */
static int batch_depth;     /* store_batch_begin nesting */
static bool in_txn;         /* a tdb transaction is open */

/* Record layout (ours): u64 generation, u32 nperms, u32 datalen,
 * u32 childlen, then nperms (u32 id, u32 perms), data, children. */
#define REC_HDR 20u
#define REC_PERM 8u
/* Xen's record header (struct xs_tdb_record_hdr: u64, three u32, padded
 * to 24 bytes): the node-size quota counts a node as Xen stores it. */
#define XEN_REC_HDR 24u

uint64_t store_next_generation(void)
{
    return ++generation;
}

static TDB_DATA key_of(const char *name)
{
    TDB_DATA k = { .dptr = (unsigned char *)name, .dsize = strlen(name) };
    return k;
}

TDB_DATA node_encode(const void *ctx, const struct node *n)
{
    TDB_DATA d;
    uint32_t v;
    unsigned char *p;
    unsigned int i;

    d.dsize = REC_HDR + n->nperms * REC_PERM + n->datalen + n->childlen;
    d.dptr = talloc_size(ctx, d.dsize);
    if (!d.dptr)
        return d;
    p = d.dptr;
    memcpy(p, &n->generation, 8);
    v = n->nperms; memcpy(p + 8, &v, 4);
    v = n->datalen; memcpy(p + 12, &v, 4);
    v = n->childlen; memcpy(p + 16, &v, 4);
    p += REC_HDR;
    for (i = 0; i < n->nperms; i++, p += REC_PERM) {
        v = n->perms[i].id; memcpy(p, &v, 4);
        v = n->perms[i].perms; memcpy(p + 4, &v, 4);
    }
    if (n->datalen)
        memcpy(p, n->data, n->datalen);
    p += n->datalen;
    if (n->childlen)
        memcpy(p, n->children, n->childlen);
    return d;
}

struct node *node_decode(const void *ctx, const char *name, TDB_DATA d)
{
    struct node *n;
    uint32_t np, dl, cl, v;
    const unsigned char *p = d.dptr;
    unsigned int i;

    if (d.dsize < REC_HDR)
        goto corrupt;
    memcpy(&np, p + 8, 4);
    memcpy(&dl, p + 12, 4);
    memcpy(&cl, p + 16, 4);
    if (np == 0 || (uint64_t)REC_HDR + (uint64_t)np * REC_PERM + dl + cl != d.dsize)
        goto corrupt;
    n = talloc_zero(ctx, struct node);
    if (!n)
        goto nomem;
    n->name = talloc_strdup(n, name);
    memcpy(&n->generation, p, 8);
    n->nperms = np;
    n->perms = talloc_array(n, struct xs_permissions, np);
    /* One spare NUL after data and children keeps string helpers safe. */
    n->data = talloc_size(n, dl + 1);
    n->children = talloc_size(n, cl + 1);
    if (!n->name || !n->perms || !n->data || !n->children) {
        talloc_free(n);
        goto nomem;
    }
    p += REC_HDR;
    for (i = 0; i < np; i++, p += REC_PERM) {
        memcpy(&v, p, 4); n->perms[i].id = v;
        memcpy(&v, p + 4, 4); n->perms[i].perms = v;
    }
    memcpy(n->data, p, dl); n->data[dl] = 0; n->datalen = dl;
    p += dl;
    memcpy(n->children, p, cl); n->children[cl] = 0; n->childlen = cl;
    return n;
corrupt:
    log_err("store: corrupt record for %s", name);
    errno = EIO;
    return NULL;
nomem:
    errno = ENOMEM;
    return NULL;
}

void store_batch_begin(void)
{
    batch_depth++;
}

int store_batch_end(void)
{
    if (--batch_depth > 0 || !in_txn)
        return 0;
    in_txn = false;
    if (tdb_transaction_commit(db)) {
        log_err("store: commit failed: %s", tdb_errorstr(db));
        return EIO;
    }
    return 0;
}

/* Store (d) or delete (NULL) one record, inside the open batch or in a
 * transaction of its own. */
static int put(TDB_DATA key, const TDB_DATA *d)
{
    int ret, end;

    store_batch_begin();
    if (durable && !in_txn) {
        if (tdb_transaction_start(db)) {
            log_err("store: cannot start a transaction: %s", tdb_errorstr(db));
            batch_depth--;
            return EIO;
        }
        in_txn = true;
    }
    if (d)
        ret = tdb_store(db, key, *d, TDB_REPLACE) ? EIO : 0;
    else
        ret = tdb_delete(db, key) && tdb_error(db) != TDB_ERR_NOEXIST ? EIO : 0;
    end = store_batch_end();
    return ret ? ret : end;
}

TDB_DATA store_fetch_committed(const void *ctx, const char *name)
{
    TDB_DATA d = tdb_fetch(db, key_of(name)), copy = { NULL, 0 };

    if (!d.dptr)
        return copy;
    copy.dptr = talloc_memdup(ctx, d.dptr, d.dsize);
    copy.dsize = copy.dptr ? d.dsize : 0;
    free(d.dptr);
    return copy;
}

static void rec_owner(TDB_DATA d, unsigned int *owner)
{
    uint32_t v = 0;

    if (d.dsize >= REC_HDR + REC_PERM)
        memcpy(&v, d.dptr + REC_HDR, 4);
    *owner = v;
}

int store_commit_record(const char *name, TDB_DATA *rec)
{
    TDB_DATA old = tdb_fetch(db, key_of(name));
    unsigned int owner;

    if (old.dptr) {
        rec_owner(old, &owner);
        acct_nodes(owner, -1, -(long)old.dsize);
        free(old.dptr);
    }
    if (!rec)
        return put(key_of(name), NULL);
    /* Every committed change gets a fresh generation (DIRECTORY_PART and
     * transaction conflict detection rely on it). */
    uint64_t g = store_next_generation();
    memcpy(rec->dptr, &g, 8);
    rec_owner(*rec, &owner);
    acct_nodes(owner, 1, (long)rec->dsize);
    return put(key_of(name), rec);
}

struct node *store_read(const void *ctx, struct conn *c, const char *name)
{
    TDB_DATA d;
    struct node *n;
    int err;

    if (c && c->trans) {
        err = trans_read(ctx, c->trans, name, &d);
        if (err) {
            errno = err;
            return NULL;
        }
    } else {
        d = store_fetch_committed(ctx, name);
    }
    if (!d.dptr) {
        errno = ENOENT;
        return NULL;
    }
    n = node_decode(ctx, name, d);
    talloc_free(d.dptr);
    if (n)
        node_adjust_perms(n);
    return n;
}

int store_write(struct conn *c, struct node *n, bool no_quota)
{
    TDB_DATA d = node_encode(n, n);

    if (!d.dptr)
        return ENOMEM;
    if (c && !conn_priv(c) && !no_quota) {
        if ((long)d.dsize - REC_HDR + XEN_REC_HDR >= (long)quota.node_size)
            return ENOSPC;
        if (quota.memory && acct_get(c->id)->memory + (long)d.dsize > quota.memory)
            return ENOMEM;
    }
    if (c && c->trans)
        return trans_write(c->trans, n->name, &d);
    return store_commit_record(n->name, &d);
}

int store_delete(struct conn *c, const char *name)
{
    if (c && c->trans)
        return trans_write(c->trans, name, NULL);
    return store_commit_record(name, NULL);
}

int store_traverse(int (*fn)(TDB_CONTEXT *, TDB_DATA, TDB_DATA, void *), void *arg)
{
    return tdb_traverse(db, fn, arg);
}

/* --db-sync: fsync at every commit, for a store that outlives a host
 * crash as well (domains do not, so it is off by default). */
bool store_sync;

int store_open(const char *file)
{
    TDB_DATA d;
    int e;

    durable = false;
    if (!file) {
        db = tdb_open("xenstored", 7919, TDB_INTERNAL, O_RDWR | O_CREAT, 0600);
        return db ? 0 : -errno;
    }
    /* One daemon per file: tdb's own locks are off (TDB_NOLOCK), the
     * flock keeps a second xenstored out instead. */
    db = tdb_open(file, 7919, (store_sync ? 0 : TDB_NOSYNC) | TDB_NOLOCK,
                  O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (!db)
        return -errno;
    if (flock(tdb_fd(db), LOCK_EX | LOCK_NB)) {
        e = errno == EWOULDBLOCK ? EBUSY : errno;
        tdb_close(db);
        db = NULL;
        return -e;
    }
    durable = true;
    d = tdb_fetch(db, key_of("/"));
    free(d.dptr);
    return d.dptr ? 1 : 0;
}

/* The initial tree, as Xen's: /, /tool and /tool/xenstored, owned by
 * dom0, no access for others. */
int store_init_tree(void)
{
    struct node root = { .name = "/", .nperms = 1 };
    struct node tool = { .name = "/tool", .nperms = 1 };
    struct node xsd = { .name = "/tool/xenstored", .nperms = 1 };
    struct xs_permissions p = { .id = 0, .perms = XS_PERM_NONE };
    TDB_DATA d;
    int ret;

    store_batch_begin();
    root.perms = tool.perms = xsd.perms = &p;
    root.children = "tool";
    root.childlen = 5;
    tool.children = "xenstored";
    tool.childlen = 10;
    d = node_encode(NULL, &root);
    ret = store_commit_record("/", &d);
    talloc_free(d.dptr);
    d = node_encode(NULL, &tool);
    ret = ret ? ret : store_commit_record("/tool", &d);
    talloc_free(d.dptr);
    d = node_encode(NULL, &xsd);
    ret = ret ? ret : store_commit_record("/tool/xenstored", &d);
    talloc_free(d.dptr);
    ret = store_batch_end() ?: ret;
    return -ret;
}

bool store_is_meta(TDB_DATA key)
{
    return key.dsize && key.dptr[0] == STORE_META;
}

static int recover_one(TDB_CONTEXT *t, TDB_DATA k, TDB_DATA d, void *arg)
{
    unsigned int owner;
    uint64_t g;

    if (store_is_meta(k) || d.dsize < REC_HDR)
        return 0;
    rec_owner(d, &owner);
    acct_nodes(owner, 1, (long)d.dsize);
    memcpy(&g, d.dptr, 8);
    if (g > generation)
        generation = g;
    return 0;
}

/* A restart: per-domain accounting and the generation counter from the
 * records (every generation handed out later is newer than all). */
void store_recover(void)
{
    tdb_traverse(db, recover_one, NULL);
}

/* The daemon's own records (domains, domids, special watch permissions;
 * persist.c) live in the same file, under keys no path can have, in the
 * node format so `xenstore-control check` reads them as well-formed. */
int store_meta_put(const char *key, const void *blob, unsigned int len)
{
    struct xs_permissions p = { .id = 0, .perms = XS_PERM_NONE };
    struct node n = { .name = (char *)key, .nperms = 1, .perms = &p,
                      .data = (char *)blob, .datalen = len };
    TDB_DATA d;
    int ret;

    if (!durable)
        return 0;
    d = node_encode(NULL, &n);
    if (!d.dptr)
        return ENOMEM;
    ret = put(key_of(key), &d);
    talloc_free(d.dptr);
    return ret;
}

int store_meta_delete(const char *key)
{
    return durable ? put(key_of(key), NULL) : 0;
}

bool store_durable(void)
{
    return durable;
}

void store_close(void)
{
    if (db)
        tdb_close(db);
    db = NULL;
}

uint64_t store_generation(void)
{
    return generation;
}

void store_set_generation(uint64_t g)
{
    generation = g;
}

static int dump_one(TDB_CONTEXT *t, TDB_DATA k, TDB_DATA d, void *arg)
{
    struct ss_wr *o = arg;

    /* The new binary writes its own from the state it restores. */
    if (store_is_meta(k))
        return 0;
    ss_put_u32(o, 1);
    ss_put_blob(o, k.dptr, k.dsize);
    ss_put_blob(o, d.dptr, d.dsize);
    return 0;
}

/* Records as they are: generations must survive for transactions and
 * DIRECTORY_PART readers that span the update. */
static int store_restore_records(struct ss_rd *i);

void store_dump(struct ss_wr *o)
{
    tdb_traverse(db, dump_one, o);
    ss_put_u32(o, 0);
}

int store_restore(struct ss_rd *i)
{
    int err;

    store_batch_begin();
    err = store_restore_records(i);
    return store_batch_end() ?: err;
}

static int store_restore_records(struct ss_rd *i)
{
    while (ss_get_u32(i) == 1 && !i->bad) {
        uint32_t kl, dl;
        const void *k = ss_get_blob(i, &kl), *d = ss_get_blob(i, &dl);
        TDB_DATA key = { (unsigned char *)k, kl }, data = { (unsigned char *)d, dl };
        unsigned int owner;

        if (i->bad)
            break;
        rec_owner(data, &owner);
        acct_nodes(owner, 1, (long)dl);
        if (put(key, &data))
            return EIO;
    }
    return i->bad ? EINVAL : 0;
}
