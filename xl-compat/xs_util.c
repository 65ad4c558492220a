/* xenstore access for xl, and starting xenstored when none is running. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lockfile.h"
#include "paths.h"
#include "unix_sock.h"
#include "xl.h"
#include "xs_util.h"

bool xl_xs_running(void)
{
    int fd = xk_unix_connect(xl_xs_socket(), SOCK_STREAM);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Start xenstored detached from us (it never forks itself). */
static void spawn_xenstored(void)
{
    char *log = xl_xasprintf("%s/xenstored.log", xl_logdir());
    char *pidfile = xl_xasprintf("%s/xenstored.pid", xl_rundir());
    /* The store outlives the daemon: a xenstored started after one was
     * killed carries on with the domains (docs/xenstored.md, "Restart"). */
    char *db = xl_xasprintf("%s/xenstored.tdb", xl_rundir());
    const char *sock = xl_xs_socket(), *slash = strrchr(sock, '/');
    pid_t pid;
    int status;

    if (slash && slash != sock) {
        char *dir = xl_xasprintf("%.*s", (int)(slash - sock), sock);
        xl_mkdir_p(dir, 0755);
        free(dir);
    }
    pid = fork();
    if (pid < 0) {
        perror("xl: fork");
        exit(EXIT_FAILURE);
    }
    if (pid == 0) {
        int fd;
        setsid();
        if (fork() != 0)
            _exit(0);
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0)
            dup2(fd, 0);
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        /* A daemon keeps nothing of its starter (a caller's pipe held open
         * would never see end of file). */
        for (int f = 3; f < 1024; f++)
            close(f);
        execlp(xl_xenstored_path(), "xenstored", "--socket", sock,
               "--vmm-socket", xl_xs_vmm_socket(), "--pid-file", pidfile, "--db-file", db,
               "--rundir", xl_rundir(), (char *)NULL);
        fprintf(stderr, "xl: cannot run %s: %s\n", xl_xenstored_path(), strerror(errno));
        _exit(127);
    }
    waitpid(pid, &status, 0);
    for (int i = 0; i < 200; i++) {      /* up to 10 s */
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        if (xl_xs_running()) {
            free(log);
            free(pidfile);
            free(db);
            return;
        }
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "xl: xenstored (%s) did not start; see %s\n", xl_xenstored_path(), log);
    exit(EXIT_FAILURE);
}

/* Domain 0's own nodes, as xen-init-dom0 writes them at boot: once, when
 * xl has started xenstored itself. */
static void init_dom0(struct xs_handle *xs)
{
    char *name = xs_read(xs, XBT_NULL, "/local/domain/0/name", NULL);

    if (!name) {
        xs_write(xs, XBT_NULL, "/local/domain/0/domid", "0", 1);
        xs_write(xs, XBT_NULL, "/local/domain/0/name", "Domain-0", 8);
    }
    free(name);
}

static struct xs_handle *xs;

void xl_xs_after_fork(void)
{
    /* The parent's connection: ours is a copy of its socket, and two
     * processes on one xenstore connection would read each other's replies. */
    if (xs)
        xs_close(xs);
    xs = NULL;
}

struct xs_handle *xl_xs(void)
{
    if (xs)
        return xs;
    xs = xs_open(XS_OPEN_SOCKETONLY);
    if (!xs) {
        /* Nobody answers: start one.  One starter at a time, so two xl
         * creates racing do not start two. */
        int lk = xl_lock_file_wait(XL_LOCK_XENSTORED);
        bool started = !xl_xs_running();
        if (started)
            spawn_xenstored();
        xl_lock_release(lk);
        xs = xs_open(XS_OPEN_SOCKETONLY);
        if (xs && started)
            init_dom0(xs);
    }
    if (!xs) {
        fprintf(stderr, "xl: cannot connect to xenstored at %s: %s\n", xl_xs_socket(),
                strerror(errno));
        exit(EXIT_FAILURE);
    }
    return xs;
}

/* xenstored went away under us (killed, or restarted since we connected):
 * libxenstore says EPIPE writing to its socket, EBADF once it ended.  The
 * next connection reaches the new daemon, or starts one, which carries on
 * from the durable store.  Only requests outside a transaction are tried
 * again (a transaction died with the connection). */
static bool xs_lost(xs_transaction_t t)
{
    if (t != XBT_NULL || !(errno == EPIPE || errno == EBADF || errno == ECONNRESET))
        return false;
    xl_xs_after_fork();
    return true;
}

char *xl_xs_read(xs_transaction_t t, const char *path)
{
    unsigned len;
    char *v = xs_read(xl_xs(), t, path, &len);

    if (!v && xs_lost(t))
        v = xs_read(xl_xs(), t, path, &len);
    return v;
}

char *xl_xs_readf(xs_transaction_t t, const char *fmt, ...)
{
    va_list ap;
    char *path, *v;

    va_start(ap, fmt);
    if (vasprintf(&path, fmt, ap) < 0)
        path = NULL;
    va_end(ap);
    if (!path)
        return NULL;
    v = xl_xs_read(t, path);
    free(path);
    return v;
}

bool xl_xs_write(xs_transaction_t t, const char *path, const char *val)
{
    if (xs_write(xl_xs(), t, path, val, strlen(val)))
        return true;
    return xs_lost(t) && xs_write(xl_xs(), t, path, val, strlen(val));
}

bool xl_xs_writef(xs_transaction_t t, const char *path, const char *fmt, ...)
{
    va_list ap;
    char *v;
    bool ok;

    va_start(ap, fmt);
    if (vasprintf(&v, fmt, ap) < 0)
        v = NULL;
    va_end(ap);
    if (!v)
        return false;
    ok = xl_xs_write(t, path, v);
    free(v);
    return ok;
}

bool xl_xs_mknod(xs_transaction_t t, const char *path, struct xs_permissions *p, unsigned n)
{
    return xs_mkdir(xl_xs(), t, path) && xs_set_permissions(xl_xs(), t, path, p, n);
}

bool xl_xs_import_watches(unsigned domid, const char *list)
{
    size_t cap = strlen(list) + 32, n;
    char *data = xl_xmalloc(cap), *r;
    const char *p = list;

    n = (size_t)snprintf(data, cap, "%u", domid) + 1;
    /* Each line's three fields as three strings. */
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        for (size_t i = 0; i < len; i++)
            data[n++] = p[i] == '\t' ? '\0' : p[i];
        data[n++] = '\0';
        p += len + (nl != NULL);
    }
    r = xs_control_command(xl_xs(), "watch-import", data, (unsigned)n);
    free(data);
    if (!r) {
        fprintf(stderr, "libxl: error: domain %u: xenstored did not take its watches back: %s\n",
                domid, strerror(errno));
        return false;
    }
    free(r);
    return true;
}
