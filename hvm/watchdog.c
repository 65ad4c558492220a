#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <xen/sched.h>

#include "log.h"
#include "vm.h"
#include "vcpu.h"

/* Started by the first SCHEDOP_watchdog; one thread sleeps until the
 * earliest armed deadline. */
struct watchdog {
    struct vm *vm;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool stop;
    bool inuse[XK_NR_WATCHDOGS];
    struct timespec deadline[XK_NR_WATCHDOGS];
};

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *watchdog_thread(void *arg)
{
    struct watchdog *wd = arg;

    pthread_mutex_lock(&wd->lock);
    while (!wd->stop) {
        struct timespec now, *next = NULL;
        int fired = -1;

        clock_gettime(CLOCK_MONOTONIC, &now);
        for (int i = 0; i < XK_NR_WATCHDOGS; i++) {
            if (!wd->inuse[i])
                continue;
            if (!before(&now, &wd->deadline[i]))
                fired = i;
            else if (!next || before(&wd->deadline[i], next))
                next = &wd->deadline[i];
        }
        if (fired >= 0) {
            wd->inuse[fired] = false;
            pthread_mutex_unlock(&wd->lock);
            log_warn("domain %u: watchdog %d expired", wd->vm->domid, fired + 1);
            vm_shutdown_reason(wd->vm, SHUTDOWN_watchdog);
            pthread_mutex_lock(&wd->lock);
            continue;
        }
        if (next) {
            struct timespec until = *next;
            pthread_cond_timedwait(&wd->cond, &wd->lock, &until);
        } else {
            pthread_cond_wait(&wd->cond, &wd->lock);
        }
    }
    pthread_mutex_unlock(&wd->lock);
    return NULL;
}

static struct watchdog *watchdog_get(struct vm *vm)
{
    struct watchdog *wd;
    pthread_condattr_t ca;

    if (vm->watchdog)
        return vm->watchdog;
    wd = calloc(1, sizeof(*wd));
    if (!wd)
        return NULL;
    wd->vm = vm;
    pthread_mutex_init(&wd->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&wd->thread, NULL, watchdog_thread, wd)) {
        free(wd);
        return NULL;
    }
    vm->watchdog = wd;
    return wd;
}

static void arm(struct watchdog *wd, int i, uint32_t timeout)
{
    clock_gettime(CLOCK_MONOTONIC, &wd->deadline[i]);
    wd->deadline[i].tv_sec += timeout;
}

long watchdog_op(struct vm *vm, uint32_t id, uint32_t timeout)
{
    struct watchdog *wd;
    long rc = 0;

    if (id > XK_NR_WATCHDOGS)
        return -EINVAL;
    pthread_mutex_lock(&vm->lock);
    wd = watchdog_get(vm);
    pthread_mutex_unlock(&vm->lock);
    if (!wd)
        return -ENOMEM;

    pthread_mutex_lock(&wd->lock);
    if (id == 0) {
        rc = -ENOSPC;
        for (int i = 0; i < XK_NR_WATCHDOGS; i++)
            if (!wd->inuse[i]) {
                wd->inuse[i] = true;
                arm(wd, i, timeout);
                rc = i + 1;
                break;
            }
    } else if (!wd->inuse[id - 1]) {
        rc = -EINVAL;
    } else if (timeout == 0) {
        wd->inuse[id - 1] = false;
    } else {
        arm(wd, id - 1, timeout);
    }
    pthread_cond_broadcast(&wd->cond);
    pthread_mutex_unlock(&wd->lock);
    return rc;
}

void watchdog_destroy(struct vm *vm)
{
    struct watchdog *wd = vm->watchdog;

    if (!wd)
        return;
    pthread_mutex_lock(&wd->lock);
    wd->stop = true;
    pthread_cond_broadcast(&wd->cond);
    pthread_mutex_unlock(&wd->lock);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->cond);
    pthread_mutex_destroy(&wd->lock);
    free(wd);
    vm->watchdog = NULL;
}
