#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>
#include <xen/sched.h>

#include "log.h"
#include "vm.h"

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool thread_running;
    struct vm *vm;
    bool inuse[XK_NR_WATCHDOGS];
    struct timespec deadline[XK_NR_WATCHDOGS];
} wd = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Sleeps until the earliest armed deadline; a firing ends the domain. */
static void *watchdog_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd.lock);
    while (!atomic_load(&wd.vm->stopping)) {
        struct timespec now, *next = NULL;
        int fired = -1;

        clock_gettime(CLOCK_MONOTONIC, &now);
        for (int i = 0; i < XK_NR_WATCHDOGS; i++) {
            if (!wd.inuse[i])
                continue;
            if (!before(&now, &wd.deadline[i]))
                fired = i;
            else if (!next || before(&wd.deadline[i], next))
                next = &wd.deadline[i];
        }
        if (fired >= 0) {
            pthread_mutex_unlock(&wd.lock);
            log_warn("domain %u: watchdog %d expired", wd.vm->domid, fired + 1);
            vm_shutdown_reason(wd.vm, SHUTDOWN_watchdog);
            return NULL;
        }
        if (next) {
            struct timespec until = *next;
            pthread_cond_timedwait(&wd.cond, &wd.lock, &until);
        } else {
            pthread_cond_wait(&wd.cond, &wd.lock);
        }
    }
    pthread_mutex_unlock(&wd.lock);
    return NULL;
}

static int ensure_thread(struct vm *vm)
{
    pthread_condattr_t ca;
    pthread_t t;

    if (wd.thread_running)
        return 0;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd.cond, &ca);
    pthread_condattr_destroy(&ca);
    wd.vm = vm;
    if (pthread_create(&t, NULL, watchdog_thread, NULL))
        return -ENOMEM;
    pthread_detach(t);
    wd.thread_running = true;
    return 0;
}

static void arm(int i, uint32_t timeout)
{
    clock_gettime(CLOCK_MONOTONIC, &wd.deadline[i]);
    wd.deadline[i].tv_sec += timeout;
}

long watchdog_op(struct vm *vm, uint32_t id, uint32_t timeout)
{
    long rc = 0;

    if (id > XK_NR_WATCHDOGS)
        return -EINVAL;
    pthread_mutex_lock(&wd.lock);
    if (ensure_thread(vm)) {
        rc = -ENOMEM;
    } else if (id == 0) {
        rc = -ENOSPC;
        for (int i = 0; i < XK_NR_WATCHDOGS; i++)
            if (!wd.inuse[i]) {
                wd.inuse[i] = true;
                arm(i, timeout);
                rc = i + 1;
                break;
            }
    } else if (!wd.inuse[id - 1]) {
        rc = -EINVAL;
    } else if (timeout == 0) {
        wd.inuse[id - 1] = false;
    } else {
        arm(id - 1, timeout);
    }
    pthread_cond_broadcast(&wd.cond);
    pthread_mutex_unlock(&wd.lock);
    return rc;
}
