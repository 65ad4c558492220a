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

#define LU_MAGIC   0x554c4b58u  /* "XKLU" */
#define LU_VERSION 1u
#define LU_END     0x444e4555u

/* ---- the byte stream ---- */

void lu_put(struct lu_out *o, const void *p, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n > o->cap) {
        size_t cap = (o->cap ? o->cap * 2 : 65536);
        while (cap < o->len + n)
            cap *= 2;
        char *b = talloc_realloc_size(NULL, o->buf, cap);
        if (!b) {
            o->failed = true;
            return;
        }
        o->buf = b;
        o->cap = cap;
    }
    if (n)
        memcpy(o->buf + o->len, p, n);
    o->len += n;
}

void lu_put_u32(struct lu_out *o, uint32_t v) { lu_put(o, &v, 4); }
void lu_put_u64(struct lu_out *o, uint64_t v) { lu_put(o, &v, 8); }

void lu_put_blob(struct lu_out *o, const void *p, uint32_t n)
{
    lu_put_u32(o, n);
    lu_put(o, p, n);
}

void lu_put_str(struct lu_out *o, const char *s)
{
    if (!s) {
        lu_put_u32(o, 0xffffffffu);
        return;
    }
    lu_put_blob(o, s, strlen(s));
}

static const void *lu_get(struct lu_in *i, size_t n)
{
    const void *p = i->p;

    if (i->bad || n > i->left) {
        i->bad = true;
        return NULL;
    }
    i->p += n;
    i->left -= n;
    return p;
}

uint32_t lu_get_u32(struct lu_in *i)
{
    uint32_t v = 0;
    const void *p = lu_get(i, 4);

    if (p)
        memcpy(&v, p, 4);
    return v;
}

uint64_t lu_get_u64(struct lu_in *i)
{
    uint64_t v = 0;
    const void *p = lu_get(i, 8);

    if (p)
        memcpy(&v, p, 8);
    return v;
}

const void *lu_get_blob(struct lu_in *i, uint32_t *n)
{
    *n = lu_get_u32(i);
    return lu_get(i, *n);
}

char *lu_get_str(const void *ctx, struct lu_in *i)
{
    uint32_t n = lu_get_u32(i);
    const char *p;

    if (n == 0xffffffffu || i->bad)
        return NULL;
    p = lu_get(i, n);
    return p ? talloc_strndup(ctx, p, n) : NULL;
}

/* ---- the session (CONTROL live-update -f/-c/-s/-a) ---- */

static struct {
    struct conn *conn;
    char *binary, *cmdline;
} lu;

static void lu_reset(void)
{
    talloc_free(lu.binary);
    talloc_free(lu.cmdline);
    memset(&lu, 0, sizeof(lu));
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

static void dump_conn(struct lu_out *o, struct conn *c, struct conn *me)
{
    struct outbuf *ob;
    struct watch *w;

    lu_put_u32(o, 1);
    lu_put_u32(o, c->kind);
    lu_put_u32(o, c->kind == CONN_SOCKET ? (uint32_t)c->fd : c->id);
    lu_put_u32(o, c->id);
    lu_put_u32(o, c->unique);
    lu_put_u32(o, c->target ? c->target->unique : 0);
    lu_put_u32(o, c->next_tx_id);
    lu_put_u32(o, c->bad);
    /* The live-update request itself is complete: no partial input. */
    bool partial = c != me;
    lu_put_u32(o, partial ? c->in_hdr : 1);
    lu_put_u32(o, partial ? c->in_used : 0);
    lu_put(o, &c->hdr, sizeof(c->hdr));
    lu_put_blob(o, partial && !c->in_hdr ? c->in_buf : NULL,
                partial && !c->in_hdr ? c->in_used : 0);
    /* Socket bytes read ahead but not parsed yet. */
    lu_put_blob(o, c->rbuf ? c->rbuf + c->roff : NULL, c->rlen - c->roff);
    TAILQ_FOREACH(ob, &c->out, link) {
        lu_put_u32(o, 1);
        lu_put_u32(o, ob->event);
        lu_put_u32(o, ob->off);
        lu_put_blob(o, ob->data, ob->len);
    }
    if (c == me) {
        /* The new binary answers the request that started it. */
        struct xsd_sockmsg h = { XS_CONTROL, c->hdr.req_id, c->hdr.tx_id, 3 };
        char ok[sizeof(h) + 3];
        memcpy(ok, &h, sizeof(h));
        memcpy(ok + sizeof(h), "OK", 3);
        lu_put_u32(o, 1);
        lu_put_u32(o, 0);
        lu_put_u32(o, 0);
        lu_put_blob(o, ok, sizeof(ok));
    }
    lu_put_u32(o, 0);
    TAILQ_FOREACH(w, &c->watches, link) {
        lu_put_u32(o, 1);
        lu_put_str(o, w->node);
        lu_put_str(o, w->token);
        lu_put_u32(o, w->relative);
    }
    lu_put_u32(o, 0);
    trans_dump(o, c);
}

static int dump_state(struct conn *me)
{
    struct lu_out o = { 0 };
    struct conn *c;
    int fd;

    lu_put_u32(&o, LU_MAGIC);
    lu_put_u32(&o, LU_VERSION);
    lu_put_u64(&o, store_generation());
    lu_put_u32(&o, conn_unique);
    lu_put_u32(&o, xs_log_on);
    lu_put_str(&o, trace_path());
    lu_put_u32(&o, main_listen_fd);
    lu_put_u32(&o, vmm_listen_fd);
    lu_put_str(&o, sock_path);
    lu_put_str(&o, vmm_path);
    quota_dump(&o);
    special_dump(&o);
    domref_dump(&o);
    store_dump(&o);
    domains_dump(&o);
    TAILQ_FOREACH(c, &connections, link)
        if (c->kind == CONN_SOCKET || c->kind == CONN_RING)
            dump_conn(&o, c, me);
    lu_put_u32(&o, 0);
    lu_put_u32(&o, LU_END);
    if (o.failed) {
        talloc_free(o.buf);
        return -ENOMEM;
    }
    fd = memfd_create("xenstored-lu", 0);
    if (fd < 0 || write(fd, o.buf, o.len) != (ssize_t)o.len) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        talloc_free(o.buf);
        return -e;
    }
    talloc_free(o.buf);
    lseek(fd, 0, SEEK_SET);
    return fd;
}

static const char *lu_start(struct conn *c)
{
    char **argv, fdstr[16];
    int fd, n = 0, i;

    if (lu.conn != c || !lu.binary)
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
    argv[n++] = lu.binary;
    if (lu.cmdline) {
        char *tok = strtok(lu.cmdline, " \t");
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
    log_info("live-update: exec %s", lu.binary);
    inherit_fds(false);
    execv(lu.binary, argv);
    log_err("live-update: exec %s: %s", lu.binary, strerror(errno));
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
        if (lu.conn)
            lu_reset();
        else
            ret = "No live-update session active.";
    } else if (!strcmp(argv[0], "-f") && argc == 2) {
        if (lu.conn && lu.conn != c) {
            ret = "live-update session already active.";
        } else if (access(argv[1], X_OK)) {
            ret = "Binary not found or not executable.";
        } else {
            lu_reset();
            lu.conn = c;
            lu.binary = talloc_strdup(NULL, argv[1]);
        }
    } else if (!strcmp(argv[0], "-c") && argc == 2) {
        if (lu.conn != c) {
            ret = "Not in live-update session.";
        } else {
            talloc_free(lu.cmdline);
            lu.cmdline = talloc_strdup(NULL, argv[1]);
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
        ret = lu_start(c);
        lu_reset();
    } else {
        return EINVAL;
    }
    send_reply(c, XS_CONTROL, ret, strlen(ret) + 1);
    return 0;
}

/* ---- the new binary's side ---- */

static int restore_conn(struct lu_in *in, struct conn **byunique_conn, uint32_t *targets,
                        unsigned int *n)
{
    enum conn_kind kind = lu_get_u32(in);
    uint32_t handle = lu_get_u32(in), id = lu_get_u32(in);
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
    c->unique = lu_get_u32(in);
    targets[*n] = lu_get_u32(in);
    byunique_conn[(*n)++] = c;
    c->next_tx_id = lu_get_u32(in);
    c->bad = lu_get_u32(in);
    c->in_hdr = lu_get_u32(in);
    c->in_used = lu_get_u32(in);
    p = lu_get(in, sizeof(c->hdr));
    if (p)
        memcpy(&c->hdr, p, sizeof(c->hdr));
    p = lu_get_blob(in, &len);
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
    p = lu_get_blob(in, &len);
    if (len) {
        if (len > 8192 || !(c->rbuf = talloc_size(c, 8192)))
            return EINVAL;
        memcpy(c->rbuf, p, len);
        c->rlen = len;
    }
    while (lu_get_u32(in) == 1 && !in->bad) {
        bool event = lu_get_u32(in);
        uint32_t off = lu_get_u32(in);
        p = lu_get_blob(in, &len);
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
    while (lu_get_u32(in) == 1 && !in->bad) {
        char *node = lu_get_str(c, in), *token = lu_get_str(c, in);
        bool rel = lu_get_u32(in);
        if (!node || !token || watch_add(c, node, token, rel))
            return EINVAL;
        talloc_free(node);
        talloc_free(token);
    }
    return trans_restore(in, c);
}

int lu_restore(int fd)
{
    struct conn **conns = NULL, *c;
    uint32_t *targets = NULL;
    unsigned int n = 0, i, j;
    struct lu_in in;
    struct stat st;
    char *buf, *s;
    int err = EINVAL;

    if (fstat(fd, &st) < 0)
        return errno;
    buf = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (buf == MAP_FAILED)
        return errno;
    in.p = buf;
    in.left = st.st_size;
    in.bad = false;
    if (lu_get_u32(&in) != LU_MAGIC || lu_get_u32(&in) != LU_VERSION)
        goto out;
    store_set_generation(lu_get_u64(&in));
    conn_unique = lu_get_u32(&in);
    xs_log_on = lu_get_u32(&in);
    s = lu_get_str(NULL, &in);
    if (s && (!trace_path() || strcmp(s, trace_path())))
        trace_open(s);
    talloc_free(s);
    main_listen_fd = lu_get_u32(&in);
    vmm_listen_fd = lu_get_u32(&in);
    sock_path = lu_get_str(NULL, &in);
    vmm_path = lu_get_str(NULL, &in);
    quota_restore(&in);
    special_restore(&in);
    domref_restore(&in);
    err = store_restore(&in);
    if (!err)
        err = domains_restore(&in);
    if (err)
        goto out;
    conns = talloc_array(NULL, struct conn *, 1024);
    targets = talloc_array(NULL, uint32_t, 1024);
    while (!err && lu_get_u32(&in) == 1 && !in.bad) {
        if (n % 1024 == 0 && n) {
            conns = talloc_realloc(NULL, conns, struct conn *, n + 1024);
            targets = talloc_realloc(NULL, targets, uint32_t, n + 1024);
        }
        err = conns && targets ? restore_conn(&in, conns, targets, &n) : ENOMEM;
    }
    if (!err && lu_get_u32(&in) != LU_END)
        err = EINVAL;
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
    if (in.bad)
        err = EINVAL;
    talloc_free(conns);
    talloc_free(targets);
    munmap(buf, st.st_size);
    close(fd);
    return err;
}
