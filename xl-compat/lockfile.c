/* Run-directory locks (see lockfile.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domlock.h"
#include "lockfile.h"
#include "paths.h"
#include "xl.h"

static int open_lock(const char *path, int flags)
{
    int fd = open(path, O_RDWR | O_CREAT | flags, 0600);

    if (fd < 0) {
        fprintf(stderr, "xl: cannot open %s: %s\n", path, strerror(errno));
        exit(EXIT_FAILURE);
    }
    return fd;
}

static int ofd_lock(int fd, int cmd)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int rc;

    do
        rc = fcntl(fd, cmd, &fl);
    while (rc < 0 && errno == EINTR);
    return rc;
}

int xl_lock_file_wait(enum xl_lock which)
{
    static const char *const names[] = { "xenstored.lock", "domid.lock" };
    char *path = xl_xasprintf("%s/%s", xl_rundir(), names[which]);
    int fd = open_lock(path, O_CLOEXEC);

    if (ofd_lock(fd, F_OFD_SETLKW)) {
        fprintf(stderr, "xl: cannot lock %s: %s\n", path, strerror(errno));
        exit(EXIT_FAILURE);
    }
    free(path);
    return fd;
}

void xl_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

int xl_domlock_try(unsigned domid)
{
    int fd = domlock_take(xl_rundir(), domid);

    if (fd == -EWOULDBLOCK)
        return -1;
    if (fd < 0) {
        char *path = xl_dom_file(domid, ".lock");
        fprintf(stderr, "xl: cannot open %s: %s\n", path, strerror(-fd));
        exit(EXIT_FAILURE);
    }
    return fd;
}

bool xl_domlock_held(unsigned domid)
{
    return domlock_held(xl_rundir(), domid);
}

void xl_domlock_drop(unsigned domid, int fd)
{
    char *path = xl_dom_file(domid, ".lock");

    if (fd >= 0 && domlock_same_file(fd, path))
        unlink(path);
    free(path);
    if (fd >= 0)
        close(fd);
}

/* Whether /proc/PID/fdinfo/FD shows a lock held through that descriptor. */
static bool fd_has_lock(const char *pid, const char *fd)
{
    char path[320], line[256];
    bool found = false;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fd);
    f = fopen(path, "re");
    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = !strncmp(line, "lock:", 5);
    fclose(f);
    return found;
}

static bool pid_holds(const char *pid, const struct stat *lock)
{
    char path[64];
    struct dirent *e;
    bool found = false;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%s/fd", pid);
    d = opendir(path);
    if (!d)
        return false;
    while (!found && (e = readdir(d))) {
        char fdpath[340];
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        snprintf(fdpath, sizeof(fdpath), "%s/%s", path, e->d_name);
        if (stat(fdpath, &st) == 0 && st.st_dev == lock->st_dev &&
            st.st_ino == lock->st_ino)
            found = fd_has_lock(pid, e->d_name);
    }
    closedir(d);
    return found;
}

static bool lock_stat(unsigned domid, struct stat *st)
{
    char *path = xl_dom_file(domid, ".lock");
    int rc = stat(path, st);

    free(path);
    return rc == 0;
}

bool xl_domlock_holder(unsigned domid, pid_t pid)
{
    struct stat st;
    char s[24];

    if (pid <= 0 || !lock_stat(domid, &st))
        return false;
    snprintf(s, sizeof(s), "%ld", (long)pid);
    return pid_holds(s, &st);
}

unsigned xl_domlock_holders(unsigned domid, pid_t *pids, unsigned max)
{
    struct dirent *e;
    struct stat st;
    unsigned n = 0;
    DIR *d;

    if (!lock_stat(domid, &st) || !(d = opendir("/proc")))
        return 0;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);

        if (*end || pid <= 0 || pid == getpid() || !pid_holds(e->d_name, &st))
            continue;
        if (n < max)
            pids[n] = (pid_t)pid;
        n++;
    }
    closedir(d);
    return n;
}
