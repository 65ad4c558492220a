/* Starting a domain's host backend process (backend_spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend_spawn.h"
#include "paths.h"
#include "xl.h"
#include "xs_util.h"

/* How long a backend may take to connect to the VMM and xenstored. */
#define BACKEND_START_MS 30000

pid_t xl_backend_pid(const struct xl_backend_kind *k, unsigned domid)
{
    char *sfx = xl_xasprintf(".%s.pid", k->kind);
    char *path = xl_dom_file(domid, sfx);
    FILE *f = fopen(path, "re");
    long pid = 0;

    free(sfx);
    free(path);
    if (!f)
        return 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0 || kill((pid_t)pid, 0))
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

/* The grandchild: detached (a session of its own, no terminal), like a
 * daemon, so it outlives xl and its monitor and is nobody's zombie; it
 * exits with the domain's VMM.  Only the pipe that reports a failed exec
 * is kept: above all not the domain's lock (the monitor's lock fd is
 * inheritable for the VMM), which would keep the domain "existing". */
static void exec_backend(const struct xl_backend_kind *k, unsigned domid, const char *log,
                         int report)
{
    char sdom[16];
    int fd, err;

    setsid();
    if (fork())
        _exit(0);
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    if (report > 3)
        close_range(3, (unsigned)report - 1, 0);
    close_range((unsigned)report + 1, ~0u, 0);
    signal(SIGPIPE, SIG_DFL);
    snprintf(sdom, sizeof(sdom), "%u", domid);
    execl(k->path(), k->prog, "--domid", sdom, "--rundir", xl_rundir(), "--xenstored",
          xl_xs_socket(), "--log", log, (char *)NULL);
    err = errno;
    if (write(report, &err, sizeof(err)) < 0)
        _exit(127);
    _exit(127);
}

bool xl_backend_ensure(const struct xl_backend_kind *k, unsigned domid, const char *name)
{
    char *log, *sfx, *pidfile;
    int pfd[2], err = 0, st;
    pid_t pid;
    ssize_t r;
    bool ok = false;

    if (xl_backend_pid(k, domid))
        return true;
    log = name ? xl_xasprintf("%s/%s-%s.log", xl_logdir(), k->log_prefix, name)
               : xl_xasprintf("%s/%s-%u.log", xl_logdir(), k->log_prefix, domid);
    /* A stale pid file must not pass for the new backend's. */
    sfx = xl_xasprintf(".%s.pid", k->kind);
    pidfile = xl_dom_file(domid, sfx);
    unlink(pidfile);
    free(sfx);
    free(pidfile);
    if (pipe2(pfd, O_CLOEXEC)) {
        perror("xl: pipe");
        free(log);
        return false;
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0)
        exec_backend(k, domid, log, pfd[1]);
    close(pfd[1]);
    if (pid < 0) {
        perror("xl: fork");
        close(pfd[0]);
        free(log);
        return false;
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    do
        r = read(pfd[0], &err, sizeof(err));
    while (r < 0 && errno == EINTR);
    close(pfd[0]);
    if (r == (ssize_t)sizeof(err)) {
        fprintf(stderr, "libxl: error: domain %u: cannot run the %s %s: %s\n", domid,
                k->what, k->path(), strerror(err));
        free(log);
        return false;
    }
    /* Running: it says it serves the domain with its pid file (a missing
     * file after this long means it stopped: its log says why). */
    for (int waited = 0; waited < BACKEND_START_MS; waited += 20) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };

        if ((ok = xl_backend_pid(k, domid) != 0))
            break;
        nanosleep(&ts, NULL);
    }
    if (!ok)
        fprintf(stderr, "libxl: error: domain %u: the %s %s did not start; see %s\n", domid,
                k->what, k->path(), log);
    free(log);
    return ok;
}
