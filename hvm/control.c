/* The VMM's control socket, <rundir>/dom<N>.sock (lib/vmm_socket_proto.h):
 * one message per connection, served by the handler for its type (the
 * table below, as kvmtool's ipc handlers or vmd's imsg dispatch), and what
 * domain 0 asks through it: pausing (Xen's domain_pause_by_systemcontroller)
 * and the domain's state (XEN_DOMCTL_getdomaininfo + getvcpuinfo).  BIND
 * makes an event channel (link.c); MEMORY gives a backend in another
 * process the guest's memory. */
#include "control.h"
#include "live_update.h"
#include "backend_quiesce.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/sched.h>

#include "dump_core.h"
#include "evloop.h"
#include "fd_pass.h"
#include "link.h"
#include "mig_stream.h"
#include "postcopy.h"
#include "log.h"
#include "passthrough.h"
#include "unix_sock.h"
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
        bool in_guest, wait_blocked, parked;
        struct timespec ts;
        char st = 0;
        pid_t tid;

        pv |= atomic_load(&v->upcall_vector) != 0;
        pthread_mutex_lock(&vm->lock);
        o->online = v->state == VCPU_UP;
        in_guest = v->in_guest;
        /* Paused by domain 0 and out of guest mode: it cannot go back in,
         * whether or not its thread has reached the gate yet (on a loaded
         * host it may still be runnable on its way there). */
        parked = vm->ctl_pause_count && !in_guest;
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
        o->running = o->online && !o->blocked && !parked && st == 'R';
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

/* --- pausing ------------------------------------------------------- */

int vm_ctl_pause(struct vm *vm)
{
    struct timespec ts;
    bool busy;

    pthread_mutex_lock(&vm->lock);
    if (vm->ctl_pause_count >= XK_LINK_MAX_PAUSE) {
        pthread_mutex_unlock(&vm->lock);
        return -EOVERFLOW;
    }
    vm->ctl_pause_count++;
    pthread_mutex_unlock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vcpu_kick(&vm->vcpus[i]);
    /* Xen's pause is synchronous (vcpu_sleep_sync): answer once no vCPU
     * is in guest mode, and no vCPU thread is still serving its last exit
     * (a hypercall writing its results into guest memory after a save
     * read that page was seen: the restored guest found its result
     * missing): each up vCPU waits at its gate or is blocked.  A kicked
     * vCPU leaves KVM_RUN at once; the bound only keeps a VMM bug from
     * stalling the event thread. */
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 2;
    pthread_mutex_lock(&vm->lock);
    for (bool late = false;; ) {
        busy = false;
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            const struct vcpu *v = &vm->vcpus[i];
            busy |= v->in_guest ||
                    (v->tid && !v->thread_done && v->state == VCPU_UP && !v->ctl_waiting &&
                     v->runstate.state != RUNSTATE_blocked);
        }
        if (!busy || !vm->ctl_pause_count || late)
            break;
        late = pthread_cond_timedwait(&vm->cond, &vm->lock, &ts) == ETIMEDOUT;
    }
    pthread_mutex_unlock(&vm->lock);
    if (busy)
        log_warn("domain %u: a vCPU did not leave guest mode for the pause",
                 vm->domid);
    return 0;
}

int vm_ctl_unpause(struct vm *vm)
{
    bool running;

    pthread_mutex_lock(&vm->lock);
    if (!vm->ctl_pause_count) {
        pthread_mutex_unlock(&vm->lock);
        return -EINVAL;
    }
    if (--vm->ctl_pause_count == 0)
        for (unsigned i = 0; i < vm->nr_vcpus; i++)
            pthread_cond_broadcast(&vm->vcpus[i].cond);
    running = vm->ctl_pause_count == 0;
    pthread_mutex_unlock(&vm->lock);
    /* The domain runs again: backends quiesced for a save that did not
     * end it (save -c, -p then unpause, a failure) go on. */
    if (running)
        backends_resume(vm);
    return 0;
}

/* --- the socket ------------------------------------------------------- */

static void reply(int fd, uint32_t type, int status)
{
    struct xk_link_msg r = { .magic = XK_LINK_MAGIC, .type = type, .status = status };

    send(fd, &r, sizeof(r), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static bool on_bind(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    return link_serve_bind(vm, fd, m);
}

static bool on_virq(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    int status = 0;

    if (m->from_dom != 0) {
        status = -EPERM;        /* only domain 0 raises VIRQs */
    } else if (m->port >= NR_VIRQS) {
        status = -EINVAL;
    } else if (evtchn_virq_is_global(m->port)) {
        evtchn_send_virq(&vm->evtchn, 0, m->port);
    } else {
        /* Per-vCPU VIRQs (VIRQ_DEBUG) go to every vCPU, as Xen's debug
         * key does. */
        for (unsigned i = 0; i < vm->nr_vcpus; i++)
            evtchn_send_virq(&vm->evtchn, i, m->port);
    }
    reply(fd, XK_LINK_VIRQ, status);
    return false;
}

static bool on_pause(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    /* The controller is domain 0. */
    reply(fd, m->type, m->from_dom != 0 ? -EPERM : vm_ctl_pause(vm));
    return false;
}

static bool on_unpause(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    reply(fd, m->type, m->from_dom != 0 ? -EPERM : vm_ctl_unpause(vm));
    return false;
}

static bool on_info(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    struct xk_link_info *info = malloc(sizeof(*info));

    if (!info)
        return false;
    if (m->from_dom != 0) {
        memset(info, 0, sizeof(*info));
        info->magic = XK_LINK_MAGIC;
        info->type = XK_LINK_INFO;
        info->status = -EPERM;
    } else {
        vm_ctl_info(vm, info);
    }
    if (send(fd, info, sizeof(*info), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(*info))
        log_debug("domain %u: cannot answer INFO:", vm->domid);
    free(info);
    return false;
}

/* The guest's memory for a backend in another process (backend/context.h). */
static bool on_memory(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    struct xk_link_memory r = {
        .magic = XK_LINK_MAGIC, .type = XK_LINK_MEMORY, .domid = vm->domid,
        .mem_pages = vm->mem_size >> XK_PAGE_SHIFT, .ram_pages = vm->ram_pages,
        .lowmem_pages = vm->lowmem_pages,
        .special_page = vm->xenpage0 + XENPAGE_SPECIAL0,
        .grant_page = vm->xenpage0 + XENPAGE_GRANT,
    };

    if (m->from_dom != 0) {
        r.status = -EPERM;          /* domain 0's backends only */
        xk_send_fds(fd, &r, sizeof(r), NULL, 0);
    } else if (xk_send_fds(fd, &r, sizeof(r), &vm->mem_fd, 1)) {
        log_debug("domain %u: cannot answer MEMORY:", vm->domid);
    }
    return false;
}

/* XEN_DOMCTL_max_mem from xl mem-max: as Xen, a maximum below what the
 * domain holds is allowed (it cannot grow until it is under it again);
 * above what the memfd backs it is refused: this VMM cannot add memory. */
static bool on_maxmem(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    int status = 0;

    if (m->from_dom != 0) {
        status = -EPERM;
    } else if (m->port == 0 || m->port > vm->ram_pages + XK_MAXMEM_EXTRA_PAGES) {
        status = -EINVAL;
    } else {
        pthread_rwlock_wrlock(&vm->pm.lock);
        vm->max_pages_set = m->port;
        pthread_rwlock_unlock(&vm->pm.lock);
    }
    reply(fd, m->type, status);
    return false;
}

/* XEN_DOMCTL_sendtrigger.  NMI: an MSI in NMI delivery mode to the vCPU's
 * local APIC (KVM delivers it when the vCPU next runs guest code; one
 * waiting in SCHEDOP_block/poll takes it when it is woken, as on Xen,
 * where the trigger kicks but does not unblock).  There is no ACPI power
 * or sleep button and no INIT/reset path here yet. */
static bool on_trigger(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    int status;

    if (m->from_dom != 0) {
        status = -EPERM;
    } else if (m->from_port >= vm->nr_vcpus) {
        status = -ESRCH;        /* as Xen: no such vCPU */
    } else if (m->port == XK_TRIGGER_NMI) {
        struct kvm_msi msi = {
            .address_lo = 0xfee00000u | (m->from_port << 12),  /* APIC ID = vCPU id */
            .data = 4u << 8,                                    /* delivery mode NMI */
        };
        status = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
    } else if (m->port == XK_TRIGGER_POWER || m->port == XK_TRIGGER_SLEEP) {
        status = -ENODEV;       /* no ACPI power management hardware */
    } else {
        status = -ENOSYS;
    }
    reply(fd, m->type, status);
    return false;
}

/* A live save's progress: the counts so far, before the final reply. */
static void save_progress(void *arg, const struct mig_stats *st, uint64_t round_pages)
{
    struct xk_link_save r = {
        .magic = XK_LINK_MAGIC, .type = XK_LINK_SAVE, .status = XK_SAVE_STATUS_PROGRESS,
        .bytes = st->bytes, .pages_data = st->pages_data, .pages_zero = st->pages_zero,
        .pages_absent = st->pages_absent, .rounds = st->rounds,
        .last_round_pages = round_pages,
    };

    send(*(int *)arg, &r, sizeof(r), MSG_NOSIGNAL);
}

/* SAVE: the domain as Xen's migration stream to the file attached.  The
 * sender paused it (the pause is saved with it, as on Xen the domain is
 * suspended when libxc reads it); the event thread is busy meanwhile. */
static void save_now(struct vm *vm, int fd, const struct xk_link_msg *m, int file)
{
    struct xk_link_save r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_SAVE };
    struct mig_live policy = {
        .max_rounds = (m->port & XK_SAVE_ROUNDS_SET) ? (int)XK_SAVE_ROUNDS_OF(m->port) : -1,
        .downtime_ms = XK_SAVE_DOWNTIME_OF(m->port),
        .progress = (m->port & XK_SAVE_PROGRESS) ? save_progress : NULL, .arg = &fd,
    };
    struct mig_out out = { .fd = file, .live = &policy };
    struct mig_stats st = { 0 };
    bool live = m->port & XK_SAVE_LIVE;
    uint32_t known = XK_SAVE_XENKVM_STATE | XK_SAVE_LIVE | XK_SAVE_POSTCOPY |
                     XK_SAVE_ROUNDS_SET | XK_SAVE_PROGRESS | XK_SAVE_ROUNDS(0xff) |
                     XK_SAVE_DOWNTIME(XK_SAVE_DOWNTIME_MAX);
    unsigned paused;

    pthread_mutex_lock(&vm->lock);
    paused = vm->ctl_pause_count;
    pthread_mutex_unlock(&vm->lock);
    /* A domain that suspended itself has no vCPU running either. */
    pthread_mutex_lock(&vm->exit_lock);
    if (vm->shutdown_code == SHUTDOWN_suspend)
        paused++;
    pthread_mutex_unlock(&vm->exit_lock);
    if (m->from_dom != 0) {
        r.status = -EPERM;
    } else if (file < 0) {
        r.status = -EBADF;
        snprintf(r.msg, sizeof(r.msg), "no file to save to");
    } else if (!paused && !live) {
        r.status = -EBUSY;
        snprintf(r.msg, sizeof(r.msg), "the domain is not paused");
    } else if ((m->port & ~known) ||
               ((m->port & XK_SAVE_POSTCOPY) && (!live || vm->pc_pending)) ||
               (!live && (m->port & ~(XK_SAVE_XENKVM_STATE | XK_SAVE_POSTCOPY)))) {
        r.status = -EINVAL;
    } else if (passthrough_active(vm)) {
        /* The device's own state is not in the stream (docs/pciback.md).
         * Xen refuses as its paging_log_dirty_enable does for a domain
         * with assigned devices (-EINVAL), in libxc's words. */
        r.status = -EINVAL;
        snprintf(r.msg, sizeof(r.msg), "%s", XK_SAVE_PCI_REFUSAL);
    } else {
        /* Paused: the vCPUs left guest mode when the sender's PAUSE
         * returned.  Live: precopy pauses the domain itself. */
        struct timespec t0, t1;
        r.status = mig_save(vm, &out, ((m->port & XK_SAVE_XENKVM_STATE) ? MIG_XENKVM_STATE : 0) |
                            (live ? MIG_LIVE : 0) |
                            ((m->port & XK_SAVE_POSTCOPY) ? MIG_POSTCOPY : 0), &st, r.msg);
        /* Postcopy: the pages listed go once the destination runs. */
        if (!r.status && (m->port & XK_SAVE_POSTCOPY)) {
            vm->pc_pending = st.pending;
            vm->pc_npending = st.npending;
        } else {
            free(st.pending);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        t0 = st.paused_at;
        if (live && t0.tv_sec)
            r.downtime_us = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000LL +
                                       (t1.tv_nsec - t0.tv_nsec) / 1000);
        ss_wr_free(&out.buf);
        /* A live save that failed leaves the domain as it found it. */
        if (r.status && st.paused)
            vm_ctl_unpause(vm);
        r.bytes = st.bytes;
        r.pages_data = st.pages_data;
        r.pages_zero = st.pages_zero;
        r.pages_absent = st.pages_absent;
        r.rounds = st.rounds;
        r.last_round_pages = st.last_round_pages;
        if (r.status)
            log_warn("domain %u: save failed: %s", vm->domid, r.msg);
        else
            log_info("domain %u: saved %llu bytes (%llu pages with data, %llu zero, "
                     "%llu absent)", vm->domid, (unsigned long long)st.bytes,
                     (unsigned long long)st.pages_data, (unsigned long long)st.pages_zero,
                     (unsigned long long)st.pages_absent);
    }
    if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
        log_debug("domain %u: cannot answer SAVE:", vm->domid);
}

/* DUMP_CORE: Xen's dump-core file of the domain, which the sender paused,
 * to the file attached (on the event thread, as a paused save). */
static void on_dump_core(struct vm *vm, int fd, const struct xk_link_msg *m, int file)
{
    struct xk_link_save r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_DUMP_CORE };
    struct dump_core_stats st;
    unsigned paused;

    pthread_mutex_lock(&vm->lock);
    paused = vm->ctl_pause_count;
    pthread_mutex_unlock(&vm->lock);
    if (m->from_dom != 0) {
        r.status = -EPERM;
    } else if (file < 0) {
        r.status = -EBADF;
        snprintf(r.msg, sizeof(r.msg), "no file to write the core to");
    } else if (!paused && !atomic_load(&vm->stopping)) {
        /* Paused, or shut down (its vCPUs stopped: on_crash="coredump-*"). */
        r.status = -EBUSY;
        snprintf(r.msg, sizeof(r.msg), "the domain is not paused");
    } else if ((r.status = dump_core(vm, file, &st, r.msg)) == 0) {
        r.bytes = st.bytes;
        r.pages_data = st.pages;
        log_info("domain %u: core dumped, %llu bytes, %llu pages", vm->domid,
                 (unsigned long long)st.bytes, (unsigned long long)st.pages);
    } else {
        log_warn("domain %u: core dump failed: %s", vm->domid, r.msg);
    }
    if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
        log_debug("domain %u: cannot answer DUMP_CORE:", vm->domid);
}

struct live_save {
    struct vm *vm;
    int fd, file;
    struct xk_link_msg m;
};

static void *live_save_thread(void *arg)
{
    struct live_save *ls = arg;

    save_now(ls->vm, ls->fd, &ls->m, ls->file);
    close(ls->file);
    close(ls->fd);
    free(ls);
    return NULL;
}

/* SAVE: the domain as Xen's migration stream to the file attached.  A
 * paused domain is written at once on the event thread (the pause is
 * saved with it, as on Xen the domain is suspended when libxc reads it);
 * a live save runs on a thread of its own, so the guest's timers and
 * channels go on being served while memory is sent. */
static void on_save(struct vm *vm, int fd, const struct xk_link_msg *m, int file)
{
    struct live_save *ls;
    pthread_t t;

    if (!(m->port & XK_SAVE_LIVE) || file < 0 || m->from_dom != 0 ||
        !(ls = malloc(sizeof(*ls)))) {
        save_now(vm, fd, m, file);
        if (file >= 0)
            close(file);
        close(fd);
        return;
    }
    *ls = (struct live_save){ .vm = vm, .fd = fd, .file = file, .m = *m };
    if (pthread_create(&t, NULL, live_save_thread, ls)) {
        free(ls);
        save_now(vm, fd, m, file);
        close(file);
        close(fd);
        return;
    }
    pthread_detach(t);
}

struct pc_job {
    struct vm *vm;
    int fd, files[2];
    bool resume;            /* a new connection after a broken one */
};

static void pc_reply(int fd, int status, const struct pc_stats *st, uint64_t pending,
                     const char *msg)
{
    struct xk_link_postcopy r = {
        .magic = XK_LINK_MAGIC, .type = XK_LINK_POSTCOPY, .status = status, .pending = pending,
    };

    if (st) {
        r.on_demand = st->on_demand;
        r.background = st->background;
        r.zero_filled = st->zero_filled;
        r.requests = st->requests;
        r.clobbered = st->clobbered;
    }
    if (msg)
        snprintf(r.msg, sizeof(r.msg), "%s", msg);
    if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
        log_debug("domain: cannot answer POSTCOPY:");
}

/* The source sends, or the destination fetches, every pending page. */
static void *pc_thread(void *arg)
{
    struct pc_job *j = arg;
    struct vm *vm = j->vm;
    struct pc_stats st = { 0 };
    char msg[PC_MSG_LEN] = "";
    uint64_t pending;
    int rc;

    if (vm->pc_dest) {
        pending = vm->pc_dest->npend;
        rc = pc_dest_wait(vm->pc_dest, &st, msg);
        if (rc != -ENOTCONN) {
            free(vm->pc_dest);
            vm->pc_dest = NULL;
        }
    } else {
        pending = vm->pc_npending;
        rc = pc_src_serve(vm->pc_src, j->files[0], j->files[1], j->resume, msg);
        st = vm->pc_src->st;
    }
    if (rc == -ENOTCONN)
        /* Paused: the pages stay (source) or stay missing (destination)
         * until a new connection comes (POSTCOPY with XK_PC_RESUME). */
        log_warn("domain %u: %s; waiting for a new connection", vm->domid, msg);
    else if (rc)
        log_warn("domain %u: %s", vm->domid, msg);
    else
        log_info("domain %u: postcopy: %llu pages, %llu on demand, %llu in the background",
                 vm->domid, (unsigned long long)pending, (unsigned long long)st.on_demand,
                 (unsigned long long)st.background);
    close(j->files[0]);
    close(j->files[1]);
    if (rc == -ENOTCONN)
        atomic_store(&vm->pc_busy, false);
    pc_reply(j->fd, rc, &st, pending, rc ? msg : NULL);
    close(j->fd);
    free(j);
    return NULL;
}

/* POSTCOPY: a query without fds; with the channel's two directions, the
 * page mover on a thread of its own (lib/vmm_socket_proto.h). */
static void on_postcopy(struct vm *vm, int fd, const struct xk_link_msg *m, int *files,
                        int nfds)
{
    struct pc_job *j = NULL;
    char msg[PC_MSG_LEN] = "";
    pthread_t t;
    int rc;

    bool resume = m->port & XK_PC_RESUME;

    if (m->from_dom != 0) {
        rc = -EPERM;
    } else if (nfds == 0) {
        bool busy = atomic_load(&vm->pc_busy);
        rc = vm->pc_dest ? (pc_dest_paused(vm->pc_dest) && !busy ? XK_PC_DEST_PAUSED
                                                                 : XK_PC_DEST)
           : vm->pc_src && !busy ? XK_PC_SOURCE_PAUSED : vm->pc_npending ? XK_PC_SOURCE : 0;
    } else if (nfds != 2 || (m->port & ~(XK_PC_HOLD | XK_PC_RESUME))) {
        rc = -EINVAL;
    } else if ((!vm->pc_dest && !vm->pc_pending) || atomic_exchange(&vm->pc_busy, true)) {
        rc = vm->pc_dest || vm->pc_pending ? -EBUSY : -ENOENT;
    } else if (resume != (vm->pc_dest ? pc_dest_paused(vm->pc_dest) : vm->pc_src != NULL)) {
        /* A resume needs a paused postcopy; a start, one not begun. */
        atomic_store(&vm->pc_busy, false);
        rc = resume ? -EINVAL : -EBUSY;
        snprintf(msg, sizeof(msg), resume ? "postcopy: not paused: nothing to resume"
                                          : "postcopy: already started");
    } else if (!(j = malloc(sizeof(*j)))) {
        atomic_store(&vm->pc_busy, false);
        rc = -ENOMEM;
    } else {
        *j = (struct pc_job){ vm, fd, { files[0], files[1] }, resume };
        rc = 0;
        if (vm->pc_dest)
            rc = resume ? pc_dest_resume(vm->pc_dest, files[0], files[1], msg)
                        : pc_dest_run(vm->pc_dest, files[0], files[1], m->port & XK_PC_HOLD,
                                      msg);
        else if (!vm->pc_src && !(vm->pc_src = malloc(sizeof(*vm->pc_src))))
            rc = -ENOMEM;
        else if (!resume && (rc = pc_src_init(vm->pc_src, vm->mem, vm->mem_size >> XK_PAGE_SHIFT,
                                              vm->pc_pending, vm->pc_npending, msg))) {
            free(vm->pc_src);
            vm->pc_src = NULL;
        }
        if (!rc && (rc = -pthread_create(&t, NULL, pc_thread, j)))
            snprintf(msg, sizeof(msg), "postcopy: thread: %s", strerror(-rc));
        if (!rc) {
            pthread_detach(t);
            pc_reply(fd, 0, NULL, 0, NULL);     /* started */
            return;                             /* the thread owns FD and the files */
        }
        atomic_store(&vm->pc_busy, false);
        free(j);
    }
    pc_reply(fd, rc, NULL, 0, msg[0] ? msg : NULL);
    for (int i = 0; i < nfds; i++)
        close(files[i]);
    close(fd);
}

/* The suspending vCPU's SCHEDOP_shutdown returns 1 (its result, 0, is
 * still in the sync registers or already in KVM). */
static int set_suspend_result(struct vcpu *v)
{
    struct kvm_regs r;

    if (v->run && (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS)) {
        v->run->s.regs.regs.rax = 1;
        return 0;
    }
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0)
        return -errno;
    r.rax = 1;
    return ioctl(v->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

static bool on_resume(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    uint64_t one = 1;
    int status = 0;

    pthread_mutex_lock(&vm->exit_lock);
    if (m->from_dom != 0)
        status = -EPERM;
    else if (vm->shutdown_code != SHUTDOWN_suspend || vm->resume_fd < 0 ||
             vm->suspend_vcpu >= vm->nr_vcpus)
        status = -EINVAL;
    pthread_mutex_unlock(&vm->exit_lock);
    if (!status)
        status = set_suspend_result(&vm->vcpus[vm->suspend_vcpu]);
    if (!status && write(vm->resume_fd, &one, sizeof(one)) != sizeof(one))
        status = -EIO;
    if (!status) {
        bool running;
        pthread_mutex_lock(&vm->lock);
        running = vm->ctl_pause_count == 0;
        pthread_mutex_unlock(&vm->lock);
        if (running)
            backends_resume(vm);
    }
    reply(fd, XK_LINK_RESUME, status);
    return false;
}

/* A host backend's idle connection becomes its line for quiescing. */
static bool on_backend(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    if (m->from_dom != 0)
        return false;
    return backends_register(vm, fd);
}

/* PCI_ATTACH / PCI_DETACH (passthrough.c): a detach that waits for the
 * guest's eject keeps FD until then. */
static void on_pci(struct vm *vm, int fd, struct xk_link_pci *m)
{
    char msg[sizeof(m->msg)];
    int r;

    m->spec[sizeof(m->spec) - 1] = 0;
    if (m->from_dom != 0) {
        r = -EPERM;
        msg[0] = 0;
    } else if (m->type == XK_LINK_PCI_ATTACH) {
        r = passthrough_plug(vm, m->spec, m->vslot, true, msg, sizeof(msg));
        if (r >= 0) {
            m->vslot = r;
            r = 0;
        }
    } else if (m->vslot < 0) {
        r = -EINVAL;
        snprintf(msg, sizeof(msg), "no slot given");
    } else {
        r = passthrough_unplug(vm, (unsigned)m->vslot, m->flags & XK_PCI_FORCE, fd, msg,
                               sizeof(msg));
        if (r == 1)
            return;             /* the eject answers */
    }
    if (r < 0)
        log_warn("domain %u: PCI %s: %s", vm->domid,
                 m->type == XK_LINK_PCI_ATTACH ? "attach" : "detach", msg);
    m->status = r;
    snprintf(m->msg, sizeof(m->msg), "%s", msg);
    send(fd, m, sizeof(*m), MSG_NOSIGNAL);
    close(fd);
}

/* Serve M on FD; true when FD now belongs to someone else. */
typedef bool (*ctl_handler)(struct vm *vm, int fd, const struct xk_link_msg *m);

static const ctl_handler handlers[] = {
    [XK_LINK_BIND] = on_bind,
    [XK_LINK_VIRQ] = on_virq,
    [XK_LINK_PAUSE] = on_pause,
    [XK_LINK_UNPAUSE] = on_unpause,
    [XK_LINK_INFO] = on_info,
    [XK_LINK_MEMORY] = on_memory,
    [XK_LINK_MAXMEM] = on_maxmem,
    [XK_LINK_TRIGGER] = on_trigger,
    [XK_LINK_RESUME] = on_resume,
    [XK_LINK_BACKEND] = on_backend,
};

/* A connection waiting for its one message; the loop's argument is the vm
 * itself, so a connection still open at exit owns no memory. */
static void on_ctl_conn(void *arg, int fd, uint32_t events)
{
    struct vm *vm = arg;
    union { struct xk_link_msg m; struct xk_link_pci pci; } u;
    struct xk_link_msg m;
    int files[2] = { -1, -1 }, file, nfds = 0;
    ssize_t n;

    memset(&u, 0, sizeof(u));
    n = xk_recv_fds(fd, &u, sizeof(u), files, 2, &nfds, MSG_DONTWAIT);

    (void)events;
    if (n == -EAGAIN || n == -EINTR)
        return;
    evloop_del(vm->loop, fd);
    m = u.m;
    if (n == (ssize_t)sizeof(u.pci) && u.pci.magic == XK_LINK_MAGIC &&
        (u.pci.type == XK_LINK_PCI_ATTACH || u.pci.type == XK_LINK_PCI_DETACH)) {
        for (int i = 0; i < nfds; i++)
            close(files[i]);
        on_pci(vm, fd, &u.pci);
        return;
    }
    if (n == (ssize_t)sizeof(m) && m.magic == XK_LINK_MAGIC && m.type == XK_LINK_POSTCOPY) {
        on_postcopy(vm, fd, &m, files, nfds);      /* takes them all */
        return;
    }
    if (nfds > 1)
        close(files[1]);
    file = nfds ? files[0] : -1;
    if (n == (ssize_t)sizeof(m) && m.magic == XK_LINK_MAGIC && m.type == XK_LINK_SAVE) {
        on_save(vm, fd, &m, file);      /* takes both */
        return;
    }
    if (n == (ssize_t)sizeof(m) && m.magic == XK_LINK_MAGIC && m.type == XK_LINK_DUMP_CORE) {
        on_dump_core(vm, fd, &m, file);
        if (file >= 0)
            close(file);
        close(fd);
        return;
    }
    if (n == (ssize_t)sizeof(m) && m.magic == XK_LINK_MAGIC && m.type == XK_LINK_LIVE_UPDATE) {
        /* Postcopy's state (pages to send or to fetch) is not carried
         * across the exec: refused while it is there. */
        if (vm->pc_dest || vm->pc_pending) {
            struct xk_link_live_update r = {
                .magic = XK_LINK_MAGIC, .type = XK_LINK_LIVE_UPDATE, .status = -EBUSY,
            };
            snprintf(r.msg, sizeof(r.msg), "a postcopy migration holds the domain's memory");
            send(fd, &r, sizeof(r), MSG_NOSIGNAL);
        } else {
            /* Returns only when the update did not happen (live_update.c). */
            lu_serve(vm, fd, &m, file);
        }
        if (file >= 0)
            close(file);
        close(fd);
        return;
    }
    if (file >= 0)
        close(file);
    /* Anything else (replies, unknown types) is dropped unanswered. */
    if (n == (ssize_t)sizeof(m) && m.magic == XK_LINK_MAGIC &&
        m.type < sizeof(handlers) / sizeof(handlers[0]) && handlers[m.type] &&
        handlers[m.type](vm, fd, &m))
        return;
    close(fd);
}

static void on_ctl_accept(void *arg, int fd, uint32_t events)
{
    struct vm *vm = arg;
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    (void)events;
    if (c < 0)
        return;
    if (evloop_add(vm->loop, c, on_ctl_conn, vm))
        close(c);
}

int control_listen(struct vm *vm)
{
    struct sockaddr_un a;
    int s, rc;

    if ((rc = xk_link_sock_addr(vm->rundir, vm->domid, &a))) {
        log_err("run directory %s: name too long", vm->rundir);
        return rc;
    }
    s = xk_unix_listen(a.sun_path, SOCK_SEQPACKET, 16);
    if (s < 0) {
        errno = -s;
        log_err("domain %u: control socket %s:", vm->domid, a.sun_path);
        return s;
    }
    if ((rc = evloop_add(vm->loop, s, on_ctl_accept, vm))) {
        close(s);
        unlink(a.sun_path);
        return -EIO;
    }
    vm->ctl_fd = s;
    return 0;
}

int control_adopt(struct vm *vm, int fd)
{
    if (evloop_add(vm->loop, fd, on_ctl_accept, vm))
        return -EIO;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    vm->ctl_fd = fd;
    return 0;
}

void control_shutdown(struct vm *vm)
{
    struct sockaddr_un a;

    if (vm->ctl_fd < 0)
        return;
    close(vm->ctl_fd);
    vm->ctl_fd = -1;
    if (xk_link_sock_addr(vm->rundir, vm->domid, &a) == 0)
        unlink(a.sun_path);
}
