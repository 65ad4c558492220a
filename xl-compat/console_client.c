/* The console client (see console_client.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "console_client.h"
#include "paths.h"
#include "unix_sock.h"
#include "xl.h"

int xl_console_connect(unsigned domid)
{
    char *path = xl_dom_file(domid, ".console");
    int fd = xk_unix_connect(path, SOCK_STREAM);

    free(path);
    if (fd < 0) {
        errno = -fd;
        return -1;
    }
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int xl_console_run(int fd)
{
    struct termios saved, raw;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    bool in_open = true;
    char buf[4096];

    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    for (;;) {
        struct pollfd p[2] = {
            { .fd = fd, .events = POLLIN },
            { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
        };
        ssize_t n;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[0].revents) {
            n = read(fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n))
                break;     /* the domain is gone */
        }
        if (p[1].revents) {
            char *esc;
            n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                /* No more input (not a terminal): keep showing output. */
                in_open = false;
                continue;
            }
            esc = memchr(buf, XL_CONSOLE_ESCAPE, (size_t)n);
            if (esc) {
                write_all(fd, buf, (size_t)(esc - buf));
                break;
            }
            if (write_all(fd, buf, (size_t)n))
                break;
        }
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(fd);
    return 0;
}
