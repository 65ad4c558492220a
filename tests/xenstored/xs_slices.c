/* Big requests in slices: the RM of a 20000-node subtree and the commit
 * of a transaction that removes one are served a slice per pass of the
 * daemon's loop, and stay atomic for everyone else.
 *
 * Usage: xs_slices DAEMON_PID TRACE_FILE (the daemon runs with -T TRACE).
 * The daemon is stopped (SIGSTOP) while the clients queue their requests,
 * so all of them wait in the sockets when it goes on: a probe's 2000 reads
 * of an unrelated node, a reader's 2000 alternating reads of two nodes of
 * the subtree, then the big request.  The trace gives the order in which
 * the daemon handled them.  Asserted (order, never time):
 *  - probe reads were answered between the big request and its reply
 *    (before the fix: none; the request held everyone until done);
 *  - the reader saw the subtree whole, then gone, never a mix, and no
 *    "gone" before the big request's reply;
 *  - a watcher on the subtree and on nodes in it got one event per watch,
 *    all before the reply, none before the last of the reader's "whole"
 *    answers. */
#include <signal.h>
#include <stdio.h>
#include "xst.h"

#define DIRS 100
#define PER_DIR 200                 /* 20000 leaves, 20101 nodes */
#define NODES (1 + DIRS + DIRS * PER_DIR)
#define PROBES 2000
#define REQ_PROBE 100000u
#define REQ_READER 200000u
#define REQ_BIG 300000u

/* A removal fires watches on the removed node and above it, and exact
 * ones on each node below (as Xen): one event for each of these. */
static const char *const watched[4] = { "/big", "/big/d0/n0", "/big/d50", "/big/d99/n199" };

static pid_t daemon_pid;
static const char *trace;
static struct xst_msg m;

static void pipeline_build(int fd)
{
    char path[64];
    int sent = 0, got = 0;

    while (got < DIRS * PER_DIR) {
        while (sent < DIRS * PER_DIR && sent - got < 128) {
            int l = snprintf(path, sizeof(path), "/big/d%d/n%d", sent % DIRS, sent / DIRS);
            CHECK(xst_send(fd, XS_MKDIR, 1, 0, path, l + 1));
            sent++;
        }
        CHECK(xst_recv(fd, &m, 5000) && m.h.type == XS_MKDIR);
        got++;
    }
}

/* Append a request to a buffer. */
static size_t put(char *buf, size_t off, uint32_t type, uint32_t req, const char *path)
{
    struct xsd_sockmsg h = { type, req, 0, strlen(path) + 1 };

    memcpy(buf + off, &h, sizeof(h));
    memcpy(buf + off + sizeof(h), path, h.len);
    return off + sizeof(h) + h.len;
}

/* Requests in the sockets before the daemon runs again, one write per
 * socket (a write per message would fill the stopped daemon's socket
 * buffers with per-message overhead and block). */
static void queue_readers(int probe, int reader)
{
    static char pb[PROBES * 32], rb[PROBES * 40];
    size_t pl = 0, rl = 0;
    unsigned int i;

    for (i = 0; i < PROBES; i++) {
        pl = put(pb, pl, XS_READ, REQ_PROBE + i, "/k");
        rl = put(rb, rl, XS_READ, REQ_READER + i, i % 2 ? "/big/d99/n199" : "/big/d0/n0");
    }
    CHECK(xst_write_all(probe, pb, pl));
    CHECK(xst_write_all(reader, rb, rl));
}

struct order {
    long big_in, big_out;           /* trace line numbers */
    int probes_inside;              /* probe replies between them */
    long last_whole, first_gone;    /* reader's replies */
    int events, events_after_reply;
    long first_event;
    bool mixed;                     /* a "whole" after a "gone" */
};

/* Read the trace from line `from`: where each of our messages went. */
static void read_trace(long from, uint32_t big_type, struct order *o)
{
    FILE *f = fopen(trace, "r");
    char line[512], dir[4], type[32];
    unsigned int conn, dom, req, tx, len;
    long n = 0;
    bool gone_seen = false;

    memset(o, 0, sizeof(*o));
    o->big_in = o->big_out = o->last_whole = o->first_gone = o->first_event = -1;
    CHECK(f != NULL);
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (++n <= from ||
            sscanf(line, "%3s conn %u dom %u %31s (req %u tx %u len %u)",
                   dir, &conn, &dom, type, &req, &tx, &len) != 7)
            continue;
        bool out = !strcmp(dir, "OUT");
        if (req == REQ_BIG && (big_type == XS_RM ? !strcmp(type, "RM")
                                                 : !strcmp(type, "TRANSACTION_END"))) {
            if (out)
                o->big_out = n;
            else
                o->big_in = n;
        } else if (out && req >= REQ_PROBE && req < REQ_PROBE + PROBES) {
            if (o->big_in >= 0 && o->big_out < 0)
                o->probes_inside++;
        } else if (out && req >= REQ_READER && req < REQ_READER + PROBES) {
            if (!strcmp(type, "ERROR")) {
                gone_seen = true;
                if (o->first_gone < 0)
                    o->first_gone = n;
            } else {
                o->mixed |= gone_seen;
                o->last_whole = n;
            }
        } else if (out && !strcmp(type, "WATCH_EVENT") && strstr(line, "\"/big")) {
            if (o->first_event < 0)
                o->first_event = n;
            o->events++;
            if (o->big_out >= 0)
                o->events_after_reply++;
        }
    }
    fclose(f);
}

static long trace_lines(void)
{
    FILE *f = fopen(trace, "r");
    long n = 0;
    int ch;

    if (!f)
        return 0;
    while ((ch = getc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

static void big_request(bool in_transaction)
{
    int owner = xst_connect(), probe = xst_connect(), reader = xst_connect(),
        watcher = xst_connect();
    uint32_t tx = 0, big_type = in_transaction ? XS_TRANSACTION_END : XS_RM;
    struct order o;
    long from;
    int i;

    CHECK(owner >= 0 && probe >= 0 && reader >= 0 && watcher >= 0);
    CHECK(xst_req(owner, XS_WRITE, 0, "/k\0v", 4, &m) && m.h.type == XS_WRITE);
    pipeline_build(owner);
    for (i = 0; i < 4; i++) {
        char w[64];
        int l = snprintf(w, sizeof(w), "%s%cwtok", watched[i], 0);
        CHECK(xst_req(watcher, XS_WATCH, 0, w, l + 1, &m) && m.h.type == XS_WATCH);
        CHECK(xst_recv(watcher, &m, 5000) && m.h.type == XS_WATCH_EVENT);
    }
    if (in_transaction) {
        CHECK(xst_req(owner, XS_TRANSACTION_START, 0, "", 1, &m) &&
              m.h.type == XS_TRANSACTION_START);
        tx = strtoul(m.body, NULL, 10);
        /* The RM in the transaction runs in slices too; nobody sees it. */
        CHECK(xst_req(owner, XS_RM, tx, S("/big"), &m) && m.h.type == XS_RM);
        CHECK(xst_req(owner, XS_READ, tx, S("/big/d0/n0"), &m) && xst_is_error(&m, "ENOENT"));
        CHECK(xst_req(reader, XS_READ, 0, S("/big/d0/n0"), &m) && m.h.type == XS_READ);
    }
    from = trace_lines();
    CHECK(kill(daemon_pid, SIGSTOP) == 0);
    queue_readers(probe, reader);
    if (in_transaction)
        CHECK(xst_send(owner, XS_TRANSACTION_END, REQ_BIG, tx, S("T")));
    else
        CHECK(xst_send(owner, XS_RM, REQ_BIG, 0, S("/big")));
    CHECK(kill(daemon_pid, SIGCONT) == 0);

    CHECK(xst_recv(owner, &m, 60000) && m.h.req_id == REQ_BIG && m.h.type == big_type);
    for (i = 0; i < PROBES; i++) {
        CHECK(xst_recv(probe, &m, 60000) && m.h.req_id == REQ_PROBE + (uint32_t)i &&
              m.h.type == XS_READ);
        CHECK(xst_recv(reader, &m, 60000) && m.h.req_id == REQ_READER + (uint32_t)i);
    }
    CHECK(xst_req(owner, XS_READ, 0, S("/big"), &m) && xst_is_error(&m, "ENOENT"));
    read_trace(from, big_type, &o);
    printf("# %s: %d probe reads answered while it ran; reader: last whole line %ld, "
           "first gone %ld; reply line %ld; %d watch events from line %ld\n",
           in_transaction ? "commit" : "rm", o.probes_inside, o.last_whole, o.first_gone,
           o.big_out, o.events, o.first_event);
    CHECK(o.big_in >= 0 && o.big_out > o.big_in);
    /* A slice per pass: one probe read at least per slice of 256 nodes. */
    CHECK(o.probes_inside >= NODES / 256);
    CHECK(!o.mixed);
    CHECK(o.first_gone < 0 || o.first_gone > o.big_out);
    CHECK(o.last_whole < 0 || o.last_whole < o.big_out);
    CHECK_EQ(o.events, 4);
    CHECK_EQ(o.events_after_reply, 0);
    CHECK(o.last_whole < o.first_event);
    close(owner);
    close(probe);
    close(reader);
    close(watcher);
}

static void rm_in_slices(void)
{
    big_request(false);
}

static void commit_in_slices(void)
{
    big_request(true);
}

/* A client that closes while its RM runs: the RM still completes. */
static void owner_leaves_midway(void)
{
    int owner = xst_connect(), probe = xst_connect(), i;

    CHECK(owner >= 0 && probe >= 0);
    pipeline_build(owner);
    CHECK(kill(daemon_pid, SIGSTOP) == 0);
    CHECK(xst_send(owner, XS_RM, REQ_BIG, 0, S("/big")));
    close(owner);
    CHECK(kill(daemon_pid, SIGCONT) == 0);
    /* A read of the subtree waits for the job, and the job finishes: the
     * answers are the whole subtree for a while, then ENOENT for good. */
    for (i = 0; i < 1000000; i++)
        if (!xst_req(probe, XS_READ, 0, S("/big/d5/n7"), &m) || m.h.type != XS_READ)
            break;
    CHECK(xst_is_error(&m, "ENOENT"));
    CHECK(xst_req(probe, XS_DIRECTORY, 0, S("/"), &m) && m.h.type == XS_DIRECTORY);
    CHECK(memmem(m.body, m.h.len, "big", 4) == NULL);
    close(probe);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: xs_slices DAEMON_PID TRACE_FILE\n");
        return 2;
    }
    daemon_pid = atoi(argv[1]);
    trace = argv[2];
    RUN(rm_in_slices);
    RUN(commit_in_slices);
    RUN(owner_leaves_midway);
    return CHECK_DONE();
}
