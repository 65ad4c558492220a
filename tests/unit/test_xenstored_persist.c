/* xenstored's durable store (store.c, persist.c): a writer process killed
 * with SIGKILL at random instants, mid-batch or mid-commit, leaves a file
 * that opens again with every batch whole or absent and never older than
 * what an earlier open saw; one daemon per file; the daemon's own records
 * survive and read back. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "check.h"
#include "xenstored.h"

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

int main(void)
{
    snprintf(dbfile, sizeof(dbfile), "/tmp/xk-persist-%d.tdb", (int)getpid());
    unlink(dbfile);
    RUN(killed_writer);
    RUN(one_daemon_per_file);
    RUN(meta_records);
    unlink(dbfile);
    return CHECK_DONE();
}
