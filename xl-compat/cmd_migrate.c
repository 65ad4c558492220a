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

/* Postcopy is refused for a domain with a vbd or vif: its backend maps
 * guest RAM in another process, and a page touched there before it
 * arrived could never be installed (docs/migration.md). */
static bool has_backends(unsigned domid)
{
    static const char *const kinds[] = { "vbd", "vif" };

    for (unsigned i = 0; i < 2; i++) {
        char *v = xl_xs_readf(XBT_NULL, "/local/domain/0/backend/%s/%u", kinds[i], domid);
        if (v) {
            free(v);
            return true;
        }
    }
    return false;
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

int cmd_migrate(int argc, char **argv)
{
    static const struct option opts[] = {
        { "debug", 0, 0, 0x100 }, { "live", 0, 0, 0x200 }, { "postcopy", 0, 0, 0x300 },
        { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    const char *config = NULL, *ssh = "ssh", *host;
    bool daemonize = true, debug = false, paused = false, coop = false, postcopy = false;
    char *rune, *name, *away = NULL, rc_buf;
    struct xk_link_save sr;
    int opt, send_fd, recv_fd, ret = EXIT_FAILURE;
    unsigned domid;
    pid_t child;

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
        }
    }
    domid = xl_find_domain(argv[optind]);
    host = argv[optind + 1];
    if (domid == 0) {
        fprintf(stderr, "Not migrating domain 0: on xenkvm it is the host itself.\n");
        return EXIT_FAILURE;
    }
    if (postcopy && has_backends(domid)) {
        fprintf(stderr, "migration sender: --postcopy is not supported for a domain with vbd "
                "or vif devices (their backends map guest memory)\n");
        return EXIT_FAILURE;
    }
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
                       XK_SAVE_LIVE | (postcopy ? XK_SAVE_POSTCOPY : 0), &coop, &sr)) {
        fprintf(stderr, "migration sender: libxl_domain_suspend failed (rc=-3)\n");
        close(send_fd);
        child_report(child, recv_fd);
        fprintf(stderr, "Migration failed, resuming at sender.\n");
        goto out;
    }
    if (debug || sr.rounds || postcopy)
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
    if (postcopy && !coop && vmm_ctl_postcopy_query(xl_rundir(), domid) == 2) {
        struct xk_link_postcopy pr;
        int s = vmm_ctl_postcopy_start(xl_rundir(), domid, send_fd, recv_fd, false, &pr);
        int prc = s < 0 ? s : vmm_ctl_postcopy_wait(s, &pr);
        if (prc) {
            fprintf(stderr, "migration sender: postcopy failed: %s\n"
                    "The domain at the target cannot run without it; this copy is kept "
                    "paused as %s.\n", pr.msg[0] ? pr.msg : strerror(-prc), away ? away : "is");
            close(send_fd);
            child_report(child, recv_fd);
            goto out;
        }
        fprintf(stderr, "migration sender: postcopy: %llu pages, %llu asked for, %llu in "
                "the background\n", (unsigned long long)pr.pending,
                (unsigned long long)pr.on_demand, (unsigned long long)pr.background);
    }
    xl_domain_destroy(domid);
    fprintf(stderr, "Migration successful.\n");
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
    if (!paused && xl_vmm_unpause(domid))
        fprintf(stderr, "migration target: cannot unpause the domain\n");
    else
        fprintf(stderr, "migration target: Domain started successsfully.\n");
    rc = vmm_ctl_postcopy_wait(s, &pr);
    if (rc) {
        fprintf(stderr, "migration target: postcopy failed: %s: the guest is lost\n",
                pr.msg[0] ? pr.msg : strerror(-rc));
        xl_domain_destroy(domid);
        return -1;
    }
    fprintf(stderr, "migration target: postcopy: %llu pages, %llu fetched on demand, %llu in "
            "the background, %llu zero-filled\n", (unsigned long long)pr.pending,
            (unsigned long long)pr.on_demand, (unsigned long long)pr.background,
            (unsigned long long)pr.zero_filled);
    return 0;
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

    while ((opt = xl_getopt(argc, argv, "Fedrp", NULL, "migrate-receive", 0)) != -1) {
        switch (opt) {
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
