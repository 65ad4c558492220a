/* xenstored: options, the listening sockets and the libevent loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "xenstored.h"
#include "log.h"
#include "unix_sock.h"

static char *pid_file;

static void usage(FILE *f)
{
    fprintf(f,
"Usage: xenstored [options]\n"
"  -s, --socket PATH      main socket (default $XENSTORED_PATH or\n"
"                         $XENSTORED_RUNDIR/socket, /var/run/xenstored/socket)\n"
"      --vmm-socket PATH  VMM attach socket (default: 'vmm' next to the socket)\n"
"  -I, --internal-db      keep the store in memory (the default)\n"
"      --db-file FILE     keep the store in a tdb file instead: durable, and\n"
"                         a restart with the same FILE carries on from it\n"
"      --db-sync          fsync the file at every change (survives a host\n"
"                         crash too; see docs/xenstored.md for the cost)\n"
"      --reattach-timeout SECONDS\n"
"                         after a restart, release domains whose VMM has not\n"
"                         attached again by then (default 30)\n"
"      --rundir DIR       xenkvm's run directory: a domain exists while its\n"
"                         dom<N>.lock there is locked (default $XENKVM_RUNDIR\n"
"                         or /run/xenkvm)\n"
"  -T, --trace-file FILE  trace every message to FILE\n"
"  -F, --pid-file FILE    write the pid to FILE\n"
"  -N, --no-fork          accepted for Xen compatibility (never forks)\n"
"  -E, --entry-nb N       nodes per domain (default 1000)\n"
"  -S, --entry-size N     bytes per node (default 2048)\n"
"  -W, --watch-nb N       watches per domain (default 128)\n"
"  -t, --transaction N    transactions per connection (default 10)\n"
"  -A, --perm-nb N        permissions per node (default 5)\n"
"  -M, --path-max N       path length below a domain's home (default 2048)\n"
"  -Q, --quota NAME=N     set a quota by its xenstore-control name\n"
"  -q, --quota-soft NAME=N\n"
"  -V, --verbose          log more\n"
"  -h, --help\n");
}

static int num(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == 0 || *end || v < 0 || v > 0x7fffffff)
        die(2, "bad number '%s'", s);
    return v;
}

static void set_named(const char *arg, bool soft)
{
    char *eq = strchr(arg, '='), name[64];

    if (!eq || eq - arg >= (long)sizeof(name))
        die(2, "expected NAME=VALUE, got '%s'", arg);
    memcpy(name, arg, eq - arg);
    name[eq - arg] = 0;
    if (quota_set_by_name(name, num(eq + 1), soft))
        die(2, "unknown quota '%s'", name);
}

static int listen_main(const char *path)
{
    /* Xen's socket is for the host's tools only: root, mode 0600. */
    return xk_unix_listen(path, SOCK_STREAM, 64);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
    int err = conn_socket_accept(fd);

    if (err == -EMFILE || err == -ENFILE)
        listener_out_of_fds(-err);
    else if (err && err != -EAGAIN)
        log_warn("accept: %s", strerror(-err));
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    log_info("signal %d: exiting", (int)sig);
    event_base_loopbreak(evbase);
}

/* Connections that ask for another pass (one request each per pass) are
 * queued behind the others; after a few callbacks the loop looks at the
 * descriptors again, so a connection that became readable meanwhile is
 * not kept waiting behind a long queue. */
static struct event_base *new_base(void)
{
    struct event_config *cfg = event_config_new();
    struct event_base *b;

    if (!cfg)
        return NULL;
    event_config_set_max_dispatch_interval(cfg, NULL, 16, 0);
    b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return b;
}

static char *default_path(const char *leaf)
{
    const char *dir = getenv("XENSTORED_RUNDIR");

    return talloc_asprintf(NULL, "%s/%s", dir ? dir : "/var/run/xenstored", leaf);
}

int main(int argc, char **argv)
{
    enum { OPT_VMM = 256, OPT_DB, OPT_LU, OPT_REATTACH, OPT_SYNC, OPT_RUNDIR };
    static const struct option opts[] = {
        { "socket", 1, NULL, 's' }, { "vmm-socket", 1, NULL, OPT_VMM },
        { "internal-db", 2, NULL, 'I' }, { "db-file", 1, NULL, OPT_DB },
        { "trace-file", 1, NULL, 'T' }, { "pid-file", 1, NULL, 'F' },
        { "no-fork", 0, NULL, 'N' }, { "entry-nb", 1, NULL, 'E' },
        { "entry-size", 1, NULL, 'S' }, { "watch-nb", 1, NULL, 'W' },
        { "transaction", 1, NULL, 't' }, { "perm-nb", 1, NULL, 'A' },
        { "path-max", 1, NULL, 'M' }, { "quota", 1, NULL, 'Q' },
        { "quota-soft", 1, NULL, 'q' }, { "verbose", 0, NULL, 'V' },
        { "help", 0, NULL, 'h' }, { "lu-state-fd", 1, NULL, OPT_LU },
        { "reattach-timeout", 1, NULL, OPT_REATTACH }, { "db-sync", 0, NULL, OPT_SYNC },
        { "rundir", 1, NULL, OPT_RUNDIR },
        { NULL, 0, NULL, 0 },
    };
    const char *db_file = NULL;
    struct event *ev;
    int opt, err, lu_fd = -1;

    xs_argc = argc;
    xs_argv = argv;
    log_set_prog("xenstored");
    talloc_enable_null_tracking();
    while ((opt = getopt_long(argc, argv, "s:I::T:F:NE:S:W:t:A:M:Q:q:Vh", opts, NULL)) != -1) {
        switch (opt) {
        case 's': sock_path = talloc_strdup(NULL, optarg); break;
        case OPT_VMM: vmm_path = talloc_strdup(NULL, optarg); break;
        case 'I': db_file = NULL; break;
        case OPT_DB: db_file = optarg; break;
        case 'T': trace_open(optarg); break;
        case 'F': pid_file = optarg; break;
        case 'N': break;
        case 'E': quota.nodes = num(optarg); break;
        case 'S': quota.node_size = num(optarg); break;
        case 'W': quota.watches = num(optarg); break;
        case 't': quota.transactions = num(optarg); break;
        case 'A': quota.perms = num(optarg); break;
        case 'M': quota.path_max = num(optarg); break;
        case 'Q': set_named(optarg, false); break;
        case 'q': set_named(optarg, true); break;
        case 'V': log_set_level(log_level() + 1); break;
        case 'h': usage(stdout); return 0;
        case OPT_LU: lu_fd = num(optarg); break;
        case OPT_REATTACH: reattach_timeout = num(optarg); break;
        case OPT_SYNC: store_sync = true; break;
        case OPT_RUNDIR: domains_rundir = optarg; break;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (!domains_rundir)
        domains_rundir = getenv("XENKVM_RUNDIR") && *getenv("XENKVM_RUNDIR")
                         ? getenv("XENKVM_RUNDIR") : "/run/xenkvm";
    if (!sock_path)
        sock_path = getenv("XENSTORED_PATH") ? talloc_strdup(NULL, getenv("XENSTORED_PATH"))
                                             : default_path("socket");
    if (!vmm_path) {
        char *slash = strrchr(sock_path, '/');
        vmm_path = slash ? talloc_asprintf(NULL, "%.*s/vmm", (int)(slash - sock_path), sock_path)
                         : talloc_strdup(NULL, "vmm");
    }
    /* The default run directory may not exist yet on a fresh host. */
    if (!getenv("XENSTORED_PATH") && !getenv("XENSTORED_RUNDIR") &&
        !strncmp(sock_path, "/var/run/xenstored/", 19) && mkdir("/var/run/xenstored", 0755) &&
        errno != EEXIST)
        log_warn("cannot create /var/run/xenstored: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    evbase = new_base();
    if (!evbase)
        die(1, "libevent: no event base");
    err = store_open(db_file);
    if (err < 0)
        die(1, "cannot open the store %s: %s", db_file ? db_file : "in memory",
            err == -EBUSY ? "another xenstored uses it" : strerror(-err));
    domain_init();
    if (lu_fd < 0 && err == 0 && store_init_tree())
        die(1, "cannot write the store");
    if (lu_fd < 0 && err == 1) {
        /* A restart: the file holds the store and the domains as the last
         * process left them. */
        store_recover();
        if (persist_load(false))
            log_warn("restart: some saved state was unreadable (see above)");
        log_info("restart: store and domains restored from %s", db_file);
    }
    if (lu_fd >= 0) {
        /* Live update: the old binary's state, sockets and rings. */
        persist_off = true;
        err = lu_restore(lu_fd);
        persist_off = false;
        if (err)
            die(1, "live-update: cannot restore the state: %s", strerror(err));
        if (store_durable() && persist_load(true))
            log_warn("live-update: some saved state was unreadable (see above)");
        persist_all();
        vmm_listen_start(vmm_listen_fd);
        log_info("live-update: state restored");
    } else {
        main_listen_fd = listen_main(sock_path);
        if (main_listen_fd < 0)
            die(1, "cannot listen on %s: %s", sock_path, strerror(-main_listen_fd));
        vmm_listen_fd = vmm_listen(vmm_path);
        if (vmm_listen_fd < 0)
            die(1, "cannot listen on %s: %s", vmm_path, strerror(-vmm_listen_fd));
    }
    ev = event_new(evbase, main_listen_fd, EV_READ | EV_PERSIST, on_accept, NULL);
    event_add(ev, NULL);
    event_add(evsignal_new(evbase, SIGTERM, on_signal, NULL), NULL);
    event_add(evsignal_new(evbase, SIGINT, on_signal, NULL), NULL);
    if (pid_file && lu_fd < 0) {
        FILE *f = fopen(pid_file, "w");
        if (!f)
            die(1, "%s:", pid_file);
        fprintf(f, "%d\n", (int)getpid());
        fclose(f);
    }
    log_info("listening on %s (VMM attach: %s)", sock_path, vmm_path);
    event_base_dispatch(evbase);
    unlink(sock_path);
    unlink(vmm_path);
    store_close();
    return 0;
}
