/* xenkvm-blkback: the vbd backend of one domain, a host process acting as
 * domain 0 (docs/blkback.md).
 *
 *   xenkvm-blkback --domid N [--rundir DIR] [--xenstored PATH] [--log FILE]
 *
 * It gets the guest's memory and grant table from the domain's VMM
 * (backend_ctx_connect), watches /local/domain/0/backend/vbd/<domid>/ and
 * serves each device that appears there (blkvbd.h).  Before the domain is
 * saved the VMM asks it to quiesce them (backend/line.h).  It exits 0 after
 * stopping its devices when the VMM goes (its socket closes) or on
 * SIGTERM/SIGINT.  SIGHUP: look at every backing's size again and
 * publish a changed one (resize). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "backend/context.h"
#include "backend/line.h"
#include "backend/xenbus_xs.h"
#include "blkvbd.h"
#include "exit_codes.h"
#include "log.h"
#include "unix_sock.h"
#include "util.h"
#include "vmm_options.h"
#include "vmm_socket_proto.h"

struct dev {
    struct dev *next;
    uint32_t devid;
    bool failed;                /* probe failed: left alone until removed */
    bool probed;
    struct blk_vbd vbd;
};

static struct xs_handle *xs;
static int xs_live = -1;        /* idle socket to xenstored: hangs up with it */
static bool xs_lost;
static struct xk_backend_ctx ctx;
static struct dev *devs;
static char base[64];

/* Write N nodes in one transaction, only while their device directory
 * (the parent of the first) still exists: once the toolstack removed it a
 * late write must not create it again.  0, -ENOENT (gone) or -errno. */
static int xs_write_txn(void *store, const char *const *paths, const char *const *values,
                        unsigned n)
{
    char dir[256];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", paths[0]);
    if ((slash = strrchr(dir, '/')))
        *slash = 0;
    for (int tries = 0; tries < 16; tries++) {
        xs_transaction_t t = xs_transaction_start(store);
        unsigned len;
        char *v;
        bool ok;
        int e;

        if (t == XBT_NULL)
            return -errno;
        v = xs_read(store, t, dir, &len);
        ok = v != NULL;
        free(v);
        if (!ok)
            errno = ENOENT;
        for (unsigned i = 0; ok && i < n; i++)
            ok = xs_write(store, t, paths[i], values[i], (unsigned)strlen(values[i]));
        if (!ok) {
            e = errno;
            xs_transaction_end(store, t, true);
            return -e;
        }
        if (xs_transaction_end(store, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

/* The handshake's store: libxenstore, with writes that never recreate a
 * removed device directory. */
static int xs_write_guarded(void *store, const char *path, const char *value)
{
    return xs_write_txn(store, &path, &value, 1);
}

static struct xb_store_ops store_ops;

/* Stop serving D (its queues, watches, backing); the entry stays until
 * its directory goes, so a removed device is not probed again. */
static void dev_stop(struct dev *d)
{
    if (d->probed)
        blkvbd_destroy(&d->vbd);
    d->probed = false;
    d->failed = true;
}

static void dev_free(struct dev **pp)
{
    struct dev *d = *pp;

    *pp = d->next;
    dev_stop(d);
    free(d);
}

/* The devices under our directory: probe new ones, drop vanished ones. */
static void scan(void)
{
    unsigned n = 0, i;
    char **ents = xs_directory(xs, XBT_NULL, base, &n);
    struct dev **pp, *d;
    int rc;

    /* Only a directory that is gone removes devices: a failing store
     * (xenstored restarting) leaves them serving. */
    if (!ents && errno != ENOENT) {
        log_warn("cannot list %s:", base);
        return;
    }

    for (pp = &devs; (d = *pp);) {
        bool present = false;
        char id[16];

        snprintf(id, sizeof(id), "%u", d->devid);
        for (i = 0; ents && i < n; i++)
            present |= !strcmp(ents[i], id);
        if (!present) {
            log_info("vbd %u/%u: the toolstack removed it", ctx.domid, d->devid);
            dev_free(pp);
            continue;
        }
        if (d->probed && blkvbd_gone(&d->vbd))
            dev_stop(d);
        pp = &d->next;
    }
    for (i = 0; ents && i < n; i++) {
        uint64_t devid;

        if (!parse_u64(ents[i], &devid) || devid > UINT32_MAX)
            continue;
        for (d = devs; d && d->devid != devid; d = d->next)
            ;
        if (!d) {
            if (!(d = calloc(1, sizeof(*d))))
                continue;
            d->devid = (uint32_t)devid;
            d->next = devs;
            devs = d;
        }
        if (d->probed || d->failed)
            continue;
        rc = blkvbd_probe(&d->vbd, &ctx, d->devid, &store_ops, xs, xs_write_txn);
        if (rc == 0) {
            d->probed = true;
            blkvbd_changed(&d->vbd);    /* the frontend may be ahead */
        } else if (rc != -ENOENT) {
            log_err("vbd %u/%u: cannot set up the device (%s)", ctx.domid, d->devid,
                    strerror(-rc));
            d->failed = true;
        }
    }
    free(ents);
}

static void on_watch(void)
{
    char **ev;
    struct dev *d;

    while ((ev = xs_check_watch(xs)))
        free(ev);
    /* Removed devices first: nothing is written for them. */
    scan();
    for (d = devs; d; d = d->next)
        if (d->probed && !blkvbd_gone(&d->vbd))
            blkvbd_changed(&d->vbd);
    scan();
}

/* Connect to xenstored, watch our directory, and keep an idle second
 * connection whose hang-up says xenstored went away.  0 or -1. */
static int store_open(struct xs_handle **out)
{
    const char *path = getenv("XENSTORED_PATH");
    struct xs_handle *h = xs_open(0);

    if (!h)
        return -1;
    if (!xs_watch(h, base, "vbd")) {
        xs_close(h);
        return -1;
    }
    xs_live = xk_unix_connect(path ? path : "/var/run/xenstored/socket", SOCK_STREAM);
    *out = h;
    return 0;
}

/* xenstored came back (a durable store keeps our nodes): move every
 * device to the new connection, watch again, catch up on what changed. */
static void store_reconnected(struct xs_handle *h)
{
    struct xs_handle *old = xs;
    struct dev *d;

    xs = h;
    for (d = devs; d; d = d->next)
        if (d->probed)
            blkvbd_set_store(&d->vbd, xs);
    xs_close(old);
    xs_lost = false;
    log_info("domain %u: xenstored is back", ctx.domid);
    scan();
    for (d = devs; d; d = d->next)
        if (d->probed && !blkvbd_gone(&d->vbd))
            blkvbd_changed(&d->vbd);
    scan();
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: xenkvm-blkback --domid N [--rundir DIR] [--xenstored PATH] [--log FILE]\n"
"Serve domain N's virtual block devices (xenstore backend/vbd/N/).\n"
"  --domid N         the guest domain\n"
"  --rundir DIR      the run directory of its VMM ($XENKVM_RUNDIR when set)\n"
"  --xenstored PATH  xenstored's socket ($XENSTORED_PATH when set)\n"
"  --log FILE        append messages to FILE instead of standard error\n"
"  --verbose         more messages (twice: debug)\n"
"Signals: SIGHUP re-reads the backing sizes (resize); SIGTERM stops.\n");
}

static void write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");

    if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
        log_warn("cannot write %s:", path);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { XK_OPT_DOMID, required_argument, 0, 'd' },
        { XK_OPT_RUNDIR, required_argument, 0, 'R' },
        { XK_OPT_XENSTORED, required_argument, 0, 'X' },
        { "log", required_argument, 0, 'l' },
        { XK_OPT_VERBOSE, no_argument, 0, 'v' },
        { XK_OPT_HELP, no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *rundir = getenv("XENKVM_RUNDIR"), *logfile = NULL;
    uint64_t domid = 0;
    char pidfile[256];
    struct pollfd p[4];
    sigset_t set;
    int ch, rc, verbose = 0, live, sfd;
    bool stop = false;

    log_set_prog("xenkvm-blkback");
    store_ops = xb_xs_ops;
    store_ops.write = xs_write_guarded;
    while ((ch = getopt_long(argc, argv, "d:R:X:l:vh", opts, NULL)) != -1) {
        switch (ch) {
        case 'd':
            if (!parse_u64(optarg, &domid) || domid < 1 || domid >= DOMID_FIRST_RESERVED)
                die(XK_EXIT_USAGE, "--domid %s: give a domain id from 1 to %u", optarg,
                    DOMID_FIRST_RESERVED - 1);
            break;
        case 'R': rundir = optarg; break;
        case 'X': setenv("XENSTORED_PATH", optarg, 1); break;
        case 'l': logfile = optarg; break;
        case 'v': verbose++; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return XK_EXIT_USAGE;
        }
    }
    if (optind != argc || !domid || !rundir || !*rundir) {
        usage(stderr);
        return XK_EXIT_USAGE;
    }
    if (logfile) {
        int fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0)
            die(1, "--log %s:", logfile);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    log_set_level(verbose);
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGPIPE);
    /* Blocked before any thread starts, so queue threads inherit it. */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0)
        die(1, "signalfd:");

    rc = backend_ctx_connect(&ctx, rundir, (uint32_t)domid, NULL);
    if (rc) {
        errno = -rc;
        die(1, "domain %u: cannot reach its VMM under %s:", (unsigned)domid, rundir);
    }
    /* Our line to the VMM: quiesce and resume around a save; it hangs
     * up when the VMM exits, which is how we learn that the domain is
     * gone. */
    live = backend_line_open(rundir, (uint32_t)domid);
    if (live < 0) {
        errno = -live;
        die(1, "domain %u: VMM socket:", (unsigned)domid);
    }
    snprintf(base, sizeof(base), "/local/domain/0/backend/vbd/%u", (unsigned)domid);
    if (store_open(&xs))
        die(1, "cannot connect to xenstored and watch %s:", base);
    snprintf(pidfile, sizeof(pidfile), "%s/dom%u.vbd.pid", rundir, (unsigned)domid);
    write_pidfile(pidfile);
    log_info("domain %u: serving %s", (unsigned)domid, base);
    scan();

    p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    p[2] = (struct pollfd){ .fd = live, .events = POLLIN };
    while (!stop) {
        struct xs_handle *h;

        /* While xenstored is away its fds are left out and we try to
         * reconnect five times a second; the devices keep serving. */
        p[0] = (struct pollfd){ .fd = xs_lost ? -1 : xs_fileno(xs), .events = POLLIN };
        p[3] = (struct pollfd){ .fd = xs_lost ? -1 : xs_live, .events = POLLIN };
        rc = poll(p, 4, xs_lost ? 200 : -1);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            log_err("poll:");
            break;
        }
        if (xs_lost && store_open(&h) == 0)
            store_reconnected(h);
        if (p[3].revents) {
            log_warn("domain %u: xenstored went away: devices keep serving, "
                     "reconnecting", (unsigned)domid);
            close(xs_live);
            xs_live = -1;
            xs_lost = true;
        }
        if (p[0].revents && !xs_lost)
            on_watch();
        if (p[1].revents) {
            struct signalfd_siginfo si;

            while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                if (si.ssi_signo == SIGHUP) {
                    for (struct dev *d = devs; d; d = d->next)
                        if (d->probed && (rc = blkvbd_resize(&d->vbd)) < 0)
                            log_warn("%s: resize: %s", d->vbd.name, strerror(-rc));
                } else if (si.ssi_signo != SIGPIPE) {
                    log_info("domain %u: signal %u: stopping", (unsigned)domid,
                             si.ssi_signo);
                    stop = true;
                }
            }
        }
        if (p[2].revents) {
            switch (backend_line_read(live)) {
            case BACKEND_LINE_QUIESCE:
                for (struct dev *d = devs; d; d = d->next)
                    if (d->probed)
                        blkvbd_quiesce(&d->vbd);
                backend_line_answer(live, 0);
                break;
            case BACKEND_LINE_RESUME:
                for (struct dev *d = devs; d; d = d->next)
                    if (d->probed)
                        blkvbd_resume(&d->vbd);
                break;
            case BACKEND_LINE_GONE:
                log_info("domain %u: the VMM has gone: stopping", (unsigned)domid);
                stop = true;
                break;
            case BACKEND_LINE_NONE:
                break;
            }
        }
    }
    while (devs)
        dev_free(&devs);
    xs_unwatch(xs, base, "vbd");
    xs_close(xs);
    if (xs_live >= 0)
        close(xs_live);
    close(live);
    backend_ctx_release(&ctx);
    unlink(pidfile);
    return 0;
}
