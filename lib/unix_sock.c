/* Unix sockets by path (unix_sock.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix_sock.h"

int xk_unix_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path))
        return -ENAMETOOLONG;
    strcpy(a->sun_path, path);
    return 0;
}

int xk_unix_connect(const char *path, int type)
{
    struct sockaddr_un a;
    int s, rc;

    if ((rc = xk_unix_addr(&a, path)))
        return rc;
    s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        rc = -errno;
        close(s);
        return rc;
    }
    return s;
}

/* Is the socket file at A's path one nobody listens on any more? */
static bool stale(const struct sockaddr_un *a, int type)
{
    struct stat st;
    int t;

    if (lstat(a->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return false;
    t = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (t < 0)
        return false;
    if (connect(t, (const struct sockaddr *)a, sizeof(*a)) == 0) {
        close(t);
        return false;
    }
    close(t);
    return errno == ECONNREFUSED;
}

int xk_unix_listen(const char *path, int type, int backlog)
{
    struct sockaddr_un a;
    int s, rc;

    if ((rc = xk_unix_addr(&a, path)))
        return rc;
    s = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (s < 0)
        return -errno;
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        rc = -errno;
        if (rc == -EADDRINUSE && stale(&a, type) && unlink(path) == 0 &&
            bind(s, (struct sockaddr *)&a, sizeof(a)) == 0)
            rc = 0;
        if (rc) {
            close(s);
            return rc;
        }
    }
    /* For the host's tools only: root's, mode 0600. */
    if (chmod(path, 0600) < 0 || listen(s, backlog) < 0) {
        rc = -errno;
        close(s);
        unlink(path);
        return rc;
    }
    return s;
}
