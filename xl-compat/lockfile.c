/* Run-directory locks (see lockfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    char *path = xl_dom_file(domid, ".lock");
    int fd = open_lock(path, 0);

    free(path);
    if (ofd_lock(fd, F_OFD_SETLK)) {
        close(fd);
        return -1;
    }
    return fd;
}

bool xl_domlock_held(unsigned domid)
{
    char *path = xl_dom_file(domid, ".lock");
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    free(path);
    if (fd < 0)
        return false;
    /* Asks whether a write lock could be placed, without placing it. */
    if (fcntl(fd, F_OFD_GETLK, &fl)) {
        close(fd);
        return false;
    }
    close(fd);
    return fl.l_type != F_UNLCK;
}
