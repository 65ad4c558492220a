/* The domain as domain 0 sees it: XK_LINK_INFO's answer, Xen's
 * XEN_DOMCTL_getdomaininfo and XEN_DOMCTL_getvcpuinfo together.  Pausing
 * is in vcpu.c (vm_ctl_pause). */
#include "control.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "vcpu.h"

_Static_assert(XK_LINK_MAX_VCPUS == XK_MAX_VCPUS, "one INFO reply holds every vCPU");
_Static_assert(XK_LINK_MAX_PAUSE == 255, "Xen's controller pause limit");

/* A thread's scheduler state letter and last host CPU, from
 * /proc/self/task/TID/stat (fields 3 and 39); false if it is gone. */
static bool thread_stat(pid_t tid, char *state, uint32_t *cpu)
{
    char path[64], buf[1024], *p;
    unsigned long cpu_nr;
    ssize_t n;
    int fd, field;

    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    /* The command name may hold spaces and parentheses: fields start
     * after the last ')'. */
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return false;
    p += 2;
    *state = *p;
    for (field = 3; field < 39 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    if (!p || sscanf(p, "%lu", &cpu_nr) != 1)
        return false;
    *cpu = (uint32_t)cpu_nr;
    return true;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

void vm_ctl_info(struct vm *vm, struct xk_link_info *out)
{
    bool all_blocked = true, pv = (atomic_load(&vm->irq.via) >> 8) != 0;

    memset(out, 0, sizeof(*out));
    out->magic = XK_LINK_MAGIC;
    out->type = XK_LINK_INFO;
    out->version = XK_LINK_INFO_VERSION;
    out->domid = vm->domid;
    out->nr_vcpus = vm->nr_vcpus;
    out->vmm_pid = (uint32_t)getpid();
    memcpy(out->handle, vm->handle, sizeof(out->handle));

    pthread_rwlock_rdlock(&vm->pm.lock);
    out->mem_kib = vm_reservation(vm) << (XK_PAGE_SHIFT - 10);
    out->max_mem_kib = vm->ram_pages << (XK_PAGE_SHIFT - 10);
    pthread_rwlock_unlock(&vm->pm.lock);

    pthread_mutex_lock(&vm->exit_lock);
    out->shutdown_code = vm->shutdown_code;
    out->exit_status = -1;
    if (atomic_load(&vm->stopping)) {
        out->flags |= XK_INFO_SHUTDOWN;
        out->exit_status = vm->exit_status;
    }
    pthread_mutex_unlock(&vm->exit_lock);

    for (unsigned i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        struct xk_link_vcpu_info *o = &out->vcpu[i];
        bool in_guest, wait_blocked;
        struct timespec ts;
        char st = 0;
        pid_t tid;

        pv |= atomic_load(&v->upcall_vector) != 0;
        pthread_mutex_lock(&vm->lock);
        o->online = v->state == VCPU_UP;
        in_guest = v->in_guest;
        wait_blocked = v->runstate.state == RUNSTATE_blocked;
        tid = v->tid;
        if (v->thread_done)
            o->cpu_time_ns = v->final_cpu_ns;
        else if (tid && clock_gettime(v->cpu_clock, &ts) == 0)
            o->cpu_time_ns = ts_ns(&ts);    /* alive: it cannot end meanwhile */
        pthread_mutex_unlock(&vm->lock);

        o->cpu = XK_INFO_NO_CPU;
        if (tid && !thread_stat(tid, &st, &o->cpu))
            st = 0;
        /* Blocked: waiting in SCHEDOP_block/poll, or halted inside KVM
         * (asleep in KVM_RUN).  Running: on a host CPU (or ready to be),
         * neither blocked nor parked at the gate. */
        o->blocked = o->online && (wait_blocked || (in_guest && st == 'S'));
        o->running = o->online && !o->blocked && st == 'R';
        out->cpu_time_ns += o->cpu_time_ns;
        if (o->online) {
            out->online_vcpus++;
            all_blocked &= o->blocked;
        }
        if (o->running)
            out->flags |= XK_INFO_RUNNING;
    }

    pthread_mutex_lock(&vm->lock);
    out->pause_count = vm->ctl_pause_count;
    out->store_pfn = vm->params[HVM_PARAM_STORE_PFN];
    out->console_pfn = vm->params[HVM_PARAM_CONSOLE_PFN];
    out->store_port = (uint32_t)vm->params[HVM_PARAM_STORE_EVTCHN];
    out->console_port = (uint32_t)vm->params[HVM_PARAM_CONSOLE_EVTCHN];
    pthread_mutex_unlock(&vm->lock);
    if (out->pause_count)
        out->flags |= XK_INFO_PAUSED;
    if (out->online_vcpus && all_blocked)
        out->flags |= XK_INFO_BLOCKED;
    if (pv)
        out->flags |= XK_INFO_PV_CONTROL;
}
