/* xenkvm-netback: domain 0's vif backend for one domain, in a host process
 * of its own (docs/netback.md).  It takes the guest's memory from the
 * domain's VMM (backend_ctx_connect), serves every device that appears
 * under /local/domain/0/backend/vif/<domid>/, and exits 0 after closing
 * them when the VMM's socket is gone (the domain is gone) or on SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "backend/line.h"
#include "evloop.h"
#include "exit_codes.h"
#include "log.h"
#include "netback/vif.h"
#include "util.h"
#include "vmm_options.h"
#include "vmm_socket_proto.h"

#define PID_FMT "%s/dom%u.vif.pid"
/* multi-queue-max-queues: xen-netback offers one per host CPU. */
#define MAX_QUEUES_CAP 8

static struct netback nb;
static char root[96];
static int stop_pipe[2] = { -1, -1 };

static void request_stop(void)
{
    if (write(stop_pipe[1], "x", 1) < 0)
        log_debug("stop pipe:");
}

/* The VMM's line: quiesce the vifs before a save, resume them after. */
static void on_line(void *arg, int fd, uint32_t events)
{
    (void)arg;
    (void)events;
    switch (backend_line_read(fd)) {
    case BACKEND_LINE_QUIESCE:
        vif_quiesce_all(&nb);
        backend_line_answer(fd, 0);
        break;
    case BACKEND_LINE_RESUME:
        vif_resume_all(&nb);
        break;
    case BACKEND_LINE_GONE:
        log_info("domain %u: the VMM has gone", nb.ctx.domid);
        evloop_del(nb.ctx.loop, fd);
        request_stop();
        break;
    case BACKEND_LINE_NONE:
        break;
    }
}

/* New devices under our root, then every device's handshake. */
static void scan(void)
{
    unsigned n = 0;
    char **ents = xs_directory(nb.xs, XBT_NULL, root, &n);

    for (unsigned i = 0; ents && i < n; i++) {
        uint64_t devid;

        if (parse_u64(ents[i], &devid) && devid <= UINT32_MAX &&
            !vif_known(&nb, (unsigned)devid))
            vif_probe(&nb, (unsigned)devid);
    }
    free(ents);
    vif_changed_all(&nb);
}

static void on_xs(void *arg, int fd, uint32_t events)
{
    char **w;
    bool any = false;

    (void)arg;
    (void)events;
    errno = 0;
    while ((w = xs_check_watch(nb.xs))) {
        free(w);
        any = true;
    }
    if (errno && errno != EAGAIN) {
        /* The health check below reconnects. */
        evloop_del(nb.ctx.loop, fd);
        return;
    }
    if (any)
        scan();
}

/* A connection to xenstored with our watches: 0, or -1 (none answers). */
static int xs_attach(void)
{
    if (!(nb.xs = xs_open(0)))
        return -1;
    if (!xs_watch(nb.xs, root, "root") ||
        evloop_add(nb.ctx.loop, xs_fileno(nb.xs), on_xs, NULL)) {
        xs_close(nb.xs);
        nb.xs = NULL;
        return -1;
    }
    return 0;
}

/* Is the domain's VMM still there?  A connection that is closed at once
 * (one held open would be the VMM's to free at its exit). */
static bool vmm_alive(void)
{
    int s = xk_link_connect(nb.ctx.rundir, nb.ctx.domid);

    if (s >= 0)
        close(s);
    return !(s == -ENOENT || s == -ECONNREFUSED);
}

/* Once a second: is the domain still there (else stop), is xenstored?  A
 * restarted xenstored (xl starts it again on demand, with the store it
 * kept) gets a new connection and every watch again; the connected vifs'
 * data paths never needed it. */
static void on_health(void *arg, int fd, uint32_t events)
{
    uint64_t ticks;
    unsigned len;
    char *v;

    (void)arg;
    (void)events;
    if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks))
        return;
    if (!vmm_alive()) {
        log_info("domain %u: the VMM has gone", nb.ctx.domid);
        evloop_del(nb.ctx.loop, fd);
        request_stop();
        return;
    }
    if (nb.xs) {
        errno = 0;
        v = xs_read(nb.xs, XBT_NULL, "/", &len);
        if (v || errno == ENOENT || errno == EACCES) {
            free(v);
            return;
        }
        log_warn("domain %u: lost xenstored (%s): reconnecting", nb.ctx.domid,
                 strerror(errno));
        evloop_del(nb.ctx.loop, xs_fileno(nb.xs));
        xs_close(nb.xs);
        nb.xs = NULL;
    }
    if (xs_attach())
        return;
    log_info("domain %u: xenstored connection back", nb.ctx.domid);
    vif_store_changed(&nb);
    scan();
}

static void usage(FILE *f)
{
    fprintf(f, "usage: xenkvm-netback --domid N [--rundir DIR] [--xenstored PATH] "
               "[--log FILE] [--max-queues N] [--verbose]\n"
               "Serves domain N's vifs (/local/domain/0/backend/vif/N/) with tap "
               "devices.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { XK_OPT_DOMID, required_argument, 0, 'd' },
        { XK_OPT_RUNDIR, required_argument, 0, 'R' },
        { XK_OPT_XENSTORED, required_argument, 0, 'X' },
        { "log", required_argument, 0, 'l' },
        { "max-queues", required_argument, 0, 'q' },
        { XK_OPT_VERBOSE, no_argument, 0, 'v' },
        { XK_OPT_HELP, no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *rundir = getenv("XENKVM_RUNDIR"), *logfile = NULL;
    uint64_t domid = 0, maxq = 0;
    char pidfile[256];
    struct evloop *loop;
    sigset_t set;
    int ch, rc, sfd, health, line, verbose = 0;
    long ncpu;
    FILE *pf;

    log_set_prog("xenkvm-netback");
    while ((ch = getopt_long(argc, argv, "d:R:X:l:q:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (!parse_u64(optarg, &domid) || domid < 1 || domid >= DOMID_FIRST_RESERVED)
                die(XK_EXIT_USAGE, "--domid %s: give a domain id from 1 to %u", optarg,
                    DOMID_FIRST_RESERVED - 1);
            break;
        case 'R': rundir = optarg; break;
        case 'X': setenv("XENSTORED_PATH", optarg, 1); break;
        case 'l': logfile = optarg; break;
        case 'q':
            if (!parse_u64(optarg, &maxq) || maxq < 1 || maxq > 64)
                die(XK_EXIT_USAGE, "--max-queues %s: give 1 to 64", optarg);
            break;
        case 'v': verbose++; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return XK_EXIT_USAGE;
        }
    }
    if (!domid) {
        usage(stderr);
        return XK_EXIT_USAGE;
    }
    if (!rundir || !*rundir)
        rundir = "/run/xenkvm";
    log_set_level(verbose);
    if (logfile) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            die(XK_EXIT_USAGE, "%s:", logfile);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    nb.max_queues = maxq ? (unsigned)maxq
                         : (unsigned)XK_MIN(XK_MAX(ncpu, 1), MAX_QUEUES_CAP);

    /* Signals go to the main thread's signalfd only. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0 || pipe2(stop_pipe, O_CLOEXEC))
        die(XK_EXIT_VMM_ERROR, "signalfd:");

    if (!(loop = evloop_new()))
        die(XK_EXIT_VMM_ERROR, "event loop:");
    rc = backend_ctx_connect(&nb.ctx, rundir, (uint32_t)domid, loop);
    if (rc) {
        errno = -rc;
        die(XK_EXIT_VMM_ERROR, "domain %llu: cannot reach its VMM under %s:",
            (unsigned long long)domid, rundir);
    }
    line = backend_line_open(rundir, (uint32_t)domid);
    if (line < 0 || evloop_add(loop, line, on_line, NULL)) {
        errno = line < 0 ? -line : EIO;
        die(XK_EXIT_VMM_ERROR, "domain %llu: VMM line:", (unsigned long long)domid);
    }
    snprintf(root, sizeof(root), "/local/domain/0/backend/vif/%u", (unsigned)domid);
    if (xs_attach())
        die(XK_EXIT_VMM_ERROR, "cannot connect to xenstored and watch %s:", root);
    {
        struct itimerspec it = { { 1, 0 }, { 1, 0 } };

        health = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (health < 0 || timerfd_settime(health, 0, &it, NULL) ||
            evloop_add(loop, health, on_health, NULL))
            die(XK_EXIT_VMM_ERROR, "health timer:");
    }

    snprintf(pidfile, sizeof(pidfile), PID_FMT, rundir, (unsigned)domid);
    if ((pf = fopen(pidfile, "w"))) {
        fprintf(pf, "%d\n", (int)getpid());
        fclose(pf);
    } else {
        log_warn("%s:", pidfile);
    }
    if (evloop_start(loop))
        die(XK_EXIT_VMM_ERROR, "event loop:");
    log_info("domain %u: serving %s", (unsigned)domid, root);

    for (;;) {
        struct pollfd p[2] = { { sfd, POLLIN, 0 }, { stop_pipe[0], POLLIN, 0 } };

        if (poll(p, 2, -1) < 0 && errno == EINTR)
            continue;
        if (p[0].revents) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) == sizeof(si))
                log_info("signal %u: stopping", si.ssi_signo);
            break;
        }
        if (p[1].revents)
            break;
    }
    evloop_stop(loop);
    vif_free_all(&nb);
    if (nb.xs) {
        xs_unwatch(nb.xs, root, "root");
        xs_close(nb.xs);
    }
    close(health);
    close(line);
    unlink(pidfile);
    backend_ctx_release(&nb.ctx);
    evloop_free(loop);
    return 0;
}
