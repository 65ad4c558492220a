/* Xen's per-vCPU timers (xen/common/sched/core.c): a singleshot timer
 * (VCPUOP_set_singleshot_timer, set_timer_op) and a periodic one
 * (VCPUOP_set_periodic_timer), both raising VIRQ_TIMER on their vCPU.
 * Each is a timerfd watched by the event thread; deadlines are Xen system
 * time, which runs at the rate of CLOCK_MONOTONIC. */
#include "timer.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"

enum { T_SINGLE, T_PERIODIC };

static void arm(int fd, uint64_t deadline, uint64_t now)
{
    struct itimerspec its;
    uint64_t ns = deadline > now ? deadline - now : 1;

    memset(&its, 0, sizeof(its));
    if (deadline) {
        its.it_value.tv_sec = (time_t)(ns / 1000000000ULL);
        its.it_value.tv_nsec = (long)(ns % 1000000000ULL);
    }
    if (timerfd_settime(fd, 0, &its, NULL) < 0)
        log_warn("timerfd_settime:");
}

static void send_timer_event(struct vcpu *v)
{
    evtchn_send_virq(&v->vm->evtchn, v->id, VIRQ_TIMER);
}

/* vcpu_periodic_timer_work_locked: tick if a period has passed since the
 * last tick, then arm for the next. */
static void periodic_work(struct vcpu *v)
{
    uint64_t now = xen_clock_now(&v->vm->clock), next;

    next = v->periodic_last + v->periodic_period;
    if (now >= next) {
        send_timer_event(v);
        v->periodic_last = now;
        next = now + v->periodic_period;
    }
    arm(v->timer_fd[T_PERIODIC], next, now);
}

static void on_timer(void *arg, int fd, uint32_t events)
{
    struct vcpu *v = arg;
    struct vm *vm = v->vm;
    uint64_t n;

    (void)events;
    if (read(fd, &n, sizeof(n)) != sizeof(n))
        return;                 /* re-armed or stopped meanwhile */
    if (fd == v->timer_fd[T_SINGLE]) {
        v->singleshot_deadline = 0;
        send_timer_event(v);
        return;
    }
    pthread_mutex_lock(&vm->timer_lock);
    if (v->periodic_period)
        periodic_work(v);
    pthread_mutex_unlock(&vm->timer_lock);
}

void timer_singleshot(struct vcpu *v, uint64_t deadline)
{
    struct vm *vm = v->vm;
    uint64_t now = xen_clock_now(&vm->clock);

    if (deadline && deadline < now) {
        /* Already expired: Xen stops the timer and raises the event. */
        arm(v->timer_fd[T_SINGLE], 0, now);
        v->singleshot_deadline = 0;
        send_timer_event(v);
        return;
    }
    v->singleshot_deadline = deadline;
    arm(v->timer_fd[T_SINGLE], deadline, now);
}

void timer_periodic(struct vcpu *v, uint64_t period)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->timer_lock);
    arm(v->timer_fd[T_PERIODIC], 0, 0);
    v->periodic_period = period;
    if (period)
        periodic_work(v);
    pthread_mutex_unlock(&vm->timer_lock);
}

int timers_init(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        for (int t = 0; t < 2; t++) {
            int rc;
            v->timer_fd[t] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
            if (v->timer_fd[t] < 0)
                return -errno;
            if ((rc = evloop_add(vm->loop, v->timer_fd[t], on_timer, v)))
                return rc;
        }
    }
    return 0;
}

void timers_destroy(struct vm *vm)
{
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        for (int t = 0; t < 2; t++)
            if (vm->vcpus[i].timer_fd[t] > 0)
                close(vm->vcpus[i].timer_fd[t]);
}
