/* xenstored's durable store (store.c, persist.c): a writer process killed
 * with SIGKILL at random instants, mid-batch or mid-commit, leaves a file
 * that opens again with every batch whole or absent and never older than
 * what an earlier open saw; one daemon per file; the daemon's own records
 * (domains with their watches, special watch permissions) survive a
 * process that ends without closing anything, and come back: watches on
 * the domain's new connection, each fired once; a domain whose VMM never
 * returns released. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "check.h"
#include "xenstored/xenstored.h"

#define KEYS 24             /* records one batch rewrites together */

static char dbfile[64];

static int put_value(const char *name, unsigned long v)
{
    struct xs_permissions p = { .id = 0, .perms = XS_PERM_NONE };
    /* Sizes vary with v, so records move inside the file (tdb frees and
     * reallocates them), not only get overwritten in place. */
    char data[512];
    int len = snprintf(data, sizeof(data), "%lu:", v);
    struct node n = { .name = (char *)name, .nperms = 1, .perms = &p, .data = data };
    TDB_DATA d;
    int ret;

    memset(data + len, 'x', v % 300);
    n.datalen = len + v % 300;
    d = node_encode(NULL, &n);
    ret = store_commit_record(name, &d);
    talloc_free(d.dptr);
    return ret;
}

/* The value every record of the batch holds, or -1 if they differ or one
 * is unreadable. */
static long read_batch(void)
{
    long v = -1;
    char name[32];

    for (int i = 0; i < KEYS; i++) {
        struct node *n;
        snprintf(name, sizeof(name), "/k%d", i);
        n = store_read(NULL, NULL, name);
        if (!n)
            return i == 0 && errno == ENOENT ? 0 : -1;
        long x = strtol(n->data, NULL, 10);
        talloc_free(n);
        if (i == 0)
            v = x;
        else if (x != v)
            return -1;
    }
    return v;
}

/* The writer: batches of KEYS records (plus a node created and the one of
 * the batch before removed), each batch one value, until killed. */
static void writer(void)
{
    char name[32];
    long v;

    if (store_open(dbfile) < 0)
        _exit(2);
    v = read_batch();
    if (v < 0)
        _exit(3);
    for (;;) {
        v++;
        store_batch_begin();
        for (int i = 0; i < KEYS; i++) {
            snprintf(name, sizeof(name), "/k%d", i);
            put_value(name, v);
        }
        snprintf(name, sizeof(name), "/n%ld", v);
        put_value(name, v);
        snprintf(name, sizeof(name), "/n%ld", v - 1);
        store_commit_record(name, NULL);
        store_batch_end();
    }
}

static int count_n(TDB_CONTEXT *t, TDB_DATA k, TDB_DATA d, void *arg)
{
    if (k.dsize > 2 && k.dptr[0] == '/' && k.dptr[1] == 'n')
        (*(int *)arg)++;
    return 0;
}

static void killed_writer(void)
{
    long last = 0, v;
    int rounds = 40, grew = 0;

    srand(time(NULL));
    CHECK_EQ(store_open(dbfile), 0);
    CHECK_EQ(store_init_tree(), 0);
    store_close();
    for (int r = 0; r < rounds; r++) {
        pid_t pid = fork();
        int st, nodes = 0;

        if (pid == 0)
            writer();
        CHECK(pid > 0);
        usleep(2000 + rand() % 20000);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        CHECK(WIFSIGNALED(st));     /* not an early exit of its own */
        CHECK_EQ(store_open(dbfile), 1);
        v = read_batch();
        CHECK(v >= last);           /* a whole batch, never an older one */
        store_traverse(count_n, &nodes);
        CHECK_EQ(nodes, v > 0 ? 1 : 0);     /* create and remove went together */
        if (v > last)
            grew++;
        last = v;
        store_close();
        if (check_case_failed) {
            printf("# round %d: value %ld\n", r, v);
            break;
        }
    }
    CHECK(grew > rounds / 2);       /* the writer got somewhere */
}

static void one_daemon_per_file(void)
{
    pid_t pid;
    int st;

    CHECK(store_open(dbfile) >= 0);
    pid = fork();
    if (pid == 0)
        _exit(store_open(dbfile) == -EBUSY ? 0 : 1);
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    store_close();
}

static void meta_records(void)
{
    TDB_DATA key = { (unsigned char *)"#test", 5 };
    TDB_DATA d;
    struct node *n;

    CHECK(store_open(dbfile) == 1);
    CHECK(store_durable());
    CHECK(store_is_meta(key));
    CHECK_EQ(store_meta_put("#test", "abc", 3), 0);
    store_close();
    CHECK(store_open(dbfile) == 1);
    d = store_fetch_committed(NULL, "#test");
    n = d.dptr ? node_decode(NULL, "#test", d) : NULL;
    CHECK(n && n->datalen == 3 && !memcmp(n->data, "abc", 3));
    talloc_free(n);
    talloc_free(d.dptr);
    CHECK_EQ(store_meta_delete("#test"), 0);
    d = store_fetch_committed(NULL, "#test");
    CHECK(!d.dptr);
    /* Generations go on from the newest record after a restart. */
    store_set_generation(0);
    store_recover();
    CHECK(store_generation() > 0);
    store_close();
}

/* ---- the daemon's own records: domains with watches, domids, special
 * watch permissions (persist.c) ---- */

static int nop_write(struct conn *c, const void *buf, unsigned int len)
{
    return 0;       /* the guest reads nothing: events stay queued */
}

static const struct conn_ops nop_ops = { .write = nop_write };

/* A ring connection without a ring, enough for watches and events. */
static struct conn *fake_ring_conn(struct domain *d)
{
    struct conn *c = conn_new(NULL, CONN_RING, &nop_ops, d->domid);

    c->domain = d;
    d->conn = c;
    return c;
}

/* The first daemon, in a child process: domain 12 attached with two
 * watches, domain 13 with none, a permission on @releaseDomain. */
static void first_daemon(void)
{
    struct xs_permissions rel[2] = { { 0, XS_PERM_NONE }, { 12, XS_PERM_READ } };
    struct domain *d;
    struct conn *c;

    evbase = event_base_new();
    if (store_open(dbfile) != 0 || store_init_tree())
        _exit(2);
    domain_init();
    d = domain_restore(12);
    c = fake_ring_conn(d);
    domref_touch(12);
    watch_add(c, "/local/domain/12/control/sysrq", "sysrq", true);
    watch_add(c, "/vm/abc", "vm", false);
    watch_add(c, "/gone", "g", false);
    /* An UNWATCH reaches the file too. */
    {
        char in[] = "/gone\0g";
        if (do_unwatch(NULL, c, in, sizeof(in)))
            _exit(3);
    }
    d = domain_restore(13);
    fake_ring_conn(d);
    persist_domain(d);
    domref_touch(13);
    if (special_set_perms(&(struct conn){ .id = 0 }, "@releaseDomain", rel, 2))
        _exit(4);
    _exit(0);   /* as if killed: nothing is closed or flushed */
}

static void domain_records(void)
{
    const struct xs_permissions *p;
    unsigned int n;
    struct domain *d;
    struct watch *w;
    struct outbuf *o;
    struct conn *c;
    int st, events = 0;
    pid_t pid;

    unlink(dbfile);
    pid = fork();
    if (pid == 0)
        first_daemon();
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    evbase = event_base_new();
    CHECK_EQ(store_open(dbfile), 1);
    domain_init();
    store_recover();
    CHECK_EQ(persist_load(false), 0);
    special_get_perms("@releaseDomain", &p, &n);
    CHECK(n == 2 && p[1].id == 12 && p[1].perms == XS_PERM_READ);
    d = domain_find(12);
    CHECK(d && d->introduced && d->restored_watches && !d->conn);
    if (!d)
        return;
    /* Its VMM attaches again: the watches come back, each fires once. */
    c = fake_ring_conn(d);
    persist_reattached(d);
    CHECK(!d->restored_watches && d->reborn);
    CHECK_EQ(c->nwatches, 2);
    w = TAILQ_FIRST(&c->watches);
    CHECK(w && !strcmp(w->node, "/local/domain/12/control/sysrq") && w->relative &&
          !strcmp(w->token, "sysrq"));
    w = w ? TAILQ_NEXT(w, link) : NULL;
    CHECK(w && !strcmp(w->node, "/vm/abc") && !w->relative && !strcmp(w->token, "vm"));
    TAILQ_FOREACH(o, &c->out, link) {
        struct xsd_sockmsg *h = (void *)o->data;
        CHECK(o->event && h->type == XS_WATCH_EVENT);
        if (events == 0)    /* relative: the path below the domain's home */
            CHECK(!memcmp(o->data + sizeof(*h), "control/sysrq\0sysrq", 20));
        events++;
    }
    CHECK_EQ(events, 2);
    /* Domain 13's VMM never comes back: released, its record gone. */
    CHECK(domain_find(13) && domain_find(13)->restored_watches);
    domains_expire_restored();
    CHECK(!domain_find(13));
    CHECK(domain_find(12));
    TDB_DATA r13 = store_fetch_committed(NULL, "#domain/13");
    CHECK(!r13.dptr);
    /* Domain 12's record now holds its live watches. */
    TDB_DATA r12 = store_fetch_committed(NULL, "#domain/12");
    CHECK(r12.dptr && memmem(r12.dptr, r12.dsize, "/vm/abc", 7));
    talloc_free(r12.dptr);
    store_close();
}

int main(void)
{
    snprintf(dbfile, sizeof(dbfile), "/tmp/xk-persist-%d.tdb", (int)getpid());
    unlink(dbfile);
    RUN(killed_writer);
    RUN(one_daemon_per_file);
    RUN(meta_records);
    RUN(domain_records);
    unlink(dbfile);
    return CHECK_DONE();
}
