/* vCPU threads: one per vCPU, each running KVM_RUN and handling its own
 * exits (kvmtool's shape).  Registers come back in kvm_run (sync regs),
 * so a hypercall costs no extra ioctl. */
#include "vcpu.h"
#include "postcopy.h"
#include "passthrough.h"
#include "x86.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cpuid.h"
#include "events.h"
#include "exit_codes.h"
#include "hcall.h"
#include "hcall_kvm_xen.h"
#include "hvm_ctx.h"
#include "vmm_socket_proto.h"
#include "log.h"
#include "ioport.h"
#include "shinfo.h"
#include "util.h"
#include "debug_dump.h"
#include "irq.h"

static __thread struct vcpu *this_vcpu;

/* A kick makes KVM_RUN return at once, now or at its next entry. */
static void kick_handler(int sig)
{
    (void)sig;
    if (this_vcpu)
        this_vcpu->run->immediate_exit = 1;
}

/* Under kick_lock: vm_wait clears thread_started under it before joining,
 * so pthread_kill never gets a descriptor that a join has freed. */
void vcpu_kick(struct vcpu *v)
{
    pthread_mutex_lock(&v->vm->kick_lock);
    if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
        pthread_kill(v->thread, SIGUSR1);
    pthread_mutex_unlock(&v->vm->kick_lock);
}

int vcpu_create(struct vm *vm, unsigned id)
{
    struct vcpu *v = &vm->vcpus[id];
    pthread_condattr_t ca;
    long mmap_size;

    v->vm = vm;
    v->id = id;
    v->state = VCPU_DOWN;
    v->runstate.state = RUNSTATE_offline;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->cond, &ca);
    pthread_condattr_destroy(&ca);

    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
    if (v->fd < 0) {
        log_err("KVM_CREATE_VCPU %u:", id);
        return -errno;
    }
    mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size <= 0)
        return -EINVAL;
    v->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        log_err("mmap kvm_run:");
        return -errno;
    }
    v->run_size = (size_t)mmap_size;
    v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    return 0;
}

int vcpu_set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *host)
{
    struct vm *vm = v->vm;
    struct kvm_cpuid2 *cpuid;
    struct xen_cpuid_params p = {
        .vcpu_id = v->id, .domid = vm->domid, .tsc_khz = vm->clock.tsc_khz,
        .tsc_mul = vm->clock.mul, .tsc_shift = vm->clock.shift,
    };
    const uint32_t cap = host->nent + 16;
    int rc = 0;

    cpuid = calloc(1, sizeof(*cpuid) + cap * sizeof(cpuid->entries[0]));
    if (!cpuid)
        return -ENOMEM;
    if (cpuid_build(host, cpuid, cap, &p) ||
        ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0) {
        log_err("KVM_SET_CPUID2 on vCPU %u:", v->id);
        rc = -EINVAL;
    }
    if (!rc && v->id == 0 && !vm->cpuid0) {
        vm->cpuid0 = cpuid;     /* kept for the migration stream (vm.h) */
        return 0;
    }
    free(cpuid);
    return rc;
}

/* Load a validated context into KVM (on the vCPU's own thread). */
static int load_ctx(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
    int rc;

    if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
        return -errno;
    rc = hvm_ctx_to_kvm(ctx, &regs, &sregs);
    if (rc)
        return rc;
    if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0 ||
        ioctl(v->fd, KVM_SET_REGS, &regs) < 0 ||
        ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
        return -errno;
    /* Until the first exit fills kvm_run, its register copy is what the
     * VMM uses to reach guest-virtual areas: make it the new state. */
    v->run->s.regs.regs = regs;
    v->run->s.regs.sregs = sregs;
    return 0;
}

void vcpu_hcall_ctx(struct vcpu *v, struct hcall *c)
{
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    const struct kvm_regs *r = &v->run->s.regs.regs;

    memset(c, 0, sizeof(*c));
    c->v = v;
    c->vm = v->vm;
    c->ps.cr0 = s->cr0;
    c->ps.cr3 = s->cr3;
    c->ps.cr4 = s->cr4;
    c->ps.efer = s->efer;
    c->compat = !x86_mode64(s);
    if (c->compat) {
        c->a[0] = (uint32_t)r->rbx;
        c->a[1] = (uint32_t)r->rcx;
        c->a[2] = (uint32_t)r->rdx;
        c->a[3] = (uint32_t)r->rsi;
        c->a[4] = (uint32_t)r->rdi;
    } else {
        c->a[0] = r->rdi;
        c->a[1] = r->rsi;
        c->a[2] = r->rdx;
        c->a[3] = r->r10;
        c->a[4] = r->r8;
    }
}

/* A hypercall stub's OUT: eax holds the hypercall number. */
static void do_hypercall(struct vcpu *v)
{
    struct kvm_regs *r = &v->run->s.regs.regs;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;
    uint64_t rip = s->cs.base + r->rip;     /* linear */
    struct hcall c;
    long ret;

    vcpu_hcall_ctx(v, &c);
    c.nr = (uint32_t)r->rax;
    /* At the stub's OUT (offset 11), or past it (13) where KVM advanced
     * RIP before the exit (PVM does): a continuation can re-enter it. */
    c.can_continue = (rip & 31) == HCALL_STUB_OUT || (rip & 31) == HCALL_STUB_OUT + 2;
    /* Xen's hvm_hypercall: real mode may call; vm86 and CPL > 0 may not. */
    if ((s->cr0 & X86_CR0_PE) && ((r->rflags & X86_RFLAGS_VM) || s->ss.dpl != 0))
        ret = -EPERM;
    else
        ret = hcall_dispatch(&c);
    if (c.continued) {
        /* Back to the stub's `mov $nr,%eax` (a new RIP, so KVM does not
         * complete the old OUT by skipping it). */
        vcpu_hcall_reenter(v, &c, (rip & ~31ULL) + HCALL_STUB_MOV);
    } else {
        r->rax = c.compat ? (uint32_t)ret : (uint64_t)ret;
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    }
    shinfo_vcpu_tick(v);
}

void vcpu_hcall_reenter(struct vcpu *v, const struct hcall *c, uint64_t rip)
{
    struct kvm_regs *r = &v->run->s.regs.regs;

    r->rip = rip - v->run->s.regs.sregs.cs.base;
    if (c->compat) {
        r->rbx = (uint32_t)c->a[0];
        r->rcx = (uint32_t)c->a[1];
        r->rdx = (uint32_t)c->a[2];
    } else {
        r->rdi = c->a[0];
        r->rsi = c->a[1];
        r->rdx = c->a[2];
    }
    v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

/* Writes to the hypercall-page MSR install the page (Xen: one page, index
 * in the low 12 bits must be 0, the frame must be RAM, else #GP). */
static void do_wrmsr(struct vcpu *v)
{
    struct kvm_run *run = v->run;
    struct vm *vm = v->vm;
    uint64_t gpa = run->msr.data & XK_PAGE_MASK;
    void *page;

    run->msr.error = 1;
    if (run->msr.index != XK_HYPERCALL_MSR || (run->msr.data & 0xfff))
        return;
    pthread_rwlock_rdlock(&vm->pm.lock);
    page = vm_gpa_ptr(vm, gpa, XK_PAGE_SIZE);
    if (page) {
        hcall_page_fill(page);
        run->msr.error = 0;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    if (!run->msr.error)
        shinfo_latch_width(v);
}

static void dump_state(struct vcpu *v, const char *why)
{
    const struct kvm_regs *r = &v->run->s.regs.regs;
    const struct kvm_sregs *s = &v->run->s.regs.sregs;

    log_err("vCPU %u: %s: rip=%#llx rsp=%#llx rax=%#llx cr0=%#llx cr3=%#llx "
            "cr4=%#llx efer=%#llx cs=%#x", v->id, why,
            (unsigned long long)r->rip, (unsigned long long)r->rsp,
            (unsigned long long)r->rax, (unsigned long long)s->cr0,
            (unsigned long long)s->cr3, (unsigned long long)s->cr4,
            (unsigned long long)s->efer, s->cs.selector);
}

/* Handle one exit; false when the vCPU must stop. */
static bool handle_exit(struct vcpu *v)
{
    struct kvm_run *run = v->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO: {
        uint8_t *data = (uint8_t *)run + run->io.data_offset;
        if (run->io.port == XK_HCALL_PORT &&
            run->io.direction == KVM_EXIT_IO_OUT && run->io.size == 4 &&
            run->io.count == 1) {
            do_hypercall(v);
            return true;
        }
        for (uint32_t i = 0; i < run->io.count; i++)
            ioport_access(v, run->io.port, run->io.direction == KVM_EXIT_IO_OUT,
                          run->io.size, data + i * run->io.size);
        return true;
    }
    case KVM_EXIT_XEN:
        hcall_kvm_xen_exit(v);
        return true;
    case KVM_EXIT_X86_WRMSR:
        do_wrmsr(v);
        return true;
    case KVM_EXIT_X86_RDMSR:
        run->msr.error = 1;     /* Xen: reading the hypercall MSR faults */
        return true;
    case KVM_EXIT_MMIO:
        if (passthrough_mmio(v->vm, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write,
                             run->mmio.data))
            return true;
        /* Nothing is mapped here: reads see all ones, writes are dropped,
         * as for an HVM guest touching an unpopulated MMIO hole on Xen. */
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
        log_debug("vCPU %u: MMIO %s %#llx", v->id,
                  run->mmio.is_write ? "write" : "read",
                  (unsigned long long)run->mmio.phys_addr);
        return true;
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_SHUTDOWN:
        dump_state(v, "triple fault");
        vm_shutdown(v->vm, XK_EXIT_TRIPLE_FAULT);
        return false;
    case KVM_EXIT_HLT:
        return true;
    case KVM_EXIT_INTERNAL_ERROR:
        dump_state(v, "KVM internal error");
        log_err("suberror %u, %u data words: %#llx %#llx %#llx %#llx",
                run->internal.suberror, run->internal.ndata,
                (unsigned long long)run->internal.data[0],
                (unsigned long long)run->internal.data[1],
                (unsigned long long)run->internal.data[2],
                (unsigned long long)run->internal.data[3]);
        vm_shutdown(v->vm, XK_EXIT_INTERNAL);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        dump_state(v, "KVM entry failed");
        log_err("hardware entry failure reason %#llx",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        vm_shutdown(v->vm, XK_EXIT_INTERNAL);
        return false;
    default:
        dump_state(v, "unhandled KVM exit");
        log_err("exit reason %u", run->exit_reason);
        vm_shutdown(v->vm, XK_EXIT_INTERNAL);
        return false;
    }
}

/* Flush the vCPU's TLB: KVM drops every cached translation of a vCPU
 * when its paging mode changes, so CR4.PGE is toggled off and back. */
static void flush_tlb(struct vcpu *v)
{
    struct kvm_sregs s;

    if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
        return;
    s.cr4 ^= X86_CR4_PGE;
    ioctl(v->fd, KVM_SET_SREGS, &s);
    s.cr4 ^= X86_CR4_PGE;
    ioctl(v->fd, KVM_SET_SREGS, &s);
}

void vm_flush_tlbs(struct vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vm->vcpus[i].flush_tlb = true;
    pthread_mutex_unlock(&vm->lock);
    /* Every vCPU leaves guest mode and flushes before it re-enters. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vcpu_kick(&vm->vcpus[i]);
}

/* A vCPU that nobody has started yet waits for INIT/SIPI inside KVM_RUN,
 * where KVM's local APIC can start it (KVM creates APs UNINITIALIZED):
 * Linux brings its APs up that way (the MADT lists them), as Xen emulates
 * for HVM/PVH vCPUs.  VCPUOP_initialise/up still work: up kicks it out
 * first.  Called with vm->lock held. */
static bool waits_for_sipi(const struct vcpu *v)
{
    return v->id != 0 && !v->initialised && v->state != VCPU_UP &&
           !v->vm->ctl_pause_count;
}

/* Its first exit to the VMM means a SIPI started it: from then on it is an
 * ordinary up vCPU. */
static void sipi_started(struct vcpu *v)
{
    bool started = false;

    pthread_mutex_lock(&v->vm->lock);
    if (v->state != VCPU_UP && !v->initialised && v->id != 0) {
        v->state = VCPU_UP;
        v->initialised = true;
        started = true;
    }
    pthread_mutex_unlock(&v->vm->lock);
    if (started)
        shinfo_vcpu_online(v);
}

/* KVM finishes the instruction of an exit this thread served (the port
 * write of a hypercall, KVM_EXIT_XEN's vmcall: RIP past it, the result in
 * RAX) only at the next KVM_RUN; immediate_exit makes that one return at
 * once after it, as KVM's API asks before state is read.  Called without
 * vm->lock. */
static void finish_last_exit(struct vcpu *v, const char *why)
{
    v->run->immediate_exit = 1;
    if (ioctl(v->fd, KVM_RUN, 0) == 0 || (errno != EINTR && errno != EAGAIN))
        log_warn("vCPU %u: completing the last exit before %s:", v->id, why);
    v->run->immediate_exit = 0;
}

/* The gate before guest entry: wait while down or while another vCPU has
 * the VM paused; false when the VM is stopping. */
static bool gate(struct vcpu *v)
{
    struct vm *vm = v->vm;
    struct vcpu_hvm_context ctx;

    for (;;) {
        pthread_mutex_lock(&vm->lock);
        if (atomic_load(&vm->stopping)) {
            /* A domain that suspended is saved, or resumed with its
             * SCHEDOP_shutdown returning 1 (RESUME sets RAX): the
             * hypercall must be complete first, or the restored guest
             * would run it again, and KVM would overwrite the 1 with
             * the result it still holds. */
            bool finish = !v->exit_completed;
            v->exit_completed = true;
            pthread_mutex_unlock(&vm->lock);
            if (finish)
                finish_last_exit(v, "the domain stops");
            return false;
        }
        if (v->state != VCPU_UP && v->runstate.state != RUNSTATE_offline) {
            /* Going down: say so in the runstate area before parking. */
            bool publish = v->initialised;
            shinfo_runstate_locked(v, RUNSTATE_offline);
            pthread_mutex_unlock(&vm->lock);
            if (publish)
                shinfo_publish_runstate(v);
            continue;
        }
        if (vm->ctl_pause_count && v->state == VCPU_UP) {
            /* Paused by the controller.  On Xen a vCPU of a paused domain
             * is not runnable: unless blocked it is offline in its
             * runstate, and says so in its area before it parks. */
            if (!v->ctl_parked && !v->exit_completed) {
                /* Registers read while paused (save, migration, live
                 * update) must be past the port write of a hypercall this
                 * thread already served: KVM finishes that instruction
                 * only at the next KVM_RUN, which immediate_exit makes
                 * return at once after it (KVM's API for saving state). */
                v->exit_completed = true;
                pthread_mutex_unlock(&vm->lock);
                finish_last_exit(v, "the pause");
                continue;
            }
            if (!v->ctl_parked) {
                bool publish = !v->ctx_pending &&
                               v->runstate.state == RUNSTATE_running;
                v->ctl_parked = true;
                if (publish) {
                    shinfo_runstate_locked(v, RUNSTATE_offline);
                    pthread_mutex_unlock(&vm->lock);
                    shinfo_publish_runstate(v);
                    continue;
                }
            }
            /* The pauser waits for this: nothing of this thread (a
             * hypercall's results, the runstate area) writes guest memory
             * any more, so a save sees it all. */
            v->ctl_waiting = true;
            pthread_cond_broadcast(&vm->cond);
            pthread_cond_wait(&v->cond, &vm->lock);
            v->ctl_waiting = false;
            pthread_mutex_unlock(&vm->lock);
            continue;
        }
        v->ctl_parked = false;
        v->exit_completed = false;
        if ((vm->pausing && vm->pause_owner != v) ||
            (v->state != VCPU_UP && !waits_for_sipi(v))) {
            pthread_cond_wait(&v->cond, &vm->lock);
            pthread_mutex_unlock(&vm->lock);
            continue;
        }
        if (!v->ctx_pending && v->state == VCPU_UP &&
            v->runstate.state != RUNSTATE_running) {
            shinfo_runstate_locked(v, RUNSTATE_running);
            v->areas_changed = true;
        }
        if (v->areas_changed && !v->ctx_pending) {
            /* Registered from another vCPU, or a state change while
             * parked: written now, with this vCPU's own page tables. */
            v->areas_changed = false;
            pthread_mutex_unlock(&vm->lock);
            shinfo_publish_runstate(v);
            shinfo_publish_time(v);
            continue;
        }
        if (v->flush_tlb) {
            v->flush_tlb = false;
            pthread_mutex_unlock(&vm->lock);
            flush_tlb(v);
            continue;
        }
        if (!v->ctx_pending) {
            v->in_guest = true;
            pthread_mutex_unlock(&vm->lock);
            irq_vcpu_entry(v);
            return true;
        }
        ctx = v->init_ctx;
        v->ctx_pending = false;
        pthread_mutex_unlock(&vm->lock);
        if (load_ctx(v, &ctx) < 0) {
            log_err("vCPU %u: cannot load its initial state", v->id);
            vm_shutdown(vm, XK_EXIT_VMM_ERROR);
            return false;
        }
        shinfo_vcpu_online(v);
    }
}

static void leave_guest(struct vcpu *v)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->lock);
    v->in_guest = false;
    if (vm->pausing || vm->ctl_pause_count)
        pthread_cond_broadcast(&vm->cond);
    pthread_mutex_unlock(&vm->lock);
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    uint64_t t_exit = 0;
    int kind = 1;       /* exit_count index of the last exit */
    struct timespec ts;
    sigset_t set;

    this_vcpu = v;
    {
        /* "vcpuN": how xl vcpu-pin finds the thread to give an affinity. */
        char name[16];
        snprintf(name, sizeof(name), "vcpu%u", v->id);
        pthread_setname_np(pthread_self(), name);
    }
    pthread_mutex_lock(&v->vm->lock);
    v->tid = gettid();
    if (pthread_getcpuclockid(pthread_self(), &v->cpu_clock))
        v->cpu_clock = CLOCK_THREAD_CPUTIME_ID;     /* never: reads as 0 */
    pthread_mutex_unlock(&v->vm->lock);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);

    while (gate(v)) {
        int rc, err;

        if (t_exit) {
            v->exit_cycles[kind] += __builtin_ia32_rdtsc() - t_exit;
            v->exit_count[kind]++;
        }
        rc = ioctl(v->fd, KVM_RUN, 0);
        err = errno;
        t_exit = __builtin_ia32_rdtsc();
        kind = !(rc == 0 && ((v->run->exit_reason == KVM_EXIT_IO &&
                               v->run->io.port == XK_HCALL_PORT) ||
                              v->run->exit_reason == KVM_EXIT_XEN));

        leave_guest(v);
        debug_dump_vcpu_if_asked(v);
        if (rc < 0) {
            if (err == EINTR || err == EAGAIN) {
                v->run->immediate_exit = 0;
                continue;
            }
            errno = err;
            log_err("vCPU %u: KVM_RUN:", v->id);
            vm_shutdown(v->vm, XK_EXIT_VMM_ERROR);
            break;
        }
        if (v->state != VCPU_UP)
            sipi_started(v);
        if (!handle_exit(v))
            break;
    }
    /* Once marked done (under the lock) the thread is never asked for
     * its CPU clock again: it may be joined at any time after. */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    pthread_mutex_lock(&v->vm->lock);
    v->final_cpu_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    v->thread_done = true;
    pthread_mutex_unlock(&v->vm->lock);
    return NULL;
}

int vcpus_start(struct vm *vm, const struct vcpu_hvm_context *boot)
{
    struct sigaction sa;
    sigset_t set;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = kick_handler;
    sigaction(SIGUSR1, &sa, NULL);
    /* Only vCPU threads take kicks: other threads keep SIGUSR1 blocked. */
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    if (boot) {
        vm->vcpus[0].init_ctx = *boot;
        vm->vcpus[0].ctx_pending = true;
        vm->vcpus[0].initialised = true;
        vm->vcpus[0].state = VCPU_UP;
    }
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        int rc;

        pthread_mutex_lock(&vm->kick_lock);     /* started vCPUs kick */
        rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
        v->thread_started = !rc;
        pthread_mutex_unlock(&vm->kick_lock);
        if (rc) {
            errno = rc;
            log_err("cannot start vCPU thread:");
            return -rc;
        }
    }
    return 0;
}

void vm_shutdown(struct vm *vm, int status)
{
    bool first;

    pthread_mutex_lock(&vm->exit_lock);
    first = !atomic_load(&vm->stopping);
    if (first) {
        vm->exit_status = status;
        atomic_store(&vm->stopping, true);
    }
    pthread_mutex_unlock(&vm->exit_lock);
    if (!first)
        return;
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        pthread_cond_broadcast(&vm->vcpus[i].cond);
    pthread_cond_broadcast(&vm->cond);
    pthread_mutex_unlock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vcpu_kick(&vm->vcpus[i]);
    /* Only now may vm_wait join the threads and free the vCPU array that
     * the loop above walks (the caller may be the signal thread). */
    pthread_mutex_lock(&vm->exit_lock);
    vm->kicked_all = true;
    pthread_cond_broadcast(&vm->exit_cond);
    pthread_mutex_unlock(&vm->exit_lock);
}

void vm_shutdown_reason(struct vm *vm, unsigned reason)
{
    int code;

    pthread_mutex_lock(&vm->exit_lock);
    if (vm->shutdown_code < 0)
        vm->shutdown_code = (int)reason;
    code = vm->shutdown_code;
    pthread_mutex_unlock(&vm->exit_lock);
    vm_shutdown(vm, xk_exit_for_shutdown((unsigned)code));
}

int vm_resume(struct vm *vm)
{
    pthread_mutex_lock(&vm->exit_lock);
    atomic_store(&vm->stopping, false);
    vm->shutdown_code = -1;
    vm->exit_status = 0;
    vm->kicked_all = false;
    pthread_mutex_unlock(&vm->exit_lock);
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        vm->vcpus[i].thread_done = false;
    pthread_mutex_unlock(&vm->lock);
    return vcpus_start(vm, NULL);
}

int vm_wait(struct vm *vm)
{
    pthread_mutex_lock(&vm->exit_lock);
    while (!vm->kicked_all)
        pthread_cond_wait(&vm->exit_cond, &vm->exit_lock);
    pthread_mutex_unlock(&vm->exit_lock);
    /* A postcopy destination paused by a broken connection lets the
     * vCPUs waiting on a missing page go (they read zeroes: the domain is
     * ending, its guest lost). */
    if (vm->pc_dest && !atomic_load(&vm->pc_busy) && pc_dest_paused(vm->pc_dest)) {
        pc_dest_disarm(vm->pc_dest);
        pthread_mutex_lock(&vm->pc_backends.lock);
        free(vm->pc_dest);
        vm->pc_dest = NULL;
        pthread_mutex_unlock(&vm->pc_backends.lock);
    }
    /* vCPU threads leave at their next exit (every one was kicked); one
     * that cannot (stuck in a VMM bug) must not keep a stopped domain's
     * process alive.  Later kicks (a vCPU still running kicking another)
     * skip a thread once it is about to be joined. */
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        struct timespec ts;
        bool started;

        pthread_mutex_lock(&vm->kick_lock);
        started = v->thread_started;
        v->thread_started = false;
        pthread_mutex_unlock(&vm->kick_lock);
        if (!started)
            continue;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        if (pthread_timedjoin_np(v->thread, NULL, &ts)) {
            log_err("vCPU %u did not stop; exiting without it", i);
            vm->vcpu_stuck = true;
        }
    }
    return vm->exit_status;
}

void vcpus_destroy(struct vm *vm)
{
    if (!vm->vcpus || vm->vcpu_stuck)
        return;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        if (v->run)
            munmap(v->run, v->run_size);
        if (v->fd > 0)
            close(v->fd);
        pthread_cond_destroy(&v->cond);
    }
    free(vm->vcpus);
    vm->vcpus = NULL;
}

void vm_pause_others(struct vm *vm, struct vcpu *self)
{
    pthread_mutex_lock(&vm->lock);
    /* Another vCPU is pausing us: wait our turn, out of guest mode. */
    while (vm->pausing && !atomic_load(&vm->stopping))
        pthread_cond_wait(self ? &self->cond : &vm->cond, &vm->lock);
    vm->pausing = true;
    vm->pause_owner = self;
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        if (&vm->vcpus[i] != self)
            vcpu_kick(&vm->vcpus[i]);
    for (;;) {
        bool busy = false;
        for (unsigned i = 0; i < vm->nr_vcpus; i++)
            if (&vm->vcpus[i] != self && vm->vcpus[i].in_guest)
                busy = true;
        if (!busy)
            break;
        pthread_cond_wait(&vm->cond, &vm->lock);
    }
    pthread_mutex_unlock(&vm->lock);
}

void vm_unpause(struct vm *vm)
{
    pthread_mutex_lock(&vm->lock);
    vm->pausing = false;
    vm->pause_owner = NULL;
    for (unsigned i = 0; i < vm->nr_vcpus; i++)
        pthread_cond_broadcast(&vm->vcpus[i].cond);
    pthread_cond_broadcast(&vm->cond);
    pthread_mutex_unlock(&vm->lock);
}

int vcpu_initialise(struct vcpu *t, const struct vcpu_hvm_context *ctx)
{
    struct vm *vm = t->vm;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    int rc;

    /* Validate now, so the guest gets Xen's -EINVAL from the hypercall;
     * an initialised vCPU gets -EEXIST whatever the context. */
    memset(&sregs, 0, sizeof(sregs));
    pthread_mutex_lock(&vm->lock);
    if (t->initialised) {
        rc = -EEXIST;
    } else if ((rc = hvm_ctx_to_kvm(ctx, &regs, &sregs)) == 0) {
        t->init_ctx = *ctx;
        t->ctx_pending = true;
        t->initialised = true;
    }
    pthread_mutex_unlock(&vm->lock);
    return rc;
}

int vcpu_up(struct vcpu *t)
{
    struct vm *vm = t->vm;
    int rc = 0;

    pthread_mutex_lock(&vm->lock);
    if (!t->initialised)
        rc = -EINVAL;
    else if (t->state != VCPU_UP) {
        t->state = VCPU_UP;
        pthread_cond_broadcast(&t->cond);
    }
    pthread_mutex_unlock(&vm->lock);
    if (!rc)
        vcpu_kick(t);   /* out of KVM_RUN if it waited there for a SIPI */
    return rc;
}

int vcpu_down(struct vcpu *t)
{
    struct vm *vm = t->vm;

    pthread_mutex_lock(&vm->lock);
    t->state = VCPU_DOWN;
    t->wake = true;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&vm->lock);
    vcpu_kick(t);
    return 0;
}

int vcpu_is_up(struct vcpu *t)
{
    struct vm *vm = t->vm;
    int up;

    pthread_mutex_lock(&vm->lock);
    up = t->state == VCPU_UP;
    pthread_mutex_unlock(&vm->lock);
    return up;
}

bool vcpu_wait(struct vcpu *v, uint64_t deadline)
{
    struct vm *vm = v->vm;
    bool ok;

    shinfo_runstate(v, RUNSTATE_blocked);
    pthread_mutex_lock(&vm->lock);
    while (!v->wake && !atomic_load(&vm->stopping) && v->state == VCPU_UP) {
        if (deadline) {
            uint64_t now = xen_clock_now(&vm->clock);
            struct timespec ts;
            if (now >= deadline)
                break;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            uint64_t ns = (uint64_t)ts.tv_nsec + (deadline - now);
            ts.tv_sec += ns / 1000000000ULL;
            ts.tv_nsec = ns % 1000000000ULL;
            pthread_cond_timedwait(&v->cond, &vm->lock, &ts);
        } else {
            pthread_cond_wait(&v->cond, &vm->lock);
        }
    }
    /* Woken (or timed out) while the controller has the domain paused:
     * still blocked, as on Xen, where a paused domain's vCPU does not run
     * and writes nothing until it is unpaused.  Going on now would write
     * the runstate area and the hypercall's results into guest memory a
     * save may already have read. */
    while (vm->ctl_pause_count && !atomic_load(&vm->stopping))
        pthread_cond_wait(&v->cond, &vm->lock);
    v->wake = false;
    ok = !atomic_load(&vm->stopping);
    pthread_mutex_unlock(&vm->lock);
    shinfo_runstate(v, RUNSTATE_running);
    return ok;
}

void vcpu_wake(struct vcpu *v)
{
    struct vm *vm = v->vm;

    pthread_mutex_lock(&vm->lock);
    v->wake = true;
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&vm->lock);
}
