/* xenkvm: run one Xen HVM/PVH domain on KVM. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/sysinfo.h>
#include <unistd.h>
#include <xen/sched.h>

#include "backend_host.h"
#include "acpi.h"
#include "boot.h"
#include "console.h"
#include "control.h"
#include "debug_dump.h"
#include "cpuid.h"
#include "events.h"
#include "domain_limits.h"
#include "exit_codes.h"
#include "grant.h"
#include "grant_testdev.h"
#include "mig_stream.h"
#include "postcopy.h"
#include "passthrough.h"
#include "passthrough_pirq.h"
#include "hcall_kvm_xen.h"
#include "live_update.h"
#include "hcall_transport.h"
#include "log.h"
#include "pci.h"
#include "platform_io.h"
#include "timer.h"
#include "util.h"
#include "vmm_options.h"
#include "vcpu.h"
#include "vcpu_tsc.h"
#include "vm.h"
#include "watchdog.h"
#include "xs_conn.h"

/* Event channel ports the domain builder reserves for the xenstore and
 * console rings (Xen allocates them unbound to dom0 at build time). */

static void usage(FILE *f)
{
    fprintf(f,
"usage: xenkvm (--kernel ELF | --firmware ELF) [options]\n"
"Run one Xen HVM/PVH domain on KVM.\n"
"  -k, --kernel ELF      PVH kernel (XEN_ELFNOTE_PHYS32_ENTRY)\n"
"  -f, --firmware ELF    HVM firmware, entered at its ELF entry point\n"
"  -r, --ramdisk FILE    module passed in hvm_start_info\n"
"  -c, --cmdline TEXT    kernel command line\n"
"  -m, --memory MIB      guest memory (default %d)\n"
"  -n, --vcpus N         number of vCPUs (default 1, at most %d)\n"
"      --max-vcpus N     vCPUs the domain has (xl's maxvcpus; default --vcpus):\n"
"                        those past --vcpus are in the MADT but disabled\n"
"      --no-acpi         no ACPI tables (xl's acpi=0)\n"
"  -d, --domid N         domain id the guest sees (default 1)\n"
"  -e, --max-evtchn-port N  highest event channel port (default %d)\n"
"  -R, --rundir DIR      listen on DIR/dom<N>.sock for event channel binds\n"
"                        from other domains and host backends (default:\n"
"                        $XENKVM_RUNDIR when set, else none)\n"
"  -X, --xenstored PATH  attach the xenstore ring to xenstored's VMM socket\n"
"  -C, --console-log FILE  append the guest's PV console output to FILE\n"
"                        (with a run directory, clients of DIR/dom<N>.console\n"
"                        get it too; with neither it goes to standard output)\n"
"  -p, --paused          create the domain paused: the vCPUs run no guest\n"
"                        code until an unpause (xl create -p)\n"
"      --ready-fd N      once the domain is set up, write 'R' to file\n"
"                        descriptor N (3 or more) and close it\n"
"      --restore-fd N    restore the domain from Xen's migration stream on fd N\n"
"      --live-update-fd N  take over a running domain from the VMM that exec'd\n"
"                        this one (xl live-update; docs/live-update.md)\n"
"      --check-live-update-version DESC  exit 0 if this binary reads the\n"
"                        live update state DESC describes, else say why\n"
"      --hold-fd N       after a guest shutdown write the coming exit status\n"
"                        (one byte) to N and keep the domain until a stopping\n"
"                        signal or until N is closed (xl's monitor); until\n"
"                        'A' is read from N the domain is still being built,\n"
"                        and the VMM ends if N closes first\n"
"      --uuid UUID       the domain's handle (XENVER_guest_handle)\n"
"      --hypercall-transport auto|kvm|port  how hypercalls reach the VMM:\n"
"                        KVM_EXIT_XEN (hosts with CONFIG_KVM_XEN) or the\n"
"                        port-I/O hypercall page (any host); auto (default)\n"
"                        takes kvm where the host has it\n"
"      --max-grant-frames N  grant table frames at most (default %d, up to %d)\n"
"      --test-grant-backend  debug device for grant tests (docs/grant-tables.md)\n"
"      --pci vfio-user:SOCKET|vfio:BDF,group=N[,permissive][,power_mgmt]\n"
"                        pass a PCI function through at 00:02.0 (HVM only;\n"
"                        docs/pciback.md)\n"
"      --hvm-pirq        device interrupts as PIRQ event channels\n"
"                        (XENFEAT_hvm_pirqs, xl.cfg hvm_pirq; HVM only)\n"
"  -s, --stats           print exit counts and VMM-side cycles at the end\n"
"  -v, --verbose         more messages (twice: debug)\n"
"  -h, --help            this text\n"
"Environment: XENKVM_RUNDIR, the run directory when --rundir is not given.\n"
"SIGUSR1 powers the guest off, SIGUSR2 resets it (xl shutdown/reboot -F);\n"
"SIGQUIT logs the vCPUs', timers' and events' state (docs/exit-codes.md).\n"
"Exit status: 0 poweroff, 10 reboot, 11 suspend, 12 crash, 13 watchdog,\n"
"14 soft reset, 20 triple fault, 21 KVM could not run the guest,\n"
"22 killed by a signal, 1 VMM error, 2 bad arguments (docs/exit-codes.md).\n",
        XK_DEFAULT_MEM_MIB, XK_MAX_VCPUS, EVTCHN_DEFAULT_MAX_PORT,
        GNT_DEFAULT_MAX_FRAMES, GNT_MAX_FRAMES_LIMIT);
}

/* What the exits cost the VMM itself, from KVM_RUN's return to re-entry. */
static void print_stats(struct vm *vm)
{
    static const char *const names[2] = { "hypercall", "other" };

    for (int k = 0; k < 2; k++) {
        uint64_t n = 0, cyc = 0;
        for (unsigned i = 0; i < vm->nr_vcpus; i++) {
            n += vm->vcpus[i].exit_count[k];
            cyc += vm->vcpus[i].exit_cycles[k];
        }
        fprintf(stderr, "STATS exits_%s %llu vmm_cycles_per_exit %llu\n",
                names[k], (unsigned long long)n,
                (unsigned long long)(n ? cyc / n : 0));
    }
}

/* Set by a stopping signal: ends a held domain (--hold-fd). */
static int release_efd = -1;
/* Written by RESUME (control.c): a held, suspended domain runs again. */
static int vm_resume_efd = -1;

static void *signal_thread(void *arg)
{
    struct vm *vm = arg;
    sigset_t set;
    int sig;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGQUIT);
    for (;;) {
        uint64_t one = 1;

        if (sigwait(&set, &sig))
            continue;
        if (sig == SIGQUIT) {
            /* A state dump into the log, the domain goes on (Xen's
             * debug keys; run-l1.sh asks for one when L2 stops). */
            debug_dump_vm(vm);
            continue;
        }
        if (sig == SIGUSR1 || sig == SIGUSR2) {
            /* A hard power-off or reset from outside (xl shutdown -F, xl
             * reboot -F): the guest stops as if it had asked. */
            log_info("signal %d: %s", sig, sig == SIGUSR1 ? "powering off" : "resetting");
            vm_shutdown_reason(vm, sig == SIGUSR1 ? SHUTDOWN_poweroff : SHUTDOWN_reboot);
            continue;
        }
        log_info("signal %d: stopping the domain", sig);
        vm_shutdown(vm, XK_EXIT_KILLED);
        if (write(release_efd, &one, sizeof(one)) < 0)
            log_warn("cannot release the held domain:");
    }
    return NULL;
}

/* --hold-fd: after a guest shutdown the domain stays (vCPUs stopped, still
 * attached to xenstored, console still served) until its monitor lets it
 * go, by a stopping signal or by closing its end.  The monitor learns the
 * coming exit status first, as one byte. */
static bool hold_domain(struct vm *vm, int fd, int status)
{
    unsigned char b = (unsigned char)status;
    struct pollfd p[3] = { { .fd = fd, .events = POLLIN }, { .fd = release_efd, .events = POLLIN },
                           { .fd = vm->resume_fd, .events = POLLIN } };

    if (write(fd, &b, 1) != 1)
        return false;   /* no monitor: nobody to wait for */
    log_info("domain held after shutdown (status %d) until its monitor releases it", status);
    for (;;) {
        char c;
        uint64_t n;

        if (poll(p, 3, -1) < 0 && errno != EINTR)
            return false;
        if (p[1].revents)
            return false;
        if (p[0].revents && read(fd, &c, 1) <= 0)
            return false;
        /* RESUME (control.c) of a suspended domain: it runs again. */
        if (p[2].revents && read(vm->resume_fd, &n, sizeof(n)) == sizeof(n))
            return true;
    }
}

/* --hold-fd: the domain belongs to whoever built it only once that
 * builder adopts it ('A').  If the builder goes first (killed, or its xl
 * interrupted), the domain would be an orphan nobody knows: end it.  xl
 * also starts the VMM with a parent-death signal, which covers the set-up
 * before this point; once adopted the domain outlives its monitor, as a
 * Xen domain outlives xl, so that signal is cleared here, by the main
 * thread (it belongs to the thread that set it).  0, or -1 to stop. */
static int await_adoption(struct vm *vm, int fd)
{
    struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = release_efd, .events = POLLIN } };

    /* Polled in steps so a domain stopped meanwhile is not kept waiting. */
    while (!atomic_load(&vm->stopping)) {
        char c;
        int rc = poll(p, 2, 100);

        if (rc < 0 && errno != EINTR)
            return 0;
        if (rc <= 0 || p[1].revents)
            continue;
        if (read(fd, &c, 1) == 1 && c == 'A') {
            prctl(PR_SET_PDEATHSIG, 0);
            return 0;
        }
        log_err("the domain's builder went away before adopting it: stopping");
        return -1;
    }
    return 0;
}

/* KVM_X86_SET_MSR_FILTER waits for an SRCU grace period in the kernel
 * (12-16 ms measured here, most of a live update's pause): it runs on a
 * thread of its own while the rest of the VM is built, and is waited for
 * before any vCPU runs (msr_filter_wait). */
static struct {
    int vm_fd, err;
    bool running;
    pthread_t thread;
} msr_filter;

static void *set_msr_filter(void *arg)
{
    static uint8_t deny;    /* bitmap bit 0 clear: the one MSR exits */
    struct kvm_msr_filter f = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = {
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .base = XK_HYPERCALL_MSR, .nmsrs = 1, .bitmap = &deny,
        },
    };

    (void)arg;
    msr_filter.err = ioctl(msr_filter.vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0 ? errno : 0;
    return NULL;
}

static int install_msr_filter(struct vm *vm)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER,
    };

    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
        log_err("KVM cannot trap the hypercall MSR (user-space MSR exits):");
        return -1;
    }
    msr_filter.vm_fd = vm->vm_fd;
    if (pthread_create(&msr_filter.thread, NULL, set_msr_filter, NULL) == 0) {
        msr_filter.running = true;
        return 0;
    }
    set_msr_filter(NULL);
    if (msr_filter.err) {
        errno = msr_filter.err;
        log_err("KVM cannot trap the hypercall MSR (user-space MSR exits):");
        return -1;
    }
    return 0;
}

/* The filter is in place: the vCPUs may run. */
static int msr_filter_wait(void)
{
    if (msr_filter.running) {
        pthread_join(msr_filter.thread, NULL);
        msr_filter.running = false;
    }
    if (msr_filter.err) {
        errno = msr_filter.err;
        log_err("KVM cannot trap the hypercall MSR (user-space MSR exits):");
        return -1;
    }
    return 0;
}

static struct kvm_cpuid2 *host_cpuid(struct vm *vm)
{
    unsigned n = 256;
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

    if (!c)
        return NULL;
    c->nent = n;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
        log_err("KVM_GET_SUPPORTED_CPUID:");
        free(c);
        return NULL;
    }
    return c;
}

/* Exit with a usage error unless PATH (NULL: not given) can be opened and
 * read: a missing file, a directory, no permission. */
static void check_readable(const char *path)
{
    char b;
    int fd;

    if (!path)
        return;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, &b, 1) < 0)
        die(XK_EXIT_USAGE, "cannot read %s:", path);
    close(fd);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { XK_OPT_KERNEL, required_argument, 0, 'k' },
        { XK_OPT_FIRMWARE, required_argument, 0, 'f' },
        { XK_OPT_RAMDISK, required_argument, 0, 'r' },
        { XK_OPT_CMDLINE, required_argument, 0, 'c' },
        { XK_OPT_MEMORY, required_argument, 0, 'm' },
        { XK_OPT_VCPUS, required_argument, 0, 'n' },
        { XK_OPT_MAX_VCPUS, required_argument, 0, 'M' },
        { XK_OPT_NO_ACPI, no_argument, 0, 'A' },
        { XK_OPT_DOMID, required_argument, 0, 'd' },
        { XK_OPT_MAX_EVTCHN_PORT, required_argument, 0, 'e' },
        { XK_OPT_RUNDIR, required_argument, 0, 'R' },
        { XK_OPT_XENSTORED, required_argument, 0, 'X' },
        { XK_OPT_MAX_GRANT_FRAMES, required_argument, 0, 'G' },
        { XK_OPT_TEST_GRANT_BACKEND, no_argument, 0, 'B' },
        { XK_OPT_PAUSED, no_argument, 0, 'p' },
        { XK_OPT_CONSOLE_LOG, required_argument, 0, 'C' },
        { XK_OPT_READY_FD, required_argument, 0, 'Y' },
        { XK_OPT_HOLD_FD, required_argument, 0, 'H' },
        { XK_OPT_UUID, required_argument, 0, 'U' },
        { XK_OPT_RESTORE_FD, required_argument, 0, 'S' },
        { XK_OPT_PCI, required_argument, 0, 'P' },
        { XK_OPT_HVM_PIRQ, no_argument, 0, 'Q' },
        { XK_OPT_HYPERCALL_TRANSPORT, required_argument, 0, 'T' },
        { XK_OPT_STATS, no_argument, 0, 's' },
        { XK_OPT_LIVE_UPDATE_FD, required_argument, 0, 'L' },
        { XK_OPT_CHECK_LU_VERSION, required_argument, 0, 'V' },
        { XK_OPT_VERBOSE, no_argument, 0, 'v' },
        { XK_OPT_HELP, no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    struct boot_spec spec = { 0 };
    uint64_t mem_mib = XK_DEFAULT_MEM_MIB, vcpus = 1, max_vcpus = 0, domid = 1;
    bool acpi = true;
    uint64_t max_port = EVTCHN_DEFAULT_MAX_PORT;
    const char *rundir = getenv("XENKVM_RUNDIR"), *xenstored = NULL;
    const char *console_log = NULL;
    uint64_t max_gframes = GNT_DEFAULT_MAX_FRAMES;
    bool grant_testdev = false, hvm_pirq = false;
    struct vcpu_hvm_context boot;
    struct kvm_cpuid2 *cpuid;
    struct vm vm;
    struct xk_backend_ctx backend_ctx;
    struct sysinfo si;
    pthread_t sigthr;
    sigset_t set;
    int64_t tsc_offset;
    int verbose = 0, ch, rc, khz;
    bool stats = false, paused = false;
    int ready_fd = -1, console_fd = -1, hold_fd = -1, restore_fd = -1;
    bool restored = false;
    int lu_fd = -1;
    struct lu_handover lu = { 0 };
    const char *uuid = NULL;
    const char *pci = NULL;
    enum xk_transport transport = XK_TRANSPORT_AUTO;
    char why[256];

    log_set_prog("xenkvm");
    lu_set_argv(argc, argv);
    while ((ch = getopt_long(argc, argv, "k:f:r:c:m:n:d:e:R:X:C:psvh", opts, NULL)) != -1) {
        switch (ch) {
        case 'k': spec.kernel = optarg; break;
        case 'f': spec.firmware = optarg; break;
        case 'r': spec.ramdisk = optarg; break;
        case 'c': spec.cmdline = optarg; break;
        case 'm':
            if (!parse_u64(optarg, &mem_mib) || mem_mib < XK_MEM_MIN_MIB ||
                mem_mib > XK_MEM_MAX_MIB)
                die(XK_EXIT_USAGE, "--memory %s: give MiB between %d and %llu", optarg,
                    XK_MEM_MIN_MIB, XK_MEM_MAX_MIB);
            break;
        case 'n':
            if (!parse_u64(optarg, &vcpus) || vcpus < 1 || vcpus > XK_MAX_VCPUS)
                die(XK_EXIT_USAGE, "--vcpus %s: give a count from 1 to %d", optarg, XK_MAX_VCPUS);
            break;
        case 'M':
            if (!parse_u64(optarg, &max_vcpus) || max_vcpus < 1 || max_vcpus > XK_MAX_VCPUS)
                die(XK_EXIT_USAGE, "--max-vcpus %s: give a count from 1 to %d", optarg, XK_MAX_VCPUS);
            break;
        case 'A': acpi = false; break;
        case 'd':
            if (!parse_u64(optarg, &domid) || domid < 1 || domid >= DOMID_FIRST_RESERVED)
                die(XK_EXIT_USAGE, "--domid %s: give a domain id from 1 to %u", optarg,
                    DOMID_FIRST_RESERVED - 1);
            break;
        case 'e':
            if (!parse_u64(optarg, &max_port) || max_port < 2 ||
                max_port >= EVTCHN_FIFO_NR_CHANNELS)
                die(XK_EXIT_USAGE, "--max-evtchn-port %s: give a port from 2 (the "
                    "xenstore and console ports) to %d", optarg,
                    EVTCHN_FIFO_NR_CHANNELS - 1);
            break;
        case 'R': rundir = optarg; break;
        case 'X': xenstored = optarg; break;
        case 'G':
            if (!parse_u64(optarg, &max_gframes) || max_gframes < 1 ||
                max_gframes > GNT_MAX_FRAMES_LIMIT)
                die(XK_EXIT_USAGE, "--max-grant-frames %s: give a count from 1 to %d",
                    optarg, GNT_MAX_FRAMES_LIMIT);
            break;
        case 'B': grant_testdev = true; break;
        case 'P': pci = optarg; break;
        case 'Q': hvm_pirq = true; break;
        case 'p': paused = true; break;
        case 'C': console_log = optarg; break;
        case 'Y': {
            uint64_t fd;
            if (!parse_u64(optarg, &fd) || fd < 3 || fd > INT_MAX ||
                fcntl((int)fd, F_GETFD) < 0)
                die(XK_EXIT_USAGE, "--ready-fd %s: give an open file descriptor "
                    "from 3 up", optarg);
            ready_fd = (int)fd;
            fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
            break;
        }
        case 'H': {
            uint64_t fd;
            if (!parse_u64(optarg, &fd) || fd < 3 || fd > INT_MAX ||
                fcntl((int)fd, F_GETFD) < 0)
                die(XK_EXIT_USAGE, "--hold-fd %s: give an open file descriptor "
                    "from 3 up", optarg);
            hold_fd = (int)fd;
            fcntl(hold_fd, F_SETFD, FD_CLOEXEC);
            lu_keep_fd(hold_fd);    /* the monitor's hold outlives an update */
            break;
        }
        case 'U': uuid = optarg; break;
        case 'S': {
            uint64_t fd;
            if (!parse_u64(optarg, &fd) || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
                die(XK_EXIT_USAGE, "--restore-fd %s: give an open file descriptor", optarg);
            restore_fd = (int)fd;
            fcntl(restore_fd, F_SETFD, FD_CLOEXEC);
            break;
        }
        case 'T':
            if (!xk_transport_parse(optarg, &transport))
                die(XK_EXIT_USAGE, "--hypercall-transport %s: give auto, kvm or port", optarg);
            break;
        case 's': stats = true; break;
        case 'V': {
            char msg[SS_MSG_LEN];
            rc = lu_check_version(optarg, msg, sizeof(msg));
            printf("%s\n", msg);
            return rc ? XK_EXIT_USAGE : 0;
        }
        case 'L': {
            uint64_t fd;
            if (!parse_u64(optarg, &fd) || fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
                die(XK_EXIT_USAGE, "--live-update-fd %s: give an open file descriptor", optarg);
            lu_fd = (int)fd;
            break;
        }
        case 'v': verbose++; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return XK_EXIT_USAGE;
        }
    }
    log_set_level(verbose);
    if (optind < argc)
        die(XK_EXIT_USAGE, "unexpected argument '%s' (see --help)", argv[optind]);
    if (!max_vcpus)
        max_vcpus = vcpus;
    if (max_vcpus < vcpus)
        die(XK_EXIT_USAGE, "--max-vcpus %llu is less than --vcpus %llu",
            (unsigned long long)max_vcpus, (unsigned long long)vcpus);
    if (!!spec.kernel == !!spec.firmware)
        die(XK_EXIT_USAGE, "give exactly one of --kernel and --firmware (see --help)");
    if (console_log) {
        /* Appended to, as xenconsoled opens its guest logs. */
        console_fd = open(console_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (console_fd < 0)
            die(XK_EXIT_USAGE, "--console-log %s:", console_log);
    }

    /* A reader of the ready fd (or a console client) that went away is
     * an error on that write, not the end of the VMM. */
    signal(SIGPIPE, SIG_IGN);

    /* Signals go to one thread; vCPU threads inherit the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    release_efd = eventfd(0, EFD_CLOEXEC);
    vm_resume_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (release_efd < 0)
        die(XK_EXIT_VMM_ERROR, "eventfd:");

    /* Guest RAM is allocated as it is touched, so check up front that the
     * host could ever back it, as Xen refuses a domain it cannot fill. */
    if (sysinfo(&si) == 0) {
        uint64_t host_mib = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit >> 20;
        if (mem_mib > host_mib)
            die(XK_EXIT_USAGE, "--memory %llu MiB does not fit: the host has %llu MiB "
                "of RAM and swap", (unsigned long long)mem_mib,
                (unsigned long long)host_mib);
    }
    rc = vm_mem_init(&vm, mem_mib, (unsigned)max_vcpus);
    if (rc) {
        errno = -rc;
        die(XK_EXIT_USAGE, "cannot create %llu MiB of guest memory:",
            (unsigned long long)mem_mib);
    }
    vm.domid = (domid_t)domid;
    vm.resume_fd = vm_resume_efd;
    vm.online_vcpus = (unsigned)vcpus;
    /* libxl builds ACPI tables for PVH guests, hvmloader for HVM ones:
     * here the VMM builds both (acpi.c). */
    vm.acpi = acpi;
    vm.hvm_platform = spec.firmware != NULL;
    /* libxl gives PVH guests no emulated interrupts to route. */
    vm.hvm_pirq = hvm_pirq && spec.firmware;
    if (uuid && !parse_uuid(uuid, vm.handle))
        die(XK_EXIT_USAGE, "--uuid %s: give a UUID as xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", uuid);
    vm_gnttab_set_max(&vm, (unsigned)max_gframes);
    if (grant_testdev && grant_testdev_enable(&vm))
        die(XK_EXIT_VMM_ERROR, "cannot enable the grant test device");
    /* Without xenstored nothing serves the ring: Linux's xenbus would wait
     * for its first reply forever, so the guest sees no xenstore (0, an
     * uninitialised param on Xen) and goes on without it. */
    vm.params[HVM_PARAM_STORE_PFN] = xenstored ?
        XK_SPECIAL_END_PFN - XK_NR_SPECIAL + SPECIAL_XENSTORE : 0;
    vm.params[HVM_PARAM_CONSOLE_PFN] = XK_SPECIAL_END_PFN - XK_NR_SPECIAL + SPECIAL_CONSOLE;
    vm.max_evtchn_port = (uint32_t)max_port;
    vm.rundir = rundir;

    /* An image that cannot be read is the caller's mistake, said as such
     * before KVM is opened (a host without /dev/kvm says the same). */
    check_readable(spec.kernel);
    check_readable(spec.ramdisk);
    check_readable(spec.firmware);
    if (vm_kvm_init(&vm))
        die(XK_EXIT_VMM_ERROR, "cannot set up KVM");
    if (xk_transport_choose(transport, xk_transport_host_caps(vm.vm_fd),
                            &vm.transport, why, sizeof(why)))
        die(XK_EXIT_USAGE, "%s", why);
    if (vm.transport == XK_TRANSPORT_KVM ? hcall_kvm_xen_enable(&vm) < 0
                                         : install_msr_filter(&vm) < 0)
        die(XK_EXIT_VMM_ERROR, "cannot set up the %s hypercall transport",
            xk_transport_name(vm.transport));
    log_info("hypercall transport: %s", xk_transport_name(vm.transport));
    if (boot_load(&vm, &spec, &boot)) {
        vm_destroy(&vm);
        return XK_EXIT_USAGE;
    }

    vm.vcpus = calloc(vm.nr_vcpus, sizeof(*vm.vcpus));
    if (!vm.vcpus)
        die(XK_EXIT_VMM_ERROR, "out of memory");
    for (unsigned i = 0; i < vm.nr_vcpus; i++)
        if (vcpu_create(&vm, i))
            die(XK_EXIT_VMM_ERROR, "cannot create vCPU %u", i);
    if ((rc = vcpu_tsc_sync(&vm)))
        log_warn("vCPUs may not share one TSC: %s", strerror(-rc));
    khz = ioctl(vm.vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0 || vcpu_tsc_offset(&vm.vcpus[0], &tsc_offset))
        die(XK_EXIT_VMM_ERROR, "cannot read the guest TSC:");
    xen_clock_init(&vm.clock, (uint32_t)khz, tsc_offset);
    cpuid = host_cpuid(&vm);
    if (!cpuid)
        die(XK_EXIT_VMM_ERROR, "cannot read the host CPUID");
    for (unsigned i = 0; i < vm.nr_vcpus; i++)
        if (vcpu_set_cpuid(&vm.vcpus[i], cpuid))
            die(XK_EXIT_VMM_ERROR, "cannot set the CPUID of vCPU %u", i);
    free(cpuid);

    if ((rc = pci_init(&vm)) || (rc = platform_io_init(&vm)) ||
        (rc = acpi_io_init(&vm)) || (rc = passthrough_init(&vm, spec.kernel != NULL))) {
        errno = -rc;
        die(XK_EXIT_VMM_ERROR, "cannot set up the emulated ports:");
    }
    /* A live update takes the functions over from the old VMM instead
     * (hvm/save_pci.c). */
    if (pci && lu_fd < 0 && passthrough_attach(&vm, pci, spec.kernel != NULL) < 0)
        die(XK_EXIT_USAGE, "cannot pass the PCI function through");
    if ((rc = events_init(&vm))) {
        errno = -rc;
        die(XK_EXIT_VMM_ERROR, "cannot set up event channels:");
    }
    if ((rc = timers_init(&vm))) {
        errno = -rc;
        die(XK_EXIT_VMM_ERROR, "cannot set up the timers:");
    }
    if (lu_fd >= 0) {
        /* Live update: the guest memfd and the state from the old VMM, a
         * new KVM VM (docs/live-update.md).  Past this point the old VMM
         * is gone: a failure loses the guest. */
        char msg[SS_MSG_LEN];

        if ((rc = lu_read(lu_fd, &lu, msg)) || (rc = lu_restore(&vm, &lu, msg)))
            die(XK_EXIT_VMM_ERROR, "live update: cannot restore the domain: %s", msg);
        restored = true;
    } else if (restore_fd >= 0) {
        /* The saved domain replaces the one just built (docs/migration.md). */
        struct mig_in in = { .fd = restore_fd };
        struct mig_restored res;
        char msg[SS_MSG_LEN];

        rc = mig_restore(&vm, &in, &res, msg);
        mig_in_free(&in);
        close(restore_fd);
        if (rc)
            die(XK_EXIT_USAGE, "cannot restore the domain: %s", msg);
        restored = res.xenkvm_state;
        log_info("restored %llu bytes (%llu pages with data, %llu zero, %llu absent)%s",
                 (unsigned long long)res.st.bytes, (unsigned long long)res.st.pages_data,
                 (unsigned long long)res.st.pages_zero,
                 (unsigned long long)res.st.pages_absent,
                 restored ? "" : ", a stream without xenkvm's state");
        if (res.st.npending) {
            /* Postcopy: the pages still at the source are fetched on
             * demand once xl hands over the channel (POSTCOPY); until
             * then a thread touching one waits. */
            char pmsg[PC_MSG_LEN];
            if (!(vm.pc_dest = calloc(1, sizeof(*vm.pc_dest))) ||
                pc_dest_arm(vm.pc_dest, vm.mem_fd, vm.mem, vm.ram_pages,
                            res.st.pending, res.st.npending, pmsg))
                die(XK_EXIT_VMM_ERROR, "cannot arm postcopy: %s",
                    vm.pc_dest ? pmsg : "out of memory");
            log_info("postcopy: %llu pages to fetch", (unsigned long long)res.st.npending);
        }
        free(res.st.pending);
    }
    if (lu_fd >= 0 && lu.ctl_fd >= 0) {
        if (control_adopt(&vm, lu.ctl_fd))
            die(XK_EXIT_VMM_ERROR, "live update: cannot serve the control socket");
    } else if (vm.rundir && (rc = control_listen(&vm))) {
        die(XK_EXIT_VMM_ERROR, "cannot listen on the control socket");
    }
    if (lu_fd >= 0 && lu_adopt_links(&vm, &lu))
        die(XK_EXIT_VMM_ERROR, "live update: cannot take the event channels over");
    if (lu_fd >= 0 && lu.xs) {
        if (!xenstored || xenstore_adopt(&vm, xenstored, lu.xs_fds))
            die(XK_EXIT_VMM_ERROR, "live update: cannot take the xenstored attachment over");
    } else if (xenstored && (rc = xenstore_attach(&vm, xenstored))) {
        errno = -rc;
        die(XK_EXIT_VMM_ERROR, "cannot attach the xenstore ring:");
    }

    /* The PV console runs here, on the backend seam. */
    vm_backend_ctx(&vm, &backend_ctx);
    if ((rc = console_start_kept(&backend_ctx, XK_CONSOLE_PORT, console_fd, lu.console_fds,
                                 lu.nr_console, &vm.console)))
        die(XK_EXIT_VMM_ERROR, "cannot set up the PV console");

    pthread_create(&sigthr, NULL, signal_thread, &vm);
    pthread_detach(sigthr);
    /* Xen creates every domain paused by the controller; xl unpauses it
     * unless told -p.  Here --paused keeps that first pause. */
    if (!restored)
        vm.ctl_pause_count = paused;
    if (msr_filter_wait())
        die(XK_EXIT_VMM_ERROR, "cannot set up the %s hypercall transport",
            xk_transport_name(vm.transport));
    if (vcpus_start(&vm, restore_fd >= 0 || lu_fd >= 0 ? NULL : &boot))
        die(XK_EXIT_VMM_ERROR, "cannot start the vCPUs");
    if (lu_fd >= 0)
        lu_finish(&vm, &lu);
    if (ready_fd >= 0) {
        /* Everything is up: memory, xenstore, sockets, vCPUs. */
        if (write(ready_fd, "R", 1) != 1)
            log_warn("--ready-fd %d:", ready_fd);
        close(ready_fd);
    }
    /* A live-updated VMM was adopted before its exec. */
    if (hold_fd >= 0 && lu_fd < 0 && await_adoption(&vm, hold_fd))
        vm_shutdown(&vm, XK_EXIT_KILLED);
    for (;;) {
        rc = vm_wait(&vm);
        if (hold_fd < 0 || rc == XK_EXIT_KILLED || !hold_domain(&vm, hold_fd, rc))
            break;
        log_info("domain %u resumed after its suspend", vm.domid);
        if (vm_resume(&vm))
            die(XK_EXIT_VMM_ERROR, "cannot restart the vCPUs");
    }
    log_info("domain %u stopped, exit status %d", vm.domid, rc);
    if (stats)
        print_stats(&vm);
    if (!vm.vcpu_stuck) {
        watchdog_destroy(&vm);      /* it may kick vCPUs: stop it first */
        xenstore_detach(&vm);
        passthrough_detach(&vm);
        events_destroy(&vm);
        passthrough_pirq_destroy(&vm);
        vcpus_destroy(&vm);
        vm_destroy(&vm);
    }
    return rc;
}
