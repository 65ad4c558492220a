/* xl's view of a VMM: its INFO reply in libxl_dominfo's terms, and the
 * controller pause (lib/vmm_ctl.h).  Many VMMs are asked at once, with one
 * deadline for all, and a VMM whose process is stopped is not asked at
 * all: a hung domain costs `xl list` nothing (Xen's list never waits on a
 * guest either). */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dominfo.h"
#include "exit_codes.h"
#include "lifecycle.h"
#include "lockfile.h"
#include "paths.h"
#include "unix_sock.h"
#include "vmm_ctl.h"
#include "xl.h"

static void fill(struct xl_dominfo *d, const struct xk_link_info *i)
{
    unsigned n;

    d->vmm_up = true;
    d->hung = false;
    d->paused = i->flags & XK_INFO_PAUSED;
    d->running = i->flags & XK_INFO_RUNNING;
    d->blocked = i->flags & XK_INFO_BLOCKED;
    d->pvcontrol = i->flags & XK_INFO_PV_CONTROL;
    if (i->flags & XK_INFO_SHUTDOWN) {
        /* The reason the monitor acts on: the VMM's exit status mapped as
         * the monitor maps it (a triple fault is a reboot, as on Xen). */
        int r = xk_shutdown_for_exit(i->exit_status);
        if (r >= 0) {
            d->shutdown = true;
            d->shutdown_reason = r;
            d->running = d->blocked = false;
        } else {
            d->dying = true;
        }
    }
    d->current_kb = i->mem_kib;
    d->max_kb = i->max_mem_kib;
    d->cpu_time_ns = i->cpu_time_ns;
    d->max_vcpus = i->nr_vcpus;
    d->vcpu_online = i->online_vcpus;
    d->rings.store_pfn = i->store_pfn;
    d->rings.store_port = i->store_port;
    d->rings.console_pfn = i->console_pfn;
    d->rings.console_port = i->console_port;
    n = i->nr_vcpus < XK_LINK_MAX_VCPUS ? i->nr_vcpus : XK_LINK_MAX_VCPUS;
    free(d->vcpus);
    d->vcpus = calloc(n ? n : 1, sizeof(*d->vcpus));
    for (unsigned k = 0; d->vcpus && k < n; k++) {
        d->vcpus[k].online = i->vcpu[k].online;
        d->vcpus[k].running = i->vcpu[k].running;
        d->vcpus[k].blocked = i->vcpu[k].blocked;
        d->vcpus[k].time_ns = i->vcpu[k].cpu_time_ns;
        d->vcpus[k].cpu = i->vcpu[k].cpu == XK_INFO_NO_CPU ? 0 : (int)i->vcpu[k].cpu;
    }
}

bool xl_pid_stopped(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "re");
    if (!f)
        return false;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    /* "pid (comm) S ...": comm may hold anything, so from the last ')'.
     * Only 'T' (SIGSTOP) counts: 't' is a tracer's stop, which is
     * transient (LeakSanitizer stops every thread of a VMM built with
     * sanitizers that way while it exits) and answered once it ends. */
    p = strrchr(buf, ')');
    return p && p[2] == 'T';
}

/* A connection to domain DOMID's VMM that never blocks (a listener that
 * does not accept fills its backlog); -1 when no VMM listens. */
static int connect_vmm(unsigned domid, pid_t *pid)
{
    struct sockaddr_un a;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    int s;

    *pid = 0;
    if (xk_link_sock_addr(xl_rundir(), domid, &a))
        return -1;
    s = xk_unix_connect(a.sun_path, SOCK_SEQPACKET | SOCK_NONBLOCK);
    if (s < 0) {
        /* EAGAIN: a full backlog, nobody accepts: hung, not gone. */
        if (s == -EAGAIN)
            *pid = -1;
        return -1;
    }
    /* The listener's pid, known without its answering. */
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
        *pid = cred.pid;
    return s;
}

pid_t xl_vmm_peer_pid(unsigned domid)
{
    pid_t pid;
    int s = connect_vmm(domid, &pid);

    if (s >= 0)
        close(s);
    return pid > 0 ? pid : 0;
}

/* Is any thread of process PID runnable (or running)? */
static bool pid_runnable(pid_t pid)
{
    char path[64], buf[512], *p;
    struct dirent *e;
    bool r = false;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
    d = opendir(path);
    if (!d)
        return false;
    while (!r && (e = readdir(d))) {
        FILE *f;
        size_t n;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/stat", (long)pid, e->d_name);
        f = fopen(path, "re");
        if (!f)
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        p = strrchr(buf, ')');
        r = p && p[1] && p[2] == 'R';
    }
    closedir(d);
    return r;
}

#define XL_STR2(x) #x
#define XL_STR(x) XL_STR2(x)

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void xl_vmm_query_many(struct xl_dominfo *d, unsigned n, int timeout_ms)
{
    struct pollfd *p = calloc(n ? n : 1, sizeof(*p));
    struct xk_link_info *info = malloc(sizeof(*info));
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_INFO, .from_dom = 0 };
    long start = now_ms(), deadline = start + timeout_ms;
    bool graced = timeout_ms <= XL_STUCK_GRACE_MS;
    unsigned left = 0;

    if (!p || !info) {
        perror("xl");
        exit(EXIT_FAILURE);
    }
    for (unsigned i = 0; i < n; i++) {
        pid_t pid, mon;

        d[i].vmm_up = d[i].hung = false;
        p[i].fd = -1;
        /* A VMM known to be stopped is not even connected to: each
         * connection would wait in its backlog until it runs again. */
        xl_dom_pidfile(d[i].domid, &mon, &pid);
        if (pid > 0 && xl_pid_stopped(pid) && xl_domlock_holder(d[i].domid, pid)) {
            d[i].vmm_pid = pid;
            d[i].hung = true;
            d[i].hung_why = "its VMM is stopped: not asked";
            continue;
        }
        p[i].fd = connect_vmm(d[i].domid, &pid);
        p[i].events = POLLIN;
        if (pid > 0)
            d[i].vmm_pid = pid;
        if (p[i].fd < 0) {
            d[i].hung = pid < 0;
            d[i].hung_why = "its VMM accepts no connection: not asked";
            continue;
        }
        if (xl_pid_stopped(pid) || send(p[i].fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
            d[i].hung = true;
            d[i].hung_why = "its VMM is stopped or takes no request: not asked";
            close(p[i].fd);
            p[i].fd = -1;
            continue;
        }
        left++;
    }
    while (left) {
        long t = now_ms(), wait = deadline - t;
        int rc;

        if (wait <= 0)
            break;
        if (!graced && start + XL_STUCK_GRACE_MS <= t) {
            graced = true;
            for (unsigned i = 0; i < n; i++) {
                struct pollfd one = { .fd = p[i].fd, .events = POLLIN };

                /* An answer already here is taken below; a VMM with a
                 * runnable thread is slow, not stuck. */
                if (p[i].fd < 0 || d[i].vmm_pid <= 0 || poll(&one, 1, 0) != 0 ||
                    pid_runnable(d[i].vmm_pid))
                    continue;
                d[i].hung = true;
                d[i].hung_why = "its VMM did not answer within " XL_STR(XL_STUCK_GRACE_MS)
                                " ms and none of its threads is runnable";
                close(p[i].fd);
                p[i].fd = -1;
                left--;
            }
            continue;
        }
        if (!graced && start + XL_STUCK_GRACE_MS - t < wait)
            wait = start + XL_STUCK_GRACE_MS - t;
        rc = poll(p, n, (int)wait);
        if (rc < 0 && errno != EINTR)
            break;
        for (unsigned i = 0; rc > 0 && i < n; i++) {
            ssize_t got;

            if (p[i].fd < 0 || !p[i].revents)
                continue;
            memset(info, 0, sizeof(*info));
            got = recv(p[i].fd, info, sizeof(*info), MSG_DONTWAIT);
            if (got < 0 && errno == EAGAIN)
                continue;
            if (vmm_ctl_info_check(info, got < 0 ? -errno : got) == 0)
                fill(&d[i], info);
            close(p[i].fd);
            p[i].fd = -1;
            left--;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (p[i].fd >= 0) {
            d[i].hung = true;   /* it took the request and never answered */
            d[i].hung_why = "its VMM did not answer in time";
            close(p[i].fd);
        }
    }
    free(info);
    free(p);
}

bool xl_vmm_query(struct xl_dominfo *d)
{
    xl_vmm_query_many(d, 1, VMM_CTL_TIMEOUT_MS);
    return d->vmm_up;
}

int xl_vmm_pause(unsigned domid)
{
    return vmm_ctl_pause(xl_rundir(), domid);
}

int xl_vmm_unpause(unsigned domid)
{
    return vmm_ctl_unpause(xl_rundir(), domid);
}
