/* One epoll thread per VM.  Watches are kept in a small table indexed by
 * fd so a removed fd's stale events in the current batch are ignored. */
#include "evloop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"

struct watch {
    evloop_fn fn;
    void *arg;
    uint64_t gen;
    uint32_t events;        /* EPOLL* interest; 0: not in the epoll set */
};

/* Event data of the two internal eventfds. */
#define EV_STOP ((uint64_t)-1)
#define EV_HOLD ((uint64_t)-2)

struct evloop {
    int epfd, stopfd, holdfd;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    struct watch *w;        /* indexed by fd */
    int nw;
    uint64_t gen;
    /* evloop_hold: asked for, and the thread parked in answer. */
    pthread_cond_t hold_cond;
    bool hold_wanted, holding;
};

struct evloop *evloop_new(void)
{
    struct evloop *l = calloc(1, sizeof(*l));
    struct epoll_event e = { .events = EPOLLIN };

    if (!l)
        return NULL;
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->hold_cond, NULL);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    l->holdfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    e.data.u64 = EV_STOP;
    if (l->epfd < 0 || l->stopfd < 0 || l->holdfd < 0 ||
        epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stopfd, &e) < 0) {
        evloop_free(l);
        return NULL;
    }
    e.data.u64 = EV_HOLD;
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->holdfd, &e) < 0) {
        evloop_free(l);
        return NULL;
    }
    return l;
}

int evloop_add(struct evloop *l, int fd, evloop_fn fn, void *arg)
{
    return evloop_add_events(l, fd, EPOLLIN, fn, arg);
}

static struct epoll_event watch_event(struct evloop *l, int fd)
{
    /* The event carries fd and generation: an fd number reused after a
     * removal does not receive the old registration's events. */
    struct epoll_event e = {
        .events = l->w[fd].events,
        .data.u64 = ((uint64_t)l->w[fd].gen << 32) | (uint32_t)fd,
    };
    return e;
}

int evloop_add_events(struct evloop *l, int fd, uint32_t events, evloop_fn fn,
                      void *arg)
{
    struct epoll_event e;
    int rc = 0;

    if (fd < 0)
        return -EBADF;
    pthread_mutex_lock(&l->lock);
    if (fd >= l->nw) {
        int n = fd + 64;
        struct watch *w = realloc(l->w, n * sizeof(*w));
        if (!w) {
            pthread_mutex_unlock(&l->lock);
            return -ENOMEM;
        }
        memset(w + l->nw, 0, (n - l->nw) * sizeof(*w));
        l->w = w;
        l->nw = n;
    }
    l->w[fd].fn = fn;
    l->w[fd].arg = arg;
    l->w[fd].gen = ++l->gen;
    l->w[fd].events = events;
    e = watch_event(l, fd);
    if (events && epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
        rc = -errno;
        l->w[fd].fn = NULL;
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

int evloop_set_events(struct evloop *l, int fd, uint32_t events)
{
    struct epoll_event e;
    int rc = 0, op;

    pthread_mutex_lock(&l->lock);
    if (fd < 0 || fd >= l->nw || !l->w[fd].fn) {
        pthread_mutex_unlock(&l->lock);
        return -EBADF;
    }
    if (events != l->w[fd].events) {
        op = !l->w[fd].events ? EPOLL_CTL_ADD : !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
        l->w[fd].events = events;
        e = watch_event(l, fd);
        if (epoll_ctl(l->epfd, op, fd, &e) < 0)
            rc = -errno;
    }
    pthread_mutex_unlock(&l->lock);
    return rc;
}

void evloop_del(struct evloop *l, int fd)
{
    pthread_mutex_lock(&l->lock);
    if (fd >= 0 && fd < l->nw && l->w[fd].fn) {
        if (l->w[fd].events)
            epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
        l->w[fd].fn = NULL;
        l->w[fd].events = 0;
    }
    pthread_mutex_unlock(&l->lock);
}

/* On the event thread: park while a hold is wanted. */
static void hold_here(struct evloop *l)
{
    uint64_t n;

    if (read(l->holdfd, &n, sizeof(n)) < 0)
        n = 0;
    pthread_mutex_lock(&l->lock);
    l->holding = true;
    pthread_cond_broadcast(&l->hold_cond);
    while (l->hold_wanted)
        pthread_cond_wait(&l->hold_cond, &l->lock);
    l->holding = false;
    pthread_cond_broadcast(&l->hold_cond);
    pthread_mutex_unlock(&l->lock);
}

bool evloop_hold(struct evloop *l)
{
    uint64_t one = 1;

    if (!l || !l->started || pthread_equal(l->thread, pthread_self()))
        return false;
    pthread_mutex_lock(&l->lock);
    /* One holder at a time; a release in progress ends first. */
    while (l->hold_wanted || l->holding)
        pthread_cond_wait(&l->hold_cond, &l->lock);
    l->hold_wanted = true;
    pthread_mutex_unlock(&l->lock);
    if (write(l->holdfd, &one, sizeof(one)) != sizeof(one)) {
        log_warn("event loop: cannot ask for a hold");
        evloop_release(l);
        return false;
    }
    pthread_mutex_lock(&l->lock);
    while (!l->holding)
        pthread_cond_wait(&l->hold_cond, &l->lock);
    pthread_mutex_unlock(&l->lock);
    return true;
}

void evloop_release(struct evloop *l)
{
    pthread_mutex_lock(&l->lock);
    l->hold_wanted = false;
    pthread_cond_broadcast(&l->hold_cond);
    pthread_mutex_unlock(&l->lock);
}

static void *loop_thread(void *arg)
{
    struct evloop *l = arg;
    struct epoll_event ev[32];

    for (;;) {
        int n = epoll_wait(l->epfd, ev, 32, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_err("event loop: epoll_wait:");
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            uint64_t u = ev[i].data.u64;
            int fd = (int)(uint32_t)u;
            evloop_fn fn = NULL;
            void *a = NULL;

            if (u == EV_STOP)
                return NULL;
            if (u == EV_HOLD) {
                hold_here(l);
                continue;
            }
            pthread_mutex_lock(&l->lock);
            if (fd < l->nw && l->w[fd].fn && (l->w[fd].gen & 0xffffffffu) == (u >> 32)) {
                fn = l->w[fd].fn;
                a = l->w[fd].arg;
            }
            pthread_mutex_unlock(&l->lock);
            if (fn)
                fn(a, fd, ev[i].events);
        }
    }
}

int evloop_start(struct evloop *l)
{
    sigset_t all, old;
    int rc;

    /* The loop never takes signals meant for vCPU threads. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&l->thread, NULL, loop_thread, l);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -rc;
    l->started = true;
    return 0;
}

void evloop_stop(struct evloop *l)
{
    uint64_t one = 1;

    if (!l || !l->started)
        return;
    if (write(l->stopfd, &one, sizeof(one)) < 0)
        log_warn("event loop: cannot signal stop");
    pthread_join(l->thread, NULL);
    l->started = false;
}

void evloop_free(struct evloop *l)
{
    if (!l)
        return;
    evloop_stop(l);
    if (l->epfd >= 0)
        close(l->epfd);
    if (l->stopfd >= 0)
        close(l->stopfd);
    if (l->holdfd >= 0)
        close(l->holdfd);
    pthread_cond_destroy(&l->hold_cond);
    free(l->w);
    free(l);
}
