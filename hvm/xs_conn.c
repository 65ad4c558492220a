/* The guest's xenstore ring, handed to xenstored over its VMM attach socket
 * (docs/xenstored-vmm-attach.md): the store page of the memfd, and the
 * store event channel bound to domain 0 as a pair of eventfds.
 *
 * The attachment outlives xenstored: when the attach socket hangs up (the
 * daemon died or was restarted), a thread attaches the same ring and
 * eventfds to whichever xenstored listens on the path next, so a daemon
 * that restarts from its durable store serves the guest on; requests the
 * guest queued meanwhile wait in the ring. */
#include "xs_conn.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "evloop.h"
#include "log.h"
#include "xs_attach.h"
#include "link.h"
#include "events.h"

struct xs_keep {
    char *path;
    struct xs_attach_req req;
    int notify_fd, event_fd;    /* the backend's ends, passed at each attach */
    pthread_mutex_t lock;
    pthread_cond_t stop;        /* wakes the thread when stopping is set */
    bool stopping;              /* the domain is going: no more attaching */
    bool retrying;              /* the thread runs */
    bool joinable;              /* a thread ran and must be joined */
    pthread_t thread;
};

static void watch_attach(struct vm *vm);

/* One attach; the socket or -errno. */
static int attach_once(struct vm *vm, char *err, size_t errlen)
{
    struct xs_keep *k = vm->xs_keep;

    return xs_attach(k->path, &k->req, vm->mem_fd, k->event_fd, k->notify_fd, err, errlen);
}

static void *reattach_thread(void *arg)
{
    struct vm *vm = arg;
    struct xs_keep *k = vm->xs_keep;
    long wait_ms = 50;
    bool said = false;
    char err[256];

    for (;;) {
        struct timespec ts;
        int s;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += wait_ms % 1000 * 1000000L;
        ts.tv_sec += wait_ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_mutex_lock(&k->lock);
        while (!k->stopping && pthread_cond_timedwait(&k->stop, &k->lock, &ts) != ETIMEDOUT)
            ;
        if (k->stopping) {
            k->retrying = false;
            pthread_mutex_unlock(&k->lock);
            return NULL;
        }
        pthread_mutex_unlock(&k->lock);
        err[0] = 0;
        s = attach_once(vm, err, sizeof(err));
        if (s >= 0) {
            pthread_mutex_lock(&k->lock);
            if (k->stopping) {
                close(s);
            } else {
                vm->xs_sock = s;
                watch_attach(vm);
                log_info("xenstore ring attached again to %s", k->path);
            }
            k->retrying = false;
            pthread_mutex_unlock(&k->lock);
            return NULL;
        }
        /* No daemon yet (or a refusal we cannot fix): keep trying,
         * at most once a second, and say so once. */
        if (!said) {
            log_warn("xenstored at %s: %s; trying again", k->path, err);
            said = true;
        }
        if (wait_ms < 1000)
            wait_ms *= 2;
    }
}

/* The attach socket is readable: xenstored never writes after its reply,
 * so this is its end. */
static void on_attach_socket(void *arg, int fd, uint32_t events)
{
    struct vm *vm = arg;
    struct xs_keep *k = vm->xs_keep;
    char b[16];
    ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);

    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
        return;
    pthread_mutex_lock(&k->lock);
    if (vm->xs_sock != fd || k->stopping) {
        pthread_mutex_unlock(&k->lock);
        return;
    }
    evloop_del(vm->loop, fd);
    close(fd);
    vm->xs_sock = -1;
    log_warn("xenstored went away: the xenstore ring waits for the next one");
    if (k->joinable)
        pthread_join(k->thread, NULL);
    k->joinable = k->retrying = !pthread_create(&k->thread, NULL, reattach_thread, vm);
    if (!k->retrying)
        log_err("cannot start the xenstore re-attach thread");
    pthread_mutex_unlock(&k->lock);
}

static void watch_attach(struct vm *vm)
{
    if (evloop_add(vm->loop, vm->xs_sock, on_attach_socket, vm))
        log_warn("cannot watch the xenstored attach socket: no re-attach if it restarts");
}

/* The keeper's descriptors, lock and memory, once no thread uses them. */
static void keep_free(struct xs_keep *k)
{
    if (k->notify_fd >= 0)
        close(k->notify_fd);
    if (k->event_fd >= 0)
        close(k->event_fd);
    pthread_cond_destroy(&k->stop);
    pthread_mutex_destroy(&k->lock);
    free(k->path);
    free(k);
}

/* The keeper of VM's attachment to the xenstored at PATH, without its
 * descriptors; NULL when out of memory. */
static struct xs_keep *keep_new(struct vm *vm, const char *path)
{
    struct xs_attach_req req = {
        .magic = XS_ATTACH_MAGIC,
        .version = XS_ATTACH_VERSION,
        .domid = vm->domid,
        .store_port = XK_STORE_PORT,
        .ring_offset = (vm->xenpage0 + XENPAGE_SPECIAL0 + SPECIAL_XENSTORE) << 12,
        .mem_size = vm->mem_size,
        .target = XS_ATTACH_NO_TARGET,
    };
    struct xs_keep *k = calloc(1, sizeof(*k));
    pthread_condattr_t ca;

    if (!k || !(k->path = strdup(path))) {
        free(k);
        return NULL;
    }
    k->req = req;
    k->notify_fd = k->event_fd = -1;
    pthread_mutex_init(&k->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&k->stop, &ca);
    pthread_condattr_destroy(&ca);
    return k;
}

int xenstore_attach(struct vm *vm, const char *path)
{
    struct xs_keep *k;
    char err[256] = "";
    int fds[3], s, rc;

    k = keep_new(vm, path);
    if (!k)
        return -ENOMEM;
    /* xenstored acts for domain 0: its end of the store channel is ours. */
    rc = link_bind_backend(vm, XK_STORE_PORT, 1, fds);
    if (rc) {
        keep_free(k);
        return rc;
    }
    k->notify_fd = fds[0];
    k->event_fd = fds[1];
    vm->xs_keep = k;
    s = attach_once(vm, err, sizeof(err));
    if (s < 0) {
        log_err("xenstored at %s: %s", path, err[0] ? err : "cannot attach");
        close(fds[2]);
        evtchn_close(&vm->evtchn, XK_STORE_PORT);
        vm->xs_keep = NULL;
        keep_free(k);
        return s;
    }
    /* Both stay open while the domain lives: closing the attach socket is
     * how xenstored learns the domain is gone. */
    vm->xs_sock = s;
    vm->xs_chan = fds[2];
    watch_attach(vm);
    return 0;
}

int xenstore_handover(struct vm *vm, int fds[4])
{
    struct xs_keep *k = vm->xs_keep;
    int rc = 0;

    if (!k)
        return -ENOENT;
    pthread_mutex_lock(&k->lock);
    if (vm->xs_sock < 0 || k->retrying)
        rc = -EAGAIN;       /* xenstored went away: nothing to hand over yet */
    fds[0] = vm->xs_sock;
    fds[1] = vm->xs_chan;
    fds[2] = k->notify_fd;
    fds[3] = k->event_fd;
    pthread_mutex_unlock(&k->lock);
    return rc;
}

int xenstore_adopt(struct vm *vm, const char *path, const int fds[4])
{
    struct xs_keep *k = keep_new(vm, path);

    if (!k)
        return -ENOMEM;
    k->notify_fd = fds[2];
    k->event_fd = fds[3];
    vm->xs_keep = k;
    vm->xs_sock = fds[0];
    vm->xs_chan = fds[1];
    watch_attach(vm);
    return 0;
}

void xenstore_detach(struct vm *vm)
{
    struct xs_keep *k = vm->xs_keep;
    int s;

    if (k) {
        pthread_mutex_lock(&k->lock);
        k->stopping = true;
        pthread_cond_signal(&k->stop);
        s = vm->xs_sock;
        vm->xs_sock = -1;
        pthread_mutex_unlock(&k->lock);
        if (s >= 0)
            evloop_del(vm->loop, s);
        /* The thread stops at once, or after an attach in progress (at
         * most XS_ATTACH_TIMEOUT_S). */
        if (k->joinable)
            pthread_join(k->thread, NULL);
        if (s >= 0)
            close(s);
        keep_free(k);
        vm->xs_keep = NULL;
    }
    if (vm->xs_chan > 0)
        close(vm->xs_chan);
    vm->xs_chan = -1;
}
