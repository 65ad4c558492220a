/* Domain locks in the run directory (see domlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domlock.h"

char *domlock_path(const char *rundir, unsigned domid)
{
    char *p;

    return asprintf(&p, "%s/dom%u.lock", rundir, domid) < 0 ? NULL : p;
}

bool domlock_same_file(int fd, const char *path)
{
    struct stat a, b;

    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

int domlock_take(const char *rundir, unsigned domid)
{
    char *path = domlock_path(rundir, domid);

    if (!path)
        return -ENOMEM;
    for (;;) {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDWR | O_CREAT, 0600), rc, e;

        if (fd < 0) {
            e = errno;
            free(path);
            return -e;
        }
        do
            rc = fcntl(fd, F_OFD_SETLK, &fl);
        while (rc < 0 && errno == EINTR);
        if (rc) {
            close(fd);
            free(path);
            return -EWOULDBLOCK;
        }
        /* Its holder may have removed the file just before letting go. */
        if (domlock_same_file(fd, path)) {
            free(path);
            return fd;
        }
        close(fd);
    }
}

bool domlock_held(const char *rundir, unsigned domid)
{
    char *path = domlock_path(rundir, domid);

    if (!path)
        return false;
    for (;;) {
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        bool held;

        if (fd < 0) {
            free(path);
            return false;
        }
        /* Asks whether a write lock could be placed, without placing it. */
        held = fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
        if (held || domlock_same_file(fd, path) || access(path, F_OK)) {
            close(fd);
            free(path);
            return held;
        }
        close(fd);      /* replaced meanwhile: ask the new file */
    }
}
