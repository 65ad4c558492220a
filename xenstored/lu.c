/* Live update, driven by `xenstore-control live-update <binary>`: the
 * daemon writes its whole state (nodes with their generations, quotas,
 * domains with their VMM fds and rings, connections with their sockets,
 * partial input, queued output, watches and open transactions) into a
 * memfd and execs the new binary with --lu-state-fd; the fds survive the
 * exec, so clients and guests see nothing but a pause.  Unlike Xen's,
 * open transactions are carried over instead of waited for. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "xenstored.h"
#include "log.h"

/* What the next binary inherits; main.c fills these in. */
int main_listen_fd = -1, vmm_listen_fd = -1;
char *sock_path, *vmm_path;
int xs_argc;
char **xs_argv;
bool lu_dry_run;    /* the fuzz harness: dump the state, never exec */

/* The state is one part in the saved-state encoding; a new layout gets a
 * new version here (docs/saved-state.md). */
#define LU_PART_VERSION 1u

char *lu_get_str(const void *ctx, struct ss_rd *i)
{
    bool null;
    uint32_t n;
    const char *p = ss_get_strn(i, &n, &null);

    return p ? talloc_strndup(ctx, p, n) : NULL;
}

/* struct xsd_sockmsg as four fields. */
static void put_hdr(struct ss_wr *o, const struct xsd_sockmsg *h)
{
    ss_put_u32(o, h->type);
    ss_put_u32(o, h->req_id);
    ss_put_u32(o, h->tx_id);
    ss_put_u32(o, h->len);
}

static void get_hdr(struct ss_rd *i, struct xsd_sockmsg *h)
{
    h->type = ss_get_u32(i);
    h->req_id = ss_get_u32(i);
    h->tx_id = ss_get_u32(i);
    h->len = ss_get_u32(i);
}

/* ---- the session (CONTROL live-update -f/-c/-s/-a) ----
 *
 * As in Xen's xenstored, the session is allocated under the connection
 * that began it, so it ends when that connection closes (the destructor
 * forgets it): a later connection never inherits it, and nobody is locked
 * out by a client that went away without -s or -a. */

struct lu_session {
    struct conn *conn;
    char *binary, *cmdline;     /* children of the session */
};

static struct lu_session *lu;

static int lu_session_gone(struct lu_session *s)
{
    if (lu == s)
        lu = NULL;
    return 0;
}

static bool lu_owned_by(const struct conn *c)
{
    return lu && lu->conn == c;
}

static bool lu_begin(struct conn *c, const char *binary)
{
    lu = talloc_zero(c, struct lu_session);
    if (!lu)
        return false;
    talloc_set_destructor(lu, lu_session_gone);
    lu->conn = c;
    lu->binary = talloc_strdup(lu, binary);
    if (!lu->binary)
        talloc_free(lu);
    return lu != NULL;
}

static void lu_end(void)
{
    talloc_free(lu);            /* the destructor clears lu */
}

static void set_cloexec(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFD);

    if (fl >= 0)
        fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC);
}

/* Every fd the new binary inherits, for (un)setting close-on-exec. */
static void inherit_fds(bool on)
{
    struct conn *c;

    set_cloexec(main_listen_fd, on);
    set_cloexec(vmm_listen_fd, on);
    TAILQ_FOREACH(c, &connections, link) {
        if (c->kind == CONN_SOCKET)
            set_cloexec(c->fd, on);
        if (c->kind == CONN_RING && c->domain && c->domain->attach) {
            struct attach *a = c->domain->attach;
            set_cloexec(a->vmm_fd, on);
            set_cloexec(a->mem_fd, on);
            set_cloexec(a->event_fd, on);
            set_cloexec(a->notify_fd, on);
        }
    }
}

static void dump_conn(struct ss_wr *o, struct conn *c, struct conn *me)
{
    struct outbuf *ob;
    struct watch *w;

    ss_put_u32(o, 1);
    ss_put_u32(o, c->kind);
    ss_put_u32(o, c->kind == CONN_SOCKET ? (uint32_t)c->fd : c->id);
    ss_put_u32(o, c->id);
    ss_put_u32(o, c->unique);
    ss_put_u32(o, c->target ? c->target->unique : 0);
    ss_put_u32(o, c->next_tx_id);
    ss_put_u32(o, c->bad);
    /* The live-update request itself is complete: no partial input. */
    bool partial = c != me;
    ss_put_u32(o, partial ? c->in_hdr : 1);
    ss_put_u32(o, partial ? c->in_used : 0);
    put_hdr(o, &c->hdr);
    ss_put_blob(o, partial && !c->in_hdr ? c->in_buf : NULL,
                partial && !c->in_hdr ? c->in_used : 0);
    /* Socket bytes read ahead but not parsed yet. */
    ss_put_blob(o, c->rbuf ? c->rbuf + c->roff : NULL, c->rlen - c->roff);
    TAILQ_FOREACH(ob, &c->out, link) {
        ss_put_u32(o, 1);
        ss_put_u32(o, ob->event);
        ss_put_u32(o, ob->off);
        ss_put_blob(o, ob->data, ob->len);
    }
    if (c == me) {
        /* The new binary answers the request that started it. */
        struct xsd_sockmsg h = { XS_CONTROL, c->hdr.req_id, c->hdr.tx_id, 3 };
        char ok[sizeof(h) + 3];
        memcpy(ok, &h, sizeof(h));
        memcpy(ok + sizeof(h), "OK", 3);
        ss_put_u32(o, 1);
        ss_put_u32(o, 0);
        ss_put_u32(o, 0);
        ss_put_blob(o, ok, sizeof(ok));
    }
    ss_put_u32(o, 0);
    TAILQ_FOREACH(w, &c->watches, link) {
        ss_put_u32(o, 1);
        ss_put_str(o, w->node);
        ss_put_str(o, w->token);
        ss_put_u32(o, w->relative);
    }
    ss_put_u32(o, 0);
    trans_dump(o, c);
}

/* The whole daemon as one part; OBJ is the connection that asked. */
static int save_daemon(void *obj, struct ss_wr *o)
{
    struct conn *me = obj, *c;

    ss_put_u64(o, store_generation());
    ss_put_u32(o, conn_unique);
    ss_put_u32(o, xs_log_on);
    ss_put_str(o, trace_path());
    ss_put_u32(o, main_listen_fd);
    ss_put_u32(o, vmm_listen_fd);
    ss_put_str(o, sock_path);
    ss_put_str(o, vmm_path);
    quota_dump(o);
    special_dump(o);
    domref_dump(o);
    store_dump(o);
    domains_dump(o);
    TAILQ_FOREACH(c, &connections, link)
        if (c->kind == CONN_SOCKET || c->kind == CONN_RING)
            dump_conn(o, c, me);
    ss_put_u32(o, 0);
    return 0;
}

static int restore_daemon(void *obj, struct ss_rd *in, uint32_t version, char *msg);

static const struct ss_part daemon_part = {
    "xenstored", 1, LU_PART_VERSION, save_daemon, restore_daemon,
};
static const struct ss_part *const lu_parts[] = { &daemon_part };

static int dump_state(struct conn *me)
{
    struct ss_wr o = { 0 };
    char msg[SS_MSG_LEN];
    size_t len;
    uint8_t *buf;
    int fd, rc;

    rc = ss_save_parts(lu_parts, 1, me, &o, msg);
    buf = ss_wr_take(&o, &len);
    if (rc || !buf) {
        log_err("live-update: %s", msg);
        return rc ? rc : -ENOMEM;
    }
    fd = memfd_create("xenstored-lu", 0);
    if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(buf);
        return -e;
    }
    free(buf);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static const char *lu_start(struct conn *c)
{
    char **argv, fdstr[16];
    int fd, n = 0, i;

    if (!lu_owned_by(c) || !lu->binary)
        return "Not in live-update session.";
    fd = dump_state(c);
    if (fd < 0)
        return "Dump state error";
    if (lu_dry_run) {
        close(fd);
        return "Dry run: state dumped, not activated.";
    }
    snprintf(fdstr, sizeof(fdstr), "%d", fd);
    argv = talloc_array(NULL, char *, xs_argc + 64);
    if (!argv) {
        close(fd);
        return "Allocation failure.";
    }
    argv[n++] = lu->binary;
    if (lu->cmdline) {
        char *tok = strtok(lu->cmdline, " \t");
        for (; tok && n < 60; tok = strtok(NULL, " \t"))
            argv[n++] = tok;
    } else {
        for (i = 1; i < xs_argc && n < xs_argc + 60; i++) {
            if (!strcmp(xs_argv[i], "--lu-state-fd")) {
                i++;
                continue;
            }
            argv[n++] = xs_argv[i];
        }
    }
    argv[n++] = "--lu-state-fd";
    argv[n++] = fdstr;
    argv[n] = NULL;
    log_info("live-update: exec %s", lu->binary);
    inherit_fds(false);
    execv(lu->binary, argv);
    log_err("live-update: exec %s: %s", lu->binary, strerror(errno));
    inherit_fds(true);
    close(fd);
    talloc_free(argv);
    return "Error activating new binary.";
}

int lu_control(const void *ctx, struct conn *c, char **argv, int argc)
{
    const char *ret = "OK";
    int i;

    if (argc < 1)
        return EINVAL;
    if (!strcmp(argv[0], "-a") && argc == 1) {
        /* Any privileged connection may abort, as in Xen. */
        if (lu)
            lu_end();
        else
            ret = "No live-update session active.";
    } else if (!strcmp(argv[0], "-f") && argc == 2) {
        /* Xen checks the file first, then that no session is open (its
         * own included: -f comes once per session). */
        if (access(argv[1], F_OK)) {
            ret = "File not accessible.";
        } else if (access(argv[1], X_OK)) {
            ret = "File not executable.";
        } else if (lu) {
            ret = "live-update session already active.";
        } else if (!lu_begin(c, argv[1])) {
            ret = "Allocation failure.";
        }
    } else if (!strcmp(argv[0], "-c") && argc == 2) {
        if (!lu_owned_by(c)) {
            ret = "Not in live-update session.";
        } else {
            talloc_free(lu->cmdline);
            lu->cmdline = talloc_strdup(lu, argv[1]);
            if (!lu->cmdline)
                ret = "Allocation failure.";
        }
    } else if (!strcmp(argv[0], "-s")) {
        /* -t and -F are accepted: transactions move with the state, so
         * there is nothing to wait for. */
        for (i = 1; i < argc; i++) {
            if (!strcmp(argv[i], "-t") && i + 1 < argc)
                i++;
            else if (strcmp(argv[i], "-F"))
                return EINVAL;
        }
        /* Another connection's -s leaves the session alone; the owner's
         * ends it whether or not the new binary started. */
        ret = lu_start(c);
        if (lu_owned_by(c))
            lu_end();
    } else {
        return EINVAL;
    }
    send_reply(c, XS_CONTROL, ret, strlen(ret) + 1);
    return 0;
}

/* ---- the new binary's side ---- */

static int restore_conn(struct ss_rd *in, struct conn **byunique_conn, uint32_t *targets,
                        unsigned int *n)
{
    enum conn_kind kind = ss_get_u32(in);
    uint32_t handle = ss_get_u32(in), id = ss_get_u32(in);
    struct conn *c = NULL;
    uint32_t len;
    const void *p;

    if (kind == CONN_SOCKET) {
        c = conn_socket_new(handle);
    } else if (kind == CONN_RING) {
        struct domain *d = domain_find(handle);
        c = d ? d->conn : NULL;
    }
    if (!c)
        return EINVAL;
    c->id = id;
    c->unique = ss_get_u32(in);
    targets[*n] = ss_get_u32(in);
    byunique_conn[(*n)++] = c;
    c->next_tx_id = ss_get_u32(in);
    c->bad = ss_get_u32(in);
    c->in_hdr = ss_get_u32(in);
    c->in_used = ss_get_u32(in);
    get_hdr(in, &c->hdr);
    p = ss_get_blob(in, &len);
    if (!c->in_hdr) {
        if (c->hdr.len > XENSTORE_PAYLOAD_MAX || len != c->in_used || len > c->hdr.len)
            return EINVAL;
        c->in_buf = talloc_size(c, c->hdr.len + 1);
        if (!c->in_buf)
            return ENOMEM;
        if (len)
            memcpy(c->in_buf, p, len);
    } else if (c->in_used > sizeof(c->hdr)) {
        return EINVAL;
    }
    p = ss_get_blob(in, &len);
    if (len) {
        if (len > 8192 || !(c->rbuf = talloc_size(c, 8192)))
            return EINVAL;
        memcpy(c->rbuf, p, len);
        c->rlen = len;
    }
    while (ss_get_u32(in) == 1 && !in->bad) {
        bool event = ss_get_u32(in);
        uint32_t off = ss_get_u32(in);
        p = ss_get_blob(in, &len);
        struct outbuf *o = talloc_size(c, sizeof(*o) + len);
        if (!o || !p || off > len)
            return EINVAL;
        memset(o, 0, sizeof(*o));
        o->event = event;
        o->off = off;
        o->len = len;
        memcpy(o->data, p, len);
        TAILQ_INSERT_TAIL(&c->out, o, link);
        c->out_bytes += len - off;
        if (!event)
            c->out_replies++;
    }
    while (ss_get_u32(in) == 1 && !in->bad) {
        char *node = lu_get_str(c, in), *token = lu_get_str(c, in);
        bool rel = ss_get_u32(in);
        if (!node || !token || watch_add(c, node, token, rel))
            return EINVAL;
        talloc_free(node);
        talloc_free(token);
    }
    return trans_restore(in, c);
}

static int restore_daemon(void *obj, struct ss_rd *in, uint32_t version, char *msg)
{
    struct conn **conns = NULL, *c;
    uint32_t *targets = NULL;
    unsigned int n = 0, i, j;
    char *s;
    int err;

    (void)obj;
    (void)version;
    (void)msg;
    store_set_generation(ss_get_u64(in));
    conn_unique = ss_get_u32(in);
    xs_log_on = ss_get_u32(in);
    s = lu_get_str(NULL, in);
    if (s && (!trace_path() || strcmp(s, trace_path())))
        trace_open(s);
    talloc_free(s);
    main_listen_fd = ss_get_u32(in);
    vmm_listen_fd = ss_get_u32(in);
    sock_path = lu_get_str(NULL, in);
    vmm_path = lu_get_str(NULL, in);
    quota_restore(in);
    special_restore(in);
    domref_restore(in);
    err = store_restore(in);
    if (!err)
        err = domains_restore(in);
    if (err)
        goto out;
    conns = talloc_array(NULL, struct conn *, 1024);
    targets = talloc_array(NULL, uint32_t, 1024);
    while (!err && ss_get_u32(in) == 1 && !in->bad) {
        if (n % 1024 == 0 && n) {
            conns = talloc_realloc(NULL, conns, struct conn *, n + 1024);
            targets = talloc_realloc(NULL, targets, uint32_t, n + 1024);
        }
        err = conns && targets ? restore_conn(in, conns, targets, &n) : ENOMEM;
    }
    for (i = 0; !err && i < n; i++)
        for (j = 0; targets[i] && j < n; j++)
            if (conns[j]->unique == targets[i])
                conns[i]->target = conns[j];
    /* Replies queued before the update go out now; read-ahead input is
     * parsed now too (epoll would not tell us about it). */
    TAILQ_FOREACH(c, &connections, link)
        if (c->kind == CONN_SOCKET && (!TAILQ_EMPTY(&c->out) || c->rlen))
            event_active(c->ev_read, EV_READ, 0);
out:
    if (in->bad)
        err = EINVAL;
    talloc_free(conns);
    talloc_free(targets);
    return -err;
}

int lu_restore(int fd)
{
    char msg[SS_MSG_LEN];
    struct stat st;
    void *buf;
    int err;

    if (fstat(fd, &st) < 0)
        return errno;
    buf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (buf == MAP_FAILED)
        return errno;
    err = -ss_restore_parts(lu_parts, 1, NULL, buf, st.st_size, msg);
    if (err)
        log_err("live-update: restoring the state: %s", msg);
    munmap(buf, st.st_size);
    close(fd);
    return err;
}
