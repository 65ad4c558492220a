/* Host backends quiesced around a save (backend_quiesce.h).  Everything
 * runs on the caller's thread (the event thread for a paused save, the
 * save thread for a live one): the lines are never in the event loop, so
 * an answer is read only by whoever waits for it. */
#include "backend_quiesce.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "vm.h"
#include "vmm_socket_proto.h"

/* A backend drains its disk I/O before answering: a slow disk under load
 * may take a while, a dead backend must not hold the save for ever. */
#define QUIESCE_TIMEOUT_MS 60000

bool backends_register(struct vm *vm, int fd)
{
    bool ok;

    pthread_mutex_lock(&vm->backends.lock);
    ok = vm->backends.n < XK_MAX_BACKEND_LINES;
    if (ok)
        vm->backends.fd[vm->backends.n++] = fd;
    pthread_mutex_unlock(&vm->backends.lock);
    if (ok)
        log_debug("domain %u: a backend registered for quiesce", vm->domid);
    return ok;
}

static void drop(struct vm *vm, unsigned i)
{
    close(vm->backends.fd[i]);
    vm->backends.fd[i] = vm->backends.fd[--vm->backends.n];
}

static int send_quiesce(int fd, uint32_t on)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_QUIESCE, .port = on };

    return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m) ? 0 : -errno;
}

/* The answer to QUIESCE on FD within the deadline: its status, or -errno
 * (-EPIPE: the line hung up, -ETIMEDOUT). */
static int wait_answer(int fd, const struct timespec *end)
{
    for (;;) {
        struct timespec now;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        struct xk_link_msg r;
        long ms;
        ssize_t n;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
        if (ms <= 0)
            return -ETIMEDOUT;
        if (poll(&p, 1, (int)ms) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (!p.revents)
            continue;
        n = recv(fd, &r, sizeof(r), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            return -EPIPE;
        if (n == (ssize_t)sizeof(r) && r.magic == XK_LINK_MAGIC && r.type == XK_LINK_QUIESCE)
            return r.status;
        /* Anything else on the line is ignored. */
    }
}

int backends_quiesce(struct vm *vm, char *msg, unsigned msglen)
{
    struct timespec end;
    int rc = 0;

    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += QUIESCE_TIMEOUT_MS / 1000;
    pthread_mutex_lock(&vm->backends.lock);
    /* Marked first: a backend that quiesced before another failed is let
     * go on with the others when the domain runs again. */
    vm->backends.quiesced = vm->backends.n > 0;
    for (unsigned i = 0; i < vm->backends.n;) {
        int r = send_quiesce(vm->backends.fd[i], 1);

        if (r) {
            drop(vm, i);        /* hung up: the backend is gone */
            continue;
        }
        i++;
    }
    for (unsigned i = 0; i < vm->backends.n;) {
        int r = wait_answer(vm->backends.fd[i], &end);

        if (r == -EPIPE) {
            drop(vm, i);
            continue;
        }
        if (r && !rc) {
            rc = r;
            snprintf(msg, msglen, "a device backend did not quiesce: %s", strerror(-r));
        }
        i++;
    }
    pthread_mutex_unlock(&vm->backends.lock);
    if (!rc && vm->backends.quiesced)
        log_info("domain %u: device backends quiesced", vm->domid);
    return rc;
}

void backends_resume(struct vm *vm)
{
    pthread_mutex_lock(&vm->backends.lock);
    if (vm->backends.quiesced) {
        for (unsigned i = 0; i < vm->backends.n;) {
            if (send_quiesce(vm->backends.fd[i], 0)) {
                drop(vm, i);
                continue;
            }
            i++;
        }
        vm->backends.quiesced = false;
        log_info("domain %u: device backends resumed", vm->domid);
    }
    pthread_mutex_unlock(&vm->backends.lock);
}
