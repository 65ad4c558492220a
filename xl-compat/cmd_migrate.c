/* xl migrate [-C CONFIG] [-s SSHCMD] [-e] [-p] [--debug] DOM HOST and
 * xl migrate-receive [-F] [-e] [-d] [-p]: a domain moved to another xl
 * over a pipe pair, with xl's handshake byte for byte (docs/migration.md).
 *
 * The sender runs `sh -c RUNE` (RUNE is "exec SSHCMD HOST xl
 * migrate-receive ...", or HOST itself when SSHCMD is empty, so -s ''
 * needs no ssh), reads the receiver's banner, writes xl's save-file
 * header and the stream (save_core.c), waits for "ready" (NUL included),
 * renames its domain NAME--migratedaway, gives permission to go, and
 * reads the report and its status byte; the receiver builds the domain
 * as NAME--incoming from the stream on its stdin, paused, and renames and
 * unpauses it once allowed.  A failure before permission is given leaves
 * the source running; after, xl's "Domain state is now undefined". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "domain_ctl.h"
#include "domain_tree.h"
#include "domcfg.h"
#include "dominfo.h"
#include "lifecycle.h"
#include "paths.h"
#include "save_core.h"
#include "vmm_ctl.h"
#include "vmm_socket_proto.h"
#include "xs_util.h"
#include "xl.h"
#include "xl_conf.h"
#include "xl_savefile.h"

/* xl_migrate.c's messages: the banner goes without its NUL, the rest
 * with it. */
static const char banner[] = "xl migration receiver ready, send binary domain data.\n";
static const char ready[] = "domain received, ready to unpause";
static const char go[] = "domain is yours, you are cleared to unpause";
static const char report[] = "my copy unpause results are as follows";
/* xenkvm's own: a postcopy receiver ready for a new connection. */
static const char resume_banner[] = "xenkvm postcopy receiver ready to resume.\n";
static const char away_suffix[] = "--migratedaway";

static int read_exactly(int fd, void *p, size_t n, const char *stream, const char *what)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                fprintf(stderr, "libxl: error: file/stream truncated reading %s from %s\n",
                        what, stream);
            else
                fprintf(stderr, "libxl: error: failed to read %s from %s: %s\n", what,
                        stream, strerror(errno));
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

static int write_exactly(int fd, const void *p, size_t n, const char *stream, const char *what)
{
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(fd, (const char *)p + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "libxl: error: failed to write %s for %s: %s\n", what, stream,
                    strerror(errno));
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* migrate_read_fixedmessage: 0 when the next N bytes are MSG. */
static int read_fixed(int fd, const char *msg, size_t n, const char *what, const char *rune)
{
    const char *stream = rune ? "migration receiver stream" : "migration stream";
    char buf[128];

    if (read_exactly(fd, buf, n, stream, what))
        return 1;
    if (memcmp(buf, msg, n)) {
        fprintf(stderr, "%s contained unexpected data instead of %s\n", stream, what);
        if (rune)
            fprintf(stderr, "(command run was: %s )\n", rune);
        return 1;
    }
    return 0;
}

/* sh -c RUNE with its stdin and stdout our two pipes. */
static pid_t spawn_child(const char *rune, int *send_fd, int *recv_fd)
{
    int to[2], from[2];
    pid_t pid;

    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) {
        perror("xl: pipe");
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("xl: fork");
        return -1;
    }
    if (pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        execl("/bin/sh", "sh", "-c", rune, (char *)NULL);
        perror("xl: /bin/sh");
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    *send_fd = to[1];
    *recv_fd = from[0];
    return pid;
}

/* migration_child_report: how the receiver ended. */
static void child_report(pid_t child, int recv_fd)
{
    int st;

    if (recv_fd >= 0)
        close(recv_fd);
    if (child <= 0 || waitpid(child, &st, 0) != child)
        return;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return;
    if (WIFEXITED(st))
        fprintf(stderr, "migration target process [%ld] exited with error status %d\n",
                (long)child, WEXITSTATUS(st));
    else
        fprintf(stderr, "migration target process [%ld] died with signal %d\n", (long)child,
                WTERMSIG(st));
}

/* The sender's postcopy, handed to its VMM on S (or S = -errno): 0 when
 * every page went (counts printed), else -1 after saying what remains. */
static int postcopy_sender_wait(int s, struct xk_link_postcopy *pr, const char *away)
{
    int rc = s < 0 ? s : vmm_ctl_postcopy_wait(s, pr);

    if (rc == -ENOTCONN) {
        fprintf(stderr, "migration sender: postcopy paused: the connection to the target was "
                "lost (%s)\n"
                "The domain at the target waits for the pages it misses; this copy is kept "
                "paused as %s.\nFinish with: xl migrate --postcopy-resume [-s SSHCMD] %s "
                "HOST\n", pr->msg, away ? away : "is", away ? away : "DOMAIN");
        return -1;
    }
    if (rc == -ECONNRESET) {
        /* Its VMM died: the pages it held are gone. */
        fprintf(stderr, "migration sender: the source's VMM died during postcopy: the "
                "domain at the target cannot get its memory: the guest is lost\n");
        return -1;
    }
    if (rc) {
        fprintf(stderr, "migration sender: postcopy failed: %s\n"
                "The domain at the target cannot run without it; this copy is kept "
                "paused as %s.\n", pr->msg[0] ? pr->msg : strerror(-rc), away ? away : "is");
        return -1;
    }
    fprintf(stderr, "migration sender: postcopy: %llu pages, %llu asked for, %llu in "
            "the background\n", (unsigned long long)pr->pending,
            (unsigned long long)pr->on_demand, (unsigned long long)pr->background);
    return 0;
}

/* xl migrate --postcopy-resume DOM HOST (xenkvm's own, as QEMU's
 * migrate -r after migrate-recover): a postcopy paused by a broken
 * connection goes on over a new one; DOM is the source's
 * NAME--migratedaway, the receiver's rune names NAME. */
static int postcopy_resume_send(unsigned domid, const char *ssh, const char *host)
{
    struct xk_link_postcopy pr;
    char *name = xl_dom_saved_name(domid), *target, *rune;
    size_t n = name ? strlen(name) : 0, k = sizeof(away_suffix) - 1;
    int send_fd, recv_fd, s, ret = EXIT_FAILURE;
    pid_t child;

    if (vmm_ctl_postcopy_query(xl_rundir(), domid) != XK_PC_SOURCE_PAUSED) {
        fprintf(stderr, "migration sender: domain %u is not a postcopy source paused by a "
                "broken connection\n", domid);
        free(name);
        return EXIT_FAILURE;
    }
    target = xl_xstrdup(name ? name : "");
    if (n > k && !strcmp(target + n - k, away_suffix))
        target[n - k] = '\0';
    rune = ssh[0] ? xl_xasprintf("exec %s %s xl migrate-receive --postcopy-resume %s", ssh,
                                 host, target)
                  : xl_xstrdup(host);
    signal(SIGPIPE, SIG_IGN);
    child = spawn_child(rune, &send_fd, &recv_fd);
    if (child < 0)
        goto out;
    if (read_fixed(recv_fd, resume_banner, sizeof(resume_banner) - 1, "banner", rune)) {
        close(send_fd);
        child_report(child, recv_fd);
        fprintf(stderr, "migration sender: postcopy still paused; this copy is kept as %s\n",
                name ? name : "is");
        goto out;
    }
    s = vmm_ctl_postcopy_connect(xl_rundir(), domid, send_fd, recv_fd, XK_PC_RESUME, &pr);
    close(send_fd);
    close(recv_fd);
    if (s < 0)
        fprintf(stderr, "migration sender: postcopy resume: %s\n",
                pr.msg[0] ? pr.msg : strerror(-s));
    if (!postcopy_sender_wait(s, &pr, name)) {
        xl_domain_destroy(domid);
        fprintf(stderr, "Migration successful.\n");
        ret = EXIT_SUCCESS;
    }
    child_report(child, -1);
out:
    free(rune);
    free(target);
    free(name);
    return ret;
}

int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "debug", 0, 0, 0x100 }, { "live", 0, 0, 0x200 }, { "postcopy", 0, 0, 0x300 },
        { "precopy-rounds", 1, 0, 0x400 }, { "max-downtime", 1, 0, 0x500 },
        { "postcopy-resume", 0, 0, 0x600 },
        { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *config = NULL, *ssh = "ssh", *host;
    bool daemonize = true, debug = false, paused = false, coop = false, postcopy = false;
    bool resume = false;
    char *rune, *name, *away = NULL, rc_buf;
    struct xk_link_save sr;
    int opt, send_fd, recv_fd, ret = EXIT_FAILURE;
    uint32_t policy = XK_SAVE_PROGRESS;
    unsigned domid;
    pid_t child;
    char *end;
    long v;

    while ((opt = xl_getopt(argc, argv, "FC:s:ep", opts, "migrate", 2)) != -1) {
        switch (opt) {
        case 'C': config = optarg; break;
        case 's': ssh = optarg; break;
        case 'F': daemonize = false; break;
        case 'e': daemonize = false; break;
        case 'p': paused = true; break;
        case 0x100: debug = true; break;
        case 0x200: break;      /* --live: ignored, as xl does (xm's) */
        case 0x300: postcopy = true; break;    /* xenkvm's own */
        case 0x400:     /* xenkvm's own: rounds while the domain runs */
            v = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || v < 0 || v > 255) {
                fprintf(stderr, "xl migrate: --precopy-rounds takes 0 to 255\n");
                return EXIT_FAILURE;
            }
            policy |= XK_SAVE_ROUNDS_SET | XK_SAVE_ROUNDS(v);
            break;
        case 0x500:     /* xenkvm's own: switch over once this downtime is in reach */
            v = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || v < 1 || v > XK_SAVE_DOWNTIME_MAX) {
                fprintf(stderr, "xl migrate: --max-downtime takes 1 to %u ms\n",
                        XK_SAVE_DOWNTIME_MAX);
                return EXIT_FAILURE;
            }
            policy |= XK_SAVE_DOWNTIME(v);
            break;
        case 0x600: resume = true; break;     /* xenkvm's own */
        }
    }
    domid = xl_find_domain(argv[optind]);
    host = argv[optind + 1];
    if (domid == 0) {
        fprintf(stderr, "Not migrating domain 0: on xenkvm it is the host itself.\n");
        return EXIT_FAILURE;
    }
    if (resume)
        return postcopy_resume_send(domid, ssh, host);
    if (!ssh[0])
        rune = xl_xstrdup(host);
    else
        rune = xl_xasprintf("exec %s %s xl%s migrate-receive%s%s%s", ssh, host,
                            isatty(2) > 0 ? " -t" : "", daemonize ? "" : " -e",
                            debug ? " -d" : "", paused ? " -p" : "");
    name = xl_dom_saved_name(domid);
    signal(SIGPIPE, SIG_IGN);
    child = spawn_child(rune, &send_fd, &recv_fd);
    if (child < 0)
        goto out;
    if (read_fixed(recv_fd, banner, sizeof(banner) - 1, "banner", rune)) {
        close(send_fd);
        child_report(child, recv_fd);
        goto out;
    }
    if (xl_save_domain(domid, send_fd, config, "migration stream",
                       XK_SAVE_LIVE | policy | (postcopy ? XK_SAVE_POSTCOPY : 0), &coop,
                       &sr)) {
        fprintf(stderr, "migration sender: libxl_domain_suspend failed (rc=-3)\n");
        close(send_fd);
        child_report(child, recv_fd);
        fprintf(stderr, "Migration failed, resuming at sender.\n");
        goto out;
    }
    if (debug || !coop)
        fprintf(stderr, "migration sender: %llu bytes, %llu precopy rounds, %llu pages in "
                "the last, paused %llu us\n", (unsigned long long)sr.bytes,
                (unsigned long long)sr.rounds, (unsigned long long)sr.last_round_pages,
                (unsigned long long)sr.downtime_us);
    if (read_fixed(recv_fd, ready, sizeof(ready), "ready message", rune))
        goto failed_resume;
    fprintf(stderr, "migration sender: Target has acknowledged transfer.\n");
    if (name) {
        away = xl_xasprintf("%s--migratedaway", name);
        if (xl_tree_rename(domid, away))
            goto failed_resume;
    }
    /* The point of no return: once "go" may have been read, two copies
     * could run. */
    fprintf(stderr, "migration sender: Giving target permission to start.\n");
    if (write_exactly(send_fd, go, sizeof(go), "migration stream", "GO message") ||
        read_fixed(recv_fd, report, sizeof(report), "success/failure report message", rune) ||
        read_exactly(recv_fd, &rc_buf, 1, "migration ack stream", "success/failure status"))
        goto failed_badly;
    if (rc_buf) {
        fprintf(stderr, "migration sender: Target reports startup failure (status code %d).\n",
                rc_buf);
        if (read_fixed(recv_fd, go, sizeof(go), "permission for sender to resume", rune))
            goto failed_badly;
        fprintf(stderr, "migration sender: Trying to resume at our end.\n");
        if (name)
            xl_tree_rename(domid, name);
        if (!xl_save_resume(domid, coop, true))
            fprintf(stderr, "migration sender: Resumed OK.\n");
        fprintf(stderr, "Migration failed due to problems at target.\n");
        close(send_fd);
        child_report(child, recv_fd);
        goto out;
    }
    fprintf(stderr, "migration sender: Target reports successful startup.\n");
    /* Postcopy (a guest that suspended itself went stop-and-copy): the
     * rest of its memory, with the channel handed to the VMM. */
    if (postcopy && !coop && vmm_ctl_postcopy_query(xl_rundir(), domid) != 2)
        /* Precopy rounds left nothing changed: it ended as a precopy. */
        fprintf(stderr, "migration sender: postcopy: 0 pages, 0 asked for, 0 in the "
                "background\n");
    else if (postcopy && !coop) {
        struct xk_link_postcopy pr;
        int s = vmm_ctl_postcopy_start(xl_rundir(), domid, send_fd, recv_fd, false, &pr);
        /* The VMM holds the channel now: without our copies its end
         * closes when it dies, and the target hears of it. */
        if (s >= 0) {
            close(send_fd);
            close(recv_fd);
            send_fd = recv_fd = -1;
        }
        if (postcopy_sender_wait(s, &pr, away)) {
            if (send_fd >= 0)
                close(send_fd);
            child_report(child, recv_fd);
            goto out;
        }
    }
    xl_domain_destroy(domid);
    fprintf(stderr, "Migration successful.\n");
    if (send_fd >= 0)
        close(send_fd);
    child_report(child, recv_fd);
    ret = EXIT_SUCCESS;
    goto out;

failed_resume:
    close(send_fd);
    child_report(child, recv_fd);
    fprintf(stderr, "Migration failed, resuming at sender.\n");
    if (away && name)
        xl_tree_rename(domid, name);
    xl_save_resume(domid, coop, true);
    goto out;

failed_badly:
    fprintf(stderr,
            "** Migration failed during final handshake **\n"
            "Domain state is now undefined !\n"
            "Please CHECK AT BOTH ENDS for running instances, before renaming and\n"
            " resuming at most one instance.  Two simultaneous instances of the domain\n"
            " would probably result in SEVERE DATA LOSS and it is now your\n"
            " responsibility to avoid that.  Sorry.\n");
    close(send_fd);
    child_report(child, recv_fd);
out:
    free(rune);
    free(name);
    free(away);
    return ret;
}

static void drop_channel(void);
static int postcopy_target_report(int rc, const struct xk_link_postcopy *pr, unsigned domid,
                                  const char *name);

/* The receiver's postcopy: renamed, the success report goes first (the
 * channel then carries pages and requests), the VMM takes the channel,
 * and only then does the guest run: a page it touches is asked for at
 * once.  A failure from here on loses the guest (the source's copy is
 * kept paused). */
static int postcopy_receive(unsigned domid, const char *name, bool paused)
{
    struct xk_link_postcopy pr;
    char ok = 0;
    int s, rc;

    if (xl_tree_rename(domid, name) ||
        write_exactly(1, report, sizeof(report), "migration ack stream",
                      "success/failure report") ||
        write_exactly(1, &ok, 1, "migration ack stream", "success/failure code"))
        return -1;
    s = vmm_ctl_postcopy_start(xl_rundir(), domid, 0, 1, !paused, &pr);
    if (s < 0) {
        fprintf(stderr, "migration target: postcopy: %s\n", pr.msg[0] ? pr.msg : strerror(-s));
        xl_domain_destroy(domid);
        return -1;
    }
    drop_channel();
    if (!paused && xl_vmm_unpause(domid))
        fprintf(stderr, "migration target: cannot unpause the domain\n");
    else
        fprintf(stderr, "migration target: Domain started successsfully.\n");
    rc = vmm_ctl_postcopy_wait(s, &pr);
    return postcopy_target_report(rc, &pr, domid, name);
}

/* The channel is the VMM's now: without our copies of it, its end closes
 * when the VMM dies and the source hears of it. */
static void drop_channel(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        close(null);
    }
}

/* How the target's postcopy ended: 0 with the counts printed; -1 when
 * paused (the domain kept) or failed (the domain destroyed). */
static int postcopy_target_report(int rc, const struct xk_link_postcopy *pr, unsigned domid,
                                  const char *name)
{
    if (rc == -ENOTCONN) {
        fprintf(stderr, "migration target: %s: the domain %s waits for its missing pages; "
                "resume from the source with xl migrate --postcopy-resume (if the source is "
                "gone, the guest is lost: xl destroy %s)\n", pr->msg, name, name);
        return -1;
    }
    if (rc) {
        fprintf(stderr, "migration target: postcopy failed: %s: the guest is lost\n",
                pr->msg[0] ? pr->msg : strerror(-rc));
        xl_domain_destroy(domid);
        return -1;
    }
    fprintf(stderr, "migration target: postcopy: %llu pages, %llu fetched on demand, %llu in "
            "the background, %llu zero-filled, %llu asked for by device backends\n",
            (unsigned long long)pr->pending, (unsigned long long)pr->on_demand,
            (unsigned long long)pr->background, (unsigned long long)pr->zero_filled,
            (unsigned long long)pr->for_backends);
    return 0;
}

/* migrate-receive --postcopy-resume NAME: a new connection for NAME's
 * paused postcopy.  The break may not be seen here yet when the sender
 * comes: waited for a while. */
static int postcopy_resume_receive(const char *name)
{
    struct xk_link_postcopy pr;
    unsigned domid = xl_find_domain(name);
    int q = -1, s;

    for (int i = 0; i < 100; i++) {
        q = vmm_ctl_postcopy_query(xl_rundir(), domid);
        if (q != XK_PC_DEST)
            break;
        usleep(100000);
    }
    if (q != XK_PC_DEST_PAUSED) {
        fprintf(stderr, "migration target: %s is not a postcopy destination paused by a "
                "broken connection\n", name);
        return EXIT_FAILURE;
    }
    fprintf(stderr, "migration target: Ready to resume the postcopy of %s.\n", name);
    if (write_exactly(1, resume_banner, sizeof(resume_banner) - 1, "migration ack stream",
                      "banner"))
        return EXIT_FAILURE;
    s = vmm_ctl_postcopy_connect(xl_rundir(), domid, 0, 1, XK_PC_RESUME, &pr);
    if (s < 0) {
        fprintf(stderr, "migration target: postcopy resume: %s\n",
                pr.msg[0] ? pr.msg : strerror(-s));
        return EXIT_FAILURE;
    }
    drop_channel();
    return postcopy_target_report(vmm_ctl_postcopy_wait(s, &pr), &pr, domid, name)
               ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_migrate_receive(int argc, char **argv)
{
    struct xl_create_opts o = { .restore_fd = -1 };
    struct xl_savefile sf;
    struct domcfg dc;
    char msg[256], *name, *incoming, rc_buf;
    bool paused = false, debug = false;
    unsigned domid;
    int opt, rc;

    static const struct option ropts[] = {
        { "postcopy-resume", 1, 0, 0x100 }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *resume = NULL;

    while ((opt = xl_getopt(argc, argv, "Fedrp", ropts, "migrate-receive", 0)) != -1) {
        switch (opt) {
        case 0x100: resume = optarg; break;     /* xenkvm's own */
        case 'F': o.foreground = false; break;
        case 'e': o.no_monitor = true; break;
        case 'd': debug = true; break;
        case 'r':
            fprintf(stderr, "migration target: Remus checkpoints are not supported\n");
            return EXIT_FAILURE;
        case 'p': paused = true; break;
        }
    }
    if (argc - optind != 0) {
        xl_help("migrate-receive");
        return EXIT_FAILURE;
    }
    signal(SIGPIPE, SIG_IGN);
    if (resume)
        return postcopy_resume_receive(resume);
    fprintf(stderr, "migration target: Ready to receive domain.\n");
    if (write_exactly(1, banner, sizeof(banner) - 1, "migration ack stream", "banner"))
        return EXIT_FAILURE;
    if (xl_savefile_read(0, &sf, msg, sizeof(msg))) {
        fprintf(stderr, "migration target: %s\n", msg);
        xl_savefile_free(&sf);
        return EXIT_FAILURE;
    }
    if (debug && sf.config)
        fputs(sf.config, stderr);
    if (!sf.xk_config ||
        domcfg_parse(&dc, "the migrated domain's config", sf.xk_config, strlen(sf.xk_config),
                     NULL, 0, stderr)) {
        if (!sf.xk_config)
            fprintf(stderr, "migration target: the stream holds no xl config this xl reads\n");
        xl_savefile_free(&sf);
        return EXIT_FAILURE;
    }
    name = dc.name;
    incoming = xl_xasprintf("%s--incoming", name);
    dc.name = incoming;
    if (!dc.transport_set) {
        dc.transport = xl_conf_transport();
        dc.transport_set = true;
    }
    /* The VMM reads the stream from a descriptor of its own (its stdin
     * is /dev/null); it reads exactly the stream, the handshake stays. */
    o.restore_fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
    o.restore_watches = sf.xk_watches;
    o.restore_devices = sf.xk_devices;
    o.paused = true;
    rc = xl_create(&dc, sf.xk_config, &o);
    close(o.restore_fd);
    dc.name = name;
    free(incoming);
    if (rc) {
        fprintf(stderr, "migration target: Domain creation failed (code %d).\n", -rc);
        domcfg_free(&dc);
        xl_savefile_free(&sf);
        return EXIT_FAILURE;
    }
    domid = xl_find_domain(incoming = xl_xasprintf("%s--incoming", name));
    fprintf(stderr, "migration target: Transfer complete, requesting permission to start "
            "domain.\n");
    if (write_exactly(1, ready, sizeof(ready), "migration ack stream", "ready message")) {
        domcfg_free(&dc);
        xl_savefile_free(&sf);
        free(incoming);
        return EXIT_FAILURE;
    }
    rc = read_fixed(0, go, sizeof(go), "GO message", NULL);
    if (!rc && vmm_ctl_postcopy_query(xl_rundir(), domid) == 1) {
        fprintf(stderr, "migration target: Got permission, starting domain.\n");
        rc = postcopy_receive(domid, name, paused);
        domcfg_free(&dc);
        xl_savefile_free(&sf);
        free(incoming);
        return rc ? EXIT_FAILURE : EXIT_SUCCESS;
    }
    if (!rc) {
        fprintf(stderr, "migration target: Got permission, starting domain.\n");
        rc = xl_tree_rename(domid, name) ? 1 : 0;
        if (!rc && !paused)
            rc = xl_vmm_unpause(domid) ? 1 : 0;
        if (!rc)
            fprintf(stderr, "migration target: Domain started successsfully.\n");
    }
    domcfg_free(&dc);
    xl_savefile_free(&sf);
    free(incoming);
    rc_buf = (char)(rc ? 3 : 0);     /* -ERROR_FAIL */
    if (write_exactly(1, report, sizeof(report), "migration ack stream",
                      "success/failure report") ||
        write_exactly(1, &rc_buf, 1, "migration ack stream", "success/failure code"))
        return EXIT_FAILURE;
    if (rc) {
        fprintf(stderr, "migration target: Failure, destroying our copy.\n");
        if (xl_domain_destroy(domid)) {
            fprintf(stderr, "migration target: Failed to destroy our copy.\n");
            return EXIT_FAILURE;
        }
        fprintf(stderr, "migration target: Cleanup OK, granting sender permission to resume.\n");
        if (write_exactly(1, go, sizeof(go), "migration ack stream",
                          "permission to sender to have domain back"))
            return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
