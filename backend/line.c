/* A backend's standing line to its VMM (line.h). */
#include "line.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm_ctl.h"
#include "vmm_socket_proto.h"

int backend_line_open(const char *rundir, uint32_t domid)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_BACKEND };
    int s = xk_link_connect(rundir, domid), rc;

    if (s < 0)
        return s;
    if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
        rc = -errno;
        close(s);
        return rc;
    }
    return s;
}

enum backend_line_req backend_line_read(int fd)
{
    struct xk_link_msg m;
    ssize_t n = recv(fd, &m, sizeof(m), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return BACKEND_LINE_NONE;
    if (n <= 0)
        return BACKEND_LINE_GONE;
    if (n != (ssize_t)sizeof(m) || m.magic != XK_LINK_MAGIC || m.type != XK_LINK_QUIESCE)
        return BACKEND_LINE_NONE;
    return m.port ? BACKEND_LINE_QUIESCE : BACKEND_LINE_RESUME;
}

void backend_line_answer(int fd, int status)
{
    struct xk_link_msg r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_QUIESCE, .status = status };

    (void)!send(fd, &r, sizeof(r), MSG_NOSIGNAL);
}
