/* Requests too big for one pass of the event loop (the RM of a large
 * subtree, the commit of a large transaction) run in slices of
 * SLICE_UNITS nodes, one slice per pass, so other clients are served in
 * between (one of 100000 nodes held every client for 0.2-0.4 s).
 *
 * The request stays atomic as clients see it, as on Xen: while it runs,
 * other connections get only reads of nodes it does not touch (the busy
 * test of the job); every other request of theirs waits, parked whole,
 * until the job has ended, and the owner's next request is not read
 * before its reply.  Its store changes are one batch (one tdb transaction
 * with --db-file) that commits at the end, and its watch events fire after
 * the store holds the whole change, before the owner's reply.  One job
 * runs at a time: any other job's request is a writer and waits. */
#include <errno.h>
#include <string.h>
#include "xenstored.h"

static struct sliced_job *running;
static struct event *slice_ev;

static void schedule(void)
{
    static const struct timeval now = { 0, 0 };

    /* A zero timer runs after the loop has polled for I/O: every slice
     * lets the other connections' ready requests in first. */
    if (!slice_ev)
        slice_ev = evtimer_new(evbase, sliced_continue, NULL);
    evtimer_add(slice_ev, &now);
}

static void resume(struct conn *c)
{
    if (!c->ev_read || c->bad)
        return;
    if (c->kind == CONN_SOCKET && !event_pending(c->ev_read, EV_READ, NULL))
        event_add(c->ev_read, NULL);
    event_active(c->ev_read, EV_READ, 0);
}

/* The job is over: its reply, then everyone waiting gets going. */
static void job_end(struct sliced_job *j, int err)
{
    struct conn *c = j->c, *i;

    running = NULL;
    store_batch_end();
    if (j->ops->free)
        j->ops->free(j);
    if (c) {
        c->job = NULL;
        c->hdr.req_id = j->req_id;
        c->hdr.tx_id = j->tx_id;
        if (err)
            send_error(c, err);
        else
            send_ack(c, j->reply_type);
        conn_flush(c);
        resume(c);
    }
    conns_kick_all(NULL);
    TAILQ_FOREACH(i, &connections, link)
        if (i->parked) {
            i->parked = false;
            resume(i);
        }
    talloc_free(j);
}

int sliced_start(struct sliced_job *j, struct conn *c, uint32_t reply_type)
{
    int ret;

    j->c = c;
    j->req_id = c->hdr.req_id;
    j->tx_id = c->hdr.tx_id;
    j->reply_type = reply_type;
    ret = j->ops->step(j, SLICE_UNITS);
    if (ret <= 0) {
        /* Done in one slice: an ordinary request (the caller replies). */
        if (j->ops->free)
            j->ops->free(j);
        talloc_free(j);
        return -ret;
    }
    store_batch_begin();
    running = j;
    c->job = j;
    schedule();
    return EINPROGRESS;
}

void sliced_continue(evutil_socket_t fd, short what, void *arg)
{
    struct sliced_job *j = running;
    int ret;

    (void)fd;
    (void)what;
    (void)arg;
    if (!j)
        return;
    ret = j->aborted ? 0 : j->ops->step(j, SLICE_UNITS);
    if (ret > 0)
        schedule();
    else
        job_end(j, -ret);
}

bool sliced_busy(void)
{
    return running != NULL;
}

/* Must c's request wait for the running job?  Reads of nodes the job does
 * not touch and requests that do not look at the store go on. */
bool sliced_defers(struct conn *c, const struct xsd_sockmsg *h, const char *payload)
{
    const char *arg;
    char *path;
    void *ctx;
    bool busy;

    if (!running || running->c == c)
        return false;
    switch (h->type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_GET_PERMS:
        arg = proto_onearg(payload, h->len);
        break;
    case XS_DIRECTORY_PART:
        arg = proto_count_strings(payload, h->len) == 2 ? payload : NULL;
        break;
    case XS_WATCH:
    case XS_UNWATCH:
    case XS_TRANSACTION_START:
    case XS_GET_DOMAIN_PATH:
    case XS_IS_DOMAIN_INTRODUCED:
        return false;
    default:
        c->parked = true;
        return true;
    }
    if (!arg)
        return false;       /* malformed: answered without the store */
    ctx = talloc_new(NULL);
    path = ctx ? path_canonical(ctx, c, arg) : NULL;
    busy = path && running->ops->busy(running, path);
    talloc_free(ctx);
    c->parked = busy;
    return busy;
}

/* c's transactions and output are being dropped (it closed, or its ring
 * was reset): a job that works in its transaction stops; any other job
 * completes, with nobody to reply to. */
void sliced_conn_reset(struct conn *c)
{
    c->parked = false;
    if (!running || running->c != c)
        return;
    if (running->in_trans)
        running->aborted = true;
    running->c = NULL;
    c->job = NULL;
}
